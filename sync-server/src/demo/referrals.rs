//! Referrals: which services a case goes to (by what happened and how
//! serious it is), and what each service then did, from acceptance and
//! completion to a referral no one ever acknowledged.

use chrono::{DateTime, Utc};
use ocrotire_core::model::{
    ReferralEventKind, RiskLevel, Schooling, ServiceType, SesacForm, UnsuccessfulReason,
};

use super::plan::Planner;
use super::rng::{days, hours, shift, Rng};
use super::texts;
use super::work::Known;

/// The services a case is referred to, none twice.
pub fn services(rng: &mut Rng, known: &Known<'_>, level: RiskLevel) -> Vec<ServiceType> {
    let count = match level {
        RiskLevel::Low => rng.weighted(&[(0, 60), (1, 40)]),
        RiskLevel::Medium => rng.weighted(&[(0, 25), (1, 50), (2, 25)]),
        RiskLevel::High => rng.weighted(&[(1, 40), (2, 40), (3, 20)]),
        RiskLevel::Imminent => rng.weighted(&[(1, 20), (2, 45), (3, 35)]),
    }
    .unwrap_or(0);
    let crime = known.notification.crime_suspected;
    let weight = |when: bool, w: u32| if when { w } else { 0 };
    let table = [
        (ServiceType::Police, weight(crime, 25)),
        (ServiceType::Barnahus, weight(crime, 15)),
        (ServiceType::Prosecutor, weight(crime, 5)),
        (
            ServiceType::ForensicMedicine,
            weight(known.has(SesacForm::SexualAbuse), 15),
        ),
        (
            ServiceType::EmergencyPlacement,
            match level {
                RiskLevel::Imminent => 25,
                RiskLevel::High => 5,
                _ => 0,
            },
        ),
        (ServiceType::MentalHealth, 20),
        (ServiceType::PsychoPedagogical, 20),
        (ServiceType::NgoCounselling, 15),
        (ServiceType::FamilySupport, 15),
        (ServiceType::LegalAid, 8),
        (ServiceType::HealthCare, 8),
        (
            ServiceType::SchoolMeasures,
            weight(known.details.schooling != Schooling::Preschool, 10),
        ),
        (
            ServiceType::YouthFriendlyHealth,
            weight(known.age.is_some_and(|a| a >= 14), 8),
        ),
        (ServiceType::ChildHelpline, 5),
    ];
    let mut chosen = Vec::new();
    if known.has(SesacForm::TraffickingSexual) {
        chosen.push(ServiceType::NrsTrafficking);
    }
    // Bounded: a few draws more than wanted, duplicates skipped.
    for _ in 0..count * 4 {
        if chosen.len() >= count as usize {
            break;
        }
        if let Some(service) = rng.weighted(&table) {
            if !chosen.contains(&service) {
                chosen.push(service);
            }
        }
    }
    chosen
}

#[derive(Clone, Copy)]
enum Path {
    Draft,
    Unacknowledged,
    Withdrawn,
    Declined,
    Redirected,
    Ongoing,
    Succeeded,
    Failed,
}

/// What the service did with a referral created at `created`, and whether
/// it never acknowledged it (the case then stays open: it is overdue).
pub fn referral_events(
    planner: &Planner<'_>,
    rng: &mut Rng,
    created: DateTime<Utc>,
    force_unacknowledged: bool,
) -> (Vec<(DateTime<Utc>, ReferralEventKind)>, bool) {
    let unack = u32::try_from(planner.profile.unacknowledged).unwrap_or(10);
    let path = if force_unacknowledged {
        Path::Unacknowledged
    } else {
        rng.weighted(&[
            (Path::Draft, 3),
            (Path::Unacknowledged, unack),
            (Path::Withdrawn, 4),
            (Path::Declined, 7),
            (Path::Redirected, 3),
            (Path::Ongoing, 15),
            (Path::Succeeded, 50),
            (Path::Failed, 10),
        ])
        .unwrap_or(Path::Succeeded)
    };
    use ReferralEventKind as E;
    let mut events = Vec::new();
    if let Path::Draft = path {
        return (events, false);
    }
    let sent = shift(created, rng.between(5, hours(4) as u64) as i64);
    events.push((sent, E::Sent));
    let text = |rng: &mut Rng, list: &[&str]| rng.pick(list).unwrap_or("").to_owned();
    // Most services answer within a day; some take most of a week.
    let acknowledged = if rng.chance(75) {
        shift(sent, rng.between(30, hours(20) as u64) as i64)
    } else {
        shift(sent, rng.between(days(1) as u64, days(6) as u64) as i64)
    };
    let later = |rng: &mut Rng, from: DateTime<Utc>, low: i64, high: i64| {
        shift(from, rng.between(low as u64, high as u64) as i64)
    };
    match path {
        Path::Draft => {}
        Path::Unacknowledged => return (events, true),
        Path::Withdrawn => {
            let reason = text(rng, &texts::WITHDRAW_REASONS);
            events.push((later(rng, sent, hours(2), days(5)), E::Withdrawn { reason }));
        }
        Path::Declined | Path::Redirected => {
            events.push((acknowledged, E::Acknowledged));
            let at = later(rng, acknowledged, 30, days(3));
            events.push(match path {
                Path::Declined => (
                    at,
                    E::Declined {
                        reason: text(rng, &texts::DECLINE_REASONS),
                    },
                ),
                _ => (
                    at,
                    E::Redirected {
                        to_service: text(rng, &texts::REDIRECT_TARGETS),
                    },
                ),
            });
        }
        Path::Ongoing | Path::Succeeded | Path::Failed => {
            events.push((acknowledged, E::Acknowledged));
            let accepted = later(rng, acknowledged, 30, days(3));
            events.push((accepted, E::Accepted));
            let started = later(rng, accepted, hours(4), days(7));
            let starts = !matches!(path, Path::Failed) || rng.chance(50);
            if starts {
                events.push((started, E::ServiceStarted));
            }
            match path {
                Path::Succeeded => {
                    let done = later(rng, started, days(7), days(50));
                    events.push((done, E::CompletedSuccessfully));
                }
                Path::Failed => {
                    let reason = rng
                        .pick(UnsuccessfulReason::ALL)
                        .unwrap_or(UnsuccessfulReason::Other);
                    let done = later(rng, started, days(2), days(30));
                    events.push((done, E::CompletedUnsuccessfully { reason }));
                }
                _ => {}
            }
        }
    }
    (events, false)
}
