//! SIGKILL at awkward moments, with a real child process: acknowledged
//! writes survive, and a PIN attempt killed mid-derivation is still
//! counted. The child is this test binary re-run on an ignored test.
#![cfg(unix)]

mod store_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ocrotire_core::store::{Store, StoreConfig};
use store_support::*;

const ROLE: &str = "OCROTIRE_STORE_CRASH_ROLE";
const DIR: &str = "OCROTIRE_STORE_CRASH_DIR";

/// Runs `crash_child` in a new process, with stdout piped back.
fn spawn_child(role: &str, dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The child side. Ignored, so a normal test run skips it; without the
/// environment variables it does nothing.
#[test]
#[ignore = "helper process for the store_crash tests"]
fn crash_child() {
    let (Ok(role), Ok(dir)) = (std::env::var(ROLE), std::env::var(DIR)) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut store = Store::open(dir).unwrap();
    match role.as_str() {
        "writer" => {
            store.unlock(PIN, None).unwrap();
            for n in 0.. {
                let payload = vec![(n % 251) as u8; 4096];
                let seq = store
                    .put_case(&case_id(n % 50), &payload, &n.to_be_bytes())
                    .unwrap();
                println!("ACK {n} {seq}");
            }
        }
        "guesser" => {
            println!("ATTEMPT");
            let _ = store.unlock("000000", None);
            println!("DONE");
        }
        _ => {}
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    let mut child = spawn_child("writer", dir.path());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked: Vec<(u32, u64)> = Vec::new();
    while acked.len() < 200 {
        let line = lines.next().expect("child exited early").unwrap();
        // libtest prints "test crash_child ... " before the first line.
        if let Some(rest) = line.split_once("ACK ").map(|(_, rest)| rest) {
            let mut parts = rest.split(' ');
            let n: u32 = parts.next().unwrap().parse().unwrap();
            let seq: u64 = parts.next().unwrap().parse().unwrap();
            acked.push((n, seq));
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let mut store = Store::open(dir.path()).unwrap();
    store.unlock(PIN, None).unwrap();
    let (last_n, last_seq) = *acked.last().unwrap();
    assert!(store.current_seq().unwrap() >= last_seq);
    // Each of the last 50 acknowledged writes is the newest for its case,
    // unless the child got further than we read before dying.
    for &(n, seq) in acked.iter().rev().take(50) {
        let id = case_id(n % 50);
        let summary = store.get_summary(&id).unwrap();
        let stored_n = u32::from_be_bytes(summary.try_into().unwrap());
        assert!(stored_n >= n, "write {n} (seq {seq}) lost");
        assert!(store.get_doc(&id).is_ok());
    }
    assert!(last_n >= 199);
}

#[test]
fn attempt_killed_mid_derivation_is_still_counted() {
    let dir = tempfile::tempdir().unwrap();
    // A slow derivation (several times the minimum) so the kill lands
    // while the child is deriving, after it counted the attempt.
    let slow = StoreConfig {
        kdf_iterations: 6_000_000,
        ..config(relaxed_policy())
    };
    drop(Store::create(dir.path(), PIN, None, slow).unwrap());

    let mut child = spawn_child("guesser", dir.path());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("child exited early").unwrap();
        if line.ends_with("ATTEMPT") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = lines.any(|l| l.is_ok_and(|l| l.ends_with("DONE")));

    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.failed_attempts().unwrap(),
        1,
        "the killed attempt was free"
    );
    if finished {
        eprintln!("note: the derivation finished before the kill; the test proved less");
    }
}
