//! Helpers shared by the `store_*` integration tests. Every store is a
//! real file in a temporary directory.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};
use std::time::Duration;

use ocrotire_core::store::{LockoutPolicy, Store, StoreConfig, DB_FILE_NAME};

pub const PIN: &str = "482913";

/// No waits, no wipe: for tests that are not about the lockout.
pub fn relaxed_policy() -> LockoutPolicy {
    LockoutPolicy {
        free_attempts: 100,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        wipe_after: None,
    }
}

pub fn config(lockout: LockoutPolicy) -> StoreConfig {
    StoreConfig {
        lockout,
        ..StoreConfig::default()
    }
}

pub fn new_store(dir: &Path) -> Store {
    Store::create(dir, PIN, None, config(relaxed_policy())).expect("create store")
}

/// A deterministic, valid (hex) case id.
pub fn case_id(n: u32) -> String {
    format!("{n:08x}c0ffee00000000000000000000")
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE_NAME)
}

/// A second, raw connection to the store file, as an attacker with file
/// access would have.
pub fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db_path(dir)).expect("raw connection")
}

pub fn raw_blob(dir: &Path, case_id: &str, column: &str) -> Vec<u8> {
    raw(dir)
        .query_row(
            &format!("SELECT {column} FROM cases WHERE case_id = ?1"),
            [case_id],
            |r| r.get(0),
        )
        .expect("raw blob")
}

pub fn set_raw_blob(dir: &Path, case_id: &str, column: &str, blob: &[u8]) {
    let n = raw(dir)
        .execute(
            &format!("UPDATE cases SET {column} = ?1 WHERE case_id = ?2"),
            rusqlite::params![blob, case_id],
        )
        .expect("raw update");
    assert_eq!(n, 1);
}

/// The files the store left in `dir`.
pub fn store_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(DB_FILE_NAME))
        })
        .collect();
    files.sort();
    files
}
