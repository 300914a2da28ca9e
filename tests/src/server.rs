//! The real `ocrotire-server` binary on 127.0.0.1, for scenarios that sync.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// `target/<profile>/ocrotire-server`, next to this test's own `deps/`.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let binary = profile_dir.join("ocrotire-server");
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "ocrotire-server", "--bin", "ocrotire-server"])
            .status()
            .expect("cargo build ocrotire-server");
        assert!(status.success());
    }
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
