//! The disaggregations of domain.md: every indicator can be broken down by
//! any one of these. Categories are the stable English keys of the
//! vocabularies, so a table means the same in every district and export.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::engine::Item;
use super::facts::REFERRAL_STATUSES;
use crate::model::{
    age_band, ParentsAbroad, PerpetratorAge, RefugeeStatus, Relationship, ReportingSector,
    SesacForm, Sex, YesNoUnknown,
};
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

    /// The stable name (as serialised), for exports and mappings.
    pub fn key(self) -> &'static str {
        match self {
            Dimension::Sex => "sex",
            Dimension::AgeBand => "age_band",
            Dimension::LegalAgeBand => "legal_age_band",
            Dimension::Settlement => "settlement",
            Dimension::District => "district",
            Dimension::Disability => "disability",
            Dimension::Form => "form",
            Dimension::Relationship => "relationship",
            Dimension::PerpetratorAge => "perpetrator_age",
            Dimension::Reporter => "reporter",
            Dimension::ParentsAbroad => "parents_abroad",
            Dimension::Refugee => "refugee",
            Dimension::ReferralOutcome => "referral_outcome",
            Dimension::Month => "month",
            Dimension::Quarter => "quarter",
            Dimension::Year => "year",
        }
    }

    pub fn from_key(key: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.key() == key)
    }

    /// Whether each counted item falls in exactly one category, so that
    /// categories add up to the total. Only then can a total give away a
    /// suppressed cell, and only then does disclosure control need to
    /// protect against it.
    pub fn is_additive(self) -> bool {
        self != Dimension::Form
    }

    /// Calls `found` with the number of each category of an item. Numbers
    /// rather than names: this runs for every item and every dimension, and
    /// comparing numbers costs nothing. [`Self::name`] turns them back.
    pub(super) fn each_category(self, item: &Item<'_>, found: &mut dyn FnMut(u32)) {
        let case = item.case;
        let on = item.on;
        match self {
            Dimension::Sex => found(case.sex as u32),
            Dimension::AgeBand => found(band_index(&AGE_BANDS, age_band(case.age))),
            Dimension::LegalAgeBand => {
                found(band_index(&LEGAL_AGE_BANDS, legal_age_band(case.age)))
            }
            Dimension::Settlement => found(match case.settlement {
                Some(Settlement::Urban) => 0,
                Some(Settlement::Rural) => 1,
                None => 2,
            }),
            Dimension::District => found(item.district),
            Dimension::Disability => found(case.disability as u32),
            Dimension::Form => case.forms.iter().for_each(|f| found(*f as u32)),
            Dimension::Relationship => found(case.relationship as u32),
            Dimension::PerpetratorAge => found(case.perpetrator_age as u32),
            Dimension::Reporter => found(case.reporter as u32),
            Dimension::ParentsAbroad => found(case.parents_abroad as u32),
            Dimension::Refugee => found(case.refugee as u32),
            Dimension::ReferralOutcome => {
                if let Some(outcome) = item.outcome {
                    found(outcome)
                }
            }
            Dimension::Month => found(years_since_first(on) * 12 + on.month0()),
            Dimension::Quarter => found(years_since_first(on) * 4 + on.month0() / 3),
            Dimension::Year => found(years_since_first(on)),
        }
    }

    /// Every category key of a dimension with a fixed list of them; `None`
    /// for districts and periods, whose categories depend on the data.
    pub fn categories(self) -> Option<Vec<String>> {
        let count = match self {
            Dimension::Sex => Sex::ALL.len(),
            Dimension::AgeBand => AGE_BANDS.len(),
            Dimension::LegalAgeBand => LEGAL_AGE_BANDS.len(),
            Dimension::Settlement => 3,
            Dimension::Disability => YesNoUnknown::ALL.len(),
            Dimension::Form => SesacForm::ALL.len(),
            Dimension::Relationship => Relationship::ALL.len(),
            Dimension::PerpetratorAge => PerpetratorAge::ALL.len(),
            Dimension::Reporter => ReportingSector::ALL.len(),
            Dimension::ParentsAbroad => ParentsAbroad::ALL.len(),
            Dimension::Refugee => RefugeeStatus::ALL.len(),
            Dimension::ReferralOutcome => REFERRAL_STATUSES.len(),
            Dimension::District | Dimension::Month | Dimension::Quarter | Dimension::Year => {
                return None
            }
        };
        Some((0..count as u32).map(|id| self.name(id, &[])).collect())
    }

    /// The category key of number `id` (see [`Self::each_category`]).
    pub(super) fn name(self, id: u32, districts: &[String]) -> String {
        let at = id as usize;
        let key = |keys: &[&str]| keys.get(at).copied().unwrap_or("unknown").to_string();
        match self {
            Dimension::Sex => Sex::ALL.get(at).map_or("unknown", |v| v.key()).to_string(),
            Dimension::AgeBand => key(&AGE_BANDS),
            Dimension::LegalAgeBand => key(&LEGAL_AGE_BANDS),
            Dimension::Settlement => key(&["urban", "rural", "unknown"]),
            Dimension::District => districts.get(at).cloned().unwrap_or_default(),
            Dimension::Disability => YesNoUnknown::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::Form => SesacForm::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::Relationship => Relationship::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::PerpetratorAge => PerpetratorAge::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::Reporter => ReportingSector::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::ParentsAbroad => ParentsAbroad::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::Refugee => RefugeeStatus::ALL
                .get(at)
                .map_or("unknown", |v| v.key())
                .to_string(),
            Dimension::ReferralOutcome => key(&REFERRAL_STATUSES),
            Dimension::Month => format!("{}-{:02}", FIRST_YEAR + id / 12, id % 12 + 1),
            Dimension::Quarter => format!("{}-Q{}", FIRST_YEAR + id / 4, id % 4 + 1),
            Dimension::Year => (FIRST_YEAR + id).to_string(),
        }
    }
}

