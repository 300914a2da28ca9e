//! Users, enrollment codes, devices and request nonces.

use deadpool_postgres::Object;
use tokio_postgres::Row;

use super::{audit_log, violates};
use crate::audit::AuditEntry;
use crate::storage::columns::{finish_user, role_key, UserRow};
use crate::storage::enrolment::{self, EnrolmentStep, StoredCode};
use crate::storage::{
    Device, EnrollOutcome, EnrollRefusal, IssuedCode, NewEnrollment, StorageError, User,
};

pub async fn create_user(
    client: &mut Object,
    user: &User,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await?;
    let inserted = tx
        .execute(
            "INSERT INTO users (user_id, role, district, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO NOTHING",
            &[
                &user.user_id,
                &role_key(user.role),
                &user.district,
                &user.created_at,
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn user(client: &Object, user_id: &str) -> Result<Option<User>, StorageError> {
    let statement = client
        .prepare_cached("SELECT user_id, role, district, created_at FROM users WHERE user_id = $1")
        .await?;
    client
        .query_opt(&statement, &[&user_id])
        .await?
        .map(|row| finish_user(user_row(&row, 0)?))
        .transpose()
}

pub async fn users(client: &Object, district: Option<&str>) -> Result<Vec<User>, StorageError> {
    let statement = client
        .prepare_cached(
            "SELECT user_id, role, district, created_at FROM users
             WHERE $1::TEXT IS NULL OR district = $1 ORDER BY user_id",
        )
        .await?;
    client
        .query(&statement, &[&district])
        .await?
        .iter()
        .map(|row| finish_user(user_row(row, 0)?))
        .collect()
}

/// Reads user id, role, district and creation time starting at `at`.
fn user_row(row: &Row, at: usize) -> Result<UserRow, tokio_postgres::Error> {
    Ok((
        row.try_get(at)?,
        row.try_get(at + 1)?,
        row.try_get(at + 2)?,
        row.try_get(at + 3)?,
    ))
}

pub async fn issue_code(
    client: &mut Object,
    code: &IssuedCode,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO enrollment_codes (code_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[&&code.code_hash[..], &code.user_id, &code.created_at, &code.expires_at],
    )
    .await?;
    audit_log::append(&tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn enroll(client: &mut Object, e: &NewEnrollment) -> Result<EnrollOutcome, StorageError> {
    let tx = client.transaction().await?;
    // The code's row stays locked until commit: a second enrollment with
    // the same code waits, then finds it used (and by whom).
    let code = tx
        .query_opt(
            "SELECT user_id, expires_at, CASE WHEN used_at IS NULL THEN NULL ELSE device_id END
             FROM enrollment_codes WHERE code_hash = $1 FOR UPDATE",
            &[&&e.code_hash[..]],
        )
        .await?;
    let Some(code) = code else {
        return Ok(EnrollOutcome::Refused(EnrollRefusal::UnknownCode));
    };
    let code = StoredCode {
        user_id: code.try_get(0)?,
        expires_at: code.try_get(1)?,
        used_by: code.try_get(2)?,
    };
    let holder = tx
        .query_opt(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.actor = $1"),
            &[&e.actor],
        )
        .await?
        .map(|row| device_row(&row))
        .transpose()?;
    let device_id = match enrolment::decide(&code, holder.as_ref(), e) {
        EnrolmentStep::Refuse(refusal) => return Ok(EnrollOutcome::Refused(refusal)),
        EnrolmentStep::Repeat { device_id } => device_id,
        EnrolmentStep::Create => {
            tx.execute(
                "UPDATE enrollment_codes SET used_at = $1, device_id = $2 WHERE code_hash = $3",
                &[&e.now, &e.device_id, &&e.code_hash[..]],
            )
            .await?;
            let inserted = tx
                .execute(
                    "INSERT INTO devices (device_id, user_id, public_key, actor, enrolled_at) VALUES ($1, $2, $3, $4, $5)",
                    &[&e.device_id, &code.user_id, &e.public_key, &e.actor, &e.now],
                )
                .await;
            match inserted {
                // Another instance enrolled a device with this actor since
                // the lookup above; dropping the transaction undoes
                // spending the code.
                Err(error) if violates(&error, "devices_actor_key") => {
                    return Ok(EnrollOutcome::Refused(EnrollRefusal::ActorTaken))
                }
                other => other?,
            };
            audit_log::append(&tx, &e.audit_entry(&code.user_id)).await?;
            e.device_id.clone()
        }
    };
    let user = tx
        .query_opt(
            "SELECT user_id, role, district, created_at FROM users WHERE user_id = $1",
            &[&code.user_id],
        )
        .await?
        .ok_or(StorageError::Corrupt("enrollment code of an unknown user"))
        .and_then(|row| finish_user(user_row(&row, 0)?))?;
    tx.commit().await?;
    Ok(EnrollOutcome::Enrolled { user, device_id })
}

const DEVICE_COLUMNS: &str =
    "d.device_id, d.user_id, d.public_key, d.actor, d.enrolled_at, d.revoked_at";

fn device_row(row: &Row) -> Result<Device, tokio_postgres::Error> {
    Ok(Device {
        device_id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        public_key: row.try_get(2)?,
        actor: row.try_get(3)?,
        enrolled_at: row.try_get(4)?,
        revoked_at: row.try_get(5)?,
    })
}

pub async fn device(
    client: &Object,
    device_id: &str,
) -> Result<Option<(Device, User)>, StorageError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS}, u.user_id, u.role, u.district, u.created_at
         FROM devices d JOIN users u ON u.user_id = d.user_id WHERE d.device_id = $1"
    );
    let statement = client.prepare_cached(&sql).await?;
    let Some(row) = client.query_opt(&statement, &[&device_id]).await? else {
        return Ok(None);
    };
    Ok(Some((device_row(&row)?, finish_user(user_row(&row, 6)?)?)))
}

pub async fn devices(client: &Object) -> Result<Vec<Device>, StorageError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices d ORDER BY d.enrolled_at, d.device_id");
    let rows = client.query(&sql, &[]).await?;
    Ok(rows.iter().map(device_row).collect::<Result<_, _>>()?)
}

pub async fn revoke_device(
    client: &mut Object,
    device_id: &str,
    at: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let tx = client.transaction().await?;
    let changed = tx
        .execute(
            "UPDATE devices SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL",
            &[&at, &device_id],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    audit_log::append(&tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn remember_nonce(
    client: &Object,
    device_id: &str,
    nonce: &str,
    at: i64,
) -> Result<bool, StorageError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO nonces (device_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .await?;
    let inserted = client
        .execute(&statement, &[&device_id, &nonce, &at])
        .await?;
    Ok(inserted == 1)
}

pub async fn forget_nonces(client: &Object, before: i64) -> Result<u64, StorageError> {
    Ok(client
        .execute("DELETE FROM nonces WHERE seen_at < $1", &[&before])
        .await?)
}
