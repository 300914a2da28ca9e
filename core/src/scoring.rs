//! The risk level of an assessment, from its answers and the template.
//!
//! Pure and deterministic: the same template, answers and override give the
//! same result on every device, so a completed assessment can be recomputed
//! and checked anywhere, and drafts can show a live level while the worker
//! answers (unanswered items count as "no").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{Approval, Override, RiskLevel, Role};
use crate::reference::Template;

/// Unknown item ids are quoted cut to this length: a template id is at most
/// 64 characters, so anything longer is not an id and must not be echoed.
const MAX_QUOTED_ID: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScoringError {
    /// Carries only the offending id, never free text from the case.
    #[error("answer for unknown item {0:?}")]
    UnknownItem(String),
    #[error("an override of the level needs a reason")]
    EmptyOverrideReason,
    #[error("lowering the computed level needs a district officer's approval")]
    LoweringNeedsApproval,
}

/// Everything an assessment stores about how its level came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    /// Every risk factor's points (0 when answered no) and every protective
    /// factor's deduction as a negative number, before the cap.
    pub item_points: BTreeMap<String, i32>,
    pub risk_points: i32,
    /// What was actually deducted, after the cap.
    pub protective_points: i32,
    pub score: i32,
    /// Band, then floor rules, then imminent danger.
    pub computed_level: RiskLevel,
    /// The computed level after any accepted override.
    pub final_level: RiskLevel,
    /// One English sentence naming what drove the level.
    pub explanation: String,
}

/// How an override changed the level, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OverrideEffect {
    Raised,
    Kept,
    Lowered,
}

/// Scores `answers` against `template` and applies an override.
///
/// A worker may raise the level with a reason; lowering it also needs an
/// approval by a district officer. An override that was a raise when made
/// becomes a lowering if later answers push the computed level above it,
/// and then needs approval too: the check is against today's computation.
pub fn score(
    template: &Template,
    answers: &BTreeMap<String, bool>,
    override_level: Option<&Override>,
    approval: Option<&Approval>,
) -> Result<Scoring, ScoringError> {
    if let Some(unknown) = answers.keys().find(|id| template.kind_of(id).is_none()) {
        return Err(ScoringError::UnknownItem(
            unknown.chars().take(MAX_QUOTED_ID).collect(),
        ));
    }
    let yes = |id: &str| answers.get(id).copied().unwrap_or(false);

    let mut item_points = BTreeMap::new();
    let mut risk_points = 0i32;
    let mut drivers = Vec::new();
    for item in template.risk_factors() {
        let points = if yes(&item.id) { item.points } else { 0 };
        item_points.insert(item.id.clone(), points);
        risk_points = risk_points.saturating_add(points);
        if points > 0 {
            drivers.push(format!("{} (+{points})", phrase(&item.labels.en)));
        }
    }
    let mut protective_raw = 0i32;
    let mut protectors = Vec::new();
    for item in template.protective_factors() {
        let points = if yes(&item.id) { item.points } else { 0 };
        item_points.insert(item.id.clone(), -points);
        protective_raw = protective_raw.saturating_add(points);
        if points > 0 {
            protectors.push(format!("{} (−{points})", phrase(&item.labels.en)));
        }
    }
    let protective_points = protective_raw.min(template.protective_cap());
    let score = risk_points.saturating_sub(protective_points);

    let band = template.band_level(score);
    let floors: Vec<_> = template.floors().iter().filter(|f| yes(&f.id)).collect();
    let floored = floors.iter().fold(band, |level, f| level.max(f.min_level));
    let imminent: Vec<_> = template.imminent().iter().filter(|i| yes(&i.id)).collect();
    let computed_level = if imminent.is_empty() {
        floored
    } else {
        RiskLevel::Imminent
    };

    let (final_level, effect) = apply_override(computed_level, override_level, approval)?;

    let mut explanation = format!(
        "{}: score {score} (risk {risk_points} − protective {protective_points}",
        upper(final_level)
    );
    if protective_raw > protective_points {
        explanation.push_str(&format!(", capped from {protective_raw}"));
    }
    explanation.push_str("): ");
    if drivers.is_empty() {
        explanation.push_str("no risk factors");
    } else {
        explanation.push_str(&drivers.join(", "));
    }
    if !protectors.is_empty() {
        explanation.push_str(&format!("; protective: {}", protectors.join(", ")));
    }
    if !floors.is_empty() {
        let names: Vec<_> = floors.iter().map(|f| phrase(&f.labels.en)).collect();
        let label = if names.len() == 1 {
            "floor rule"
        } else {
            "floor rules"
        };
        explanation.push_str(&format!("; {label}: {}", names.join(", ")));
    }
    if !imminent.is_empty() {
        let names: Vec<_> = imminent.iter().map(|i| phrase(&i.labels.en)).collect();
        explanation.push_str(&format!("; imminent danger: {}", names.join(", ")));
    }
    match effect {
        None => {}
        Some(OverrideEffect::Raised) => explanation.push_str(&format!(
            "; override raised the level from {} (reason recorded)",
            upper(computed_level)
        )),
        Some(OverrideEffect::Kept) => {
            explanation.push_str("; override confirmed the computed level (reason recorded)")
        }
        Some(OverrideEffect::Lowered) => explanation.push_str(&format!(
            "; override lowered the level from {}, approved by a district officer",
            upper(computed_level)
        )),
    }
    explanation.push('.');

    Ok(Scoring {
        item_points,
        risk_points,
        protective_points,
        score,
        computed_level,
        final_level,
        explanation,
    })
}

fn apply_override(
    computed: RiskLevel,
    override_level: Option<&Override>,
    approval: Option<&Approval>,
) -> Result<(RiskLevel, Option<OverrideEffect>), ScoringError> {
    let Some(change) = override_level else {
        return Ok((computed, None));
    };
    if change.reason.trim().is_empty() {
        return Err(ScoringError::EmptyOverrideReason);
    }
    let effect = match change.level.cmp(&computed) {
        std::cmp::Ordering::Greater => OverrideEffect::Raised,
        std::cmp::Ordering::Equal => OverrideEffect::Kept,
        std::cmp::Ordering::Less => {
            let approved = approval.is_some_and(|a| a.by.role == Role::DistrictOfficer);
            if !approved {
                return Err(ScoringError::LoweringNeedsApproval);
            }
            OverrideEffect::Lowered
        }
    };
    Ok((change.level, Some(effect)))
}

fn upper(level: RiskLevel) -> String {
    level.key().to_uppercase()
}

/// A label as a phrase inside a sentence: first letter in lower case.
fn phrase(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
