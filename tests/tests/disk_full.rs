//! The server's SQLite database runs out of disk space while devices sync:
//! the server answers 507 (a clear, typed error) and stays up with a sound
//! database, devices keep their edits pending, and once space returns
//! everything syncs and nothing acknowledged is lost.
//!
//! Runs the `fault_campaign` binary's disk-full phase in its quick form
//! (`--disk-full-only --quick`) on a small tmpfs it mounts, so it needs
//! root (CI runs as root); elsewhere it says on standard error that it was
//! skipped, and why.

use std::process::Command;

/// `fault_campaign`'s exit status when it cannot mount a filesystem.
const SKIPPED: i32 = 77;

#[test]
fn the_server_answers_507_on_a_full_disk_and_recovers_when_space_returns() {
    let output = Command::new(env!("CARGO_BIN_EXE_fault_campaign"))
        .args(["--disk-full-only", "--quick", "--max-minutes", "3"])
        .output()
        .expect("run fault_campaign");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(SKIPPED) {
        eprintln!("SKIPPED disk_full: {}", stdout.trim());
        return;
    }
    assert!(
        output.status.success(),
        "the disk-full phase missed a goal:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("RESULT: every goal met"), "{stdout}");
}
