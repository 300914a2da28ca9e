//! The server's rules for taking a device's changes, exercised on real
//! case documents.

mod case_support;

use case_support::{new_case, Replica};
use ocrotire_core::document::{CaseOp, Heads};
use ocrotire_core::model::Role;
use ocrotire_core::sync::authority::{accept_push, may_see, Writer};
use ocrotire_core::sync::protocol::RefusalReason;

fn writer(replica: &Replica, district: &str) -> Writer {
    Writer {
        user_id: replica.author.user_id.clone(),
        role: replica.author.role,
        district: district.into(),
        actor: replica.actor.clone(),
        lost_unknowingly: false,
    }
}

fn all_changes(replica: &Replica) -> Vec<u8> {
    replica.doc.changes_since(&Heads::default())
}

#[test]
fn a_new_case_is_taken_from_its_creator_in_its_district() {
    let assistant = Replica::first(1, Role::SocialAssistant);
    let case_id = new_case().id;
    let accepted = accept_push(
        &case_id,
        None,
        &all_changes(&assistant),
        &writer(&assistant, "0100"),
    )
    .unwrap();
    assert_eq!(accepted.projection.created_by, "user1");
    assert_eq!(accepted.projection.district, "0100");
    assert!(!accepted.fresh.is_empty());

    let refused = accept_push(
        &case_id,
        None,
        &all_changes(&assistant),
        &writer(&assistant, "9200"),
    );
    assert_eq!(refused.unwrap_err(), RefusalReason::NotPermitted);
    let refused = accept_push(
        "othercase",
        None,
        &all_changes(&assistant),
        &writer(&assistant, "0100"),
    );
    assert_eq!(refused.unwrap_err(), RefusalReason::RoleForbidsChange);
}

#[test]
fn a_device_sends_only_its_own_changes() {
    let assistant = Replica::first(1, Role::SocialAssistant);
    let other = Replica::copy_of(&assistant, 2, Role::SocialAssistant);
    let mut forged = writer(&other, "0100");
    forged.user_id = "user1".into();
    let refused = accept_push(&new_case().id, None, &all_changes(&assistant), &forged);
    assert_eq!(refused.unwrap_err(), RefusalReason::ForeignActor);
}

#[test]
fn a_mediator_may_add_notes_but_never_assessments() {
    let mut mediator = Replica::first(1, Role::CommunityMediator);
    let case_id = new_case().id;
    let server = accept_push(
        &case_id,
        None,
        &all_changes(&mediator),
        &writer(&mediator, "0100"),
    )
    .unwrap();
    let heads = mediator.doc.heads();
    mediator
        .apply(&CaseOp::AddNote {
            id: "n1".into(),
            text: "school called again".into(),
        })
        .unwrap();
    let note = mediator.doc.changes_since(&heads);
    let server = accept_push(
        &case_id,
        Some(&server.doc),
        &note,
        &writer(&mediator, "0100"),
    )
    .unwrap();

    // The mediator's app refuses this; a tampered app must be refused too.
    let mut tampered = Replica::copy_of(&mediator, 1, Role::SocialAssistant);
    let heads = tampered.doc.heads();
    tampered.apply(&tampered.template_op("a1")).unwrap();
    let assessment = tampered.doc.changes_since(&heads);
    let refused = accept_push(
        &case_id,
        Some(&server.doc),
        &assessment,
        &writer(&mediator, "0100"),
    );
    assert_eq!(refused.unwrap_err(), RefusalReason::RoleForbidsChange);
}

#[test]
fn visibility_follows_role_district_and_assignment() {
    let mut officer = Replica::first(1, Role::DistrictOfficer);
    let case_id = new_case().id;
    let server = accept_push(
        &case_id,
        None,
        &all_changes(&officer),
        &writer(&officer, "0100"),
    )
    .unwrap();
    let case = &server.projection;
    assert!(may_see(Role::DistrictOfficer, "user9", "0100", case));
    assert!(!may_see(Role::DistrictOfficer, "user9", "9200", case));
    assert!(!may_see(Role::SocialAssistant, "user7", "0100", case));
    assert!(!may_see(Role::NationalAnalyst, "user8", "0100", case));

    let heads = officer.doc.heads();
    officer
        .apply(&CaseOp::AddCaseEvent(
            ocrotire_core::model::CaseEvent::Assigned {
                user_id: "user7".into(),
            },
        ))
        .unwrap();
    let assign = officer.doc.changes_since(&heads);
    let server = accept_push(
        &case_id,
        Some(&server.doc),
        &assign,
        &writer(&officer, "0100"),
    )
    .unwrap();
    assert!(may_see(
        Role::SocialAssistant,
        "user7",
        "0100",
        &server.projection
    ));

    let garbage = accept_push(
        &case_id,
        Some(&server.doc),
        b"junk",
        &writer(&officer, "0100"),
    );
    assert_eq!(garbage.unwrap_err(), RefusalReason::Invalid);
}

