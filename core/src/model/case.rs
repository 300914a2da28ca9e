use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Assessment, Author, Child, ClosureOutcome, ConsentRecord, FollowUp, Note, Notification,
    Referral,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

/// Names one scalar field of the case file, for conflicts and their
/// resolution: `section` is `child`, `notification`, `assessment`,
/// `referral` or `follow_up`; `entity` the record id within the section.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FieldPath {
    pub section: String,
    pub entity: Option<String>,
    pub field: String,
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.entity {
            Some(entity) => write!(f, "{}[{}].{}", self.section, entity, self.field),
            None => write!(f, "{}.{}", self.section, self.field),
        }
    }
}

/// A person's decision between concurrent values: who chose which, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictResolution {
    pub field: FieldPath,
    /// JSON text of the chosen value.
    pub chosen: String,
    /// JSON text of every value that was in conflict.
    pub alternatives: Vec<String>,
    pub reason: String,
    pub by: Author,
    pub at: DateTime<Utc>,
}

/// The typed view of one case document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    pub id: String,
    /// Human-readable number `{unit code}-{year}-{sequence}`.
    pub case_number: String,
    /// CUATM code of the district responsible for the case.
    pub district: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Author,
    pub child: Child,
    pub notification: Notification,
    pub assessments: Vec<Assessment>,
    pub referrals: Vec<Referral>,
    pub follow_ups: Vec<FollowUp>,
    pub consents: Vec<ConsentRecord>,
    pub notes: Vec<Note>,
    pub events: Vec<(CaseEvent, DateTime<Utc>, Author)>,
    pub resolutions: Vec<ConflictResolution>,
    pub status: CaseStatus,
}

impl CaseFile {
    /// The final level of the latest completed assessment.
    pub fn current_risk(&self) -> Option<super::RiskLevel> {
        self.assessments
            .iter()
            .filter_map(|a| a.result.as_ref())
            .max_by_key(|r| r.completed_at)
            .map(|r| r.final_level)
    }
}
