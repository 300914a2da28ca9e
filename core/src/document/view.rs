//! Reading a case document into the typed [`CaseFile`], deriving the
//! workflow states from their append-only events.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ObjId, ReadDoc, ScalarValue, Value, ROOT};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::fields::{child_obj, read_fields, read_record};
use super::{keys, DocError};
use crate::model::{
    Assessment, AssessmentStatus, Author, CaseEvent, CaseFile, CaseStatus, ConflictResolution,
    FieldPath, Referral, ReferralEvent, ReferralEventKind, ReferralStatus,
};

pub(super) fn read<D: ReadDoc>(doc: &D) -> Result<CaseFile, DocError> {
    let meta = section(doc, keys::META)?;
    let meta = read_fields(doc, &meta)?;
    let field = |name: &str| {
        meta.get(name)
            .cloned()
            .ok_or(DocError::Corrupt("case metadata"))
    };
    let resolutions: Vec<ConflictResolution> = read_list(doc, keys::RESOLUTIONS)?;
    let mut events: Vec<(CaseEvent, chrono::DateTime<chrono::Utc>, Author)> =
        read_list(doc, keys::EVENTS)?;
    events.sort_by(|a, b| {
        (a.1, &a.2)
            .cmp(&(b.1, &b.2))
            .then_with(|| json_cmp(&a.0, &b.0))
    });
    let status = match events.iter().rev().find_map(|(e, _, _)| match e {
        CaseEvent::Closed { .. } => Some(CaseStatus::Closed),
        CaseEvent::Reopened { .. } => Some(CaseStatus::Open),
        _ => None,
    }) {
        Some(status) => status,
        None => CaseStatus::Open,
    };
    Ok(CaseFile {
        id: from_json(field("id")?)?,
        case_number: from_json(field("case_number")?)?,
        district: from_json(field("district")?)?,
        created_at: from_json(field("created_at")?)?,
        created_by: from_json(field("created_by")?)?,
        child: read_record(doc, &section(doc, keys::CHILD)?)?,
        notification: read_record(doc, &section(doc, keys::NOTIFICATION)?)?,
        assessments: records(doc, keys::ASSESSMENTS)?
            .iter()
            .map(|obj| read_assessment(doc, obj))
            .collect::<Result<_, _>>()?,
        referrals: records(doc, keys::REFERRALS)?
            .iter()
            .map(|obj| read_referral(doc, obj, &resolutions))
            .collect::<Result<_, _>>()?,
        follow_ups: records(doc, keys::FOLLOW_UPS)?
            .iter()
            .map(|obj| read_record(doc, obj))
            .collect::<Result<_, _>>()?,
        consents: sorted(
            read_list(doc, keys::CONSENTS)?,
            |c: &crate::model::ConsentRecord| (c.at, c.id.clone()),
        ),
        notes: sorted(read_list(doc, keys::NOTES)?, |n: &crate::model::Note| {
            (n.at, n.id.clone())
        }),
        events,
        resolutions,
        status,
    })
}

/// A completed assessment shows the answers it was scored on.
pub(super) fn read_assessment<D: ReadDoc>(doc: &D, obj: &ObjId) -> Result<Assessment, DocError> {
    let mut fields = read_fields(doc, obj)?;
    let answers = live_answers(doc, obj)?;
    fields.insert(
        keys::ANSWERS.into(),
        serde_json::to_value(answers).map_err(|_| DocError::Corrupt("answers"))?,
    );
    let mut assessment: Assessment = from_json(Json::Object(fields))?;
    if let (AssessmentStatus::Completed, Some(result)) = (assessment.status, &assessment.result) {
        assessment.answers = result.answers.clone();
    }
    Ok(assessment)
}

pub(super) fn live_answers<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
) -> Result<BTreeMap<String, bool>, DocError> {
    let answers = child_obj(doc, obj, keys::ANSWERS)?.ok_or(DocError::Corrupt("answers"))?;
    let mut map = BTreeMap::new();
    for key in doc.keys(&answers) {
        if let Some((Value::Scalar(s), _)) = doc.get(&answers, key.as_str())? {
            if let ScalarValue::Boolean(b) = s.as_ref() {
                map.insert(key, *b);
            }
        }
    }
    Ok(map)
}

fn read_referral<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    resolutions: &[ConflictResolution],
) -> Result<Referral, DocError> {
    let mut fields = read_fields(doc, obj)?;
    let packet = child_obj(doc, obj, keys::PACKET)?.ok_or(DocError::Corrupt("referral packet"))?;
    fields.insert(
        keys::PACKET.into(),
        Json::Object(read_fields(doc, &packet)?),
    );
    let events_obj =
        child_obj(doc, obj, keys::REFERRAL_EVENTS)?.ok_or(DocError::Corrupt("referral events"))?;
    let mut events: Vec<ReferralEvent> = list_values(doc, &events_obj)?;
    events.sort_by(|a, b| {
        (a.at, &a.by)
            .cmp(&(b.at, &b.by))
            .then_with(|| json_cmp(&a.event, &b.event))
    });
    let id: String = from_json(fields.get("id").cloned().unwrap_or(Json::Null))?;
    let status = referral_status(&id, &events, resolutions);
    fields.insert(
        "events".into(),
        serde_json::to_value(&events).map_err(|_| DocError::Corrupt("events"))?,
    );
    fields.insert(
        "status".into(),
        serde_json::to_value(&status).map_err(|_| DocError::Corrupt("status"))?,
    );
    from_json(Json::Object(fields))
}

