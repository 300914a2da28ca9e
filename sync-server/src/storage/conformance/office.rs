//! The district office's storage, on every backend: facts kept with each
//! push and read by district, a district's cases, one case's document,
//! changes written for an officer with their audit row, sign-in and
//! sessions, the audit log read back page by page.

use super::{facts, projection, Fixture};
use crate::audit::{Action, AuditEntry};
use crate::storage::{Account, Decision, FreshChange, PushOutcome, Storage, User, WebSession};
use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::RefusalReason;

on_every_backend!(
    facts_are_kept_with_each_push_and_read_by_district,
    sessions_expire_end_and_know_their_user,
    audit_rows_come_newest_first_in_pages,
    a_stored_case_reads_back_and_audited_pushes_commit_their_row,
    sign_in_failures_are_counted_per_account_since_a_time,
);

fn entry(action: Action, subject: &str) -> AuditEntry {
    AuditEntry {
        at: 1,
        user_id: "officer".into(),
        device_id: "web".into(),
        action,
        subject: subject.into(),
    }
}

async fn push(storage: &impl Storage, id: &str, district: &str, change: &str) {
    let (id_owned, district, change) = (id.to_owned(), district.to_owned(), change.to_owned());
    let outcome = storage
        .apply_push(id.into(), "dev".into(), move |_: Option<&[u8]>| {
            let mut facts = facts(&id_owned, &district);
            facts.age = Some(change.len() as u32);
            Ok(Decision {
                doc: change.clone().into_bytes(),
                projection: projection(&id_owned, &district, "author", &[]),
                facts,
                case_number: format!("N-{id_owned}"),
                fresh: vec![FreshChange {
                    hash: [change.len() as u8; 32],
                    bytes: change.into_bytes(),
                }],
            })
        })
        .await
        .unwrap();
    assert!(matches!(outcome, PushOutcome::Stored { .. }));
}

async fn facts_are_kept_with_each_push_and_read_by_district(f: impl Fixture) {
    let s = f.storage();
    push(s, "a", "9200", "x").await;
    push(s, "b", "0100", "x").await;
    push(s, "a", "9200", "xyz").await;
    // The case inserted without facts (as before schema 3) counts nowhere.
    f.insert_case("old", "9200", "author", &[], 1).await;

    let mut all: Vec<(String, Option<u32>)> = s
        .case_facts(None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.case_id, f.age))
        .collect();
    all.sort();
    // The second push of `a` replaced its facts.
    assert_eq!(all, [("a".into(), Some(3)), ("b".into(), Some(1))]);
    let ours = s.case_facts(Some(vec!["0100".into()])).await.unwrap();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].case_id, "b");
    assert!(s
        .case_facts(Some(vec!["1700".into()]))
        .await
        .unwrap()
        .is_empty());

    let mut cases = s.district_cases("9200".into()).await.unwrap();
    cases.sort_by(|x, y| x.projection.case_id.cmp(&y.projection.case_id));
    let summary: Vec<(&str, &str, bool)> = cases
        .iter()
        .map(|c| {
            (
                c.projection.case_id.as_str(),
                c.case_number.as_str(),
                c.facts.is_some(),
            )
        })
        .collect();
    assert_eq!(summary, [("a", "N-a", true), ("old", "", false)]);
}

async fn sessions_expire_end_and_know_their_user(f: impl Fixture) {
    let s = f.storage();
    let officer = User {
        user_id: "officer".into(),
        role: Role::DistrictOfficer,
        district: "9200".into(),
        created_at: 1,
    };
    assert!(!s
        .set_password("officer".into(), vec![1], entry(Action::SetPassword, "x"))
        .await
        .unwrap());
    s.create_user(officer.clone(), entry(Action::CreateUser, "user=officer"))
        .await
        .unwrap();
    assert_eq!(
        s.password("officer".into()).await.unwrap(),
        Some(Account {
            user: officer.clone(),
            password_hash: None
        })
    );
    assert!(s
        .set_password(
            "officer".into(),
            vec![7; 48],
            entry(Action::SetPassword, "user=officer")
        )
        .await
        .unwrap());
    assert_eq!(
        s.password("officer".into()).await.unwrap(),
        Some(Account {
            user: officer.clone(),
            password_hash: Some(vec![7; 48])
        })
    );
    assert_eq!(s.password("nobody".into()).await.unwrap(), None);
    let elsewhere = User {
        user_id: "analyst".into(),
        role: Role::NationalAnalyst,
        district: "0100".into(),
        created_at: 2,
    };
    s.create_user(elsewhere.clone(), entry(Action::CreateUser, "user=analyst"))
        .await
        .unwrap();
    assert_eq!(
        s.users(Some("9200".into())).await.unwrap(),
        std::slice::from_ref(&officer)
    );
    assert_eq!(s.users(None).await.unwrap(), [elsewhere, officer.clone()]);

    let session = |token: u8, expires_at| WebSession {
        token_hash: [token; 32],
        user_id: "officer".into(),
        csrf_token: format!("csrf-{token}"),
        created_at: 100,
        expires_at,
    };
    s.create_session(session(1, 200), entry(Action::SignIn, "user=officer"))
        .await
        .unwrap();
    s.create_session(session(2, 300), entry(Action::SignIn, "user=officer"))
        .await
        .unwrap();
    assert_eq!(
        s.session([1; 32], 150).await.unwrap(),
        Some((session(1, 200), officer.clone()))
    );
    assert_eq!(s.session([1; 32], 200).await.unwrap(), None, "expired");
    assert_eq!(s.session([9; 32], 150).await.unwrap(), None, "unknown");
    s.end_session([2; 32], entry(Action::SignOut, "user=officer"))
        .await
        .unwrap();
    assert_eq!(s.session([2; 32], 150).await.unwrap(), None, "ended");
    let actions: Vec<String> = s
        .audit_rows(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "sign_out",
            "sign_in",
            "sign_in",
            "create_user",
            "set_password",
            "create_user"
        ]
    );
}

