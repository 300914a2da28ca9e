//! Two server instances on one database, devices alternating between them
//! (the PostgreSQL deployment; on SQLite, two processes on one file): a
//! push on one instance is pulled from the other, concurrent pushes to the
//! same case on both are numbered without gaps and in commit order, a
//! device that keeps pulling meanwhile misses nothing, and every device and
//! the server converge.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

use common::*;
use ocrotire_core::document::{CaseDoc, CaseOp, Heads};
use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::Push;

on_every_backend!(two_instances_on_one_database_converge);

/// Rounds of concurrent edits per writing device.
const ROUNDS: usize = 6;

/// A device with its case replicas, its cursor, and what the server has
/// acknowledged of each case.
struct Replica<'a> {
    name: &'static str,
    device: &'a Device,
    docs: HashMap<String, CaseDoc>,
    acked: HashMap<String, Heads>,
    cursor: u64,
}

impl<'a> Replica<'a> {
    fn new(name: &'static str, device: &'a Device) -> Replica<'a> {
        Replica {
            name,
            device,
            docs: HashMap::new(),
            acked: HashMap::new(),
            cursor: 0,
        }
    }

    fn edit(&mut self, case_id: &str, op: &CaseOp) {
        let doc = self.docs.get_mut(case_id).expect("the device has the case");
        apply(doc, self.device, &self.device.author(), op);
    }

    /// One whole session on `server`: pushes every case the server has not
    /// acknowledged as it is now, then pulls until caught up. The cursor
    /// only ever moves forward.
    fn sync(&mut self, server: &Server) {
        let push: Vec<Push> = self
            .docs
            .iter()
            .filter(|(id, doc)| self.acked.get(*id) != Some(&doc.heads()))
            .map(|(id, doc)| push_since(doc, self.acked.get(id).unwrap_or(&Heads::default())))
            .collect();
        let pushed = push.len();
        let mut answer = self.device.sync(server, self.cursor, push);
        assert!(
            answer.refused.is_empty(),
            "{}: {:?}",
            self.name,
            answer.refused
        );
        assert_eq!(answer.accepted.len(), pushed);
        loop {
            assert!(
                answer.cursor >= self.cursor,
                "{}: cursor went back",
                self.name
            );
            self.cursor = answer.cursor;
            for pull in answer.pull {
                match self.docs.get_mut(&pull.case_id) {
                    Some(doc) => doc
                        .apply_changes(&pull.changes)
                        .expect("pulled changes apply"),
                    None => {
                        let doc = load_pulled(&pull.changes, self.device);
                        self.docs.insert(pull.case_id, doc);
                    }
                }
            }
            if !answer.more {
                break;
            }
            answer = self.device.sync(server, self.cursor, vec![]);
        }
        // Everything local was pushed and accepted, everything pulled came
        // from the server: the server has all of it.
        for (id, doc) in &self.docs {
            self.acked.insert(id.clone(), doc.heads());
        }
    }

    fn heads(&self) -> HashMap<String, Heads> {
        self.docs
            .iter()
            .map(|(id, doc)| (id.clone(), doc.heads()))
            .collect()
    }
}

fn note(id: String) -> CaseOp {
    CaseOp::AddNote {
        id,
        text: "home visit".into(),
    }
}

