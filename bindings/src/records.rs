//! The case file's own records, crossing the boundary as they are: core
//! shaped them for the people who fill them in, so apps use them directly.
//! Each restates a core type field for field (uniffi's remote types); the
//! compiler checks that they match. Documentation lives on the core types.

use chrono::{DateTime, NaiveDate, Utc};
use ocrotire_core::document::{Conflict, ConflictKind, ConflictValue};
use ocrotire_core::model::*;
use ocrotire_core::reference::Labels;
use ocrotire_core::sync::protocol::RefusalReason;

/// An opaque user id (never a name) and the role it acted in.
#[uniffi::remote(Record)]
pub struct Author {
    pub user_id: String,
    pub role: Role,
}

/// The child, identified by a pseudonym; names and contact are optional.
#[uniffi::remote(Record)]
pub struct Child {
    pub pseudonym: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub estimated_birth_year: Option<i32>,
    pub disability: YesNoUnknown,
    pub disability_domains: Vec<DisabilityDomain>,
    pub schooling: Schooling,
    pub living_arrangement: LivingArrangement,
    pub parents_abroad: ParentsAbroad,
    pub refugee_status: RefugeeStatus,
    pub language: String,
    pub locality: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub contact: Option<String>,
}

/// The notification (sesizare) that opens a case.
#[uniffi::remote(Record)]
pub struct Notification {
    pub reporter_sector: ReportingSector,
    pub channel: Channel,
    pub identified_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    pub forms: Vec<SesacForm>,
    pub online_component: YesNoUnknown,
    pub last_incident: Option<NaiveDate>,
    pub perpetrator_relationship: Relationship,
    pub perpetrator_age: PerpetratorAge,
    pub crime_suspected: bool,
    pub police_notified_at: Option<DateTime<Utc>>,
    pub child_words: Option<String>,
}

/// What a referral tells the receiving service: never the whole file.
#[uniffi::remote(Record)]
pub struct ReferralPacket {
    pub age_band: String,
    pub sex: Sex,
    pub language: String,
    pub accessibility_needs: Option<String>,
    pub category: Vec<SesacForm>,
    pub risk_level: Option<RiskLevel>,
    pub safety_instructions: Option<String>,
    pub consent_obtained: bool,
    pub contact_person: Option<String>,
}

#[uniffi::remote(Enum)]
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

#[uniffi::remote(Record)]
pub struct ReferralEvent {
    pub event: ReferralEventKind,
    pub at: DateTime<Utc>,
    pub by: Author,
}

/// `Contradictory` is a conflict for a person to resolve.
#[uniffi::remote(Enum)]
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
    Contradictory { statuses: Vec<String> },
}

#[uniffi::remote(Record)]
pub struct FollowUp {
    pub id: String,
    pub kind: FollowUpKind,
    pub date: NaiveDate,
    pub by: Author,
    pub child_seen: bool,
    pub summary: Option<String>,
    pub next_due: Option<NaiveDate>,
}

#[uniffi::remote(Enum)]
pub enum ConsentBasis {
    Given { giver: ConsentGiver },
    Refused { giver: ConsentGiver },
    NotSought { reason: ConsentNotSoughtReason },
}

#[uniffi::remote(Record)]
pub struct ConsentRecord {
    pub id: String,
    pub at: DateTime<Utc>,
    pub by: Author,
    pub scope: Vec<ServiceType>,
    pub basis: ConsentBasis,
    pub child_view: Option<String>,
}

#[uniffi::remote(Record)]
pub struct Note {
    pub id: String,
    pub at: DateTime<Utc>,
    pub by: Author,
    pub text: String,
}

#[uniffi::remote(Enum)]
pub enum CaseEvent {
    Assigned {
        user_id: String,
    },
    FlaggedNrs,
    Closed {
        outcome: ClosureOutcome,
        reason: String,
    },
    Reopened {
        reason: String,
    },
}

#[uniffi::remote(Enum)]
pub enum CaseStatus {
    Open,
    Closed,
}

#[uniffi::remote(Enum)]
pub enum AssessmentStatus {
    Draft,
    Completed,
}

/// A worker's change of the computed level, with the reason.
#[uniffi::remote(Record)]
pub struct Override {
    pub level: RiskLevel,
    pub reason: String,
    pub by: Author,
}

#[uniffi::remote(Record)]
pub struct Approval {
    pub by: Author,
    pub at: DateTime<Utc>,
}

/// One field of the case file: `section` is `child`, `notification`,
/// `assessment`, `referral` or `follow_up`; `entity` the record id in it.
#[uniffi::remote(Record)]
pub struct FieldPath {
    pub section: String,
    pub entity: Option<String>,
    pub field: String,
}

/// A person's decision between concurrent values, kept in the case.
#[uniffi::remote(Record)]
pub struct ConflictResolution {
    pub field: FieldPath,
    pub chosen: String,
    pub alternatives: Vec<String>,
    pub reason: String,
    pub by: Author,
    pub at: DateTime<Utc>,
}

#[uniffi::remote(Enum)]
pub enum ConflictKind {
    ConcurrentValues,
    EditAfterCompletion,
    ContradictoryStatus,
}

/// One of the values in conflict, as JSON text, and who wrote it.
#[uniffi::remote(Record)]
pub struct ConflictValue {
    pub value: String,
    pub author: Option<Author>,
}

/// A decision to make: the value shown today comes first.
#[uniffi::remote(Record)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub field: FieldPath,
    pub values: Vec<ConflictValue>,
}

/// A label in each language of the field.
#[uniffi::remote(Record)]
pub struct Labels {
    pub ro: String,
    pub ru: String,
    pub en: String,
}

/// Why the server refused a case's changes (they stay on the device).
#[uniffi::remote(Enum)]
pub enum RefusalReason {
    NotPermitted,
    RoleForbidsChange,
    ForeignActor,
    Invalid,
    TooLarge,
}
