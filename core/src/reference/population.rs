//! Child population by district, sex and age band: the denominators of
//! rates per 10,000 children. Reference data, because the statistics
//! office publishes new estimates every year.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{check_size, quote, ReferenceError};
use super::units::AdminUnits;
use crate::model::Sex;

/// Largest population file accepted.
pub const MAX_POPULATION_BYTES: usize = 1024 * 1024;

const BUNDLED: &str = include_str!("../../data/population.json");
const BANDS: [&str; 4] = ["0-4", "5-9", "10-14", "15-17"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    note: String,
    /// False while the numbers are placeholders: rates must say so.
    verified: bool,
    year: i32,
    /// District code -> sex key -> age band -> children.
    districts: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>>,
}

impl Population {
    pub fn bundled() -> Result<Population, ReferenceError> {
        Population::from_json(BUNDLED)
    }

    pub fn from_json(json: &str) -> Result<Population, ReferenceError> {
        check_size(json, MAX_POPULATION_BYTES)?;
        let population: Population = serde_json::from_str(json)?;
        for by_sex in population.districts.values() {
            for (sex, by_band) in by_sex {
                if !matches!(sex.as_str(), "female" | "male") {
                    return Err(ReferenceError::InvalidId(quote(sex)));
                }
                if let Some(band) = by_band.keys().find(|b| !BANDS.contains(&b.as_str())) {
                    return Err(ReferenceError::InvalidId(quote(band)));
                }
            }
        }
        Ok(population)
    }

    /// Every district must be a known unit.
    pub fn check_districts(&self, units: &AdminUnits) -> Result<(), ReferenceError> {
        match self.districts.keys().find(|d| units.district(d).is_none()) {
            Some(code) => Err(ReferenceError::UnknownReference {
                what: "district",
                code: quote(code),
            }),
            None => Ok(()),
        }
    }

    pub fn note(&self) -> &str {
        &self.note
    }

    pub fn verified(&self) -> bool {
        self.verified
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// Children in the cells that match: any district of `districts`
    /// (all when `None`), one sex or both, one age band or all. `None` when
    /// a district asked for has no data, so no rate is made up.
    pub fn children(
        &self,
        districts: Option<&[String]>,
        sex: Option<Sex>,
        band: Option<&str>,
    ) -> Option<u64> {
        let chosen: Vec<&BTreeMap<String, BTreeMap<String, u64>>> = match districts {
            Some(codes) => codes
                .iter()
                .map(|c| self.districts.get(c))
                .collect::<Option<_>>()?,
            None => self.districts.values().collect(),
        };
        let total = chosen
            .iter()
            .flat_map(|by_sex| by_sex.iter())
            .filter(|(key, _)| sex.is_none_or(|s| s.key() == key.as_str()))
            .flat_map(|(_, by_band)| by_band.iter())
            .filter(|(key, _)| band.is_none_or(|b| b == key.as_str()))
            .map(|(_, n)| *n)
            .sum();
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_population_covers_known_districts() {
        let population = Population::bundled().expect("bundled population");
        population
            .check_districts(&AdminUnits::bundled().expect("units"))
            .expect("known districts");
        assert!(!population.verified(), "placeholders must stay flagged");
        let ungheni = ["9200".to_string()];
        let all = population
            .children(Some(&ungheni), None, None)
            .expect("9200");
        let girls = population.children(Some(&ungheni), Some(Sex::Female), None);
        let teens = population.children(Some(&ungheni), None, Some("15-17"));
        assert!(girls.expect("girls") < all && teens.expect("teens") < all);
        assert_eq!(
            population.children(Some(&["9999".into()]), None, None),
            None
        );
    }

    #[test]
    fn unknown_sexes_and_bands_are_refused() {
        let json = r#"{"note":"","verified":false,"year":2026,
            "districts":{"9200":{"female":{"18-99":1}}}}"#;
        assert!(matches!(
            Population::from_json(json),
            Err(ReferenceError::InvalidId(_))
        ));
    }
}
