//! Issue 2's numbers: recording an answer, unlocking and listing a large
//! caseload, what encryption costs, and how big the store gets.
//!
//! Run: `cargo bench -p ocrotire-core` (release build). It prints numbers
//! and asserts nothing about them; `docs/PERFORMANCE.md` records a run.
//! `OCROTIRE_BENCH_CASES` and `OCROTIRE_BENCH_ITERATIONS` shrink a run
//! while working on this file (defaults 10,000 and 2,000).
//!
//! Data set: every case is built in memory through [`CaseDoc`] with the
//! same ~35 operations a social assistant records over a few weeks (the
//! script of `ocrotire_core::bench_fixtures`, which the sync benchmark
//! builds its cases with too, there with varied free text), then written
//! to the stores through `Caseload::apply_changes` (the sync path, one
//! store transaction per case). The encrypted store and the null-cipher
//! store get identical documents, and their measurements alternate in
//! rounds so that disk noise hits both alike.
//!
//! "Record answer" rotates over a few hundred cases, so every answer loads
//! its case (the cold path); a second measurement answers in sessions of
//! [`SESSION`] on one case, where the caseload keeps the case open.

use std::error::Error;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::ActorId;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ocrotire_core::bench_fixtures::{all_items, FreeText, Script, CHANGES, DISTRICT};
use ocrotire_core::caseload::{CaseFilter, CaseSummary, Caseload, Identity};
use ocrotire_core::crypto::record::RECORD_OVERHEAD;
use ocrotire_core::crypto::{DataKey, RecordAad, RecordKeys, RecordKind};
use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::document::{CaseDoc, CaseOp, OpContext};
use ocrotire_core::model::*;
use ocrotire_core::reference::{AdminUnits, Template};
use ocrotire_core::store::{Store, StoreConfig};

type Res<T> = Result<T, Box<dyn Error>>;

const PIN: &str = "482916";
/// Matches one family name in 20, typed without diacritics.
const SEARCH: &str = "turcanu";
const WARM_UP: usize = 200;
/// Answers in a row on one case, for the "case still open" measurement.
const SESSION: usize = 10;
/// Measurements alternate between the two stores this many times.
const ROUNDS: usize = 20;
const LIST_RUNS: usize = 60;
const UNLOCK_RUNS: usize = 10;

