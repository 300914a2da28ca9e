//! The plain facts about a case that a server keeps in its own columns, so
//! lists, visibility and indicators never re-parse documents.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{CaseEvent, CaseFile, CaseStatus, RiskLevel, Sex};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseProjection {
    pub case_id: String,
    pub district: String,
    pub created_by: String,
    /// The user the case is assigned to now (none or one; a list so that
    /// the stored form need not change if teams share cases one day).
    pub assigned_to: Vec<String>,
    pub status: CaseStatus,
    pub risk: Option<RiskLevel>,
    pub identified_at: DateTime<Utc>,
    pub registered: bool,
    pub assessed: bool,
    pub referred: bool,
    pub sex: Sex,
    pub locality: String,
    pub open_conflicts: usize,
}

impl CaseProjection {
    pub fn of(case: &CaseFile, open_conflicts: usize) -> CaseProjection {
        // One social assistant answers for a case at a time: the latest
        // assignment hands it over, and the previous assignee stops seeing
        // it (unless they created it).
        let assigned_to: Vec<String> = case
            .events
            .iter()
            .rev()
            .find_map(|(event, _, _)| match event {
                CaseEvent::Assigned { user_id } => Some(user_id.clone()),
                _ => None,
            })
            .into_iter()
            .collect();
        CaseProjection {
            case_id: case.id.clone(),
            district: case.district.clone(),
            created_by: case.created_by.user_id.clone(),
            assigned_to,
            status: case.status.clone(),
            risk: case.current_risk(),
            identified_at: case.notification.identified_at,
            registered: case.notification.registered_at.is_some(),
            assessed: case.assessments.iter().any(|a| a.result.is_some()),
            referred: !case.referrals.is_empty(),
            sex: case.child.sex,
            locality: case.child.locality.clone(),
            open_conflicts,
        }
    }
}
