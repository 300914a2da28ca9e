//! Hand-made scenarios for what the convergence property covers only by
//! chance: each kind of conflict, its resolution, and the rules that refuse
//! an operation while changing nothing.

mod case_support;

use case_support::{base_time, packet, Replica};
use chrono::Duration;
use ocrotire_core::document::{
    CaseDoc, CaseOp, ConflictKind, DocError, Heads, ReceivedChanges, MAX_TEXT_CHARS,
};
use ocrotire_core::model::*;
use ocrotire_core::scoring::ScoringError;

fn rename(replica: &mut Replica, name: &str) {
    let mut child = replica.doc.view().unwrap().child;
    child.given_name = Some(name.into());
    replica.apply(&CaseOp::UpdateChild(child)).unwrap();
}

#[test]
fn concurrent_writes_keep_both_values_until_a_person_chooses() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    let mut b = Replica::copy_of(&a, 2, Role::DistrictOfficer);
    rename(&mut a, "Ana");
    rename(&mut b, "Anna");
    a.receive(&b);
    b.receive(&a);

    let conflicts = a.doc.conflicts().unwrap();
    assert_eq!(conflicts, b.doc.conflicts().unwrap());
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.kind, ConflictKind::ConcurrentValues);
    assert_eq!(conflict.field.to_string(), "child.given_name");
    let mut values: Vec<(String, String)> = conflict
        .values
        .iter()
        .map(|v| (v.value.clone(), v.author.as_ref().unwrap().user_id.clone()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("\"Ana\"".into(), "user1".into()),
            ("\"Anna\"".into(), "user2".into())
        ]
    );

    // A value that was not in conflict cannot be chosen.
    let wrong = CaseOp::ResolveConflict {
        field: conflict.field.clone(),
        chosen: "\"Ioana\"".into(),
        reason: "x".into(),
    };
    assert!(b.apply(&wrong).is_err());

    let resolve = CaseOp::ResolveConflict {
        field: conflict.field.clone(),
        chosen: "\"Anna\"".into(),
        reason: "birth certificate seen".into(),
    };
    b.apply(&resolve).unwrap();
    a.receive(&b);
    let view = a.doc.view().unwrap();
    assert_eq!(view.child.given_name.as_deref(), Some("Anna"));
    assert!(a.doc.conflicts().unwrap().is_empty());
    let resolution = &view.resolutions[0];
    assert_eq!(resolution.by.user_id, "user2");
    assert_eq!(resolution.reason, "birth certificate seen");
    assert_eq!(resolution.alternatives.len(), 2);

    // Resolving again: there is nothing left to resolve.
    assert!(matches!(a.apply(&resolve), Err(DocError::NoConflict(_))));
}

#[test]
fn a_completed_assessment_never_changes() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    a.apply(&a.template_op("a1")).unwrap();
    let answer = |item: &str, answer| CaseOp::AnswerItem {
        assessment_id: "a1".into(),
        item_id: item.into(),
        answer,
    };
    a.apply(&answer("repeated_or_ongoing_abuse", true)).unwrap();
    a.apply(&CaseOp::CompleteAssessment {
        assessment_id: "a1".into(),
    })
    .unwrap();
    let heads = a.doc.heads();

    for op in [
        answer("contact_abuse", true),
        CaseOp::CompleteAssessment {
            assessment_id: "a1".into(),
        },
        CaseOp::OverrideLevel {
            assessment_id: "a1".into(),
            level: RiskLevel::High,
            reason: "r".into(),
        },
    ] {
        assert!(matches!(a.apply(&op), Err(DocError::AssessmentCompleted)));
    }
    assert_eq!(
        a.doc.heads(),
        heads,
        "a refused operation must write nothing"
    );
}

#[test]
fn an_answer_changed_while_another_device_completed_is_shown_not_scored() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    a.apply(&a.template_op("a1")).unwrap();
    let mut b = Replica::copy_of(&a, 2, Role::SocialAssistant);
    a.apply(&CaseOp::CompleteAssessment {
        assessment_id: "a1".into(),
    })
    .unwrap();
    b.apply(&CaseOp::AnswerItem {
        assessment_id: "a1".into(),
        item_id: "contact_abuse".into(),
        answer: true,
    })
    .unwrap();
    a.receive(&b);
    b.receive(&a);

    let assessment = &a.doc.view().unwrap().assessments[0];
    assert_eq!(assessment.status, AssessmentStatus::Completed);
    assert!(
        assessment.answers.is_empty(),
        "the completed assessment shows the answers it was scored on"
    );
    let conflicts = a.doc.conflicts().unwrap();
    assert_eq!(conflicts, b.doc.conflicts().unwrap());
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::EditAfterCompletion);
    assert_eq!(
        conflicts[0].field.to_string(),
        "assessment[a1].answers.contact_abuse"
    );

    let choose = |value: &str| CaseOp::ResolveConflict {
        field: conflicts[0].field.clone(),
        chosen: value.into(),
        reason: "new assessment planned".into(),
    };
    assert!(matches!(
        b.apply(&choose("true")),
        Err(DocError::AssessmentCompleted)
    ));
    b.apply(&choose("null")).unwrap();
    assert!(b.doc.conflicts().unwrap().is_empty());
}

