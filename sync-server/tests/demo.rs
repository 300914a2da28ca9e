//! `ocrotire-server demo` on the real binary: a first start fills a fresh
//! directory with synthetic field work synced by simulated devices (cases
//! in every district, open conflicts, overdue referrals, dashboard logins),
//! removes the devices' stores, and serves; a second start on the same
//! directory serves the same data without generating anything.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use ocrotire_core::indicators::CaseFacts;

const BIN: &str = env!("CARGO_BIN_EXE_ocrotire-server");
const READY: &str = "Stop with Ctrl-C.";

/// Starts the demo and returns it with what it printed once ready.
fn start(dir: &Path, devices_tmp: &Path, log: &Path) -> (Child, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["demo", "--cases", "60", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir)
        // The devices' temporary stores go here, to check they are removed.
        .env("TMPDIR", devices_tmp)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(File::create(log).expect("log file"))
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, printed) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut seen = Vec::new();
    loop {
        match printed.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                let ready = line == READY;
                seen.push(line);
                if ready {
                    return (child, seen);
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(log).unwrap_or_default();
                panic!("the demo did not get ready: {seen:#?}\n{log}");
            }
        }
    }
}

/// SIGTERM to our own child (by its id), then waits for a clean exit.
fn terminate(mut child: Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "the demo exited with {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn count(db: &rusqlite::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |row| row.get(0)).expect(sql)
}

#[test]
fn demo_fills_a_fresh_directory_once_and_serves_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let devices_tmp = tmp.path().join("tmp");
    std::fs::create_dir(&devices_tmp).expect("tmp");
    let log = tmp.path().join("demo.log");

    let (demo, printed) = start(&dir, &devices_tmp, &log);
    let url = printed
        .iter()
        .find_map(|l| l.strip_prefix("listening on "))
        .expect("the listening line")
        .to_owned();
    let all = printed.join("\n");
    assert!(all.contains("Generated 60 cases"), "{all}");
    assert!(all.contains(&format!("open {url}/")), "{all}");
    for (user, password) in [
        ("officer.0100", "demo-password-0100"),
        ("officer.9600", "demo-password-9600"),
        ("analyst", "demo-password-analyst"),
        ("admin", "demo-password-admin"),
    ] {
        assert!(
            printed
                .iter()
                .any(|l| l.contains(user) && l.ends_with(password)),
            "no login {user}: {all}"
        );
    }
    let health = reqwest::blocking::get(format!("{url}/health"))
        .and_then(|r| r.text())
        .expect("health");
    assert_eq!(health, "ok");
    assert_eq!(
        std::fs::read_dir(&devices_tmp).expect("tmp").count(),
        0,
        "the devices' stores were left behind"
    );

    // Read the server's database while it serves (SQLite allows it).
    let path = dir.join("server.sqlite3");
    let db = rusqlite::Connection::open(&path).expect("open the database");
    db.busy_timeout(Duration::from_secs(10)).expect("timeout");
    assert_eq!(count(&db, "SELECT count(*) FROM documents"), 60);
    assert_eq!(
        count(&db, "SELECT count(DISTINCT district) FROM documents"),
        5
    );
    assert!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE open_conflicts > 0"
        ) > 0,
        "no open conflicts"
    );
    assert!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE status = 'closed'"
        ) > 0,
        "no closed cases"
    );
    let facts: Vec<CaseFacts> = {
        let mut rows = db
            .prepare("SELECT facts FROM documents WHERE facts IS NOT NULL")
            .expect("facts");
        let rows = rows
            .query_map([], |row| row.get::<_, Vec<u8>>(0))
            .expect("facts");
        rows.map(|bytes| CaseFacts::decode(&bytes.expect("row")).expect("decode"))
            .collect()
    };
    assert_eq!(facts.len(), 60);
    let long_ago = Utc::now() - TimeDelta::days(5);
    let overdue = facts
        .iter()
        .flat_map(|f| &f.referrals)
        .filter(|r| r.status == "sent" && r.sent_at.is_some_and(|at| at < long_ago))
        .count();
    assert!(
        overdue > 0,
        "no referral sent long ago and never acknowledged"
    );
    assert!(facts
        .iter()
        .any(|f| f.crime_suspected && f.police_notified_at.is_some()));
    let year_ago = Utc::now() - TimeDelta::days(366);
    assert!(facts
        .iter()
        .all(|f| f.identified_at > year_ago && f.identified_at <= Utc::now()));
    let users = count(&db, "SELECT count(*) FROM users");
    let audited = count(&db, "SELECT count(*) FROM audit WHERE device_id = 'demo'");
    assert!(audited >= users, "the setup is audited as the demo's");
    drop(db);
    terminate(demo);

    // The export sees cases in every district.
    let today = Utc::now().date_naive();
    let out = Command::new(BIN)
        .args(["export", "--db"])
        .arg(&path)
        .args(["--threshold", "1", "--format", "csv", "--from"])
        .arg((today - TimeDelta::days(400)).to_string())
        .arg("--to")
        .arg((today + TimeDelta::days(1)).to_string())
        .env_remove("OCROTIRE_DB")
        .env_remove("OCROTIRE_DATABASE_URL")
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    let districts: Vec<&str> = csv
        .lines()
        .filter_map(|l| l.strip_prefix("S01,district,"))
        .filter(|rest| {
            rest.split(',')
                .nth(1)
                .is_some_and(|n| n != "0" && !n.is_empty())
        })
        .collect();
    assert_eq!(districts.len(), 5, "{csv}");

    // A second start serves the same data and generates nothing.
    let (demo, printed) = start(&dir, &devices_tmp, &log);
    let all = printed.join("\n");
    assert!(all.contains("Demo data from an earlier start"), "{all}");
    assert!(all.contains("demo-password-admin"), "{all}");
    let db = rusqlite::Connection::open(&path).expect("open the database");
    assert_eq!(count(&db, "SELECT count(*) FROM documents"), 60);
    assert_eq!(count(&db, "SELECT count(*) FROM users"), users);
    drop(db);
    terminate(demo);
}
