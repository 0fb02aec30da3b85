//! The store's SQL, written once and split by area. `lib.rs` compiles this folder twice, as
//! `sqlite_backend::sql` (with `DB = Sqlite`) and `postgres_backend::sql` (with `DB = Postgres`),
//! so every query runs on both backends from one source, with concrete types (no `Any` driver).
//! Use `$1` placeholders and `RETURNING`: both speak them.
//!
//! This file holds what every area shares, above all the write protocol: `lock_org` → change the
//! rows → `append_event` → `commit(tx, chain)`. Every mutation takes `now` from the caller and
//! writes its audit event in the same transaction.

use super::{DB, IS_POSTGRES};
use crate::types::*;
use crate::{micros, StoreError};
use aims_domain::audit::{action, CanonicalEvent, GENESIS_HASH};
use aims_domain::Role;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::{QueryBuilder, Row};

pub(crate) type Result<T> = std::result::Result<T, StoreError>;
pub(crate) type Tx<'a> = sqlx::Transaction<'a, DB>;

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

mod backup;
mod catalog;
mod documents;
mod incidents;
mod maturity;
mod members;
mod objectives;
mod orgs;
mod registers;
mod risk;
mod sessions;
mod tokens;

pub use backup::*;
pub use catalog::*;
pub use documents::*;
pub use incidents::*;
pub use maturity::*;
pub use members::*;
pub use objectives::*;
pub use orgs::*;
pub use registers::*;
pub use risk::*;
pub use sessions::*;
pub use tokens::*;

// ---------------------------------------------------------------- audit trail

/// An organization's audit chain head inside one write transaction. `lock_org` takes the
/// organization's write lock and reads the head once; `append_event` chains events in memory;
/// `commit` writes the head back once and commits. Why not update the head row per event: on
/// PostgreSQL every update of one row in one transaction leaves another row version that later
/// lookups walk, so a 1,000-record import got slower with every record.
#[must_use = "an appended chain must be written back with `commit`"]
pub(crate) struct Chain {
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
pub(crate) async fn lock_org(tx: &mut Tx<'_>, org_id: i64) -> Result<Chain> {
    let (seq, last_hash): (i64, String) = sqlx::query_as(
        "UPDATE audit_heads SET seq = seq WHERE org_id = $1 RETURNING seq, last_hash",
    )
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound("organization".into()))?;
    Ok(Chain {
        org_id,
        seq,
        last_hash,
        read_seq: seq,
    })
}

/// Writes the chain head back (when events were appended) and commits.
pub(crate) async fn commit(mut tx: Tx<'_>, chain: Chain) -> Result<()> {
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
pub(crate) async fn append_event<B: Serialize, A: Serialize>(
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
    let parts = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4) as i64;
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
                sqlx::query("PRAGMA mmap_size = 4294967296")
                    .execute(&mut *c)
                    .await?;
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
    Ok(VerifyOutcome::Intact {
        events: checked,
        organizations: orgs.len() as u64,
    })
}

/// Verifies on one connection (a restore checks its own transaction).
pub(crate) async fn verify_on(
    c: &mut <DB as sqlx::Database>::Connection,
    org_slug: Option<&str>,
) -> Result<VerifyOutcome> {
    let orgs = chain_heads(&mut *c, org_slug).await?;
    let mut checked = 0;
    for (org_id, slug, head_seq, head_hash) in &orgs {
        let whole = verify_stretch(&mut *c, *org_id, slug, 1, i64::MAX).await?;
        if let Some(broken) = stitch(slug, *head_seq, head_hash, &[whole], &mut checked) {
            return Ok(broken);
        }
    }
    Ok(VerifyOutcome::Intact {
        events: checked,
        organizations: orgs.len() as u64,
    })
}

pub(crate) async fn chain_heads(
    c: &mut <DB as sqlx::Database>::Connection,
    org_slug: Option<&str>,
) -> Result<Vec<(i64, String, i64, String)>> {
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
pub(crate) struct Stretch {
    /// Events verified before the problem (or all of them).
    count: u64,
    /// The first event: id, seq and the previous hash it records (checked when stitching).
    first: Option<(i64, i64, String)>,
    /// The last good event's seq and hash.
    last: Option<(i64, String)>,
    problem: Option<String>,
}

pub(crate) async fn verify_stretch(
    c: &mut <DB as sqlx::Database>::Connection,
    org_id: i64,
    slug: &str,
    from: i64,
    to: i64,
) -> Result<Stretch> {
    let mut rows = sqlx::query_as::<_, AuditEvent>(
        "SELECT * FROM audit_events WHERE org_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
    )
    .bind(org_id)
    .bind(from)
    .bind(to)
    .fetch(&mut *c);
    let mut out = Stretch {
        count: 0,
        first: None,
        last: None,
        problem: None,
    };
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
            (computed != e.hash).then(|| {
                format!(
                    "content does not match its hash (stored {}, computed {computed})",
                    e.hash
                )
            })
        };
        if out.first.is_none() {
            out.first = Some((e.id, e.seq, e.prev_hash.clone()));
        }
        if let Some(why) = why {
            out.problem = Some(format!(
                "organization `{slug}`, event id {} (seq {}): {why}",
                e.id, e.seq
            ));
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
pub(crate) fn stitch(
    slug: &str,
    head_seq: i64,
    head_hash: &str,
    stretches: &[Stretch],
    checked: &mut u64,
) -> Option<VerifyOutcome> {
    let mut prev_seq = 0;
    let mut prev_hash = GENESIS_HASH.to_string();
    let broken = |checked: u64, problem: String| {
        Some(VerifyOutcome::Broken {
            events_checked: checked,
            problem,
        })
    };
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
