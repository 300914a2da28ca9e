//! Appending to and verifying the hash-chained audit table. Appends happen
//! inside the caller's transaction, so an audited action and its row commit
//! together; the single writer of SQLite orders the chain.

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::audit::{next_link, AuditCheck, AuditEntry, AuditRow, ChainVerifier, GENESIS};
use crate::storage::columns::{seq_i64, seq_u64};
use crate::storage::StorageError;

pub fn append(tx: &Transaction<'_>, entry: &AuditEntry) -> Result<(), StorageError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (last_seq, prev) = last.unwrap_or((0, GENESIS.to_vec()));
    let (seq, hash) = next_link(seq_u64(last_seq)?, &prev, entry);
    tx.execute(
        "INSERT INTO audit (seq, at, user_id, device_id, action, subject, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (
            seq_i64(seq),
            entry.at,
            &entry.user_id,
            &entry.device_id,
            entry.action.as_str(),
            &entry.subject,
            &prev,
            &hash[..],
        ),
    )?;
    Ok(())
}

pub fn verify(conn: &mut Connection) -> Result<AuditCheck, StorageError> {
    let mut stmt = conn.prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut verifier = ChainVerifier::default();
    while let Some(row) = rows.next()? {
        verifier.push(&audit_row(row)?);
    }
    Ok(verifier.finish())
}

pub const AUDIT_COLUMNS: &str = "seq, at, user_id, device_id, action, subject, prev_hash, hash";

/// A row of [`AUDIT_COLUMNS`].
pub fn audit_row(row: &rusqlite::Row<'_>) -> Result<AuditRow, StorageError> {
    Ok(AuditRow {
        seq: seq_u64(row.get(0)?)?,
        at: row.get(1)?,
        user_id: row.get(2)?,
        device_id: row.get(3)?,
        action: row.get(4)?,
        subject: row.get(5)?,
        prev_hash: row.get(6)?,
        hash: row.get(7)?,
    })
}
