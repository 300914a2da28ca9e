//! Issue 6's number on the server: indicators S01–S16 with every
//! disaggregation over 100,000 cases, from the facts the server stores per
//! case (goal ≤ 200 ms). Measures the whole path of a dashboard or export
//! request: read and decode the facts from SQLite, compute, and apply
//! disclosure control; and each part on its own.
//!
//! Run: `cargo bench -p ocrotire-server --bench indicators`. Prints numbers,
//! asserts nothing. `OCROTIRE_BENCH_CASES` changes the number of cases.
//!
//! The cases are `bench_fixtures::synthetic_facts`, written straight into
//! the `documents` table in one transaction (storing 100,000 pushes one by
//! one would take minutes and is not what is measured here).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ocrotire_core::bench_fixtures::synthetic_facts;
use ocrotire_core::indicators::disclosure::{publish, Policy};
use ocrotire_core::indicators::{compute, Context, Dimension, Query};
use ocrotire_server::office::report::{report, Audience};
use ocrotire_server::reference::Reference;
use ocrotire_server::storage::sqlite::SqliteStorage;
use ocrotire_server::storage::Storage;

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {:.0} ms (best {:.0}, worst {:.0})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    )
}

fn timed<T>(mut run: impl FnMut() -> T) -> Vec<Duration> {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(run());
            started.elapsed()
        })
        .collect()
}

fn main() {
    let cases: usize = std::env::var("OCROTIRE_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.sqlite3");
    let storage = SqliteStorage::open(&path).expect("open");
    let facts = synthetic_facts(cases, 0x0C12_0717_E5EE_D001);
    {
        let mut conn = rusqlite::Connection::open(&path).expect("raw connection");
        let tx = conn.transaction().expect("transaction");
        let mut insert = tx
            .prepare(
                "INSERT INTO documents (case_id, doc, district, created_by, assigned_to, status,
                     risk, identified_at, registered, assessed, referred, sex, locality,
                     open_conflicts, updated_seq, created_seq, created_device, facts, case_number)
                 VALUES (?1, x'00', ?2, 'sa', '[]', 'open', NULL, ?3, 0, 0, 0, 'female', '',
                     0, ?4, ?4, 'dev', ?5, ?1)",
            )
            .expect("prepare");
        for (i, f) in facts.iter().enumerate() {
            let blob = f.encode().expect("encode");
            insert
                .execute(rusqlite::params![
                    f.case_id,
                    f.district,
                    f.identified_at.timestamp_millis(),
                    i as i64,
                    blob
                ])
                .expect("insert");
        }
        drop(insert);
        tx.commit().expect("commit");
    }
    let bytes: usize = facts
        .iter()
        .map(|f| f.encode().map_or(0, |b| b.len()))
        .sum();
    println!(
        "server indicators over {cases} cases ({} B of stored facts per case, {} cores)",
        bytes / cases.max(1),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reference = Arc::new(Reference::bundled().expect("reference"));
    let query = Query {
        from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
        districts: None,
    };
    let all = Dimension::ALL.to_vec();

    let read = timed(|| {
        runtime
            .block_on(storage.case_facts(None))
            .expect("facts")
            .len()
    });
    println!("  read + decode facts        {}", median(read));

    let context = Context {
        rules: &reference.rules,
        population: &reference.population,
    };
    let computed = timed(|| compute(&facts, &query, &context, &all).len());
    println!("  compute, 16 disaggr.       {}", median(computed));

    let tables = compute(&facts, &query, &context, &all);
    let policy = Policy::default();
    let protected = timed(|| {
        tables
            .iter()
            .map(|t| publish(t, &policy).map(|p| p.rows.len()).unwrap_or(0))
            .sum::<usize>()
    });
    println!("  disclosure control         {}", median(protected));

    for (label, audience) in [
        (
            "district officer, exact",
            Audience::OwnDistrict("9200".into()),
        ),
        ("national, controlled", Audience::Outside(policy)),
    ] {
        let whole = timed(|| {
            runtime
                .block_on(report(
                    &storage,
                    &reference,
                    query.clone(),
                    all.clone(),
                    &audience,
                ))
                .expect("report")
                .tables
                .len()
        });
        println!("  whole request: {label:<24} {}", median(whole));
    }
}
