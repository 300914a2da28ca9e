//! The real `ocrotire-server` binary on 127.0.0.1, for scenarios that sync,
//! on either of the server's databases: a SQLite file in a temporary
//! directory, or a PostgreSQL database of its own, created for the test on
//! the server named by `OCROTIRE_TEST_POSTGRES_URL` and dropped afterwards
//! (the server's own tests make theirs the same way, through `scratch`).

use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ocrotire_core::sync::ServerConfig;
use ocrotire_server::storage::throwaway::ThrowawayDb;

pub use ocrotire_server::storage::throwaway::{postgres_enabled, Backend};

/// A server's database. Clones share it (several server instances on one
/// PostgreSQL database); it is removed when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct ServerDb(Arc<ThrowawayDb>);

impl ServerDb {
    /// An empty database; the server creates the schema when it starts.
    pub fn fresh(backend: Backend) -> ServerDb {
        ServerDb(Arc::new(
            ThrowawayDb::fresh(backend, "scenario").expect("a throwaway database"),
        ))
    }

    /// An empty SQLite database in `dir` (created if missing, removed with
    /// everything in it when the last clone is dropped): a directory on a
    /// small filesystem of the test's own, for disk-full scenarios.
    pub fn sqlite_in(dir: &Path) -> ServerDb {
        std::fs::create_dir_all(dir).expect("create the database directory");
        ServerDb(Arc::new(ThrowawayDb::Sqlite {
            dir: dir.to_path_buf(),
            path: dir.join("server.sqlite3"),
        }))
    }

    pub fn backend(&self) -> Backend {
        self.0.backend()
    }

    /// The SQLite file, if that is the backend.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.0.sqlite_path()
    }

    /// SQLite's `PRAGMA integrity_check` on the file, read-only ("ok" when
    /// sound); `None` on PostgreSQL.
    pub fn sqlite_integrity(&self) -> Option<String> {
        let path = self.0.sqlite_path()?;
        let checked =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|conn| {
                    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
                    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                    rows.collect::<Result<Vec<_>, _>>()
                });
        Some(match checked {
            Ok(lines) => lines.join("; "),
            Err(e) => format!("could not check: {e}"),
        })
    }

    /// The flags naming this database to `serve` and `admin`.
    fn args(&self) -> Vec<String> {
        self.0.args()
    }

    /// What the server stored, read in one snapshot: every document (case
    /// id, saved Automerge bytes) and every numbered change (case id, hash),
    /// each list sorted.
    pub fn contents(&self) -> StoredCases {
        const DOCUMENTS: &str = "SELECT case_id, doc FROM documents";
        const CHANGES: &str = "SELECT case_id, hash FROM changes";
        let mut stored = match (self.0.sqlite_path(), self.0.postgres_url()) {
            (Some(path), _) => {
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .expect("open the server database read-only");
                let tx = conn.unchecked_transaction().expect("begin");
                let pairs = |sql: &str| -> Vec<(String, Vec<u8>)> {
                    let mut stmt = tx.prepare(sql).expect(sql);
                    let rows = stmt
                        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                        .expect(sql);
                    rows.collect::<Result<_, _>>().expect(sql)
                };
                StoredCases {
                    documents: pairs(DOCUMENTS),
                    changes: pairs(CHANGES),
                }
            }
            (None, url) => {
                let url = url.expect("a PostgreSQL database");
                let mut client = postgres::Client::connect(url, postgres::NoTls)
                    .expect("connect to the server's PostgreSQL database");
                let mut tx = client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .expect("begin");
                let mut pairs = |sql: &str| -> Vec<(String, Vec<u8>)> {
                    let rows = tx.query(sql, &[]).expect(sql);
                    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
                };
                StoredCases {
                    documents: pairs(DOCUMENTS),
                    changes: pairs(CHANGES),
                }
            }
        };
        // The same order whatever the database's collation.
        stored.documents.sort();
        stored.changes.sort();
        stored
    }
}

/// See [`ServerDb::contents`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCases {
    pub documents: Vec<(String, Vec<u8>)>,
    pub changes: Vec<(String, Vec<u8>)>,
}

/// A server process on 127.0.0.1; killed on drop.
pub struct TestServer {
    pub url: String,
    pub db: ServerDb,
    port: u16,
    /// More `serve` flags, kept for restarts and further instances.
    serve_args: Vec<String>,
    child: Option<Child>,
    /// The processes' standard error, shown only when one fails to start
    /// (it would otherwise fail as a bare timeout).
    log: tempfile::NamedTempFile,
}

impl TestServer {
    pub fn start(backend: Backend) -> TestServer {
        TestServer::start_with(backend, &[])
    }

    /// Starts with more `serve` flags, e.g. a small response budget.
    pub fn start_with(backend: Backend, serve_args: &[&str]) -> TestServer {
        let serve_args = serve_args.iter().map(|a| a.to_string()).collect();
        TestServer::on(ServerDb::fresh(backend), serve_args)
    }

