//! Conflicts resolved from the district office's dashboard.
//!
//! An officer's decision becomes what a device's would: one Automerge
//! change, made on the server's copy of the case under an actor reserved
//! for that officer on the web, taken by the same authority rules as a
//! device's push and numbered like one. Every device that sees the case
//! pulls it at its next sync, so the conflict ends everywhere, not only on
//! the dashboard.
//!
//! Child data never leaves through here except to the page of an officer
//! who may see the case: errors and audit rows carry case ids and field
//! paths only, never values.

use std::sync::{Arc, Mutex, PoisonError};

use automerge::ActorId;
use chrono::{DateTime, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, ConflictKind, DocError, OpContext, MAX_TEXT_CHARS};
use ocrotire_core::model::{Author, FieldPath, Role};
use ocrotire_core::sync::authority::Writer;
use ocrotire_core::sync::projection::CaseProjection;
use ocrotire_core::sync::protocol::RefusalReason;
use ring::digest::{digest, SHA256};
use serde::Serialize;
use serde_json::Value as Json;

use crate::audit::{Action, AuditEntry};
use crate::reference::Reference;
use crate::storage::{Decide, PushOutcome, Storage, StorageError, User};
use crate::sync::valid_case_id;

/// The device column of the audit rows of dashboard actions.
const AUDIT_CHANNEL: &str = "web";
/// Longest field identifier accepted back from a form.
const MAX_FIELD_KEY_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConflictError {
    #[error("only a district officer of the case's district may resolve its conflicts")]
    NotPermitted,
    #[error("the server holds no such case")]
    UnknownCase,
    #[error("the field has no open conflict any more")]
    AlreadyResolved,
    #[error("the chosen value is no longer one of the conflicting values")]
    StaleChoice,
    #[error("a completed assessment keeps the answer it was scored on")]
    NotChoosable,
    #[error("the field identifier is not one this page sent")]
    InvalidField,
    #[error("the chosen value is not valid JSON")]
    InvalidChoice,
    #[error("a reason is required")]
    MissingReason,
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the stored case document cannot be read")]
    Damaged,
    #[error("the authority refused the change ({0:?})")]
    Refused(RefusalReason),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What the conflicts page of one case shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseConflicts {
    pub case_id: String,
    pub case_number: String,
    /// In core's stable order (by kind, then field).
    pub conflicts: Vec<OpenConflict>,
}

/// One field awaiting a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenConflict {
    pub kind: ConflictKind,
    pub field: FieldPath,
    /// `field` as one form value; [`parse_field_key`] reads it back.
    pub field_key: String,
    /// Which field this is, for people (English; `field` for translations).
    pub label: String,
    /// The value devices show today comes first.
    pub values: Vec<ConflictChoice>,
}

/// One of the values in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictChoice {
    /// The value as a person reads it.
    pub display: String,
    /// The value's JSON text: what the form submits as the choice.
    pub chosen: String,
    /// Who wrote it (user id and role), when the document knows.
    pub author: Option<Author>,
    /// When, by the writing device's clock, when the document knows.
    pub written_at: Option<DateTime<Utc>>,
    /// Whether it may be chosen: a completed assessment's answer can only
    /// be confirmed as scored, never replaced by a later edit.
    pub choosable: bool,
}

/// An officer's decision, as the form submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub case_id: String,
    pub field: FieldPath,
    /// JSON text of the chosen value ([`ConflictChoice::chosen`]).
    pub chosen: String,
    pub reason: String,
}

/// The open conflicts of `case_id` for `officer`; `None` for a case the
/// server does not hold. Only a district officer of the case's district
/// may look.
pub async fn open_conflicts<S: Storage>(
    storage: &S,
    officer: &User,
    case_id: &str,
) -> Result<Option<CaseConflicts>, ConflictError> {
    if officer.role != Role::DistrictOfficer {
        return Err(ConflictError::NotPermitted);
    }
    if !valid_case_id(case_id) {
        return Ok(None);
    }
    let Some((doc, projection)) = storage.case_document(case_id.to_owned()).await? else {
        return Ok(None);
    };
    check_district(officer, &projection)?;
    // Automerge work is CPU-bound: off the async workers, like pushes.
    let actor = web_actor(&officer.user_id);
    tokio::task::spawn_blocking(move || listing(&doc, &actor))
        .await
        .map_err(|_| ConflictError::Storage(StorageError::WorkerFailed))?
        .map(Some)
}

