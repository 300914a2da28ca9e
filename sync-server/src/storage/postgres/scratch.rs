//! Throwaway databases for tests and benchmarks: each run creates its own
//! database on a server it is given (`CREATE DATABASE test_<random>`), so
//! runs stay independent and may run in parallel, and drops it afterwards.
//! The role in the given URL needs the `CREATEDB` attribute.

use ring::rand::{SecureRandom, SystemRandom};
use tokio_postgres::NoTls;

use super::parse_url;
use crate::storage::StorageError;

/// The variable naming the PostgreSQL server that tests run on, as a URL
/// whose role may create databases (`bash .ci/test` sets it up).
pub const TEST_SERVER_VAR: &str = "OCROTIRE_TEST_POSTGRES_URL";

/// The server PostgreSQL tests should use, or `None` after saying loudly
/// that `test` was skipped: on the process's real standard error, which
/// the test harness does not capture, so a skip never passes unseen.
pub fn test_server(test: &str) -> Option<String> {
    match std::env::var(TEST_SERVER_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {TEST_SERVER_VAR} is not set (`bash .ci/test` sets up PostgreSQL and runs it)"
            );
            None
        }
    }
}

/// A database created for one run; dropped (with any connection still
/// open to it) by [`ScratchDatabase::drop_database`] or, failing that,
/// when the value is dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    server_url: String,
    name: String,
    url: String,
    dropped: bool,
}

impl ScratchDatabase {
    /// Creates a database named `{prefix}_{16 random hex digits}` on the
    /// server of `server_url` (whose own database is used only to run
    /// `CREATE DATABASE`).
    pub async fn create(server_url: &str, prefix: &str) -> Result<ScratchDatabase, StorageError> {
        let mut random = [0u8; 8];
        SystemRandom::new()
            .fill(&mut random)
            .map_err(|_| StorageError::Corrupt("the random number generator failed"))?;
        let name = format!("{prefix}_{}", ocrotire_core::ids::hex(&random));
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(StorageError::UnsupportedLocation(
                "scratch database prefixes are lower-case letters, digits and '_'".into(),
            ));
        }
        run_on_server(server_url, &format!("CREATE DATABASE {name}")).await?;
        Ok(ScratchDatabase {
            server_url: server_url.to_owned(),
            url: with_database(server_url, &name),
            name,
            dropped: false,
        })
    }

    /// The connection URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database, closing connections still open to it.
    pub async fn drop_database(mut self) -> Result<(), StorageError> {
        self.dropped = true;
        drop_named(&self.server_url, &self.name).await
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Not awaited by the owner: done on a thread of its own with its own
        // runtime, which works inside or outside an async context.
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_named(&server_url, &name)).ok()
        })
        .join();
        if !matches!(done, Ok(Some(()))) {
            tracing::warn!(database = self.name, "cannot drop a scratch database");
        }
    }
}

async fn drop_named(server_url: &str, name: &str) -> Result<(), StorageError> {
    run_on_server(
        server_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
}

async fn run_on_server(server_url: &str, sql: &str) -> Result<(), StorageError> {
    let (client, connection) = parse_url(server_url)?.connect(NoTls).await?;
    let connection = tokio::spawn(connection);
    let result = client.batch_execute(sql).await;
    drop(client);
    let _ = connection.await;
    Ok(result?)
}

/// `url` with its database replaced by `database`: the path of a
/// `postgres://` URL, or a `dbname=` appended to a `key=value` string.
pub fn with_database(url: &str, database: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={database}");
    };
    let (head, query) = match url.find('?') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let authority_start = scheme_end + 3;
    let authority_end = head[authority_start..]
        .find('/')
        .map_or(head.len(), |at| authority_start + at);
    format!("{}/{database}{query}", &head[..authority_end])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/postgres", "t_1"),
            "postgres://u:p@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("postgresql://u@h?sslmode=disable", "t_1"),
            "postgresql://u@h/t_1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h/db?application_name=x", "t_1"),
            "postgres://u@h/t_1?application_name=x"
        );
        assert_eq!(
            with_database("host=/run/postgresql user=u", "t_1"),
            "host=/run/postgresql user=u dbname=t_1"
        );
    }
}