fn main() -> Res<()> {
    let cases = env_usize("OCROTIRE_BENCH_CASES", 10_000);
    let iterations = env_usize("OCROTIRE_BENCH_ITERATIONS", 2_000);
    print_machine();
    let template = Template::v1()?;
    let today = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();

    let t = Instant::now();
    let docs: Vec<BuiltCase> = (0..cases)
        .map(|n| build_case(n, &template, today))
        .collect::<Res<_>>()?;
    println!("built {cases} case documents in memory in {:.1} s", secs(t));
    let (enc_dir, null_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let config = StoreConfig::default();
    let mut enc = Caseload::create(enc_dir.path(), PIN, None, config, identity())?;
    fill("encrypted", &mut enc, &docs)?;
    let mut null =
        Caseload::create_with_null_cipher_for_benchmarks_only(null_dir.path(), config, identity())?;
    fill("null-cipher", &mut null, &docs)?;
    drop(enc);

    // 2. Unlock + list, against the key derivation alone.
    let unlock_ratio = unlock_vs_pbkdf2(enc_dir.path(), config.kdf_iterations, cases, today)?;

    // 1 and 3. Record an answer, list and search, encrypted vs null cipher.
    // Each target case gets ~11 more changes over warm-up and measurement,
    // so documents stay near their realistic size.
    let targets: Vec<&BuiltCase> = docs
        .iter()
        .take((iterations + WARM_UP).div_ceil(11))
        .collect();
    let items = all_items(&template);
    let recorder = Recorder {
        targets: &targets,
        items: &items,
        now: today + TimeDelta::days(1),
    };
    let mut enc = Caseload::open(enc_dir.path(), PIN, None)?;
    let [e, n] = compare([&mut enc, &mut null], &recorder, iterations, today)?;
    // The same answers in sessions on one case, other cases than above.
    let session_targets: Vec<&BuiltCase> = docs.iter().rev().take(iterations / SESSION).collect();
    let in_sessions = Recorder {
        targets: &session_targets,
        ..recorder
    };
    let [first, next] = in_sessions.sessions(&mut enc)?;
    println!("record answer in sessions of {SESSION} answers on one case (encrypted store):");
    first.print("first answer (loads the case)");
    next.print("next answers (case still open)");
    let summaries = enc.list(&CaseFilter::default(), today)?.cases;
    drop(enc);
    drop(null);

    // Where the time of one answer goes (encrypted store, same targets).
    breakdown(
        enc_dir.path(),
        &recorder,
        WARM_UP + iterations,
        iterations / 2,
    )?;
    fsync_probe(enc_dir.path(), 500)?.print("4 KiB write + fdatasync (disk floor)");
    let summary_bytes: Vec<Vec<u8>> = summaries
        .iter()
        .map(serde_json::to_vec)
        .collect::<Result<_, _>>()?;
    let [answer_cost, list_cost] = cipher_cost(&summary_bytes, &docs[0].doc)?;

    // 4. Size on disk, after the last connection closed (WAL checkpointed).
    println!("size on disk:");
    let mut per_case = Vec::new();
    for (name, dir) in [
        ("encrypted", enc_dir.path()),
        ("null-cipher", null_dir.path()),
    ] {
        let bytes = dir_bytes(dir)?;
        per_case.push(bytes as f64 / cases as f64);
        println!(
            "  {name:<12} {:.1} MiB, {:.0} bytes per case",
            bytes as f64 / 1048576.0,
            bytes as f64 / cases as f64
        );
    }
    let doc_name = format!("case document (Automerge, {CHANGES} changes)");
    print_sizes(&doc_name, docs.iter().map(|c| c.doc.len()));
    print_sizes("case summary (JSON)", summary_bytes.iter().map(Vec::len));
    println!("  each stored record adds {RECORD_OVERHEAD} bytes (version, nonce, tag)");

    println!("goals:");
    println!(
        "  record answer p99 {}, in a session {} (goal <= 2 ms)",
        fmt(e.record.p(0.99)),
        fmt(next.p(0.99))
    );
    println!("  unlock + list {cases} cases = {unlock_ratio:.2}x PBKDF2 (goal <= 2x)");
    println!(
        "  encryption overhead measured: record p50 {:.3}x, list p50 {:.3}x (goal <= 1.03)",
        ratio(e.record.p(0.5), n.record.p(0.5)),
        ratio(e.list.p(0.5), n.list.p(0.5))
    );
    let (record_null, list_null) = (n.record.p(0.5), n.list.p(0.5));
    println!(
        "  encryption overhead from cipher time: record {:.4}x, list {:.3}x",
        ratio(record_null + answer_cost, record_null),
        ratio(list_null + list_cost, list_null)
    );
    println!("  store on disk {:.0} bytes per case", per_case[0]);
    Ok(())
}

/// Writes every built case to a store, one store transaction each.
fn fill(name: &str, caseload: &mut Caseload, docs: &[BuiltCase]) -> Res<()> {
    let t = Instant::now();
    for case in docs {
        caseload.apply_changes(&case.id, &case.doc)?;
    }
    let s = secs(t);
    println!(
        "wrote {} cases to the {name} store in {s:.1} s ({:.2} ms per case)",
        docs.len(),
        s * 1e3 / docs.len() as f64
    );
    Ok(())
}

/// Opens, unlocks and lists the closed store, alternating with the PBKDF2
/// of an unlock alone; returns the ratio of the medians.
fn unlock_vs_pbkdf2(dir: &Path, kdf_iterations: u32, cases: usize, now: DateTime<Utc>) -> Res<f64> {
    let (mut pbkdf2, mut unlock_list) = (Samples::default(), Samples::default());
    for _ in 0..UNLOCK_RUNS {
        pbkdf2.push(timed(|| -> Res<()> {
            derive_like_unlock(kdf_iterations);
            Ok(())
        })?);
        unlock_list.push(timed(|| -> Res<()> {
            let caseload = Caseload::open(dir, PIN, None)?;
            let listing = caseload.list(&CaseFilter::default(), now)?;
            assert_eq!(listing.cases.len(), cases, "the list must show every case");
            Ok(())
        })?);
    }
    pbkdf2.print("PBKDF2 alone (600,000 iterations)");
    unlock_list.print(&format!("open + unlock + list {cases} cases"));
    let unlock_ratio = ratio(unlock_list.p(0.5), pbkdf2.p(0.5));
    println!("  unlock + list / PBKDF2 = {unlock_ratio:.2}x (goal <= 2x)");
    Ok(unlock_ratio)
}

/// Records answers, lists and searches on both stores (encrypted first),
/// alternating between them in [`ROUNDS`] rounds, and prints both and
/// their ratios.
fn compare(
    mut caseloads: [&mut Caseload; 2],
    recorder: &Recorder<'_>,
    iterations: usize,
    now: DateTime<Utc>,
) -> Res<[Measured; 2]> {
    let search = CaseFilter {
        text: Some(SEARCH.into()),
        ..CaseFilter::default()
    };
    let all = CaseFilter::default();
    let cases = caseloads[0].list(&all, now)?.cases.len();
    let hits = caseloads[0].list(&search, now)?.cases.len();
    let mut stores = ["encrypted", "null-cipher"].map(|name| Measured {
        name,
        ..Measured::default()
    });
    for caseload in &mut caseloads {
        recorder.run(caseload, 0, WARM_UP)?;
    }
    for round in 0..ROUNDS {
        let from = WARM_UP + round * iterations / ROUNDS;
        let to = WARM_UP + (round + 1) * iterations / ROUNDS;
        // Who goes first alternates too: going second is measurably faster.
        let order = if round.is_multiple_of(2) {
            [0, 1]
        } else {
            [1, 0]
        };
        for i in order {
            let (m, caseload) = (&mut stores[i], &mut *caseloads[i]);
            for _ in 0..LIST_RUNS.div_ceil(ROUNDS) {
                m.list.push(timed(|| caseload.list(&all, now))?);
                m.search.push(timed(|| caseload.list(&search, now))?);
            }
            m.record.extend(recorder.run(caseload, from, to)?);
        }
    }
    for m in &stores {
        println!("{} store:", m.name);
        m.record.print("record answer (apply_at)");
        m.list.print(&format!("list {cases} cases"));
        m.search.print(&format!("search {SEARCH:?} ({hits} hits)"));
    }
    let [e, n] = &stores;
    println!("encryption overhead (encrypted / null-cipher, goal <= 1.03):");
    for (what, a, b) in [
        ("record answer p50", &e.record, &n.record),
        ("list p50", &e.list, &n.list),
        ("search p50", &e.search, &n.search),
    ] {
        println!("  {what:<20} {:.3}x", ratio(a.p(0.5), b.p(0.5)));
    }
    println!(
        "  {:<20} {:.3}x",
        "record answer p99",
        ratio(e.record.p(0.99), n.record.p(0.99))
    );
    Ok(stores)
}

/// A case built in memory, its saved bytes, and its draft assessment.
struct BuiltCase {
    id: String,
    assessment_id: String,
    doc: Vec<u8>,
}

/// Case `n` of the shared script, with the same free text in every case,
/// written by [`author`] on another device than the measured caseload's
/// (a new actor per case).
fn build_case(n: usize, template: &Template, today: DateTime<Utc>) -> Res<BuiltCase> {
    let script = Script {
        template,
        today,
        case_number_tag: "b3f1",
        free_text: FreeText::Fixed,
    };
    let built = script.build_case(n, &author(), &ActorId::random())?;
    Ok(BuiltCase {
        id: built.id,
        assessment_id: built.assessment_id,
        doc: built.doc.save(),
    })
}

fn identity() -> Identity {
    Identity::new("sa-ungheni-07", Role::SocialAssistant, DISTRICT)
}

/// The social assistant who wrote the cases (on another device).
fn author() -> Author {
    Author {
        user_id: "sa-ungheni-03".into(),
        role: Role::SocialAssistant,
    }
}

/// Answer number `i` goes to target `i % n`, so each case gets one more
/// change every `n` answers; the item and the answer rotate.
#[derive(Clone, Copy)]
struct Recorder<'a> {
    targets: &'a [&'a BuiltCase],
    items: &'a [String],
    now: DateTime<Utc>,
}

