//! Helpers shared by the cross-crate scenarios.

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
