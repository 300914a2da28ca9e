//! Ciphertexts altered or moved on disk, through a separate SQLite
//! connection, are reported as `Tampered` for the affected case only.

mod store_support;

use ocrotire_core::store::{Store, StoreError};
use store_support::*;

/// A store with three cases, locked and closed so the raw edits below are
/// what the next reader sees.
fn three_cases(dir: &std::path::Path) -> [String; 3] {
    let mut store = new_store(dir);
    let ids = [case_id(1), case_id(2), case_id(3)];
    for id in &ids {
        store
            .put_case(
                id,
                format!("doc of {id}").as_bytes(),
                format!("summary of {id}").as_bytes(),
            )
            .unwrap();
    }
    store.put_setting("sync.cursor", b"7").unwrap();
    ids
}

fn reopen(dir: &std::path::Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    store.unlock(PIN, None).unwrap();
    store
}

fn is_tampered<T: std::fmt::Debug>(result: Result<T, StoreError>, id: &str) -> bool {
    matches!(result, Err(StoreError::Tampered { case_id }) if case_id == id)
}

#[test]
fn flipped_byte_affects_only_that_record() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = three_cases(dir.path());
    let mut doc = raw_blob(dir.path(), &b, "doc");
    let middle = doc.len() / 2;
    doc[middle] ^= 0x01;
    set_raw_blob(dir.path(), &b, "doc", &doc);

    let store = reopen(dir.path());
    assert!(is_tampered(store.get_doc(&b), &b));
    assert_eq!(
        store.get_summary(&b).unwrap(),
        format!("summary of {b}").as_bytes()
    );
    for id in [&a, &c] {
        assert_eq!(
            store.get_doc(id).unwrap(),
            format!("doc of {id}").as_bytes()
        );
    }
    assert!(store.summaries().unwrap().iter().all(|(_, s)| s.is_ok()));
}

#[test]
fn tampered_summary_is_reported_per_row_in_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = three_cases(dir.path());
    let mut summary = raw_blob(dir.path(), &c, "summary");
    let last = summary.len() - 1; // inside the tag
    summary[last] ^= 0x80;
    set_raw_blob(dir.path(), &c, "summary", &summary);

    let store = reopen(dir.path());
    let all = store.summaries().unwrap();
    assert_eq!(all.len(), 3);
    for (id, result) in &all {
        if *id == c {
            assert!(matches!(result, Err(StoreError::Tampered { case_id }) if *case_id == c));
        } else {
            assert_eq!(
                result.as_ref().unwrap(),
                format!("summary of {id}").as_bytes()
            );
        }
    }
    assert!(store.get_summary(&a).is_ok() && store.get_summary(&b).is_ok());
}

#[test]
fn swapped_rows_are_both_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = three_cases(dir.path());
    for column in ["doc", "summary"] {
        let (blob_a, blob_b) = (
            raw_blob(dir.path(), &a, column),
            raw_blob(dir.path(), &b, column),
        );
        set_raw_blob(dir.path(), &a, column, &blob_b);
        set_raw_blob(dir.path(), &b, column, &blob_a);
    }

    let store = reopen(dir.path());
    for id in [&a, &b] {
        assert!(is_tampered(store.get_doc(id), id));
        assert!(is_tampered(store.get_summary(id), id));
    }
    assert!(store.get_doc(&c).is_ok());
    let ok: Vec<bool> = store
        .summaries()
        .unwrap()
        .iter()
        .map(|(_, s)| s.is_ok())
        .collect();
    assert_eq!(ok, [false, false, true]);
}

#[test]
fn doc_moved_into_summary_or_renumbered_is_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b, _] = three_cases(dir.path());
    // Same row, other kind.
    let doc = raw_blob(dir.path(), &a, "doc");
    set_raw_blob(dir.path(), &a, "summary", &doc);
    // Same row and kind, but the plaintext sequence number was edited.
    raw(dir.path())
        .execute("UPDATE cases SET seq = 99 WHERE case_id = ?1", [&b])
        .unwrap();

    let store = reopen(dir.path());
    assert!(store.get_doc(&a).is_ok());
    assert!(is_tampered(store.get_summary(&a), &a));
    assert!(is_tampered(store.get_doc(&b), &b));
}

#[test]
fn tampered_setting_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    three_cases(dir.path());
    let conn = raw(dir.path());
    let mut value: Vec<u8> = conn
        .query_row("SELECT value FROM settings", [], |r| r.get(0))
        .unwrap();
    value[20] ^= 0x04;
    conn.execute("UPDATE settings SET value = ?1", [&value])
        .unwrap();
    drop(conn);

    let store = reopen(dir.path());
    assert!(matches!(
        store.get_setting("sync.cursor"),
        Err(StoreError::TamperedSetting { name }) if name == "sync.cursor"
    ));
}
