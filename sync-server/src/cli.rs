//! Command line and environment: `serve` and `admin ...`. Every flag can
//! also come from an `OCROTIRE_*` variable, for service managers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ocrotire_core::indicators::disclosure::Policy;
use ocrotire_core::model::Role;

use crate::admin::{self, AdminError, Operator};
use crate::http::HttpConfig;
use crate::office::export::{export, ExportError, Format};
use crate::office::report::checked_query;
use crate::reference::{LoadError, Reference};
use crate::server::{self, ServeError, Tls};
use crate::storage::postgres::{self, PostgresStorage};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Storage, StorageError};
use crate::sync::Limits;

const MIB: usize = 1024 * 1024;

#[derive(Debug, Parser)]
#[command(
    name = "ocrotire-server",
    version,
    about = "Ocrotire regional sync server"
)]
pub struct Cli {
    /// Log lines as plain text or JSON (to standard error). Verbosity comes
    /// from RUST_LOG (default: info for serve, warn for admin).
    #[arg(long, env = "OCROTIRE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve devices over HTTP, or HTTPS when given a certificate and key.
    Serve(ServeArgs),
    /// Administer users, enrollment codes, devices and the audit log.
    Admin(AdminArgs),
    /// Export indicators for a period, disclosure-controlled (small counts
    /// hidden), as CSV, JSON or DHIS2 dataValueSets. Audited.
    Export(ExportArgs),
    /// Try Ocrotire: serve a demo database of its own, filled on first
    /// start with a year of synthetic field work in five districts (by
    /// simulated devices syncing with this server), and print dashboard
    /// logins. Never point it at a real database.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory of the demo database (server.sqlite3), created if
    /// missing. A later start on the same directory serves the same data.
    #[arg(long, default_value = "ocrotire-demo")]
    pub dir: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Cases to generate on first start, over the past year.
    #[arg(long, default_value_t = 2000,
          value_parser = clap::value_parser!(u32).range(crate::demo::MIN_CASES as i64..=crate::demo::MAX_CASES as i64))]
    pub cases: u32,
    /// Seed of the synthetic data: the same seed, the same cases.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Who exports, as recorded in the audit log.
    #[arg(long, env = "OCROTIRE_OPERATOR", default_value = "admin")]
    pub operator: String,
    /// First day of the period (YYYY-MM-DD, Moldovan local date).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day of the period, included. DHIS2 takes one whole month,
    /// quarter or year.
    #[arg(long)]
    pub to: NaiveDate,
    /// A district (CUATM code) to count; repeat for several. All districts
    /// when absent.
    #[arg(long = "district")]
    pub districts: Vec<String>,
    /// csv, json or dhis2.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Non-zero counts below this are hidden.
    #[arg(long, default_value_t = Policy::default().threshold)]
    pub threshold: u64,
    /// Percentages, rates and medians need at least this numerator.
    #[arg(long, default_value_t = Policy::default().min_rate_numerator)]
    pub min_rate_numerator: u64,
    /// A DHIS2 mapping file instead of the bundled one (illustrative codes).
    #[arg(long, env = "OCROTIRE_DHIS2_MAPPING")]
    pub dhis2_mapping: Option<PathBuf>,
}

