//! Case records and settings: round trips, sequence numbers, deletion,
//! input validation and size bounds.

mod store_support;

use ocrotire_core::store::{
    Store, StoreError, MAX_CASE_ID_LEN, MAX_DOC_LEN, MAX_SETTING_LEN, MAX_SUMMARY_LEN,
};
use store_support::*;

#[test]
fn records_round_trip_with_monotonic_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    assert_eq!(store.current_seq().unwrap(), 0);
    let (a, b, c) = (case_id(1), case_id(2), case_id(3));

    assert_eq!(store.put_case(&a, b"doc a1", b"sum a1").unwrap(), 1);
    assert_eq!(store.put_case(&b, b"doc b1", b"sum b1").unwrap(), 2);
    assert_eq!(store.put_case(&c, b"", b"").unwrap(), 3);
    assert_eq!(
        store.put_case(&a, b"doc a2", b"sum a2").unwrap(),
        4,
        "rewrite gets a new seq"
    );
    assert_eq!(store.current_seq().unwrap(), 4);

    assert_eq!(store.get_doc(&a).unwrap(), b"doc a2");
    assert_eq!(store.get_summary(&a).unwrap(), b"sum a2");
    assert_eq!(store.get_doc(&c).unwrap(), b"");
    assert_eq!(
        store.case_ids().unwrap(),
        vec![a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        store.changed_since(0).unwrap(),
        vec![(b.clone(), 2), (c.clone(), 3), (a.clone(), 4)]
    );
    assert_eq!(store.changed_since(3).unwrap(), vec![(a.clone(), 4)]);
    assert!(store.changed_since(4).unwrap().is_empty());
    assert!(store.changed_since(u64::MAX).unwrap().is_empty());

    let summaries: Vec<(String, Vec<u8>)> = store
        .summaries()
        .unwrap()
        .into_iter()
        .map(|(id, s)| (id, s.unwrap()))
        .collect();
    assert_eq!(
        summaries,
        vec![
            (a.clone(), b"sum a2".to_vec()),
            (b.clone(), b"sum b1".to_vec()),
            (c.clone(), vec![])
        ]
    );

    assert!(store.delete_case(&b).unwrap());
    assert!(
        !store.delete_case(&b).unwrap(),
        "deleting twice is harmless"
    );
    assert!(matches!(store.get_doc(&b), Err(StoreError::NotFound)));
    // Deleting the newest case must not let a sequence number be reused.
    assert!(store.delete_case(&a).unwrap());
    assert_eq!(store.current_seq().unwrap(), 4);
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    store.unlock(PIN, None).unwrap();
    assert_eq!(store.current_seq().unwrap(), 4);
    assert_eq!(store.put_case(&b, b"doc b2", b"sum b2").unwrap(), 5);
    assert_eq!(store.case_ids().unwrap(), vec![b.clone(), c.clone()]);
}

#[test]
fn large_records_within_bounds_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let doc: Vec<u8> = (0..MAX_DOC_LEN).map(|i| (i % 251) as u8).collect();
    let summary = vec![7u8; MAX_SUMMARY_LEN];
    store.put_case(&case_id(1), &doc, &summary).unwrap();
    assert_eq!(store.get_doc(&case_id(1)).unwrap(), doc);
    assert_eq!(store.get_summary(&case_id(1)).unwrap(), summary);
}

#[test]
fn oversized_input_is_rejected_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = case_id(1);
    store
        .put_case(&id, b"original doc", b"original summary")
        .unwrap();
    let raw_before = (
        raw_blob(dir.path(), &id, "doc"),
        raw_blob(dir.path(), &id, "summary"),
    );

    let big_doc = vec![0u8; MAX_DOC_LEN + 1];
    assert!(matches!(
        store.put_case(&id, &big_doc, b"new summary"),
        Err(StoreError::TooLarge { what: "document", len, max }) if len == MAX_DOC_LEN + 1 && max == MAX_DOC_LEN
    ));
    let big_summary = vec![0u8; MAX_SUMMARY_LEN + 1];
    assert!(matches!(
        store.put_case(&id, b"new doc", &big_summary),
        Err(StoreError::TooLarge {
            what: "summary",
            ..
        })
    ));
    assert!(matches!(
        store.put_case(&case_id(2), b"new doc", &big_summary),
        Err(StoreError::TooLarge { .. })
    ));
    let big_setting = vec![0u8; MAX_SETTING_LEN + 1];
    assert!(matches!(
        store.put_setting("x", &big_setting),
        Err(StoreError::TooLarge {
            what: "setting",
            ..
        })
    ));

    assert_eq!(store.get_doc(&id).unwrap(), b"original doc");
    assert_eq!(store.get_summary(&id).unwrap(), b"original summary");
    assert_eq!(store.case_ids().unwrap(), vec![id.clone()]);
    assert_eq!(store.current_seq().unwrap(), 1);
    assert_eq!(store.get_setting("x").unwrap(), None);
    let raw_after = (
        raw_blob(dir.path(), &id, "doc"),
        raw_blob(dir.path(), &id, "summary"),
    );
    assert_eq!(raw_before, raw_after);
}

#[test]
fn case_ids_must_be_opaque_hex() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let too_long = "a".repeat(MAX_CASE_ID_LEN + 1);
    for bad in [
        "",
        "Ion Popescu",
        "ABCDEF",
        "abc-def",
        "abc\0",
        "ăâî",
        too_long.as_str(),
    ] {
        assert!(
            matches!(
                store.put_case(bad, b"d", b"s"),
                Err(StoreError::InvalidCaseId)
            ),
            "{bad:?} accepted"
        );
        assert!(matches!(store.get_doc(bad), Err(StoreError::InvalidCaseId)));
        assert!(matches!(
            store.delete_case(bad),
            Err(StoreError::InvalidCaseId)
        ));
    }
    let err = store.put_case("Ion Popescu", b"d", b"s").unwrap_err();
    assert!(
        !err.to_string().contains("Popescu"),
        "invalid ids are not echoed"
    );
    let longest = "f".repeat(MAX_CASE_ID_LEN);
    store.put_case(&longest, b"d", b"s").unwrap();
    assert_eq!(store.case_ids().unwrap(), vec![longest]);
}

#[test]
fn settings_round_trip_and_validate_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    assert_eq!(store.get_setting("sync.cursor").unwrap(), None);
    store.put_setting("sync.cursor", b"41").unwrap();
    store.put_setting("sync.cursor", b"42").unwrap();
    store.put_setting("ui_lang", b"ro").unwrap();
    assert_eq!(
        store.get_setting("sync.cursor").unwrap().as_deref(),
        Some(&b"42"[..])
    );
    assert_eq!(
        store.get_setting("ui_lang").unwrap().as_deref(),
        Some(&b"ro"[..])
    );
    assert!(store.delete_setting("ui_lang").unwrap());
    assert!(!store.delete_setting("ui_lang").unwrap());
    assert_eq!(store.get_setting("ui_lang").unwrap(), None);
    for bad in ["", "Has Space", "UPPER", &"n".repeat(65)] {
        assert!(matches!(
            store.put_setting(bad, b"v"),
            Err(StoreError::InvalidSettingName)
        ));
    }
    // Settings do not consume case sequence numbers.
    assert_eq!(store.current_seq().unwrap(), 0);
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    store.unlock(PIN, None).unwrap();
    assert_eq!(
        store.get_setting("sync.cursor").unwrap().as_deref(),
        Some(&b"42"[..])
    );
}
