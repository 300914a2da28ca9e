//! Conflicts a person must decide: concurrent values of one field, an
//! answer changed on a draft that another device completed meanwhile, and
//! referral outcomes that cannot both be true.

use automerge::{transaction::Transaction, ObjId, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{child_obj, conflicted_keys, put_field, read_all, read_fields};
use super::view::{
    list_values, live_answers, read_assessment, records, referral_status, section, stage,
    status_path,
};
use super::{keys, DocError};
use crate::model::{
    AssessmentStatus, Author, ConflictResolution, FieldPath, ReferralEvent, ReferralStatus,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Devices wrote different values to the same field while apart.
    ConcurrentValues,
    /// An answer changed on a draft that was completed elsewhere meanwhile;
    /// the completed assessment keeps the answer it was scored on.
    EditAfterCompletion,
    /// Two terminal referral outcomes (declined and completed, say).
    ContradictoryStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConflictValue {
    /// JSON text of the value.
    pub value: String,
    /// Who wrote it, when the document knows.
    pub author: Option<Author>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub field: FieldPath,
    /// The value shown today comes first.
    pub values: Vec<ConflictValue>,
}

pub(super) fn list<D: ReadDoc>(doc: &D) -> Result<Vec<Conflict>, DocError> {
    let mut out = Vec::new();
    let actors = match child_obj(doc, &ROOT, keys::ACTORS)? {
        Some(obj) => read_fields(doc, &obj)?,
        None => Actors::new(),
    };
    for (section_name, key) in [
        ("meta", keys::META),
        ("child", keys::CHILD),
        ("notification", keys::NOTIFICATION),
    ] {
        scan_map(
            doc,
            &actors,
            &section(doc, key)?,
            section_name,
            None,
            "",
            &mut out,
        )?;
    }
    for obj in records(doc, keys::ASSESSMENTS)? {
        let id = record_id(doc, &obj)?;
        scan_map(doc, &actors, &obj, "assessment", Some(&id), "", &mut out)?;
        let answers = child_obj(doc, &obj, keys::ANSWERS)?.ok_or(DocError::Corrupt("answers"))?;
        scan_map(
            doc,
            &actors,
            &answers,
            "assessment",
            Some(&id),
            "answers.",
            &mut out,
        )?;
        edits_after_completion(doc, &obj, &id, &mut out)?;
    }
    let resolutions: Vec<ConflictResolution> = list_values(doc, &section(doc, keys::RESOLUTIONS)?)?;
    for obj in records(doc, keys::REFERRALS)? {
        let id = record_id(doc, &obj)?;
        scan_map(doc, &actors, &obj, "referral", Some(&id), "", &mut out)?;
        let packet = child_obj(doc, &obj, keys::PACKET)?.ok_or(DocError::Corrupt("packet"))?;
        scan_map(
            doc,
            &actors,
            &packet,
            "referral",
            Some(&id),
            "packet.",
            &mut out,
        )?;
        let events = referral_events(doc, &obj)?;
        if let ReferralStatus::Contradictory { .. } = referral_status(&id, &events, &resolutions) {
            out.push(contradiction(&id, &events));
        }
    }
    for obj in records(doc, keys::FOLLOW_UPS)? {
        let id = record_id(doc, &obj)?;
        scan_map(doc, &actors, &obj, "follow_up", Some(&id), "", &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Checks that `field` is in conflict and `chosen` one of its values, writes
/// the choice so it supersedes every concurrent value, and returns all the
/// values that were in conflict (for the resolution record).
pub(super) fn resolve(
    tx: &mut Transaction<'_>,
    field: &FieldPath,
    chosen: &Json,
) -> Result<Vec<String>, DocError> {
    let conflict = list(tx)?
        .into_iter()
        .find(|c| &c.field == field)
        .ok_or_else(|| DocError::NoConflict(field.to_string()))?;
    let alternatives: Vec<String> = conflict.values.iter().map(|v| v.value.clone()).collect();
    if !alternatives.contains(&chosen.to_string()) {
        return Err(DocError::Encoding(
            "the chosen value is not one of the conflicting values",
        ));
    }
    match conflict.kind {
        ConflictKind::ContradictoryStatus => {}
        ConflictKind::EditAfterCompletion if Some(&chosen.to_string()) != alternatives.first() => {
            return Err(DocError::AssessmentCompleted);
        }
        ConflictKind::EditAfterCompletion | ConflictKind::ConcurrentValues => {
            let (obj, key) = locate(tx, field)?;
            put_field(tx, &obj, &key, chosen)?;
        }
    }
    Ok(alternatives)
}

/// The map and key that hold a field.
pub(super) fn locate<D: ReadDoc>(doc: &D, field: &FieldPath) -> Result<(ObjId, String), DocError> {
    let unknown = || DocError::UnknownField(field.to_string());
    let (section_key, nested) = match field.section.as_str() {
        "meta" => (keys::META, None),
        "child" => (keys::CHILD, None),
        "notification" => (keys::NOTIFICATION, None),
        "assessment" => (keys::ASSESSMENTS, Some(("answers.", keys::ANSWERS))),
        "referral" => (keys::REFERRALS, Some(("packet.", keys::PACKET))),
        "follow_up" => (keys::FOLLOW_UPS, None),
        _ => return Err(unknown()),
    };
    let mut obj = section(doc, section_key)?;
    if let Some(entity) = &field.entity {
        obj = child_obj(doc, &obj, entity)?.ok_or_else(unknown)?;
    }
    if let Some((prefix, key)) = nested {
        if let Some(name) = field.field.strip_prefix(prefix) {
            let inner = child_obj(doc, &obj, key)?.ok_or_else(unknown)?;
            return Ok((inner, name.to_string()));
        }
    }
    Ok((obj, field.field.clone()))
}

/// Who stands behind each actor (hex), read once per listing.
type Actors = serde_json::Map<String, Json>;

fn scan_map<D: ReadDoc>(
    doc: &D,
    actors: &Actors,
    obj: &ObjId,
    section_name: &str,
    entity: Option<&str>,
    prefix: &str,
    out: &mut Vec<Conflict>,
) -> Result<(), DocError> {
    for key in conflicted_keys(doc, obj) {
        let mut values: Vec<ConflictValue> = Vec::new();
        for w in read_all(doc, obj, &key)? {
            let value = w.value.to_string();
            if !values.iter().any(|v| v.value == value) {
                values.push(ConflictValue {
                    value,
                    author: author_of(actors, &w.op),
                });
            }
        }
        if values.len() > 1 {
            out.push(Conflict {
                kind: ConflictKind::ConcurrentValues,
                field: FieldPath {
                    section: section_name.into(),
                    entity: entity.map(Into::into),
                    field: format!("{prefix}{key}"),
                },
                values,
            });
        }
    }
    Ok(())
}

fn edits_after_completion<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    id: &str,
    out: &mut Vec<Conflict>,
) -> Result<(), DocError> {
    let assessment = read_assessment(doc, obj)?;
    let (AssessmentStatus::Completed, Some(result)) = (assessment.status, &assessment.result)
    else {
        return Ok(());
    };
    let live = live_answers(doc, obj)?;
    let items: std::collections::BTreeSet<&String> =
        live.keys().chain(result.answers.keys()).collect();
    for item in items {
        let (scored, now) = (result.answers.get(item), live.get(item));
        if scored != now {
            let as_value = |v: Option<&bool>, author| ConflictValue {
                value: Json::from(v.copied()).to_string(),
                author,
            };
            out.push(Conflict {
                kind: ConflictKind::EditAfterCompletion,
                field: FieldPath {
                    section: "assessment".into(),
                    entity: Some(id.into()),
                    field: format!("answers.{item}"),
                },
                values: vec![
                    as_value(scored, Some(result.completed_by.clone())),
                    as_value(now, None),
                ],
            });
        }
    }
    Ok(())
}

fn contradiction(id: &str, events: &[ReferralEvent]) -> Conflict {
    let mut values: Vec<ConflictValue> = Vec::new();
    for event in events {
        let value = Json::String(stage(&event.event)).to_string();
        let terminal = matches!(
            referral_status(id, std::slice::from_ref(event), &[]),
            ReferralStatus::Declined
                | ReferralStatus::CompletedSuccessfully
                | ReferralStatus::CompletedUnsuccessfully
                | ReferralStatus::Withdrawn
        );
        if terminal && !values.iter().any(|v| v.value == value) {
            values.push(ConflictValue {
                value,
                author: Some(event.by.clone()),
            });
        }
    }
    Conflict {
        kind: ConflictKind::ContradictoryStatus,
        field: status_path(id),
        values,
    }
}

pub(super) fn referral_events<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
) -> Result<Vec<ReferralEvent>, DocError> {
    let list =
        child_obj(doc, obj, keys::REFERRAL_EVENTS)?.ok_or(DocError::Corrupt("referral events"))?;
    let mut events: Vec<ReferralEvent> = list_values(doc, &list)?;
    events.sort_by(|a, b| (a.at, &a.by).cmp(&(b.at, &b.by)));
    Ok(events)
}

fn record_id<D: ReadDoc>(doc: &D, obj: &ObjId) -> Result<String, DocError> {
    match read_fields(doc, obj)?.get("id") {
        Some(Json::String(id)) => Ok(id.clone()),
        _ => Err(DocError::Corrupt("record id")),
    }
}

/// The person behind the actor that wrote `op`, from the document's `actors` map.
fn author_of(actors: &Actors, op: &ObjId) -> Option<Author> {
    let ObjId::Id(_, actor, _) = op else {
        return None;
    };
    actors
        .get(&actor.to_hex_string())
        .and_then(|a| serde_json::from_value(a.clone()).ok())
}
