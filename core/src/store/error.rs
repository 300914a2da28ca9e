//! The store's error type.
//!
//! Messages may name a case id (random hex, not child data) and sizes; they
//! never contain record content, PINs or key material. Invalid case ids and
//! setting names are *not* echoed: a caller bug could pass a child's name.

use rusqlite::ErrorCode;

use crate::crypto::CryptoError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a store already exists in this directory")]
    AlreadyExists,
    #[error("there is no store in this directory")]
    NoStore,
    /// The file is not an Ocrotire store, or is damaged beyond use.
    #[error("the store file is damaged or is not an Ocrotire store")]
    Corrupt,
    #[error("the store has schema version {found}; this app supports up to {supported}")]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("the store is locked")]
    Locked,
    /// `attempts_left` is how many more failures the wipe policy allows,
    /// `None` when the policy never wipes.
    #[error("wrong PIN or platform secret")]
    WrongPin { attempts_left: Option<u32> },
    /// Too many recent failures; nothing was tried and nothing counted.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// The store has been destroyed (by policy or on request).
    #[error("the store has been wiped")]
    Wiped,
    #[error("invalid case id")]
    InvalidCaseId,
    #[error("invalid setting name")]
    InvalidSettingName,
    #[error("invalid store configuration: {0}")]
    InvalidConfig(&'static str),
    #[error("{what} of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        what: &'static str,
        len: usize,
        max: usize,
    },
    /// No case with the requested id (the caller knows which one).
    #[error("no such case in the store")]
    NotFound,
    /// A record of this case failed authentication: altered on disk or
    /// moved from another row. Other cases remain readable.
    #[error("a record of case {case_id} failed authentication")]
    Tampered { case_id: String },
    #[error("setting {name} failed authentication")]
    TamperedSetting { name: String },
    /// Iteration floor, PIN/secret shape, platform secret presence, key
    /// exhaustion, RNG failure.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The file system cannot host the store (e.g. no WAL support).
    #[error("unsupported environment: {0}")]
    Unsupported(&'static str),
    #[error("database error: {0}")]
    Database(#[source] rusqlite::Error),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt,
            _ => StoreError::Database(e),
        }
    }
}

/// While checking that a file is one of ours, anything unexpected means
/// "not a valid store", except conditions of the environment (busy, I/O,
/// permissions), which must not make a healthy store look corrupt.
pub(crate) fn corrupt_unless_environmental(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly
            | ErrorCode::DiskFull
            | ErrorCode::OutOfMemory,
        ) => StoreError::Database(e),
        _ => StoreError::Corrupt,
    }
}
