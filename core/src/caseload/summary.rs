//! The encrypted per-case summary that lets a device list, filter and
//! search its caseload without loading a single Automerge document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadlines::ResponseRules;
use crate::model::{CaseFile, CaseStatus, ReferralEventKind, ReferralStatus, RiskLevel};
use crate::reference::AdminUnits;
use crate::search;

/// Something due on a case, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// `first_visit` or `referral_ack:<referral id>`.
    pub what: String,
    pub due: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: String,
    pub case_number: String,
    pub display_name: Option<String>,
    pub locality: String,
    pub locality_name: Option<String>,
    pub district: String,
    pub risk: Option<RiskLevel>,
    pub status: CaseStatus,
    pub open_conflicts: usize,
    pub due: Vec<Due>,
    pub updated_at: DateTime<Utc>,
    /// Everything a worker may type to find the case, joined.
    search_text: String,
}

impl CaseSummary {
    pub fn build(
        case: &CaseFile,
        open_conflicts: usize,
        rules: &ResponseRules,
        units: &AdminUnits,
        updated_at: DateTime<Utc>,
    ) -> CaseSummary {
        let display_name = match (&case.child.given_name, &case.child.family_name) {
            (None, None) => None,
            (given, family) => Some(
                [given.as_deref(), family.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };
        let locality_name = units.name_of(&case.child.locality).map(str::to_string);
        let search_text = [
            Some(case.case_number.as_str()),
            display_name.as_deref(),
            Some(case.child.locality.as_str()),
            locality_name.as_deref(),
            Some(case.child.pseudonym.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        CaseSummary {
            id: case.id.clone(),
            case_number: case.case_number.clone(),
            display_name,
            locality: case.child.locality.clone(),
            locality_name,
            district: case.district.clone(),
            risk: case.current_risk(),
            status: case.status.clone(),
            open_conflicts,
            due: pending(case, rules),
            updated_at,
            search_text,
        }
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.due.iter().any(|d| d.due < now)
    }

    pub fn matches_text(&self, query: &str) -> bool {
        search::matches(query, &self.search_text)
    }
}

/// What is still due on an open case: the first visit for its risk level
/// until a follow-up is recorded, and the acknowledgement of every referral
/// that was sent but not yet acknowledged.
pub(super) fn pending(case: &CaseFile, rules: &ResponseRules) -> Vec<Due> {
    let mut due = Vec::new();
    if case.status == CaseStatus::Closed {
        return due;
    }
    let risk = case.current_risk();
    if let Some(level) = risk {
        if case.follow_ups.is_empty() {
            due.push(Due {
                what: "first_visit".into(),
                due: rules.visit_deadline(level, case.notification.identified_at),
            });
        }
    }
    for referral in &case.referrals {
        if referral.status != ReferralStatus::Sent {
            continue;
        }
        let sent = referral
            .events
            .iter()
            .find(|e| e.event == ReferralEventKind::Sent);
        if let Some(sent) = sent {
            let level = referral
                .packet
                .risk_level
                .or(risk)
                .unwrap_or(RiskLevel::Low);
            due.push(Due {
                what: format!("referral_ack:{}", referral.id),
                due: rules.acknowledgement_deadline(level, sent.at),
            });
        }
    }
    due
}
