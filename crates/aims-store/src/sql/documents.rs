//! SQL of the store: document versions and reviews (the documents themselves are a register).
//! Each step re-checks the version's status inside its transaction, so two approvers racing
//! cannot both move it.

use super::*;

const VERSION_COLUMNS: &str =
    "id, document_id, major, minor, status, content, content_sha256, change_note, revision, \
     author_id, approver_id, approved_at, published_at, created_at, updated_at, approved_as";

pub async fn document_versions(
    p: &Pools,
    org_id: i64,
    document_id: i64,
) -> Result<Vec<DocumentVersion>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM document_versions WHERE org_id = $1 AND document_id = $2 ORDER BY major DESC, minor DESC"
    ))
    .bind(org_id)
    .bind(document_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn document_version(
    p: &Pools,
    org_id: i64,
    document_id: i64,
    major: i64,
    minor: i64,
) -> Result<Option<DocumentVersion>> {
    fetch_version(&p.read, org_id, document_id, major, minor).await
}

/// One version, read from the pool or inside a write transaction.
async fn fetch_version<'e, E: sqlx::Executor<'e, Database = DB>>(
    ex: E,
    org_id: i64,
    document_id: i64,
    major: i64,
    minor: i64,
) -> Result<Option<DocumentVersion>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM document_versions WHERE org_id = $1 AND document_id = $2 AND major = $3 AND minor = $4"
    ))
    .bind(org_id)
    .bind(document_id)
    .bind(major)
    .bind(minor)
    .fetch_optional(ex)
    .await?)
}

async fn version_in_tx(
    tx: &mut Tx<'_>,
    org_id: i64,
    document_id: i64,
    major: i64,
    minor: i64,
) -> Result<DocumentVersion> {
    fetch_version(&mut **tx, org_id, document_id, major, minor)
        .await?
        .ok_or_else(|| StoreError::NotFound("document version".into()))
}

