//! Nothing about a child reaches the disk in plaintext: every kind of
//! operation writes unique marker strings into cases, including a conflict
//! merged from another device and its resolution; then every file in the
//! store's directory is scanned for every free-text value the test wrote.

use chrono::{Duration, TimeZone, Utc};
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::*;
use ocrotire_core::store::StoreConfig;
use ocrotire_tests::{find_markers, notification};

#[test]
fn no_free_text_value_is_on_disk_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let mut markers: Vec<String> = Vec::new();
    let mut mark = |what: &str| {
        let m = format!("Mrk{what}Ștefănescu{}", markers.len());
        markers.push(m.clone());
        m
    };
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let mut device = Caseload::create(
        dir.path(),
        "1234",
        None,
        StoreConfig::default(),
        Identity::new("u1", Role::SocialAssistant, "9200"),
    )
    .unwrap();
    let mut other = Caseload::create(
        other_dir.path(),
        "5678",
        None,
        StoreConfig::default(),
        Identity::new("u2", Role::DistrictOfficer, "9200"),
    )
    .unwrap();

    let mut ids = Vec::new();
    for i in 0..3 {
        let mut child = Child::new(mark("pseudonym"), Sex::Female, mark("locality"));
        child.given_name = Some(mark("given"));
        child.family_name = Some(mark("family"));
        child.contact = Some(mark("contact"));
        child.language = "ro".into();
        let case = device
            .create_case_at(
                child,
                notification(Some(mark("words"))),
                t0 + Duration::minutes(i),
            )
            .unwrap();
        ids.push(case.id);
    }
    let case_id = ids[0].clone();
    let template = device.templates()[0].clone();
    let ops = vec![
        CaseOp::StartAssessment {
            id: "a1".into(),
            template_id: template.id().into(),
            template_version: template.version(),
        },
        CaseOp::AnswerItem {
            assessment_id: "a1".into(),
            item_id: "contact_abuse".into(),
            answer: true,
        },
        CaseOp::SetSafety {
            assessment_id: "a1".into(),
            child_safety_scale: Some(3),
            worker_safety_scale: Some(4),
            danger_statement: Some(mark("danger")),
            safety_goal: Some(mark("goal")),
        },
        CaseOp::OverrideLevel {
            assessment_id: "a1".into(),
            level: RiskLevel::High,
            reason: mark("override"),
        },
        CaseOp::CompleteAssessment {
            assessment_id: "a1".into(),
        },
        CaseOp::AddReferral {
            id: "r1".into(),
            service_type: ServiceType::MentalHealth,
            service_id: None,
            packet: ReferralPacket {
                age_band: "10-14".into(),
                sex: Sex::Female,
                language: "ro".into(),
                accessibility_needs: Some(mark("access")),
                category: vec![SesacForm::Sextortion],
                risk_level: Some(RiskLevel::High),
                safety_instructions: Some(mark("safety")),
                consent_obtained: true,
                contact_person: Some(mark("contactperson")),
            },
        },
        CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: ReferralEventKind::Sent,
        },
        CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: ReferralEventKind::Declined {
                reason: mark("declined"),
            },
        },
        CaseOp::AddFollowUp(FollowUp {
            id: "f1".into(),
            kind: FollowUpKind::HomeVisit,
            date: t0.date_naive(),
            by: Author {
                user_id: "u1".into(),
                role: Role::SocialAssistant,
            },
            child_seen: true,
            summary: Some(mark("followup")),
            next_due: None,
        }),
        CaseOp::RecordConsent(ConsentRecord {
            id: "c1".into(),
            at: t0,
            by: Author {
                user_id: "u1".into(),
                role: Role::SocialAssistant,
            },
            scope: vec![ServiceType::MentalHealth],
            basis: ConsentBasis::Given {
                giver: ConsentGiver::Parent,
            },
            child_view: Some(mark("childview")),
        }),
        CaseOp::AddNote {
            id: "n1".into(),
            text: mark("note"),
        },
        CaseOp::AddCaseEvent(CaseEvent::Closed {
            outcome: ClosureOutcome::SafetyAchieved,
            reason: mark("closed"),
        }),
        CaseOp::AddCaseEvent(CaseEvent::Reopened {
            reason: mark("reopened"),
        }),
    ];
    for op in &ops {
        device
            .apply_at(&case_id, op, t0 + Duration::hours(1))
            .unwrap();
    }

    // A conflict made by two devices, merged and resolved.
    let everything = device.changes_since(&case_id, &Default::default()).unwrap();
    other.apply_changes(&case_id, &everything).unwrap();
    let heads = device.heads(&case_id).unwrap();
    for (caseload, name) in [
        (&mut device, mark("conflictA")),
        (&mut other, mark("conflictB")),
    ] {
        let mut child = caseload.case(&case_id).unwrap().child;
        child.given_name = Some(name);
        caseload
            .apply(&case_id, &CaseOp::UpdateChild(child))
            .unwrap();
    }
    let theirs = other.changes_since(&case_id, &heads).unwrap();
    device.apply_changes(&case_id, &theirs).unwrap();
    let conflict = device.conflicts(&case_id).unwrap().remove(0);
    let chosen = conflict.values[0].value.clone();
    device
        .apply(
            &case_id,
            &CaseOp::ResolveConflict {
                field: conflict.field,
                chosen,
                reason: mark("resolution"),
            },
        )
        .unwrap();
    assert!(device.conflicts(&case_id).unwrap().is_empty());

    // The markers are really in the cases, and searchable while unlocked.
    let name = device.case(&ids[1]).unwrap().child.given_name.unwrap();
    let listing = device
        .list(
            &CaseFilter {
                text: Some(name),
                ..Default::default()
            },
            t0,
        )
        .unwrap();
    assert_eq!(listing.cases.len(), 1);
    let case_number = device.case(&case_id).unwrap().case_number;
    markers.push(case_number);

    device.lock();
    other.lock();
    let hits = find_markers(dir.path(), &markers);
    assert!(hits.is_empty(), "plaintext on disk: {hits:?}");
    let hits = find_markers(other_dir.path(), &markers);
    assert!(hits.is_empty(), "plaintext on disk: {hits:?}");
}

/// The scan above is only worth something if it finds what is there.
#[test]
fn the_scan_finds_markers_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let marker = "MrkȚurcanu".to_string();
    let utf16: Vec<u8> = marker.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(
        dir.path().join("a.bin"),
        [b"xx".as_slice(), &utf16, b"yy"].concat(),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.txt"), format!("..{marker}..")).unwrap();
    let hits = find_markers(dir.path(), &[marker, "absent".into()]);
    assert_eq!(hits.len(), 2);
}
