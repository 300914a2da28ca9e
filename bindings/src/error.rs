//! The one error an app sees. Core has an error type per layer with the
//! detail an engineer needs; an app needs to know what to tell the person
//! and whether trying again can help. Every message is about the operation,
//! never the case: no variant carries a value that came from a case file.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ocrotire_core::caseload::CaseloadError;
use ocrotire_core::crypto::CryptoError;
use ocrotire_core::document::DocError;
use ocrotire_core::reference::ReferenceError;
use ocrotire_core::store::StoreError;
use ocrotire_core::sync::{SyncError, TransportError};

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum OcrotireError {
    /// The PIN (or the platform secret) was wrong. `attempts_left` is how
    /// many more failures the wipe policy allows; absent when it never wipes.
    #[error("wrong PIN")]
    WrongPin { attempts_left: Option<u32> },
    /// Too many recent failures: nothing was tried, ask again after the delay.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// The caseload is locked: unlock it with the PIN first.
    #[error("the caseload is locked")]
    Locked,
    /// The store was wiped (by policy, on request or by the district office).
    #[error("the caseload has been wiped")]
    Wiped,
    #[error("there is no caseload in this directory")]
    NoCaseload,
    #[error("a caseload already exists in this directory")]
    AlreadyExists,
    /// Stored data failed its integrity check or cannot be read. Other cases
    /// stay readable; this one needs the district office.
    #[error("stored data is damaged: {what}")]
    Damaged { what: String },
    /// No case, assessment, referral or conflict with the id given.
    #[error("not found: {what}")]
    NotFound { what: String },
    /// The input breaks a rule (too long, out of range, unknown item, a
    /// completed assessment...). `reason` names the rule, not the value.
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    /// This user's role may not do this.
    #[error("not permitted: {reason}")]
    NotPermitted { reason: String },
    /// The key provider could not give the platform secret.
    #[error("the platform key is unavailable: {reason}")]
    KeyUnavailable { reason: String },
    /// The server could not be reached; the work stays on the device.
    #[error("the server could not be reached: {reason}")]
    Network { reason: String },
    /// The server answered with an error status; retrying later may help.
    #[error("the server answered with status {status}")]
    Server { status: u16 },
    #[error("this device is not enrolled")]
    NotEnrolled,
    #[error("the enrolment code belongs to another user than this caseload's")]
    WrongUser,
    /// The district office revoked this device; its data was wiped.
    #[error("this device was revoked; its data was wiped")]
    Revoked,
    /// A fault in Ocrotire itself (a bug). The operation changed nothing.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

pub type Result<T, E = OcrotireError> = std::result::Result<T, E>;

/// Runs one call into the core, turning a panic into
/// [`OcrotireError::Internal`]: nothing unwinds into a JVM or Swift frame,
/// and the panic message (which could quote a value) is not passed on.
pub(crate) fn guarded<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(OcrotireError::Internal {
            reason: "an unexpected fault stopped the operation".into(),
        })
    })
}

fn invalid(reason: impl ToString) -> OcrotireError {
    OcrotireError::InvalidInput {
        reason: reason.to_string(),
    }
}

fn damaged(what: impl ToString) -> OcrotireError {
    OcrotireError::Damaged {
        what: what.to_string(),
    }
}

impl From<StoreError> for OcrotireError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongPin { attempts_left } => OcrotireError::WrongPin { attempts_left },
            StoreError::Throttled { retry_after_secs } => {
                OcrotireError::Throttled { retry_after_secs }
            }
            StoreError::Locked => OcrotireError::Locked,
            StoreError::Wiped => OcrotireError::Wiped,
            StoreError::NoStore => OcrotireError::NoCaseload,
            StoreError::AlreadyExists => OcrotireError::AlreadyExists,
            StoreError::NotFound => OcrotireError::NotFound {
                what: "case".into(),
            },
            StoreError::Crypto(e) => e.into(),
            StoreError::Corrupt
            | StoreError::SchemaTooNew { .. }
            | StoreError::Tampered { .. }
            | StoreError::TamperedSetting { .. } => damaged(e),
            StoreError::InvalidCaseId
            | StoreError::InvalidSettingName
            | StoreError::InvalidConfig(_)
            | StoreError::TooLarge { .. } => invalid(e),
            StoreError::Unsupported(_) | StoreError::Database(_) | StoreError::Io(_) => {
                OcrotireError::Internal {
                    reason: e.to_string(),
                }
            }
        }
    }
}

