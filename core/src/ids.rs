//! Random identifiers. Documents and records use random ids so that no id
//! reveals a locality, a date or a count.

use ring::rand::{SecureRandom, SystemRandom};

/// 128 random bits as 32 lowercase hex characters.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // SystemRandom only fails when the OS has no entropy source at all, a
    // state in which nothing in this crate can work; fall back loudly.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("operating system random number generator unavailable");
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
