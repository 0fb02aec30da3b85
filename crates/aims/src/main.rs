//! `aims`: the one binary. `aims serve` runs the web application and the API; the other
//! subcommands administer the same database, even while a server runs on it.

use aims_domain::Clock;
use aims_domain::{validate, Role};
use aims_server::{AppState, ServerConfig};
use aims_service::{Cx, Scope, SystemClock};
use aims_store::{Location, Store, VerifyOutcome};
use anyhow::{anyhow, bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
struct DbArgs {
    /// Folder for the embedded database and evidence files.
    #[arg(
        long,
        global = true,
        env = "AIMS_DATA_DIR",
        default_value = "./aims-data"
    )]
    data_dir: PathBuf,
    /// A postgres:// URL switches from the embedded SQLite database to PostgreSQL.
    #[arg(long, global = true, env = "AIMS_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web application and the JSON API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "AIMS_BIND", default_value = "127.0.0.1:8042")]
        bind: String,
        /// Mark cookies Secure: set this when users reach aims over HTTPS (behind a TLS proxy).
        #[arg(long, env = "AIMS_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Browse, import and export the framework catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Import into and export from the AI system inventory.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// Fill an organization with believable, linked demo records (small) or a large
    /// organization for benchmarks (large: 5,000 AI systems, 50,000 risks, 100,000 evidence records...).
    Demo {
        /// An existing organization (create it with `aims user create`).
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "small")]
        scale: DemoScale,
    },
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

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (or reset their password) with a role in an organization; creates the organization when missing.
    Create {
        #[arg(long)]
        email: String,
        /// The organization's short name (slug).
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Display name; defaults to the part of the e-mail before @.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a member of an organization and print it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// At most the member's role; defaults to it.
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// Days until the token expires; omit for no expiry.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every hash chain; exit 0 when intact, 1 naming the first broken event.
    Verify {
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// List the frameworks and crosswalks.
    List,
    /// Show one requirement with its guidance and mappings: `A.6.2.4`, or `iso42001-2023:A.6.2.4`.
    Show { reference: String },
    /// Import an aims library or a CISO Assistant library (into one organization with --org,
    /// else into the catalog every organization shares).
    Import {
        file: PathBuf,
        #[arg(long)]
        org: Option<String>,
    },
    /// Export a framework to standard output.
    Export {
        /// The framework's key, e.g. iso42001-2023.
        key: String,
        #[arg(long, value_enum, default_value = "yaml")]
        format: ExportFormat,
    },
    /// Export every shared crosswalk as an OSCAL mapping collection to standard output.
    ExportMappings,
}

#[derive(Subcommand)]
enum InventoryCommand {
    /// Import a CSV file into a register, or a CycloneDX BOM into the inventory. All or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: InventoryFormat,
        /// The register a CSV file fills: ai-systems, models, datasets or suppliers.
        #[arg(long, default_value = "ai-systems")]
        register: String,
        /// With a BOM: link what it contains to this AI system (e.g. AIS-3).
        #[arg(long)]
        system: Option<String>,
    },
    /// Export a register as CSV or XLSX, or one AI system as a CycloneDX 1.6 BOM.
    Export {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: InventoryFormat,
        #[arg(long, default_value = "ai-systems")]
        register: String,
        /// With --format cyclonedx: the AI system to export (e.g. AIS-3).
        #[arg(long)]
        system: Option<String>,
        /// Write here instead of standard output (needed for xlsx).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DemoScale {
    Small,
    Large,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum InventoryFormat {
    Csv,
    Xlsx,
    Cyclonedx,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Yaml,
    Oscal,
}

fn parse_role(s: &str) -> Result<Role, String> {
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

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let location =
        Location::resolve(&db.data_dir, db.database_url.as_deref()).map_err(|e| anyhow!(e))?;
    Store::open(&location)
        .await
        .with_context(|| format!("cannot open the database ({})", location.describe()))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            bind,
            secure_cookies,
        } => {
            let store = open(&cli.db).await?;
            aims_service::catalog::ensure_builtin(&store, SystemClock.now())
                .await
                .map_err(|e| anyhow!(e))?;
            let listener = tokio::net::TcpListener::bind(&bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let addr = listener.local_addr()?;
            println!(
                "aims is running at http://{addr} ({} database)",
                store.backend_name()
            );
            let config = ServerConfig {
                secure_cookies,
                evidence_dir: cli.db.data_dir.join("evidence"),
            };
            let state = AppState::new(store.clone(), config)
                .context("cannot prepare the evidence folder")?;
            if let Some(secret) = aims_server::first_run_token(&state.cx).await? {
                println!("First run: open http://{addr}/setup?token={secret} to create the first organization and its admin (the link works once, for 24 hours).");
            }
            aims_server::serve(listener, state, shutdown_signal()).await?;
            store.close().await;
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = open(&cli.db).await?;
            aims_service::catalog::ensure_builtin(&store, SystemClock.now())
                .await
                .map_err(|e| anyhow!(e))?;
            println!(
                "database is at schema version {}",
                store.schema_version().await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Create {
            email,
            org,
            role,
            name,
            password_stdin: _,
        }) => {
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
            let store = open(&cli.db).await?;
            let hash = aims_service::access::hash_password(password)
                .await
                .map_err(|p| anyhow!(p.detail))?;
            let (org, member) = store
                .upsert_user_cli(&org, &email, &name, role, &hash, SystemClock.now())
                .await?;
            println!(
                "{} is {} of organization {}",
                member.email, member.role, org.slug
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create {
            email,
            org,
            name,
            role,
            expires_in_days,
        }) => {
            let store = open(&cli.db).await?;
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
            let cx = Cx::with_local_files(store, &cli.db.data_dir.join("evidence"))
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
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { org }) => {
            let store = open(&cli.db).await?;
            match store.verify_chains(org.as_deref()).await? {
                VerifyOutcome::Intact {
                    events,
                    organizations,
                } => {
                    println!("audit trail intact: {events} events verified in {organizations} organization(s)");
                    Ok(ExitCode::SUCCESS)
                }
                VerifyOutcome::Broken {
                    events_checked,
                    problem,
                } => {
                    println!("audit trail BROKEN after {events_checked} good events: {problem}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Catalog(cmd) => {
            let store = open(&cli.db).await?;
            aims_service::catalog::ensure_builtin(&store, SystemClock.now())
                .await
                .map_err(|e| anyhow!(e))?;
            catalog_command(&store, cmd).await
        }
        Command::Inventory(cmd) => {
            let store = open(&cli.db).await?;
            aims_service::catalog::ensure_builtin(&store, SystemClock.now())
                .await
                .map_err(|e| anyhow!(e))?;
            let cx = Cx::with_local_files(store, &cli.db.data_dir.join("evidence"))
                .context("cannot prepare the evidence folder")?;
            inventory_command(&cx, cmd).await
        }
        Command::Demo { org, scale } => {
            let store = open(&cli.db).await?;
            aims_service::catalog::ensure_builtin(&store, SystemClock.now())
                .await
                .map_err(|e| anyhow!(e))?;
            let o = store.org_by_slug(&org).await?.ok_or_else(|| {
                anyhow!("--org: no organization `{org}` (create it with `aims user create`)")
            })?;
            let owner = store
                .list_members(o.id, None, 1)
                .await?
                .first()
                .map(|m| m.user_id)
                .ok_or_else(|| anyhow!("--org: `{org}` has no member to own the demo records"))?;
            let scale = match scale {
                DemoScale::Small => aims_service::demo::SMALL,
                DemoScale::Large => aims_service::demo::LARGE,
            };
            let started = std::time::Instant::now();
            let progress = |m: String| eprintln!("  {m}");
            let cx = Cx::with_local_files(store.clone(), &cli.db.data_dir.join("evidence"))
                .context("cannot prepare the evidence folder")?;
            let counts =
                aims_service::demo::generate(&cx, &Scope::operator(o.id), owner, scale, &progress)
                    .await
                    .map_err(|p| anyhow!(p.detail))?;
            println!(
                "demo data for {org} in {:.1} s: {counts}",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let store = open(&cli.db).await?;
            let out = std::fs::File::create(&file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            let mut w = BufWriter::new(out);
            let header = serde_json::json!({
                "format": "aims-backup",
                "schema_version": store.schema_version().await?,
                "created_at": SystemClock.now().to_rfc3339(),
                "source": store.backend_name(),
            });
            writeln!(w, "{header}")?;
            let mut sink = |table: &str, row: serde_json::Map<String, serde_json::Value>| {
                let line = serde_json::json!({ "table": table, "row": row });
                writeln!(w, "{line}")
            };
            let rows = store.backup_rows(&mut sink).await?;
            w.flush()?;
            println!("backed up {rows} rows to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let mut text = String::new();
            std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?
                .read_to_string(&mut text)
                .with_context(|| format!("{} is not a text backup file", file.display()))?;
            let mut lines = text.lines().enumerate();
            let header: serde_json::Value = match lines.next() {
                Some((_, l)) => serde_json::from_str(l)
                    .map_err(|e| anyhow!("line 1: not an aims backup header: {e}"))?,
                None => bail!("{} is empty", file.display()),
            };
            if header["format"] != "aims-backup" {
                bail!("line 1: not an aims backup (the header has no \"format\": \"aims-backup\")");
            }
            let store = open(&cli.db).await?;
            let ours = store.known_schema_version();
            if header["schema_version"].as_i64() != Some(ours) {
                bail!("line 1: the backup has schema version {}, this aims writes {ours}: restore it with the aims version that made it", header["schema_version"]);
            }
            let mut rows = lines.filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| {
                let n = i + 1;
                let v: serde_json::Value =
                    serde_json::from_str(l).map_err(|e| format!("line {n}: not JSON: {e}"))?;
                let table = v["table"]
                    .as_str()
                    .ok_or_else(|| format!("line {n}: no \"table\""))?
                    .to_string();
                let row = v["row"]
                    .as_object()
                    .cloned()
                    .ok_or_else(|| format!("line {n}: no \"row\" object"))?;
                Ok((n, table, row))
            });
            let count = store.restore_rows(&mut rows).await?;
            println!(
                "restored {count} rows from {}; the audit chain verified",
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn catalog_command(store: &Store, cmd: CatalogCommand) -> anyhow::Result<ExitCode> {
    let problem = |p: aims_service::AppError| anyhow!(p.detail);
    match cmd {
        CatalogCommand::List => {
            for f in store.list_frameworks(None).await? {
                println!(
                    "{:<20} v{:<3} {:>4} requirements ({:>3} assessable)  {}",
                    f.framework.key,
                    f.framework.version,
                    f.requirement_count,
                    f.assessable_count,
                    f.framework.name
                );
            }
            for m in store.list_mapping_sets(None).await? {
                println!("{:<40} v{:<3} crosswalk  {}", m.key, m.version, m.name);
            }
        }
        CatalogCommand::Show { reference } => {
            let found = match reference.split_once(':') {
                Some((key, r)) => store
                    .requirement_by_ref(None, key, r)
                    .await?
                    .into_iter()
                    .collect::<Vec<_>>(),
                None => {
                    let mut v = vec![];
                    for f in store.list_frameworks(None).await? {
                        if let Some(r) = store
                            .requirement_by_ref(None, &f.framework.key, &reference)
                            .await?
                        {
                            v.push(r);
                        }
                    }
                    v
                }
            };
            if found.is_empty() {
                bail!("no requirement `{reference}` in the catalog (try `framework-key:ref`, e.g. iso42001-2023:A.6.2.4)");
            }
            for r in found {
                let (_, fw) = store
                    .get_requirement(None, r.id)
                    .await?
                    .ok_or_else(|| anyhow!("requirement vanished"))?;
                println!(
                    "{} {} — {} ({}{})",
                    fw.key,
                    r.reference,
                    r.title,
                    r.kind,
                    if r.assessable { ", assessable" } else { "" }
                );
                if let Some(d) = &r.description {
                    println!("  {d}");
                }
                for (label, list) in [
                    ("evidence", &r.evidence.0),
                    ("question", &r.questions.0),
                    ("document", &r.documents.0),
                ] {
                    for item in list.iter() {
                        println!("  {label}: {item}");
                    }
                }
                for m in store.requirement_mappings(None, r.id).await? {
                    let arrow = if m.direction == "outgoing" {
                        "->"
                    } else {
                        "<-"
                    };
                    println!(
                        "  {arrow} {}:{} {} [{}]",
                        m.framework_key, m.other_ref, m.other_title, m.relation
                    );
                }
            }
        }
        CatalogCommand::Import { file, org } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as text", file.display()))?;
            let org_id = match &org {
                Some(slug) => Some(
                    store
                        .org_by_slug(slug)
                        .await?
                        .ok_or_else(|| anyhow!("--org: no organization `{slug}`"))?
                        .id,
                ),
                None => None,
            };
            let actor = aims_store::Actor::cli();
            let reports = aims_service::catalog::import(
                store,
                org_id,
                Some(&actor),
                &text,
                SystemClock.now(),
            )
            .await
            .map_err(|p| {
                let fields: Vec<String> = p
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                anyhow!(
                    "{}: {}",
                    file.display(),
                    if fields.is_empty() {
                        p.detail
                    } else {
                        fields.join("; ")
                    }
                )
            })?;
            for r in reports {
                println!(
                    "{} {} v{}: {} ({} requirements, {} withdrawn, {} mappings)",
                    r.kind, r.key, r.version, r.outcome, r.requirements, r.withdrawn, r.mappings
                );
            }
        }
        CatalogCommand::Export { key, format } => {
            let fw = store
                .framework_by_key(None, &key)
                .await?
                .ok_or_else(|| anyhow!("no framework `{key}` (see `aims catalog list`)"))?;
            match format {
                ExportFormat::Yaml => print!(
                    "{}",
                    aims_service::catalog::export_yaml(store, &fw)
                        .await
                        .map_err(problem)?
                ),
                ExportFormat::Oscal => println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &aims_service::catalog::export_oscal(store, &fw, SystemClock.now())
                            .await
                            .map_err(problem)?
                    )?
                ),
            }
        }
        CatalogCommand::ExportMappings => {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &aims_service::catalog::export_mappings_oscal(store, None, SystemClock.now())
                        .await
                        .map_err(problem)?
                )?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn system_id(store: &Store, org_id: i64, reference: &str) -> anyhow::Result<i64> {
    let spec = &aims_domain::register::AI_SYSTEMS;
    let n = spec
        .parse_reference(reference)
        .ok_or_else(|| anyhow!("--system: `{reference}` is not a reference like AIS-3"))?;
    store
        .register_ids_by_numbers(org_id, spec, &[n])
        .await?
        .first()
        .map(|(_, id)| *id)
        .ok_or_else(|| anyhow!("--system: {reference} does not exist in this organization"))
}

async fn inventory_command(cx: &Cx, cmd: InventoryCommand) -> anyhow::Result<ExitCode> {
    let store = &cx.store;
    let problem = |p: aims_service::AppError| {
        let fields: Vec<String> = p
            .errors
            .iter()
            .map(|e| format!("  {}: {}", e.field, e.message))
            .collect();
        if fields.is_empty() {
            anyhow!(p.detail)
        } else {
            anyhow!("{}\n{}", p.detail, fields.join("\n"))
        }
    };
    let org_of = |slug: &str| {
        let slug = slug.to_string();
        async move {
            store
                .org_by_slug(&slug)
                .await?
                .ok_or_else(|| anyhow!("--org: no organization `{slug}`"))
        }
    };
    let register = |r: &str| {
        aims_service::registers::by_path(r).ok_or_else(|| {
            anyhow!("--register: `{r}` is not one of ai-systems, models, datasets, suppliers")
        })
    };
    match cmd {
        InventoryCommand::Import {
            file,
            org,
            format,
            register: reg,
            system,
        } => {
            let org = org_of(&org).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as text", file.display()))?;
            match format {
                InventoryFormat::Csv => {
                    let spec = register(&reg)?;
                    let scope = Scope::operator(org.id);
                    let recs = aims_service::registers::write::import_csv(cx, &scope, spec, &text)
                        .await
                        .map_err(problem)?;
                    println!(
                        "imported {} {} into {}",
                        recs.len(),
                        spec.plural.to_lowercase(),
                        org.slug
                    );
                }
                InventoryFormat::Cyclonedx => {
                    let doc: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow!("{}: not JSON: {e}", file.display()))?;
                    let system_id = match system {
                        Some(s) => Some(system_id(store, org.id, &s).await?),
                        None => None,
                    };
                    let r = aims_service::cyclonedx::import(
                        cx,
                        &Scope::operator(org.id),
                        &doc,
                        system_id,
                    )
                    .await
                    .map_err(|e| anyhow!("{}: {}", file.display(), problem(e)))?;
                    println!(
                        "BOM imported into {}: {} new, {} already known",
                        org.slug, r.created, r.matched
                    );
                }
                InventoryFormat::Xlsx => {
                    bail!("--format xlsx is for export; import CSV or CycloneDX")
                }
            }
        }
        InventoryCommand::Export {
            org,
            format,
            register: reg,
            system,
            output,
        } => {
            let org = org_of(&org).await?;
            let scope = Scope::operator(org.id);
            let file = match format {
                InventoryFormat::Cyclonedx => {
                    let s = system
                        .ok_or_else(|| anyhow!("--system is required with --format cyclonedx"))?;
                    let id = system_id(store, org.id, &s).await?;
                    let bom = aims_service::cyclonedx::export(cx, &scope, id)
                        .await
                        .map_err(problem)?;
                    aims_service::FileOut::new(
                        aims_service::file::JSON,
                        "bom.json",
                        serde_json::to_vec_pretty(&bom)?,
                    )
                }
                InventoryFormat::Csv | InventoryFormat::Xlsx => {
                    let spec = register(&reg)?;
                    if format == InventoryFormat::Xlsx && output.is_none() {
                        bail!("--output FILE is required for xlsx");
                    }
                    let q = aims_service::registers::ListQuery {
                        limit: 500,
                        ..Default::default()
                    };
                    let ext = if format == InventoryFormat::Csv {
                        "csv"
                    } else {
                        "xlsx"
                    };
                    aims_service::registers::export(cx, &scope, spec, &q, ext)
                        .await
                        .map_err(problem)?
                }
            };
            write_out(file, output.as_deref()).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes an exported file to `output` (or standard output) a chunk at a time, so a large
/// register export does not have to fit in memory.
async fn write_out(
    file: aims_service::FileOut,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let mut sink: Box<dyn Write> = match output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    match file.body {
        aims_service::FileBody::Bytes(b) => sink.write_all(&b)?,
        aims_service::FileBody::Stream(mut s) => {
            while let Some(chunk) = s.next().await {
                sink.write_all(&chunk?)?;
            }
        }
    }
    sink.flush()?;
    if let Some(path) = output {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
