//! Connection settings, the table layout and its migrations.
//!
//! What is plaintext, and why that is acceptable: case ids (random hex),
//! sequence numbers, ciphertext sizes (implied by the blobs), KDF salt and
//! iteration count, the wrapped key, counters, lockout policy and failure
//! timestamps. Setting names are stored as HMACs. Everything else is a
//! ciphertext.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use super::error::corrupt_unless_environmental;
use super::StoreError;

/// The schema this code writes. Bump it and append to [`MIGRATIONS`].
pub const SCHEMA_VERSION: u32 = 1;

/// `PRAGMA application_id` ("OCRT"), so tools like `file(1)` and our own
/// open can tell the file apart from other SQLite databases.
const APPLICATION_ID: i32 = 0x4F43_5254;

/// `MIGRATIONS[i]` takes a store from schema version `i` to `i + 1`;
/// version 0 is an empty file. `create` and `open` share this path, so a
/// fresh store is built exactly as an upgraded one.
const MIGRATIONS: &[fn(&Transaction<'_>) -> rusqlite::Result<()>] = &[v0_to_v1];

fn v0_to_v1(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID};
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE keyring (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            cipher         TEXT NOT NULL,
            kdf_salt       BLOB NOT NULL,
            kdf_iterations INTEGER NOT NULL,
            platform_bound INTEGER NOT NULL,
            wrapped_key    BLOB NOT NULL,
            encryptions    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE lockout (
            id              INTEGER PRIMARY KEY CHECK (id = 1),
            free_attempts   INTEGER NOT NULL,
            base_delay_ms   INTEGER NOT NULL,
            max_delay_ms    INTEGER NOT NULL,
            wipe_after      INTEGER,
            failed_attempts INTEGER NOT NULL,
            last_failure_ms INTEGER
        ) STRICT;
        CREATE TABLE cases (
            case_id TEXT PRIMARY KEY NOT NULL,
            seq     INTEGER NOT NULL UNIQUE,
            doc     BLOB NOT NULL,
            summary BLOB NOT NULL
        ) STRICT;
        CREATE TABLE settings (
            name_mac BLOB PRIMARY KEY NOT NULL,
            value    BLOB NOT NULL
        ) STRICT;
        INSERT INTO meta (key, value) VALUES ('last_seq', 0);"
    ))
}

/// Opens the SQLite file. `create` decides whether a missing file may be
/// created; `open` never creates one.
pub(crate) fn connect(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn =
        Connection::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen) if !path.exists() => StoreError::NoStore,
            _ => StoreError::from(e),
        })?;
    configure(&conn)?;
    Ok(conn)
}

/// Per-connection settings; see the crate design notes on encryption at
/// rest and durability.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Defensive mode forbids writable_schema and similar foot-guns that a
    // crafted file could otherwise lean on.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    // The first statement that reads the header: a file that is not a
    // database fails here with NOTADB, which maps to `Corrupt`.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(corrupt_unless_environmental)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unsupported(
            "the file system does not support SQLite WAL",
        ));
    }
    conn.execute_batch(
        // synchronous=FULL in WAL mode fsyncs the WAL on every commit: a
        //   call that returned Ok survives SIGKILL and power loss.
        // fullfsync: on Apple platforms plain fsync does not reach the disk.
        // secure_delete: freed pages are zeroed, not left with old blobs.
        // temp_store=MEMORY: sorts and temp tables never touch disk.
        // trusted_schema=OFF: a crafted file's views/triggers cannot call
        //   functions with side effects.
        "PRAGMA synchronous = FULL;
         PRAGMA fullfsync = ON;
         PRAGMA checkpoint_fullfsync = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA trusted_schema = OFF;
         PRAGMA cell_size_check = ON;",
    )?;
    Ok(())
}

/// Reads the schema version of an existing file, rejecting anything that
/// is not one of our stores. An empty file (version 0) is not a store
/// either: `create` never leaves one behind after a successful return.
pub(crate) fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(corrupt_unless_environmental)?;
    if app_id != APPLICATION_ID {
        return Err(StoreError::Corrupt);
    }
    let version: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(corrupt_unless_environmental)?;
    match version.map(u32::try_from) {
        Some(Ok(v)) if v >= 1 => Ok(v),
        _ => Err(StoreError::Corrupt),
    }
}

/// Brings the schema from `from` to [`SCHEMA_VERSION`] inside the caller's
/// transaction, so a crash mid-migration leaves the old version intact.
pub(crate) fn migrate(tx: &Transaction<'_>, from: u32) -> Result<(), StoreError> {
    if from > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: from,
            supported: SCHEMA_VERSION,
        });
    }
    for step in &MIGRATIONS[from as usize..] {
        step(tx)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [i64::from(SCHEMA_VERSION)],
    )?;
    Ok(())
}

/// Reads an integer from `meta`; a missing or negative value means the
/// file is not a consistent store.
pub(crate) fn meta_u64(conn: &Connection, key: &str) -> Result<u64, StoreError> {
    let value: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    value
        .and_then(|v| u64::try_from(v).ok())
        .ok_or(StoreError::Corrupt)
}

pub(crate) fn set_meta_u64(conn: &Connection, key: &str, value: u64) -> Result<(), StoreError> {
    let value = i64::try_from(value).map_err(|_| StoreError::Corrupt)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

/// Whether a wipe was started (key shredded) but the files not yet deleted.
pub(crate) fn wipe_started(conn: &Connection) -> Result<bool, StoreError> {
    let flag: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'wiped'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(flag.is_some_and(|v| v != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas_are_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&dir.path().join("t.sqlite3"), true).unwrap();
        let get = |p: &str| -> i64 {
            conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(get("synchronous"), 2, "FULL");
        assert_eq!(get("secure_delete"), 1);
        assert_eq!(get("temp_store"), 2, "MEMORY");
        assert_eq!(get("foreign_keys"), 1);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
