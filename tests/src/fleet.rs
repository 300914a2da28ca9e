//! Several enrolled devices of one district doing offline work at random,
//! and the check that they and the server agree once the network is good
//! again: for the scenarios that sync through faults and server crashes.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, Automerge};
use chrono::Utc;
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::{CaseDoc, CaseOp, Conflict};
use ocrotire_core::model::{CaseEvent, CaseFile, Role};
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::authority::may_see;
use ocrotire_core::sync::projection::CaseProjection;
use ocrotire_core::sync::{ServerConfig, SyncError, SyncReport};

use crate::fault_proxy::Rng;
use crate::server::{ServerDb, StoredCases, TestServer};
use crate::{child, notification};

pub const DISTRICT: &str = "9200";
const PIN: &str = "1357";

/// One enrolled device, kept unlocked for the whole scenario (unlocking
/// costs a PBKDF2 run).
pub struct Device {
    pub user_id: String,
    pub role: Role,
    pub caseload: Caseload,
    /// Every note whose `apply` returned Ok here: (case id, note id).
    pub notes: Vec<(String, String)>,
    pub sessions_ok: usize,
    pub sessions_failed: usize,
    /// Requests of the sessions that succeeded (more than one: paging).
    pub round_trips: usize,
    /// Opens new cases now and then, up to this many (a social assistant).
    pub creates_cases: usize,
    /// Assigns cases to this user now and then (a district officer).
    pub assigns_to: Option<String>,
    rng: Rng,
    edits: u64,
    created: usize,
    _dir: tempfile::TempDir,
}

impl Device {
    /// Creates the user on the server, a caseload on disk, and enrols it
    /// (directly with the server, not through any proxy).
    pub fn enroll(server: &TestServer, user_id: &str, role: Role, seed: u64) -> Device {
        server.create_user(user_id, role.key(), DISTRICT);
        let dir = tempfile::tempdir().expect("tempdir");
        let identity = Identity::new(user_id, role, DISTRICT);
        let mut caseload =
            Caseload::create(dir.path(), PIN, None, StoreConfig::default(), identity)
                .expect("create caseload");
        caseload
            .enroll(&server.config(), &server.enroll_code(user_id))
            .expect("enroll");
        Device {
            user_id: user_id.to_string(),
            role,
            caseload,
            notes: Vec::new(),
            sessions_ok: 0,
            sessions_failed: 0,
            round_trips: 0,
            creates_cases: 0,
            assigns_to: None,
            rng: Rng::new(seed),
            edits: 0,
            created: 0,
            _dir: dir,
        }
    }

    pub fn case_ids(&self) -> Vec<String> {
        let listing = self
            .caseload
            .list(&CaseFilter::default(), Utc::now())
            .expect("list");
        assert!(listing.unreadable.is_empty(), "unreadable cases");
        listing.cases.into_iter().map(|c| c.id).collect()
    }

    /// `edits` offline edits on cases this device holds: notes with unique
    /// ids, renames of the child (concurrent with other devices' renames),
    /// resolutions of conflicts, new cases and assignments when this device
    /// does those.
    pub fn work(&mut self, edits: usize) {
        for _ in 0..edits {
            let cases = self.case_ids();
            if self.created < self.creates_cases && (cases.is_empty() || self.rng.chance(15)) {
                self.create_case();
                continue;
            }
            if cases.is_empty() {
                continue;
            }
            let case_id = cases[self.rng.below(cases.len() as u64) as usize].clone();
            match (self.rng.below(10), self.assigns_to.clone()) {
                (0..=5, _) => self.add_note(&case_id),
                (8, _) if self.resolve(&case_id) => {}
                (9, Some(user_id)) => self.assign(&case_id, &user_id),
                _ => self.rename(&case_id),
            }
        }
    }

    pub fn create_case(&mut self) -> String {
        self.edits += 1;
        self.created += 1;
        let pseudonym = format!("p-{}-{}", self.user_id, self.edits);
        self.caseload
            .create_case(child(&pseudonym, "Ana"), notification(None))
            .expect("create case")
            .id
    }

    /// Adds a note with an id no other note has, and records it if `apply`
    /// returned Ok.
    pub fn add_note(&mut self, case_id: &str) {
        self.add_note_text(case_id, "visit");
    }

