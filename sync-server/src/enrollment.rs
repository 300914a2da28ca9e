//! One-time enrollment codes: what an administrator reads out or hands to a
//! field worker, and what the server keeps of it (a hash).
//!
//! A code is 20 characters of Crockford's base 32 (digits and letters
//! without I, L, O and U; a typed O reads as 0, I and L as 1), 100 random
//! bits, shown in groups of four. With that
//! much entropy a plain SHA-256 is enough to store it: nobody can search
//! the code space from the hash, and a fast hash keeps enrollment cheap.

use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

/// Codes expire this long after they are issued.
pub const CODE_LIFETIME_MS: i64 = 72 * 60 * 60 * 1000;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_CHARS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomUnavailable;

/// A fresh code, formatted for people: `ABCD-EFGH-JKMN-PQRS-TUVW`.
pub fn new_code() -> Result<String, RandomUnavailable> {
    let mut random = [0u8; CODE_CHARS];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| RandomUnavailable)?;
    let mut code = String::with_capacity(CODE_CHARS + CODE_CHARS / 4);
    for (i, byte) in random.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        // 256 is a multiple of 32, so the low five bits are uniform.
        code.push(char::from(ALPHABET[usize::from(byte & 31)]));
    }
    Ok(code)
}

/// What is hashed: the code without separators or spaces, upper case, with
/// look-alike letters read as digits, so a code typed as `abcd efgh...` or
/// with an O for a 0 still works.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

pub fn code_hash(code: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, normalise(code).as_bytes()).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_hash_the_same_however_typed() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 24);
        assert_eq!(code.matches('-').count(), 4);
        assert_eq!(
            code_hash(&code),
            code_hash(&code.to_lowercase().replace('-', " "))
        );
        assert_ne!(code, new_code().unwrap());
        assert_eq!(normalise("o1-il"), "0111");
    }
}