impl Recorder<'_> {
    fn op(&self, i: usize) -> (&str, CaseOp) {
        let case = self.targets[i % self.targets.len()];
        (&case.id, self.answer(case, i / self.targets.len()))
    }

    fn answer(&self, case: &BuiltCase, round: usize) -> CaseOp {
        CaseOp::AnswerItem {
            assessment_id: case.assessment_id.clone(),
            item_id: self.items[round % self.items.len()].clone(),
            answer: round.is_multiple_of(2),
        }
    }

    /// [`SESSION`] answers in a row on each target, as when a worker fills
    /// in an assessment: the first loads the case, the next ones find it
    /// still open in the caseload. Returns the first answers and the others.
    fn sessions(&self, caseload: &mut Caseload) -> Res<[Samples; 2]> {
        let mut out = [Samples::default(), Samples::default()];
        for case in self.targets {
            for round in 0..SESSION {
                let op = self.answer(case, round);
                let took = timed(|| caseload.apply_at(&case.id, &op, self.now))?;
                out[usize::from(round > 0)].push(took);
            }
        }
        Ok(out)
    }

    /// Answers `from..to` through the device API, timing each call.
    fn run(&self, caseload: &mut Caseload, from: usize, to: usize) -> Res<Vec<Duration>> {
        (from..to)
            .map(|i| {
                let (id, op) = self.op(i);
                timed(|| caseload.apply_at(id, &op, self.now))
            })
            .collect()
    }
}

