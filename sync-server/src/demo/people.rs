//! Who works in the demo: five districts, each with its own habits (so
//! that their dashboards differ), its staff with field devices, and the
//! dashboard logins printed when the demo is ready.

use std::collections::BTreeMap;

use ocrotire_core::model::Role;

use super::DemoError;
use crate::admin::{self, Operator};
use crate::storage::Storage;

/// What the audit log records as the channel of everything the demo set up.
pub const CHANNEL: &str = "demo";
/// The operator the setup is audited under (also the administrator login).
pub const ADMIN: &str = "admin";
pub const ANALYST: &str = "analyst";

/// How one district works: its share of the cases and the habits that
/// make its indicators different from the others'.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// CUATM code; one of the districts of the bundled population data.
    pub code: &'static str,
    /// Share of the demo's cases, relative to the other districts.
    pub weight: u32,
    pub assistants: usize,
    /// % of notifications filed by the community mediator; the others
    /// reach a social assistant directly (school, police, doctor...).
    pub mediator_share: u64,
    /// % of concerns with an online component.
    pub online: u64,
    /// Usual longest delay before the office registers a notification.
    pub registration_hours: u64,
    /// % of sent referrals the service never acknowledges.
    pub unacknowledged: u64,
    /// % of cases closed once their work is done.
    pub closure: u64,
    /// % of first visits later than the risk level allows.
    pub late_visits: u64,
    /// The children's languages (ISO 639-1, or `gag`), weighted.
    pub languages: &'static [(&'static str, u32)],
}

pub const PROFILES: [Profile; 5] = [
    // Chișinău: the most cases, mostly online, quick services.
    Profile {
        code: "0100",
        weight: 34,
        assistants: 3,
        mediator_share: 15,
        online: 60,
        registration_hours: 8,
        unacknowledged: 5,
        closure: 45,
        late_visits: 8,
        languages: &[("ro", 64), ("ru", 33), ("uk", 3)],
    },
    // Bălți: Russian-speaking majority.
    Profile {
        code: "0300",
        weight: 16,
        assistants: 2,
        mediator_share: 20,
        online: 45,
        registration_hours: 12,
        unacknowledged: 10,
        closure: 35,
        late_visits: 15,
        languages: &[("ro", 45), ("ru", 55)],
    },
    // Cahul: rural, services far away and slow to answer.
    Profile {
        code: "1700",
        weight: 16,
        assistants: 2,
        mediator_share: 35,
        online: 30,
        registration_hours: 30,
        unacknowledged: 22,
        closure: 30,
        late_visits: 25,
        languages: &[("ro", 88), ("ru", 10), ("bg", 2)],
    },
    // Ungheni: the pilot district, closes cases steadily.
    Profile {
        code: "9200",
        weight: 20,
        assistants: 3,
        mediator_share: 30,
        online: 40,
        registration_hours: 10,
        unacknowledged: 10,
        closure: 55,
        late_visits: 10,
        languages: &[("ro", 92), ("ru", 8)],
    },
    // ATU Gagauzia: Gagauz and Russian speakers, registration lags.
    Profile {
        code: "9600",
        weight: 14,
        assistants: 2,
        mediator_share: 25,
        online: 35,
        registration_hours: 20,
        unacknowledged: 15,
        closure: 25,
        late_visits: 20,
        languages: &[("ru", 55), ("gag", 35), ("ro", 10)],
    },
];

/// How many of `total` cases each district gets: by weight, at least one
/// each while there are enough, the rounding left to the largest.
pub fn shares(total: usize) -> [usize; 5] {
    let weights: u64 = PROFILES.iter().map(|p| u64::from(p.weight)).sum();
    let mut shares = PROFILES.map(|p| {
        let share = total as u64 * u64::from(p.weight) / weights.max(1);
        usize::try_from(share)
            .unwrap_or(0)
            .max(usize::from(total >= 5))
    });
    let given: usize = shares.iter().sum();
    if let Some(first) = shares.first_mut() {
        *first = (*first + total).saturating_sub(given);
    }
    shares
}

/// The people of one district who carry devices.
#[derive(Debug, Clone)]
pub struct Staff {
    pub officer: String,
    pub assistants: Vec<String>,
    pub mediator: String,
}

impl Staff {
    pub fn of(profile: &Profile) -> Staff {
        let code = profile.code;
        Staff {
            officer: format!("officer.{code}"),
            assistants: (1..=profile.assistants)
                .map(|n| format!("assistant.{code}.{n}"))
                .collect(),
            mediator: format!("mediator.{code}"),
        }
    }

