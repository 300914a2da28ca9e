//! Test harness: the real `ocrotire-server` binary on 127.0.0.1 with a real
//! database — a SQLite file in a temporary directory, or a PostgreSQL
//! database of its own on the server named by `OCROTIRE_TEST_POSTGRES_URL`
//! (see [`on_every_backend`]) — devices that sign requests with ring
//! Ed25519 (independent of core's client), and case documents built with
//! core.
// Each test binary uses a different part of the harness.
#![allow(dead_code, unused_macros, unused_imports)]

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child as Process, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use automerge::ActorId;
use chrono::{DateTime, TimeZone, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, Heads, NewCase, OpContext};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;
use ocrotire_core::sync::protocol::{
    self, headers, signing_input, Enroll, Enrolled, Push, SyncRequest, SyncResponse,
    PROTOCOL_VERSION,
};
use ocrotire_server::storage::throwaway::ThrowawayDb;
use reqwest::blocking::{Client, Response};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_ocrotire-server");

pub use ocrotire_server::on_every_backend;
pub use ocrotire_server::storage::throwaway::{postgres_enabled, Backend};

/// A test database (see [`ThrowawayDb`]). Clones share it (two server
/// instances on one database); it is removed when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Db(Arc<ThrowawayDb>);

impl Db {
    pub fn fresh(backend: Backend) -> Db {
        Db(Arc::new(
            ThrowawayDb::fresh(backend, "test").expect("a throwaway database"),
        ))
    }

    pub fn backend(&self) -> Backend {
        self.0.backend()
    }

    /// The flags naming this database on the command line.
    pub fn args(&self) -> Vec<String> {
        self.0.args()
    }

    /// Runs `work` on a raw connection of either kind.
    fn with<T>(
        &self,
        sqlite: impl FnOnce(&rusqlite::Connection) -> T,
        postgres: impl FnOnce(&mut postgres::Client) -> T,
    ) -> T {
        match (self.0.sqlite_path(), self.0.postgres_url()) {
            (Some(path), _) => {
                let conn = rusqlite::Connection::open(path).expect("open db");
                conn.busy_timeout(std::time::Duration::from_secs(10))
                    .unwrap();
                sqlite(&conn)
            }
            (None, url) => {
                let url = url.expect("a PostgreSQL database");
                let mut client = postgres::Client::connect(url, postgres::NoTls)
                    .expect("connect to the test database");
                postgres(&mut client)
            }
        }
    }

    /// The integer in the first column of the one row `sql` returns (SQL
    /// that both backends understand).
    pub fn count(&self, sql: &str) -> i64 {
        self.with(
            |conn| conn.query_row(sql, [], |r| r.get(0)).expect(sql),
            |client| client.query_one(sql, &[]).expect(sql).get(0),
        )
    }

