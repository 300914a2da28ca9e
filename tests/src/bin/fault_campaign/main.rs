//! `fault_campaign`: issue 7's long fault campaign, far longer than CI's
//! scenarios (`tests/sync_kill.rs`, `tests/sync_faults.rs`,
//! `tests/disk_full.rs`). It runs the real `ocrotire-server` binary of its
//! own build profile (release with `--release`) on 127.0.0.1, and real
//! devices (encrypted stores on disk, `fleet::Device`) that edit and sync.
//! `docs/PERFORMANCE.md` ("Fault campaign (issue 7)") records a run.
//!
//! ```text
//! cargo run --release -p ocrotire-tests --bin fault_campaign -- \
//!     [--kills N] [--seed S] [--quick] [--max-minutes M] \
//!     [--disk-full-only | --no-disk-full]
//! ```
//!
//! 1. Kills ([`kills`]): four devices edit and sync in a loop through the
//!    fault proxy (dropped, duplicated, delayed and cut answers, requests
//!    cut mid-body, network partitions) while the server is SIGKILLed at
//!    random moments during sync, `--kills` times (200 by default), and
//!    restarted on the same SQLite file; every 10th outage outlasts the
//!    client's retries.
//! 2. Disk full ([`disk_full`]): the server's database on a small tmpfs of
//!    its own (`mount -t tmpfs`, so root), filled with a ballast file;
//!    devices push until the server answers 507; then space returns, once
//!    by deleting the ballast and once by growing the filesystem
//!    (`mount -o remount,size=...`).
//!
//! Each phase ends with the same check ([`ledger`]): every edit a device
//! saw acknowledged (a session that returned success; its notes and the
//! heads of every case it held) is on the server after a last restart,
//! and on a fresh district officer's device that pulls everything;
//! devices and server converge (`fleet::assert_converged`); the audit
//! chain verifies; SQLite's integrity check passes; the server's log has
//! no panic. Every error a session returned is counted by kind; a kind the
//! phase does not explain counts as a failure.
//!
//! Exit status: 0 when every goal is met, 1 when one is missed, 77 when
//! `--disk-full-only` cannot mount a filesystem (not root): the CI test
//! `tests/disk_full.rs` runs `--disk-full-only --quick` and reports a skip.

mod disk_full;
mod kills;
mod ledger;
mod tmpfs;

use std::time::{Duration, Instant};

/// Exit status of a skipped run (automake's convention).
pub const SKIPPED: i32 = 77;

#[derive(Debug, Clone)]
pub struct Options {
    pub kills: usize,
    pub seed: u64,
    pub quick: bool,
    pub disk_full: bool,
    pub kill_phase: bool,
    /// Every phase stops by this time (and says so).
    pub deadline: Instant,
}

fn parse_args() -> Result<Options, String> {
    let mut kills = None;
    let mut seed = 0x0c70_f417_u64;
    let mut quick = false;
    let mut disk_full = true;
    let mut kill_phase = true;
    let mut minutes = 45u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value"))
                .and_then(|v| v.parse::<u64>().map_err(|e| format!("{name} {v}: {e}")))
        };
        match arg.as_str() {
            "--kills" => kills = Some(value("--kills")? as usize),
            "--seed" => seed = value("--seed")?,
            "--max-minutes" => minutes = value("--max-minutes")?,
            "--quick" => quick = true,
            "--disk-full-only" => kill_phase = false,
            "--no-disk-full" => disk_full = false,
            "--help" | "-h" => {
                println!(
                    "fault_campaign [--kills N] [--seed S] [--quick] [--max-minutes M] \
                     [--disk-full-only | --no-disk-full]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !disk_full && !kill_phase {
        return Err("--disk-full-only and --no-disk-full leave nothing to run".into());
    }
    Ok(Options {
        kills: kills.unwrap_or(if quick { 20 } else { 200 }),
        seed,
        quick,
        disk_full,
        kill_phase,
        deadline: Instant::now() + Duration::from_secs(minutes * 60),
    })
}

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("fault_campaign: {e}");
            std::process::exit(2);
        }
    };
    println!("fault campaign: {options:?}");
    let mut missed: Vec<String> = Vec::new();
    if options.kill_phase {
        let report = kills::run(&options);
        report.print();
        missed.extend(report.missed(&options));
    }
    if options.disk_full {
        match disk_full::run(&options) {
            Ok(report) => {
                report.print();
                missed.extend(report.missed());
            }
            Err(disk_full::Skip(reason)) => {
                println!("disk full: SKIPPED: {reason}");
                if !options.kill_phase {
                    std::process::exit(SKIPPED);
                }
                missed.push(format!("disk-full phase skipped: {reason}"));
            }
        }
    }
    if missed.is_empty() {
        println!("RESULT: every goal met");
    } else {
        println!("RESULT: {} goal(s) missed:", missed.len());
        for goal in &missed {
            println!("  - {goal}");
        }
        std::process::exit(1);
    }
}
