//! Reference data: the assessment template, the service directory,
//! administrative units and response times. All of it ships as JSON in
//! `core/data/` and is validated on load by the same code that checks an
//! administrator's import, so bundled and imported data obey one set of rules.

pub mod error;
pub mod labels;
pub mod population;
pub mod response_rules;
pub mod services;
pub mod template;
pub mod units;

pub use error::ReferenceError;
pub use labels::Labels;
pub use population::Population;
pub use response_rules::{PerLevel, ResponseRules, Term};
pub use services::{Service, ServiceDirectory};
pub use template::{Band, FloorRule, Item, ItemKind, ScoredItem, Template};
pub use units::{AdminUnits, District, DistrictKind, Locality, Region, Settlement};
