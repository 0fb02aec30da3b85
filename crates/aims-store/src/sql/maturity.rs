//! SQL of the store: maturity and the plan.

use super::*;

#[allow(clippy::too_many_arguments)]
pub async fn create_maturity(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    assessed_on: &str,
    answered_by: &str,
    answers_json: &str,
    now: DateTime<Utc>,
) -> Result<MaturityAssessment> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM maturity_assessments WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&mut *tx)
    .await?;
    let m: MaturityAssessment = sqlx::query_as(
        "INSERT INTO maturity_assessments (org_id, number, assessed_on, answered_by, answers_json, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, number, assessed_on, answered_by, answers_json, created_at",
    )
    .bind(org_id)
    .bind(number)
    .bind(assessed_on)
    .bind(answered_by)
    .bind(answers_json)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::CREATE,
        "maturity_assessment",
        &m.id.to_string(),
        None::<&()>,
        Some(&m),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(m)
}

/// Newest first.
pub async fn maturity_assessments(
    p: &Pools,
    org_id: i64,
    limit: i64,
) -> Result<Vec<MaturityAssessment>> {
    Ok(sqlx::query_as("SELECT id, number, assessed_on, answered_by, answers_json, created_at FROM maturity_assessments WHERE org_id = $1 ORDER BY number DESC LIMIT $2")
        .bind(org_id)
        .bind(limit)
        .fetch_all(&p.read)
        .await?)
}

pub async fn org_plan(p: &Pools, org_id: i64) -> Result<Option<(String, i64)>> {
    org_document(p, org_id, "org_plan", "plan_json").await
}

pub async fn set_org_plan(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    plan_json: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    set_org_document(
        p,
        actor,
        org_id,
        "org_plan",
        "plan_json",
        plan_json,
        version,
        now,
    )
    .await
}

