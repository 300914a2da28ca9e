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
    (3, include_str!("../migrations/sqlite/0003_office.sql")),
    (4, include_str!("../migrations/sqlite/0004_sign_in.sql")),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written by a server of schema 1 gains, for each case,
    /// the number and origin of its first change.
    #[test]
    fn step_two_finds_where_each_stored_case_began() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
             INSERT INTO schema_version VALUES (1, 0);",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.execute_batch(
            "INSERT INTO documents VALUES ('c1', x'00', '9200', 'sa-1', '[]', 'open', NULL, 0, 0, 0, 0,
                                           'female', 'x', 0, 7);
             INSERT INTO changes VALUES (7, 'c1', 'dev-b', x'02', x'00');
             INSERT INTO changes VALUES (3, 'c1', 'dev-a', x'01', x'00');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let began: (i64, String) = conn
            .query_row(
                "SELECT created_seq, created_device FROM documents WHERE case_id = 'c1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(began, (3, "dev-a".to_string()));
        let latest = MIGRATIONS.last().map(|(v, _)| *v).unwrap();
        assert_eq!(current_version(&conn).unwrap(), latest);
        // Step three: no facts yet, until the case's next push.
        let facts: Option<Vec<u8>> = conn
            .query_row("SELECT facts FROM documents", [], |row| row.get(0))
            .unwrap();
        assert_eq!(facts, None);
    }
}
