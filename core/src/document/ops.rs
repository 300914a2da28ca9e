//! Typed operations on a case. Each becomes exactly one Automerge
//! transaction authored by the device's actor; a failed operation commits
//! nothing.

use automerge::{
    transaction::{CommitOptions, Transactable, Transaction},
    ActorId, Automerge, ObjType, ReadDoc, ScalarValue, ROOT,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{child_obj, put_field, to_fields, write_fields};
use super::validate::{
    check_child, check_id, check_notification, check_packet, check_permitted, check_text,
};
use super::{conflicts, keys, DocError, MAX_RECORDS, SCHEMA_VERSION};
use crate::model::{
    Approval, Assessment, AssessmentResult, AssessmentStatus, Author, CaseEvent, Child,
    ConflictResolution, FieldPath, Note, Notification, Override, ReferralEvent, ReferralEventKind,
    ReferralPacket, RiskLevel, ServiceType,
};
use crate::reference::Template;
use crate::scoring;

/// Who is acting, when, and with which templates (to score assessments).
pub struct OpContext<'a> {
    pub actor: &'a ActorId,
    pub author: &'a Author,
    pub now: DateTime<Utc>,
    pub templates: &'a [Template],
}

/// What a new case starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub id: String,
    pub case_number: String,
    pub district: String,
    pub child: Child,
    pub notification: Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum CaseOp {
    UpdateChild(Child),
    UpdateNotification(Notification),
    StartAssessment {
        id: String,
        template_id: String,
        template_version: u32,
    },
    AnswerItem {
        assessment_id: String,
        item_id: String,
        answer: bool,
    },
    SetSafety {
        assessment_id: String,
        child_safety_scale: Option<u8>,
        worker_safety_scale: Option<u8>,
        danger_statement: Option<String>,
        safety_goal: Option<String>,
    },
    OverrideLevel {
        assessment_id: String,
        level: RiskLevel,
        reason: String,
    },
    ApproveOverride {
        assessment_id: String,
    },
    CompleteAssessment {
        assessment_id: String,
    },
    AddReferral {
        id: String,
        service_type: ServiceType,
        service_id: Option<String>,
        packet: ReferralPacket,
    },
    AddReferralEvent {
        referral_id: String,
        event: ReferralEventKind,
    },
    AddFollowUp(crate::model::FollowUp),
    RecordConsent(crate::model::ConsentRecord),
    AddNote {
        id: String,
        text: String,
    },
    AddCaseEvent(CaseEvent),
    ResolveConflict {
        field: FieldPath,
        chosen: String,
        reason: String,
    },
}

pub(super) fn create(
    doc: &mut Automerge,
    new: &NewCase,
    ctx: &OpContext<'_>,
) -> Result<(), DocError> {
    check_child(&new.child)?;
    check_notification(&new.notification)?;
    transact(doc, ctx, "create case", |tx| {
        tx.put(ROOT, keys::SCHEMA, SCHEMA_VERSION)?;
        let meta = tx.put_object(ROOT, keys::META, ObjType::Map)?;
        let meta_fields = serde_json::json!({
            "id": new.id, "case_number": new.case_number, "district": new.district,
            "created_at": ctx.now, "created_by": ctx.author,
        });
        if let Json::Object(fields) = meta_fields {
            write_fields(tx, &meta, &fields)?;
        }
        let child = tx.put_object(ROOT, keys::CHILD, ObjType::Map)?;
        write_fields(tx, &child, &to_fields(&new.child)?)?;
        let notification = tx.put_object(ROOT, keys::NOTIFICATION, ObjType::Map)?;
        write_fields(tx, &notification, &to_fields(&new.notification)?)?;
        for key in [
            keys::ASSESSMENTS,
            keys::REFERRALS,
            keys::FOLLOW_UPS,
            keys::ACTORS,
        ] {
            tx.put_object(ROOT, key, ObjType::Map)?;
        }
        for key in [keys::CONSENTS, keys::NOTES, keys::EVENTS, keys::RESOLUTIONS] {
            tx.put_object(ROOT, key, ObjType::List)?;
        }
        Ok(())
    })
}

