//! `ocrotire-server export` and `admin set-password` on the real binary:
//! cases pushed by devices become indicator facts in the same transaction,
//! the command line exports them, and both commands are audited.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use ocrotire_core::document::Heads;
use ocrotire_core::model::Role;

on_every_backend!(
    cases_pushed_by_devices_are_counted_in_exports,
    dashboard_passwords_come_from_standard_input,
);

fn server_command(db: &Db, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args(&args[..1])
        .args(db.args())
        .args(&args[1..])
        .env_remove("OCROTIRE_DB")
        .env_remove("OCROTIRE_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the server binary");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cases_pushed_by_devices_are_counted_in_exports(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let device = server.enroll("sa-1", 1);
    let pushes = ["case-a", "case-b"].map(|id| {
        push_since(
            &create_case(&device, &device.author(), id, "9200"),
            &Heads::default(),
        )
    });
    let answer = device.sync(&server, 0, pushes.to_vec());
    assert_eq!(answer.accepted.len(), 2);

    let export = |threshold: &str| {
        server_command(
            &server.db,
            &[
                "export",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--format",
                "csv",
                "--threshold",
                threshold,
                "--operator",
                "stat-1",
            ],
            "",
        )
    };
    let total_s01 = |csv: &str| -> String {
        csv.lines()
            .find(|l| l.starts_with("S01,,,"))
            .expect("the S01 total")
            .to_string()
    };
    let (ok, csv, err) = export("1");
    assert!(ok, "{err}");
    assert_eq!(total_s01(&csv), "S01,,,2,,,false");
    // With the default threshold of 5, two cases are too few to publish.
    let (ok, csv, err) = export("5");
    assert!(ok, "{err}");
    assert_eq!(total_s01(&csv), "S01,,,,,,true");
    // Nothing a person wrote leaves in an export.
    assert!(!csv.contains("p-0001") && !csv.contains("case-a"));

    let exports = server.db.strings(
        "SELECT user_id || ' ' || device_id || ' ' || subject FROM audit WHERE action = 'export' ORDER BY seq",
    );
    assert_eq!(exports.len(), 2);
    assert!(exports[0].starts_with(
        "stat-1 admin-cli format=csv from=2026-03-01 to=2026-03-31 districts=all threshold=1"
    ));

    let (ok, _, err) = server_command(
        &server.db,
        &[
            "export",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-30",
            "--format",
            "dhis2",
        ],
        "",
    );
    assert!(!ok);
    assert!(err.contains("one whole month, quarter or year"), "{err}");
}

fn dashboard_passwords_come_from_standard_input(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("off-1", Role::DistrictOfficer, "9200");
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let set = |user: &str, password: &str| {
        server_command(
            &server.db,
            &["admin", "set-password", "--user-id", user],
            password,
        )
    };
    let (ok, _, err) = set("off-1", "a long enough secret\n");
    assert!(ok, "{err}");
    let (ok, _, err) = set("off-1", "short\n");
    assert!(!ok && err.contains("passwords are"), "{err}");
    let (ok, _, err) = set("sa-1", "a long enough secret\n");
    assert!(!ok && err.contains("sign in to the dashboard"), "{err}");
    let (ok, _, err) = set("nobody", "a long enough secret\n");
    assert!(!ok && err.contains("no user nobody"), "{err}");
    assert_eq!(
        server
            .db
            .strings("SELECT subject FROM audit WHERE action = 'set_password'"),
        ["user=off-1"]
    );
    // The password itself is nowhere in the database, only its hash.
    let stored = server
        .db
        .strings("SELECT CAST(length(password_hash) AS TEXT) FROM users WHERE user_id = 'off-1'");
    assert_eq!(stored, ["53"]);
}
