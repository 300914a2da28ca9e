//! The PostgreSQL side of the shared storage tests (`storage::conformance`):
//! a scratch database of its own per test on the server named by
//! `OCROTIRE_TEST_POSTGRES_URL`, written to raw through the pool.

use ocrotire_core::model::Role;

use super::pull::visible_predicate;
use super::scratch::{self, ScratchDatabase};
use super::PostgresStorage;
use crate::storage::columns::assigned_json;
use crate::storage::conformance::{joined, Fixture};
use crate::storage::StorageError;

pub struct PgFixture {
    storage: PostgresStorage,
    // Dropped after the storage's pool, closing what is left open to it.
    database: ScratchDatabase,
}

/// A fresh database, or `None` (said loudly) when no server is configured.
pub async fn open(test: &str) -> Option<PgFixture> {
    let server = scratch::test_server(test)?;
    let database = ScratchDatabase::create(&server, "test").await.unwrap();
    let storage = PostgresStorage::connect(database.url(), 4).await.unwrap();
    Some(PgFixture { storage, database })
}

impl PgFixture {
    async fn execute(&self, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) {
        let client = self.storage.client().await.unwrap();
        client.execute(sql, params).await.unwrap();
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Vec<tokio_postgres::Row> {
        let client = self.storage.client().await.unwrap();
        client.query(sql, params).await.unwrap()
    }
}

impl Fixture for PgFixture {
    type Storage = PostgresStorage;

    fn storage(&self) -> &PostgresStorage {
        &self.storage
    }

    async fn second(&self) -> PostgresStorage {
        PostgresStorage::connect(self.database.url(), 4)
            .await
            .unwrap()
    }

    async fn reopen(&self) -> Result<(), StorageError> {
        PostgresStorage::connect(self.database.url(), 1)
            .await
            .map(drop)
    }

    async fn open_fresh_at_once(&self, instances: usize) -> Vec<Result<(), StorageError>> {
        let server = scratch::test_server("open_fresh_at_once").unwrap();
        let fresh = ScratchDatabase::create(&server, "test").await.unwrap();
        let opening: Vec<_> = (0..instances)
            .map(|_| {
                let url = fresh.url().to_owned();
                tokio::spawn(async move { PostgresStorage::connect(&url, 1).await.map(drop) })
            })
            .collect();
        let opened = joined(opening).await;
        fresh.drop_database().await.unwrap();
        opened
    }

    async fn newer_schema(&self) {
        self.execute(
            "INSERT INTO schema_version SELECT MAX(version) + 1, 0 FROM schema_version",
            &[],
        )
        .await;
    }

    async fn insert_case(
        &self,
        id: &str,
        district: &str,
        creator: &str,
        assigned: &[&str],
        seq: i64,
    ) {
        let assigned: Vec<String> = assigned.iter().map(|s| s.to_string()).collect();
        self.execute(
            "INSERT INTO documents VALUES ($1, $2, $3, $4, $5::TEXT::JSONB, 'open', NULL, 0, false, false, false, 'female', 'x', 0, $6, 0, '', NULL, '')",
            &[&id, &format!("doc-{id}").into_bytes(), &district, &creator, &assigned_json(&assigned), &seq],
        )
        .await;
    }

    async fn insert_change(&self, seq: i64, case_id: &str, device: &str) {
        self.execute(
            "INSERT INTO changes VALUES ($1, $2, $3, $4, $5)",
            &[
                &seq,
                &case_id,
                &device,
                &seq.to_be_bytes().to_vec(),
                &format!("[{seq}]").into_bytes(),
            ],
        )
        .await;
        self.execute(
            "UPDATE seq_counter SET last_seq = GREATEST(last_seq, $1)",
            &[&seq],
        )
        .await;
    }

    async fn insert_visibility(&self, user: &str, case_id: &str, since_seq: i64) {
        self.execute(
            "INSERT INTO visibility VALUES ($1, $2, $3)",
            &[&user, &case_id, &since_seq],
        )
        .await;
    }

    async fn mark_created(&self, case_id: &str, seq: i64, device: &str) {
        self.execute(
            "UPDATE documents SET created_seq = $2, created_device = $3 WHERE case_id = $1",
            &[&case_id, &seq, &device],
        )
        .await;
    }

    async fn insert_removal(&self, user: &str, case_id: &str, at_seq: i64) {
        self.execute(
            "INSERT INTO removals VALUES ($1, $2, $3)",
            &[&user, &case_id, &at_seq],
        )
        .await;
    }

    async fn visible(&self, role: Role, user: &str) -> Option<Vec<String>> {
        let visible = visible_predicate(role)?;
        // `$1` and `$2` are bound for every role, as in the real queries.
        let sql = format!(
            "SELECT case_id FROM documents d
             WHERE ({visible}) AND $1::TEXT IS NOT NULL AND $2::TEXT IS NOT NULL ORDER BY case_id"
        );
        let rows = self.query(&sql, &[&user, &"9200"]).await;
        Some(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn changes(&self) -> Vec<(i64, String)> {
        let rows = self
            .query("SELECT seq, case_id FROM changes ORDER BY seq", &[])
            .await;
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    }

    async fn documents(&self) -> Vec<(String, i64, Vec<u8>)> {
        let rows = self
            .query(
                "SELECT case_id, updated_seq, doc FROM documents ORDER BY case_id",
                &[],
            )
            .await;
        rows.iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    }
}
