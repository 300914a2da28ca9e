//! Writes the committed seed corpora under `fuzz/corpus/<target>/`:
//! real encoded protocol messages, requests to every endpoint, a real
//! store file and the bundled reference data. All synthetic (a pseudonym,
//! fixed dates, random keys); no child's data.
//!
//!     cargo run --release --manifest-path fuzz/Cargo.toml --example seeds
//!
//! Rewriting gives new bytes where keys and nonces are random; the seeds
//! only need to be valid, not stable.

use std::fs;
use std::path::{Path, PathBuf};

use ocrotire_core::model::{CaseStatus, RiskLevel, Role};
use ocrotire_core::store::{Store, StoreConfig, DB_FILE_NAME};
use ocrotire_core::sync::protocol::{
    self, CaseStatusNote, Enroll, Enrolled, Pull, Refusal, RefusalReason, Revoked, SyncRequest,
    SyncResponse, PROTOCOL_VERSION,
};
use ocrotire_fuzz::http::{DEVICE_USER, SEED_CASE};
use ocrotire_fuzz::{seed_push, FUZZ_ACTOR, FUZZ_DISTRICT};
use serde::Serialize;

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("corpus directory");
    dir
}

fn write(dir: &Path, name: &str, prefix: &[u8], bytes: &[u8]) {
    let mut all = prefix.to_vec();
    all.extend_from_slice(bytes);
    fs::write(dir.join(name), all).expect("write a seed");
}

fn plain<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).expect("postcard")
}

fn wire<T: Serialize>(message: &T) -> Vec<u8> {
    protocol::encode(message).expect("encode")
}

fn main() {
    let enroll = Enroll {
        version: PROTOCOL_VERSION,
        code: "7KQ2-M9XD-4TRB-HW1C-ZP6N".into(),
        public_key: vec![0x42; 32],
        actor: FUZZ_ACTOR.to_vec(),
    };
    let enrolled = Enrolled {
        version: PROTOCOL_VERSION,
        device_id: "0f3a9c1e5b7d2468".into(),
        user_id: DEVICE_USER.into(),
        role: Role::SocialAssistant,
        district: FUZZ_DISTRICT.into(),
    };
    // A push of the case the harness filed (already there: idempotent) and
    // of a new case.
    let request = SyncRequest {
        version: PROTOCOL_VERSION,
        cursor: 0,
        push: vec![seed_push(SEED_CASE), seed_push("fuzzcase0002")],
    };
    let empty_request = SyncRequest {
        version: PROTOCOL_VERSION,
        cursor: 7,
        push: vec![],
    };
    let response = SyncResponse {
        version: PROTOCOL_VERSION,
        accepted: vec![SEED_CASE.into()],
        refused: vec![Refusal {
            case_id: "fuzzcase0003".into(),
            reason: RefusalReason::ForeignActor,
        }],
        pull: vec![Pull {
            case_id: "fuzzcase0002".into(),
            changes: seed_push("fuzzcase0002").changes,
        }],
        statuses: vec![CaseStatusNote {
            case_id: "fuzzcase0004".into(),
            status: CaseStatus::Open,
            registered: true,
            assessed: false,
            referred: false,
            risk: Some(RiskLevel::High),
        }],
        removed: vec!["fuzzcase0005".into()],
        cursor: 42,
        more: true,
    };
    let revoked = Revoked {
        version: PROTOCOL_VERSION,
        wipe: true,
    };

    // protocol_decode: [mode] + wire (mode 0) or postcard (mode 1).
    let dir = corpus("protocol_decode");
    for (name, w, p) in [
        ("enroll", wire(&enroll), plain(&enroll)),
        ("enrolled", wire(&enrolled), plain(&enrolled)),
        ("sync_request", wire(&request), plain(&request)),
        (
            "sync_request_empty",
            wire(&empty_request),
            plain(&empty_request),
        ),
        ("sync_response", wire(&response), plain(&response)),
        ("revoked", wire(&revoked), plain(&revoked)),
    ] {
        write(&dir, &format!("{name}.wire"), &[0], &w);
        write(&dir, &format!("{name}.plain"), &[1], &p);
    }

    // http_bodies: [selector, flags] + payload (see the target).
    const SESSION: u8 = 1;
    const CSRF: u8 = 2;
    let dir = corpus("http_bodies");
    write(&dir, "enroll.wire", &[0, 0], &wire(&enroll));
    write(&dir, "enroll.plain", &[1, 0], &plain(&enroll));
    write(&dir, "sync.wire", &[2, 0], &wire(&empty_request));
    write(&dir, "sync_push.wire", &[2, 0], &wire(&request));
    write(&dir, "sync_push.plain", &[3, 0], &plain(&request));
    write(&dir, "sync_empty.plain", &[3, 0], &plain(&empty_request));
    let mut headers = format!(
        "content-type: {}\nx-ocrotire-device: 0f3a9c1e5b7d2468\nx-ocrotire-time: 1767225600000\n\
         x-ocrotire-nonce: {}\nx-ocrotire-signature: {}",
        protocol::CONTENT_TYPE,
        "0".repeat(32),
        "ab".repeat(64)
    )
    .into_bytes();
    headers.push(0);
    headers.extend_from_slice(&wire(&empty_request));
    write(&dir, "sync_headers", &[4, 0], &headers);
    write(
        &dir,
        "login",
        &[5, CSRF],
        b"user_id=fuzz-officer&password=not-the-password",
    );
    write(&dir, "logout", &[6, SESSION | CSRF], b"");
    write(&dir, "issue_code", &[7, SESSION | CSRF], b"user_id=fuzz-sa");
    write(
        &dir,
        "revoke",
        &[8, SESSION | CSRF],
        b"device_id=0f3a9c1e5b7d2468",
    );
    write(
        &dir,
        "decide",
        &[9, SESSION | CSRF],
        b"fuzzcase0001\0field=%7B%22section%22%3A%22child%22%2C%22entity%22%3Anull%2C%22field%22%3A%22sex%22%7D&chosen=%22male%22&reason=checked+the+record",
    );
    for (n, query) in [
        "attention=1",
        "before=12",
        "from=2026-01-01&to=2026-03-31&district=9200",
        "from=2026-01-01&to=2026-12-31&district=9200&format=csv",
        "to=en",
        "",
        "resolved=1",
    ]
    .iter()
    .enumerate()
    {
        let flags = SESSION | ((n as u8) << 5);
        write(&dir, &format!("query{n}"), &[10, flags], query.as_bytes());
    }

    // store_open: the bytes of a real store file with one synthetic
    // setting, made with the minimum KDF work.
    let dir = corpus("store_open");
    let scratch = tempfile::tempdir().expect("scratch");
    {
        let mut store =
            Store::create(scratch.path(), "4821", None, StoreConfig::default()).expect("a store");
        store
            .put_setting("fuzz.seed", b"synthetic value")
            .expect("a setting");
    }
    let bytes = fs::read(scratch.path().join(DB_FILE_NAME)).expect("the store file");
    write(&dir, "store.sqlite3", &[], &bytes);

    // template_parse: [parser] + JSON.
    let dir = corpus("template_parse");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/data");
    for (n, file) in [
        "template_v1.json",
        "response_rules.json",
        "services.json",
        "units.json",
        "population.json",
    ]
    .iter()
    .enumerate()
    {
        let json = fs::read(data.join(file)).expect("bundled data");
        write(&dir, file, &[n as u8], &json);
    }
    let mapping = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sync-server/data/dhis2-mapping.json"),
    )
    .expect("the DHIS2 mapping");
    write(&dir, "dhis2-mapping.json", &[5], &mapping);
}
