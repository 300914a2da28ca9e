//! District administration from the command line, directly on the
//! database: users, enrollment codes, devices, and checking the audit log.
//! Every change is audited with the operator's name.

use ocrotire_core::model::Role;

use crate::audit::{hex, Action, AuditEntry};
use crate::clock::now_ms;
use crate::enrollment::{code_hash, new_code, RandomUnavailable, CODE_LIFETIME_MS};
use crate::storage::{IssuedCode, Storage, StorageError, User};
use crate::web::password::{self, PasswordError};

/// What the audit log records as the device of command-line actions.
pub const CLI_DEVICE: &str = "admin-cli";
/// ... and of actions taken on the dashboard.
pub const WEB_DEVICE: &str = "web";

/// Who administers, and through what (`CLI_DEVICE` or `WEB_DEVICE`): both
/// go into the audit row of every change.
#[derive(Debug, Clone, Copy)]
pub struct Operator<'a> {
    pub user_id: &'a str,
    pub channel: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
    #[error("{0}")]
    Invalid(&'static str),
    #[error("user {0} already exists")]
    UserExists(String),
    #[error("no user {0}")]
    UnknownUser(String),
    #[error("no active device {0}")]
    UnknownDevice(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(
        "only district officers, national analysts and administrators sign in to the dashboard"
    )]
    NoDashboard,
    #[error("the audit log is broken at row {seq} (of {rows})")]
    AuditBroken { seq: u64, rows: u64 },
}

/// User ids are chosen by the district (staff numbers, logins): short,
/// printable, and never a person's name in full.
pub fn check_user_id(id: &str) -> Result<(), AdminError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(()).ok_or(AdminError::Invalid(
        "user ids are 1-64 ASCII letters, digits, '.', '_' or '-'",
    ))
}

/// District codes (CUATM) are short digit strings; letters are allowed for
/// test districts.
pub fn check_district(district: &str) -> Result<(), AdminError> {
    let ok = !district.is_empty()
        && district.len() <= 16
        && district.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(()).ok_or(AdminError::Invalid(
        "district codes are 1-16 ASCII letters or digits",
    ))
}

pub fn entry(operator: Operator<'_>, action: Action, subject: String) -> AuditEntry {
    AuditEntry {
        at: now_ms(),
        user_id: operator.user_id.to_owned(),
        device_id: operator.channel.to_owned(),
        action,
        subject,
    }
}

pub async fn create_user<S: Storage>(
    storage: &S,
    operator: Operator<'_>,
    user_id: &str,
    role: Role,
    district: &str,
) -> Result<(), AdminError> {
    check_user_id(user_id)?;
    check_district(district)?;
    let user = User {
        user_id: user_id.to_owned(),
        role,
        district: district.to_owned(),
        created_at: now_ms(),
    };
    let audit = entry(
        operator,
        Action::CreateUser,
        format!("user={user_id} role={} district={district}", role.key()),
    );
    if storage.create_user(user, audit).await? {
        Ok(())
    } else {
        Err(AdminError::UserExists(user_id.to_owned()))
    }
}

/// Sets the dashboard password of an office user.
pub async fn set_password<S: Storage>(
    storage: &S,
    operator: Operator<'_>,
    user_id: &str,
    password: &str,
) -> Result<(), AdminError> {
    let Some(user) = storage.user(user_id.to_owned()).await? else {
        return Err(AdminError::UnknownUser(user_id.to_owned()));
    };
    if !matches!(
        user.role,
        Role::DistrictOfficer | Role::NationalAnalyst | Role::Administrator
    ) {
        return Err(AdminError::NoDashboard);
    }
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|_| StorageError::WorkerFailed)??;
    let audit = entry(operator, Action::SetPassword, format!("user={user_id}"));
    if storage
        .set_password(user_id.to_owned(), hash, audit)
        .await?
    {
        Ok(())
    } else {
        Err(AdminError::UnknownUser(user_id.to_owned()))
    }
}

/// Issues a code and returns it; it is shown once and stored only hashed.
pub async fn enroll_code<S: Storage>(
    storage: &S,
    operator: Operator<'_>,
    user_id: &str,
) -> Result<String, AdminError> {
    if storage.user(user_id.to_owned()).await?.is_none() {
        return Err(AdminError::UnknownUser(user_id.to_owned()));
    }
    let code = new_code()?;
    let now = now_ms();
    let expires_at = now.saturating_add(CODE_LIFETIME_MS);
    let issued = IssuedCode {
        code_hash: code_hash(&code),
        user_id: user_id.to_owned(),
        created_at: now,
        expires_at,
    };
    let audit = entry(
        operator,
        Action::IssueCode,
        format!("user={user_id} expires_at={expires_at}"),
    );
    storage.issue_code(issued, audit).await?;
    Ok(code)
}

/// One line per device, tab-separated, with a header line.
pub async fn list_devices<S: Storage>(storage: &S) -> Result<String, AdminError> {
    let mut out = String::from("device_id\tuser_id\tenrolled_at\trevoked_at\n");
    for device in storage.devices().await? {
        let revoked = device
            .revoked_at
            .map_or_else(|| "-".to_owned(), |at| at.to_string());
        out.push_str(&format!(
            "{}\t{}\t{}\t{revoked}\n",
            device.device_id, device.user_id, device.enrolled_at
        ));
    }
    Ok(out)
}

pub async fn revoke_device<S: Storage>(
    storage: &S,
    operator: Operator<'_>,
    device_id: &str,
) -> Result<(), AdminError> {
    let audit = entry(
        operator,
        Action::RevokeDevice,
        format!("device={device_id}"),
    );
    if storage
        .revoke_device(device_id.to_owned(), now_ms(), audit)
        .await?
    {
        Ok(())
    } else {
        Err(AdminError::UnknownDevice(device_id.to_owned()))
    }
}

/// Checks the chain; on success returns a line with the row count and the
/// head hash, worth recording elsewhere to detect a truncated log later.
pub async fn verify_audit<S: Storage>(storage: &S) -> Result<String, AdminError> {
    let check = storage.verify_audit().await?;
    match check.first_broken {
        Some(seq) => Err(AdminError::AuditBroken {
            seq,
            rows: check.rows,
        }),
        None => Ok(format!(
            "audit log intact: {} rows, head {}",
            check.rows,
            hex(&check.head)
        )),
    }
}