/// Keeps the document's computed fields (status of its newest version, the published version)
/// in step with its versions.
async fn refresh_document(
    tx: &mut Tx<'_>,
    org_id: i64,
    document_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let newest: Option<(String,)> = sqlx::query_as(
        "SELECT status FROM document_versions WHERE org_id = $1 AND document_id = $2 ORDER BY major DESC, minor DESC LIMIT 1",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_optional(&mut **tx)
    .await?;
    let published: Option<(i64, i64)> = sqlx::query_as(
        "SELECT major, minor FROM document_versions WHERE org_id = $1 AND document_id = $2 AND status = 'published'",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_optional(&mut **tx)
    .await?;
    sqlx::query("UPDATE documents SET status = $3, current_version = $4, updated_at = $5, version = version + 1 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(document_id)
        .bind(newest.map(|n| n.0).unwrap_or_default())
        .bind(published.map(|(a, b)| format!("{a}.{b}")))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Starts a draft numbered `major.minor`. Only one version is open (draft, in review or
/// approved) at a time.
#[allow(clippy::too_many_arguments)]
pub async fn create_document_draft(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    content: &str,
    content_sha256: &str,
    change_note: &str,
    now: DateTime<Utc>,
) -> Result<DocumentVersion> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let v = draft_in(
        &mut tx,
        &mut chain,
        actor,
        org_id,
        document_id,
        number,
        (content, content_sha256, change_note),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(v)
}

/// Creates documents, each with its first draft, in one transaction: all of them or none
/// (a template, a folder import).
pub async fn create_documents_with_drafts(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &aims_domain::register::RegisterSpec,
    items: &[NewDocument],
    now: DateTime<Utc>,
) -> Result<Vec<(Record, DocumentVersion)>> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let rec = create_in(
            &mut tx,
            &mut chain,
            actor,
            org_id,
            spec,
            None,
            &item.input,
            now,
        )
        .await?;
        let id = rec
            .get("id")
            .and_then(|v| v.as_i64())
            .ok_or_else(|| StoreError::Schema("a created document has no id".into()))?;
        let v = draft_in(
            &mut tx,
            &mut chain,
            actor,
            org_id,
            id,
            (1, 0),
            (&item.content, &item.content_sha256, &item.change_note),
            now,
        )
        .await?;
        out.push((rec, v));
    }
    commit(tx, chain).await?;
    // The document's computed status moved with its draft: read it back as it is now.
    let mut fresh = Vec::with_capacity(out.len());
    for (rec, v) in out {
        let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or_default();
        let rec = register_get(p, org_id, spec, id).await?.unwrap_or(rec);
        fresh.push((rec, v));
    }
    Ok(fresh)
}

#[allow(clippy::too_many_arguments)]
async fn draft_in(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    (content, content_sha256, change_note): (&str, &str, &str),
    now: DateTime<Utc>,
) -> Result<DocumentVersion> {
    let now = micros(now);
    let exists: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM documents WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(document_id)
            .fetch_optional(&mut **tx)
            .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("document".into()));
    }
    let open: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT major, minor, status FROM document_versions WHERE org_id = $1 AND document_id = $2 AND status IN ('draft', 'in_review', 'approved')",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((a, b, status)) = open {
        return Err(StoreError::Conflict(format!(
            "version {a}.{b} is still open ({}): publish it or return it to draft and edit it, rather than start another",
            status.replace('_', " ")
        )));
    }
    let taken: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM document_versions WHERE document_id = $1 AND major = $2 AND minor = $3",
    )
    .bind(document_id)
    .bind(number.0)
    .bind(number.1)
    .fetch_optional(&mut **tx)
    .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict(format!(
            "version {}.{} exists already: reload the page",
            number.0, number.1
        )));
    }
    let v: DocumentVersion = sqlx::query_as(&format!(
        "INSERT INTO document_versions (org_id, document_id, major, minor, status, content, content_sha256, change_note, revision, author_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, 1, $8, $9, $9) RETURNING {VERSION_COLUMNS}"
    ))
    .bind(org_id)
    .bind(document_id)
    .bind(number.0)
    .bind(number.1)
    .bind(content)
    .bind(content_sha256)
    .bind(change_note)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    // The new draft starts with the newest earlier version's attachments (same stored files).
    sqlx::query(
        "INSERT INTO document_attachments (org_id, document_id, version_id, name, media_type, size, sha256, created_at) \
         SELECT a.org_id, a.document_id, $3, a.name, a.media_type, a.size, a.sha256, $4 FROM document_attachments a \
         WHERE a.org_id = $1 AND a.version_id = (SELECT id FROM document_versions WHERE org_id = $1 AND document_id = $2 AND id <> $3 \
         ORDER BY major DESC, minor DESC LIMIT 1) ORDER BY a.id",
    )
    .bind(org_id)
    .bind(document_id)
    .bind(v.id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    refresh_document(tx, org_id, document_id, now).await?;
    append_event(
        tx,
        chain,
        actor,
        "draft",
        "documents",
        &document_id.to_string(),
        None::<&()>,
        Some(&v.summary()),
        now,
    )
    .await?;
    Ok(v)
}

/// Changes a draft's content; `revision` is the one the caller read (else 409).
#[allow(clippy::too_many_arguments)]
pub async fn update_document_draft(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    revision: i64,
    content: &str,
    content_sha256: &str,
    change_note: &str,
    now: DateTime<Utc>,
) -> Result<DocumentVersion> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = version_in_tx(&mut tx, org_id, document_id, number.0, number.1).await?;
    if !aims_domain::document::editable(&before.status) {
        return Err(StoreError::Conflict(format!(
            "version {} is {} and frozen: start a new draft to change it",
            before.number(),
            before.status.replace('_', " ")
        )));
    }
    if before.revision != revision {
        return Err(StoreError::stale(before.revision));
    }
    let v: DocumentVersion = sqlx::query_as(&format!(
        "UPDATE document_versions SET content = $4, content_sha256 = $5, change_note = $6, revision = revision + 1, updated_at = $7 \
         WHERE org_id = $1 AND id = $2 AND status = 'draft' AND revision = $3 RETURNING {VERSION_COLUMNS}"
    ))
    .bind(org_id)
    .bind(before.id)
    .bind(revision)
    .bind(content)
    .bind(content_sha256)
    .bind(change_note)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::UPDATE,
        "documents",
        &document_id.to_string(),
        Some(&before.summary()),
        Some(&v.summary()),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(v)
}

