//! Taking one case's push: the stored document, the rules' decision, and
//! everything that follows from it in one transaction: the document with
//! its projection columns, the fresh changes numbered from the counter, and
//! who gained or lost sight of the case.

use deadpool_postgres::{GenericClient, Object, Transaction};
use ring::digest::{digest, SHA256};
use tokio_postgres::Row;

use ocrotire_core::sync::projection::CaseProjection;

use super::audit_log;
use crate::audit::AuditEntry;
use crate::storage::columns::{
    facts_blob, finish_user, role_key, seq_count, seq_u64, ProjectionColumns, ProjectionRow,
};
use crate::storage::visibility::{self, DOCUMENT_ROLES};
use crate::storage::{Decide, Decision, PushOutcome, StorageError};

/// Takes the push; `audit`, if any, is appended in the same transaction
/// when something is stored (its chain head is locked after the counter,
/// an order no other transaction reverses).
pub async fn apply_push(
    client: &mut Object,
    case_id: &str,
    origin_device: &str,
    decide: impl Decide,
    audit: Option<&AuditEntry>,
) -> Result<PushOutcome, StorageError> {
    let tx = client.transaction().await?;
    // The case's lock, held until the transaction ends, is taken before
    // reading: nobody changes the document between the read and the write,
    // and two instances creating the same new case take turns.
    let lock = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await?;
    tx.execute(&lock, &[&case_lock_key(case_id)]).await?;
    let stored = stored_case(&tx, case_id).await?;
    // Automerge work is CPU-bound: off the async workers, like SQLite's.
    let (stored, decided) = tokio::task::spawn_blocking(move || {
        let decided = decide(stored.as_ref().map(|(doc, _)| doc.as_slice()));
        (stored, decided)
    })
    .await
    .map_err(|_| StorageError::WorkerFailed)?;
    let decision = match decided {
        Ok(decision) => decision,
        Err(reason) => return Ok(PushOutcome::Refused(reason)),
    };
    if decision.fresh.is_empty() {
        return Ok(PushOutcome::Unchanged);
    }
    let (first_seq, last_seq) = next_seqs(&tx, decision.fresh.len()).await?;
    write_document(
        &tx,
        case_id,
        &decision,
        origin_device,
        (first_seq, last_seq),
    )
    .await?;
    let seqs: Vec<i64> = (first_seq..=last_seq).collect();
    let hashes: Vec<&[u8]> = decision.fresh.iter().map(|c| &c.hash[..]).collect();
    let bytes: Vec<&[u8]> = decision.fresh.iter().map(|c| &c.bytes[..]).collect();
    let insert = tx
        .prepare_cached(
            "INSERT INTO changes (seq, case_id, origin_device, hash, bytes)
             SELECT s, $1, $2, h, b FROM UNNEST($3::BIGINT[], $4::BYTEA[], $5::BYTEA[]) AS t (s, h, b)
             ON CONFLICT (case_id, hash) DO NOTHING",
        )
        .await?;
    tx.execute(&insert, &[&case_id, &origin_device, &seqs, &hashes, &bytes])
        .await?;
    if let Some((_, before)) = &stored {
        record_visibility(&tx, case_id, before, &decision.projection, last_seq).await?;
    }
    if let Some(entry) = audit {
        audit_log::append(&tx, entry).await?;
    }
    tx.commit().await?;
    Ok(PushOutcome::Stored {
        first_seq: seq_u64(first_seq)?,
        last_seq: seq_u64(last_seq)?,
    })
}

/// The advisory lock key of a case: 64 bits of a hash of its id. Two cases
/// that happened to share a key would only take turns.
fn case_lock_key(case_id: &str) -> i64 {
    let hash = digest(&SHA256, format!("ocrotire case {case_id}").as_bytes());
    let mut key = [0u8; 8];
    key.copy_from_slice(&hash.as_ref()[..8]);
    i64::from_be_bytes(key)
}

/// Takes `count` numbers from the counter: `(first, last)`. The counter's
/// row stays locked until this transaction commits.
async fn next_seqs(tx: &Transaction<'_>, count: usize) -> Result<(i64, i64), StorageError> {
    let count = seq_count(count)?;
    let bump = tx
        .prepare_cached(
            "UPDATE seq_counter SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
        )
        .await?;
    let last: i64 = tx.query_one(&bump, &[&count]).await?.try_get(0)?;
    Ok((last - count + 1, last))
}

