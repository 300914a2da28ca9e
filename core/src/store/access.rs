//! Unlocking, PIN change and the lockout policy: every path that checks a
//! PIN goes through [`Store::verify_counted`], so none of them can be used
//! to guess PINs faster than the policy allows.

use std::time::{Duration, Instant};

use super::{keyring, lockout, LockoutPolicy, Store, StoreError};
use crate::crypto::{self, CryptoError, DataKey, KdfParams, RecordKeys};

impl Store {
    /// Unlocks with the PIN (and the platform secret, if the store was
    /// created with one). Costs one key derivation (~0.2–0.5 s).
    ///
    /// Errors: `Throttled` (nothing tried, nothing counted), `WrongPin`,
    /// `Wiped` (this failure reached the policy's limit), or `Crypto` for
    /// a malformed PIN or a missing/unexpected platform secret (not
    /// counted: they are not guesses).
    pub fn unlock(&mut self, pin: &str, platform_secret: Option<&[u8]>) -> Result<(), StoreError> {
        let data_key = self.verify_counted(pin, platform_secret)?;
        self.keys = Some(RecordKeys::derive(&data_key)?);
        Ok(())
    }

    /// Re-wraps the data key under `new_pin`; no record is re-encrypted.
    /// Checking `old_pin` counts as an unlock attempt. Atomic: afterwards
    /// exactly one of the two PINs opens the store. The platform secret, if
    /// any, stays the same. Leaves the lock state as it was. Costs two key
    /// derivations.
    pub fn change_pin(
        &mut self,
        old_pin: &str,
        new_pin: &str,
        platform_secret: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let current = keyring::load(self.conn()?)?;
        let params = KdfParams::generate(current.params.iterations, current.params.platform_bound)?;
        // Reject a malformed new PIN before spending an attempt.
        params.check_inputs(new_pin.as_bytes(), platform_secret)?;
        let data_key = self.verify_counted(old_pin, platform_secret)?;
        let wrapped =
            crypto::wrap_data_key(&data_key, &params, new_pin.as_bytes(), platform_secret)?;
        keyring::rewrap(self.conn()?, &params, &wrapped)
    }

    /// The policy currently in force (readable while locked, for the UI).
    pub fn lockout_policy(&self) -> Result<LockoutPolicy, StoreError> {
        Ok(lockout::load(self.conn()?)?.0)
    }

    /// Replaces the lockout policy (from the district office). Requires the
    /// store to be unlocked, so the policy cannot be relaxed by someone who
    /// only holds the phone.
    pub fn set_lockout_policy(&mut self, policy: LockoutPolicy) -> Result<(), StoreError> {
        policy.validate()?;
        let (conn, _) = self.unlocked()?;
        lockout::set_policy(conn, &policy)
    }

    /// Consecutive failed attempts so far (for the UI).
    pub fn failed_attempts(&self) -> Result<u32, StoreError> {
        Ok(lockout::load(self.conn()?)?.1.failed_attempts)
    }

    /// Checks a PIN under the lockout policy and returns the data key.
    ///
    /// Order matters: input shape is checked first (not a guess), then the
    /// wait, then the attempt is counted durably, and only then is the key
    /// derived. Killing the process at any point after the count costs
    /// the attempt.
    fn verify_counted(
        &mut self,
        pin: &str,
        platform_secret: Option<&[u8]>,
    ) -> Result<DataKey, StoreError> {
        let conn = self.conn()?;
        let keyring = keyring::load(conn)?;
        keyring
            .params
            .check_inputs(pin.as_bytes(), platform_secret)?;
        let (policy, state) = lockout::load(conn)?;

        // A crash between reaching the limit and wiping: finish the wipe.
        if policy
            .wipe_after
            .is_some_and(|limit| state.failed_attempts >= limit)
        {
            self.wipe_in_place()?;
            return Err(StoreError::Wiped);
        }

        let now = lockout::now_ms();
        let persisted_wait = lockout::remaining_delay(conn, &policy, &state, now)?;
        let process_wait = self.last_failure.map_or(Duration::ZERO, |at| {
            policy
                .delay_after(state.failed_attempts)
                .saturating_sub(at.elapsed())
        });
        let wait = persisted_wait.max(process_wait);
        if !wait.is_zero() {
            return Err(StoreError::Throttled {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }

        let failures = lockout::count_attempt(conn, now)?;
        self.last_failure = Some(Instant::now());
        match crypto::unwrap_data_key(
            &keyring.wrapped_key,
            &keyring.params,
            pin.as_bytes(),
            platform_secret,
        ) {
            Ok(data_key) => {
                lockout::reset(self.conn()?)?;
                self.last_failure = None;
                Ok(data_key)
            }
            Err(CryptoError::WrongKey) => {
                if policy.wipe_after.is_some_and(|limit| failures >= limit) {
                    self.wipe_in_place()?;
                    return Err(StoreError::Wiped);
                }
                Err(StoreError::WrongPin {
                    attempts_left: policy.attempts_left(failures),
                })
            }
            Err(CryptoError::MalformedWrappedKey) => Err(StoreError::Corrupt),
            Err(other) => Err(other.into()),
        }
    }
}
