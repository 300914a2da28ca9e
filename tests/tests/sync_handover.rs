//! A district officer hands a case over from one social assistant to
//! another while the first works offline: the first assistant's last notes
//! still reach the server and the new assignee, and only then does the case
//! leave the first assistant's tablet.

use ocrotire_core::model::Role;
use ocrotire_tests::fleet::{assert_converged, Device};
use ocrotire_tests::on_every_backend;
use ocrotire_tests::server::{Backend, TestServer};

on_every_backend!(a_handed_over_case_leaves_the_device_only_after_its_last_work_arrives);

const SEED: u64 = 0x4a0d_0fe5;

fn a_handed_over_case_leaves_the_device_only_after_its_last_work_arrives(backend: Backend) {
    let server = TestServer::start(backend);
    let config = server.config();
    let mut officer = Device::enroll(&server, "do-1", Role::DistrictOfficer, SEED);
    let mut first = Device::enroll(&server, "sa-1", Role::SocialAssistant, SEED + 1);
    let mut second = Device::enroll(&server, "sa-2", Role::SocialAssistant, SEED + 2);
    let case_id = officer.create_case();
    let kept = officer.create_case();
    officer.assign(&case_id, "sa-1");
    officer.assign(&kept, "sa-1");
    officer.sync(&config).expect("sync");
    first.sync(&config).expect("sync");
    assert_eq!(first.case_ids().len(), 2);

    // Offline, the first assistant records a visit; meanwhile the office
    // hands the case to the second assistant.
    first.add_note(&case_id);
    officer.assign(&case_id, "sa-2");
    officer.sync(&config).expect("sync");

    let report = first.sync(&config).expect("sync");
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert!(
        report.accepted.contains(&case_id),
        "the last visit was taken"
    );
    assert_eq!(report.removed, std::slice::from_ref(&case_id));
    assert_eq!(first.case_ids(), std::slice::from_ref(&kept));
    let status = first.caseload.sync_status().expect("status");
    assert_eq!((status.pending_cases, status.leaving.len()), (0, 0));

    second.sync(&config).expect("sync");
    officer.sync(&config).expect("sync");
    let visit = &first.notes[0].1;
    let notes = second.caseload.case(&case_id).expect("handed over").notes;
    assert!(
        notes.iter().any(|n| &n.id == visit),
        "the new assignee sees the visit"
    );

    // Every device holds exactly the cases its user may see.
    first.sync(&config).expect("sync");
    assert_converged(&server.db, &[&officer, &first, &second]);
}
