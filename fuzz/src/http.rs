//! The real router of `ocrotire-server` in this process, on a real SQLite
//! database in a scratch directory made once per process, with one enrolled
//! device (its signing key held here, so requests can be signed correctly)
//! and one signed-in district officer (so forms get past the session).
//! Requests go through `tower::ServiceExt::oneshot`; no socket, no logs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::{self, headers, signing_input, SyncRequest, PROTOCOL_VERSION};
use ocrotire_server::admin::{self, Operator, CLI_DEVICE};
use ocrotire_server::audit::Action;
use ocrotire_server::enrollment::code_hash;
use ocrotire_server::http::{router, AppState, HttpConfig};
use ocrotire_server::reference::Reference;
use ocrotire_server::storage::sqlite::SqliteStorage;
use ocrotire_server::storage::{EnrollOutcome, NewEnrollment, Storage, WebSession};
use ocrotire_server::sync::Limits;
use ocrotire_server::web::session::{new_token, token_hash, SESSION_COOKIE};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use tower::ServiceExt;

/// The field worker whose device is enrolled.
pub const DEVICE_USER: &str = "fuzz-sa";
/// The district officer signed in to the dashboard.
pub const OFFICER: &str = "fuzz-officer";
/// The case the device filed at start.
pub const SEED_CASE: &str = "fuzzcase0001";
/// Host (and origin) the dashboard requests claim.
pub const HOST: &str = "fuzz.invalid";

const MAX_BODY: usize = 1 << 20;

pub struct Harness {
    runtime: tokio::runtime::Runtime,
    router: Router,
    storage: SqliteStorage,
    key: Ed25519KeyPair,
    device_id: String,
    session_token: Mutex<String>,
    csrf: Mutex<String>,
    nonce_prefix: String,
    nonces: AtomicU64,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Harness {
        let dir = crate::scratch_dir("ocrotire-fuzz-http-");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let storage =
            SqliteStorage::open(&dir.path().join("server.sqlite3")).expect("the server database");
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("a key pair");
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("a key pair");
        let operator = Operator {
            user_id: "fuzz-admin",
            channel: CLI_DEVICE,
        };
        let device_id = runtime.block_on(async {
            for (user, role) in [
                (DEVICE_USER, Role::SocialAssistant),
                (OFFICER, Role::DistrictOfficer),
            ] {
                admin::create_user(&storage, operator, user, role, crate::FUZZ_DISTRICT)
                    .await
                    .expect("a user");
            }
            let code = admin::enroll_code(&storage, operator, DEVICE_USER)
                .await
                .expect("a code");
            let outcome = storage
                .enroll(NewEnrollment {
                    code_hash: code_hash(&code),
                    device_id: ocrotire_core::ids::random_id(),
                    public_key: key.public_key().as_ref().to_vec(),
                    actor: crate::FUZZ_ACTOR.to_vec(),
                    now: ocrotire_server::clock::now_ms(),
                })
                .await
                .expect("enrolment");
            match outcome {
                EnrollOutcome::Enrolled { device_id, .. } => device_id,
                EnrollOutcome::Refused(reason) => panic!("enrolment refused: {reason:?}"),
            }
        });
        let state = AppState {
            storage: storage.clone(),
            config: Arc::new(HttpConfig {
                max_body_bytes: MAX_BODY,
                max_skew_ms: 300_000,
                limits: Limits {
                    response_budget: MAX_BODY,
                    max_statuses: 1_000,
                },
            }),
            reference: Arc::new(Reference::bundled().expect("the bundled reference data")),
            web: ocrotire_server::web::WebConfig::default(),
        };
        let harness = Harness {
            runtime,
            router: router(state),
            storage,
            key,
            device_id,
            session_token: Mutex::new(String::new()),
            csrf: Mutex::new(String::new()),
            nonce_prefix: format!("{:016x}", std::process::id() as u64 ^ 0x5eed_f022),
            nonces: AtomicU64::new(0),
            _dir: dir,
        };
        harness.sign_in();
        // One real case on the server, so pulls, pages and decisions find
        // something.
        let body = protocol::encode(&SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: 0,
            push: vec![crate::seed_push(SEED_CASE)],
        })
        .expect("encode");
        let (status, _) = harness.send(harness.signed_sync(body, false));
        assert_eq!(status, StatusCode::OK, "the seed case was not accepted");
        harness
    }

    /// A new dashboard session for the officer (also after a fuzzed
    /// request signed the old one out).
    pub fn sign_in(&self) {
        let token = new_token().expect("a token");
        let csrf = new_token().expect("a token");
        let now = ocrotire_server::clock::now_ms();
        let session = WebSession {
            token_hash: token_hash(&token),
            user_id: OFFICER.into(),
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + 30 * 24 * 3600 * 1000,
        };
        let entry = admin::entry(
            Operator {
                user_id: OFFICER,
                channel: admin::WEB_DEVICE,
            },
            Action::SignIn,
            format!("user={OFFICER}"),
        );
        self.runtime
            .block_on(self.storage.create_session(session, entry))
            .expect("a session");
        *self
            .session_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = token;
        *self.csrf.lock().unwrap_or_else(PoisonError::into_inner) = csrf;
    }

    pub fn session_cookie(&self) -> String {
        let token = self
            .session_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        format!("{SESSION_COOKIE}={token}")
    }

    pub fn csrf(&self) -> String {
        self.csrf
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn next_nonce(&self) -> String {
        let n = self.nonces.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{}{n:016x}", self.nonce_prefix)
    }

    /// `POST /v1/sync` with `body`, signed now by the enrolled device (with
    /// one signature byte flipped when `forge`).
    pub fn signed_sync(&self, body: Vec<u8>, forge: bool) -> Request<Body> {
        let time = ocrotire_server::clock::now_ms();
        let nonce = self.next_nonce();
        let mut signature = self
            .key
            .sign(&signing_input("POST", "/v1/sync", &body, time, &nonce))
            .as_ref()
            .to_vec();
        if forge {
            signature[0] ^= 1;
        }
        Request::builder()
            .method(Method::POST)
            .uri("/v1/sync")
            .header(header::CONTENT_TYPE, protocol::CONTENT_TYPE)
            .header(headers::DEVICE, &self.device_id)
            .header(headers::TIME, time.to_string())
            .header(headers::NONCE, nonce)
            .header(headers::SIGNATURE, ocrotire_core::ids::hex(&signature))
            .body(Body::from(body))
            .expect("a request")
    }

    /// Sends one request through the router and reads the whole answer.
    pub fn send(&self, request: Request<Body>) -> (StatusCode, Bytes) {
        self.runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the answer's body");
            (status, body)
        })
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// Adds the `name: value` lines of `block` to a request, skipping lines
/// that are not valid headers.
pub fn add_header_lines(
    mut builder: axum::http::request::Builder,
    block: &[u8],
) -> axum::http::request::Builder {
    for line in block.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name),
            HeaderValue::from_bytes(value.trim_ascii()),
        ) else {
            continue;
        };
        builder = builder.header(name, value);
    }
    builder
}

/// Percent-encodes only what may not stand in a URI's path or query, so
/// `&`, `=`, `%` and `+` reach the extractors as sent.
pub fn uri_safe(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
