//! Scenario 4 measures the server, not a device: many lightweight devices
//! ([`SimDevice`]) hold sessions from a few threads, and the phases are
//! timed against the server's CPU (and PostgreSQL's) rather than the
//! client's, so a slow client machine does not pass for a slow server.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use ocrotire_core::document::{CaseOp, OpContext};
use ocrotire_core::ids::random_id;
use ocrotire_core::model::Role;
use ocrotire_core::reference::Template;
use ocrotire_core::sync::authority::{accept_push, Writer};

use crate::cases::{Words, DISTRICT, SCRIPT_CHANGES};
use crate::options::{Options, Sizes};
use crate::report::ms;
use crate::server::{self_cpu_seconds, BenchServer, Db};
use crate::sim_device::{http_client, SimDevice};
use crate::Res;

pub struct PhaseResult {
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

pub fn incremental_sessions(
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
    let mut parts = enroll_devices(&server, sizes, threads, 0)?;
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

/// Creates `sizes.devices` users and enrols a [`SimDevice`] for each, in
/// `threads` parts (one per client thread), each device pushing its
/// `sizes.cases_per_device` new cases in a first session. Every
/// `officer_every`-th device (none if 0) is a district officer's instead,
/// who opens no case and whose first session pulls the district's cases
/// pushed so far.
pub fn enroll_devices(
    server: &BenchServer,
    sizes: &Sizes,
    threads: usize,
    officer_every: usize,
) -> Res<Vec<Vec<SimDevice>>> {
    // User ids unique per run: a PostgreSQL database outlives the run.
    let run = &random_id()[..8];
    let t = Instant::now();
    let parts: Vec<Vec<SimDevice>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|part| {
                s.spawn(move || -> Res<Vec<SimDevice>> {
                    let client = http_client()?;
                    let template = Template::v1()?;
                    let mut devices = Vec::new();
                    for i in (part..sizes.devices).step_by(threads) {
                        let officer = officer_every > 0 && i % officer_every == officer_every - 1;
                        let (user, role) = if officer {
                            (format!("simdo-{run}-{i}"), Role::DistrictOfficer)
                        } else {
                            (format!("sim-{run}-{i}"), Role::SocialAssistant)
                        };
                        let mut device = SimDevice::enroll_as(server, &client, &user, role)?;
                        if !officer {
                            device.open_cases(sizes.cases_per_device, i, &template)?;
                        }
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
    let officers = parts
        .iter()
        .flatten()
        .filter(|d| d.author.role == Role::DistrictOfficer)
        .count();
    let assistants = sizes.devices - officers;
    println!(
        "setup: {} users created and devices enrolled (admin CLI; {officers} district officers), {} cases pushed, in {:.1} s",
        sizes.devices,
        assistants * sizes.cases_per_device,
        t.elapsed().as_secs_f64()
    );
    Ok(parts)
}

/// One session per device, right after [`enroll_devices`] (the soak's
/// warm-up), printed like scenario 4's phase.
pub fn catch_up(
    server: &BenchServer,
    parts: &mut [Vec<SimDevice>],
    backend: &'static str,
    sizes: &Sizes,
    template: &Template,
) -> Res<()> {
    let result = run_phase(server, parts, backend, Mode::CatchUp, sizes, template)?;
    print_phase(&result);
    Ok(())
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

pub fn print_throughput(rows: &[PhaseResult]) {
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

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}
