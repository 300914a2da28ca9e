use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    DisabilityDomain, LivingArrangement, ParentsAbroad, RefugeeStatus, Schooling, Sex, YesNoUnknown,
};

/// The child, identified by a pseudonym. Names and contacts are optional and
/// held only on the devices of those who serve the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// Random pseudonymous id shared by the CCM and NRS so a child counts once.
    pub pseudonym: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    /// When the exact date is unknown.
    pub estimated_birth_year: Option<i32>,
    pub disability: YesNoUnknown,
    pub disability_domains: Vec<DisabilityDomain>,
    pub schooling: Schooling,
    pub living_arrangement: LivingArrangement,
    pub parents_abroad: ParentsAbroad,
    pub refugee_status: RefugeeStatus,
    /// ISO 639-1 code (ro, ru, uk, bg, gag...).
    pub language: String,
    /// CUATM code of the locality.
    pub locality: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub contact: Option<String>,
}

impl Child {
    /// A child with only what a first notification usually knows.
    pub fn new(pseudonym: impl Into<String>, sex: Sex, locality: impl Into<String>) -> Self {
        Child {
            pseudonym: pseudonym.into(),
            sex,
            birth_date: None,
            estimated_birth_year: None,
            disability: YesNoUnknown::Unknown,
            disability_domains: Vec::new(),
            schooling: Schooling::Unknown,
            living_arrangement: LivingArrangement::Unknown,
            parents_abroad: ParentsAbroad::Unknown,
            refugee_status: RefugeeStatus::Unknown,
            language: "ro".into(),
            locality: locality.into(),
            given_name: None,
            family_name: None,
            contact: None,
        }
    }

    /// Age in whole years on `on`, from the birth date or the estimated year.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        use chrono::Datelike;
        match (self.birth_date, self.estimated_birth_year) {
            (Some(born), _) => on.years_since(born),
            (None, Some(year)) => u32::try_from(on.year() - year).ok(),
            (None, None) => None,
        }
    }

    /// The reporting age band on `on` (see [`age_band`]).
    pub fn age_band(&self, on: NaiveDate) -> &'static str {
        age_band(self.age_on(on))
    }
}

/// The reporting age band (0-4, 5-9, 10-14, 15-17) of an age in whole
/// years, or `unknown`: what referrals and indicators say instead of an age.
pub fn age_band(age: Option<u32>) -> &'static str {
    match age {
        Some(0..=4) => "0-4",
        Some(5..=9) => "5-9",
        Some(10..=14) => "10-14",
        Some(15..=17) => "15-17",
        _ => "unknown",
    }
}
