//! Computing the indicator tables: place each case, referral and closure in
//! the period, share it out to the measures once, then add the shares up
//! for the total and for every category of every disaggregation asked for.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::dimensions::Dimension;
use super::facts::{CaseFacts, ReferralFacts};
use super::measures::{child_flags, Contribution, Kind, Measures, Share, Unit};
use crate::deadlines::{local_date, ResponseRules};
use crate::model::{ServiceType, Sex};
use crate::reference::Population;

/// Which cases count: those of `districts` (every district when `None`)
/// whose counted event falls between `from` and `to`, both included, in
/// Moldovan local dates. Cases count by the day the concern was
/// identified, referrals by the day they were sent, closures (S13) by the
/// day of closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub districts: Option<Vec<String>>,
}

pub struct Context<'a> {
    pub rules: &'a ResponseRules,
    pub population: &'a Population,
}

/// A count, a fraction, a rate (numerator per `denominator` children) or a
/// median over `numerator` observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    pub numerator: u64,
    pub denominator: Option<u64>,
    pub median: Option<f64>,
}

/// One measure, in total and (when `by` is set) by category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub measure: String,
    pub by: Option<Dimension>,
    pub rows: Vec<(String, Value)>,
    pub total: Value,
}

/// Something counted, with the day that places it in the period.
struct Item<'a> {
    case: &'a CaseFacts,
    referral: Option<&'a ReferralFacts>,
    on: NaiveDate,
    contribution: Contribution,
    /// The child and its flags, for case items only.
    child: Option<(u32, u32)>,
}

/// The running sums of one group (the total or one category).
struct Sums {
    fractions: Vec<(u64, u64)>,
    observations: Vec<Vec<f64>>,
    children: HashMap<u32, u32>,
}

impl Sums {
    fn new(measures: usize) -> Sums {
        Sums {
            fractions: vec![(0, 0); measures],
            observations: vec![Vec::new(); measures],
            children: HashMap::new(),
        }
    }

    fn add(&mut self, item: &Item<'_>) {
        for (at, share) in &item.contribution.shares {
            match share {
                Share::Fraction { numerator } => {
                    let sum = &mut self.fractions[*at];
                    sum.0 += u64::from(*numerator);
                    sum.1 += 1;
                }
                Share::Observation(x) => self.observations[*at].push(*x),
            }
        }
        if let Some((child, flags)) = item.child {
            *self.children.entry(child).or_default() |= flags;
        }
    }

    fn children_with(&self, flag: u32) -> u64 {
        self.children.values().filter(|f| *f & flag != 0).count() as u64
    }
}

/// Every measure for the total and by each of `dimensions`.
pub fn compute(
    facts: &[CaseFacts],
    query: &Query,
    context: &Context<'_>,
    dimensions: &[Dimension],
) -> Vec<Table> {
    let measures = Measures::new();
    let items = items(facts, query, context.rules, &measures);
    let mut sums = Sums::new(measures.all.len());
    for item in &items {
        sums.add(item);
    }
    let total = finish_all(&sums, &measures, None, "", query, context);
    let mut tables = Vec::new();
    for (measure, value) in measures.all.iter().zip(&total) {
        tables.push(Table {
            measure: measure.code.clone(),
            by: None,
            rows: Vec::new(),
            total: value.clone(),
        });
    }
    for dimension in dimensions {
        let groups = sum(&items, &measures, |item| {
            dimension.categories(item.case, item.referral, item.on)
        });
        let rows: Vec<(String, Vec<Value>)> = groups
            .iter()
            .map(|(category, sums)| {
                let values =
                    finish_all(sums, &measures, Some(*dimension), category, query, context);
                (category.clone(), values)
            })
            .collect();
        for (i, measure) in measures.all.iter().enumerate() {
            tables.push(Table {
                measure: measure.code.clone(),
                by: Some(*dimension),
                rows: rows
                    .iter()
                    .map(|(c, values)| (c.clone(), values[i].clone()))
                    .collect(),
                total: total[i].clone(),
            });
        }
    }
    tables
}

