//! One sync session, server side, independent of HTTP: take each pushed
//! case under the authority's rules, then page out what the device should
//! learn. The audit log names the cases pushed (before they are applied)
//! and the cases sent (the files this user read).

use std::sync::Arc;

use automerge::ActorId;
use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::reference::AdminUnits;
use ocrotire_core::sync::authority::{accept_push, Writer};
use ocrotire_core::sync::protocol::{
    Refusal, RefusalReason, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};

use crate::audit::{Action, AuditEntry};
use crate::reference::Reference;
use crate::storage::{
    Decision, Device, FreshChange, PullQuery, PushOutcome, Reader, Storage, StorageError, User,
};

/// Bounds on what one answer carries.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of documents and changes per answer (at least one item is
    /// always sent).
    pub response_budget: usize,
    /// Status notes per answer, for mediators.
    pub max_statuses: usize,
}

/// Case ids are random; anything else is refused before any work.
const MAX_CASE_ID_LEN: usize = 64;

pub fn valid_case_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CASE_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub async fn run<S: Storage>(
    storage: &S,
    reference: &Arc<Reference>,
    device: &Device,
    user: &User,
    request: SyncRequest,
    limits: Limits,
    now: i64,
) -> Result<SyncResponse, StorageError> {
    let writer = Writer {
        user_id: user.user_id.clone(),
        role: user.role,
        district: user.district.clone(),
        actor: ActorId::from(device.actor.clone()),
        lost_unknowingly: false,
    };
    let lost = if request.push.is_empty() {
        Default::default()
    } else {
        storage
            .lost_since(user.user_id.clone(), request.cursor)
            .await?
    };
    let pushed = request.push.len();
    if pushed > 0 {
        let ids: Vec<&str> = request
            .push
            .iter()
            .map(|p| p.case_id.as_str())
            .filter(|id| valid_case_id(id))
            .collect();
        let subject = format!(
            "cursor={} pushed={pushed} cases={}",
            request.cursor,
            ids.join(",")
        );
        audit(storage, device, user, Action::SyncPush, subject, now).await?;
    }
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for push in request.push {
        let case_id = push.case_id;
        if !valid_case_id(&case_id) {
            // Echo a bounded prefix so the device can still match it.
            let shown: String = case_id.chars().take(MAX_CASE_ID_LEN).collect();
            refused.push(Refusal {
                case_id: shown,
                reason: RefusalReason::Invalid,
            });
            continue;
        }
        let writer = Writer {
            lost_unknowingly: lost.contains(&case_id),
            ..writer.clone()
        };
        let id = case_id.clone();
        let changes = push.changes;
        let reference = Arc::clone(reference);
        let outcome = storage
            .apply_push(
                case_id.clone(),
                device.device_id.clone(),
                move |existing: Option<&[u8]>| {
                    decide(&id, existing, &changes, &writer, &reference.units)
                },
            )
            .await?;
        match outcome {
            PushOutcome::Stored { .. } | PushOutcome::Unchanged => accepted.push(case_id),
            PushOutcome::Refused(reason) => {
                tracing::info!(
                    case_id,
                    ?reason,
                    device_id = device.device_id,
                    "push refused"
                );
                refused.push(Refusal { case_id, reason });
            }
        }
    }
    let batch = storage
        .pull(PullQuery {
            reader: Reader {
                user_id: user.user_id.clone(),
                role: user.role,
                district: user.district.clone(),
                device_id: device.device_id.clone(),
            },
            cursor: request.cursor,
            budget_bytes: limits.response_budget,
            max_statuses: limits.max_statuses,
        })
        .await?;
    if request.cursor > batch.cursor && !batch.more {
        tracing::warn!(
            device_id = device.device_id,
            device_cursor = request.cursor,
            server_cursor = batch.cursor,
            "device is ahead of the server (was the database restored?)"
        );
    }
    let counts = format!(
        "pushed={pushed} accepted={} refused={} pulled={} statuses={} removed={} cursor={}->{} more={}",
        accepted.len(),
        refused.len(),
        batch.pulls.len(),
        batch.statuses.len(),
        batch.removed.len(),
        request.cursor,
        batch.cursor,
        batch.more,
    );
    tracing::info!(device_id = device.device_id, user_id = user.user_id, %counts, "sync");
    let ids = |ids: Vec<&str>| ids.join(",");
    let subject = format!(
        "{counts} pulled_cases={} status_cases={} removed_cases={}",
        ids(batch.pulls.iter().map(|p| p.case_id.as_str()).collect()),
        ids(batch.statuses.iter().map(|s| s.case_id.as_str()).collect()),
        ids(batch.removed.iter().map(String::as_str).collect()),
    );
    audit(storage, device, user, Action::Sync, subject, now).await?;
    Ok(SyncResponse {
        version: PROTOCOL_VERSION,
        accepted,
        refused,
        pull: batch.pulls,
        statuses: batch.statuses,
        removed: batch.removed,
        cursor: batch.cursor,
        more: batch.more,
    })
}

async fn audit<S: Storage>(
    storage: &S,
    device: &Device,
    user: &User,
    action: Action,
    subject: String,
    now: i64,
) -> Result<(), StorageError> {
    storage
        .append_audit(AuditEntry {
            at: now,
            user_id: user.user_id.clone(),
            device_id: device.device_id.clone(),
            action,
            subject,
        })
        .await
}

/// The authority's decision, with each fresh change's Automerge hash (the
/// key under which the server stores it once). The district office's
/// resolutions (`office::conflicts`) go through it too, so a change the
/// server writes for a person is taken under the same rules, and stored as
/// the same things, as a device's.
pub(crate) fn decide(
    case_id: &str,
    existing: Option<&[u8]>,
    changes: &[u8],
    writer: &Writer,
    units: &AdminUnits,
) -> Result<Decision, RefusalReason> {
    let accepted = accept_push(case_id, existing, changes, writer)?;
    let fresh = accepted
        .fresh
        .into_iter()
        .map(|bytes| {
            let change = automerge::Change::try_from(bytes.as_slice())
                .map_err(|_| RefusalReason::Invalid)?;
            Ok(FreshChange {
                hash: change.hash().0,
                bytes,
            })
        })
        .collect::<Result<Vec<_>, RefusalReason>>()?;
    Ok(Decision {
        doc: accepted.doc,
        projection: accepted.projection,
        facts: CaseFacts::of(&accepted.case, units),
        case_number: accepted.case.case_number,
        fresh,
    })
}

#[cfg(test)]
mod tests {
    use super::valid_case_id;

    #[test]
    fn case_ids_are_short_ascii() {
        assert!(valid_case_id("0f3a-case"));
        assert!(!valid_case_id(""));
        assert!(!valid_case_id("a/b"));
        assert!(!valid_case_id(&"a".repeat(65)));
    }
}
