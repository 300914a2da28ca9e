//! The child and the notification as first known: who reported what,
//! about whom, through which channel. The mixes follow the domain notes
//! (mostly girls, mostly 10-16, contact abuse offline and solicitation or
//! sextortion online, teachers and police as the usual reporters), with
//! each district's share of online concerns and languages.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use ocrotire_core::model::{
    Channel, Child, DisabilityDomain, LivingArrangement, Notification, ParentsAbroad,
    PerpetratorAge, RefugeeStatus, Relationship, ReportingSector, Schooling, SesacForm, Sex,
    YesNoUnknown,
};

use super::people::Profile;
use super::plan::{Details, Planner};
use super::rng::{days, hours, shift, Rng};
use super::texts;

const AGES: [(u32, u32); 15] = [
    (3, 1),
    (4, 1),
    (5, 2),
    (6, 2),
    (7, 2),
    (8, 3),
    (9, 3),
    (10, 4),
    (11, 5),
    (12, 6),
    (13, 8),
    (14, 9),
    (15, 9),
    (16, 8),
    (17, 5),
];
const ONLINE_FORMS: [(SesacForm, u32); 7] = [
    (SesacForm::Solicitation, 30),
    (SesacForm::Sextortion, 20),
    (SesacForm::SelfGeneratedUnderPressure, 20),
    (SesacForm::AbuseMaterial, 15),
    (SesacForm::PornographicPerformance, 5),
    (SesacForm::CorruptionOfChildren, 5),
    (SesacForm::CommercialSexualExploitation, 5),
];
const OFFLINE_FORMS: [(SesacForm, u32); 7] = [
    (SesacForm::SexualAbuse, 55),
    (SesacForm::CorruptionOfChildren, 10),
    (SesacForm::CommercialSexualExploitation, 8),
    (SesacForm::TraffickingSexual, 6),
    (SesacForm::AbuseMaterial, 5),
    (SesacForm::Solicitation, 8),
    (SesacForm::Other, 8),
];
/// Forms that are crimes whoever reports them.
const CRIMES: [SesacForm; 6] = [
    SesacForm::SexualAbuse,
    SesacForm::CommercialSexualExploitation,
    SesacForm::AbuseMaterial,
    SesacForm::TraffickingSexual,
    SesacForm::PornographicPerformance,
    SesacForm::Sextortion,
];

pub fn new_child(planner: &Planner<'_>, rng: &mut Rng, identified: DateTime<Utc>) -> Child {
    let localities = planner
        .units
        .district(planner.profile.code)
        .map(|d| d.localities.as_slice())
        .unwrap_or_default();
    let locality = localities
        .get(rng.index(localities.len()))
        .map(|l| l.code.clone())
        .unwrap_or_else(|| planner.profile.code.to_owned());
    let sex = rng
        .weighted(&[(Sex::Female, 72), (Sex::Male, 26), (Sex::Unknown, 2)])
        .unwrap_or(Sex::Unknown);
    let mut child = Child::new(rng.id(), sex, locality);
    let age = rng.weighted(&AGES).unwrap_or(14);
    let on = identified.date_naive();
    if rng.chance(60) {
        let born = NaiveDate::from_ymd_opt(on.year() - age as i32, on.month(), 1)
            .and_then(|d| d.checked_sub_signed(TimeDelta::days(rng.below(365) as i64)));
        child.birth_date = born;
    }
    if child.birth_date.is_none() {
        child.estimated_birth_year = Some(on.year() - age as i32);
    }
    child.language = rng
        .weighted(planner.profile.languages)
        .unwrap_or("ro")
        .to_owned();
    // A mediator often knows the child by first name already.
    if rng.chance(40) {
        child.given_name = Some(given_name(rng, planner.profile.code).to_owned());
    }
    child
}

fn given_name(rng: &mut Rng, district: &str) -> &'static str {
    if district == "9600" && rng.chance(60) {
        rng.pick(&texts::GIVEN_SOUTH).unwrap_or("Ana")
    } else {
        rng.pick(&texts::GIVEN).unwrap_or("Ana")
    }
}

pub fn details(rng: &mut Rng, child: &Child, district: &str) -> Details {
    let family_name = if district == "9600" && rng.chance(70) {
        rng.pick(&texts::FAMILY_SOUTH).unwrap_or("Topal")
    } else {
        rng.pick(&texts::FAMILY).unwrap_or("Rusu")
    };
    let young = child.estimated_birth_year.is_some_and(|y| y >= 2020)
        || child.birth_date.is_some_and(|d| d.year() >= 2020);
    let schooling = if young {
        Schooling::Preschool
    } else {
        rng.weighted(&[
            (Schooling::Enrolled, 70),
            (Schooling::IrregularAttendance, 15),
            (Schooling::OutOfSchool, 8),
            (Schooling::Unknown, 7),
        ])
        .unwrap_or(Schooling::Unknown)
    };
    let parents_abroad = rng
        .weighted(&[
            (ParentsAbroad::None, 62),
            (ParentsAbroad::One, 22),
            (ParentsAbroad::Both, 11),
            (ParentsAbroad::Unknown, 5),
        ])
        .unwrap_or(ParentsAbroad::Unknown);
    let living = if parents_abroad == ParentsAbroad::Both {
        LivingArrangement::Relatives
    } else {
        rng.weighted(&[
            (LivingArrangement::BothParents, 45),
            (LivingArrangement::OneParent, 27),
            (LivingArrangement::Relatives, 12),
            (LivingArrangement::FosterOrGuardian, 4),
            (LivingArrangement::ResidentialCare, 3),
            (LivingArrangement::Alone, 1),
            (LivingArrangement::Unknown, 8),
        ])
        .unwrap_or(LivingArrangement::Unknown)
    };
    let refugee = if child.language == "uk" {
        RefugeeStatus::TemporaryProtection
    } else if rng.chance(90) {
        RefugeeStatus::NotRefugee
    } else {
        RefugeeStatus::Unknown
    };
    let disability = rng
        .weighted(&[
            (YesNoUnknown::No, 80),
            (YesNoUnknown::Yes, 7),
            (YesNoUnknown::Unknown, 13),
        ])
        .unwrap_or(YesNoUnknown::Unknown);
    let domains = if disability == YesNoUnknown::Yes {
        rng.pick(&[
            DisabilityDomain::Communication,
            DisabilityDomain::Cognition,
            DisabilityDomain::Hearing,
            DisabilityDomain::Walking,
        ])
        .into_iter()
        .collect()
    } else {
        Vec::new()
    };
    Details {
        given_name: child
            .given_name
            .as_deref()
            .and_then(|g| {
                texts::GIVEN
                    .iter()
                    .chain(&texts::GIVEN_SOUTH)
                    .find(|n| **n == g)
            })
            .copied()
            .unwrap_or_else(|| given_name(rng, district)),
        family_name,
        contact: rng.chance(70).then(|| rng.pick(&texts::CONTACTS)).flatten(),
        schooling,
        living,
        parents_abroad,
        refugee,
        disability,
        domains,
    }
}

