//! Encrypted device settings (small key-value pairs).
//!
//! Names are stored as HMACs under a data-key subkey, not in plaintext:
//! even a name like "last_district" says something about the device. The
//! value's associated data includes that HMAC, so a value cannot be moved
//! to another name.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{keyring, Store, StoreError};
use crate::crypto::{RecordAad, RecordKind};

pub const MAX_SETTING_NAME_LEN: usize = 64;
pub const MAX_SETTING_LEN: usize = 64 * 1024;

/// Names are developer-chosen identifiers: 1..=64 of `[a-z0-9._-]`.
pub fn validate_setting_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SETTING_NAME_LEN
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidSettingName)
    }
}

fn aad(row_id: &[u8]) -> RecordAad<'_> {
    RecordAad {
        kind: RecordKind::Setting,
        row_id,
        seq: 0,
    }
}

impl Store {
    /// Stores (or replaces) a setting, encrypted.
    pub fn put_setting(&mut self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        validate_setting_name(name)?;
        if value.len() > MAX_SETTING_LEN {
            return Err(StoreError::TooLarge {
                what: "setting",
                len: value.len(),
                max: MAX_SETTING_LEN,
            });
        }
        let (conn, keys) = self.unlocked_mut()?;
        let row_id = keys.setting_row_id(name);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut encryptions = keyring::encryptions(&tx)?;
        let blob = keys.seal(&aad(&row_id), value, &mut encryptions)?;
        tx.execute(
            "INSERT INTO settings (name_mac, value) VALUES (?1, ?2)
             ON CONFLICT (name_mac) DO UPDATE SET value = excluded.value",
            params![&row_id[..], blob],
        )?;
        keyring::set_encryptions(&tx, encryptions)?;
        tx.commit()?;
        Ok(())
    }

    /// A setting's value, or `None` if it was never set.
    pub fn get_setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        validate_setting_name(name)?;
        let (conn, keys) = self.unlocked()?;
        let row_id = keys.setting_row_id(name);
        let blob: Option<Vec<u8>> = conn
            .query_row(
                "SELECT value FROM settings WHERE name_mac = ?1",
                [&row_id[..]],
                |r| r.get(0),
            )
            .optional()?;
        blob.map(|blob| {
            keys.open(&aad(&row_id), &blob)
                .map_err(|_| StoreError::TamperedSetting {
                    name: name.to_owned(),
                })
        })
        .transpose()
    }

    /// Removes a setting; returns whether it existed.
    pub fn delete_setting(&mut self, name: &str) -> Result<bool, StoreError> {
        validate_setting_name(name)?;
        let (conn, keys) = self.unlocked()?;
        let row_id = keys.setting_row_id(name);
        let deleted = conn.execute("DELETE FROM settings WHERE name_mac = ?1", [&row_id[..]])?;
        Ok(deleted > 0)
    }
}