pub(super) fn apply(doc: &mut Automerge, op: &CaseOp, ctx: &OpContext<'_>) -> Result<(), DocError> {
    check_permitted(op, ctx.author.role)?;
    transact(doc, ctx, op_name(op), |tx| match op {
        CaseOp::UpdateChild(child) => {
            check_child(child)?;
            let obj = section(tx, keys::CHILD)?;
            write_fields(tx, &obj, &to_fields(child)?)
        }
        CaseOp::UpdateNotification(notification) => {
            check_notification(notification)?;
            let obj = section(tx, keys::NOTIFICATION)?;
            write_fields(tx, &obj, &to_fields(notification)?)
        }
        CaseOp::StartAssessment {
            id,
            template_id,
            template_version,
        } => {
            find_template(ctx, template_id, *template_version)?;
            let assessment = Assessment {
                id: id.clone(),
                template_id: template_id.clone(),
                template_version: *template_version,
                started_at: ctx.now,
                started_by: ctx.author.clone(),
                status: AssessmentStatus::Draft,
                answers: Default::default(),
                child_safety_scale: None,
                worker_safety_scale: None,
                danger_statement: None,
                safety_goal: None,
                override_level: None,
                approval: None,
                result: None,
            };
            let obj = new_record(tx, keys::ASSESSMENTS, id)?;
            let mut fields = to_fields(&assessment)?;
            fields.remove(keys::ANSWERS);
            write_fields(tx, &obj, &fields)?;
            tx.put_object(&obj, keys::ANSWERS, ObjType::Map)?;
            Ok(())
        }
        CaseOp::AnswerItem {
            assessment_id,
            item_id,
            answer,
        } => {
            let (obj, assessment) = draft(tx, assessment_id)?;
            let template =
                find_template(ctx, &assessment.template_id, assessment.template_version)?;
            if template.kind_of(item_id).is_none() {
                return Err(scoring::ScoringError::UnknownItem(item_id.clone()).into());
            }
            let answers =
                child_obj(tx, &obj, keys::ANSWERS)?.ok_or(DocError::Corrupt("answers"))?;
            tx.put(&answers, item_id.as_str(), *answer)?;
            Ok(())
        }
        CaseOp::SetSafety {
            assessment_id,
            child_safety_scale,
            worker_safety_scale,
            danger_statement,
            safety_goal,
        } => {
            for scale in [child_safety_scale, worker_safety_scale]
                .into_iter()
                .flatten()
            {
                if *scale > 10 {
                    return Err(DocError::Encoding("safety scales run from 0 to 10"));
                }
            }
            check_text("danger_statement", danger_statement.as_deref())?;
            check_text("safety_goal", safety_goal.as_deref())?;
            let (obj, _) = draft(tx, assessment_id)?;
            let fields = serde_json::json!({
                "child_safety_scale": child_safety_scale,
                "worker_safety_scale": worker_safety_scale,
                "danger_statement": danger_statement,
                "safety_goal": safety_goal,
            });
            write_object(tx, &obj, fields)
        }
        CaseOp::OverrideLevel {
            assessment_id,
            level,
            reason,
        } => {
            check_text("reason", Some(reason))?;
            let (obj, _) = draft(tx, assessment_id)?;
            let value = Override {
                level: *level,
                reason: reason.clone(),
                by: ctx.author.clone(),
            };
            put_field(tx, &obj, "override_level", &to_json(&value)?)?;
            put_field(tx, &obj, "approval", &Json::Null)
        }
        CaseOp::ApproveOverride { assessment_id } => {
            let (obj, assessment) = draft(tx, assessment_id)?;
            if assessment.override_level.is_none() {
                return Err(DocError::NotFound { kind: "override" });
            }
            let approval = Approval {
                by: ctx.author.clone(),
                at: ctx.now,
            };
            put_field(tx, &obj, "approval", &to_json(&approval)?)
        }
        CaseOp::CompleteAssessment { assessment_id } => {
            let (obj, assessment) = draft(tx, assessment_id)?;
            let template =
                find_template(ctx, &assessment.template_id, assessment.template_version)?;
            let scored = scoring::score(
                template,
                &assessment.answers,
                assessment.override_level.as_ref(),
                assessment.approval.as_ref(),
            )?;
            let result = AssessmentResult {
                item_points: scored.item_points,
                risk_points: scored.risk_points,
                protective_points: scored.protective_points,
                score: scored.score,
                computed_level: scored.computed_level,
                final_level: scored.final_level,
                explanation: scored.explanation,
                answers: assessment.answers,
                completed_at: ctx.now,
                completed_by: ctx.author.clone(),
            };
            put_field(tx, &obj, "result", &to_json(&result)?)?;
            put_field(tx, &obj, "status", &to_json(&AssessmentStatus::Completed)?)
        }
        CaseOp::AddReferral {
            id,
            service_type,
            service_id,
            packet,
        } => {
            check_packet(packet)?;
            let obj = new_record(tx, keys::REFERRALS, id)?;
            let fields = serde_json::json!({
                "id": id, "service_type": service_type, "service_id": service_id,
                "created_at": ctx.now, "created_by": ctx.author,
            });
            write_object(tx, &obj, fields)?;
            let packet_obj = tx.put_object(&obj, keys::PACKET, ObjType::Map)?;
            write_fields(tx, &packet_obj, &to_fields(packet)?)?;
            tx.put_object(&obj, keys::REFERRAL_EVENTS, ObjType::List)?;
            Ok(())
        }
        CaseOp::AddReferralEvent { referral_id, event } => {
            if let ReferralEventKind::Declined { reason }
            | ReferralEventKind::Withdrawn { reason }
            | ReferralEventKind::Redirected { to_service: reason } = event
            {
                check_text("reason", Some(reason))?;
            }
            let referrals = section(tx, keys::REFERRALS)?;
            let referral = child_obj(tx, &referrals, referral_id)?
                .ok_or(DocError::NotFound { kind: "referral" })?;
            let events = child_obj(tx, &referral, keys::REFERRAL_EVENTS)?
                .ok_or(DocError::Corrupt("referral events"))?;
            let record = ReferralEvent {
                event: event.clone(),
                at: ctx.now,
                by: ctx.author.clone(),
            };
            append(tx, &events, &record)
        }
        CaseOp::AddFollowUp(follow_up) => {
            check_text("summary", follow_up.summary.as_deref())?;
            let obj = new_record(tx, keys::FOLLOW_UPS, &follow_up.id)?;
            write_fields(tx, &obj, &to_fields(follow_up)?)
        }
        CaseOp::RecordConsent(consent) => {
            check_text("child_view", consent.child_view.as_deref())?;
            let list = section(tx, keys::CONSENTS)?;
            append(tx, &list, consent)
        }
        CaseOp::AddNote { id, text } => {
            check_text("note", Some(text))?;
            let note = Note {
                id: id.clone(),
                at: ctx.now,
                by: ctx.author.clone(),
                text: text.clone(),
            };
            let list = section(tx, keys::NOTES)?;
            append(tx, &list, &note)
        }
        CaseOp::AddCaseEvent(event) => {
            if let CaseEvent::Closed { reason, .. } | CaseEvent::Reopened { reason } = event {
                check_text("reason", Some(reason))?;
            }
            let list = section(tx, keys::EVENTS)?;
            append(tx, &list, &(event, ctx.now, ctx.author))
        }
        CaseOp::ResolveConflict {
            field,
            chosen,
            reason,
        } => {
            check_text("reason", Some(reason))?;
            let chosen: Json = serde_json::from_str(chosen)
                .map_err(|_| DocError::Encoding("chosen value is not JSON"))?;
            let alternatives = conflicts::resolve(tx, field, &chosen)?;
            let resolution = ConflictResolution {
                field: field.clone(),
                chosen: chosen.to_string(),
                alternatives,
                reason: reason.clone(),
                by: ctx.author.clone(),
                at: ctx.now,
            };
            let list = section(tx, keys::RESOLUTIONS)?;
            append(tx, &list, &resolution)
        }
    })
}

