//! HTTP to the regional server: rustls only, optionally trusting a
//! district's own certificate authority, every request signed with the
//! device's Ed25519 key. Plain `http://` only to this device itself (see
//! [`ServerConfig::check_url`]).

use std::net::IpAddr;
use std::time::Duration;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::protocol::{headers, signing_input, CONTENT_TYPE};
use crate::ids::{hex, random_id};

/// Where and how to reach the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// e.g. `https://sync.ungheni.example:8443`. `http://` is refused
    /// unless the host is loopback ([`ServerConfig::check_url`]).
    pub url: String,
    /// PEM of a certificate authority to trust besides the system's.
    pub root_certificate_pem: Option<Vec<u8>>,
    pub timeout: Duration,
    /// The server's limit on a request body (its `--max-body-bytes`): the
    /// client splits pushes to stay under it, and halves a batch the server
    /// still answers with 413.
    pub max_request_bytes: usize,
}

/// The server's default body limit.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

impl ServerConfig {
    pub fn new(url: impl Into<String>) -> ServerConfig {
        ServerConfig {
            url: url.into(),
            root_certificate_pem: None,
            timeout: Duration::from_secs(30),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
        }
    }

    /// Whether [`ServerConfig::url`] may be used, checked before anything
    /// is stored or sent (every enrolment and session calls it first; an
    /// app may call it when the address is entered).
    ///
    /// `https://` is required for every host but this device itself.
    /// Answers are not signed, so over cleartext anyone on the path could
    /// inject changes into the device's copy of a case, or answer
    /// 410 "revoked" and make the device wipe itself (docs/SECURITY.md,
    /// §1.4). Plain `http://` stays allowed to a loopback host only
    /// (`127.0.0.0/8`, `::1`, `localhost`), where no network is crossed:
    /// the scenario tests and `ocrotire-server demo` run the server on the
    /// same machine without a certificate, and an app under development can
    /// reach a server on its own device (e.g. through `adb reverse`). The
    /// Android emulator's `10.0.2.2` (the development machine) is a network
    /// address and needs `https://`.
    pub fn check_url(&self) -> Result<(), TransportError> {
        let url = reqwest::Url::parse(&self.url).map_err(|_| TransportError::BadUrl)?;
        match (url.scheme(), url.host_str()) {
            ("https", Some(_)) => Ok(()),
            ("http", Some(host)) if is_loopback(host) => Ok(()),
            ("http", Some(_)) => Err(TransportError::InsecureUrl),
            _ => Err(TransportError::BadUrl),
        }
    }
}

/// `127.0.0.0/8`, `::1` (written `[::1]` in a URL) or the name `localhost`,
/// as the URL parser normalised them (lowercase; IPv4 in dotted decimal).
fn is_loopback(host: &str) -> bool {
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
    /// The server's TLS certificate does not verify against the trusted
    /// roots (system roots and the district's CA) or is not for its name:
    /// perhaps someone else is answering. Not retried; nothing was sent.
    #[error("the server's certificate is not trusted")]
    UntrustedServer,
    /// `http://` to a host other than this device itself: configuration
    /// refused before any request ([`ServerConfig::check_url`]).
    #[error("the server address must start with https:// (plain http only to this device itself)")]
    InsecureUrl,
    #[error("the server address is not an https:// URL with a host")]
    BadUrl,
    #[error("the server's certificate authority is not valid PEM")]
    BadCertificate,
    #[error("the device key is damaged")]
    BadKey,
}

pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

pub(crate) struct Transport {
    client: reqwest::blocking::Client,
    base: String,
}

