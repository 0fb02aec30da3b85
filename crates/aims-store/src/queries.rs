// The store's SQL, written once. `lib.rs` includes this file twice: once with `DB = Sqlite`
// and once with `DB = Postgres`, so every query runs on both backends from one source,
// with concrete types (no `Any` driver). Use `$1` placeholders and `RETURNING`: both speak them.
//
// Every mutation takes `now` from the caller and writes its audit event in the same transaction.

use crate::types::*;
use crate::{micros, StoreError};
use aims_domain::audit::{action, CanonicalEvent, GENESIS_HASH};
use aims_domain::Role;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::{QueryBuilder, Row};

type Result<T> = std::result::Result<T, StoreError>;
type Tx<'a> = sqlx::Transaction<'a, DB>;

/// Read pool and write pool. On SQLite the write pool has one connection so that writers
/// queue in-process instead of failing with SQLITE_BUSY; on PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Pools {
    pub read: sqlx::Pool<DB>,
    pub write: sqlx::Pool<DB>,
}

pub async fn ping(p: &Pools) -> Result<()> {
    sqlx::query("SELECT 1").execute(&p.read).await?;
    Ok(())
}

// ---------------------------------------------------------------- audit trail

/// An organization's audit chain head inside one write transaction. `lock_org` takes the
/// organization's write lock and reads the head once; `append_event` chains events in memory;
/// `commit` writes the head back once and commits. Why not update the head row per event: on
/// PostgreSQL every update of one row in one transaction leaves another row version that later
/// lookups walk, so a 1,000-record import got slower with every record.
#[must_use = "an appended chain must be written back with `commit`"]
struct Chain {
    org_id: i64,
    seq: i64,
    last_hash: String,
    /// The head as read: `commit` skips the write when nothing was appended.
    read_seq: i64,
}

/// Takes the organization's write lock (the head row's lock on PostgreSQL; SQLite's single
/// writer already serialises) and reads the chain head. Every writer of an organization takes
/// it first, so concurrent writers are serialised and the chain never forks, even across
/// several server nodes.
async fn lock_org(tx: &mut Tx<'_>, org_id: i64) -> Result<Chain> {
    let (seq, last_hash): (i64, String) = sqlx::query_as("UPDATE audit_heads SET seq = seq WHERE org_id = $1 RETURNING seq, last_hash")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("organization".into()))?;
    Ok(Chain { org_id, seq, last_hash, read_seq: seq })
}

/// Writes the chain head back (when events were appended) and commits.
async fn commit(mut tx: Tx<'_>, chain: Chain) -> Result<()> {
    if chain.seq != chain.read_seq {
        sqlx::query("UPDATE audit_heads SET seq = $2, last_hash = $3 WHERE org_id = $1")
            .bind(chain.org_id)
            .bind(chain.seq)
            .bind(&chain.last_hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Appends one event to the organization's chain (see `Chain`).
#[allow(clippy::too_many_arguments)]
async fn append_event<B: Serialize, A: Serialize>(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
    now: DateTime<Utc>,
) -> Result<()> {
    let before_json = before.map(serde_json::to_string).transpose()?;
    let after_json = after.map(serde_json::to_string).transpose()?;
    let seq = chain.seq + 1;
    let at = micros(now);
    let hash = CanonicalEvent {
        org_id: chain.org_id,
        seq,
        at_micros: at.timestamp_micros(),
        actor_user_id: actor.user_id,
        actor_token_id: actor.token_id,
        actor_label: &actor.label,
        action,
        entity_type,
        entity_id,
        before_json: before_json.as_deref(),
        after_json: after_json.as_deref(),
    }
    .chain_hash(&chain.last_hash);
    sqlx::query(
        "INSERT INTO audit_events (org_id, seq, at, actor_user_id, actor_token_id, actor_label, action, \
         entity_type, entity_id, before_json, after_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(chain.org_id)
    .bind(seq)
    .bind(at)
    .bind(actor.user_id)
    .bind(actor.token_id)
    .bind(&actor.label)
    .bind(action)
    .bind(entity_type)
    .bind(entity_id)
    .bind(before_json)
    .bind(after_json)
    .bind(&chain.last_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    chain.seq = seq;
    chain.last_hash = hash;
    Ok(())
}

pub async fn list_events(
    p: &Pools,
    org_id: i64,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let mut q: QueryBuilder<DB> = QueryBuilder::new("SELECT * FROM audit_events WHERE org_id = ");
    q.push_bind(org_id);
    if let Some(v) = &filter.entity_type {
        q.push(" AND entity_type = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.entity_id {
        q.push(" AND entity_id = ").push_bind(v.clone());
    }
    if let Some(v) = &filter.actor {
        q.push(" AND actor_label = ").push_bind(v.clone());
    }
    if let Some(v) = filter.since {
        q.push(" AND at >= ").push_bind(micros(v));
    }
    if let Some(v) = filter.until {
        q.push(" AND at < ").push_bind(micros(v));
    }
    if let Some(v) = before_id {
        q.push(" AND id < ").push_bind(v);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    Ok(q.build_query_as::<AuditEvent>().fetch_all(&p.read).await?)
}

/// Recomputes every chain (or one organization's), streaming rows so memory stays flat. A long
/// chain is split into stretches verified side by side on their own connections (decoding and
/// hashing are the cost, and each event's hash needs only the event and its stored `prev_hash`);
/// the stretches are then stitched together in order.
pub async fn verify_chains(p: &Pools, org_slug: Option<&str>) -> Result<VerifyOutcome> {
    let orgs = {
        let mut c = p.read.acquire().await?;
        chain_heads(&mut c, org_slug).await?
    };
    let parts = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4) as i64;
    let mut checked = 0;
    for (org_id, slug, head_seq, head_hash) in &orgs {
        // At least 2,000 events a stretch: below that, splitting costs more than it saves.
        let n = (head_seq / 2_000).clamp(1, parts);
        let size = head_seq / n + 1;
        let stretches = futures_util::future::try_join_all((0..n).map(|k| async move {
            let mut c = p.read.acquire().await?;
            if !IS_POSTGRES {
                // Read the file through a memory map: a whole-chain scan otherwise spends as
                // much time in read() calls as in hashing. Only this connection, only for now.
                sqlx::query("PRAGMA mmap_size = 4294967296").execute(&mut *c).await?;
            }
            let stretch = async {
            // The last stretch is open-ended: events past the recorded head are caught too.
            let to = if k == n - 1 { i64::MAX } else { (k + 1) * size };
            verify_stretch(&mut c, *org_id, slug, k * size + 1, to).await
            }
            .await;
            if !IS_POSTGRES {
                sqlx::query("PRAGMA mmap_size = 0").execute(&mut *c).await?;
            }
            stretch
        }))
        .await?;
        if let Some(broken) = stitch(slug, *head_seq, head_hash, &stretches, &mut checked) {
            return Ok(broken);
        }
    }
    Ok(VerifyOutcome::Intact { events: checked, organizations: orgs.len() as u64 })
}

/// Verifies on one connection (a restore checks its own transaction).
async fn verify_on(c: &mut <DB as sqlx::Database>::Connection, org_slug: Option<&str>) -> Result<VerifyOutcome> {
    let orgs = chain_heads(&mut *c, org_slug).await?;
    let mut checked = 0;
    for (org_id, slug, head_seq, head_hash) in &orgs {
        let whole = verify_stretch(&mut *c, *org_id, slug, 1, i64::MAX).await?;
        if let Some(broken) = stitch(slug, *head_seq, head_hash, &[whole], &mut checked) {
            return Ok(broken);
        }
    }
    Ok(VerifyOutcome::Intact { events: checked, organizations: orgs.len() as u64 })
}

async fn chain_heads(c: &mut <DB as sqlx::Database>::Connection, org_slug: Option<&str>) -> Result<Vec<(i64, String, i64, String)>> {
    let orgs: Vec<(i64, String, i64, String)> = match org_slug {
        Some(slug) => {
            sqlx::query_as(
                "SELECT o.id, o.slug, h.seq, h.last_hash FROM organizations o \
                 JOIN audit_heads h ON h.org_id = o.id WHERE o.slug = $1",
            )
            .bind(slug)
            .fetch_all(&mut *c)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT o.id, o.slug, h.seq, h.last_hash FROM organizations o \
                 JOIN audit_heads h ON h.org_id = o.id ORDER BY o.id",
            )
            .fetch_all(&mut *c)
            .await?
        }
    };
    if let (Some(slug), true) = (org_slug, orgs.is_empty()) {
        return Err(StoreError::NotFound(format!("organization `{slug}`")));
    }
    Ok(orgs)
}

/// One stretch of a chain (seq `from..=to`), checked on its own.
struct Stretch {
    /// Events verified before the problem (or all of them).
    count: u64,
    /// The first event: id, seq and the previous hash it records (checked when stitching).
    first: Option<(i64, i64, String)>,
    /// The last good event's seq and hash.
    last: Option<(i64, String)>,
    problem: Option<String>,
}

async fn verify_stretch(c: &mut <DB as sqlx::Database>::Connection, org_id: i64, slug: &str, from: i64, to: i64) -> Result<Stretch> {
    let mut rows = sqlx::query_as::<_, AuditEvent>("SELECT * FROM audit_events WHERE org_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq")
        .bind(org_id)
        .bind(from)
        .bind(to)
        .fetch(&mut *c);
    let mut out = Stretch { count: 0, first: None, last: None, problem: None };
    let mut expected_seq = from;
    while let Some(e) = rows.try_next().await? {
        let why = if out.first.is_some() && e.seq != expected_seq {
            Some(format!("expected seq {expected_seq}: an event is missing"))
        } else if out.last.as_ref().is_some_and(|(_, h)| *h != e.prev_hash) {
            Some("previous-hash link does not match the event before it".to_string())
        } else {
            let computed = CanonicalEvent {
                org_id: e.org_id,
                seq: e.seq,
                at_micros: e.at.timestamp_micros(),
                actor_user_id: e.actor_user_id,
                actor_token_id: e.actor_token_id,
                actor_label: &e.actor_label,
                action: &e.action,
                entity_type: &e.entity_type,
                entity_id: &e.entity_id,
                before_json: e.before_json.as_deref(),
                after_json: e.after_json.as_deref(),
            }
            .chain_hash(&e.prev_hash);
            (computed != e.hash).then(|| format!("content does not match its hash (stored {}, computed {computed})", e.hash))
        };
        if out.first.is_none() {
            out.first = Some((e.id, e.seq, e.prev_hash.clone()));
        }
        if let Some(why) = why {
            out.problem = Some(format!("organization `{slug}`, event id {} (seq {}): {why}", e.id, e.seq));
            break;
        }
        out.count += 1;
        expected_seq = e.seq + 1;
        out.last = Some((e.seq, e.hash));
    }
    Ok(out)
}

/// Joins an organization's stretches in chain order: each must start where the one before it
/// ended, and the last must end at the recorded head. Returns the first problem in chain order.
fn stitch(slug: &str, head_seq: i64, head_hash: &str, stretches: &[Stretch], checked: &mut u64) -> Option<VerifyOutcome> {
    let mut prev_seq = 0;
    let mut prev_hash = GENESIS_HASH.to_string();
    let broken = |checked: u64, problem: String| Some(VerifyOutcome::Broken { events_checked: checked, problem });
    for s in stretches {
        if let Some((id, seq, recorded_prev)) = &s.first {
            if *seq != prev_seq + 1 {
                return broken(*checked, format!("organization `{slug}`, event id {id} (seq {seq}): expected seq {}: an event is missing", prev_seq + 1));
            }
            if *recorded_prev != prev_hash {
                return broken(*checked, format!("organization `{slug}`, event id {id} (seq {seq}): previous-hash link does not match the event before it"));
            }
        }
        *checked += s.count;
        if let Some(problem) = &s.problem {
            return broken(*checked, problem.clone());
        }
        if let Some((seq, hash)) = &s.last {
            prev_seq = *seq;
            prev_hash.clone_from(hash);
        }
    }
    if prev_seq != head_seq || prev_hash != head_hash {
        return broken(
            *checked,
            format!("organization `{slug}`: the chain ends at seq {prev_seq} but its head records seq {head_seq}: events were removed from the end"),
        );
    }
    None
}

// ---------------------------------------------------------------- organizations and users

/// Creates an organization and its audit chain; the chain is returned for the transaction's
/// further events.
async fn insert_org(tx: &mut Tx<'_>, actor: &Actor, slug: &str, name: &str, now: DateTime<Utc>) -> Result<(Organization, Chain)> {
    let now = micros(now);
    let org: Organization = sqlx::query_as(
        "INSERT INTO organizations (slug, name, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $3, 1) RETURNING *",
    )
    .bind(slug)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "slug", "an organization with this slug already exists"))?;
    sqlx::query("INSERT INTO audit_heads (org_id, seq, last_hash) VALUES ($1, 0, $2)")
        .bind(org.id)
        .bind(GENESIS_HASH)
        .execute(&mut **tx)
        .await?;
    let mut chain = Chain { org_id: org.id, seq: 0, last_hash: GENESIS_HASH.to_string(), read_seq: 0 };
    append_event(tx, &mut chain, actor, action::CREATE, "organization", &org.id.to_string(), None::<&()>, Some(&org), now).await?;
    Ok((org, chain))
}

async fn insert_user(tx: &mut Tx<'_>, email: &str, name: &str, password_hash: &str, now: DateTime<Utc>) -> Result<User> {
    let now = micros(now);
    sqlx::query_as(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $4, 1) RETURNING id, email, name, created_at",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "email", "a user with this e-mail already exists"))
}

const MEMBER_SELECT: &str = "SELECT m.user_id, u.email, u.name, m.role, m.created_at, m.updated_at, m.version \
     FROM memberships m JOIN users u ON u.id = m.user_id";

async fn insert_membership(tx: &mut Tx<'_>, chain: &mut Chain, actor: &Actor, org_id: i64, user: &User, role: Role, now: DateTime<Utc>) -> Result<Member> {
    let now = micros(now);
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)",
    )
    .bind(org_id)
    .bind(user.id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "email", "this person is already a member"))?;
    let member = fetch_member(tx, org_id, user.id).await?.ok_or_else(|| StoreError::NotFound("member".into()))?;
    append_event(tx, chain, actor, action::CREATE, "member", &user.id.to_string(), None::<&()>, Some(&member), now).await?;
    Ok(member)
}

