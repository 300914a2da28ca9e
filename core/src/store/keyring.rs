//! The single `keyring` row: KDF parameters, the wrapped data key and the
//! count of encryptions made under that key.

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;
use crate::crypto::kdf::SALT_LEN;
use crate::crypto::keys::WRAPPED_KEY_LEN;
use crate::crypto::{KdfParams, MIN_KDF_ITERATIONS};

/// Name of the only cipher an app build can open.
pub(crate) const CIPHER_AES_GCM: &str = "aes-256-gcm";
/// Marks a benchmark store; `open` treats it as not-a-store.
#[cfg(feature = "bench-null-cipher")]
pub(crate) const CIPHER_NULL: &str = "null";

pub(crate) struct Keyring {
    pub params: KdfParams,
    pub wrapped_key: Vec<u8>,
}

pub(crate) fn insert(
    conn: &Connection,
    cipher: &str,
    params: &KdfParams,
    wrapped_key: &[u8],
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO keyring (id, cipher, kdf_salt, kdf_iterations, platform_bound, wrapped_key, encryptions)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, 0)",
        params![
            cipher,
            &params.salt[..],
            i64::from(params.iterations),
            params.platform_bound,
            wrapped_key
        ],
    )?;
    Ok(())
}

/// Loads and validates the keyring. Any inconsistency is `Corrupt`: a
/// store whose key cannot be unwrapped is lost, and saying so early beats
/// charging the user PIN attempts for it.
pub(crate) fn load(conn: &Connection) -> Result<Keyring, StoreError> {
    let row = conn
        .query_row(
            "SELECT cipher, kdf_salt, kdf_iterations, platform_bound, wrapped_key, encryptions
             FROM keyring WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()
        .map_err(super::error::corrupt_unless_environmental)?;
    let Some((cipher, salt, iterations, platform_bound, wrapped_key, encryptions)) = row else {
        return Err(StoreError::Corrupt);
    };
    let salt: [u8; SALT_LEN] = salt.try_into().map_err(|_| StoreError::Corrupt)?;
    let iterations = u32::try_from(iterations).map_err(|_| StoreError::Corrupt)?;
    let consistent = cipher == CIPHER_AES_GCM
        && iterations >= MIN_KDF_ITERATIONS
        && (platform_bound == 0 || platform_bound == 1)
        && wrapped_key.len() == WRAPPED_KEY_LEN
        && encryptions >= 0;
    if !consistent {
        return Err(StoreError::Corrupt);
    }
    Ok(Keyring {
        params: KdfParams {
            salt,
            iterations,
            platform_bound: platform_bound == 1,
        },
        wrapped_key,
    })
}

/// Replaces the wrap in one statement: either the old PIN or the new one
/// opens the store afterwards, never neither.
pub(crate) fn rewrap(
    conn: &Connection,
    params: &KdfParams,
    wrapped_key: &[u8],
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE keyring SET kdf_salt = ?1, kdf_iterations = ?2, platform_bound = ?3, wrapped_key = ?4
         WHERE id = 1",
        params![
            &params.salt[..],
            i64::from(params.iterations),
            params.platform_bound,
            wrapped_key
        ],
    )?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt)
    }
}

pub(crate) fn encryptions(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT encryptions FROM keyring WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt)
}

pub(crate) fn set_encryptions(conn: &Connection, n: u64) -> Result<(), StoreError> {
    let n = i64::try_from(n).map_err(|_| StoreError::Corrupt)?;
    conn.execute("UPDATE keyring SET encryptions = ?1 WHERE id = 1", [n])?;
    Ok(())
}

/// Crypto-shreds the store: overwrites the wrapped key and salt, marks the
/// wipe as started, and checkpoints so the overwrite reaches the main file
/// and the WAL (which may hold older copies of the wrap) is truncated.
/// After this commits, no PIN opens the data, even if deleting the files
/// later fails or is interrupted.
pub(crate) fn shred(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE keyring SET wrapped_key = randomblob(length(wrapped_key)), kdf_salt = randomblob(16)",
        [],
    )?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('wiped', 1)
         ON CONFLICT (key) DO UPDATE SET value = 1",
        [],
    )?;
    tx.commit()?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}
