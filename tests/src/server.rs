//! The real `ocrotire-server` binary on 127.0.0.1, for scenarios that sync.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ocrotire_core::sync::ServerConfig;

/// A server process with its own SQLite database; killed on drop.
pub struct TestServer {
    pub url: String,
    pub db: PathBuf,
    port: u16,
    /// More `serve` flags, kept for restarts.
    serve_args: Vec<String>,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(&[])
    }

    /// Starts with more `serve` flags, e.g. a small response budget.
    pub fn start_with(serve_args: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("server.sqlite3");
        let port = free_port();
        let mut server = TestServer {
            url: format!("http://127.0.0.1:{port}"),
            db,
            port,
            serve_args: serve_args.iter().map(|a| a.to_string()).collect(),
            child: None,
            _dir: dir,
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
        let child = Command::new(server_binary())
            .args([
                "serve",
                "--db",
                path(&self.db),
                "--listen",
                &format!("127.0.0.1:{}", self.port),
            ])
            .args(&self.serve_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ocrotire-server");
        self.child = Some(child);
        wait_until_listening(self.port);
    }

    /// SIGKILL, as a crash or a power cut would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `ocrotire-server admin ...` on this server's database and
    /// returns what it printed.
    pub fn admin(&self, args: &[&str]) -> String {
        let output = Command::new(server_binary())
            .arg("admin")
            .args(["--db", path(&self.db)])
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

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
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

fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("ocrotire-server did not start listening on {port}");
}
