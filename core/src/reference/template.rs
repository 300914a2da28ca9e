//! The risk-assessment template: which questions are asked and what each
//! answer weighs. It is data (versioned, signed by the district, synced to
//! devices) because the weights are illustrative and will change after the
//! pilot; the scoring code must not care what they are.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::{check_size, quote, ReferenceError};
use super::labels::{validate_id, Labels};
use crate::model::RiskLevel;

/// Largest template file accepted: a template arrives over sync and from
/// administrators, so its cost must stay bounded.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;
/// Most items a template may hold, across all sections.
pub const MAX_TEMPLATE_ITEMS: usize = 200;

const BUNDLED_V1: &str = include_str!("../../data/template_v1.json");

/// A yes/no question with no points: imminent-danger items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub labels: Labels,
}

/// A yes/no question that, when answered yes, sets a minimum level whatever
/// the score says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloorRule {
    pub id: String,
    pub labels: Labels,
    pub min_level: RiskLevel,
}

/// A yes/no question worth `points` when answered yes. Protective factors
/// also carry positive points: they are deducted, up to the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoredItem {
    pub id: String,
    pub labels: Labels,
    pub points: i32,
}

/// Scores `from..=to` give `level`; the last band has no upper end, and
/// scores below the first band's `from` fall into the first band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub level: RiskLevel,
    pub from: i32,
    pub to: Option<i32>,
}

/// Which section an item id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Imminent,
    Floor,
    Risk,
    Protective,
}

/// A validated template. Fields are private so that what `from_json`
/// checked stays true for as long as the value lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    id: String,
    version: u32,
    legal_reference: String,
    status: String,
    valid_from: NaiveDate,
    imminent: Vec<Item>,
    floors: Vec<FloorRule>,
    risk_factors: Vec<ScoredItem>,
    protective_factors: Vec<ScoredItem>,
    protective_cap: i32,
    bands: Vec<Band>,
}

impl Template {
    /// The bundled template v1. It is checked by the same rules as any
    /// imported template, so a bad edit to the data file is an error here
    /// rather than a silently wrong score.
    pub fn v1() -> Result<Template, ReferenceError> {
        Template::from_json(BUNDLED_V1)
    }

    /// Parses and validates a template, refusing oversized input before
    /// parsing it.
    pub fn from_json(json: &str) -> Result<Template, ReferenceError> {
        check_size(json, MAX_TEMPLATE_BYTES)?;
        let template: Template = serde_json::from_str(json)?;
        template.validate()?;
        Ok(template)
    }

    fn validate(&self) -> Result<(), ReferenceError> {
        // Template ids are kebab-case ("md-sesac-sdm") to tell them apart
        // from item ids; otherwise they follow the same rules.
        validate_id(&self.id.replace('-', "_"))?;
        if self.version == 0 {
            return Err(ReferenceError::Invalid(
                "template version must be at least 1",
            ));
        }
        let count = self.imminent.len()
            + self.floors.len()
            + self.risk_factors.len()
            + self.protective_factors.len();
        if count > MAX_TEMPLATE_ITEMS {
            return Err(ReferenceError::TooManyItems {
                count,
                limit: MAX_TEMPLATE_ITEMS,
            });
        }
        let mut seen = BTreeSet::new();
        for (id, labels) in self.items() {
            validate_id(id)?;
            labels.validate(id)?;
            if !seen.insert(id) {
                return Err(ReferenceError::DuplicateId(quote(id)));
            }
        }
        for item in self.risk_factors.iter().chain(&self.protective_factors) {
            if item.points < 0 {
                return Err(ReferenceError::NegativePoints(quote(&item.id)));
            }
        }
        if self.protective_cap < 0 {
            return Err(ReferenceError::NegativeCap(self.protective_cap));
        }
        validate_bands(&self.bands)
    }

    fn items(&self) -> impl Iterator<Item = (&str, &Labels)> {
        let imminent = self.imminent.iter().map(|i| (i.id.as_str(), &i.labels));
        let floors = self.floors.iter().map(|i| (i.id.as_str(), &i.labels));
        let scored = self
            .risk_factors
            .iter()
            .chain(&self.protective_factors)
            .map(|i| (i.id.as_str(), &i.labels));
        imminent.chain(floors).chain(scored)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn legal_reference(&self) -> &str {
        &self.legal_reference
    }

    pub fn status(&self) -> &str {
        &self.status
    }

    pub fn valid_from(&self) -> NaiveDate {
        self.valid_from
    }

    pub fn imminent(&self) -> &[Item] {
        &self.imminent
    }

    pub fn floors(&self) -> &[FloorRule] {
        &self.floors
    }

    pub fn risk_factors(&self) -> &[ScoredItem] {
        &self.risk_factors
    }

    pub fn protective_factors(&self) -> &[ScoredItem] {
        &self.protective_factors
    }

    pub fn protective_cap(&self) -> i32 {
        self.protective_cap
    }

    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// Which section `id` is in, or `None` if the template has no such item.
    pub fn kind_of(&self, id: &str) -> Option<ItemKind> {
        if self.imminent.iter().any(|i| i.id == id) {
            Some(ItemKind::Imminent)
        } else if self.floors.iter().any(|i| i.id == id) {
            Some(ItemKind::Floor)
        } else if self.risk_factors.iter().any(|i| i.id == id) {
            Some(ItemKind::Risk)
        } else if self.protective_factors.iter().any(|i| i.id == id) {
            Some(ItemKind::Protective)
        } else {
            None
        }
    }

    /// The labels of any item, for showing a question or an explanation.
    pub fn labels(&self, id: &str) -> Option<&Labels> {
        self.items().find(|(i, _)| *i == id).map(|(_, l)| l)
    }

    /// The band level for a score; below the first band counts as the first
    /// band (a score can go negative when protective factors outweigh risk).
    pub fn band_level(&self, score: i32) -> RiskLevel {
        self.bands
            .iter()
            .rev()
            .find(|b| score >= b.from)
            .or_else(|| self.bands.first())
            .map_or(RiskLevel::Low, |b| b.level)
    }
}

/// Bands must tile the score line with no gap or overlap and rise in level,
/// so that every score has exactly one level and more points never lower it.
fn validate_bands(bands: &[Band]) -> Result<(), ReferenceError> {
    let Some(last) = bands.last() else {
        return Err(ReferenceError::Bands("at least one band is needed"));
    };
    if last.to.is_some() {
        return Err(ReferenceError::Bands(
            "the last band must have no upper end",
        ));
    }
    for pair in bands.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let Some(to) = a.to else {
            return Err(ReferenceError::Bands(
                "only the last band may be open-ended",
            ));
        };
        if to < a.from {
            return Err(ReferenceError::Bands("a band ends before it starts"));
        }
        if to.checked_add(1) != Some(b.from) {
            return Err(ReferenceError::Bands(
                "bands must follow each other without gaps",
            ));
        }
        if b.level <= a.level {
            return Err(ReferenceError::Bands(
                "band levels must rise with the score",
            ));
        }
    }
    Ok(())
}
