//! `sync-bench`: issue 3's sync numbers, measured against the real
//! `ocrotire-server` binary (release build) on 127.0.0.1. It prints numbers
//! and asserts nothing about them; `docs/PERFORMANCE.md` ("Sync (issue 3)")
//! records a run.
//!
//! ```text
//! cargo run --release -p ocrotire-tests --bin sync_bench -- \
//!     [--quick] [--database-url postgres://...] [--threads N] [--seconds S]
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
//! Cases are built the way the core store benchmark builds them: the ~35
//! operations a social assistant records over a few weeks (with free text
//! that differs from case to case, see [`Words`]), applied in
//! memory through [`CaseDoc`] with the device's own actor and author, then
//! written to the device's store through `Caseload::apply_changes` (one
//! store transaction per case). Writing 35 operations per case one by one
//! through `Caseload::apply` would cost 35 store transactions per case and
//! measure the store, not sync. Scenario 2's edits do go through
//! `Caseload::apply`.
//!
//! The devices of scenario 4 are lightweight: an Ed25519 key, an Automerge
//! actor and a few case documents in memory, no encrypted store. Each one
//! is a real user with a real enrolment, and every request is a real signed
//! protocol request.

use std::error::Error;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child as Process, Command, Stdio};
use std::time::{Duration, Instant};

use automerge::{ActorId, Automerge};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::{CaseDoc, CaseOp, Heads, NewCase, OpContext};
use ocrotire_core::ids::{hex, random_id};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::authority::{accept_push, Writer};
use ocrotire_core::sync::protocol::{
    self, headers, signing_input, Enroll, Enrolled, Pull, Push, SyncRequest, SyncResponse,
    CONTENT_TYPE, PROTOCOL_VERSION,
};
use ocrotire_core::sync::{ServerConfig, SyncReport};
use ocrotire_tests::server::server_binary;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

mod couchdb;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const PIN: &str = "482916";
const DISTRICT: &str = "9200";
const LOCALITIES: [&str; 5] = ["9201000", "9202000", "9211000", "9212000", "9213000"];
const GIVEN: &str = "Ana Maria Elena Ion Mihai Cristina Andrei Daniela Victor Natalia Alexandru";
const FAMILY: &str = "Țurcanu Rusu Ciobanu Ceban Cojocaru Munteanu Lungu Popa Sârbu Bivol \
    Guțu Rotaru Moraru Cebotari Botnaru Roșca Plămădeală Vrabie Ursu Bejenaru";
const ANSWERED: [&str; 10] = [
    "online_contact_unknown_adults_or_sharing_images",
    "images_made_or_shared",
    "gifts_or_money_from_adults",
    "left_behind_poor_supervision",
    "child_under_12",
    "repeated_or_ongoing_abuse",
    "caregiver_impaired",
    "running_away",
    "trusted_adult_and_safety_plan",
    "regular_school_engaged_coordinator",
];
/// Days after the notification on which notes are written.
const NOTE_DAYS: [i64; 3] = [1, 3, 6];
/// Words of the synthetic free text (see [`Words`]).
const VOCABULARY: &str = "child grandmother mother father aunt uncle brother sister teacher \
    coordinator psychologist police officer mediator doctor nurse school class home visit \
    phone call message messages photos images account adult stranger contact contacts online \
    chat game group night evening morning weekend week day yesterday today tomorrow calm \
    afraid quiet upset tired better worse safe unsafe present absent agreed refused asked \
    explained promised reported confirmed blocked deleted changed handed over kept stopped \
    started returned visited called met talked listened slept ate attended missed plan \
    safety goal rule rules password settings device tablet laptop village Ungheni Cornești \
    Sculeni Valea Mare bus road shop neighbour friend friends cousin priest mayor office \
    statement report referral appointment session counselling support money gift threat \
    threatened pressure pressured send sent share shared again since no not yet still also \
    with without about after before during because when while and but so the a her his \
    their its new old first second third two three four five ten twelve fourteen";
/// The server's default response budget (`serve --response-budget-bytes`),
/// used to page scenario 3's alternative forms the same way.
const SERVER_RESPONSE_BUDGET: usize = 32 * 1024 * 1024;
/// "Nothing new" sessions measured in scenario 1 (the median is reported).
const NOTHING_NEW_RUNS: usize = 7;

struct Options {
    quick: bool,
    database_url: Option<String>,
    threads: usize,
    seconds: Option<u64>,
    /// Scenarios to run (empty: all); 2 runs on 1's device, so with 1.
    scenarios: Vec<u32>,
}

struct Sizes {
    big_caseload: usize,
    week_edits: usize,
    week_cases: usize,
    new_device_cases: usize,
    creators: usize,
    devices: usize,
    cases_per_device: usize,
    phase: Duration,
}

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

    let wanted = |n: u32| options.scenarios.is_empty() || options.scenarios.contains(&n);
    if wanted(1) || wanted(2) {
        big_caseload(binary, &sizes, &template, &mut table)?;
    }
    if wanted(3) {
        new_device(binary, &sizes, &template, &mut table)?;
    }
    let mut throughput = Vec::new();
    if wanted(4) {
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

fn parse_args() -> Res<Options> {
    let mut options = Options {
        quick: false,
        database_url: std::env::var("OCROTIRE_BENCH_DATABASE_URL").ok(),
        threads: 4,
        seconds: None,
        scenarios: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--database-url" => {
                options.database_url = Some(args.next().ok_or("--database-url URL")?)
            }
            "--threads" => options.threads = args.next().ok_or("--threads N")?.parse()?,
            "--seconds" => options.seconds = Some(args.next().ok_or("--seconds S")?.parse()?),
            "--scenario" => options
                .scenarios
                .push(args.next().ok_or("--scenario N")?.parse()?),
            "-h" | "--help" => {
                println!(
                    "usage: sync_bench [--quick] [--database-url postgres://...] [--threads N] [--seconds S] [--scenario N]...\n\
                     --quick         small sizes, for a smoke run\n\
                     --database-url  also measure scenario 4 on this PostgreSQL database\n\
                     \x20               (or OCROTIRE_BENCH_DATABASE_URL; its tables are created there)\n\
                     --threads       client threads of scenario 4 (default 4)\n\
                     --seconds       length of each timed phase of scenario 4 (default 30, quick 4)\n\
                     --scenario      run only this scenario (1-4; repeatable; 2 runs with 1)"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}; see --help").into()),
        }
    }
    options.threads = options.threads.max(1);
    Ok(options)
}

