//! Versioned schema migrations, embedded in the binary, run at startup on a
//! connection of their own. A session advisory lock orders instances that
//! start together: the first applies the steps, the others wait and then
//! find nothing to do. Each step commits together with its
//! `schema_version` row, so a crash leaves the database at one version or
//! the next.

use tokio_postgres::{Client, Config, NoTls};

use crate::storage::{schema, StorageError};

/// `(version, SQL)`, in order. Never edit a released step: add one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_initial.sql")),
    (2, include_str!("../migrations/postgres/0002_created.sql")),
    (3, include_str!("../migrations/postgres/0003_office.sql")),
    (4, include_str!("../migrations/postgres/0004_sign_in.sql")),
];

/// The advisory lock key of migrations ("ocrotire" in ASCII).
const MIGRATION_LOCK: i64 = 0x6f63_726f_7469_7265;

pub async fn migrate(config: &Config) -> Result<(), StorageError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let connection = tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(error = %crate::storage::StorageError::from(error), "migration connection");
        }
    });
    // Released when this connection closes, whatever happens below.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply(&mut client).await;
    drop(client);
    let _ = connection.await;
    result
}

async fn apply(client: &mut Client) -> Result<(), StorageError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 applied_at BIGINT NOT NULL
             )",
        )
        .await?;
    loop {
        let tx = client.transaction().await?;
        let current = current_version(&tx).await?;
        let Some((version, sql)) = schema::pending(current, MIGRATIONS)?.first() else {
            return Ok(());
        };
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            &[version, &crate::clock::now_ms()],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, "applied schema migration");
    }
}

async fn current_version(client: &impl tokio_postgres::GenericClient) -> Result<i64, StorageError> {
    let row = client
        .query_one("SELECT MAX(version) FROM schema_version", &[])
        .await?;
    Ok(row.get::<_, Option<i64>>(0).unwrap_or(0))
}
