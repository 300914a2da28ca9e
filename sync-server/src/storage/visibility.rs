//! Who starts or stops seeing a case when a push changes it, decided with
//! the same `may_see` rule the authority uses, so a backend only has to
//! fetch the candidate users and store the result.
//!
//! Only district officers and social assistants receive documents (a
//! mediator receives status notes, analysts and administrators nothing), and
//! both see only cases of their own district, so the candidates are the
//! officers and assistants of the district before and after the change.

use ocrotire_core::model::Role;
use ocrotire_core::sync::authority::may_see;
use ocrotire_core::sync::projection::CaseProjection;

use super::User;

/// Roles whose devices hold case documents.
pub const DOCUMENT_ROLES: [Role; 2] = [Role::DistrictOfficer, Role::SocialAssistant];

/// Users who gained or lost sight of a case through one push.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VisibilityDelta {
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

/// Whether the facts that decide visibility differ; if not, no candidate
/// lookup is needed.
pub fn may_change(before: &CaseProjection, after: &CaseProjection) -> bool {
    before.district != after.district
        || before.created_by != after.created_by
        || before.assigned_to != after.assigned_to
}

/// The districts whose users may gain or lose the case.
pub fn candidate_districts<'a>(
    before: &'a CaseProjection,
    after: &'a CaseProjection,
) -> Vec<&'a str> {
    let mut districts = vec![before.district.as_str()];
    if after.district != before.district {
        districts.push(after.district.as_str());
    }
    districts
}

/// Compares who may see the case before and after, among `candidates`.
/// A brand-new case needs no entry: all its changes are numbered now, above
/// every device's cursor, so they reach everyone who may see it anyway.
pub fn delta(
    before: &CaseProjection,
    after: &CaseProjection,
    candidates: &[User],
) -> VisibilityDelta {
    let mut out = VisibilityDelta::default();
    for user in candidates
        .iter()
        .filter(|u| DOCUMENT_ROLES.contains(&u.role))
    {
        let was = may_see(user.role, &user.user_id, &user.district, before);
        let is = may_see(user.role, &user.user_id, &user.district, after);
        match (was, is) {
            (false, true) => out.gained.push(user.user_id.clone()),
            (true, false) => out.lost.push(user.user_id.clone()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use ocrotire_core::model::{CaseStatus, Sex};

    fn projection(district: &str, assigned: &[&str]) -> CaseProjection {
        CaseProjection {
            case_id: "c1".into(),
            district: district.into(),
            created_by: "creator".into(),
            assigned_to: assigned.iter().map(|s| s.to_string()).collect(),
            status: CaseStatus::Open,
            risk: None,
            identified_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            registered: false,
            assessed: false,
            referred: false,
            sex: Sex::Unknown,
            locality: "0101".into(),
            open_conflicts: 0,
        }
    }

    fn user(id: &str, role: Role, district: &str) -> User {
        User {
            user_id: id.into(),
            role,
            district: district.into(),
            created_at: 0,
        }
    }

    #[test]
    fn assignment_and_transfer_move_visibility() {
        let users = [
            user("sa1", Role::SocialAssistant, "0100"),
            user("sa2", Role::SocialAssistant, "0100"),
            user("off1", Role::DistrictOfficer, "0100"),
            user("off2", Role::DistrictOfficer, "0200"),
            user("med", Role::CommunityMediator, "0100"),
        ];
        let before = projection("0100", &["sa1"]);
        let reassigned = projection("0100", &["sa2"]);
        assert!(may_change(&before, &reassigned));
        assert_eq!(
            delta(&before, &reassigned, &users),
            VisibilityDelta {
                gained: vec!["sa2".into()],
                lost: vec!["sa1".into()]
            }
        );
        let moved = projection("0200", &["sa1"]);
        assert_eq!(candidate_districts(&before, &moved), vec!["0100", "0200"]);
        assert_eq!(
            delta(&before, &moved, &users),
            VisibilityDelta {
                gained: vec!["off2".into()],
                lost: vec!["sa1".into(), "off1".into()]
            }
        );
        assert!(!may_change(&before, &before.clone()));
    }
}
