//! A throwaway database of either backend, for the tests and benchmarks
//! that run the real server binary (this crate's own and `ocrotire-tests`):
//! a SQLite file in a fresh temporary directory, or a PostgreSQL database of
//! its own on the server named by `OCROTIRE_TEST_POSTGRES_URL`, made by
//! [`scratch`]. Both are removed when the value is dropped.

use std::path::{Path, PathBuf};

use super::postgres::scratch::{self, ScratchDatabase};
use super::StorageError;

/// Which database a test server keeps its state in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each scenario once per backend: `name::sqlite` runs
/// `name(Backend::Sqlite)`, and `name::postgres` runs
/// `name(Backend::Postgres)` when `OCROTIRE_TEST_POSTGRES_URL` names a
/// server, and otherwise says on the real standard error that it was
/// skipped, so that a developer without PostgreSQL still runs the rest and
/// a skip never passes unseen (`bash .ci/test` always sets the variable).
/// Attributes before a name (`#[ignore = "..."]`) go to both tests.
#[macro_export]
macro_rules! on_every_backend {
    ($($(#[$attr:meta])* $test:ident),+ $(,)?) => {$(
        mod $test {
            $(#[$attr])*
            #[test]
            fn sqlite() {
                super::$test($crate::storage::throwaway::Backend::Sqlite)
            }

            $(#[$attr])*
            #[test]
            fn postgres() {
                let name = concat!(module_path!(), "::postgres");
                if $crate::storage::throwaway::postgres_enabled(name) {
                    super::$test($crate::storage::throwaway::Backend::Postgres)
                }
            }
        }
    )+};
}

/// Whether PostgreSQL tests can run; if not, says so loudly for `test`.
pub fn postgres_enabled(test: &str) -> bool {
    scratch::test_server(test).is_some()
}

#[derive(Debug)]
pub enum ThrowawayDb {
    Sqlite { dir: PathBuf, path: PathBuf },
    Postgres(ScratchDatabase),
}

impl ThrowawayDb {
    /// An empty database (the server creates the schema when it starts);
    /// `label` names PostgreSQL scratch databases.
    pub fn fresh(backend: Backend, label: &str) -> Result<ThrowawayDb, StorageError> {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!(
                    "ocrotire-{label}-{}",
                    ocrotire_core::ids::random_id()
                ));
                std::fs::create_dir(&dir)
                    .map_err(|_| StorageError::UnsupportedLocation(dir.display().to_string()))?;
                let path = dir.join("server.sqlite3");
                Ok(ThrowawayDb::Sqlite { dir, path })
            }
            Backend::Postgres => {
                let server = std::env::var(scratch::TEST_SERVER_VAR).map_err(|_| {
                    StorageError::UnsupportedLocation(format!(
                        "{} is not set",
                        scratch::TEST_SERVER_VAR
                    ))
                })?;
                let database = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|_| StorageError::WorkerFailed)?
                    .block_on(ScratchDatabase::create(&server, label))?;
                Ok(ThrowawayDb::Postgres(database))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            ThrowawayDb::Sqlite { .. } => Backend::Sqlite,
            ThrowawayDb::Postgres(_) => Backend::Postgres,
        }
    }

    /// The flags naming this database to `serve` and `admin`.
    pub fn args(&self) -> Vec<String> {
        match self {
            ThrowawayDb::Sqlite { path, .. } => {
                vec!["--db".into(), path.to_string_lossy().into_owned()]
            }
            ThrowawayDb::Postgres(database) => {
                vec!["--database-url".into(), database.url().into()]
            }
        }
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            ThrowawayDb::Sqlite { path, .. } => Some(path),
            ThrowawayDb::Postgres(_) => None,
        }
    }

    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            ThrowawayDb::Sqlite { .. } => None,
            ThrowawayDb::Postgres(database) => Some(database.url()),
        }
    }
}

impl Drop for ThrowawayDb {
    fn drop(&mut self) {
        if let ThrowawayDb::Sqlite { dir, .. } = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
