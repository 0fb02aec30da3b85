//! `aims`: the one binary. `aims serve` runs the web application and the API; the other
//! subcommands administer the same database, even while a server runs on it.

// Output goes through `out!`/`outln!`, which survive a closed pipe.
#![deny(clippy::print_stdout)]

use aims_domain::Role;
use aims_store::{Location, Store};
use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes to standard output like `print!`, but a closed pipe (`aims catalog list | head`)
/// ends the program quietly instead of panicking as `print!` does.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(e)
        }
    }};
}

/// Like `println!`, with `out!`'s handling of a closed pipe.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(e)
        }
    }};
}

/// Standard output cannot be written: a reader that went away is a normal end.
pub(crate) fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0)
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(1)
}

mod cmd;

#[derive(Parser)]
#[command(
    name = "aims",
    version,
    about = "aims: run your ISO/IEC 42001 AI management system and prove it to an auditor"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    /// Log format: human-readable text or JSON lines for log collectors.
    #[arg(
        long,
        global = true,
        env = "AIMS_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
pub struct DbArgs {
    /// Folder for the embedded database and evidence files.
    #[arg(
        long,
        global = true,
        env = "AIMS_DATA_DIR",
        default_value = "./aims-data"
    )]
    pub data_dir: PathBuf,
    /// A postgres:// URL switches from the embedded SQLite database to PostgreSQL.
    #[arg(long, global = true, env = "AIMS_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    Serve(cmd::serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Work with the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Browse, import and export the framework catalog.
    #[command(subcommand)]
    Catalog(cmd::catalog::CatalogCommand),
    /// Import into and export from the AI system inventory.
    #[command(subcommand)]
    Inventory(cmd::inventory::InventoryCommand),
    /// Work with documented information (policies, procedures, statements).
    #[command(subcommand)]
    Documents(cmd::documents::DocumentsCommand),
    Demo(cmd::demo::DemoArgs),
    /// Write every record and the audit trail to a backup file (JSON lines).
    Backup {
        /// The file to write.
        file: PathBuf,
    },
    /// Load a backup file into an empty database; the audit chain is verified before commit.
    Restore {
        /// The file `aims backup` wrote.
        file: PathBuf,
    },
}

pub(crate) fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AIMS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

pub(crate) async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let location =
        Location::resolve(&db.data_dir, db.database_url.as_deref()).map_err(|e| anyhow!(e))?;
    Store::open(&location)
        .await
        .with_context(|| format!("cannot open the database ({})", location.describe()))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let db = &cli.db;
    match cli.command {
        Command::Serve(args) => cmd::serve::run(db, args).await,
        Command::Migrate => cmd::migrate::run(db).await,
        Command::User(c) => cmd::user::run(db, c).await,
        Command::Token(c) => cmd::token::run(db, c).await,
        Command::Audit(c) => cmd::audit::run(db, c).await,
        Command::Catalog(c) => cmd::catalog::run(db, c).await,
        Command::Inventory(c) => cmd::inventory::run(db, c).await,
        Command::Documents(c) => cmd::documents::run(db, c).await,
        Command::Demo(args) => cmd::demo::run(db, args).await,
        Command::Backup { file } => cmd::backup::backup(db, &file).await,
        Command::Restore { file } => cmd::backup::restore(db, &file).await,
    }
}
