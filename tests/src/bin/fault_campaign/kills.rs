//! Phase 1: the server SIGKILLed at random moments during sync, again and
//! again, while the network between devices and server drops, duplicates,
//! delays and cuts requests and answers and partitions now and then.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ocrotire_core::model::Role;
use ocrotire_tests::fault_proxy::{FaultCounts, FaultPlan, FaultProxy, Rng};
use ocrotire_tests::fleet::{three_devices, Device};
use ocrotire_tests::server::{Backend, TestServer};

use crate::ledger::{final_round, merged_errors, panic_text, Ledger, Verdict};
use crate::Options;

/// Small answers: sessions page, so kills land between pages too.
const RESPONSE_BUDGET: &str = "4096";
/// Every this many kills the server stays down longer than a session's
/// retries last (200 + 400 + 800 + 1600 ms of backoff).
const LONG_OUTAGE_EVERY: usize = 10;
const LONG_OUTAGE: Duration = Duration::from_millis(3_500);
/// Every this many kills SQLite's integrity check runs on the file while
/// the server is down.
const INTEGRITY_EVERY: usize = 25;
/// Requests cut mid-body on the way to the server, in percent.
const REQUEST_CUTS: u32 = 4;

pub struct KillReport {
    pub kills: usize,
    pub mid_request: usize,
    pub long_outages: usize,
    pub restarts_failed: Vec<String>,
    pub integrity_while_down: Vec<String>,
    pub partitions: usize,
    pub partitioned_ms: u64,
    pub proxy: FaultCounts,
    pub sessions: Vec<(String, usize, usize)>,
    pub errors: BTreeMap<String, usize>,
    pub ok_but_pending: usize,
    pub device_panics: Vec<String>,
    pub final_sync_failures: usize,
    pub chaos: Duration,
    pub total: Duration,
    pub verdict: Verdict,
}