impl From<CryptoError> for OcrotireError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::WrongKey => OcrotireError::WrongPin {
                attempts_left: None,
            },
            CryptoError::Tampered | CryptoError::MalformedWrappedKey => damaged(e),
            CryptoError::KdfIterationsTooLow { .. }
            | CryptoError::InvalidPin { .. }
            | CryptoError::InvalidPlatformSecret { .. }
            | CryptoError::PlatformSecretRequired
            | CryptoError::PlatformSecretUnexpected => invalid(e),
            _ => OcrotireError::Internal {
                reason: e.to_string(),
            },
        }
    }
}

impl From<DocError> for OcrotireError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::NotFound { kind } => OcrotireError::NotFound { what: kind.into() },
            DocError::NoConflict(_) => OcrotireError::NotFound {
                what: "conflict".into(),
            },
            DocError::NotPermitted { .. } => OcrotireError::NotPermitted {
                reason: e.to_string(),
            },
            // Automerge's own messages may quote keys or values of the case.
            DocError::Corrupt(_) | DocError::Automerge(_) => damaged("case document"),
            _ => invalid(e),
        }
    }
}

/// Reference data is bundled and validated at build-test time; failing to
/// load it means the installed app is damaged.
impl From<ReferenceError> for OcrotireError {
    fn from(e: ReferenceError) -> Self {
        damaged(e)
    }
}

impl From<CaseloadError> for OcrotireError {
    fn from(e: CaseloadError) -> Self {
        match e {
            CaseloadError::Store(e) => e.into(),
            CaseloadError::Document(e) => e.into(),
            CaseloadError::Reference(e) => e.into(),
            CaseloadError::Identity => damaged(e),
        }
    }
}

impl From<SyncError> for OcrotireError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Caseload(e) => e.into(),
            SyncError::Transport(TransportError::Unreachable(reason)) => {
                OcrotireError::Network { reason }
            }
            // The fixed sentence only: the app tells the person the server
            // is not the district's (or the setup is wrong), not to retry.
            SyncError::Transport(e @ TransportError::UntrustedServer) => OcrotireError::Network {
                reason: e.to_string(),
            },
            // An `http://` address to another host, or no URL at all: the
            // app's configuration, refused before anything was sent.
            SyncError::Transport(
                e @ (TransportError::InsecureUrl
                | TransportError::BadUrl
                | TransportError::BadCertificate
                | TransportError::BadKey),
            ) => invalid(e),
            SyncError::Wire(e) => OcrotireError::Network {
                reason: e.to_string(),
            },
            SyncError::Status(status) => OcrotireError::Server { status },
            SyncError::NotEnrolled => OcrotireError::NotEnrolled,
            SyncError::WrongUser => OcrotireError::WrongUser,
            SyncError::Revoked => OcrotireError::Revoked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_without_its_message() {
        let result: Result<()> = guarded(|| panic!("Ana Țurcanu"));
        match result {
            Err(OcrotireError::Internal { reason }) => assert!(!reason.contains("Ana")),
            other => panic!("expected Internal, got {other:?}"),
        }
        assert_eq!(guarded(|| Ok(7)).ok(), Some(7));
    }

    #[test]
    fn store_errors_keep_what_the_app_needs() {
        let wrong = OcrotireError::from(StoreError::WrongPin {
            attempts_left: Some(4),
        });
        assert!(matches!(
            wrong,
            OcrotireError::WrongPin {
                attempts_left: Some(4)
            }
        ));
        let tampered = OcrotireError::from(CaseloadError::Store(StoreError::Tampered {
            case_id: "c1".into(),
        }));
        assert!(matches!(tampered, OcrotireError::Damaged { .. }));
    }

    #[test]
    fn a_cleartext_server_address_is_invalid_input() {
        let insecure = OcrotireError::from(SyncError::Transport(TransportError::InsecureUrl));
        match insecure {
            OcrotireError::InvalidInput { reason } => assert!(reason.contains("https://")),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        let untrusted = OcrotireError::from(SyncError::Transport(TransportError::UntrustedServer));
        assert!(matches!(untrusted, OcrotireError::Network { .. }));
    }
}