/// Moves a version from `from` to `to` (the service has checked the rule); publishing
/// supersedes the published version and sets the document's next review date.
#[allow(clippy::too_many_arguments)]
pub async fn step_document_version(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    change: &VersionStep<'_>,
    now: DateTime<Utc>,
) -> Result<DocumentVersion> {
    let VersionStep {
        step,
        from,
        to,
        next_review,
        approved_as,
        acknowledgement_requests,
    } = *change;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = version_in_tx(&mut tx, org_id, document_id, number.0, number.1).await?;
    if before.status != from {
        return Err(StoreError::Conflict(format!(
            "version {} is {} now, not {}: reload the page",
            before.number(),
            before.status.replace('_', " "),
            from.replace('_', " ")
        )));
    }
    if to == "published" {
        sqlx::query("UPDATE document_versions SET status = 'superseded', updated_at = $3 WHERE org_id = $1 AND document_id = $2 AND status = 'published'")
            .bind(org_id)
            .bind(document_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(date) = next_review {
            sqlx::query("UPDATE documents SET next_review = $3 WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(document_id)
                .bind(date)
                .execute(&mut *tx)
                .await?;
        }
    }
    let v: DocumentVersion = sqlx::query_as(&format!(
        "UPDATE document_versions SET status = $3, \
         approver_id = CASE WHEN $3 = 'approved' THEN $4 WHEN $3 = 'draft' THEN NULL ELSE approver_id END, \
         approved_at = CASE WHEN $3 = 'approved' THEN $5 WHEN $3 = 'draft' THEN NULL ELSE approved_at END, \
         approved_as = CASE WHEN $3 = 'approved' THEN $6 WHEN $3 = 'draft' THEN NULL ELSE approved_as END, \
         published_at = CASE WHEN $3 = 'published' THEN $5 ELSE published_at END, updated_at = $5 \
         WHERE org_id = $1 AND id = $2 RETURNING {VERSION_COLUMNS}"
    ))
    .bind(org_id)
    .bind(before.id)
    .bind(to)
    .bind(actor.user_id)
    .bind(now)
    .bind(approved_as)
    .fetch_one(&mut *tx)
    .await?;
    // Requests of earlier versions stay as they are: the history of who read what is kept.
    for chunk in acknowledgement_requests.chunks(500) {
        let mut b = QueryBuilder::<DB>::new(
            "INSERT INTO document_acknowledgements (org_id, document_id, version_id, user_id, audience, requested_at) ",
        );
        b.push_values(chunk, |mut row, (user_id, audience)| {
            row.push_bind(org_id)
                .push_bind(document_id)
                .push_bind(v.id)
                .push_bind(*user_id)
                .push_bind(audience.as_str())
                .push_bind(now);
        });
        b.build().execute(&mut *tx).await?;
    }
    refresh_document(&mut tx, org_id, document_id, now).await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        step,
        "documents",
        &document_id.to_string(),
        Some(&before.summary()),
        Some(&v.summary()),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(v)
}

pub async fn document_reviews(
    p: &Pools,
    org_id: i64,
    document_id: i64,
) -> Result<Vec<DocumentReview>> {
    Ok(sqlx::query_as(
        "SELECT id, document_id, reviewed_on, reviewer_id, outcome, notes, created_at FROM document_reviews \
         WHERE org_id = $1 AND document_id = $2 ORDER BY reviewed_on DESC, id DESC",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_all(&p.read)
    .await?)
}

/// Records a review and moves the document's next review date.
#[allow(clippy::too_many_arguments)]
pub async fn create_document_review(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    reviewed_on: &str,
    outcome: &str,
    notes: &str,
    next_review: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DocumentReview> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let moved = sqlx::query("UPDATE documents SET next_review = COALESCE($3, next_review), updated_at = $4, version = version + 1 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(document_id)
        .bind(next_review)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() == 0 {
        return Err(StoreError::NotFound("document".into()));
    }
    let r: DocumentReview = sqlx::query_as(
        "INSERT INTO document_reviews (org_id, document_id, reviewed_on, reviewer_id, outcome, notes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, document_id, reviewed_on, reviewer_id, outcome, notes, created_at",
    )
    .bind(org_id)
    .bind(document_id)
    .bind(reviewed_on)
    .bind(actor.user_id)
    .bind(outcome)
    .bind(notes)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "review",
        "documents",
        &document_id.to_string(),
        None::<&()>,
        Some(&r),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(r)
}

/// Every acknowledgement request of the document, newest version first, then by person.
pub async fn document_acknowledgements(
    p: &Pools,
    org_id: i64,
    document_id: i64,
) -> Result<Vec<Acknowledgement>> {
    Ok(sqlx::query_as(
        "SELECT a.user_id, u.email, v.major, v.minor, a.audience, a.requested_at, a.acknowledged_at \
         FROM document_acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN users u ON u.id = a.user_id \
         WHERE a.org_id = $1 AND a.document_id = $2 ORDER BY v.major DESC, v.minor DESC, u.email",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_all(&p.read)
    .await?)
}

/// The published versions waiting for this member, oldest request first: per document only the
/// newest version asked (an unread superseded version stays in the history, not in the queue).
pub async fn pending_acknowledgements(
    p: &Pools,
    org_id: i64,
    user_id: i64,
) -> Result<Vec<PendingAcknowledgement>> {
    Ok(sqlx::query_as(
        "SELECT d.id AS document_id, d.number AS document_number, d.name AS document_name, v.major, v.minor, a.requested_at \
         FROM document_acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN documents d ON d.id = a.document_id \
         WHERE a.org_id = $1 AND a.user_id = $2 AND a.acknowledged_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM document_acknowledgements b JOIN document_versions bv ON bv.id = b.version_id \
             WHERE b.org_id = a.org_id AND b.document_id = a.document_id AND b.user_id = a.user_id AND bv.major > v.major) \
         ORDER BY a.requested_at, a.id",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_all(&p.read)
    .await?)
}

/// The member acknowledges a version they were asked to read. Refused (403) when nobody asked
/// them; acknowledging twice keeps the first time.
pub async fn acknowledge_document(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Acknowledgement> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let v = version_in_tx(&mut tx, org_id, document_id, number.0, number.1).await?;
    let before: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT acknowledged_at FROM document_acknowledgements WHERE org_id = $1 AND version_id = $2 AND user_id = $3",
    )
    .bind(org_id)
    .bind(v.id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    match before {
        None => {
            return Err(StoreError::Forbidden(format!(
                "version {} was not sent to you to acknowledge: you are not in its audience",
                v.number()
            )))
        }
        Some(None) => {
            sqlx::query("UPDATE document_acknowledgements SET acknowledged_at = $4 WHERE org_id = $1 AND version_id = $2 AND user_id = $3")
                .bind(org_id)
                .bind(v.id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            append_event(
                &mut tx,
                &mut chain,
                actor,
                "acknowledge",
                "documents",
                &document_id.to_string(),
                None::<&serde_json::Value>,
                Some(&serde_json::json!({"version": v.number(), "user_id": user_id})),
                now,
            )
            .await?;
        }
        Some(Some(_)) => {}
    }
    let ack: Acknowledgement = sqlx::query_as(
        "SELECT a.user_id, u.email, v.major, v.minor, a.audience, a.requested_at, a.acknowledged_at \
         FROM document_acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN users u ON u.id = a.user_id \
         WHERE a.org_id = $1 AND a.version_id = $2 AND a.user_id = $3",
    )
    .bind(org_id)
    .bind(v.id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    commit(tx, chain).await?;
    Ok(ack)
}

/// The members a major version asks to acknowledge it: everyone, or the holders of the AIMS
/// roles named, then the named readers (`named`), each with the first audience entry that
/// includes them.
pub async fn audience_members(
    p: &Pools,
    org_id: i64,
    audience: &[String],
    named: &[String],
) -> Result<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = vec![];
    if audience.iter().any(|a| a == "everyone") {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM memberships WHERE org_id = $1 ORDER BY user_id",
        )
        .bind(org_id)
        .fetch_all(&p.read)
        .await?;
        out.extend(ids.into_iter().map(|id| (id, "everyone".to_string())));
    }
    let roles: Vec<&String> = audience.iter().filter(|a| *a != "everyone").collect();
    if !roles.is_empty() {
        let mut b = QueryBuilder::<DB>::new(
            "SELECT a.member_id, a.aims_role FROM aims_role_assignments a JOIN memberships m ON m.org_id = a.org_id AND m.user_id = a.member_id \
             WHERE a.org_id = ",
        );
        b.push_bind(org_id).push(" AND a.aims_role IN (");
        let mut sep = b.separated(", ");
        for r in &roles {
            sep.push_bind(r.as_str());
        }
        b.push(") ORDER BY a.member_id, a.id");
        let rows: Vec<(i64, String)> = b.build_query_as().fetch_all(&p.read).await?;
        for (id, role) in rows {
            if !out.iter().any(|(u, _)| *u == id) {
                out.push((id, role));
            }
        }
    }
    for (_, id) in member_ids_by_email(p, org_id, named).await? {
        if !out.iter().any(|(u, _)| *u == id) {
            out.push((id, "named".to_string()));
        }
    }
    Ok(out)
}

/// (email, user id) of the members among these lower-case addresses.
pub async fn member_ids_by_email(
    p: &Pools,
    org_id: i64,
    emails: &[String],
) -> Result<Vec<(String, i64)>> {
    if emails.is_empty() {
        return Ok(vec![]);
    }
    let mut b = QueryBuilder::<DB>::new(
        "SELECT LOWER(u.email), u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = ",
    );
    b.push_bind(org_id).push(" AND LOWER(u.email) IN (");
    let mut sep = b.separated(", ");
    for e in emails {
        sep.push_bind(e.as_str());
    }
    b.push(") ORDER BY u.id");
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// The members holding an AIMS role.
pub async fn aims_role_holders(p: &Pools, org_id: i64, role: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT a.member_id FROM aims_role_assignments a JOIN memberships m ON m.org_id = a.org_id AND m.user_id = a.member_id \
         WHERE a.org_id = $1 AND a.aims_role = $2 ORDER BY a.member_id",
    )
    .bind(org_id)
    .bind(role)
    .fetch_all(&p.read)
    .await?)
}

/// The scope statement (the document addressing 4.3 of ISO/IEC 42001, the published one first)
/// and the AI systems on which it and the inventory's in-scope flags disagree. With `only_for`,
/// empty unless that document is the statement.
pub async fn scope_agreement(
    p: &Pools,
    org_id: i64,
    only_for: Option<i64>,
) -> Result<ScopeAgreement> {
    let statement: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT d.id, d.number, d.name FROM documents d \
         JOIN record_links k ON k.a_table = 'documents' AND k.a_id = d.id AND k.b_table = 'requirements' \
         JOIN requirements r ON r.id = k.b_id JOIN frameworks f ON f.id = r.framework_id \
         WHERE d.org_id = $1 AND f.key = 'iso42001-2023' AND r.ref = '4.3' \
         ORDER BY CASE WHEN d.current_version IS NULL THEN 1 ELSE 0 END, d.id LIMIT 1",
    )
    .bind(org_id)
    .fetch_optional(&p.read)
    .await?;
    let Some((id, number, name)) = statement.filter(|(id, _, _)| only_for.is_none_or(|d| d == *id))
    else {
        return Ok(ScopeAgreement::default());
    };
    // Links are stored with their tables in alphabetical order: ai_systems before documents.
    let disagreements: Vec<ScopeDisagreement> = sqlx::query_as(
        "SELECT s.id, s.number, s.name, s.in_scope, CASE WHEN k.a_id IS NULL THEN FALSE ELSE TRUE END AS in_statement FROM ai_systems s \
         LEFT JOIN record_links k ON k.a_table = 'ai_systems' AND k.a_id = s.id AND k.b_table = 'documents' AND k.b_id = $2 \
         WHERE s.org_id = $1 AND s.in_scope <> (k.a_id IS NOT NULL) ORDER BY s.number LIMIT 200",
    )
    .bind(org_id)
    .bind(id)
    .fetch_all(&p.read)
    .await?;
    Ok(ScopeAgreement {
        statement: Some(LinkedRecord { id, number, name }),
        disagreements,
    })
}

/// The organization's public concern-reporting link token, if it has one.
pub async fn concern_link(p: &Pools, org_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT token FROM concern_links WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&p.read)
            .await?,
    )
}

/// The organization a concern-reporting token belongs to.
pub async fn org_by_concern_token(p: &Pools, token: &str) -> Result<Option<Organization>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.slug, o.name, o.created_at, o.updated_at, o.version FROM organizations o \
         JOIN concern_links c ON c.org_id = o.id WHERE c.token = $1",
    )
    .bind(token)
    .fetch_optional(&p.read)
    .await?)
}

