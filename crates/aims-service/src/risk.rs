//! Risks: the organization's criteria, the heat map and acceptance.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::num;
use aims_domain::register::RISKS;
use aims_domain::risk::RiskCriteria;
use aims_domain::{Invalid, Permission};
use aims_store::{Record, Store};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

pub async fn criteria(store: &Store, org_id: i64) -> Result<(RiskCriteria, i64), AppError> {
    match store.risk_criteria(org_id).await? {
        Some((json, v)) => Ok((serde_json::from_str(&json).unwrap_or_default(), v)),
        None => Ok((RiskCriteria::default(), 0)),
    }
}

/// The organization's risk criteria and their version.
pub async fn get_criteria(cx: &Cx, scope: &Scope) -> AppResult<(RiskCriteria, i64)> {
    scope.require(Permission::Read)?;
    criteria(&cx.store, scope.org_id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaBody {
    #[schema(value_type = Object)]
    pub criteria: RiskCriteria,
    pub version: i64,
}

/// Replaces the risk criteria (scales, bands, acceptance threshold); approvers only.
pub async fn set_criteria(
    cx: &Cx,
    scope: &Scope,
    b: CriteriaBody,
) -> AppResult<(RiskCriteria, i64)> {
    scope.require(Permission::Approve)?;
    b.criteria.check().map_err(AppError::invalid)?;
    let json =
        serde_json::to_string(&b.criteria).map_err(|e| AppError::bad_request(e.to_string()))?;
    let v = cx
        .store
        .set_risk_criteria(&scope.actor, scope.org_id, &json, b.version, cx.now())
        .await?;
    Ok((b.criteria, v))
}

/// The heat map as data: every cell with its count and band.
pub async fn heatmap_cells(
    store: &Store,
    org_id: i64,
    residual: bool,
) -> Result<(RiskCriteria, Vec<Vec<(i64, String)>>), AppError> {
    let (c, _) = criteria(store, org_id).await?;
    let counts = store.risk_heatmap(org_id, residual).await?;
    let mut grid = vec![];
    for i in (1..=c.impact.len() as i64).rev() {
        let mut row = vec![];
        for l in 1..=c.likelihood.len() as i64 {
            let n = counts
                .iter()
                .find(|(x, y, _)| *x == l && *y == i)
                .map(|t| t.2)
                .unwrap_or(0);
            row.push((
                n,
                c.band(l * i)
                    .map(|b| b.colour.clone())
                    .unwrap_or_else(|| "#9e9e9e".into()),
            ));
        }
        grid.push(row);
    }
    Ok((c, grid))
}

/// Every non-empty cell of the heat map with its count, score and level.
pub async fn heatmap(cx: &Cx, scope: &Scope, residual: bool) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let (c, counts) = (
        criteria(&cx.store, scope.org_id).await?.0,
        cx.store.risk_heatmap(scope.org_id, residual).await?,
    );
    let cells: Vec<Value> = counts
        .iter()
        .map(|(l, i, n)| {
            json!({"likelihood": l, "impact": i, "count": n, "score": l * i,
                   "level": c.band(l * i).map(|b| b.level.clone())})
        })
        .collect();
    Ok(json!({"residual": residual, "cells": cells}))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Why the remaining risk is acceptable.
    pub reason: String,
    /// Until when the acceptance holds: the risk's next review (`YYYY-MM-DD`, today or later).
    /// One year from today when left out.
    #[serde(default)]
    pub review_on: Option<String>,
    /// The member of top management who accepted it, by user id: required when the score is
    /// above the acceptance threshold.
    #[serde(default)]
    pub top_management_acceptor: Option<i64>,
    /// Older clients' flag; a named acceptor is what counts now.
    #[serde(default)]
    pub top_management_acceptance: bool,
    pub version: i64,
}

/// A named approver accepts a risk: why, until when (its next review), and above the
/// threshold, the top-management member who accepted it, by name.
pub async fn accept(cx: &Cx, scope: &Scope, id: i64, b: AcceptBody) -> AppResult<Record> {
    let (store, org_id) = (&cx.store, scope.org_id);
    if !scope.perms.allows(Permission::Approve) {
        return Err(AppError::forbidden(
            "accepting a risk needs a manager or admin role",
        ));
    }
    let risk = store
        .register_get(org_id, &RISKS, id)
        .await?
        .ok_or_else(|| AppError::not_found("risk"))?;
    let mut inv = Invalid::default();
    if b.reason.trim().is_empty() {
        inv.push(
            "reason",
            "is required: say why the remaining risk is acceptable",
        );
    }
    let today = cx.today();
    let review_on = match b
        .review_on
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => (cx.clock.today() + chrono::Months::new(12))
            .format("%Y-%m-%d")
            .to_string(),
        Some(d) => {
            let f = RISKS
                .field("next_review")
                .ok_or_else(|| AppError::internal("no next_review field"))?;
            match aims_domain::register::check_field(f, &Value::String(d.to_string())) {
                Err(m) => inv.push("review_on", m),
                Ok(_) if d < today.as_str() => inv.push(
                    "review_on",
                    "must be today or later: until when the acceptance holds",
                ),
                Ok(_) => {}
            }
            d.to_string()
        }
    };
    if let Some(user) = b.top_management_acceptor {
        // Once top management is named in the AIMS roles (5.3), the acceptor is one of them.
        let top = store.aims_role_holders(org_id, "top_management").await?;
        if store.get_member(org_id, user).await?.is_none() {
            inv.push(
                "top_management_acceptor",
                "is not a member of this organization",
            );
        } else if !top.is_empty() && !top.contains(&user) {
            inv.push(
                "top_management_acceptor",
                "does not hold the top management AIMS role: choose a member named as top management on the AIMS roles page",
            );
        }
    }
    let (c, _) = criteria(store, org_id).await?;
    let score = num(&risk, "residual_score").or_else(|| num(&risk, "inherent_score"));
    match score {
        None => inv.push("residual_score", "assess the risk (likelihood and impact) before accepting it"),
        Some(s) if s > c.acceptance_threshold && b.top_management_acceptor.is_none() => inv.push(
            "top_management_acceptor",
            format!("is required: the score {s} is above the acceptance threshold {}, so top management accepts it, named", c.acceptance_threshold),
        ),
        _ => {}
    }
    inv.into_result().map_err(AppError::invalid)?;
    Ok(store
        .accept_risk(
            &scope.actor,
            org_id,
            id,
            b.version,
            b.reason.trim(),
            b.top_management_acceptor,
            &review_on,
            &today,
            cx.now(),
        )
        .await?)
}

/// The risks with a level outside the organization's scales (after they shrank): they need
/// re-assessing, and a save of one is refused until its levels fit. At most `limit`.
pub async fn outside_scale(cx: &Cx, scope: &Scope, limit: i64) -> AppResult<(String, Vec<Record>)> {
    scope.require(Permission::Read)?;
    let (c, _) = criteria(&cx.store, scope.org_id).await?;
    let raw = format!("outside:{}x{}", c.likelihood.len(), c.impact.len());
    let view = aims_store::ListView::OutsideScale {
        likelihood: c.likelihood.len() as i64,
        impact: c.impact.len() as i64,
    };
    let rows = cx
        .store
        .register_list(
            scope.org_id,
            &RISKS,
            &[],
            None,
            Some(&view),
            None,
            None,
            limit,
        )
        .await?;
    Ok((raw, rows))
}
