//! Disclosure control: small counts hidden, and no hidden count can be
//! worked out from what is published. The property test checks the
//! second with its own exact arithmetic (integer ranks), independent of
//! the floating-point elimination the library uses to decide.

use chrono::NaiveDate;
use ocrotire_core::indicators::disclosure::{
    check_query, protect, publish, DisclosureError, Equation, Policy,
};
use ocrotire_core::indicators::{Dimension, Query, Table, Value};
use proptest::prelude::*;

fn count(n: u64) -> Value {
    Value {
        numerator: n,
        denominator: None,
        median: None,
    }
}

fn table(by: Dimension, rows: &[(&str, u64)]) -> Table {
    Table {
        measure: "S01".into(),
        by: Some(by),
        rows: rows
            .iter()
            .map(|(c, n)| (c.to_string(), count(*n)))
            .collect(),
        total: count(rows.iter().map(|(_, n)| n).sum()),
    }
}

#[test]
fn a_small_count_hides_itself_and_the_next_smallest() {
    let published = publish(
        &table(
            Dimension::Sex,
            &[("female", 3), ("male", 10), ("unknown", 12)],
        ),
        &Policy::default(),
    )
    .expect("published");
    let shown: Vec<Option<u64>> = published.rows.iter().map(|(_, v)| v.numerator).collect();
    // 3 is below 5; with the total known, 10 must go too or 3 = 25 - 10 - 12.
    assert_eq!(shown, vec![None, None, Some(12)]);
    assert_eq!(published.total.numerator, Some(25));
}

#[test]
fn zeros_and_large_counts_stay_and_a_lone_small_row_hides_the_total() {
    let policy = Policy::default();
    let published = publish(
        &table(Dimension::Sex, &[("female", 0), ("male", 40)]),
        &policy,
    )
    .expect("published");
    assert_eq!(published.rows[0].1.numerator, Some(0));
    assert_eq!(published.rows[1].1.numerator, Some(40));
    // One category of 2 and nothing else: the total would say 2.
    let lone = publish(&table(Dimension::Year, &[("2026", 2)]), &policy).expect("published");
    assert_eq!(
        (lone.rows[0].1.numerator, lone.total.numerator),
        (None, None)
    );
}

/// A measure the dimension does not classify (cases by referral outcome)
/// has a total but no rows. Its rows do not add up to it, so no equation
/// ties them: the small total is simply hidden, and protection ends.
#[test]
fn a_total_without_rows_is_hidden_and_protection_ends() {
    let mut unclassified = table(Dimension::ReferralOutcome, &[]);
    unclassified.total = count(2);
    let published = publish(&unclassified, &Policy::default()).expect("published");
    assert!(published.rows.is_empty());
    assert_eq!(published.total.numerator, None);
    // Even an equation that pins a lone hidden cell cannot loop for ever.
    let pinned = Equation {
        parts: vec![],
        total: 0,
    };
    assert_eq!(protect(&[2], &[true], &[pinned], 5), vec![true]);
}

#[test]
fn forms_do_not_add_up_so_only_small_counts_are_hidden() {
    // A case with two forms counts under both: no "rows add up" equation.
    let published = publish(
        &table(Dimension::Form, &[("sextortion", 3), ("solicitation", 30)]),
        &Policy::default(),
    )
    .expect("published");
    let shown: Vec<Option<u64>> = published.rows.iter().map(|(_, v)| v.numerator).collect();
    assert_eq!(shown, vec![None, Some(30)]);
}

#[test]
fn ratios_and_medians_need_twenty() {
    let value = |numerator, denominator| Value {
        numerator,
        denominator: Some(denominator),
        median: Some(4.5),
    };
    let t = Table {
        measure: "S04".into(),
        by: Some(Dimension::Sex),
        rows: vec![
            ("female".into(), value(19, 40)),
            ("male".into(), value(25, 50)),
        ],
        total: value(44, 90),
    };
    let published = publish(&t, &Policy::default()).expect("published");
    assert!(!published.rows[0].1.ratio_shown && published.rows[0].1.median.is_none());
    assert!(published.rows[1].1.ratio_shown && published.rows[1].1.median == Some(4.5));
    assert_eq!(
        published.rows[0].1.numerator,
        Some(19),
        "the count itself is not small"
    );
}

#[test]
fn relationship_is_never_published_per_district() {
    let query = |districts| Query {
        from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
        districts,
    };
    assert_eq!(
        check_query(
            &query(Some(vec!["9200".into()])),
            Some(Dimension::Relationship)
        ),
        Err(DisclosureError::ForbiddenCrossing)
    );
    assert_eq!(
        check_query(&query(None), Some(Dimension::Relationship)),
        Ok(())
    );
    assert_eq!(
        check_query(&query(Some(vec!["9200".into()])), Some(Dimension::Sex)),
        Ok(())
    );
    assert!(publish(
        &table(Dimension::Sex, &[("female", 1)]),
        &Policy {
            threshold: 0,
            min_rate_numerator: 20
        }
    )
    .is_err());
}

