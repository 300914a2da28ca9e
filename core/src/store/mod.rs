//! The encrypted on-device store: one SQLite file holding opaque, encrypted
//! blobs per case, plus an encrypted key-value for device settings.
//!
//! The store knows nothing of Automerge or the case model; `caseload`
//! decides what the bytes mean. Its jobs are: keep every byte that could
//! describe a child encrypted ([`crate::crypto`]), keep every acknowledged
//! write durable, count and slow down PIN guesses, and destroy itself when
//! policy says so.
//!
//! Lifecycle: [`Store::create`] (unlocked) or [`Store::open`] (locked) →
//! [`Store::unlock`] → records → [`Store::lock`] / drop / [`Store::wipe`].

mod access;
mod error;
mod keyring;
mod lockout;
mod records;
mod schema;
mod settings;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::Connection;

pub use error::StoreError;
pub use lockout::{LockoutPolicy, MAX_CONFIGURABLE_DELAY};
pub use records::{validate_case_id, SummaryRow, MAX_CASE_ID_LEN, MAX_DOC_LEN, MAX_SUMMARY_LEN};
pub use schema::SCHEMA_VERSION;
pub use settings::{validate_setting_name, MAX_SETTING_LEN, MAX_SETTING_NAME_LEN};

use crate::crypto::{self, DataKey, KdfParams, RecordKeys, MIN_KDF_ITERATIONS};

/// The store's file inside the caller's directory. SQLite adds `-wal` and
/// `-shm` next to it.
pub const DB_FILE_NAME: &str = "ocrotire-store.sqlite3";
const SIDE_FILE_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Fixed when the store is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// PBKDF2 iterations; at least [`MIN_KDF_ITERATIONS`].
    pub kdf_iterations: u32,
    /// Initial policy; the district office may change it later with
    /// [`Store::set_lockout_policy`].
    pub lockout: LockoutPolicy,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            kdf_iterations: MIN_KDF_ITERATIONS,
            lockout: LockoutPolicy::default(),
        }
    }
}

/// An open store. Dropping it closes the file and drops the keys.
pub struct Store {
    dir: PathBuf,
    /// `None` once the store has been wiped: every call then says `Wiped`.
    conn: Option<Connection>,
    /// Present only while unlocked.
    keys: Option<RecordKeys>,
    /// Monotonic time of this process's last failed attempt; backs up the
    /// persisted wall-clock time against clock changes while running.
    last_failure: Option<Instant>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("unlocked", &self.is_unlocked())
            .field("wiped", &self.conn.is_none())
            .finish_non_exhaustive()
    }
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE_NAME)
}

fn side_paths(dir: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    SIDE_FILE_SUFFIXES
        .iter()
        .map(move |suffix| dir.join(format!("{DB_FILE_NAME}{suffix}")))
}

impl Store {
    /// Creates a new store in `dir` (created if missing), unlocked.
    ///
    /// Refuses if a store file is already there. If a platform secret is
    /// given, every later unlock needs it too. Costs one key derivation.
    /// Should the process die during creation, the directory may hold an
    /// unusable file: `open` reports `Corrupt` and [`Store::destroy`]
    /// clears it.
    pub fn create(
        dir: &Path,
        pin: &str,
        platform_secret: Option<&[u8]>,
        config: StoreConfig,
    ) -> Result<Store, StoreError> {
        config.lockout.validate()?;
        let params = KdfParams::generate(config.kdf_iterations, platform_secret.is_some())?;
        params.check_inputs(pin.as_bytes(), platform_secret)?;
        let path = db_path(dir);
        if path.exists() || side_paths(dir).any(|p| p.exists()) {
            return Err(StoreError::AlreadyExists);
        }
        // Derive before touching the disk: a bad input leaves nothing behind.
        let data_key = DataKey::generate()?;
        let wrapped = crypto::wrap_data_key(&data_key, &params, pin.as_bytes(), platform_secret)?;
        let keys = RecordKeys::derive(&data_key)?;
        drop(data_key);
        fs::create_dir_all(dir)?;
        Self::create_file(
            dir,
            keyring::CIPHER_AES_GCM,
            &params,
            &wrapped,
            &config,
            keys,
        )
    }

    /// A store whose records are copied, not encrypted, to measure what
    /// encryption costs. It has no PIN and cannot be reopened (`open`
    /// reports `Corrupt`). Exists only with the `bench-null-cipher` feature.
    #[cfg(feature = "bench-null-cipher")]
    #[doc(hidden)]
    pub fn create_with_null_cipher_for_benchmarks_only(
        dir: &Path,
        config: StoreConfig,
    ) -> Result<Store, StoreError> {
        config.lockout.validate()?;
        fs::create_dir_all(dir)?;
        if db_path(dir).exists() {
            return Err(StoreError::AlreadyExists);
        }
        let params = KdfParams::generate(config.kdf_iterations, false)?;
        let keys = RecordKeys::null_cipher_for_benchmarks_only(&DataKey::generate()?)?;
        Self::create_file(dir, keyring::CIPHER_NULL, &params, &[], &config, keys)
    }

