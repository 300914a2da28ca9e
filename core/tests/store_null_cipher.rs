//! The benchmark-only null cipher: same store code path, records copied
//! instead of encrypted. Built only with `--features bench-null-cipher`.
#![cfg(feature = "bench-null-cipher")]

mod store_support;

use ocrotire_core::store::{Store, StoreError};
use store_support::*;

#[test]
fn null_cipher_store_works_and_cannot_be_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::create_with_null_cipher_for_benchmarks_only(dir.path(), config(relaxed_policy()))
            .unwrap();
    let id = case_id(1);
    assert_eq!(
        store.put_case(&id, b"plain doc", b"plain summary").unwrap(),
        1
    );
    assert_eq!(store.get_doc(&id).unwrap(), b"plain doc");
    store.put_setting("k", b"v").unwrap();
    assert_eq!(store.get_setting("k").unwrap().as_deref(), Some(&b"v"[..]));
    drop(store);
    // A null-cipher file is never accepted as a real store.
    assert!(matches!(Store::open(dir.path()), Err(StoreError::Corrupt)));
}
