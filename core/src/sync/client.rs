//! The device's side of a sync session: one call enrols, one call runs a
//! whole session (push the outbox, pull what others did, page until done),
//! retrying with backoff, reporting progress and ending with an honest
//! account of what happened.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;

use super::protocol::{
    self, Enroll, Enrolled, Push, Refusal, RefusalReason, Revoked, SyncRequest, SyncResponse,
    WireError, PROTOCOL_VERSION,
};
use super::state::{Credentials, RefusedPush, SyncState};
use super::transport::{Answer, ServerConfig, Signer, Transport, TransportError};
use crate::caseload::{Caseload, CaseloadError};
use crate::document::Heads;

/// Plain change bytes per push request, under the server's decoded-size
/// bound. Requests are compressed (a third of this or less on the wire);
/// one that is still over the server's body limit is split further.
pub const MAX_PUSH_BYTES: usize = 32 * 1024 * 1024;
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// A session stops paging after this many rounds (a misbehaving server
/// must not keep a phone busy for ever).
const MAX_ROUNDS: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Caseload(#[from] CaseloadError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the server's answer could not be read: {0}")]
    Wire(#[from] WireError),
    #[error("the server answered with status {0}")]
    Status(u16),
    #[error("this device is not enrolled")]
    NotEnrolled,
    #[error("the enrolment code belongs to another user than this caseload's")]
    WrongUser,
    #[error("this device was revoked by the district office; its data was wiped")]
    Revoked,
}

/// Progress while a session runs, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub cases_sent: usize,
    pub cases_received: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    pub round_trips: usize,
}

/// What a finished session did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub progress: SyncProgress,
    /// Cases whose local changes the server took.
    pub accepted: Vec<String>,
    /// Cases whose local changes the server refused (kept on the device).
    pub refused: Vec<Refusal>,
    /// Cases that left this device because the user no longer sees them.
    pub removed: Vec<String>,
    /// Conflicts open on this device after the session.
    pub open_conflicts: usize,
}

/// What the sync screen shows without contacting anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub pending_cases: usize,
    pub last_success: Option<chrono::DateTime<Utc>>,
    pub open_conflicts: usize,
    pub refused: Vec<(String, RefusedPush)>,
    /// Cases the user no longer sees, kept until the server has this
    /// device's last changes to them.
    pub leaving: Vec<String>,
}

impl Caseload {
    /// Enrols this device with a one-time code from the district office.
    ///
    /// The key pair is stored before the request leaves and reused by every
    /// later attempt, so when an answer is lost on the way the device can
    /// ask again (with the same code or a new one) and the server
    /// recognises it instead of calling the code used and the actor taken.
    pub fn enroll(&mut self, server: &ServerConfig, code: &str) -> Result<Enrolled, SyncError> {
        // A refused address (cleartext to another host) stores nothing.
        let transport = Transport::new(server)?;
        let pkcs8 = match self.enrolling_key()? {
            Some(pkcs8) => pkcs8,
            None => {
                let pkcs8 = Signer::generate_pkcs8()?;
                self.put_enrolling_key(&pkcs8)?;
                pkcs8
            }
        };
        let request = Enroll {
            version: PROTOCOL_VERSION,
            code: code.to_string(),
            public_key: Signer::public_key(&pkcs8)?,
            actor: self.actor.to_bytes().to_vec(),
        };
        let answer = transport.post("/v1/enroll", protocol::encode(&request)?, None)?;
        if answer.status != 200 {
            return Err(SyncError::Status(answer.status));
        }
        let enrolled: Enrolled = protocol::decode(&answer.body)?;
        if enrolled.user_id != self.identity.user_id {
            return Err(SyncError::WrongUser);
        }
        self.put_credentials(&Credentials {
            device_id: enrolled.device_id.clone(),
            pkcs8,
        })?;
        Ok(enrolled)
    }

