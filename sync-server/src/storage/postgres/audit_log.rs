//! Appending to and verifying the hash-chained audit table. Appends happen
//! inside the caller's transaction, so an audited action and its row commit
//! together; the locked `audit_head` row orders the chain across instances.

use deadpool_postgres::{Object, Transaction};

use super::Chunks;
use crate::audit::{next_link, AuditCheck, AuditEntry, AuditRow, ChainVerifier};
use crate::storage::columns::{seq_i64, seq_u64};
use crate::storage::StorageError;

pub async fn append(tx: &Transaction<'_>, entry: &AuditEntry) -> Result<(), StorageError> {
    // Locked until the caller's transaction ends; a concurrent append waits
    // here and then reads the head this one leaves.
    let head = tx
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .await?;
    let head = tx.query_one(&head, &[]).await?;
    let (last_seq, prev): (i64, Vec<u8>) = (head.try_get(0)?, head.try_get(1)?);
    let (seq, hash) = next_link(seq_u64(last_seq)?, &prev, entry);
    let insert = tx
        .prepare_cached(
            "INSERT INTO audit (seq, at, user_id, device_id, action, subject, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await?;
    tx.execute(
        &insert,
        &[
            &seq_i64(seq),
            &entry.at,
            &entry.user_id,
            &entry.device_id,
            &entry.action.as_str(),
            &entry.subject,
            &prev,
            &&hash[..],
        ],
    )
    .await?;
    let move_head = tx
        .prepare_cached("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .await?;
    tx.execute(&move_head, &[&seq_i64(seq), &&hash[..]]).await?;
    Ok(())
}

pub async fn verify(client: &mut Object) -> Result<AuditCheck, StorageError> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let mut rows = Chunks::open(
        &tx,
        &format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"),
        &[],
    )
    .await?;
    let mut verifier = ChainVerifier::default();
    while let Some(row) = rows.next(&tx).await? {
        verifier.push(&audit_row(&row)?);
    }
    tx.commit().await?;
    Ok(verifier.finish())
}

pub const AUDIT_COLUMNS: &str = "seq, at, user_id, device_id, action, subject, prev_hash, hash";

/// A row of [`AUDIT_COLUMNS`].
pub fn audit_row(row: &tokio_postgres::Row) -> Result<AuditRow, StorageError> {
    Ok(AuditRow {
        seq: seq_u64(row.try_get(0)?)?,
        at: row.try_get(1)?,
        user_id: row.try_get(2)?,
        device_id: row.try_get(3)?,
        action: row.try_get(4)?,
        subject: row.try_get(5)?,
        prev_hash: row.try_get(6)?,
        hash: row.try_get(7)?,
    })
}