pub fn notification(
    profile: &Profile,
    rng: &mut Rng,
    identified: DateTime<Utc>,
    by_mediator: bool,
) -> Notification {
    use ReportingSector as R;
    let reporter = if by_mediator {
        rng.weighted(&[
            (R::Family, 35),
            (R::ChildSelf, 15),
            (R::Anonymous, 15),
            (R::Ngo, 15),
            (R::Social, 20),
        ])
    } else {
        rng.weighted(&[
            (R::Education, 30),
            (R::Health, 15),
            (R::Police, 15),
            (R::Social, 10),
            (R::Helpline, 10),
            (R::Family, 10),
            (R::ChildSelf, 5),
            (R::Ngo, 5),
        ])
    }
    .unwrap_or(R::Social);
    let channel = match reporter {
        R::Helpline => Channel::Helpline,
        R::Police | R::Ngo => Channel::Written,
        R::Education | R::Health => rng
            .weighted(&[
                (Channel::Written, 50),
                (Channel::Phone, 30),
                (Channel::InPerson, 20),
            ])
            .unwrap_or(Channel::Written),
        R::Anonymous => rng
            .weighted(&[(Channel::Phone, 60), (Channel::Online, 40)])
            .unwrap_or(Channel::Phone),
        R::Family | R::ChildSelf | R::Social => rng
            .weighted(&[(Channel::InPerson, 70), (Channel::Phone, 30)])
            .unwrap_or(Channel::InPerson),
    };
    let online = rng.chance(profile.online);
    let table: &[(SesacForm, u32)] = if online {
        &ONLINE_FORMS
    } else {
        &OFFLINE_FORMS
    };
    let mut forms: Vec<SesacForm> = rng.weighted(table).into_iter().collect();
    if rng.chance(25) {
        if let Some(second) = rng.weighted(table) {
            if !forms.contains(&second) {
                forms.push(second);
            }
        }
    }
    let relationship = if online {
        rng.weighted(&[
            (Relationship::OnlineOnlyContact, 50),
            (Relationship::PeerOrPartner, 20),
            (Relationship::Acquaintance, 15),
            (Relationship::Stranger, 10),
            (Relationship::Unknown, 5),
        ])
    } else {
        rng.weighted(&[
            (Relationship::Family, 30),
            (Relationship::Acquaintance, 20),
            (Relationship::PersonOfTrust, 15),
            (Relationship::PeerOrPartner, 15),
            (Relationship::Stranger, 8),
            (Relationship::Unknown, 12),
        ])
    }
    .unwrap_or(Relationship::Unknown);
    let perpetrator_age = if relationship == Relationship::PeerOrPartner && rng.chance(60) {
        PerpetratorAge::Child
    } else {
        rng.weighted(&[
            (PerpetratorAge::Adult, 85),
            (PerpetratorAge::Child, 8),
            (PerpetratorAge::Unknown, 7),
        ])
        .unwrap_or(PerpetratorAge::Unknown)
    };
    let crime = forms.iter().any(|f| CRIMES.contains(f));
    let received_delay = match reporter {
        R::Helpline | R::Police => rng.between(5, hours(2) as u64),
        _ if rng.chance(75) => rng.between(5, hours(6) as u64),
        // A teacher who waits for the weekend to pass, a letter by post.
        _ => rng.between(hours(6) as u64, days(3) as u64),
    };
    let last_incident = rng
        .chance(70)
        .then(|| shift(identified, -days(rng.below(60))).date_naive());
    Notification {
        reporter_sector: reporter,
        channel,
        identified_at: identified,
        received_at: shift(identified, received_delay as i64),
        registered_at: None,
        forms,
        online_component: if online {
            YesNoUnknown::Yes
        } else if rng.chance(80) {
            YesNoUnknown::No
        } else {
            YesNoUnknown::Unknown
        },
        last_incident,
        perpetrator_relationship: relationship,
        perpetrator_age,
        crime_suspected: if crime {
            rng.chance(85)
        } else {
            rng.chance(30)
        },
        police_notified_at: (reporter == R::Police).then_some(identified),
        child_words: rng
            .chance(35)
            .then(|| rng.pick(&texts::CHILD_WORDS))
            .flatten()
            .map(str::to_owned),
    }
}
