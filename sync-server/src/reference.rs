//! The reference data the server works with, bundled in `ocrotire-core`
//! (and the DHIS2 mapping, bundled here), loaded and validated once at
//! start rather than on every request.

use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::reference::{AdminUnits, Population, ReferenceError};

use crate::office::dhis2::{Dhis2Error, Dhis2Mapping};

#[derive(Debug)]
pub struct Reference {
    /// Districts and localities: names, and rural/urban for the facts.
    pub units: AdminUnits,
    /// Response times: overdue referrals and visits.
    pub rules: ResponseRules,
    /// Children by district, sex and age band: rates per 10,000.
    pub population: Population,
    /// Indicator and district codes of the national DHIS2.
    pub dhis2: Dhis2Mapping,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("bundled reference data: {0}")]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Dhis2(#[from] Dhis2Error),
    #[error("cannot read the DHIS2 mapping: {0}")]
    Read(std::io::Error),
}

impl Reference {
    /// The bundled data, with the DHIS2 mapping of `dhis2_json` when given.
    pub fn load(dhis2_json: Option<&str>) -> Result<Reference, LoadError> {
        let units = AdminUnits::bundled()?;
        let population = Population::bundled()?;
        population.check_districts(&units)?;
        let dhis2 = match dhis2_json {
            None => Dhis2Mapping::bundled(&units)?,
            Some(json) => Dhis2Mapping::from_json(json, &units)?,
        };
        Ok(Reference {
            rules: ResponseRules::default_rules()?,
            units,
            population,
            dhis2,
        })
    }

    pub fn bundled() -> Result<Reference, LoadError> {
        Reference::load(None)
    }

    /// With the mapping file at `path` instead of the bundled one.
    pub fn with_mapping_file(path: Option<&std::path::Path>) -> Result<Reference, LoadError> {
        match path {
            None => Reference::bundled(),
            Some(path) => {
                let json = std::fs::read_to_string(path).map_err(LoadError::Read)?;
                Reference::load(Some(&json))
            }
        }
    }
}
