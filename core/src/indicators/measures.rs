//! The unique indicators S01–S16 of domain.md as measures, and what one
//! case (or one of its referrals) contributes to each. Where domain.md
//! leaves a definition open, the choice is written on the measure.

use chrono::{DateTime, Duration, Utc};

use super::facts::{CaseFacts, ReferralFacts};
use crate::deadlines::{local_date, ResponseRules};
use crate::model::{
    ClosureOutcome, FollowUpKind, RiskLevel, ServiceType, UnsuccessfulReason, YesNoUnknown,
};

/// What is counted: notifications and cases are one and the same here (a
/// case opens from one notification); children are counted once each by
/// pseudonym; referrals one by one; closures at the day they happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Cases,
    Children,
    Referrals,
    Closures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    /// Numerator over denominator, both counts of the unit.
    Percent,
    /// Children per 10,000 of the child population.
    RatePer10k,
    /// The median of a duration (hours or days, named in the code).
    Median,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// e.g. `S09.completed_30d`: the indicator, then what it measures.
    pub code: String,
    pub unit: Unit,
    pub kind: Kind,
}

/// Every measure, in indicator order. The catalogue is fixed at build
/// time; a table names its measure by position in this list.
pub fn catalogue() -> Vec<Measure> {
    let m = |code: &str, unit, kind| Measure {
        code: code.to_string(),
        unit,
        kind,
    };
    let mut all = vec![
        m("S01", Unit::Cases, Kind::Count),
        m("S02", Unit::Children, Kind::Count),
        m("S02.rate", Unit::Children, Kind::RatePer10k),
        m("S03", Unit::Children, Kind::Percent),
        m("S04", Unit::Cases, Kind::Percent),
        m("S05", Unit::Cases, Kind::Percent),
        m("S06.hours", Unit::Cases, Kind::Median),
    ];
    for level in RiskLevel::ALL {
        all.push(m(
            &format!("S07.{}", level.key()),
            Unit::Cases,
            Kind::Percent,
        ));
    }
    all.push(m("S07.raised", Unit::Cases, Kind::Percent));
    all.push(m("S07.lowered", Unit::Cases, Kind::Percent));
    for service in ServiceType::ALL {
        all.push(m(
            &format!("S08.{}", service.key()),
            Unit::Children,
            Kind::Percent,
        ));
    }
    all.push(m("S09.accepted", Unit::Referrals, Kind::Percent));
    all.push(m("S09.completed_30d", Unit::Referrals, Kind::Percent));
    for otherwise in OTHERWISE {
        all.push(m(
            &format!("S09.{otherwise}"),
            Unit::Referrals,
            Kind::Percent,
        ));
    }
    for reason in UnsuccessfulReason::ALL {
        all.push(m(
            &format!("S09.unsuccessful.{}", reason.key()),
            Unit::Referrals,
            Kind::Percent,
        ));
    }
    all.extend([
        m("S10", Unit::Cases, Kind::Percent),
        m("S12.follow_up_30d", Unit::Cases, Kind::Percent),
        m("S12.review_3m", Unit::Cases, Kind::Percent),
        m("S13", Unit::Closures, Kind::Percent),
        m("S14", Unit::Cases, Kind::Percent),
        m("S15", Unit::Cases, Kind::Percent),
        m("S15.days", Unit::Cases, Kind::Median),
        m("S16", Unit::Referrals, Kind::Count),
    ]);
    all
}

/// Referral outcomes other than acceptance that S09 reports ("reasons
/// otherwise"); unsuccessful completions are broken down by their reason.
const OTHERWISE: [&str; 3] = ["declined", "redirected", "withdrawn"];

/// What one item contributes to the measures of its unit: for measure
/// `m` (its position in [`catalogue`]), bit `m` of `counted` says the item
/// is in the denominator (or counted, for counts), bit `m` of `hits` that
/// it is also in the numerator. Medians take observations instead.
/// Children carry flags, combined per child before counting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contribution {
    pub counted: u64,
    pub hits: u64,
    /// At most one observation for each of the two medians.
    pub observations: [Option<(usize, f64)>; 2],
}