/// Upserts the document and its projection; `created_seq` and
/// `created_device` are set by the first push only.
async fn write_document(
    tx: &Transaction<'_>,
    case_id: &str,
    decision: &Decision,
    origin_device: &str,
    (first_seq, last_seq): (i64, i64),
) -> Result<(), StorageError> {
    let p = ProjectionColumns::of(&decision.projection);
    let facts = facts_blob(&decision.facts)?;
    let upsert = tx
        .prepare_cached(
            "INSERT INTO documents (case_id, doc, district, created_by, assigned_to, status, risk, identified_at,
                                    registered, assessed, referred, sex, locality, open_conflicts, updated_seq,
                                    created_seq, created_device, facts, case_number)
             VALUES ($1, $2, $3, $4, $5::TEXT::JSONB, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19)
             ON CONFLICT (case_id) DO UPDATE SET
                 doc = excluded.doc, district = excluded.district, created_by = excluded.created_by,
                 assigned_to = excluded.assigned_to, status = excluded.status, risk = excluded.risk,
                 identified_at = excluded.identified_at, registered = excluded.registered,
                 assessed = excluded.assessed, referred = excluded.referred, sex = excluded.sex,
                 locality = excluded.locality, open_conflicts = excluded.open_conflicts,
                 updated_seq = excluded.updated_seq, facts = excluded.facts,
                 case_number = excluded.case_number",
        )
        .await?;
    tx.execute(
        &upsert,
        &[
            &case_id,
            &decision.doc,
            &p.district,
            &p.created_by,
            &p.assigned_to,
            &p.status,
            &p.risk,
            &p.identified_at,
            &p.registered,
            &p.assessed,
            &p.referred,
            &p.sex,
            &p.locality,
            &p.open_conflicts,
            &last_seq,
            &first_seq,
            &origin_device,
            &facts,
            &decision.case_number,
        ],
    )
    .await?;
    Ok(())
}

/// Stores who starts (`visibility`) and stops (`removals`) seeing the case
/// because of this write; only the latest of each matters, so both are
/// upserts keyed by user and case.
async fn record_visibility(
    tx: &Transaction<'_>,
    case_id: &str,
    before: &CaseProjection,
    after: &CaseProjection,
    seq: i64,
) -> Result<(), StorageError> {
    if !visibility::may_change(before, after) {
        return Ok(());
    }
    let users = tx
        .prepare_cached(
            "SELECT user_id, role, district, created_at FROM users
             WHERE district = $1 AND role IN ($2, $3)",
        )
        .await?;
    let mut candidates = Vec::new();
    for district in visibility::candidate_districts(before, after) {
        let rows = tx
            .query(
                &users,
                &[
                    &district,
                    &role_key(DOCUMENT_ROLES[0]),
                    &role_key(DOCUMENT_ROLES[1]),
                ],
            )
            .await?;
        for row in rows {
            candidates.push(finish_user((
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            ))?);
        }
    }
    let delta = visibility::delta(before, after, &candidates);
    for user_id in &delta.gained {
        tx.execute(
            "INSERT INTO visibility (user_id, case_id, since_seq) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, case_id) DO UPDATE SET since_seq = excluded.since_seq",
            &[user_id, &case_id, &seq],
        )
        .await?;
    }
    for user_id in &delta.lost {
        tx.execute(
            "INSERT INTO removals (user_id, case_id, at_seq) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, case_id) DO UPDATE SET at_seq = excluded.at_seq",
            &[user_id, &case_id, &seq],
        )
        .await?;
    }
    Ok(())
}

/// `assigned_to` is JSONB here; it is read back as the same JSON text the
/// SQLite backend stores.
pub const PROJECTION_COLUMNS: &str =
    "case_id, district, created_by, assigned_to::TEXT, status, risk, identified_at,
     registered, assessed, referred, sex, locality, open_conflicts";

/// The stored document and its projection, read back from the columns
/// (inside a push's transaction, or alone for the office's reads).
pub async fn stored_case<C: GenericClient>(
    client: &C,
    case_id: &str,
) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
    let sql = format!("SELECT doc, {PROJECTION_COLUMNS} FROM documents WHERE case_id = $1");
    let statement = client.prepare_cached(&sql).await?;
    let Some(row) = client.query_opt(&statement, &[&case_id]).await? else {
        return Ok(None);
    };
    let doc: Vec<u8> = row.try_get(0)?;
    Ok(Some((doc, projection_row(&row, 1)?.finish()?)))
}

/// Reads the columns of [`PROJECTION_COLUMNS`] starting at `at`.
pub fn projection_row(row: &Row, at: usize) -> Result<ProjectionRow, tokio_postgres::Error> {
    Ok(ProjectionRow {
        case_id: row.try_get(at)?,
        district: row.try_get(at + 1)?,
        created_by: row.try_get(at + 2)?,
        assigned_to: row.try_get(at + 3)?,
        status: row.try_get(at + 4)?,
        risk: row.try_get(at + 5)?,
        identified_at: row.try_get(at + 6)?,
        registered: row.try_get(at + 7)?,
        assessed: row.try_get(at + 8)?,
        referred: row.try_get(at + 9)?,
        sex: row.try_get(at + 10)?,
        locality: row.try_get(at + 11)?,
        open_conflicts: row.try_get(at + 12)?,
    })
}
