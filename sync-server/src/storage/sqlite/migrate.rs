//! Versioned schema migrations, embedded in the binary. Each runs in its own
//! immediate transaction together with the bump of `schema_version`, so a
//! crash leaves the file at one version or the next, and two processes
//! opening a fresh file never both apply the same step.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::storage::{schema, StorageError};

/// `(version, SQL)`, in order. Never edit a released step: add one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../migrations/sqlite/0002_created.sql")),
];

pub fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = current_version(&tx)?;
        let Some((version, sql)) = schema::pending(current, MIGRATIONS)?.first() else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            (version, crate::clock::now_ms()),
        )?;
        tx.commit()?;
        tracing::info!(version, "applied schema migration");
    }
}

fn current_version(conn: &Connection) -> Result<i64, StorageError> {
    let version: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    Ok(version.unwrap_or(0))
}
