//! Phase 2: the server's SQLite database on a small tmpfs that runs out of
//! space. The server must answer a clear error (507) and stay up with a
//! sound database; devices keep their edits pending; once space returns
//! (the ballast deleted, or the filesystem grown) everything syncs and
//! nothing acknowledged is lost.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ocrotire_core::sync::SyncError;
use ocrotire_tests::fleet::{three_devices, Device};
use ocrotire_tests::server::{ServerDb, TestServer};

use crate::ledger::{final_round, merged_errors, Ledger, Verdict};
use crate::tmpfs::Tmpfs;
use crate::Options;

/// The filesystem's size, and what it grows to when space returns.
const SMALL_MIB: u64 = 8;
const GROWN_MIB: u64 = 32;
/// What the server logs when it answers 507 (sync-server/src/http/error.rs).
const FULL_LOG_LINE: &str = "storage full";
/// Notes pushed into a full disk carry this, to check the server never
/// logs what it was sent.
const MARKER: &str = "DISKFULLMARKER";

/// Mounting is not permitted here.
pub struct Skip(pub String);

#[derive(Debug, Default)]
pub struct Filling {
    pub ballast_bytes: u64,
    /// Sessions the server still took after the ballast (free pages in its
    /// files) before its first 507.
    pub accepted_before_full: usize,
    pub reached_507: bool,
    pub elapsed_to_507: Duration,
    /// Devices whose edit, pushed while full, stayed pending and readable.
    pub pending_kept: usize,
    pub attempts_while_full: usize,
    pub health_while_full: Option<u16>,
    pub alive_while_full: bool,
    pub integrity_while_full: String,
    /// Restarting the server on the full disk: Ok, or why not.
    pub restart_while_full: Option<Result<(), String>>,
    /// What sessions on the full disk returned after that restart.
    pub after_restart: Option<String>,
    /// Rounds of sessions after space returned until all succeeded.
    pub recovery_rounds: Option<usize>,
    pub how_space_returned: &'static str,
}

pub struct DiskFullReport {
    pub mib: u64,
    pub rounds: Vec<Filling>,
    pub errors: BTreeMap<String, usize>,
    pub log_has_full_line: bool,
    pub log_leaks_marker: bool,
    pub total: Duration,
    pub verdict: Verdict,
}

pub fn run(options: &Options) -> Result<DiskFullReport, Skip> {
    let started = Instant::now();
    let tmpfs = Tmpfs::mount(SMALL_MIB).map_err(Skip)?;
    println!(
        "disk full: tmpfs of {SMALL_MIB} MiB on {}",
        tmpfs.path().display()
    );
    // The server and its database go before the filesystem is unmounted.
    let report = on(&tmpfs, options, started);
    Ok(report)
}

