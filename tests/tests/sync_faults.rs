//! Three devices work offline on overlapping cases and sync, all at once,
//! through a proxy that drops requests, drops answers after the server
//! processed them, sends requests twice, delays them and cuts answers
//! mid-body; in some rounds every request fails. Sessions may fail (the
//! client retries, and a session that still fails is simply run again
//! later). Once the network is good again every device and the server
//! converge, every note a device recorded is everywhere, and nothing was
//! applied or numbered twice.

use ocrotire_core::caseload::{Caseload, Identity};
use ocrotire_core::document::Heads;
use ocrotire_core::model::Role;
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::protocol::RefusalReason;
use ocrotire_core::sync::{ServerConfig, SyncError, SyncReport};
use ocrotire_tests::fault_proxy::{Fault, FaultPlan, FaultProxy, Rng};
use ocrotire_tests::fleet::{assert_converged, three_devices, Device, DISTRICT};
use ocrotire_tests::on_every_backend;
use ocrotire_tests::server::{Backend, TestServer};

on_every_backend!(
    sync_through_a_faulty_network_converges_and_applies_nothing_twice,
    a_push_split_over_several_requests_strands_no_case,
    a_case_too_large_for_any_request_is_refused_and_kept,
    an_enrolment_whose_answer_was_lost_can_be_completed,
);

const ROUNDS: usize = 16;
/// Share of requests that meet a fault, in percent.
const FAULT_PERCENT: u32 = 60;
/// Rounds where every request fails in the same way, outlasting the
/// client's retries: the server never hears of the session, or it takes
/// everything and the device never learns.
const OUTAGES: [(usize, Fault); 3] = [
    (4, Fault::DropRequest),
    (8, Fault::DropResponse),
    (12, Fault::CutResponse),
];
const SEED: u64 = 0x0c70_71e5;
/// Small answers, so that pulls travel in several pages.
const RESPONSE_BUDGET: &str = "600";

/// Under these faults a session can only fail by not reaching the server.
fn tolerate(device: &str, result: Result<SyncReport, SyncError>) {
    match result {
        Ok(_) | Err(SyncError::Transport(_)) => {}
        Err(e) => panic!("{device}: a sync failed in a way no network fault explains: {e}"),
    }
}

/// Every device syncs at the same time.
fn sync_all(devices: &mut [Device], config: &ServerConfig) {
    std::thread::scope(|scope| {
        for device in devices.iter_mut() {
            scope.spawn(move || {
                let result = device.sync(config);
                tolerate(&device.user_id, result);
            });
        }
    });
}

