//! The storage tests, written once and run on every backend: SQLite always,
//! PostgreSQL when `OCROTIRE_TEST_POSTGRES_URL` names a server (each test
//! then gets a database of its own; without the variable the PostgreSQL
//! variants say loudly that they were skipped).
//!
//! A backend provides a [`Fixture`]: its storage plus the few raw writes
//! and reads the tests need, in its own SQL.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::DateTime;
use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::model::{
    CaseStatus, ParentsAbroad, PerpetratorAge, RefugeeStatus, Relationship, ReportingSector, Role,
    Sex, YesNoUnknown,
};
use ocrotire_core::sync::authority::may_see;
use ocrotire_core::sync::projection::CaseProjection;
use ocrotire_core::sync::protocol::Pull;
use ring::digest::{digest, SHA256};

use super::{
    Decision, FreshChange, PullBatch, PullQuery, PushOutcome, Reader, Storage, StorageError,
};
use crate::audit::{Action, AuditEntry};

/// What the shared tests need from a backend besides its [`Storage`].
#[allow(async_fn_in_trait)]
pub trait Fixture {
    type Storage: Storage;

    fn storage(&self) -> &Self::Storage;
    /// Another server instance on the same database.
    async fn second(&self) -> Self::Storage;
    /// Opens the database again, which runs the migrations.
    async fn reopen(&self) -> Result<(), StorageError>;
    /// Opens `instances` instances at once on a brand-new database (all
    /// racing to create its schema), then removes that database.
    async fn open_fresh_at_once(&self, instances: usize) -> Vec<Result<(), StorageError>>;
    /// Records a schema version above every known one.
    async fn newer_schema(&self);
    /// A document row (`doc` is `doc-{id}`) with an open case's projection.
    async fn insert_case(
        &self,
        id: &str,
        district: &str,
        creator: &str,
        assigned: &[&str],
        seq: i64,
    );
    /// A change at `seq` whose bytes are `[{seq}]`; the counter follows.
    async fn insert_change(&self, seq: i64, case_id: &str, device: &str);
    async fn insert_visibility(&self, user: &str, case_id: &str, since_seq: i64);
    /// Records that the case's first change was `seq`, sent by `device`
    /// (cases are otherwise inserted as created before every cursor).
    async fn mark_created(&self, case_id: &str, seq: i64, device: &str);
    async fn insert_removal(&self, user: &str, case_id: &str, at_seq: i64);
    /// The case ids the backend's SQL visibility predicate lets `user` with
    /// `role` in district 9200 see (`None` for roles without documents).
    async fn visible(&self, role: Role, user: &str) -> Option<Vec<String>>;
    /// Every stored change's number and case, by number.
    async fn changes(&self) -> Vec<(i64, String)>;
    /// Every document's case id, `updated_seq` and bytes.
    async fn documents(&self) -> Vec<(String, i64, Vec<u8>)>;
}

/// Declares each test once per backend: `name::sqlite` and `name::postgres`.
macro_rules! on_every_backend {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test(crate::storage::sqlite::fixture::open().await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = concat!(module_path!(), "::postgres");
                if let Some(fixture) = crate::storage::postgres::fixture::open(test).await {
                    super::$test(fixture).await
                }
            }
        }
    )+};
}

on_every_backend!(
    migrating_twice_is_a_no_op_and_newer_databases_are_refused,
    instances_starting_together_on_a_fresh_database_migrate_once,
    the_sql_predicate_agrees_with_may_see,
    pages_interleave_changes_and_whole_documents_by_sequence,
    cases_created_after_the_cursor_by_others_arrive_whole,
    removals_are_sent_only_for_cases_no_longer_visible,
    mediators_get_statuses_of_their_own_cases_only,
    concurrent_writers_on_two_instances_number_in_commit_order,
);

mod office;

fn query(role: Role, user: &str, cursor: u64, budget: usize) -> PullQuery {
    PullQuery {
        reader: Reader {
            user_id: user.into(),
            role,
            district: "9200".into(),
            device_id: "dev".into(),
        },
        cursor,
        budget_bytes: budget,
        max_statuses: 100,
    }
}

fn projection(id: &str, district: &str, creator: &str, assigned: &[&str]) -> CaseProjection {
    CaseProjection {
        case_id: id.to_string(),
        district: district.to_string(),
        created_by: creator.to_string(),
        assigned_to: assigned.iter().map(|s| s.to_string()).collect(),
        status: CaseStatus::Open,
        risk: None,
        identified_at: DateTime::from_timestamp_millis(0).unwrap(),
        registered: false,
        assessed: false,
        referred: false,
        sex: Sex::Female,
        locality: "x".into(),
        open_conflicts: 0,
    }
}