    fn create_file(
        dir: &Path,
        cipher: &str,
        params: &KdfParams,
        wrapped: &[u8],
        config: &StoreConfig,
        keys: RecordKeys,
    ) -> Result<Store, StoreError> {
        let path = db_path(dir);
        // create_new makes "refuse an existing store" race-free.
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::AlreadyExists)
            }
            Err(e) => return Err(e.into()),
        }
        let init = || -> Result<Connection, StoreError> {
            let mut conn = schema::connect(&path, false)?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            schema::migrate(&tx, 0)?;
            keyring::insert(&tx, cipher, params, wrapped)?;
            lockout::insert(&tx, &config.lockout)?;
            tx.commit()?;
            Ok(conn)
        };
        let conn = match init() {
            Ok(conn) => conn,
            Err(e) => {
                // Best effort: do not leave a half-made store behind.
                let _ = remove_files(dir);
                return Err(e);
            }
        };
        sync_dir(dir)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            conn: Some(conn),
            keys: Some(keys),
            last_failure: None,
        })
    }

    /// Opens the store in `dir`, locked. Upgrades an older schema in one
    /// transaction. A file that is not a valid store is `Corrupt`; a store
    /// whose wipe was interrupted finishes wiping and reports `Wiped`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = db_path(dir);
        if !path.exists() {
            return Err(StoreError::NoStore);
        }
        let mut conn = schema::connect(&path, false)?;
        let version = schema::schema_version(&conn)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            schema::migrate(&tx, version)?;
            tx.commit()?;
        }
        let wipe_pending = schema::wipe_started(&conn)?;
        if !wipe_pending {
            // Validate now, so a damaged keyring is reported before any
            // attempt is spent on it.
            keyring::load(&conn)?;
            lockout::load(&conn)?;
        }
        let mut store = Store {
            dir: dir.to_path_buf(),
            conn: Some(conn),
            keys: None,
            last_failure: None,
        };
        if wipe_pending {
            store.wipe_in_place()?;
            return Err(StoreError::Wiped);
        }
        Ok(store)
    }

    /// Drops the keys; records are unreadable until the next unlock.
    pub fn lock(&mut self) {
        self.keys = None;
    }

    pub fn is_unlocked(&self) -> bool {
        self.keys.is_some()
    }

    /// The directory this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Destroys the store: crypto-shreds the wrapped key first (so the data
    /// is unrecoverable even if deletion is interrupted or the flash keeps
    /// old blocks), then deletes the files. For the strongest erase, the
    /// caller should also delete the platform keystore secret.
    pub fn wipe(mut self) -> Result<(), StoreError> {
        self.wipe_in_place()
    }

    /// Destroys whatever store files are in `dir`, for a store that cannot
    /// be opened (e.g. `Corrupt`). Shreds the key if the file allows it.
    pub fn destroy(dir: &Path) -> Result<(), StoreError> {
        if let Ok(mut conn) =
            Connection::open_with_flags(db_path(dir), rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        {
            // A damaged file may refuse; deleting it below is what matters.
            let _ = keyring::shred(&mut conn);
        }
        remove_files(dir)
    }

    pub(crate) fn wipe_in_place(&mut self) -> Result<(), StoreError> {
        self.keys = None;
        if let Some(mut conn) = self.conn.take() {
            // If shredding fails (disk error, damaged file) deleting is still
            // the best we can do, so it is attempted regardless.
            let _ = keyring::shred(&mut conn);
            drop(conn);
        }
        remove_files(&self.dir)
    }

    fn conn(&self) -> Result<&Connection, StoreError> {
        self.conn.as_ref().ok_or(StoreError::Wiped)
    }

    fn unlocked(&self) -> Result<(&Connection, &RecordKeys), StoreError> {
        let conn = self.conn()?;
        let keys = self.keys.as_ref().ok_or(StoreError::Locked)?;
        Ok((conn, keys))
    }

    /// Like [`Store::unlocked`], with the connection mutable for
    /// transactions.
    fn unlocked_mut(&mut self) -> Result<(&mut Connection, &RecordKeys), StoreError> {
        let conn = self.conn.as_mut().ok_or(StoreError::Wiped)?;
        let keys = self.keys.as_ref().ok_or(StoreError::Locked)?;
        Ok((conn, keys))
    }
}

fn remove_files(dir: &Path) -> Result<(), StoreError> {
    for path in std::iter::once(db_path(dir)).chain(side_paths(dir)) {
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    sync_dir(dir)
}

/// Makes file creation and deletion durable: without syncing the directory
/// a power loss can undo them.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