    /// A server on `db` (e.g. [`ServerDb::sqlite_in`]) with more `serve`
    /// flags.
    pub fn start_on(db: ServerDb, serve_args: &[&str]) -> TestServer {
        let serve_args = serve_args.iter().map(|a| a.to_string()).collect();
        TestServer::on(db, serve_args)
    }

    /// Another instance on this one's database, with the same flags, on a
    /// port of its own: what several instances behind one load balancer
    /// are (PostgreSQL; on SQLite, two processes on one file).
    pub fn another_instance(&self) -> TestServer {
        TestServer::on(self.db.clone(), self.serve_args.clone())
    }

    fn on(db: ServerDb, serve_args: Vec<String>) -> TestServer {
        let port = free_port();
        let mut server = TestServer {
            url: format!("http://127.0.0.1:{port}"),
            db,
            port,
            serve_args,
            child: None,
            log: tempfile::NamedTempFile::new().expect("log file"),
        };
        server.restart();
        server
    }

    pub fn config(&self) -> ServerConfig {
        ServerConfig::new(self.url.clone())
    }

    /// Where the server listens (the same across restarts).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Starts (again) the server process on the same port and database.
    pub fn restart(&mut self) {
        if let Err(failure) = self.try_restart() {
            panic!("{failure}");
        }
    }

    /// As [`TestServer::restart`], but a server that does not come up is
    /// an error (saying why, with the end of its log), not a panic.
    pub fn try_restart(&mut self) -> Result<(), String> {
        self.kill();
        let log = OpenOptions::new()
            .append(true)
            .open(self.log.path())
            .expect("open the log");
        let child = self
            .command("serve")
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(&self.serve_args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("could not start ocrotire-server: {e}"))?;
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let exited = child
                .try_wait()
                .map_err(|e| format!("server status: {e}"))?;
            if exited.is_some() || Instant::now() > deadline {
                let log = std::fs::read_to_string(self.log.path()).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(40)..].join("\n");
                if exited.is_none() {
                    self.kill();
                }
                return Err(format!(
                    "ocrotire-server did not start listening on {} ({exited:?}); its log ends:\n{tail}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Whether the server process is alive (it may have exited by itself).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Everything the server processes wrote to standard error so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// SIGKILL, as a crash or a power cut would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `ocrotire-server <subcommand>` on this server's database, whatever
    /// the environment names: clap refuses both `--db` and a URL, and the
    /// test must not touch a database of the developer's.
    fn command(&self, subcommand: &str) -> Command {
        let mut command = Command::new(server_binary());
        command
            .arg(subcommand)
            .args(self.db.args())
            .env_remove("OCROTIRE_DB")
            .env_remove("OCROTIRE_DATABASE_URL");
        command
    }

    /// Runs `ocrotire-server admin ...` on this server's database and
    /// returns what it printed.
    pub fn admin(&self, args: &[&str]) -> String {
        let output = self
            .command("admin")
            .args(args)
            .output()
            .expect("run ocrotire-server admin");
        assert!(
            output.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    pub fn create_user(&self, user_id: &str, role: &str, district: &str) {
        self.admin(&[
            "create-user",
            "--user-id",
            user_id,
            "--role",
            role,
            "--district",
            district,
        ]);
    }

    /// A fresh one-time enrolment code for `user_id`.
    pub fn enroll_code(&self, user_id: &str) -> String {
        let printed = self.admin(&["enroll-code", "--user-id", user_id]);
        printed
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The server binary of this executable's build profile. Cargo builds it
/// first, once per process, and decides itself whether it is up to date:
/// a scenario must never run a server older than the source it tests
/// (cargo builds only the test's own package's binaries for it).
pub fn server_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_server)
}

fn build_server() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // Tests live in `target/<profile>/deps/`, binaries such as the sync
    // benchmark in `target/<profile>/`.
    let mut profile_dir = exe.parent().expect("the executable's directory");
    if profile_dir.ends_with("deps") || profile_dir.ends_with("examples") {
        profile_dir = profile_dir.parent().expect("target/<profile>");
    }
    let mut cargo = Command::new(env!("CARGO"));
    // What `cargo test` sets for the test process describes this package;
    // some build scripts (ring's) watch such variables, so passing them on
    // would make this build and every plain `cargo build` rebuild ring and
    // all above it, each undoing the other.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_")
            || matches!(
                &*name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "OUT_DIR"
            )
        {
            cargo.env_remove(&*name);
        }
    }
    cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "-p", "ocrotire-server"])
        .args(["--bin", "ocrotire-server"]);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            cargo.arg("--release");
        }
        Some(custom) => {
            cargo.args(["--profile", custom]);
        }
        None => panic!("no build profile in {}", exe.display()),
    }
    // Errors and warnings go to standard error; nothing to the standard
    // output, which a benchmark's results own.
    let status = cargo
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .expect("run cargo build -p ocrotire-server");
    assert!(status.success(), "cargo build -p ocrotire-server failed");
    let binary = profile_dir.join("ocrotire-server");
    assert!(
        binary.exists(),
        "cargo built ocrotire-server, but not at {}",
        binary.display()
    );
    binary
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
