//! `ocrotire-server demo`: the server on a database of its own, filled on
//! first start with a year of synthetic field work in the five districts
//! of the bundled population data, and dashboard logins to look at it.
//!
//! Nothing is written to the database directly: simulated field devices
//! (core's encrypted `Caseload` and sync client, in a temporary directory
//! removed afterwards) enrol with one-time codes and sync over HTTP with
//! the server running in this process, so the demo data went through the
//! same authority rules, projections, indicator facts and audit log as
//! real field work. Everything is decided by a fixed seed and the date:
//! the same command on the same day gives the same cases (their random
//! ids aside).
//!
//! - [`people`]: districts and their habits, staff, logins;
//! - [`plan`], [`child`], [`work`], [`assessment`], [`referrals`]: what
//!   happens to each case, and when;
//! - [`script`]: planned steps as operations on a device;
//! - [`field`]: the devices of a district working and syncing;
//! - [`conflicts`]: concurrent edits left for the office to decide.

mod assessment;
mod child;
mod conflicts;
mod field;
pub mod people;
mod plan;
mod referrals;
mod rng;
mod script;
mod texts;
mod work;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ocrotire_core::caseload::CaseloadError;
use ocrotire_core::reference::{ReferenceError, ServiceDirectory, Template};
use ocrotire_core::sync::{ServerConfig, SyncError};

use crate::admin::AdminError;
use crate::http::HttpConfig;
use crate::reference::Reference;
use crate::server::{self, ServeError};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::StorageError;
use crate::sync::Limits;
use people::{Found, Profile, Staff, PROFILES};

/// The seed of the demo data unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 2026;
/// The database file inside the demo directory.
pub const DB_FILE: &str = "server.sqlite3";
/// Bounds on `--cases`: at least one per district, at most what a laptop
/// generates in a few minutes.
pub const MIN_CASES: usize = 5;
pub const MAX_CASES: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot create the demo directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot use a temporary directory for the demo devices: {0}")]
    TempDir(std::io::Error),
    #[error("cannot learn the listening address: {0}")]
    Address(std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Load(#[from] crate::reference::LoadError),
    #[error("bundled reference data: {0}")]
    Reference(#[from] ReferenceError),
    // Boxed: a device's errors are large and rare.
    #[error("the demo device of {user_id}: {source}")]
    Device {
        user_id: String,
        source: Box<CaseloadError>,
    },
    #[error("the demo device of {user_id} could not sync: {source}")]
    Sync {
        user_id: String,
        source: Box<SyncError>,
    },
    #[error("the server refused the changes of {cases} case(s) from the demo device of {user_id}")]
    Refused { user_id: String, cases: usize },
    #[error(
        "{0} holds an unfinished demo (an earlier start was interrupted); remove it and start again"
    )]
    Incomplete(PathBuf),
    #[error("{0} holds users that are not the demo's; the demo only fills a database of its own (choose another --dir)")]
    NotDemo(PathBuf),
    #[error(
        "stopped before the demo data was complete; remove the demo directory and start again"
    )]
    Interrupted,
    #[error("--cases must be between {MIN_CASES} and {MAX_CASES}")]
    Cases,
    #[error("the demo server does not answer on {0}")]
    NotServing(SocketAddr),
    #[error("a demo worker stopped unexpectedly")]
    Worker,
}

/// What `demo` was asked for.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Holds the database ([`DB_FILE`]); created if missing.
    pub dir: PathBuf,
    pub listen: SocketAddr,
    /// Cases to generate on first start.
    pub cases: usize,
    pub seed: u64,
}

/// What a first start generated.
#[derive(Debug, Clone)]
pub struct Generated {
    pub districts: Vec<field::Outcome>,
    pub elapsed: Duration,
}