// --- scenarios 1 and 2 ---------------------------------------------------

fn big_caseload(binary: &Path, sizes: &Sizes, template: &Template, table: &mut Table) -> Res<()> {
    let n = sizes.big_caseload;
    println!("\n== 1. nothing new, for a device holding {n} cases");
    let server = BenchServer::start(binary, Db::sqlite()?)?;
    let mut device = RealDevice::enroll(&server, "sa-bench-1", Role::SocialAssistant)?;
    let t = Instant::now();
    let cases = device.fill(n, template)?;
    let setup = t.elapsed();
    println!(
        "setup: built and stored {n} cases ({} changes each) in {:.1} s ({:.1} ms per case)",
        SCRIPT_CHANGES,
        setup.as_secs_f64(),
        setup.as_secs_f64() * 1e3 / n as f64
    );

    let t = Instant::now();
    let first = device.sync(&server)?;
    let first_time = t.elapsed();
    print_report("first session (pushes every case)", &first, first_time);
    println!(
        "  {} bytes sent per case; {} accepted, {} refused",
        first.progress.bytes_sent / n.max(1),
        first.accepted.len(),
        first.refused.len()
    );
    table.row(
        &format!("first push of {n} cases (scenario-3-like, upload)"),
        &first,
        first_time,
        "–",
        format!("{} B sent per case", first.progress.bytes_sent / n.max(1)),
    );

    let mut runs = Vec::new();
    for _ in 0..NOTHING_NEW_RUNS {
        let t = Instant::now();
        let report = device.sync(&server)?;
        runs.push((t.elapsed(), report));
    }
    runs.sort_by_key(|(d, _)| *d);
    let (median, report) = runs[runs.len() / 2].clone();
    print_report(
        &format!("nothing new (median of {NOTHING_NEW_RUNS} sessions)"),
        &report,
        median,
    );
    println!(
        "  fastest {:.1} ms, slowest {:.1} ms",
        ms(runs[0].0),
        ms(runs[runs.len() - 1].0)
    );
    let t = Instant::now();
    let listed = device
        .caseload
        .list(&CaseFilter::default(), Utc::now())?
        .cases
        .len();
    println!(
        "  of which the client lists its {listed} case summaries (to count open conflicts) in {:.1} ms",
        ms(t.elapsed())
    );
    let bytes = report.progress.bytes_sent + report.progress.bytes_received;
    let met = report.progress.round_trips == 1 && bytes <= 1000;
    table.row(
        &format!("1. nothing new, {n} cases"),
        &report,
        median,
        "1 round trip, ≤ 1 KB",
        verdict(met, format!("{bytes} B both ways")),
    );

    // 2. A week's work.
    let (edits, over) = (sizes.week_edits, sizes.week_cases.min(cases.len()));
    println!("\n== 2. a week's work: {edits} edits over {over} cases, same device");
    let targets = &cases[..over];
    let before: Vec<Heads> = targets
        .iter()
        .map(|c| device.caseload.heads(&c.id))
        .collect::<Result<_, _>>()?;
    let items = all_items(template);
    let t = Instant::now();
    for i in 0..edits {
        let case = &targets[i % over];
        let kind = i / over;
        let op = week_edit(&device, case, kind, &items)?;
        device.caseload.apply(&case.id, &op)?;
    }
    println!(
        "setup: {edits} edits through Caseload::apply in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut raw = 0;
    for (case, heads) in targets.iter().zip(&before) {
        raw += device.caseload.changes_since(&case.id, heads)?.len();
    }
    println!("raw Automerge change bytes (changes_since the acknowledged heads): {raw} B");
    let t = Instant::now();
    let week = device.sync(&server)?;
    let week_time = t.elapsed();
    print_report("week's work session", &week, week_time);
    let sent_ratio = week.progress.bytes_sent as f64 / raw.max(1) as f64;
    let both_ratio =
        (week.progress.bytes_sent + week.progress.bytes_received) as f64 / raw.max(1) as f64;
    println!(
        "  sent / raw change bytes = {sent_ratio:.3}; (sent + received) / raw = {both_ratio:.3}; {} accepted",
        week.accepted.len()
    );
    table.row(
        &format!("2. week's work: {edits} edits over {over} cases"),
        &week,
        week_time,
        "≤ 2 round trips, ≤ 1.2× raw change bytes",
        verdict(
            week.progress.round_trips <= 2 && sent_ratio <= 1.2,
            format!("raw {raw} B; sent {sent_ratio:.2}×, both ways {both_ratio:.2}×"),
        ),
    );
    Ok(())
}

/// Edit `kind` (0..) of a week on one case: a note, an assessment answer,
/// a phone call, the child's contact; then again.
fn week_edit(device: &RealDevice, case: &BuiltCase, kind: usize, items: &[String]) -> Res<CaseOp> {
    let op = match kind % 4 {
        0 => CaseOp::AddNote {
            id: random_id(),
            text: Words::seeded(&random_id()).sentence(10, 25),
        },
        1 => CaseOp::AnswerItem {
            assessment_id: case.assessment_id.clone(),
            item_id: items[kind % items.len()].clone(),
            answer: kind.is_multiple_of(2),
        },
        2 => CaseOp::AddFollowUp(FollowUp {
            id: random_id(),
            kind: FollowUpKind::PhoneCall,
            date: Utc::now().date_naive(),
            by: device.author.clone(),
            child_seen: false,
            summary: Some(Words::seeded(&random_id()).sentence(8, 14)),
            next_due: Some((Utc::now() + TimeDelta::days(14)).date_naive()),
        }),
        _ => {
            let mut child = device.caseload.case(&case.id)?.child;
            child.contact = Some(format!(
                "grandmother, +373 69 {:06}",
                kind * 7919 % 1_000_000
            ));
            CaseOp::UpdateChild(child)
        }
    };
    Ok(op)
}

// --- scenario 3 -------------------------------------------------------------

fn new_device(binary: &Path, sizes: &Sizes, template: &Template, table: &mut Table) -> Res<()> {
    let n = sizes.new_device_cases;
    let creators = sizes.creators.max(1);
    println!("\n== 3. first session of a district officer's new device: {n} cases");
    let server = BenchServer::start(binary, Db::sqlite()?)?;
    let t = Instant::now();
    let mut pushed = SyncReport::default();
    for k in 0..creators {
        let user = format!("sa-bench-{}", k + 1);
        let mut creator = RealDevice::enroll(&server, &user, Role::SocialAssistant)?;
        let share = n / creators + usize::from(k < n % creators);
        creator.fill(share, template)?;
        let report = creator.sync(&server)?;
        pushed.progress.round_trips += report.progress.round_trips;
        pushed.progress.bytes_sent += report.progress.bytes_sent;
        pushed.progress.bytes_received += report.progress.bytes_received;
        pushed.accepted.extend(report.accepted);
        pushed.refused.extend(report.refused);
    }
    println!(
        "setup: {creators} social assistants built, stored and pushed {n} cases in {:.1} s \
         ({} round trips, {} B sent, {} accepted, {} refused)",
        t.elapsed().as_secs_f64(),
        pushed.progress.round_trips,
        pushed.progress.bytes_sent,
        pushed.accepted.len(),
        pushed.refused.len()
    );

    let mut officer = RealDevice::enroll(&server, "do-bench-1", Role::DistrictOfficer)?;
    let t = Instant::now();
    let first = officer.sync(&server)?;
    let time = t.elapsed();
    print_report("officer's first session", &first, time);
    let received = first.progress.bytes_received;
    let per_case = received as f64 / n.max(1) as f64;
    println!(
        "  {per_case:.0} B ({:.2} KiB) received per case; {} cases received",
        per_case / 1024.0,
        first.progress.cases_received
    );
    let listing = officer.caseload.list(&CaseFilter::default(), Utc::now())?;
    let ids: Vec<String> = listing.cases.iter().map(|c| c.id.clone()).collect();
    if ids.len() != n {
        println!("  WARNING: the officer holds {} cases, not {n}", ids.len());
    }

    // What else could have carried the same cases.
    let mut views = Vec::with_capacity(ids.len());
    let mut couch = Vec::with_capacity(ids.len());
    let (mut as_changes, mut as_saved, mut as_sent) = (Vec::new(), Vec::new(), Vec::new());
    let mut changes = 0usize;
    for id in &ids {
        let view = officer.caseload.case(id)?;
        let all = officer.caseload.changes_since(id, &Heads::default())?;
        let doc = CaseDoc::load(&all, &officer.actor)?;
        let revisions = Automerge::load(&all)
            .map_err(|e| format!("automerge: {e}"))?
            .get_changes(&[])
            .len();
        changes += revisions;
        couch.push(couchdb::CouchDoc {
            id: id.clone(),
            view: serde_json::to_value(&view)?,
            revisions,
        });
        views.push(view);
        let pull = |changes: Vec<u8>| Pull {
            case_id: id.clone(),
            changes,
        };
        as_saved.push(pull(doc.save()));
        as_sent.push(pull(doc.save_uncompressed()));
        as_changes.push(pull(all));
    }
    let json = serde_json::to_vec(&views)?;
    let json_gzip = couchdb::gzip(&json)?.len();
    let (couch_bytes, couch_answers) = couchdb::replication_bytes(&couch)?;
    let count = ids.len().max(1) as f64;
    let kib = |b: usize| b as f64 / count / 1024.0;
    let raw = |pulls: &[Pull]| pulls.iter().map(|p| p.changes.len()).sum::<usize>();
    println!(
        "  for comparison, per case ({:.1} changes each):",
        changes as f64 / count
    );
    println!("    {:<58} {:>6} {:>6}", "form", "plain", "wire");
    let line = |what: &str, pulls: &[Pull]| -> Res<()> {
        let (wire, answers) = answers_wire(pulls)?;
        println!(
            "    {:<58} {:>6.2} {:>6.2} KiB ({answers} answers)",
            what,
            kib(raw(pulls)),
            kib(wire)
        );
        Ok(())
    };
    line(
        "whole uncompressed documents (what the server sends)",
        &as_sent,
    )?;
    line(
        "whole saved documents (Automerge-compressed columns)",
        &as_saved,
    )?;
    line(
        "every change (the protocol before whole documents)",
        &as_changes,
    )?;
    println!(
        "    {:<58} {:>6} {:>6.2} KiB ({couch_answers} answers)",
        "CouchDB replication: _changes + _bulk_get?revs=true, gzip",
        "-",
        kib(couch_bytes)
    );
    println!(
        "    {:<58} {:>6.2} {:>6.2} KiB (one gzip)",
        "typed views as JSON only, no revisions",
        kib(json.len()),
        kib(json_gzip)
    );
    table.row(
        &format!("3. new officer device, {n} cases"),
        &first,
        time,
        "≤ CouchDB protocol bytes (issue: ~2.8 KiB per case)",
        verdict(
            received <= couch_bytes,
            format!(
                "{:.2} KiB/case; CouchDB replication of the same cases {:.2} KiB/case ({:.2}×); \
                 bare JSON views gzipped {:.2} KiB/case",
                per_case / 1024.0,
                kib(couch_bytes),
                received as f64 / couch_bytes.max(1) as f64,
                kib(json_gzip)
            ),
        ),
    );
    Ok(())
}

/// Bytes on the wire if the server sent `pulls` as sync answers, paged
/// like its answers: (total bytes, answers).
fn answers_wire(pulls: &[Pull]) -> Res<(usize, usize)> {
    let (mut total, mut pages) = (0, 0);
    let mut page: Vec<Pull> = Vec::new();
    let mut used = 0;
    let mut flush = |page: &mut Vec<Pull>| -> Res<()> {
        let response = SyncResponse {
            version: PROTOCOL_VERSION,
            accepted: Vec::new(),
            refused: Vec::new(),
            pull: std::mem::take(page),
            statuses: Vec::new(),
            removed: Vec::new(),
            cursor: u64::MAX / 3,
            more: true,
        };
        total += protocol::encode(&response)?.len();
        pages += 1;
        Ok(())
    };
    for pull in pulls {
        if used > 0 && used + pull.changes.len() > SERVER_RESPONSE_BUDGET {
            flush(&mut page)?;
            used = 0;
        }
        used += pull.changes.len();
        page.push(pull.clone());
    }
    if !page.is_empty() {
        flush(&mut page)?;
    }
    Ok((total, pages))
}

// --- scenario 4 -------------------------------------------------------------

struct PhaseResult {
    backend: &'static str,
    phase: &'static str,
    devices: usize,
    threads: usize,
    sessions: usize,
    wall: Duration,
    server_cpu: f64,
    /// CPU of the PostgreSQL backends serving the server (PostgreSQL only).
    database_cpu: Option<f64>,
    client_cpu: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
    first_error: Option<String>,
    peak_rss_kib: u64,
}

fn incremental_sessions(
    binary: &Path,
    backend: &'static str,
    db: Db,
    sizes: &Sizes,
    options: &Options,
    template: &Template,
) -> Res<Vec<PhaseResult>> {
    let threads = options.threads;
    println!(
        "\n== 4. incremental sessions on {backend}: {} devices, {} cases each, {threads} client threads, {} s per phase",
        sizes.devices,
        sizes.cases_per_device,
        sizes.phase.as_secs()
    );
    let server = BenchServer::start(binary, db)?;
    // User ids unique per run: a PostgreSQL database outlives the run.
    let run = &random_id()[..8];
    let t = Instant::now();
    let mut parts: Vec<Vec<SimDevice>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|part| {
                let server = &server;
                s.spawn(move || -> Res<Vec<SimDevice>> {
                    let client = http_client()?;
                    let template = Template::v1()?;
                    let mut devices = Vec::new();
                    for i in (part..sizes.devices).step_by(threads) {
                        let user = format!("sim-{run}-{i}");
                        let mut device = SimDevice::enroll(server, &client, &user)?;
                        device.open_cases(sizes.cases_per_device, i, &template)?;
                        let rounds = device.session(server, &client)?;
                        if rounds.refused > 0 {
                            return Err(format!("{user}: initial push refused").into());
                        }
                        devices.push(device);
                    }
                    Ok(devices)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "setup thread panicked")?)
            .collect::<Res<Vec<_>>>()
    })?;
    println!(
        "setup: {} users created and devices enrolled (admin CLI), {} cases pushed, in {:.1} s",
        sizes.devices,
        sizes.devices * sizes.cases_per_device,
        t.elapsed().as_secs_f64()
    );
    if let Some(device) = parts.iter().flatten().next() {
        time_accept_push(device, template)?;
    }
    let mut results = Vec::new();
    for mode in [Mode::CatchUp, Mode::NothingNew, Mode::OneEdit] {
        let result = run_phase(&server, &mut parts, backend, mode, sizes, template)?;
        print_phase(&result);
        results.push(result);
    }
    Ok(results)
}