/// Indicator facts of an open case identified at the Unix epoch.
fn facts(id: &str, district: &str) -> CaseFacts {
    CaseFacts {
        case_id: id.to_string(),
        child: format!("p-{id}"),
        district: district.to_string(),
        settlement: None,
        sex: Sex::Female,
        age: Some(12),
        disability: YesNoUnknown::Unknown,
        disability_domains: Vec::new(),
        parents_abroad: ParentsAbroad::Unknown,
        refugee: RefugeeStatus::Unknown,
        reporter: ReportingSector::Education,
        forms: Vec::new(),
        relationship: Relationship::Unknown,
        perpetrator_age: PerpetratorAge::Unknown,
        online: YesNoUnknown::Unknown,
        identified_at: DateTime::from_timestamp_millis(0).unwrap(),
        registered_at: None,
        crime_suspected: false,
        police_notified_at: None,
        initial_assessment: None,
        referrals: Vec::new(),
        follow_ups: Vec::new(),
        nrs_at: None,
        closed: None,
    }
}

async fn migrating_twice_is_a_no_op_and_newer_databases_are_refused(f: impl Fixture) {
    f.reopen().await.unwrap();
    f.reopen().await.unwrap();
    f.newer_schema().await;
    assert!(matches!(
        f.reopen().await,
        Err(StorageError::SchemaTooNew { .. })
    ));
}

async fn instances_starting_together_on_a_fresh_database_migrate_once(f: impl Fixture) {
    for opened in f.open_fresh_at_once(4).await {
        opened.unwrap();
    }
}

async fn the_sql_predicate_agrees_with_may_see(f: impl Fixture) {
    let cases = [
        ("c1", "9200", "u", &[][..]),
        ("c2", "9200", "o", &["u"][..]),
        ("c3", "9200", "o", &["v", "u2"][..]),
        ("c4", "1000", "u", &["u"][..]),
        ("c5", "9200", "o", &[][..]),
    ];
    for (id, district, creator, assigned) in cases {
        f.insert_case(id, district, creator, assigned, 1).await;
    }
    for role in Role::ALL.iter().copied() {
        for user in ["u", "o", "v", "u2", "nobody"] {
            let expected: Vec<String> = cases
                .iter()
                .filter(|(id, district, creator, assigned)| {
                    may_see(
                        role,
                        user,
                        "9200",
                        &projection(id, district, creator, assigned),
                    )
                })
                .map(|(id, ..)| id.to_string())
                .collect();
            let found = f.visible(role, user).await;
            if role == Role::CommunityMediator {
                // Mediators see their own cases as status notes only.
                assert_eq!(found, None);
                continue;
            }
            assert_eq!(found.unwrap_or_default(), expected, "{role:?} {user}");
        }
    }
}

async fn pages_interleave_changes_and_whole_documents_by_sequence(f: impl Fixture) {
    f.insert_case("c1", "9200", "u", &[], 3).await;
    f.insert_case("c2", "9200", "o", &["u"], 4).await;
    f.insert_change(1, "c1", "other").await;
    f.insert_change(2, "c2", "other").await;
    f.insert_change(3, "c1", "other").await;
    f.insert_change(4, "c2", "other").await;
    f.insert_change(5, "c1", "dev").await;
    f.insert_visibility("u", "c2", 4).await;
    let storage = f.storage();

    let all = storage
        .pull(query(Role::SocialAssistant, "u", 0, 1 << 20))
        .await
        .unwrap();
    assert_eq!(
        all.pulls,
        vec![
            Pull {
                case_id: "c1".into(),
                changes: b"[1][3]".to_vec()
            },
            Pull {
                case_id: "c2".into(),
                changes: b"doc-c2".to_vec()
            },
        ],
        "own changes (5) are not sent back; c2 arrives whole"
    );
    assert_eq!((all.cursor, all.more), (5, false));

    let mut pages = Vec::new();
    let mut cursor = 0;
    loop {
        let page = storage
            .pull(query(Role::SocialAssistant, "u", cursor, 1))
            .await
            .unwrap();
        pages.push((
            page.pulls
                .iter()
                .map(|p| p.changes.clone())
                .collect::<Vec<_>>(),
            page.cursor,
        ));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        pages,
        vec![
            (vec![b"[1]".to_vec()], 2),
            (vec![b"[3]".to_vec()], 3),
            (vec![b"doc-c2".to_vec()], 5),
        ]
    );

    // After the cursor passed the event, c2 travels as changes again.
    let later = storage
        .pull(query(Role::DistrictOfficer, "off", 3, 1 << 20))
        .await
        .unwrap();
    assert_eq!(
        later.pulls,
        vec![Pull {
            case_id: "c2".into(),
            changes: b"[4]".to_vec()
        }]
    );
    assert_eq!(later.cursor, 5);
}

