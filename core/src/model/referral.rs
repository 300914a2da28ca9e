use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Author, CaseFile, ConsentBasis, RiskLevel, ServiceType, SesacForm, Sex, UnsuccessfulReason,
};

/// Only what the receiving service needs: never the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralPacket {
    pub age_band: String,
    pub sex: Sex,
    pub language: String,
    pub accessibility_needs: Option<String>,
    pub category: Vec<SesacForm>,
    pub risk_level: Option<RiskLevel>,
    /// e.g. "do not call the father's phone".
    pub safety_instructions: Option<String>,
    pub consent_obtained: bool,
    pub contact_person: Option<String>,
}

impl ReferralPacket {
    /// The least a referral to `service_type` may say, drafted from the
    /// case on `on`: the worker adds accessibility needs, safety
    /// instructions and a contact person. Consent counts as obtained when
    /// the latest consent covering this service (or the whole
    /// intervention) was given.
    pub fn minimal(case: &CaseFile, service_type: ServiceType, on: NaiveDate) -> ReferralPacket {
        let consent = case
            .consents
            .iter()
            .filter(|c| c.scope.is_empty() || c.scope.contains(&service_type))
            .max_by_key(|c| c.at);
        ReferralPacket {
            age_band: case.child.age_band(on).to_string(),
            sex: case.child.sex,
            language: case.child.language.clone(),
            accessibility_needs: None,
            category: case.notification.forms.clone(),
            risk_level: case.current_risk(),
            safety_instructions: None,
            consent_obtained: consent
                .is_some_and(|c| matches!(c.basis, ConsentBasis::Given { .. })),
            contact_person: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReferralEventKind {
    Sent,
    Acknowledged,
    Accepted,
    Declined { reason: String },
    Redirected { to_service: String },
    ServiceStarted,
    CompletedSuccessfully,
    CompletedUnsuccessfully { reason: UnsuccessfulReason },
    Withdrawn { reason: String },
}

/// One appended status event. Events are never edited, so two offline
/// devices adding events never overwrite each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralEvent {
    pub event: ReferralEventKind,
    pub at: DateTime<Utc>,
    pub by: Author,
}

/// Derived from the events; `Contradictory` is a conflict to show a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ReferralStatus {
    Draft,
    Sent,
    Acknowledged,
    Accepted,
    Declined,
    Redirected,
    ServiceStarted,
    CompletedSuccessfully,
    CompletedUnsuccessfully,
    Withdrawn,
    /// Two terminal events that cannot both be true (declined and completed).
    Contradictory {
        statuses: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub id: String,
    pub service_type: ServiceType,
    /// Id of the service in the directory, if it is listed there.
    pub service_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Author,
    pub packet: ReferralPacket,
    /// In the order every replica agrees on (time, then author, then content).
    pub events: Vec<ReferralEvent>,
    pub status: ReferralStatus,
}
