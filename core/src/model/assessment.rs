use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Author, RiskLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Completed,
}

/// A worker's change of the computed level. Raising needs only a reason;
/// lowering also needs a district officer's [`Approval`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub level: RiskLevel,
    pub reason: String,
    pub by: Author,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: Author,
    pub at: DateTime<Utc>,
}

/// What completing an assessment fixed for ever: every item's points, the
/// computed and final levels and the sentence that explains them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentResult {
    pub item_points: BTreeMap<String, i32>,
    pub risk_points: i32,
    pub protective_points: i32,
    pub score: i32,
    pub computed_level: RiskLevel,
    pub final_level: RiskLevel,
    pub explanation: String,
    /// The answers as they were scored; later concurrent edits to the draft
    /// show up as conflicts instead of silently changing a completed result.
    pub answers: BTreeMap<String, bool>,
    pub completed_at: DateTime<Utc>,
    pub completed_by: Author,
}

/// A structured risk assessment against one template version. Drafts are
/// editable; a completed assessment never changes, a new one is a new entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub started_at: DateTime<Utc>,
    pub started_by: Author,
    pub status: AssessmentStatus,
    /// Item id -> yes/no.
    pub answers: BTreeMap<String, bool>,
    /// The child's own 0-10 "how safe do you feel".
    pub child_safety_scale: Option<u8>,
    /// The worker's 0-10 safety scale.
    pub worker_safety_scale: Option<u8>,
    pub danger_statement: Option<String>,
    pub safety_goal: Option<String>,
    pub override_level: Option<Override>,
    pub approval: Option<Approval>,
    pub result: Option<AssessmentResult>,
}