/// Where the server keeps its state: a SQLite file (the embedded default)
/// or a PostgreSQL database that several server instances share.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct DbArgs {
    /// The database: a SQLite file path (created if missing).
    #[arg(long, env = "OCROTIRE_DB")]
    pub db: Option<PathBuf>,
    /// Or a shared PostgreSQL database instead of --db, e.g.
    /// postgres://user:password@host:5432/ocrotire (its schema is created or
    /// upgraded at start). Better given as the environment variable than on
    /// the command line, which other users of the machine can read.
    #[arg(long, env = "OCROTIRE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, env = "OCROTIRE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// PEM certificate chain; with --tls-key the server speaks HTTPS.
    #[arg(long, env = "OCROTIRE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "OCROTIRE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body accepted; larger ones get 413.
    #[arg(long, env = "OCROTIRE_MAX_BODY_BYTES", default_value_t = 16 * MIB)]
    pub max_body_bytes: usize,
    /// Plain bytes of documents and changes per sync answer before paging
    /// (compressed on the wire to a third or less). At most 32 MiB, so
    /// that a device can always decode it.
    #[arg(long, env = "OCROTIRE_RESPONSE_BUDGET_BYTES", default_value_t = 32 * MIB)]
    pub response_budget_bytes: usize,
    /// Status notes per sync answer (mediators).
    #[arg(long, env = "OCROTIRE_MAX_STATUSES", default_value_t = 10_000)]
    pub max_statuses: usize,
    /// Accepted difference between a request's time and the server clock.
    #[arg(long, env = "OCROTIRE_CLOCK_WINDOW_SECS", default_value_t = 300)]
    pub clock_window_secs: u32,
    /// Connections to PostgreSQL this instance keeps at most (with
    /// --database-url; mind the server's max_connections across instances).
    #[arg(long, env = "OCROTIRE_DATABASE_POOL_SIZE", default_value_t = postgres::DEFAULT_POOL_SIZE)]
    pub database_pool_size: usize,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Who runs the command, as recorded in the audit log.
    #[arg(long, env = "OCROTIRE_OPERATOR", default_value = "admin")]
    pub operator: String,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user with a role in a district.
    CreateUser {
        #[arg(long, alias = "user")]
        user_id: String,
        /// community_mediator, social_assistant, district_officer,
        /// national_analyst or administrator.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// District code (CUATM), e.g. 9200.
        #[arg(long)]
        district: String,
    },
    /// Issue a one-time enrollment code (printed once, valid 72 hours).
    EnrollCode {
        #[arg(long, alias = "user")]
        user_id: String,
    },
    /// List enrolled devices.
    ListDevices,
    /// Set a user's dashboard password, read from the first line of
    /// standard input (district officers, national analysts and
    /// administrators only).
    SetPassword {
        #[arg(long, alias = "user")]
        user_id: String,
    },
    /// Revoke a device: its next contact gets a wipe instruction.
    RevokeDevice {
        #[arg(long)]
        device_id: String,
    },
    /// Check the audit log's hash chain.
    VerifyAudit,
}

fn parse_role(key: &str) -> Result<Role, String> {
    Role::ALL
        .iter()
        .copied()
        .find(|r| r.key() == key)
        .ok_or_else(|| {
            let keys: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
            format!("unknown role; one of {}", keys.join(", "))
        })
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("the storage worker stopped unexpectedly")]
    Worker,
    #[error(transparent)]
    Reference(#[from] LoadError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("cannot read {what}: {source}")]
    Read {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cannot write the export: {0}")]
    WriteOutput(std::io::Error),
    #[error("--response-budget-bytes may be at most {max}")]
    ResponseBudget { max: usize },
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
}

/// Half of what a device decodes at most, leaving room for the one item
/// a page always takes whatever its size.
pub const MAX_RESPONSE_BUDGET_BYTES: usize =
    (ocrotire_core::sync::protocol::MAX_DECODED_BYTES / 2) as usize;

/// The opened database, whichever backend the command line named.
pub enum Opened {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

/// Opens the database named on the command line.
pub async fn open_storage(db: &DbArgs, pool_size: usize) -> Result<Opened, CliError> {
    if let Some(url) = &db.database_url {
        return Ok(Opened::Postgres(
            PostgresStorage::connect(url, pool_size).await?,
        ));
    }
    let Some(path) = db.db.clone() else {
        return Err(StorageError::UnsupportedLocation(
            "name a database with --db or --database-url".into(),
        )
        .into());
    };
    let text = path.to_string_lossy();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Err(StorageError::UnsupportedLocation(
            "--db takes a SQLite file; give a PostgreSQL URL as --database-url".into(),
        )
        .into());
    }
    let opened = tokio::task::spawn_blocking(move || SqliteStorage::open(&path))
        .await
        .map_err(|_| CliError::Worker)?;
    Ok(Opened::Sqlite(opened?))
}

/// What a finished command has to say: `result` for standard output (what
/// a script reads: a code, a listing), `note` for the operator on standard
/// error. The binary prints them; this library never prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub result: String,
    pub note: String,
}

impl Outcome {
    fn result(result: String) -> Outcome {
        Outcome {
            result,
            note: String::new(),
        }
    }

    fn note(note: String) -> Outcome {
        Outcome {
            result: String::new(),
            note,
        }
    }
}