async fn fetch_member(tx: &mut Tx<'_>, org_id: i64, user_id: i64) -> Result<Option<Member>> {
    Ok(sqlx::query_as(&format!("{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id = $2"))
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?)
}

pub async fn user_count(p: &Pools) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&p.read).await?)
}

pub async fn create_setup_token(p: &Pools, token_hash: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<()> {
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&p.write)
        .await?;
    Ok(())
}

pub async fn setup_token_valid(p: &Pools, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_one(&p.read)
    .await?;
    Ok(n > 0)
}

/// First run: consumes the setup token and creates the first organization and its admin,
/// only while no user exists.
pub async fn complete_setup(p: &Pools, token_hash: &str, input: &SetupInput, now: DateTime<Utc>) -> Result<(Organization, User)> {
    let mut tx = p.write.begin().await?;
    let used = sqlx::query("UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(StoreError::Gone("this setup link is invalid, expired or already used".into()));
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
    if users > 0 {
        return Err(StoreError::Gone("aims is already set up: sign in instead".into()));
    }
    let user = insert_user(&mut tx, &input.email, &input.name, &input.password_hash, now).await?;
    let actor = Actor { user_id: Some(user.id), token_id: None, label: user.email.clone() };
    let (org, mut chain) = insert_org(&mut tx, &actor, &input.org_slug, &input.org_name, now).await?;
    append_event(&mut tx, &mut chain, &actor, action::CREATE, "user", &user.id.to_string(), None::<&()>, Some(&user), now).await?;
    insert_membership(&mut tx, &mut chain, &actor, org.id, &user, Role::Admin, now).await?;
    commit(tx, chain).await?;
    Ok((org, user))
}

/// The CLI's `user create`: creates the organization and the user when missing, sets the
/// password, and gives the user the role. One transaction, audited.
pub async fn upsert_user_cli(p: &Pools, org_slug: &str, email: &str, name: &str, role: Role, password_hash: &str, now: DateTime<Utc>) -> Result<(Organization, Member)> {
    let actor = Actor::cli();
    let mut tx = p.write.begin().await?;
    let org: Option<Organization> = sqlx::query_as("SELECT * FROM organizations WHERE slug = $1")
        .bind(org_slug)
        .fetch_optional(&mut *tx)
        .await?;
    let (org, mut chain) = match org {
        Some(o) => {
            let chain = lock_org(&mut tx, o.id).await?;
            (o, chain)
        }
        None => insert_org(&mut tx, &actor, org_slug, org_slug, now).await?,
    };
    let existing: Option<User> = sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *tx)
        .await?;
    let user = match existing {
        Some(u) => {
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1")
                .bind(u.id)
                .bind(password_hash)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            append_event(&mut tx, &mut chain, &actor, action::UPDATE, "user", &u.id.to_string(), Some(&u), Some(&serde_json::json!({"password": "changed"})), now).await?;
            u
        }
        None => {
            let u = insert_user(&mut tx, email, name, password_hash, now).await?;
            append_event(&mut tx, &mut chain, &actor, action::CREATE, "user", &u.id.to_string(), None::<&()>, Some(&u), now).await?;
            u
        }
    };
    let member = match fetch_member(&mut tx, org.id, user.id).await? {
        None => insert_membership(&mut tx, &mut chain, &actor, org.id, &user, role, now).await?,
        Some(m) if m.role == role => m,
        Some(m) => update_role_in(&mut tx, &mut chain, &actor, org.id, m, role, now).await?,
    };
    commit(tx, chain).await?;
    Ok((org, member))
}

pub async fn org_by_slug(p: &Pools, slug: &str) -> Result<Option<Organization>> {
    Ok(sqlx::query_as("SELECT * FROM organizations WHERE slug = $1").bind(slug).fetch_optional(&p.read).await?)
}

pub async fn get_org(p: &Pools, org_id: i64) -> Result<Organization> {
    sqlx::query_as("SELECT * FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&p.read)
        .await?
        .ok_or_else(|| StoreError::NotFound("organization".into()))
}

pub async fn update_org(p: &Pools, actor: &Actor, org_id: i64, name: &str, version: i64, now: DateTime<Utc>) -> Result<Organization> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Organization = sqlx::query_as("SELECT * FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("organization".into()))?;
    let after: Organization = sqlx::query_as(
        "UPDATE organizations SET name = $2, updated_at = $3, version = version + 1 \
         WHERE id = $1 AND version = $4 RETURNING *",
    )
    .bind(org_id)
    .bind(name)
    .bind(micros(now))
    .bind(version)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::stale(before.version))?;
    append_event(&mut tx, &mut chain, actor, action::UPDATE, "organization", &org_id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

// ---------------------------------------------------------------- sign-in and sessions

pub async fn login_user(p: &Pools, email: &str) -> Result<Option<LoginUser>> {
    Ok(sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&p.read)
        .await?)
}

pub async fn count_login_failures(p: &Pools, email: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $2")
        .bind(email)
        .bind(micros(since))
        .fetch_one(&p.read)
        .await?)
}

pub async fn record_login_failure(p: &Pools, email: &str, now: DateTime<Utc>, forget_before: DateTime<Utc>) -> Result<()> {
    let mut tx = p.write.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE email = $1 AND at < $2")
        .bind(email)
        .bind(micros(forget_before))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
        .bind(email)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_session(p: &Pools, token_hash: &str, user_id: i64, email: &str, csrf: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<()> {
    let mut tx = p.write.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE email = $1").bind(email).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(micros(now)).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn session_user(p: &Pools, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionUser>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.email, u.name, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(&p.read)
    .await?)
}

pub async fn delete_session(p: &Pools, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&p.write).await?;
    Ok(())
}

pub async fn user_orgs(p: &Pools, user_id: i64) -> Result<Vec<OrgMembership>> {
    Ok(sqlx::query_as(
        "SELECT o.id AS org_id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 ORDER BY o.name, o.id",
    )
    .bind(user_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn membership_by_slug(p: &Pools, user_id: i64, slug: &str) -> Result<Option<OrgMembership>> {
    Ok(sqlx::query_as(
        "SELECT o.id AS org_id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND o.slug = $2",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(&p.read)
    .await?)
}

// ---------------------------------------------------------------- API tokens

/// Resolves a bearer token: live, not revoked, not expired, and its user still a member.
pub async fn token_grant(p: &Pools, token_hash: &str, now: DateTime<Utc>) -> Result<Option<TokenGrant>> {
    Ok(sqlx::query_as(
        "SELECT t.id AS token_id, t.name AS token_name, t.role AS token_role, t.user_id, u.email, \
                t.org_id, o.slug AS org_slug, m.role AS member_role \
         FROM api_tokens t \
         JOIN users u ON u.id = t.user_id \
         JOIN organizations o ON o.id = t.org_id \
         JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(&p.read)
    .await?)
}

const TOKEN_SELECT: &str = "SELECT t.id, t.org_id, t.user_id, u.email AS user_email, t.name, t.role, t.created_at, t.expires_at, t.revoked_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

pub async fn create_token(p: &Pools, actor: &Actor, org_id: i64, new: &NewToken, now: DateTime<Utc>) -> Result<ApiToken> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, user_id, name, token_hash, role, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(new.user_id)
    .bind(&new.name)
    .bind(&new.token_hash)
    .bind(new.role.as_str())
    .bind(micros(now))
    .bind(new.expires_at.map(micros))
    .fetch_one(&mut *tx)
    .await?;
    let token: ApiToken = sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    append_event(&mut tx, &mut chain, actor, action::CREATE, "api_token", &id.to_string(), None::<&()>, Some(&token), now).await?;
    commit(tx, chain).await?;
    Ok(token)
}

/// Tokens of the organization, newest first; `user_id` limits the list to one person's.
pub async fn list_tokens(p: &Pools, org_id: i64, user_id: Option<i64>, before_id: Option<i64>, limit: i64) -> Result<Vec<ApiToken>> {
    let mut q: QueryBuilder<DB> = QueryBuilder::new(TOKEN_SELECT);
    q.push(" WHERE t.org_id = ").push_bind(org_id);
    if let Some(u) = user_id {
        q.push(" AND t.user_id = ").push_bind(u);
    }
    if let Some(b) = before_id {
        q.push(" AND t.id < ").push_bind(b);
    }
    q.push(" ORDER BY t.id DESC LIMIT ").push_bind(limit);
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

pub async fn get_token(p: &Pools, org_id: i64, id: i64) -> Result<Option<ApiToken>> {
    Ok(sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.org_id = $1 AND t.id = $2"))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&p.read)
        .await?)
}

pub async fn revoke_token(p: &Pools, actor: &Actor, org_id: i64, id: i64, now: DateTime<Utc>) -> Result<ApiToken> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: ApiToken = sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.org_id = $1 AND t.id = $2"))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("token".into()))?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    let after = ApiToken { revoked_at: Some(micros(now)), ..before.clone() };
    append_event(&mut tx, &mut chain, actor, action::DELETE, "api_token", &id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

// ---------------------------------------------------------------- members

pub async fn list_members(p: &Pools, org_id: i64, after_user_id: Option<i64>, limit: i64) -> Result<Vec<Member>> {
    Ok(sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3"
    ))
    .bind(org_id)
    .bind(after_user_id.unwrap_or(0))
    .bind(limit)
    .fetch_all(&p.read)
    .await?)
}

pub async fn get_member(p: &Pools, org_id: i64, user_id: i64) -> Result<Option<Member>> {
    Ok(sqlx::query_as(&format!("{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id = $2"))
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(&p.read)
        .await?)
}

pub async fn add_member(p: &Pools, actor: &Actor, org_id: i64, new: &NewMember, now: DateTime<Utc>) -> Result<Member> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let existing: Option<User> = sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE email = $1")
        .bind(&new.email)
        .fetch_optional(&mut *tx)
        .await?;
    let user = match (existing, &new.password_hash) {
        (Some(u), _) => u,
        (None, Some(hash)) => {
            let u = insert_user(&mut tx, &new.email, &new.name, hash, now).await?;
            append_event(&mut tx, &mut chain, actor, action::CREATE, "user", &u.id.to_string(), None::<&()>, Some(&u), now).await?;
            u
        }
        (None, None) => {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "password",
                "is required for a person who has no account yet",
            )))
        }
    };
    let m = insert_membership(&mut tx, &mut chain, actor, org_id, &user, new.role, now).await?;
    commit(tx, chain).await?;
    Ok(m)
}

async fn admin_count(tx: &mut Tx<'_>, org_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'admin'")
        .bind(org_id)
        .fetch_one(&mut **tx)
        .await?)
}

async fn update_role_in(tx: &mut Tx<'_>, chain: &mut Chain, actor: &Actor, org_id: i64, before: Member, role: Role, now: DateTime<Utc>) -> Result<Member> {
    if before.role == Role::Admin && role != Role::Admin && admin_count(tx, org_id).await? <= 1 {
        return Err(StoreError::Invalid(aims_domain::Invalid::field(
            "role",
            "the organization needs at least one admin: make someone else admin first",
        )));
    }
    let n = sqlx::query(
        "UPDATE memberships SET role = $3, updated_at = $4, version = version + 1 \
         WHERE org_id = $1 AND user_id = $2 AND version = $5",
    )
    .bind(org_id)
    .bind(before.user_id)
    .bind(role.as_str())
    .bind(micros(now))
    .bind(before.version)
    .execute(&mut **tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::stale(before.version));
    }
    let after = fetch_member(tx, org_id, before.user_id).await?.ok_or_else(|| StoreError::NotFound("member".into()))?;
    append_event(tx, chain, actor, action::UPDATE, "member", &before.user_id.to_string(), Some(&before), Some(&after), now).await?;
    Ok(after)
}