fn sync_through_a_faulty_network_converges_and_applies_nothing_twice(backend: Backend) {
    let server = TestServer::start_with(backend, &["--response-budget-bytes", RESPONSE_BUDGET]);
    let proxy = FaultProxy::start(server.addr(), SEED, FaultPlan::PASS_THROUGH);
    let config = proxy.config();
    let (mut devices, shared) = three_devices(&server, &config, SEED, 6);

    let mut rng = Rng::new(SEED);
    for round in 0..ROUNDS {
        for device in devices.iter_mut() {
            device.work(1 + rng.below(4) as usize);
        }
        proxy.set_plan(match OUTAGES.iter().find(|(r, _)| *r == round) {
            Some((_, fault)) => FaultPlan::only(*fault),
            None => FaultPlan::faulty(FAULT_PERCENT),
        });
        sync_all(&mut devices, &config);
    }
    // Last offline round: everyone renames the shared child and writes a
    // note, so a conflict is open at the end.
    for device in devices.iter_mut() {
        device.rename(&shared);
        device.add_note(&shared);
    }
    proxy.set_plan(FaultPlan::faulty(FAULT_PERCENT));
    sync_all(&mut devices, &config);

    // The network heals: two rounds bring everything to the server and
    // everything back to every device.
    proxy.set_plan(FaultPlan::PASS_THROUGH);
    for _ in 0..2 {
        for device in devices.iter_mut() {
            device.sync(&config).expect("sync over a good network");
        }
    }
    let converged = assert_converged(&server.db, &devices.iter().collect::<Vec<_>>());
    let before = proxy.counts();
    for device in devices.iter_mut() {
        let report = device.sync(&config).expect("sync");
        assert_eq!(
            (
                report.progress.round_trips,
                report.accepted.len(),
                report.progress.cases_received
            ),
            (1, 0, 0),
            "{}: nothing new is one round trip",
            device.user_id
        );
    }

    // reqwest honours `Connection: close`: one connection per request, and
    // none reused after the proxy closed it (that would fail and retry).
    let counts = proxy.counts();
    assert_eq!(
        (
            counts.requests - before.requests,
            counts.connections - before.connections
        ),
        (devices.len(), devices.len()),
        "one request per connection over a good network"
    );
    let sessions: Vec<(usize, usize, usize)> = devices
        .iter()
        .map(|d| (d.sessions_ok, d.sessions_failed, d.round_trips))
        .collect();
    eprintln!("proxy: {counts:?}; sessions (ok, failed, round trips): {sessions:?}; {converged:?}");
    for fault in Fault::ALL {
        assert!(counts.of(fault) > 0, "the proxy never did {fault:?}");
    }
    assert!(
        counts.duplicates_refused > 0,
        "no duplicate reached the server"
    );
    assert_eq!(
        counts.duplicates_both_accepted, 0,
        "the server accepted a replayed request"
    );
    assert!(
        sessions
            .iter()
            .all(|&(_, failed, _)| failed >= OUTAGES.len()),
        "sessions during outages must fail"
    );
    assert!(
        sessions
            .iter()
            .any(|&(ok, _, round_trips)| round_trips > ok),
        "no pull travelled in several pages"
    );
    assert!(converged.cases >= 3 && converged.notes >= 30);
    assert!(
        converged.conflicts >= 1,
        "the last renames are an open conflict"
    );
}

/// A backlog larger than the server's body limit travels in several
/// requests (the client halves a batch the server answers 413). The answer to
/// the first request brings others' changes to a case that is still
/// waiting in a later one. That case must keep syncing afterwards (the
/// server takes only a device's own changes, so a device must never resend
/// others').
fn a_push_split_over_several_requests_strands_no_case(backend: Backend) {
    const BODY_LIMIT: usize = 256 * 1024;
    let server = TestServer::start_with(backend, &["--max-body-bytes", &BODY_LIMIT.to_string()]);
    let proxy = FaultProxy::start(server.addr(), SEED, FaultPlan::PASS_THROUGH);
    let config = proxy.config();
    let mut assistant = Device::enroll(&server, "sa-1", Role::SocialAssistant, SEED + 4);
    let mut officer = Device::enroll(&server, "do-1", Role::DistrictOfficer, SEED + 5);
    // The shared case sorts after most new ones: it travels in the last request.
    let shared = (0..4)
        .map(|_| assistant.create_case())
        .max()
        .expect("cases");
    assistant.sync(&config).expect("sync");
    officer.sync(&config).expect("sync");
    officer.add_note(&shared);
    officer.sync(&config).expect("sync");

    // Offline: a note on the shared case, then a backlog of long notes on
    // cases sorting before it, more than one request holds.
    assistant.add_note(&shared);
    let mut rng = Rng::new(SEED);
    let mut backlog = 0;
    while backlog < 4 * BODY_LIMIT {
        let case_id = assistant.create_case();
        if case_id > shared {
            continue;
        }
        long_notes(&mut assistant, &case_id, 15, &mut rng);
        backlog += assistant
            .caseload
            .changes_since(&case_id, &Heads::default())
            .expect("changes")
            .len();
    }
    let report = assistant.sync(&config).expect("sync");
    assert!(report.progress.round_trips >= 3, "the push was not split");
    assert!(report.refused.is_empty(), "{:?}", report.refused);

    // Both keep working on the shared case.
    assistant.add_note(&shared);
    officer.add_note(&shared);
    for _ in 0..2 {
        for device in [&mut assistant, &mut officer] {
            let report = device.sync(&config).expect("sync");
            assert!(
                report.refused.is_empty(),
                "{}: {:?}",
                device.user_id,
                report.refused
            );
        }
    }
    assert_converged(&server.db, &[&assistant, &officer]);
}

