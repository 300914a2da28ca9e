//! Indicator tables for a person or an export: who may see what decides
//! the districts counted and whether small counts are hidden.
//!
//! A district officer sees exact counts of their own district only. Every
//! other view (national analysts, administrators, any export) is a table
//! that may leave a district, so it goes through core's disclosure control.

use std::sync::Arc;

use chrono::NaiveDate;
use ocrotire_core::indicators::disclosure::{self, DisclosureError, Policy, PublishedTable};
use ocrotire_core::indicators::{compute, Context, Dimension, Query};
use ocrotire_core::model::Role;
use serde::{Deserialize, Serialize};

use crate::reference::Reference;
use crate::storage::{Storage, StorageError, User};

/// The longest period one report covers: indicators over more than ten
/// years are a different question (and an unbounded one).
const MAX_PERIOD_DAYS: i64 = 3_660;

/// Whose eyes a report is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A district's own officers: exact counts, that district only.
    OwnDistrict(String),
    /// Anyone else, and everything exported: disclosure-controlled.
    Outside(Policy),
}

impl Audience {
    /// What `user` sees on the dashboard; `None` for field workers, who
    /// work on devices and see no indicators here.
    pub fn of(user: &User, policy: Policy) -> Option<Audience> {
        match user.role {
            Role::DistrictOfficer => Some(Audience::OwnDistrict(user.district.clone())),
            Role::NationalAnalyst | Role::Administrator => Some(Audience::Outside(policy)),
            Role::SocialAssistant | Role::CommunityMediator => None,
        }
    }
}

/// Tables for one query, as the audience may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub query: Query,
    /// True when nothing is hidden (a district's own officers).
    pub exact: bool,
    /// The rules applied when not exact.
    pub policy: Option<Policy>,
    pub tables: Vec<PublishedTable>,
}

impl Report {
    /// The table of `measure` by `by` (`None`: the total only).
    pub fn table(&self, measure: &str, by: Option<Dimension>) -> Option<&PublishedTable> {
        self.tables
            .iter()
            .find(|t| t.measure == measure && t.by == by)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    #[error("the period must start on or before its end and span at most ten years")]
    Period,
    #[error("unknown district code")]
    UnknownDistrict,
    #[error("the indicator worker stopped unexpectedly")]
    Worker,
}

/// A period and districts checked against the reference data.
pub fn checked_query(
    reference: &Reference,
    from: NaiveDate,
    to: NaiveDate,
    districts: Option<Vec<String>>,
) -> Result<Query, ReportError> {
    let days = (to - from).num_days();
    if !(0..=MAX_PERIOD_DAYS).contains(&days) {
        return Err(ReportError::Period);
    }
    if let Some(districts) = &districts {
        if districts.is_empty()
            || districts
                .iter()
                .any(|d| reference.units.district(d).is_none())
        {
            return Err(ReportError::UnknownDistrict);
        }
    }
    Ok(Query {
        from,
        to,
        districts,
    })
}

/// The disaggregations an audience may ask of `query`: all, but never the
/// crossings disclosure control refuses outside a district.
pub fn allowed_dimensions(query: &Query, audience: &Audience) -> Vec<Dimension> {
    Dimension::ALL
        .into_iter()
        .filter(|by| match audience {
            Audience::OwnDistrict(_) => true,
            Audience::Outside(_) => disclosure::check_query(query, Some(*by)).is_ok(),
        })
        .collect()
}

/// Every measure in total and by each of `dimensions`, for `audience`. A
/// district officer's query is narrowed to their own district.
pub async fn report<S: Storage>(
    storage: &S,
    reference: &Arc<Reference>,
    mut query: Query,
    dimensions: Vec<Dimension>,
    audience: &Audience,
) -> Result<Report, ReportError> {
    let policy = match audience {
        Audience::OwnDistrict(district) => {
            query.districts = Some(vec![district.clone()]);
            None
        }
        Audience::Outside(policy) => {
            for by in &dimensions {
                disclosure::check_query(&query, Some(*by))?;
            }
            Some(*policy)
        }
    };
    let facts = storage.case_facts(query.districts.clone()).await?;
    let reference = Arc::clone(reference);
    let computed_query = query.clone();
    // Adding up 100,000 cases takes a few hundred milliseconds on all
    // cores: off the async workers.
    let tables = tokio::task::spawn_blocking(move || {
        let context = Context {
            rules: &reference.rules,
            population: &reference.population,
        };
        compute(&facts, &computed_query, &context, &dimensions)
    })
    .await
    .map_err(|_| ReportError::Worker)?;
    let tables = match &policy {
        None => tables.iter().map(PublishedTable::exact).collect(),
        Some(policy) => tables
            .iter()
            .map(|t| disclosure::publish(t, policy))
            .collect::<Result<_, _>>()?,
    };
    Ok(Report {
        query,
        exact: policy.is_none(),
        policy,
        tables,
    })
}
