//! The risk assessment's answers. What the notification and the child's
//! details already say is answered first; then, for how serious the case
//! is drawn to be, protective factors, floor and imminent-danger items,
//! and more risk factors until the real scoring engine agrees.

use std::collections::BTreeMap;

use ocrotire_core::model::{
    LivingArrangement, ParentsAbroad, Relationship, RiskLevel, Schooling, SesacForm, YesNoUnknown,
};
use ocrotire_core::reference::Template;
use ocrotire_core::scoring;

use super::rng::Rng;
use super::work::Known;

/// The items answered yes: what the notification and the child's details
/// already say, then more or fewer risk and protective factors for how
/// serious the case turns out to be.
pub fn answers(rng: &mut Rng, known: &Known<'_>, template: &Template) -> Vec<&'static str> {
    let d = known.details;
    let relationship = known.relationship();
    let contact = known.has(SesacForm::SexualAbuse);
    let exploitation = [
        SesacForm::CommercialSexualExploitation,
        SesacForm::AbuseMaterial,
        SesacForm::TraffickingSexual,
    ]
    .into_iter()
    .any(|f| known.has(f));
    let mut yes: Vec<&'static str> = Vec::new();
    add(
        &mut yes,
        "child_under_12",
        known.age.is_some_and(|a| a < 12),
    );
    add(&mut yes, "contact_abuse", contact);
    add(
        &mut yes,
        "online_contact_unknown_adults_or_sharing_images",
        known.notification.online_component == YesNoUnknown::Yes
            && matches!(
                relationship,
                Relationship::OnlineOnlyContact | Relationship::Stranger
            ),
    );
    add(
        &mut yes,
        "images_made_or_shared",
        [
            SesacForm::AbuseMaterial,
            SesacForm::SelfGeneratedUnderPressure,
            SesacForm::Sextortion,
        ]
        .into_iter()
        .any(|f| known.has(f)),
    );
    add(
        &mut yes,
        "earlier_notification_within_12_months",
        known.renotified,
    );
    add(
        &mut yes,
        "left_behind_poor_supervision",
        d.parents_abroad != ParentsAbroad::None
            && d.parents_abroad != ParentsAbroad::Unknown
            && matches!(
                d.living,
                LivingArrangement::Relatives | LivingArrangement::Alone
            )
            && rng.chance(70),
    );
    add(
        &mut yes,
        "out_of_school",
        d.schooling == Schooling::OutOfSchool,
    );
    add(
        &mut yes,
        "disability_or_communication_difficulty",
        d.disability == YesNoUnknown::Yes,
    );
    add(
        &mut yes,
        "child_in_residential_care",
        d.living == LivingArrangement::ResidentialCare,
    );
    add(
        &mut yes,
        "perpetrator_in_household",
        relationship == Relationship::Family && rng.chance(60),
    );
    add(
        &mut yes,
        "person_of_trust_regular_access",
        relationship == Relationship::PersonOfTrust,
    );
    add(
        &mut yes,
        "gifts_or_money_from_adults",
        known.has(SesacForm::CommercialSexualExploitation) && rng.chance(60),
    );
    let class = rng
        .weighted(&[
            (RiskLevel::Low, 30),
            (RiskLevel::Medium, 35),
            (RiskLevel::High, 25),
            (RiskLevel::Imminent, 7),
        ])
        .unwrap_or(RiskLevel::Medium);
    let protective = match class {
        RiskLevel::Low => rng.between(2, 3),
        RiskLevel::Medium => rng.below(2),
        RiskLevel::High | RiskLevel::Imminent => 0,
    };
    for _ in 0..protective {
        if let Some(item) = rng.pick(&[
            "caregiver_believes_and_protects",
            "perpetrator_no_access",
            "trusted_adult_and_safety_plan",
            "regular_school_engaged_coordinator",
            "family_engages_with_services",
        ]) {
            add(&mut yes, item, true);
        }
    }
    if class == RiskLevel::High && rng.chance(40) {
        let trust = matches!(
            relationship,
            Relationship::Family | Relationship::PersonOfTrust
        );
        add(
            &mut yes,
            "contact_abuse_household_or_trust_with_access",
            trust && contact,
        );
        add(
            &mut yes,
            "exploitation_material_or_trafficking_indicators",
            exploitation,
        );
    }
    if class == RiskLevel::Imminent {
        let item = if contact && rng.chance(50) {
            "contact_abuse_last_72h"
        } else if exploitation && rng.chance(50) {
            "exploited_or_trafficked_now"
        } else if known.has(SesacForm::Sextortion) {
            "active_threats"
        } else if relationship == Relationship::Family {
            "abuser_access_within_24h"
        } else {
            rng.pick(&[
                "afraid_to_go_home_or_no_caregiver",
                "serious_injury_or_self_harm",
            ])
            .unwrap_or("afraid_to_go_home_or_no_caregiver")
        };
        add(&mut yes, item, true);
    }
    // More of what the worker finds until the case is as serious as drawn
    // (bounded: the pool runs out long before).
    for _ in 0..10 {
        if level_of(template, &yes) >= class {
            break;
        }
        if let Some(item) = rng.pick(&[
            "repeated_or_ongoing_abuse",
            "caregiver_disbelieves_or_pressures_retraction",
            "several_perpetrators",
            "caregiver_impaired",
            "running_away",
            "gifts_or_money_from_adults",
            "child_substance_use",
        ]) {
            add(&mut yes, item, true);
        }
    }
    yes
}

/// Answers yes to `item` when `when` holds (once).
fn add(yes: &mut Vec<&'static str>, item: &'static str, when: bool) {
    if when && !yes.contains(&item) {
        yes.push(item);
    }
}

/// The level the scoring engine computes for these yes-answers.
pub fn level_of(template: &Template, yes: &[&str]) -> RiskLevel {
    let answers: BTreeMap<String, bool> = yes.iter().map(|a| ((*a).to_owned(), true)).collect();
    scoring::score(template, &answers, None, None)
        .map(|s| s.computed_level)
        .unwrap_or(RiskLevel::Low)
}