/// What the devices do in one phase of scenario 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One session per device, right after setup: each device's cursor is
    /// behind by every change the devices set up after it pushed, none of
    /// which it may see, so its pull reads past all of them.
    CatchUp,
    /// Sessions with nothing to push and nothing to pull, for a fixed time.
    NothingNew,
    /// Each session pushes one new note on one of the device's cases (and
    /// pulls past the notes other devices pushed since), for a fixed time.
    OneEdit,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::CatchUp => "catch-up (once per device)",
            Mode::NothingNew => "nothing new",
            Mode::OneEdit => "one edit",
        }
    }
}

fn run_phase(
    server: &BenchServer,
    parts: &mut [Vec<SimDevice>],
    backend: &'static str,
    mode: Mode,
    sizes: &Sizes,
    template: &Template,
) -> Res<PhaseResult> {
    let threads = parts.len();
    let (cpu0, client0, db0) = (
        server.cpu_seconds()?,
        self_cpu_seconds()?,
        server.database_cpu_seconds(),
    );
    let t0 = Instant::now();
    let deadline = t0 + sizes.phase;
    type Part = (Vec<Duration>, usize, Option<String>);
    let outcomes: Vec<Part> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter_mut()
            .map(|devices| {
                s.spawn(move || -> Res<Part> {
                    let client = http_client()?;
                    let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0, None);
                    let mut i = 0usize;
                    let count = devices.len();
                    let more = |i: usize| match mode {
                        Mode::CatchUp => i < count,
                        _ => Instant::now() < deadline && count > 0,
                    };
                    while more(i) {
                        let device = &mut devices[i % count];
                        i += 1;
                        if mode == Mode::OneEdit {
                            device.edit(template)?;
                        }
                        let t = Instant::now();
                        match device.session(server, &client) {
                            Ok(r) if r.refused == 0 => latencies.push(t.elapsed()),
                            Ok(_) => {
                                errors += 1;
                                first_error.get_or_insert_with(|| "a push was refused".into());
                            }
                            Err(e) => {
                                errors += 1;
                                first_error.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    Ok((latencies, errors, first_error))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "session thread panicked")?)
            .collect::<Res<Vec<_>>>()
    })?;
    let wall = t0.elapsed();
    let (cpu1, client1, db1) = (
        server.cpu_seconds()?,
        self_cpu_seconds()?,
        server.database_cpu_seconds(),
    );
    let mut latencies = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for (l, e, f) in outcomes {
        latencies.extend(l);
        errors += e;
        first_error = first_error.or(f);
    }
    latencies.sort();
    Ok(PhaseResult {
        backend,
        phase: mode.name(),
        devices: sizes.devices,
        threads,
        sessions: latencies.len(),
        wall,
        server_cpu: cpu1 - cpu0,
        database_cpu: db1.zip(db0).map(|(b, a)| b - a),
        client_cpu: client1 - client0,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        errors,
        first_error,
        peak_rss_kib: server.peak_rss_kib()?,
    })
}

impl PhaseResult {
    /// Server CPU, plus the PostgreSQL backends' when there are any.
    fn cpu(&self) -> f64 {
        self.server_cpu + self.database_cpu.unwrap_or(0.0)
    }

    fn cpu_text(&self) -> String {
        let wall = self.wall.as_secs_f64();
        match self.database_cpu {
            None => format!("{:.0}% of a core", 100.0 * self.server_cpu / wall),
            Some(db) => format!(
                "{:.0}% + PostgreSQL {:.0}% of a core",
                100.0 * self.server_cpu / wall,
                100.0 * db / wall
            ),
        }
    }
}

/// The document work of one "one edit" push, in this process: the server
/// loads the stored document, applies the change, reads the view before
/// and after, lists conflicts and saves the whole document again
/// (`authority::accept_push`, what its push transaction runs).
fn time_accept_push(device: &SimDevice, template: &Template) -> Res<()> {
    let writer = Writer {
        user_id: device.author.user_id.clone(),
        role: device.author.role,
        district: DISTRICT.into(),
        actor: device.actor.clone(),
        lost_unknowingly: false,
    };
    let mut times = Vec::new();
    for round in 0..40 {
        let case = &device.cases[round % device.cases.len()];
        let stored = case.doc.save();
        let mut doc = case.doc.clone();
        let before = doc.heads();
        let id = random_id();
        let text = Words::seeded(&id).sentence(10, 25);
        let ctx = OpContext {
            actor: &device.actor,
            author: &device.author,
            now: Utc::now(),
            templates: std::slice::from_ref(template),
        };
        doc.apply(&CaseOp::AddNote { id, text }, &ctx)?;
        let changes = doc.changes_since(&before);
        let t = Instant::now();
        accept_push(&case.id, Some(&stored), &changes, &writer)
            .map_err(|r| format!("accept_push refused: {r:?}"))?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "document work of one push (accept_push in this process, {}-change case): p50 {:.2} ms, p99 {:.2} ms",
        SCRIPT_CHANGES,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );
    Ok(())
}

fn print_phase(r: &PhaseResult) {
    let rate = r.sessions as f64 / r.wall.as_secs_f64();
    println!(
        "{}: {} sessions in {:.1} s = {rate:.0}/s; server CPU {:.1} s ({}) = {:.0} sessions per CPU-second; \
         client CPU {:.1} s; p50 {:.1} ms, p99 {:.1} ms; {} errors; server peak RSS {:.1} MiB",
        r.phase,
        r.sessions,
        r.wall.as_secs_f64(),
        r.cpu(),
        r.cpu_text(),
        r.sessions as f64 / r.cpu().max(1e-9),
        r.client_cpu,
        ms(r.p50),
        ms(r.p99),
        r.errors,
        r.peak_rss_kib as f64 / 1024.0
    );
    if let Some(e) = &r.first_error {
        println!("  first error: {e}");
    }
}

fn print_throughput(rows: &[PhaseResult]) {
    println!(
        "| backend | sessions | devices | client threads | sessions/s | server CPU | sessions per CPU-second | p50 | p99 | errors | server peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {:.0} | {:.1} ms | {:.1} ms | {} of {} | {:.0} MiB |",
            r.backend,
            r.phase,
            r.devices,
            r.threads,
            r.sessions as f64 / r.wall.as_secs_f64(),
            r.cpu_text(),
            r.sessions as f64 / r.cpu().max(1e-9),
            ms(r.p50),
            ms(r.p99),
            r.errors,
            r.sessions + r.errors,
            r.peak_rss_kib as f64 / 1024.0
        );
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

/// A device without a store: a key, an actor and its cases in memory.
struct SimDevice {
    device_id: String,
    key: Ed25519KeyPair,
    actor: ActorId,
    author: Author,
    cases: Vec<SimCase>,
    cursor: u64,
    edits: usize,
    /// The case whose changes the next session pushes.
    pending: Option<usize>,
}

struct SimCase {
    id: String,
    doc: CaseDoc,
    /// Heads the server acknowledged (empty: not pushed yet).
    acked: Heads,
}

/// What one session did.
struct Rounds {
    refused: usize,
}

impl SimDevice {
    fn enroll(
        server: &BenchServer,
        client: &reqwest::blocking::Client,
        user: &str,
    ) -> Res<SimDevice> {
        server.create_user(user, Role::SocialAssistant.key(), DISTRICT)?;
        let code = server.enroll_code(user)?;
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| "cannot generate a key")?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| "bad key")?;
        let actor = ActorId::random();
        let request = Enroll {
            version: PROTOCOL_VERSION,
            code,
            public_key: key.public_key().as_ref().to_vec(),
            actor: actor.to_bytes().to_vec(),
        };
        let answer = client
            .post(format!("{}/v1/enroll", server.url))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(protocol::encode(&request)?)
            .send()?;
        let status = answer.status().as_u16();
        let body = answer.bytes()?;
        if status != 200 {
            return Err(format!("enrolment of {user}: status {status}").into());
        }
        let enrolled: Enrolled = protocol::decode(&body)?;
        Ok(SimDevice {
            device_id: enrolled.device_id,
            key,
            actor,
            author: Author {
                user_id: user.into(),
                role: Role::SocialAssistant,
            },
            cases: Vec::new(),
            cursor: 0,
            edits: 0,
            pending: None,
        })
    }

    /// Opens `count` realistic cases, to push with the next session.
    fn open_cases(&mut self, count: usize, seed: usize, template: &Template) -> Res<()> {
        for k in 0..count {
            let built = build_case(seed * 31 + k, &self.author, &self.actor, template)?;
            self.cases.push(SimCase {
                id: built.id,
                doc: built.doc,
                acked: Heads::default(),
            });
        }
        Ok(())
    }

    /// One note on the next case in turn.
    fn edit(&mut self, template: &Template) -> Res<()> {
        if self.cases.is_empty() {
            return Ok(());
        }
        self.edits += 1;
        let at = self.edits % self.cases.len();
        let id = random_id();
        let text = Words::seeded(&id).sentence(10, 25);
        let op = CaseOp::AddNote { id, text };
        let ctx = OpContext {
            actor: &self.actor,
            author: &self.author,
            now: Utc::now(),
            templates: std::slice::from_ref(template),
        };
        self.cases[at].doc.apply(&op, &ctx)?;
        self.pending = Some(at);
        Ok(())
    }

    /// A whole session: push what changed, pull, page until done.
    fn session(&mut self, server: &BenchServer, client: &reqwest::blocking::Client) -> Res<Rounds> {
        let mut push = Vec::new();
        for case in &self.cases {
            let heads = case.doc.heads();
            if heads != case.acked {
                push.push(Push {
                    case_id: case.id.clone(),
                    heads: heads.to_bytes(),
                    changes: case.doc.changes_since(&case.acked),
                });
            }
        }
        let mut refused = 0;
        for _ in 0..1000 {
            let pushed: Vec<(String, Heads)> = push
                .iter()
                .map(|p| (p.case_id.clone(), Heads::from_bytes(&p.heads)))
                .collect();
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                cursor: self.cursor,
                push: std::mem::take(&mut push),
            };
            let body = protocol::encode(&request)?;
            let answer = self.signed_post(server, client, body)?;
            let response: SyncResponse = protocol::decode(&answer)?;
            for (case_id, heads) in pushed {
                if response.accepted.contains(&case_id) {
                    if let Some(case) = self.cases.iter_mut().find(|c| c.id == case_id) {
                        case.acked = heads;
                    }
                }
            }
            refused += response.refused.len();
            self.cursor = response.cursor;
            if !response.more {
                self.pending = None;
                return Ok(Rounds { refused });
            }
        }
        Err("the server kept paging".into())
    }

    fn signed_post(
        &self,
        server: &BenchServer,
        client: &reqwest::blocking::Client,
        body: Vec<u8>,
    ) -> Res<Vec<u8>> {
        let path = "/v1/sync";
        let time = Utc::now().timestamp_millis();
        let nonce = random_id();
        let signature = self
            .key
            .sign(&signing_input("POST", path, &body, time, &nonce));
        let answer = client
            .post(format!("{}{path}", server.url))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(headers::DEVICE, &self.device_id)
            .header(headers::TIME, time.to_string())
            .header(headers::NONCE, nonce)
            .header(headers::SIGNATURE, hex(signature.as_ref()))
            .body(body)
            .send()?;
        let status = answer.status().as_u16();
        let body = answer.bytes()?;
        if status != 200 {
            return Err(format!("sync: status {status}").into());
        }
        Ok(body.to_vec())
    }
}

