//! What a device remembers about sync, in its encrypted settings: its
//! credentials, the server cursor, and per case the heads the server has
//! acknowledged (the device's outbox is every case whose heads moved on).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::protocol::{CaseStatusNote, RefusalReason};
use crate::caseload::{Caseload, CaseloadError};
use crate::document::{DocError, Heads};

const CREDENTIALS: &str = "sync.device";
const ENROLLING_KEY: &str = "sync.enrolling-key";
const STATE: &str = "sync.state";

/// The device's enrolment: who it is to the server and how it signs.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Credentials {
    pub device_id: String,
    /// Ed25519 key pair, PKCS#8; only ever stored encrypted.
    pub pkcs8: Vec<u8>,
}

/// A push the server refused, kept and shown until the case changes or
/// the server takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedPush {
    pub reason: RefusalReason,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SyncState {
    /// Highest server sequence number whose changes are stored here.
    pub cursor: u64,
    /// Local sequence number up to which every case was considered for push.
    pub pushed_seq: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub refused: BTreeMap<String, RefusedPush>,
    /// Progress of the notifications a mediator filed.
    pub statuses: BTreeMap<String, CaseStatusNote>,
    /// Cases the server said this user no longer sees, still here because
    /// the server lacks some of this device's changes to them.
    #[serde(default)]
    pub leaving: BTreeSet<String>,
}

impl Caseload {
    pub(crate) fn credentials(&self) -> Result<Option<Credentials>, CaseloadError> {
        self.read_setting(CREDENTIALS)
    }

    pub(crate) fn put_credentials(
        &mut self,
        credentials: &Credentials,
    ) -> Result<(), CaseloadError> {
        self.write_setting(CREDENTIALS, credentials)?;
        self.store.delete_setting(ENROLLING_KEY)?;
        Ok(())
    }

    /// The key pair to enrol with: the enrolled one, or the one of an
    /// enrolment under way (kept until one succeeds).
    pub(crate) fn enrolling_key(&self) -> Result<Option<Vec<u8>>, CaseloadError> {
        match self.credentials()? {
            Some(credentials) => Ok(Some(credentials.pkcs8)),
            None => self.read_setting(ENROLLING_KEY),
        }
    }

    pub(crate) fn put_enrolling_key(&mut self, pkcs8: &[u8]) -> Result<(), CaseloadError> {
        self.write_setting(ENROLLING_KEY, &pkcs8)
    }

    pub(crate) fn sync_state(&self) -> Result<SyncState, CaseloadError> {
        Ok(self.read_setting(STATE)?.unwrap_or_default())
    }

    pub(crate) fn put_sync_state(&mut self, state: &SyncState) -> Result<(), CaseloadError> {
        self.write_setting(STATE, state)
    }

    /// Heads of a case whose changes and their ancestors the server has
    /// acknowledged (empty: none). Either the local heads, or the union of
    /// several acknowledgements while local changes wait (see
    /// `Caseload::acknowledge`).
    pub(crate) fn acked_heads(&self, case_id: &str) -> Result<Heads, CaseloadError> {
        let bytes: Option<Vec<[u8; 32]>> = self.read_setting(&acked_key(case_id))?;
        Ok(Heads::from_bytes(&bytes.unwrap_or_default()))
    }

    pub(crate) fn put_acked_heads(
        &mut self,
        case_id: &str,
        heads: &Heads,
    ) -> Result<(), CaseloadError> {
        self.write_setting(&acked_key(case_id), &heads.to_bytes())
    }

    /// Forgets a case that is no longer this user's to see.
    pub(crate) fn forget_case(&mut self, case_id: &str) -> Result<(), CaseloadError> {
        self.close_open_case();
        self.store.delete_case(case_id)?;
        self.store.delete_setting(&acked_key(case_id))?;
        Ok(())
    }

    fn read_setting<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, CaseloadError> {
        match self.store.get_setting(name)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| DocError::Corrupt("sync setting").into()),
        }
    }

    fn write_setting<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), CaseloadError> {
        let bytes = serde_json::to_vec(value).map_err(|_| DocError::Encoding("sync setting"))?;
        Ok(self.store.put_setting(name, &bytes)?)
    }
}

fn acked_key(case_id: &str) -> String {
    format!("sh.{case_id}")
}
