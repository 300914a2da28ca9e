//! How the server decides whether a device's changes to a case are taken:
//! the case must be the user's to write, every change must carry the
//! device's own actor, and a role may only change the parts of a case it is
//! allowed to (a mediator never touches assessments or referrals).
//!
//! One exception keeps field work from being lost: a user who lost sight
//! of a case (reassigned, transferred) while the device was offline still
//! has that device's work taken, until the device has been told. It may not
//! change who sees the case.

use automerge::ActorId;

use super::projection::CaseProjection;
use super::protocol::RefusalReason;
use crate::document::{CaseDoc, DocError, ReceivedChanges};
use crate::model::{CaseFile, Role};

/// The person and device behind a push.
#[derive(Debug, Clone)]
pub struct Writer {
    pub user_id: String,
    pub role: Role,
    pub district: String,
    pub actor: ActorId,
    /// The user lost sight of this case after the cursor the device sent:
    /// the device could not know, so its work is still taken.
    pub lost_unknowingly: bool,
}

/// What the server stores when it takes a push.
#[derive(Debug)]
pub struct Accepted {
    /// The whole saved document after the merge.
    pub doc: Vec<u8>,
    /// Raw bytes of the changes that were new to the server, to number.
    pub fresh: Vec<Vec<u8>>,
    pub projection: CaseProjection,
    /// The merged case, from which the server derives what else it keeps
    /// (indicator facts) without reading the document again.
    pub case: CaseFile,
}

/// Whether `user` may see `case` at all (and so receive its changes).
pub fn may_see(role: Role, user_id: &str, district: &str, case: &CaseProjection) -> bool {
    match role {
        Role::DistrictOfficer => case.district == district,
        Role::SocialAssistant => {
            case.district == district
                && (case.created_by == user_id || case.assigned_to.iter().any(|u| u == user_id))
        }
        Role::CommunityMediator => case.created_by == user_id,
        Role::NationalAnalyst | Role::Administrator => false,
    }
}

/// Applies a device's changes to the server's copy of a case (`None` for a
/// case the server has not seen), or says why not. Nothing is stored by
/// this function; the caller stores `Accepted` in one transaction.
pub fn accept_push(
    case_id: &str,
    existing: Option<&[u8]>,
    changes: &[u8],
    writer: &Writer,
) -> Result<Accepted, RefusalReason> {
    let received = ReceivedChanges::decode(changes).map_err(invalid)?;
    if !received.all_by(&writer.actor) {
        return Err(RefusalReason::ForeignActor);
    }
    let server_actor = ActorId::from(vec![0u8; 16]);
    let (doc, before, fresh) = match existing {
        Some(bytes) => {
            let mut doc = CaseDoc::load(bytes, &server_actor).map_err(invalid)?;
            let before = doc.view().map_err(invalid)?;
            let projection = CaseProjection::of(&before, 0);
            if !may_write(writer, &projection) && !writer.lost_unknowingly {
                return Err(RefusalReason::NotPermitted);
            }
            let fresh = doc.apply_received(received).map_err(invalid)?;
            (doc, Some((before, projection)), fresh)
        }
        None => {
            let (doc, fresh) = CaseDoc::from_received(received, &server_actor).map_err(invalid)?;
            (doc, None, fresh)
        }
    };
    let after = doc.view().map_err(invalid)?;
    let projection = CaseProjection::of(&after, doc.conflicts().map_err(invalid)?.len());
    let identity_kept = match &before {
        Some((before, _)) => same_identity(before, &after) || writer.role == Role::DistrictOfficer,
        None => after.created_by.user_id == writer.user_id,
    };
    if after.id != case_id || !identity_kept {
        return Err(RefusalReason::RoleForbidsChange);
    }
    let permitted = match &before {
        // Work on a case the user lost without knowing must leave its
        // audience alone (it may not, say, assign the case back).
        Some((_, before)) if !may_write(writer, before) => {
            writer.lost_unknowingly && same_audience(before, &projection)
        }
        _ => may_write(writer, &projection),
    };
    if !permitted {
        return Err(RefusalReason::NotPermitted);
    }
    if !role_may_change(writer.role, before.as_ref().map(|(b, _)| b), &after) {
        return Err(RefusalReason::RoleForbidsChange);
    }
    let saved = doc.save_uncompressed();
    if saved.len() > crate::store::MAX_DOC_LEN {
        return Err(RefusalReason::TooLarge);
    }
    Ok(Accepted {
        doc: saved,
        fresh,
        projection,
        case: after,
    })
}

/// Who created a case and which district holds it change only by a
/// district officer's decision (a transfer).
fn same_identity(before: &CaseFile, after: &CaseFile) -> bool {
    (
        &before.id,
        &before.district,
        &before.created_by,
        before.created_at,
    ) == (
        &after.id,
        &after.district,
        &after.created_by,
        after.created_at,
    )
}

/// The facts that decide who sees a case are unchanged.
fn same_audience(before: &CaseProjection, after: &CaseProjection) -> bool {
    (&before.district, &before.created_by, &before.assigned_to)
        == (&after.district, &after.created_by, &after.assigned_to)
}

fn may_write(writer: &Writer, case: &CaseProjection) -> bool {
    may_see(writer.role, &writer.user_id, &writer.district, case)
}

/// Mediators may file and correct notifications and add notes; the rest of
/// the file belongs to the professionals.
fn role_may_change(role: Role, before: Option<&CaseFile>, after: &CaseFile) -> bool {
    match role {
        Role::DistrictOfficer | Role::SocialAssistant => true,
        Role::NationalAnalyst | Role::Administrator => false,
        Role::CommunityMediator => match before {
            Some(before) => professional_parts(before) == professional_parts(after),
            None => professional_parts(after) == professional_parts(&empty_like(after)),
        },
    }
}

type ProfessionalParts<'a> = (
    &'a [crate::model::Assessment],
    &'a [crate::model::Referral],
    &'a [crate::model::FollowUp],
    &'a [crate::model::ConsentRecord],
    &'a [(
        crate::model::CaseEvent,
        chrono::DateTime<chrono::Utc>,
        crate::model::Author,
    )],
    &'a [crate::model::ConflictResolution],
);

/// The parts of a case only professionals write.
fn professional_parts(case: &CaseFile) -> ProfessionalParts<'_> {
    (
        &case.assessments,
        &case.referrals,
        &case.follow_ups,
        &case.consents,
        &case.events,
        &case.resolutions,
    )
}

fn empty_like(case: &CaseFile) -> CaseFile {
    CaseFile {
        assessments: Vec::new(),
        referrals: Vec::new(),
        follow_ups: Vec::new(),
        consents: Vec::new(),
        events: Vec::new(),
        resolutions: Vec::new(),
        ..case.clone()
    }
}

fn invalid(_: DocError) -> RefusalReason {
    RefusalReason::Invalid
}
