//! `peer_bench`: issue 7's peer comparison. The same synthetic field
//! workload, in one run on one machine, against
//!
//! - Ocrotire: the release `ocrotire-server` (SQLite) and sync_bench's
//!   devices (real encrypted caseloads; lightweight signed devices for the
//!   200 at once);
//! - automerge-repo: a Node sync server (`@automerge/automerge-repo` with
//!   the websocket network adapter and the nodefs storage adapter) and
//!   Node client repos;
//! - PouchDB replicating (`db.sync`, both ways) with express-pouchdb on
//!   LevelDB.
//!
//! Scenarios: (1) first sync of a new device receiving 2,000 cases;
//! (2) nothing new for a device holding 10,000 cases; (3) a week's work,
//! 200 edits over 50 of those cases made offline, then sync; (4) 200
//! devices, each with 5 cases in sync and one offline note, syncing at
//! once. Ocrotire's setup builds the cases with the project's generator
//! (`ocrotire_core::bench_fixtures`) and writes them, and the edits, to a
//! temporary directory; the peers replay those very documents: the same
//! Automerge bytes for automerge-repo, their typed views as JSON for
//! PouchDB. Every server sits behind a counting proxy on 127.0.0.1
//! (`proxy.rs`), which measures bytes and round trips the same way for
//! all. The Node side lives in `tests/peers/` and `tests/peers/run` runs
//! the whole comparison.
//!
//! ```text
//! tests/peers/run [--quick] [--timeout S] [--stack ocrotire|automerge-repo|pouchdb]...
//! ```

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ocrotire_core::reference::Template;
use ocrotire_tests::server::server_binary;
use serde_json::json;

use measure::{print, Measure};
use peers::{PeerServer, Stack};

#[allow(dead_code)]
#[path = "../sync_bench/cases.rs"]
mod cases;
mod measure;
mod ocrotire;
mod peers;
mod process;
mod proxy;
#[allow(dead_code)]
#[path = "../sync_bench/real_device.rs"]
mod real_device;
#[allow(dead_code)]
#[path = "../sync_bench/server.rs"]
mod server;
#[allow(dead_code)]
#[path = "../sync_bench/sim_device.rs"]
mod sim_device;
mod workload;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

pub struct Sizes {
    pub first: usize,
    pub big: usize,
    pub week_edits: usize,
    pub week_cases: usize,
    pub fleet: usize,
    pub fleet_cases: usize,
}

fn scenarios(sizes: &Sizes) -> [String; 4] {
    [
        format!("1. first sync, {} cases", sizes.first),
        format!("2. nothing new, {} cases", sizes.big),
        format!(
            "3. a week's work: {} edits over {} cases",
            sizes.week_edits, sizes.week_cases
        ),
        format!("4. {} devices syncing at once", sizes.fleet),
    ]
}

struct Options {
    quick: bool,
    timeout: Duration,
    stacks: Vec<String>,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("peer-bench failed: {e}");
        std::process::exit(1);
    }
}

fn parse_args() -> Res<Options> {
    let mut options = Options {
        quick: false,
        timeout: Duration::from_secs(900),
        stacks: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--timeout" => {
                options.timeout = Duration::from_secs(args.next().ok_or("--timeout S")?.parse()?)
            }
            "--stack" => options.stacks.push(args.next().ok_or("--stack NAME")?),
            "-h" | "--help" => {
                println!(
                    "usage: peer_bench [--quick] [--timeout S] [--stack ocrotire|automerge-repo|pouchdb]...\n\
                     --quick    small sizes, for a smoke run\n\
                     --timeout  limit of one measured sync of a peer stack (default 900 s)\n\
                     --stack    measure only this stack (repeatable; ratios need ocrotire)\n\
                     Run through tests/peers/run, which installs the Node packages first."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}; see --help").into()),
        }
    }
    Ok(options)
}

