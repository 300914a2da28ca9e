//! Sync from the app's side: enrol once with a code from the district
//! office, then run sessions whenever there is a network. A session is
//! safe to interrupt; the next one picks up where it stopped.

use std::sync::Arc;
use std::time::Duration;

use ocrotire_core::sync::protocol::RefusalReason;
use ocrotire_core::sync::{self as core, ServerConfig};

use crate::caseload::Caseload;
use crate::error::{OcrotireError, Result};
use crate::time::Timestamp;
use crate::views::count;

/// The regional server.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncServer {
    /// e.g. `https://sync.ungheni.example:8443`.
    pub url: String,
    /// PEM of a certificate authority to trust besides the system's.
    #[uniffi(default = None)]
    pub root_certificate_pem: Option<String>,
    #[uniffi(default = 30)]
    pub timeout_secs: u32,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct EnrolledDevice {
    pub device_id: String,
    pub user_id: String,
}

/// Progress of a running session, for a progress bar.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct SyncProgress {
    pub cases_sent: u64,
    pub cases_received: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub round_trips: u64,
}

/// Implemented by the app to follow a session. Called on the thread
/// running the sync: hand the values to the UI thread, and do not call
/// the caseload from here (it is busy syncing).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct RefusedCase {
    pub case_id: String,
    pub reason: RefusalReason,
    /// When the server refused it (absent in a session's own report).
    pub at: Option<Timestamp>,
}

/// What a finished session did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncReport {
    pub progress: SyncProgress,
    /// Cases whose local changes the server took.
    pub accepted: Vec<String>,
    /// Cases whose changes the server refused: kept here, shown, retried.
    pub refused: Vec<RefusedCase>,
    /// Cases that left this device because the user no longer sees them.
    pub removed: Vec<String>,
    pub open_conflicts: u32,
}

/// The sync screen, without contacting anyone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncStatus {
    pub enrolled: bool,
    /// Cases with changes the server does not have yet.
    pub pending_cases: u32,
    pub last_success: Option<Timestamp>,
    pub open_conflicts: u32,
    pub refused: Vec<RefusedCase>,
    /// Cases no longer this user's, kept until their last changes are synced.
    pub leaving: Vec<String>,
}

#[uniffi::export]
impl Caseload {
    /// Enrols this device with a one-time code. Network: off the UI thread.
    /// If the answer is lost, calling again is safe.
    pub fn enroll(&self, server: SyncServer, code: String) -> Result<EnrolledDevice> {
        self.with(|caseload| {
            let enrolled = caseload.enroll(&config(server), &code)?;
            Ok(EnrolledDevice {
                device_id: enrolled.device_id,
                user_id: enrolled.user_id,
            })
        })
    }

    /// Runs a whole session: pushes this device's work, pulls everyone
    /// else's, pages until done. Network: off the UI thread. `Revoked`
    /// means the district office revoked the device and it was wiped.
    pub fn sync(
        &self,
        server: SyncServer,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncReport> {
        let outcome = self.with(|caseload| {
            let mut on_progress = |p: &core::SyncProgress| {
                if let Some(listener) = &listener {
                    listener.on_progress(progress(p));
                }
            };
            Ok(caseload.sync(&config(server), &mut on_progress)?)
        });
        if let Err(OcrotireError::Revoked) = outcome {
            self.state()?.take();
        }
        let report = outcome?;
        Ok(SyncReport {
            progress: progress(&report.progress),
            accepted: report.accepted,
            refused: report
                .refused
                .into_iter()
                .map(|r| RefusedCase {
                    case_id: r.case_id,
                    reason: r.reason,
                    at: None,
                })
                .collect(),
            removed: report.removed,
            open_conflicts: count(report.open_conflicts),
        })
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.with(|caseload| {
            let status = caseload.sync_status()?;
            Ok(SyncStatus {
                enrolled: status.enrolled,
                pending_cases: count(status.pending_cases),
                last_success: status.last_success,
                open_conflicts: count(status.open_conflicts),
                refused: status
                    .refused
                    .into_iter()
                    .map(|(case_id, refused)| RefusedCase {
                        case_id,
                        reason: refused.reason,
                        at: Some(refused.at),
                    })
                    .collect(),
                leaving: status.leaving,
            })
        })
    }
}

fn config(server: SyncServer) -> ServerConfig {
    let mut config = ServerConfig::new(server.url);
    config.root_certificate_pem = server.root_certificate_pem.map(String::into_bytes);
    config.timeout = Duration::from_secs(u64::from(server.timeout_secs.max(1)));
    config
}

fn progress(p: &core::SyncProgress) -> SyncProgress {
    let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    SyncProgress {
        cases_sent: wide(p.cases_sent),
        cases_received: wide(p.cases_received),
        bytes_sent: wide(p.bytes_sent),
        bytes_received: wide(p.bytes_received),
        round_trips: wide(p.round_trips),
    }
}