async fn audit_rows_come_newest_first_in_pages(f: impl Fixture) {
    let s = f.storage();
    for i in 0..5 {
        s.append_audit(entry(Action::Export, &format!("n={i}")))
            .await
            .unwrap();
    }
    let first = s.audit_rows(None, 2).await.unwrap();
    let subjects = |rows: &[crate::audit::AuditRow]| -> Vec<String> {
        rows.iter().map(|r| r.subject.clone()).collect()
    };
    assert_eq!(subjects(&first), ["n=4", "n=3"]);
    let next = s.audit_rows(Some(first[1].seq), 2).await.unwrap();
    assert_eq!(subjects(&next), ["n=2", "n=1"]);
    let last = s.audit_rows(Some(next[1].seq), 2).await.unwrap();
    assert_eq!(subjects(&last), ["n=0"]);
    assert!(s.verify_audit().await.unwrap().first_broken.is_none());
}

/// A decision that replaces the document with `doc` as one change hashed
/// `[tag; 32]` (no change at all when `tag` is `None`).
fn replace(id: &str, doc: &str, tag: Option<u8>) -> impl crate::storage::Decide {
    let (id, doc) = (id.to_owned(), doc.to_owned());
    move |_: Option<&[u8]>| {
        Ok(Decision {
            doc: doc.into_bytes(),
            projection: projection(&id, "9200", "author", &["sa"]),
            facts: facts(&id, "9200"),
            case_number: format!("N-{id}"),
            fresh: tag
                .map(|tag| FreshChange {
                    hash: [tag; 32],
                    bytes: vec![tag],
                })
                .into_iter()
                .collect(),
        })
    }
}

async fn a_stored_case_reads_back_and_audited_pushes_commit_their_row(f: impl Fixture) {
    let s = f.storage();
    assert!(s.case_document("a".into()).await.unwrap().is_none());
    push(s, "a", "9200", "xyz").await;
    let (doc, stored) = s.case_document("a".into()).await.unwrap().unwrap();
    assert_eq!(doc, b"xyz");
    assert_eq!(stored, projection("a", "9200", "author", &[]));
    let resolve = || entry(Action::Resolve, "case=a field=child.given_name");

    // Refused or unchanged: nothing stored, nothing audited.
    let refused = s
        .apply_push_audited(
            "a".into(),
            "web:officer".into(),
            |_: Option<&[u8]>| Err(RefusalReason::Invalid),
            resolve(),
        )
        .await
        .unwrap();
    assert_eq!(refused, PushOutcome::Refused(RefusalReason::Invalid));
    let unchanged = s
        .apply_push_audited(
            "a".into(),
            "web:officer".into(),
            replace("a", "other", None),
            resolve(),
        )
        .await
        .unwrap();
    assert_eq!(unchanged, PushOutcome::Unchanged);
    assert!(s.audit_rows(None, 10).await.unwrap().is_empty());
    assert_eq!(
        s.case_document("a".into()).await.unwrap().unwrap().0,
        b"xyz"
    );

    // Stored: the document, its projection and the row together.
    let stored = s
        .apply_push_audited(
            "a".into(),
            "web:officer".into(),
            replace("a", "xyz+", Some(9)),
            resolve(),
        )
        .await
        .unwrap();
    assert!(matches!(stored, PushOutcome::Stored { first_seq, last_seq } if first_seq == last_seq));
    let (doc, stored) = s.case_document("a".into()).await.unwrap().unwrap();
    assert_eq!(doc, b"xyz+");
    assert_eq!(stored.assigned_to, ["sa"]);
    let rows: Vec<(String, String)> = s
        .audit_rows(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.action, r.subject))
        .collect();
    assert_eq!(
        rows,
        [(
            "resolve".to_string(),
            "case=a field=child.given_name".to_string()
        )]
    );
    assert_eq!(f.changes().await.len(), 2);
    assert!(s.verify_audit().await.unwrap().first_broken.is_none());
    assert!(s.case_document("b".into()).await.unwrap().is_none());
}

async fn sign_in_failures_are_counted_per_account_since_a_time(f: impl Fixture) {
    let s = f.storage();
    let row = |user: &str, action: Action, at: i64| AuditEntry {
        at,
        user_id: user.into(),
        device_id: "web".into(),
        action,
        subject: format!("user={user}"),
    };
    for at in [100, 200, 300] {
        s.append_audit(row("officer", Action::SignInFailed, at))
            .await
            .unwrap();
    }
    // Neither another account's failures, nor refused attempts, nor
    // successful sign-ins count.
    s.append_audit(row("other", Action::SignInFailed, 300))
        .await
        .unwrap();
    s.append_audit(row("officer", Action::SignInThrottled, 300))
        .await
        .unwrap();
    s.append_audit(row("officer", Action::SignIn, 300))
        .await
        .unwrap();
    let count = |user: &str, since: i64| s.sign_in_failures(user.into(), since);
    assert_eq!(count("officer", 0).await.unwrap(), 3);
    assert_eq!(count("officer", 200).await.unwrap(), 2);
    assert_eq!(count("officer", 301).await.unwrap(), 0);
    assert_eq!(count("other", 0).await.unwrap(), 1);
    assert_eq!(count("nobody", 0).await.unwrap(), 0);
    // The rows are ordinary links of the chain.
    assert_eq!(s.verify_audit().await.unwrap().first_broken, None);
}
