//! Indicators as a DHIS2 `dataValueSets` payload, coded through a mapping
//! file: which tables go to which data elements, each category to a
//! category option combo, each district to an organisation unit. Every
//! identifier is a DHIS2 *code* (`idScheme=code`), so the same file works
//! against any DHIS2 instance that uses the agreed codes.
//!
//! A mapping is checked when loaded: every measure exists, every category a
//! mapped table can produce has a combo, every district an organisation
//! unit. An export therefore never meets an unmapped cell.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ocrotire_core::indicators::measures::catalogue;
use ocrotire_core::indicators::Dimension;
use ocrotire_core::reference::AdminUnits;
use serde::{Deserialize, Serialize};

use super::report::Report;

/// The mapping shipped with the server; illustrative codes until the
/// national statistics office agrees real ones (`verified: false`).
const BUNDLED: &str = include_str!("../../data/dhis2-mapping.json");
const MAX_MAPPING_BYTES: usize = 1024 * 1024;
/// DHIS2 codes are at most 50 characters.
const MAX_CODE_LEN: usize = 50;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dhis2Mapping {
    pub note: String,
    pub verified: bool,
    pub data_set: String,
    /// The organisation unit of national (all-district) reports.
    pub national_org_unit: String,
    /// District CUATM code -> organisation unit code.
    pub org_units: BTreeMap<String, String>,
    /// The combo of a table's total (DHIS2's `default`).
    pub default_combo: String,
    /// `dimension.category` (e.g. `sex.female`) -> category option combo code.
    pub category_option_combos: BTreeMap<String, String>,
    pub data_elements: Vec<ElementMapping>,
}

