//! SQL of the store: document versions and reviews (the documents themselves are a register).
//! Each step re-checks the version's status inside its transaction, so two approvers racing
//! cannot both move it.

use super::*;

const VERSION_COLUMNS: &str =
    "id, document_id, major, minor, status, content, content_sha256, change_note, revision, \
     author_id, approver_id, approved_at, published_at, created_at, updated_at";

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
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let exists: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM documents WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("document".into()));
    }
    let open: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT major, minor, status FROM document_versions WHERE org_id = $1 AND document_id = $2 AND status IN ('draft', 'in_review', 'approved')",
    )
    .bind(org_id)
    .bind(document_id)
    .fetch_optional(&mut *tx)
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
    .fetch_optional(&mut *tx)
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
    .fetch_one(&mut *tx)
    .await?;
    refresh_document(&mut tx, org_id, document_id, now).await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        "draft",
        "documents",
        &document_id.to_string(),
        None::<&()>,
        Some(&v.summary()),
        now,
    )
    .await?;
    commit(tx, chain).await?;
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
    step: &str,
    from: &str,
    to: &str,
    next_review: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DocumentVersion> {
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
         published_at = CASE WHEN $3 = 'published' THEN $5 ELSE published_at END, updated_at = $5 \
         WHERE org_id = $1 AND id = $2 RETURNING {VERSION_COLUMNS}"
    ))
    .bind(org_id)
    .bind(before.id)
    .bind(to)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
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
