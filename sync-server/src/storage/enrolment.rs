//! The rule for one enrolment, shared by every backend: given the code as
//! stored and the device (if any) that already holds the request's actor,
//! create a device, repeat an earlier answer, or refuse.
//!
//! Repeating exists because an enrolment's answer can be lost on a rural
//! network after the server spent the code: the device keeps its key pair
//! and asks again, and must get its device id back rather than a code that
//! is "used" and an actor that is "taken" for ever. Nothing secret is
//! handed out by a repeat: the device id is useless without the private
//! key that signs every later request.

use super::{Device, EnrollRefusal, NewEnrollment};

/// A code as read (under lock) for an enrolment.
#[derive(Debug, Clone)]
pub struct StoredCode {
    pub user_id: String,
    pub expires_at: i64,
    /// The device the code enrolled, once used.
    pub used_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolmentStep {
    /// Spend the code and create the device.
    Create,
    /// The same device asks again: answer with its existing id, store nothing.
    Repeat {
        device_id: String,
    },
    Refuse(EnrollRefusal),
}

pub fn decide(
    code: &StoredCode,
    holder: Option<&Device>,
    request: &NewEnrollment,
) -> EnrolmentStep {
    let code_state = || match &code.used_by {
        Some(_) => Some(EnrollRefusal::CodeUsed),
        None if code.expires_at <= request.now => Some(EnrollRefusal::CodeExpired),
        None => None,
    };
    match holder {
        None => match code_state() {
            Some(refusal) => EnrolmentStep::Refuse(refusal),
            None => EnrolmentStep::Create,
        },
        Some(device) if is_same_device(device, code, request) => {
            let spent_on_it = code.used_by.as_deref() == Some(device.device_id.as_str());
            match code_state() {
                Some(refusal) if !spent_on_it => EnrolmentStep::Refuse(refusal),
                _ => EnrolmentStep::Repeat {
                    device_id: device.device_id.clone(),
                },
            }
        }
        Some(_) => EnrolmentStep::Refuse(EnrollRefusal::ActorTaken),
    }
}

/// The holder of the actor is the requesting device: same key, same
/// person, still trusted.
fn is_same_device(device: &Device, code: &StoredCode, request: &NewEnrollment) -> bool {
    device.public_key == request.public_key
        && device.user_id == code.user_id
        && device.revoked_at.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000;

    fn request(key: u8) -> NewEnrollment {
        NewEnrollment {
            code_hash: [0; 32],
            device_id: "new".into(),
            public_key: vec![key; 32],
            actor: vec![7; 16],
            now: NOW,
        }
    }

    fn code(used_by: Option<&str>, expires_at: i64) -> StoredCode {
        StoredCode {
            user_id: "sa-1".into(),
            expires_at,
            used_by: used_by.map(str::to_string),
        }
    }

    fn device(key: u8, revoked: bool) -> Device {
        Device {
            device_id: "dev-1".into(),
            user_id: "sa-1".into(),
            public_key: vec![key; 32],
            actor: vec![7; 16],
            enrolled_at: 0,
            revoked_at: revoked.then_some(500),
        }
    }

    #[test]
    fn a_fresh_code_creates_and_a_spent_or_old_one_is_refused() {
        let r = request(1);
        assert_eq!(
            decide(&code(None, NOW + 1), None, &r),
            EnrolmentStep::Create
        );
        assert_eq!(
            decide(&code(Some("other"), NOW + 1), None, &r),
            EnrolmentStep::Refuse(EnrollRefusal::CodeUsed)
        );
        assert_eq!(
            decide(&code(None, NOW), None, &r),
            EnrolmentStep::Refuse(EnrollRefusal::CodeExpired)
        );
    }

    #[test]
    fn the_same_device_asking_again_gets_its_id_back() {
        let repeat = EnrolmentStep::Repeat {
            device_id: "dev-1".into(),
        };
        let holder = device(1, false);
        // Same code, already spent on this device, even once expired.
        assert_eq!(
            decide(&code(Some("dev-1"), NOW - 1), Some(&holder), &request(1)),
            repeat
        );
        // A new, valid code: nothing is spent, the old enrolment stands.
        assert_eq!(
            decide(&code(None, NOW + 1), Some(&holder), &request(1)),
            repeat
        );
    }

    #[test]
    fn anyone_else_holding_the_actor_is_refused() {
        let valid = code(None, NOW + 1);
        let taken = EnrolmentStep::Refuse(EnrollRefusal::ActorTaken);
        assert_eq!(decide(&valid, Some(&device(2, false)), &request(1)), taken);
        assert_eq!(decide(&valid, Some(&device(1, true)), &request(1)), taken);
        let mut other_user = valid.clone();
        other_user.user_id = "sa-2".into();
        assert_eq!(
            decide(&other_user, Some(&device(1, false)), &request(1)),
            taken
        );
        // Same device, but the code was spent on another one.
        assert_eq!(
            decide(
                &code(Some("dev-2"), NOW + 1),
                Some(&device(1, false)),
                &request(1)
            ),
            EnrolmentStep::Refuse(EnrollRefusal::CodeUsed)
        );
    }
}
