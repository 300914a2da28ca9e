//! The demo's only source of chance: xorshift64*, like core's synthetic
//! facts. A fixed seed gives the same year of field work every time, so a
//! screenshot of the demo dashboard can be reproduced, and no RNG crate is
//! needed for what is not security.

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A sequence for `seed`; `stream` separates the sequences of the same
    /// seed (one per district), so a district's data does not depend on how
    /// many cases the others have.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mixed = seed ^ stream.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // xorshift never leaves zero.
        let mut rng = Rng(mixed | 1);
        // The first outputs of close seeds are close; skip them.
        for _ in 0..4 {
            rng.next();
        }
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index below `len` (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// One of `items`, `None` only when there are none.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let at = self.index(items.len());
        items.get(at).copied()
    }

    /// One of `items` with probability proportional to its weight.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut left = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if left < weight {
                return Some(*item);
            }
            left -= weight;
        }
        None
    }

    /// A random-looking record id (32 hex digits), as devices make them,
    /// but reproducible.
    pub fn id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
}

/// `at` moved by `minutes` (either way); unchanged if that leaves chrono's
/// range, which no demo date comes near.
pub fn shift(at: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    at.checked_add_signed(TimeDelta::minutes(minutes))
        .unwrap_or(at)
}

/// Minutes in `hours` hours, for readable offsets.
pub const fn hours(hours: u64) -> i64 {
    hours as i64 * 60
}

/// Minutes in `days` days.
pub const fn days(days: u64) -> i64 {
    days as i64 * 24 * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_stream_other_sequence() {
        let mut one = Rng::new(7, 0);
        let mut two = Rng::new(7, 0);
        let mut other = Rng::new(7, 1);
        let first: Vec<u64> = (0..5).map(|_| one.next()).collect();
        assert_eq!(first, (0..5).map(|_| two.next()).collect::<Vec<_>>());
        assert_ne!(first, (0..5).map(|_| other.next()).collect::<Vec<_>>());
    }

    #[test]
    fn picks_stay_in_range() {
        let mut rng = Rng::new(1, 2);
        for _ in 0..1000 {
            assert!(rng.between(3, 5) >= 3 && rng.between(3, 5) <= 5);
            assert!(rng.pick(&[1, 2, 3]).is_some());
            assert_eq!(rng.weighted(&[('a', 0), ('b', 1)]), Some('b'));
        }
        assert_eq!(rng.pick::<u8>(&[]), None);
        assert_eq!(rng.weighted::<u8>(&[]), None);
        assert_eq!(rng.id().len(), 32);
    }
}