/// Resolves one conflict as `officer`: a new change on the server's copy
/// of the case, stored and numbered like a device's push, with its audit
/// row in the same transaction. A choice made on a page that is out of
/// date (the conflict resolved meanwhile, or its values changed) is
/// refused and nothing is stored.
pub async fn resolve<S: Storage>(
    storage: &S,
    reference: &Arc<Reference>,
    officer: &User,
    choice: Choice,
    now: DateTime<Utc>,
) -> Result<(), ConflictError> {
    if officer.role != Role::DistrictOfficer {
        return Err(ConflictError::NotPermitted);
    }
    let reason = choice.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ConflictError::MissingReason);
    }
    if reason.chars().count() > MAX_TEXT_CHARS {
        return Err(ConflictError::ReasonTooLong {
            max: MAX_TEXT_CHARS,
        });
    }
    let chosen = canonical(&choice.chosen)?;
    if !valid_case_id(&choice.case_id) {
        return Err(ConflictError::UnknownCase);
    }
    let Some((_, projection)) = storage.case_document(choice.case_id.clone()).await? else {
        return Err(ConflictError::UnknownCase);
    };
    check_district(officer, &projection)?;
    let actor = web_actor(&officer.user_id);

    let audit = AuditEntry {
        at: now.timestamp_millis(),
        user_id: officer.user_id.clone(),
        device_id: AUDIT_CHANNEL.into(),
        action: Action::Resolve,
        subject: format!("case={} field={}", choice.case_id, choice.field),
    };
    let writer = Writer {
        user_id: officer.user_id.clone(),
        role: officer.role,
        district: officer.district.clone(),
        actor,
        lost_unknowingly: false,
    };
    // `decide` may only answer with a protocol refusal; why a choice no
    // longer stands is passed out beside it.
    let why: Arc<Mutex<Option<ConflictError>>> = Arc::default();
    let op = CaseOp::ResolveConflict {
        field: choice.field,
        chosen,
        reason,
    };
    let decide = deciding(&choice.case_id, op, writer, reference, now, &why);
    let outcome = storage
        .apply_push_audited(choice.case_id, web_origin(&officer.user_id), decide, audit)
        .await?;
    match outcome {
        PushOutcome::Stored { .. } => Ok(()),
        // A resolution is always a new change; nothing new would mean the
        // very same decision is stored already.
        PushOutcome::Unchanged => Err(ConflictError::AlreadyResolved),
        PushOutcome::Refused(reason) => Err(match lock(&why).take() {
            Some(error) => error,
            // Moved to another district, say, since the page was opened.
            None if reason == RefusalReason::NotPermitted => ConflictError::NotPermitted,
            None => ConflictError::Refused(reason),
        }),
    }
}

