//! Property: random typed operations on three replicas of one case,
//! exchanged and merged in random orders and groupings, always converge to
//! identical typed views and conflict lists, and every operation that
//! returned success is still there afterwards (or was knowingly superseded).

use std::collections::{BTreeMap, BTreeSet};

mod case_support;

use case_support::{packet, Replica};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, ConflictKind};
use ocrotire_core::model::*;
use proptest::prelude::*;

const REPLICAS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    Op {
        replica: usize,
        action: Action,
    },
    /// One-way merge: `to` learns everything `from` has.
    Send {
        from: usize,
        to: usize,
    },
}

#[derive(Debug, Clone)]
enum Action {
    GivenName,
    ChildWords,
    Sex(usize),
    StartAssessment,
    Answer {
        assessment: usize,
        item: usize,
        answer: bool,
    },
    Complete {
        assessment: usize,
    },
    AddReferral,
    ReferralEvent {
        referral: usize,
        kind: usize,
    },
    Note,
    Close,
    Reopen,
    ResolveFirstConflict,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => Just(Action::GivenName),
        2 => Just(Action::ChildWords),
        1 => (0..3usize).prop_map(Action::Sex),
        1 => Just(Action::StartAssessment),
        3 => (0..2usize, 0..32usize, any::<bool>())
            .prop_map(|(assessment, item, answer)| Action::Answer { assessment, item, answer }),
        2 => (0..2usize).prop_map(|assessment| Action::Complete { assessment }),
        1 => Just(Action::AddReferral),
        3 => (0..2usize, 0..6usize).prop_map(|(referral, kind)| Action::ReferralEvent { referral, kind }),
        1 => Just(Action::Note),
        1 => Just(Action::Close),
        1 => Just(Action::Reopen),
        3 => Just(Action::ResolveFirstConflict),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..REPLICAS, action()).prop_map(|(replica, action)| Step::Op { replica, action }),
        2 => (0..REPLICAS, 0..REPLICAS).prop_map(|(from, to)| Step::Send { from, to }),
    ]
}

/// A successful write of a tracked text field, for the "nothing lost" check.
struct Write {
    field: &'static str,
    value: String,
    superseded: bool,
}

struct World {
    replicas: Vec<Replica>,
    /// Per replica, the indices of the field writes it has seen.
    knows: Vec<BTreeSet<usize>>,
    items: Vec<String>,
    writes: Vec<Write>,
    notes: Vec<String>,
    referral_events: Vec<DateTime<Utc>>,
    clock: i64,
}

impl World {
    fn new() -> World {
        let first = Replica::first(1, Role::SocialAssistant);
        let second = Replica::copy_of(&first, 2, Role::SocialAssistant);
        let third = Replica::copy_of(&first, 3, Role::DistrictOfficer);
        let t = &first.templates[0];
        let items = t
            .imminent()
            .iter()
            .map(|i| i.id.clone())
            .chain(t.floors().iter().map(|i| i.id.clone()))
            .chain(t.risk_factors().iter().map(|i| i.id.clone()))
            .chain(t.protective_factors().iter().map(|i| i.id.clone()))
            .collect();
        World {
            replicas: vec![first, second, third],
            knows: vec![BTreeSet::new(); REPLICAS],
            items,
            writes: Vec::new(),
            notes: Vec::new(),
            referral_events: Vec::new(),
            clock: 0,
        }
    }

    fn send(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let changes = self.replicas[from]
            .doc
            .changes_since(&self.replicas[to].doc.heads());
        self.replicas[to]
            .doc
            .apply_changes(&changes)
            .expect("apply changes");
        let known = self.knows[from].clone();
        self.knows[to].extend(known);
    }

