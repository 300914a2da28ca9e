//! Sync sessions against the real binary: what is accepted, refused, and
//! who receives what (role, district, assignment), paging and idempotence.

mod common;

use common::*;
use ocrotire_core::document::{CaseOp, Heads};
use ocrotire_core::model::{Author, CaseEvent, CaseStatus, Role};
use ocrotire_core::sync::protocol::{Push, Refusal, RefusalReason};

on_every_backend!(
    a_case_reaches_exactly_those_who_may_see_it,
    a_mediator_files_notifications_but_never_touches_assessments,
    pulls_are_paged_by_the_response_budget,
);

fn note(id: &str) -> CaseOp {
    CaseOp::AddNote {
        id: id.into(),
        text: "visited the school".into(),
    }
}

fn a_case_reaches_exactly_those_who_may_see_it(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    server.create_user("sa-2", Role::SocialAssistant, "9200");
    server.create_user("off-1", Role::DistrictOfficer, "9200");
    server.create_user("off-x", Role::DistrictOfficer, "1000");
    server.create_user("sa-x", Role::SocialAssistant, "1000");
    let a1 = server.enroll("sa-1", 1);
    let a2 = server.enroll("sa-1", 2);
    let b1 = server.enroll("sa-2", 3);
    let o1 = server.enroll("off-1", 4);
    let ox = server.enroll("off-x", 5);
    let x1 = server.enroll("sa-x", 6);

    // sa-1 files a case on one device.
    let mut doc = create_case(&a1, &a1.author(), "case-a", "9200");
    let push = push_since(&doc, &Heads::default());
    let answer = a1.sync(&server, 0, vec![push.clone()]);
    assert_eq!(answer.accepted, vec!["case-a".to_string()]);
    assert!(answer.refused.is_empty());
    assert!(
        answer.pull.is_empty(),
        "a device never gets its own changes back"
    );
    let first = server.fingerprint();
    assert_eq!((first.documents, first.changes), (1, 1));

    // The projection was written with the document.
    let row = server.db.text_row(
        "SELECT district, created_by, status, sex, CAST(updated_seq AS TEXT)
         FROM documents WHERE case_id = 'case-a'",
    );
    assert_eq!(
        row,
        ["9200", "sa-1", "open", "female", &first.max_seq.to_string()]
    );

    // Pushing the same changes again is accepted and changes nothing.
    let again = a1.sync(&server, answer.cursor, vec![push]);
    assert_eq!(again.accepted, vec!["case-a".to_string()]);
    assert_eq!(server.fingerprint().data(), first.data());

    // The user's second device and the district officer receive it.
    let mut replicas = Vec::new();
    for device in [&a2, &o1] {
        let got = device.sync(&server, 0, vec![]);
        assert_eq!(got.pull.len(), 1);
        assert_eq!(got.pull[0].case_id, "case-a");
        let replica = load_pulled(&got.pull[0].changes, device);
        assert_eq!(replica.view().unwrap().id, "case-a");
        assert_eq!(got.cursor, first.max_seq as u64);
        assert!(!got.more);
        replicas.push(replica);
    }
    // The audit names the case pushed (before it was applied) and each
    // device that received it.
    let audited = server.db.strings(
        "SELECT action || ' ' || device_id || ' ' || subject FROM audit
         WHERE action LIKE 'sync%' ORDER BY seq",
    );
    let row = |action: &str, device: &Device, part: &str| {
        let prefix = format!("{action} {} ", device.id);
        audited
            .iter()
            .any(|r| r.starts_with(&prefix) && r.split(' ').any(|w| w == part))
    };
    assert!(row("sync_push", &a1, "cases=case-a"), "{audited:#?}");
    assert!(row("sync", &a2, "pulled_cases=case-a"), "{audited:#?}");
    assert!(row("sync", &o1, "pulled_cases=case-a"), "{audited:#?}");
    let mut office = replicas.pop().unwrap();
    // Another district's officer, an unassigned assistant and another
    // district's assistant receive nothing.
    for device in [&ox, &b1, &x1] {
        let got = device.sync(&server, 0, vec![]);
        assert!(got.pull.is_empty() && got.removed.is_empty() && got.statuses.is_empty());
        assert_eq!(got.cursor, first.max_seq as u64);
    }
    // "Nothing new" is one small answer.
    let body = ocrotire_core::sync::protocol::encode(&ocrotire_core::sync::protocol::SyncRequest {
        version: 1,
        cursor: first.max_seq as u64,
        push: vec![],
    })
    .unwrap();
    let response = a2.send_signed(&server, body);
    assert_eq!(response.status(), 200);
    assert!(response.bytes().unwrap().len() < 64);

    // Another district's assistant may not write the case.
    let mut foreign = load_pulled(&doc.save(), &x1);
    let heads = foreign.heads();
    apply(&mut foreign, &x1, &x1.author(), &note("n-x"));
    let answer = x1.sync(&server, 0, vec![push_since(&foreign, &heads)]);
    assert_eq!(
        answer.refused,
        vec![Refusal {
            case_id: "case-a".into(),
            reason: RefusalReason::NotPermitted
        }]
    );
    // A device may not push changes made under another device's actor.
    let heads = doc.heads();
    apply(&mut doc, &a1, &a1.author(), &note("n-1"));
    let answer = a2.sync(&server, 0, vec![push_since(&doc, &heads)]);
    assert_eq!(
        answer.refused,
        vec![Refusal {
            case_id: "case-a".into(),
            reason: RefusalReason::ForeignActor
        }]
    );
    assert_eq!(server.fingerprint().data(), first.data());

    // The officer assigns sa-2: the case arrives whole on sa-2's device,
    // and as changes on sa-1's.
    let heads = office.heads();
    let officer = o1.author();
    apply(
        &mut office,
        &o1,
        &officer,
        &CaseOp::AddCaseEvent(CaseEvent::Assigned {
            user_id: "sa-2".into(),
        }),
    );
    let answer = o1.sync(
        &server,
        first.max_seq as u64,
        vec![push_since(&office, &heads)],
    );
    assert_eq!(answer.accepted, vec!["case-a".to_string()]);
    let assigned = server.fingerprint();
    assert_eq!(assigned.visibility, 1);
    let got = b1.sync(&server, first.max_seq as u64, vec![]);
    assert_eq!(got.pull.len(), 1);
    assert_eq!(
        &got.pull[0].changes[8..9],
        &[0u8],
        "a newly visible case travels as a whole document"
    );
    let replica = load_pulled(&got.pull[0].changes, &b1);
    assert_eq!(replica.heads(), office.heads());
    let got = a1.sync(&server, first.max_seq as u64, vec![]);
    assert_eq!(got.pull.len(), 1);
    assert_ne!(
        &got.pull[0].changes[8..9],
        &[0u8],
        "others receive the new change only"
    );
    doc.apply_changes(&got.pull[0].changes).unwrap();
    let events = doc.view().unwrap().events;
    assert!(events
        .iter()
        .any(|(e, _, _)| matches!(e, CaseEvent::Assigned { user_id } if user_id == "sa-2")));
}