fn two_instances_on_one_database_converge(backend: Backend) {
    let a = Server::on(backend);
    let b = a.another_instance(&[]);
    let servers = [&a, &b];
    a.create_user("sa-1", Role::SocialAssistant, "9200");
    a.create_user("off-1", Role::DistrictOfficer, "9200");
    let (d1, d2, d3, d4) = (
        a.enroll("sa-1", 1),
        b.enroll("sa-1", 2),
        a.enroll("off-1", 3),
        b.enroll("off-1", 4),
    );
    let mut a1 = Replica::new("a1", &d1);
    let mut a2 = Replica::new("a2", &d2);
    let mut o1 = Replica::new("o1", &d3);
    let mut watcher = Replica::new("o2", &d4);

    // A case filed and pushed on A is pulled from B; an edit pushed on B is
    // pulled from A.
    for id in ["case-1", "case-a1"] {
        a1.docs
            .insert(id.into(), create_case(&d1, &d1.author(), id, "9200"));
    }
    a2.docs.insert(
        "case-a2".into(),
        create_case(&d2, &d2.author(), "case-a2", "9200"),
    );
    a1.sync(&a);
    o1.sync(&b);
    assert_eq!(o1.docs["case-1"].heads(), a1.docs["case-1"].heads());
    o1.edit("case-1", &note("n-o1-first".into()));
    o1.sync(&b);
    a1.sync(&a);
    assert_eq!(a1.docs["case-1"].heads(), o1.docs["case-1"].heads());
    a2.sync(&b);
    a1.sync(&b);
    o1.sync(&a);
    assert_eq!(a1.docs.len(), 3, "every case reached a1");
    assert_eq!(o1.docs.len(), 3, "every case reached o1");

    // Three devices edit the same cases in rounds and push at the same
    // moment, each round to the other instance than the last; a fourth
    // keeps pulling, alternating, with its cursor, until they are done.
    let writing = AtomicBool::new(true);
    let barrier = Barrier::new(3);
    std::thread::scope(|scope| {
        let mut writers = Vec::new();
        for (k, replica) in [&mut a1, &mut a2, &mut o1].into_iter().enumerate() {
            let barrier = &barrier;
            writers.push(scope.spawn(move || {
                for round in 0..ROUNDS {
                    let name = replica.name;
                    replica.edit("case-1", &note(format!("n-{name}-{round}")));
                    let own = if k == 1 { "case-a2" } else { "case-a1" };
                    replica.edit(own, &note(format!("m-{name}-{round}")));
                    barrier.wait();
                    replica.sync(servers[(k + round) % 2]);
                }
            }));
        }
        let watching = scope.spawn(|| {
            let mut turn = 0;
            while writing.load(Ordering::SeqCst) {
                watcher.sync(servers[turn % 2]);
                turn += 1;
            }
        });
        for writer in writers {
            writer.join().expect("writer");
        }
        writing.store(false, Ordering::SeqCst);
        watching.join().expect("watcher");
    });

    // A last session each, on alternate instances, and everyone agrees.
    for (k, replica) in [&mut a1, &mut a2, &mut o1, &mut watcher]
        .into_iter()
        .enumerate()
    {
        replica.sync(servers[k % 2]);
    }
    let stored: HashMap<String, Heads> =
        a.db.documents()
            .into_iter()
            .map(|(id, doc)| {
                let heads = CaseDoc::load(&doc, &d1.actor).expect("stored doc").heads();
                (id, heads)
            })
            .collect();
    assert_eq!(stored.len(), 3);
    for replica in [&a1, &a2, &o1, &watcher] {
        assert_eq!(replica.heads(), stored, "{} converged", replica.name);
    }
    let view = a1.docs["case-1"].view().unwrap();
    assert_eq!(view.notes.len(), 1 + 3 * ROUNDS, "no edit lost");

    // Numbers: gap-free, the counter at the last one, and in commit order:
    // a device pushes a change only once it holds the change's
    // dependencies, which were committed before, so each dependency must
    // carry a lower number.
    let changes = a.db.changes();
    let seqs: Vec<i64> = changes.iter().map(|(seq, ..)| *seq).collect();
    let last = i64::try_from(changes.len()).unwrap();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "gap-free numbers");
    assert_eq!(a.fingerprint().max_seq, last);
    let mut numbered: HashMap<(String, automerge::ChangeHash), i64> = HashMap::new();
    for (seq, case_id, bytes) in &changes {
        let change = automerge::Change::try_from(bytes.as_slice()).expect("a stored change");
        for dep in change.deps() {
            let dep_seq = numbered.get(&(case_id.clone(), *dep)).unwrap_or_else(|| {
                panic!("change {seq} of {case_id} numbered before its dependency")
            });
            assert!(dep_seq < seq);
        }
        numbered.insert((case_id.clone(), change.hash()), *seq);
    }
    let audit = b.admin(&["verify-audit"]);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
}