fn http_client() -> Res<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?)
}

// --- devices with a real encrypted caseload ---------------------------------

struct RealDevice {
    caseload: Caseload,
    actor: ActorId,
    author: Author,
    _dir: tempfile::TempDir,
}

#[derive(Clone)]
struct BuiltCase {
    id: String,
    assessment_id: String,
}

impl RealDevice {
    fn enroll(server: &BenchServer, user: &str, role: Role) -> Res<RealDevice> {
        server.create_user(user, role.key(), DISTRICT)?;
        let dir = tempfile::tempdir()?;
        let identity = Identity::new(user, role, DISTRICT);
        let actor = actor_of(&identity)?;
        let mut caseload =
            Caseload::create(dir.path(), PIN, None, StoreConfig::default(), identity)?;
        caseload.enroll(&server.config(), &server.enroll_code(user)?)?;
        Ok(RealDevice {
            caseload,
            actor,
            author: Author {
                user_id: user.into(),
                role,
            },
            _dir: dir,
        })
    }

    /// Builds `count` cases with this device's actor and stores each in one
    /// store transaction.
    fn fill(&mut self, count: usize, template: &Template) -> Res<Vec<BuiltCase>> {
        let mut cases = Vec::with_capacity(count);
        for n in 0..count {
            let built = build_case(n, &self.author, &self.actor, template)?;
            self.caseload.apply_changes(&built.id, &built.doc.save())?;
            cases.push(BuiltCase {
                id: built.id,
                assessment_id: built.assessment_id,
            });
        }
        Ok(cases)
    }

