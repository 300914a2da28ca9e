//! The social assistant's part of a case: the first visit with the risk
//! assessment, referrals and what the services answered, follow-ups,
//! notes, and sometimes the closure. Answers follow from what is known of
//! the child, so levels, referrals and closures hang together the way the
//! indicators expect; the real scoring engine decides each level.

use chrono::{DateTime, Utc};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{
    CaseEvent, ClosureOutcome, ConsentBasis, ConsentGiver, ConsentNotSoughtReason, FollowUpKind,
    Notification, Relationship, RiskLevel, SesacForm,
};

use super::assessment;
use super::plan::{Details, Planner, Step, Timed};
use super::referrals;
use super::rng::{days, hours, shift, Rng};
use super::texts;

/// What the assistant knows when the work starts.
pub struct Known<'a> {
    pub details: &'a Details,
    pub notification: &'a Notification,
    pub renotified: bool,
    /// Whole years at identification.
    pub age: Option<u32>,
}

impl Known<'_> {
    pub fn has(&self, form: SesacForm) -> bool {
        self.notification.forms.contains(&form)
    }

    pub fn relationship(&self) -> Relationship {
        self.notification.perpetrator_relationship
    }
}

/// The assistant's steps from `start` on, in time order. With
/// `keep_unacknowledged` the case is assessed, has a referral that no
/// service ever acknowledges, and stays open.
pub fn plan(
    planner: &Planner<'_>,
    rng: &mut Rng,
    known: &Known<'_>,
    start: DateTime<Utc>,
    keep_unacknowledged: bool,
) -> Vec<Timed> {
    let mut steps = Steps(Vec::new());
    let n = known.notification;
    if n.crime_suspected && n.police_notified_at.is_none() && rng.chance(85) {
        let delay = if rng.chance(70) {
            rng.between(30, hours(20) as u64)
        } else {
            rng.between(days(1) as u64, days(5) as u64)
        };
        let told = shift(n.identified_at, delay as i64);
        steps.at(told.max(start), Step::PoliceNotified { at: told });
    }
    if !keep_unacknowledged && rng.chance(12) {
        // The first contact found nothing to assess.
        let visit = shift(start, rng.between(hours(2) as u64, days(3) as u64) as i64);
        steps.at(visit, Step::Details);
        steps.at(visit, note(rng));
        if rng.chance(50) {
            let closed = shift(visit, rng.between(days(5) as u64, days(30) as u64) as i64);
            steps.at(closed, close(ClosureOutcome::ConcernNotConfirmed));
        }
        return steps.sorted();
    }
    let answers = assessment::answers(rng, known, planner.template);
    let computed = assessment::level_of(planner.template, &answers);
    // The response clock runs from identification; the assistant cannot
    // visit before the case reaches them.
    let target = match computed {
        RiskLevel::Imminent => rng.between(hours(1) as u64, hours(5) as u64),
        RiskLevel::High => rng.between(hours(3) as u64, hours(20) as u64),
        RiskLevel::Medium => rng.between(hours(4) as u64, days(2) as u64),
        RiskLevel::Low => rng.between(days(1) as u64, days(5) as u64),
    };
    let mut visit = shift(n.identified_at, target as i64).max(shift(start, 30));
    if rng.chance(planner.profile.late_visits) {
        visit = shift(visit, rng.between(days(2) as u64, days(10) as u64) as i64);
    }
    let minute = |m: u64| shift(visit, m as i64);
    steps.at(visit, Step::Details);
    steps.at(visit, consent(rng, known));
    let assessment_id = rng.id();
    steps.at(
        visit,
        Step::Op(CaseOp::StartAssessment {
            id: assessment_id.clone(),
            template_id: planner.template.id().to_owned(),
            template_version: planner.template.version(),
        }),
    );
    for (i, item) in answers.iter().enumerate() {
        let op = CaseOp::AnswerItem {
            assessment_id: assessment_id.clone(),
            item_id: (*item).to_owned(),
            answer: true,
        };
        steps.at(minute(1 + i as u64), Step::Op(op));
    }
    let (low, high) = match computed {
        RiskLevel::Low => (7, 10),
        RiskLevel::Medium => (5, 8),
        RiskLevel::High => (2, 6),
        RiskLevel::Imminent => (0, 3),
    };
    let child_scale = rng.between(low, high) as u8;
    let safety = CaseOp::SetSafety {
        assessment_id: assessment_id.clone(),
        child_safety_scale: rng.chance(85).then_some(child_scale),
        worker_safety_scale: Some(child_scale.saturating_sub(rng.below(2) as u8)),
        danger_statement: rng.pick(&texts::DANGER).map(str::to_owned),
        safety_goal: rng.pick(&texts::GOALS).map(str::to_owned),
    };
    steps.at(minute(20), Step::Op(safety));
    let mut level = computed;
    let raised = RiskLevel::ALL
        .iter()
        .copied()
        .find(|l| *l > computed)
        .filter(|_| rng.chance(5));
    if let Some(raised) = raised {
        level = raised;
        let op = CaseOp::OverrideLevel {
            assessment_id: assessment_id.clone(),
            level: raised,
            reason: rng.pick(&texts::RAISE_REASONS).unwrap_or("").to_owned(),
        };
        steps.at(minute(25), Step::Op(op));
    }
    let completed = if rng.chance(85) {
        minute(rng.between(40, hours(3) as u64))
    } else {
        minute(rng.between(hours(20) as u64, days(2) as u64))
    };
    steps.at(
        completed,
        Step::Op(CaseOp::CompleteAssessment { assessment_id }),
    );
    let seen = rng.chance(88);
    steps.at(
        visit,
        follow_up(rng, FollowUpKind::HomeVisit, seen, Some(30)),
    );
    let urgent = level >= RiskLevel::High;
    if known.has(SesacForm::TraffickingSexual) {
        steps.at(
            minute(60),
            Step::Op(CaseOp::AddCaseEvent(CaseEvent::FlaggedNrs)),
        );
    }
    let mut stuck = false;
    for (i, service_type) in referrals::services(rng, known, level)
        .into_iter()
        .enumerate()
    {
        let created = if urgent {
            minute(rng.between(10, hours(3) as u64))
        } else {
            minute(rng.between(hours(1) as u64, days(3) as u64))
        };
        let service_id = planner
            .services
            .available(service_type, planner.profile.code)
            .first()
            .map(|s| s.id.clone());
        let id = rng.id();
        steps.at(
            created,
            Step::Referral {
                id: id.clone(),
                service_type,
                service_id,
                safety: rng
                    .chance(60)
                    .then(|| rng.pick(&texts::SAFETY_INSTRUCTIONS))
                    .flatten(),
            },
        );
        let force = keep_unacknowledged && i == 0;
        let (events, unanswered) = referrals::referral_events(planner, rng, created, force);
        stuck |= unanswered;
        for (when, event) in events {
            let op = CaseOp::AddReferralEvent {
                referral_id: id.clone(),
                event,
            };
            steps.at(when, Step::Op(op));
        }
    }
    if level == RiskLevel::High && rng.chance(70) {
        let meeting = shift(visit, rng.between(days(1) as u64, days(3) as u64) as i64);
        steps.at(
            meeting,
            follow_up(rng, FollowUpKind::TeamMeeting, false, None),
        );
    }
    for (kind, percent, from, to) in [
        (FollowUpKind::PhoneCall, 60, 7, 14),
        (FollowUpKind::SchoolVisit, 35, 15, 40),
        (FollowUpKind::Review, 55, 70, 95),
    ] {
        if rng.chance(percent) {
            let when = shift(
                visit,
                rng.between(days(from) as u64, days(to) as u64) as i64,
            );
            let seen = kind != FollowUpKind::PhoneCall && rng.chance(80);
            steps.at(when, follow_up(rng, kind, seen, Some(30)));
        }
    }
    for _ in 0..rng.below(4) {
        let when = shift(visit, rng.between(hours(1) as u64, days(60) as u64) as i64);
        steps.at(when, note(rng));
    }
    let bonus = if level == RiskLevel::Low { 15 } else { 0 };
    if !stuck && !keep_unacknowledged && rng.chance(planner.profile.closure + bonus) {
        let last = steps.0.iter().map(|t| t.at).max().unwrap_or(visit);
        let closed = shift(last, rng.between(days(7) as u64, days(45) as u64) as i64);
        let outcome = outcome(rng, level, known.age);
        steps.at(closed, close(outcome));
    }
    steps.sorted()
}

