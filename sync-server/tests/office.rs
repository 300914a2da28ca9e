//! The district office's indicators and exports over a real SQLite file:
//! facts stored through the push path, reports for each audience, CSV that
//! reads back to the same cells, DHIS2 values that match the report, and
//! an audit row for every export.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use ocrotire_core::bench_fixtures::synthetic_facts;
use ocrotire_core::deadlines::local_date;
use ocrotire_core::indicators::disclosure::{DisclosureError, Policy};
use ocrotire_core::indicators::{CaseFacts, Dimension, Query};
use ocrotire_core::model::CaseStatus;
use ocrotire_core::sync::projection::CaseProjection;
use ocrotire_server::office::dhis2::{DataValueSet, Dhis2Mapping};
use ocrotire_server::office::export::{csv_rows, export, CsvRow, Format};
use ocrotire_server::office::report::{
    allowed_dimensions, checked_query, report, Audience, Report, ReportError,
};
use ocrotire_server::reference::Reference;
use ocrotire_server::storage::sqlite::SqliteStorage;
use ocrotire_server::storage::{Decision, FreshChange, Storage};

const CASES: usize = 400;

struct Office {
    _dir: tempfile::TempDir,
    storage: SqliteStorage,
    reference: Arc<Reference>,
    mapping: Dhis2Mapping,
    facts: Vec<CaseFacts>,
}

/// A server database holding `CASES` synthetic cases, stored the way a
/// push stores them.
async fn office() -> Office {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = SqliteStorage::open(&dir.path().join("server.sqlite3")).expect("open");
    let facts = synthetic_facts(CASES, 0x5EED);
    for (i, case) in facts.iter().enumerate() {
        let case = case.clone();
        storage
            .apply_push(
                case.case_id.clone(),
                "dev".into(),
                move |_: Option<&[u8]>| {
                    Ok(Decision {
                        doc: vec![1],
                        projection: projection(&case),
                        case_number: format!("MD-{i}"),
                        facts: case,
                        fresh: vec![FreshChange {
                            hash: [(i % 251) as u8; 32],
                            bytes: vec![1],
                        }],
                    })
                },
            )
            .await
            .expect("push");
    }
    let reference = Arc::new(Reference::bundled().expect("reference"));
    let mapping = Dhis2Mapping::bundled(&reference.units).expect("mapping");
    Office {
        _dir: dir,
        storage,
        reference,
        mapping,
        facts,
    }
}

fn projection(facts: &CaseFacts) -> CaseProjection {
    CaseProjection {
        case_id: facts.case_id.clone(),
        district: facts.district.clone(),
        created_by: "sa".into(),
        assigned_to: vec![],
        status: CaseStatus::Open,
        risk: None,
        identified_at: facts.identified_at,
        registered: false,
        assessed: false,
        referred: false,
        sex: facts.sex,
        locality: String::new(),
        open_conflicts: 0,
    }
}

/// The report everything that leaves a district is made of.
async fn controlled(o: &Office, query: &Query, policy: Policy) -> Report {
    let audience = Audience::Outside(policy);
    let dimensions = allowed_dimensions(query, &audience);
    report(
        &o.storage,
        &o.reference,
        query.clone(),
        dimensions,
        &audience,
    )
    .await
    .unwrap()
}

fn year_2026() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    )
}

#[tokio::test]
async fn a_district_officer_sees_exact_counts_of_their_district_only() {
    let o = office().await;
    let (from, to) = year_2026();
    // Asking for every district still counts only the officer's own.
    let query = checked_query(&o.reference, from, to, None).unwrap();
    let audience = Audience::OwnDistrict("9200".into());
    let r = report(
        &o.storage,
        &o.reference,
        query,
        vec![Dimension::Sex],
        &audience,
    )
    .await
    .unwrap();
    assert!(r.exact);
    assert_eq!(r.query.districts, Some(vec!["9200".to_string()]));
    let in_2026 = |f: &&CaseFacts| (from..=to).contains(&local_date(f.identified_at));
    let ours: Vec<&CaseFacts> = o
        .facts
        .iter()
        .filter(|f| f.district == "9200")
        .filter(in_2026)
        .collect();
    let s01 = r.table("S01", None).unwrap();
    assert_eq!(s01.total.numerator, Some(ours.len() as u64));
    let by_sex = r.table("S01", Some(Dimension::Sex)).unwrap();
    for (sex, value) in &by_sex.rows {
        let expected = ours.iter().filter(|f| f.sex.key() == sex).count() as u64;
        assert_eq!(value.numerator, Some(expected), "{sex}");
    }
    let children: BTreeSet<&str> = ours.iter().map(|f| f.child.as_str()).collect();
    assert_eq!(
        r.table("S02", None).unwrap().total.numerator,
        Some(children.len() as u64)
    );
}

