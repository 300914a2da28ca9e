//! The smaller append-only records of a case.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Author, ConsentGiver, ConsentNotSoughtReason, FollowUpKind, ServiceType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: String,
    pub kind: FollowUpKind,
    pub date: NaiveDate,
    pub by: Author,
    pub child_seen: bool,
    pub summary: Option<String>,
    pub next_due: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis")]
pub enum ConsentBasis {
    Given { giver: ConsentGiver },
    Refused { giver: ConsentGiver },
    NotSought { reason: ConsentNotSoughtReason },
}

/// Who consented to what, or why consent was not sought, with the child's
/// own view recorded according to age and maturity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub id: String,
    pub at: DateTime<Utc>,
    pub by: Author,
    /// Services the consent covers; empty means the intervention as a whole.
    pub scope: Vec<ServiceType>,
    pub basis: ConsentBasis,
    pub child_view: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub at: DateTime<Utc>,
    pub by: Author,
    pub text: String,
}