    fn sync(&mut self, server: &BenchServer) -> Res<SyncReport> {
        Ok(self.caseload.sync(&server.config(), &mut |_| {})?)
    }
}

/// The device's Automerge actor. `Identity` keeps it private; its
/// serialised form (what the caseload stores) carries it as hex.
fn actor_of(identity: &Identity) -> Res<ActorId> {
    let value = serde_json::to_value(identity)?;
    let text = value["actor"].as_str().ok_or("identity without an actor")?;
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("x"), 16))
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(ActorId::from(bytes))
}

// --- the case script (as in core/benches/store.rs, with varied text) -------

/// Automerge changes in each built case, creation included.
const SCRIPT_CHANGES: usize = 35;

struct Built {
    id: String,
    assessment_id: String,
    doc: CaseDoc,
}

fn build_case(n: usize, author: &Author, actor: &ActorId, template: &Template) -> Res<Built> {
    let today = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .ok_or("date")?;
    let opened = today - TimeDelta::days((n % 365) as i64) - TimeDelta::hours((n % 8) as i64);
    let id = random_id();
    let mut words = Words::seeded(&id);
    let new = new_case(n, id, opened, &author.user_id, &mut words);
    let assessment_id = random_id();
    let ops = case_ops(
        n,
        &new,
        &assessment_id,
        template,
        opened,
        author,
        &mut words,
    );
    let templates = std::slice::from_ref(template);
    let ctx = |now| OpContext {
        actor,
        author,
        now,
        templates,
    };
    let mut doc = CaseDoc::create(&new, &ctx(opened))?;
    for (at, op) in &ops {
        doc.apply(op, &ctx(*at))?;
    }
    Ok(Built {
        id: new.id,
        assessment_id,
        doc,
    })
}

