//! The soak of issue 7: scenario 4's devices hold sessions at a fixed rate
//! for minutes on end against one server, and every minute is reported on
//! its own (sessions, latency percentiles, errors, the server's resident
//! memory sampled every 10 s, its CPU), so that slow drift shows: growing
//! latency, errors that only come under time, memory that does not stay
//! flat.
//!
//! The mix: every device takes its turn about every `devices / rate`
//! seconds (10 s for 1,000 devices at 100 sessions/s). A social assistant's
//! session pushes one new note on one of its cases with probability
//! [`EDIT_SHARE`] and otherwise has nothing new (it still pulls: the
//! server looks past every note the other devices pushed since its last
//! session, none of which it may see); one device in [`OFFICER_EVERY`] is a
//! district officer's, which edits nothing and pulls every note the
//! assistants pushed since its last session. Sessions start on a schedule
//! (not as fast as the server answers), so latency is measured under a
//! steady load rather than at saturation; a thread that falls more than a
//! second behind its schedule drops the backlog and counts it as late.
//!
//! Every loop is bounded: the session threads stop starting sessions at the
//! deadline (and after twice the scheduled count), each request times out
//! after 60 s, and the sampling loop ends with the threads or at most
//! 2 minutes after the deadline.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ocrotire_core::model::Role;
use ocrotire_core::reference::Template;

use crate::options::{Options, Sizes};
use crate::report::ms;
use crate::server::{BenchServer, Db};
use crate::sim_device::{http_client, SimDevice};
use crate::throughput::{catch_up, enroll_devices, percentile};
use crate::Res;

/// Share of an assistant's sessions that push an edit.
const EDIT_SHARE: f64 = 0.10;
/// One device in this many is a district officer's (full run).
const OFFICER_EVERY: usize = 50;
/// Time between two samples of the server's memory and CPU.
const SAMPLE: Duration = Duration::from_secs(10);
const PER_MINUTE: usize = 6;

pub struct SoakSettings {
    pub minutes: u64,
    /// Sessions started per second, all threads together.
    pub rate: f64,
    pub officer_every: usize,
}

