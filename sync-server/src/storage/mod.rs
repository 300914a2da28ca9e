//! Everything the server keeps, behind one trait so that the embedded
//! SQLite file ([`sqlite`]) and a shared PostgreSQL database ([`postgres`])
//! are interchangeable.
//!
//! The trait is shaped by what must be atomic, not by tables: taking a push
//! (document, projection, numbered changes and visibility in one
//! transaction), enrolling a device (code spent, device created, audited),
//! one pull (read from one consistent snapshot). A backend decides how to
//! lock; the rules of who may do what stay in `ocrotire_core::sync` and
//! [`visibility`], shared by every backend.
//!
//! Every method returns a `Send` future, so the HTTP layer can be generic
//! over the backend without boxing; blocking backends run their work on
//! tokio's blocking pool.

mod columns;
#[cfg(test)]
mod conformance;
mod enrolment;
mod paging;
pub mod postgres;
mod schema;
pub mod sqlite;
pub mod throwaway;
pub mod visibility;

use std::collections::HashSet;
use std::future::Future;

use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::model::Role;
use ocrotire_core::sync::projection::CaseProjection;
use ocrotire_core::sync::protocol::{CaseStatusNote, Pull, RefusalReason};

use crate::audit::{AuditCheck, AuditEntry, AuditRow};

/// Failures of the storage layer. Messages name tables and constraints,
/// never stored values, so they are safe to log.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(postgres::PgError),
    #[error("the database schema is version {found}, newer than this server knows ({known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("a stored row is not what this server wrote: {0}")]
    Corrupt(&'static str),
    #[error("the storage worker stopped unexpectedly")]
    WorkerFailed,
    #[error("unsupported database location: {0}")]
    UnsupportedLocation(String),
}

impl StorageError {
    /// The database ran out of disk space: SQLite's `SQLITE_FULL`, or
    /// PostgreSQL's `disk_full` (53100). The transaction was rolled back, so
    /// nothing was half written; the same request succeeds once space
    /// returns.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StorageError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            StorageError::Postgres(e) => {
                e.code() == Some(&tokio_postgres::error::SqlState::DISK_FULL)
            }
            _ => false,
        }
    }
}

/// A person who may hold devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: String,
    pub role: Role,
    pub district: String,
    pub created_at: i64,
}

/// An enrolled device and the key it signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub user_id: String,
    /// Ed25519 public key, 32 bytes.
    pub public_key: Vec<u8>,
    /// The Automerge actor every change from this device must carry.
    pub actor: Vec<u8>,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
}

/// A one-time enrollment code, as stored: only its hash.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code_hash: [u8; 32],
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A device asking to enroll with a code.
#[derive(Debug, Clone)]
pub struct NewEnrollment {
    pub code_hash: [u8; 32],
    pub device_id: String,
    pub public_key: Vec<u8>,
    pub actor: Vec<u8>,
    pub now: i64,
}

