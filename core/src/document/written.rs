//! When each value of a conflict was written, for a person deciding between
//! them far from the devices that wrote them (the district office).
//!
//! Kept apart from [`Conflict`]: devices list conflicts on every save and
//! need no times, and apps restate `ConflictValue` field by field, so a new
//! field there would ripple into every binding for no use on a phone.

use automerge::{Automerge, ObjId, ReadDoc};
use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use super::conflicts::{locate, referral_events};
use super::fields::{child_obj, read_all};
use super::view::{read_assessment, section, stage};
use super::{keys, Conflict, ConflictKind, DocError};

/// The time behind each of `conflict.values`, in the same order, or `None`
/// where the document cannot tell. A concurrent value is dated by the
/// change that wrote it (the writing device's clock, whole seconds); a
/// scored answer by its assessment's completion; a referral outcome by its
/// event. Device clocks may be wrong: these times are for people to read,
/// never for rules to decide by.
pub(super) fn written_at(
    doc: &Automerge,
    conflict: &Conflict,
) -> Result<Vec<Option<DateTime<Utc>>>, DocError> {
    match conflict.kind {
        ConflictKind::ConcurrentValues => {
            let (obj, key) = locate(doc, &conflict.field)?;
            let written = read_all(doc, &obj, &key)?;
            // The first op holding a value is the one the listing took the
            // value's author from.
            Ok(conflict
                .values
                .iter()
                .map(|v| {
                    let value = parsed(&v.value)?;
                    written
                        .iter()
                        .find(|w| w.value == value)
                        .and_then(|w| change_time(doc, &w.op))
                })
                .collect())
        }
        ConflictKind::EditAfterCompletion => {
            // Listed as [the answer scored, the answer now].
            let assessment = entity_obj(doc, keys::ASSESSMENTS, conflict)?;
            let completed_at = read_assessment(doc, &assessment)?
                .result
                .map(|r| r.completed_at);
            let (answers, item) = locate(doc, &conflict.field)?;
            let live_at = doc
                .get(&answers, item.as_str())?
                .and_then(|(_, op)| change_time(doc, &op));
            Ok((0..conflict.values.len())
                .map(|i| if i == 0 { completed_at } else { live_at })
                .collect())
        }
        ConflictKind::ContradictoryStatus => {
            let referral = entity_obj(doc, keys::REFERRALS, conflict)?;
            let events = referral_events(doc, &referral)?;
            Ok(conflict
                .values
                .iter()
                .map(|v| {
                    let value = parsed(&v.value)?;
                    events
                        .iter()
                        .find(|e| Json::String(stage(&e.event)) == value)
                        .map(|e| e.at)
                })
                .collect())
        }
    }
}

/// A listed value (JSON text) back as the value it was written from.
fn parsed(text: &str) -> Option<Json> {
    serde_json::from_str(text).ok()
}

/// The record of `section_key` a conflict's field belongs to.
fn entity_obj(doc: &Automerge, section_key: &str, conflict: &Conflict) -> Result<ObjId, DocError> {
    let unknown = || DocError::UnknownField(conflict.field.to_string());
    let entity = conflict.field.entity.as_deref().ok_or_else(unknown)?;
    child_obj(doc, &section(doc, section_key)?, entity)?.ok_or_else(unknown)
}

