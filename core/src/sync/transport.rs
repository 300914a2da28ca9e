//! HTTP to the regional server: rustls only, optionally trusting a
//! district's own certificate authority, every request signed with the
//! device's Ed25519 key.

use std::time::Duration;

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::protocol::{headers, signing_input, CONTENT_TYPE};
use crate::ids::{hex, random_id};

/// Where and how to reach the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// e.g. `https://sync.ungheni.example:8443`.
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
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
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
    pub fn new(config: &ServerConfig) -> Result<Transport, TransportError> {
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
        let response = request
            .body(body)
            .send()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
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