fn on(tmpfs: &Tmpfs, options: &Options, started: Instant) -> DiskFullReport {
    let seed = options.seed + 1_000;
    let db = ServerDb::sqlite_in(&tmpfs.path().join("db"));
    let mut server = TestServer::start_on(db, &[]);
    let config = server.config();
    let (trio, _shared) = three_devices(&server, &config, seed, 4);
    let mut devices: Vec<Device> = trio.into_iter().collect();
    devices[0].create_case();
    devices[0].create_case();
    let mut ledgers: Vec<Ledger> = devices.iter().map(|_| Ledger::default()).collect();
    for (device, ledger) in devices.iter_mut().zip(ledgers.iter_mut()) {
        device.work(4);
        ledger
            .sync(device, &config)
            .expect("sync before the disk fills");
    }
    let mut rounds = Vec::new();

    // 1: a ballast file leaves some headroom, which devices fill with
    // their pushes until the server runs out (anywhere in its writes);
    // space returns when the ballast is deleted. The server is restarted on
    // the full disk too.
    let headroom = if options.quick { 256 } else { 1024 } * 1024;
    let mut filling = fill_up(
        tmpfs,
        &mut server,
        &mut devices,
        &mut ledgers,
        options,
        ("ballast-1", headroom),
    );
    let restarted = server.try_restart();
    if restarted.is_ok() {
        let device = &mut devices[0];
        device.add_note_text(&device.case_ids()[0], &format!("{MARKER} after restart"));
        filling.after_restart = Some(match ledgers[0].sync(device, &config) {
            Ok(_) => "accepted".into(),
            Err(e) => e.to_string(),
        });
    }
    filling.restart_while_full = Some(restarted);
    tmpfs.remove("ballast-1");
    filling.how_space_returned = "ballast deleted";
    if !server.is_running() {
        server.restart();
    }
    filling.recovery_rounds = recover(&mut devices, &mut ledgers, &config);
    rounds.push(filling);

    // 2: filled to the last byte; space returns by growing the filesystem,
    // the ballast staying where it is.
    if !options.quick {
        let mut filling = fill_up(
            tmpfs,
            &mut server,
            &mut devices,
            &mut ledgers,
            options,
            ("ballast-2", 0),
        );
        filling.how_space_returned = "filesystem grown (mount -o remount,size=...)";
        if let Err(e) = tmpfs.resize(GROWN_MIB) {
            println!("  could not grow the filesystem: {e}; deleting the ballast instead");
            tmpfs.remove("ballast-2");
        }
        filling.recovery_rounds = recover(&mut devices, &mut ledgers, &config);
        rounds.push(filling);
    }

    // The last restart, then a fresh district officer's device pulls all.
    server.restart();
    let (_, verdict) = final_round(&server, &mut devices, &mut ledgers, &config, seed);
    let log = server.log_text();
    DiskFullReport {
        mib: SMALL_MIB,
        rounds,
        errors: merged_errors(&ledgers),
        log_has_full_line: log.contains(FULL_LOG_LINE),
        log_leaks_marker: log.contains(MARKER),
        total: started.elapsed(),
        verdict,
    }
}

/// Fills the filesystem with a ballast file but `headroom` bytes, then
/// devices push notes until
/// the server answers 507; then each device edits and pushes into the
/// full disk, and the server is checked.
fn fill_up(
    tmpfs: &Tmpfs,
    server: &mut TestServer,
    devices: &mut [Device],
    ledgers: &mut [Ledger],
    options: &Options,
    (ballast, headroom): (&str, u64),
) -> Filling {
    let config = server.config();
    let started = Instant::now();
    let mut filling = Filling {
        ballast_bytes: tmpfs.fill(ballast, headroom),
        ..Filling::default()
    };
    println!(
        "  {ballast}: {} bytes of ballast, {} bytes free",
        filling.ballast_bytes,
        tmpfs.free_bytes()
    );
    // Notes of a few KiB of filler each, until the server is out of space.
    let filler = "filler text of a long visit report. ".repeat(60);
    let limit = if options.quick { 100 } else { 400 };
    for i in 0..limit {
        let d = i % devices.len();
        let device = &mut devices[d];
        let cases = device.case_ids();
        for n in 0..3 {
            device.add_note_text(&cases[(i + n) % cases.len()], &filler);
        }
        match ledgers[d].sync(device, &config) {
            Ok(_) => filling.accepted_before_full += 1,
            Err(SyncError::Status(507)) => {
                filling.reached_507 = true;
                break;
            }
            Err(_) => {}
        }
    }
    filling.elapsed_to_507 = started.elapsed();
    if !filling.reached_507 {
        return filling;
    }
    // Full: every device's new edit stays pending, readable on the device.
    let tries = if options.quick { 1 } else { devices.len() };
    for (device, ledger) in devices.iter_mut().zip(ledgers.iter_mut()).take(tries) {
        let case_id = device.case_ids()[0].clone();
        device.add_note_text(&case_id, &format!("{MARKER} while full"));
        let (_, note_id) = device.notes.last().cloned().unwrap_or_default();
        filling.attempts_while_full += 1;
        let refused = matches!(ledger.sync(device, &config), Err(SyncError::Status(507)));
        let pending = device
            .caseload
            .sync_status()
            .is_ok_and(|s| s.pending_cases > 0);
        let readable = device
            .caseload
            .case(&case_id)
            .is_ok_and(|c| c.notes.iter().any(|n| n.id == note_id));
        if refused && pending && readable {
            filling.pending_kept += 1;
        }
    }
    filling.alive_while_full = server.is_running();
    filling.health_while_full = reqwest::blocking::get(format!("{}/health", server.url))
        .ok()
        .map(|r| r.status().as_u16());
    filling.integrity_while_full = server.db.sqlite_integrity().unwrap_or_default();
    filling
}

