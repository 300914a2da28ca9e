//! Planned steps as operations on a device's caseload, each recorded at
//! its own time with `Caseload::apply_at`: the case file then carries the
//! dates the indicators count (registration within 24 h, assessments on
//! time, referrals acknowledged...), as if the work had been done over the
//! year rather than in the minute the demo takes.

use chrono::{DateTime, TimeDelta, Utc};
use ocrotire_core::caseload::{Caseload, CaseloadError};
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{Author, ConsentRecord, FollowUp, ReferralPacket};

use super::plan::{CasePlan, Step, Timed};

/// Records every step of `steps` that happened by `now`, in order. A step
/// after `now` is work still to come: the case is simply further behind.
pub fn record(
    caseload: &mut Caseload,
    case_id: &str,
    plan: &CasePlan,
    steps: &[Timed],
    now: DateTime<Utc>,
) -> Result<usize, CaseloadError> {
    let mut recorded = 0;
    for timed in steps.iter().take_while(|t| t.at <= now) {
        let op = operation(caseload, case_id, plan, timed)?;
        caseload.apply_at(case_id, &op, timed.at)?;
        recorded += 1;
    }
    Ok(recorded)
}

/// The operation of one step, given the case as this device holds it.
fn operation(
    caseload: &Caseload,
    case_id: &str,
    plan: &CasePlan,
    timed: &Timed,
) -> Result<CaseOp, CaseloadError> {
    let at = timed.at;
    let author = || Author {
        user_id: caseload.identity().user_id.clone(),
        role: caseload.identity().role,
    };
    Ok(match &timed.step {
        Step::Op(op) => op.clone(),
        Step::Register => {
            let mut notification = caseload.case(case_id)?.notification;
            notification.registered_at = Some(at);
            CaseOp::UpdateNotification(notification)
        }
        Step::PoliceNotified { at: told } => {
            let mut notification = caseload.case(case_id)?.notification;
            notification.police_notified_at = Some(*told);
            CaseOp::UpdateNotification(notification)
        }
        Step::Details => {
            let mut child = caseload.case(case_id)?.child;
            plan.details.apply_to(&mut child);
            CaseOp::UpdateChild(child)
        }
        Step::Consent {
            id,
            basis,
            child_view,
        } => CaseOp::RecordConsent(ConsentRecord {
            id: id.clone(),
            at,
            by: author(),
            scope: Vec::new(),
            basis: basis.clone(),
            child_view: child_view.map(str::to_owned),
        }),
        Step::Referral {
            id,
            service_type,
            service_id,
            safety,
        } => {
            let case = caseload.case(case_id)?;
            let mut packet = ReferralPacket::minimal(&case, *service_type, at.date_naive());
            packet.safety_instructions = safety.map(str::to_owned);
            packet.contact_person = plan.details.contact.map(str::to_owned);
            CaseOp::AddReferral {
                id: id.clone(),
                service_type: *service_type,
                service_id: service_id.clone(),
                packet,
            }
        }
        Step::FollowUp {
            id,
            kind,
            child_seen,
            summary,
            next_due_days,
        } => CaseOp::AddFollowUp(FollowUp {
            id: id.clone(),
            kind: *kind,
            date: at.date_naive(),
            by: author(),
            child_seen: *child_seen,
            summary: summary.map(str::to_owned),
            next_due: next_due_days
                .and_then(|d| at.date_naive().checked_add_signed(TimeDelta::days(d))),
        }),
    })
}
