//! Helpers shared by the cross-crate scenarios.
//!
//! This crate is test equipment (`publish = false`; no product crate
//! depends on it): its harness (`fleet`, `server`, `fault_proxy`) and its
//! bench binaries `expect` on setup steps on purpose, so that a broken
//! precondition fails the scenario at once with a message naming the step.
//! Nothing here runs on a device or in the server, so none of these panics
//! can reach a user or cross the FFI; the synthetic cases carry no child
//! data.

use chrono::{TimeZone, Utc};
use ocrotire_core::model::*;

/// A realistic first notification for a test case.
pub fn notification(child_words: Option<String>) -> Notification {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 8, 30, 0)
        .single()
        .unwrap_or_default();
    Notification {
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
        child_words,
    }
}

/// A child with a name, for tests that look for names on disk.
pub fn child(pseudonym: &str, given_name: &str) -> Child {
    let mut child = Child::new(pseudonym, Sex::Female, "9201001");
    child.given_name = Some(given_name.to_string());
    child
}

/// Every (file, marker) pair where a marker occurs in a file under `dir`,
/// as UTF-8, UTF-16LE or UTF-16BE bytes.
pub fn find_markers(dir: &std::path::Path, markers: &[String]) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for marker in markers {
            let utf16le: Vec<u8> = marker.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let utf16be: Vec<u8> = marker.encode_utf16().flat_map(u16::to_be_bytes).collect();
            let found = [marker.as_bytes().to_vec(), utf16le, utf16be]
                .iter()
                .any(|needle| bytes.windows(needle.len()).any(|w| w == needle.as_slice()));
            if found {
                hits.push((path.display().to_string(), marker.clone()));
            }
        }
    }
    hits
}

pub mod fault_proxy;
pub mod fleet;
pub mod server;

pub use ocrotire_server::on_every_backend;