/// Sets a new link token (the old link stops working), or removes the link with `None`.
pub async fn set_concern_link(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    sqlx::query("DELETE FROM concern_links WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    if let Some(t) = token {
        sqlx::query("INSERT INTO concern_links (org_id, token, created_at) VALUES ($1, $2, $3)")
            .bind(org_id)
            .bind(t)
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    append_event(
        &mut tx,
        &mut chain,
        actor,
        if token.is_some() {
            "concern_link_set"
        } else {
            "concern_link_removed"
        },
        "organization",
        &org_id.to_string(),
        None::<&()>,
        None::<&()>,
        at,
    )
    .await?;
    commit(tx, chain).await
}

/// Creates a concern from the public form, counting it against the limits inside the same
/// transaction (the organization's lock serializes submissions, so a burst cannot slip past).
#[allow(clippy::too_many_arguments)]
pub async fn create_public_concern(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    spec: &aims_domain::register::RegisterSpec,
    source_hash: &str,
    input: &aims_domain::register::RecordInput,
    limits: &IntakeLimits,
    now: DateTime<Utc>,
) -> Result<Record> {
    let at = micros(now);
    let since = micros(now - limits.window);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let (from_source, all): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN source_hash = $2 THEN 1 ELSE 0 END), 0), COUNT(*) FROM concern_intake \
         WHERE org_id = $1 AND received_at >= $3",
    )
    .bind(org_id)
    .bind(source_hash)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    if from_source >= limits.per_source || all >= limits.per_org {
        return Err(StoreError::TooMany(
            "too many reports were sent in a short time: please wait a while and send it again"
                .into(),
        ));
    }
    sqlx::query("DELETE FROM concern_intake WHERE org_id = $1 AND received_at < $2")
        .bind(org_id)
        .bind(since)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO concern_intake (org_id, source_hash, received_at) VALUES ($1, $2, $3)",
    )
    .bind(org_id)
    .bind(source_hash)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let rec = create_in(&mut tx, &mut chain, actor, org_id, spec, None, input, now).await?;
    commit(tx, chain).await?;
    Ok(rec)
}

