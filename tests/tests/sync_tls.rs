//! Core's own sync client (`Transport`, with a district CA in
//! `ServerConfig::root_certificate_pem`) against the real `ocrotire-server`
//! serving HTTPS on 127.0.0.1, with certificate authorities made for the
//! test: real devices (encrypted caseloads on disk) enrol and sync a case
//! over TLS; a server whose certificate comes from another authority is
//! refused with a typed error and nothing on the device changes; and a
//! cleartext address to another host is refused before anything is sent or
//! stored.

use std::path::Path;
use std::time::{Duration, Instant};

use ocrotire_core::caseload::{Caseload, Identity};
use ocrotire_core::model::Role;
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::{ServerConfig, SyncError, TransportError};
use ocrotire_tests::server::{Backend, TestServer};
use ocrotire_tests::{child, notification};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

const DISTRICT: &str = "9200";
const PIN: &str = "1357";

/// A certificate authority made for one test.
struct Authority(CertifiedIssuer<'static, KeyPair>);

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("CA key");
        Authority(CertifiedIssuer::self_signed(params, key).expect("CA certificate"))
    }

    fn pem(&self) -> Vec<u8> {
        self.0.pem().into_bytes()
    }

    /// A certificate for 127.0.0.1 and localhost signed by this authority,
    /// written to `dir`; returns the `serve` flags that use it.
    fn server_flags(&self, dir: &Path) -> Vec<String> {
        let key = KeyPair::generate().expect("server key");
        let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("server params")
            .signed_by(&key, &*self.0)
            .expect("server certificate");
        let cert_path = dir.join("server.pem");
        let key_path = dir.join("server.key");
        std::fs::write(&cert_path, cert.pem()).expect("write the certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write the key");
        vec![
            "--tls-cert".into(),
            cert_path.display().to_string(),
            "--tls-key".into(),
            key_path.display().to_string(),
        ]
    }
}

/// The real server over HTTPS with a certificate from `authority`.
fn tls_server(authority: &Authority, dir: &Path) -> TestServer {
    let flags = authority.server_flags(dir);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    TestServer::start_with(Backend::Sqlite, &flags)
}

/// How a device reaches `server`: `https://`, trusting `authority`.
fn https_config(server: &TestServer, authority: &Authority) -> ServerConfig {
    let mut config = ServerConfig::new(format!("https://127.0.0.1:{}", server.addr().port()));
    config.root_certificate_pem = Some(authority.pem());
    config.timeout = Duration::from_secs(20);
    config
}

struct Device {
    caseload: Caseload,
    _dir: tempfile::TempDir,
}

/// A caseload in an encrypted store on disk, not enrolled yet.
fn device(user_id: &str) -> Device {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = Identity::new(user_id, Role::SocialAssistant, DISTRICT);
    let caseload = Caseload::create(dir.path(), PIN, None, StoreConfig::default(), identity)
        .expect("create caseload");
    Device {
        caseload,
        _dir: dir,
    }
}

#[test]
fn a_device_enrols_and_syncs_a_case_over_tls_with_a_district_ca() {
    let certs = tempfile::tempdir().expect("tempdir");
    let district = Authority::new("Ocrotire test district CA");
    let server = tls_server(&district, certs.path());
    let config = https_config(&server, &district);
    server.create_user("sa-1", "social_assistant", DISTRICT);

    let mut first = device("sa-1");
    first
        .caseload
        .enroll(&config, &server.enroll_code("sa-1"))
        .expect("enrol over https");
    let case_id = first
        .caseload
        .create_case(child("p-tls", "Ana"), notification(None))
        .expect("create case")
        .id;
    assert_eq!(first.caseload.sync_status().unwrap().pending_cases, 1);
    let report = first
        .caseload
        .sync(&config, &mut |_| {})
        .expect("sync over https");
    assert_eq!(report.accepted, vec![case_id.clone()]);
    let status = first.caseload.sync_status().unwrap();
    assert_eq!(status.pending_cases, 0);
    assert!(status.last_success.is_some());
    let stored = server.db.contents();
    assert!(
        stored.documents.iter().any(|(id, _)| id == &case_id),
        "the server did not store the case"
    );

    // A second device of the same user receives it, over https too.
    let mut second = device("sa-1");
    second
        .caseload
        .enroll(&config, &server.enroll_code("sa-1"))
        .expect("enrol the second device over https");
    let report = second
        .caseload
        .sync(&config, &mut |_| {})
        .expect("second device syncs over https");
    assert_eq!(report.progress.cases_received, 1);
    assert_eq!(
        second.caseload.case(&case_id).expect("the case arrived"),
        first.caseload.case(&case_id).expect("the case"),
    );
}

