//! Sealing and opening records under the data key.
//!
//! Record format: `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
//! The associated data is
//! `"ocrotire.record" ‖ version ‖ kind ‖ seq_be64 ‖ len_be16(row id) ‖ row id`,
//! so a ciphertext only opens in the row, kind and write it was made for.
//! It does not stop an attacker with the file from restoring an *entire*
//! older row; nothing short of a MAC over the whole store would.

use ring::{aead, hkdf, hmac};
use zeroize::Zeroize;

use super::keys::DataKey;
use super::{random_fill, CryptoError};

pub const RECORD_FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = aead::NONCE_LEN;
const HEADER_LEN: usize = 1 + NONCE_LEN;
const TAG_LEN: usize = 16;
/// Bytes a sealed record adds to its plaintext.
pub const RECORD_OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// Encryptions allowed under one data key.
///
/// With random 96-bit nonces, NIST SP 800-38D §8.3 caps a key at 2^32
/// invocations, keeping the chance of any nonce repeating below 2^-32.
/// A busy device writing 10,000 records a day would need over a thousand
/// years to reach it, so reaching it means a bug or an attack; the store
/// then refuses to write ([`CryptoError::KeyExhausted`]) rather than risk
/// a repeat. Re-keying is not implemented.
pub const MAX_ENCRYPTIONS_PER_KEY: u64 = 1 << 32;

const RECORD_KEY_INFO: &[u8] = b"ocrotire.record.aes-256-gcm.v1";
const NAME_KEY_INFO: &[u8] = b"ocrotire.setting-name.hmac-sha256.v1";

/// What a ciphertext is; part of its associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordKind {
    CaseDoc = 1,
    CaseSummary = 2,
    Setting = 3,
}

/// Where a ciphertext belongs. `seq` is the write's sequence number (0 for
/// settings), which also ties a case's document and summary to the same
/// write.
#[derive(Clone, Copy, Debug)]
pub struct RecordAad<'a> {
    pub kind: RecordKind,
    pub row_id: &'a [u8],
    pub seq: u64,
}

impl RecordAad<'_> {
    fn encode(&self, version: u8) -> Result<Vec<u8>, CryptoError> {
        let id_len = u16::try_from(self.row_id.len()).map_err(|_| CryptoError::Internal)?;
        let mut aad = Vec::with_capacity(15 + 1 + 1 + 8 + 2 + self.row_id.len());
        aad.extend_from_slice(b"ocrotire.record");
        aad.push(version);
        aad.push(self.kind as u8);
        aad.extend_from_slice(&self.seq.to_be_bytes());
        aad.extend_from_slice(&id_len.to_be_bytes());
        aad.extend_from_slice(self.row_id);
        Ok(aad)
    }
}

// The size gap exists only in benchmark builds; boxing the AES key would
// add an indirection to exactly the path being measured.
#[cfg_attr(feature = "bench-null-cipher", allow(clippy::large_enum_variant))]
enum Cipher {
    Aes(aead::LessSafeKey),
    /// Identity "encryption" with the same framing, nonce generation and
    /// counting, to measure what AES-GCM itself costs. Compiled only with
    /// the `bench-null-cipher` feature, so it does not exist in app builds.
    #[cfg(feature = "bench-null-cipher")]
    Null,
}

/// Format byte of null-cipher records; never accepted by the AES path.
#[cfg(feature = "bench-null-cipher")]
const NULL_FORMAT_VERSION: u8 = 0;

/// The keys an unlocked store holds: the record AEAD key and the key that
/// turns setting names into opaque row ids. Both are HKDF subkeys of the
/// data key, so the data key itself can be dropped once these exist.
pub struct RecordKeys {
    cipher: Cipher,
    names: hmac::Key,
}