    /// Every device holder with their role.
    pub fn members(&self) -> Vec<(&str, Role)> {
        let mut members = vec![(self.officer.as_str(), Role::DistrictOfficer)];
        members.extend(
            self.assistants
                .iter()
                .map(|a| (a.as_str(), Role::SocialAssistant)),
        );
        members.push((self.mediator.as_str(), Role::CommunityMediator));
        members
    }
}

/// A dashboard login of the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user_id: String,
    pub role: Role,
    pub district: String,
    /// Fixed and printed: this is a demo database, never a real one.
    pub password: String,
}

/// One district officer per district, a national analyst, an administrator.
pub fn logins() -> Vec<Login> {
    let mut logins: Vec<Login> = PROFILES
        .iter()
        .map(|p| Login {
            user_id: Staff::of(p).officer,
            role: Role::DistrictOfficer,
            district: p.code.to_owned(),
            password: format!("demo-password-{}", p.code),
        })
        .collect();
    for (user_id, role) in [
        (ANALYST, Role::NationalAnalyst),
        (ADMIN, Role::Administrator),
    ] {
        logins.push(Login {
            user_id: user_id.to_owned(),
            role,
            district: "0100".to_owned(),
            password: format!("demo-password-{user_id}"),
        });
    }
    logins
}

fn operator() -> Operator<'static> {
    Operator {
        user_id: ADMIN,
        channel: CHANNEL,
    }
}

/// What a database holds, as far as the demo is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No users at all: a fresh database to fill.
    Empty,
    /// The demo finished here before (its last step, the passwords, is done).
    Complete,
    /// The demo's administrator exists without a password: an earlier
    /// generation was interrupted.
    Incomplete,
    /// Users that are not the demo's: never touched.
    Foreign,
}

pub async fn found<S: Storage>(storage: &S) -> Result<Found, DemoError> {
    if storage.users(None).await?.is_empty() {
        return Ok(Found::Empty);
    }
    let admin = storage.password(ADMIN.to_owned()).await?;
    Ok(match admin {
        Some(account) if account.user.role == Role::Administrator => {
            if account.password_hash.is_some() {
                Found::Complete
            } else {
                Found::Incomplete
            }
        }
        _ => Found::Foreign,
    })
}

/// Creates the office users and every device holder, and issues one
/// enrollment code per device holder (user id → code).
pub async fn create_users<S: Storage>(
    storage: &S,
    staff: &[(Profile, Staff)],
) -> Result<BTreeMap<String, String>, DemoError> {
    // The administrator first: everything after is audited in its name.
    for login in logins().iter().rev() {
        if login.role != Role::DistrictOfficer {
            admin::create_user(
                storage,
                operator(),
                &login.user_id,
                login.role,
                &login.district,
            )
            .await?;
        }
    }
    let mut codes = BTreeMap::new();
    for (profile, staff) in staff {
        for (user_id, role) in staff.members() {
            admin::create_user(storage, operator(), user_id, role, profile.code).await?;
            let code = admin::enroll_code(storage, operator(), user_id).await?;
            codes.insert(user_id.to_owned(), code);
        }
    }
    Ok(codes)
}

/// Sets every dashboard password, all at once (each is a deliberately slow
/// PBKDF2). Done last: a database with the administrator's password is a
/// finished demo.
pub async fn set_passwords<S: Storage>(storage: &S) -> Result<(), DemoError> {
    let mut tasks = tokio::task::JoinSet::new();
    let (office, last): (Vec<Login>, Vec<Login>) =
        logins().into_iter().partition(|l| l.user_id != ADMIN);
    for login in office {
        let storage = storage.clone();
        tasks.spawn(async move {
            admin::set_password(&storage, operator(), &login.user_id, &login.password).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|_| DemoError::Worker)??;
    }
    for login in last {
        admin::set_password(storage, operator(), &login.user_id, &login.password).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_and_leave_no_district_empty() {
        for total in [5, 6, 60, 2000, 20_000] {
            let shares = shares(total);
            assert_eq!(shares.iter().sum::<usize>(), total, "{total}");
            assert!(shares.iter().all(|&s| s >= 1), "{total}: {shares:?}");
        }
        assert_eq!(shares(2000)[0], 680);
    }

    #[test]
    fn logins_are_valid_user_ids_with_long_enough_passwords() {
        let logins = logins();
        assert_eq!(logins.len(), 7);
        for login in &logins {
            assert!(admin::check_user_id(&login.user_id).is_ok());
            assert!(login.password.len() >= crate::web::password::MIN_PASSWORD_LEN);
        }
    }
}
