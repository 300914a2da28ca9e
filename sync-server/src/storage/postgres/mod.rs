//! The shared backend: one PostgreSQL database that several server
//! instances use at once (tokio-postgres through a deadpool pool).
//!
//! The SQL mirrors the SQLite backend's, statement for statement; what
//! differs is how concurrent writers from several instances are ordered:
//! - a push takes a transaction-scoped advisory lock keyed by its case (the
//!   row may not exist yet) before reading the document, and bumps the
//!   `seq_counter` row with `UPDATE ... RETURNING`, which keeps it locked
//!   until commit, so sequence numbers become visible in commit order;
//! - an audit append locks the chain head row (`audit_head`,
//!   `SELECT ... FOR UPDATE`), so the chain has one order;
//! - an enrollment locks its code's row, so a code is spent once;
//! - a pull reads one `REPEATABLE READ` snapshot;
//! - replayed nonces hit the primary key of `nonces`;
//! - migrations run under a session advisory lock, so two instances
//!   starting on a fresh database do not both apply a step.
//!
//! The connection is plain TCP or a Unix socket (no TLS to the database):
//! keep PostgreSQL on the same host or a private network.

mod audit_log;
mod cases;
#[cfg(test)]
pub(crate) mod fixture;
mod identity;
mod migrate;
mod office;
mod pull;
pub mod scratch;

use std::collections::HashSet;
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;

use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::sync::projection::CaseProjection;

use super::{
    Account, Decide, Device, EnrollOutcome, IssuedCode, NewEnrollment, OfficeCase, PullBatch,
    PullQuery, PushOutcome, Storage, StorageError, User, WebSession,
};
use crate::audit::{AuditCheck, AuditEntry, AuditRow};
use crate::storage::columns::seq_i64;

/// Connections a server keeps open by default.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// How long a request waits for a free connection before failing.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How long opening a new connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connection settings: they hold a password.
        f.write_str("PostgresStorage")
    }
}

/// A PostgreSQL failure, shown with the server's error code, message and
/// constraint but without its DETAIL line, which can quote stored values
/// (`Debug` shows the same, so a panic message cannot leak them either).
pub struct PgError(Source);

enum Source {
    Client(tokio_postgres::Error),
    Pool(String),
}

impl PgError {
    /// The server's SQLSTATE, for errors the server reported.
    pub fn code(&self) -> Option<&tokio_postgres::error::SqlState> {
        match &self.0 {
            Source::Client(e) => e.code(),
            Source::Pool(_) => None,
        }
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let error = match &self.0 {
            Source::Pool(text) => return f.write_str(text),
            Source::Client(error) => error,
        };
        if let Some(db) = error.as_db_error() {
            write!(
                f,
                "{} {}: {}",
                db.severity(),
                db.code().code(),
                db.message()
            )?;
            if let Some(constraint) = db.constraint() {
                write!(f, " (constraint {constraint})")?;
            }
            return Ok(());
        }
        write!(f, "{error}")?;
        if let Some(source) = std::error::Error::source(error) {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgError({self})")
    }
}

impl std::error::Error for PgError {}

impl From<tokio_postgres::Error> for StorageError {
    fn from(error: tokio_postgres::Error) -> Self {
        StorageError::Postgres(PgError(Source::Client(error)))
    }
}

impl From<PoolError> for StorageError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Backend(error) => error.into(),
            PoolError::Timeout(_) => StorageError::Postgres(PgError(Source::Pool(
                "no database connection became free in time".into(),
            ))),
            other => {
                StorageError::Postgres(PgError(Source::Pool(format!("connection pool: {other}"))))
            }
        }
    }
}

/// Whether `error` is the violation of the unique constraint `constraint`.
fn violates(error: &tokio_postgres::Error, constraint: &str) -> bool {
    error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        && error.as_db_error().and_then(|db| db.constraint()) == Some(constraint)
}

/// Parses a connection string (`postgres://user:password@host:port/db` or
/// `host=... dbname=...`) without ever echoing it: it holds a password.
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, StorageError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|_| {
        StorageError::UnsupportedLocation(
            "the PostgreSQL URL cannot be parsed (postgres://user:password@host:port/database)"
                .into(),
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("ocrotire-server");
    }
    Ok(config)
}

impl PostgresStorage {
    /// Connects to the database named by `url`, brings its schema up to
    /// date, and keeps up to `pool_size` connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<PostgresStorage, StorageError> {
        let config = parse_url(url)?;
        migrate::migrate(&config).await?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| {
                StorageError::Postgres(PgError(Source::Pool(format!("connection pool: {e}"))))
            })?;
        // Fail at startup, not at the first request, when the database
        // cannot be reached.
        drop(pool.get().await?);
        Ok(PostgresStorage { pool })
    }

    async fn client(&self) -> Result<Object, StorageError> {
        Ok(self.pool.get().await?)
    }
}

impl Storage for PostgresStorage {
    async fn create_user(&self, user: User, audit: AuditEntry) -> Result<bool, StorageError> {
        identity::create_user(&mut self.client().await?, &user, &audit).await
    }

    async fn user(&self, user_id: String) -> Result<Option<User>, StorageError> {
        identity::user(&self.client().await?, &user_id).await
    }

    async fn issue_code(&self, code: IssuedCode, audit: AuditEntry) -> Result<(), StorageError> {
        identity::issue_code(&mut self.client().await?, &code, &audit).await
    }

    async fn enroll(&self, enrollment: NewEnrollment) -> Result<EnrollOutcome, StorageError> {
        identity::enroll(&mut self.client().await?, &enrollment).await
    }