fn new_case(n: usize, id: String, opened: DateTime<Utc>, user: &str, words: &mut Words) -> NewCase {
    let locality = LOCALITIES[n % LOCALITIES.len()];
    let mut child = Child::new(random_id(), Sex::ALL[n % 2], locality);
    child.estimated_birth_year = Some(2010 + (n % 8) as i32);
    let notification = Notification {
        reporter_sector: ReportingSector::ALL[n % ReportingSector::ALL.len()],
        channel: Channel::InPerson,
        identified_at: opened,
        received_at: opened,
        registered_at: None,
        forms: vec![SesacForm::Solicitation, SesacForm::Sextortion],
        online_component: YesNoUnknown::Yes,
        last_incident: Some(opened.date_naive()),
        perpetrator_relationship: Relationship::OnlineOnlyContact,
        perpetrator_age: PerpetratorAge::Adult,
        crime_suspected: true,
        police_notified_at: Some(opened + TimeDelta::hours(1)),
        child_words: Some(words.sentence(8, 14)),
    };
    NewCase {
        id,
        case_number: format!("{DISTRICT}-2026-{}.{}", &user[..user.len().min(4)], n + 1),
        district: DISTRICT.into(),
        child,
        notification,
    }
}

/// The notification registered, the child's details (twice), 2 consents, a
/// draft assessment with 10 answers (4 corrected) and safety scales
/// (twice), 2 referrals with 3 events each, 3 notes and a home visit.
fn case_ops(
    n: usize,
    new: &NewCase,
    assessment_id: &str,
    template: &Template,
    opened: DateTime<Utc>,
    author: &Author,
    words: &mut Words,
) -> Vec<(DateTime<Utc>, CaseOp)> {
    let day = |d: i64| opened + TimeDelta::days(d);
    let (mut child, mut notification) = (new.child.clone(), new.notification.clone());
    notification.registered_at = Some(opened + TimeDelta::hours(2));
    let given: Vec<&str> = GIVEN.split_whitespace().collect();
    let family: Vec<&str> = FAMILY.split_whitespace().collect();
    child.given_name = Some(given[n % given.len()].into());
    child.family_name = Some(family[n / given.len() % family.len()].into());
    child.contact = Some("grandmother, +373 69 000 000".into());
    let start = CaseOp::StartAssessment {
        id: assessment_id.into(),
        template_id: template.id().into(),
        template_version: template.version(),
    };
    let mut ops = vec![
        (day(0), CaseOp::UpdateNotification(notification)),
        (day(1), CaseOp::UpdateChild(child.clone())),
        (day(1), consent(day(1), vec![], author, words)),
        (day(1), start),
    ];
    let answer = |item: &str, yes| CaseOp::AnswerItem {
        assessment_id: assessment_id.into(),
        item_id: item.into(),
        answer: yes,
    };
    ops.extend(ANSWERED.iter().map(|item| (day(1), answer(item, true))));
    ops.extend(ANSWERED[4..8].iter().map(|i| (day(2), answer(i, false))));
    for (d, scale) in [(1, 4), (5, 6)] {
        let op = CaseOp::SetSafety {
            assessment_id: assessment_id.into(),
            child_safety_scale: Some(scale),
            worker_safety_scale: Some(scale + 1),
            danger_statement: Some(words.sentence(8, 14)),
            safety_goal: Some(words.sentence(8, 14)),
        };
        ops.push((day(d), op));
    }
    let services = [ServiceType::Police, ServiceType::PsychoPedagogical];
    for service_type in services {
        let packet = ReferralPacket {
            age_band: "10-14".into(),
            sex: child.sex,
            language: "ro".into(),
            accessibility_needs: None,
            category: vec![SesacForm::Solicitation],
            risk_level: None,
            safety_instructions: Some(words.sentence(5, 9)),
            consent_obtained: true,
            contact_person: Some("grandmother".into()),
        };
        let id = random_id();
        let add = CaseOp::AddReferral {
            id: id.clone(),
            service_type,
            service_id: None,
            packet,
        };
        ops.push((day(2), add));
        use ReferralEventKind::{Accepted, Acknowledged, Sent};
        for (d, event) in (2..).zip([Sent, Acknowledged, Accepted]) {
            let referral_id = id.clone();
            ops.push((day(d), CaseOp::AddReferralEvent { referral_id, event }));
        }
    }
    ops.push((day(2), consent(day(2), services.to_vec(), author, words)));
    for d in NOTE_DAYS {
        let (id, text) = (random_id(), words.sentence(10, 25));
        ops.push((day(d), CaseOp::AddNote { id, text }));
    }
    let follow_up = FollowUp {
        id: random_id(),
        kind: FollowUpKind::HomeVisit,
        date: day(7).date_naive(),
        by: author.clone(),
        child_seen: true,
        summary: Some(words.sentence(8, 14)),
        next_due: Some(day(37).date_naive()),
    };
    ops.push((day(7), CaseOp::AddFollowUp(follow_up)));
    child.contact = Some("aunt, +373 79 000 000".into());
    ops.push((day(8), CaseOp::UpdateChild(child)));
    ops
}

