//! Three devices work offline on the same case, with the real server on
//! 127.0.0.1, and sync in several orders: all converge to the same typed
//! view and the same conflicts, and no acknowledged edit goes missing.

use chrono::Utc;
use ocrotire_core::caseload::{CaseFilter, Caseload, Identity};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{CaseEvent, Role};
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::{SyncError, SyncReport};
use ocrotire_tests::server::{Backend, TestServer};
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