/// A rows × columns table with row totals, column totals and the grand
/// total, as cells and the equations that tie them.
fn two_way(cells: &[Vec<u64>]) -> (Vec<u64>, Vec<bool>, Vec<Equation>) {
    let (rows, cols) = (cells.len(), cells[0].len());
    let at = |r: usize, c: usize| r * cols + c;
    let mut values: Vec<u64> = cells.iter().flatten().copied().collect();
    let mut is_total = vec![false; values.len()];
    let mut equations = Vec::new();
    let row_totals: Vec<usize> = (0..rows)
        .map(|r| {
            values.push(cells[r].iter().sum());
            is_total.push(true);
            equations.push(Equation {
                parts: (0..cols).map(|c| at(r, c)).collect(),
                total: values.len() - 1,
            });
            values.len() - 1
        })
        .collect();
    let col_totals: Vec<usize> = (0..cols)
        .map(|c| {
            values.push((0..rows).map(|r| cells[r][c]).sum());
            is_total.push(true);
            equations.push(Equation {
                parts: (0..rows).map(|r| at(r, c)).collect(),
                total: values.len() - 1,
            });
            values.len() - 1
        })
        .collect();
    values.push(cells.iter().flatten().sum());
    is_total.push(true);
    let grand = values.len() - 1;
    equations.push(Equation {
        parts: row_totals,
        total: grand,
    });
    equations.push(Equation {
        parts: col_totals,
        total: grand,
    });
    (values, is_total, equations)
}

/// Rank of an integer matrix by fraction-free elimination (exact).
fn rank(mut m: Vec<Vec<i128>>) -> usize {
    let cols = m.first().map_or(0, Vec::len);
    let mut rank = 0;
    for col in 0..cols {
        let Some(pivot) = (rank..m.len()).find(|r| m[*r][col] != 0) else {
            continue;
        };
        m.swap(rank, pivot);
        for r in 0..m.len() {
            if r != rank && m[r][col] != 0 {
                let (a, b) = (m[rank][col], m[r][col]);
                let source = m[rank].clone();
                for (x, s) in m[r].iter_mut().zip(&source) {
                    *x = *x * a - s * b;
                }
                let g = m[r].iter().fold(0i128, |g, x| gcd(g, x.abs()));
                if g > 1 {
                    m[r].iter_mut().for_each(|x| *x /= g);
                }
            }
        }
        rank += 1;
    }
    rank
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Whether `cell` is pinned down: its unit vector is in the row space of
/// the equations restricted to the hidden cells.
fn pinned(cell: usize, hidden: &[bool], equations: &[Equation]) -> bool {
    let unknowns: Vec<usize> = (0..hidden.len()).filter(|c| hidden[*c]).collect();
    let row = |e: &Equation| -> Vec<i128> {
        unknowns
            .iter()
            .map(|u| e.parts.iter().filter(|p| *p == u).count() as i128 - i128::from(e.total == *u))
            .collect()
    };
    let a: Vec<Vec<i128>> = equations.iter().map(row).collect();
    let mut with = a.clone();
    with.push(unknowns.iter().map(|u| i128::from(*u == cell)).collect());
    rank(a) == rank(with)
}

proptest! {
    #[test]
    fn no_hidden_cell_can_be_recomputed_from_what_is_published(
        cells in (1usize..5, 1usize..6).prop_flat_map(|(r, c)| {
            proptest::collection::vec(
                proptest::collection::vec(prop_oneof![3 => 0u64..5, 2 => 5u64..40, 1 => Just(0u64)], c),
                r,
            )
        }),
        threshold in 2u64..8,
    ) {
        let (values, is_total, equations) = two_way(&cells);
        let hidden = protect(&values, &is_total, &equations, threshold);
        for (cell, value) in values.iter().enumerate() {
            if *value > 0 && *value < threshold {
                prop_assert!(hidden[cell], "small count {value} at {cell} is shown");
            }
            if hidden[cell] {
                prop_assert!(!pinned(cell, &hidden, &equations), "hidden cell {cell} ({value}) is recoverable in {cells:?}");
            }
        }
    }
}

#[test]
fn the_checker_sees_what_primary_suppression_alone_would_leak() {
    let (values, _, equations) = two_way(&[vec![3, 10], vec![12, 20]]);
    let mut hidden = vec![false; values.len()];
    hidden[0] = true;
    assert!(pinned(0, &hidden, &equations), "3 = row total - 10");
    // A 2 x 2 block of hidden cells keeps them all unknown.
    for cell in [0, 1, 2, 3] {
        hidden[cell] = true;
    }
    assert!((0..4).all(|c| !pinned(c, &hidden, &equations)));
}
