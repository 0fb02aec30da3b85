//! `aims audit verify`: recompute the hash chains.

use crate::{open, DbArgs};
use aims_store::VerifyOutcome;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash chain; exit 0 when intact, 1 naming the first broken event.
    Verify {
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
    },
}

pub async fn run(db: &DbArgs, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { org } => {
            let store = open(db).await?;
            match store.verify_chains(org.as_deref()).await? {
                VerifyOutcome::Intact {
                    events,
                    organizations,
                } => {
                    outln!("audit trail intact: {events} events verified in {organizations} organization(s)");
                    Ok(ExitCode::SUCCESS)
                }
                VerifyOutcome::Broken {
                    events_checked,
                    problem,
                } => {
                    outln!("audit trail BROKEN after {events_checked} good events: {problem}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