    fn run(&mut self, replica: usize, action: &Action) {
        self.clock += 1;
        let now =
            Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + Duration::seconds(self.clock);
        let view = self.replicas[replica].doc.view().expect("view");
        let unique = format!("v{}r{}", self.clock, replica);
        let mut tracked: Option<(&'static str, String)> = None;
        let op = match action {
            Action::GivenName => {
                let mut child = view.child.clone();
                child.given_name = Some(unique.clone());
                tracked = Some(("given_name", unique));
                CaseOp::UpdateChild(child)
            }
            Action::ChildWords => {
                let mut n = view.notification.clone();
                n.child_words = Some(unique.clone());
                tracked = Some(("child_words", unique));
                CaseOp::UpdateNotification(n)
            }
            Action::Sex(i) => CaseOp::UpdateChild(Child {
                sex: Sex::ALL[*i],
                ..view.child.clone()
            }),
            Action::StartAssessment => self.replicas[replica].template_op(&format!("a{unique}")),
            Action::Answer {
                assessment,
                item,
                answer,
            } => match view.assessments.get(*assessment) {
                Some(a) => CaseOp::AnswerItem {
                    assessment_id: a.id.clone(),
                    item_id: self.items[item % self.items.len()].clone(),
                    answer: *answer,
                },
                None => return,
            },
            Action::Complete { assessment } => match view.assessments.get(*assessment) {
                Some(a) => CaseOp::CompleteAssessment {
                    assessment_id: a.id.clone(),
                },
                None => return,
            },
            Action::AddReferral => CaseOp::AddReferral {
                id: format!("r{unique}"),
                service_type: ServiceType::ChildHelpline,
                service_id: None,
                packet: ReferralPacket {
                    safety_instructions: Some(unique),
                    ..packet()
                },
            },
            Action::ReferralEvent { referral, kind } => match view.referrals.get(*referral) {
                Some(r) => CaseOp::AddReferralEvent {
                    referral_id: r.id.clone(),
                    event: match kind {
                        0 => ReferralEventKind::Sent,
                        1 => ReferralEventKind::Acknowledged,
                        2 => ReferralEventKind::Accepted,
                        3 => ReferralEventKind::Declined { reason: unique },
                        4 => ReferralEventKind::CompletedSuccessfully,
                        _ => ReferralEventKind::CompletedUnsuccessfully {
                            reason: UnsuccessfulReason::Unreachable,
                        },
                    },
                },
                None => return,
            },
            Action::Note => CaseOp::AddNote {
                id: format!("n{unique}"),
                text: unique,
            },
            Action::Close => CaseOp::AddCaseEvent(CaseEvent::Closed {
                outcome: ClosureOutcome::SafetyAchieved,
                reason: unique,
            }),
            Action::Reopen => CaseOp::AddCaseEvent(CaseEvent::Reopened { reason: unique }),
            Action::ResolveFirstConflict => {
                let conflicts = self.replicas[replica].doc.conflicts().expect("conflicts");
                let Some(conflict) = conflicts.first() else {
                    return;
                };
                let chosen = match conflict.kind {
                    ConflictKind::EditAfterCompletion => conflict.values[0].value.clone(),
                    _ => conflict.values.last().expect("values").value.clone(),
                };
                if conflict.field.section == "child" && conflict.field.field == "given_name"
                    || conflict.field.section == "notification"
                        && conflict.field.field == "child_words"
                {
                    let name = if conflict.field.section == "child" {
                        "given_name"
                    } else {
                        "child_words"
                    };
                    let value: Option<String> = serde_json::from_str(&chosen).expect("json");
                    tracked = value.map(|v| (name, v));
                }
                CaseOp::ResolveConflict {
                    field: conflict.field.clone(),
                    chosen,
                    reason: "checked with the family".into(),
                }
            }
        };
        let outcome = self.replicas[replica].apply_at(&op, now);
        if let Action::ResolveFirstConflict = action {
            outcome
                .as_ref()
                .expect("resolving a listed conflict succeeds");
        }
        if outcome.is_err() {
            return;
        }
        match (&op, tracked) {
            (_, Some((field, value))) => {
                for &i in &self.knows[replica] {
                    if self.writes[i].field == field {
                        self.writes[i].superseded = true;
                    }
                }
                self.writes.push(Write {
                    field,
                    value,
                    superseded: false,
                });
                let index = self.writes.len() - 1;
                self.knows[replica].insert(index);
            }
            (CaseOp::AddNote { id, .. }, None) => self.notes.push(id.clone()),
            (CaseOp::AddReferralEvent { .. }, None) => self.referral_events.push(now),
            _ => {}
        }
    }
}

/// Current values of a tracked field: the shown one plus any in conflict.
fn current_values(doc: &CaseDoc, field: &str) -> BTreeSet<String> {
    let view = doc.view().expect("view");
    let shown = match field {
        "given_name" => view.child.given_name,
        _ => view.notification.child_words,
    };
    let mut values: BTreeSet<String> = shown.into_iter().collect();
    for c in doc.conflicts().expect("conflicts") {
        if c.field.field == field && c.field.entity.is_none() {
            for v in c.values {
                if let Ok(Some(s)) = serde_json::from_str::<Option<String>>(&v.value) {
                    values.insert(s);
                }
            }
        }
    }
    values
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases(), ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_lose_nothing(steps in prop::collection::vec(step(), 1..40)) {
        let mut world = World::new();
        for s in &steps {
            match s {
                Step::Op { replica, action } => world.run(*replica, action),
                Step::Send { from, to } => world.send(*from, *to),
            }
        }
        for from in 0..REPLICAS {
            for to in 0..REPLICAS {
                world.send(from, to);
            }
        }
        let first = &world.replicas[0].doc;
        let view = first.view().expect("view");
        let conflicts = first.conflicts().expect("conflicts");
        for r in &world.replicas[1..] {
            prop_assert_eq!(&r.doc.view().expect("view"), &view);
            prop_assert_eq!(&r.doc.conflicts().expect("conflicts"), &conflicts);
        }
        for field in ["given_name", "child_words"] {
            let surviving: BTreeSet<String> = world.writes.iter()
                .filter(|w| w.field == field && !w.superseded)
                .map(|w| w.value.clone())
                .collect();
            prop_assert_eq!(current_values(first, field), surviving, "field {}", field);
        }
        let note_ids: BTreeSet<&String> = view.notes.iter().map(|n| &n.id).collect();
        for id in &world.notes {
            prop_assert!(note_ids.contains(id), "note {} lost", id);
        }
        let event_times: BTreeMap<DateTime<Utc>, usize> =
            view.referrals.iter().flat_map(|r| r.events.iter().map(|e| (e.at, 0))).collect();
        for at in &world.referral_events {
            prop_assert!(event_times.contains_key(at), "referral event lost");
        }
    }
}

fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}