impl NewEnrollment {
    /// The audit row of this enrollment by `user_id`, written with it.
    pub fn audit_entry(&self, user_id: &str) -> AuditEntry {
        AuditEntry {
            at: self.now,
            user_id: user_id.to_owned(),
            device_id: self.device_id.clone(),
            action: crate::audit::Action::Enroll,
            subject: format!("device={}", self.device_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollOutcome {
    /// Enrolled now, or earlier (the same device asking again after its
    /// answer was lost): `device_id` is the device's id either way.
    Enrolled {
        user: User,
        device_id: String,
    },
    Refused(EnrollRefusal),
}

/// Why an enrollment was refused (nothing was stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollRefusal {
    UnknownCode,
    CodeUsed,
    CodeExpired,
    /// Another device already uses this Automerge actor: two devices with one
    /// actor would defeat the check that a device sends only its own changes.
    ActorTaken,
}

/// A change the server has not stored yet, with its Automerge hash.
#[derive(Debug, Clone)]
pub struct FreshChange {
    pub hash: [u8; 32],
    pub bytes: Vec<u8>,
}

/// What the rules decided to store for one push.
#[derive(Debug)]
pub struct Decision {
    pub doc: Vec<u8>,
    pub projection: CaseProjection,
    /// What the case adds to the indicators, stored encoded beside it.
    pub facts: CaseFacts,
    pub case_number: String,
    pub fresh: Vec<FreshChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Changes were numbered `first_seq..=last_seq` (gaps possible when a
    /// change was already stored).
    Stored {
        first_seq: u64,
        last_seq: u64,
    },
    /// Everything pushed was already stored: nothing to do.
    Unchanged,
    Refused(RefusalReason),
}

/// Who is pulling, from which device.
#[derive(Debug, Clone)]
pub struct Reader {
    pub user_id: String,
    pub role: Role,
    pub district: String,
    pub device_id: String,
}

#[derive(Debug, Clone)]
pub struct PullQuery {
    pub reader: Reader,
    pub cursor: u64,
    /// Stop adding documents and changes once this many bytes are in (at
    /// least one item is always sent, so paging always progresses).
    pub budget_bytes: usize,
    /// Bound on status notes in one answer.
    pub max_statuses: usize,
}

/// One page of what a device should learn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullBatch {
    pub pulls: Vec<Pull>,
    pub statuses: Vec<CaseStatusNote>,
    pub removed: Vec<String>,
    pub cursor: u64,
    pub more: bool,
}

/// A district's case as its office lists it: the projection, the number
/// people know it by, and its indicator facts (absent for a case stored
/// before facts were kept, until its next push).
#[derive(Debug, Clone)]
pub struct OfficeCase {
    pub case_number: String,
    pub projection: CaseProjection,
    pub facts: Option<CaseFacts>,
}

/// A user and their dashboard password hash (none for field workers, who
/// sign in on devices only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub password_hash: Option<Vec<u8>>,
}

/// A signed-in dashboard session, stored by the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub token_hash: [u8; 32],
    pub user_id: String,
    /// Sent back with every form; a page of another site cannot know it.
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The decision a push runs under the document's lock: given the stored
/// document (if any), what to store, or why not.
pub trait Decide:
    FnOnce(Option<&[u8]>) -> Result<Decision, RefusalReason> + Send + 'static
{
}
impl<F> Decide for F where
    F: FnOnce(Option<&[u8]>) -> Result<Decision, RefusalReason> + Send + 'static
{
}

/// The server's persistent state. Implementations must make each method
/// atomic and, for [`Storage::apply_push`], number changes in commit order.
pub trait Storage: Clone + Send + Sync + 'static {
    /// Creates a user; `false` if the id is taken (nothing changes then).
    fn create_user(
        &self,
        user: User,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn user(
        &self,
        user_id: String,
    ) -> impl Future<Output = Result<Option<User>, StorageError>> + Send;

    /// Stores a new one-time code for an existing user.
    fn issue_code(
        &self,
        code: IssuedCode,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Spends a code and creates the device, audited, in one transaction,
    /// or repeats an earlier enrolment of the same device (see
    /// [`enrolment`]).
    fn enroll(
        &self,
        enrollment: NewEnrollment,
    ) -> impl Future<Output = Result<EnrollOutcome, StorageError>> + Send;

    /// A device and the user holding it.
    fn device(
        &self,
        device_id: String,
    ) -> impl Future<Output = Result<Option<(Device, User)>, StorageError>> + Send;

    fn devices(&self) -> impl Future<Output = Result<Vec<Device>, StorageError>> + Send;

    /// The users of `district` (every user when `None`), by id.
    fn users(
        &self,
        district: Option<String>,
    ) -> impl Future<Output = Result<Vec<User>, StorageError>> + Send;

    /// Marks a device revoked; `false` if unknown or already revoked.
    fn revoke_device(
        &self,
        device_id: String,
        at: i64,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Records a request nonce; `false` if this device already used it.
    fn remember_nonce(
        &self,
        device_id: String,
        nonce: String,
        at: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Forgets nonces seen before `before` (they can no longer be replayed:
    /// their requests are outside the clock window).
    fn forget_nonces(&self, before: i64) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Takes one case's push: locks the case, runs `decide` on the stored
    /// document, and stores the result with its projection, numbered
    /// changes and visibility changes in one transaction.
    fn apply_push<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
    ) -> impl Future<Output = Result<PushOutcome, StorageError>> + Send;

    /// [`Storage::apply_push`] for a change the server writes itself on a
    /// person's behalf (a conflict resolved from the district office's
    /// dashboard): `audit` is appended in the same transaction when the
    /// change is stored, so no such change exists without its row and no
    /// row claims a change that was refused or already there.
    fn apply_push_audited<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<PushOutcome, StorageError>> + Send;

    /// One stored case document and its projection, `None` for a case the
    /// server has not seen: what the office opens to show a case's
    /// conflicts before anyone decides on them. A snapshot, not a lock:
    /// whoever writes from it must check again under
    /// [`Storage::apply_push`]'s lock.
    fn case_document(
        &self,
        case_id: String,
    ) -> impl Future<Output = Result<Option<(Vec<u8>, CaseProjection)>, StorageError>> + Send;

    /// Cases `user_id` stopped seeing after `cursor` (a device at that
    /// cursor has not been told yet).
    fn lost_since(
        &self,
        user_id: String,
        cursor: u64,
    ) -> impl Future<Output = Result<HashSet<String>, StorageError>> + Send;

    /// One page of what `query.reader` should receive after its cursor.
    fn pull(
        &self,
        query: PullQuery,
    ) -> impl Future<Output = Result<PullBatch, StorageError>> + Send;

    /// Appends one audit row. Appends must be serialised so the chain has
    /// one order: SQLite's single writer does it; a shared PostgreSQL must
    /// lock the chain head (`SELECT ... FOR UPDATE`) in the transaction.
    fn append_audit(
        &self,
        entry: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Recomputes the audit hash chain.
    fn verify_audit(&self) -> impl Future<Output = Result<AuditCheck, StorageError>> + Send;

    /// Up to `limit` audit rows, newest first, numbered below `before`
    /// (from the newest when `None`).
    fn audit_rows(
        &self,
        before: Option<u64>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRow>, StorageError>> + Send;

    /// The indicator facts of the cases `districts` hold (every district
    /// when `None`); cases without facts yet are left out.
    fn case_facts(
        &self,
        districts: Option<Vec<String>>,
    ) -> impl Future<Output = Result<Vec<CaseFacts>, StorageError>> + Send;

    /// Every case `district` holds, for its office.
    fn district_cases(
        &self,
        district: String,
    ) -> impl Future<Output = Result<Vec<OfficeCase>, StorageError>> + Send;

    /// Sets the dashboard password hash of an existing user; `false` if
    /// the user is unknown.
    fn set_password(
        &self,
        user_id: String,
        hash: Vec<u8>,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// A user and their dashboard password hash (`None` if they have none).
    fn password(
        &self,
        user_id: String,
    ) -> impl Future<Output = Result<Option<Account>, StorageError>> + Send;

    /// How many failed dashboard sign-ins (`sign_in_failed` audit rows) the
    /// audit log holds for `user_id` at or after `since`: what the sign-in
    /// throttle counts, the same for every instance on one database.
    fn sign_in_failures(
        &self,
        user_id: String,
        since: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Stores a new session, audited with it; expired sessions go then too.
    fn create_session(
        &self,
        session: WebSession,
        audit: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The session and its user, if the token is known and not expired at
    /// `now`.
    fn session(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> impl Future<Output = Result<Option<(WebSession, User)>, StorageError>> + Send;

    /// Ends a session (signing out), audited.
    fn end_session(
        &self,
        token_hash: [u8; 32],
        audit: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}
