//! SQL of the store: risks, criteria, settings, SoA, impact assessments.

use super::*;

/// Counts of risks per (likelihood, impact) cell: one grouped query on an index.
pub async fn risk_heatmap(p: &Pools, org_id: i64, residual: bool) -> Result<Vec<(i64, i64, i64)>> {
    let (l, i) = if residual {
        ("residual_likelihood", "residual_impact")
    } else {
        ("inherent_likelihood", "inherent_impact")
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {l}, {i}, COUNT(*) FROM risks WHERE org_id = $1 AND {l} IS NOT NULL AND {i} IS NOT NULL GROUP BY {l}, {i}"
    ))
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn risk_criteria(p: &Pools, org_id: i64) -> Result<Option<(String, i64)>> {
    org_document(p, org_id, "risk_criteria", "criteria_json").await
}

/// Saves the criteria; `version` 0 means "none stored yet".
pub async fn set_risk_criteria(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    criteria_json: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    set_org_document(
        p,
        actor,
        org_id,
        "risk_criteria",
        "criteria_json",
        criteria_json,
        version,
        now,
    )
    .await
}

/// An organization's one JSON document in `table` (risk criteria, the plan) and its version.
pub(crate) async fn org_document(
    p: &Pools,
    org_id: i64,
    table: &str,
    column: &str,
) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {column}, version FROM {table} WHERE org_id = $1"
    ))
    .bind(org_id)
    .fetch_optional(&p.read)
    .await?)
}

/// Replaces an organization's JSON document in `table` (static names), audited as an update of
/// `table`; `version` 0 means "none stored yet". Returns the new version.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn set_org_document(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    table: &str,
    column: &str,
    json: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Option<(String, i64)> = sqlx::query_as(&format!(
        "SELECT {column}, version FROM {table} WHERE org_id = $1"
    ))
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    let current = before.as_ref().map(|b| b.1).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    let sql = if before.is_some() {
        format!("UPDATE {table} SET {column} = $2, version = version + 1, updated_at = $3 WHERE org_id = $1")
    } else {
        format!(
            "INSERT INTO {table} (org_id, {column}, version, updated_at) VALUES ($1, $2, 1, $3)"
        )
    };
    sqlx::query(&sql)
        .bind(org_id)
        .bind(json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let parse =
        |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::UPDATE,
        table,
        &org_id.to_string(),
        before.as_ref().map(|b| parse(&b.0)).as_ref(),
        Some(&parse(json)),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(current + 1)
}

