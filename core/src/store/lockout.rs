//! Failed-unlock policy: a few free attempts, then exponentially growing
//! waits, then (optionally) a wipe.
//!
//! The policy is chosen by the district office and kept in plaintext in the
//! store: it must be readable before unlocking, and counts and times are
//! not child data. Someone who can edit the file can also copy it and
//! brute-force it offline, so integrity-protecting the policy would add
//! nothing; the platform secret is the defence against that attacker.
//!
//! Times are wall-clock milliseconds, persisted so that restarting the app
//! does not reset a wait. Setting the clock *back* cannot extend a wait
//! forever (see [`remaining_delay`]); setting it *forward* can shorten a
//! wait across restarts, which an in-process monotonic clock check
//! (in `access.rs`) blunts while the app keeps running.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};

use super::StoreError;

/// Upper bound for any configured delay; also keeps millisecond values far
/// from integer overflow.
pub const MAX_CONFIGURABLE_DELAY: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures allowed before any wait is imposed.
    pub free_attempts: u32,
    /// Wait after the first failure beyond the free ones; doubles with each
    /// further failure.
    pub base_delay: Duration,
    /// Ceiling for the doubling wait.
    pub max_delay: Duration,
    /// Wipe the store when consecutive failures reach this number.
    pub wipe_after: Option<u32>,
}

impl Default for LockoutPolicy {
    /// A starting point only; the district office sets the real policy.
    fn default() -> Self {
        Self {
            free_attempts: 3,
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(15 * 60),
            wipe_after: Some(10),
        }
    }
}

impl LockoutPolicy {
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.max_delay > MAX_CONFIGURABLE_DELAY {
            return Err(StoreError::InvalidConfig("max_delay exceeds 30 days"));
        }
        if self.base_delay > self.max_delay {
            return Err(StoreError::InvalidConfig("base_delay exceeds max_delay"));
        }
        if self.wipe_after == Some(0) {
            return Err(StoreError::InvalidConfig("wipe_after must be at least 1"));
        }
        Ok(())
    }

    /// The wait imposed before the next attempt after `failures`
    /// consecutive failures: zero for the free ones, then
    /// `base_delay · 2^(failures − free_attempts)`, capped at `max_delay`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        let Some(excess) = failures.checked_sub(self.free_attempts) else {
            return Duration::ZERO;
        };
        let factor = 1u32.checked_shl(excess).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Failures still allowed before the wipe, if the policy wipes.
    pub fn attempts_left(&self, failures: u32) -> Option<u32> {
        self.wipe_after.map(|limit| limit.saturating_sub(failures))
    }
}

/// Persisted failure state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LockoutState {
    pub failed_attempts: u32,
    pub last_failure_ms: Option<i64>,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> Result<i64, StoreError> {
    i64::try_from(d.as_millis()).map_err(|_| StoreError::InvalidConfig("delay out of range"))
}

pub(crate) fn insert(conn: &Connection, policy: &LockoutPolicy) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO lockout (id, free_attempts, base_delay_ms, max_delay_ms, wipe_after, failed_attempts, last_failure_ms)
         VALUES (1, ?1, ?2, ?3, ?4, 0, NULL)",
        params![
            i64::from(policy.free_attempts),
            ms(policy.base_delay)?,
            ms(policy.max_delay)?,
            policy.wipe_after.map(i64::from)
        ],
    )?;
    Ok(())
}

pub(crate) fn set_policy(conn: &Connection, policy: &LockoutPolicy) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE lockout SET free_attempts = ?1, base_delay_ms = ?2, max_delay_ms = ?3, wipe_after = ?4 WHERE id = 1",
        params![
            i64::from(policy.free_attempts),
            ms(policy.base_delay)?,
            ms(policy.max_delay)?,
            policy.wipe_after.map(i64::from)
        ],
    )?;
    Ok(())
}

pub(crate) fn load(conn: &Connection) -> Result<(LockoutPolicy, LockoutState), StoreError> {
    let row = conn
        .query_row(
            "SELECT free_attempts, base_delay_ms, max_delay_ms, wipe_after, failed_attempts, last_failure_ms
             FROM lockout WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            },
        )
        .map_err(super::error::corrupt_unless_environmental)?;
    let (free, base_ms, max_ms, wipe_after, failed, last_failure_ms) = row;
    let u32_of = |v: i64| u32::try_from(v).map_err(|_| StoreError::Corrupt);
    let dur_of = |v: i64| {
        u64::try_from(v)
            .map(Duration::from_millis)
            .map_err(|_| StoreError::Corrupt)
    };
    let policy = LockoutPolicy {
        free_attempts: u32_of(free)?,
        base_delay: dur_of(base_ms)?,
        max_delay: dur_of(max_ms)?,
        wipe_after: wipe_after.map(u32_of).transpose()?,
    };
    policy.validate().map_err(|_| StoreError::Corrupt)?;
    let state = LockoutState {
        failed_attempts: u32_of(failed)?,
        last_failure_ms,
    };
    Ok((policy, state))
}

/// Counts an attempt as failed *before* it is checked, durably, and
/// returns the new count. A process killed during the key derivation has
/// thus already paid for its guess; success resets the count.
pub(crate) fn count_attempt(conn: &Connection, now_ms: i64) -> Result<u32, StoreError> {
    let failed: i64 = conn.query_row(
        "UPDATE lockout SET failed_attempts = failed_attempts + 1, last_failure_ms = ?1
         WHERE id = 1 RETURNING failed_attempts",
        [now_ms],
        |r| r.get(0),
    )?;
    u32::try_from(failed).map_err(|_| StoreError::Corrupt)
}

pub(crate) fn reset(conn: &Connection) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE lockout SET failed_attempts = 0, last_failure_ms = NULL WHERE id = 1",
        [],
    )?;
    Ok(())
}

/// How long the caller must still wait, by the persisted wall clock.
///
/// If the clock now reads earlier than the last failure, it was set back:
/// the last failure is re-dated to now (persisted) so the full wait applies
/// once, instead of a wait that would not end until the clock caught up.
pub(crate) fn remaining_delay(
    conn: &Connection,
    policy: &LockoutPolicy,
    state: &LockoutState,
    now_ms: i64,
) -> Result<Duration, StoreError> {
    let delay = policy.delay_after(state.failed_attempts);
    let Some(last) = state.last_failure_ms else {
        return Ok(Duration::ZERO);
    };
    if delay.is_zero() {
        return Ok(Duration::ZERO);
    }
    if last > now_ms {
        conn.execute(
            "UPDATE lockout SET last_failure_ms = ?1 WHERE id = 1",
            [now_ms],
        )?;
        return Ok(delay);
    }
    let elapsed = Duration::from_millis(u64::try_from(now_ms - last).unwrap_or(0));
    Ok(delay.saturating_sub(elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_then_cap() {
        let p = LockoutPolicy {
            free_attempts: 3,
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(300),
            wipe_after: Some(10),
        };
        let secs: Vec<u64> = (0..9).map(|f| p.delay_after(f).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 30, 60, 120, 240, 300, 300]);
        assert_eq!(p.delay_after(u32::MAX), Duration::from_secs(300));
        assert_eq!(p.attempts_left(4), Some(6));
    }
}