/// Counts the dashboard and evidence-based maturity need, in a fixed number of statements.
pub async fn org_facts(
    p: &Pools,
    org_id: i64,
    today: &str,
    year_ago: &str,
    in_30_days: &str,
    rules_version: &str,
) -> Result<OrgFacts> {
    let one = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let mut f = OrgFacts {
        systems: one("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        systems_in_scope: one("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND in_scope = TRUE").bind(org_id).fetch_one(&p.read).await?,
        systems_with_owner: one("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND owner_id IS NOT NULL").bind(org_id).fetch_one(&p.read).await?,
        systems_overdue: sqlx::query_scalar("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND next_review <> '' AND next_review < $2").bind(org_id).bind(today).fetch_one(&p.read).await?,
        members: one("SELECT COUNT(*) FROM memberships WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        managers: one("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'manager'").bind(org_id).fetch_one(&p.read).await?,
        risks: one("SELECT COUNT(*) FROM risks WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        risks_identified_only: one("SELECT COUNT(*) FROM risks WHERE org_id = $1 AND status = 'identified'").bind(org_id).fetch_one(&p.read).await?,
        risks_treated: one("SELECT COUNT(*) FROM risks WHERE org_id = $1 AND treatment IS NOT NULL AND treatment <> ''").bind(org_id).fetch_one(&p.read).await?,
        risks_overdue: sqlx::query_scalar("SELECT COUNT(*) FROM risks WHERE org_id = $1 AND next_review <> '' AND next_review < $2 AND status <> 'closed'").bind(org_id).bind(today).fetch_one(&p.read).await?,
        approved_assessments: one("SELECT COUNT(*) FROM impact_assessments WHERE org_id = $1 AND status = 'approved'").bind(org_id).fetch_one(&p.read).await?,
        operating_systems_without_assessment: one(
            "SELECT COUNT(*) FROM ai_systems s WHERE s.org_id = $1 AND s.lifecycle_stage IN ('deployment', 'operation_monitoring') \
             AND NOT EXISTS (SELECT 1 FROM impact_assessments i WHERE i.org_id = s.org_id AND i.system_id = s.id AND i.status = 'approved')",
        )
        .bind(org_id)
        .fetch_one(&p.read)
        .await?,
        implemented_controls: one("SELECT COUNT(*) FROM controls WHERE org_id = $1 AND status = 'implemented'").bind(org_id).fetch_one(&p.read).await?,
        controls_checked_recently: sqlx::query_scalar("SELECT COUNT(*) FROM controls WHERE org_id = $1 AND last_checked IS NOT NULL AND last_checked >= $2 AND last_result IS NOT NULL AND last_result <> 'not_checked'")
            .bind(org_id)
            .bind(year_ago)
            .fetch_one(&p.read)
            .await?,
        expired_evidence: sqlx::query_scalar("SELECT COUNT(*) FROM evidence WHERE org_id = $1 AND valid_until <> '' AND valid_until < $2").bind(org_id).bind(today).fetch_one(&p.read).await?,
        evidence_expiring: sqlx::query_scalar("SELECT COUNT(*) FROM evidence WHERE org_id = $1 AND valid_until >= $2 AND valid_until <= $3")
            .bind(org_id)
            .bind(today)
            .bind(in_30_days)
            .fetch_one(&p.read)
            .await?,
        tasks_overdue: sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE org_id = $1 AND status <> 'done' AND due_date <> '' AND due_date < $2").bind(org_id).bind(today).fetch_one(&p.read).await?,
        soa_versions: one("SELECT COUNT(*) FROM soa_versions WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        classifications_outdated: sqlx::query_scalar("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND classification_json IS NOT NULL AND (classification_rules IS NULL OR classification_rules <> $2)")
            .bind(org_id)
            .bind(rules_version)
            .fetch_one(&p.read)
            .await?,
        evidence_refs: vec![],
        context_issues: one("SELECT COUNT(*) FROM context_issues WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        context_issues_recent: sqlx::query_scalar("SELECT COUNT(*) FROM context_issues WHERE org_id = $1 AND updated_at >= $2")
            .bind(org_id)
            .bind(
                chrono::NaiveDate::parse_from_str(year_ago, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc())
                    .unwrap_or_default(),
            )
            .fetch_one(&p.read)
            .await?,
        interested_parties: one("SELECT COUNT(*) FROM interested_parties WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        top_management: one("SELECT COUNT(*) FROM aims_role_assignments WHERE org_id = $1 AND aims_role = 'top_management'").bind(org_id).fetch_one(&p.read).await?,
        aims_role_assignments: one("SELECT COUNT(*) FROM aims_role_assignments WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        documents_overdue: sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE org_id = $1 AND next_review <> '' AND next_review < $2")
            .bind(org_id)
            .bind(today)
            .fetch_one(&p.read)
            .await?,
        objectives: one("SELECT COUNT(*) FROM objectives WHERE org_id = $1 AND status IN ('planned', 'active')").bind(org_id).fetch_one(&p.read).await?,
        kpi_latest: sqlx::query_as(
            "SELECT COALESCE(k.frequency, ''), (SELECT MAX(m.period_end) FROM kpi_measurements m WHERE m.org_id = k.org_id AND m.kpi_id = k.id) \
             FROM kpis k WHERE k.org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&p.read)
        .await?,
        trainings: sqlx::query_scalar("SELECT COUNT(*) FROM trainings WHERE org_id = $1 AND held_on <= $2").bind(org_id).bind(today).fetch_one(&p.read).await?,
        trainings_expired: sqlx::query_scalar("SELECT COUNT(*) FROM trainings WHERE org_id = $1 AND expires_on <> '' AND expires_on < $2").bind(org_id).bind(today).fetch_one(&p.read).await?,
        literacy_people: one("SELECT COUNT(*) FROM ai_literacy WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?,
        literacy_recorded: one("SELECT COUNT(*) FROM ai_literacy WHERE org_id = $1 AND status = 'recorded'").bind(org_id).fetch_one(&p.read).await?,
        incident_reports_missed: sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE org_id = $1 AND reported_at IS NULL AND report_due_at <> '' AND report_due_at < $2 AND status <> 'closed'").bind(org_id).bind(today).fetch_one(&p.read).await?,
        pmm_cycles_overdue: sqlx::query_scalar("SELECT COUNT(*) FROM pmm_cycles WHERE org_id = $1 AND due_on <> '' AND due_on < $2 AND completed_on = ''").bind(org_id).bind(today).fetch_one(&p.read).await?,
        changes_proposed: one("SELECT COUNT(*) FROM changes WHERE org_id = $1 AND status = 'proposed'").bind(org_id).fetch_one(&p.read).await?,
    };
    // ISO 42001 references with evidence, directly or through a control, or with an approved or published
    // document (current while its review is not overdue), and the newest collection date: aggregated in the database, one row per reference, not one per piece.
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT ref, MAX(collected_on) FROM ( \
         SELECT r.ref, e.collected_on FROM evidence e \
         JOIN record_links k ON k.a_table = 'evidence' AND k.a_id = e.id AND k.b_table = 'requirements' \
         JOIN requirements r ON r.id = k.b_id JOIN frameworks f ON f.id = r.framework_id \
         WHERE e.org_id = $1 AND f.key = 'iso42001-2023' \
         UNION ALL \
         SELECT r.ref, e.collected_on FROM evidence e \
         JOIN record_links ce ON ce.a_table = 'controls' AND ce.b_table = 'evidence' AND ce.b_id = e.id \
         JOIN record_links cr ON cr.a_table = 'controls' AND cr.a_id = ce.a_id AND cr.b_table = 'requirements' \
         JOIN requirements r ON r.id = cr.b_id JOIN frameworks f ON f.id = r.framework_id \
         WHERE e.org_id = $1 AND f.key = 'iso42001-2023' \
         UNION ALL \
         SELECT r.ref, CASE WHEN d.next_review = '' OR d.next_review >= $2 THEN $2 ELSE NULL END FROM documents d \
         JOIN record_links k ON k.a_table = 'documents' AND k.a_id = d.id AND k.b_table = 'requirements' \
         JOIN requirements r ON r.id = k.b_id JOIN frameworks f ON f.id = r.framework_id \
         WHERE d.org_id = $1 AND (d.current_version IS NOT NULL OR d.status = 'approved') AND f.key = 'iso42001-2023') found GROUP BY ref",
    )
    .bind(org_id)
    .bind(today)
    .fetch_all(&p.read)
    .await?;
    f.evidence_refs = rows
        .into_iter()
        .map(|(r, d)| (r, d.is_some_and(|d| d.as_str() >= year_ago)))
        .collect();
    Ok(f)
}

/// Applies many updates in one transaction (bulk changes and the demo generator); each writes
/// its audit event like any update.
pub async fn register_update_many(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &RegisterSpec,
    updates: &[(i64, RecordInput)],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    for (id, input) in updates {
        update_in(
            &mut tx, &mut chain, actor, org_id, spec, *id, None, input, now,
        )
        .await?;
    }
    commit(tx, chain).await?;
    Ok(updates.len())
}

/// The organization's audit chain head: it moves with every change to its records.
pub async fn audit_head_seq(p: &Pools, org_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM audit_heads WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&p.read)
            .await?
            .unwrap_or(0),
    )
}

/// Pieces of evidence behind each Annex A requirement, through the controls implementing it.
pub async fn soa_evidence_counts(p: &Pools, org_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT cr.b_id, COUNT(DISTINCT ce.b_id) FROM record_links cr \
         JOIN controls c ON c.id = cr.a_id \
         JOIN record_links ce ON ce.a_table = 'controls' AND ce.a_id = cr.a_id AND ce.b_table = 'evidence' \
         WHERE cr.a_table = 'controls' AND cr.b_table = 'requirements' AND c.org_id = $1 GROUP BY cr.b_id",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}
