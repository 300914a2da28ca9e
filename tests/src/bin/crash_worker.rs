//! Child process for the crash-safety scenario: opens a caseload and writes
//! to it as fast as it can, printing a line for every operation that
//! returned success, until the parent kills it with SIGKILL.
//!
//! Usage: crash_worker <store dir> <pin> <seed>

use std::io::Write;

use ocrotire_core::caseload::Caseload;
use ocrotire_core::document::CaseOp;
use ocrotire_tests::{child, notification};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(pin), Some(seed)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: crash_worker <store dir> <pin> <seed>");
        std::process::exit(2);
    };
    let mut caseload = match Caseload::open(dir.as_ref(), pin, None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    let mut cases: Vec<String> = Vec::new();
    for i in 0u64.. {
        let tag = format!("{seed}-{i}");
        let result = if i % 4 == 0 || cases.is_empty() {
            caseload
                .create_case(
                    child(&format!("p{tag}"), &format!("name{tag}")),
                    notification(None),
                )
                .map(|case| {
                    cases.push(case.id.clone());
                    format!("case {}", case.id)
                })
        } else {
            let case_id = cases[(i as usize * 7) % cases.len()].clone();
            let note_id = format!("n{}", tag.replace('-', "x"));
            caseload
                .apply(
                    &case_id,
                    &CaseOp::AddNote {
                        id: note_id.clone(),
                        text: format!("note {tag}"),
                    },
                )
                .map(|_| format!("note {case_id} {note_id}"))
        };
        match result {
            Ok(line) => {
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
            Err(e) => {
                eprintln!("operation failed: {e}");
                std::process::exit(1);
            }
        }
    }
}
