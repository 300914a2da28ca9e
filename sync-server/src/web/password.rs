//! Dashboard passwords, stored as PBKDF2-HMAC-SHA256 hashes with a random
//! salt and the iteration count, so the count can rise later without
//! invalidating stored hashes. 600,000 iterations (OWASP's figure for this
//! function) makes each guess cost a third of a second of a core.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

use crate::enrollment::RandomUnavailable;

const ALGORITHM: pbkdf2::Algorithm = pbkdf2::PBKDF2_HMAC_SHA256;
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;
/// Version, iterations (big-endian u32), salt, hash.
const STORED_LEN: usize = 1 + 4 + SALT_LEN + HASH_LEN;

pub const ITERATIONS: u32 = 600_000;
/// A person types it; anything longer is refused before hashing.
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("passwords are {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} bytes")]
    Length,
    #[error(transparent)]
    Random(#[from] RandomUnavailable),
}

/// The stored form of a new password.
pub fn hash(password: &str) -> Result<Vec<u8>, PasswordError> {
    hash_with(password, ITERATIONS)
}

fn hash_with(password: &str, iterations: u32) -> Result<Vec<u8>, PasswordError> {
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&password.len()) {
        return Err(PasswordError::Length);
    }
    let rounds = NonZeroU32::new(iterations).ok_or(PasswordError::Length)?;
    let mut salt = [0u8; SALT_LEN];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| RandomUnavailable)?;
    let mut out = [0u8; HASH_LEN];
    pbkdf2::derive(ALGORITHM, rounds, &salt, password.as_bytes(), &mut out);
    let mut stored = Vec::with_capacity(STORED_LEN);
    stored.push(VERSION);
    stored.extend_from_slice(&iterations.to_be_bytes());
    stored.extend_from_slice(&salt);
    stored.extend_from_slice(&out);
    Ok(stored)
}

/// Whether `password` matches `stored` (compared in constant time). A
/// stored value of another shape never matches.
pub fn verify(password: &str, stored: &[u8]) -> bool {
    if password.len() > MAX_PASSWORD_LEN || stored.len() != STORED_LEN || stored[0] != VERSION {
        return false;
    }
    let (iterations, rest) = stored[1..].split_at(4);
    let (salt, expected) = rest.split_at(SALT_LEN);
    let iterations =
        u32::from_be_bytes([iterations[0], iterations[1], iterations[2], iterations[3]]);
    let Some(rounds) = NonZeroU32::new(iterations) else {
        return false;
    };
    pbkdf2::verify(ALGORITHM, rounds, salt, password.as_bytes(), expected).is_ok()
}

/// Work equal to one verification, for sign-ins of unknown users, so that
/// the answer's timing does not tell which user ids exist.
pub fn waste_time(password: &str) {
    let mut out = [0u8; HASH_LEN];
    if let Some(rounds) = NonZeroU32::new(ITERATIONS) {
        pbkdf2::derive(
            ALGORITHM,
            rounds,
            &[0; SALT_LEN],
            password.as_bytes(),
            &mut out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_verifies_and_others_do_not() {
        let stored = hash_with("correct horse battery", 1_000).unwrap();
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterz", &stored));
        assert!(!verify("", &stored));
        // Salted: the same password never stores the same bytes twice.
        assert_ne!(stored, hash_with("correct horse battery", 1_000).unwrap());
    }

    #[test]
    fn damaged_or_foreign_hashes_never_match() {
        let stored = hash_with("correct horse battery", 1_000).unwrap();
        assert!(!verify(
            "correct horse battery",
            &stored[..stored.len() - 1]
        ));
        let mut other_version = stored.clone();
        other_version[0] = 2;
        assert!(!verify("correct horse battery", &other_version));
        let mut flipped = stored;
        flipped[STORED_LEN - 1] ^= 1;
        assert!(!verify("correct horse battery", &flipped));
    }

    #[test]
    fn lengths_are_bounded() {
        assert_eq!(hash("short"), Err(PasswordError::Length));
        assert_eq!(
            hash(&"x".repeat(MAX_PASSWORD_LEN + 1)),
            Err(PasswordError::Length)
        );
    }
}