async fn cases_created_after_the_cursor_by_others_arrive_whole(f: impl Fixture) {
    f.insert_case("c1", "9200", "o", &[], 2).await;
    f.insert_case("c2", "9200", "o", &[], 4).await;
    f.insert_case("c3", "9200", "o", &[], 5).await;
    f.insert_change(1, "c1", "other").await;
    f.insert_change(2, "c1", "other").await;
    f.insert_change(3, "c2", "dev").await;
    f.insert_change(4, "c2", "other").await;
    f.insert_change(5, "c3", "other").await;
    f.mark_created("c1", 1, "other").await;
    f.mark_created("c2", 3, "dev").await;
    let storage = f.storage();
    let pull = |cursor, budget| storage.pull(query(Role::DistrictOfficer, "off", cursor, budget));
    let pulled = |batch: &PullBatch| -> Vec<(String, Vec<u8>)> {
        batch
            .pulls
            .iter()
            .map(|p| (p.case_id.clone(), p.changes.clone()))
            .collect()
    };
    let pair = |id: &str, bytes: &[u8]| (id.to_string(), bytes.to_vec());

    // A new device: c1 whole; c2 was created by this device, so only the
    // others' change; c3 predates every cursor (inserted so).
    let first = pull(0, 1 << 20).await.unwrap();
    assert_eq!(
        pulled(&first),
        [
            pair("c1", b"doc-c1"),
            pair("c2", b"[4]"),
            pair("c3", b"[5]")
        ]
    );
    // Once the cursor passed its creation, c1 travels as changes.
    let later = pull(1, 1 << 20).await.unwrap();
    assert_eq!(
        pulled(&later),
        [pair("c1", b"[2]"), pair("c2", b"[4]"), pair("c3", b"[5]")]
    );
    // Paged one item at a time, the whole document stands at c1's first
    // change, and its later change is not sent again.
    let mut pages = Vec::new();
    let mut cursor = 0;
    loop {
        let page = pull(cursor, 1).await.unwrap();
        pages.push((pulled(&page), page.cursor));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        pages,
        [
            (vec![pair("c1", b"doc-c1")], 3),
            (vec![pair("c2", b"[4]")], 4),
            (vec![pair("c3", b"[5]")], 5),
        ]
    );
}

async fn removals_are_sent_only_for_cases_no_longer_visible(f: impl Fixture) {
    f.insert_case("c1", "1000", "o", &[], 2).await;
    f.insert_case("c2", "9200", "o", &[], 3).await;
    f.insert_change(3, "c2", "other").await;
    f.insert_removal("off", "c1", 2).await;
    f.insert_removal("off", "c2", 1).await;
    let page = f
        .storage()
        .pull(query(Role::DistrictOfficer, "off", 0, 1 << 20))
        .await
        .unwrap();
    assert_eq!(page.removed, vec!["c1".to_string()]);
    let page = f
        .storage()
        .pull(query(Role::DistrictOfficer, "off", 2, 1 << 20))
        .await
        .unwrap();
    assert!(page.removed.is_empty(), "already told");
}

async fn mediators_get_statuses_of_their_own_cases_only(f: impl Fixture) {
    f.insert_case("c1", "9200", "med", &[], 2).await;
    f.insert_case("c2", "9200", "other", &[], 3).await;
    f.insert_change(3, "c2", "x").await;
    let page = f
        .storage()
        .pull(query(Role::CommunityMediator, "med", 0, 1 << 20))
        .await
        .unwrap();
    assert!(page.pulls.is_empty());
    assert_eq!(
        page.statuses
            .iter()
            .map(|s| s.case_id.as_str())
            .collect::<Vec<_>>(),
        ["c1"]
    );
    assert_eq!(page.cursor, 3);
    let page = f
        .storage()
        .pull(query(Role::CommunityMediator, "med", 2, 1 << 20))
        .await
        .unwrap();
    assert!(page.statuses.is_empty());
}

/// A decision that appends `marker` to the document as one fresh change.
fn append(case_id: &str, marker: String) -> impl super::Decide {
    let case_id = case_id.to_owned();
    move |stored: Option<&[u8]>| {
        let mut doc = stored.map(<[u8]>::to_vec).unwrap_or_default();
        doc.extend_from_slice(marker.as_bytes());
        let mut hash = [0u8; 32];
        hash.copy_from_slice(digest(&SHA256, marker.as_bytes()).as_ref());
        Ok(Decision {
            doc,
            projection: projection(&case_id, "9200", "author", &[]),
            facts: facts(&case_id, "9200"),
            case_number: format!("N-{case_id}"),
            fresh: vec![FreshChange {
                hash,
                bytes: marker.into_bytes(),
            }],
        })
    }
}