/// The organization's documents that address a requirement (at most 200).
pub async fn documents_for_requirement(
    p: &Pools,
    org_id: i64,
    requirement_id: i64,
) -> Result<Vec<DocumentRef>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.number, d.name, d.kind, d.status, d.current_version FROM documents d \
         JOIN record_links k ON k.a_table = 'documents' AND k.a_id = d.id AND k.b_table = 'requirements' \
         WHERE d.org_id = $1 AND k.b_id = $2 ORDER BY d.number LIMIT 200",
    )
    .bind(org_id)
    .bind(requirement_id)
    .fetch_all(&p.read)
    .await?)
}

const ATTACHMENT_COLUMNS: &str =
    "a.id, a.document_id, v.major, v.minor, a.name, a.media_type, a.size, a.sha256, a.created_at";

/// The document's attachments, newest version first.
pub async fn document_attachments(
    p: &Pools,
    org_id: i64,
    document_id: i64,
) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM document_attachments a JOIN document_versions v ON v.id = a.version_id \
         WHERE a.org_id = $1 AND a.document_id = $2 ORDER BY v.major DESC, v.minor DESC, a.id"
    ))
    .bind(org_id)
    .bind(document_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn document_attachment(
    p: &Pools,
    org_id: i64,
    document_id: i64,
    attachment_id: i64,
) -> Result<Option<Attachment>> {
    fetch_attachment(&p.read, org_id, document_id, attachment_id).await
}

/// One attachment, read from the pool or inside a write transaction.
async fn fetch_attachment<'e, E: sqlx::Executor<'e, Database = DB>>(
    ex: E,
    org_id: i64,
    document_id: i64,
    attachment_id: i64,
) -> Result<Option<Attachment>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM document_attachments a JOIN document_versions v ON v.id = a.version_id \
         WHERE a.org_id = $1 AND a.document_id = $2 AND a.id = $3"
    ))
    .bind(org_id)
    .bind(document_id)
    .bind(attachment_id)
    .fetch_optional(ex)
    .await?)
}