impl Contribution {
    fn fraction(&mut self, at: usize, numerator: bool) {
        self.counted |= 1 << at;
        self.hits |= u64::from(numerator) << at;
    }
}

/// Measures fit the bits of a [`Contribution`].
pub const MAX_MEASURES: usize = 64;

/// The child-level facts of one case, OR-ed over a child's cases.
pub mod child_flags {
    pub const NOTIFIED: u32 = 1;
    pub const ASSESSED: u32 = 1 << 1;
    pub const CONFIRMED: u32 = 1 << 2;
    /// Bit of the first service type; the others follow in `ServiceType::ALL` order.
    pub const REFERRED_FIRST: u32 = 3;
}

/// The catalogue with each measure's position looked up once, so that
/// sharing out 100,000 cases does no string work.
pub struct Measures {
    pub all: Vec<Measure>,
    s01: usize,
    s04: usize,
    s05: usize,
    s06: usize,
    s07_level: Vec<usize>,
    s07_raised: usize,
    s07_lowered: usize,
    s09_accepted: usize,
    s09_completed: usize,
    s09_otherwise: Vec<usize>,
    s09_unsuccessful: Vec<usize>,
    s10: usize,
    s12_follow_up: usize,
    s12_review: usize,
    s13: usize,
    s14: usize,
    s15: usize,
    s15_days: usize,
    s16: usize,
}

impl Measures {
    pub fn new() -> Measures {
        let all = catalogue();
        let at = |code: String| {
            all.iter()
                .position(|m| m.code == code)
                .unwrap_or(usize::MAX)
        };
        Measures {
            s01: at("S01".into()),
            s04: at("S04".into()),
            s05: at("S05".into()),
            s06: at("S06.hours".into()),
            s07_level: RiskLevel::ALL
                .iter()
                .map(|l| at(format!("S07.{}", l.key())))
                .collect(),
            s07_raised: at("S07.raised".into()),
            s07_lowered: at("S07.lowered".into()),
            s09_accepted: at("S09.accepted".into()),
            s09_completed: at("S09.completed_30d".into()),
            s09_otherwise: OTHERWISE.iter().map(|o| at(format!("S09.{o}"))).collect(),
            s09_unsuccessful: UnsuccessfulReason::ALL
                .iter()
                .map(|r| at(format!("S09.unsuccessful.{}", r.key())))
                .collect(),
            s10: at("S10".into()),
            s12_follow_up: at("S12.follow_up_30d".into()),
            s12_review: at("S12.review_3m".into()),
            s13: at("S13".into()),
            s14: at("S14".into()),
            s15: at("S15".into()),
            s15_days: at("S15.days".into()),
            s16: at("S16".into()),
            all,
        }
    }

    /// A case's shares of the case measures.
    pub fn of_case(&self, case: &CaseFacts, rules: &ResponseRules) -> Contribution {
        let mut out = Contribution::default();
        let mut fraction = |at: usize, numerator: bool| out.fraction(at, numerator);
        fraction(self.s01, true);
        fraction(
            self.s04,
            within(case.identified_at, case.registered_at, Duration::hours(24)),
        );
        if let Some(assessment) = &case.initial_assessment {
            let deadline = rules.visit_deadline(assessment.final_level, case.identified_at);
            fraction(self.s05, assessment.completed_at <= deadline);
            for (level, at) in RiskLevel::ALL.iter().zip(&self.s07_level) {
                fraction(*at, assessment.final_level == *level);
            }
            fraction(
                self.s07_raised,
                assessment.final_level > assessment.computed_level,
            );
            fraction(
                self.s07_lowered,
                assessment.final_level < assessment.computed_level,
            );
        }
        if case.crime_suspected {
            fraction(
                self.s10,
                within(
                    case.identified_at,
                    case.police_notified_at,
                    Duration::hours(24),
                ),
            );
        }
        let identified = local_date(case.identified_at);
        fraction(
            self.s12_follow_up,
            case.follow_ups
                .iter()
                .any(|(_, date)| *date <= identified + Duration::days(30)),
        );
        fraction(
            self.s12_review,
            case.follow_ups.iter().any(|(kind, date)| {
                *kind == FollowUpKind::Review && *date <= identified + Duration::days(92)
            }),
        );
        fraction(self.s14, case.online == YesNoUnknown::Yes);
        fraction(self.s15, case.nrs_at.is_some());
        out.observations[0] = hours_to_first_action(case).map(|hours| (self.s06, hours));
        out.observations[1] = case.nrs_at.map(|nrs| {
            let days = (nrs - case.identified_at).num_minutes() as f64 / (24.0 * 60.0);
            (self.s15_days, days.max(0.0))
        });
        out
    }