#[test]
fn a_server_with_a_certificate_from_another_ca_is_refused_and_nothing_changes() {
    let district_certs = tempfile::tempdir().expect("tempdir");
    let impostor_certs = tempfile::tempdir().expect("tempdir");
    let district = Authority::new("Ocrotire test district CA");
    let impostor = Authority::new("Ocrotire test impostor CA");
    let server = tls_server(&district, district_certs.path());
    let config = https_config(&server, &district);
    server.create_user("sa-1", "social_assistant", DISTRICT);
    let mut enrolled = device("sa-1");
    enrolled
        .caseload
        .enroll(&config, &server.enroll_code("sa-1"))
        .expect("enrol over https");
    let case_id = enrolled
        .caseload
        .create_case(child("p-tls", "Ana"), notification(None))
        .expect("create case")
        .id;

    // Someone else answers on another address with a certificate for
    // 127.0.0.1 from another authority; the device still trusts only the
    // district's (and the system roots).
    let other = tls_server(&impostor, impostor_certs.path());
    let mut misled = https_config(&other, &district);
    misled.timeout = Duration::from_secs(10);

    let status_before = enrolled.caseload.sync_status().unwrap();
    let heads_before = enrolled.caseload.heads(&case_id).unwrap();
    assert_eq!(status_before.pending_cases, 1);
    assert!(status_before.enrolled);
    let started = Instant::now();
    let refused = enrolled.caseload.sync(&misled, &mut |_| {});
    assert!(
        matches!(
            refused,
            Err(SyncError::Transport(TransportError::UntrustedServer))
        ),
        "expected UntrustedServer, got {refused:?}"
    );
    // Not retried with backoff (five attempts would sleep 3 s).
    assert!(started.elapsed() < Duration::from_secs(3), "retried");
    assert_eq!(enrolled.caseload.sync_status().unwrap(), status_before);
    assert_eq!(enrolled.caseload.heads(&case_id).unwrap(), heads_before);

    // Enrolling against it fails the same way and leaves the device as it was.
    let mut fresh = device("sa-1");
    let refused = fresh.caseload.enroll(&misled, "ANY-CODE");
    assert!(
        matches!(
            refused,
            Err(SyncError::Transport(TransportError::UntrustedServer))
        ),
        "expected UntrustedServer, got {refused:?}"
    );
    assert!(!fresh.caseload.sync_status().unwrap().enrolled);

    // The impostor saw no request it could take: nothing stored there.
    assert!(other.db.contents().changes.is_empty());
    // The device is unharmed: the real server then takes its work.
    let report = enrolled
        .caseload
        .sync(&config, &mut |_| {})
        .expect("sync with the district server");
    assert_eq!(report.accepted, vec![case_id]);
    assert_eq!(enrolled.caseload.sync_status().unwrap().pending_cases, 0);
}

#[test]
fn cleartext_to_another_host_is_refused_before_anything_is_sent_or_stored() {
    let mut fresh = device("sa-1");
    // 192.0.2.1 (TEST-NET-1) answers nobody: a request that went out would
    // wait for the whole timeout.
    let mut cleartext = ServerConfig::new("http://192.0.2.1:8080");
    cleartext.timeout = Duration::from_secs(30);
    let started = Instant::now();
    let refused = fresh.caseload.enroll(&cleartext, "ANY-CODE");
    assert!(
        matches!(
            refused,
            Err(SyncError::Transport(TransportError::InsecureUrl))
        ),
        "expected InsecureUrl, got {refused:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = fresh.caseload.sync_status().unwrap();
    assert!(!status.enrolled);
    assert_eq!(status.pending_cases, 0);
}
