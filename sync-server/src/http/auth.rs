//! Signed requests (docs/PROTOCOL.md, "Signed requests"): which device sent
//! this exact body, now, once.
//!
//! Checks run cheapest-first but the order also matters for what a caller
//! learns: nothing about a device before its signature verifies, so a
//! revoked device is told to wipe only when the request really is its own.
//! The nonce is recorded last, only for requests that passed everything
//! else, so forged requests cannot fill the nonce table.

use axum::http::HeaderMap;
use ocrotire_core::sync::protocol::{headers, signing_input};
use ring::signature::{UnparsedPublicKey, ED25519};

use crate::storage::{Device, Storage, StorageError, User};

const NONCE_HEX_LEN: usize = 32;
const SIGNATURE_LEN: usize = 64;
const MAX_DEVICE_ID_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the signature headers are malformed")]
    Malformed,
    #[error("unknown device")]
    UnknownDevice,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the request time is outside the server's clock window")]
    Stale,
    #[error("the nonce was already used")]
    Replayed,
    #[error("the device is revoked")]
    Revoked,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a request claims in its headers.
struct Claimed<'a> {
    device_id: &'a str,
    time_ms: i64,
    nonce: &'a str,
    signature: Vec<u8>,
}

fn claimed(headers: &HeaderMap) -> Result<Claimed<'_>, AuthError> {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().map_err(|_| AuthError::Malformed))
    };
    let (Some(device_id), Some(time), Some(nonce), Some(signature)) = (
        get(headers::DEVICE),
        get(headers::TIME),
        get(headers::NONCE),
        get(headers::SIGNATURE),
    ) else {
        return Err(AuthError::Unsigned);
    };
    let (device_id, time, nonce, signature) = (device_id?, time?, nonce?, signature?);
    let device_ok = !device_id.is_empty()
        && device_id.len() <= MAX_DEVICE_ID_LEN
        && device_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let nonce_ok = nonce.len() == NONCE_HEX_LEN && nonce.bytes().all(|b| b.is_ascii_hexdigit());
    let time_ms = time.parse::<i64>().map_err(|_| AuthError::Malformed)?;
    let signature = decode_hex(signature)
        .filter(|s| s.len() == SIGNATURE_LEN)
        .ok_or(AuthError::Malformed)?;
    if !device_ok || !nonce_ok {
        return Err(AuthError::Malformed);
    }
    Ok(Claimed {
        device_id,
        time_ms,
        nonce,
        signature,
    })
}

/// Verifies a signed request and returns its device and user.
pub async fn authenticate<S: Storage>(
    storage: &S,
    max_skew_ms: i64,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<(Device, User), AuthError> {
    let claimed = claimed(headers)?;
    let Some((device, user)) = storage.device(claimed.device_id.to_owned()).await? else {
        return Err(AuthError::UnknownDevice);
    };
    let message = signing_input(method, path, body, claimed.time_ms, claimed.nonce);
    UnparsedPublicKey::new(&ED25519, &device.public_key)
        .verify(&message, &claimed.signature)
        .map_err(|_| AuthError::BadSignature)?;
    if device.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if now_ms.abs_diff(claimed.time_ms) > max_skew_ms.unsigned_abs() {
        return Err(AuthError::Stale);
    }
    // Nonces are kept case-insensitively unique: the same bytes in upper
    // case are the same nonce.
    let nonce = claimed.nonce.to_ascii_lowercase();
    if !storage
        .remember_nonce(device.device_id.clone(), nonce, now_ms)
        .await?
    {
        return Err(AuthError::Replayed);
    }
    Ok((device, user))
}

/// How long a nonce must be remembered: a request is accepted while its
/// time is within the window of the server's clock, so a replay can come up
/// to twice the window after the first use.
pub fn nonce_retention_ms(max_skew_ms: i64) -> i64 {
    max_skew_ms.saturating_mul(2).saturating_add(60_000)
}

/// Strict hex: an odd length leaves a one-byte last chunk, which fails.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: &u8| char::from(*b).to_digit(16);
            let [high, low] = pair else { return None };
            u8::try_from(digit(high)? * 16 + digit(low)?).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_is_strict() {
        assert_eq!(decode_hex("00ff7A"), Some(vec![0, 255, 0x7a]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn missing_headers_mean_unsigned_and_bad_ones_malformed() {
        let mut headers = HeaderMap::new();
        assert!(matches!(claimed(&headers), Err(AuthError::Unsigned)));
        headers.insert(headers::DEVICE, "dev1".parse().unwrap());
        headers.insert(headers::TIME, "12".parse().unwrap());
        headers.insert(headers::NONCE, "00".repeat(16).parse().unwrap());
        headers.insert(headers::SIGNATURE, "ab".parse().unwrap());
        assert!(matches!(claimed(&headers), Err(AuthError::Malformed)));
        headers.insert(headers::SIGNATURE, "ab".repeat(64).parse().unwrap());
        assert!(claimed(&headers).is_ok());
        headers.insert(headers::NONCE, "short".parse().unwrap());
        assert!(matches!(claimed(&headers), Err(AuthError::Malformed)));
    }
}