/// The time recorded in the change that made `op`.
fn change_time(doc: &Automerge, op: &ObjId) -> Option<DateTime<Utc>> {
    let hash = doc.hash_for_opid(op)?;
    let meta = doc.get_change_meta_by_hash(&hash)?;
    DateTime::from_timestamp(meta.timestamp, 0)
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use crate::document::{CaseDoc, CaseOp, NewCase, OpContext};
    use crate::model::*;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::hours(hours)
    }

    fn apply(doc: &mut CaseDoc, n: u8, op: &CaseOp, now: DateTime<Utc>) {
        let actor = ActorId::from(vec![n; 16]);
        let author = Author {
            user_id: format!("user{n}"),
            role: Role::SocialAssistant,
        };
        let ctx = OpContext {
            actor: &actor,
            author: &author,
            now,
            templates: &[],
        };
        doc.apply(op, &ctx).unwrap();
    }

    fn case() -> CaseDoc {
        let new = NewCase {
            id: "case0001".into(),
            case_number: "0100-2026-1".into(),
            district: "0100".into(),
            child: Child::new("p-0001", Sex::Female, "0101"),
            notification: Notification {
                reporter_sector: ReportingSector::Education,
                channel: Channel::InPerson,
                identified_at: at(0),
                received_at: at(0),
                registered_at: None,
                forms: vec![SesacForm::Solicitation],
                online_component: YesNoUnknown::Yes,
                last_incident: None,
                perpetrator_relationship: Relationship::OnlineOnlyContact,
                perpetrator_age: PerpetratorAge::Adult,
                crime_suspected: true,
                police_notified_at: None,
                child_words: None,
            },
        };
        let actor = ActorId::from(vec![1; 16]);
        let author = Author {
            user_id: "user1".into(),
            role: Role::SocialAssistant,
        };
        let ctx = OpContext {
            actor: &actor,
            author: &author,
            now: at(0),
            templates: &[],
        };
        CaseDoc::create(&new, &ctx).unwrap()
    }

    /// Two replicas apart, then each learns the other's changes.
    fn apart(first: &CaseDoc, one: impl Fn(&mut CaseDoc), two: impl Fn(&mut CaseDoc)) -> CaseDoc {
        let mut a = first.clone();
        let mut b = CaseDoc::load(&first.save(), &ActorId::from(vec![2; 16])).unwrap();
        one(&mut a);
        two(&mut b);
        a.apply_changes(&b.changes_since(&first.heads())).unwrap();
        a
    }

    #[test]
    fn each_concurrent_value_is_dated_by_its_own_change() {
        let rename = |n: u8, name: &str, hours| {
            let name = name.to_string();
            move |doc: &mut CaseDoc| {
                let mut child = doc.view().unwrap().child;
                child.given_name = Some(name.clone());
                apply(doc, n, &CaseOp::UpdateChild(child), at(hours));
            }
        };
        let doc = apart(&case(), rename(1, "Ana", 3), rename(2, "Anna", 7));
        let conflicts = doc.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        let times = doc.written_at(&conflicts[0]).unwrap();
        let mut dated: Vec<(String, Option<DateTime<Utc>>)> = conflicts[0]
            .values
            .iter()
            .map(|v| v.value.clone())
            .zip(times)
            .collect();
        dated.sort();
        assert_eq!(
            dated,
            [
                ("\"Ana\"".to_string(), Some(at(3))),
                ("\"Anna\"".to_string(), Some(at(7)))
            ]
        );
    }

    #[test]
    fn contradictory_outcomes_are_dated_by_their_events() {
        let mut first = case();
        let packet = ReferralPacket {
            age_band: "10-14".into(),
            sex: Sex::Female,
            language: "ro".into(),
            accessibility_needs: None,
            category: vec![SesacForm::Solicitation],
            risk_level: None,
            safety_instructions: None,
            consent_obtained: true,
            contact_person: None,
        };
        let add = CaseOp::AddReferral {
            id: "r1".into(),
            service_type: ServiceType::MentalHealth,
            service_id: None,
            packet,
        };
        apply(&mut first, 1, &add, at(1));
        let event = |n: u8, event: ReferralEventKind, hours| {
            move |doc: &mut CaseDoc| {
                let op = CaseOp::AddReferralEvent {
                    referral_id: "r1".into(),
                    event: event.clone(),
                };
                apply(doc, n, &op, at(hours));
            }
        };
        let declined = ReferralEventKind::Declined {
            reason: "no capacity".into(),
        };
        let doc = apart(
            &first,
            event(1, declined, 4),
            event(2, ReferralEventKind::CompletedSuccessfully, 9),
        );
        let conflicts = doc.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        let times = doc.written_at(&conflicts[0]).unwrap();
        let values: Vec<&str> = conflicts[0]
            .values
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        let expected: Vec<Option<DateTime<Utc>>> = values
            .iter()
            .map(|v| match *v {
                "\"declined\"" => Some(at(4)),
                _ => Some(at(9)),
            })
            .collect();
        assert_eq!(times, expected);
    }
}