fn only_draft(v: &DocumentVersion) -> Result<()> {
    aims_domain::document::attachments_open(&v.number(), &v.status).map_err(StoreError::Conflict)
}

/// Attaches a stored file to a draft (any other version is frozen: 409).
#[allow(clippy::too_many_arguments)]
pub async fn add_document_attachment(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    number: (i64, i64),
    name: &str,
    media_type: &str,
    (sha256, size): (&str, i64),
    now: DateTime<Utc>,
) -> Result<Attachment> {
    let at = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let v = version_in_tx(&mut tx, org_id, document_id, number.0, number.1).await?;
    only_draft(&v)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO document_attachments (org_id, document_id, version_id, name, media_type, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org_id)
    .bind(document_id)
    .bind(v.id)
    .bind(name)
    .bind(media_type)
    .bind(size)
    .bind(sha256)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?;
    let a = fetch_attachment(&mut *tx, org_id, document_id, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("attachment".into()))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "attach",
        "documents",
        &document_id.to_string(),
        None::<&()>,
        Some(&a),
        at,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(a)
}

/// Removes an attachment from a draft.
pub async fn remove_document_attachment(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    document_id: i64,
    attachment_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let a = fetch_attachment(&mut *tx, org_id, document_id, attachment_id)
        .await?
        .ok_or_else(|| StoreError::NotFound("attachment".into()))?;
    let v = version_in_tx(&mut tx, org_id, document_id, a.major, a.minor).await?;
    only_draft(&v)?;
    sqlx::query("DELETE FROM document_attachments WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(attachment_id)
        .execute(&mut *tx)
        .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "detach",
        "documents",
        &document_id.to_string(),
        Some(&a),
        None::<&()>,
        at,
    )
    .await?;
    commit(tx, chain).await
}
