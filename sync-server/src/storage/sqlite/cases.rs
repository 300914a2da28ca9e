//! Taking one case's push: the stored document, the rules' decision, and
//! everything that follows from it in one immediate transaction: the
//! document with its projection columns, the fresh changes numbered from
//! the counter, and who gained or lost sight of the case.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use ocrotire_core::sync::projection::CaseProjection;

use super::audit_log;
use crate::audit::AuditEntry;
use crate::storage::columns::{
    facts_blob, finish_user, role_key, seq_count, seq_u64, ProjectionColumns, ProjectionRow,
};
use crate::storage::visibility::{self, DOCUMENT_ROLES};
use crate::storage::{Decide, Decision, PushOutcome, StorageError};

/// Takes the push; `audit`, if any, is appended in the same transaction
/// when something is stored.
pub fn apply_push(
    conn: &mut Connection,
    case_id: &str,
    origin_device: &str,
    decide: impl Decide,
    audit: Option<&AuditEntry>,
) -> Result<PushOutcome, StorageError> {
    // Immediate: the write lock is taken before reading, so nobody changes
    // the document between the read and the write (SQLite's row lock).
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored = stored_case(&tx, case_id)?;
    let decision = match decide(stored.as_ref().map(|(doc, _)| doc.as_slice())) {
        Ok(decision) => decision,
        Err(reason) => return Ok(PushOutcome::Refused(reason)),
    };
    if decision.fresh.is_empty() {
        return Ok(PushOutcome::Unchanged);
    }
    let (first_seq, last_seq) = next_seqs(&tx, decision.fresh.len())?;
    write_document(
        &tx,
        case_id,
        &decision,
        origin_device,
        (first_seq, last_seq),
    )?;
    for (change, seq) in decision.fresh.iter().zip(first_seq..) {
        tx.execute(
            "INSERT INTO changes (seq, case_id, origin_device, hash, bytes) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (case_id, hash) DO NOTHING",
            params![seq, case_id, origin_device, &change.hash[..], &change.bytes],
        )?;
    }
    if let Some((_, before)) = &stored {
        record_visibility(&tx, case_id, before, &decision.projection, last_seq)?;
    }
    if let Some(entry) = audit {
        audit_log::append(&tx, entry)?;
    }
    tx.commit()?;
    Ok(PushOutcome::Stored {
        first_seq: seq_u64(first_seq)?,
        last_seq: seq_u64(last_seq)?,
    })
}

/// Takes `count` numbers from the counter: `(first, last)`.
fn next_seqs(tx: &Transaction<'_>, count: usize) -> Result<(i64, i64), StorageError> {
    let count = seq_count(count)?;
    let last: i64 = tx.query_row(
        "UPDATE seq_counter SET last_seq = last_seq + ?1 WHERE id = 1 RETURNING last_seq",
        [count],
        |row| row.get(0),
    )?;
    Ok((last - count + 1, last))
}

/// Upserts the document and its projection; `created_seq` and
/// `created_device` are set by the first push only.
fn write_document(
    tx: &Transaction<'_>,
    case_id: &str,
    decision: &Decision,
    origin_device: &str,
    (first_seq, last_seq): (i64, i64),
) -> Result<(), StorageError> {
    let p = ProjectionColumns::of(&decision.projection);
    let facts = facts_blob(&decision.facts)?;
    tx.execute(
        "INSERT INTO documents (case_id, doc, district, created_by, assigned_to, status, risk, identified_at,
                                registered, assessed, referred, sex, locality, open_conflicts, updated_seq,
                                created_seq, created_device, facts, case_number)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
         ON CONFLICT (case_id) DO UPDATE SET
             doc = excluded.doc, district = excluded.district, created_by = excluded.created_by,
             assigned_to = excluded.assigned_to, status = excluded.status, risk = excluded.risk,
             identified_at = excluded.identified_at, registered = excluded.registered,
             assessed = excluded.assessed, referred = excluded.referred, sex = excluded.sex,
             locality = excluded.locality, open_conflicts = excluded.open_conflicts,
             updated_seq = excluded.updated_seq, facts = excluded.facts,
             case_number = excluded.case_number",
        params![
            case_id,
            &decision.doc,
            p.district,
            p.created_by,
            p.assigned_to,
            p.status,
            p.risk,
            p.identified_at,
            p.registered,
            p.assessed,
            p.referred,
            p.sex,
            p.locality,
            p.open_conflicts,
            last_seq,
            first_seq,
            origin_device,
            facts,
            &decision.case_number,
        ],
    )?;
    Ok(())
}

/// Stores who starts (`visibility`) and stops (`removals`) seeing the case
/// because of this write; only the latest of each matters, so both are
/// upserts keyed by user and case.
fn record_visibility(
    tx: &Transaction<'_>,
    case_id: &str,
    before: &CaseProjection,
    after: &CaseProjection,
    seq: i64,
) -> Result<(), StorageError> {
    if !visibility::may_change(before, after) {
        return Ok(());
    }
    let mut candidates = Vec::new();
    for district in visibility::candidate_districts(before, after) {
        let mut stmt = tx.prepare_cached(
            "SELECT user_id, role, district, created_at FROM users
             WHERE district = ?1 AND role IN (?2, ?3)",
        )?;
        let rows = stmt.query_map(
            (
                district,
                role_key(DOCUMENT_ROLES[0]),
                role_key(DOCUMENT_ROLES[1]),
            ),
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        for row in rows {
            candidates.push(finish_user(row?)?);
        }
    }
    let delta = visibility::delta(before, after, &candidates);
    for user_id in &delta.gained {
        tx.execute(
            "INSERT INTO visibility (user_id, case_id, since_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, case_id) DO UPDATE SET since_seq = excluded.since_seq",
            (user_id, case_id, seq),
        )?;
    }
    for user_id in &delta.lost {
        tx.execute(
            "INSERT INTO removals (user_id, case_id, at_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, case_id) DO UPDATE SET at_seq = excluded.at_seq",
            (user_id, case_id, seq),
        )?;
    }
    Ok(())
}

pub const PROJECTION_COLUMNS: &str =
    "case_id, district, created_by, assigned_to, status, risk, identified_at,
     registered, assessed, referred, sex, locality, open_conflicts";

/// The stored document and its projection, read back from the columns
/// (inside a push's transaction, or alone for the office's reads).
pub fn stored_case(
    conn: &Connection,
    case_id: &str,
) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
    let sql = format!("SELECT doc, {PROJECTION_COLUMNS} FROM documents WHERE case_id = ?1");
    let found = conn
        .query_row(&sql, [case_id], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, projection_row(row, 1)?))
        })
        .optional()?;
    match found {
        None => Ok(None),
        Some((doc, raw)) => Ok(Some((doc, raw.finish()?))),
    }
}

/// Reads the columns of [`PROJECTION_COLUMNS`] starting at `at`.
pub fn projection_row(row: &Row<'_>, at: usize) -> rusqlite::Result<ProjectionRow> {
    Ok(ProjectionRow {
        case_id: row.get(at)?,
        district: row.get(at + 1)?,
        created_by: row.get(at + 2)?,
        assigned_to: row.get(at + 3)?,
        status: row.get(at + 4)?,
        risk: row.get(at + 5)?,
        identified_at: row.get(at + 6)?,
        registered: row.get(at + 7)?,
        assessed: row.get(at + 8)?,
        referred: row.get(at + 9)?,
        sex: row.get(at + 10)?,
        locality: row.get(at + 11)?,
        open_conflicts: row.get(at + 12)?,
    })
}