    async fn device(&self, device_id: String) -> Result<Option<(Device, User)>, StorageError> {
        identity::device(&self.client().await?, &device_id).await
    }

    async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        identity::devices(&self.client().await?).await
    }

    async fn users(&self, district: Option<String>) -> Result<Vec<User>, StorageError> {
        identity::users(&self.client().await?, district.as_deref()).await
    }

    async fn revoke_device(
        &self,
        device_id: String,
        at: i64,
        audit: AuditEntry,
    ) -> Result<bool, StorageError> {
        identity::revoke_device(&mut self.client().await?, &device_id, at, &audit).await
    }

    async fn remember_nonce(
        &self,
        device_id: String,
        nonce: String,
        at: i64,
    ) -> Result<bool, StorageError> {
        identity::remember_nonce(&self.client().await?, &device_id, &nonce, at).await
    }

    async fn forget_nonces(&self, before: i64) -> Result<u64, StorageError> {
        identity::forget_nonces(&self.client().await?, before).await
    }

    async fn apply_push<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
    ) -> Result<PushOutcome, StorageError> {
        cases::apply_push(
            &mut self.client().await?,
            &case_id,
            &origin_device,
            decide,
            None,
        )
        .await
    }

    async fn apply_push_audited<F: Decide>(
        &self,
        case_id: String,
        origin_device: String,
        decide: F,
        audit: AuditEntry,
    ) -> Result<PushOutcome, StorageError> {
        let mut client = self.client().await?;
        cases::apply_push(&mut client, &case_id, &origin_device, decide, Some(&audit)).await
    }

    async fn case_document(
        &self,
        case_id: String,
    ) -> Result<Option<(Vec<u8>, CaseProjection)>, StorageError> {
        office::case_document(&self.client().await?, &case_id).await
    }

    async fn lost_since(
        &self,
        user_id: String,
        cursor: u64,
    ) -> Result<HashSet<String>, StorageError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT case_id FROM removals WHERE user_id = $1 AND at_seq > $2")
            .await?;
        let rows = client
            .query(&statement, &[&user_id, &seq_i64(cursor)])
            .await?;
        Ok(rows
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    async fn pull(&self, query: PullQuery) -> Result<PullBatch, StorageError> {
        pull::pull(&mut self.client().await?, &query).await
    }

    async fn append_audit(&self, entry: AuditEntry) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        audit_log::append(&tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn verify_audit(&self) -> Result<AuditCheck, StorageError> {
        audit_log::verify(&mut self.client().await?).await
    }

    async fn audit_rows(
        &self,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRow>, StorageError> {
        office::audit_rows(&self.client().await?, before, limit).await
    }

    async fn case_facts(
        &self,
        districts: Option<Vec<String>>,
    ) -> Result<Vec<CaseFacts>, StorageError> {
        office::case_facts(&self.client().await?, districts.as_deref()).await
    }

    async fn district_cases(&self, district: String) -> Result<Vec<OfficeCase>, StorageError> {
        office::district_cases(&self.client().await?, &district).await
    }

    async fn set_password(
        &self,
        user_id: String,
        hash: Vec<u8>,
        audit: AuditEntry,
    ) -> Result<bool, StorageError> {
        office::set_password(&mut self.client().await?, &user_id, &hash, &audit).await
    }

    async fn password(&self, user_id: String) -> Result<Option<Account>, StorageError> {
        office::password(&self.client().await?, &user_id).await
    }

    async fn sign_in_failures(&self, user_id: String, since: i64) -> Result<u64, StorageError> {
        office::sign_in_failures(&self.client().await?, &user_id, since).await
    }

    async fn create_session(
        &self,
        session: WebSession,
        audit: AuditEntry,
    ) -> Result<(), StorageError> {
        office::create_session(&mut self.client().await?, &session, &audit).await
    }

    async fn session(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> Result<Option<(WebSession, User)>, StorageError> {
        office::session(&self.client().await?, &token_hash, now).await
    }

    async fn end_session(
        &self,
        token_hash: [u8; 32],
        audit: AuditEntry,
    ) -> Result<(), StorageError> {
        office::end_session(&mut self.client().await?, &token_hash, &audit).await
    }
}

/// Reads a query's rows a chunk at a time through a portal, so a long
/// result is never held whole in memory and reading can stop early. Lives
/// inside the transaction it was opened in.
struct Chunks {
    portal: tokio_postgres::Portal,
    rows: std::vec::IntoIter<tokio_postgres::Row>,
    exhausted: bool,
}

/// Rows fetched per round trip by [`Chunks`].
const CHUNK_ROWS: i32 = 256;

impl Chunks {
    async fn open(
        tx: &deadpool_postgres::Transaction<'_>,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Chunks, StorageError> {
        let statement = tx.prepare_cached(sql).await?;
        let portal = tx.bind(&statement, params).await?;
        Ok(Chunks {
            portal,
            rows: Vec::new().into_iter(),
            exhausted: false,
        })
    }

    async fn next(
        &mut self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<Option<tokio_postgres::Row>, StorageError> {
        if let Some(row) = self.rows.next() {
            return Ok(Some(row));
        }
        if self.exhausted {
            return Ok(None);
        }
        let rows = tx.query_portal(&self.portal, CHUNK_ROWS).await?;
        self.exhausted = rows.len() < usize::try_from(CHUNK_ROWS).unwrap_or(0);
        self.rows = rows.into_iter();
        Ok(self.rows.next())
    }
}
