//! The reference data the server works with, bundled in `ocrotire-core`,
//! loaded and validated once at start rather than on every request.

use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::reference::{AdminUnits, Population, ReferenceError};

#[derive(Debug)]
pub struct Reference {
    /// Districts and localities: names, and rural/urban for the facts.
    pub units: AdminUnits,
    /// Response times: overdue referrals and visits.
    pub rules: ResponseRules,
    /// Children by district, sex and age band: rates per 10,000.
    pub population: Population,
}

impl Reference {
    pub fn bundled() -> Result<Reference, ReferenceError> {
        let units = AdminUnits::bundled()?;
        let population = Population::bundled()?;
        population.check_districts(&units)?;
        Ok(Reference {
            units,
            rules: ResponseRules::default_rules()?,
            population,
        })
    }
}