/// Periods are numbered from this year, so that every category number
/// stays small (below [`MAX_CATEGORY`]) and a plain array can index them.
const FIRST_YEAR: u32 = 1990;
const LAST_YEAR: u32 = 2189;
/// Category numbers are below this in every dimension but District, whose
/// numbers count the districts present.
pub(super) const MAX_CATEGORY: u32 = (LAST_YEAR - FIRST_YEAR + 1) * 12;

fn years_since_first(on: NaiveDate) -> u32 {
    let year = u32::try_from(on.year()).unwrap_or(FIRST_YEAR);
    year.clamp(FIRST_YEAR, LAST_YEAR) - FIRST_YEAR
}

const AGE_BANDS: [&str; 5] = ["0-4", "5-9", "10-14", "15-17", "unknown"];
const LEGAL_AGE_BANDS: [&str; 4] = ["under_14", "14-15", "16-17", "unknown"];

fn band_index(bands: &[&str], band: &str) -> u32 {
    bands
        .iter()
        .position(|b| *b == band)
        .unwrap_or(bands.len() - 1) as u32
}

pub fn legal_age_band(age: Option<u32>) -> &'static str {
    match age {
        Some(0..=13) => "under_14",
        Some(14..=15) => "14-15",
        Some(16..=17) => "16-17",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_serialised_names_and_read_back() {
        for dimension in Dimension::ALL {
            let json = serde_json::to_string(&dimension).expect("serialise");
            assert_eq!(json, format!("\"{}\"", dimension.key()));
            assert_eq!(Dimension::from_key(dimension.key()), Some(dimension));
        }
        assert_eq!(Dimension::from_key("colour"), None);
    }

    #[test]
    fn fixed_categories_are_distinct_and_never_unnamed() {
        for dimension in Dimension::ALL {
            let Some(categories) = dimension.categories() else {
                continue;
            };
            let distinct: std::collections::BTreeSet<&String> = categories.iter().collect();
            assert_eq!(distinct.len(), categories.len(), "{dimension:?}");
            assert!(categories.iter().all(|c| !c.is_empty()));
        }
        assert_eq!(
            Dimension::Sex.categories().map(|c| c.len()),
            Some(Sex::ALL.len())
        );
    }
}