    /// A sent referral's shares of the referral measures.
    pub fn of_referral(&self, referral: &ReferralFacts, sent: DateTime<Utc>) -> Contribution {
        let mut out = Contribution::default();
        let mut fraction = |at: usize, numerator: bool| out.fraction(at, numerator);
        fraction(self.s09_accepted, referral.accepted);
        fraction(
            self.s09_completed,
            referral
                .completed_successfully_at
                .is_some_and(|done| done - sent <= Duration::days(30)),
        );
        for (otherwise, at) in OTHERWISE.iter().zip(&self.s09_otherwise) {
            fraction(*at, referral.status == *otherwise);
        }
        for (reason, at) in UnsuccessfulReason::ALL.iter().zip(&self.s09_unsuccessful) {
            fraction(*at, referral.unsuccessful_reason == Some(*reason));
        }
        if referral.service_type == ServiceType::EmergencyPlacement {
            fraction(self.s16, true);
        }
        out
    }

    /// A closure's share of S13: was the child notified again within 12
    /// months? `identified` holds every identification time of the child.
    pub fn of_closure(
        &self,
        closed_at: DateTime<Utc>,
        mut identified: impl Iterator<Item = DateTime<Utc>>,
    ) -> Contribution {
        let again = identified.any(|at| at > closed_at && at <= closed_at + Duration::days(365));
        let mut out = Contribution::default();
        out.fraction(self.s13, again);
        out
    }

    /// The child-level flags of one case.
    pub fn child_flags(&self, case: &CaseFacts) -> u32 {
        let mut flags = child_flags::NOTIFIED;
        if case.initial_assessment.is_some() {
            flags |= child_flags::ASSESSED;
            // Confirmed unless the case was closed as not confirmed.
            if !matches!(case.closed, Some((_, ClosureOutcome::ConcernNotConfirmed))) {
                flags |= child_flags::CONFIRMED;
            }
        }
        for (i, service) in ServiceType::ALL.iter().enumerate() {
            if case
                .referrals
                .iter()
                .any(|r| r.service_type == *service && r.sent_at.is_some())
            {
                flags |= 1 << (child_flags::REFERRED_FIRST as usize + i);
            }
        }
        flags
    }
}

impl Default for Measures {
    fn default() -> Self {
        Measures::new()
    }
}

fn within(from: DateTime<Utc>, at: Option<DateTime<Utc>>, limit: Duration) -> bool {
    at.is_some_and(|at| at - from <= limit)
}

/// S06 counts cases whose initial assessment found high or imminent risk;
/// the first protective action is the earlier of the police being notified
/// and the first referral being sent.
fn hours_to_first_action(case: &CaseFacts) -> Option<f64> {
    let level = case.initial_assessment.as_ref()?.final_level;
    if level < RiskLevel::High {
        return None;
    }
    let first = case
        .referrals
        .iter()
        .filter_map(|r| r.sent_at)
        .chain(case.police_notified_at)
        .min()?;
    Some(((first - case.identified_at).num_minutes() as f64 / 60.0).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_has_a_bit_and_every_slot_a_measure() {
        let measures = Measures::new();
        assert!(measures.all.len() <= MAX_MEASURES);
        let slots = [
            measures.s01,
            measures.s04,
            measures.s05,
            measures.s06,
            measures.s13,
            measures.s16,
        ];
        assert!(slots
            .iter()
            .chain(&measures.s07_level)
            .chain(&measures.s09_unsuccessful)
            .all(|at| *at < measures.all.len()));
    }
}
