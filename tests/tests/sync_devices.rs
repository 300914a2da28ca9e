//! Three devices work offline on the same case, with the real server on
//! 127.0.0.1, and sync in several orders: all converge to the same typed
//! view and the same conflicts, and no acknowledged edit goes missing.
//! Then the same with two server instances sharing one PostgreSQL database
//! and devices alternating between them, as behind a load balancer.

use chrono::Utc;
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{CaseEvent, Role};
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::{ServerConfig, SyncError, SyncReport};
use ocrotire_tests::fault_proxy::Rng;
use ocrotire_tests::fleet::{self, assert_converged};
use ocrotire_tests::server::{postgres_enabled, Backend, TestServer};
use ocrotire_tests::{child, notification, on_every_backend};

on_every_backend!(
    three_devices_converge_through_the_server,
    a_revoked_device_is_told_to_wipe_and_does,
);

struct Device {
    caseload: Caseload,
    _dir: tempfile::TempDir,
}

fn device(server: &TestServer, user_id: &str, role: Role, role_key: &str) -> Device {
    server.create_user(user_id, role_key, "9200");
    let dir = tempfile::tempdir().unwrap();
    let identity = Identity::new(user_id, role, "9200");
    let mut caseload =
        Caseload::create(dir.path(), "1357", None, StoreConfig::default(), identity).unwrap();
    caseload
        .enroll(&server.config(), &server.enroll_code(user_id))
        .unwrap();
    Device {
        caseload,
        _dir: dir,
    }
}

fn sync(server: &TestServer, device: &mut Device) -> SyncReport {
    device.caseload.sync(&server.config(), &mut |_| {}).unwrap()
}

fn rename(device: &mut Device, case_id: &str, name: &str) {
    let mut child = device.caseload.case(case_id).unwrap().child;
    child.given_name = Some(name.into());
    device
        .caseload
        .apply(case_id, &CaseOp::UpdateChild(child))
        .unwrap();
}

fn three_devices_converge_through_the_server(backend: Backend) {
    let server = TestServer::start(backend);
    let mut assistant = device(&server, "sa-1", Role::SocialAssistant, "social_assistant");
    let mut colleague = device(&server, "sa-2", Role::SocialAssistant, "social_assistant");
    let mut officer = device(&server, "do-1", Role::DistrictOfficer, "district_officer");

    let case_id = assistant
        .caseload
        .create_case(child("p-1", "Ana"), notification(None))
        .unwrap()
        .id;
    let report = sync(&server, &mut assistant);
    assert_eq!(report.accepted, vec![case_id.clone()]);
    assert!(
        colleague
            .caseload
            .sync(&server.config(), &mut |_| {})
            .unwrap()
            .progress
            .cases_received
            == 0,
        "not assigned yet"
    );
    sync(&server, &mut officer);
    officer
        .caseload
        .case(&case_id)
        .expect("the district officer sees every case of the district");
    officer
        .caseload
        .apply(
            &case_id,
            &CaseOp::AddCaseEvent(CaseEvent::Assigned {
                user_id: "sa-2".into(),
            }),
        )
        .unwrap();
    sync(&server, &mut officer);
    sync(&server, &mut colleague);
    colleague
        .caseload
        .case(&case_id)
        .expect("an assigned case arrives whole");

    // Offline: everyone edits the same field and adds a note.
    let mut notes = Vec::new();
    for (i, d) in [&mut assistant, &mut colleague, &mut officer]
        .into_iter()
        .enumerate()
    {
        rename(d, &case_id, &format!("Name{i}"));
        let note = format!("note{i}");
        d.caseload
            .apply(
                &case_id,
                &CaseOp::AddNote {
                    id: note.clone(),
                    text: format!("visit {i}"),
                },
            )
            .unwrap();
        notes.push(note);
    }
    for order in [[0usize, 1, 2], [2, 1, 0], [1, 0, 2]] {
        let devices = [&mut assistant, &mut colleague, &mut officer];
        for i in order {
            sync(&server, devices[i]);
        }
    }
    for d in [&mut assistant, &mut colleague, &mut officer] {
        sync(&server, d);
    }

    let view = assistant.caseload.case(&case_id).unwrap();
    let conflicts = assistant.caseload.conflicts(&case_id).unwrap();
    for other in [&colleague, &officer] {
        assert_eq!(other.caseload.case(&case_id).unwrap(), view);
        assert_eq!(other.caseload.conflicts(&case_id).unwrap(), conflicts);
    }
    assert_eq!(
        conflicts.len(),
        1,
        "three concurrent names are one conflict"
    );
    assert_eq!(conflicts[0].values.len(), 3);
    for note in &notes {
        assert!(
            view.notes.iter().any(|n| &n.id == note),
            "an acknowledged note is missing"
        );
    }

    // Nothing new: one small round trip.
    let report = sync(&server, &mut assistant);
    assert_eq!(report.progress.round_trips, 1);
    assert!(report.accepted.is_empty() && report.progress.cases_received == 0);
    let status = assistant.caseload.sync_status().unwrap();
    assert_eq!(status.pending_cases, 0);
    assert!(status.last_success.is_some());
    let listed = assistant
        .caseload
        .list(&CaseFilter::default(), Utc::now())
        .unwrap();
    assert_eq!(listed.cases.len(), 1);
}

