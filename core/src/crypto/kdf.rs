//! Deriving the key-encryption key (KEK) from a PIN and an optional
//! platform secret.
//!
//! PBKDF2 makes each PIN guess cost ~0.3 s; it is the only thing standing
//! between a stolen file and a 4–6 digit PIN, hence the hard floor of
//! [`MIN_KDF_ITERATIONS`]. The platform secret (from Android Keystore / iOS
//! Keychain, handed in by the bindings) is mixed in with HKDF so that the
//! KEK depends on *both*: without the secret, a copied file cannot be
//! attacked offline at all; without the PIN, a rooted phone's keystore
//! alone does not open the store.

use std::num::NonZeroU32;

use ring::{aead, hkdf, pbkdf2};
use zeroize::Zeroizing;

use super::{random_fill, CryptoError};

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. Lower counts are
/// refused rather than clamped so that a misconfiguration is visible.
pub const MIN_KDF_ITERATIONS: u32 = 600_000;
pub const SALT_LEN: usize = 16;
/// Keystore secrets are normally 32 random bytes; fewer than 16 would add
/// too little to be worth the dependency on the keystore.
pub const MIN_PLATFORM_SECRET_LEN: usize = 16;
pub const MAX_PLATFORM_SECRET_LEN: usize = 1024;
/// Bounds the PBKDF2 input; a passphrase longer than this is a bug.
pub const MAX_PIN_LEN: usize = 1024;

/// Domain-separates our HKDF from any other use of the same inputs.
const HKDF_SALT: &[u8] = b"ocrotire.kek.hkdf-salt.v1";
const KEK_INFO: &[u8] = b"ocrotire.kek.aes-256-gcm.v1";

/// Public parameters of one key wrap, stored in plaintext next to the
/// wrapped key. They are also bound into the wrap's associated data, so
/// editing them in the file (e.g. lowering the iteration count or clearing
/// the platform flag) makes unwrapping fail instead of weakening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    pub salt: [u8; SALT_LEN],
    pub iterations: u32,
    /// Whether a platform secret was mixed in. Stored so that a missing
    /// secret is reported as such, not as a wrong PIN that costs an attempt.
    pub platform_bound: bool,
}

impl KdfParams {
    /// Fresh parameters with a random salt. Every wrap gets a new salt, so
    /// every KEK is used for exactly one AES-GCM encryption.
    pub fn generate(iterations: u32, platform_bound: bool) -> Result<Self, CryptoError> {
        check_iterations(iterations)?;
        let mut salt = [0u8; SALT_LEN];
        random_fill(&mut salt)?;
        Ok(Self {
            salt,
            iterations,
            platform_bound,
        })
    }

    /// Checks everything about an attempt that can be checked without the
    /// expensive derivation, so that callers can reject malformed input
    /// before counting it as a guess.
    pub fn check_inputs(
        &self,
        pin: &[u8],
        platform_secret: Option<&[u8]>,
    ) -> Result<(), CryptoError> {
        check_iterations(self.iterations)?;
        if pin.is_empty() || pin.len() > MAX_PIN_LEN {
            return Err(CryptoError::InvalidPin { max: MAX_PIN_LEN });
        }
        match (self.platform_bound, platform_secret) {
            (true, None) => Err(CryptoError::PlatformSecretRequired),
            (false, Some(_)) => Err(CryptoError::PlatformSecretUnexpected),
            (true, Some(secret))
                if !(MIN_PLATFORM_SECRET_LEN..=MAX_PLATFORM_SECRET_LEN).contains(&secret.len()) =>
            {
                Err(CryptoError::InvalidPlatformSecret {
                    min: MIN_PLATFORM_SECRET_LEN,
                    max: MAX_PLATFORM_SECRET_LEN,
                })
            }
            _ => Ok(()),
        }
    }
}

fn check_iterations(iterations: u32) -> Result<(), CryptoError> {
    if iterations < MIN_KDF_ITERATIONS {
        return Err(CryptoError::KdfIterationsTooLow {
            requested: iterations,
            minimum: MIN_KDF_ITERATIONS,
        });
    }
    Ok(())
}

/// The key-encryption key. Held by ring as an AES key; never exposed as
/// bytes, never Debug-printed, dropped right after one wrap or unwrap.
pub(crate) struct Kek(pub(crate) aead::LessSafeKey);

/// KEK = HKDF-SHA256(ikm = PBKDF2(pin, salt, n) ‖ secret-marker).
///
/// The marker is `0x00` without a platform secret and
/// `0x01 ‖ len_be32 ‖ secret` with one, so the two cases can never derive
/// the same key and the encoding is unambiguous.
pub(crate) fn derive_kek(
    params: &KdfParams,
    pin: &[u8],
    platform_secret: Option<&[u8]>,
) -> Result<Kek, CryptoError> {
    params.check_inputs(pin, platform_secret)?;
    let iterations =
        NonZeroU32::new(params.iterations).ok_or(CryptoError::KdfIterationsTooLow {
            requested: params.iterations,
            minimum: MIN_KDF_ITERATIONS,
        })?;

    let mut stretched = Zeroizing::new([0u8; 32]);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &params.salt,
        pin,
        stretched.as_mut(),
    );

    let secret_len = platform_secret.map_or(0, <[u8]>::len);
    // Exact capacity: no reallocation may leave an unzeroized copy behind.
    let mut ikm = Zeroizing::new(Vec::with_capacity(stretched.len() + 5 + secret_len));
    ikm.extend_from_slice(stretched.as_ref());
    match platform_secret {
        None => ikm.push(0x00),
        Some(secret) => {
            ikm.push(0x01);
            // check_inputs bounded the length to MAX_PLATFORM_SECRET_LEN.
            let len = u32::try_from(secret.len()).map_err(|_| CryptoError::Internal)?;
            ikm.extend_from_slice(&len.to_be_bytes());
            ikm.extend_from_slice(secret);
        }
    }

    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(&ikm);
    let okm = prk
        .expand(&[KEK_INFO], &aead::AES_256_GCM)
        .map_err(|_| CryptoError::Internal)?;
    Ok(Kek(aead::LessSafeKey::new(aead::UnboundKey::from(okm))))
}
