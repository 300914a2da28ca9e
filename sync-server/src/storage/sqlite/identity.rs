//! Users, enrollment codes, devices and request nonces.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::audit_log;
use crate::audit::AuditEntry;
use crate::storage::columns::{finish_user, role_key, UserRow};
use crate::storage::{
    Device, EnrollOutcome, EnrollRefusal, IssuedCode, NewEnrollment, StorageError, User,
};

pub fn create_user(
    conn: &mut Connection,
    user: &User,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let inserted = tx.execute(
        "INSERT INTO users (user_id, role, district, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO NOTHING",
        (
            &user.user_id,
            role_key(user.role),
            &user.district,
            user.created_at,
        ),
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit)?;
    tx.commit()?;
    Ok(true)
}

pub fn user(conn: &mut Connection, user_id: &str) -> Result<Option<User>, StorageError> {
    conn.query_row(
        "SELECT user_id, role, district, created_at FROM users WHERE user_id = ?1",
        [user_id],
        user_row,
    )
    .optional()?
    .map(finish_user)
    .transpose()
}

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

pub fn issue_code(
    conn: &mut Connection,
    code: &IssuedCode,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO enrollment_codes (code_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        (&code.code_hash[..], &code.user_id, code.created_at, code.expires_at),
    )?;
    audit_log::append(&tx, audit)?;
    tx.commit()?;
    Ok(())
}

pub fn enroll(conn: &mut Connection, e: &NewEnrollment) -> Result<EnrollOutcome, StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let code: Option<(String, i64, Option<i64>)> = tx
        .query_row(
            "SELECT user_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1",
            [&e.code_hash[..]],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let refused = |why| Ok(EnrollOutcome::Refused(why));
    let Some((user_id, expires_at, used_at)) = code else {
        return refused(EnrollRefusal::UnknownCode);
    };
    if used_at.is_some() {
        return refused(EnrollRefusal::CodeUsed);
    }
    if expires_at <= e.now {
        return refused(EnrollRefusal::CodeExpired);
    }
    let actor_taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE actor = ?1)",
        [&e.actor],
        |row| row.get(0),
    )?;
    if actor_taken {
        return refused(EnrollRefusal::ActorTaken);
    }
    let user = tx
        .query_row(
            "SELECT user_id, role, district, created_at FROM users WHERE user_id = ?1",
            [&user_id],
            user_row,
        )
        .map_err(|_| StorageError::Corrupt("enrollment code of an unknown user"))
        .and_then(finish_user)?;
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ?1, device_id = ?2 WHERE code_hash = ?3",
        (e.now, &e.device_id, &e.code_hash[..]),
    )?;
    tx.execute(
        "INSERT INTO devices (device_id, user_id, public_key, actor, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&e.device_id, &user.user_id, &e.public_key, &e.actor, e.now),
    )?;
    audit_log::append(&tx, &e.audit_entry(&user.user_id))?;
    tx.commit()?;
    Ok(EnrollOutcome::Enrolled(user))
}

const DEVICE_COLUMNS: &str =
    "d.device_id, d.user_id, d.public_key, d.actor, d.enrolled_at, d.revoked_at";

fn device_row(row: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        device_id: row.get(0)?,
        user_id: row.get(1)?,
        public_key: row.get(2)?,
        actor: row.get(3)?,
        enrolled_at: row.get(4)?,
        revoked_at: row.get(5)?,
    })
}

pub fn device(
    conn: &mut Connection,
    device_id: &str,
) -> Result<Option<(Device, User)>, StorageError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS}, u.user_id, u.role, u.district, u.created_at
         FROM devices d JOIN users u ON u.user_id = d.user_id WHERE d.device_id = ?1"
    );
    let found = conn
        .query_row(&sql, [device_id], |row| {
            let user: UserRow = (row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?);
            Ok((device_row(row)?, user))
        })
        .optional()?;
    match found {
        None => Ok(None),
        Some((device, user)) => Ok(Some((device, finish_user(user)?))),
    }
}

pub fn devices(conn: &mut Connection) -> Result<Vec<Device>, StorageError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d ORDER BY d.enrolled_at, d.device_id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], device_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn revoke_device(
    conn: &mut Connection,
    device_id: &str,
    at: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let changed = tx.execute(
        "UPDATE devices SET revoked_at = ?1 WHERE device_id = ?2 AND revoked_at IS NULL",
        (at, device_id),
    )?;
    if changed == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit)?;
    tx.commit()?;
    Ok(true)
}

pub fn remember_nonce(
    conn: &mut Connection,
    device_id: &str,
    nonce: &str,
    at: i64,
) -> Result<bool, StorageError> {
    let inserted = conn.execute(
        "INSERT INTO nonces (device_id, nonce, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        (device_id, nonce, at),
    )?;
    Ok(inserted == 1)
}

pub fn forget_nonces(conn: &mut Connection, before: i64) -> Result<u64, StorageError> {
    let deleted = conn.execute("DELETE FROM nonces WHERE seen_at < ?1", [before])?;
    Ok(deleted as u64)
}
