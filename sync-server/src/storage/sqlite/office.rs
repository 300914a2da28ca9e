//! What the district office's dashboard reads and writes: indicator facts,
//! a district's cases, one case's document, the audit log page by page,
//! and sign-in (password hashes and sessions).

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::audit_log::{self, audit_row, AUDIT_COLUMNS};
use super::cases::{projection_row, stored_case, PROJECTION_COLUMNS};
use crate::audit::{AuditEntry, AuditRow};
use crate::storage::columns::{finish_user, parse_facts, seq_i64};
use crate::storage::{Account, OfficeCase, StorageError, User, WebSession};
use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::sync::projection::CaseProjection;

pub fn audit_rows(
    conn: &mut Connection,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<AuditRow>, StorageError> {
    let before = before.map_or(i64::MAX, seq_i64);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2"
    ))?;
    let mut rows = stmt.query((before, limit))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(audit_row(row)?);
    }
    Ok(out)
}

pub fn case_facts(
    conn: &mut Connection,
    districts: Option<&[String]>,
) -> Result<Vec<CaseFacts>, StorageError> {
    let mut out = Vec::new();
    let mut read = |rows: &mut rusqlite::Rows<'_>| -> Result<(), StorageError> {
        while let Some(row) = rows.next()? {
            out.push(parse_facts(&row.get::<_, Vec<u8>>(0)?)?);
        }
        Ok(())
    };
    match districts {
        None => {
            let mut stmt =
                conn.prepare_cached("SELECT facts FROM documents WHERE facts IS NOT NULL")?;
            read(&mut stmt.query([])?)?;
        }
        Some(districts) => {
            let mut stmt = conn.prepare_cached(
                "SELECT facts FROM documents WHERE district = ?1 AND facts IS NOT NULL",
            )?;
            for district in districts {
                read(&mut stmt.query([district])?)?;
            }
        }
    }
    Ok(out)
}

pub fn district_cases(
    conn: &mut Connection,
    district: &str,
) -> Result<Vec<OfficeCase>, StorageError> {
    let sql = format!(
        "SELECT case_number, facts, {PROJECTION_COLUMNS} FROM documents WHERE district = ?1
         ORDER BY identified_at DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([district])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let facts: Option<Vec<u8>> = row.get(1)?;
        out.push(OfficeCase {
            case_number: row.get(0)?,
            facts: facts.as_deref().map(parse_facts).transpose()?,
            projection: projection_row(row, 2)?.finish()?,
        });
    }
    Ok(out)
}

pub fn case_document(
    conn: &mut Connection,
    case_id: &str,
) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
    stored_case(conn, case_id)
}

pub fn set_password(
    conn: &mut Connection,
    user_id: &str,
    hash: &[u8],
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let updated = tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
        (user_id, hash),
    )?;
    if updated == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit)?;
    tx.commit()?;
    Ok(true)
}

pub fn password(conn: &mut Connection, user_id: &str) -> Result<Option<Account>, StorageError> {
    let found = conn
        .query_row(
            "SELECT user_id, role, district, created_at, password_hash FROM users WHERE user_id = ?1",
            [user_id],
            |row| {
                Ok((
                    (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?),
                    row.get::<_, Option<Vec<u8>>>(4)?,
                ))
            },
        )
        .optional()?;
    found
        .map(|(user, password_hash)| {
            Ok(Account {
                user: finish_user(user)?,
                password_hash,
            })
        })
        .transpose()
}

/// The literal `action` keeps the query on the partial index
/// `audit_sign_in_failed` (migration 4).
pub fn sign_in_failures(
    conn: &mut Connection,
    user_id: &str,
    since: i64,
) -> Result<u64, StorageError> {
    let count: i64 = conn.prepare_cached(
        "SELECT COUNT(*) FROM audit WHERE action = 'sign_in_failed' AND user_id = ?1 AND at >= ?2",
    )?
    .query_row((user_id, since), |row| row.get(0))?;
    u64::try_from(count).map_err(|_| StorageError::Corrupt("audit count"))
}

pub fn create_session(
    conn: &mut Connection,
    session: &WebSession,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1",
        [session.created_at],
    )?;
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (
            &session.token_hash[..],
            &session.user_id,
            &session.csrf_token,
            session.created_at,
            session.expires_at,
        ),
    )?;
    audit_log::append(&tx, audit)?;
    tx.commit()?;
    Ok(())
}

pub fn session(
    conn: &mut Connection,
    token_hash: &[u8; 32],
    now: i64,
) -> Result<Option<(WebSession, User)>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.csrf_token, s.created_at, s.expires_at,
                u.user_id, u.role, u.district, u.created_at
         FROM sessions s JOIN users u ON u.user_id = s.user_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2",
    )?;
    let found = stmt
        .query_row((&token_hash[..], now), |row| session_row(row, token_hash))
        .optional()?;
    found
        .map(|(session, user)| Ok((session, finish_user(user)?)))
        .transpose()
}

type SessionRow = (WebSession, (String, String, String, i64));

fn session_row(row: &Row<'_>, token_hash: &[u8; 32]) -> rusqlite::Result<SessionRow> {
    let user_id: String = row.get(3)?;
    Ok((
        WebSession {
            token_hash: *token_hash,
            user_id: user_id.clone(),
            csrf_token: row.get(0)?,
            created_at: row.get(1)?,
            expires_at: row.get(2)?,
        },
        (user_id, row.get(4)?, row.get(5)?, row.get(6)?),
    ))
}

pub fn end_session(
    conn: &mut Connection,
    token_hash: &[u8; 32],
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if tx.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [&token_hash[..]],
    )? > 0
    {
        audit_log::append(&tx, audit)?;
    }
    tx.commit()?;
    Ok(())
}
