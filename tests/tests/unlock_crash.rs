//! Killing the app in the middle of a PIN attempt must not give an attacker
//! a free guess: the attempt is counted before the key is derived.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use ocrotire_core::store::{LockoutPolicy, Store, StoreConfig};

#[test]
fn an_attempt_killed_mid_derivation_is_still_counted() {
    let dir = tempfile::tempdir().unwrap();
    // Ten times the minimum iterations, so the kill lands while the child
    // derives, well after it counted the attempt.
    let slow = StoreConfig {
        kdf_iterations: 6_000_000,
        lockout: LockoutPolicy {
            wipe_after: None,
            ..LockoutPolicy::default()
        },
    };
    drop(Store::create(dir.path(), "482913", None, slow).unwrap());

    let mut child = Command::new(env!("CARGO_BIN_EXE_unlock_worker"))
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ATTEMPT");
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = lines.any(|l| l.is_ok_and(|l| l == "DONE"));
    assert!(
        !finished,
        "the derivation ended before the kill; the scenario did not happen"
    );

    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.failed_attempts().unwrap(),
        1,
        "the killed attempt was free"
    );
}
