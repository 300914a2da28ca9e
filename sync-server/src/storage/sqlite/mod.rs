//! The embedded backend: one SQLite file (WAL journal, `synchronous=FULL`).
//!
//! One connection behind a mutex is the single writer SQLite allows anyway;
//! every call runs on tokio's blocking pool so the async workers never wait
//! on disk. Several processes (the server and `admin` commands) may open the
//! same file: SQLite's locks and a busy timeout order them.

mod audit_log;
mod cases;
#[cfg(test)]
pub(crate) mod fixture;
mod identity;
mod migrate;
mod office;
mod pull;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::sync::projection::CaseProjection;

use super::{
    Account, Decide, Device, EnrollOutcome, IssuedCode, NewEnrollment, OfficeCase, PullBatch,
    PullQuery, PushOutcome, Storage, StorageError, User, WebSession,
};
use crate::audit::{AuditCheck, AuditEntry, AuditRow};
use crate::storage::columns::seq_i64;

/// How long a write waits for another process holding the file's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStorage")
    }
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // journal_mode answers with a row, so it is queried, not executed.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        migrate::migrate(&mut conn)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    async fn run<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock (inside Automerge, say) rolled
            // its transaction back when the transaction was dropped during
            // unwinding; the connection itself is still sound.
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(|_| StorageError::WorkerFailed)?
    }
}

impl Storage for SqliteStorage {
    async fn create_user(&self, user: User, audit: AuditEntry) -> Result<bool, StorageError> {
        self.run(move |conn| identity::create_user(conn, &user, &audit))
            .await
    }

    async fn user(&self, user_id: String) -> Result<Option<User>, StorageError> {
        self.run(move |conn| identity::user(conn, &user_id)).await
    }

    async fn issue_code(&self, code: IssuedCode, audit: AuditEntry) -> Result<(), StorageError> {
        self.run(move |conn| identity::issue_code(conn, &code, &audit))
            .await
    }

    async fn enroll(&self, enrollment: NewEnrollment) -> Result<EnrollOutcome, StorageError> {
        self.run(move |conn| identity::enroll(conn, &enrollment))
            .await
    }

    async fn device(&self, device_id: String) -> Result<Option<(Device, User)>, StorageError> {
        self.run(move |conn| identity::device(conn, &device_id))
            .await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        self.run(identity::devices).await
    }

    async fn users(&self, district: Option<String>) -> Result<Vec<User>, StorageError> {
        self.run(move |conn| identity::users(conn, district.as_deref()))
            .await
    }

    async fn revoke_device(
        &self,
        device_id: String,
        at: i64,
        audit: AuditEntry,
    ) -> Result<bool, StorageError> {
        self.run(move |conn| identity::revoke_device(conn, &device_id, at, &audit))
            .await
    }

    async fn remember_nonce(
        &self,
        device_id: String,
        nonce: String,
        at: i64,
    ) -> Result<bool, StorageError> {
        self.run(move |conn| identity::remember_nonce(conn, &device_id, &nonce, at))
            .await
    }

    async fn forget_nonces(&self, before: i64) -> Result<u64, StorageError> {
        self.run(move |conn| identity::forget_nonces(conn, before))
            .await
    }

    async fn apply_push<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
    ) -> Result<PushOutcome, StorageError> {
        self.run(move |conn| cases::apply_push(conn, &case_id, &origin_device, decide, None))
            .await
    }

    async fn apply_push_audited<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
        audit: AuditEntry,
    ) -> Result<PushOutcome, StorageError> {
        self.run(move |conn| {
            cases::apply_push(conn, &case_id, &origin_device, decide, Some(&audit))
        })
        .await
    }

    async fn case_document(
        &self,
        case_id: String,
    ) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
        self.run(move |conn| office::case_document(conn, &case_id))
            .await
    }

    async fn lost_since(
        &self,
        user_id: String,
        cursor: u64,
    ) -> Result<HashSet<String>, StorageError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT case_id FROM removals WHERE user_id = ?1 AND at_seq > ?2",
            )?;
            let rows = stmt.query_map((&user_id, seq_i64(cursor)), |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn pull(&self, query: PullQuery) -> Result<PullBatch, StorageError> {
        self.run(move |conn| pull::pull(conn, &query)).await
    }

    async fn append_audit(&self, entry: AuditEntry) -> Result<(), StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            audit_log::append(&tx, &entry)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn verify_audit(&self) -> Result<AuditCheck, StorageError> {
        self.run(audit_log::verify).await
    }

    async fn audit_rows(
        &self,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRow>, StorageError> {
        self.run(move |conn| office::audit_rows(conn, before, limit))
            .await
    }

    async fn case_facts(
        &self,
        districts: Option<Vec<String>>,
    ) -> Result<Vec<CaseFacts>, StorageError> {
        self.run(move |conn| office::case_facts(conn, districts.as_deref()))
            .await
    }

    async fn district_cases(&self, district: String) -> Result<Vec<OfficeCase>, StorageError> {
        self.run(move |conn| office::district_cases(conn, &district))
            .await
    }

    async fn set_password(
        &self,
        user_id: String,
        hash: Vec<u8>,
        audit: AuditEntry,
    ) -> Result<bool, StorageError> {
        self.run(move |conn| office::set_password(conn, &user_id, &hash, &audit))
            .await
    }

    async fn password(&self, user_id: String) -> Result<Option<Account>, StorageError> {
        self.run(move |conn| office::password(conn, &user_id)).await
    }

    async fn sign_in_failures(&self, user_id: String, since: i64) -> Result<u64, StorageError> {
        self.run(move |conn| office::sign_in_failures(conn, &user_id, since))
            .await
    }

    async fn create_session(
        &self,
        session: WebSession,
        audit: AuditEntry,
    ) -> Result<(), StorageError> {
        self.run(move |conn| office::create_session(conn, &session, &audit))
            .await
    }

    async fn session(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> Result<Option<(WebSession, User)>, StorageError> {
        self.run(move |conn| office::session(conn, &token_hash, now))
            .await
    }

    async fn end_session(
        &self,
        token_hash: [u8; 32],
        audit: AuditEntry,
    ) -> Result<(), StorageError> {
        self.run(move |conn| office::end_session(conn, &token_hash, &audit))
            .await
    }
}
