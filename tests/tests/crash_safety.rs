//! A process writing to a caseload is killed with SIGKILL at random moments;
//! after every kill the store opens and holds every operation the process
//! reported as done.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ocrotire_core::caseload::{Caseload, Identity};
use ocrotire_core::model::Role;
use ocrotire_core::store::StoreConfig;

const KILLS: u64 = 50;
const PIN: &str = "730154";

#[test]
fn every_reported_operation_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = Identity::new("sa-1", Role::SocialAssistant, "9200");
    Caseload::create(dir.path(), PIN, None, StoreConfig::default(), identity)
        .expect("create")
        .lock();

    let mut cases = BTreeSet::new();
    let mut notes = BTreeSet::new();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for kill in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_worker"))
            .args([dir.path().to_str().expect("path"), PIN, &kill.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn worker");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("worker ready");
        assert_eq!(ready, "ready");
        // xorshift: a different moment in the write loop each time.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_micros(rng % 120_000));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        for line in rx.try_iter() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["case", id] => {
                    cases.insert(id.to_string());
                }
                ["note", case, note] => {
                    notes.insert((case.to_string(), note.to_string()));
                }
                _ => panic!("unexpected worker output"),
            }
        }

        let caseload = Caseload::open(dir.path(), PIN, None).expect("store opens after SIGKILL");
        for id in &cases {
            caseload.case(id).expect("reported case present");
        }
        for (case_id, note_id) in &notes {
            let case = caseload.case(case_id).expect("case of reported note");
            assert!(
                case.notes.iter().any(|n| &n.id == note_id),
                "reported note lost after kill {kill}"
            );
        }
        caseload.lock();
    }
    assert!(
        cases.len() >= KILLS as usize / 2,
        "the worker did too little work to prove anything"
    );
    assert!(!notes.is_empty());
}