/// Notes of random CJK text, which barely compresses: about 7 KB each on
/// the wire.
fn long_notes(device: &mut Device, case_id: &str, notes: usize, rng: &mut Rng) {
    for _ in 0..notes {
        let text: String = (0..4_000)
            .map(|_| char::from_u32(0x4e00 + rng.below(0x5000) as u32).unwrap_or('x'))
            .collect();
        device.add_note_text(case_id, &text);
    }
}

/// A case too large for the server's body limit even alone is refused on
/// the device, kept there and shown; the rest of the outbox goes through.
fn a_case_too_large_for_any_request_is_refused_and_kept(backend: Backend) {
    let server = TestServer::start_with(backend, &["--max-body-bytes", "131072"]);
    let config = server.config();
    let mut assistant = Device::enroll(&server, "sa-1", Role::SocialAssistant, SEED + 6);
    let small = assistant.create_case();
    let huge = assistant.create_case();
    long_notes(&mut assistant, &huge, 30, &mut Rng::new(SEED));
    let report = assistant.sync(&config).expect("sync");
    let refused: Vec<_> = report
        .refused
        .iter()
        .map(|r| (&r.case_id, r.reason))
        .collect();
    assert_eq!(refused, [(&huge, RefusalReason::TooLarge)]);
    assert_eq!(report.accepted, [small]);
    let status = assistant.caseload.sync_status().expect("status");
    assert_eq!(status.refused.len(), 1);
    assert_eq!(status.refused[0].0, huge);
    assert_eq!(status.pending_cases, 1);
    assert!(
        assistant.caseload.case(&huge).is_ok(),
        "the huge case stays"
    );
    // Every later session tries it again, in case the limit was raised.
    let again = assistant.sync(&config).expect("sync");
    assert_eq!(again.refused.len(), 1);
    assert!(again.accepted.is_empty());
}

/// A device whose enrolment answer was lost on the way (the server took
/// the code) can still enrol, with the same code or with a new one, and
/// the server ends up with one device for it, not two.
fn an_enrolment_whose_answer_was_lost_can_be_completed(backend: Backend) {
    let server = TestServer::start(backend);
    let proxy = FaultProxy::start(server.addr(), SEED, FaultPlan::only(Fault::DropResponse));
    let config = proxy.config();
    let dirs = [
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    ];
    let mut enrolled = Vec::new();
    for (n, dir) in dirs.iter().enumerate() {
        let user = format!("sa-9{n}");
        server.create_user(&user, "social_assistant", DISTRICT);
        let identity = Identity::new(&user, Role::SocialAssistant, DISTRICT);
        let mut caseload =
            Caseload::create(dir.path(), "1357", None, StoreConfig::default(), identity)
                .expect("caseload");
        let code = server.enroll_code(&user);
        proxy.set_plan(FaultPlan::only(Fault::DropResponse));
        assert!(matches!(
            caseload.enroll(&config, &code),
            Err(SyncError::Transport(_))
        ));
        proxy.set_plan(FaultPlan::PASS_THROUGH);
        // The first device asks again with its code, the second with a new one.
        let retry_code = if n == 0 {
            code
        } else {
            server.enroll_code(&user)
        };
        let device = caseload
            .enroll(&config, &retry_code)
            .unwrap_or_else(|e| panic!("{user} cannot enrol any more: {e}"));
        caseload.sync(&config, &mut |_| {}).expect("sync");
        enrolled.push((user, device.device_id));
    }
    assert_eq!(proxy.counts().of(Fault::DropResponse), 2);
    let devices = server.admin(&["list-devices"]);
    for (user, device_id) in &enrolled {
        let rows: Vec<&str> = devices
            .lines()
            .filter(|l| l.contains(user.as_str()))
            .collect();
        assert_eq!(rows.len(), 1, "{user} should hold one device: {devices}");
        assert!(rows[0].contains(device_id.as_str()), "{devices}");
    }
}