/// Runs `f` in one transaction: commits it whole, or rolls it back whole.
fn transact<F>(doc: &mut Automerge, ctx: &OpContext<'_>, name: &str, f: F) -> Result<(), DocError>
where
    F: FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
{
    let message = name.to_string();
    let time = ctx.now.timestamp();
    doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_message(message)
                .with_time(time)
        },
        |tx| {
            f(tx)?;
            record_actor(tx, ctx)
        },
    )
    .map(|_| ())
    .map_err(|failure| failure.error)
}

/// Remembers which person stands behind this device's actor, so conflicts
/// can say who wrote each value. Written once per actor.
fn record_actor(tx: &mut Transaction<'_>, ctx: &OpContext<'_>) -> Result<(), DocError> {
    let Some(actors) = child_obj(tx, &ROOT, keys::ACTORS)? else {
        return Ok(());
    };
    let key = ctx.actor.to_hex_string();
    let author = to_json(ctx.author)?;
    if tx.get(&actors, key.as_str())?.is_none() {
        put_field(tx, &actors, &key, &author)?;
    }
    Ok(())
}

fn op_name(op: &CaseOp) -> &'static str {
    match op {
        CaseOp::UpdateChild(_) => "update child",
        CaseOp::UpdateNotification(_) => "update notification",
        CaseOp::StartAssessment { .. } => "start assessment",
        CaseOp::AnswerItem { .. } => "answer item",
        CaseOp::SetSafety { .. } => "set safety",
        CaseOp::OverrideLevel { .. } => "override level",
        CaseOp::ApproveOverride { .. } => "approve override",
        CaseOp::CompleteAssessment { .. } => "complete assessment",
        CaseOp::AddReferral { .. } => "add referral",
        CaseOp::AddReferralEvent { .. } => "add referral event",
        CaseOp::AddFollowUp(_) => "add follow-up",
        CaseOp::RecordConsent(_) => "record consent",
        CaseOp::AddNote { .. } => "add note",
        CaseOp::AddCaseEvent(_) => "add case event",
        CaseOp::ResolveConflict { .. } => "resolve conflict",
    }
}

