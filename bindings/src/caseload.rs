//! The caseload object an app holds: one person's encrypted case files on
//! this device, from PIN unlock to conflict resolution. Case work lives in
//! `case_work.rs`, sync in `sync.rs`; this file is the store's life cycle.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use ocrotire_core::caseload::{self as core, Identity};
use ocrotire_core::model::{CaseFile, CaseStatus, RiskLevel, Role};
use ocrotire_core::store::{Store, StoreConfig};

use crate::error::{guarded, OcrotireError, Result};
use crate::keys::KeyProvider;
use crate::views::{self, CaseDetails, CaseList};

/// Who uses the device: fixed when the caseload is created, and checked
/// against the enrolment code later.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceUser {
    pub user_id: String,
    pub role: Role,
    /// CUATM code of the user's district.
    pub district: String,
}

/// Filters for the caseload list; all given criteria must hold.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct CaseFilter {
    /// Matches case number, name, locality and pseudonym; ș/ş, ț/ţ and
    /// î/â are treated as the same letter.
    #[uniffi(default = None)]
    pub text: Option<String>,
    #[uniffi(default = None)]
    pub risk: Option<RiskLevel>,
    #[uniffi(default = None)]
    pub status: Option<CaseStatus>,
    #[uniffi(default = false)]
    pub overdue_only: bool,
}

/// One person's caseload on this device. Thread-safe; calls run one at a
/// time. `unlock` and `sync` take long: call them off the UI thread.
#[derive(uniffi::Object)]
pub struct Caseload {
    dir: PathBuf,
    keys: Arc<dyn KeyProvider>,
    /// `None` while locked: the keys exist only in an unlocked caseload.
    unlocked: Mutex<Option<core::Caseload>>,
}

#[uniffi::export]
impl Caseload {
    /// Creates an encrypted caseload in `dir` (an app-private directory)
    /// and leaves it unlocked. Slow (key derivation).
    #[uniffi::constructor]
    pub fn create(
        dir: String,
        pin: String,
        user: DeviceUser,
        keys: Arc<dyn KeyProvider>,
    ) -> Result<Arc<Caseload>> {
        guarded(|| {
            let dir = PathBuf::from(dir);
            let secret = platform_secret(keys.as_ref())?;
            let identity = Identity::new(user.user_id, user.role, user.district);
            let caseload = core::Caseload::create(
                &dir,
                &pin,
                Some(&secret),
                StoreConfig::default(),
                identity,
            )?;
            Ok(Arc::new(Caseload {
                dir,
                keys,
                unlocked: Mutex::new(Some(caseload)),
            }))
        })
    }

    /// The caseload in `dir`, locked. Nothing is read until [`Self::unlock`].
    #[uniffi::constructor]
    pub fn open(dir: String, keys: Arc<dyn KeyProvider>) -> Arc<Caseload> {
        Arc::new(Caseload {
            dir: PathBuf::from(dir),
            keys,
            unlocked: Mutex::new(None),
        })
    }

    /// Unlocks with the PIN. Slow on purpose (key derivation): run it off
    /// the UI thread. A wrong PIN answers `WrongPin` with the attempts
    /// left; repeated failures answer `Throttled` with the delay.
    pub fn unlock(&self, pin: String) -> Result<()> {
        guarded(|| {
            let mut unlocked = self.state()?;
            if unlocked.is_none() {
                let secret = platform_secret(self.keys.as_ref())?;
                *unlocked = Some(core::Caseload::open(&self.dir, &pin, Some(&secret))?);
            }
            Ok(())
        })
    }

    /// Drops the keys from memory. Call it when the app leaves the screen.
    pub fn lock(&self) -> Result<()> {
        guarded(|| {
            if let Some(caseload) = self.state()?.take() {
                caseload.lock();
            }
            Ok(())
        })
    }

    pub fn is_unlocked(&self) -> Result<bool> {
        guarded(|| Ok(self.state()?.is_some()))
    }

    /// Changes the PIN; the data is not re-encrypted, only its key.
    pub fn change_pin(&self, old_pin: String, new_pin: String) -> Result<()> {
        self.with(|caseload| {
            let secret = platform_secret(self.keys.as_ref())?;
            Ok(caseload.change_pin(&old_pin, &new_pin, Some(&secret))?)
        })
    }

    /// Destroys the caseload on this device, locked or not: the key is
    /// shredded and the files removed. Work not yet synced is lost.
    pub fn wipe(&self) -> Result<()> {
        guarded(|| match self.state()?.take() {
            Some(caseload) => Ok(caseload.wipe()?),
            None => Ok(Store::destroy(&self.dir)?),
        })
    }

    pub fn user(&self) -> Result<DeviceUser> {
        self.with(|caseload| {
            let identity = caseload.identity();
            Ok(DeviceUser {
                user_id: identity.user_id.clone(),
                role: identity.role,
                district: identity.district.clone(),
            })
        })
    }

    /// The caseload list, newest first, from encrypted summaries alone
    /// (no case document is opened, so it stays fast for large caseloads).
    pub fn list_cases(&self, filter: CaseFilter) -> Result<CaseList> {
        self.with(|caseload| {
            let now = Utc::now();
            let filter = core::CaseFilter {
                text: filter.text,
                risk: filter.risk,
                status: filter.status,
                overdue_only: filter.overdue_only,
            };
            let listing = caseload.list(&filter, now)?;
            Ok(CaseList {
                cases: listing
                    .cases
                    .into_iter()
                    .map(|s| views::list_item(s, now))
                    .collect(),
                unreadable: listing.unreadable,
            })
        })
    }

    pub fn case_details(&self, case_id: String) -> Result<CaseDetails> {
        self.with(|caseload| {
            let case = caseload.case(&case_id)?;
            details(caseload, case)
        })
    }
}

impl Caseload {
    /// Runs `f` on the unlocked caseload, or answers `Locked`.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut core::Caseload) -> Result<T>) -> Result<T> {
        guarded(|| {
            let mut unlocked = self.state()?;
            let caseload = unlocked.as_mut().ok_or(OcrotireError::Locked)?;
            f(caseload)
        })
    }

    /// The lock around the caseload. After a fault inside a call (a
    /// poisoned lock) the caseload is locked again rather than trusted:
    /// the store is transactional, so unlocking anew is always safe.
    pub(crate) fn state(&self) -> Result<MutexGuard<'_, Option<core::Caseload>>> {
        match self.unlocked.lock() {
            Ok(guard) => Ok(guard),
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                *guard = None;
                self.unlocked.clear_poison();
                Ok(guard)
            }
        }
    }
}

/// Whether a caseload exists in `dir`: whether to ask for a new PIN or
/// for the PIN to unlock.
#[uniffi::export]
pub fn caseload_exists(dir: String) -> bool {
    PathBuf::from(dir)
        .join(ocrotire_core::store::DB_FILE_NAME)
        .exists()
}

/// A case as the app shows it, with what is due and its open conflicts.
pub(crate) fn details(caseload: &core::Caseload, case: CaseFile) -> Result<CaseDetails> {
    let conflicts = caseload.conflicts(&case.id)?.len();
    let due = caseload.due(&case);
    Ok(views::case_details(
        case,
        due,
        conflicts,
        caseload.templates(),
        Utc::now(),
    ))
}

fn platform_secret(keys: &dyn KeyProvider) -> Result<Vec<u8>> {
    keys.platform_secret()
        .map_err(|e| OcrotireError::KeyUnavailable {
            reason: e.to_string(),
        })
}
