//! A case whose stored ciphertext was altered or swapped on disk is reported
//! as a typed error for that case; the rest of the caseload still reads.

use ocrotire_core::caseload::{CaseFilter, Caseload, CaseloadError, Identity};
use ocrotire_core::model::Role;
use ocrotire_core::store::{StoreConfig, StoreError, DB_FILE_NAME};
use ocrotire_tests::{child, notification};

const PIN: &str = "2468";

fn caseload_with_cases(dir: &std::path::Path, n: usize) -> Vec<String> {
    let identity = Identity::new("u1", Role::SocialAssistant, "9200");
    let mut caseload = Caseload::create(dir, PIN, None, StoreConfig::default(), identity).unwrap();
    let ids = (0..n)
        .map(|i| {
            caseload
                .create_case(
                    child(&format!("p{i}"), &format!("Name{i}")),
                    notification(None),
                )
                .unwrap()
                .id
        })
        .collect();
    caseload.lock();
    ids
}

fn edit_raw(dir: &std::path::Path, sql: &str, params: &[&dyn rusqlite::ToSql]) {
    let db = rusqlite::Connection::open(dir.join(DB_FILE_NAME)).unwrap();
    db.execute(sql, params).unwrap();
}

fn blob(dir: &std::path::Path, id: &str, column: &str) -> Vec<u8> {
    let db = rusqlite::Connection::open(dir.join(DB_FILE_NAME)).unwrap();
    db.query_row(
        &format!("SELECT {column} FROM cases WHERE case_id = ?1"),
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

fn tampered(result: Result<impl std::fmt::Debug, CaseloadError>, id: &str) -> bool {
    matches!(result, Err(CaseloadError::Store(StoreError::Tampered { case_id })) if case_id == id)
}

#[test]
fn a_flipped_byte_is_reported_for_that_case_only() {
    let dir = tempfile::tempdir().unwrap();
    let ids = caseload_with_cases(dir.path(), 4);
    let mut doc = blob(dir.path(), &ids[1], "doc");
    let at = doc.len() / 2;
    doc[at] ^= 0x40;
    edit_raw(
        dir.path(),
        "UPDATE cases SET doc = ?1 WHERE case_id = ?2",
        &[&doc, &ids[1]],
    );
    let mut summary = blob(dir.path(), &ids[2], "summary");
    summary[3] ^= 0x01;
    edit_raw(
        dir.path(),
        "UPDATE cases SET summary = ?1 WHERE case_id = ?2",
        &[&summary, &ids[2]],
    );

    let caseload = Caseload::open(dir.path(), PIN, None).unwrap();
    assert!(tampered(caseload.case(&ids[1]), &ids[1]));
    for id in [&ids[0], &ids[2], &ids[3]] {
        caseload.case(id).unwrap();
    }
    let listing = caseload
        .list(&CaseFilter::default(), chrono::Utc::now())
        .unwrap();
    assert_eq!(listing.unreadable, vec![ids[2].clone()]);
    assert_eq!(listing.cases.len(), 3);
}

#[test]
fn swapped_ciphertexts_are_reported_for_both_cases() {
    let dir = tempfile::tempdir().unwrap();
    let ids = caseload_with_cases(dir.path(), 3);
    let (a, b) = (
        blob(dir.path(), &ids[0], "doc"),
        blob(dir.path(), &ids[1], "doc"),
    );
    edit_raw(
        dir.path(),
        "UPDATE cases SET doc = ?1 WHERE case_id = ?2",
        &[&b, &ids[0]],
    );
    edit_raw(
        dir.path(),
        "UPDATE cases SET doc = ?1 WHERE case_id = ?2",
        &[&a, &ids[1]],
    );

    let caseload = Caseload::open(dir.path(), PIN, None).unwrap();
    assert!(tampered(caseload.case(&ids[0]), &ids[0]));
    assert!(tampered(caseload.case(&ids[1]), &ids[1]));
    caseload.case(&ids[2]).unwrap();
}