/// The steps of `Caseload::apply_at`, done by hand on the raw store so
/// each can be timed.
fn breakdown(dir: &Path, recorder: &Recorder<'_>, first: usize, count: usize) -> Res<()> {
    const PARTS: [&str; 8] = [
        "read + decrypt (get_doc)",
        "Automerge load",
        "apply op",
        "view (CaseFile from the doc)",
        "conflicts",
        "summary build + JSON",
        "Automerge save",
        "encrypt + commit (put_case)",
    ];
    let mut store = Store::open(dir)?;
    store.unlock(PIN, None)?;
    let templates = [Template::v1()?];
    let (rules, units) = (ResponseRules::default_rules()?, AdminUnits::bundled()?);
    let (actor, author) = (ActorId::random(), author());
    let ctx = OpContext {
        actor: &actor,
        author: &author,
        now: recorder.now,
        templates: &templates,
    };
    let mut parts: Vec<Samples> = PARTS.iter().map(|_| Samples::default()).collect();
    let mut total = Samples::default();
    for i in first..first + count {
        let (id, op) = recorder.op(i);
        let mut laps = Laps::start();
        let bytes = store.get_doc(id)?;
        laps.lap();
        let mut doc = CaseDoc::load(&bytes, &actor)?;
        laps.lap();
        doc.apply(&op, &ctx)?;
        laps.lap();
        let view = doc.view()?;
        laps.lap();
        let conflicts = doc.conflicts()?.len();
        laps.lap();
        let summary = CaseSummary::build(&view, conflicts, &rules, &units, ctx.now);
        let summary = serde_json::to_vec(&summary)?;
        laps.lap();
        let saved = doc.save();
        laps.lap();
        store.put_case(id, &saved, &summary)?;
        laps.lap();
        for (samples, lap) in parts.iter_mut().zip(&laps.laps) {
            samples.push(*lap);
        }
        total.push(laps.laps.iter().sum());
    }
    println!("record answer, step by step on the encrypted store ({count} answers):");
    for (name, samples) in PARTS.iter().zip(&parts) {
        samples.print(name);
    }
    total.print("sum of the steps");
    Ok(())
}

/// AES-256-GCM against the null cipher on the records one answer (open
/// the doc, seal doc and summary) and one list (open every summary) handle,
/// in a tight loop: the encryption overhead without disk and scheduler
/// noise. Returns the extra time AES takes per answer and per list.
fn cipher_cost(summaries: &[Vec<u8>], doc: &[u8]) -> Res<[Duration; 2]> {
    let data_key = DataKey::generate()?;
    let aes = RecordKeys::derive(&data_key)?;
    let null = RecordKeys::null_cipher_for_benchmarks_only(&data_key)?;
    let aad = |kind, seq| RecordAad {
        kind,
        row_id: b"00112233445566778899aabbccddeeff",
        seq,
    };
    let (doc_aad, summary_aad) = (aad(RecordKind::CaseDoc, 1), aad(RecordKind::CaseSummary, 1));
    let mut medians = Vec::new();
    println!("cipher alone (records of one answer / of one list):");
    for (name, keys) in [("AES-256-GCM", &aes), ("null cipher", &null)] {
        let mut count = 0;
        let sealed_doc = keys.seal(&doc_aad, doc, &mut count)?;
        let sealed = summaries
            .iter()
            .map(|s| keys.seal(&summary_aad, s, &mut count))
            .collect::<Result<Vec<_>, _>>()?;
        let answer = Samples::collect(1000, || {
            timed(|| -> Res<()> {
                std::hint::black_box(keys.open(&doc_aad, &sealed_doc)?);
                std::hint::black_box(keys.seal(&doc_aad, doc, &mut count)?);
                std::hint::black_box(keys.seal(&summary_aad, &summaries[0], &mut count)?);
                Ok(())
            })
        })?;
        let list = Samples::collect(LIST_RUNS, || {
            timed(|| -> Res<()> {
                for blob in &sealed {
                    std::hint::black_box(keys.open(&summary_aad, blob)?);
                }
                Ok(())
            })
        })?;
        answer.print(&format!("{name}: one answer"));
        list.print(&format!("{name}: {} summaries", summaries.len()));
        medians.push([answer.p(0.5), list.p(0.5)]);
    }
    Ok([0, 1].map(|i| medians[0][i].saturating_sub(medians[1][i])))
}

