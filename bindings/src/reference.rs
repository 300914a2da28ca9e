//! Reference data an app shows: the assessment template a worker answers
//! and the service directory a referral points to. Both are bundled with
//! the core and validated when loaded.

use ocrotire_core::model::{RiskLevel, ServiceType};
use ocrotire_core::reference::{Labels, ScoredItem, Service, ServiceDirectory, Template};

use crate::error::{guarded, Result};
use crate::time::IsoDate;

/// The assessment template, section by section, in the order to ask.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TemplateView {
    pub id: String,
    pub version: u32,
    pub legal_reference: String,
    /// e.g. `draft-for-pilot`: the weights are illustrative until adopted.
    pub status: String,
    pub valid_from: IsoDate,
    pub sections: Vec<TemplateSection>,
    /// Most points protective factors may take off.
    pub protective_cap: i32,
    pub bands: Vec<ScoreBand>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TemplateSection {
    pub kind: ItemKind,
    pub items: Vec<TemplateItem>,
}

/// Imminent danger (any yes means imminent), floor rules (a yes sets a
/// minimum level), risk factors (points) and protective factors (deducted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ItemKind {
    Imminent,
    Floor,
    Risk,
    Protective,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TemplateItem {
    pub id: String,
    pub labels: Labels,
    /// Points of a yes, for risk and protective factors.
    pub points: Option<i32>,
    /// The least level a yes sets, for floor rules.
    pub min_level: Option<RiskLevel>,
}

/// Scores from `from` to `to` (no upper end when absent) give `level`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScoreBand {
    pub level: RiskLevel,
    pub from: i32,
    pub to: Option<i32>,
}

#[uniffi::remote(Record)]
pub struct Service {
    pub id: String,
    pub name: Labels,
    pub service_type: ServiceType,
    pub district: Option<String>,
    pub contacts: String,
    pub hours: String,
}

/// The template new assessments use.
#[uniffi::export]
pub fn current_template() -> Result<TemplateView> {
    guarded(|| Ok(template_view(&Template::v1()?)))
}

/// Services a child in `district` can be referred to, of one type or all,
/// national services (112, 116 111) included.
#[uniffi::export]
pub fn services(district: String, service_type: Option<ServiceType>) -> Result<Vec<Service>> {
    guarded(|| {
        let directory = ServiceDirectory::bundled()?;
        Ok(directory
            .in_district(&district)
            .filter(|s| service_type.is_none_or(|t| s.service_type == t))
            .cloned()
            .collect())
    })
}

fn template_view(t: &Template) -> TemplateView {
    let item = |id: &str, labels: &Labels| TemplateItem {
        id: id.to_string(),
        labels: labels.clone(),
        points: None,
        min_level: None,
    };
    let section = |kind, items| TemplateSection { kind, items };
    let imminent = t.imminent().iter().map(|i| item(&i.id, &i.labels));
    let floors = t.floors().iter().map(|f| TemplateItem {
        min_level: Some(f.min_level),
        ..item(&f.id, &f.labels)
    });
    let scored = |items: &[ScoredItem]| {
        items
            .iter()
            .map(|i| TemplateItem {
                points: Some(i.points),
                ..item(&i.id, &i.labels)
            })
            .collect()
    };
    TemplateView {
        id: t.id().to_string(),
        version: t.version(),
        legal_reference: t.legal_reference().to_string(),
        status: t.status().to_string(),
        valid_from: t.valid_from(),
        sections: vec![
            section(ItemKind::Imminent, imminent.collect()),
            section(ItemKind::Floor, floors.collect()),
            section(ItemKind::Risk, scored(t.risk_factors())),
            section(ItemKind::Protective, scored(t.protective_factors())),
        ],
        protective_cap: t.protective_cap(),
        bands: t
            .bands()
            .iter()
            .map(|b| ScoreBand {
                level: b.level,
                from: b.from,
                to: b.to,
            })
            .collect(),
    }
}
