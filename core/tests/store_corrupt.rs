//! Files that are not valid stores are reported as `Corrupt` (or a more
//! specific typed error), never a panic, and can be destroyed.

mod store_support;

use ocrotire_core::store::{Store, StoreError, SCHEMA_VERSION};
use store_support::*;

fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn random_bytes_are_corrupt() {
    for (len, seed) in [(64 * 1024, 1u64), (100, 2), (1, 3), (4096 * 3 + 17, 4)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(db_path(dir.path()), pseudo_random_bytes(len, seed)).unwrap();
        assert!(
            matches!(Store::open(dir.path()), Err(StoreError::Corrupt)),
            "len {len}"
        );
        Store::destroy(dir.path()).unwrap();
        assert!(store_files(dir.path()).is_empty());
    }
}

#[test]
fn empty_file_and_foreign_database_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(db_path(dir.path()), b"").unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::Corrupt)));
    assert!(matches!(
        Store::create(dir.path(), PIN, None, config(relaxed_policy())),
        Err(StoreError::AlreadyExists)
    ));

    let dir = tempfile::tempdir().unwrap();
    raw(dir.path())
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello');")
        .unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::Corrupt)));
}

#[test]
fn damaged_store_is_corrupt_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    for n in 0..5 {
        store
            .put_case(&case_id(n), &vec![n as u8; 10_000], b"s")
            .unwrap();
    }
    drop(store);

    // A keyring that cannot hold a key: reported before any PIN is spent.
    raw(dir.path())
        .execute("UPDATE keyring SET wrapped_key = x'00'", [])
        .unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::Corrupt)));

    // Garbage over the page after the header: some operation must fail
    // with a typed error; none may panic.
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    for n in 0..5 {
        store
            .put_case(&case_id(n), &vec![n as u8; 10_000], b"s")
            .unwrap();
    }
    drop(store);
    let path = db_path(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let garbage = pseudo_random_bytes(bytes.len() - 100, 9);
    bytes[100..].copy_from_slice(&garbage);
    std::fs::write(&path, bytes).unwrap();
    match Store::open(dir.path()) {
        Err(StoreError::Corrupt) => {}
        Err(other) => panic!("expected Corrupt, got {other:?}"),
        Ok(mut store) => {
            let result = store
                .unlock(PIN, None)
                .and_then(|()| store.summaries().map(|_| ()));
            assert!(result.is_err(), "a garbled store cannot read cleanly");
        }
    }
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    raw(dir.path())
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [i64::from(SCHEMA_VERSION) + 1],
        )
        .unwrap();
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::SchemaTooNew { found, supported }) if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
    ));
}
