//! Creating, opening, unlocking, locking, PIN change, platform secret and
//! explicit wipe of a real store on disk.

mod store_support;

use std::time::Instant;

use ocrotire_core::crypto::{CryptoError, MIN_KDF_ITERATIONS};
use ocrotire_core::store::{Store, StoreConfig, StoreError};
use store_support::*;

#[test]
fn create_open_unlock_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    assert!(store.is_unlocked(), "a new store starts unlocked");
    let id = case_id(1);
    assert_eq!(store.put_case(&id, b"doc", b"summary").unwrap(), 1);
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    assert!(!store.is_unlocked(), "open returns a locked store");
    assert!(matches!(store.get_doc(&id), Err(StoreError::Locked)));

    let started = Instant::now();
    store.unlock(PIN, None).unwrap();
    eprintln!(
        "unlock with {MIN_KDF_ITERATIONS} PBKDF2 iterations took {:?}",
        started.elapsed()
    );
    assert_eq!(store.get_doc(&id).unwrap(), b"doc");
    assert_eq!(store.get_summary(&id).unwrap(), b"summary");

    store.lock();
    assert!(!store.is_unlocked());
    assert!(matches!(store.get_summary(&id), Err(StoreError::Locked)));
    assert!(matches!(store.summaries(), Err(StoreError::Locked)));
    assert!(matches!(store.case_ids(), Err(StoreError::Locked)));
    assert!(matches!(
        store.put_case(&id, b"x", b"y"),
        Err(StoreError::Locked)
    ));
    assert!(matches!(store.get_setting("x"), Err(StoreError::Locked)));
}

#[test]
fn store_can_move_between_threads() {
    // The bindings keep the store behind a Mutex, which needs Send.
    fn assert_send<T: Send>() {}
    assert_send::<Store>();
    assert_send::<StoreError>();
}

#[test]
fn create_refuses_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let _store = new_store(dir.path());
    let again = Store::create(dir.path(), PIN, None, config(relaxed_policy()));
    assert!(matches!(again, Err(StoreError::AlreadyExists)));
}

#[test]
fn open_without_a_store_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::NoStore)));
    assert!(matches!(
        Store::open(&dir.path().join("missing")),
        Err(StoreError::NoStore)
    ));
    assert!(
        store_files(dir.path()).is_empty(),
        "open must not create files"
    );
}

#[test]
fn too_few_kdf_iterations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let weak = StoreConfig {
        kdf_iterations: 100_000,
        ..config(relaxed_policy())
    };
    let result = Store::create(dir.path(), PIN, None, weak);
    assert!(matches!(
        result,
        Err(StoreError::Crypto(CryptoError::KdfIterationsTooLow {
            requested: 100_000,
            minimum: MIN_KDF_ITERATIONS
        }))
    ));
    assert!(
        store_files(dir.path()).is_empty(),
        "nothing written on refusal"
    );
}

#[test]
fn wrong_pin_is_typed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock("000000", None),
        Err(StoreError::WrongPin {
            attempts_left: None
        })
    ));
    assert_eq!(store.failed_attempts().unwrap(), 1);
    assert!(!store.is_unlocked());
    assert!(matches!(
        store.unlock("", None),
        Err(StoreError::Crypto(CryptoError::InvalidPin { .. }))
    ));
    assert_eq!(
        store.failed_attempts().unwrap(),
        1,
        "a malformed PIN is not a guess"
    );
    store.unlock(PIN, None).unwrap();
    assert_eq!(
        store.failed_attempts().unwrap(),
        0,
        "success resets the count"
    );
}

#[test]
fn platform_secret_is_required_when_given_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let secret = [0x5au8; 32];
    let mut store =
        Store::create(dir.path(), PIN, Some(&secret), config(relaxed_policy())).unwrap();
    let id = case_id(2);
    store.put_case(&id, b"doc", b"sum").unwrap();
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock(PIN, None),
        Err(StoreError::Crypto(CryptoError::PlatformSecretRequired))
    ));
    assert_eq!(
        store.failed_attempts().unwrap(),
        0,
        "a missing secret is not a guess"
    );
    let other = [0x5bu8; 32];
    assert!(matches!(
        store.unlock(PIN, Some(&other)),
        Err(StoreError::WrongPin { .. })
    ));
    assert!(!store.is_unlocked());
    store.unlock(PIN, Some(&secret)).unwrap();
    assert_eq!(store.get_doc(&id).unwrap(), b"doc");

    // And a store made without a secret refuses one rather than ignoring it.
    let plain_dir = tempfile::tempdir().unwrap();
    drop(new_store(plain_dir.path()));
    let mut plain = Store::open(plain_dir.path()).unwrap();
    assert!(matches!(
        plain.unlock(PIN, Some(&secret)),
        Err(StoreError::Crypto(CryptoError::PlatformSecretUnexpected))
    ));
}

#[test]
fn pin_change_rewraps_without_reencrypting() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let ids: Vec<String> = (10..13).map(case_id).collect();
    for id in &ids {
        store.put_case(id, id.as_bytes(), b"summary").unwrap();
    }
    store.put_setting("device.label", b"tableta 3").unwrap();
    let before: Vec<(Vec<u8>, Vec<u8>)> = ids
        .iter()
        .map(|id| {
            (
                raw_blob(dir.path(), id, "doc"),
                raw_blob(dir.path(), id, "summary"),
            )
        })
        .collect();
    let wrapped_before: Vec<u8> = raw(dir.path())
        .query_row("SELECT wrapped_key FROM keyring", [], |r| r.get(0))
        .unwrap();

    assert!(matches!(
        store.change_pin("999999", "112233", None),
        Err(StoreError::WrongPin { .. })
    ));
    store.change_pin(PIN, "112233", None).unwrap();
    assert!(store.is_unlocked(), "PIN change keeps the lock state");

    let after: Vec<(Vec<u8>, Vec<u8>)> = ids
        .iter()
        .map(|id| {
            (
                raw_blob(dir.path(), id, "doc"),
                raw_blob(dir.path(), id, "summary"),
            )
        })
        .collect();
    assert_eq!(
        before, after,
        "record ciphertexts must be byte-for-byte unchanged"
    );
    let wrapped_after: Vec<u8> = raw(dir.path())
        .query_row("SELECT wrapped_key FROM keyring", [], |r| r.get(0))
        .unwrap();
    assert_ne!(wrapped_before, wrapped_after, "the data key was re-wrapped");
    drop(store);

    let mut store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.unlock(PIN, None),
        Err(StoreError::WrongPin { .. })
    ));
    store.unlock("112233", None).unwrap();
    for id in &ids {
        assert_eq!(store.get_doc(id).unwrap(), id.as_bytes());
    }
    assert_eq!(
        store.get_setting("device.label").unwrap().as_deref(),
        Some(&b"tableta 3"[..])
    );
}

#[test]
fn explicit_wipe_removes_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    store.put_case(&case_id(3), b"doc", b"sum").unwrap();
    assert!(!store_files(dir.path()).is_empty());
    store.wipe().unwrap();
    assert!(
        store_files(dir.path()).is_empty(),
        "left: {:?}",
        store_files(dir.path())
    );
    assert!(matches!(Store::open(dir.path()), Err(StoreError::NoStore)));
    // The directory is the caller's and stays; a new store can be made.
    drop(new_store(dir.path()));
}