pub async fn update_member_role(p: &Pools, actor: &Actor, org_id: i64, user_id: i64, role: Role, version: i64, now: DateTime<Utc>) -> Result<Member> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_member(&mut tx, org_id, user_id).await?.ok_or_else(|| StoreError::NotFound("member".into()))?;
    if before.version != version {
        return Err(StoreError::stale(before.version));
    }
    let after = update_role_in(&mut tx, &mut chain, actor, org_id, before, role, now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Removes a membership and the person's tokens for this organization (the account stays).
pub async fn remove_member(p: &Pools, actor: &Actor, org_id: i64, user_id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_member(&mut tx, org_id, user_id).await?.ok_or_else(|| StoreError::NotFound("member".into()))?;
    if before.role == Role::Admin && admin_count(&mut tx, org_id).await? <= 1 {
        return Err(StoreError::Invalid(aims_domain::Invalid::field(
            "user_id",
            "the organization needs at least one admin: make someone else admin first",
        )));
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(org_id)
        .bind(user_id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    append_event(&mut tx, &mut chain, actor, action::DELETE, "member", &user_id.to_string(), Some(&before), None::<&()>, now).await?;
    commit(tx, chain).await?;
    Ok(())
}

// ---------------------------------------------------------------- backup and restore

/// How a column is carried in a backup file.
#[derive(Clone, Copy)]
enum Col {
    Bool,
    OptBool,
    Int,
    OptInt,
    Text,
    OptText,
    Time,
    OptTime,
}

/// The tables a backup carries, in an order that satisfies foreign keys. Sessions, setup
/// links and login failures are deliberately left out: they are transient.
/// (table, whether it has an identity `id`, ORDER BY that puts referenced rows first, columns)
type BackupTable = (&'static str, bool, &'static str, &'static [(&'static str, Col)]);

const BACKUP_TABLES: &[BackupTable] = &[
    ("organizations", true, "id", &[("id", Col::Int), ("slug", Col::Text), ("name", Col::Text), ("created_at", Col::Time), ("updated_at", Col::Time), ("version", Col::Int)]),
    ("users", true, "id", &[("id", Col::Int), ("email", Col::Text), ("name", Col::Text), ("password_hash", Col::Text), ("created_at", Col::Time), ("updated_at", Col::Time), ("version", Col::Int)]),
    ("memberships", false, "org_id, user_id", &[("org_id", Col::Int), ("user_id", Col::Int), ("role", Col::Text), ("created_at", Col::Time), ("updated_at", Col::Time), ("version", Col::Int)]),
    ("api_tokens", true, "id", &[("id", Col::Int), ("org_id", Col::Int), ("user_id", Col::Int), ("name", Col::Text), ("token_hash", Col::Text), ("role", Col::Text), ("created_at", Col::Time), ("expires_at", Col::OptTime), ("revoked_at", Col::OptTime)]),
    ("frameworks", true, "id", &[("id", Col::Int), ("org_id", Col::OptInt), ("key", Col::Text), ("name", Col::Text), ("version", Col::Int), ("publisher", Col::OptText), ("description", Col::OptText), ("url", Col::OptText), ("provenance", Col::OptText), ("urn", Col::OptText), ("builtin", Col::Bool), ("content_hash", Col::Text), ("created_at", Col::Time), ("updated_at", Col::Time)]),
    ("requirements", true, "depth, id", &[("id", Col::Int), ("framework_id", Col::Int), ("ref", Col::Text), ("title", Col::Text), ("kind", Col::Text), ("parent_id", Col::OptInt), ("assessable", Col::Bool), ("position", Col::Int), ("depth", Col::Int), ("description", Col::OptText), ("evidence_json", Col::Text), ("questions_json", Col::Text), ("documents_json", Col::Text), ("urn", Col::OptText), ("withdrawn", Col::Bool), ("search_text", Col::Text)]),
    ("mapping_sets", true, "id", &[("id", Col::Int), ("org_id", Col::OptInt), ("key", Col::Text), ("name", Col::Text), ("version", Col::Int), ("source_framework_id", Col::Int), ("target_framework_id", Col::Int), ("description", Col::OptText), ("builtin", Col::Bool), ("content_hash", Col::Text), ("created_at", Col::Time), ("updated_at", Col::Time)]),
    ("requirement_mappings", true, "id", &[("id", Col::Int), ("set_id", Col::Int), ("from_id", Col::Int), ("to_id", Col::Int), ("relation", Col::Text), ("source", Col::OptText), ("note", Col::OptText)]),
    ("risk_criteria", false, "org_id", &[("org_id", Col::Int), ("criteria_json", Col::Text), ("version", Col::Int), ("updated_at", Col::Time)]),
    ("org_settings", false, "org_id", &[("org_id", Col::Int), ("lifecycle_gates", Col::Bool), ("version", Col::Int), ("updated_at", Col::Time)]),
    ("soa_entries", true, "id", &[("id", Col::Int), ("org_id", Col::Int), ("requirement_id", Col::Int), ("applicable", Col::OptBool), ("justification", Col::OptText), ("status", Col::Text), ("version", Col::Int), ("updated_at", Col::Time)]),
    ("soa_versions", true, "id", &[("id", Col::Int), ("org_id", Col::Int), ("number", Col::Int), ("approved_by", Col::OptInt), ("approved_at", Col::Time), ("note", Col::OptText), ("snapshot_json", Col::Text)]),
    ("maturity_assessments", true, "id", &[("id", Col::Int), ("org_id", Col::Int), ("number", Col::Int), ("assessed_on", Col::Text), ("answered_by", Col::Text), ("answers_json", Col::Text), ("created_by", Col::OptInt), ("created_at", Col::Time)]),
    ("org_plan", false, "org_id", &[("org_id", Col::Int), ("plan_json", Col::Text), ("version", Col::Int), ("updated_at", Col::Time)]),
    ("audit_heads", false, "org_id", &[("org_id", Col::Int), ("seq", Col::Int), ("last_hash", Col::Text)]),
    ("audit_events", true, "id", &[("id", Col::Int), ("org_id", Col::Int), ("seq", Col::Int), ("at", Col::Time), ("actor_user_id", Col::OptInt), ("actor_token_id", Col::OptInt), ("actor_label", Col::Text), ("action", Col::Text), ("entity_type", Col::Text), ("entity_id", Col::Text), ("before_json", Col::OptText), ("after_json", Col::OptText), ("prev_hash", Col::Text), ("hash", Col::Text)]),
];

/// (table, has identity id, ORDER BY, columns) with owned column names.
type BackupTableOwned = (String, bool, String, Vec<(String, Col)>);

/// The static tables plus every register (described by its spec), in foreign-key order;
/// the audit tables come last so restore can verify them against everything else.
fn backup_tables() -> Vec<BackupTableOwned> {
    let own = |(t, id, order, cols): &BackupTable| -> BackupTableOwned {
        (t.to_string(), *id, order.to_string(), cols.iter().map(|(n, c)| (n.to_string(), *c)).collect())
    };
    let (audit, rest): (Vec<&BackupTable>, Vec<&BackupTable>) = BACKUP_TABLES.iter().partition(|t| t.0.starts_with("audit_"));
    let mut out: Vec<BackupTableOwned> = rest.into_iter().map(own).collect();
    // Registers without reference fields first, so referenced rows exist before their referrers.
    let mut registers: Vec<&RegisterSpec> = aims_domain::register::REGISTERS.to_vec();
    registers.sort_by_key(|r| r.fields.iter().any(|f| matches!(f.kind, FieldKind::Ref(_))));
    for r in registers {
        let mut cols = vec![("id".to_string(), Col::Int), ("org_id".to_string(), Col::Int), ("number".to_string(), Col::Int)];
        for f in r.fields {
            let c = match f.kind {
                FieldKind::Bool => Col::Bool,
                FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => Col::OptInt,
                _ if f.sort => Col::Text,
                _ => Col::OptText,
            };
            cols.push((f.name.to_string(), c));
        }
        if r.table == "ai_systems" {
            cols.push(("classification_json".into(), Col::OptText));
        }
        if r.table == "impact_assessments" {
            cols.push(("entries_json".into(), Col::Text));
        }
        cols.extend([("created_at".to_string(), Col::Time), ("updated_at".to_string(), Col::Time), ("version".to_string(), Col::Int)]);
        out.push((r.table.to_string(), true, "id".to_string(), cols));
    }
    out.push((
        "record_links".into(),
        false,
        "a_table, a_id, b_table, b_id".into(),
        ["org_id", "a_table", "a_id", "b_table", "b_id"].iter().map(|n| (n.to_string(), if n.ends_with("table") { Col::Text } else { Col::Int })).collect(),
    ));
    out.extend(audit.into_iter().map(own));
    out
}

/// Streams every backed-up table to `sink` as (table, row) pairs; memory stays flat.
pub async fn backup_rows(
    p: &Pools,
    sink: &mut BackupSink<'_>,
) -> Result<u64> {
    let mut count = 0;
    // One read transaction so the backup is a consistent snapshot.
    let mut tx = p.read.begin().await?;
    for (table, _, order_by, cols) in backup_tables() {
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let sql = format!("SELECT {} FROM {table} ORDER BY {order_by}", names.join(", "));
        let mut rows = sqlx::query(&sql).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let mut obj = serde_json::Map::new();
            for (name, kind) in cols.iter() {
                let v = match kind {
                    Col::Bool => serde_json::Value::from(row.try_get::<bool, _>(name.as_str())?),
                    Col::OptBool => serde_json::Value::from(row.try_get::<Option<bool>, _>(name.as_str())?),
                    Col::Int => serde_json::Value::from(row.try_get::<i64, _>(name.as_str())?),
                    Col::OptInt => serde_json::Value::from(row.try_get::<Option<i64>, _>(name.as_str())?),
                    Col::Text => serde_json::Value::from(row.try_get::<String, _>(name.as_str())?),
                    Col::OptText => serde_json::Value::from(row.try_get::<Option<String>, _>(name.as_str())?),
                    Col::Time => serde_json::Value::from(row.try_get::<DateTime<Utc>, _>(name.as_str())?.to_rfc3339()),
                    Col::OptTime => serde_json::Value::from(row.try_get::<Option<DateTime<Utc>>, _>(name.as_str())?.map(|t| t.to_rfc3339())),
                };
                obj.insert(name.clone(), v);
            }
            sink(&table, obj).map_err(|e| StoreError::Io(e.to_string()))?;
            count += 1;
        }
    }
    Ok(count)
}

/// Loads rows from a backup into an empty database in one transaction, then checks that
/// every audit chain is intact before committing. `rows` yields (line number, table, row).
pub async fn restore_rows(
    p: &Pools,
    rows: &mut (dyn Iterator<Item = RestoreItem> + Send),
) -> Result<u64> {
    let mut tx = p.write.begin().await?;
    let existing: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM organizations)")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(StoreError::Conflict("the target database is not empty: restore into a new data folder or database".into()));
    }
    // With no organization yet, the catalog holds only built-in rows: replace them with the
    // backup's, so that requirement ids (and every link to them) come back unchanged.
    for table in ["requirement_mappings", "mapping_sets", "requirements", "frameworks"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    let tables = backup_tables();
    let mut count = 0;
    for item in rows {
        let (line, table, row) = item.map_err(StoreError::Backup)?;
        let bad = |m: String| StoreError::Backup(format!("line {line}: {m}"));
        let (_, _, _, cols) = tables
            .iter()
            .find(|(t, _, _, _)| *t == table)
            .ok_or_else(|| bad(format!("unknown table `{table}`")))?;
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), placeholders.join(", "));
        let mut q = sqlx::query(&sql);
        for (name, kind) in cols.iter() {
            let v = row.get(name.as_str()).cloned().unwrap_or(serde_json::Value::Null);
            let wrong = || bad(format!("column `{name}` of `{table}` has a wrong value: {v}"));
            let time = |v: &serde_json::Value| -> std::result::Result<DateTime<Utc>, StoreError> {
                v.as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(wrong)
            };
            q = match kind {
                Col::Bool => q.bind(v.as_bool().ok_or_else(wrong)?),
                Col::OptBool => q.bind(if v.is_null() { None } else { Some(v.as_bool().ok_or_else(wrong)?) }),
                Col::Int => q.bind(v.as_i64().ok_or_else(wrong)?),
                Col::OptInt => q.bind(if v.is_null() { None } else { Some(v.as_i64().ok_or_else(wrong)?) }),
                Col::Text => q.bind(v.as_str().ok_or_else(wrong)?.to_string()),
                Col::OptText => q.bind(if v.is_null() { None } else { Some(v.as_str().ok_or_else(wrong)?.to_string()) }),
                Col::Time => q.bind(time(&v)?),
                Col::OptTime => q.bind(if v.is_null() { None } else { Some(time(&v)?) }),
            };
        }
        q.execute(&mut *tx).await.map_err(|e| bad(e.to_string()))?;
        count += 1;
    }
    if let VerifyOutcome::Broken { problem, .. } = verify_on(&mut tx, None).await? {
        return Err(StoreError::Backup(format!("the audit chain in the backup is broken, nothing was restored: {problem}")));
    }
    if IS_POSTGRES {
        // Explicit ids were inserted: move each identity past them.
        for (table, has_id, _, _) in &tables {
            if *has_id {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(count)
}

pub async fn schema_version(p: &Pools) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&p.read)
        .await?)
}

// ---------------------------------------------------------------- catalog

use aims_catalog::library::{FrameworkLibrary, MappingSetLibrary, ReqAddr};

/// Frameworks and mapping sets live in the built-in scope (org_id NULL) or in one organization's.
fn scope(org_id: Option<i64>) -> i64 {
    org_id.unwrap_or(0)
}

fn version_rule(kind: &str, key: &str, builtin: bool, stored: i64, new: i64) -> Result<()> {
    if builtin {
        return Ok(());
    }
    if new < stored {
        return Err(StoreError::Conflict(format!("{kind} `{key}` is at version {stored}; this file has the older version {new}")));
    }
    if new == stored {
        return Err(StoreError::Conflict(format!(
            "{kind} `{key}` version {stored} is already stored with different content: raise `version` to upgrade it"
        )));
    }
    Ok(())
}

