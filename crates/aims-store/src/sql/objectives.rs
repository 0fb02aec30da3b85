//! SQL of the store: KPI measurements (objectives and KPIs themselves are registers).
//! Measurements are append-only: there is no update and no delete.

use super::*;

const MEASUREMENT_COLUMNS: &str =
    "id, kpi_id, value, period_start, period_end, note, evidence_id, entered_at, entered_by";

/// Records a measurement of a KPI of the organization (404 for another's), with its evidence
/// (which must be the organization's too) and its audit event.
pub async fn add_measurement(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    kpi_id: i64,
    m: &NewMeasurement<'_>,
    now: DateTime<Utc>,
) -> Result<Measurement> {
    let at = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let kpi: Option<i64> = sqlx::query_scalar("SELECT id FROM kpis WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(kpi_id)
        .fetch_optional(&mut *tx)
        .await?;
    if kpi.is_none() {
        return Err(StoreError::NotFound("KPI".into()));
    }
    if let Some(e) = m.evidence_id {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM evidence WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(e)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "evidence_id",
                "is not evidence of this organization",
            )));
        }
    }
    let row: Measurement = sqlx::query_as(&format!(
        "INSERT INTO kpi_measurements (org_id, kpi_id, value, period_start, period_end, note, evidence_id, entered_at, entered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {MEASUREMENT_COLUMNS}"
    ))
    .bind(org_id)
    .bind(kpi_id)
    .bind(m.value.to_string())
    .bind(m.period_start)
    .bind(m.period_end)
    .bind(m.note)
    .bind(m.evidence_id)
    .bind(at)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "measure",
        "kpis",
        &kpi_id.to_string(),
        None::<&()>,
        Some(&row),
        at,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(row)
}

/// A page of a KPI's measurements, newest period first, after the cursor (period end, id).
pub async fn measurements(
    p: &Pools,
    org_id: i64,
    kpi_id: i64,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Vec<Measurement>> {
    let (end, id) = after.unwrap_or_else(|| ("9999-12-31".into(), i64::MAX));
    Ok(sqlx::query_as(&format!(
        "SELECT {MEASUREMENT_COLUMNS} FROM kpi_measurements WHERE org_id = $1 AND kpi_id = $2 \
         AND (period_end < $3 OR (period_end = $3 AND id < $4)) ORDER BY period_end DESC, id DESC LIMIT $5"
    ))
    .bind(org_id)
    .bind(kpi_id)
    .bind(end)
    .bind(id)
    .bind(limit)
    .fetch_all(&p.read)
    .await?)
}

/// The KPI's values by period end, oldest first, for its chart (at most `limit`, the newest).
pub async fn measurement_series(
    p: &Pools,
    org_id: i64,
    kpi_id: i64,
    limit: i64,
) -> Result<Vec<(String, String)>> {
    let mut rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT period_end, value FROM kpi_measurements WHERE org_id = $1 AND kpi_id = $2 \
         ORDER BY period_end DESC, id DESC LIMIT $3",
    )
    .bind(org_id)
    .bind(kpi_id)
    .bind(limit)
    .fetch_all(&p.read)
    .await?;
    rows.reverse();
    Ok(rows)
}