/// One table exported: `measure` by `by` (the total when absent), its
/// numerator (and denominator, for fractions) as data elements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementMapping {
    pub measure: String,
    #[serde(default)]
    pub by: Option<Dimension>,
    pub numerator: String,
    #[serde(default)]
    pub denominator: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dhis2Error {
    #[error("the DHIS2 mapping is not valid JSON of the expected shape: {0}")]
    Format(String),
    #[error("the DHIS2 mapping is larger than {MAX_MAPPING_BYTES} bytes")]
    TooLarge,
    #[error("the DHIS2 mapping names an unknown measure: {0}")]
    UnknownMeasure(String),
    #[error("the DHIS2 mapping has no code for {0}")]
    Missing(String),
    #[error("the DHIS2 mapping has an empty or over-long code for {0}")]
    BadCode(String),
    #[error("the DHIS2 mapping cannot export a table by {0}: DHIS2 takes periods as periods")]
    PeriodDimension(&'static str),
    #[error("DHIS2 takes one whole month, quarter or year as the period")]
    Period,
    #[error("DHIS2 takes one district or the whole country as the organisation unit")]
    SeveralDistricts,
}

/// The payload DHIS2's `/api/dataValueSets` imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValueSet {
    pub data_set: String,
    pub period: String,
    pub org_unit: String,
    pub id_scheme: String,
    pub data_values: Vec<DataValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValue {
    pub data_element: String,
    pub period: String,
    pub org_unit: String,
    pub category_option_combo: String,
    pub value: String,
}

impl Dhis2Mapping {
    pub fn bundled(units: &AdminUnits) -> Result<Dhis2Mapping, Dhis2Error> {
        Dhis2Mapping::from_json(BUNDLED, units)
    }

    pub fn from_json(json: &str, units: &AdminUnits) -> Result<Dhis2Mapping, Dhis2Error> {
        if json.len() > MAX_MAPPING_BYTES {
            return Err(Dhis2Error::TooLarge);
        }
        let mapping: Dhis2Mapping =
            serde_json::from_str(json).map_err(|e| Dhis2Error::Format(e.to_string()))?;
        mapping.check(units)?;
        Ok(mapping)
    }

    fn check(&self, units: &AdminUnits) -> Result<(), Dhis2Error> {
        let code = |what: &str, code: &str| {
            if code.is_empty() || code.chars().count() > MAX_CODE_LEN {
                Err(Dhis2Error::BadCode(what.to_string()))
            } else {
                Ok(())
            }
        };
        code("the data set", &self.data_set)?;
        code("the country", &self.national_org_unit)?;
        code("totals", &self.default_combo)?;
        for district in units.districts() {
            let unit = self
                .org_units
                .get(&district.code)
                .ok_or_else(|| Dhis2Error::Missing(format!("district {}", district.code)))?;
            code(&district.code, unit)?;
        }
        let measures = catalogue();
        for element in &self.data_elements {
            if !measures.iter().any(|m| m.code == element.measure) {
                return Err(Dhis2Error::UnknownMeasure(element.measure.clone()));
            }
            code(&element.measure, &element.numerator)?;
            if let Some(denominator) = &element.denominator {
                code(&element.measure, denominator)?;
            }
            let Some(by) = element.by else { continue };
            if matches!(by, Dimension::Month | Dimension::Quarter | Dimension::Year) {
                return Err(Dhis2Error::PeriodDimension(by.key()));
            }
            for category in by.categories().unwrap_or_default() {
                let key = format!("{}.{category}", by.key());
                let combo = self
                    .category_option_combos
                    .get(&key)
                    .ok_or_else(|| Dhis2Error::Missing(key.clone()))?;
                code(&key, combo)?;
            }
        }
        Ok(())
    }

    /// The report's mapped tables as data values. Hidden cells are left
    /// out (DHIS2 has no "suppressed"; an absent value is not a zero).
    pub fn data_value_set(&self, report: &Report) -> Result<DataValueSet, Dhis2Error> {
        let period = dhis2_period(report.query.from, report.query.to).ok_or(Dhis2Error::Period)?;
        let org_unit = match report.query.districts.as_deref() {
            None => self.national_org_unit.clone(),
            Some([district]) => self.org_unit(district)?,
            Some(_) => return Err(Dhis2Error::SeveralDistricts),
        };
        let mut data_values = Vec::new();
        for element in &self.data_elements {
            let Some(table) = report.table(&element.measure, element.by) else {
                continue;
            };
            let cells = table
                .rows
                .iter()
                .map(|(category, value)| (Some(category.as_str()), value))
                .chain([(None, &table.total)]);
            for (category, value) in cells {
                let (unit, combo) = match (element.by, category) {
                    (Some(Dimension::District), Some(district)) => {
                        (self.org_unit(district)?, self.default_combo.clone())
                    }
                    (Some(by), Some(category)) => (org_unit.clone(), self.combo(by, category)?),
                    // A table's total repeats the plain total's value.
                    (Some(_), None) => continue,
                    (None, _) => (org_unit.clone(), self.default_combo.clone()),
                };
                let mut push = |element: &str, count: Option<u64>| {
                    if let Some(count) = count {
                        data_values.push(DataValue {
                            data_element: element.to_string(),
                            period: period.clone(),
                            org_unit: unit.clone(),
                            category_option_combo: combo.clone(),
                            value: count.to_string(),
                        });
                    }
                };
                push(&element.numerator, value.numerator);
                if let Some(denominator) = &element.denominator {
                    push(denominator, value.denominator);
                }
            }
        }
        Ok(DataValueSet {
            data_set: self.data_set.clone(),
            period,
            org_unit,
            id_scheme: "code".to_string(),
            data_values,
        })
    }

    fn org_unit(&self, district: &str) -> Result<String, Dhis2Error> {
        self.org_units
            .get(district)
            .cloned()
            .ok_or_else(|| Dhis2Error::Missing(format!("district {district}")))
    }

    fn combo(&self, by: Dimension, category: &str) -> Result<String, Dhis2Error> {
        let key = format!("{}.{category}", by.key());
        self.category_option_combos
            .get(&key)
            .cloned()
            .ok_or(Dhis2Error::Missing(key))
    }
}

/// The DHIS2 period (`202601`, `2026Q1`, `2026`) of a whole month, quarter
/// or year; `None` for any other span.
pub fn dhis2_period(from: NaiveDate, to: NaiveDate) -> Option<String> {
    if from.day() != 1 || from.year() != to.year() {
        return None;
    }
    let last_day = |month: u32| {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), month + 1, 1)
        };
        next.and_then(|d| d.pred_opt())
    };
    let year = from.year();
    let (first, last) = (from.month(), to.month());
    if Some(to) != last_day(last) {
        return None;
    }
    if first == last {
        Some(format!("{year}{first:02}"))
    } else if first % 3 == 1 && last == first + 2 {
        Some(format!("{year}Q{}", first / 3 + 1))
    } else if first == 1 && last == 12 {
        Some(year.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn periods_are_whole_months_quarters_or_years() {
        assert_eq!(
            dhis2_period(day(2026, 2, 1), day(2026, 2, 28)).as_deref(),
            Some("202602")
        );
        assert_eq!(
            dhis2_period(day(2024, 2, 1), day(2024, 2, 29)).as_deref(),
            Some("202402")
        );
        assert_eq!(
            dhis2_period(day(2026, 10, 1), day(2026, 12, 31)).as_deref(),
            Some("2026Q4")
        );
        assert_eq!(
            dhis2_period(day(2026, 1, 1), day(2026, 12, 31)).as_deref(),
            Some("2026")
        );
        assert_eq!(dhis2_period(day(2026, 2, 1), day(2026, 2, 27)), None);
        assert_eq!(dhis2_period(day(2026, 2, 2), day(2026, 2, 28)), None);
        assert_eq!(dhis2_period(day(2026, 2, 1), day(2026, 4, 30)), None);
        assert_eq!(dhis2_period(day(2025, 12, 1), day(2026, 1, 31)), None);
    }

    #[test]
    fn the_bundled_mapping_covers_every_district_and_category() {
        let units = AdminUnits::bundled().expect("units");
        let mapping = Dhis2Mapping::bundled(&units).expect("bundled mapping");
        assert!(!mapping.data_elements.is_empty());
    }

    #[test]
    fn mappings_with_holes_are_refused() {
        let units = AdminUnits::bundled().expect("units");
        let mut json: serde_json::Value = serde_json::from_str(BUNDLED).expect("json");
        json["category_option_combos"]
            .as_object_mut()
            .expect("combos")
            .remove("sex.female");
        assert_eq!(
            Dhis2Mapping::from_json(&json.to_string(), &units).err(),
            Some(Dhis2Error::Missing("sex.female".into()))
        );
        let mut json: serde_json::Value = serde_json::from_str(BUNDLED).expect("json");
        json["data_elements"][0]["measure"] = "S99".into();
        assert_eq!(
            Dhis2Mapping::from_json(&json.to_string(), &units).err(),
            Some(Dhis2Error::UnknownMeasure("S99".into()))
        );
    }
}
