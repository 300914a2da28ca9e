//! Disclosure control for everything that leaves a district: national
//! tables, exports, the national analyst's views. A district's own officers
//! see exact counts; everyone else sees tables in which
//! - a non-zero count below the threshold (default 5) is hidden (primary);
//! - enough other cells are hidden that no hidden cell can be worked out
//!   from the published cells and totals by adding and subtracting
//!   (secondary);
//! - a rate, percentage or median is shown only over at least 20;
//! - perpetrator relationship is never crossed with a district.
//!
//! A table is a set of cells (counts) tied by equations "these cells add
//! up to that one". A hidden cell can be recovered exactly when it has the
//! same value in every solution of the equations given the published
//! cells, which linear algebra decides; cells are hidden until none can.

use serde::{Deserialize, Serialize};

use super::dimensions::Dimension;
use super::engine::{Query, Table, Value};

/// What may leave a district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Non-zero counts below this are hidden.
    pub threshold: u64,
    /// Rates, percentages and medians need at least this many in the numerator.
    pub min_rate_numerator: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            threshold: 5,
            min_rate_numerator: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    #[error("perpetrator relationship is never published per district")]
    ForbiddenCrossing,
    #[error("the suppression threshold must be at least 1")]
    BadPolicy,
}

/// Refuses the tables that must never leave a district whatever the
/// counts: perpetrator relationship within one or some districts (in a
/// small place it points at a family).
pub fn check_query(query: &Query, by: Option<Dimension>) -> Result<(), DisclosureError> {
    match (by, &query.districts) {
        (Some(Dimension::Relationship), Some(_)) => Err(DisclosureError::ForbiddenCrossing),
        _ => Ok(()),
    }
}

/// "The cells `parts` add up to the cell `total`" (indices into a table's cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub parts: Vec<usize>,
    pub total: usize,
}

/// Which cells to hide: primary suppression of small non-zero counts,
/// then secondary suppression until no hidden cell is recoverable.
/// Interior cells (not totals) are preferred for secondary suppression,
/// smallest non-zero first, so the totals people look for stay visible.
pub fn protect(
    values: &[u64],
    is_total: &[bool],
    equations: &[Equation],
    threshold: u64,
) -> Vec<bool> {
    let mut hidden: Vec<bool> = values.iter().map(|v| *v > 0 && *v < threshold).collect();
    while let Some(exposed) = recoverable(&hidden, equations).iter().position(|r| *r) {
        let partners = equations
            .iter()
            .filter(|e| e.total == exposed || e.parts.contains(&exposed))
            .flat_map(|e| e.parts.iter().copied().chain([e.total]))
            .filter(|c| !hidden[*c]);
        // Interior before totals, non-zero before zero, small before large.
        let choice = partners.min_by_key(|c| (is_total[*c], values[*c] == 0, values[*c], *c));
        match choice {
            Some(cell) => hidden[cell] = true,
            // Every partner is hidden yet the cell is determined (an
            // equation that pins it alone): nothing more can be hidden to
            // help, so hide everything and stop.
            None => {
                hidden.iter_mut().for_each(|h| *h = true);
                break;
            }
        }
    }
    hidden
}

/// For each hidden cell, whether the equations and the published cells
/// pin down its value. Gaussian elimination over the hidden cells: a cell
/// is determined when its column has a pivot whose row involves no free
/// (undetermined) column.
pub fn recoverable(hidden: &[bool], equations: &[Equation]) -> Vec<bool> {
    const EPS: f64 = 1e-9;
    let unknowns: Vec<usize> = (0..hidden.len()).filter(|c| hidden[*c]).collect();
    let column = |cell: usize| unknowns.iter().position(|u| *u == cell);
    let mut rows: Vec<Vec<f64>> = equations
        .iter()
        .map(|e| {
            let mut row = vec![0.0; unknowns.len()];
            for part in &e.parts {
                if let Some(c) = column(*part) {
                    row[c] += 1.0;
                }
            }
            if let Some(c) = column(e.total) {
                row[c] -= 1.0;
            }
            row
        })
        .collect();
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    for col in 0..unknowns.len() {
        let Some(found) = (next..rows.len()).find(|r| rows[*r][col].abs() > EPS) else {
            continue;
        };
        rows.swap(next, found);
        let pivot = rows[next][col];
        rows[next].iter_mut().for_each(|x| *x /= pivot);
        for r in 0..rows.len() {
            let factor = rows[r][col];
            if r != next && factor.abs() > EPS {
                let (source, target) = if r < next {
                    let (head, tail) = rows.split_at_mut(next);
                    (&tail[0], &mut head[r])
                } else {
                    let (head, tail) = rows.split_at_mut(r);
                    (&head[next], &mut tail[0])
                };
                target
                    .iter_mut()
                    .zip(source)
                    .for_each(|(t, s)| *t -= factor * s);
            }
        }
        pivots.push((next, col));
        next += 1;
    }
    let pivot_columns: Vec<usize> = pivots.iter().map(|(_, c)| *c).collect();
    let mut out = vec![false; hidden.len()];
    for (row, col) in pivots {
        let free_involved = (0..unknowns.len())
            .filter(|c| !pivot_columns.contains(c))
            .any(|c| rows[row][c].abs() > EPS);
        out[unknowns[col]] = !free_involved;
    }
    out
}