/// Creates or upgrades a framework in place. Requirements are matched by ref, so their ids
/// (and every link an organization holds to them) survive upgrades; refs that disappear are
/// marked withdrawn, never deleted. Re-importing the same content changes nothing.
pub async fn import_framework(
    p: &Pools,
    org_id: Option<i64>,
    lib: &FrameworkLibrary,
    builtin: bool,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let now = micros(now);
    let meta = &lib.meta;
    let mut tx = p.write.begin().await?;
    // Imports into an organization are audited in its chain; built-in ones are not.
    let mut chain = match (org_id, actor) {
        (Some(org), Some(_)) => Some(lock_org(&mut tx, org).await?),
        _ => None,
    };
    if org_id.is_some() {
        let clash: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM frameworks WHERE org_id IS NULL AND key = $1")
            .bind(&meta.key)
            .fetch_one(&mut *tx)
            .await?;
        if clash > 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "framework.key",
                format!("`{}` is a built-in framework; give your framework another key", meta.key),
            )));
        }
    }
    let existing: Option<Framework> = sqlx::query_as("SELECT * FROM frameworks WHERE COALESCE(org_id, 0) = $1 AND key = $2")
        .bind(scope(org_id))
        .bind(&meta.key)
        .fetch_optional(&mut *tx)
        .await?;
    let (framework_id, outcome) = match &existing {
        Some(f) if f.content_hash == lib.content_hash => {
            return Ok(ImportReport { kind: "framework".into(), key: meta.key.clone(), outcome: "unchanged".into(), version: f.version, requirements: 0, withdrawn: 0, mappings: 0 });
        }
        Some(f) => {
            version_rule("framework", &meta.key, builtin, f.version, meta.version)?;
            sqlx::query(
                "UPDATE frameworks SET name = $2, version = $3, publisher = $4, description = $5, url = $6, provenance = $7, \
                 urn = $8, content_hash = $9, updated_at = $10 WHERE id = $1",
            )
            .bind(f.id)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(&meta.publisher)
            .bind(&meta.description)
            .bind(&meta.url)
            .bind(&meta.provenance)
            .bind(&meta.urn)
            .bind(&lib.content_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (f.id, "upgraded")
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO frameworks (org_id, key, name, version, publisher, description, url, provenance, urn, builtin, content_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(org_id)
            .bind(&meta.key)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(&meta.publisher)
            .bind(&meta.description)
            .bind(&meta.url)
            .bind(&meta.provenance)
            .bind(&meta.urn)
            .bind(builtin)
            .bind(&lib.content_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (id, "created")
        }
    };
    let stored: Vec<(i64, String)> = sqlx::query_as("SELECT id, ref FROM requirements WHERE framework_id = $1")
        .bind(framework_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut ids: std::collections::HashMap<String, i64> = stored.iter().map(|(id, r)| (r.clone(), *id)).collect();
    let mut depth_of: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (position, r) in lib.requirements.iter().enumerate() {
        let parent_id = r.parent.as_ref().and_then(|p| ids.get(p).copied());
        let depth = r.parent.as_ref().and_then(|p| depth_of.get(p)).map(|d| d + 1).unwrap_or(1);
        depth_of.insert(r.reference.clone(), depth);
        let search = format!("{} {} {}", r.reference, r.title, r.description.clone().unwrap_or_default()).to_lowercase();
        let evidence = serde_json::to_string(&r.evidence)?;
        let questions = serde_json::to_string(&r.questions)?;
        let documents = serde_json::to_string(&r.documents)?;
        match ids.get(&r.reference) {
            Some(id) => {
                sqlx::query(
                    "UPDATE requirements SET title = $2, kind = $3, parent_id = $4, assessable = $5, position = $6, depth = $7, \
                     description = $8, evidence_json = $9, questions_json = $10, documents_json = $11, urn = $12, withdrawn = FALSE, \
                     search_text = $13 WHERE id = $1",
                )
                .bind(id)
                .bind(&r.title)
                .bind(&r.kind)
                .bind(parent_id)
                .bind(r.assessable)
                .bind(position as i64)
                .bind(depth)
                .bind(&r.description)
                .bind(evidence)
                .bind(questions)
                .bind(documents)
                .bind(&r.urn)
                .bind(search)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO requirements (framework_id, ref, title, kind, parent_id, assessable, position, depth, description, \
                     evidence_json, questions_json, documents_json, urn, withdrawn, search_text) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE, $14) RETURNING id",
                )
                .bind(framework_id)
                .bind(&r.reference)
                .bind(&r.title)
                .bind(&r.kind)
                .bind(parent_id)
                .bind(r.assessable)
                .bind(position as i64)
                .bind(depth)
                .bind(&r.description)
                .bind(evidence)
                .bind(questions)
                .bind(documents)
                .bind(&r.urn)
                .bind(search)
                .fetch_one(&mut *tx)
                .await?;
                ids.insert(r.reference.clone(), id);
            }
        }
    }
    let current: std::collections::HashSet<&str> = lib.requirements.iter().map(|r| r.reference.as_str()).collect();
    let mut withdrawn = 0;
    for (id, r) in &stored {
        if !current.contains(r.as_str()) {
            sqlx::query("UPDATE requirements SET withdrawn = TRUE, position = position + 1000000 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            withdrawn += 1;
        }
    }
    let report = ImportReport {
        kind: "framework".into(),
        key: meta.key.clone(),
        outcome: outcome.into(),
        version: meta.version,
        requirements: lib.requirements.len(),
        withdrawn,
        mappings: 0,
    };
    if let (Some(chain), Some(actor)) = (chain.as_mut(), actor) {
        let before = existing.as_ref().map(|f| serde_json::json!({"key": f.key, "version": f.version}));
        let after = serde_json::json!({"key": meta.key, "version": meta.version, "name": meta.name, "requirements": report.requirements, "withdrawn": withdrawn});
        let action = if existing.is_some() { action::UPDATE } else { action::CREATE };
        append_event(&mut tx, chain, actor, action, "framework", &framework_id.to_string(), before.as_ref(), Some(&after), now).await?;
    }
    match chain {
        Some(chain) => commit(tx, chain).await?,
        None => tx.commit().await?,
    }
    Ok(report)
}

/// Finds a framework visible in `org_id`'s scope by key, or by URN (CISO Assistant libraries).
async fn resolve_framework(tx: &mut Tx<'_>, org_id: Option<i64>, key_or_urn: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM frameworks WHERE (org_id IS NULL OR org_id = $1) AND (key = $2 OR urn = $2) ORDER BY org_id LIMIT 1",
    )
    .bind(org_id)
    .bind(key_or_urn)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Creates or replaces a mapping set. Every row must resolve to requirements of the two
/// frameworks, or nothing is stored.
pub async fn import_mapping_set(
    p: &Pools,
    org_id: Option<i64>,
    lib: &MappingSetLibrary,
    builtin: bool,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let now = micros(now);
    let meta = &lib.meta;
    let mut tx = p.write.begin().await?;
    let mut chain = match (org_id, actor) {
        (Some(org), Some(_)) => Some(lock_org(&mut tx, org).await?),
        _ => None,
    };
    let unknown = |field: &str, key: &str| {
        StoreError::Invalid(aims_domain::Invalid::field(field, format!("framework `{key}` is not in the catalog: import it first")))
    };
    let source_id = resolve_framework(&mut tx, org_id, &meta.source_framework).await?.ok_or_else(|| unknown("mapping_set.source_framework", &meta.source_framework))?;
    let target_id = resolve_framework(&mut tx, org_id, &meta.target_framework).await?.ok_or_else(|| unknown("mapping_set.target_framework", &meta.target_framework))?;
    let existing: Option<(i64, i64, String)> = sqlx::query_as("SELECT id, version, content_hash FROM mapping_sets WHERE COALESCE(org_id, 0) = $1 AND key = $2")
        .bind(scope(org_id))
        .bind(&meta.key)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((_, v, hash)) = &existing {
        if *hash == lib.content_hash {
            return Ok(ImportReport { kind: "mapping_set".into(), key: meta.key.clone(), outcome: "unchanged".into(), version: *v, requirements: 0, withdrawn: 0, mappings: 0 });
        }
        version_rule("mapping set", &meta.key, builtin, *v, meta.version)?;
    }
    // Every requirement of both frameworks, by ref and by URN: one query, whatever the size.
    let mut by_ref: std::collections::HashMap<(i64, String), i64> = std::collections::HashMap::new();
    let mut by_urn: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let rows: Vec<(i64, i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, framework_id, ref, urn FROM requirements WHERE framework_id IN ($1, $2)")
            .bind(source_id)
            .bind(target_id)
            .fetch_all(&mut *tx)
            .await?;
    for (id, fw, r, urn) in rows {
        by_ref.insert((fw, r), id);
        if let Some(u) = urn {
            by_urn.insert(u, id);
        }
    }
    let mut resolved = Vec::with_capacity(lib.mappings.len());
    for (i, m) in lib.mappings.iter().enumerate() {
        let find = |addr: &ReqAddr, fw: i64| match addr {
            ReqAddr::Ref { reference, .. } => by_ref.get(&(fw, reference.clone())).copied(),
            ReqAddr::Urn(u) => by_urn.get(u).copied(),
        };
        let bad = |addr: &ReqAddr, fw_key: &str| {
            StoreError::Invalid(aims_domain::Invalid::field(
                &format!("mappings[{i}]"),
                format!("`{addr}` is not a requirement of framework `{fw_key}`"),
            ))
        };
        let from = find(&m.from, source_id).ok_or_else(|| bad(&m.from, &meta.source_framework))?;
        let to = find(&m.to, target_id).ok_or_else(|| bad(&m.to, &meta.target_framework))?;
        resolved.push((from, to, m));
    }
    let set_id = match &existing {
        Some((id, _, _)) => {
            sqlx::query(
                "UPDATE mapping_sets SET name = $2, version = $3, source_framework_id = $4, target_framework_id = $5, description = $6, \
                 content_hash = $7, updated_at = $8 WHERE id = $1",
            )
            .bind(id)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(source_id)
            .bind(target_id)
            .bind(&meta.description)
            .bind(&lib.content_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM requirement_mappings WHERE set_id = $1").bind(id).execute(&mut *tx).await?;
            *id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO mapping_sets (org_id, key, name, version, source_framework_id, target_framework_id, description, builtin, content_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(org_id)
            .bind(&meta.key)
            .bind(&meta.name)
            .bind(meta.version)
            .bind(source_id)
            .bind(target_id)
            .bind(&meta.description)
            .bind(builtin)
            .bind(&lib.content_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    for chunk in resolved.chunks(400) {
        let mut q: QueryBuilder<DB> = QueryBuilder::new("INSERT INTO requirement_mappings (set_id, from_id, to_id, relation, source, note) ");
        q.push_values(chunk, |mut b, (from, to, m)| {
            b.push_bind(set_id)
                .push_bind(*from)
                .push_bind(*to)
                .push_bind(m.relation.as_str())
                .push_bind(m.source.clone())
                .push_bind(m.note.clone());
        });
        q.build().execute(&mut *tx).await?;
    }
    let report = ImportReport {
        kind: "mapping_set".into(),
        key: meta.key.clone(),
        outcome: if existing.is_some() { "upgraded".into() } else { "created".into() },
        version: meta.version,
        requirements: 0,
        withdrawn: 0,
        mappings: resolved.len(),
    };
    if let (Some(chain), Some(actor)) = (chain.as_mut(), actor) {
        let after = serde_json::json!({"key": meta.key, "version": meta.version, "mappings": resolved.len()});
        append_event(&mut tx, chain, actor, if existing.is_some() { action::UPDATE } else { action::CREATE }, "mapping_set", &set_id.to_string(), None::<&()>, Some(&after), now).await?;
    }
    match chain {
        Some(chain) => commit(tx, chain).await?,
        None => tx.commit().await?,
    }
    Ok(report)
}

const FRAMEWORK_SUMMARY: &str = "SELECT f.*, \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.withdrawn = FALSE) AS requirement_count, \
     (SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.withdrawn = FALSE AND r.assessable = TRUE) AS assessable_count \
     FROM frameworks f";

pub async fn list_frameworks(p: &Pools, org_id: Option<i64>) -> Result<Vec<FrameworkSummary>> {
    Ok(sqlx::query_as(&format!("{FRAMEWORK_SUMMARY} WHERE f.org_id IS NULL OR f.org_id = $1 ORDER BY f.builtin DESC, f.name")).bind(org_id).fetch_all(&p.read).await?)
}

pub async fn framework_by_key(p: &Pools, org_id: Option<i64>, key: &str) -> Result<Option<FrameworkSummary>> {
    Ok(sqlx::query_as(&format!("{FRAMEWORK_SUMMARY} WHERE (f.org_id IS NULL OR f.org_id = $1) AND f.key = $2 ORDER BY f.org_id LIMIT 1"))
        .bind(org_id)
        .bind(key)
        .fetch_optional(&p.read)
        .await?)
}

/// Requirements of a framework in document order; `q` searches refs, titles and descriptions.
pub async fn list_requirements(p: &Pools, framework_id: i64, q: Option<&str>) -> Result<Vec<Requirement>> {
    let mut b: QueryBuilder<DB> = QueryBuilder::new("SELECT * FROM requirements WHERE withdrawn = FALSE AND framework_id = ");
    b.push_bind(framework_id);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        b.push(" AND search_text LIKE ").push_bind(format!("%{}%", q.to_lowercase()));
    }
    b.push(" ORDER BY position");
    Ok(b.build_query_as().fetch_all(&p.read).await?)
}

/// A requirement, if its framework is visible to the organization.
pub async fn get_requirement(p: &Pools, org_id: Option<i64>, id: i64) -> Result<Option<(Requirement, Framework)>> {
    let r: Option<Requirement> = sqlx::query_as("SELECT * FROM requirements WHERE id = $1").bind(id).fetch_optional(&p.read).await?;
    let Some(r) = r else { return Ok(None) };
    let f: Option<Framework> = sqlx::query_as("SELECT * FROM frameworks WHERE id = $1 AND (org_id IS NULL OR org_id = $2)")
        .bind(r.framework_id)
        .bind(org_id)
        .fetch_optional(&p.read)
        .await?;
    Ok(f.map(|f| (r, f)))
}

pub async fn requirement_by_ref(p: &Pools, org_id: Option<i64>, framework_key: &str, reference: &str) -> Result<Option<Requirement>> {
    Ok(sqlx::query_as(
        "SELECT r.* FROM requirements r JOIN frameworks f ON f.id = r.framework_id \
         WHERE (f.org_id IS NULL OR f.org_id = $1) AND f.key = $2 AND r.ref = $3 ORDER BY f.org_id LIMIT 1",
    )
    .bind(org_id)
    .bind(framework_key)
    .bind(reference)
    .fetch_optional(&p.read)
    .await?)
}

/// Both directions of every mapping touching a requirement, limited to visible mapping sets.
pub async fn requirement_mappings(p: &Pools, org_id: Option<i64>, id: i64) -> Result<Vec<MappingView>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.relation, m.source, m.note, 'outgoing' AS direction, r.id AS other_id, r.ref AS other_ref, r.title AS other_title, \
                f.key AS framework_key, f.name AS framework_name, s.key AS set_key \
         FROM requirement_mappings m JOIN requirements r ON r.id = m.to_id JOIN frameworks f ON f.id = r.framework_id \
         JOIN mapping_sets s ON s.id = m.set_id \
         WHERE m.from_id = $1 AND (s.org_id IS NULL OR s.org_id = $2) \
         UNION ALL \
         SELECT m.id, m.relation, m.source, m.note, 'incoming' AS direction, r.id AS other_id, r.ref AS other_ref, r.title AS other_title, \
                f.key AS framework_key, f.name AS framework_name, s.key AS set_key \
         FROM requirement_mappings m JOIN requirements r ON r.id = m.from_id JOIN frameworks f ON f.id = r.framework_id \
         JOIN mapping_sets s ON s.id = m.set_id \
         WHERE m.to_id = $1 AND (s.org_id IS NULL OR s.org_id = $2) \
         ORDER BY framework_key, other_id",
    )
    .bind(id)
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn list_mapping_sets(p: &Pools, org_id: Option<i64>) -> Result<Vec<MappingSet>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, key, name, version, source_framework_id, target_framework_id, description, builtin FROM mapping_sets \
         WHERE org_id IS NULL OR org_id = $1 ORDER BY builtin DESC, key",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn mapping_rows(p: &Pools, set_id: i64) -> Result<Vec<MappingRow>> {
    Ok(sqlx::query_as(
        "SELECT a.ref AS from_ref, b.ref AS to_ref, m.relation, m.source, m.note FROM requirement_mappings m \
         JOIN requirements a ON a.id = m.from_id JOIN requirements b ON b.id = m.to_id WHERE m.set_id = $1 ORDER BY m.id",
    )
    .bind(set_id)
    .fetch_all(&p.read)
    .await?)
}

/// What covers the framework's requirements: implemented controls linked directly, and
/// implemented controls linked to a requirement mapped (either way) onto it. Two
/// statements, whatever the number of requirements.
pub async fn coverage_sources(p: &Pools, org_id: i64, framework_id: i64) -> Result<(Vec<DirectCover>, Vec<MappedCover>)> {
    let direct: Vec<DirectCover> = sqlx::query_as(
        "SELECT cr.b_id AS requirement_id, c.id AS control_id, c.number AS control_number, c.name AS control_name \
         FROM record_links cr JOIN controls c ON c.id = cr.a_id JOIN requirements r ON r.id = cr.b_id \
         WHERE cr.a_table = 'controls' AND cr.b_table = 'requirements' \
         AND c.org_id = $1 AND c.status = 'implemented' AND r.framework_id = $2 ORDER BY c.number",
    )
    .bind(org_id)
    .bind(framework_id)
    .fetch_all(&p.read)
    .await?;
    let via_sql = |target: &str, via: &str, direction: &str| {
        format!(
            "SELECT m.{target} AS requirement_id, m.{via} AS via_id, vr.ref AS via_ref, vf.key AS via_framework, m.relation, \
                    '{direction}' AS direction, c.id AS control_id, c.number AS control_number, c.name AS control_name \
             FROM requirement_mappings m \
             JOIN requirements tr ON tr.id = m.{target} \
             JOIN requirements vr ON vr.id = m.{via} \
             JOIN frameworks vf ON vf.id = vr.framework_id \
             JOIN mapping_sets s ON s.id = m.set_id \
             JOIN record_links cr ON cr.a_table = 'controls' AND cr.b_table = 'requirements' AND cr.b_id = m.{via} \
             JOIN controls c ON c.id = cr.a_id \
             WHERE tr.framework_id = $2 AND c.org_id = $1 AND c.status = 'implemented' AND (s.org_id IS NULL OR s.org_id = $1)"
        )
    };
    let sql = format!("{} UNION ALL {} ORDER BY control_number", via_sql("to_id", "from_id", "forward"), via_sql("from_id", "to_id", "reverse"));
    let mapped: Vec<MappedCover> = sqlx::query_as(&sql).bind(org_id).bind(framework_id).fetch_all(&p.read).await?;
    Ok((direct, mapped))
}

/// A control of the organization, linked to requirements visible to it.
pub async fn create_control(p: &Pools, actor: &Actor, org_id: i64, name: &str, status: &str, requirement_ids: &[i64], now: DateTime<Utc>) -> Result<Control> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM controls WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
    let control: Control = sqlx::query_as(
        "INSERT INTO controls (org_id, number, name, status, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $5, 1) \
         RETURNING id, org_id, number, name, status, created_at, updated_at, version",
    )
    .bind(org_id)
    .bind(number)
    .bind(name)
    .bind(status)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (i, rid) in requirement_ids.iter().enumerate() {
        let visible: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE r.id = $1 AND (f.org_id IS NULL OR f.org_id = $2)",
        )
        .bind(rid)
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
        if visible == 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(&format!("requirement_ids[{i}]"), "no such requirement")));
        }
        add_link(&mut tx, org_id, "controls", control.id, "requirements", *rid).await?;
    }
    let after = serde_json::json!({"control": &control, "requirement_ids": requirement_ids});
    append_event(&mut tx, &mut chain, actor, action::CREATE, "control", &control.id.to_string(), None::<&()>, Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(control)
}

/// The organization's controls linked directly to a requirement.
pub async fn controls_for_requirement(p: &Pools, org_id: i64, requirement_id: i64) -> Result<Vec<Control>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.org_id, c.number, c.name, c.status, c.created_at, c.updated_at, c.version FROM controls c \
         JOIN record_links cr ON cr.a_table = 'controls' AND cr.a_id = c.id AND cr.b_table = 'requirements' \
         WHERE c.org_id = $1 AND cr.b_id = $2 ORDER BY c.number",
    )
    .bind(org_id)
    .bind(requirement_id)
    .fetch_all(&p.read)
    .await?)
}

