//! The data key and its wrapping under the PIN-derived KEK.
//!
//! Wrapped-key format (61 bytes):
//! `version (1) ‖ nonce (12) ‖ AES-256-GCM(data key) (32) ‖ tag (16)`,
//! with associated data `"ocrotire.keywrap" ‖ version ‖ iterations_be32 ‖
//! salt ‖ platform_bound`, so the plaintext KDF parameters stored beside it
//! cannot be altered without the unwrap failing.

use ring::aead;
use zeroize::Zeroizing;

use super::kdf::{derive_kek, KdfParams};
use super::{random_fill, CryptoError};

pub const DATA_KEY_LEN: usize = 32;
pub const WRAP_FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = aead::NONCE_LEN;
const TAG_LEN: usize = 16;
/// Length of every wrapped key this version writes.
pub const WRAPPED_KEY_LEN: usize = 1 + NONCE_LEN + DATA_KEY_LEN + TAG_LEN;

/// The random key that encrypts every record.
///
/// Deliberately neither `Debug`, `Clone` nor `Copy`: the bytes exist in one
/// place and are zeroized when it is dropped.
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        random_fill(key.as_mut())?;
        Ok(Self(key))
    }

    pub(crate) fn bytes(&self) -> &[u8; DATA_KEY_LEN] {
        &self.0
    }
}

fn wrap_aad(params: &KdfParams) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + 1 + 4 + params.salt.len() + 1);
    aad.extend_from_slice(b"ocrotire.keywrap");
    aad.push(WRAP_FORMAT_VERSION);
    aad.extend_from_slice(&params.iterations.to_be_bytes());
    aad.extend_from_slice(&params.salt);
    aad.push(u8::from(params.platform_bound));
    aad
}

/// Wraps `key` under the KEK from (`pin`, `platform_secret`, `params`).
/// Costs one full PBKDF2 run.
pub fn wrap_data_key(
    key: &DataKey,
    params: &KdfParams,
    pin: &[u8],
    platform_secret: Option<&[u8]>,
) -> Result<Vec<u8>, CryptoError> {
    let kek = derive_kek(params, pin, platform_secret)?;
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce)?;

    let mut out = Vec::with_capacity(WRAPPED_KEY_LEN);
    out.push(WRAP_FORMAT_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(key.bytes());
    let sealed = kek.0.seal_in_place_separate_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::from(wrap_aad(params)),
        &mut out[1 + NONCE_LEN..],
    );
    match sealed {
        Ok(tag) => {
            out.extend_from_slice(tag.as_ref());
            Ok(out)
        }
        Err(_) => {
            // The buffer still holds the raw data key.
            zeroize::Zeroize::zeroize(&mut out);
            Err(CryptoError::Internal)
        }
    }
}

/// Recovers the data key. Costs one full PBKDF2 run, except for malformed
/// input, which is rejected first.
pub fn unwrap_data_key(
    wrapped: &[u8],
    params: &KdfParams,
    pin: &[u8],
    platform_secret: Option<&[u8]>,
) -> Result<DataKey, CryptoError> {
    if wrapped.len() != WRAPPED_KEY_LEN || wrapped[0] != WRAP_FORMAT_VERSION {
        return Err(CryptoError::MalformedWrappedKey);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&wrapped[1..1 + NONCE_LEN]);
    let kek = derive_kek(params, pin, platform_secret)?;

    let mut buf = Zeroizing::new([0u8; DATA_KEY_LEN + TAG_LEN]);
    buf.copy_from_slice(&wrapped[1 + NONCE_LEN..]);
    let plain = kek
        .0
        .open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(wrap_aad(params)),
            buf.as_mut(),
        )
        .map_err(|_| CryptoError::WrongKey)?;
    let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
    key.copy_from_slice(plain);
    Ok(DataKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MIN_KDF_ITERATIONS;

    #[test]
    fn wrap_binds_parameters_and_secret() {
        let key = DataKey::generate().unwrap();
        let secret = [7u8; 32];
        let params = KdfParams::generate(MIN_KDF_ITERATIONS, true).unwrap();
        let wrapped = wrap_data_key(&key, &params, b"1234", Some(&secret)).unwrap();
        assert_eq!(wrapped.len(), WRAPPED_KEY_LEN);

        let back = unwrap_data_key(&wrapped, &params, b"1234", Some(&secret)).unwrap();
        assert_eq!(back.bytes(), key.bytes());

        let other_secret = [8u8; 32];
        assert_eq!(
            unwrap_data_key(&wrapped, &params, b"1234", Some(&other_secret)).err(),
            Some(CryptoError::WrongKey)
        );
        let mut raised = params;
        raised.iterations += 1;
        assert_eq!(
            unwrap_data_key(&wrapped, &raised, b"1234", Some(&secret)).err(),
            Some(CryptoError::WrongKey)
        );
        assert_eq!(
            unwrap_data_key(&wrapped, &params, b"1234", None).err(),
            Some(CryptoError::PlatformSecretRequired)
        );
    }

    #[test]
    fn low_iterations_refused() {
        assert_eq!(
            KdfParams::generate(MIN_KDF_ITERATIONS - 1, false).err(),
            Some(CryptoError::KdfIterationsTooLow {
                requested: MIN_KDF_ITERATIONS - 1,
                minimum: MIN_KDF_ITERATIONS
            })
        );
    }
}