fn consent(
    at: DateTime<Utc>,
    scope: Vec<ServiceType>,
    author: &Author,
    words: &mut Words,
) -> CaseOp {
    CaseOp::RecordConsent(ConsentRecord {
        id: random_id(),
        at,
        by: author.clone(),
        scope,
        basis: ConsentBasis::Given {
            giver: ConsentGiver::Parent,
        },
        child_view: Some(words.sentence(5, 9)),
    })
}

/// Free text that differs from case to case, as real notes do: sentences of
/// words drawn from [`VOCABULARY`]. The same sentence in every case would
/// flatter any compression across cases, ours and the JSON baseline alike.
struct Words {
    state: u64,
    vocabulary: Vec<&'static str>,
}

impl Words {
    fn seeded(case_id: &str) -> Words {
        let seed = case_id
            .get(..16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Words {
            state: seed,
            vocabulary: VOCABULARY.split_whitespace().collect(),
        }
    }

    /// SplitMix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A sentence of `min..=max` words.
    fn sentence(&mut self, min: usize, max: usize) -> String {
        let count = min + self.below(max - min + 1);
        let mut text = String::new();
        for i in 0..count {
            let at = self.below(self.vocabulary.len());
            let word = self.vocabulary[at];
            if i == 0 {
                let mut chars = word.chars();
                text.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                text.push_str(chars.as_str());
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push('.');
        text
    }
}

/// Every item id of the template.
fn all_items(template: &Template) -> Vec<String> {
    let ids = template.imminent().iter().map(|i| &i.id);
    let ids = ids.chain(template.floors().iter().map(|i| &i.id));
    let ids = ids.chain(template.risk_factors().iter().map(|i| &i.id));
    ids.chain(template.protective_factors().iter().map(|i| &i.id))
        .cloned()
        .collect()
}

// --- the server process -----------------------------------------------------

enum Db {
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres(String),
}

impl Db {
    fn sqlite() -> Res<Db> {
        let dir = tempfile::tempdir()?;
        Ok(Db::Sqlite {
            path: dir.path().join("server.sqlite3"),
            _dir: dir,
        })
    }

    /// Adds the database to a server command: a path flag, or the URL in
    /// the environment (a URL on the command line would show its password
    /// to every user of the machine).
    fn apply(&self, command: &mut Command) {
        match self {
            Db::Sqlite { path, .. } => {
                command.arg("--db").arg(path);
            }
            Db::Postgres(url) => {
                command.env("OCROTIRE_DATABASE_URL", url);
            }
        }
    }
}

/// The release `ocrotire-server` on a free port of 127.0.0.1; killed on drop.
struct BenchServer {
    url: String,
    binary: PathBuf,
    db: Db,
    child: Process,
}

impl BenchServer {
    fn start(binary: &Path, db: Db) -> Res<BenchServer> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = Command::new(binary);
        command.arg("serve");
        db.apply(&mut command);
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Some(status) = child.try_wait()? {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
                }
                return Err(
                    format!("ocrotire-server serve exited ({status}): {}", stderr.trim()).into(),
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("ocrotire-server did not start listening".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Logs (one info line per session, as in production) are drained
        // and dropped.
        if let Some(mut pipe) = child.stderr.take() {
            std::thread::spawn(move || std::io::copy(&mut pipe, &mut std::io::sink()));
        }
        Ok(BenchServer {
            url: format!("http://127.0.0.1:{port}"),
            binary: binary.to_path_buf(),
            db,
            child,
        })
    }

    fn config(&self) -> ServerConfig {
        let mut config = ServerConfig::new(self.url.clone());
        config.timeout = Duration::from_secs(300);
        config
    }

    fn admin(&self, args: &[&str]) -> Res<String> {
        let mut command = Command::new(&self.binary);
        command.arg("admin");
        self.db.apply(&mut command);
        let output = command.args(args).output()?;
        if !output.status.success() {
            return Err(format!(
                "admin {args:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    fn create_user(&self, user: &str, role: &str, district: &str) -> Res<()> {
        self.admin(&[
            "create-user",
            "--user-id",
            user,
            "--role",
            role,
            "--district",
            district,
        ])?;
        Ok(())
    }

    fn enroll_code(&self, user: &str) -> Res<String> {
        let printed = self.admin(&["enroll-code", "--user-id", user])?;
        Ok(printed
            .split_whitespace()
            .last()
            .ok_or("no enrolment code printed")?
            .to_string())
    }

    /// User + system CPU time the server process has used.
    fn cpu_seconds(&self) -> Res<f64> {
        cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// CPU time of the PostgreSQL backends serving this server's database,
    /// when PostgreSQL runs on this machine (found by their process titles,
    /// `postgres: ... <user> <database> <client> ...`); `None` on SQLite.
    /// Backends that ended are not counted; the server's pool keeps its
    /// connections open.
    fn database_cpu_seconds(&self) -> Option<f64> {
        let Db::Postgres(url) = &self.db else {
            return None;
        };
        let database = url
            .split('?')
            .next()
            .and_then(|u| u.rsplit('/').next())
            .unwrap_or_default();
        let mut total = 0.0;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(title) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let title = String::from_utf8_lossy(&title);
            if title.starts_with("postgres:") && title.split_whitespace().any(|w| w == database) {
                let stat = entry.path().join("stat");
                total += cpu_seconds_of(&stat.to_string_lossy()).unwrap_or(0.0);
            }
        }
        Some(total)
    }

    /// Peak resident memory of the server process (VmHWM).
    fn peak_rss_kib(&self) -> Res<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .ok_or("no VmHWM")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .ok_or("VmHWM value")?
            .parse()?)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn self_cpu_seconds() -> Res<f64> {
    cpu_seconds_of("/proc/self/stat")
}

/// utime + stime of `/proc/<pid>/stat`, in seconds.
fn cpu_seconds_of(stat: &str) -> Res<f64> {
    let text = std::fs::read_to_string(stat)?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = text.rsplit_once(')').ok_or("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).ok_or("utime")?.parse::<u64>()?
        + fields.get(12).ok_or("stime")?.parse::<u64>()?;
    Ok(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

// --- output -----------------------------------------------------------------

#[derive(Default)]
struct Table {
    rows: Vec<[String; 7]>,
}

impl Table {
    fn row(&mut self, name: &str, r: &SyncReport, time: Duration, goal: &str, result: String) {
        self.rows.push([
            name.into(),
            r.progress.round_trips.to_string(),
            r.progress.bytes_sent.to_string(),
            r.progress.bytes_received.to_string(),
            format!("{:.2} s", time.as_secs_f64()),
            goal.into(),
            result,
        ]);
    }

    fn print(&self) {
        println!("| scenario | round trips | bytes sent | bytes received | time | goal | result |");
        println!("|---|---|---|---|---|---|---|");
        for row in &self.rows {
            println!("| {} |", row.join(" | "));
        }
    }
}

fn verdict(met: bool, detail: String) -> String {
    format!("{}: {detail}", if met { "met" } else { "missed" })
}

fn print_report(what: &str, r: &SyncReport, time: Duration) {
    println!(
        "{what}: {} round trips, {} B sent, {} B received, {} cases sent, {} received, {:.3} s",
        r.progress.round_trips,
        r.progress.bytes_sent,
        r.progress.bytes_received,
        r.progress.cases_sent,
        r.progress.cases_received,
        time.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_machine(options: &Options) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "sync-bench{}: {cores} cores ({model}); load average at start {}",
        if options.quick { " --quick" } else { "" },
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