fn run() -> Res<()> {
    let options = parse_args()?;
    let sizes = if options.quick {
        Sizes {
            first: 200,
            big: 500,
            week_edits: 40,
            week_cases: 10,
            fleet: 20,
            fleet_cases: 5,
        }
    } else {
        Sizes {
            first: 2_000,
            big: 10_000,
            week_edits: 200,
            week_cases: 50,
            fleet: 200,
            fleet_cases: 5,
        }
    };
    let wanted = |s: &str| options.stacks.is_empty() || options.stacks.iter().any(|w| w == s);
    let peers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers");
    if !peers.join("node_modules").exists() && (wanted("automerge-repo") || wanted("pouchdb")) {
        return Err("tests/peers/node_modules missing: run tests/peers/run".into());
    }
    print_machine(&options);
    let binary = server_binary();
    let template = Template::v1()?;
    let work = tempfile::tempdir()?;
    let file = |name: &str| work.path().join(name);
    let stacks = [Stack::AutomergeRepo, Stack::PouchDb];
    let names = scenarios(&sizes);
    // results[scenario] = (stack name, measure)
    let mut results: Vec<Vec<(&str, Measure)>> = vec![Vec::new(); 4];

    // The workload is written by Ocrotire's setup, so Ocrotire always runs
    // its setup; with --stack it only skips printing it.
    println!("\n== {}", names[0]);
    let m = ocrotire::first_sync(binary, &sizes, &template, &file("first.jsonl"))?;
    print("Ocrotire", &m);
    results[0].push(("Ocrotire", m));
    for stack in stacks.iter().filter(|s| wanted(key(**s))) {
        let r = peer(
            &peers,
            *stack,
            &[("first", &file("first.jsonl"))],
            |server| {
                server.client(
                    &peers,
                    json!({"mode": "first", "db": "first", "docs": file("first.jsonl")}),
                    1,
                    options.timeout,
                )
            },
        );
        record(&mut results, &[0], stack.name(), r);
    }

    println!("\n== {} / {}", names[1], names[2]);
    let (nothing, week) = ocrotire::big_caseload(
        binary,
        &sizes,
        &template,
        &file("big.jsonl"),
        &file("week.jsonl"),
    )?;
    print("Ocrotire", &nothing);
    print("Ocrotire", &week);
    results[1].push(("Ocrotire", nothing));
    results[2].push(("Ocrotire", week));
    for stack in stacks.iter().filter(|s| wanted(key(**s))) {
        let r = peer(&peers, *stack, &[("big", &file("big.jsonl"))], |server| {
            // One client process for both: in sync, then the week's edits.
            let config = json!({
                "mode": "big", "db": "big", "docs": file("big.jsonl"), "edits": file("week.jsonl"),
            });
            server.client(&peers, config, 2, options.timeout)
        });
        record(&mut results, &[1, 2], stack.name(), r);
    }

    println!("\n== {}", names[3]);
    let m = ocrotire::fleet(
        binary,
        &sizes,
        &template,
        &file("fleet.jsonl"),
        &file("fleet-edits.jsonl"),
    )?;
    print("Ocrotire", &m);
    results[3].push(("Ocrotire", m));
    for stack in stacks.iter().filter(|s| wanted(key(**s))) {
        let r = peer(
            &peers,
            *stack,
            &[("fleet", &file("fleet.jsonl"))],
            |server| {
                server.client(
                    &peers,
                    json!({
                        "mode": "fleet", "db": "fleet", "docs": file("fleet.jsonl"),
                        "edits": file("fleet-edits.jsonl"),
                    }),
                    1,
                    options.timeout,
                )
            },
        );
        record(&mut results, &[3], stack.name(), r);
    }

    println!("\n== summary (markdown)\n");
    print_table(&sizes, &results);
    Ok(())
}

fn key(stack: Stack) -> &'static str {
    match stack {
        Stack::AutomergeRepo => "automerge-repo",
        Stack::PouchDb => "pouchdb",
    }
}

/// Starts a peer's server seeded with `seeds`, runs `clients` against it,
/// stops it.
fn peer(
    peers: &Path,
    stack: Stack,
    seeds: &[(&str, &Path)],
    clients: impl FnOnce(&PeerServer) -> Res<Vec<Measure>>,
) -> Res<Vec<Measure>> {
    let server = PeerServer::start(peers, stack, seeds)?;
    clients(&server)
}

fn record(
    results: &mut [Vec<(&'static str, Measure)>],
    scenarios: &[usize],
    stack: &'static str,
    outcome: Res<Vec<Measure>>,
) {
    let measures = match outcome {
        Ok(m) => m,
        Err(e) => vec![
            Measure {
                failure: Some(e.to_string()),
                ..Measure::default()
            };
            scenarios.len()
        ],
    };
    for (s, m) in scenarios.iter().zip(measures) {
        print(stack, &m);
        results[*s].push((stack, m));
    }
}

fn print_table(sizes: &Sizes, results: &[Vec<(&str, Measure)>]) {
    let names = scenarios(sizes);
    println!(
        "sizes: first sync {} cases; nothing new {}; week {} edits over {} cases; {} devices × {} cases\n",
        sizes.first, sizes.big, sizes.week_edits, sizes.week_cases, sizes.fleet, sizes.fleet_cases
    );
    println!("| scenario | stack | bytes up | bytes down | round trips | wall | server CPU | server peak RSS |");
    println!("|---|---|---|---|---|---|---|---|");
    for (s, rows) in results.iter().enumerate() {
        let base = rows.iter().find(|(n, _)| *n == "Ocrotire").map(|(_, m)| m);
        for (stack, m) in rows {
            if let Some(f) = &m.failure {
                println!("| {} | {stack} | failed: {f} | | | | | |", names[s]);
                continue;
            }
            let ratio = |v: f64, b: Option<f64>| match b {
                Some(b) if *stack != "Ocrotire" && b > 0.0 => format!(" ({:.1}×)", v / b),
                _ => String::new(),
            };
            let t = &m.traffic;
            let bt = base.map(|b| &b.traffic);
            println!(
                "| {} | {stack} | {}{} | {}{} | {}{} | {:.2} s{} | {:.2} s{} | {:.0} MiB{} |",
                names[s],
                t.up,
                ratio(t.up as f64, bt.map(|b| b.up as f64)),
                t.down,
                ratio(t.down as f64, bt.map(|b| b.down as f64)),
                t.round_trips,
                ratio(t.round_trips as f64, bt.map(|b| b.round_trips as f64)),
                m.wall,
                ratio(m.wall, base.map(|b| b.wall)),
                m.server_cpu,
                ratio(m.server_cpu, base.map(|b| b.server_cpu)),
                m.peak_rss_kib as f64 / 1024.0,
                ratio(m.peak_rss_kib as f64, base.map(|b| b.peak_rss_kib as f64)),
            );
        }
    }
    println!("\nratios: the stack's number / Ocrotire's; above 1× Ocrotire is ahead.");
}

fn print_machine(options: &Options) {
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "peer-bench{}: node {node}; {}",
        if options.quick { " --quick" } else { "" },
        server::machine()
    );
}
