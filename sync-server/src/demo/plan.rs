//! What happens to each case of a district, decided before any device
//! records it: the child and the notification as first known, then who
//! does what and when. Pure: the same seed, districts and `now` give the
//! same plans. [`super::work`] plans the social assistant's part, and
//! [`super::script`] turns steps into operations on a device.

use chrono::{DateTime, Utc};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{
    CaseEvent, Child, ConsentBasis, DisabilityDomain, LivingArrangement, Notification,
    ParentsAbroad, RefugeeStatus, Schooling, ServiceType, YesNoUnknown,
};
use ocrotire_core::reference::{AdminUnits, ServiceDirectory, Template};

use super::child;
use super::people::{Profile, Staff};
use super::rng::{days, hours, shift, Rng};
use super::work;

/// One step of a case, recorded at its time by the device that owns it.
#[derive(Debug, Clone)]
pub enum Step {
    /// The office registers the notification (S04).
    Register,
    /// The child's details learnt at the first visit (the names too).
    Details,
    /// The police were told at `at` (recorded later, when the worker knows).
    PoliceNotified { at: DateTime<Utc> },
    Consent {
        id: String,
        basis: ConsentBasis,
        child_view: Option<&'static str>,
    },
    /// A referral, its packet drafted from the case as it stands then.
    Referral {
        id: String,
        service_type: ServiceType,
        service_id: Option<String>,
        safety: Option<&'static str>,
    },
    FollowUp {
        id: String,
        kind: ocrotire_core::model::FollowUpKind,
        child_seen: bool,
        summary: Option<&'static str>,
        next_due_days: Option<i64>,
    },
    /// Anything that needs nothing from the case or the device.
    Op(CaseOp),
}

/// A step and when it happened.
#[derive(Debug, Clone)]
pub struct Timed {
    pub at: DateTime<Utc>,
    pub step: Step,
}

/// The concurrent edit a case gets once everything is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictField {
    Schooling,
    LivingArrangement,
    ParentsAbroad,
    Relationship,
    Disability,
}

/// What the first visit adds to the child.
#[derive(Debug, Clone)]
pub struct Details {
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub contact: Option<&'static str>,
    pub schooling: Schooling,
    pub living: LivingArrangement,
    pub parents_abroad: ParentsAbroad,
    pub refugee: RefugeeStatus,
    pub disability: YesNoUnknown,
    pub domains: Vec<DisabilityDomain>,
}

impl Details {
    pub fn apply_to(&self, child: &mut Child) {
        child.given_name = Some(self.given_name.to_owned());
        child.family_name = Some(self.family_name.to_owned());
        child.contact = self.contact.map(str::to_owned);
        child.schooling = self.schooling;
        child.living_arrangement = self.living;
        child.parents_abroad = self.parents_abroad;
        child.refugee_status = self.refugee;
        child.disability = self.disability;
        child.disability_domains = self.domains.clone();
    }
}

#[derive(Debug, Clone)]
pub struct CasePlan {
    /// Index of the social assistant who works the case.
    pub owner: usize,
    /// Filed by the community mediator (then assigned to the owner by the
    /// office), or by the owner directly.
    pub by_mediator: bool,
    pub filed_at: DateTime<Utc>,
    pub child: Child,
    pub details: Details,
    pub notification: Notification,
    /// The district officer's steps: registration, assignment.
    pub office: Vec<Timed>,
    /// The social assistant's steps, in time order.
    pub work: Vec<Timed>,
    pub conflict: Option<ConflictField>,
}

/// What planning one district needs.
pub struct Planner<'a> {
    pub profile: &'a Profile,
    pub staff: &'a Staff,
    pub units: &'a AdminUnits,
    pub services: &'a ServiceDirectory,
    pub template: &'a Template,
    pub now: DateTime<Utc>,
}

/// Plans `count` cases of one district, identified between a year before
/// `now` and `now`, oldest first. The oldest case always keeps a referral
/// nobody acknowledged and the second oldest always gets a conflict, so
/// even a tiny demo shows both.
pub fn district(planner: &Planner<'_>, count: usize, rng: &mut Rng) -> Vec<CasePlan> {
    let mut identified: Vec<DateTime<Utc>> = (0..count)
        .map(|_| identification(rng, planner.now))
        .collect();
    identified.sort();
    let mut plans: Vec<CasePlan> = Vec::with_capacity(count);
    for (n, at) in identified.into_iter().enumerate() {
        // About one child in sixteen was notified before (S13).
        let earlier = if rng.chance(6) && !plans.is_empty() {
            let at = rng.index(plans.len());
            plans.get(at).map(|p| (p.child.clone(), p.details.clone()))
        } else {
            None
        };
        let mut plan = case(planner, rng, at, earlier, n == 0);
        // About 1.2% of cases, and the second oldest of every district.
        let conflicted = n == 1 || (n > 1 && rng.below(1000) < 12);
        plan.conflict = conflicted.then(|| conflict_field(rng));
        plans.push(plan);
    }
    plans
}

/// More cases in recent months: the tool was rolled out over the year.
fn identification(rng: &mut Rng, now: DateTime<Utc>) -> DateTime<Utc> {
    let days_ago = if rng.chance(30) {
        rng.below(120)
    } else {
        rng.below(365)
    };
    let day = shift(now, -days(days_ago)).date_naive();
    // 05:00-18:59 UTC: Moldovan working hours and evenings.
    let minute = rng.between(hours(5) as u64, hours(19) as u64 - 1) as i64;
    let at = shift(day.and_time(chrono::NaiveTime::MIN).and_utc(), minute);
    if at > now {
        shift(at, -days(1))
    } else {
        at
    }
}