#[test]
fn contradictory_referral_outcomes_wait_for_a_decision() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    let add = CaseOp::AddReferral {
        id: "r1".into(),
        service_type: ServiceType::MentalHealth,
        service_id: None,
        packet: packet(),
    };
    a.apply(&add).unwrap();
    a.apply(&CaseOp::AddReferralEvent {
        referral_id: "r1".into(),
        event: ReferralEventKind::Sent,
    })
    .unwrap();
    let mut b = Replica::copy_of(&a, 2, Role::DistrictOfficer);
    let later = base_time() + Duration::hours(5);
    let declined = ReferralEventKind::Declined {
        reason: "no capacity this month".into(),
    };
    a.apply_at(
        &CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: declined,
        },
        later,
    )
    .unwrap();
    b.apply_at(
        &CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: ReferralEventKind::CompletedSuccessfully,
        },
        later,
    )
    .unwrap();
    a.receive(&b);
    b.receive(&a);

    let status = a.doc.view().unwrap().referrals[0].status.clone();
    assert_eq!(
        status,
        ReferralStatus::Contradictory {
            statuses: vec!["completed_successfully".into(), "declined".into()]
        }
    );
    let conflicts = a.doc.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::ContradictoryStatus);

    b.apply(&CaseOp::ResolveConflict {
        field: conflicts[0].field.clone(),
        chosen: "\"completed_successfully\"".into(),
        reason: "service confirmed by phone".into(),
    })
    .unwrap();
    a.receive(&b);
    assert_eq!(
        a.doc.view().unwrap().referrals[0].status,
        ReferralStatus::CompletedSuccessfully
    );
    assert!(a.doc.conflicts().unwrap().is_empty());
    assert_eq!(
        a.doc.view().unwrap().referrals[0].events.len(),
        3,
        "every event is kept"
    );
}

#[test]
fn a_referral_cannot_move_backwards_because_of_a_wrong_clock() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    a.apply(&CaseOp::AddReferral {
        id: "r1".into(),
        service_type: ServiceType::Police,
        service_id: None,
        packet: packet(),
    })
    .unwrap();
    let t = base_time() + Duration::hours(2);
    a.apply_at(
        &CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: ReferralEventKind::Accepted,
        },
        t,
    )
    .unwrap();
    a.apply_at(
        &CaseOp::AddReferralEvent {
            referral_id: "r1".into(),
            event: ReferralEventKind::Sent,
        },
        t + Duration::hours(1),
    )
    .unwrap();
    assert_eq!(
        a.doc.view().unwrap().referrals[0].status,
        ReferralStatus::Accepted
    );
}

#[test]
fn lowering_a_level_needs_a_district_officer() {
    let mut worker = Replica::first(1, Role::SocialAssistant);
    worker.apply(&worker.template_op("a1")).unwrap();
    for item in [
        "repeated_or_ongoing_abuse",
        "perpetrator_in_household",
        "contact_abuse",
    ] {
        worker
            .apply(&CaseOp::AnswerItem {
                assessment_id: "a1".into(),
                item_id: item.into(),
                answer: true,
            })
            .unwrap();
    }
    let lower = CaseOp::OverrideLevel {
        assessment_id: "a1".into(),
        level: RiskLevel::Low,
        reason: "grandmother moved in".into(),
    };
    worker.apply(&lower).unwrap();
    let complete = CaseOp::CompleteAssessment {
        assessment_id: "a1".into(),
    };
    assert!(matches!(
        worker.apply(&complete),
        Err(DocError::Scoring(ScoringError::LoweringNeedsApproval))
    ));
    assert!(matches!(
        worker.apply(&CaseOp::ApproveOverride {
            assessment_id: "a1".into()
        }),
        Err(DocError::NotPermitted { .. })
    ));

    let mut officer = Replica::copy_of(&worker, 2, Role::DistrictOfficer);
    officer
        .apply(&CaseOp::ApproveOverride {
            assessment_id: "a1".into(),
        })
        .unwrap();
    worker.receive(&officer);
    worker.apply(&complete).unwrap();
    let result = worker.doc.view().unwrap().assessments[0]
        .result
        .clone()
        .unwrap();
    assert_eq!(result.computed_level, RiskLevel::High);
    assert_eq!(result.final_level, RiskLevel::Low);
}

#[test]
fn a_mediator_never_touches_assessments() {
    let first = Replica::first(1, Role::SocialAssistant);
    let mut mediator = Replica::copy_of(&first, 2, Role::CommunityMediator);
    let heads = mediator.doc.heads();
    let refused = mediator.apply(&mediator.template_op("a1"));
    assert!(matches!(refused, Err(DocError::NotPermitted { .. })));
    assert_eq!(mediator.doc.heads(), heads);
    mediator
        .apply(&CaseOp::AddNote {
            id: "n1".into(),
            text: "family visited".into(),
        })
        .unwrap();
}