    /// The text in the first column of every row.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        self.with(
            |conn| {
                let mut stmt = conn.prepare(sql).expect(sql);
                let rows = stmt.query_map([], |r| r.get(0)).expect(sql);
                rows.collect::<Result<_, _>>().expect(sql)
            },
            |client| {
                let rows = client.query(sql, &[]).expect(sql);
                rows.iter().map(|r| r.get(0)).collect()
            },
        )
    }

    /// The columns of the one row `sql` returns, each of them text.
    pub fn text_row(&self, sql: &str) -> Vec<String> {
        self.with(
            |conn| {
                conn.query_row(sql, [], |r| {
                    (0..r.as_ref().column_count())
                        .map(|i| r.get(i))
                        .collect::<Result<Vec<String>, _>>()
                })
                .expect(sql)
            },
            |client| {
                let row = client.query_one(sql, &[]).expect(sql);
                (0..row.len()).map(|i| row.get(i)).collect()
            },
        )
    }

    /// Runs a statement; the error's text if the database refused it.
    pub fn execute(&self, sql: &str) -> Result<u64, String> {
        self.with(
            |conn| {
                conn.execute_batch(sql)
                    .map(|()| conn.changes())
                    .map_err(|e| e.to_string())
            },
            |client| client.execute(sql, &[]).map_err(|e| e.to_string()),
        )
    }

    /// Every stored document: case id and saved Automerge bytes.
    pub fn documents(&self) -> Vec<(String, Vec<u8>)> {
        let sql = "SELECT case_id, doc FROM documents ORDER BY case_id";
        let mut docs = self.with(
            |conn| {
                let mut stmt = conn.prepare(sql).unwrap();
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
                rows.collect::<Result<Vec<_>, _>>().unwrap()
            },
            |client| {
                let rows = client.query(sql, &[]).unwrap();
                rows.iter().map(|r| (r.get(0), r.get(1))).collect()
            },
        );
        // The same order whatever the database's collation.
        docs.sort();
        docs
    }

    /// Every stored change: sequence number, case id and bytes.
    pub fn changes(&self) -> Vec<(i64, String, Vec<u8>)> {
        let sql = "SELECT seq, case_id, bytes FROM changes ORDER BY seq";
        self.with(
            |conn| {
                let mut stmt = conn.prepare(sql).unwrap();
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .unwrap();
                rows.collect::<Result<_, _>>().unwrap()
            },
            |client| {
                let rows = client.query(sql, &[]).unwrap();
                rows.iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect()
            },
        )
    }

    /// Everything a refused request must leave as it was.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        for (case_id, doc) in self.documents() {
            digest.update(case_id.as_bytes());
            digest.update(&doc);
        }
        Fingerprint {
            max_seq: self.count("SELECT last_seq FROM seq_counter"),
            documents: self.count("SELECT COUNT(*) FROM documents"),
            changes: self.count("SELECT COUNT(*) FROM changes"),
            visibility: self.count("SELECT COUNT(*) FROM visibility"),
            removals: self.count("SELECT COUNT(*) FROM removals"),
            users: self.count("SELECT COUNT(*) FROM users"),
            devices: self.count("SELECT COUNT(*) FROM devices"),
            revoked: self.count("SELECT COUNT(*) FROM devices WHERE revoked_at IS NOT NULL"),
            codes_used: self
                .count("SELECT COUNT(*) FROM enrollment_codes WHERE used_at IS NOT NULL"),
            docs_digest: digest.finish().as_ref().to_vec(),
            audit: self.count("SELECT COUNT(*) FROM audit"),
        }
    }
}

/// A running server; killed when dropped.
pub struct Server {
    pub dir: TempDir,
    pub db: Db,
    pub base: String,
    pub client: Client,
    child: Process,
}

impl Server {
    /// A server on a fresh SQLite file.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// A server on a fresh SQLite file with extra `serve` flags.
    pub fn start_with(extra: &[&str]) -> Server {
        Server::on_with(Backend::Sqlite, extra)
    }

    /// A server on a fresh database of `backend`.
    pub fn on(backend: Backend) -> Server {
        Server::on_with(backend, &[])
    }

    /// A server on a fresh database of `backend` with extra `serve` flags.
    pub fn on_with(backend: Backend, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        Server::start_in(dir, Db::fresh(backend), extra, Client::new())
    }

    /// Another instance on this server's database, on its own port.
    pub fn another_instance(&self, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        Server::start_in(dir, self.db.clone(), extra, Client::new())
    }

