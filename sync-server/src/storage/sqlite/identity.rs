//! Users, enrollment codes, devices and request nonces.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior};

use super::audit_log;
use crate::audit::AuditEntry;
use crate::storage::columns::{finish_user, role_key, UserRow};
use crate::storage::enrolment::{self, EnrolmentStep, StoredCode};
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

pub fn users(conn: &mut Connection, district: Option<&str>) -> Result<Vec<User>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, role, district, created_at FROM users
         WHERE ?1 IS NULL OR district = ?1 ORDER BY user_id",
    )?;
    let rows = stmt.query_map([district], user_row)?;
    rows.map(|row| finish_user(row?)).collect()
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
    let code = tx
        .query_row(
            "SELECT user_id, expires_at, CASE WHEN used_at IS NULL THEN NULL ELSE device_id END
             FROM enrollment_codes WHERE code_hash = ?1",
            [&e.code_hash[..]],
            |row| {
                Ok(StoredCode {
                    user_id: row.get(0)?,
                    expires_at: row.get(1)?,
                    used_by: row.get(2)?,
                })
            },
        )
        .optional()?;
    let Some(code) = code else {
        return Ok(EnrollOutcome::Refused(EnrollRefusal::UnknownCode));
    };
    let holder = tx
        .query_row(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.actor = ?1"),
            [&e.actor],
            device_row,
        )
        .optional()?;
    let device_id = match enrolment::decide(&code, holder.as_ref(), e) {
        EnrolmentStep::Refuse(refusal) => return Ok(EnrollOutcome::Refused(refusal)),
        EnrolmentStep::Repeat { device_id } => device_id,
        EnrolmentStep::Create => {
            tx.execute(
                "UPDATE enrollment_codes SET used_at = ?1, device_id = ?2 WHERE code_hash = ?3",
                (e.now, &e.device_id, &e.code_hash[..]),
            )?;
            tx.execute(
                "INSERT INTO devices (device_id, user_id, public_key, actor, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                (&e.device_id, &code.user_id, &e.public_key, &e.actor, e.now),
            )?;
            audit_log::append(&tx, &e.audit_entry(&code.user_id))?;
            e.device_id.clone()
        }
    };
    let user = tx
        .query_row(
            "SELECT user_id, role, district, created_at FROM users WHERE user_id = ?1",
            [&code.user_id],
            user_row,
        )
        .map_err(|_| StorageError::Corrupt("enrollment code of an unknown user"))
        .and_then(finish_user)?;
    tx.commit()?;
    Ok(EnrollOutcome::Enrolled { user, device_id })
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
