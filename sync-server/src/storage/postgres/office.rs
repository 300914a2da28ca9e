//! What the district office's dashboard reads and writes; the same
//! statements as the SQLite backend's `office`.

use deadpool_postgres::Object;
use tokio_postgres::Row;

use super::audit_log::{self, audit_row, AUDIT_COLUMNS};
use super::cases::{projection_row, stored_case, PROJECTION_COLUMNS};
use crate::audit::{AuditEntry, AuditRow};
use crate::storage::columns::{finish_user, parse_facts, seq_i64};
use crate::storage::{Account, OfficeCase, StorageError, User, WebSession};
use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::sync::projection::CaseProjection;

pub async fn audit_rows(
    client: &Object,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<AuditRow>, StorageError> {
    let before = before.map_or(i64::MAX, seq_i64);
    let statement = client
        .prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
        ))
        .await?;
    let rows = client
        .query(&statement, &[&before, &i64::from(limit)])
        .await?;
    rows.iter().map(audit_row).collect()
}

pub async fn case_facts(
    client: &Object,
    districts: Option<&[String]>,
) -> Result<Vec<CaseFacts>, StorageError> {
    let rows = match districts {
        None => {
            let statement = client
                .prepare_cached("SELECT facts FROM documents WHERE facts IS NOT NULL")
                .await?;
            client.query(&statement, &[]).await?
        }
        Some(districts) => {
            let statement = client
                .prepare_cached(
                    "SELECT facts FROM documents WHERE district = ANY($1) AND facts IS NOT NULL",
                )
                .await?;
            client.query(&statement, &[&districts]).await?
        }
    };
    rows.iter()
        .map(|row| parse_facts(row.try_get::<_, &[u8]>(0)?))
        .collect()
}

pub async fn district_cases(
    client: &Object,
    district: &str,
) -> Result<Vec<OfficeCase>, StorageError> {
    let sql = format!(
        "SELECT case_number, facts, {PROJECTION_COLUMNS} FROM documents WHERE district = $1
         ORDER BY identified_at DESC"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&district]).await?;
    rows.iter()
        .map(|row| {
            let facts: Option<&[u8]> = row.try_get(1)?;
            Ok(OfficeCase {
                case_number: row.try_get(0)?,
                facts: facts.map(parse_facts).transpose()?,
                projection: projection_row(row, 2)?.finish()?,
            })
        })
        .collect()
}

pub async fn case_document(
    client: &Object,
    case_id: &str,
) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
    stored_case(client, case_id).await
}

pub async fn set_password(
    client: &mut Object,
    user_id: &str,
    hash: &[u8],
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await?;
    let updated = tx
        .execute(
            "UPDATE users SET password_hash = $2 WHERE user_id = $1",
            &[&user_id, &hash],
        )
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn password(client: &Object, user_id: &str) -> Result<Option<Account>, StorageError> {
    let statement = client
        .prepare_cached(
            "SELECT user_id, role, district, created_at, password_hash FROM users WHERE user_id = $1",
        )
        .await?;
    let Some(row) = client.query_opt(&statement, &[&user_id]).await? else {
        return Ok(None);
    };
    let user = finish_user((
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    ))?;
    Ok(Some(Account {
        user,
        password_hash: row.try_get(4)?,
    }))
}

/// The literal `action` keeps the query on the partial index
/// `audit_sign_in_failed` (migration 4).
pub async fn sign_in_failures(
    client: &Object,
    user_id: &str,
    since: i64,
) -> Result<u64, StorageError> {
    let statement = client
        .prepare_cached(
            "SELECT COUNT(*) FROM audit WHERE action = 'sign_in_failed' AND user_id = $1 AND at >= $2",
        )
        .await?;
    let count: i64 = client
        .query_one(&statement, &[&user_id, &since])
        .await?
        .try_get(0)?;
    u64::try_from(count).map_err(|_| StorageError::Corrupt("audit count"))
}

pub async fn create_session(
    client: &mut Object,
    session: &WebSession,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = client.transaction().await?;
    tx.execute(
        "DELETE FROM sessions WHERE expires_at <= $1",
        &[&session.created_at],
    )
    .await?;
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &&session.token_hash[..],
            &session.user_id,
            &session.csrf_token,
            &session.created_at,
            &session.expires_at,
        ],
    )
    .await?;
    audit_log::append(&tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn session(
    client: &Object,
    token_hash: &[u8; 32],
    now: i64,
) -> Result<Option<(WebSession, User)>, StorageError> {
    let statement = client
        .prepare_cached(
            "SELECT s.csrf_token, s.created_at, s.expires_at,
                    u.user_id, u.role, u.district, u.created_at
             FROM sessions s JOIN users u ON u.user_id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .await?;
    let Some(row) = client
        .query_opt(&statement, &[&&token_hash[..], &now])
        .await?
    else {
        return Ok(None);
    };
    session_row(&row, token_hash).map(Some)
}

fn session_row(row: &Row, token_hash: &[u8; 32]) -> Result<(WebSession, User), StorageError> {
    let user = finish_user((
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
    ))?;
    let session = WebSession {
        token_hash: *token_hash,
        user_id: user.user_id.clone(),
        csrf_token: row.try_get(0)?,
        created_at: row.try_get(1)?,
        expires_at: row.try_get(2)?,
    };
    Ok((session, user))
}

pub async fn end_session(
    client: &mut Object,
    token_hash: &[u8; 32],
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = client.transaction().await?;
    let ended = tx
        .execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&&token_hash[..]],
        )
        .await?;
    if ended > 0 {
        audit_log::append(&tx, audit).await?;
    }
    tx.commit().await?;
    Ok(())
}
