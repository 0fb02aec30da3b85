//! Reporting concerns (A.3.3). Staff record concerns in the concerns register; anyone else uses
//! the organization's public link, with or without a name. The public form is plain text only,
//! size-limited and rate-limited, and writes the concern whole or not at all.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use aims_domain::register::{check_input, CONCERNS};
use aims_domain::{Invalid, Permission};
use aims_store::{Actor, IntakeLimits, Organization, Record};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub const MAX_SUMMARY: usize = 200;
pub const MAX_DETAILS: usize = 5_000;
pub const MAX_CONTACT: usize = 200;

/// At most 3 reports from one source and 30 for the organization in 10 minutes.
pub const LIMITS: IntakeLimits = IntakeLimits {
    per_source: 3,
    per_org: 30,
    window: chrono::Duration::minutes(10),
};

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PublicConcern {
    /// One line: what the concern is about.
    #[serde(default)]
    pub summary: String,
    /// What happened, in plain text.
    #[serde(default)]
    pub details: String,
    /// How to reach the reporter; leave empty to stay anonymous.
    #[serde(default)]
    pub contact: String,
}

/// The organization's current reporting link token (admins manage it).
pub async fn link(cx: &Cx, scope: &Scope) -> AppResult<Option<String>> {
    scope.require(Permission::Read)?;
    Ok(cx.store.concern_link(scope.org_id).await?)
}

/// A new link: the old one stops working at once.
pub async fn new_link(cx: &Cx, scope: &Scope) -> AppResult<String> {
    scope.require(Permission::Administer)?;
    let mut bytes = [0u8; 18];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    cx.store
        .set_concern_link(&scope.actor, scope.org_id, Some(&token), cx.now())
        .await?;
    Ok(token)
}

pub async fn remove_link(cx: &Cx, scope: &Scope) -> AppResult<()> {
    scope.require(Permission::Administer)?;
    Ok(cx
        .store
        .set_concern_link(&scope.actor, scope.org_id, None, cx.now())
        .await?)
}

/// The organization behind a reporting link.
pub async fn org_of_link(cx: &Cx, token: &str) -> AppResult<Organization> {
    cx.store
        .org_by_concern_token(token)
        .await?
        .ok_or_else(|| AppError::not_found("reporting link"))
}

/// True when the text would be markup: a `<` that opens a tag, a comment or an entity-coded tag.
fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    b.windows(2).any(|w| {
        w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!' || w[1] == b'?')
    }) || lower.contains("&lt;")
        || lower.contains("javascript:")
}

fn check_text(inv: &mut Invalid, field: &str, s: &str, max: usize, required: bool) {
    if required && s.trim().is_empty() {
        inv.push(field, "is required");
    } else if s.chars().count() > max {
        inv.push(field, format!("must be at most {max} characters"));
    } else if looks_like_html(s) {
        inv.push(field, "must be plain text: remove the HTML tags");
    } else if s
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        inv.push(field, "contains control characters");
    }
}

/// A report through the public link. `source` is the sender's network address; only a hash of
/// it, keyed by the link, is kept, for the rate limit.
pub async fn submit_public(
    cx: &Cx,
    token: &str,
    source: &str,
    form: PublicConcern,
) -> AppResult<Record> {
    let org = org_of_link(cx, token).await?;
    let mut inv = Invalid::default();
    check_text(&mut inv, "summary", &form.summary, MAX_SUMMARY, true);
    check_text(&mut inv, "details", &form.details, MAX_DETAILS, true);
    check_text(&mut inv, "contact", &form.contact, MAX_CONTACT, false);
    inv.into_result().map_err(AppError::invalid)?;
    let anonymous = form.contact.trim().is_empty();
    let triage = cx.store.aims_role_holders(org.id, "concern_triage").await?;
    let mut body = json!({
        "name": form.summary.trim(),
        "details": form.details.trim(),
        "received_on": cx.today(),
        "channel": "public_link",
        "anonymous": anonymous,
        "status": "new",
    });
    if !anonymous {
        body["reporter_contact"] = json!(form.contact.trim());
    }
    if let Some(first) = triage.first() {
        body["triage_owner_id"] = json!(first);
    }
    let obj = body.as_object().cloned().unwrap_or_default();
    let input = check_input(&CONCERNS, &obj, false).map_err(AppError::invalid)?;
    let source_hash = hex::encode(Sha256::digest(format!("{token}\n{source}").as_bytes()));
    let actor = Actor {
        user_id: None,
        token_id: None,
        label: "public reporting link".into(),
    };
    Ok(cx
        .store
        .create_public_concern(
            &actor,
            org.id,
            &CONCERNS,
            &source_hash,
            &input,
            &LIMITS,
            cx.now(),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::looks_like_html;

    #[test]
    fn markup_is_recognised_and_plain_comparisons_are_not() {
        assert!(looks_like_html("<script>alert(1)</script>"));
        assert!(looks_like_html("see <b>this</b>"));
        assert!(looks_like_html("<!-- x -->"));
        assert!(looks_like_html("&lt;img src=x&gt;"));
        assert!(!looks_like_html("the score was < 3 and > 1"));
        assert!(!looks_like_html("plain words"));
    }
}
