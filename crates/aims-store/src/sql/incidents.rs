//! SQL of the store: an incident's append-only timeline, and the incident's columns derived
//! from it and from the serious-incident test (awareness, the reporting deadline, the hold).
//! The deadline rules themselves are `aims_domain::incident`; this only feeds them.

use super::*;
use aims_domain::incident::{self, Facts, Harm};

const EVENT_COLUMNS: &str =
    "id, incident_id, kind, at, note, authority, reference, entered_at, entered_by";

/// Recomputes the incident's derived columns inside the write that changed its inputs.
pub(crate) async fn recompute(tx: &mut Tx<'_>, org_id: i64, id: i64) -> Result<()> {
    let row = sqlx::query(
        "SELECT harm_death, harm_health, harm_infrastructure, harm_rights, harm_property, widespread, \
         COALESCE(reporting_role, ''), COALESCE(sector_regime, ''), status FROM incidents WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound("incident".into()))?;
    let harm = Harm {
        death: row.try_get(0)?,
        health: row.try_get(1)?,
        infrastructure: row.try_get(2)?,
        rights: row.try_get(3)?,
        property: row.try_get(4)?,
        widespread: row.try_get(5)?,
    };
    let status: String = row.try_get(8)?;
    // The newest entry of each kind counts (a correction is a newer entry).
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, at FROM incident_events WHERE org_id = $1 AND incident_id = $2 ORDER BY id",
    )
    .bind(org_id)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let role: String = row.try_get(6)?;
    let sector: String = row.try_get(7)?;
    let facts = Facts::from_timeline(harm, &role, &sector, &events);
    let (due, days, reported) = match incident::deadline(&facts) {
        Ok(d) => match d.duty {
            incident::Duty::Report { rule, due, .. } => {
                (incident::stamp(due), Some(rule.days), d.reported)
            }
            _ => (String::new(), None, d.reported),
        },
        Err(_) => (String::new(), None, None),
    };
    let stamp = |t: Option<DateTime<Utc>>| t.map(incident::stamp);
    sqlx::query(
        "UPDATE incidents SET serious = $3, became_aware_at = $4, report_due_at = $5, deadline_days = $6, \
         reported_at = $7, complete_report_at = $8, closed_at = $9, hold = $10 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(harm.serious())
    .bind(stamp(facts.became_aware))
    .bind(due)
    .bind(days)
    .bind(stamp(reported))
    .bind(stamp(facts.complete_report))
    .bind(stamp(facts.closed))
    .bind(incident::hold(&facts) && status != "closed")
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends a timeline entry to an incident of the organization (404 for another's) and
/// recomputes its deadline, in one transaction with its audit event.
pub async fn add_incident_event(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    incident_id: i64,
    e: &NewIncidentEvent<'_>,
    now: DateTime<Utc>,
) -> Result<IncidentEvent> {
    let at = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM incidents WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(incident_id)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_none() {
        return Err(StoreError::NotFound("incident".into()));
    }
    let row: IncidentEvent = sqlx::query_as(&format!(
        "INSERT INTO incident_events (org_id, incident_id, kind, at, note, authority, reference, entered_at, entered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {EVENT_COLUMNS}"
    ))
    .bind(org_id)
    .bind(incident_id)
    .bind(e.kind)
    .bind(e.at)
    .bind(e.note)
    .bind(e.authority)
    .bind(e.reference)
    .bind(at)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await?;
    recompute(&mut tx, org_id, incident_id).await?;
    sqlx::query(
        "UPDATE incidents SET updated_at = $3, version = version + 1 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(incident_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "timeline",
        "incidents",
        &incident_id.to_string(),
        None::<&()>,
        Some(&row),
        at,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(row)
}

/// An incident's timeline in the order of the moments it records.
pub async fn incident_events(
    p: &Pools,
    org_id: i64,
    incident_id: i64,
) -> Result<Vec<IncidentEvent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM incident_events WHERE org_id = $1 AND incident_id = $2 ORDER BY at, id"
    ))
    .bind(org_id)
    .bind(incident_id)
    .fetch_all(&p.read)
    .await?)
}

/// Incidents whose report is ours and not yet sent, soonest due first.
pub async fn open_report_deadlines(
    p: &Pools,
    org_id: i64,
    limit: i64,
) -> Result<Vec<OpenDeadline>> {
    Ok(sqlx::query_as(
        "SELECT id, number, name, report_due_at, COALESCE(deadline_days, 0) AS deadline_days FROM incidents \
         WHERE org_id = $1 AND reported_at IS NULL AND report_due_at <> '' AND status <> 'closed' \
         ORDER BY report_due_at, id LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(&p.read)
    .await?)
}

/// Incidents holding these AI systems (Art. 73(6)): (system id, incident number, incident name).
pub async fn holds_on_systems(
    p: &Pools,
    org_id: i64,
    system_ids: &[i64],
) -> Result<Vec<(i64, i64, String)>> {
    if system_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut q = QueryBuilder::<DB>::new(
        "SELECT l.a_id, i.number, i.name FROM record_links l JOIN incidents i ON i.id = l.b_id AND i.org_id = l.org_id \
         WHERE l.org_id = ",
    );
    q.push_bind(org_id).push(
        " AND l.a_table = 'ai_systems' AND l.b_table = 'incidents' AND i.hold AND l.a_id IN (",
    );
    let mut sep = q.separated(", ");
    for id in system_ids {
        sep.push_bind(*id);
    }
    q.push(") ORDER BY l.a_id, i.number");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}
