//! The operator's commands on the real binary, and the audit chain.

mod common;

use common::*;
use ocrotire_core::model::Role;

on_every_backend!(admin_commands_are_audited_and_tampering_is_detected,);

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn admin_commands_are_audited_and_tampering_is_detected(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("off-1", Role::DistrictOfficer, "9200");
    // Bad input is refused with a message and a failure code.
    let out = server.admin(&[
        "create-user",
        "--user-id",
        "off-1",
        "--role",
        "district_officer",
        "--district",
        "9200",
    ]);
    assert!(!out.status.success(), "a user id is created once");
    let out = server.admin(&[
        "create-user",
        "--user-id",
        "x",
        "--role",
        "chief",
        "--district",
        "9200",
    ]);
    assert!(!out.status.success());
    let out = server.admin(&[
        "create-user",
        "--user-id",
        "bad id",
        "--role",
        "social_assistant",
        "--district",
        "9200",
    ]);
    assert!(!out.status.success());
    assert!(!server
        .admin(&["enroll-code", "--user-id", "nobody"])
        .status
        .success());

    let device = server.enroll("off-1", 1);
    device.sync(&server, 0, vec![]);

    let list = stdout(&server.admin(&["list-devices"]));
    assert!(list
        .lines()
        .any(|l| l.starts_with(&device.id) && l.contains("off-1") && l.ends_with("\t-")));
    let out = server.admin(&["revoke-device", "--device-id", &device.id]);
    assert!(out.status.success());
    let list = stdout(&server.admin(&["list-devices"]));
    assert!(!list
        .lines()
        .any(|l| l.starts_with(&device.id) && l.ends_with("\t-")));

    // create-user, issue_code, enroll, sync, revoke_device.
    let out = server.admin(&["verify-audit"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).starts_with("audit log intact: 5 rows, head "),
        "{}",
        stdout(&out)
    );
    let actions = server.db.strings("SELECT action FROM audit ORDER BY seq");
    assert_eq!(
        actions,
        [
            "create_user",
            "issue_code",
            "enroll",
            "sync",
            "revoke_device"
        ]
    );
    // The code itself is never stored or audited.
    let subjects = server.db.strings("SELECT subject FROM audit").join(" ");
    assert!(!subjects.contains("code="));

    // The log refuses updates; someone with the file can drop the guard,
    // but the chain then no longer verifies.
    let tamper = "UPDATE audit SET subject = 'user=someone-else' WHERE seq = 2";
    assert!(server.db.execute(tamper).is_err());
    server
        .db
        .execute(match backend {
            Backend::Sqlite => "DROP TRIGGER audit_no_update",
            Backend::Postgres => "DROP TRIGGER audit_no_update ON audit",
        })
        .unwrap();
    assert_eq!(server.db.execute(tamper), Ok(1));
    let out = server.admin(&["verify-audit"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken at row 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
