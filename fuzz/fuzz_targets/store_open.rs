//! Opening a store whose file has been damaged: arbitrary bytes (seeded
//! with a real, synthetic store file) written as the store's file and
//! opened. The answer is a typed error or a store, never a panic.
//!
//! `Store::open` derives no key (the store opens locked; only `unlock`
//! runs PBKDF2), so every execution costs one SQLite open of a small file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ocrotire_core::store::{Store, StoreError, DB_FILE_NAME};

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| ocrotire_fuzz::scratch_dir("ocrotire-fuzz-store-"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    // A previous input may have left side files (or the store was wiped).
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(dir.join(format!("{DB_FILE_NAME}{suffix}")));
    }
    std::fs::write(dir.join(DB_FILE_NAME), data).expect("write the store file");
    match Store::open(dir) {
        Ok(store) => {
            assert!(!store.is_unlocked());
            // What a locked store answers: each must be a value or an error.
            let _ = store.lockout_policy();
            let _ = store.failed_attempts();
        }
        // The file is there: whatever else is wrong with it is a typed
        // error (Corrupt, SchemaTooNew, Wiped, Database, ...).
        Err(StoreError::NoStore | StoreError::AlreadyExists) => {
            panic!("open misread the directory")
        }
        Err(_) => {}
    }
});