impl RecordKeys {
    pub fn derive(data_key: &DataKey) -> Result<Self, CryptoError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(data_key.bytes());
        // expand() only fails for outputs over 255 hash lengths; ours are
        // 32 bytes, but the error is mapped rather than unwrapped anyway.
        let aes = prk
            .expand(&[RECORD_KEY_INFO], &aead::AES_256_GCM)
            .map(aead::UnboundKey::from)
            .map_err(|_| CryptoError::Internal)?;
        let names = prk
            .expand(&[NAME_KEY_INFO], hmac::HMAC_SHA256)
            .map(hmac::Key::from)
            .map_err(|_| CryptoError::Internal)?;
        Ok(Self {
            cipher: Cipher::Aes(aead::LessSafeKey::new(aes)),
            names,
        })
    }

    /// Benchmarks only: same keys for names, but records are copied, not
    /// encrypted. Never reachable from an app build (feature-gated).
    #[cfg(feature = "bench-null-cipher")]
    #[doc(hidden)]
    pub fn null_cipher_for_benchmarks_only(data_key: &DataKey) -> Result<Self, CryptoError> {
        let mut keys = Self::derive(data_key)?;
        keys.cipher = Cipher::Null;
        Ok(keys)
    }

    pub fn is_null_cipher(&self) -> bool {
        !matches!(self.cipher, Cipher::Aes(_))
    }

    /// Seals `plaintext`, counting the encryption in `encryptions` (the
    /// caller's persisted count for this key, written back in the same
    /// transaction as the ciphertext).
    pub fn seal(
        &self,
        aad: &RecordAad<'_>,
        plaintext: &[u8],
        encryptions: &mut u64,
    ) -> Result<Vec<u8>, CryptoError> {
        if *encryptions >= MAX_ENCRYPTIONS_PER_KEY {
            return Err(CryptoError::KeyExhausted {
                limit: MAX_ENCRYPTIONS_PER_KEY,
            });
        }
        *encryptions += 1;
        let mut nonce = [0u8; NONCE_LEN];
        random_fill(&mut nonce)?;

        match &self.cipher {
            Cipher::Aes(key) => {
                let aad = aad.encode(RECORD_FORMAT_VERSION)?;
                let mut out = Vec::with_capacity(RECORD_OVERHEAD + plaintext.len());
                out.push(RECORD_FORMAT_VERSION);
                out.extend_from_slice(&nonce);
                out.extend_from_slice(plaintext);
                let sealed = key.seal_in_place_separate_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(aad),
                    &mut out[HEADER_LEN..],
                );
                match sealed {
                    Ok(tag) => {
                        out.extend_from_slice(tag.as_ref());
                        Ok(out)
                    }
                    Err(_) => {
                        // The buffer still holds plaintext.
                        out.zeroize();
                        Err(CryptoError::Internal)
                    }
                }
            }
            #[cfg(feature = "bench-null-cipher")]
            Cipher::Null => {
                let _ = aad.encode(NULL_FORMAT_VERSION)?;
                let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len());
                out.push(NULL_FORMAT_VERSION);
                out.extend_from_slice(&nonce);
                out.extend_from_slice(plaintext);
                Ok(out)
            }
        }
    }

    /// Opens a sealed record, or reports [`CryptoError::Tampered`] if it was
    /// altered, truncated or belongs elsewhere.
    pub fn open(&self, aad: &RecordAad<'_>, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.cipher {
            Cipher::Aes(key) => {
                if blob.len() < RECORD_OVERHEAD || blob[0] != RECORD_FORMAT_VERSION {
                    return Err(CryptoError::Tampered);
                }
                let mut nonce = [0u8; NONCE_LEN];
                nonce.copy_from_slice(&blob[1..HEADER_LEN]);
                let aad = aad.encode(RECORD_FORMAT_VERSION)?;
                let mut buf = blob[HEADER_LEN..].to_vec();
                match key.open_in_place(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(aad),
                    &mut buf,
                ) {
                    Ok(plain) => {
                        let len = plain.len();
                        buf.truncate(len);
                        Ok(buf)
                    }
                    Err(_) => {
                        // ring leaves the buffer unspecified on failure.
                        buf.zeroize();
                        Err(CryptoError::Tampered)
                    }
                }
            }
            #[cfg(feature = "bench-null-cipher")]
            Cipher::Null => {
                let _ = aad.encode(NULL_FORMAT_VERSION)?;
                if blob.len() < HEADER_LEN || blob[0] != NULL_FORMAT_VERSION {
                    return Err(CryptoError::Tampered);
                }
                Ok(blob[HEADER_LEN..].to_vec())
            }
        }
    }

    /// The opaque row id under which a setting called `name` is stored:
    /// HMAC-SHA256 under a data-key subkey, so setting names never appear
    /// in the file and cannot be confirmed without the key.
    pub fn setting_row_id(&self, name: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.names, name.as_bytes());
        let mut id = [0u8; 32];
        // HMAC-SHA256 tags are always 32 bytes.
        id.copy_from_slice(tag.as_ref());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> RecordKeys {
        RecordKeys::derive(&DataKey::generate().unwrap()).unwrap()
    }

    #[test]
    fn round_trip_and_binding() {
        let k = keys();
        let mut n = 0;
        let here = RecordAad {
            kind: RecordKind::CaseDoc,
            row_id: b"abc",
            seq: 7,
        };
        let blob = k.seal(&here, b"secret", &mut n).unwrap();
        assert_eq!(n, 1);
        assert_eq!(blob.len(), 6 + RECORD_OVERHEAD);
        assert_eq!(k.open(&here, &blob).unwrap(), b"secret");

        for elsewhere in [
            RecordAad {
                kind: RecordKind::CaseSummary,
                ..here
            },
            RecordAad {
                row_id: b"abd",
                ..here
            },
            RecordAad { seq: 8, ..here },
        ] {
            assert_eq!(k.open(&elsewhere, &blob), Err(CryptoError::Tampered));
        }
        assert_eq!(keys().open(&here, &blob), Err(CryptoError::Tampered));
    }

    #[test]
    fn counter_bound_refuses() {
        let k = keys();
        let aad = RecordAad {
            kind: RecordKind::Setting,
            row_id: b"",
            seq: 0,
        };
        let mut n = MAX_ENCRYPTIONS_PER_KEY - 1;
        k.seal(&aad, b"x", &mut n).unwrap();
        assert_eq!(
            k.seal(&aad, b"x", &mut n),
            Err(CryptoError::KeyExhausted {
                limit: MAX_ENCRYPTIONS_PER_KEY
            })
        );
        assert_eq!(n, MAX_ENCRYPTIONS_PER_KEY);
    }
}