pub async fn run(command: Command) -> Result<Outcome, CliError> {
    match command {
        Command::Serve(args) => {
            match open_storage(&args.db, args.database_pool_size).await? {
                Opened::Sqlite(storage) => serve(storage, args).await?,
                Opened::Postgres(storage) => serve(storage, args).await?,
            }
            Ok(Outcome::default())
        }
        Command::Admin(args) => match open_storage(&args.db, ADMIN_POOL_SIZE).await? {
            Opened::Sqlite(storage) => administer(&storage, args).await,
            Opened::Postgres(storage) => administer(&storage, args).await,
        },
        Command::Export(args) => match open_storage(&args.db, ADMIN_POOL_SIZE).await? {
            Opened::Sqlite(storage) => export_indicators(&storage, args).await,
            Opened::Postgres(storage) => export_indicators(&storage, args).await,
        },
        Command::Demo(args) => {
            let config = crate::demo::DemoConfig {
                dir: args.dir,
                listen: args.listen,
                cases: args.cases as usize,
                seed: args.seed,
            };
            // The logins go to standard output while the demo serves on,
            // so they cannot wait for the outcome.
            crate::demo::run(config, |ready| {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                // A closed standard output must not stop the server.
                let _ = writeln!(out, "{ready}").and_then(|()| out.flush());
            })
            .await?;
            Ok(Outcome::default())
        }
    }
}

async fn export_indicators<S: Storage>(storage: &S, args: ExportArgs) -> Result<Outcome, CliError> {
    admin::check_user_id(&args.operator)?;
    let format: Format = args.format.parse()?;
    let reference = Arc::new(Reference::with_mapping_file(args.dhis2_mapping.as_deref())?);
    let districts = (!args.districts.is_empty()).then_some(args.districts);
    let query =
        checked_query(&reference, args.from, args.to, districts).map_err(ExportError::from)?;
    let policy = Policy {
        threshold: args.threshold,
        min_rate_numerator: args.min_rate_numerator,
    };
    let who = (args.operator.as_str(), admin::CLI_DEVICE);
    let export = export(
        storage,
        &reference,
        &reference.dhis2,
        query,
        format,
        policy,
        who,
    )
    .await?;
    match args.output {
        Some(path) => {
            std::fs::write(&path, &export.body).map_err(CliError::WriteOutput)?;
            Ok(Outcome::note(format!(
                "wrote {} bytes to {}",
                export.body.len(),
                path.display()
            )))
        }
        // CSV and JSON are UTF-8 by construction.
        None => Ok(Outcome::result(
            String::from_utf8_lossy(&export.body).into_owned(),
        )),
    }
}

/// An admin command runs one statement at a time.
const ADMIN_POOL_SIZE: usize = 1;

async fn serve<S: Storage>(storage: S, args: ServeArgs) -> Result<(), CliError> {
    if args.response_budget_bytes > MAX_RESPONSE_BUDGET_BYTES {
        return Err(CliError::ResponseBudget {
            max: MAX_RESPONSE_BUDGET_BYTES,
        });
    }
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls { cert, key }),
        _ => None,
    };
    let config = HttpConfig {
        max_body_bytes: args.max_body_bytes,
        max_skew_ms: i64::from(args.clock_window_secs) * 1000,
        limits: Limits {
            response_budget: args.response_budget_bytes,
            max_statuses: args.max_statuses,
        },
    };
    let reference = Arc::new(Reference::bundled()?);
    server::serve(storage, reference, args.listen, tls, config).await?;
    Ok(())
}

async fn administer<S: Storage>(storage: &S, args: AdminArgs) -> Result<Outcome, CliError> {
    admin::check_user_id(&args.operator)?;
    let operator = Operator {
        user_id: &args.operator,
        channel: admin::CLI_DEVICE,
    };
    Ok(match args.command {
        AdminCommand::CreateUser {
            user_id,
            role,
            district,
        } => {
            admin::create_user(storage, operator, &user_id, role, &district).await?;
            Outcome::note(format!(
                "created user {user_id} ({}, district {district})",
                role.key()
            ))
        }
        AdminCommand::EnrollCode { user_id } => {
            let code = admin::enroll_code(storage, operator, &user_id).await?;
            Outcome {
                result: code,
                note: format!(
                    "one-time enrollment code for {user_id}, valid 72 hours (shown only now):"
                ),
            }
        }
        AdminCommand::SetPassword { user_id } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|source| CliError::Read {
                    what: "the password from standard input",
                    source,
                })?;
            let password = line.trim_end_matches(['\r', '\n']);
            admin::set_password(storage, operator, &user_id, password).await?;
            Outcome::note(format!("set the dashboard password of {user_id}"))
        }
        AdminCommand::ListDevices => Outcome::result(admin::list_devices(storage).await?),
        AdminCommand::RevokeDevice { device_id } => {
            admin::revoke_device(storage, operator, &device_id).await?;
            Outcome::note(format!(
                "revoked device {device_id}: it will be told to wipe at its next contact"
            ))
        }
        AdminCommand::VerifyAudit => Outcome::result(admin::verify_audit(storage).await?),
    })
}
