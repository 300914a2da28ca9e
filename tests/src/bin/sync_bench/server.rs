//! Every scenario talks to the real `ocrotire-server` binary in its own
//! process, so that what is measured includes the HTTP stack and the
//! database, and so that the server's CPU and memory can be read apart from
//! the bench's own in `/proc`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child as Process, Command, Stdio};
use std::time::{Duration, Instant};

use ocrotire_core::sync::ServerConfig;

use crate::Res;

pub enum Db {
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres(String),
}

impl Db {
    pub fn sqlite() -> Res<Db> {
        let dir = tempfile::tempdir()?;
        Ok(Db::Sqlite {
            path: dir.path().join("server.sqlite3"),
            _dir: dir,
        })
    }

    /// Adds the database to a server command: a path flag, or the URL in
    /// the environment (a URL on the command line would show its password
    /// to every user of the machine).
    fn apply(&self, command: &mut Command) {
        match self {
            Db::Sqlite { path, .. } => {
                command.arg("--db").arg(path);
            }
            Db::Postgres(url) => {
                command.env("OCROTIRE_DATABASE_URL", url);
            }
        }
    }
}

/// The release `ocrotire-server` on a free port of 127.0.0.1; killed on drop.
pub struct BenchServer {
    pub url: String,
    binary: PathBuf,
    db: Db,
    child: Process,
}

impl BenchServer {
    pub fn start(binary: &Path, db: Db) -> Res<BenchServer> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = Command::new(binary);
        command.arg("serve");
        db.apply(&mut command);
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Some(status) = child.try_wait()? {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
                }
                return Err(
                    format!("ocrotire-server serve exited ({status}): {}", stderr.trim()).into(),
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("ocrotire-server did not start listening".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Logs (one info line per session, as in production) are drained
        // and dropped.
        if let Some(mut pipe) = child.stderr.take() {
            std::thread::spawn(move || std::io::copy(&mut pipe, &mut std::io::sink()));
        }
        Ok(BenchServer {
            url: format!("http://127.0.0.1:{port}"),
            binary: binary.to_path_buf(),
            db,
            child,
        })
    }

    pub fn config(&self) -> ServerConfig {
        let mut config = ServerConfig::new(self.url.clone());
        config.timeout = Duration::from_secs(300);
        config
    }

    fn admin(&self, args: &[&str]) -> Res<String> {
        let mut command = Command::new(&self.binary);
        command.arg("admin");
        self.db.apply(&mut command);
        let output = command.args(args).output()?;
        if !output.status.success() {
            return Err(format!(
                "admin {args:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    pub fn create_user(&self, user: &str, role: &str, district: &str) -> Res<()> {
        self.admin(&[
            "create-user",
            "--user-id",
            user,
            "--role",
            role,
            "--district",
            district,
        ])?;
        Ok(())
    }

    pub fn enroll_code(&self, user: &str) -> Res<String> {
        let printed = self.admin(&["enroll-code", "--user-id", user])?;
        Ok(printed
            .split_whitespace()
            .last()
            .ok_or("no enrolment code printed")?
            .to_string())
    }

    /// User + system CPU time the server process has used.
    pub fn cpu_seconds(&self) -> Res<f64> {
        cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// CPU time of the PostgreSQL backends serving this server's database,
    /// when PostgreSQL runs on this machine (found by their process titles,
    /// `postgres: ... <user> <database> <client> ...`); `None` on SQLite.
    /// Backends that ended are not counted; the server's pool keeps its
    /// connections open.
    pub fn database_cpu_seconds(&self) -> Option<f64> {
        let Db::Postgres(url) = &self.db else {
            return None;
        };
        let database = url
            .split('?')
            .next()
            .and_then(|u| u.rsplit('/').next())
            .unwrap_or_default();
        let mut total = 0.0;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(title) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let title = String::from_utf8_lossy(&title);
            if title.starts_with("postgres:") && title.split_whitespace().any(|w| w == database) {
                let stat = entry.path().join("stat");
                total += cpu_seconds_of(&stat.to_string_lossy()).unwrap_or(0.0);
            }
        }
        Some(total)
    }

    /// Peak resident memory of the server process (VmHWM).
    pub fn peak_rss_kib(&self) -> Res<u64> {
        self.status_kib("VmHWM:")
    }

    /// Resident memory of the server process now (VmRSS).
    pub fn rss_kib(&self) -> Res<u64> {
        self.status_kib("VmRSS:")
    }

    fn status_kib(&self, field: &str) -> Res<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .ok_or_else(|| format!("no {field}"))?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .ok_or_else(|| format!("{field} value"))?
            .parse()?)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn self_cpu_seconds() -> Res<f64> {
    cpu_seconds_of("/proc/self/stat")
}

/// utime + stime of `/proc/<pid>/stat`, in seconds.
pub fn cpu_seconds_of(stat: &str) -> Res<f64> {
    let text = std::fs::read_to_string(stat)?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = text.rsplit_once(')').ok_or("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).ok_or("utime")?.parse::<u64>()?
        + fields.get(12).ok_or("stime")?.parse::<u64>()?;
    Ok(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// "N cores (CPU model); load average at start a b c": what every bench
/// prints first, since these machines are shared and the load explains
/// its times.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores ({model}); load average at start {}",
        load.join(" ")
    )
}