fn find_template<'a>(
    ctx: &OpContext<'a>,
    id: &str,
    version: u32,
) -> Result<&'a Template, DocError> {
    ctx.templates
        .iter()
        .find(|t| t.id() == id && t.version() == version)
        .ok_or_else(|| DocError::TemplateMissing {
            template_id: id.to_string(),
            version,
        })
}

fn section(tx: &Transaction<'_>, key: &str) -> Result<automerge::ObjId, DocError> {
    child_obj(tx, &ROOT, key)?.ok_or(DocError::Corrupt("missing section"))
}

/// Creates the map for a new record under `section`, refusing duplicates
/// and more records than a document may hold.
fn new_record(tx: &mut Transaction<'_>, key: &str, id: &str) -> Result<automerge::ObjId, DocError> {
    check_id(id)?;
    let parent = section(tx, key)?;
    if tx.length(&parent) >= MAX_RECORDS {
        return Err(DocError::TooMany {
            kind: "records",
            max: MAX_RECORDS,
        });
    }
    if tx.get(&parent, id)?.is_some() {
        return Err(DocError::Duplicate);
    }
    Ok(tx.put_object(&parent, id, ObjType::Map)?)
}

/// Loads a draft assessment, refusing completed ones.
fn draft(tx: &Transaction<'_>, id: &str) -> Result<(automerge::ObjId, Assessment), DocError> {
    let parent = section(tx, keys::ASSESSMENTS)?;
    let obj = child_obj(tx, &parent, id)?.ok_or(DocError::NotFound { kind: "assessment" })?;
    let assessment = super::view::read_assessment(tx, &obj)?;
    if assessment.status == AssessmentStatus::Completed {
        return Err(DocError::AssessmentCompleted);
    }
    Ok((obj, assessment))
}

fn append<T: Serialize>(
    tx: &mut Transaction<'_>,
    list: &automerge::ObjId,
    record: &T,
) -> Result<(), DocError> {
    let len = tx.length(list);
    if len >= MAX_RECORDS {
        return Err(DocError::TooMany {
            kind: "records",
            max: MAX_RECORDS,
        });
    }
    let bytes = serde_json::to_vec(record).map_err(|_| DocError::Encoding("record"))?;
    tx.insert(list, len, ScalarValue::Bytes(bytes))?;
    Ok(())
}

fn write_object(
    tx: &mut Transaction<'_>,
    obj: &automerge::ObjId,
    fields: Json,
) -> Result<(), DocError> {
    match fields {
        Json::Object(fields) => write_fields(tx, obj, &fields),
        _ => Err(DocError::Encoding("record is not a struct")),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Json, DocError> {
    serde_json::to_value(value).map_err(|_| DocError::Encoding("value"))
}
