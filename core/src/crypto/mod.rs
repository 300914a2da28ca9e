//! Encryption at rest: the only module that touches key material.
//!
//! The scheme, and why each part is there:
//!
//! - A random 256-bit **data key** encrypts every record. Because data is
//!   never encrypted under the PIN directly, changing the PIN only re-wraps
//!   this one key ([`keys`]) and never rewrites the case files.
//! - The data key is **wrapped** with AES-256-GCM under a key-encryption key
//!   (KEK) derived from the PIN with PBKDF2-HMAC-SHA256 (≥ 600,000
//!   iterations, random salt) and, when the platform keystore provides one, a
//!   platform secret mixed in with HKDF-SHA256 ([`kdf`]). With a platform
//!   secret, a copy of the file alone cannot be brute-forced offline.
//! - **Records** are sealed with AES-256-GCM under a subkey of the data key,
//!   with a random 96-bit nonce and associated data naming where the
//!   ciphertext belongs (record kind, row id, sequence number, format
//!   version), so a ciphertext moved to another row or kind fails to open
//!   ([`record`]). Encryptions per data key are counted and capped at
//!   [`MAX_ENCRYPTIONS_PER_KEY`] so random nonces stay safe.
//!
//! Limits worth knowing: `ring` does not zeroize its own expanded key
//! schedules (the AES round keys inside `LessSafeKey`, the HMAC state inside
//! an HKDF `Prk`). We zeroize every buffer *we* own and drop ring's key
//! objects as soon as the store locks, which is the best available without
//! `unsafe` or another crypto library.

pub mod kdf;
pub mod keys;
pub mod record;

pub use kdf::{KdfParams, MIN_KDF_ITERATIONS};
pub use keys::{unwrap_data_key, wrap_data_key, DataKey};
pub use record::{RecordAad, RecordKeys, RecordKind, MAX_ENCRYPTIONS_PER_KEY};

/// Errors of the cryptographic layer. None of them carries key material,
/// PIN text or plaintext.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    #[error("key derivation needs at least {minimum} PBKDF2 iterations, {requested} requested")]
    KdfIterationsTooLow { requested: u32, minimum: u32 },
    #[error("the PIN or passphrase must be between 1 and {max} bytes")]
    InvalidPin { max: usize },
    #[error("the platform secret must be between {min} and {max} bytes")]
    InvalidPlatformSecret { min: usize, max: usize },
    #[error("this store is bound to a platform keystore secret, and none was given")]
    PlatformSecretRequired,
    #[error("this store was created without a platform secret, and one was given")]
    PlatformSecretUnexpected,
    /// The PIN or platform secret is wrong, or the wrapped key was altered:
    /// AES-GCM cannot tell these apart, and we would not want to say which.
    #[error("wrong PIN or platform secret")]
    WrongKey,
    #[error("the wrapped data key is malformed")]
    MalformedWrappedKey,
    /// A record ciphertext failed authentication: altered, truncated, or
    /// moved from another row or kind.
    #[error("ciphertext failed authentication")]
    Tampered,
    #[error("the data key reached its limit of {limit} encryptions and must be replaced")]
    KeyExhausted { limit: u64 },
    #[error("the operating system random number generator failed")]
    Rng,
    #[error("internal cryptographic failure")]
    Internal,
}

/// Fills `out` from the OS generator. A failure is reported, never papered
/// over: a predictable key or nonce would be worse than no store.
pub(crate) fn random_fill(out: &mut [u8]) -> Result<(), CryptoError> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new()
        .fill(out)
        .map_err(|_| CryptoError::Rng)
}
