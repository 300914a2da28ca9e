//! Indicator exports: CSV for spreadsheets, JSON for programs, DHIS2
//! `dataValueSets` for the national statistics. Everything exported leaves
//! the district, so it is always the disclosure-controlled report, and
//! every export is written to the audit log (who, format, period,
//! districts) before it is handed out.

use std::str::FromStr;
use std::sync::Arc;

use ocrotire_core::indicators::disclosure::{Policy, Published};
use ocrotire_core::indicators::measures::{catalogue, Kind};
use ocrotire_core::indicators::Query;
use serde::{Deserialize, Serialize};

use super::dhis2::{Dhis2Error, Dhis2Mapping};
use super::report::{allowed_dimensions, report, Audience, Report, ReportError};
use crate::audit::{Action, AuditEntry};
use crate::reference::Reference;
use crate::storage::Storage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Dhis2,
}

impl FromStr for Format {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Format, ExportError> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "dhis2" => Ok(Format::Dhis2),
            _ => Err(ExportError::UnknownFormat),
        }
    }
}

impl Format {
    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Dhis2 => "dhis2",
        }
    }
}

/// A finished export: bytes with what a browser or a file needs to know.
#[derive(Debug, Clone)]
pub struct Export {
    pub content_type: &'static str,
    pub file_name: String,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Dhis2(#[from] Dhis2Error),
    #[error("unknown export format; one of csv, json, dhis2")]
    UnknownFormat,
    #[error("the export could not be written: {0}")]
    Write(String),
}

/// One CSV line: a cell of a table. Hidden values are empty with
/// `hidden` set, so a reader never mistakes them for zeros.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvRow {
    pub measure: String,
    /// The disaggregation (empty for the total).
    pub by: String,
    /// The category (empty for the total).
    pub category: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    /// Percentage, rate per 10,000 or median, when it may be shown.
    pub value: Option<f64>,
    pub hidden: bool,
}

/// Runs the disclosure-controlled report for `query`, audits the export
/// as `user_id` through `channel` (`cli` or `web`), and renders it.
pub async fn export<S: Storage>(
    storage: &S,
    reference: &Arc<Reference>,
    mapping: &Dhis2Mapping,
    query: Query,
    format: Format,
    policy: Policy,
    (user_id, channel): (&str, &str),
) -> Result<Export, ExportError> {
    let audience = Audience::Outside(policy);
    let dimensions = allowed_dimensions(&query, &audience);
    let report = report(storage, reference, query, dimensions, &audience).await?;
    let export = render(&report, format, mapping)?;
    let districts = report
        .query
        .districts
        .as_ref()
        .map_or("all".to_string(), |d| d.join(","));
    storage
        .append_audit(AuditEntry {
            at: crate::clock::now_ms(),
            user_id: user_id.to_string(),
            device_id: channel.to_string(),
            action: Action::Export,
            subject: format!(
                "format={} from={} to={} districts={districts} threshold={} bytes={}",
                format.key(),
                report.query.from,
                report.query.to,
                policy.threshold,
                export.body.len()
            ),
        })
        .await
        .map_err(ReportError::from)?;
    Ok(export)
}

pub fn render(
    report: &Report,
    format: Format,
    mapping: &Dhis2Mapping,
) -> Result<Export, ExportError> {
    let stem = format!("ocrotire-{}-{}", report.query.from, report.query.to);
    Ok(match format {
        Format::Csv => Export {
            content_type: "text/csv; charset=utf-8",
            file_name: format!("{stem}.csv"),
            body: csv_bytes(report)?,
        },
        Format::Json => Export {
            content_type: "application/json",
            file_name: format!("{stem}.json"),
            body: pretty(report)?,
        },
        Format::Dhis2 => Export {
            content_type: "application/json",
            file_name: format!("{stem}-dhis2.json"),
            body: pretty(&mapping.data_value_set(report)?)?,
        },
    })
}

/// The cells of every table, one per line.
pub fn csv_rows(report: &Report) -> Vec<CsvRow> {
    let kinds = catalogue();
    let mut rows = Vec::new();
    for table in &report.tables {
        let kind = kinds
            .iter()
            .find(|m| m.code == table.measure)
            .map(|m| m.kind);
        let by = table.by.map_or("", |b| b.key());
        let cells = table
            .rows
            .iter()
            .map(|(category, value)| (category.as_str(), value))
            .chain([("", &table.total)]);
        for (category, value) in cells {
            if table.by.is_some() && category.is_empty() {
                // The total of a disaggregated table repeats the plain total.
                continue;
            }
            rows.push(CsvRow {
                measure: table.measure.clone(),
                by: by.to_string(),
                category: category.to_string(),
                numerator: value.numerator,
                denominator: value.denominator,
                value: kind.and_then(|k| shown_value(k, value)),
                hidden: value.numerator.is_none(),
            });
        }
    }
    rows
}

/// The percentage, rate or median of a cell, if it may be shown.
pub fn shown_value(kind: Kind, value: &Published) -> Option<f64> {
    if !value.ratio_shown {
        return None;
    }
    let ratio = |scale: f64| {
        let (n, d) = (value.numerator?, value.denominator?);
        (d > 0).then(|| n as f64 * scale / d as f64)
    };
    match kind {
        Kind::Count => None,
        Kind::Percent => ratio(100.0),
        Kind::RatePer10k => ratio(10_000.0),
        Kind::Median => value.median,
    }
}

fn csv_bytes(report: &Report) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in csv_rows(report) {
        writer
            .serialize(row)
            .map_err(|e| ExportError::Write(e.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|e| ExportError::Write(e.to_string()))
}

fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>, ExportError> {
    serde_json::to_vec_pretty(value).map_err(|e| ExportError::Write(e.to_string()))
}