#[test]
fn changes_whose_dependencies_the_server_lacks_are_refused() {
    let mut assistant = Replica::first(1, Role::SocialAssistant);
    let case_id = new_case().id;
    let server = accept_push(
        &case_id,
        None,
        &all_changes(&assistant),
        &writer(&assistant, "0100"),
    )
    .unwrap();
    let heads = assistant.doc.heads();
    assistant
        .apply(&CaseOp::AddNote {
            id: "n1".into(),
            text: "one".into(),
        })
        .unwrap();
    let middle = assistant.doc.heads();
    assistant
        .apply(&CaseOp::AddNote {
            id: "n2".into(),
            text: "two".into(),
        })
        .unwrap();
    let second_only = assistant.doc.changes_since(&middle);
    let refused = accept_push(
        &case_id,
        Some(&server.doc),
        &second_only,
        &writer(&assistant, "0100"),
    );
    assert_eq!(refused.unwrap_err(), RefusalReason::Invalid);
    let both = assistant.doc.changes_since(&heads);
    let accepted = accept_push(
        &case_id,
        Some(&server.doc),
        &both,
        &writer(&assistant, "0100"),
    )
    .unwrap();
    assert_eq!(accepted.fresh.len(), 2);
}

fn assign_op(user_id: &str) -> CaseOp {
    CaseOp::AddCaseEvent(ocrotire_core::model::CaseEvent::Assigned {
        user_id: user_id.into(),
    })
}

/// The officer hands a case from one assistant (user2) to another (user7)
/// while user2 works offline: user2's note is still taken while its device
/// could not know, but not once it could, and never a change of who sees
/// the case.
#[test]
fn a_handover_keeps_the_previous_assignees_unknowing_work_only() {
    let mut officer = Replica::first(1, Role::DistrictOfficer);
    let case_id = new_case().id;
    officer.apply(&assign_op("user2")).unwrap();
    let server = accept_push(
        &case_id,
        None,
        &all_changes(&officer),
        &writer(&officer, "0100"),
    )
    .unwrap();
    assert_eq!(server.projection.assigned_to, ["user2"]);
    let mut assistant = Replica::copy_of(&officer, 2, Role::SocialAssistant);

    let heads = officer.doc.heads();
    officer.apply(&assign_op("user7")).unwrap();
    let handover = officer.doc.changes_since(&heads);
    let server = accept_push(
        &case_id,
        Some(&server.doc),
        &handover,
        &writer(&officer, "0100"),
    )
    .unwrap();
    assert_eq!(
        server.projection.assigned_to,
        ["user7"],
        "handed over, not shared"
    );
    assert!(!may_see(
        Role::SocialAssistant,
        "user2",
        "0100",
        &server.projection
    ));

    let heads = assistant.doc.heads();
    assistant
        .apply(&CaseOp::AddNote {
            id: "n1".into(),
            text: "visited on Tuesday".into(),
        })
        .unwrap();
    let note = assistant.doc.changes_since(&heads);
    let knowing = writer(&assistant, "0100");
    let refused = accept_push(&case_id, Some(&server.doc), &note, &knowing);
    assert_eq!(refused.err(), Some(RefusalReason::NotPermitted));
    let unknowing = Writer {
        lost_unknowingly: true,
        ..knowing
    };
    let taken = accept_push(&case_id, Some(&server.doc), &note, &unknowing).unwrap();
    assert_eq!(taken.fresh.len(), 1);
    assert_eq!(taken.projection.assigned_to, ["user7"]);

    // Taking the case back is not work done unknowingly.
    let heads = assistant.doc.heads();
    assistant.apply(&assign_op("user2")).unwrap();
    let grab = assistant.doc.changes_since(&heads);
    let refused = accept_push(&case_id, Some(&taken.doc), &grab, &unknowing);
    assert_eq!(refused.err(), Some(RefusalReason::NotPermitted));
}
