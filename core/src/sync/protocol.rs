//! The messages of sync protocol version 1 (see docs/PROTOCOL.md) and their
//! wire form: `deflate(postcard(message))`. Shared by the device's client
//! and the server, so both sides can only speak the same language.

use std::io::{Read, Write};

use flate2::{read::DeflateDecoder, write::DeflateEncoder, Compression};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::model::{CaseStatus, RiskLevel, Role};

pub const PROTOCOL_VERSION: u16 = 1;
pub const CONTENT_TYPE: &str = "application/x-ocrotire-v1";

/// Headers of a signed request.
pub mod headers {
    pub const DEVICE: &str = "x-ocrotire-device";
    pub const TIME: &str = "x-ocrotire-time";
    pub const NONCE: &str = "x-ocrotire-nonce";
    pub const SIGNATURE: &str = "x-ocrotire-signature";
}

/// Upper bound on a decoded message, whatever the compressed size: a
/// deflate bomb stops here.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the message could not be decoded")]
    Undecodable,
    #[error("the message is larger than {max} bytes once decoded")]
    TooLarge { max: u64 },
    #[error("protocol version {found} is not supported (this side speaks {supported})")]
    Version { found: u16, supported: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enroll {
    pub version: u16,
    pub code: String,
    /// Ed25519 public key, 32 bytes.
    pub public_key: Vec<u8>,
    /// The device's Automerge actor; the server refuses changes from any other.
    pub actor: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub version: u16,
    pub device_id: String,
    pub user_id: String,
    pub role: Role,
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    pub case_id: String,
    /// The device's heads of this case once `changes` are applied.
    pub heads: Vec<[u8; 32]>,
    /// Concatenated Automerge change chunks.
    pub changes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u16,
    /// Highest server sequence number whose changes this device has stored.
    pub cursor: u64,
    pub push: Vec<Push>,
}

/// Why the server would not take a case's changes. Carries no case content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefusalReason {
    /// The user may not write this case (district, assignment).
    NotPermitted,
    /// The changes touch parts of the case the user's role may not change.
    RoleForbidsChange,
    /// A change claims another device's actor.
    ForeignActor,
    /// The changes could not be decoded or applied.
    Invalid,
    /// The case document would exceed the server's size limit.
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub case_id: String,
    pub reason: RefusalReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pull {
    pub case_id: String,
    /// Concatenated Automerge change chunks, or a whole saved document for
    /// a case that is new to this device.
    pub changes: Vec<u8>,
}

/// What a mediator learns of a notification it filed: its progress, never
/// the assessment itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStatusNote {
    pub case_id: String,
    pub status: CaseStatus,
    pub registered: bool,
    pub assessed: bool,
    pub referred: bool,
    pub risk: Option<RiskLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u16,
    pub accepted: Vec<String>,
    pub refused: Vec<Refusal>,
    pub pull: Vec<Pull>,
    pub statuses: Vec<CaseStatusNote>,
    pub removed: Vec<String>,
    /// The cursor to store once everything above is stored.
    pub cursor: u64,
    /// The server has more for this device: ask again with `cursor`.
    pub more: bool,
}

/// Answer to a revoked device: wipe the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub version: u16,
    pub wipe: bool,
}

/// Encodes any message for the wire.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, WireError> {
    let plain = postcard::to_allocvec(message).map_err(|_| WireError::Undecodable)?;
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(&plain)
        .map_err(|_| WireError::Undecodable)?;
    encoder.finish().map_err(|_| WireError::Undecodable)
}

/// Decodes a message whose first field is its `version`, refusing other
/// versions before reading anything else.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    let mut plain = Vec::new();
    DeflateDecoder::new(bytes)
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut plain)
        .map_err(|_| WireError::Undecodable)?;
    if plain.len() as u64 > MAX_DECODED_BYTES {
        return Err(WireError::TooLarge {
            max: MAX_DECODED_BYTES,
        });
    }
    let (version, _) =
        postcard::take_from_bytes::<u16>(&plain).map_err(|_| WireError::Undecodable)?;
    if version != PROTOCOL_VERSION {
        return Err(WireError::Version {
            found: version,
            supported: PROTOCOL_VERSION,
        });
    }
    postcard::from_bytes(&plain).map_err(|_| WireError::Undecodable)
}

/// The text a device signs for one request.
pub fn signing_input(method: &str, path: &str, body: &[u8], time_ms: i64, nonce: &str) -> Vec<u8> {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    format!(
        "ocrotire-v1\n{method}\n{path}\n{}\n{time_ms}\n{nonce}",
        crate::ids::hex(digest.as_ref())
    )
    .into_bytes()
}