pub async fn org_settings(p: &Pools, org_id: i64) -> Result<(bool, i64)> {
    let row: Option<(bool, i64)> =
        sqlx::query_as("SELECT lifecycle_gates, version FROM org_settings WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&p.read)
            .await?;
    Ok(row.unwrap_or((true, 0)))
}

#[allow(clippy::too_many_arguments)]
pub async fn set_lifecycle_gates(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    enabled: bool,
    version: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Option<(bool, i64)> =
        sqlx::query_as("SELECT lifecycle_gates, version FROM org_settings WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (was, current) = before.unwrap_or((true, 0));
    if current != version {
        return Err(StoreError::stale(current));
    }
    if current == 0 {
        sqlx::query("INSERT INTO org_settings (org_id, lifecycle_gates, version, updated_at) VALUES ($1, $2, 1, $3)").bind(org_id).bind(enabled).bind(now).execute(&mut *tx).await?;
    } else {
        sqlx::query("UPDATE org_settings SET lifecycle_gates = $2, version = version + 1, updated_at = $3 WHERE org_id = $1").bind(org_id).bind(enabled).bind(now).execute(&mut *tx).await?;
    }
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::UPDATE,
        "org_settings",
        &org_id.to_string(),
        Some(&serde_json::json!({"lifecycle_gates": was})),
        Some(&serde_json::json!({"lifecycle_gates": enabled})),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(current + 1)
}

/// Records the acceptance of a risk's residual level.
#[allow(clippy::too_many_arguments)]
pub async fn accept_risk(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    reason: &str,
    top_management_acceptor: Option<i64>,
    review_on: &str,
    today: &str,
    now: DateTime<Utc>,
) -> Result<Record> {
    let spec = &aims_domain::register::RISKS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("risk".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query(
        "UPDATE risks SET status = 'accepted', accepted_by = $3, accepted_on = $4, acceptance_reason = $5, top_management_acceptance = $6, \
         top_management_acceptor = $8, next_review = $9, \
         accepted_score = COALESCE(residual_score, inherent_score), updated_at = $7, version = version + 1 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(actor.user_id)
    .bind(today)
    .bind(reason)
    .bind(top_management_acceptor.is_some())
    .bind(now)
    .bind(top_management_acceptor)
    .bind(review_on)
    .execute(&mut *tx)
    .await?;
    let after = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("risk".into()))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "accept",
        spec.table,
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// "modify" risks that no control treats, by reference.
pub async fn untreated_modify_risks(p: &Pools, org_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT r.number FROM risks r WHERE r.org_id = $1 AND r.treatment = 'modify' AND NOT EXISTS \
         (SELECT 1 FROM record_links k WHERE k.a_table = 'controls' AND k.b_table = 'risks' AND k.b_id = r.id) ORDER BY r.number",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

/// Creates the organization's SoA entries for every Annex A control that has none yet.
pub(crate) async fn ensure_soa(tx: &mut Tx<'_>, org_id: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO soa_entries (org_id, requirement_id, status, version, updated_at) \
         SELECT $1, r.id, 'not_started', 1, $2 FROM requirements r JOIN frameworks f ON f.id = r.framework_id \
         WHERE f.key = 'iso42001-2023' AND f.org_id IS NULL AND r.kind = 'control' AND r.withdrawn = FALSE \
         AND NOT EXISTS (SELECT 1 FROM soa_entries e WHERE e.org_id = $1 AND e.requirement_id = r.id)",
    )
    .bind(org_id)
    .bind(micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) const SOA_SELECT: &str = "SELECT e.id, e.requirement_id, r.ref AS reference, r.title, e.applicable, e.justification, e.status, e.version, e.updated_at, e.updated_by, \
     (SELECT COUNT(*) FROM record_links k JOIN controls c ON c.id = k.a_id WHERE k.a_table = 'controls' AND k.b_table = 'requirements' \
        AND k.b_id = e.requirement_id AND c.org_id = e.org_id AND c.status = 'implemented') AS implemented_controls \
     FROM soa_entries e JOIN requirements r ON r.id = e.requirement_id";

/// The SoA, one entry per Annex A control, in catalog order (created on first read).
pub async fn soa_entries(p: &Pools, org_id: i64, now: DateTime<Utc>) -> Result<Vec<SoaEntry>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM soa_entries WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(&p.read)
        .await?;
    if n == 0 {
        let mut tx = p.write.begin().await?;
        ensure_soa(&mut tx, org_id, now).await?;
        tx.commit().await?;
    }
    Ok(sqlx::query_as(&format!(
        "{SOA_SELECT} WHERE e.org_id = $1 ORDER BY r.position"
    ))
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

/// The controls (any status) linked to each Annex A requirement, for the SoA: one query.
pub async fn soa_controls(p: &Pools, org_id: i64) -> Result<Vec<(i64, i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT k.b_id, c.number, c.name, c.status FROM record_links k JOIN controls c ON c.id = k.a_id \
         JOIN soa_entries e ON e.requirement_id = k.b_id AND e.org_id = c.org_id \
         WHERE k.a_table = 'controls' AND k.b_table = 'requirements' AND c.org_id = $1 ORDER BY c.number",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

/// Decides one SoA entry.
pub async fn update_soa_entry(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    change: &SoaChange,
    now: DateTime<Utc>,
) -> Result<SoaEntry> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let after = write_soa_entry(&mut tx, &mut chain, actor, org_id, change, now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// One SoA decision inside the caller's transaction: checked against the version it was read
/// at, written, and recorded in the audit trail.
async fn write_soa_entry(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    c: &SoaChange,
    now: DateTime<Utc>,
) -> Result<SoaEntry> {
    let now = micros(now);
    let select = format!("{SOA_SELECT} WHERE e.org_id = $1 AND e.id = $2");
    let before: SoaEntry = sqlx::query_as(&select)
        .bind(org_id)
        .bind(c.entry_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("SoA entry".into()))?;
    if before.version != c.version {
        return Err(StoreError::stale(before.version));
    }
    sqlx::query("UPDATE soa_entries SET applicable = $3, justification = $4, status = $5, version = version + 1, updated_at = $6, updated_by = $7 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(c.entry_id)
        .bind(c.applicable)
        .bind(c.justification.as_deref())
        .bind(&c.status)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut **tx)
        .await?;
    let after: SoaEntry = sqlx::query_as(&select)
        .bind(org_id)
        .bind(c.entry_id)
        .fetch_one(&mut **tx)
        .await?;
    append_event(
        tx,
        chain,
        actor,
        action::UPDATE,
        "soa_entry",
        &c.entry_id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    Ok(after)
}

/// Freezes the SoA as it is now into a numbered, approved version.
#[allow(clippy::too_many_arguments)]
pub async fn approve_soa(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    note: &str,
    override_reason: Option<&str>,
    snapshot_json: &str,
    now: DateTime<Utc>,
) -> Result<SoaVersion> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM soa_versions WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO soa_versions (org_id, number, approved_by, approved_at, note, snapshot_json, override_reason) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id",
    )
    .bind(org_id)
    .bind(number)
    .bind(actor.user_id)
    .bind(now)
    .bind(note)
    .bind(snapshot_json)
    .bind(override_reason)
    .fetch_one(&mut *tx)
    .await?;
    let v: SoaVersion = sqlx::query_as(&format!("{SOA_VERSION_SELECT} WHERE v.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "approve",
        "soa",
        &number.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"version": number, "note": note, "override_reason": override_reason})),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(v)
}

pub(crate) const SOA_VERSION_SELECT: &str = "SELECT v.id, v.number, v.approved_by, v.approved_at, v.note, v.snapshot_json, v.override_reason, u.name AS approved_by_name \
     FROM soa_versions v LEFT JOIN users u ON u.id = v.approved_by";

pub async fn soa_versions(p: &Pools, org_id: i64) -> Result<Vec<SoaVersion>> {
    Ok(sqlx::query_as(&format!(
        "{SOA_VERSION_SELECT} WHERE v.org_id = $1 ORDER BY v.number DESC"
    ))
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

/// Impact assessment workflow: replaces entries (draft only), or moves the status.
#[allow(clippy::too_many_arguments)]
pub async fn set_ia_entries(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    entries_json: &str,
    now: DateTime<Utc>,
) -> Result<Record> {
    let spec = &aims_domain::register::IMPACT_ASSESSMENTS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    if before.get("status").and_then(|v| v.as_str()) != Some("draft") {
        return Err(StoreError::Conflict("only a draft impact assessment can be edited: start a new version to change an approved one".into()));
    }
    sqlx::query("UPDATE impact_assessments SET entries_json = $3, updated_at = $4, version = version + 1 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .bind(entries_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let after = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::UPDATE,
        spec.table,
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// `submit` (draft to in review), `approve` (in review to approved, not by the author; the
/// system's earlier approved assessment becomes superseded), or `reopen` (in review to draft).
#[allow(clippy::too_many_arguments)]
pub async fn ia_transition(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    step: &str,
    today: &str,
    now: DateTime<Utc>,
) -> Result<Record> {
    let spec = &aims_domain::register::IMPACT_ASSESSMENTS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    let status = before.get("status").and_then(|v| v.as_str()).unwrap_or("");
    let system_id = before
        .get("system_id")
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    match (step, status) {
        ("submit", "draft") => {
            sqlx::query("UPDATE impact_assessments SET status = 'in_review', updated_at = $3, version = version + 1 WHERE org_id = $1 AND id = $2")
                .bind(org_id).bind(id).bind(now).execute(&mut *tx).await?;
        }
        ("reopen", "in_review") => {
            sqlx::query("UPDATE impact_assessments SET status = 'draft', updated_at = $3, version = version + 1 WHERE org_id = $1 AND id = $2")
                .bind(org_id).bind(id).bind(now).execute(&mut *tx).await?;
        }
        ("approve", "in_review") => {
            if before
                .get("author_id")
                .and_then(|v| v.as_i64())
                .is_some_and(|a| Some(a) == actor.user_id)
            {
                return Err(StoreError::Invalid(aims_domain::Invalid::field(
                    "approver",
                    "the author cannot approve their own impact assessment",
                )));
            }
            let stage: Option<String> = sqlx::query_scalar(
                "SELECT lifecycle_stage FROM ai_systems WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(system_id)
            .fetch_optional(&mut *tx)
            .await?;
            let superseded: Vec<i64> = sqlx::query_scalar("SELECT id FROM impact_assessments WHERE org_id = $1 AND system_id = $2 AND status = 'approved' AND id <> $3")
                .bind(org_id).bind(system_id).bind(id).fetch_all(&mut *tx).await?;
            for old in superseded {
                sqlx::query("UPDATE impact_assessments SET status = 'superseded', updated_at = $3, version = version + 1 WHERE org_id = $1 AND id = $2")
                    .bind(org_id).bind(old).bind(now).execute(&mut *tx).await?;
                append_event(
                    &mut tx,
                    &mut chain,
                    actor,
                    "supersede",
                    spec.table,
                    &old.to_string(),
                    None::<&()>,
                    Some(&serde_json::json!({"status": "superseded", "by": id})),
                    now,
                )
                .await?;
            }
            sqlx::query(
                "UPDATE impact_assessments SET status = 'approved', approver_id = $3, approved_on = $4, stage_at_approval = $5, updated_at = $6, version = version + 1 \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id).bind(id).bind(actor.user_id).bind(today).bind(stage).bind(now).execute(&mut *tx).await?;
        }
        _ => {
            return Err(StoreError::Conflict(format!(
                "an impact assessment in status `{status}` cannot `{step}`"
            )));
        }
    }
    let after = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        step,
        spec.table,
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Stores the metadata of an uploaded evidence file (the bytes live in the object store).
#[allow(clippy::too_many_arguments)]
pub async fn set_evidence_file(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    name: &str,
    sha256: &str,
    size: i64,
    media_type: &str,
    now: DateTime<Utc>,
) -> Result<Record> {
    let spec = &aims_domain::register::EVIDENCE;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("evidence".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query(
        "UPDATE evidence SET kind = 'file', file_name = $3, file_sha256 = $4, file_size = $5, media_type = $6, updated_at = $7, version = version + 1 \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id).bind(id).bind(name).bind(sha256).bind(size).bind(media_type).bind(now).execute(&mut *tx).await?;
    let after = snapshot(&mut tx, org_id, spec, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("evidence".into()))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "upload",
        spec.table,
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Records linked to a set of records of one table, in one query: (from id, other id).
pub async fn linked_ids(
    p: &Pools,
    table: &str,
    ids: &[i64],
    other: &str,
) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let (mine, theirs) = if table <= other {
        ("a", "b")
    } else {
        ("b", "a")
    };
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT {mine}_id, {theirs}_id FROM record_links WHERE {mine}_table = "
    ));
    q.push_bind(table.to_string())
        .push(format!(" AND {theirs}_table = "))
        .push_bind(other.to_string())
        .push(format!(" AND {mine}_id IN ("));
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

/// Id, number and name of a register's records by id, in one query (for display).
pub async fn register_briefs(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    ids: &[i64],
) -> Result<Vec<LinkedRecord>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT id, number, name FROM {} WHERE org_id = ",
        spec.table
    ));
    q.push_bind(org_id).push(" AND id IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

/// Saves several SoA decisions in one transaction: each row checked against the version it was
/// read at (a row changed since answers stale, and nothing is written).
pub async fn update_soa_entries(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    changes: &[SoaChange],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    for c in changes {
        write_soa_entry(&mut tx, &mut chain, actor, org_id, c, now).await?;
    }
    commit(tx, chain).await?;
    Ok(changes.len())
}