fn items<'a>(
    facts: &'a [CaseFacts],
    query: &Query,
    rules: &ResponseRules,
    measures: &Measures,
) -> Vec<Item<'a>> {
    let mut children: HashMap<&str, u32> = HashMap::new();
    let mut identified: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for case in facts {
        let next = children.len() as u32;
        children.entry(case.child.as_str()).or_insert(next);
        identified
            .entry(case.child.as_str())
            .or_default()
            .push(case.identified_at);
    }
    let in_period = |on: NaiveDate| on >= query.from && on <= query.to;
    let mut items = Vec::new();
    for case in facts {
        if let Some(districts) = &query.districts {
            if !districts.contains(&case.district) {
                continue;
            }
        }
        let on = local_date(case.identified_at);
        if in_period(on) {
            let child = children.get(case.child.as_str()).copied().unwrap_or(0);
            items.push(Item {
                case,
                referral: None,
                on,
                contribution: measures.of_case(case, rules),
                child: Some((child, measures.child_flags(case))),
            });
        }
        for referral in &case.referrals {
            let Some(sent) = referral.sent_at else {
                continue;
            };
            let on = local_date(sent);
            if in_period(on) {
                items.push(Item {
                    case,
                    referral: Some(referral),
                    on,
                    contribution: measures.of_referral(referral, sent),
                    child: None,
                });
            }
        }
        if let Some((closed_at, _)) = case.closed {
            let on = local_date(closed_at);
            if in_period(on) {
                let later = identified
                    .get(case.child.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                items.push(Item {
                    case,
                    referral: None,
                    on,
                    contribution: measures.of_closure(closed_at, later),
                    child: None,
                });
            }
        }
    }
    items
}

fn sum(
    items: &[Item<'_>],
    measures: &Measures,
    categories: impl Fn(&Item<'_>) -> Vec<String>,
) -> BTreeMap<String, Sums> {
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    for item in items {
        for category in categories(item) {
            groups
                .entry(category)
                .or_insert_with(|| Sums::new(measures.all.len()))
                .add(item);
        }
    }
    groups
}

fn finish_all(
    sums: &Sums,
    measures: &Measures,
    by: Option<Dimension>,
    category: &str,
    query: &Query,
    context: &Context<'_>,
) -> Vec<Value> {
    measures
        .all
        .iter()
        .enumerate()
        .map(|(i, measure)| {
            let (numerator, denominator) = sums.fractions[i];
            match (measure.unit, measure.kind) {
                (Unit::Children, _) => {
                    children_value(&measure.code, sums, by, category, query, context)
                }
                (_, Kind::Count) => Value {
                    numerator,
                    denominator: None,
                    median: None,
                },
                (_, Kind::Median) => median(&sums.observations[i]),
                _ => Value {
                    numerator,
                    denominator: Some(denominator),
                    median: None,
                },
            }
        })
        .collect()
}

fn children_value(
    code: &str,
    sums: &Sums,
    by: Option<Dimension>,
    category: &str,
    query: &Query,
    context: &Context<'_>,
) -> Value {
    let notified = sums.children_with(child_flags::NOTIFIED);
    let fraction = |numerator, denominator| Value {
        numerator,
        denominator: Some(denominator),
        median: None,
    };
    match code {
        "S02" => Value {
            numerator: notified,
            denominator: None,
            median: None,
        },
        "S02.rate" => Value {
            numerator: notified,
            denominator: population(by, category, query, context),
            median: None,
        },
        "S03" => fraction(
            sums.children_with(child_flags::CONFIRMED),
            sums.children_with(child_flags::ASSESSED),
        ),
        _ => {
            let service = code.strip_prefix("S08.").unwrap_or_default();
            let bit = ServiceType::ALL
                .iter()
                .position(|s| s.key() == service)
                .map(|i| 1u32 << (child_flags::REFERRED_FIRST as usize + i))
                .unwrap_or(0);
            fraction(sums.children_with(bit), notified)
        }
    }
}

/// The child population behind a rate: known for the total and by
/// district, sex and age band; other groupings have no denominator.
fn population(
    by: Option<Dimension>,
    category: &str,
    query: &Query,
    context: &Context<'_>,
) -> Option<u64> {
    let districts = query.districts.as_deref();
    let people = context.population;
    match by {
        None => people.children(districts, None, None),
        Some(Dimension::District) => people.children(Some(&[category.to_string()]), None, None),
        Some(Dimension::Sex) => {
            let sex = Sex::ALL.iter().find(|s| s.key() == category)?;
            people.children(districts, Some(*sex), None)
        }
        Some(Dimension::AgeBand) => {
            let band = ["0-4", "5-9", "10-14", "15-17"]
                .into_iter()
                .find(|b| *b == category)?;
            people.children(districts, None, Some(band))
        }
        Some(_) => None,
    }
}

fn median(observations: &[f64]) -> Value {
    let mut sorted = observations.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    };
    Value {
        numerator: n as u64,
        denominator: None,
        median,
    }
}
