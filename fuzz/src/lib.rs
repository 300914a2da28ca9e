//! Helpers shared by the fuzz targets and the seed generator
//! (`cargo run --example seeds`). Fuzz inputs are synthetic bytes, never
//! child data; nothing here logs them. Setup uses `expect`: in a fuzz
//! process a panic is how a broken harness or a finding is reported, and
//! none of this code ships.

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;

pub mod http;

/// The wire form of an already postcard-encoded message: lets a target hand
/// the fuzzer the postcard layer directly, under the deflate layer.
pub fn deflate(plain: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(plain).expect("deflate into memory");
    encoder.finish().expect("deflate into memory")
}

/// The Automerge actor of the fuzzing device, fixed so that seed pushes
/// made by `examples/seeds.rs` are this device's own changes.
pub const FUZZ_ACTOR: [u8; 16] = *b"ocrotire-fuzz-01";

/// The district of the fuzzing users.
pub const FUZZ_DISTRICT: &str = "9200";

/// A directory on a RAM file system when there is one: the targets write
/// files on every execution and SQLite syncs them.
pub fn scratch_dir(prefix: &str) -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix(prefix).to_owned()
    };
    if shm.is_dir() {
        if let Ok(dir) = builder.tempdir_in(shm) {
            return dir;
        }
    }
    builder.tempdir().expect("a temporary directory")
}

/// A synthetic case filed by the fuzzing device (no real person: a
/// pseudonym, fixed dates), as the push a device would send for it.
pub fn seed_push(case_id: &str) -> ocrotire_core::sync::protocol::Push {
    use chrono::TimeZone;
    use ocrotire_core::document::{CaseDoc, Heads, NewCase, OpContext};
    use ocrotire_core::model::*;
    use ocrotire_core::reference::Template;

    let at = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("a valid date");
    let new = NewCase {
        id: case_id.into(),
        case_number: format!("{FUZZ_DISTRICT}-2026-1"),
        district: FUZZ_DISTRICT.into(),
        child: Child::new("p-fuzz", Sex::Female, "9201"),
        notification: Notification {
            reporter_sector: ReportingSector::Education,
            channel: Channel::InPerson,
            identified_at: at,
            received_at: at,
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
    };
    let templates = [Template::v1().expect("the bundled template")];
    let author = Author {
        user_id: http::DEVICE_USER.into(),
        role: Role::SocialAssistant,
    };
    let actor = automerge::ActorId::from(FUZZ_ACTOR.to_vec());
    let ctx = OpContext {
        actor: &actor,
        author: &author,
        now: at,
        templates: &templates,
    };
    let doc = CaseDoc::create(&new, &ctx).expect("a synthetic case");
    ocrotire_core::sync::protocol::Push {
        case_id: case_id.into(),
        heads: doc.heads().to_bytes(),
        changes: doc.changes_since(&Heads::default()),
    }
}
