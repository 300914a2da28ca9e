//! The server's HTTP surface fed arbitrary bodies and headers: whatever
//! arrives, body parsing never panics and the answer is never a 5xx.
//!
//! Input: `[selector, flags, payload...]`. The selector picks the endpoint
//! and how the payload becomes the request (see `Kind`); flags add the
//! session cookie, the right CSRF token, a wrong content type or a foreign
//! origin, so the fuzzer reaches both the refusals and the handlers behind
//! them. Sync requests can be signed correctly by the enrolled device,
//! which is what lets arbitrary bodies reach the protocol decoder and the
//! sync session at all.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use ocrotire_core::sync::protocol;
use ocrotire_fuzz::http::{add_header_lines, uri_safe, Harness, HOST, SEED_CASE};

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `POST /v1/enroll`, payload = the body as received.
    EnrollRaw,
    /// `POST /v1/enroll`, payload = the postcard layer (deflated here).
    EnrollPlain,
    /// `POST /v1/sync` signed by the device, payload = the body.
    SyncRaw,
    /// `POST /v1/sync` signed by the device, payload = the postcard layer.
    SyncPlain,
    /// `POST /v1/sync`, payload = header lines, NUL, body (unsigned, or
    /// signed however the fuzzer manages).
    SyncHeaders,
    /// Dashboard forms, payload = the urlencoded body.
    Login,
    Logout,
    IssueCode,
    Revoke,
    /// `POST /conflicts/{id}`, payload = id, NUL, body.
    Decide,
    /// GET pages with a query string, payload = the query.
    Query,
}

const KINDS: [Kind; 11] = [
    Kind::EnrollRaw,
    Kind::EnrollPlain,
    Kind::SyncRaw,
    Kind::SyncPlain,
    Kind::SyncHeaders,
    Kind::Login,
    Kind::Logout,
    Kind::IssueCode,
    Kind::Revoke,
    Kind::Decide,
    Kind::Query,
];

const QUERY_PAGES: [&str; 7] = [
    "/caseload",
    "/audit",
    "/export",
    "/export/download",
    "/lang",
    "/conflicts",
    "/conflicts/fuzzcase0001",
];

const SESSION: u8 = 1;
const CSRF: u8 = 2;
const WRONG_TYPE: u8 = 4;
const FOREIGN_ORIGIN: u8 = 8;
const FORGE: u8 = 16;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        tolerate_automerge_panics();
        Harness::new()
    })
}

/// libFuzzer's panic hook aborts on every panic, even one that is caught.
/// Automerge 0.12 panics on some damaged change chunks; core catches those
/// (`document::without_panic`) and refuses the bytes, so a panic inside
/// Automerge alone is not a failure here. One it does not catch still
/// fails this target: it unwinds into the server's task and answers 5xx
/// (or aborts through the harness), which the checks below refuse.
fn tolerate_automerge_panics() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_automerge = info
            .location()
            .is_some_and(|at| at.file().contains("/automerge-"));
        if !in_automerge {
            abort(info);
        }
    }));
}

fn split_nul(payload: &[u8]) -> (&[u8], &[u8]) {
    match payload.iter().position(|&b| b == 0) {
        Some(at) => (&payload[..at], &payload[at + 1..]),
        None => (payload, &[]),
    }
}

fn wire_post(uri: &str, body: Vec<u8>, flags: u8) -> Request<Body> {
    let content_type = if flags & WRONG_TYPE != 0 {
        "application/octet-stream"
    } else {
        protocol::CONTENT_TYPE
    };
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("a request")
}

fn form_post(h: &Harness, uri: &str, body: &[u8], flags: u8) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::HOST, HOST);
    builder = builder.header(
        header::CONTENT_TYPE,
        if flags & WRONG_TYPE != 0 {
            "text/plain"
        } else {
            "application/x-www-form-urlencoded"
        },
    );
    let origin = if flags & FOREIGN_ORIGIN != 0 {
        "http://elsewhere.invalid".to_owned()
    } else {
        format!("http://{HOST}")
    };
    builder = builder.header(header::ORIGIN, origin);
    if flags & SESSION != 0 {
        builder = builder.header(header::COOKIE, h.session_cookie());
    }
    let mut body = body.to_vec();
    if flags & CSRF != 0 {
        body.extend_from_slice(b"&csrf=");
        body.extend_from_slice(h.csrf().as_bytes());
    }
    builder.body(Body::from(body)).expect("a request")
}

fuzz_target!(|data: &[u8]| {
    let [selector, flags, payload @ ..] = data else {
        return;
    };
    let h = harness();
    let kind = KINDS[usize::from(*selector) % KINDS.len()];
    let request = match kind {
        Kind::EnrollRaw => wire_post("/v1/enroll", payload.to_vec(), *flags),
        Kind::EnrollPlain => wire_post("/v1/enroll", ocrotire_fuzz::deflate(payload), *flags),
        Kind::SyncRaw => h.signed_sync(payload.to_vec(), flags & FORGE != 0),
        Kind::SyncPlain => h.signed_sync(ocrotire_fuzz::deflate(payload), flags & FORGE != 0),
        Kind::SyncHeaders => {
            let (lines, body) = split_nul(payload);
            let builder = Request::builder().method(Method::POST).uri("/v1/sync");
            match add_header_lines(builder, lines).body(Body::from(body.to_vec())) {
                Ok(request) => request,
                Err(_) => return,
            }
        }
        Kind::Login => form_post(h, "/login", payload, *flags),
        Kind::Logout => form_post(h, "/logout", payload, *flags),
        Kind::IssueCode => form_post(h, "/devices/code", payload, *flags),
        Kind::Revoke => form_post(h, "/devices/revoke", payload, *flags),
        Kind::Decide => {
            let (id, body) = split_nul(payload);
            let id = if id.is_empty() {
                SEED_CASE.to_owned()
            } else {
                uri_safe(id).replace(['/', '?'], "_")
            };
            form_post(h, &format!("/conflicts/{id}"), body, *flags)
        }
        Kind::Query => {
            let page = QUERY_PAGES[usize::from(flags >> 5) % QUERY_PAGES.len()];
            let uri = format!("{page}?{}", uri_safe(payload));
            let mut builder = Request::builder().method(Method::GET).uri(uri);
            if flags & SESSION != 0 {
                builder = builder.header(header::COOKIE, h.session_cookie());
            }
            match builder.body(Body::empty()) {
                Ok(request) => request,
                Err(_) => return,
            }
        }
    };
    let (status, _) = h.send(request);
    assert!(!status.is_server_error(), "{kind:?} answered {status}");
    if matches!(kind, Kind::Logout) && status.is_redirection() {
        // Signed out: sign in again so later inputs still reach the forms.
        h.sign_in();
    }
    if status == StatusCode::GONE {
        panic!("the fuzzing device was revoked; its id is random and cannot be guessed");
    }
});