fn conflict_field(rng: &mut Rng) -> ConflictField {
    rng.pick(&[
        ConflictField::Schooling,
        ConflictField::LivingArrangement,
        ConflictField::ParentsAbroad,
        ConflictField::Relationship,
        ConflictField::Disability,
    ])
    .unwrap_or(ConflictField::Schooling)
}

fn case(
    planner: &Planner<'_>,
    rng: &mut Rng,
    identified: DateTime<Utc>,
    earlier: Option<(Child, Details)>,
    keep_unacknowledged: bool,
) -> CasePlan {
    let profile = planner.profile;
    let by_mediator = rng.chance(profile.mediator_share);
    let owner = rng.index(planner.staff.assistants.len());
    let renotified = earlier.is_some();
    let (child, details) = match earlier {
        Some(earlier) => earlier,
        None => {
            let child = child::new_child(planner, rng, identified);
            let details = child::details(rng, &child, planner.profile.code);
            (child, details)
        }
    };
    let mut notification = child::notification(profile, rng, identified, by_mediator);
    // A notification identified an hour ago has just arrived.
    notification.received_at = notification.received_at.min(planner.now);
    let filed_at = notification.received_at;
    let mut office = Vec::new();
    let registered = rng.chance(93).then(|| {
        let delay = if rng.chance(15) {
            rng.between(days(1) as u64, days(5) as u64)
        } else {
            rng.between(10, hours(profile.registration_hours) as u64)
        };
        shift(filed_at, delay as i64)
    });
    if let Some(at) = registered {
        office.push(Timed {
            at,
            step: Step::Register,
        });
    }
    // The assistant starts once the case is theirs.
    let start = if by_mediator {
        let at = registered.unwrap_or_else(|| shift(filed_at, hours(rng.between(2, 30))));
        let owner_id = planner
            .staff
            .assistants
            .get(owner)
            .cloned()
            .unwrap_or_default();
        office.push(Timed {
            at,
            step: Step::Op(CaseOp::AddCaseEvent(CaseEvent::Assigned {
                user_id: owner_id,
            })),
        });
        shift(at, rng.between(5, hours(6) as u64) as i64)
    } else {
        shift(filed_at, rng.between(5, hours(4) as u64) as i64)
    };
    let facts = work::Known {
        details: &details,
        notification: &notification,
        renotified,
        age: child.age_on(identified.date_naive()),
    };
    let work = work::plan(planner, rng, &facts, start, keep_unacknowledged);
    CasePlan {
        owner,
        by_mediator,
        filed_at,
        child,
        details,
        notification,
        office,
        work,
        conflict: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use ocrotire_core::model::ReferralEventKind;

    use super::*;
    use crate::demo::people::PROFILES;

    #[test]
    fn plans_follow_the_seed_and_keep_their_promises() -> Result<(), Box<dyn std::error::Error>> {
        let units = AdminUnits::bundled()?;
        let services = ServiceDirectory::bundled()?;
        let template = Template::v1()?;
        let profile = PROFILES.get(3).ok_or("a profile")?;
        let staff = Staff::of(profile);
        let now = Utc
            .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
            .single()
            .ok_or("a date")?;
        let planner = Planner {
            profile,
            staff: &staff,
            units: &units,
            services: &services,
            template: &template,
            now,
        };
        let plans = district(&planner, 300, &mut Rng::new(7, 3));
        let again = district(&planner, 300, &mut Rng::new(7, 3));
        assert_eq!(format!("{plans:?}"), format!("{again:?}"));
        let other = district(&planner, 300, &mut Rng::new(8, 3));
        assert_ne!(format!("{plans:?}"), format!("{other:?}"));

        let year_ago = now - TimeDelta::days(366);
        for plan in &plans {
            let identified = plan.notification.identified_at;
            assert!(year_ago < identified && identified <= plan.filed_at && plan.filed_at <= now);
            assert!(plan.office.iter().all(|t| t.at >= plan.filed_at));
            assert!(plan.work.windows(2).all(|w| w[0].at <= w[1].at));
            let district = units
                .district_of(&plan.child.locality)
                .map(|d| d.code.as_str());
            assert_eq!(district, Some(profile.code));
        }
        let identified: Vec<_> = plans.iter().map(|p| p.notification.identified_at).collect();
        assert!(identified.windows(2).all(|w| w[0] <= w[1]));

        // The oldest case keeps a referral that was sent and never answered.
        let oldest = plans.first().ok_or("a case")?;
        let events: Vec<&ReferralEventKind> = oldest
            .work
            .iter()
            .filter_map(|t| match &t.step {
                Step::Op(CaseOp::AddReferralEvent { event, .. }) => Some(event),
                _ => None,
            })
            .collect();
        assert!(events.contains(&&ReferralEventKind::Sent));
        assert!(!oldest.work.iter().any(|t| matches!(
            &t.step,
            Step::Op(CaseOp::AddCaseEvent(CaseEvent::Closed { .. }))
        )));
        // About one case in a hundred gets a conflict, the second oldest always.
        assert!(plans.get(1).is_some_and(|p| p.conflict.is_some()));
        let conflicts = plans.iter().filter(|p| p.conflict.is_some()).count();
        assert!((1..=15).contains(&conflicts), "{conflicts}");
        // Variety: both ways of filing, children notified twice.
        assert!(plans.iter().any(|p| p.by_mediator) && plans.iter().any(|p| !p.by_mediator));
        let mut children: Vec<&str> = plans.iter().map(|p| p.child.pseudonym.as_str()).collect();
        children.sort_unstable();
        children.dedup();
        assert!(children.len() < plans.len());
        Ok(())
    }
}