/// What every durable commit pays at least: one small write and fdatasync
/// on the same file system.
fn fsync_probe(dir: &Path, runs: usize) -> Res<Samples> {
    let mut file = fs::File::create(dir.join("fsync-probe"))?;
    let block = [0x5a_u8; 4096];
    let samples = Samples::collect(runs, || {
        let t = Instant::now();
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&block)?;
        file.sync_data()?;
        Ok(t.elapsed())
    });
    fs::remove_file(dir.join("fsync-probe"))?;
    samples
}

/// The PBKDF2 of an unlock, and nothing else.
fn derive_like_unlock(iterations: u32) {
    let mut out = [0u8; 32];
    let iterations = NonZeroU32::new(iterations).expect("iterations > 0");
    let salt = [7u8; 16];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        PIN.as_bytes(),
        &mut out,
    );
    std::hint::black_box(out);
}

/// One store's measurements.
#[derive(Default)]
struct Measured {
    name: &'static str,
    record: Samples,
    list: Samples,
    search: Samples,
}

/// Durations of repeated runs of one thing.
#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn collect(runs: usize, mut f: impl FnMut() -> Res<Duration>) -> Res<Samples> {
        (0..runs).map(|_| f()).collect::<Res<_>>().map(Samples)
    }

    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn extend(&mut self, more: Vec<Duration>) {
        self.0.extend(more);
    }

    /// Nearest-rank percentile, `q` in 0..=1.
    fn p(&self, q: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(rank - 1).copied().unwrap_or_default()
    }

    fn print(&self, name: &str) {
        let [p50, p90, p99, max] = [0.5, 0.9, 0.99, 1.0].map(|q| fmt(self.p(q)));
        println!(
            "  {name:<40} n={:<5} p50 {p50:>10}  p90 {p90:>10}  p99 {p99:>10}  max {max:>10}",
            self.0.len()
        );
    }
}

/// Prints the mean, median, min and max of sizes in bytes.
fn print_sizes(name: &str, sizes: impl Iterator<Item = usize>) {
    let mut v: Vec<usize> = sizes.collect();
    v.sort_unstable();
    let mean = v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    let [median, min, max] = [v.len() / 2, 0, v.len().saturating_sub(1)].map(|i| v.get(i));
    println!(
        "  {name:<40} mean {mean:.0} B, median {} B, min {} B, max {} B",
        median.unwrap_or(&0),
        min.unwrap_or(&0),
        max.unwrap_or(&0)
    );
}

/// Consecutive intervals, for timing the steps of one iteration.
struct Laps {
    last: Instant,
    laps: Vec<Duration>,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            last: Instant::now(),
            laps: Vec::with_capacity(8),
        }
    }

    fn lap(&mut self) {
        let now = Instant::now();
        self.laps.push(now - self.last);
        self.last = now;
    }
}

fn timed<T, E: Into<Box<dyn Error>>>(f: impl FnOnce() -> Result<T, E>) -> Res<Duration> {
    let t = Instant::now();
    f().map_err(Into::into)?;
    Ok(t.elapsed())
}

fn fmt(d: Duration) -> String {
    match d.as_nanos() {
        ns if ns < 10_000 => format!("{:.1} µs", ns as f64 / 1e3),
        ns if ns < 10_000_000 => format!("{} µs", ns / 1_000),
        ns => format!("{:.1} ms", ns as f64 / 1e6),
    }
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn dir_bytes(dir: &Path) -> Res<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn print_machine() {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("machine: {cpu}, {cpus} CPUs");
}
