//! The HTTP surface of the real binary: health, enrollment, the
//! authentication matrix and bad bodies. Every refusal must leave the
//! database exactly as it was.

mod common;

use common::*;
use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::{self, Revoked, SyncRequest, PROTOCOL_VERSION};

on_every_backend!(
    health_answers,
    sigterm_stops_the_server_cleanly_and_the_file_keeps_everything,
    an_enrollment_code_works_once_and_expires,
    the_authentication_matrix,
    bad_bodies_get_4xx_and_change_nothing,
);

fn empty_sync(cursor: u64) -> Vec<u8> {
    protocol::encode(&SyncRequest {
        version: PROTOCOL_VERSION,
        cursor,
        push: vec![],
    })
    .unwrap()
}

fn health_answers(backend: Backend) {
    let server = Server::on(backend);
    let response = server.client.get(server.url("/health")).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "ok");
}

fn sigterm_stops_the_server_cleanly_and_the_file_keeps_everything(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let device = server.enroll("sa-1", 1);
    assert_eq!(device.send_signed(&server, empty_sync(0)).status(), 200);
    let before = server.fingerprint();
    let (status, dir, db) = server.terminate();
    assert!(status.success(), "{status:?}");
    let server = Server::start_in(dir, db, &[], reqwest::blocking::Client::new());
    assert_eq!(server.fingerprint(), before);
    assert_eq!(device.send_signed(&server, empty_sync(0)).status(), 200);
}

fn an_enrollment_code_works_once_and_expires(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");

    let code = server.enroll_code("sa-1");
    let first = Device::new(1);
    let response = server.post("/v1/enroll", first.enroll_body(&code));
    assert_eq!(response.status(), 200);
    let enrolled: protocol::Enrolled = protocol::decode(&response.bytes().unwrap()).unwrap();
    assert_eq!(
        (enrolled.role, enrolled.district.as_str()),
        (Role::SocialAssistant, "9200")
    );

    // The same device asking again (its answer was lost) gets the same
    // device back, and nothing changes.
    let before = server.fingerprint();
    let repeated = server.post("/v1/enroll", first.enroll_body(&code));
    assert_eq!(repeated.status(), 200);
    let repeated: protocol::Enrolled = protocol::decode(&repeated.bytes().unwrap()).unwrap();
    assert_eq!(repeated, enrolled);
    assert_eq!(server.fingerprint(), before);

    // The same code again for another key is refused and stores nothing.
    let again = server.post("/v1/enroll", Device::new(2).enroll_body(&code));
    assert_eq!(again.status(), 401);
    // A code typed in lower case without dashes is the same code.
    let loose = code.to_lowercase().replace('-', "");
    assert_eq!(
        server
            .post("/v1/enroll", Device::new(2).enroll_body(&loose))
            .status(),
        401
    );
    assert_eq!(server.fingerprint(), before);

    // An expired code is refused.
    let old = server.enroll_code("sa-1");
    server
        .db
        .execute(&format!(
            "UPDATE enrollment_codes SET expires_at = {} WHERE used_at IS NULL",
            now_ms() - 1
        ))
        .unwrap();
    let before = server.fingerprint();
    assert_eq!(
        server
            .post("/v1/enroll", Device::new(3).enroll_body(&old))
            .status(),
        401
    );
    assert_eq!(server.fingerprint(), before);

    // An unknown code and a reused actor are refused too.
    let fresh = server.enroll_code("sa-1");
    let before = server.fingerprint();
    assert_eq!(
        server
            .post(
                "/v1/enroll",
                Device::new(4).enroll_body("0000-0000-0000-0000-0000")
            )
            .status(),
        401
    );
    let mut clone = Device::new(5);
    clone.actor = first.actor.clone();
    assert_eq!(
        server
            .post("/v1/enroll", clone.enroll_body(&fresh))
            .status(),
        409
    );
    assert_eq!(server.fingerprint(), before);
}

