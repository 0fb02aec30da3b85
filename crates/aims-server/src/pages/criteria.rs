//! The risk criteria page: scales, score bands and the acceptance threshold, with a preview
//! heat map; after a change, the risks whose levels fall outside the new scales are listed.

use crate::pages::flash_redirect;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::risk::Band;
use aims_domain::risk::Level;
use aims_domain::risk::RiskCriteria;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::risk;
use aims_service::risk::CriteriaBody;
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/o/{slug}/risks/criteria", get(show).post(save))
}

/// Blank rows offered after the filled ones, so a scale can grow without JavaScript.
const SPARE_ROWS: usize = 2;

#[derive(Template)]
#[template(path = "risk_criteria.html")]
pub(crate) struct CriteriaPage {
    layout: Layout,
    criteria: RiskCriteria,
    version: i64,
    spare: usize,
    can_edit: bool,
    errors: Invalid,
    previewing: bool,
    /// Risks with a level outside the scales: (id, reference, name), the list view's query.
    outside: Vec<(i64, String, String)>,
    outside_view: String,
}

impl CriteriaPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.message_for(field)
    }
    /// Errors whose field starts with `prefix` (`likelihood`, `bands`).
    fn errors_under(&self, prefix: &str) -> Vec<String> {
        self.errors
            .0
            .iter()
            .filter(|e| e.field == prefix || e.field.starts_with(&format!("{prefix}[")))
            .map(|e| format!("{} {}", e.field, e.message))
            .collect()
    }
    fn band_for(&self, likelihood: &usize, impact: &usize) -> String {
        self.criteria
            .band((likelihood * impact) as i64)
            .map(|b| b.colour.clone())
            .unwrap_or_else(|| "#9e9e9e".into())
    }
    /// The two scales: (form name, title, levels).
    fn scales(&self) -> [(&'static str, &'static str, &[Level]); 2] {
        [
            ("likelihood", "Likelihood scale", &self.criteria.likelihood),
            ("impact", "Impact scale", &self.criteria.impact),
        ]
    }
    fn blank_rows(&self) -> std::ops::Range<usize> {
        0..self.spare
    }
    fn impact_rev(&self) -> Vec<usize> {
        (1..=self.criteria.impact.len()).rev().collect()
    }
}

async fn page(
    s: &AppState,
    ctx: &OrgCtx,
    criteria: Option<RiskCriteria>,
    version: Option<i64>,
    errors: Invalid,
    previewing: bool,
) -> Result<CriteriaPage, PageError> {
    let (stored, stored_version) = risk::get_criteria(&s.cx, &ctx.scope()).await?;
    let (outside_view, rows) = risk::outside_scale(&s.cx, &ctx.scope(), 50).await?;
    let outside = rows
        .iter()
        .map(|r| {
            let text = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            (
                r.get("id").and_then(|v| v.as_i64()).unwrap_or(0),
                text("reference"),
                text("name"),
            )
        })
        .collect();
    Ok(CriteriaPage {
        layout: ctx.layout("Risk criteria", "heatmap"),
        criteria: criteria.unwrap_or(stored),
        version: version.unwrap_or(stored_version),
        spare: SPARE_ROWS,
        can_edit: ctx.org.role.permissions().allows(Permission::Approve),
        errors,
        previewing,
        outside,
        outside_view,
    })
}

pub(crate) async fn show(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &page(&s, &ctx, None, None, Invalid::default(), false).await?,
    ))
}

/// Reads the form's rows; blank rows are left out. Numbers that are not numbers are named.
fn criteria_from(form: &[(String, String)], inv: &mut Invalid) -> RiskCriteria {
    let rows = |prefix: &str| -> Vec<Level> {
        (0..=20)
            .filter_map(|i| {
                let label = form_value(form, &format!("{prefix}_label_{i}"))
                    .trim()
                    .to_string();
                let description = form_value(form, &format!("{prefix}_description_{i}"))
                    .trim()
                    .to_string();
                (!label.is_empty() || !description.is_empty())
                    .then_some(Level { label, description })
            })
            .collect()
    };
    let mut num = |name: &str, field: &str| -> i64 {
        let raw = form_value(form, name).trim();
        raw.parse().unwrap_or_else(|_| {
            inv.push(field, "must be a whole number");
            0
        })
    };
    let mut bands = vec![];
    for i in 0..=20 {
        let level = form_value(form, &format!("band_level_{i}"))
            .trim()
            .to_string();
        let min = form_value(form, &format!("band_min_{i}"))
            .trim()
            .to_string();
        let max = form_value(form, &format!("band_max_{i}"))
            .trim()
            .to_string();
        if level.is_empty() && min.is_empty() && max.is_empty() {
            continue;
        }
        let at = format!("bands[{}]", bands.len());
        bands.push(Band {
            min: num(&format!("band_min_{i}"), &format!("{at}.min")),
            max: num(&format!("band_max_{i}"), &format!("{at}.max")),
            level,
            colour: form_value(form, &format!("band_colour_{i}"))
                .trim()
                .to_string(),
        });
    }
    RiskCriteria {
        likelihood: rows("likelihood"),
        impact: rows("impact"),
        bands,
        acceptance_threshold: num("acceptance_threshold", "acceptance_threshold"),
    }
}

pub(crate) async fn save(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Approve)?;
    let version: i64 = form_value(&form, "version").parse().unwrap_or(0);
    let mut inv = Invalid::default();
    let criteria = criteria_from(&form, &mut inv);
    let previewing = !form_value(&form, "_preview").is_empty();
    if previewing || !inv.is_empty() {
        if let Err(e) = criteria.check() {
            inv.0.extend(e.0);
        }
        let status = if inv.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let p = page(&s, &ctx, Some(criteria), Some(version), inv, previewing).await?;
        return Ok((status, render(&p)).into_response());
    }
    let body = CriteriaBody {
        criteria: criteria.clone(),
        version,
    };
    match risk::set_criteria(&s.cx, &ctx.scope(), body).await {
        Ok((_, v)) => {
            let (_, outside) = risk::outside_scale(&s.cx, &ctx.scope(), 1).await?;
            Ok(flash_redirect(
                &format!("/o/{slug}/risks/criteria"),
                &if outside.is_empty() {
                    format!("Risk criteria saved (version {v}).")
                } else {
                    format!("Risk criteria saved (version {v}). Some risks have levels outside the new scales: they are listed below for re-assessment.")
                },
            ))
        }
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Stale) => {
            let mut errors = Invalid(e.errors.clone());
            if e.kind == ErrorKind::Stale {
                errors.push(
                    "version",
                    "someone else changed the criteria while you were editing: your input is kept; save again to overwrite",
                );
            }
            let p = page(
                &s,
                &ctx,
                Some(criteria),
                e.current_version.or(Some(version)),
                errors,
                false,
            )
            .await?;
            Ok((crate::error::status_of(e.kind), render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
