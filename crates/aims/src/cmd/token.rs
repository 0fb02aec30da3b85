//! `aims token create`: an API token for a member, printed once.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_domain::{validate, Role};
use aims_service::SystemClock;
use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a member of an organization and print it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// At most the member's role; defaults to it.
        #[arg(long, value_parser = crate::parse_role)]
        role: Option<Role>,
        /// Days until the token expires; omit for no expiry.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

pub async fn run(db: &DbArgs, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Create {
            email,
            org,
            name,
            role,
            expires_in_days,
        } => {
            let store = open(db).await?;
            let email = validate::email(&email).map_err(|m| anyhow!("--email {m}"))?;
            let user = store
                .login_user(&email)
                .await?
                .ok_or_else(|| anyhow!("--email: no user {email}"))?;
            let member = store
                .membership_by_slug(user.id, &org)
                .await?
                .ok_or_else(|| {
                    anyhow!("--org: {email} is not a member of an organization `{org}`")
                })?;
            let expires_at =
                expires_in_days.map(|d| SystemClock.now() + chrono::Duration::days(i64::from(d)));
            let actor = aims_store::Actor::cli();
            let cx = aims_files::local_cx(store, &db.data_dir.join("evidence"))
                .context("cannot prepare the evidence folder")?;
            let request = aims_service::access::TokenRequest {
                user_id: user.id,
                granting_role: member.role,
                name: &name,
                role,
                expires_at,
            };
            let (secret, info) =
                aims_service::access::issue_token(&cx, &actor, member.org_id, request)
                    .await
                    .map_err(|p| anyhow!(p.detail))?;
            eprintln!(
                "token {} ({}, role {}) created; it is shown only this once:",
                info.id, info.name, info.role
            );
            outln!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
