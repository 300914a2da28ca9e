//! Administrative units (CUATM): districts, municipalities and the ATU
//! Gagauzia, with their localities. Indicators are disaggregated by
//! district and by rural/urban, so both must come from one agreed list
//! rather than from what a worker types.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::{check_size, quote, ReferenceError};
use super::labels::Labels;

/// Largest units file accepted: the full classifier (~1,700 localities)
/// fits comfortably.
pub const MAX_UNITS_BYTES: usize = 4 * 1024 * 1024;

const BUNDLED: &str = include_str!("../../data/units.json");

/// NUTS-like statistical region (Government Decision 570/2017).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    North,
    Centre,
    South,
    Chisinau,
    AtuGagauzia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    Municipality,
    District,
    AutonomousTerritorialUnit,
}

/// Rural/urban follows the locality's legal status (city, town or village).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    Urban,
    Rural,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locality {
    pub code: String,
    pub names: Labels,
    pub settlement: Settlement,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// CUATM code.
    pub code: String,
    /// ISO 3166-2:MD code, e.g. `MD-UN`.
    pub iso_3166_2: String,
    pub kind: DistrictKind,
    pub names: Labels,
    pub region: Region,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub localities: Vec<Locality>,
}

/// Whether a unit with these dates existed on `on`.
fn valid_on(from: NaiveDate, to: Option<NaiveDate>, on: NaiveDate) -> bool {
    from <= on && to.is_none_or(|to| on <= to)
}

impl District {
    pub fn is_valid_on(&self, on: NaiveDate) -> bool {
        valid_on(self.valid_from, self.valid_to, on)
    }
}

impl Locality {
    pub fn is_valid_on(&self, on: NaiveDate) -> bool {
        valid_on(self.valid_from, self.valid_to, on)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsFile {
    note: String,
    codes_verified: bool,
    districts: Vec<District>,
}

/// Where a code points: (district index, locality index if a locality).
type Position = (usize, Option<usize>);

#[derive(Debug, Clone)]
pub struct AdminUnits {
    note: String,
    codes_verified: bool,
    districts: Vec<District>,
    index: BTreeMap<String, Position>,
}

impl AdminUnits {
    /// The units bundled with the app, validated like any import.
    pub fn bundled() -> Result<AdminUnits, ReferenceError> {
        AdminUnits::from_json(BUNDLED)
    }

    pub fn from_json(json: &str) -> Result<AdminUnits, ReferenceError> {
        check_size(json, MAX_UNITS_BYTES)?;
        let file: UnitsFile = serde_json::from_str(json)?;
        let mut index = BTreeMap::new();
        for (d, district) in file.districts.iter().enumerate() {
            check_unit(
                &district.code,
                &district.names,
                district.valid_from,
                district.valid_to,
            )?;
            if !is_iso_md(&district.iso_3166_2) {
                return Err(ReferenceError::InvalidCode(quote(&district.iso_3166_2)));
            }
            insert(&mut index, &district.code, (d, None))?;
            for (l, locality) in district.localities.iter().enumerate() {
                check_unit(
                    &locality.code,
                    &locality.names,
                    locality.valid_from,
                    locality.valid_to,
                )?;
                insert(&mut index, &locality.code, (d, Some(l)))?;
            }
        }
        Ok(AdminUnits {
            note: file.note,
            codes_verified: file.codes_verified,
            districts: file.districts,
            index,
        })
    }

    /// What the data's authors say about its source and accuracy.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// False while the codes have not been checked against the national
    /// classifier; exports should say so.
    pub fn codes_verified(&self) -> bool {
        self.codes_verified
    }

    pub fn districts(&self) -> &[District] {
        &self.districts
    }

    /// The district, municipality or ATU with this CUATM code.
    pub fn district(&self, code: &str) -> Option<&District> {
        match self.index.get(code) {
            Some(&(d, None)) => self.districts.get(d),
            _ => None,
        }
    }

    /// The locality with this CUATM code.
    pub fn locality(&self, code: &str) -> Option<&Locality> {
        match self.index.get(code) {
            Some(&(d, Some(l))) => self.districts.get(d)?.localities.get(l),
            _ => None,
        }
    }

    pub fn by_iso(&self, iso_3166_2: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.iso_3166_2 == iso_3166_2)
    }

    /// Whether a locality is rural; `None` for an unknown code or for a
    /// district code, which is neither.
    pub fn is_rural(&self, code: &str) -> Option<bool> {
        self.locality(code)
            .map(|l| l.settlement == Settlement::Rural)
    }

    /// The Romanian name of a locality or district, for lists and search.
    pub fn name_of(&self, code: &str) -> Option<&str> {
        match self.locality(code) {
            Some(locality) => Some(&locality.names.ro),
            None => self.district(code).map(|d| d.names.ro.as_str()),
        }
    }

    /// The district a code belongs to; a district code belongs to itself.
    pub fn district_of(&self, code: &str) -> Option<&District> {
        let &(d, _) = self.index.get(code)?;
        self.districts.get(d)
    }
}

fn check_unit(
    code: &str,
    names: &Labels,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Result<(), ReferenceError> {
    let numeric = !code.is_empty() && code.len() <= 16 && code.bytes().all(|b| b.is_ascii_digit());
    if !numeric {
        return Err(ReferenceError::InvalidCode(quote(code)));
    }
    names.validate(code)?;
    if to.is_some_and(|to| to < from) {
        return Err(ReferenceError::Invalid("a unit ends before it starts"));
    }
    Ok(())
}

fn is_iso_md(code: &str) -> bool {
    code.strip_prefix("MD-").is_some_and(|rest| {
        (1..=3).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_uppercase())
    })
}

fn insert(
    index: &mut BTreeMap<String, Position>,
    code: &str,
    at: Position,
) -> Result<(), ReferenceError> {
    if index.insert(code.to_owned(), at).is_some() {
        return Err(ReferenceError::DuplicateId(quote(code)));
    }
    Ok(())
}