pub fn run(options: &Options) -> KillReport {
    let started = Instant::now();
    let seed = options.seed;
    let mut server = TestServer::start_with(
        Backend::Sqlite,
        &["--response-budget-bytes", RESPONSE_BUDGET],
    );
    let proxy = FaultProxy::start(server.addr(), seed, FaultPlan::PASS_THROUGH);
    let config = proxy.config();
    let (trio, _shared) = three_devices(&server, &config, seed, 12);
    let mut fourth = Device::enroll(&server, "sa-3", Role::SocialAssistant, seed + 4);
    fourth.creates_cases = 8;
    let mut devices: Vec<Device> = trio.into_iter().collect();
    devices.push(fourth);
    let mut ledgers: Vec<Ledger> = devices.iter().map(|_| Ledger::default()).collect();
    println!(
        "kills: server {} (SQLite), proxy {}, {} devices",
        server.url,
        proxy.url(),
        devices.len()
    );

    proxy.set_request_cuts(REQUEST_CUTS);
    proxy.set_plan(FaultPlan::faulty(10));
    let stop = AtomicBool::new(false);
    let partitions = AtomicUsize::new(0);
    let partitioned_ms = AtomicUsize::new(0);
    let device_panics = Mutex::new(Vec::new());
    let chaos_started = Instant::now();
    let killer_result = std::thread::scope(|scope| {
        for (i, (device, ledger)) in devices.iter_mut().zip(ledgers.iter_mut()).enumerate() {
            let (config, stop, device_panics) = (&config, &stop, &device_panics);
            let deadline = options.deadline;
            scope.spawn(move || {
                let name = device.user_id.clone();
                let worked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut rng = Rng::new(seed + 100 + i as u64);
                    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                        if rng.chance(60) {
                            device.work(1 + rng.below(3) as usize);
                        }
                        let _ = ledger.sync(device, config);
                        std::thread::sleep(Duration::from_millis(rng.below(40)));
                    }
                }));
                if let Err(payload) = worked {
                    device_panics
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("{name}: {}", panic_text(payload)));
                }
            });
        }
        // The network: now clean, now faulty, now partitioned.
        scope.spawn(|| {
            let mut rng = Rng::new(seed + 7);
            let pause = |ms: u64| {
                let until = Instant::now() + Duration::from_millis(ms);
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            };
            while !stop.load(Ordering::SeqCst) {
                pause(1_000 + rng.below(3_000));
                match rng.below(5) {
                    0 | 1 => {
                        let ms = 300 + rng.below(2_700);
                        proxy.set_partitioned(true);
                        partitions.fetch_add(1, Ordering::SeqCst);
                        pause(ms);
                        proxy.set_partitioned(false);
                        partitioned_ms.fetch_add(ms as usize, Ordering::SeqCst);
                    }
                    2 => proxy.set_plan(FaultPlan::PASS_THROUGH),
                    3 => proxy.set_plan(FaultPlan::faulty(10)),
                    _ => proxy.set_plan(FaultPlan::faulty(30)),
                }
            }
            proxy.set_partitioned(false);
        });
        let killer = scope.spawn(|| kill_loop(&mut server, &proxy, options));
        let result = killer.join();
        stop.store(true, Ordering::SeqCst);
        result
    });
    let chaos = chaos_started.elapsed();
    let mut kills = match killer_result {
        Ok(kills) => kills,
        Err(payload) => Kills {
            restarts_failed: vec![format!("the kill loop panicked: {}", panic_text(payload))],
            ..Kills::default()
        },
    };

    // The network is good again; one last kill and restart, then every
    // device syncs until it has nothing pending.
    proxy.set_plan(FaultPlan::PASS_THROUGH);
    proxy.set_request_cuts(0);
    proxy.set_partitioned(false);
    server.kill();
    if let Err(e) = server.try_restart() {
        kills.restarts_failed.push(e);
        server.restart();
    }
    let mut final_sync_failures = 0;
    for device in devices.iter_mut() {
        device.work(1);
    }
    for _round in 0..4 {
        let mut all_ok = true;
        for (device, ledger) in devices.iter_mut().zip(ledgers.iter_mut()) {
            if ledger.sync(device, &config).is_err() {
                final_sync_failures += 1;
                all_ok = false;
            }
        }
        if all_ok {
            break;
        }
    }
    // A second round brings everyone the others' last changes.
    let (failures, verdict) = final_round(&server, &mut devices, &mut ledgers, &config, seed);
    final_sync_failures += failures;
    KillReport {
        kills: kills.total,
        mid_request: kills.mid_request,
        long_outages: kills.long_outages,
        restarts_failed: kills.restarts_failed,
        integrity_while_down: kills.integrity,
        partitions: partitions.load(Ordering::SeqCst),
        partitioned_ms: partitioned_ms.load(Ordering::SeqCst) as u64,
        proxy: proxy.counts(),
        sessions: devices
            .iter()
            .map(|d| (d.user_id.clone(), d.sessions_ok, d.sessions_failed))
            .collect(),
        errors: merged_errors(&ledgers),
        ok_but_pending: ledgers.iter().map(|l| l.ok_but_pending).sum(),
        device_panics: device_panics
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()),
        final_sync_failures,
        chaos,
        total: started.elapsed(),
        verdict,
    }
}

#[derive(Default)]
struct Kills {
    total: usize,
    /// The server had a request in flight just before the kill.
    mid_request: usize,
    long_outages: usize,
    restarts_failed: Vec<String>,
    /// Results of the integrity checks that were not "ok".
    integrity: Vec<String>,
}

