//! Case records: per case, one encrypted document and one encrypted
//! summary, written together, plus a plaintext sequence number for sync.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{keyring, schema, Store, StoreError};
use crate::crypto::{RecordAad, RecordKeys, RecordKind};

/// Case ids are plaintext in the file, so only opaque ids are accepted:
/// lowercase hex (what [`crate::ids::random_id`] produces). A charset that
/// cannot spell a name keeps a caller bug from writing one in the clear.
pub const MAX_CASE_ID_LEN: usize = 64;
/// An Automerge case file with years of history stays far below this.
pub const MAX_DOC_LEN: usize = 16 * 1024 * 1024;
/// Summaries feed case lists; they must stay small to decrypt thousands.
pub const MAX_SUMMARY_LEN: usize = 64 * 1024;

/// One entry of [`Store::summaries`]: a case id and its decrypted summary,
/// or the typed error for that row alone.
pub type SummaryRow = (String, Result<Vec<u8>, StoreError>);

/// Accepts 1..=[`MAX_CASE_ID_LEN`] characters of `[0-9a-f]`.
pub fn validate_case_id(case_id: &str) -> Result<(), StoreError> {
    let ok = !case_id.is_empty()
        && case_id.len() <= MAX_CASE_ID_LEN
        && case_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidCaseId)
    }
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    if len > max {
        return Err(StoreError::TooLarge { what, len, max });
    }
    Ok(())
}

fn aad(kind: RecordKind, case_id: &str, seq: u64) -> RecordAad<'_> {
    RecordAad {
        kind,
        row_id: case_id.as_bytes(),
        seq,
    }
}

/// Opens one stored blob; any failure (bad tag, moved row, impossible
/// sequence number) is `Tampered` for that case only.
fn open_blob(
    keys: &RecordKeys,
    kind: RecordKind,
    case_id: &str,
    seq: i64,
    blob: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let tampered = || StoreError::Tampered {
        case_id: case_id.to_owned(),
    };
    let seq = u64::try_from(seq).map_err(|_| tampered())?;
    keys.open(&aad(kind, case_id, seq), blob)
        .map_err(|_| tampered())
}

impl Store {
    /// Writes a case's document and summary, encrypted, in one transaction,
    /// and returns the sequence number assigned to this write (store-wide,
    /// strictly increasing, never reused even after deletes). Replaces any
    /// previous version of the case. On error nothing is changed.
    pub fn put_case(
        &mut self,
        case_id: &str,
        doc: &[u8],
        summary: &[u8],
    ) -> Result<u64, StoreError> {
        validate_case_id(case_id)?;
        check_len("document", doc.len(), MAX_DOC_LEN)?;
        check_len("summary", summary.len(), MAX_SUMMARY_LEN)?;
        let (conn, keys) = self.unlocked_mut()?;

        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut encryptions = keyring::encryptions(&tx)?;
        let seq = schema::meta_u64(&tx, "last_seq")?
            .checked_add(1)
            .ok_or(StoreError::Corrupt)?;
        let doc_blob = keys.seal(
            &aad(RecordKind::CaseDoc, case_id, seq),
            doc,
            &mut encryptions,
        )?;
        let summary_blob = keys.seal(
            &aad(RecordKind::CaseSummary, case_id, seq),
            summary,
            &mut encryptions,
        )?;
        let seq_sql = i64::try_from(seq).map_err(|_| StoreError::Corrupt)?;
        tx.execute(
            "INSERT INTO cases (case_id, seq, doc, summary) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (case_id) DO UPDATE
             SET seq = excluded.seq, doc = excluded.doc, summary = excluded.summary",
            params![case_id, seq_sql, doc_blob, summary_blob],
        )?;
        keyring::set_encryptions(&tx, encryptions)?;
        schema::set_meta_u64(&tx, "last_seq", seq)?;
        tx.commit()?;
        Ok(seq)
    }

    /// The decrypted document of a case.
    pub fn get_doc(&self, case_id: &str) -> Result<Vec<u8>, StoreError> {
        self.get_blob(case_id, RecordKind::CaseDoc)
    }

    /// The decrypted summary of a case.
    pub fn get_summary(&self, case_id: &str) -> Result<Vec<u8>, StoreError> {
        self.get_blob(case_id, RecordKind::CaseSummary)
    }

    fn get_blob(&self, case_id: &str, kind: RecordKind) -> Result<Vec<u8>, StoreError> {
        validate_case_id(case_id)?;
        let (conn, keys) = self.unlocked()?;
        let sql = match kind {
            RecordKind::CaseSummary => "SELECT seq, summary FROM cases WHERE case_id = ?1",
            _ => "SELECT seq, doc FROM cases WHERE case_id = ?1",
        };
        let row: Option<(i64, Vec<u8>)> = conn
            .query_row(sql, [case_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, blob) = row.ok_or(StoreError::NotFound)?;
        open_blob(keys, kind, case_id, seq, &blob)
    }

    /// Every case's decrypted summary, ordered by case id. A row that fails
    /// authentication yields `Err(Tampered)` in its slot; the others are
    /// still returned.
    pub fn summaries(&self) -> Result<Vec<SummaryRow>, StoreError> {
        let (conn, keys) = self.unlocked()?;
        let mut stmt = conn.prepare("SELECT case_id, seq, summary FROM cases ORDER BY case_id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_id, seq, blob) = row?;
            let summary = open_blob(keys, RecordKind::CaseSummary, &case_id, seq, &blob);
            out.push((case_id, summary));
        }
        Ok(out)
    }

    /// All case ids, sorted.
    pub fn case_ids(&self) -> Result<Vec<String>, StoreError> {
        let (conn, _) = self.unlocked()?;
        let mut stmt = conn.prepare("SELECT case_id FROM cases ORDER BY case_id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Cases written after `seq`, with their current sequence numbers, in
    /// write order. Deleted cases do not appear.
    pub fn changed_since(&self, seq: u64) -> Result<Vec<(String, u64)>, StoreError> {
        let (conn, _) = self.unlocked()?;
        let Ok(after) = i64::try_from(seq) else {
            return Ok(Vec::new());
        };
        let mut stmt =
            conn.prepare("SELECT case_id, seq FROM cases WHERE seq > ?1 ORDER BY seq")?;
        let rows = stmt.query_map([after], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_id, seq) = row?;
            out.push((
                case_id,
                u64::try_from(seq).map_err(|_| StoreError::Corrupt)?,
            ));
        }
        Ok(out)
    }

    /// The last sequence number assigned (0 for a new store).
    pub fn current_seq(&self) -> Result<u64, StoreError> {
        let (conn, _) = self.unlocked()?;
        schema::meta_u64(conn, "last_seq")
    }

    /// Removes a case; returns whether it existed. With `secure_delete`,
    /// its pages are zeroed rather than left behind.
    pub fn delete_case(&mut self, case_id: &str) -> Result<bool, StoreError> {
        validate_case_id(case_id)?;
        let (conn, _) = self.unlocked()?;
        let deleted = conn.execute("DELETE FROM cases WHERE case_id = ?1", [case_id])?;
        Ok(deleted > 0)
    }
}