/// Sessions of every device, a few rounds, until all succeed and nothing
/// is pending; the round that got there.
fn recover(
    devices: &mut [Device],
    ledgers: &mut [Ledger],
    config: &ocrotire_core::sync::ServerConfig,
) -> Option<usize> {
    for round in 1..=3 {
        let mut all = true;
        for (device, ledger) in devices.iter_mut().zip(ledgers.iter_mut()) {
            let ok = ledger.sync(device, config).is_ok();
            let pending = device
                .caseload
                .sync_status()
                .map(|s| s.pending_cases)
                .unwrap_or(1);
            all &= ok && pending == 0;
        }
        if all {
            return Some(round);
        }
    }
    None
}

impl DiskFullReport {
    pub fn print(&self) {
        println!("== disk full ==");
        println!("  tmpfs of {} MiB; phase {:.0?}", self.mib, self.total);
        for (i, r) in self.rounds.iter().enumerate() {
            println!(
                "  round {}: ballast {} bytes; {} sessions taken, then 507: {} (after {:.1?}); \
                 edits pushed while full kept pending and readable: {}/{}; server alive: {}, \
                 GET /health: {:?}; integrity while full: {}",
                i + 1,
                r.ballast_bytes,
                r.accepted_before_full,
                r.reached_507,
                r.elapsed_to_507,
                r.pending_kept,
                r.attempts_while_full,
                r.alive_while_full,
                r.health_while_full,
                r.integrity_while_full
            );
            if let Some(restart) = &r.restart_while_full {
                println!(
                    "    restart on the full disk: {:?}; a session after it: {:?}",
                    restart
                        .as_ref()
                        .map_err(|e| e.lines().last().unwrap_or("").to_string()),
                    r.after_restart
                );
            }
            println!(
                "    space returned ({}): every device synced with nothing pending after {:?} round(s)",
                r.how_space_returned, r.recovery_rounds
            );
        }
        println!("  errors by kind: {:?}", self.errors);
        println!(
            "  server log: '{FULL_LOG_LINE}' line: {}; pushed note text in the log: {}",
            self.log_has_full_line, self.log_leaks_marker
        );
        self.verdict.print();
    }

    pub fn missed(&self) -> Vec<String> {
        let mut missed = self.verdict.missed("disk full");
        for (i, r) in self.rounds.iter().enumerate() {
            let round = i + 1;
            if !r.reached_507 {
                missed.push(format!("disk full {round}: the server never answered 507"));
                continue;
            }
            if r.pending_kept < r.attempts_while_full {
                missed.push(format!(
                    "disk full {round}: only {}/{} edits stayed pending with a 507",
                    r.pending_kept, r.attempts_while_full
                ));
            }
            if !r.alive_while_full || r.health_while_full != Some(200) {
                missed.push(format!("disk full {round}: the server did not stay up"));
            }
            if r.integrity_while_full != "ok" {
                missed.push(format!(
                    "disk full {round}: integrity while full: {}",
                    r.integrity_while_full
                ));
            }
            if let Some(Err(e)) = &r.restart_while_full {
                missed.push(format!(
                    "disk full {round}: the server does not restart on a full disk: {}",
                    e.lines().last().unwrap_or("")
                ));
            }
            if r.recovery_rounds.is_none() {
                missed.push(format!(
                    "disk full {round}: devices did not all sync once space returned"
                ));
            }
        }
        let unexplained: Vec<&String> = self
            .errors
            .keys()
            .filter(|k| !k.starts_with("status 507"))
            .collect();
        if !unexplained.is_empty() {
            missed.push(format!(
                "disk full: errors a full disk does not explain: {unexplained:?}"
            ));
        }
        if !self.log_has_full_line {
            missed.push("disk full: no 'storage full' line in the server log".into());
        }
        if self.log_leaks_marker {
            missed.push("disk full: pushed note text appears in the server log".into());
        }
        missed
    }
}