/// Steps as planned, sorted once at the end.
struct Steps(Vec<Timed>);

impl Steps {
    fn at(&mut self, at: DateTime<Utc>, step: Step) {
        self.0.push(Timed { at, step });
    }

    /// Stable: steps of the same minute keep their order (a referral
    /// before its events, an assessment's start before its answers).
    fn sorted(mut self) -> Vec<Timed> {
        self.0.sort_by_key(|t| t.at);
        self.0
    }
}

fn note(rng: &mut Rng) -> Step {
    Step::Op(CaseOp::AddNote {
        id: rng.id(),
        text: rng.pick(&texts::NOTES).unwrap_or("").to_owned(),
    })
}

fn close(outcome: ClosureOutcome) -> Step {
    let reason = match outcome {
        ClosureOutcome::SafetyAchieved => 0,
        ClosureOutcome::ConcernNotConfirmed => 1,
        ClosureOutcome::TransferredOtherDistrict | ClosureOutcome::FamilyMovedAbroad => 2,
        ClosureOutcome::ChildTurned18 | ClosureOutcome::Other => 3,
    };
    let reason = texts::CLOSE_REASONS.get(reason).copied().unwrap_or("");
    Step::Op(CaseOp::AddCaseEvent(CaseEvent::Closed {
        outcome,
        reason: reason.to_owned(),
    }))
}

