//! What each device saw acknowledged, the errors its sessions returned,
//! and the final check that nothing acknowledged is lost.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use automerge::ActorId;
use ocrotire_core::document::CaseDoc;
use ocrotire_core::model::Role;
use ocrotire_core::sync::{ServerConfig, SyncError, SyncReport, TransportError};
use ocrotire_tests::fleet::{assert_converged, Device};
use ocrotire_tests::server::{ServerDb, TestServer};

/// One device's record.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Notes recorded on the device before a session that succeeded.
    pub notes: BTreeSet<(String, String)>,
    /// Heads of every case the device held after a session that succeeded.
    pub heads: BTreeSet<(String, [u8; 32])>,
    pub sessions_ok: usize,
    /// Errors by kind (see [`kind`]).
    pub errors: BTreeMap<String, usize>,
    /// Sessions that succeeded yet left changes pending.
    pub ok_but_pending: usize,
}

impl Ledger {
    /// One session of `device`, recorded.
    pub fn sync(
        &mut self,
        device: &mut Device,
        config: &ServerConfig,
    ) -> Result<SyncReport, SyncError> {
        let result = device.sync(config);
        match &result {
            Ok(_) => self.acknowledged(device),
            Err(e) => *self.errors.entry(kind(e)).or_default() += 1,
        }
        result
    }

    /// A session just succeeded: everything the device holds is on the
    /// server (the device makes no edit while its session runs).
    fn acknowledged(&mut self, device: &Device) {
        self.sessions_ok += 1;
        self.notes.extend(device.notes.iter().cloned());
        for case_id in device.case_ids() {
            let heads = device.caseload.heads(&case_id).expect("heads");
            for hash in heads.to_bytes() {
                self.heads.insert((case_id.clone(), hash));
            }
        }
        let status = device.caseload.sync_status().expect("sync status");
        if status.pending_cases > 0 {
            self.ok_but_pending += 1;
        }
    }
}

/// A short, stable name for an error's kind, without its details.
pub fn kind(error: &SyncError) -> String {
    match error {
        SyncError::Transport(TransportError::Unreachable(_)) => {
            "transport: unreachable or connection cut".into()
        }
        SyncError::Transport(e) => format!("transport: {e}"),
        SyncError::Status(507) => "status 507 (server storage full)".into(),
        SyncError::Status(status) => format!("status {status}"),
        SyncError::Wire(_) => "wire: undecodable answer".into(),
        SyncError::Caseload(_) => "caseload: device store error".into(),
        SyncError::NotEnrolled => "not enrolled".into(),
        SyncError::WrongUser => "wrong user".into(),
        SyncError::Revoked => "revoked".into(),
    }
}

/// Errors of `ledgers` merged by kind.
pub fn merged_errors<'a>(ledgers: impl IntoIterator<Item = &'a Ledger>) -> BTreeMap<String, usize> {
    let mut merged = BTreeMap::new();
    for ledger in ledgers {
        for (kind, n) in &ledger.errors {
            *merged.entry(kind.clone()).or_default() += n;
        }
    }
    merged
}

/// The end of a phase, with the server up after its last restart.
#[derive(Debug)]
pub struct Verdict {
    pub acked_notes: usize,
    pub acked_heads: usize,
    /// Acknowledged notes missing from the server's documents.
    pub lost_notes: usize,
    /// Acknowledged heads (change hashes) the server has not numbered.
    pub lost_heads: usize,
    /// Acknowledged notes missing on the fresh district officer's device.
    pub missing_on_fresh_device: usize,
    pub fresh_device_cases: usize,
    /// `fleet::assert_converged` over every device and the fresh one.
    pub converged: Result<String, String>,
    pub verify_audit: Result<(), String>,
    pub integrity: String,
    pub log_panics: usize,
}

impl Verdict {
    pub fn lost(&self) -> usize {
        self.lost_notes + self.lost_heads + self.missing_on_fresh_device
    }

    pub fn print(&self) {
        println!(
            "  acknowledged: {} notes, {} case heads; lost: {} notes, {} heads; \
             missing on a fresh district officer's device ({} cases): {}",
            self.acked_notes,
            self.acked_heads,
            self.lost_notes,
            self.lost_heads,
            self.fresh_device_cases,
            self.missing_on_fresh_device
        );
        println!("  converged: {:?}", self.converged);
        println!(
            "  verify-audit: {:?}; SQLite integrity_check: {}; panics in the server log: {}",
            self.verify_audit, self.integrity, self.log_panics
        );
    }