    pub fn start_in(dir: TempDir, db: Db, extra: &[&str], client: Client) -> Server {
        let log = File::create(dir.path().join("server.log")).expect("log file");
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(db.args())
            .env_remove("OCROTIRE_DB")
            .env_remove("OCROTIRE_DATABASE_URL")
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!("server did not start: {line:?}\n{log}");
        };
        Server {
            dir,
            db,
            base: url.to_owned(),
            client,
            child,
        }
    }

    /// Sends SIGTERM to this server (our own child, by its id) and waits
    /// for it to exit; returns the directory and database for a restart.
    pub fn terminate(mut self) -> (std::process::ExitStatus, TempDir, Db) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                started.elapsed().as_secs() < 20,
                "server did not stop on SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let kept = std::mem::replace(&mut self.dir, dir);
        (status, kept, self.db.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn admin(&self, args: &[&str]) -> Output {
        admin(&self.db, args)
    }

    pub fn create_user(&self, user_id: &str, role: Role, district: &str) {
        let out = self.admin(&[
            "create-user",
            "--user-id",
            user_id,
            "--role",
            role.key(),
            "--district",
            district,
        ]);
        assert!(
            out.status.success(),
            "create-user: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn enroll_code(&self, user_id: &str) -> String {
        let out = self.admin(&["enroll-code", "--user-id", user_id]);
        assert!(
            out.status.success(),
            "enroll-code: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// Posts a protocol body (unsigned).
    pub fn post(&self, path: &str, body: Vec<u8>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", protocol::CONTENT_TYPE)
            .body(body)
            .send()
            .expect("request")
    }

    /// Enrolls a new device of `user_id` with a fresh code.
    pub fn enroll(&self, user_id: &str, n: u8) -> Device {
        let code = self.enroll_code(user_id);
        let device = Device::new(n);
        let response = self.post("/v1/enroll", device.enroll_body(&code));
        assert_eq!(response.status(), 200, "enroll");
        let enrolled: Enrolled =
            protocol::decode(&response.bytes().expect("body")).expect("Enrolled");
        assert_eq!(enrolled.user_id, user_id);
        Device {
            id: enrolled.device_id,
            user_id: enrolled.user_id,
            role: enrolled.role,
            ..device
        }
    }

    /// Everything a refused request must leave as it was.
    pub fn fingerprint(&self) -> Fingerprint {
        self.db.fingerprint()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn admin(db: &Db, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("admin")
        .args(db.args())
        .env_remove("OCROTIRE_DB")
        .env_remove("OCROTIRE_DATABASE_URL")
        .args(args)
        .output()
        .expect("run admin")
}

/// Row counts, the sequence counter and a digest of every stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub max_seq: i64,
    pub documents: i64,
    pub changes: i64,
    pub visibility: i64,
    pub removals: i64,
    pub users: i64,
    pub devices: i64,
    pub revoked: i64,
    pub codes_used: i64,
    pub docs_digest: Vec<u8>,
    pub audit: i64,
}

impl Fingerprint {
    /// The case data alone (a refused push is still an audited session).
    pub fn data(&self) -> Fingerprint {
        Fingerprint {
            audit: 0,
            ..self.clone()
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn random_nonce() -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).unwrap();
    ocrotire_core::ids::hex(&bytes)
}

/// A device: its signing key, Automerge actor and, once enrolled, its id.
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub role: Role,
    pub key: Ed25519KeyPair,
    pub actor: ActorId,
}

/// The headers of one signed request.
pub struct Signed {
    pub device: String,
    pub time: i64,
    pub nonce: String,
    pub signature: String,
}

impl Device {
    pub fn new(n: u8) -> Device {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let mut actor = [n; 16];
        rng.fill(&mut actor[8..]).unwrap();
        Device {
            id: String::new(),
            user_id: String::new(),
            role: Role::SocialAssistant,
            key: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap(),
            actor: ActorId::from(actor.to_vec()),
        }
    }

    pub fn enroll_body(&self, code: &str) -> Vec<u8> {
        protocol::encode(&Enroll {
            version: PROTOCOL_VERSION,
            code: code.into(),
            public_key: self.key.public_key().as_ref().to_vec(),
            actor: self.actor.to_bytes().to_vec(),
        })
        .unwrap()
    }

    pub fn sign(&self, path: &str, body: &[u8], time: i64, nonce: &str) -> Signed {
        let signature = self
            .key
            .sign(&signing_input("POST", path, body, time, nonce));
        Signed {
            device: self.id.clone(),
            time,
            nonce: nonce.to_owned(),
            signature: ocrotire_core::ids::hex(signature.as_ref()),
        }
    }

    /// Sends `body` to `/v1/sync` with the given signature headers.
    pub fn send(&self, server: &Server, body: Vec<u8>, signed: &Signed) -> Response {
        server
            .client
            .post(server.url("/v1/sync"))
            .header("content-type", protocol::CONTENT_TYPE)
            .header(headers::DEVICE, &signed.device)
            .header(headers::TIME, signed.time.to_string())
            .header(headers::NONCE, &signed.nonce)
            .header(headers::SIGNATURE, &signed.signature)
            .body(body)
            .send()
            .expect("request")
    }

    /// Signs `body` now with a fresh nonce and sends it.
    pub fn send_signed(&self, server: &Server, body: Vec<u8>) -> Response {
        let signed = self.sign("/v1/sync", &body, now_ms(), &random_nonce());
        self.send(server, body, &signed)
    }

    pub fn sync(&self, server: &Server, cursor: u64, push: Vec<Push>) -> SyncResponse {
        let body = protocol::encode(&SyncRequest {
            version: PROTOCOL_VERSION,
            cursor,
            push,
        })
        .unwrap();
        let response = self.send_signed(server, body);
        assert_eq!(
            response.status(),
            200,
            "sync refused: {:?}",
            response.text()
        );
        protocol::decode(&response.bytes().unwrap()).expect("SyncResponse")
    }

    pub fn author(&self) -> Author {
        Author {
            user_id: self.user_id.clone(),
            role: self.role,
        }
    }
}

pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub fn templates() -> Vec<Template> {
    vec![Template::v1().expect("bundled template")]
}

pub fn new_case(id: &str, district: &str) -> NewCase {
    NewCase {
        id: id.into(),
        case_number: format!("{district}-2026-1"),
        district: district.into(),
        child: Child::new("p-0001", Sex::Female, "9201"),
        notification: Notification {
            reporter_sector: ReportingSector::Education,
            channel: Channel::InPerson,
            identified_at: base_time(),
            received_at: base_time(),
            registered_at: None,
            forms: vec![SesacForm::Solicitation],
            online_component: YesNoUnknown::Yes,
            last_incident: None,
            perpetrator_relationship: Relationship::OnlineOnlyContact,
            perpetrator_age: PerpetratorAge::Adult,
            crime_suspected: true,
            police_notified_at: None,
            child_words: None,
        },
    }
}

/// Creates a case on `device` as `author` (normally the device's own user).
pub fn create_case(device: &Device, author: &Author, id: &str, district: &str) -> CaseDoc {
    let templates = templates();
    let ctx = OpContext {
        actor: &device.actor,
        author,
        now: base_time(),
        templates: &templates,
    };
    CaseDoc::create(&new_case(id, district), &ctx).expect("create case")
}

pub fn apply(doc: &mut CaseDoc, device: &Device, author: &Author, op: &CaseOp) {
    let templates = templates();
    let ctx = OpContext {
        actor: &device.actor,
        author,
        now: base_time(),
        templates: &templates,
    };
    doc.apply(op, &ctx).expect("apply op");
}

/// The push of everything `doc` has beyond `since`.
pub fn push_since(doc: &CaseDoc, since: &Heads) -> Push {
    let case = doc.view().expect("view");
    Push {
        case_id: case.id,
        heads: doc.heads().to_bytes(),
        changes: doc.changes_since(since),
    }
}

/// Applies a pulled entry (changes, or a whole saved document) to a fresh
/// replica, as a device that did not have the case would.
pub fn load_pulled(bytes: &[u8], device: &Device) -> CaseDoc {
    CaseDoc::load(bytes, &device.actor).expect("pulled bytes load as a case")
}