fn follow_up(rng: &mut Rng, kind: FollowUpKind, seen: bool, next: Option<i64>) -> Step {
    Step::FollowUp {
        id: rng.id(),
        kind,
        child_seen: seen,
        summary: rng.pick(&texts::VISIT_SUMMARIES),
        next_due_days: next,
    }
}

fn consent(rng: &mut Rng, known: &Known<'_>) -> Step {
    let basis = if known.relationship() == Relationship::Family && rng.chance(60) {
        ConsentBasis::NotSought {
            reason: ConsentNotSoughtReason::RepresentativeIsAllegedAbuser,
        }
    } else {
        match rng.below(100) {
            0..=74 => ConsentBasis::Given {
                giver: ConsentGiver::Parent,
            },
            75..=80 => ConsentBasis::Given {
                giver: ConsentGiver::LegalRepresentative,
            },
            81..=92 => ConsentBasis::NotSought {
                reason: ConsentNotSoughtReason::LegalObligation,
            },
            _ => ConsentBasis::Refused {
                giver: ConsentGiver::Parent,
            },
        }
    };
    Step::Consent {
        id: rng.id(),
        basis,
        child_view: rng
            .chance(50)
            .then(|| rng.pick(&texts::CHILD_VIEWS))
            .flatten(),
    }
}

fn outcome(rng: &mut Rng, level: RiskLevel, age: Option<u32>) -> ClosureOutcome {
    if level == RiskLevel::Low && rng.chance(45) {
        return ClosureOutcome::ConcernNotConfirmed;
    }
    if age == Some(17) && rng.chance(40) {
        return ClosureOutcome::ChildTurned18;
    }
    rng.weighted(&[
        (ClosureOutcome::SafetyAchieved, 70),
        (ClosureOutcome::TransferredOtherDistrict, 9),
        (ClosureOutcome::FamilyMovedAbroad, 9),
        (ClosureOutcome::Other, 12),
    ])
    .unwrap_or(ClosureOutcome::Other)
}