/// Opens or creates the demo database, serves it, generates the demo data
/// if the database is new, then hands `on_ready` the text for the person
/// who started it (address, logins) and serves until SIGTERM or ctrl-c.
/// Prints nothing itself but the server's `listening on` line.
pub async fn run(config: DemoConfig, on_ready: impl FnOnce(&str)) -> Result<(), DemoError> {
    if !(MIN_CASES..=MAX_CASES).contains(&config.cases) {
        return Err(DemoError::Cases);
    }
    std::fs::create_dir_all(&config.dir).map_err(|source| DemoError::Dir {
        path: config.dir.clone(),
        source,
    })?;
    let path = config.dir.join(DB_FILE);
    let opened = path.clone();
    let storage = tokio::task::spawn_blocking(move || SqliteStorage::open(&opened))
        .await
        .map_err(|_| DemoError::Worker)??;
    let found = people::found(&storage).await?;
    match found {
        Found::Foreign => return Err(DemoError::NotDemo(path)),
        Found::Incomplete => return Err(DemoError::Incomplete(config.dir)),
        Found::Empty | Found::Complete => {}
    }
    let reference = Arc::new(Reference::bundled()?);
    let listener = server::bind(config.listen)?;
    let local = listener.local_addr().map_err(DemoError::Address)?;
    let mut serving = tokio::spawn(server::serve_listener(
        storage.clone(),
        Arc::clone(&reference),
        listener,
        None,
        http_config(),
    ));
    let generated = if found == Found::Empty {
        let stop = Arc::new(AtomicBool::new(false));
        let generation = generate(&storage, local, &config, Arc::clone(&stop));
        tokio::pin!(generation);
        tokio::select! {
            served = &mut serving => {
                // Stopped (or failed) while generating: let the devices
                // notice and clean up before saying so.
                stop.store(true, Ordering::Relaxed);
                let generated = generation.await;
                served.map_err(|_| DemoError::Worker)??;
                // Devices fail in many ways once the server is gone.
                return generated.map(|_| ()).map_err(|_| DemoError::Interrupted);
            }
            generated = &mut generation => Some(generated?),
        }
    } else {
        None
    };
    let reachable = reachable(local);
    until_serving(reachable).await?;
    on_ready(&banner(reachable, &path, &reference, generated.as_ref()));
    serving.await.map_err(|_| DemoError::Worker)??;
    Ok(())
}

/// Where a browser on this machine reaches a server listening on `local`
/// (a server on every interface is also on the loopback one).
fn reachable(local: SocketAddr) -> SocketAddr {
    match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, local.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, local.port()).into(),
        _ => local,
    }
}

