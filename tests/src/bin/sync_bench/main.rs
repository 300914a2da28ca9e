//! `sync-bench`: issue 3's sync numbers, measured against the real
//! `ocrotire-server` binary (release build) on 127.0.0.1. It prints numbers
//! and asserts nothing about them; `docs/PERFORMANCE.md` ("Sync (issue 3)")
//! records a run.
//!
//! ```text
//! cargo run --release -p ocrotire-tests --bin sync_bench -- \
//!     [--quick] [--database-url postgres://...] [--threads N] [--seconds S]
//! cargo run --release -p ocrotire-tests --bin sync_bench -- --soak \
//!     [--quick] [--soak-minutes M] [--soak-rate R] [--threads N] \
//!     [--database-url postgres://...] [--skip-sqlite]
//! ```
//!
//! 1. "Nothing new" for a device holding 10,000 cases (after pushing them
//!    all in its first session, which is measured too).
//! 2. A week's work on that device: 200 edits over 50 cases, pushed in one
//!    session, against the raw Automerge change bytes of those edits.
//! 3. First session of a district officer's new device that receives 2,000
//!    cases, against the same cases as JSON of their typed views, gzipped
//!    (what a CouchDB-style stack would send), and against the cases' whole
//!    saved documents.
//! 4. Server throughput: 1,000 enrolled devices doing incremental sessions
//!    from a few threads for a fixed time, on SQLite and, given
//!    `--database-url`, on PostgreSQL.
//!
//! `--soak` runs issue 7's soak instead (see [`soak`]): the devices of
//! scenario 4 hold a mix of sessions at a fixed rate for 10 minutes,
//! reported minute by minute with the server's memory over time.
//!
//! Cases are built with the core store benchmark's case script
//! (`ocrotire_core::bench_fixtures`): the ~35 operations a social assistant
//! records over a few weeks (with free text that differs from case to case,
//! see [`Words`](cases::Words)), applied in memory through
//! [`CaseDoc`](ocrotire_core::document::CaseDoc) with the device's own
//! actor and author, then written to the device's store through
//! `Caseload::apply_changes` (one store transaction per case). Writing 35
//! operations per case one by one through `Caseload::apply` would cost 35
//! store transactions per case and measure the store, not sync. Scenario
//! 2's edits do go through `Caseload::apply`.
//!
//! The devices of scenario 4 are lightweight: an Ed25519 key, an Automerge
//! actor and a few case documents in memory, no encrypted store. Each one
//! is a real user with a real enrolment, and every request is a real signed
//! protocol request.

use std::error::Error;
use std::time::Duration;

use ocrotire_core::reference::Template;
use ocrotire_tests::server::server_binary;

use big_caseload::big_caseload;
use new_device::new_device;
use options::{parse_args, Sizes};
use report::{print_machine, Table};
use server::Db;
use soak::{print_soak, soak};
use throughput::{incremental_sessions, print_throughput};

mod big_caseload;
mod cases;
mod couchdb;
mod new_device;
mod options;
mod real_device;
mod report;
mod server;
mod sim_device;
mod soak;
mod throughput;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

fn main() {
    if let Err(e) = run() {
        eprintln!("sync-bench failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let options = parse_args()?;
    let sizes = if options.quick {
        Sizes {
            big_caseload: 300,
            week_edits: 40,
            week_cases: 10,
            new_device_cases: 200,
            creators: 2,
            devices: 40,
            cases_per_device: 3,
            phase: Duration::from_secs(options.seconds.unwrap_or(4)),
        }
    } else {
        Sizes {
            big_caseload: 10_000,
            week_edits: 200,
            week_cases: 50,
            new_device_cases: 2_000,
            creators: 4,
            devices: 1_000,
            cases_per_device: 5,
            phase: Duration::from_secs(options.seconds.unwrap_or(30)),
        }
    };
    print_machine(&options);
    let binary = server_binary();
    println!("server binary: {}", binary.display());
    let template = Template::v1()?;
    let mut table = Table::default();

    if options.soak {
        return run_soak(binary, &sizes, &options, &template);
    }

    let wanted = |n: u32| options.scenarios.is_empty() || options.scenarios.contains(&n);
    if wanted(1) || wanted(2) {
        big_caseload(binary, &sizes, &template, &mut table)?;
    }
    if wanted(3) {
        new_device(binary, &sizes, &template, &mut table)?;
    }
    let mut throughput = Vec::new();
    if wanted(4) && !options.skip_sqlite {
        let db = Db::sqlite()?;
        throughput.extend(incremental_sessions(
            binary, "SQLite", db, &sizes, &options, &template,
        )?);
    }
    match &options.database_url {
        _ if !wanted(4) => {}
        Some(url) => {
            let db = Db::Postgres(url.clone());
            match incremental_sessions(binary, "PostgreSQL", db, &sizes, &options, &template) {
                Ok(rows) => throughput.extend(rows),
                Err(e) => println!("\nPostgreSQL: not measured: {e}"),
            }
        }
        None => println!("\nPostgreSQL: not measured (no --database-url given)"),
    }

    println!("\n== summary (markdown)\n");
    if !table.rows.is_empty() {
        table.print();
        println!();
    }
    if !throughput.is_empty() {
        print_throughput(&throughput);
    }
    Ok(())
}

fn run_soak(
    binary: &std::path::Path,
    sizes: &Sizes,
    options: &options::Options,
    template: &Template,
) -> Res<()> {
    let mut rows = Vec::new();
    if !options.skip_sqlite {
        rows.push(soak(
            binary,
            "SQLite",
            Db::sqlite()?,
            sizes,
            options,
            template,
        )?);
    }
    match &options.database_url {
        Some(url) => {
            let db = Db::Postgres(url.clone());
            match soak(binary, "PostgreSQL", db, sizes, options, template) {
                Ok(row) => rows.push(row),
                Err(e) => println!("\nPostgreSQL: soak failed: {e}"),
            }
        }
        None => println!("\nPostgreSQL: not soaked (no --database-url given)"),
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nload average at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("\n== soak summary (markdown)\n");
    print_soak(&rows);
    Ok(())
}