    /// As [`Device::add_note`], with the note's text.
    pub fn add_note_text(&mut self, case_id: &str, text: &str) {
        self.edits += 1;
        let note_id = format!("n-{}-{}", self.user_id, self.edits);
        let op = CaseOp::AddNote {
            id: note_id.clone(),
            text: text.to_string(),
        };
        if self.caseload.apply(case_id, &op).is_ok() {
            self.notes.push((case_id.to_string(), note_id));
        }
    }

    /// Gives the child a name no other device gives.
    pub fn rename(&mut self, case_id: &str) {
        self.edits += 1;
        let mut child = self.caseload.case(case_id).expect("case").child;
        child.given_name = Some(format!("Name {}-{}", self.user_id, self.edits));
        self.caseload
            .apply(case_id, &CaseOp::UpdateChild(child))
            .expect("rename");
    }

    /// Resolves the case's first open conflict, if it has one, for the
    /// value shown last.
    pub fn resolve(&mut self, case_id: &str) -> bool {
        let conflicts = self.caseload.conflicts(case_id).expect("conflicts");
        let Some(conflict) = conflicts.first() else {
            return false;
        };
        let Some(chosen) = conflict.values.last() else {
            return false;
        };
        let op = CaseOp::ResolveConflict {
            field: conflict.field.clone(),
            chosen: chosen.value.clone(),
            reason: "checked with the family".into(),
        };
        self.caseload.apply(case_id, &op).expect("resolve conflict");
        true
    }

    /// Assigns the case to `user_id` unless it already is.
    pub fn assign(&mut self, case_id: &str, user_id: &str) {
        let case = self.caseload.case(case_id).expect("case");
        if !assigned(&case, user_id) {
            let op = CaseOp::AddCaseEvent(CaseEvent::Assigned {
                user_id: user_id.to_string(),
            });
            self.caseload.apply(case_id, &op).expect("assign");
        }
    }

    /// One session; failures are counted and returned, not fatal.
    pub fn sync(&mut self, server: &ServerConfig) -> Result<SyncReport, SyncError> {
        let result = self.caseload.sync(server, &mut |_| {});
        match &result {
            Ok(report) => {
                self.sessions_ok += 1;
                self.round_trips += report.progress.round_trips;
            }
            Err(_) => self.sessions_failed += 1,
        }
        result
    }
}

fn assigned(case: &CaseFile, user_id: &str) -> bool {
    case.events
        .iter()
        .any(|(e, _, _)| matches!(e, CaseEvent::Assigned { user_id: u } if u == user_id))
}

/// The three devices most scenarios run, enrolled with seeds after `seed`:
/// an assistant who creates up to `cases` cases, a colleague the district
/// officer assigns cases to, and that officer, with one case all three see
/// (its id is returned), set up through `config` before anything goes wrong.
pub fn three_devices(
    server: &TestServer,
    config: &ServerConfig,
    seed: u64,
    cases: usize,
) -> ([Device; 3], String) {
    let mut creator = Device::enroll(server, "sa-1", Role::SocialAssistant, seed + 1);
    creator.creates_cases = cases;
    let mut colleague = Device::enroll(server, "sa-2", Role::SocialAssistant, seed + 2);
    let mut officer = Device::enroll(server, "do-1", Role::DistrictOfficer, seed + 3);
    officer.assigns_to = Some("sa-2".into());
    let shared = creator.create_case();
    creator.sync(config).expect("sync");
    officer.sync(config).expect("sync");
    officer.assign(&shared, "sa-2");
    officer.sync(config).expect("sync");
    colleague.sync(config).expect("sync");
    ([creator, colleague, officer], shared)
}

/// What [`assert_converged`] looked at.
#[derive(Debug, Clone, Copy)]
pub struct Converged {
    pub cases: usize,
    pub notes: usize,
    pub conflicts: usize,
    pub server_changes: usize,
}

