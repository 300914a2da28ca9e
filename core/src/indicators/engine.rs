//! Computing the indicator tables: place each case, referral and closure in
//! the period, share it out to the measures once, then add the shares up
//! for the total and for every category of every disaggregation asked for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::dimensions::Dimension;
use super::facts::{CaseFacts, REFERRAL_STATUSES};
use super::grouping::{sum_by, Children, Fast, Sums};
use super::measures::{child_flags, Contribution, Kind, Measures, Unit};
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
pub(super) struct Item<'a> {
    pub case: &'a CaseFacts,
    pub on: NaiveDate,
    pub contribution: Contribution,
    /// The child and its flags, for case items only.
    pub child: Option<(u32, u32)>,
    /// The case's district, numbered (see [`Items::districts`]).
    pub district: u32,
    /// The referral's outcome, numbered in `REFERRAL_STATUSES`.
    pub outcome: Option<u32>,
}

/// The items of a query, and the district codes their numbers stand for.
pub(super) struct Items<'a> {
    pub items: Vec<Item<'a>>,
    pub districts: Vec<String>,
}

/// Every measure for the total and by each of `dimensions`. Groupings run
/// on as many threads as the machine offers; each is independent.
pub fn compute(
    facts: &[CaseFacts],
    query: &Query,
    context: &Context<'_>,
    dimensions: &[Dimension],
) -> Vec<Table> {
    let measures = Measures::new();
    let Items { items, districts } = items(facts, query, context.rules, &measures);
    let children = Children::of(&items);
    let groupings: Vec<Option<Dimension>> = [None]
        .into_iter()
        .chain(dimensions.iter().copied().map(Some))
        .collect();
    let sums: Vec<Vec<(String, Sums)>> = in_parallel(&groupings, |chunk| {
        chunk
            .iter()
            .map(|by| sum_by(&items, &children, measures.all.len(), *by, &districts))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut sums = sums.into_iter();
    let total = sums
        .next()
        .and_then(|mut groups| groups.pop())
        .map(|(_, s)| finish_all(&s, &measures, None, "", query, context))
        .unwrap_or_else(|| {
            vec![
                Value {
                    numerator: 0,
                    denominator: None,
                    median: None
                };
                measures.all.len()
            ]
        });
    let mut tables: Vec<Table> = measures
        .all
        .iter()
        .zip(&total)
        .map(|(measure, value)| Table {
            measure: measure.code.clone(),
            by: None,
            rows: Vec::new(),
            total: value.clone(),
        })
        .collect();
    for (dimension, groups) in dimensions.iter().zip(sums) {
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
) -> Items<'a> {
    // Numbers first, in one pass: children by pseudonym, districts by
    // code, and every identification of each child, sorted, for S13's
    // "notified again within 12 months".
    let mut children: HashMap<&str, u32, Fast> =
        HashMap::with_capacity_and_hasher(facts.len(), Fast::default());
    let mut districts: Vec<String> = Vec::new();
    let mut identified: Vec<(u32, DateTime<Utc>)> = Vec::with_capacity(facts.len());
    let mut numbered: Vec<(&CaseFacts, u32, u32)> = Vec::with_capacity(facts.len());
    for case in facts {
        if let Some(wanted) = &query.districts {
            if !wanted.contains(&case.district) {
                continue;
            }
        }
        let next = children.len() as u32;
        let child = *children.entry(case.child.as_str()).or_insert(next);
        let district = match districts.iter().position(|d| *d == case.district) {
            Some(at) => at,
            None => {
                districts.push(case.district.clone());
                districts.len() - 1
            }
        };
        numbered.push((case, child, district as u32));
    }
    // Re-notification may happen in another district: all cases count.
    for case in facts {
        let next = children.len() as u32;
        let child = *children.entry(case.child.as_str()).or_insert(next);
        identified.push((child, case.identified_at));
    }
    identified.sort_unstable();
    let share_out = |chunk: &[(&'a CaseFacts, u32, u32)]| {
        let mut items = Vec::with_capacity(chunk.len() * 2);
        for (case, child, district) in chunk {
            case_items(
                case,
                *child,
                *district,
                query,
                rules,
                measures,
                &identified,
                &mut items,
            );
        }
        items
    };
    let items = in_parallel(&numbered, share_out)
        .into_iter()
        .flatten()
        .collect();
    Items { items, districts }
}

/// The items of one case: itself, its sent referrals and its closure,
/// each when its day falls in the period.
#[allow(clippy::too_many_arguments)]
fn case_items<'a>(
    case: &'a CaseFacts,
    child: u32,
    district: u32,
    query: &Query,
    rules: &ResponseRules,
    measures: &Measures,
    identified: &[(u32, DateTime<Utc>)],
    items: &mut Vec<Item<'a>>,
) {
    let in_period = |on: NaiveDate| on >= query.from && on <= query.to;
    let item = |on, contribution, child, outcome| Item {
        case,
        on,
        contribution,
        child,
        district,
        outcome,
    };
    let on = local_date(case.identified_at);
    if in_period(on) {
        let flags = measures.child_flags(case);
        items.push(item(
            on,
            measures.of_case(case, rules),
            Some((child, flags)),
            None,
        ));
    }
    for referral in &case.referrals {
        let Some(sent) = referral.sent_at else {
            continue;
        };
        let on = local_date(sent);
        if in_period(on) {
            let outcome = REFERRAL_STATUSES
                .iter()
                .position(|s| *s == referral.status)
                .map(|at| at as u32);
            items.push(item(
                on,
                measures.of_referral(referral, sent),
                None,
                outcome,
            ));
        }
    }
    if let Some((closed_at, _)) = case.closed {
        let on = local_date(closed_at);
        if in_period(on) {
            let first = identified.partition_point(|(c, _)| *c < child);
            let end = identified.partition_point(|(c, _)| *c <= child);
            let times = identified[first..end].iter().map(|(_, at)| *at);
            items.push(item(on, measures.of_closure(closed_at, times), None, None));
        }
    }
}

/// Runs `work` split in one chunk per core, each on its own thread, and
/// returns the chunks' results in order. A panic in a chunk is a bug and
/// is passed on rather than turned into a missing part of the answer.
fn in_parallel<T: Sync, R: Send>(work: &[T], run: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = work.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let run = &run;
        let running: Vec<_> = work
            .chunks(chunk)
            .map(|part| scope.spawn(move || run(part)))
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
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
            let (numerator, denominator) = (sums.hits[i], sums.counted[i]);
            match (measure.unit, measure.kind) {
                (Unit::Children, _) => {
                    children_value(&measure.code, &sums.children, by, category, query, context)
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
    children: &[u64; 32],
    by: Option<Dimension>,
    category: &str,
    query: &Query,
    context: &Context<'_>,
) -> Value {
    let with = |flag: u32| children[flag.trailing_zeros() as usize];
    let notified = with(child_flags::NOTIFIED);
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
        "S03" => fraction(with(child_flags::CONFIRMED), with(child_flags::ASSESSED)),
        _ => {
            let service = code.strip_prefix("S08.").unwrap_or_default();
            let referred = ServiceType::ALL
                .iter()
                .position(|s| s.key() == service)
                .map_or(0, |i| children[child_flags::REFERRED_FIRST as usize + i]);
            fraction(referred, notified)
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
