//! `aims user create`: accounts and their roles, from the command line.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_domain::{validate, Role};
use aims_service::SystemClock;
use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user (or reset their password) with a role in an organization; creates the organization when missing.
    Create {
        #[arg(long)]
        email: String,
        /// The organization's short name (slug).
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = crate::parse_role)]
        role: Role,
        /// Display name; defaults to the part of the e-mail before @.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub async fn run(db: &DbArgs, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Create {
            email,
            org,
            role,
            name,
            password_stdin: _,
        } => {
            let email = validate::email(&email).map_err(|m| anyhow!("--email {m}"))?;
            let org = validate::slug(&org).map_err(|m| anyhow!("--org {m}"))?;
            let name = match name {
                Some(n) => validate::text(&n, 200).map_err(|m| anyhow!("--name {m}"))?,
                None => email.split('@').next().unwrap_or(&email).to_string(),
            };
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            let password = validate::password(password)
                .map_err(|m| anyhow!("the password on standard input {m}"))?;
            let store = open(db).await?;
            let hash = aims_service::access::hash_password(password)
                .await
                .map_err(|p| anyhow!(p.detail))?;
            let (org, member) = store
                .upsert_user_cli(&org, &email, &name, role, &hash, SystemClock.now())
                .await?;
            outln!(
                "{} is {} of organization {}",
                member.email,
                member.role,
                org.slug
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
