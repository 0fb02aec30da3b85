//! Competence and AI literacy (7.2, EU AI Act Art. 4): what each AIMS role requires, what each
//! person holds (a competence record or an attended training, in date and not found
//! ineffective), the gaps per person and per role with the action that closes each, and the AI
//! literacy recorded per AI system.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::{num, text};
use crate::registers::{all_rows, ListQuery};
use aims_domain::register::{
    check_input, FieldValue, AIMS_ROLES, AIMS_ROLE_ASSIGNMENTS, AI_LITERACY, COMPETENCES,
    COMPETENCE_RECORDS, PEOPLE, TASKS, TRAININGS,
};
use aims_domain::Permission;
use aims_store::{Record, Store};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// One competence a person needs, and whether they hold it.
#[derive(Serialize, ToSchema, Clone)]
pub struct Need {
    pub competence_id: i64,
    pub competence: String,
    pub role: String,
    /// held, expired or gap.
    pub status: &'static str,
    /// What proves it (or proved it): a competence record or a training, by reference.
    pub by: Option<String>,
    /// Until when it holds.
    pub valid_until: Option<String>,
    /// What closes the gap: a planned training or an open task, by reference.
    pub action: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonCompetence {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub unit: String,
    /// The AIMS roles whose competences they need (labels).
    pub roles: Vec<String>,
    pub needs: Vec<Need>,
    pub gaps: usize,
}

#[derive(Serialize, ToSchema)]
pub struct RoleCompetence {
    pub role: String,
    pub label: String,
    pub competences: Vec<String>,
    pub people: usize,
    pub gaps: usize,
}

/// AI literacy recorded for one AI system (EU AI Act Art. 4).
#[derive(Serialize, ToSchema)]
pub struct SystemLiteracy {
    pub id: i64,
    pub reference: String,
    pub name: String,
    /// People recorded as operating, overseeing or affected by it in their work.
    pub people: usize,
    /// Of them, those whose literacy is recorded.
    pub recorded: usize,
}

#[derive(Serialize, ToSchema)]
pub struct CompetenceView {
    pub people: Vec<PersonCompetence>,
    pub roles: Vec<RoleCompetence>,
    /// AI literacy per AI system that has someone recorded against it.
    pub literacy: Vec<SystemLiteracy>,
    pub gaps: usize,
    /// Trainings whose effectiveness is not evaluated yet (7.2 d).
    pub trainings_not_evaluated: usize,
}

fn label(k: &str) -> String {
    AIMS_ROLES
        .iter()
        .find(|(x, _)| *x == k)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| k.to_string())
}