fn the_authentication_matrix(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let device = server.enroll("sa-1", 1);

    // A correctly signed request passes (the baseline for the rest).
    assert_eq!(device.send_signed(&server, empty_sync(0)).status(), 200);
    let before = server.fingerprint();

    // Unsigned.
    let unsigned = server.post("/v1/sync", empty_sync(0));
    assert_eq!(unsigned.status(), 401);

    // Forged: signed by another key under this device's id.
    let mut forger = Device::new(9);
    forger.id = device.id.clone();
    assert_eq!(forger.send_signed(&server, empty_sync(0)).status(), 401);

    // Unknown device.
    let mut stranger = Device::new(8);
    stranger.id = "0123456789abcdef0123456789abcdef".into();
    assert_eq!(stranger.send_signed(&server, empty_sync(0)).status(), 401);

    // Body changed after signing.
    let signed = device.sign("/v1/sync", &empty_sync(0), now_ms(), &random_nonce());
    assert_eq!(device.send(&server, empty_sync(7), &signed).status(), 401);

    // Stale: six minutes old and six minutes ahead.
    for offset in [-6 * 60_000, 6 * 60_000] {
        let body = empty_sync(0);
        let signed = device.sign("/v1/sync", &body, now_ms() + offset, &random_nonce());
        let response = device.send(&server, body, &signed);
        assert_eq!(response.status(), 401);
        assert!(
            response.headers().contains_key(protocol::headers::TIME),
            "stale answers carry the server time"
        );
    }

    // Replayed: the exact same request twice.
    let body = empty_sync(0);
    let signed = device.sign("/v1/sync", &body, now_ms(), &random_nonce());
    assert_eq!(device.send(&server, body.clone(), &signed).status(), 200);
    let after_first = server.fingerprint();
    assert_eq!(device.send(&server, body, &signed).status(), 401);
    assert_eq!(server.fingerprint(), after_first);

    // Every refusal above left the database as it was (the one accepted
    // replay original added its audit row only).
    assert_eq!(after_first.data(), before.data());
    assert_eq!(after_first.audit, before.audit + 1);

    // Revoked: 410 with a wipe instruction, nothing stored.
    let out = server.admin(&["revoke-device", "--device-id", &device.id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = server.fingerprint();
    let response = device.send_signed(&server, empty_sync(0));
    assert_eq!(response.status(), 410);
    let revoked: Revoked = protocol::decode(&response.bytes().unwrap()).unwrap();
    assert!(revoked.wipe);
    assert_eq!(server.fingerprint(), before);
    // Revoking twice is an error and changes nothing.
    assert!(!server
        .admin(&["revoke-device", "--device-id", &device.id])
        .status
        .success());
    assert_eq!(server.fingerprint(), before);
}

fn bad_bodies_get_4xx_and_change_nothing(backend: Backend) {
    let server = Server::on_with(backend, &["--max-body-bytes", "65536"]);
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let device = server.enroll("sa-1", 1);
    let before = server.fingerprint();

    // Not deflate(postcard) at all.
    assert_eq!(
        device
            .send_signed(&server, b"not a message".to_vec())
            .status(),
        400
    );
    // Deflate of garbage.
    let garbage = protocol::encode(&vec![0xffu8; 40]).unwrap();
    assert_eq!(device.send_signed(&server, garbage).status(), 400);
    // An unknown protocol version: 400 naming the supported one.
    let future = protocol::encode(&SyncRequest {
        version: 99,
        cursor: 0,
        push: vec![],
    })
    .unwrap();
    let response = device.send_signed(&server, future);
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["x-ocrotire-supported"],
        PROTOCOL_VERSION.to_string().as_str()
    );
    // Over the body limit.
    let response = device.send_signed(&server, vec![7u8; 65536 + 1]);
    assert_eq!(response.status(), 413);
    // Unsigned oversized and malformed enrollments.
    assert_eq!(server.post("/v1/enroll", vec![1u8; 100_000]).status(), 413);
    assert_eq!(server.post("/v1/enroll", b"junk".to_vec()).status(), 400);
    // Wrong content type.
    let response = server
        .client
        .post(server.url("/v1/enroll"))
        .body(Device::new(3).enroll_body("x"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 415);

    assert_eq!(server.fingerprint().data(), before.data());
    assert_eq!(server.fingerprint().audit, before.audit);
    // The server is still well.
    assert_eq!(device.send_signed(&server, empty_sync(0)).status(), 200);
}
