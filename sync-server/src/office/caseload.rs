//! What needs the district office's attention in its caseload, from the
//! projection and facts the server keeps (no document is opened): sent
//! referrals not acknowledged in time, and open high-risk cases without a
//! timely visit (none by the deadline, whether or not one came later). The rules are the device's (`ResponseRules`), so the
//! office and the assistant see the same items overdue.

use chrono::{DateTime, Utc};
use ocrotire_core::deadlines::{local_date, ResponseRules};
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
    /// High or imminent risk, the visit deadline passed, and no follow-up
    /// on or before it (none at all, or only late ones).
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
    let visit_deadline = rules.visit_deadline(level, p.identified_at);
    let (overdue_referrals, visited_in_time) = match &case.facts {
        Some(facts) => (
            facts
                .referrals
                .iter()
                .filter(|r| r.status == "sent")
                .filter_map(|r| r.sent_at)
                .filter(|sent| now > rules.acknowledgement_deadline(level, *sent))
                .count(),
            facts
                .follow_ups
                .iter()
                .any(|(_, on)| *on <= local_date(visit_deadline)),
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
        visit_overdue: open && high && !visited_in_time && now > visit_deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use ocrotire_core::bench_fixtures::synthetic_facts;
    use ocrotire_core::indicators::facts::ReferralFacts;
    use ocrotire_core::model::{FollowUpKind, ServiceType};
    use ocrotire_core::sync::projection::CaseProjection;

    fn case(risk: Option<RiskLevel>, status: CaseStatus) -> OfficeCase {
        let mut facts = synthetic_facts(1, 3).remove(0);
        facts.identified_at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        facts.referrals.clear();
        facts.follow_ups.clear();
        OfficeCase {
            case_number: "N-1".into(),
            projection: CaseProjection {
                case_id: "c".into(),
                district: "9200".into(),
                created_by: "sa".into(),
                assigned_to: vec![],
                status,
                risk,
                identified_at: facts.identified_at,
                registered: true,
                assessed: risk.is_some(),
                referred: false,
                sex: facts.sex,
                locality: String::new(),
                open_conflicts: 0,
            },
            facts: Some(facts),
        }
    }

    fn one(case: &OfficeCase, rules: &ResponseRules, now: DateTime<Utc>) -> CaseLine {
        lines(std::slice::from_ref(case), rules, now).remove(0)
    }

    fn referral(status: &str, sent_at: DateTime<Utc>) -> ReferralFacts {
        ReferralFacts {
            service_type: ServiceType::Police,
            sent_at: Some(sent_at),
            status: status.into(),
            accepted: false,
            completed_successfully_at: None,
            unsuccessful_reason: None,
        }
    }

    #[test]
    fn unacknowledged_referrals_are_overdue_after_their_term() {
        let rules = ResponseRules::default_rules().unwrap();
        let mut high = case(Some(RiskLevel::High), CaseStatus::Open);
        let identified = high.projection.identified_at;
        let facts = high.facts.as_mut().unwrap();
        facts
            .follow_ups
            .push((FollowUpKind::HomeVisit, local_date(identified)));
        facts.referrals = vec![
            referral("sent", identified),
            referral("acknowledged", identified),
            referral("sent", identified + Duration::days(30)),
        ];
        // 24 h for high risk: two days later the first is overdue; the
        // acknowledged one and the one sent later are not.
        let two_days = identified + Duration::days(2);
        assert_eq!(one(&high, &rules, two_days).overdue_referrals, 1);
        let line = &one(&high, &rules, identified + Duration::days(60));
        assert_eq!((line.overdue_referrals, line.visit_overdue), (2, false));
        assert!(line.needs_action());
        // A closed case has nothing overdue.
        high.projection.status = CaseStatus::Closed;
        assert_eq!(one(&high, &rules, two_days).overdue_referrals, 0);
    }

    #[test]
    fn high_risk_needs_a_visit_by_its_deadline() {
        let rules = ResponseRules::default_rules().unwrap();
        let later = |c: &OfficeCase| c.projection.identified_at + Duration::days(10);
        let none = case(Some(RiskLevel::Imminent), CaseStatus::Open);
        assert!(one(&none, &rules, later(&none)).visit_overdue);
        // Before the deadline (24 h for high risk) nothing is overdue yet.
        let high = case(Some(RiskLevel::High), CaseStatus::Open);
        let soon = high.projection.identified_at + Duration::hours(1);
        assert!(!one(&high, &rules, soon).visit_overdue);
        assert!(one(&high, &rules, later(&high)).visit_overdue);
        // A visit a week late is still not a timely one.
        let mut late = none.clone();
        let day = local_date(late.projection.identified_at) + Duration::days(7);
        late.facts
            .as_mut()
            .unwrap()
            .follow_ups
            .push((FollowUpKind::HomeVisit, day));
        assert!(one(&late, &rules, later(&late)).visit_overdue);
        let mut timely = none.clone();
        let day = local_date(timely.projection.identified_at);
        timely
            .facts
            .as_mut()
            .unwrap()
            .follow_ups
            .push((FollowUpKind::HomeVisit, day));
        assert!(!one(&timely, &rules, later(&timely)).visit_overdue);
        // Medium risk is not on this list.
        let medium = case(Some(RiskLevel::Medium), CaseStatus::Open);
        assert!(!one(&medium, &rules, later(&medium)).visit_overdue);
    }
}