/// Two instances on one database take pushes to the same and to different
/// cases at once, append audit rows and see the same nonce, while a reader
/// keeps pulling from alternate instances with its cursor. Numbers must be
/// gap-free, each case's document must carry every change, the reader
/// must miss nothing (a number committed after a higher one would be
/// skipped for ever), the audit chain must be one chain, and a nonce must
/// be accepted once.
async fn concurrent_writers_on_two_instances_number_in_commit_order(f: impl Fixture) {
    const WRITERS: usize = 6;
    const PUSHES: usize = 8;
    let instances = Arc::new([f.storage().clone(), f.second().await]);
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let instances = Arc::clone(&instances);
        tasks.push(tokio::spawn(async move {
            for push in 0..PUSHES {
                let storage = &instances[(writer + push) % 2];
                // Half the pushes go to one shared case, the rest to the
                // writer's own.
                let case_id = if push % 2 == 0 {
                    "shared".to_string()
                } else {
                    format!("own-{writer}")
                };
                let marker = format!("<w{writer}p{push}>");
                let outcome = storage
                    .apply_push(case_id.clone(), format!("dev-{writer}"), append(&case_id, marker))
                    .await
                    .unwrap();
                assert!(matches!(outcome, PushOutcome::Stored { first_seq, last_seq } if first_seq == last_seq));
                storage
                    .append_audit(AuditEntry {
                        at: 1,
                        user_id: format!("u{writer}"),
                        device_id: format!("dev-{writer}"),
                        action: Action::Sync,
                        subject: format!("push={push}"),
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    let nonces: Vec<_> = (0..4)
        .map(|i| {
            let instances = Arc::clone(&instances);
            tokio::spawn(async move {
                instances[i % 2]
                    .remember_nonce("dev-0".into(), "ab".repeat(16), 5)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let writing = Arc::new(AtomicBool::new(true));
    let reader = {
        let instances = Arc::clone(&instances);
        let writing = Arc::clone(&writing);
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = BTreeSet::new();
            let mut last_turn = false;
            for turn in 0.. {
                // Once the writers are done, one more pull must bring the
                // rest: every number below the counter is committed.
                last_turn = last_turn || !writing.load(Ordering::SeqCst);
                let page: PullBatch = instances[turn % 2]
                    .pull(query(Role::DistrictOfficer, "off", cursor, 1 << 20))
                    .await
                    .unwrap();
                assert!(page.cursor >= cursor);
                assert!(!page.more);
                cursor = page.cursor;
                for pull in page.pulls {
                    for marker in String::from_utf8(pull.changes)
                        .unwrap()
                        .split_inclusive('>')
                    {
                        assert!(seen.insert(marker.to_string()), "{marker} twice");
                    }
                }
                if last_turn {
                    break;
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    for task in tasks {
        task.await.unwrap();
    }
    writing.store(false, Ordering::SeqCst);
    let accepted = joined(nonces).await.into_iter().filter(|new| *new).count();
    assert_eq!(accepted, 1, "a nonce is accepted once across instances");
    let seen = reader.await.unwrap();
    assert_eq!(
        seen.len(),
        WRITERS * PUSHES,
        "the reader, moving its cursor, missed no change"
    );

    let changes = f.changes().await;
    let seqs: Vec<i64> = changes.iter().map(|(seq, _)| *seq).collect();
    let total = i64::try_from(WRITERS * PUSHES).unwrap();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "gap-free");
    let documents = f.documents().await;
    assert_eq!(documents.len(), 1 + WRITERS);
    for (case_id, updated_seq, doc) in documents {
        let last = changes
            .iter()
            .filter(|(_, case)| *case == case_id)
            .map(|(seq, _)| *seq)
            .max();
        assert_eq!(Some(updated_seq), last, "{case_id} ends at its last change");
        // No push overwrote another's document: each kept every marker.
        let doc = String::from_utf8(doc).unwrap();
        for writer in 0..WRITERS {
            for push in 0..PUSHES {
                let here = if push % 2 == 0 {
                    case_id == "shared"
                } else {
                    case_id == format!("own-{writer}")
                };
                let marker = format!("<w{writer}p{push}>");
                assert_eq!(
                    doc.matches(&marker).count(),
                    usize::from(here),
                    "{case_id} {marker}"
                );
            }
        }
    }
    let check = instances[1].verify_audit().await.unwrap();
    assert_eq!(check.first_broken, None);
    assert_eq!(check.rows, u64::try_from(WRITERS * PUSHES).unwrap());
}

/// The results of spawned tasks, in order.
pub async fn joined<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}
