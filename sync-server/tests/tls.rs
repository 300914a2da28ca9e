//! A whole session over HTTPS, with a certificate from a district's own
//! certificate authority that the client trusts explicitly.

mod common;

use common::*;
use ocrotire_core::document::Heads;
use ocrotire_core::model::Role;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

on_every_backend!(a_session_over_tls_with_a_district_ca,);

fn a_session_over_tls_with_a_district_ca(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Ocrotire test district CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &*ca)
        .unwrap();
    let cert_path = dir.path().join("server.pem");
    let key_path = dir.path().join("server.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let client = reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let cert_arg = cert_path.to_str().unwrap().to_owned();
    let key_arg = key_path.to_str().unwrap().to_owned();
    let server = Server::start_in(
        dir,
        Db::fresh(backend),
        &["--tls-cert", &cert_arg, "--tls-key", &key_arg],
        client,
    );
    assert!(server.base.starts_with("https://"), "{}", server.base);

    assert_eq!(
        server
            .client
            .get(server.url("/health"))
            .send()
            .unwrap()
            .status(),
        200
    );
    server.create_user("sa-1", Role::SocialAssistant, "9200");
    let a1 = server.enroll("sa-1", 1);
    let a2 = server.enroll("sa-1", 2);
    let doc = create_case(&a1, &a1.author(), "case-t", "9200");
    assert_eq!(
        a1.sync(&server, 0, vec![push_since(&doc, &Heads::default())])
            .accepted
            .len(),
        1
    );
    let got = a2.sync(&server, 0, vec![]);
    assert_eq!(got.pull.len(), 1);

    // A client that does not trust the district CA cannot talk to it.
    let untrusting = reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusting.get(server.url("/health")).send().is_err());
}
