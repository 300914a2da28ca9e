//! The disaggregations of domain.md: every indicator can be broken down by
//! any one of these. Categories are the stable English keys of the
//! vocabularies, so a table means the same in every district and export.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::{CaseFacts, ReferralFacts};
use crate::model::age_band;
use crate::reference::Settlement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Sex,
    /// 0-4, 5-9, 10-14, 15-17.
    AgeBand,
    /// The bands of the law: under 14, 14-15, 16-17.
    LegalAgeBand,
    Settlement,
    District,
    Disability,
    /// A case with several forms counts once under each.
    Form,
    Relationship,
    PerpetratorAge,
    Reporter,
    ParentsAbroad,
    Refugee,
    /// Only for indicators that count referrals.
    ReferralOutcome,
    Month,
    Quarter,
    Year,
}

impl Dimension {
    pub const ALL: [Dimension; 16] = [
        Dimension::Sex,
        Dimension::AgeBand,
        Dimension::LegalAgeBand,
        Dimension::Settlement,
        Dimension::District,
        Dimension::Disability,
        Dimension::Form,
        Dimension::Relationship,
        Dimension::PerpetratorAge,
        Dimension::Reporter,
        Dimension::ParentsAbroad,
        Dimension::Refugee,
        Dimension::ReferralOutcome,
        Dimension::Month,
        Dimension::Quarter,
        Dimension::Year,
    ];

    /// Whether each counted item falls in exactly one category, so that
    /// categories add up to the total. Only then can a total give away a
    /// suppressed cell, and only then does disclosure control need to
    /// protect against it.
    pub fn is_additive(self) -> bool {
        self != Dimension::Form
    }

    /// The categories of a case (or of one of its referrals) on the day
    /// `on` that places it in a period.
    pub fn categories(
        self,
        case: &CaseFacts,
        referral: Option<&ReferralFacts>,
        on: NaiveDate,
    ) -> Vec<String> {
        let one = |key: &str| vec![key.to_string()];
        match self {
            Dimension::Sex => one(case.sex.key()),
            Dimension::AgeBand => one(age_band(case.age)),
            Dimension::LegalAgeBand => one(legal_age_band(case.age)),
            Dimension::Settlement => one(match case.settlement {
                Some(Settlement::Urban) => "urban",
                Some(Settlement::Rural) => "rural",
                None => "unknown",
            }),
            Dimension::District => one(&case.district),
            Dimension::Disability => one(case.disability.key()),
            Dimension::Form => case.forms.iter().map(|f| f.key().to_string()).collect(),
            Dimension::Relationship => one(case.relationship.key()),
            Dimension::PerpetratorAge => one(case.perpetrator_age.key()),
            Dimension::Reporter => one(case.reporter.key()),
            Dimension::ParentsAbroad => one(case.parents_abroad.key()),
            Dimension::Refugee => one(case.refugee.key()),
            Dimension::ReferralOutcome => {
                referral.map(|r| vec![r.status.clone()]).unwrap_or_default()
            }
            Dimension::Month => vec![format!("{}-{:02}", on.year(), on.month())],
            Dimension::Quarter => vec![format!("{}-Q{}", on.year(), (on.month() - 1) / 3 + 1)],
            Dimension::Year => vec![on.year().to_string()],
        }
    }
}

pub fn legal_age_band(age: Option<u32>) -> &'static str {
    match age {
        Some(0..=13) => "under_14",
        Some(14..=15) => "14-15",
        Some(16..=17) => "16-17",
        _ => "unknown",
    }
}