impl Transport {
    /// Refuses a cleartext URL to another host before building anything
    /// (see [`ServerConfig::check_url`]).
    pub fn new(config: &ServerConfig) -> Result<Transport, TransportError> {
        config.check_url()?;
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .use_rustls_tls();
        if let Some(pem) = &config.root_certificate_pem {
            let cert =
                reqwest::Certificate::from_pem(pem).map_err(|_| TransportError::BadCertificate)?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        Ok(Transport {
            client,
            base: config.url.trim_end_matches('/').to_string(),
        })
    }

    /// Posts `body`; signs it when a device key is given.
    pub fn post(
        &self,
        path: &str,
        body: Vec<u8>,
        signer: Option<&Signer>,
    ) -> Result<Answer, TransportError> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE);
        if let Some(signer) = signer {
            for (name, value) in signer.headers("POST", path, &body) {
                request = request.header(name, value);
            }
        }
        let response = request.body(body).send().map_err(|e| {
            if certificate_refused(&e) {
                TransportError::UntrustedServer
            } else {
                TransportError::Unreachable(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        Ok(Answer {
            status,
            body: body.to_vec(),
        })
    }
}

/// Whether rustls refused the server's certificate somewhere in `error`'s
/// chain. An `io::Error` (hyper wraps rustls' error in two of them) hides
/// the error it wraps from `source()`, returning that error's own source,
/// so the walk steps into it explicitly.
fn certificate_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref() {
            return true;
        }
        next = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    false
}

/// Signs requests as one enrolled device.
pub(crate) struct Signer {
    device_id: String,
    key: Ed25519KeyPair,
}

impl Signer {
    pub fn new(device_id: &str, pkcs8: &[u8]) -> Result<Signer, TransportError> {
        let key = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| TransportError::BadKey)?;
        Ok(Signer {
            device_id: device_id.to_string(),
            key,
        })
    }

    /// A fresh key pair as PKCS#8, to keep encrypted.
    pub fn generate_pkcs8() -> Result<Vec<u8>, TransportError> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| TransportError::BadKey)?;
        Ok(pkcs8.as_ref().to_vec())
    }

    /// The public key to enrol for a kept key pair.
    pub fn public_key(pkcs8: &[u8]) -> Result<Vec<u8>, TransportError> {
        let key = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| TransportError::BadKey)?;
        Ok(key.public_key().as_ref().to_vec())
    }

    fn headers(&self, method: &str, path: &str, body: &[u8]) -> [(&'static str, String); 4] {
        let time = chrono::Utc::now().timestamp_millis();
        let nonce = random_id();
        let signature = self
            .key
            .sign(&signing_input(method, path, body, time, &nonce));
        [
            (headers::DEVICE, self.device_id.clone()),
            (headers::TIME, time.to_string()),
            (headers::NONCE, nonce),
            (headers::SIGNATURE, hex(signature.as_ref())),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(url: &str) -> Result<Transport, TransportError> {
        Transport::new(&ServerConfig::new(url))
    }

    /// Refused while configuring: no `Transport` (hence no client, no
    /// connection, no request) exists for such a URL. 192.0.2.1 is a
    /// documentation address that answers nobody, so a request that did go
    /// out would hang until the 30 s timeout instead of failing at once.
    #[test]
    fn cleartext_to_another_host_is_refused_before_any_request() {
        for url in [
            "http://192.0.2.1",
            "http://192.0.2.1:8080/",
            "HTTP://192.0.2.1",
            "http://10.0.2.2:8080",
            "http://sync.ungheni.example",
            "http://localhost.example",
            "http://127.0.0.1.example",
            "http://127.0.0.1@192.0.2.1",
            "http://[::ffff:192.0.2.1]",
            "http://[2001:db8::1]:8080",
        ] {
            let started = std::time::Instant::now();
            assert!(
                matches!(transport(url), Err(TransportError::InsecureUrl)),
                "{url} was not refused as cleartext"
            );
            assert!(started.elapsed() < Duration::from_secs(5), "{url}");
        }
    }

    #[test]
    fn https_is_accepted_for_any_host() {
        for url in [
            "https://192.0.2.1",
            "https://sync.ungheni.example:8443",
            "https://10.0.2.2:8443/",
            "https://127.0.0.1:8443",
        ] {
            assert!(transport(url).is_ok(), "{url} was refused");
        }
    }

    /// Loopback never leaves the device: the scenario tests, the demo and
    /// a development server on the phone itself use it.
    #[test]
    fn cleartext_to_this_device_itself_is_accepted() {
        for url in [
            "http://127.0.0.1",
            "http://127.0.0.1:8080/",
            "http://127.1.2.3:9",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(transport(url).is_ok(), "{url} was refused");
        }
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        for url in [
            "",
            "sync.ungheni.example",
            "ftp://127.0.0.1",
            "file:///tmp/x",
            "https://",
            "http://",
        ] {
            assert!(
                matches!(transport(url), Err(TransportError::BadUrl)),
                "{url} was not refused as a bad URL"
            );
        }
    }
}
