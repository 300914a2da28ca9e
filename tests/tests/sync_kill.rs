//! The server is killed with SIGKILL while devices sync, again and again,
//! and restarted on the same database. Devices keep working offline and
//! syncing in a loop (sessions fail when the server stays down longer than
//! their retries; the next one picks up). Afterwards every device converges with the server and
//! nothing a device had recorded is lost.
//!
//! Devices reach the server through the fault proxy in pass-through mode,
//! only to see when a request is in flight: each kill waits a while, then
//! for a request, and lands a few milliseconds later (inside the server's
//! work, or just after).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ocrotire_core::sync::SyncError;
use ocrotire_tests::fault_proxy::{FaultPlan, FaultProxy, Rng};
use ocrotire_tests::fleet::{assert_converged, three_devices};
use ocrotire_tests::on_every_backend;
use ocrotire_tests::server::{Backend, TestServer};

on_every_backend!(devices_converge_after_the_server_is_killed_during_sync_again_and_again);

const KILLS: usize = 52;
/// Every this many kills the server stays down longer than a session's
/// retries last, so sessions fail half-way and are run again later.
const LONG_OUTAGE_EVERY: usize = 10;
const LONG_OUTAGE: Duration = Duration::from_millis(3_500);
const SEED: u64 = 0x5161_c111;
/// Small answers: sessions page, and kills also land between pages.
const RESPONSE_BUDGET: &str = "2048";

struct Kills {
    total: usize,
    /// The server still had a request in flight just before the kill.
    mid_request: usize,
}

fn devices_converge_after_the_server_is_killed_during_sync_again_and_again(backend: Backend) {
    let started = Instant::now();
    let mut server = TestServer::start_with(backend, &["--response-budget-bytes", RESPONSE_BUDGET]);
    let proxy = FaultProxy::start(server.addr(), SEED, FaultPlan::PASS_THROUGH);
    let config = proxy.config();
    let (mut devices, shared) = three_devices(&server, &config, SEED, 8);

    let stop = AtomicBool::new(false);
    let kills = std::thread::scope(|scope| {
        for (i, device) in devices.iter_mut().enumerate() {
            let (config, stop) = (&config, &stop);
            scope.spawn(move || {
                let mut rng = Rng::new(SEED + 10 + i as u64);
                while !stop.load(Ordering::SeqCst) {
                    if rng.chance(60) {
                        device.work(1 + rng.below(2) as usize);
                    }
                    match device.sync(config) {
                        Ok(_) | Err(SyncError::Transport(_)) => {}
                        Err(e) => panic!("{}: sync failed unexpectedly: {e}", device.user_id),
                    }
                    std::thread::sleep(Duration::from_millis(rng.below(30)));
                }
            });
        }
        let killer = scope.spawn(|| {
            let mut rng = Rng::new(SEED);
            let mut kills = Kills {
                total: 0,
                mid_request: 0,
            };
            while kills.total < KILLS {
                // Let devices make some progress, then wait for a request.
                std::thread::sleep(Duration::from_millis(250 + rng.below(500)));
                let deadline = Instant::now() + Duration::from_secs(20);
                while proxy.in_flight() == 0 {
                    assert!(Instant::now() < deadline, "no sync session in flight");
                    std::thread::sleep(Duration::from_micros(200));
                }
                std::thread::sleep(Duration::from_micros(rng.below(4_000)));
                if proxy.in_flight() > 0 {
                    kills.mid_request += 1;
                }
                server.kill();
                kills.total += 1;
                if kills.total.is_multiple_of(LONG_OUTAGE_EVERY) {
                    std::thread::sleep(LONG_OUTAGE);
                } else {
                    std::thread::sleep(Duration::from_millis(rng.below(150)));
                }
                server.restart();
            }
            kills
        });
        let kills = killer.join();
        stop.store(true, Ordering::SeqCst);
        kills.expect("killer")
    });
    let chaos = started.elapsed();

    // Everyone renames the shared child, so a conflict is open at the end.
    for device in devices.iter_mut() {
        device.rename(&shared);
    }
    // The server is up; two rounds bring everything to it and back.
    for _ in 0..2 {
        for device in devices.iter_mut() {
            device.sync(&config).expect("sync with the server up");
        }
    }
    let converged = assert_converged(&server.db, &devices.iter().collect::<Vec<_>>());
    server.admin(&["verify-audit"]);

    let sessions: Vec<(usize, usize, usize)> = devices
        .iter()
        .map(|d| (d.sessions_ok, d.sessions_failed, d.round_trips))
        .collect();
    eprintln!(
        "{} kills ({} with a request in flight) in {chaos:?}; sessions (ok, failed, round trips): {sessions:?}; \
         proxy: {:?}; {converged:?}",
        kills.total,
        kills.mid_request,
        proxy.counts()
    );
    assert!(kills.total >= 50);
    assert!(
        kills.mid_request >= KILLS / 3,
        "too few kills hit a request in flight"
    );
    assert!(
        sessions.iter().all(|&(ok, _, _)| ok > KILLS / 5),
        "devices made too little progress between kills"
    );
    assert!(
        sessions.iter().any(|&(_, failed, _)| failed > 0),
        "no session outlasted its retries"
    );
    assert!(converged.cases >= 3 && converged.notes >= 20);
    assert!(
        converged.conflicts >= 1,
        "the last renames are an open conflict"
    );
}
