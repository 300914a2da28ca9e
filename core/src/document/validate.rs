//! Checks an operation must pass before it touches the document: who may
//! do it, and bounds on every id and text so no input can grow a document
//! beyond what a phone can load.

use super::{CaseOp, DocError, MAX_TEXT_CHARS};
use crate::model::{Child, Notification, ReferralPacket, Role};

/// Mediators file notifications and follow their status; they never touch
/// assessments, referrals or conflicts. Approving a lowered level is a
/// district officer's decision.
pub(super) fn check_permitted(op: &CaseOp, role: Role) -> Result<(), DocError> {
    let refused = |action| {
        Err(DocError::NotPermitted {
            role: role.key(),
            action,
        })
    };
    match (op, role) {
        (CaseOp::ApproveOverride { .. }, r) if r != Role::DistrictOfficer => {
            refused("approve a lowered risk level")
        }
        (CaseOp::AddNote { .. } | CaseOp::UpdateNotification(_) | CaseOp::UpdateChild(_), _) => {
            Ok(())
        }
        (_, Role::CommunityMediator) => refused("change assessments, referrals or follow-ups"),
        (_, Role::NationalAnalyst | Role::Administrator) => refused("change case content"),
        _ => Ok(()),
    }
}

pub(super) fn check_id(id: &str) -> Result<(), DocError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(DocError::Encoding(
            "ids are 1-64 ASCII letters, digits or '-'",
        ))
    }
}

pub(super) fn check_text(field: &'static str, text: Option<&str>) -> Result<(), DocError> {
    match text {
        Some(t) if t.chars().count() > MAX_TEXT_CHARS => Err(DocError::TooLong {
            field,
            max: MAX_TEXT_CHARS,
        }),
        _ => Ok(()),
    }
}

pub(super) fn check_child(child: &Child) -> Result<(), DocError> {
    check_text("pseudonym", Some(&child.pseudonym))?;
    check_text("language", Some(&child.language))?;
    check_text("locality", Some(&child.locality))?;
    check_text("given_name", child.given_name.as_deref())?;
    check_text("family_name", child.family_name.as_deref())?;
    check_text("contact", child.contact.as_deref())
}

pub(super) fn check_notification(notification: &Notification) -> Result<(), DocError> {
    check_text("child_words", notification.child_words.as_deref())
}

pub(super) fn check_packet(packet: &ReferralPacket) -> Result<(), DocError> {
    check_text("accessibility_needs", packet.accessibility_needs.as_deref())?;
    check_text("safety_instructions", packet.safety_instructions.as_deref())?;
    check_text("contact_person", packet.contact_person.as_deref())
}