    /// Goals this verdict misses.
    pub fn missed(&self, phase: &str) -> Vec<String> {
        let mut missed = Vec::new();
        if self.lost() > 0 {
            missed.push(format!(
                "{phase}: acknowledged edits lost ({} notes, {} heads, {} missing on a fresh device)",
                self.lost_notes, self.lost_heads, self.missing_on_fresh_device
            ));
        }
        if let Err(e) = &self.converged {
            missed.push(format!("{phase}: no convergence: {e}"));
        }
        if let Err(e) = &self.verify_audit {
            missed.push(format!("{phase}: audit chain: {e}"));
        }
        if self.integrity != "ok" {
            missed.push(format!("{phase}: SQLite integrity: {}", self.integrity));
        }
        if self.log_panics > 0 {
            missed.push(format!(
                "{phase}: {} panics in the server log",
                self.log_panics
            ));
        }
        missed
    }
}

/// The closing round of a phase: every device syncs once more, then a
/// fresh district officer's device enrols and pulls everything, and the
/// whole is checked. Returns how many of those syncs failed, and the verdict.
pub fn final_round(
    server: &TestServer,
    devices: &mut [Device],
    ledgers: &mut [Ledger],
    config: &ServerConfig,
    seed: u64,
) -> (usize, Verdict) {
    let mut failures = 0;
    for (device, ledger) in devices.iter_mut().zip(ledgers.iter_mut()) {
        if ledger.sync(device, config).is_err() {
            failures += 1;
        }
    }
    let mut verifier = Device::enroll(server, "do-fresh", Role::DistrictOfficer, seed + 99);
    if verifier.sync(config).is_err() {
        failures += 1;
    }
    let verdict = verify(
        server,
        &server.db,
        &devices.iter().collect::<Vec<_>>(),
        &ledgers.iter().collect::<Vec<_>>(),
        &verifier,
    );
    (failures, verdict)
}

/// Checks every ledger against the server's database and a fresh district
/// officer's device (`verifier`, synced to the end), then convergence.
pub fn verify(
    server: &TestServer,
    db: &ServerDb,
    devices: &[&Device],
    ledgers: &[&Ledger],
    verifier: &Device,
) -> Verdict {
    let stored = db.contents();
    let numbered: BTreeSet<(String, Vec<u8>)> = stored.changes.iter().cloned().collect();
    let mut server_notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (case_id, bytes) in &stored.documents {
        let notes = CaseDoc::load(bytes, &ActorId::random())
            .and_then(|doc| doc.view())
            .map(|view| view.notes.into_iter().map(|n| n.id).collect())
            .unwrap_or_default();
        server_notes.insert(case_id.clone(), notes);
    }
    let mut verdict = Verdict {
        acked_notes: 0,
        acked_heads: 0,
        lost_notes: 0,
        lost_heads: 0,
        missing_on_fresh_device: 0,
        fresh_device_cases: 0,
        converged: Err("not checked".into()),
        verify_audit: Err("not checked".into()),
        integrity: String::new(),
        log_panics: 0,
    };
    let fresh_cases: BTreeSet<String> = verifier.case_ids().into_iter().collect();
    verdict.fresh_device_cases = fresh_cases.len();
    let mut fresh_notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for case_id in &fresh_cases {
        let case = verifier.caseload.case(case_id).expect("case");
        fresh_notes.insert(
            case_id.clone(),
            case.notes.into_iter().map(|n| n.id).collect(),
        );
    }
    for ledger in ledgers {
        for (case_id, note_id) in &ledger.notes {
            verdict.acked_notes += 1;
            let on = |notes: &BTreeMap<String, BTreeSet<String>>| {
                notes.get(case_id).is_some_and(|n| n.contains(note_id))
            };
            if !on(&server_notes) {
                verdict.lost_notes += 1;
            }
            if !on(&fresh_notes) {
                verdict.missing_on_fresh_device += 1;
            }
        }
        for (case_id, hash) in &ledger.heads {
            verdict.acked_heads += 1;
            if !numbered.contains(&(case_id.clone(), hash.to_vec())) {
                verdict.lost_heads += 1;
            }
        }
    }
    let mut all: Vec<&Device> = devices.to_vec();
    all.push(verifier);
    verdict.converged = catch_unwind(AssertUnwindSafe(|| assert_converged(db, &all)))
        .map(|c| format!("{c:?}"))
        .map_err(panic_text);
    verdict.verify_audit = catch_unwind(AssertUnwindSafe(|| {
        server.admin(&["verify-audit"]);
    }))
    .map_err(panic_text);
    verdict.integrity = db.sqlite_integrity().unwrap_or_else(|| "not SQLite".into());
    verdict.log_panics = server.log_text().matches("panicked").count();
    verdict
}

pub fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}
