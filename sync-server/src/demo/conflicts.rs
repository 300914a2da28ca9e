//! Conflicts the district office has to decide. Once everything is synced,
//! for the cases planned with one, the assistant (offline in the village,
//! writing what the family said) and the district officer (at the office,
//! correcting the file from a school's or a doctor's letter) each change
//! the same field to a different value before either syncs. The server
//! merges both and keeps both values: its projection counts an open
//! conflict. The officer decides every third one (with a reason), so the
//! demo shows open conflicts and resolved ones.

use chrono::{DateTime, Utc};
use ocrotire_core::caseload::CaseloadError;
use ocrotire_core::document::CaseOp;
use ocrotire_core::model::{
    CaseFile, LivingArrangement, ParentsAbroad, Relationship, Schooling, YesNoUnknown,
};
use ocrotire_core::sync::ServerConfig;

use super::field::Device;
use super::plan::{CasePlan, ConflictField};
use super::rng::{hours, shift, Rng};
use super::texts;
use super::DemoError;

/// What [`make`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Made {
    pub open: usize,
    pub resolved: usize,
    pub operations: usize,
}

/// Makes the planned conflicts of one district and resolves some.
pub fn make(
    officer: &mut Device,
    assistants: &mut [Device],
    plans: &[CasePlan],
    ids: &[Option<String>],
    server: &ServerConfig,
    now: DateTime<Utc>,
    (seed, stream): (u64, u64),
) -> Result<Made, DemoError> {
    let mut rng = Rng::new(seed, stream);
    let mut made = Made::default();
    let mut conflicted = Vec::new();
    for (plan, id) in plans.iter().zip(ids) {
        let (Some(field), Some(id)) = (plan.conflict, id) else {
            continue;
        };
        let Some(assistant) = assistants.get_mut(plan.owner) else {
            continue;
        };
        // Both must hold the case (the assistant does once it is assigned).
        let Ok(case) = assistant.caseload.case(id) else {
            continue;
        };
        let Some((mine, theirs)) = edits(&mut rng, field, &case) else {
            continue;
        };
        let at = shift(now, -hours(rng.between(3, 72)));
        apply(assistant, id, &mine, at)?;
        let at = shift(now, -hours(rng.between(1, 48)));
        apply(officer, id, &theirs, at)?;
        made.operations += 2;
        conflicted.push(id.clone());
    }
    for assistant in assistants.iter_mut() {
        assistant.sync(server)?;
    }
    // Pushes the officer's values and pulls the assistants': the officer's
    // device now shows both values, as the server does.
    officer.sync(server)?;
    for (n, id) in conflicted.iter().enumerate() {
        let conflicts = officer
            .caseload
            .conflicts(id)
            .map_err(|source| failed(officer, source))?;
        let Some(conflict) = conflicts.first() else {
            continue;
        };
        if n % 3 != 2 {
            made.open += conflicts.len();
            continue;
        }
        let Some(chosen) = conflict.values.last() else {
            continue;
        };
        let op = CaseOp::ResolveConflict {
            field: conflict.field.clone(),
            chosen: chosen.value.clone(),
            reason: texts::RESOLUTION_REASONS
                .get(n / 3 % texts::RESOLUTION_REASONS.len())
                .copied()
                .unwrap_or("Checked.")
                .to_owned(),
        };
        apply(officer, id, &op, shift(now, -hours(rng.between(0, 1))))?;
        made.resolved += 1;
        made.operations += 1;
        made.open += conflicts.len().saturating_sub(1);
    }
    officer.sync(server)?;
    for assistant in assistants.iter_mut() {
        assistant.sync(server)?;
    }
    Ok(made)
}

fn apply(device: &mut Device, id: &str, op: &CaseOp, at: DateTime<Utc>) -> Result<(), DemoError> {
    device
        .caseload
        .apply_at(id, op, at)
        .map(|_| ())
        .map_err(|source| failed(device, source))
}

fn failed(device: &Device, source: CaseloadError) -> DemoError {
    DemoError::Device {
        user_id: device.user_id.clone(),
        source: Box::new(source),
    }
}

/// Two different new values of `field` (the assistant's, the officer's),
/// both unlike the current one, as operations on `case`.
fn edits(rng: &mut Rng, field: ConflictField, case: &CaseFile) -> Option<(CaseOp, CaseOp)> {
    let child = |set: &dyn Fn(&mut ocrotire_core::model::Child)| {
        let mut child = case.child.clone();
        set(&mut child);
        CaseOp::UpdateChild(child)
    };
    Some(match field {
        ConflictField::Schooling => {
            let (a, b) = two_others(
                rng,
                &[
                    Schooling::Enrolled,
                    Schooling::IrregularAttendance,
                    Schooling::OutOfSchool,
                ],
                case.child.schooling,
            )?;
            (child(&|c| c.schooling = a), child(&|c| c.schooling = b))
        }
        ConflictField::LivingArrangement => {
            let (a, b) = two_others(
                rng,
                &[
                    LivingArrangement::BothParents,
                    LivingArrangement::OneParent,
                    LivingArrangement::Relatives,
                    LivingArrangement::FosterOrGuardian,
                ],
                case.child.living_arrangement,
            )?;
            (
                child(&|c| c.living_arrangement = a),
                child(&|c| c.living_arrangement = b),
            )
        }
        ConflictField::ParentsAbroad => {
            let (a, b) = two_others(
                rng,
                &[ParentsAbroad::None, ParentsAbroad::One, ParentsAbroad::Both],
                case.child.parents_abroad,
            )?;
            (
                child(&|c| c.parents_abroad = a),
                child(&|c| c.parents_abroad = b),
            )
        }
        ConflictField::Disability => {
            let (a, b) = two_others(
                rng,
                &[YesNoUnknown::Yes, YesNoUnknown::No, YesNoUnknown::Unknown],
                case.child.disability,
            )?;
            (child(&|c| c.disability = a), child(&|c| c.disability = b))
        }
        ConflictField::Relationship => {
            let (a, b) = two_others(
                rng,
                &[
                    Relationship::Family,
                    Relationship::PersonOfTrust,
                    Relationship::Acquaintance,
                    Relationship::PeerOrPartner,
                ],
                case.notification.perpetrator_relationship,
            )?;
            let notification = |value| {
                let mut notification = case.notification.clone();
                notification.perpetrator_relationship = value;
                CaseOp::UpdateNotification(notification)
            };
            (notification(a), notification(b))
        }
    })
}

/// Two different values of `all`, neither `current`.
fn two_others<T: Copy + PartialEq>(rng: &mut Rng, all: &[T], current: T) -> Option<(T, T)> {
    let others: Vec<T> = all.iter().copied().filter(|v| *v != current).collect();
    let first = rng.pick(&others)?;
    let rest: Vec<T> = others.into_iter().filter(|v| *v != first).collect();
    Some((first, rng.pick(&rest)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_others_differ_from_each_other_and_the_current_value() {
        let mut rng = Rng::new(3, 4);
        for _ in 0..100 {
            let (a, b) = two_others(&mut rng, &[1, 2, 3, 4], 2).unwrap_or((0, 0));
            assert!(a != b && a != 2 && b != 2 && a != 0, "{a} {b}");
        }
        assert_eq!(two_others(&mut rng, &[1, 2], 2), None);
    }
}