fn a_revoked_device_is_told_to_wipe_and_does(backend: Backend) {
    let server = TestServer::start(backend);
    let mut assistant = device(&server, "sa-1", Role::SocialAssistant, "social_assistant");
    assistant
        .caseload
        .create_case(child("p-1", "Ana"), notification(None))
        .unwrap();
    sync(&server, &mut assistant);
    let devices = server.admin(&["list-devices"]);
    let device_id = devices
        .split_whitespace()
        .find(|w| w.len() >= 16 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("a device id in the listing")
        .to_string();
    server.admin(&["revoke-device", "--device-id", &device_id]);

    let result = assistant.caseload.sync(&server.config(), &mut |_| {});
    assert!(matches!(result, Err(SyncError::Revoked)));
    let db = assistant
        ._dir
        .path()
        .join(ocrotire_core::store::DB_FILE_NAME);
    assert!(!db.exists(), "the store was wiped");
}

/// Rounds of offline work and concurrent syncs on two instances.
const INSTANCE_ROUNDS: usize = 12;
const INSTANCE_SEED: u64 = 0x2_1257_a11c;

/// Every device syncs at the same time, device `i` on instance
/// `(round + i) % 2`: each device alternates between the instances from
/// round to round, and both instances write to the same cases at once.
fn sync_alternating(round: usize, devices: &mut [fleet::Device], instances: &[ServerConfig; 2]) {
    std::thread::scope(|scope| {
        for (i, device) in devices.iter_mut().enumerate() {
            let instance = (round + i) % 2;
            let config = &instances[instance];
            scope.spawn(move || {
                if let Err(e) = device.sync(config) {
                    panic!("{} on instance {instance}: {e}", device.user_id);
                }
            });
        }
    });
}

/// The deployment PostgreSQL exists for: two server instances on one
/// database. Whatever one instance stored, the other must serve, a cursor
/// one instance gave must be good on the other, and concurrent pushes to
/// the same case through both must all be kept. (SQLite is one file of
/// one server, so this runs on PostgreSQL alone.)
#[test]
fn devices_alternating_between_two_instances_on_one_postgresql_database_converge() {
    if !postgres_enabled(concat!(
        module_path!(),
        "::devices_alternating_between_two_instances_on_one_postgresql_database_converge"
    )) {
        return;
    }
    // Small answers, so that pulls page: the cursor a device takes from
    // one instance's last page is what it hands the other next time.
    let first = TestServer::start_with(Backend::Postgres, &["--response-budget-bytes", "2048"]);
    let second = first.another_instance();
    let instances = [first.config(), second.config()];
    let mut creator = fleet::Device::enroll(&first, "sa-1", Role::SocialAssistant, INSTANCE_SEED);
    creator.creates_cases = 6;
    let mut colleague =
        fleet::Device::enroll(&second, "sa-2", Role::SocialAssistant, INSTANCE_SEED + 1);
    let mut officer =
        fleet::Device::enroll(&first, "do-1", Role::DistrictOfficer, INSTANCE_SEED + 2);
    officer.assigns_to = Some("sa-2".into());

    // One case all three see: created through the first instance, seen and
    // assigned through the second, received through the first.
    let shared = creator.create_case();
    creator.sync(&instances[0]).expect("sync");
    let report = officer.sync(&instances[1]).expect("sync");
    assert_eq!(
        report.progress.cases_received, 1,
        "the second instance serves the case the first one stored"
    );
    officer.assign(&shared, "sa-2");
    officer.sync(&instances[1]).expect("sync");
    let report = colleague.sync(&instances[0]).expect("sync");
    assert_eq!(
        report.progress.cases_received, 1,
        "the first instance serves the assignment the second one stored"
    );
    let mut devices = [creator, colleague, officer];

    let mut rng = Rng::new(INSTANCE_SEED);
    for round in 0..INSTANCE_ROUNDS {
        for device in devices.iter_mut() {
            device.work(1 + rng.below(4) as usize);
        }
        sync_alternating(round, &mut devices, &instances);
    }
    // Last offline round: everyone renames the shared child and writes a
    // note, so a conflict is open at the end.
    for device in devices.iter_mut() {
        device.rename(&shared);
        device.add_note(&shared);
    }
    sync_alternating(INSTANCE_ROUNDS, &mut devices, &instances);
    // One by one, still alternating: two rounds bring everything to the
    // database and everything back to every device.
    for round in 0..2 {
        for (i, device) in devices.iter_mut().enumerate() {
            device
                .sync(&instances[(round + i) % 2])
                .expect("sync one by one");
        }
    }
    let converged = assert_converged(&first.db, &devices.iter().collect::<Vec<_>>());
    first.admin(&["verify-audit"]);
    // Caught up is caught up on either instance.
    for device in devices.iter_mut() {
        for (instance, config) in instances.iter().enumerate() {
            let report = device.sync(config).expect("sync");
            assert_eq!(
                (
                    report.progress.round_trips,
                    report.accepted.len(),
                    report.progress.cases_received
                ),
                (1, 0, 0),
                "{} on instance {instance}: nothing new is one round trip",
                device.user_id
            );
        }
    }

    let sessions: Vec<(usize, usize)> = devices
        .iter()
        .map(|d| (d.sessions_ok, d.round_trips))
        .collect();
    eprintln!("two instances; sessions (ok, round trips): {sessions:?}; {converged:?}");
    assert!(
        sessions.iter().any(|&(ok, round_trips)| round_trips > ok),
        "no pull travelled in several pages"
    );
    assert!(converged.cases >= 3 && converged.notes >= 25);
    assert!(
        converged.conflicts >= 1,
        "the last renames are an open conflict"
    );
}