// ---------------------------------------------------------------- registers (inventory and later ones)

use aims_domain::register::{FieldKind, FieldSpec, FieldValue, RecordInput, RegisterSpec};

use crate::Record;
type Q<'q> = sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>;

fn bind_field<'q>(q: Q<'q>, f: &FieldSpec, v: &FieldValue) -> Q<'q> {
    match v {
        // Sortable text columns hold '' for empty so their indexes serve keyset pagination.
        FieldValue::Text(t) if f.sort => q.bind(t.clone().unwrap_or_default()),
        FieldValue::Text(t) => q.bind(t.clone()),
        FieldValue::Bool(b) => q.bind(*b),
        FieldValue::Int(i) => q.bind(*i),
    }
}

fn row_to_record(spec: &RegisterSpec, row: &<DB as sqlx::Database>::Row) -> Result<Record> {
    RecordReader::new(spec, row)?.read(row)
}

/// Reads rows of one register query as records. Column positions are looked up by name once
/// per query, not once per row and field: by-name lookups were most of a list's decoding time.
struct RecordReader<'s> {
    spec: &'s RegisterSpec,
    /// id, number, created_at, updated_at, version
    fixed: [usize; 5],
    fields: Vec<usize>,
    /// entries_json (impact assessments) or classification_json (AI systems)
    extra: Option<usize>,
}

impl<'s> RecordReader<'s> {
    fn new(spec: &'s RegisterSpec, row: &<DB as sqlx::Database>::Row) -> Result<Self> {
        use sqlx::Column;
        let at = |name: &str| -> Result<usize> { Ok(row.try_column(name)?.ordinal()) };
        let extra = match spec.table {
            "impact_assessments" => Some(at("entries_json")?),
            "ai_systems" => Some(at("classification_json")?),
            _ => None,
        };
        Ok(RecordReader {
            spec,
            fixed: [at("id")?, at("number")?, at("created_at")?, at("updated_at")?, at("version")?],
            fields: spec.fields.iter().map(|f| at(f.name)).collect::<Result<_>>()?,
            extra,
        })
    }

    fn read(&self, row: &<DB as sqlx::Database>::Row) -> Result<Record> {
        let spec = self.spec;
        let [id, number, created_at, updated_at, version] = self.fixed;
        let mut o = Record::new();
        o.insert("id".into(), row.try_get::<i64, _>(id)?.into());
        o.insert("reference".into(), spec.reference(row.try_get::<i64, _>(number)?).into());
        for (f, &i) in spec.fields.iter().zip(&self.fields) {
            let v = match f.kind {
                FieldKind::Bool => serde_json::Value::from(row.try_get::<bool, _>(i)?),
                FieldKind::Int { .. } | FieldKind::Member | FieldKind::Ref(_) => serde_json::Value::from(row.try_get::<Option<i64>, _>(i)?),
                FieldKind::Multi(_) => match row.try_get::<Option<String>, _>(i)? {
                    Some(s) if !s.is_empty() => serde_json::from_str(&s)?,
                    _ => serde_json::Value::Array(vec![]),
                },
                _ => serde_json::Value::from(row.try_get::<Option<String>, _>(i)?.filter(|s| !s.is_empty())),
            };
            o.insert(f.name.into(), v);
        }
        match (spec.table, self.extra) {
            ("impact_assessments", Some(i)) => {
                let e: String = row.try_get(i)?;
                o.insert("entries".into(), serde_json::from_str(&e)?);
            }
            ("ai_systems", Some(i)) => {
                let c: Option<String> = row.try_get(i)?;
                o.insert("classification".into(), c.map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or(serde_json::Value::Null));
            }
            _ => {}
        }
        o.insert("created_at".into(), row.try_get::<DateTime<Utc>, _>(created_at)?.to_rfc3339().into());
        o.insert("updated_at".into(), row.try_get::<DateTime<Utc>, _>(updated_at)?.to_rfc3339().into());
        o.insert("version".into(), row.try_get::<i64, _>(version)?.into());
        Ok(o)
    }
}

/// Records from the rows of one register query.
fn rows_to_records(spec: &RegisterSpec, rows: &[<DB as sqlx::Database>::Row]) -> Result<Vec<Record>> {
    let Some(first) = rows.first() else { return Ok(vec![]) };
    let reader = RecordReader::new(spec, first)?;
    rows.iter().map(|r| reader.read(r)).collect()
}

/// A page of a register. `sort` is a sortable field (or None for newest first); the cursor is
/// the (sort value, id) of the last row of the previous page.
#[allow(clippy::too_many_arguments)]
pub async fn register_list(
    p: &Pools,
    org_id: i64,
    spec: &RegisterSpec,
    filters: &[(&'static FieldSpec, FieldValue)],
    search: Option<&str>,
    sort: Option<(&'static FieldSpec, bool)>,
    cursor: Option<(String, i64)>,
    limit: i64,
) -> Result<Vec<Record>> {
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!("SELECT * FROM {} WHERE org_id = ", spec.table));
    q.push_bind(org_id);
    for (f, v) in filters {
        match v {
            FieldValue::Text(t) if f.sort => {
                q.push(format!(" AND {} = ", f.name)).push_bind(t.clone().unwrap_or_default());
            }
            FieldValue::Text(Some(t)) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(t.clone());
            }
            FieldValue::Text(None) | FieldValue::Int(None) => {
                q.push(format!(" AND {} IS NULL", f.name));
            }
            FieldValue::Bool(b) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(*b);
            }
            FieldValue::Int(Some(i)) => {
                q.push(format!(" AND {} = ", f.name)).push_bind(*i);
            }
        }
    }
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        q.push(" AND LOWER(name) LIKE ").push_bind(format!("%{}%", s.to_lowercase()));
    }
    match (sort, cursor) {
        (Some((f, desc)), Some((v, id))) => {
            // A row-value comparison: both databases read it as one range of the
            // (org_id, field, id) index; the equivalent OR made PostgreSQL scan the organization.
            let op = if desc { "<" } else { ">" };
            q.push(format!(" AND ({}, id) {op} (", f.name)).push_bind(v);
            q.push(", ").push_bind(id).push(")");
        }
        (None, Some((_, id))) => {
            q.push(" AND id < ").push_bind(id);
        }
        _ => {}
    }
    match sort {
        Some((f, desc)) => {
            let dir = if desc { "DESC" } else { "ASC" };
            q.push(format!(" ORDER BY {} {dir}, id {dir}", f.name));
        }
        None => {
            q.push(" ORDER BY id DESC");
        }
    }
    q.push(" LIMIT ").push_bind(limit);
    let rows = q.build().fetch_all(&p.read).await?;
    rows_to_records(spec, &rows)
}