impl SoakSettings {
    pub fn new(options: &Options) -> SoakSettings {
        SoakSettings {
            minutes: options
                .soak_minutes
                .unwrap_or(if options.quick { 2 } else { 10 })
                .max(1),
            rate: options
                .soak_rate
                .unwrap_or(if options.quick { 20.0 } else { 100.0 })
                .max(0.1),
            officer_every: if options.quick { 10 } else { OFFICER_EVERY },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An assistant's session with nothing to push.
    Quiet,
    /// An assistant's session pushing one new note.
    Edit,
    /// A district officer's session, pulling the district's new notes.
    Officer,
}

struct Record {
    /// Since the start of the soak.
    start: Duration,
    latency: Duration,
    kind: Kind,
    error: Option<String>,
}

struct Sample {
    rss_kib: u64,
    server_cpu: f64,
    database_cpu: Option<f64>,
    load: String,
}

/// What the summary table keeps of one backend's soak.
pub struct SoakResult {
    backend: &'static str,
    minutes: u64,
    rate: f64,
    sessions: usize,
    edits: usize,
    officer: usize,
    errors: usize,
    late: usize,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    rss_start_mib: f64,
    rss_first_mib: f64,
    rss_last_mib: f64,
    peak_rss_mib: f64,
    server_cpu: f64,
    database_cpu: Option<f64>,
}

pub fn soak(
    binary: &Path,
    backend: &'static str,
    db: Db,
    sizes: &Sizes,
    options: &Options,
    template: &Template,
) -> Res<SoakResult> {
    let settings = SoakSettings::new(options);
    let threads = options.threads;
    println!(
        "\n== soak on {backend}: {} devices ({} cases each; one in {} a district officer's), \
         {threads} client threads, {} sessions/s for {} min, {:.0}% of assistants' sessions push a note",
        sizes.devices,
        sizes.cases_per_device,
        settings.officer_every,
        settings.rate,
        settings.minutes,
        100.0 * EDIT_SHARE
    );
    let server = BenchServer::start(binary, db)?;
    println!(
        "server RSS after start: {:.1} MiB",
        server.rss_kib()? as f64 / 1024.0
    );
    let mut parts = enroll_devices(&server, sizes, threads, settings.officer_every)?;
    // Warm-up: each device's cursor catches up with the others' setup.
    catch_up(&server, &mut parts, backend, sizes, template)?;
    println!(
        "warm-up done; server RSS {:.1} MiB; load average {}",
        server.rss_kib()? as f64 / 1024.0,
        load_average()
    );

    let total = Duration::from_secs(60 * settings.minutes);
    let t0 = Instant::now();
    let deadline = t0 + total;
    let samples_wanted = PER_MINUTE * settings.minutes as usize + 1;
    let (tx, rx) = mpsc::channel::<Record>();
    let mut records: Vec<Record> = Vec::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut late = 0;
    print_minute_header(&server);
    std::thread::scope(|s| -> Res<()> {
        let handles: Vec<_> = parts
            .iter_mut()
            .enumerate()
            .map(|(part, devices)| {
                let (tx, settings, server) = (tx.clone(), &settings, &server);
                s.spawn(move || {
                    sessions(
                        server, devices, part, threads, settings, t0, deadline, template, tx,
                    )
                })
            })
            .collect();
        drop(tx);
        let mut open = true;
        let mut printed = 0usize;
        let give_up = deadline + Duration::from_secs(120);
        while (open || samples.len() < samples_wanted) && Instant::now() < give_up {
            let now = Instant::now();
            if samples.len() < samples_wanted {
                let due = t0 + SAMPLE * samples.len() as u32;
                if now >= due {
                    samples.push(Sample {
                        rss_kib: server.rss_kib()?,
                        server_cpu: server.cpu_seconds()?,
                        database_cpu: server.database_cpu_seconds(),
                        load: load_average(),
                    });
                    continue;
                }
            }
            let due = t0 + SAMPLE * samples.len() as u32;
            let wait = due
                .saturating_duration_since(now)
                .min(Duration::from_millis(500));
            if open {
                match rx.recv_timeout(wait) {
                    Ok(record) => records.push(record),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => open = false,
                }
            } else {
                std::thread::sleep(wait.max(Duration::from_millis(10)));
            }
            // A minute is printed once its last sample is in and its
            // sessions have had 5 s to finish (or every thread is done).
            while printed < settings.minutes as usize
                && samples.len() > PER_MINUTE * (printed + 1)
                && (!open
                    || Instant::now() >= t0 + Duration::from_secs(60 * (printed as u64 + 1) + 5))
            {
                print_minute(printed, &records, &samples);
                printed += 1;
            }
        }
        for minute in printed..settings.minutes as usize {
            if samples.len() > PER_MINUTE * (minute + 1) {
                print_minute(minute, &records, &samples);
            }
        }
        for handle in handles {
            late += handle.join().map_err(|_| "session thread panicked")??;
        }
        Ok(())
    })?;

    let mut latencies: Vec<Duration> = records
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.latency)
        .collect();
    latencies.sort();
    let errors: Vec<&Record> = records.iter().filter(|r| r.error.is_some()).collect();
    let count = |kind: Kind| records.iter().filter(|r| r.kind == kind).count();
    println!(
        "\nsoak on {backend}: {} sessions in {} min ({:.1}/s), {} errors, {late} starts more than 1 s late",
        records.len(),
        settings.minutes,
        records.len() as f64 / total.as_secs_f64(),
        errors.len()
    );
    if let Some(first) = errors.first() {
        println!(
            "  first error at {:.1} s: {}",
            first.start.as_secs_f64(),
            first.error.as_deref().unwrap_or_default()
        );
    }
    for kind in [Kind::Quiet, Kind::Edit, Kind::Officer] {
        let mut of_kind: Vec<Duration> = records
            .iter()
            .filter(|r| r.kind == kind && r.error.is_none())
            .map(|r| r.latency)
            .collect();
        of_kind.sort();
        println!(
            "  {:<28} {:>7} sessions: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            kind_name(kind),
            of_kind.len(),
            ms(percentile(&of_kind, 0.5)),
            ms(percentile(&of_kind, 0.9)),
            ms(percentile(&of_kind, 0.99)),
            ms(of_kind.last().copied().unwrap_or_default()),
        );
    }
    let rss = |from: usize, to: usize| -> f64 {
        // Mean of the samples taken within minutes [from, to).
        let window: Vec<u64> = samples
            .iter()
            .enumerate()
            .filter(|(k, _)| *k > PER_MINUTE * from && *k <= PER_MINUTE * to)
            .map(|(_, s)| s.rss_kib)
            .collect();
        window.iter().sum::<u64>() as f64 / window.len().max(1) as f64 / 1024.0
    };
    let m = settings.minutes as usize;
    // The first minute of the soak still counts as warm-up when there are
    // enough minutes after it.
    let (first_from, span) = if m >= 5 { (1, 2) } else { (0, 1) };
    let (rss_first, rss_last) = (
        rss(first_from, first_from + span),
        rss(m.saturating_sub(span), m),
    );
    let rss_start = samples.first().map_or(0, |s| s.rss_kib) as f64 / 1024.0;
    let peak = server.peak_rss_kib()? as f64 / 1024.0;
    println!(
        "  server RSS: {rss_start:.1} MiB at the start; mean {rss_first:.1} MiB over minutes {}–{}, \
         {rss_last:.1} MiB over minutes {}–{} ({:+.1} MiB, {:+.1}%); peak (VmHWM) {peak:.1} MiB",
        first_from + 1,
        first_from + span,
        m - span + 1,
        m,
        rss_last - rss_first,
        100.0 * (rss_last - rss_first) / rss_first.max(1e-9)
    );
    let (first, last) = (samples.first(), samples.last());
    let server_cpu = first
        .zip(last)
        .map_or(0.0, |(a, b)| b.server_cpu - a.server_cpu);
    let database_cpu = first
        .zip(last)
        .and_then(|(a, b)| b.database_cpu.zip(a.database_cpu))
        .map(|(b, a)| b - a);
    Ok(SoakResult {
        backend,
        minutes: settings.minutes,
        rate: settings.rate,
        sessions: records.len(),
        edits: count(Kind::Edit),
        officer: count(Kind::Officer),
        errors: errors.len(),
        late,
        p50: percentile(&latencies, 0.5),
        p90: percentile(&latencies, 0.9),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        rss_start_mib: rss_start,
        rss_first_mib: rss_first,
        rss_last_mib: rss_last,
        peak_rss_mib: peak,
        server_cpu,
        database_cpu,
    })
}

/// One client thread: sessions of its devices in turn, on schedule, until
/// the deadline. Returns how many times it fell behind by over a second.
#[allow(clippy::too_many_arguments)]
fn sessions(
    server: &BenchServer,
    devices: &mut [SimDevice],
    part: usize,
    threads: usize,
    settings: &SoakSettings,
    t0: Instant,
    deadline: Instant,
    template: &Template,
    tx: mpsc::Sender<Record>,
) -> Res<usize> {
    let count = devices.len();
    if count == 0 {
        return Ok(0);
    }
    let client = http_client()?;
    let interval = Duration::from_secs_f64(threads as f64 / settings.rate);
    let mut next = t0 + interval.mul_f64(part as f64 / threads as f64);
    let scheduled = (deadline - t0).as_secs_f64() / interval.as_secs_f64();
    let mut random = SplitMix(0x5eed_0000 + part as u64);
    let mut late = 0;
    for i in 0..(2.0 * scheduled) as usize + 2 {
        if next >= deadline {
            break;
        }
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_secs(1) {
            late += 1;
            next = now;
        }
        let device = &mut devices[i % count];
        let kind = if device.author.role == Role::DistrictOfficer {
            Kind::Officer
        } else if random.unit() < EDIT_SHARE {
            Kind::Edit
        } else {
            Kind::Quiet
        };
        if kind == Kind::Edit {
            device.edit(template)?;
        }
        let start = Instant::now();
        let outcome = device.session(server, &client);
        let latency = start.elapsed();
        let error = match outcome {
            Ok(r) if r.refused == 0 => None,
            Ok(r) => Some(format!("{} pushes refused", r.refused)),
            Err(e) => Some(e.to_string()),
        };
        let record = Record {
            start: start - t0,
            latency,
            kind,
            error,
        };
        if tx.send(record).is_err() {
            break;
        }
        next += interval;
    }
    Ok(late)
}

fn print_minute_header(server: &BenchServer) {
    let database = if server.database_cpu_seconds().is_some() {
        " PostgreSQL CPU |"
    } else {
        ""
    };
    println!(
        "| minute | sessions | of which edits | officers' | p50 | p90 | p99 | max | errors | server RSS (6 samples) | server CPU |{database} load average |"
    );
    println!(
        "|---|---|---|---|---|---|---|---|---|---|---|{}---|",
        if database.is_empty() { "" } else { "---|" }
    );
}

fn print_minute(minute: usize, records: &[Record], samples: &[Sample]) {
    let (from, to) = (
        Duration::from_secs(60 * minute as u64),
        Duration::from_secs(60 * (minute as u64 + 1)),
    );
    let in_minute: Vec<&Record> = records
        .iter()
        .filter(|r| r.start >= from && r.start < to)
        .collect();
    let mut latencies: Vec<Duration> = in_minute
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.latency)
        .collect();
    latencies.sort();
    let errors = in_minute.iter().filter(|r| r.error.is_some()).count();
    let count = |kind: Kind| in_minute.iter().filter(|r| r.kind == kind).count();
    let window = &samples[PER_MINUTE * minute..=PER_MINUTE * (minute + 1)];
    let rss: Vec<u64> = window[1..].iter().map(|s| s.rss_kib).collect();
    let (low, high) = (
        rss.iter().min().copied().unwrap_or(0),
        rss.iter().max().copied().unwrap_or(0),
    );
    let (a, b) = (&window[0], &window[window.len() - 1]);
    let database = match b.database_cpu.zip(a.database_cpu) {
        Some((b, a)) => format!(" {:.0}% |", 100.0 * (b - a) / 60.0),
        None => String::new(),
    };
    println!(
        "| {} | {} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {errors} | {:.1}–{:.1} MiB | {:.0}% |{database} {} |",
        minute + 1,
        in_minute.len(),
        count(Kind::Edit),
        count(Kind::Officer),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        low as f64 / 1024.0,
        high as f64 / 1024.0,
        100.0 * (b.server_cpu - a.server_cpu) / 60.0,
        b.load
    );
}

pub fn print_soak(rows: &[SoakResult]) {
    println!(
        "| backend | minutes | rate | sessions (edits, officers') | p50 | p90 | p99 | max | errors | late starts | server RSS: start, first minutes, last minutes, peak | server CPU | PostgreSQL CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let wall = 60.0 * r.minutes as f64;
        println!(
            "| {} | {} | {:.0}/s | {} ({}, {}) | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {:.1}, {:.1}, {:.1}, {:.1} MiB | {:.0}% | {} |",
            r.backend,
            r.minutes,
            r.rate,
            r.sessions,
            r.edits,
            r.officer,
            ms(r.p50),
            ms(r.p90),
            ms(r.p99),
            ms(r.max),
            r.errors,
            r.late,
            r.rss_start_mib,
            r.rss_first_mib,
            r.rss_last_mib,
            r.peak_rss_mib,
            100.0 * r.server_cpu / wall,
            r.database_cpu
                .map_or("—".into(), |c| format!("{:.0}%", 100.0 * c / wall)),
        );
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Quiet => "nothing new (assistant)",
        Kind::Edit => "one note pushed (assistant)",
        Kind::Officer => "district officer's pull",
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A small deterministic generator (SplitMix64): which sessions edit.
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