    /// Runs a whole sync session. Safe to interrupt at any point: what was
    /// stored stays, and the next session picks up where this one stopped.
    pub fn sync(
        &mut self,
        server: &ServerConfig,
        on_progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<SyncReport, SyncError> {
        let credentials = self.credentials()?.ok_or(SyncError::NotEnrolled)?;
        let signer = Signer::new(&credentials.device_id, &credentials.pkcs8)?;
        let transport = Transport::new(server)?;
        let mut report = SyncReport::default();
        let mut outbox = self.outbox()?;
        let session_seq = self.current_seq()?;
        let mut budget = MAX_PUSH_BYTES;
        for _ in 0..MAX_ROUNDS {
            let mut state = self.sync_state()?;
            let batch = take_batch(&mut outbox, budget);
            let request = SyncRequest {
                version: PROTOCOL_VERSION,
                cursor: state.cursor,
                push: batch,
            };
            let body = protocol::encode(&request)?;
            let batch = request.push;
            let too_large = body.len() > server.max_request_bytes;
            if too_large && batch.len() > 1 {
                budget = put_back_half(batch, &mut outbox);
                continue;
            }
            report.progress.bytes_sent += body.len();
            let answer = match self.round_trip(&transport, &signer, body) {
                Err(SyncError::Status(413)) if batch.len() > 1 => {
                    report.progress.round_trips += 1;
                    budget = put_back_half(batch, &mut outbox);
                    continue;
                }
                Err(SyncError::Status(413)) => {
                    report.progress.round_trips += 1;
                    self.refuse_locally(batch, RefusalReason::TooLarge, &mut report)?;
                    continue;
                }
                answer => answer?,
            };
            let pushed: Vec<(String, Heads)> = batch
                .iter()
                .map(|p| (p.case_id.clone(), Heads::from_bytes(&p.heads)))
                .collect();
            report.progress.round_trips += 1;
            report.progress.cases_sent += pushed.len();
            report.progress.bytes_received += answer.body.len();
            let response: SyncResponse = protocol::decode(&answer.body)?;
            self.store_response(&response, &pushed, &mut report)?;
            state = self.sync_state()?;
            state.cursor = response.cursor;
            for case_id in &response.accepted {
                state.refused.remove(case_id);
            }
            for refusal in &response.refused {
                state.refused.insert(
                    refusal.case_id.clone(),
                    RefusedPush {
                        reason: refusal.reason,
                        at: Utc::now(),
                    },
                );
            }
            for note in response.statuses {
                state.statuses.insert(note.case_id.clone(), note);
            }
            for pull in &response.pull {
                state.leaving.remove(&pull.case_id);
            }
            state.leaving.extend(response.removed);
            self.let_go(&mut state, &mut report)?;
            let done = !response.more && outbox.is_empty();
            if done {
                state.pushed_seq = session_seq;
                state.last_success = Some(Utc::now());
            }
            self.put_sync_state(&state)?;
            on_progress(&report.progress);
            if done {
                report.open_conflicts = self.open_conflicts()?;
                return Ok(report);
            }
        }
        Err(SyncError::Status(508))
    }

    /// Forgets the cases the user no longer sees whose local changes the
    /// server has all; the others stay (and stay in the outbox) until it
    /// has, so that no field work leaves the device unsent.
    fn let_go(&mut self, state: &mut SyncState, report: &mut SyncReport) -> Result<(), SyncError> {
        let leaving: Vec<String> = state.leaving.iter().cloned().collect();
        for case_id in leaving {
            if !self.has_case(&case_id)? {
                state.leaving.remove(&case_id);
            } else if self.unacknowledged(&case_id)?.is_none() {
                self.forget_case(&case_id)?;
                state.leaving.remove(&case_id);
                state.refused.remove(&case_id);
                report.removed.push(case_id);
            }
        }
        Ok(())
    }

    /// Records a refusal decided on the device (a case too large for the
    /// server's body limit even alone): kept and shown like the server's.
    fn refuse_locally(
        &mut self,
        batch: Vec<Push>,
        reason: RefusalReason,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let mut state = self.sync_state()?;
        for push in batch {
            state.refused.insert(
                push.case_id.clone(),
                RefusedPush {
                    reason,
                    at: Utc::now(),
                },
            );
            report.refused.push(Refusal {
                case_id: push.case_id,
                reason,
            });
        }
        self.put_sync_state(&state)?;
        Ok(())
    }

    /// What is waiting, without contacting the server.
    pub fn sync_status(&self) -> Result<SyncStatus, SyncError> {
        let state = self.sync_state()?;
        Ok(SyncStatus {
            enrolled: self.credentials()?.is_some(),
            pending_cases: self.outbox()?.len(),
            last_success: state.last_success,
            open_conflicts: self.open_conflicts()?,
            refused: state.refused.into_iter().collect(),
            leaving: state.leaving.into_iter().collect(),
        })
    }

    /// One request, retried with exponential backoff while the network or
    /// the server fails. Safe because every round is idempotent.
    fn round_trip(
        &mut self,
        transport: &Transport,
        signer: &Signer,
        body: Vec<u8>,
    ) -> Result<Answer, SyncError> {
        let mut backoff = FIRST_BACKOFF;
        let mut last = SyncError::Status(0);
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(backoff);
                backoff *= 2;
            }
            match transport.post("/v1/sync", body.clone(), Some(signer)) {
                Ok(answer) if answer.status == 200 => return Ok(answer),
                Ok(answer) if answer.status == 410 => {
                    let wipe = protocol::decode::<Revoked>(&answer.body)
                        .map(|r| r.wipe)
                        .unwrap_or(true);
                    if wipe {
                        self.close_open_case();
                        self.store.wipe_in_place().map_err(CaseloadError::from)?;
                    }
                    return Err(SyncError::Revoked);
                }
                Ok(answer) if answer.status >= 500 => last = SyncError::Status(answer.status),
                Ok(answer) => return Err(SyncError::Status(answer.status)),
                // Someone else may be answering: asking again cannot help.
                Err(e @ TransportError::UntrustedServer) => return Err(e.into()),
                Err(e) => last = e.into(),
            }
        }
        Err(last)
    }

    /// Stores one answer: acknowledged heads for accepted pushes, pulled
    /// changes merged.
    fn store_response(
        &mut self,
        response: &SyncResponse,
        pushed: &[(String, Heads)],
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        for (case_id, heads) in pushed {
            if response.accepted.contains(case_id) {
                self.acknowledge(case_id, heads)?;
            }
        }
        for pull in &response.pull {
            let before = if self.has_case(&pull.case_id)? {
                self.heads(&pull.case_id)?.to_bytes()
            } else {
                Vec::new()
            };
            self.apply_changes(&pull.case_id, &pull.changes)?;
            // The server has what it sent: the heads the pull added.
            let mut added = self.heads(&pull.case_id)?.to_bytes();
            added.retain(|h| !before.contains(h));
            self.acknowledge(&pull.case_id, &Heads::from_bytes(&added))?;
            report.progress.cases_received += 1;
        }
        report.accepted.extend(response.accepted.iter().cloned());
        report.refused.extend(response.refused.iter().cloned());
        Ok(())
    }

    /// Records that the server has `heads` of a case and everything before
    /// them, besides what it had already. The acknowledged heads become the
    /// local heads when they cover everything here, and otherwise stay the
    /// union: local changes the server lacks must not hide the changes it
    /// sent meanwhile (taken as unacknowledged, they would be pushed back,
    /// and the server refuses another person's changes from a device).
    fn acknowledge(&mut self, case_id: &str, heads: &Heads) -> Result<(), SyncError> {
        let mut union = self.acked_heads(case_id)?.to_bytes();
        union.extend(heads.to_bytes());
        union.sort_unstable();
        union.dedup();
        let union = Heads::from_bytes(&union);
        let acked = if self.changes_since(case_id, &union)?.is_empty() {
            self.heads(case_id)?
        } else {
            union
        };
        self.put_acked_heads(case_id, &acked)?;
        Ok(())
    }

    /// The local heads and changes of a case the server has not
    /// acknowledged, if there are any.
    fn unacknowledged(&self, case_id: &str) -> Result<Option<(Heads, Vec<u8>)>, SyncError> {
        let heads = self.heads(case_id)?;
        let acked = self.acked_heads(case_id)?;
        if heads == acked {
            return Ok(None);
        }
        let changes = self.changes_since(case_id, &acked)?;
        Ok((!changes.is_empty()).then_some((heads, changes)))
    }

    /// Pushes for every case with changes the server has not acknowledged.
    fn outbox(&self) -> Result<Vec<Push>, SyncError> {
        let state = self.sync_state()?;
        let mut candidates: BTreeSet<String> = self
            .changed_since(state.pushed_seq)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        candidates.extend(state.refused.keys().cloned());
        candidates.extend(state.leaving.iter().cloned());
        let mut outbox = Vec::new();
        for case_id in candidates {
            if !self.has_case(&case_id)? {
                continue;
            }
            if let Some((heads, changes)) = self.unacknowledged(&case_id)? {
                outbox.push(Push {
                    case_id,
                    heads: heads.to_bytes(),
                    changes,
                });
            }
        }
        Ok(outbox)
    }

    fn has_case(&self, case_id: &str) -> Result<bool, CaseloadError> {
        match self.store.get_summary(case_id) {
            Ok(_) => Ok(true),
            Err(crate::store::StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn open_conflicts(&self) -> Result<usize, CaseloadError> {
        let listing = self.list(&Default::default(), Utc::now())?;
        Ok(listing.cases.iter().map(|c| c.open_conflicts).sum())
    }
}

/// Takes pushes from the front of the outbox up to `budget` plain bytes
/// (always at least one, so an oversized case is still attempted alone).
fn take_batch(outbox: &mut Vec<Push>, budget: usize) -> Vec<Push> {
    let mut size = 0;
    let mut count = 0;
    for push in outbox.iter() {
        if count > 0 && size + push.changes.len() > budget {
            break;
        }
        size += push.changes.len();
        count += 1;
    }
    outbox.drain(..count).collect()
}

/// A batch too large for the server goes back to the front of the outbox;
/// returns the budget that takes about half of it next time.
fn put_back_half(batch: Vec<Push>, outbox: &mut Vec<Push>) -> usize {
    let size: usize = batch.iter().map(|p| p.changes.len()).sum();
    outbox.splice(0..0, batch);
    (size / 2).max(1)
}
