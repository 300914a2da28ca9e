//! The SQLite side of the shared storage tests (`storage::conformance`):
//! a database file in a temporary directory, written to raw through a
//! second connection.

use std::path::PathBuf;

use ocrotire_core::model::Role;
use rusqlite::{named_params, Connection};

use super::{pull::visible_predicate, SqliteStorage};
use crate::storage::columns::assigned_json;
use crate::storage::conformance::{joined, Fixture};
use crate::storage::StorageError;

pub struct SqliteFixture {
    storage: SqliteStorage,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn open() -> SqliteFixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    SqliteFixture {
        storage: SqliteStorage::open(&path).unwrap(),
        path,
        _dir: dir,
    }
}

impl SqliteFixture {
    fn raw(&self) -> Connection {
        let conn = Connection::open(&self.path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn
    }
}

impl Fixture for SqliteFixture {
    type Storage = SqliteStorage;

    fn storage(&self) -> &SqliteStorage {
        &self.storage
    }

    async fn second(&self) -> SqliteStorage {
        SqliteStorage::open(&self.path).unwrap()
    }

    async fn reopen(&self) -> Result<(), StorageError> {
        SqliteStorage::open(&self.path).map(drop)
    }

    async fn open_fresh_at_once(&self, instances: usize) -> Vec<Result<(), StorageError>> {
        let path = self._dir.path().join("fresh.sqlite3");
        let opening: Vec<_> = (0..instances)
            .map(|_| {
                let path = path.clone();
                tokio::task::spawn_blocking(move || SqliteStorage::open(&path).map(drop))
            })
            .collect();
        joined(opening).await
    }

    async fn newer_schema(&self) {
        self.raw()
            .execute(
                "INSERT INTO schema_version SELECT MAX(version) + 1, 0 FROM schema_version",
                [],
            )
            .unwrap();
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
        self.raw()
            .execute(
                "INSERT INTO documents VALUES (?1, ?2, ?3, ?4, ?5, 'open', NULL, 0, 0, 0, 0, 'female', 'x', 0, ?6, 0, '', NULL, '')",
                (id, format!("doc-{id}").into_bytes(), district, creator, assigned_json(&assigned), seq),
            )
            .unwrap();
    }

    async fn insert_change(&self, seq: i64, case_id: &str, device: &str) {
        let conn = self.raw();
        conn.execute(
            "INSERT INTO changes VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                seq,
                case_id,
                device,
                seq.to_be_bytes().to_vec(),
                format!("[{seq}]").into_bytes(),
            ),
        )
        .unwrap();
        conn.execute("UPDATE seq_counter SET last_seq = MAX(last_seq, ?1)", [seq])
            .unwrap();
    }

    async fn insert_visibility(&self, user: &str, case_id: &str, since_seq: i64) {
        self.raw()
            .execute(
                "INSERT INTO visibility VALUES (?1, ?2, ?3)",
                (user, case_id, since_seq),
            )
            .unwrap();
    }

    async fn mark_created(&self, case_id: &str, seq: i64, device: &str) {
        self.raw()
            .execute(
                "UPDATE documents SET created_seq = ?2, created_device = ?3 WHERE case_id = ?1",
                (case_id, seq, device),
            )
            .unwrap();
    }

    async fn insert_removal(&self, user: &str, case_id: &str, at_seq: i64) {
        self.raw()
            .execute(
                "INSERT INTO removals VALUES (?1, ?2, ?3)",
                (user, case_id, at_seq),
            )
            .unwrap();
    }

    async fn visible(&self, role: Role, user: &str) -> Option<Vec<String>> {
        let visible = visible_predicate(role)?;
        // `:user` is bound for every role, as in the real queries.
        let sql = format!(
            "SELECT case_id FROM documents d WHERE ({visible}) AND :user IS NOT NULL ORDER BY case_id"
        );
        let conn = self.raw();
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map(named_params! {":user": user, ":district": "9200"}, |r| {
                r.get(0)
            })
            .unwrap();
        Some(rows.collect::<Result<_, _>>().unwrap())
    }

    async fn changes(&self) -> Vec<(i64, String)> {
        let conn = self.raw();
        let mut stmt = conn
            .prepare("SELECT seq, case_id FROM changes ORDER BY seq")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    async fn documents(&self) -> Vec<(String, i64, Vec<u8>)> {
        let conn = self.raw();
        let mut stmt = conn
            .prepare("SELECT case_id, updated_seq, doc FROM documents ORDER BY case_id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }
}
