//! How typed values become plain columns and back, the same for every
//! backend: vocabularies by their stable keys, times as Unix milliseconds,
//! assignment as a JSON array of user ids.

use chrono::{DateTime, Utc};
use ocrotire_core::indicators::CaseFacts;
use ocrotire_core::model::{CaseStatus, RiskLevel, Role, Sex};
use ocrotire_core::sync::projection::CaseProjection;

use super::{StorageError, User};

pub fn role_key(role: Role) -> &'static str {
    role.key()
}

pub fn parse_role(key: &str) -> Result<Role, StorageError> {
    Role::ALL
        .iter()
        .copied()
        .find(|r| r.key() == key)
        .ok_or(StorageError::Corrupt("unknown role"))
}

pub fn status_key(status: &CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "open",
        CaseStatus::Closed => "closed",
    }
}

pub fn parse_status(key: &str) -> Result<CaseStatus, StorageError> {
    match key {
        "open" => Ok(CaseStatus::Open),
        "closed" => Ok(CaseStatus::Closed),
        _ => Err(StorageError::Corrupt("unknown case status")),
    }
}

pub fn parse_risk(key: Option<&str>) -> Result<Option<RiskLevel>, StorageError> {
    key.map(|k| {
        RiskLevel::ALL
            .iter()
            .copied()
            .find(|r| r.key() == k)
            .ok_or(StorageError::Corrupt("unknown risk level"))
    })
    .transpose()
}

pub fn parse_sex(key: &str) -> Result<Sex, StorageError> {
    Sex::ALL
        .iter()
        .copied()
        .find(|s| s.key() == key)
        .ok_or(StorageError::Corrupt("unknown sex"))
}

/// The stored form of a case's indicator facts.
pub fn facts_blob(facts: &CaseFacts) -> Result<Vec<u8>, StorageError> {
    facts
        .encode()
        .map_err(|_| StorageError::Corrupt("case facts do not encode"))
}

pub fn parse_facts(blob: &[u8]) -> Result<CaseFacts, StorageError> {
    CaseFacts::decode(blob).map_err(|_| StorageError::Corrupt("stored case facts"))
}

pub fn assigned_json(assigned: &[String]) -> String {
    serde_json::Value::from(assigned.to_vec()).to_string()
}

pub fn parse_assigned(json: &str) -> Result<Vec<String>, StorageError> {
    serde_json::from_str(json)
        .map_err(|_| StorageError::Corrupt("assigned_to is not a list of ids"))
}

pub fn time_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn parse_time_ms(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms).ok_or(StorageError::Corrupt("time out of range"))
}

pub fn seq_u64(seq: i64) -> Result<u64, StorageError> {
    u64::try_from(seq).map_err(|_| StorageError::Corrupt("negative sequence number"))
}

/// Sequence numbers are stored as signed 64-bit integers (both SQLite and
/// PostgreSQL `BIGINT`); a cursor above that cannot exist, so it is clamped.
pub fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// The projection columns of a case, in the order backends write them.
#[derive(Debug, Clone)]
pub struct ProjectionColumns {
    pub district: String,
    pub created_by: String,
    pub assigned_to: String,
    pub status: &'static str,
    pub risk: Option<&'static str>,
    pub identified_at: i64,
    pub registered: bool,
    pub assessed: bool,
    pub referred: bool,
    pub sex: &'static str,
    pub locality: String,
    pub open_conflicts: i64,
}

impl ProjectionColumns {
    pub fn of(p: &CaseProjection) -> ProjectionColumns {
        ProjectionColumns {
            district: p.district.clone(),
            created_by: p.created_by.clone(),
            assigned_to: assigned_json(&p.assigned_to),
            status: status_key(&p.status),
            risk: p.risk.map(RiskLevel::key),
            identified_at: time_ms(p.identified_at),
            registered: p.registered,
            assessed: p.assessed,
            referred: p.referred,
            sex: p.sex.key(),
            locality: p.locality.clone(),
            open_conflicts: i64::try_from(p.open_conflicts).unwrap_or(i64::MAX),
        }
    }
}

/// Projection columns as read, before their keys are checked.
pub struct ProjectionRow {
    pub case_id: String,
    pub district: String,
    pub created_by: String,
    pub assigned_to: String,
    pub status: String,
    pub risk: Option<String>,
    pub identified_at: i64,
    pub registered: bool,
    pub assessed: bool,
    pub referred: bool,
    pub sex: String,
    pub locality: String,
    pub open_conflicts: i64,
}

impl ProjectionRow {
    pub fn finish(self) -> Result<CaseProjection, StorageError> {
        Ok(CaseProjection {
            case_id: self.case_id,
            district: self.district,
            created_by: self.created_by,
            assigned_to: parse_assigned(&self.assigned_to)?,
            status: parse_status(&self.status)?,
            risk: parse_risk(self.risk.as_deref())?,
            identified_at: parse_time_ms(self.identified_at)?,
            registered: self.registered,
            assessed: self.assessed,
            referred: self.referred,
            sex: parse_sex(&self.sex)?,
            locality: self.locality,
            open_conflicts: usize::try_from(self.open_conflicts)
                .map_err(|_| StorageError::Corrupt("negative conflict count"))?,
        })
    }
}

/// A user row as read: id, role key, district, creation time.
pub type UserRow = (String, String, String, i64);

pub fn finish_user((user_id, role, district, created_at): UserRow) -> Result<User, StorageError> {
    Ok(User {
        user_id,
        role: parse_role(&role)?,
        district,
        created_at,
    })
}

/// How many numbers a write takes from the counter, as the counter's type.
pub fn seq_count(changes: usize) -> Result<i64, StorageError> {
    i64::try_from(changes).map_err(|_| StorageError::Corrupt("too many changes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(parse_role(role_key(*role)).unwrap(), *role);
        }
        for status in [CaseStatus::Open, CaseStatus::Closed] {
            assert_eq!(parse_status(status_key(&status)).unwrap(), status);
        }
        for risk in RiskLevel::ALL {
            assert_eq!(parse_risk(Some(risk.key())).unwrap(), Some(*risk));
        }
        for sex in Sex::ALL {
            assert_eq!(parse_sex(sex.key()).unwrap(), *sex);
        }
        let assigned = vec!["a".to_string(), "b\"c".to_string()];
        assert_eq!(parse_assigned(&assigned_json(&assigned)).unwrap(), assigned);
    }
}
