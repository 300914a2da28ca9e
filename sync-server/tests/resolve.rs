//! A conflict resolved from the district office against the real binary:
//! devices make the conflict through sync, the officer decides through
//! `office::conflicts` on the same database, and devices pull the decision
//! as an ordinary change. Stale, foreign and malformed decisions change
//! nothing.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::Duration;
use common::*;
use ocrotire_core::document::{CaseDoc, CaseOp, Heads};
use ocrotire_core::model::Role;
use ocrotire_server::office::conflicts::{
    open_conflicts, parse_field_key, resolve, web_actor, CaseConflicts, Choice, ConflictError,
};
use ocrotire_server::reference::Reference;
use ocrotire_server::storage::postgres::PostgresStorage;
use ocrotire_server::storage::sqlite::SqliteStorage;
use ocrotire_server::storage::{Storage, User};

on_every_backend!(an_officers_decision_reaches_every_device_and_stale_ones_change_nothing);

/// The test's own connection to the server's database, beside the server.
struct Office {
    storage: Backing,
    reference: Arc<Reference>,
    rt: tokio::runtime::Runtime,
}

enum Backing {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

/// Runs `$body` with `$s` bound to whichever storage backs the office.
macro_rules! on_storage {
    ($office:expr, $s:ident => $body:expr) => {
        match &$office.storage {
            Backing::Sqlite($s) => $office.rt.block_on($body),
            Backing::Postgres($s) => $office.rt.block_on($body),
        }
    };
}

impl Office {
    fn open(db: &Db) -> Office {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let args = db.args();
        let storage = match args[0].as_str() {
            "--db" => Backing::Sqlite(SqliteStorage::open(Path::new(&args[1])).expect("open")),
            _ => Backing::Postgres(
                rt.block_on(PostgresStorage::connect(&args[1], 2))
                    .expect("connect"),
            ),
        };
        Office {
            storage,
            reference: Arc::new(Reference::bundled().expect("reference")),
            rt,
        }
    }

    fn user(&self, user_id: &str) -> User {
        on_storage!(self, s => s.user(user_id.into()))
            .expect("user")
            .expect("known user")
    }

    fn conflicts(&self, user_id: &str, case_id: &str) -> Result<CaseConflicts, ConflictError> {
        let officer = self.user(user_id);
        on_storage!(self, s => open_conflicts(s, &officer, case_id))
            .map(|found| found.expect("the case is stored"))
    }