async fn fetch_record(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec, id: i64) -> Result<Option<Record>> {
    let row = sqlx::query(&format!("SELECT * FROM {} WHERE org_id = $1 AND id = $2", spec.table))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| row_to_record(spec, &r)).transpose()
}

pub async fn register_get(p: &Pools, org_id: i64, spec: &RegisterSpec, id: i64) -> Result<Option<Record>> {
    let row = sqlx::query(&format!("SELECT * FROM {} WHERE org_id = $1 AND id = $2", spec.table))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&p.read)
        .await?;
    row.map(|r| row_to_record(spec, &r)).transpose()
}

/// The organization's records of a register with these ids, ordered by id: one query per
/// thousand ids (bind-parameter limits), never one per record.
pub async fn register_get_many(p: &Pools, org_id: i64, spec: &RegisterSpec, ids: &[i64]) -> Result<Vec<Record>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let mut q: QueryBuilder<DB> = QueryBuilder::new(format!("SELECT * FROM {} WHERE org_id = ", spec.table));
        q.push_bind(org_id).push(" AND id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY id");
        out.extend(rows_to_records(spec, &q.build().fetch_all(&p.read).await?)?);
    }
    Ok(out)
}

/// Link pairs are stored once, with the tables in alphabetical order.
fn link_key<'a>(t1: &'a str, id1: i64, t2: &'a str, id2: i64) -> (&'a str, i64, &'a str, i64) {
    if t1 <= t2 {
        (t1, id1, t2, id2)
    } else {
        (t2, id2, t1, id1)
    }
}

/// `UNION ALL` branches, numbered from `first`, that select the records linked to record `id`
/// (a placeholder) through each link of its register. Table names come from the static register
/// specs, never from input.
fn link_branches(spec: &RegisterSpec, first: usize, id: &str) -> Vec<String> {
    spec.links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (mine, other) = if spec.table <= l.other { ("a", "b") } else { ("b", "a") };
            // Requirements belong to the catalog: shown by framework, ref and title.
            let (cols, join) = if l.other == "requirements" {
                ("o.id, CAST(0 AS BIGINT), f.key || ':' || o.ref || ' ' || o.title", " JOIN frameworks f ON f.id = o.framework_id")
            } else {
                ("o.id, o.number, o.name", "")
            };
            format!(
                "SELECT CAST({k} AS BIGINT), {cols} FROM record_links k JOIN {t} o ON o.id = k.{other}_id{join} \
                 WHERE k.{mine}_table = '{me}' AND k.{mine}_id = {id} AND k.{other}_table = '{t}'",
                k = first + i,
                t = l.other,
                me = spec.table
            )
        })
        .collect()
}

/// The reference fields of other registers that point at `spec`'s records.
fn referring_fields(spec: &RegisterSpec) -> Vec<(&'static str, &'static str)> {
    aims_domain::register::REGISTERS
        .iter()
        .flat_map(|other| other.fields.iter().filter(|f| f.kind == FieldKind::Ref(spec.table)).map(move |f| (other.table, f.name)))
        .collect()
}

/// `UNION ALL` branches, numbered from `first`, that select the records whose reference field
/// points at record `id` of organization `org` (placeholders).
fn referrer_branches(fields: &[(&str, &str)], first: usize, org: &str, id: &str) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .map(|(i, (table, field))| format!("SELECT CAST({k} AS BIGINT), id, number, name FROM {table} WHERE org_id = {org} AND {field} = {id}", k = first + i))
        .collect()
}

/// Runs the branches as one query (ordered by branch, then by the given column) and groups the
/// rows under the branch names.
async fn grouped<'c, E>(c: E, names: Vec<String>, branches: Vec<String>, order: &str, binds: &[i64]) -> Result<Vec<(String, Vec<LinkedRecord>)>>
where
    E: sqlx::Executor<'c, Database = DB>,
{
    let mut out: Vec<(String, Vec<LinkedRecord>)> = names.into_iter().map(|n| (n, vec![])).collect();
    if branches.is_empty() {
        return Ok(out);
    }
    let sql = format!("{} ORDER BY 1, {order}", branches.join(" UNION ALL "));
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    for (k, id, number, name) in q.fetch_all(c).await? {
        if let Some((_, list)) = out.get_mut(k as usize) {
            list.push(LinkedRecord { id, number, name });
        }
    }
    Ok(out)
}

/// The record's links of every kind, in one query.
async fn links_in(c: &mut <DB as sqlx::Database>::Connection, spec: &RegisterSpec, id: i64) -> Result<Vec<(String, Vec<LinkedRecord>)>> {
    let names = spec.links.iter().map(|l| l.field.to_string()).collect();
    grouped(&mut *c, names, link_branches(spec, 0, "$1"), "2", &[id]).await
}

pub async fn register_links(p: &Pools, spec: &RegisterSpec, id: i64) -> Result<Vec<(String, Vec<LinkedRecord>)>> {
    let mut c = p.read.acquire().await?;
    links_in(&mut c, spec, id).await
}

/// A record's links, and the records of other registers that point at it through a reference
/// field (for example the models of a supplier), in one query.
pub async fn register_neighbours(p: &Pools, org_id: i64, spec: &RegisterSpec, id: i64) -> Result<(Vec<(String, Vec<LinkedRecord>)>, Vec<(String, Vec<LinkedRecord>)>)> {
    let fields = referring_fields(spec);
    let mut names: Vec<String> = spec.links.iter().map(|l| l.field.to_string()).collect();
    names.extend(fields.iter().map(|(t, _)| t.to_string()));
    // Every placeholder bound must appear: the organization only does in referrer branches.
    let (branches, binds) = if fields.is_empty() {
        (link_branches(spec, 0, "$1"), vec![id])
    } else {
        let mut b = link_branches(spec, 0, "$2");
        b.extend(referrer_branches(&fields, spec.links.len(), "$1", "$2"));
        (b, vec![org_id, id])
    };
    // Links are listed by id and referrers by number; both follow creation order.
    let mut all = grouped(&p.read, names, branches, "2", &binds).await?;
    let referrers = all.split_off(spec.links.len());
    Ok((all, referrers))
}

async fn check_refs(tx: &mut Tx<'_>, org_id: i64, input: &RecordInput) -> Result<()> {
    let mut inv = aims_domain::Invalid::default();
    for (f, v) in &input.values {
        let FieldValue::Int(Some(id)) = v else { continue };
        let n: i64 = match f.kind {
            FieldKind::Member => sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2")
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?,
            FieldKind::Ref(t) => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t} WHERE org_id = $1 AND id = $2"))
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?,
            _ => 1,
        };
        if n == 0 {
            inv.push(f.name, match f.kind {
                FieldKind::Member => "is not a member of this organization".to_string(),
                _ => format!("no such {} in this organization", f.label.to_lowercase()),
            });
        }
    }
    for (l, ids) in &input.links {
        for id in ids {
            let sql = if l.other == "requirements" {
                "SELECT COUNT(*) FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE (f.org_id IS NULL OR f.org_id = $1) AND r.id = $2".to_string()
            } else {
                format!("SELECT COUNT(*) FROM {} WHERE org_id = $1 AND id = $2", l.other)
            };
            let n: i64 = sqlx::query_scalar(&sql)
                .bind(org_id)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            if n == 0 {
                inv.push(l.field, format!("{id} is not a record of this organization"));
            }
        }
    }
    inv.into_result().map_err(StoreError::Invalid)
}

