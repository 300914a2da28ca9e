//! A social assistant's field day, end to end on one tablet with no network:
//! create the encrypted caseload, record a notification, run the risk
//! assessment, refer to services, lock, reopen and show the case.
//!
//! Run: `cargo run --release -p ocrotire-core --example field_day`

use std::error::Error;

use chrono::{Duration, TimeZone, Utc};
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::CaseOp;
use ocrotire_core::ids::random_id;
use ocrotire_core::model::*;
use ocrotire_core::store::StoreConfig;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let pin = "482916";
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 8, 30, 0)
        .single()
        .ok_or("date")?;
    println!("Ocrotire field day: store in {}", dir.path().display());

    let identity = Identity::new("sa-ungheni-07", Role::SocialAssistant, "5701");
    let mut caseload = Caseload::create(dir.path(), pin, None, StoreConfig::default(), identity)?;

    // 08:30 - a teacher reports that a 13-year-old girl is being groomed online.
    let mut child = Child::new(random_id(), Sex::Female, "5701");
    child.birth_date = chrono::NaiveDate::from_ymd_opt(2013, 5, 14);
    child.parents_abroad = ParentsAbroad::Both;
    child.living_arrangement = LivingArrangement::Relatives;
    child.schooling = Schooling::Enrolled;
    child.given_name = Some("Ana".into());
    child.family_name = Some("Țurcanu".into());
    let notification = Notification {
        reporter_sector: ReportingSector::Education,
        channel: Channel::InPerson,
        identified_at: start,
        received_at: start,
        registered_at: Some(start + Duration::hours(2)),
        forms: vec![
            SesacForm::Solicitation,
            SesacForm::SelfGeneratedUnderPressure,
        ],
        online_component: YesNoUnknown::Yes,
        last_incident: start.date_naive().pred_opt(),
        perpetrator_relationship: Relationship::OnlineOnlyContact,
        perpetrator_age: PerpetratorAge::Adult,
        crime_suspected: true,
        police_notified_at: Some(start + Duration::hours(1)),
        child_words: Some("He said he would send the photos to my class.".into()),
    };
    let case = caseload.create_case_at(child, notification, start)?;
    println!("\nCase {} opened ({}).", case.case_number, case.id);

    // 11:00 - home visit, initial risk assessment with the template.
    let template = &caseload.templates()[0];
    let (template_id, template_version) = (template.id().to_string(), template.version());
    let assessment_id = random_id();
    let at = start + Duration::hours(2);
    caseload.apply_at(
        &case.id,
        &CaseOp::StartAssessment {
            id: assessment_id.clone(),
            template_id,
            template_version,
        },
        at,
    )?;
    for item in [
        "online_contact_unknown_adults_or_sharing_images",
        "images_made_or_shared",
        "child_under_12",
        "left_behind_poor_supervision",
        "gifts_or_money_from_adults",
        "trusted_adult_and_safety_plan",
    ] {
        let op = CaseOp::AnswerItem {
            assessment_id: assessment_id.clone(),
            item_id: item.into(),
            answer: item != "child_under_12",
        };
        caseload.apply_at(&case.id, &op, at)?;
    }
    caseload.apply_at(
        &case.id,
        &CaseOp::SetSafety {
            assessment_id: assessment_id.clone(),
            child_safety_scale: Some(4),
            worker_safety_scale: Some(5),
            danger_statement: Some(
                "An adult met online is pressuring Ana to send more images.".into(),
            ),
            safety_goal: Some("Ana stops contact and knows whom to call.".into()),
        },
        at,
    )?;
    let case = caseload.apply_at(&case.id, &CaseOp::CompleteAssessment { assessment_id }, at)?;
    if let Some(result) = case.assessments.first().and_then(|a| a.result.as_ref()) {
        println!("\nRisk assessment completed: {:?}", result.final_level);
        println!("  {}", result.explanation);
    }

    // 12:00 - referrals with only what each service needs.
    let referral_id = random_id();
    let packet = ReferralPacket {
        age_band: "10-14".into(),
        sex: Sex::Female,
        language: "ro".into(),
        accessibility_needs: None,
        category: vec![SesacForm::Solicitation],
        risk_level: case.current_risk(),
        safety_instructions: Some("Contact through the grandmother, not the child's phone.".into()),
        consent_obtained: true,
        contact_person: Some("grandmother".into()),
    };
    let at = start + Duration::hours(3);
    caseload.apply_at(
        &case.id,
        &CaseOp::AddReferral {
            id: referral_id.clone(),
            service_type: ServiceType::Police,
            service_id: None,
            packet,
        },
        at,
    )?;
    caseload.apply_at(
        &case.id,
        &CaseOp::AddReferralEvent {
            referral_id,
            event: ReferralEventKind::Sent,
        },
        at,
    )?;

    // Lock the tablet, then unlock it again with the PIN.
    caseload.lock();
    let caseload = Caseload::open(dir.path(), pin, None)?;
    let now = start + Duration::days(2);
    let listing = caseload.list(
        &CaseFilter {
            text: Some("turcanu".into()),
            ..CaseFilter::default()
        },
        now,
    )?;
    println!(
        "\nSearch \"turcanu\" two days later: {} case(s)",
        listing.cases.len()
    );
    for s in &listing.cases {
        println!(
            "  {} {} risk={:?} overdue={} due={:?}",
            s.case_number,
            s.display_name.as_deref().unwrap_or("-"),
            s.risk,
            s.is_overdue(now),
            s.due
                .iter()
                .map(|d| (&d.what, d.due.to_rfc3339()))
                .collect::<Vec<_>>()
        );
    }
    let case = caseload.case(&listing.cases.first().ok_or("case not found")?.id)?;
    println!("\nReferrals:");
    for r in &case.referrals {
        println!(
            "  {:?} -> {:?} ({} event(s))",
            r.service_type,
            r.status,
            r.events.len()
        );
    }
    println!(
        "\nConflicts to review: {}",
        caseload.conflicts(&case.id)?.len()
    );
    Ok(())
}