/// Waits until the server answers `/health`: the address then works, and
/// the server's `listening on` line is out before the banner.
async fn until_serving(addr: SocketAddr) -> Result<(), DemoError> {
    let answers = move || {
        let timeout = Duration::from_secs(2);
        let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
        stream.set_read_timeout(Some(timeout)).ok()?;
        let request = "GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        answer.starts_with(b"HTTP/1.1 200").then_some(())
    };
    for _ in 0..50 {
        let answered = tokio::task::spawn_blocking(answers)
            .await
            .map_err(|_| DemoError::Worker)?;
        if answered.is_some() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(DemoError::NotServing(addr))
}

/// The `serve` command's defaults.
fn http_config() -> HttpConfig {
    const MIB: usize = 1024 * 1024;
    HttpConfig {
        max_body_bytes: 16 * MIB,
        max_skew_ms: 300_000,
        limits: Limits {
            response_budget: 32 * MIB,
            max_statuses: 10_000,
        },
    }
}

/// Users and enrollment codes, the districts' field work (one thread per
/// district: they share nothing but the server), then the passwords.
async fn generate(
    storage: &SqliteStorage,
    local: SocketAddr,
    config: &DemoConfig,
    stop: Arc<AtomicBool>,
) -> Result<Generated, DemoError> {
    let started = Instant::now();
    let staff: Vec<(Profile, Staff)> = PROFILES.iter().map(|p| (*p, Staff::of(p))).collect();
    let codes = people::create_users(storage, &staff).await?;
    let work = Work {
        staff,
        codes,
        // Loopback (a server on every interface is also there): the
        // devices' client allows plain http only to this machine itself.
        server: ServerConfig::new(format!("http://{}", reachable(local))),
        cases: config.cases,
        seed: config.seed,
        stop,
    };
    let districts = tokio::task::spawn_blocking(move || work.run())
        .await
        .map_err(|_| DemoError::Worker)??;
    people::set_passwords(storage).await?;
    Ok(Generated {
        districts,
        elapsed: started.elapsed(),
    })
}

/// The field work of every district, run on plain threads: devices sync
/// with blocking HTTP, which must not run on the server's async workers.
struct Work {
    staff: Vec<(Profile, Staff)>,
    codes: BTreeMap<String, String>,
    server: ServerConfig,
    cases: usize,
    seed: u64,
    stop: Arc<AtomicBool>,
}

impl Work {
    fn run(self) -> Result<Vec<field::Outcome>, DemoError> {
        let reference = Reference::bundled()?;
        let services = ServiceDirectory::bundled()?;
        let template = Template::v1()?;
        let root = tempfile::Builder::new()
            .prefix("ocrotire-demo-devices-")
            .tempdir()
            .map_err(DemoError::TempDir)?;
        // The demo's present, which no step may pass: the start of today
        // (UTC), so that starts on the same day with the same seed record
        // the same steps, whatever the hour.
        let now = Utc::now()
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        let shares = people::shares(self.cases);
        let results: Vec<Result<field::Outcome, DemoError>> = std::thread::scope(|scope| {
            let threads: Vec<_> = self
                .staff
                .iter()
                .zip(shares)
                .enumerate()
                .map(|(n, ((profile, staff), count))| {
                    let planner = plan::Planner {
                        profile,
                        staff,
                        units: &reference.units,
                        services: &services,
                        template: &template,
                        now,
                    };
                    let district = field::District {
                        profile,
                        staff,
                        plans: plan::district(
                            &planner,
                            count,
                            &mut rng::Rng::new(self.seed, n as u64),
                        ),
                        codes: &self.codes,
                        server: &self.server,
                        root: root.path(),
                        now,
                        stop: &self.stop,
                        conflict_seed: (self.seed, 100 + n as u64),
                    };
                    let stop = &self.stop;
                    scope.spawn(move || {
                        let outcome = field::run(district);
                        if outcome.is_err() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        outcome
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap_or(Err(DemoError::Worker)))
                .collect()
        });
        // The first real failure, not the districts it stopped.
        let mut outcomes = Vec::new();
        let mut stopped = None;
        for result in results {
            match result {
                Ok(outcome) => outcomes.push(outcome),
                Err(DemoError::Interrupted) => stopped = Some(DemoError::Interrupted),
                Err(error) => return Err(error),
            }
        }
        match stopped {
            Some(error) => Err(error),
            None => Ok(outcomes),
        }
    }
}

/// What the person who started the demo needs: where to look, with
/// which logins.
fn banner(
    local: SocketAddr,
    path: &Path,
    reference: &Reference,
    generated: Option<&Generated>,
) -> String {
    let mut out = format!("Ocrotire demo: open http://{local}/ in a browser.\n");
    match generated {
        Some(generated) => {
            let cases: usize = generated.districts.iter().map(|d| d.cases).sum();
            let open: usize = generated.districts.iter().map(|d| d.open_conflicts).sum();
            let per_district: Vec<String> = generated
                .districts
                .iter()
                .map(|d| format!("{} {}", d.district, d.cases))
                .collect();
            out.push_str(&format!(
                "Generated {cases} cases ({}) with {open} open conflicts in {:.1} s, in {}.\n",
                per_district.join(", "),
                generated.elapsed.as_secs_f64(),
                path.display()
            ));
        }
        None => out.push_str(&format!(
            "Demo data from an earlier start, in {}.\n",
            path.display()
        )),
    }
    out.push_str("Dashboard logins (demo passwords, for this demo database only):\n");
    for login in people::logins() {
        let place = match login.role {
            ocrotire_core::model::Role::DistrictOfficer => reference
                .units
                .district(&login.district)
                .map_or(String::new(), |d| format!(", {}", d.names.en)),
            _ => String::new(),
        };
        let role = format!("{}{place}", login.role.key().replace('_', " "));
        out.push_str(&format!(
            "  {:<14} {:<44} {}\n",
            login.user_id, role, login.password
        ));
    }
    out.push_str("Stop with Ctrl-C.");
    out
}