#[tokio::test]
async fn outside_a_district_small_counts_are_hidden_and_crossings_refused() {
    let o = office().await;
    let (from, to) = year_2026();
    let audience = Audience::Outside(Policy::default());
    let query = checked_query(&o.reference, from, to, None).unwrap();
    let dimensions = allowed_dimensions(&query, &audience);
    assert_eq!(dimensions.len(), Dimension::ALL.len());
    let r = report(&o.storage, &o.reference, query, dimensions, &audience)
        .await
        .unwrap();
    assert!(!r.exact);
    let cells: Vec<Option<u64>> = r
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().map(|(_, v)| v.numerator))
        .collect();
    assert!(
        cells.iter().any(Option::is_none),
        "400 cases leave small cells"
    );
    assert!(cells.iter().flatten().all(|n| *n == 0 || *n >= 5));

    let one = checked_query(&o.reference, from, to, Some(vec!["0100".into()])).unwrap();
    assert!(!allowed_dimensions(&one, &audience).contains(&Dimension::Relationship));
    let refused = report(
        &o.storage,
        &o.reference,
        one,
        vec![Dimension::Relationship],
        &audience,
    )
    .await;
    assert!(matches!(
        refused,
        Err(ReportError::Disclosure(DisclosureError::ForbiddenCrossing))
    ));
    assert!(matches!(
        checked_query(&o.reference, to, from, None),
        Err(ReportError::Period)
    ));
    assert!(matches!(
        checked_query(&o.reference, from, to, Some(vec!["9999".into()])),
        Err(ReportError::UnknownDistrict)
    ));
}

#[tokio::test]
async fn csv_reads_back_to_the_published_cells_and_every_export_is_audited() {
    let o = office().await;
    let (from, to) = year_2026();
    let policy = Policy::default();
    let query = checked_query(&o.reference, from, to, None).unwrap();
    let expected = controlled(&o, &query, policy).await;
    let csv = export(
        &o.storage,
        &o.reference,
        &o.mapping,
        query,
        Format::Csv,
        policy,
        ("analyst", "web"),
    )
    .await
    .unwrap();
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let read: Vec<CsvRow> = csv::Reader::from_reader(csv.body.as_slice())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read, csv_rows(&expected));
    assert!(read.iter().any(|r| r.hidden && r.numerator.is_none()));
    assert!(read
        .iter()
        .any(|r| r.measure == "S04" && r.by.is_empty() && r.value.is_some()));

    let audit = o.storage.audit_rows(None, 1).await.unwrap();
    assert_eq!(audit[0].action, "export");
    assert_eq!(audit[0].user_id, "analyst");
    assert!(
        audit[0]
            .subject
            .starts_with("format=csv from=2026-01-01 to=2026-12-31 districts=all"),
        "{}",
        audit[0].subject
    );
}

#[tokio::test]
async fn dhis2_values_are_the_reports_numbers_under_the_mapped_codes() {
    let o = office().await;
    let from = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let policy = Policy::default();
    let query = checked_query(&o.reference, from, to, None).unwrap();
    let expected = controlled(&o, &query, policy).await;
    let body = export(
        &o.storage,
        &o.reference,
        &o.mapping,
        query,
        Format::Dhis2,
        policy,
        ("analyst", "cli"),
    )
    .await
    .unwrap()
    .body;
    let set: DataValueSet = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (set.period.as_str(), set.org_unit.as_str()),
        ("2026Q2", "MD")
    );
    assert_eq!(set.id_scheme, "code");
    let value_of = |element: &str, combo: &str, unit: &str| -> Option<u64> {
        set.data_values
            .iter()
            .find(|v| {
                v.data_element == element && v.category_option_combo == combo && v.org_unit == unit
            })
            .map(|v| v.value.parse().unwrap())
    };
    let s01 = expected.table("S01", None).unwrap();
    assert_eq!(value_of("OCR_S01", "default", "MD"), s01.total.numerator);
    let s04 = expected.table("S04", None).unwrap();
    assert_eq!(
        value_of("OCR_S04_D", "default", "MD"),
        s04.total.denominator
    );
    // Every published cell of a mapped table is there, and no hidden one.
    for (sex, value) in &expected.table("S01", Some(Dimension::Sex)).unwrap().rows {
        let combo = &o.mapping.category_option_combos[&format!("sex.{sex}")];
        assert_eq!(value_of("OCR_S01_BY_SEX", combo, "MD"), value.numerator);
    }
    for (district, value) in &expected
        .table("S02", Some(Dimension::District))
        .unwrap()
        .rows
    {
        let unit = &o.mapping.org_units[district];
        assert_eq!(
            value_of("OCR_S02_BY_DISTRICT", "default", unit),
            value.numerator
        );
    }
    let codes: BTreeSet<&str> = o
        .mapping
        .data_elements
        .iter()
        .flat_map(|e| [Some(e.numerator.as_str()), e.denominator.as_deref()])
        .flatten()
        .collect();
    assert!(set
        .data_values
        .iter()
        .all(|v| codes.contains(v.data_element.as_str()) && v.period == "2026Q2"));
    // The quarter's cases only, counted here without the engine.
    let in_quarter = o
        .facts
        .iter()
        .filter(|f| (from..=to).contains(&local_date(f.identified_at)))
        .count() as u64;
    assert!(in_quarter >= 5 && in_quarter < CASES as u64);
    assert_eq!(value_of("OCR_S01", "default", "MD"), Some(in_quarter));
}