/// Every device holds exactly the cases its user may see, each with the
/// same typed view and conflicts as the server's copy; every note a device
/// recorded is there; nothing was applied or stored twice; nothing waits
/// to be sent. Reads the server's database (either backend) without
/// writing to it.
pub fn assert_converged(server_db: &ServerDb, devices: &[&Device]) -> Converged {
    let stored = server_db.contents();
    let distinct: BTreeSet<&[u8]> = stored.changes.iter().map(|(_, h)| h.as_slice()).collect();
    assert_eq!(
        distinct.len(),
        stored.changes.len(),
        "a change was numbered twice"
    );
    let server_changes = stored.changes.len();
    let server_cases = server_documents(&stored);

    let held: Vec<BTreeSet<String>> = devices
        .iter()
        .map(|d| d.case_ids().into_iter().collect())
        .collect();
    let mut conflicts = 0;
    for (case_id, (view, case_conflicts)) in &server_cases {
        let ids: BTreeSet<&str> = view.notes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids.len(), view.notes.len(), "a note appears twice");
        conflicts += case_conflicts.len();
        let projection = CaseProjection::of(view, case_conflicts.len());
        for (device, held) in devices.iter().zip(&held) {
            let sees = may_see(device.role, &device.user_id, DISTRICT, &projection);
            let holds = held.contains(case_id);
            assert_eq!(
                holds, sees,
                "{} holds case {case_id}: {holds}, may see it: {sees}",
                device.user_id
            );
            if holds {
                assert_eq!(
                    &device.caseload.case(case_id).expect("case"),
                    view,
                    "{}'s view of {case_id} differs from the server's",
                    device.user_id
                );
                assert_eq!(
                    &device.caseload.conflicts(case_id).expect("conflicts"),
                    case_conflicts,
                    "{}'s conflicts on {case_id} differ from the server's",
                    device.user_id
                );
            }
        }
    }
    let mut notes = 0;
    for (device, held) in devices.iter().zip(&held) {
        for case_id in held {
            assert!(
                server_cases.contains_key(case_id),
                "{} holds case {case_id} that the server does not have",
                device.user_id
            );
        }
        for (case_id, note_id) in &device.notes {
            let (view, _) = server_cases.get(case_id).unwrap_or_else(|| {
                panic!("case {case_id} of a recorded note is not on the server")
            });
            assert!(
                view.notes.iter().any(|n| &n.id == note_id),
                "note {note_id} that {} recorded is lost",
                device.user_id
            );
            notes += 1;
        }
        let status = device.caseload.sync_status().expect("sync status");
        assert_eq!(
            status.pending_cases, 0,
            "{} still has pending changes",
            device.user_id
        );
        assert!(
            status.refused.is_empty(),
            "{} had changes refused",
            device.user_id
        );
    }
    Converged {
        cases: server_cases.len(),
        notes,
        conflicts,
        server_changes,
    }
}

/// The server's cases as typed views and conflicts; checks on the way that
/// each document's changes are exactly those numbered for it, once each.
fn server_documents(stored: &StoredCases) -> BTreeMap<String, (CaseFile, Vec<Conflict>)> {
    let mut numbered: BTreeMap<&str, Vec<[u8; 32]>> = BTreeMap::new();
    for (case_id, hash) in &stored.changes {
        let hash = <[u8; 32]>::try_from(hash.as_slice()).expect("32-byte hash");
        numbered.entry(case_id).or_default().push(hash);
    }
    let mut cases = BTreeMap::new();
    for (case_id, bytes) in &stored.documents {
        let in_doc: BTreeSet<[u8; 32]> = Automerge::load(bytes)
            .expect("server document loads")
            .get_changes(&[])
            .iter()
            .map(|c| c.hash().0)
            .collect();
        let numbered = numbered.remove(case_id.as_str()).unwrap_or_default();
        let numbered_set: BTreeSet<[u8; 32]> = numbered.iter().copied().collect();
        assert_eq!(
            numbered.len(),
            numbered_set.len(),
            "a change numbered twice"
        );
        assert_eq!(
            in_doc, numbered_set,
            "the server's document of {case_id} and its numbered changes differ"
        );
        let doc = CaseDoc::load(bytes, &ActorId::random()).expect("server document");
        cases.insert(
            case_id.clone(),
            (
                doc.view().expect("server view"),
                doc.conflicts().expect("server conflicts"),
            ),
        );
    }
    assert!(
        numbered.is_empty(),
        "changes numbered for cases the server has no document of: {:?}",
        numbered.keys().collect::<Vec<_>>()
    );
    cases
}