fn list(r: &Record, k: &str) -> Vec<String> {
    r.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn rows(
    store: &Store,
    org_id: i64,
    spec: &'static aims_domain::register::RegisterSpec,
) -> AppResult<Vec<Record>> {
    all_rows(
        store,
        org_id,
        spec,
        &ListQuery {
            limit: 500,
            ..Default::default()
        },
    )
    .await
}

/// Gaps per person and per role, from the records as they stand today.
pub async fn view(cx: &Cx, scope: &Scope) -> AppResult<CompetenceView> {
    scope.require(Permission::Read)?;
    let (store, org) = (&cx.store, scope.org_id);
    let today = cx.today();
    let people = rows(store, org, &PEOPLE).await?;
    let competences = rows(store, org, &COMPETENCES).await?;
    let records = rows(store, org, &COMPETENCE_RECORDS).await?;
    let trainings = rows(store, org, &TRAININGS).await?;
    let assignments = rows(store, org, &AIMS_ROLE_ASSIGNMENTS).await?;
    let tasks = rows(store, org, &TASKS).await?;
    let literacy_rows = rows(store, org, &AI_LITERACY).await?;
    let mut by_system: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for r in &literacy_rows {
        if let Some(sys) = num(r, "system_id") {
            let e = by_system.entry(sys).or_default();
            e.0 += 1;
            if text(r, "status") == "recorded" {
                e.1 += 1;
            }
        }
    }
    let system_ids: Vec<i64> = by_system.keys().copied().collect();
    let literacy = store
        .register_get_many(org, &aims_domain::register::AI_SYSTEMS, &system_ids)
        .await?
        .iter()
        .filter_map(|sys| {
            let id = num(sys, "id")?;
            let (people, recorded) = by_system.get(&id).copied().unwrap_or_default();
            Some(SystemLiteracy {
                id,
                reference: text(sys, "reference"),
                name: text(sys, "name"),
                people,
                recorded,
            })
        })
        .collect();
    let training_ids: Vec<i64> = trainings.iter().filter_map(|t| num(t, "id")).collect();
    let attendees = store
        .linked_ids("trainings", &training_ids, "people")
        .await?;
    let covers = store
        .linked_ids("trainings", &training_ids, "competences")
        .await?;
    let in_date = |until: &str| until.is_empty() || until >= today.as_str();

    let mut out = vec![];
    let mut by_role: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for p in &people {
        let Some(pid) = num(p, "id") else { continue };
        let mut roles: BTreeSet<String> = list(p, "aims_roles").into_iter().collect();
        if let Some(member) = num(p, "member_id") {
            for a in assignments
                .iter()
                .filter(|a| num(a, "member_id") == Some(member))
            {
                roles.insert(text(a, "aims_role"));
            }
        }
        let mut needs = vec![];
        for c in competences
            .iter()
            .filter(|c| roles.contains(&text(c, "aims_role")))
        {
            let Some(cid) = num(c, "id") else { continue };
            // (reference, valid until, planned) of everything that proves the competence.
            let mut proofs: Vec<(String, String, bool)> = records
                .iter()
                .filter(|r| {
                    num(r, "person_id") == Some(pid) && num(r, "competence_id") == Some(cid)
                })
                .map(|r| (text(r, "reference"), text(r, "expires_on"), false))
                .collect();
            for t in &trainings {
                let Some(tid) = num(t, "id") else { continue };
                let attended = attendees.iter().any(|(a, b)| *a == tid && *b == pid);
                let covered = covers.iter().any(|(a, b)| *a == tid && *b == cid);
                if attended && covered && text(t, "effectiveness") != "not_effective" {
                    let planned = text(t, "held_on") > today;
                    proofs.push((text(t, "reference"), text(t, "expires_on"), planned));
                }
            }
            let held = proofs
                .iter()
                .find(|(_, until, planned)| !planned && in_date(until));
            let expired = proofs.iter().find(|(_, _, planned)| !planned);
            let planned = proofs.iter().find(|(_, _, planned)| *planned);
            let marker = format!("{} for {}", text(c, "reference"), text(p, "reference"));
            let task = tasks
                .iter()
                .find(|t| text(t, "source").contains(&marker) && text(t, "status") != "done");
            let (status, by, until) = match (held, expired) {
                (Some(h), _) => (
                    "held",
                    Some(h.0.clone()),
                    Some(h.1.clone()).filter(|u| !u.is_empty()),
                ),
                (None, Some(e)) => ("expired", Some(e.0.clone()), Some(e.1.clone())),
                (None, None) => ("gap", None, None),
            };
            let action = (status != "held")
                .then(|| {
                    planned
                        .map(|p| format!("training {} is planned", p.0))
                        .or_else(|| task.map(|t| format!("task {} is open", text(t, "reference"))))
                })
                .flatten();
            let role = text(c, "aims_role");
            let e = by_role.entry(role.clone()).or_default();
            if status != "held" {
                e.1 += 1;
            }
            needs.push(Need {
                competence_id: cid,
                competence: format!("{} {}", text(c, "reference"), text(c, "name")),
                role: label(&role),
                status,
                by,
                valid_until: until,
                action,
            });
        }
        for r in &roles {
            by_role.entry(r.clone()).or_default().0 += 1;
        }
        let gaps = needs.iter().filter(|n| n.status != "held").count();
        out.push(PersonCompetence {
            id: pid,
            reference: text(p, "reference"),
            name: text(p, "name"),
            unit: text(p, "unit"),
            roles: roles.iter().map(|r| label(r)).collect(),
            needs,
            gaps,
        });
    }
    let roles = AIMS_ROLES
        .iter()
        .map(|(k, l)| {
            let (people, gaps) = by_role.get(*k).copied().unwrap_or_default();
            RoleCompetence {
                role: k.to_string(),
                label: l.to_string(),
                competences: competences
                    .iter()
                    .filter(|c| text(c, "aims_role") == *k)
                    .map(|c| format!("{} {}", text(c, "reference"), text(c, "name")))
                    .collect(),
                people,
                gaps,
            }
        })
        .collect();
    Ok(CompetenceView {
        literacy,
        gaps: out.iter().map(|p| p.gaps).sum(),
        people: out,
        roles,
        trainings_not_evaluated: trainings
            .iter()
            .filter(|t| {
                text(t, "held_on") <= today
                    && matches!(text(t, "effectiveness").as_str(), "" | "not_checked")
            })
            .count(),
    })
}

/// Opens a task to close one person's competence gap, named so the competence page shows it.
pub async fn gap_task(
    cx: &Cx,
    scope: &Scope,
    person_id: i64,
    competence_id: i64,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let (store, org) = (&cx.store, scope.org_id);
    let person = store
        .register_get(org, &PEOPLE, person_id)
        .await?
        .ok_or_else(|| AppError::not_found("person"))?;
    let competence = store
        .register_get(org, &COMPETENCES, competence_id)
        .await?
        .ok_or_else(|| AppError::not_found("competence"))?;
    let mut obj = Map::new();
    obj.insert(
        "name".into(),
        format!("{}: {}", text(&person, "name"), text(&competence, "name"))
            .chars()
            .take(200)
            .collect::<String>()
            .into(),
    );
    obj.insert(
        "description".into(),
        "Close this competence gap with a training, a certification or documented experience, then record it (7.2).".into(),
    );
    obj.insert("status".into(), "open".into());
    obj.insert(
        "source".into(),
        format!(
            "competence gap {} for {}",
            text(&competence, "reference"),
            text(&person, "reference")
        )
        .into(),
    );
    if let Some(m) = num(&person, "member_id") {
        obj.insert("owner_id".into(), m.into());
    }
    let input = check_input(&TASKS, &obj, false).map_err(AppError::invalid)?;
    crate::registers::write::create(cx, scope, &TASKS, &input).await
}

/// AI literacy of one system: how many people are recorded against it, and how many of them
/// have their literacy recorded.
#[derive(Serialize, ToSchema, Default, Clone, Copy)]
pub struct Literacy {
    pub people: usize,
    pub recorded: usize,
}

pub async fn literacy_of(store: &Store, org_id: i64, system_id: i64) -> AppResult<Literacy> {
    let f = AI_LITERACY
        .field("system_id")
        .ok_or_else(|| AppError::internal("literacy has no system_id"))?;
    let q = ListQuery {
        filters: vec![(f, FieldValue::Int(Some(system_id)))],
        limit: 500,
        ..Default::default()
    };
    let rows = all_rows(store, org_id, &AI_LITERACY, &q).await?;
    Ok(Literacy {
        people: rows.len(),
        recorded: rows
            .iter()
            .filter(|r| text(r, "status") == "recorded")
            .count(),
    })
}