/// A value as it may be published; `None` where hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// Whether the numerator is large enough for its rate, percentage or
    /// median to be shown.
    pub ratio_shown: bool,
    pub median: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedTable {
    pub measure: String,
    pub by: Option<Dimension>,
    pub rows: Vec<(String, Published)>,
    pub total: Published,
}

/// The table as it may leave the district. Numerators and denominators
/// are protected separately, each with the equation "the rows add up to
/// the total" when the dimension is additive.
pub fn publish(table: &Table, policy: &Policy) -> Result<PublishedTable, DisclosureError> {
    if policy.threshold == 0 {
        return Err(DisclosureError::BadPolicy);
    }
    let values: Vec<&Value> = table
        .rows
        .iter()
        .map(|(_, v)| v)
        .chain([&table.total])
        .collect();
    let additive = table.by.is_some_and(Dimension::is_additive);
    let numerators = shield(
        values.iter().map(|v| Some(v.numerator)).collect(),
        additive,
        policy,
    );
    let denominators = shield(
        values.iter().map(|v| v.denominator).collect(),
        additive,
        policy,
    );
    let mut published: Vec<Published> = values
        .iter()
        .enumerate()
        .map(|(i, value)| Published {
            numerator: numerators[i],
            denominator: denominators[i],
            ratio_shown: numerators[i].is_some_and(|n| n >= policy.min_rate_numerator),
            median: value
                .median
                .filter(|_| value.numerator >= policy.min_rate_numerator),
        })
        .collect();
    let total = published.pop().unwrap_or_else(hidden_value);
    let rows = table
        .rows
        .iter()
        .map(|(category, _)| category.clone())
        .zip(published)
        .collect();
    Ok(PublishedTable {
        measure: table.measure.clone(),
        by: table.by,
        rows,
        total,
    })
}

impl PublishedTable {
    /// The table with nothing hidden: for a district's own officers, who
    /// see exact counts of their district.
    pub fn exact(table: &Table) -> PublishedTable {
        let shown = |value: &Value| Published {
            numerator: Some(value.numerator),
            denominator: value.denominator,
            ratio_shown: true,
            median: value.median,
        };
        PublishedTable {
            measure: table.measure.clone(),
            by: table.by,
            rows: table
                .rows
                .iter()
                .map(|(category, value)| (category.clone(), shown(value)))
                .collect(),
            total: shown(&table.total),
        }
    }
}

fn hidden_value() -> Published {
    Published {
        numerator: None,
        denominator: None,
        ratio_shown: false,
        median: None,
    }
}

/// Protects one column of counts whose last entry is the total.
fn shield(counts: Vec<Option<u64>>, additive: bool, policy: &Policy) -> Vec<Option<u64>> {
    if counts.iter().all(Option::is_none) {
        return counts;
    }
    let values: Vec<u64> = counts.iter().map(|c| c.unwrap_or(0)).collect();
    let total = values.len() - 1;
    let is_total: Vec<bool> = (0..values.len()).map(|i| i == total).collect();
    // Rows add up to the total only when the dimension classifies every
    // counted item (a case-counting measure by referral outcome has no
    // rows at all): an equation that does not hold would "recover" values.
    let adds_up = values[..total].iter().sum::<u64>() == values[total];
    let equations = if additive && adds_up {
        vec![Equation {
            parts: (0..total).collect(),
            total,
        }]
    } else {
        Vec::new()
    };
    let hidden = protect(&values, &is_total, &equations, policy.threshold);
    counts
        .into_iter()
        .zip(hidden)
        .map(|(count, hide)| if hide { None } else { count })
        .collect()
}