/// Sets the record's links of each kind the input names; `fresh` (a record just created) has
/// none to remove.
async fn set_links(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec, id: i64, input: &RecordInput, fresh: bool) -> Result<()> {
    for (l, ids) in &input.links {
        if !fresh {
            let (at, bt) = if spec.table <= l.other { (spec.table, l.other) } else { (l.other, spec.table) };
            let mine = if spec.table <= l.other { "a" } else { "b" };
            sqlx::query(&format!("DELETE FROM record_links WHERE a_table = $1 AND b_table = $2 AND {mine}_id = $3"))
                .bind(at)
                .bind(bt)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        for other in ids {
            let (a_table, a_id, b_table, b_id) = link_key(spec.table, id, l.other, *other);
            sqlx::query("INSERT INTO record_links (org_id, a_table, a_id, b_table, b_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(org_id)
                .bind(a_table)
                .bind(a_id)
                .bind(b_table)
                .bind(b_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Adds one link if it is not there yet (imports).
async fn add_link(tx: &mut Tx<'_>, org_id: i64, t1: &str, id1: i64, t2: &str, id2: i64) -> Result<()> {
    let (a_table, a_id, b_table, b_id) = link_key(t1, id1, t2, id2);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM record_links WHERE a_table = $1 AND a_id = $2 AND b_table = $3 AND b_id = $4")
        .bind(a_table)
        .bind(a_id)
        .bind(b_table)
        .bind(b_id)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        sqlx::query("INSERT INTO record_links (org_id, a_table, a_id, b_table, b_id) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id)
            .bind(a_table)
            .bind(a_id)
            .bind(b_table)
            .bind(b_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A record with its links, as the audit trail keeps it.
async fn snapshot(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec, id: i64) -> Result<Option<Record>> {
    let Some(mut rec) = fetch_record(tx, org_id, spec, id).await? else { return Ok(None) };
    for (field, linked) in links_in(&mut *tx, spec, id).await? {
        rec.insert(field, linked.iter().map(|l| l.id).collect::<Vec<_>>().into());
    }
    Ok(Some(rec))
}

/// Fields a register derives on every write: risk scores; an impact assessment's author and
/// version. Says whether it changed the row.
async fn after_write(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec, id: i64, created_by: Option<&Actor>) -> Result<bool> {
    match spec.table {
        "risks" => {
            sqlx::query(
                "UPDATE risks SET inherent_score = inherent_likelihood * inherent_impact, residual_score = residual_likelihood * residual_impact \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        "impact_assessments" => {
            let Some(actor) = created_by else { return Ok(false) };
            sqlx::query(
                "UPDATE impact_assessments SET author_id = $3, status = 'draft', assessment_version = \
                 (SELECT COUNT(*) FROM impact_assessments o WHERE o.org_id = $1 AND o.system_id = impact_assessments.system_id) \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(id)
            .bind(actor.user_id)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The register's next record number. Call it under `lock_org`; a batch reads it once and counts on.
async fn next_number(tx: &mut Tx<'_>, org_id: i64, spec: &RegisterSpec) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!("SELECT COALESCE(MAX(number), 0) + 1 FROM {} WHERE org_id = $1", spec.table))
        .bind(org_id)
        .fetch_one(&mut **tx)
        .await?)
}

#[allow(clippy::too_many_arguments)]
/// Creates one record; `number` is given by batches that count on in memory, or None to take
/// the register's next one.
async fn create_in(tx: &mut Tx<'_>, chain: &mut Chain, actor: &Actor, org_id: i64, spec: &RegisterSpec, number: Option<i64>, input: &RecordInput, now: DateTime<Utc>) -> Result<Record> {
    let now = micros(now);
    check_refs(tx, org_id, input).await?;
    let mut cols = vec!["org_id", "number", "created_at", "updated_at", "version"];
    cols.extend(input.values.iter().map(|(f, _)| f.name));
    // Without a given number, the next one is counted inside the insert (the caller holds the
    // organization's lock).
    let next = format!("(SELECT COALESCE(MAX(number), 0) + 1 FROM {} WHERE org_id = $1)", spec.table);
    let mut placeholders: Vec<String> = vec!["$1".into(), number.map_or(next, |_| "$2".into())];
    let first = if number.is_some() { 3 } else { 2 };
    placeholders.extend((first..first + cols.len() - 2).map(|i| format!("${i}")));
    let sql = format!("INSERT INTO {} ({}) VALUES ({}) RETURNING *", spec.table, cols.join(", "), placeholders.join(", "));
    let mut q = sqlx::query(&sql).bind(org_id);
    if let Some(n) = number {
        q = q.bind(n);
    }
    q = q.bind(now).bind(now).bind(1_i64);
    for (f, v) in &input.values {
        q = bind_field(q, f, v);
    }
    let mut after = row_to_record(spec, &q.fetch_one(&mut **tx).await?)?;
    let id = after.get("id").and_then(|v| v.as_i64()).ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    if after_write(tx, org_id, spec, id, Some(actor)).await? {
        after = fetch_record(tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    }
    set_links(tx, org_id, spec, id, input, true).await?;
    // A new record's links are exactly the input's: no need to read them back.
    for l in spec.links {
        let mut ids: Vec<i64> = input.links.iter().filter(|(k, _)| k.field == l.field).flat_map(|(_, ids)| ids.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        after.insert(l.field.to_string(), ids.into());
    }
    append_event(tx, chain, actor, action::CREATE, spec.table, &id.to_string(), None::<&()>, Some(&after), now).await?;
    Ok(after)
}

/// A field value as a record shows it (the inverse of binding it).
fn value_json(f: &FieldSpec, v: &FieldValue) -> serde_json::Value {
    match v {
        FieldValue::Bool(b) => (*b).into(),
        FieldValue::Int(i) => (*i).into(),
        FieldValue::Text(t) => match (f.kind, t.as_deref().filter(|s| !s.is_empty())) {
            (FieldKind::Multi(_), Some(s)) => serde_json::from_str(s).unwrap_or(serde_json::Value::Null),
            (FieldKind::Multi(_), None) => serde_json::Value::Array(vec![]),
            (_, t) => t.into(),
        },
    }
}

/// Applies an update; with `version` None the caller has already checked it (imports).
/// An update that changes nothing writes nothing.
#[allow(clippy::too_many_arguments)]
async fn update_in(tx: &mut Tx<'_>, chain: &mut Chain, actor: &Actor, org_id: i64, spec: &RegisterSpec, id: i64, version: Option<i64>, input: &RecordInput, now: DateTime<Utc>) -> Result<Record> {
    let now = micros(now);
    let before = snapshot(tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if let Some(v) = version {
        if v != current {
            return Err(StoreError::stale(current));
        }
    }
    let changes_value = input.values.iter().any(|(f, v)| before.get(f.name) != Some(&value_json(f, v)));
    let changes_links = input.links.iter().any(|(l, ids)| before.get(l.field) != Some(&serde_json::Value::from(ids.clone())));
    if !changes_value && !changes_links {
        return Ok(before);
    }
    check_refs(tx, org_id, input).await?;
    if spec.table == "impact_assessments" && before.get("status").and_then(|v| v.as_str()) != Some("draft") {
        return Err(StoreError::Conflict("only a draft impact assessment can be edited: start a new version to change an approved one".into()));
    }
    let sets: Vec<String> = input.values.iter().enumerate().map(|(i, (f, _))| format!(", {} = ${}", f.name, i + 4)).collect();
    let sql = format!("UPDATE {} SET updated_at = $3, version = version + 1{} WHERE org_id = $1 AND id = $2", spec.table, sets.concat());
    let mut q = sqlx::query(&sql).bind(org_id).bind(id).bind(now);
    for (f, v) in &input.values {
        q = bind_field(q, f, v);
    }
    q.execute(&mut **tx).await?;
    after_write(tx, org_id, spec, id, None).await?;
    set_links(tx, org_id, spec, id, input, false).await?;
    let after = snapshot(tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    append_event(tx, chain, actor, action::UPDATE, spec.table, &id.to_string(), Some(&before), Some(&after), now).await?;
    Ok(after)
}

pub async fn register_create(p: &Pools, actor: &Actor, org_id: i64, spec: &RegisterSpec, input: &RecordInput, now: DateTime<Utc>) -> Result<Record> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let rec = create_in(&mut tx, &mut chain, actor, org_id, spec, None, input, now).await?;
    commit(tx, chain).await?;
    Ok(rec)
}

#[allow(clippy::too_many_arguments)]
pub async fn register_update(p: &Pools, actor: &Actor, org_id: i64, spec: &RegisterSpec, id: i64, version: i64, input: &RecordInput, now: DateTime<Utc>) -> Result<Record> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let rec = update_in(&mut tx, &mut chain, actor, org_id, spec, id, Some(version), input, now).await?;
    commit(tx, chain).await?;
    Ok(rec)
}

/// Deletes a record and its links; refused while another record refers to it.
pub async fn register_delete(p: &Pools, actor: &Actor, org_id: i64, spec: &RegisterSpec, id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    for other in aims_domain::register::REGISTERS {
        for f in other.fields.iter().filter(|f| f.kind == FieldKind::Ref(spec.table)) {
            let users: Vec<i64> = sqlx::query_scalar(&format!("SELECT number FROM {} WHERE org_id = $1 AND {} = $2 ORDER BY number LIMIT 5", other.table, f.name))
                .bind(org_id)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            if !users.is_empty() {
                let refs: Vec<String> = users.iter().map(|n| other.reference(*n)).collect();
                return Err(StoreError::Conflict(format!(
                    "{} is still the {} of {}: change those first",
                    spec.reference(before.get("reference").and_then(|r| r.as_str()).and_then(|r| spec.parse_reference(r)).unwrap_or(0)),
                    f.label.to_lowercase(),
                    refs.join(", ")
                )));
            }
        }
    }
    sqlx::query("DELETE FROM record_links WHERE (a_table = $1 AND a_id = $2) OR (b_table = $1 AND b_id = $2)")
        .bind(spec.table)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("DELETE FROM {} WHERE org_id = $1 AND id = $2", spec.table))
        .bind(org_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append_event(&mut tx, &mut chain, actor, action::DELETE, spec.table, &id.to_string(), Some(&before), None::<&()>, now).await?;
    commit(tx, chain).await?;
    Ok(())
}

/// Creates many records in one transaction: all or nothing. A failing row is named.
pub async fn register_import(p: &Pools, actor: &Actor, org_id: i64, spec: &RegisterSpec, rows: &[(usize, RecordInput)], now: DateTime<Utc>) -> Result<Vec<Record>> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    let first = next_number(&mut tx, org_id, spec).await?;
    for ((line, input), number) in rows.iter().zip(first..) {
        match create_in(&mut tx, &mut chain, actor, org_id, spec, Some(number), input, now).await {
            Ok(r) => out.push(r),
            Err(StoreError::Invalid(inv)) => {
                let named = inv.0.into_iter().map(|e| aims_domain::FieldError { field: format!("line {line}: {}", e.field), message: e.message }).collect();
                return Err(StoreError::Invalid(aims_domain::Invalid(named)));
            }
            Err(e) => return Err(e),
        }
    }
    commit(tx, chain).await?;
    Ok(out)
}

/// Stores an AI system's classification: the answers, the result and its tier.
#[allow(clippy::too_many_arguments)]
pub async fn set_classification(p: &Pools, actor: &Actor, org_id: i64, id: i64, version: i64, classification: &serde_json::Value, tier: &str, now: DateTime<Utc>) -> Result<Record> {
    let spec = &aims_domain::register::AI_SYSTEMS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_record(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query("UPDATE ai_systems SET classification_json = $3, risk_tier = $4, updated_at = $5, version = version + 1 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .bind(serde_json::to_string(classification)?)
        .bind(tier)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let after = fetch_record(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound(spec.singular.into()))?;
    let pick = |r: &Record| serde_json::json!({"risk_tier": r.get("risk_tier"), "classification": r.get("classification")});
    append_event(&mut tx, &mut chain, actor, "classify", spec.table, &id.to_string(), Some(&pick(&before)), Some(&pick(&after)), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Imports an inventory plan (from a CycloneDX BOM) in one transaction. Records are matched
/// by their external reference, so importing the same BOM twice creates no duplicates.
pub async fn import_inventory_plan(p: &Pools, actor: &Actor, org_id: i64, plan: &InventoryPlan, now: DateTime<Utc>) -> Result<InventoryImportReport> {
    use aims_domain::register::{AI_MODELS, DATASETS, SUPPLIERS};
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let mut report = InventoryImportReport::default();
    let mut ids: std::collections::HashMap<(&str, String), i64> = std::collections::HashMap::new();
    for item in &plan.items {
        let spec: &RegisterSpec = match item.table.as_str() {
            "suppliers" => &SUPPLIERS,
            "ai_models" => &AI_MODELS,
            _ => &DATASETS,
        };
        let mut input = item.input.clone();
        if let Some(sup) = &item.supplier_ref {
            if let Some(sid) = ids.get(&("suppliers", sup.clone())) {
                if let Some(f) = spec.field("supplier_id") {
                    input.values.retain(|(g, _)| g.name != f.name);
                    input.values.push((f, FieldValue::Int(Some(*sid))));
                }
            }
        }
        let existing: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {} WHERE org_id = $1 AND external_ref = $2", spec.table))
            .bind(org_id)
            .bind(&item.external_ref)
            .fetch_optional(&mut *tx)
            .await?;
        let rec = match existing {
            Some(id) => {
                let r = update_in(&mut tx, &mut chain, actor, org_id, spec, id, None, &input, now).await?;
                report.matched += 1;
                r
            }
            None => {
                let r = create_in(&mut tx, &mut chain, actor, org_id, spec, None, &input, now).await?;
                report.created += 1;
                r
            }
        };
        let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
        ids.insert((spec.table, item.external_ref.clone()), id);
        report.records.push((spec.table.to_string(), id, rec.get("reference").and_then(|v| v.as_str()).unwrap_or("").to_string()));
    }
    for (a, b) in &plan.links {
        let (Some(ida), Some(idb)) = (ids.get(&(a.0.as_str(), a.1.clone())), ids.get(&(b.0.as_str(), b.1.clone()))) else { continue };
        add_link(&mut tx, org_id, &a.0, *ida, &b.0, *idb).await?;
    }
    if let Some(system_id) = plan.system_id {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ai_systems WHERE org_id = $1 AND id = $2").bind(org_id).bind(system_id).fetch_one(&mut *tx).await?;
        if n == 0 {
            return Err(StoreError::Invalid(aims_domain::Invalid::field("system_id", "no such AI system in this organization")));
        }
        for (table, id, _) in &report.records {
            add_link(&mut tx, org_id, "ai_systems", system_id, table, *id).await?;
        }
    }
    commit(tx, chain).await?;
    Ok(report)
}

/// Ids of a register's records by their numbers (from references such as `AIS-7`).
pub async fn register_ids_by_numbers(p: &Pools, org_id: i64, spec: &RegisterSpec, numbers: &[i64]) -> Result<Vec<(i64, i64)>> {
    if numbers.is_empty() {
        return Ok(vec![]);
    }
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!("SELECT number, id FROM {} WHERE org_id = ", spec.table));
    q.push_bind(org_id).push(" AND number IN (");
    let mut sep = q.separated(", ");
    for n in numbers {
        sep.push_bind(*n);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

// ---------------------------------------------------------------- risks, criteria, settings, SoA, impact assessments

/// Counts of risks per (likelihood, impact) cell: one grouped query on an index.
pub async fn risk_heatmap(p: &Pools, org_id: i64, residual: bool) -> Result<Vec<(i64, i64, i64)>> {
    let (l, i) = if residual { ("residual_likelihood", "residual_impact") } else { ("inherent_likelihood", "inherent_impact") };
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
pub async fn set_risk_criteria(p: &Pools, actor: &Actor, org_id: i64, criteria_json: &str, version: i64, now: DateTime<Utc>) -> Result<i64> {
    set_org_document(p, actor, org_id, "risk_criteria", "criteria_json", criteria_json, version, now).await
}

/// An organization's one JSON document in `table` (risk criteria, the plan) and its version.
async fn org_document(p: &Pools, org_id: i64, table: &str, column: &str) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as(&format!("SELECT {column}, version FROM {table} WHERE org_id = $1")).bind(org_id).fetch_optional(&p.read).await?)
}

/// Replaces an organization's JSON document in `table` (static names), audited as an update of
/// `table`; `version` 0 means "none stored yet". Returns the new version.
#[allow(clippy::too_many_arguments)]
async fn set_org_document(p: &Pools, actor: &Actor, org_id: i64, table: &str, column: &str, json: &str, version: i64, now: DateTime<Utc>) -> Result<i64> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Option<(String, i64)> = sqlx::query_as(&format!("SELECT {column}, version FROM {table} WHERE org_id = $1")).bind(org_id).fetch_optional(&mut *tx).await?;
    let current = before.as_ref().map(|b| b.1).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    let sql = if before.is_some() {
        format!("UPDATE {table} SET {column} = $2, version = version + 1, updated_at = $3 WHERE org_id = $1")
    } else {
        format!("INSERT INTO {table} (org_id, {column}, version, updated_at) VALUES ($1, $2, 1, $3)")
    };
    sqlx::query(&sql).bind(org_id).bind(json).bind(now).execute(&mut *tx).await?;
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
    append_event(&mut tx, &mut chain, actor, action::UPDATE, table, &org_id.to_string(), before.as_ref().map(|b| parse(&b.0)).as_ref(), Some(&parse(json)), now).await?;
    commit(tx, chain).await?;
    Ok(current + 1)
}

pub async fn org_settings(p: &Pools, org_id: i64) -> Result<(bool, i64)> {
    let row: Option<(bool, i64)> = sqlx::query_as("SELECT lifecycle_gates, version FROM org_settings WHERE org_id = $1").bind(org_id).fetch_optional(&p.read).await?;
    Ok(row.unwrap_or((true, 0)))
}

#[allow(clippy::too_many_arguments)]
pub async fn set_lifecycle_gates(p: &Pools, actor: &Actor, org_id: i64, enabled: bool, version: i64, now: DateTime<Utc>) -> Result<i64> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Option<(bool, i64)> = sqlx::query_as("SELECT lifecycle_gates, version FROM org_settings WHERE org_id = $1").bind(org_id).fetch_optional(&mut *tx).await?;
    let (was, current) = before.unwrap_or((true, 0));
    if current != version {
        return Err(StoreError::stale(current));
    }
    if current == 0 {
        sqlx::query("INSERT INTO org_settings (org_id, lifecycle_gates, version, updated_at) VALUES ($1, $2, 1, $3)").bind(org_id).bind(enabled).bind(now).execute(&mut *tx).await?;
    } else {
        sqlx::query("UPDATE org_settings SET lifecycle_gates = $2, version = version + 1, updated_at = $3 WHERE org_id = $1").bind(org_id).bind(enabled).bind(now).execute(&mut *tx).await?;
    }
    append_event(&mut tx, &mut chain, actor, action::UPDATE, "org_settings", &org_id.to_string(), Some(&serde_json::json!({"lifecycle_gates": was})), Some(&serde_json::json!({"lifecycle_gates": enabled})), now).await?;
    commit(tx, chain).await?;
    Ok(current + 1)
}

/// Records the acceptance of a risk's residual level.
#[allow(clippy::too_many_arguments)]
pub async fn accept_risk(p: &Pools, actor: &Actor, org_id: i64, id: i64, version: i64, reason: &str, top_management: bool, today: &str, now: DateTime<Utc>) -> Result<Record> {
    let spec = &aims_domain::register::RISKS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("risk".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query(
        "UPDATE risks SET status = 'accepted', accepted_by = $3, accepted_on = $4, acceptance_reason = $5, top_management_acceptance = $6, \
         accepted_score = COALESCE(residual_score, inherent_score), updated_at = $7, version = version + 1 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .bind(actor.user_id)
    .bind(today)
    .bind(reason)
    .bind(top_management)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let after = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("risk".into()))?;
    append_event(&mut tx, &mut chain, actor, "accept", spec.table, &id.to_string(), Some(&before), Some(&after), now).await?;
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
async fn ensure_soa(tx: &mut Tx<'_>, org_id: i64, now: DateTime<Utc>) -> Result<()> {
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

const SOA_SELECT: &str = "SELECT e.id, e.requirement_id, r.ref AS reference, r.title, e.applicable, e.justification, e.status, e.version, e.updated_at, \
     (SELECT COUNT(*) FROM record_links k JOIN controls c ON c.id = k.a_id WHERE k.a_table = 'controls' AND k.b_table = 'requirements' \
        AND k.b_id = e.requirement_id AND c.org_id = e.org_id AND c.status = 'implemented') AS implemented_controls \
     FROM soa_entries e JOIN requirements r ON r.id = e.requirement_id";

/// The SoA, one entry per Annex A control, in catalog order (created on first read).
pub async fn soa_entries(p: &Pools, org_id: i64, now: DateTime<Utc>) -> Result<Vec<SoaEntry>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM soa_entries WHERE org_id = $1").bind(org_id).fetch_one(&p.read).await?;
    if n == 0 {
        let mut tx = p.write.begin().await?;
        ensure_soa(&mut tx, org_id, now).await?;
        tx.commit().await?;
    }
    Ok(sqlx::query_as(&format!("{SOA_SELECT} WHERE e.org_id = $1 ORDER BY r.position")).bind(org_id).fetch_all(&p.read).await?)
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

#[allow(clippy::too_many_arguments)]
pub async fn update_soa_entry(p: &Pools, actor: &Actor, org_id: i64, entry_id: i64, applicable: Option<bool>, justification: Option<&str>, status: &str, version: i64, now: DateTime<Utc>) -> Result<SoaEntry> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: SoaEntry = sqlx::query_as(&format!("{SOA_SELECT} WHERE e.org_id = $1 AND e.id = $2"))
        .bind(org_id)
        .bind(entry_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("SoA entry".into()))?;
    if before.version != version {
        return Err(StoreError::stale(before.version));
    }
    sqlx::query("UPDATE soa_entries SET applicable = $3, justification = $4, status = $5, version = version + 1, updated_at = $6 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(entry_id)
        .bind(applicable)
        .bind(justification)
        .bind(status)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let after: SoaEntry = sqlx::query_as(&format!("{SOA_SELECT} WHERE e.org_id = $1 AND e.id = $2")).bind(org_id).bind(entry_id).fetch_one(&mut *tx).await?;
    append_event(&mut tx, &mut chain, actor, action::UPDATE, "soa_entry", &entry_id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Freezes the SoA as it is now into a numbered, approved version.
pub async fn approve_soa(p: &Pools, actor: &Actor, org_id: i64, note: &str, snapshot_json: &str, now: DateTime<Utc>) -> Result<SoaVersion> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM soa_versions WHERE org_id = $1").bind(org_id).fetch_one(&mut *tx).await?;
    let v: SoaVersion = sqlx::query_as(
        "INSERT INTO soa_versions (org_id, number, approved_by, approved_at, note, snapshot_json) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, number, approved_by, approved_at, note, snapshot_json",
    )
    .bind(org_id)
    .bind(number)
    .bind(actor.user_id)
    .bind(now)
    .bind(note)
    .bind(snapshot_json)
    .fetch_one(&mut *tx)
    .await?;
    append_event(&mut tx, &mut chain, actor, "approve", "soa", &number.to_string(), None::<&()>, Some(&serde_json::json!({"version": number, "note": note})), now).await?;
    commit(tx, chain).await?;
    Ok(v)
}

pub async fn soa_versions(p: &Pools, org_id: i64) -> Result<Vec<SoaVersion>> {
    Ok(sqlx::query_as("SELECT id, number, approved_by, approved_at, note, snapshot_json FROM soa_versions WHERE org_id = $1 ORDER BY number DESC")
        .bind(org_id)
        .fetch_all(&p.read)
        .await?)
}

/// Impact assessment workflow: replaces entries (draft only), or moves the status.
#[allow(clippy::too_many_arguments)]
pub async fn set_ia_entries(p: &Pools, actor: &Actor, org_id: i64, id: i64, version: i64, entries_json: &str, now: DateTime<Utc>) -> Result<Record> {
    let spec = &aims_domain::register::IMPACT_ASSESSMENTS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
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
    let after = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    append_event(&mut tx, &mut chain, actor, action::UPDATE, spec.table, &id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// `submit` (draft to in review), `approve` (in review to approved, not by the author; the
/// system's earlier approved assessment becomes superseded), or `reopen` (in review to draft).
#[allow(clippy::too_many_arguments)]
pub async fn ia_transition(p: &Pools, actor: &Actor, org_id: i64, id: i64, version: i64, step: &str, today: &str, now: DateTime<Utc>) -> Result<Record> {
    let spec = &aims_domain::register::IMPACT_ASSESSMENTS;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    let status = before.get("status").and_then(|v| v.as_str()).unwrap_or("");
    let system_id = before.get("system_id").and_then(|v| v.as_i64()).unwrap_or(0);
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
            if before.get("author_id").and_then(|v| v.as_i64()).is_some_and(|a| Some(a) == actor.user_id) {
                return Err(StoreError::Invalid(aims_domain::Invalid::field("approver", "the author cannot approve their own impact assessment")));
            }
            let stage: Option<String> = sqlx::query_scalar("SELECT lifecycle_stage FROM ai_systems WHERE org_id = $1 AND id = $2").bind(org_id).bind(system_id).fetch_optional(&mut *tx).await?;
            let superseded: Vec<i64> = sqlx::query_scalar("SELECT id FROM impact_assessments WHERE org_id = $1 AND system_id = $2 AND status = 'approved' AND id <> $3")
                .bind(org_id).bind(system_id).bind(id).fetch_all(&mut *tx).await?;
            for old in superseded {
                sqlx::query("UPDATE impact_assessments SET status = 'superseded', updated_at = $3, version = version + 1 WHERE org_id = $1 AND id = $2")
                    .bind(org_id).bind(old).bind(now).execute(&mut *tx).await?;
                append_event(&mut tx, &mut chain, actor, "supersede", spec.table, &old.to_string(), None::<&()>, Some(&serde_json::json!({"status": "superseded", "by": id})), now).await?;
            }
            sqlx::query(
                "UPDATE impact_assessments SET status = 'approved', approver_id = $3, approved_on = $4, stage_at_approval = $5, updated_at = $6, version = version + 1 \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id).bind(id).bind(actor.user_id).bind(today).bind(stage).bind(now).execute(&mut *tx).await?;
        }
        _ => {
            return Err(StoreError::Conflict(format!("an impact assessment in status `{status}` cannot `{step}`")));
        }
    }
    let after = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("impact assessment".into()))?;
    append_event(&mut tx, &mut chain, actor, step, spec.table, &id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Stores the metadata of an uploaded evidence file (the bytes live in the object store).
#[allow(clippy::too_many_arguments)]
pub async fn set_evidence_file(p: &Pools, actor: &Actor, org_id: i64, id: i64, version: i64, name: &str, sha256: &str, size: i64, media_type: &str, now: DateTime<Utc>) -> Result<Record> {
    let spec = &aims_domain::register::EVIDENCE;
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("evidence".into()))?;
    let current = before.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
    if current != version {
        return Err(StoreError::stale(current));
    }
    sqlx::query(
        "UPDATE evidence SET kind = 'file', file_name = $3, file_sha256 = $4, file_size = $5, media_type = $6, updated_at = $7, version = version + 1 \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id).bind(id).bind(name).bind(sha256).bind(size).bind(media_type).bind(now).execute(&mut *tx).await?;
    let after = snapshot(&mut tx, org_id, spec, id).await?.ok_or_else(|| StoreError::NotFound("evidence".into()))?;
    append_event(&mut tx, &mut chain, actor, "upload", spec.table, &id.to_string(), Some(&before), Some(&after), now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Records linked to a set of records of one table, in one query: (from id, other id).
pub async fn linked_ids(p: &Pools, table: &str, ids: &[i64], other: &str) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let (mine, theirs) = if table <= other { ("a", "b") } else { ("b", "a") };
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT {mine}_id, {theirs}_id FROM record_links WHERE {mine}_table = "
    ));
    q.push_bind(table.to_string()).push(format!(" AND {theirs}_table = ")).push_bind(other.to_string()).push(format!(" AND {mine}_id IN ("));
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

/// Id, number and name of a register's records by id, in one query (for display).
pub async fn register_briefs(p: &Pools, org_id: i64, spec: &RegisterSpec, ids: &[i64]) -> Result<Vec<LinkedRecord>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!("SELECT id, number, name FROM {} WHERE org_id = ", spec.table));
    q.push_bind(org_id).push(" AND id IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(")");
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

// ---------------------------------------------------------------- maturity and the plan

#[allow(clippy::too_many_arguments)]
pub async fn create_maturity(p: &Pools, actor: &Actor, org_id: i64, assessed_on: &str, answered_by: &str, answers_json: &str, now: DateTime<Utc>) -> Result<MaturityAssessment> {
    let now = micros(now);
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let number: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM maturity_assessments WHERE org_id = $1").bind(org_id).fetch_one(&mut *tx).await?;
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
    append_event(&mut tx, &mut chain, actor, action::CREATE, "maturity_assessment", &m.id.to_string(), None::<&()>, Some(&m), now).await?;
    commit(tx, chain).await?;
    Ok(m)
}

/// Newest first.
pub async fn maturity_assessments(p: &Pools, org_id: i64, limit: i64) -> Result<Vec<MaturityAssessment>> {
    Ok(sqlx::query_as("SELECT id, number, assessed_on, answered_by, answers_json, created_at FROM maturity_assessments WHERE org_id = $1 ORDER BY number DESC LIMIT $2")
        .bind(org_id)
        .bind(limit)
        .fetch_all(&p.read)
        .await?)
}

pub async fn org_plan(p: &Pools, org_id: i64) -> Result<Option<(String, i64)>> {
    org_document(p, org_id, "org_plan", "plan_json").await
}

pub async fn set_org_plan(p: &Pools, actor: &Actor, org_id: i64, plan_json: &str, version: i64, now: DateTime<Utc>) -> Result<i64> {
    set_org_document(p, actor, org_id, "org_plan", "plan_json", plan_json, version, now).await
}

/// Counts the dashboard and evidence-based maturity need, in a fixed number of statements.
pub async fn org_facts(p: &Pools, org_id: i64, today: &str, year_ago: &str, in_30_days: &str) -> Result<OrgFacts> {
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
        evidence_refs: vec![],
    };
    // ISO 42001 references with evidence, directly or through a control, and the newest
    // collection date: aggregated in the database, one row per reference, not one per piece.
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
         WHERE e.org_id = $1 AND f.key = 'iso42001-2023') found GROUP BY ref",
    )
    .bind(org_id)
    .fetch_all(&p.read)
    .await?;
    f.evidence_refs = rows.into_iter().map(|(r, d)| (r, d.is_some_and(|d| d.as_str() >= year_ago))).collect();
    Ok(f)
}

/// Applies many updates in one transaction (bulk changes and the demo generator); each writes
/// its audit event like any update.
pub async fn register_update_many(p: &Pools, actor: &Actor, org_id: i64, spec: &RegisterSpec, updates: &[(i64, RecordInput)], now: DateTime<Utc>) -> Result<usize> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    for (id, input) in updates {
        update_in(&mut tx, &mut chain, actor, org_id, spec, *id, None, input, now).await?;
    }
    commit(tx, chain).await?;
    Ok(updates.len())
}

/// The organization's audit chain head: it moves with every change to its records.
pub async fn audit_head_seq(p: &Pools, org_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT seq FROM audit_heads WHERE org_id = $1").bind(org_id).fetch_optional(&p.read).await?.unwrap_or(0))
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
