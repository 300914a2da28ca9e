//! The two peer stacks, each a Node server and a Node client process from
//! `tests/peers/`. A server seeds its storage from the workload before it
//! listens (not measured); a client sets itself up (imports its documents,
//! first replication where the scenario says the device is in sync),
//! prints `ready`, waits for `go`, syncs, and prints `done {json}` with its
//! wall time. The bench measures between `go` and `done`.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::measure::{measure, Measure};
use crate::process::NodeProcess;
use crate::proxy::{Mode, Proxy};
use crate::Res;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    AutomergeRepo,
    PouchDb,
}

impl Stack {
    pub fn name(self) -> &'static str {
        match self {
            Stack::AutomergeRepo => "automerge-repo",
            Stack::PouchDb => "PouchDB",
        }
    }

    fn scripts(self) -> (&'static str, &'static str) {
        match self {
            Stack::AutomergeRepo => ("am-server.mjs", "am-client.mjs"),
            Stack::PouchDb => ("pouch-server.mjs", "pouch-client.mjs"),
        }
    }
}

/// Setting up a server or a client (loading 10,000 documents) may take a
/// while on a busy machine; it is bounded all the same.
const SETUP_TIMEOUT: Duration = Duration::from_secs(1800);

pub struct PeerServer {
    process: NodeProcess,
    pub proxy: Proxy,
    stack: Stack,
    _dir: tempfile::TempDir,
}

impl PeerServer {
    /// `seeds`: database name (PouchDB) and workload file of documents.
    pub fn start(peers: &Path, stack: Stack, seeds: &[(&str, &Path)]) -> Res<PeerServer> {
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let seeds: Value = seeds
            .iter()
            .map(|(name, file)| json!({"db": name, "file": file}))
            .collect();
        let config = json!({"port": port, "dir": dir.path(), "seeds": seeds});
        let mut process = NodeProcess::spawn(peers, stack.scripts().0, &config)?;
        let seeded = process.expect("listening", SETUP_TIMEOUT)?;
        println!("  {} server: {seeded}", stack.name());
        let mode = match stack {
            Stack::AutomergeRepo => Mode::WebSocket,
            Stack::PouchDb => Mode::Http,
        };
        Ok(PeerServer {
            process,
            proxy: Proxy::start(port, mode)?,
            stack,
            _dir: dir,
        })
    }

    pub fn url(&self) -> String {
        self.proxy.url(match self.stack {
            Stack::AutomergeRepo => "ws",
            Stack::PouchDb => "http",
        })
    }

    /// Runs a client with `config` (the server's URL is added) through
    /// `phases` measured phases.
    pub fn client(
        &self,
        peers: &Path,
        mut config: Value,
        phases: usize,
        timeout: Duration,
    ) -> Res<Vec<Measure>> {
        config["url"] = json!(self.url());
        config["timeoutMs"] = json!(timeout.as_millis() as u64);
        let mut client = NodeProcess::spawn(peers, self.stack.scripts().1, &config)?;
        let pid = self.process.pid();
        let mut results = Vec::new();
        for phase in 0..phases {
            if results.iter().any(|m: &Measure| m.failure.is_some()) {
                results.push(Measure {
                    failure: Some("not run: an earlier phase failed".into()),
                    ..Measure::default()
                });
                continue;
            }
            if let Err(e) = client.expect("ready", SETUP_TIMEOUT) {
                results.push(Measure {
                    failure: Some(format!("setup of phase {}: {e}", phase + 1)),
                    ..Measure::default()
                });
                continue;
            }
            let m = measure(&self.proxy, pid, || {
                client.send("go")?;
                let done = client.expect("done", timeout + Duration::from_secs(30))?;
                let done: Value = serde_json::from_str(&done)?;
                if let Some(error) = done["error"].as_str() {
                    return Err(error.to_string().into());
                }
                let wall = done["wallMs"].as_f64().ok_or("done without wallMs")? / 1e3;
                Ok((wall, done["note"].as_str().unwrap_or_default().to_string()))
            })?;
            results.push(m);
        }
        Ok(results)
    }
}