#[test]
fn bad_input_gets_a_typed_error_and_changes_nothing() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    let heads = a.doc.heads();
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    assert!(matches!(
        a.apply(&CaseOp::AddNote {
            id: "n1".into(),
            text: long
        }),
        Err(DocError::TooLong { .. })
    ));
    a.apply(&a.template_op("a1")).unwrap();
    let heads_after_start = a.doc.heads();
    let unknown = CaseOp::AnswerItem {
        assessment_id: "a1".into(),
        item_id: "no_such_item".into(),
        answer: true,
    };
    assert!(matches!(
        a.apply(&unknown),
        Err(DocError::Scoring(ScoringError::UnknownItem(_)))
    ));
    assert_eq!(a.doc.heads(), heads_after_start);
    assert!(matches!(
        a.apply(&a.template_op("a1")),
        Err(DocError::Duplicate)
    ));
    assert!(matches!(
        a.apply(&a.template_op("not an id!")),
        Err(DocError::Encoding(_))
    ));
    assert_ne!(heads, heads_after_start);

    let before = a.doc.save();
    assert!(matches!(
        a.doc.apply_changes(b"not automerge"),
        Err(DocError::Corrupt(_))
    ));
    assert_eq!(a.doc.save(), before);
    assert!(CaseDoc::load(b"garbage", &a.actor).is_err());

    // A truncated batch is refused whole, even though its first changes are fine.
    let mut b = Replica::first(2, Role::SocialAssistant);
    b.apply(&CaseOp::AddNote {
        id: "n2".into(),
        text: "second".into(),
    })
    .unwrap();
    let mut changes = b.doc.changes_since(&Heads::default());
    changes.pop();
    let before = a.doc.save();
    assert!(matches!(
        a.doc.apply_changes(&changes),
        Err(DocError::Corrupt(_))
    ));
    assert_eq!(a.doc.save(), before);
}

#[test]
fn a_new_device_builds_the_case_from_its_changes_alone() {
    let mut a = Replica::first(1, Role::SocialAssistant);
    a.apply(&CaseOp::AddNote {
        id: "n1".into(),
        text: "first visit".into(),
    })
    .unwrap();
    let everything = a.doc.changes_since(&Heads::default());
    let copy = CaseDoc::load(&everything, &a.actor).unwrap();
    assert_eq!(copy.view().unwrap(), a.doc.view().unwrap());
    assert_eq!(copy.heads(), a.doc.heads());
    let mut b = Replica::copy_of(&a, 2, Role::SocialAssistant);
    a.apply(&CaseOp::AddNote {
        id: "n2".into(),
        text: "second visit".into(),
    })
    .unwrap();
    b.doc.apply_changes(&a.doc.save()).unwrap();
    assert_eq!(
        b.doc.view().unwrap(),
        a.doc.view().unwrap(),
        "a whole saved document merges too"
    );
    let hex = a.doc.heads().to_hex();
    assert_eq!(Heads::from_hex(&hex).unwrap(), a.doc.heads());
}

/// Changes that decode but make Automerge 0.12 panic while applying them
/// (found by the `http_bodies` fuzz target: one flipped bit in a synthetic
/// case's changes, an invalid actor index inside a change chunk). They must
/// be refused as damaged, by a device and by the server alike, leaving
/// every document as it was.
#[test]
fn changes_that_make_automerge_panic_are_refused_as_damaged() {
    // Inputs fuzzing found, panicking at three places in Automerge: two
    // while applying, one while decoding a change.
    for hostile in [
        &include_bytes!("data/automerge-panic-change.bin")[..],
        &include_bytes!("data/automerge-panic-change-2.bin")[..],
        &include_bytes!("data/automerge-panic-change-3.bin")[..],
    ] {
        refused_as_damaged(hostile);
    }
}

fn refused_as_damaged(hostile: &[u8]) {
    let refused = ReceivedChanges::decode(hostile).and_then(|received| {
        CaseDoc::from_received(received, &Replica::first(1, Role::SocialAssistant).actor)
    });
    assert!(matches!(refused, Err(DocError::Corrupt(_))));

    let mut a = Replica::first(2, Role::SocialAssistant);
    let before = a.doc.save();
    assert!(matches!(
        a.doc.apply_changes(hostile),
        Err(DocError::Corrupt(_))
    ));
    assert_eq!(a.doc.save(), before);
    // The document still takes good changes afterwards.
    let mut b = Replica::copy_of(&a, 3, Role::SocialAssistant);
    b.apply(&CaseOp::AddNote {
        id: "n1".into(),
        text: "after the refusal".into(),
    })
    .unwrap();
    a.doc
        .apply_changes(&b.doc.changes_since(&a.doc.heads()))
        .unwrap();
    assert_eq!(a.doc.view().unwrap(), b.doc.view().unwrap());
}