    fn resolve(&self, user_id: &str, chosen: &str, reason: &str) -> Result<(), ConflictError> {
        let officer = self.user(user_id);
        let choice = Choice {
            case_id: "case-r".into(),
            field: given_name(),
            chosen: chosen.into(),
            reason: reason.into(),
        };
        let now = base_time() + Duration::hours(1);
        on_storage!(self, s => resolve(s, &self.reference, &officer, choice, now))
    }
}

fn given_name() -> ocrotire_core::model::FieldPath {
    ocrotire_core::model::FieldPath {
        section: "child".into(),
        entity: None,
        field: "given_name".into(),
    }
}

fn rename(doc: &mut CaseDoc, device: &Device, name: &str) -> Heads {
    let heads = doc.heads();
    let mut child = doc.view().unwrap().child;
    child.given_name = Some(name.into());
    apply(doc, device, &device.author(), &CaseOp::UpdateChild(child));
    heads
}

/// Display text and author of each value of the case's only conflict.
fn values(found: &CaseConflicts) -> Vec<(String, String)> {
    assert_eq!(found.conflicts.len(), 1);
    let mut values: Vec<(String, String)> = found.conflicts[0]
        .values
        .iter()
        .map(|v| {
            let author = v.author.as_ref().expect("an author");
            (v.display.clone(), author.user_id.clone())
        })
        .collect();
    values.sort();
    values
}

fn open_in_projection(server: &Server) -> i64 {
    server
        .db
        .count("SELECT open_conflicts FROM documents WHERE case_id = 'case-r'")
}

fn an_officers_decision_reaches_every_device_and_stale_ones_change_nothing(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    server.create_user("off-1", Role::DistrictOfficer, "9200");
    server.create_user("off-x", Role::DistrictOfficer, "1000");
    let a1 = server.enroll("sa-1", 1);
    let a2 = server.enroll("sa-1", 2);
    let o1 = server.enroll("off-1", 3);
    let office = Office::open(&server.db);

    // sa-1 files the case; the officer's phone and sa-1's second phone get it.
    let mut field = create_case(&a1, &a1.author(), "case-r", "9200");
    let filed = a1.sync(&server, 0, vec![push_since(&field, &Heads::default())]);
    let got = o1.sync(&server, 0, vec![]);
    let mut phone = load_pulled(&got.pull[0].changes, &o1);

    // Apart, both rename the child; the server merges both values.
    let heads = rename(&mut field, &a1, "Ana");
    let a1_cursor = a1
        .sync(&server, filed.cursor, vec![push_since(&field, &heads)])
        .cursor;
    let heads = rename(&mut phone, &o1, "Anna");
    let answer = o1.sync(&server, got.cursor, vec![push_since(&phone, &heads)]);
    for pulled in &answer.pull {
        phone.apply_changes(&pulled.changes).unwrap();
    }
    let o1_cursor = answer.cursor;
    assert_eq!(open_in_projection(&server), 1);
    let second = a2.sync(&server, 0, vec![]);
    let mut spare = load_pulled(&second.pull[0].changes, &a2);
    assert_eq!(spare.conflicts().unwrap().len(), 1);

    // The page: which field, each value with who wrote it and when.
    let page = office.conflicts("off-1", "case-r").unwrap();
    assert_eq!(page.case_number, "9200-2026-1");
    let conflict = &page.conflicts[0];
    assert_eq!(conflict.field, given_name());
    assert_eq!(parse_field_key(&conflict.field_key).unwrap(), given_name());
    assert_eq!(conflict.label, "Child: given name");
    assert_eq!(
        values(&page),
        [
            ("Ana".into(), "sa-1".into()),
            ("Anna".into(), "off-1".into())
        ]
    );
    for value in &conflict.values {
        assert_eq!(value.written_at, Some(base_time()));
        assert!(value.choosable);
    }
    let ana = conflict
        .values
        .iter()
        .find(|v| v.display == "Ana")
        .unwrap()
        .chosen
        .clone();

    // Refused, changing nothing at all: another district's officer, a
    // value that was never in conflict, no reason, a case's stranger.
    let untouched = server.fingerprint();
    assert!(matches!(
        office.conflicts("off-x", "case-r"),
        Err(ConflictError::NotPermitted)
    ));
    assert!(matches!(
        office.conflicts("sa-1", "case-r"),
        Err(ConflictError::NotPermitted)
    ));
    let refusals = [
        ("off-x", ana.as_str(), "seen", "NotPermitted"),
        ("sa-1", ana.as_str(), "seen", "NotPermitted"),
        ("off-1", "\"Ioana\"", "seen", "StaleChoice"),
        ("off-1", "Ioana", "seen", "InvalidChoice"),
        ("off-1", ana.as_str(), "  ", "MissingReason"),
    ];
    for (user, chosen, reason, expected) in refusals {
        let error = office.resolve(user, chosen, reason).unwrap_err();
        assert!(format!("{error:?}").starts_with(expected), "{error:?}");
        assert!(!error.to_string().contains("Ana"), "{error}");
    }
    assert_eq!(server.fingerprint(), untouched);

    // The decision: one change, numbered like a push, audited without values.
    office
        .resolve("off-1", &ana, "birth certificate seen")
        .unwrap();
    let decided = server.fingerprint();
    assert_eq!(decided.changes, untouched.changes + 1);
    assert_eq!(decided.max_seq, untouched.max_seq + 1);
    assert_eq!(decided.audit, untouched.audit + 1);
    assert_eq!(open_in_projection(&server), 0);
    assert_eq!(
        server
            .db
            .strings("SELECT origin_device FROM changes ORDER BY seq DESC LIMIT 1"),
        ["web:off-1"]
    );
    let audited = server.db.strings(
        "SELECT user_id || ' ' || device_id || ' ' || subject FROM audit WHERE action = 'resolve'",
    );
    assert_eq!(audited, ["off-1 web case=case-r field=child.given_name"]);
    let everything = server
        .db
        .strings("SELECT action || ' ' || subject FROM audit")
        .join("\n");
    assert!(!everything.contains("Ana") && !everything.contains("birth"));
    assert!(office
        .conflicts("off-1", "case-r")
        .unwrap()
        .conflicts
        .is_empty());

    // The same page submitted again: nothing left to resolve.
    assert!(matches!(
        office.resolve("off-1", &ana, "birth certificate seen"),
        Err(ConflictError::AlreadyResolved)
    ));
    assert_eq!(server.fingerprint(), decided);

    // Every device pulls it, the officer's own phone too.
    for (device, doc, cursor) in [(&a1, &mut field, a1_cursor), (&o1, &mut phone, o1_cursor)] {
        let got = device.sync(&server, cursor, vec![]);
        assert_eq!(got.pull.len(), 1, "what the phone lacks of the case");
        doc.apply_changes(&got.pull[0].changes).unwrap();
        let view = doc.view().unwrap();
        assert_eq!(view.child.given_name.as_deref(), Some("Ana"));
        assert!(doc.conflicts().unwrap().is_empty());
        let resolution = &view.resolutions[0];
        assert_eq!(
            (resolution.by.user_id.as_str(), resolution.by.role),
            ("off-1", Role::DistrictOfficer)
        );
        assert_eq!(resolution.reason, "birth certificate seen");
    }

    // A phone that missed the decision renames again: the new conflict
    // names the officer (not sa-1, who first wrote "Ana") as the author
    // of the decided value, and the old page's choice is now stale.
    let heads = rename(&mut spare, &a2, "Anuța");
    a2.sync(&server, second.cursor, vec![push_since(&spare, &heads)]);
    let page = office.conflicts("off-1", "case-r").unwrap();
    assert_eq!(
        values(&page),
        [
            ("Ana".into(), "off-1".into()),
            ("Anuța".into(), "sa-1".into())
        ]
    );
    let decided_at = page.conflicts[0]
        .values
        .iter()
        .find(|v| v.display == "Ana")
        .and_then(|v| v.written_at);
    assert_eq!(decided_at, Some(base_time() + Duration::hours(1)));
    let before = server.fingerprint();
    assert!(matches!(
        office.resolve("off-1", "\"Anna\"", "seen"),
        Err(ConflictError::StaleChoice)
    ));
    assert_eq!(server.fingerprint(), before);

    // The officer's dashboard actor can be computed by anyone, but no
    // device may enroll with it: it is longer than any device actor.
    let mut posing = Device::new(9);
    posing.actor = web_actor("off-1");
    let code = server.enroll_code("sa-1");
    let before = server.fingerprint();
    let response = server.post("/v1/enroll", posing.enroll_body(&code));
    assert_eq!(response.status(), 400);
    assert_eq!(server.fingerprint(), before);
}