fn a_mediator_files_notifications_but_never_touches_assessments(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("med-1", Role::CommunityMediator, "9200");
    server.create_user("off-1", Role::DistrictOfficer, "9200");
    let m1 = server.enroll("med-1", 1);
    let o1 = server.enroll("off-1", 2);

    let mut doc = create_case(&m1, &m1.author(), "case-m", "9200");
    let answer = m1.sync(&server, 0, vec![push_since(&doc, &Heads::default())]);
    assert_eq!(answer.accepted, vec!["case-m".to_string()]);
    // A mediator receives the status of what it filed, never documents.
    assert!(answer.pull.is_empty());
    assert_eq!(answer.statuses.len(), 1);
    assert_eq!(answer.statuses[0].case_id, "case-m");
    assert_eq!(answer.statuses[0].status, CaseStatus::Open);
    assert!(!answer.statuses[0].assessed);
    let cursor = answer.cursor;
    let before = server.fingerprint();

    // A tampered app that starts an assessment anyway is refused.
    let heads = doc.heads();
    let posing = Author {
        user_id: "med-1".into(),
        role: Role::SocialAssistant,
    };
    let template = templates()[0].clone();
    apply(
        &mut doc,
        &m1,
        &posing,
        &CaseOp::StartAssessment {
            id: "as-1".into(),
            template_id: template.id().into(),
            template_version: template.version(),
        },
    );
    let answer = m1.sync(&server, cursor, vec![push_since(&doc, &heads)]);
    assert_eq!(
        answer.refused,
        vec![Refusal {
            case_id: "case-m".into(),
            reason: RefusalReason::RoleForbidsChange
        }]
    );
    assert!(answer.accepted.is_empty() && answer.statuses.is_empty());
    assert_eq!(server.fingerprint().data(), before.data());

    // The officer receives the case as filed, without the refused change.
    let got = o1.sync(&server, 0, vec![]);
    assert_eq!(got.pull.len(), 1);
    let replica = load_pulled(&got.pull[0].changes, &o1);
    assert!(replica.view().unwrap().assessments.is_empty());

    // When the officer acts on the case, the mediator learns its status.
    let mut office = replica;
    let heads = office.heads();
    apply(&mut office, &o1, &o1.author(), &note("n-1"));
    o1.sync(&server, got.cursor, vec![push_since(&office, &heads)]);
    let answer = m1.sync(&server, cursor, vec![]);
    assert_eq!(answer.statuses.len(), 1);
    assert!(answer.pull.is_empty());
}

fn pulls_are_paged_by_the_response_budget(backend: Backend) {
    let server = Server::on_with(backend, &["--response-budget-bytes", "1"]);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let a1 = server.enroll("sa-1", 1);
    let a2 = server.enroll("sa-1", 2);
    let pushes: Vec<Push> = (0..5)
        .map(|i| {
            push_since(
                &create_case(&a1, &a1.author(), &format!("case-{i}"), "9200"),
                &Heads::default(),
            )
        })
        .collect();
    assert_eq!(a1.sync(&server, 0, pushes).accepted.len(), 5);

    let mut cursor = 0;
    let mut received = Vec::new();
    for _ in 0..10 {
        let page = a2.sync(&server, cursor, vec![]);
        assert!(
            page.pull.len() <= 1,
            "one item per page with a 1-byte budget"
        );
        received.extend(page.pull.into_iter().map(|p| p.case_id));
        assert!(page.cursor >= cursor);
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    received.sort();
    assert_eq!(
        received,
        (0..5).map(|i| format!("case-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(cursor, server.fingerprint().max_seq as u64);
}
