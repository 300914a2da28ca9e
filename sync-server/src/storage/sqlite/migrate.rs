//! Versioned schema migrations, embedded in the binary. Each runs in its own
//! immediate transaction together with the bump of `schema_version`, so a
//! crash leaves the file at one version or the next, and two processes
//! opening a fresh file never both apply the same step.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::storage::StorageError;

/// `(version, SQL)`, in order. Never edit a released step: add one.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/sqlite/0001_initial.sql"))];

pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

pub fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = current_version(&tx)?;
        if current > latest() {
            return Err(StorageError::SchemaTooNew {
                found: current,
                known: latest(),
            });
        }
        if current < *version {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                (version, crate::clock::now_ms()),
            )?;
            tracing::info!(version, "applied schema migration");
        }
        tx.commit()?;
    }
    let current = current_version(conn)?;
    if current > latest() {
        return Err(StorageError::SchemaTooNew {
            found: current,
            known: latest(),
        });
    }
    Ok(())
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

    #[test]
    fn migrating_twice_is_a_no_op_and_newer_files_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), latest());
        conn.execute("INSERT INTO schema_version VALUES (?1, 0)", [latest() + 1])
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StorageError::SchemaTooNew { .. })
        ));
    }
}