/// The most advanced stage any event reached. Ranks rather than timestamps
/// decide, so a device with a wrong clock cannot move a referral backwards.
/// Two different terminal outcomes are contradictory until a person picks one.
pub(super) fn referral_status(
    id: &str,
    events: &[ReferralEvent],
    resolutions: &[ConflictResolution],
) -> ReferralStatus {
    let terminal: BTreeSet<String> = events
        .iter()
        .filter(|e| rank(&e.event) == TERMINAL)
        .map(|e| stage(&e.event))
        .collect();
    if terminal.len() > 1 {
        let path = status_path(id);
        let decided = resolutions.iter().rev().find(|r| {
            r.field == path
                && terminal.iter().all(|t| {
                    r.alternatives
                        .iter()
                        .any(|a| a == &Json::String(t.clone()).to_string())
                })
        });
        return match decided.and_then(|r| serde_json::from_str::<String>(&r.chosen).ok()) {
            Some(chosen) => status_of(&chosen),
            None => ReferralStatus::Contradictory {
                statuses: terminal.into_iter().collect(),
            },
        };
    }
    match events.iter().max_by_key(|e| rank(&e.event)) {
        Some(event) => status_of(&stage(&event.event)),
        None => ReferralStatus::Draft,
    }
}

pub(super) fn status_path(referral_id: &str) -> FieldPath {
    FieldPath {
        section: "referral".into(),
        entity: Some(referral_id.into()),
        field: "status".into(),
    }
}

const TERMINAL: u8 = 5;

fn rank(event: &ReferralEventKind) -> u8 {
    match event {
        ReferralEventKind::Sent => 1,
        ReferralEventKind::Acknowledged => 2,
        ReferralEventKind::Accepted | ReferralEventKind::Redirected { .. } => 3,
        ReferralEventKind::ServiceStarted => 4,
        ReferralEventKind::Declined { .. }
        | ReferralEventKind::CompletedSuccessfully
        | ReferralEventKind::CompletedUnsuccessfully { .. }
        | ReferralEventKind::Withdrawn { .. } => TERMINAL,
    }
}

/// The snake_case name of the stage an event reaches.
pub(super) fn stage(event: &ReferralEventKind) -> String {
    match serde_json::to_value(event) {
        Ok(Json::Object(map)) => map
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or("unknown")
            .to_string(),
        _ => "unknown".into(),
    }
}

fn status_of(stage: &str) -> ReferralStatus {
    serde_json::from_value(serde_json::json!({ "status": stage })).unwrap_or(ReferralStatus::Draft)
}

pub(super) fn section<D: ReadDoc>(doc: &D, key: &str) -> Result<ObjId, DocError> {
    child_obj(doc, &ROOT, key)?.ok_or(DocError::Corrupt("missing section"))
}

/// The record maps of a section, ordered by id so every replica lists them alike.
pub(super) fn records<D: ReadDoc>(doc: &D, key: &str) -> Result<Vec<ObjId>, DocError> {
    let parent = section(doc, key)?;
    let mut out = Vec::new();
    for id in doc.keys(&parent) {
        if let Some(obj) = child_obj(doc, &parent, &id)? {
            out.push(obj);
        }
    }
    Ok(out)
}

fn read_list<D: ReadDoc, T: DeserializeOwned>(doc: &D, key: &str) -> Result<Vec<T>, DocError> {
    list_values(doc, &section(doc, key)?)
}

pub(super) fn list_values<D: ReadDoc, T: DeserializeOwned>(
    doc: &D,
    list: &ObjId,
) -> Result<Vec<T>, DocError> {
    let mut out = Vec::new();
    for item in doc.list_range(list, ..) {
        if let Value::Scalar(s) = Value::from(item.value) {
            if let ScalarValue::Bytes(bytes) = s.as_ref() {
                out.push(
                    serde_json::from_slice(bytes).map_err(|_| DocError::Corrupt("list record"))?,
                );
            }
        }
    }
    Ok(out)
}

fn sorted<T, K: Ord>(mut items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    items.sort_by_key(key);
    items
}

fn json_cmp<T: serde::Serialize>(a: &T, b: &T) -> std::cmp::Ordering {
    let a = serde_json::to_string(a).unwrap_or_default();
    let b = serde_json::to_string(b).unwrap_or_default();
    a.cmp(&b)
}

fn from_json<T: DeserializeOwned>(value: Json) -> Result<T, DocError> {
    serde_json::from_value(value).map_err(|_| DocError::Corrupt("record shape"))
}