fn kill_loop(server: &mut TestServer, proxy: &FaultProxy, options: &Options) -> Kills {
    let mut rng = Rng::new(options.seed + 3);
    let mut kills = Kills::default();
    while kills.total < options.kills && Instant::now() < options.deadline {
        // Let the devices make some progress, then wait for a request to
        // reach the server (not while the network is partitioned).
        std::thread::sleep(Duration::from_millis(150 + rng.below(450)));
        let wait = Instant::now() + Duration::from_secs(3);
        while proxy.in_flight() == 0 && Instant::now() < wait {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(rng.below(4_000)));
        if proxy.in_flight() > 0 {
            kills.mid_request += 1;
        }
        server.kill();
        kills.total += 1;
        if kills.total.is_multiple_of(INTEGRITY_EVERY) {
            if let Some(check) = server.db.sqlite_integrity() {
                if check != "ok" {
                    kills
                        .integrity
                        .push(format!("after kill {}: {check}", kills.total));
                }
            }
        }
        if kills.total.is_multiple_of(LONG_OUTAGE_EVERY) {
            kills.long_outages += 1;
            std::thread::sleep(LONG_OUTAGE);
        } else {
            std::thread::sleep(Duration::from_millis(rng.below(150)));
        }
        let mut started = false;
        for _attempt in 0..3 {
            match server.try_restart() {
                Ok(()) => {
                    started = true;
                    break;
                }
                Err(e) => kills
                    .restarts_failed
                    .push(format!("after kill {}: {e}", kills.total)),
            }
        }
        if !started {
            break;
        }
        if kills.total.is_multiple_of(20) {
            println!(
                "  {} kills ({} mid-request), proxy {:?}",
                kills.total,
                kills.mid_request,
                proxy.counts()
            );
        }
    }
    kills
}

impl KillReport {
    pub fn print(&self) {
        println!("== kills ==");
        println!(
            "  {} SIGKILLs in {:.0?} ({} with a request in flight, {} outages of {:?}), \
             {} restarts failed; total phase {:.0?}",
            self.kills,
            self.chaos,
            self.mid_request,
            self.long_outages,
            LONG_OUTAGE,
            self.restarts_failed.len(),
            self.total
        );
        for failure in &self.restarts_failed {
            println!("    restart failed: {failure}");
        }
        println!(
            "  integrity checks while down (every {INTEGRITY_EVERY} kills): {}",
            if self.integrity_while_down.is_empty() {
                "all ok".to_string()
            } else {
                self.integrity_while_down.join("; ")
            }
        );
        println!(
            "  network: {} partitions ({} ms), {} connections refused while partitioned, \
             {} requests cut mid-body toward the server",
            self.partitions, self.partitioned_ms, self.proxy.partitioned, self.proxy.requests_cut
        );
        println!("  proxy: {:?}", self.proxy);
        println!("  sessions (device, ok, failed): {:?}", self.sessions);
        println!("  errors by kind: {:?}", self.errors);
        println!(
            "  sessions ok but still pending: {}; device panics: {:?}; failed final syncs: {}",
            self.ok_but_pending, self.device_panics, self.final_sync_failures
        );
        self.verdict.print();
    }

    pub fn missed(&self, options: &Options) -> Vec<String> {
        let mut missed = self.verdict.missed("kills");
        if self.kills < options.kills {
            missed.push(format!(
                "kills: {} of {} kills (time bound or a failed restart)",
                self.kills, options.kills
            ));
        }
        if !self.restarts_failed.is_empty() {
            missed.push(format!(
                "kills: {} restarts failed",
                self.restarts_failed.len()
            ));
        }
        if !self.integrity_while_down.is_empty() {
            missed.push("kills: integrity check failed while down".into());
        }
        let unexplained: Vec<&String> = self
            .errors
            .keys()
            .filter(|k| !k.starts_with("transport: unreachable"))
            .collect();
        if !unexplained.is_empty() {
            missed.push(format!("kills: errors no fault explains: {unexplained:?}"));
        }
        if self.ok_but_pending > 0 {
            missed.push(format!(
                "kills: {} successful sessions left changes pending",
                self.ok_but_pending
            ));
        }
        if !self.device_panics.is_empty() {
            missed.push(format!("kills: device panics: {:?}", self.device_panics));
        }
        if self.final_sync_failures > 0 {
            missed.push(format!(
                "kills: {} syncs failed with the server up and the network good",
                self.final_sync_failures
            ));
        }
        if self.mid_request < self.kills / 3 {
            missed.push(format!(
                "kills: only {} of {} kills hit a request in flight",
                self.mid_request, self.kills
            ));
        }
        missed
    }
}
