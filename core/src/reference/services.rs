//! The service directory: where a child can be referred. It is data
//! because services open, close and change hours far more often than the
//! app is released.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::{check_size, quote, ReferenceError};
use super::labels::{validate_id, Labels, MAX_LABEL_CHARS};
use super::units::AdminUnits;
use crate::model::ServiceType;

/// Largest directory file accepted.
pub const MAX_SERVICES_BYTES: usize = 1024 * 1024;
/// Most services a directory may hold.
pub const MAX_SERVICES: usize = 5_000;

const BUNDLED: &str = include_str!("../../data/services.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: Labels,
    pub service_type: ServiceType,
    /// CUATM code of the district served; `None` for a national service
    /// reachable from everywhere (112, 116 111).
    pub district: Option<String>,
    pub contacts: String,
    pub hours: String,
}

impl Service {
    /// Whether a child in `district` can be referred here.
    pub fn serves(&self, district: &str) -> bool {
        self.district.as_deref().is_none_or(|d| d == district)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDirectory {
    note: String,
    services: Vec<Service>,
}

impl ServiceDirectory {
    /// The directory bundled with the app, validated like any import.
    pub fn bundled() -> Result<ServiceDirectory, ReferenceError> {
        ServiceDirectory::from_json(BUNDLED)
    }

    pub fn from_json(json: &str) -> Result<ServiceDirectory, ReferenceError> {
        check_size(json, MAX_SERVICES_BYTES)?;
        let directory: ServiceDirectory = serde_json::from_str(json)?;
        directory.validate()?;
        Ok(directory)
    }

    fn validate(&self) -> Result<(), ReferenceError> {
        if self.services.len() > MAX_SERVICES {
            return Err(ReferenceError::TooManyItems {
                count: self.services.len(),
                limit: MAX_SERVICES,
            });
        }
        let mut seen = BTreeSet::new();
        for service in &self.services {
            validate_id(&service.id)?;
            service.name.validate(&service.id)?;
            for text in [&service.contacts, &service.hours] {
                if text.chars().count() > MAX_LABEL_CHARS {
                    return Err(ReferenceError::BadLabel {
                        id: quote(&service.id),
                        limit: MAX_LABEL_CHARS,
                    });
                }
            }
            if !seen.insert(service.id.as_str()) {
                return Err(ReferenceError::DuplicateId(quote(&service.id)));
            }
        }
        Ok(())
    }

    /// Checks that every district-bound service names a known district, so
    /// that a service is never invisible because of a mistyped code.
    pub fn check_districts(&self, units: &AdminUnits) -> Result<(), ReferenceError> {
        for code in self.services.iter().filter_map(|s| s.district.as_deref()) {
            if units.district(code).is_none() {
                return Err(ReferenceError::UnknownReference {
                    what: "district",
                    code: quote(code),
                });
            }
        }
        Ok(())
    }

    pub fn note(&self) -> &str {
        &self.note
    }

    pub fn all(&self) -> &[Service] {
        &self.services
    }

    pub fn get(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn by_type(&self, service_type: ServiceType) -> impl Iterator<Item = &Service> {
        self.services
            .iter()
            .filter(move |s| s.service_type == service_type)
    }

    /// Services bound to `district` only (not the national ones).
    pub fn in_district<'a>(&'a self, district: &'a str) -> impl Iterator<Item = &'a Service> {
        self.services
            .iter()
            .filter(move |s| s.district.as_deref() == Some(district))
    }

    /// What a worker in `district` can refer to for `service_type`: the
    /// district's own services first, then the national ones.
    pub fn available(&self, service_type: ServiceType, district: &str) -> Vec<&Service> {
        let mut found: Vec<&Service> = self
            .by_type(service_type)
            .filter(|s| s.serves(district))
            .collect();
        found.sort_by_key(|s| s.district.is_none());
        found
    }
}
