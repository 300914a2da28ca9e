//! What needs the district office's attention in its caseload, from the
//! projection and facts the server keeps (no document is opened): sent
//! referrals not acknowledged in time, and high-risk cases whose first
//! visit is overdue. The rules are the device's (`ResponseRules`), so the
//! office and the assistant see the same items overdue.

use chrono::{DateTime, Utc};
use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::model::{CaseStatus, RiskLevel};

use crate::storage::OfficeCase;

/// One line of the office's caseload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    pub case_id: String,
    pub case_number: String,
    pub identified_at: DateTime<Utc>,
    pub risk: Option<RiskLevel>,
    pub status: CaseStatus,
    pub assigned_to: Vec<String>,
    pub open_conflicts: usize,
    /// Sent referrals still unacknowledged past their deadline.
    pub overdue_referrals: usize,
    /// High or imminent risk, no visit recorded, visit deadline passed.
    pub visit_overdue: bool,
}

impl CaseLine {
    pub fn needs_action(&self) -> bool {
        self.overdue_referrals > 0 || self.visit_overdue || self.open_conflicts > 0
    }
}

pub fn lines(cases: &[OfficeCase], rules: &ResponseRules, now: DateTime<Utc>) -> Vec<CaseLine> {
    cases.iter().map(|c| line(c, rules, now)).collect()
}

fn line(case: &OfficeCase, rules: &ResponseRules, now: DateTime<Utc>) -> CaseLine {
    let p = &case.projection;
    let open = p.status == CaseStatus::Open;
    // Before an assessment the ordinary term applies (3 working days).
    let level = p.risk.unwrap_or(RiskLevel::Low);
    let (overdue_referrals, visited) = match &case.facts {
        Some(facts) => (
            facts
                .referrals
                .iter()
                .filter(|r| r.status == "sent")
                .filter_map(|r| r.sent_at)
                .filter(|sent| now > rules.acknowledgement_deadline(level, *sent))
                .count(),
            !facts.follow_ups.is_empty(),
        ),
        None => (0, false),
    };
    let high = matches!(p.risk, Some(RiskLevel::High | RiskLevel::Imminent));
    CaseLine {
        case_id: p.case_id.clone(),
        case_number: case.case_number.clone(),
        identified_at: p.identified_at,
        risk: p.risk,
        status: p.status.clone(),
        assigned_to: p.assigned_to.clone(),
        open_conflicts: p.open_conflicts,
        overdue_referrals: if open { overdue_referrals } else { 0 },
        visit_overdue: open
            && high
            && !visited
            && now > rules.visit_deadline(level, p.identified_at),
    }
}
