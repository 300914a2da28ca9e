//! Issue 6's number: indicators S01–S16 with every disaggregation over
//! 100,000 cases (goal ≤ 200 ms on the server). The server computes from
//! the facts it keeps per case, so this measures the engine over facts in
//! memory; reading them from the database is the server's part.
//!
//! Run: `cargo bench -p ocrotire-core --bench indicators`. Prints numbers,
//! asserts nothing. `OCROTIRE_BENCH_CASES` changes the number of cases.
//!
//! Data set: `bench_fixtures::synthetic_facts`, a year of field work in
//! the five bundled districts from a fixed seed.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ocrotire_core::bench_fixtures::synthetic_facts;
use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::indicators::{compute, Context, Dimension, Query};
use ocrotire_core::reference::Population;

const RUNS: usize = 10;
fn main() {
    let cases: usize = std::env::var("OCROTIRE_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let facts = synthetic_facts(cases, 0x0C12_0717_E5EE_D001);
    let rules = ResponseRules::default_rules().expect("rules");
    let population = Population::bundled().expect("population");
    let context = Context {
        rules: &rules,
        population: &population,
    };
    let query = Query {
        from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
        districts: None,
    };
    let json: usize = facts
        .iter()
        .map(|f| serde_json::to_vec(f).map_or(0, |v| v.len()))
        .sum();
    println!(
        "indicators over {cases} cases ({} B of facts JSON per case)",
        json / cases.max(1)
    );

    for (label, dimensions) in [
        ("total only", &[][..]),
        ("all 16 disaggregations", &Dimension::ALL[..]),
    ] {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let tables = compute(&facts, &query, &context, dimensions);
                let took = started.elapsed();
                std::hint::black_box(tables);
                took
            })
            .collect();
        times.sort();
        let tables = compute(&facts, &query, &context, dimensions);
        let cells: usize = tables.iter().map(|t| t.rows.len() + 1).sum();
        println!(
            "  {label:<24} {} tables, {cells} cells: median {:.0} ms, best {:.0} ms, worst {:.0} ms",
            tables.len(),
            times[RUNS / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3,
        );
    }
}