/// The decision run under the case's lock: the resolution made on the
/// stored document, then taken by the rules of a device's push (which
/// check the officer's district again, in case it changed since the page).
fn deciding(
    case_id: &str,
    op: CaseOp,
    writer: Writer,
    reference: &Arc<Reference>,
    now: DateTime<Utc>,
    why: &Arc<Mutex<Option<ConflictError>>>,
) -> impl Decide {
    let (case_id, reference, why) = (case_id.to_owned(), Arc::clone(reference), Arc::clone(why));
    move |existing: Option<&[u8]>| {
        let changes = match existing {
            None => Err(ConflictError::UnknownCase),
            Some(existing) => resolution(existing, &op, &writer, now),
        };
        match changes {
            Ok(changes) => {
                crate::sync::decide(&case_id, existing, &changes, &writer, &reference.units)
            }
            Err(error) => {
                *lock(&why) = Some(error);
                Err(RefusalReason::Invalid)
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The Automerge actor of `user_id`'s changes from the dashboard: the same
/// for every resolution of that person (so the document's `actors` map
/// names them once), and derived, so no table has to keep it. It is 32
/// bytes; devices enroll only actors of at most 16 (`http::enroll`), so no
/// device can ever hold it.
pub fn web_actor(user_id: &str) -> ActorId {
    let hash = digest(&SHA256, format!("ocrotire-web-actor:{user_id}").as_bytes());
    ActorId::from(hash.as_ref())
}

/// The origin recorded with the dashboard's changes. Device ids are hex,
/// so it never equals one: every device, the officer's own included,
/// receives the change.
pub fn web_origin(user_id: &str) -> String {
    format!("web:{user_id}")
}

/// Reads back a [`OpenConflict::field_key`].
pub fn parse_field_key(key: &str) -> Result<FieldPath, ConflictError> {
    if key.len() > MAX_FIELD_KEY_LEN {
        return Err(ConflictError::InvalidField);
    }
    serde_json::from_str(key).map_err(|_| ConflictError::InvalidField)
}

fn check_district(officer: &User, case: &CaseProjection) -> Result<(), ConflictError> {
    if officer.role == Role::DistrictOfficer && officer.district == case.district {
        Ok(())
    } else {
        Err(ConflictError::NotPermitted)
    }
}

/// The JSON text core compares values by.
fn canonical(chosen: &str) -> Result<String, ConflictError> {
    serde_json::from_str::<Json>(chosen)
        .map(|v| v.to_string())
        .map_err(|_| ConflictError::InvalidChoice)
}

/// The page's view of a stored document.
fn listing(doc: &[u8], actor: &ActorId) -> Result<CaseConflicts, ConflictError> {
    let doc = CaseDoc::load(doc, actor).map_err(|_| ConflictError::Damaged)?;
    let case = doc.view().map_err(|_| ConflictError::Damaged)?;
    let mut conflicts = Vec::new();
    for conflict in doc.conflicts().map_err(|_| ConflictError::Damaged)? {
        let times = doc
            .written_at(&conflict)
            .map_err(|_| ConflictError::Damaged)?;
        let values = conflict
            .values
            .iter()
            .zip(times)
            .enumerate()
            .map(|(i, (value, written_at))| ConflictChoice {
                display: display(&value.value),
                chosen: value.value.clone(),
                author: value.author.clone(),
                written_at,
                choosable: conflict.kind != ConflictKind::EditAfterCompletion || i == 0,
            })
            .collect();
        conflicts.push(OpenConflict {
            kind: conflict.kind,
            field_key: serde_json::to_string(&conflict.field)
                .map_err(|_| ConflictError::Damaged)?,
            label: label(&conflict.field),
            field: conflict.field,
            values,
        });
    }
    Ok(CaseConflicts {
        case_id: case.id,
        case_number: case.case_number,
        conflicts,
    })
}

/// The change bytes of `op` applied by `writer` to the stored document,
/// or why the choice no longer stands. Runs under the case's lock.
fn resolution(
    existing: &[u8],
    op: &CaseOp,
    writer: &Writer,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, ConflictError> {
    let CaseOp::ResolveConflict { field, chosen, .. } = op else {
        return Err(ConflictError::Refused(RefusalReason::Invalid));
    };
    let mut doc = CaseDoc::load(existing, &writer.actor).map_err(|_| ConflictError::Damaged)?;
    let conflicts = doc.conflicts().map_err(|_| ConflictError::Damaged)?;
    let conflict = conflicts
        .iter()
        .find(|c| &c.field == field)
        .ok_or(ConflictError::AlreadyResolved)?;
    match conflict.values.iter().position(|v| &v.value == chosen) {
        None => return Err(ConflictError::StaleChoice),
        Some(i) if i > 0 && conflict.kind == ConflictKind::EditAfterCompletion => {
            return Err(ConflictError::NotChoosable)
        }
        Some(_) => {}
    }
    let before = doc.heads();
    let author = Author {
        user_id: writer.user_id.clone(),
        role: writer.role,
    };
    let ctx = OpContext {
        actor: &writer.actor,
        author: &author,
        now,
        // A resolution scores nothing.
        templates: &[],
    };
    doc.apply(op, &ctx).map_err(|e| match e {
        DocError::NoConflict(_) => ConflictError::AlreadyResolved,
        DocError::AssessmentCompleted => ConflictError::NotChoosable,
        DocError::TooLong { max, .. } => ConflictError::ReasonTooLong { max },
        DocError::NotPermitted { .. } => ConflictError::NotPermitted,
        _ => ConflictError::Damaged,
    })?;
    Ok(doc.changes_since(&before))
}

/// A value as a person reads it: text without quotes, yes/no, empty.
fn display(value: &str) -> String {
    match serde_json::from_str::<Json>(value) {
        Ok(Json::String(text)) => text,
        Ok(Json::Null) => "(empty)".into(),
        Ok(Json::Bool(true)) => "yes".into(),
        Ok(Json::Bool(false)) => "no".into(),
        Ok(other) => other.to_string(),
        Err(_) => value.to_owned(),
    }
}

/// "Child: given name", "Referral 3f2a9c01: status", "Assessment 0b1c2d3e:
/// answer q7".
fn label(field: &FieldPath) -> String {
    let section = match field.section.as_str() {
        "meta" => "Case",
        "child" => "Child",
        "notification" => "Notification",
        "assessment" => "Assessment",
        "referral" => "Referral",
        "follow_up" => "Follow-up",
        other => other,
    };
    let name = if let Some(item) = field.field.strip_prefix("answers.") {
        format!("answer {item}")
    } else if let Some(part) = field.field.strip_prefix("packet.") {
        format!("packet {}", part.replace('_', " "))
    } else {
        field.field.replace('_', " ")
    };
    match &field.entity {
        // Record ids are random; a prefix tells records apart on a page.
        Some(entity) => format!("{section} {}: {name}", short(entity)),
        None => format!("{section}: {name}"),
    }
}

fn short(id: &str) -> &str {
    id.char_indices().nth(8).map_or(id, |(end, _)| &id[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(section: &str, entity: Option<&str>, field: &str) -> FieldPath {
        FieldPath {
            section: section.into(),
            entity: entity.map(Into::into),
            field: field.into(),
        }
    }

    #[test]
    fn field_keys_read_back_and_bad_ones_are_refused() {
        let field = path("assessment", Some("0b1c2d3e4f"), "answers.q7");
        let key = serde_json::to_string(&field).unwrap();
        assert_eq!(parse_field_key(&key).unwrap(), field);
        assert!(matches!(
            parse_field_key("child.given_name"),
            Err(ConflictError::InvalidField)
        ));
        assert!(parse_field_key(&"x".repeat(MAX_FIELD_KEY_LEN + 1)).is_err());
    }

    #[test]
    fn labels_and_display_text_read_as_words() {
        assert_eq!(
            label(&path("child", None, "given_name")),
            "Child: given name"
        );
        assert_eq!(
            label(&path("assessment", Some("0b1c2d3e4f"), "answers.q7")),
            "Assessment 0b1c2d3e: answer q7"
        );
        assert_eq!(
            label(&path("referral", Some("r1"), "packet.contact_person")),
            "Referral r1: packet contact person"
        );
        assert_eq!(display("\"Ana\""), "Ana");
        assert_eq!(display("null"), "(empty)");
        assert_eq!(display("true"), "yes");
        assert_eq!(display("[\"a\",\"b\"]"), "[\"a\",\"b\"]");
    }

    #[test]
    fn the_web_actor_is_stable_per_person_and_never_a_device_id() {
        assert_eq!(web_actor("off-1"), web_actor("off-1"));
        assert_ne!(web_actor("off-1"), web_actor("off-2"));
        // Longer than any actor a device may enroll with.
        assert_eq!(web_actor("off-1").to_bytes().len(), 32);
        // Device ids are hex from the server's random ids.
        assert!(web_origin("off-1").contains(':'));
        assert_eq!(canonical(" \"Ana\" ").unwrap(), "\"Ana\"");
        assert!(matches!(
            canonical("Ana"),
            Err(ConflictError::InvalidChoice)
        ));
    }
}
