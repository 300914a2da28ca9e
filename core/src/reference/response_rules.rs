//! How fast the system must respond, by risk level. These are legal and
//! organisational defaults remembered rather than quoted, so they are data
//! with a legal reference and a validity date, not constants.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::{check_size, ReferenceError};
use crate::model::RiskLevel;

/// Largest rules file accepted.
pub const MAX_RULES_BYTES: usize = 64 * 1024;
/// Longest term accepted, in days (hours are bounded to the same span):
/// anything longer is a typo, and the bound keeps date arithmetic safe.
pub const MAX_TERM_DAYS: u32 = 366;

const BUNDLED: &str = include_str!("../../data/response_rules.json");

/// A period within which something must happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", rename_all = "snake_case", deny_unknown_fields)]
pub enum Term {
    /// Due at the moment the clock starts. A struct variant, not a unit
    /// one, so that serde refuses stray fields such as an `amount`.
    Immediate {},
    /// Elapsed hours, nights and weekends included.
    Hours { amount: u32 },
    /// Until the end of the `amount`-th working day after the starting day.
    WorkingDays { amount: u32 },
    /// Until the end of the `amount`-th calendar day after the starting day.
    CalendarDays { amount: u32 },
}

impl Term {
    fn validate(self) -> Result<(), ReferenceError> {
        let too_long = match self {
            Term::Immediate {} => false,
            Term::Hours { amount } => amount > MAX_TERM_DAYS * 24,
            Term::WorkingDays { amount } | Term::CalendarDays { amount } => amount > MAX_TERM_DAYS,
        };
        if too_long {
            return Err(ReferenceError::Invalid(
                "a response term is longer than a year",
            ));
        }
        Ok(())
    }
}

/// One value per risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerLevel<T> {
    pub low: T,
    pub medium: T,
    pub high: T,
    pub imminent: T,
}

impl<T: Copy> PerLevel<T> {
    pub fn get(&self, level: RiskLevel) -> T {
        match level {
            RiskLevel::Low => self.low,
            RiskLevel::Medium => self.medium,
            RiskLevel::High => self.high,
            RiskLevel::Imminent => self.imminent,
        }
    }

    fn values(&self) -> [T; 4] {
        [self.low, self.medium, self.high, self.imminent]
    }
}

/// Response times, validated on load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRules {
    pub legal_reference: String,
    pub status: String,
    pub valid_from: NaiveDate,
    /// First visit, counted from identification.
    pub visit: PerLevel<Term>,
    /// Team meeting, counted from identification; `None` where none is required.
    pub team_meeting: PerLevel<Option<Term>>,
    /// Referral acknowledgement, counted from the "sent" event.
    pub referral_acknowledgement: PerLevel<Term>,
    /// Notifying the guardianship authority, counted from identification.
    pub guardianship_notification: Term,
    pub holidays_note: String,
    /// Public holidays that are not working days.
    pub public_holidays: BTreeSet<NaiveDate>,
}

impl ResponseRules {
    /// The bundled defaults from the domain notes.
    pub fn default_rules() -> Result<ResponseRules, ReferenceError> {
        ResponseRules::from_json(BUNDLED)
    }

    pub fn from_json(json: &str) -> Result<ResponseRules, ReferenceError> {
        check_size(json, MAX_RULES_BYTES)?;
        let rules: ResponseRules = serde_json::from_str(json)?;
        let terms = rules
            .visit
            .values()
            .into_iter()
            .chain(rules.team_meeting.values().into_iter().flatten())
            .chain(rules.referral_acknowledgement.values())
            .chain([rules.guardianship_notification]);
        for term in terms {
            term.validate()?;
        }
        Ok(rules)
    }
}
