//! The indicator overview: headline numbers, every measure's total, and
//! cases by form, sex, age band, settlement and month, each chart with the
//! table of its numbers (what the chart shows, readable and checkable).
//! District officers see their district exactly; everyone else sees the
//! disclosure-controlled tables, with hidden cells marked as such.

use axum::extract::{Query as QueryString, State};
use maud::{html, Markup};
use ocrotire_core::indicators::disclosure::{Policy, Published, PublishedTable};
use ocrotire_core::indicators::measures::{catalogue, Kind};
use ocrotire_core::indicators::Dimension;

use super::filters::{self, Filters};
use crate::http::AppState;
use crate::office::export::shown_value;
use crate::office::report::{allowed_dimensions, report, Audience, Report};
use crate::storage::Storage;
use crate::web::charts;
use crate::web::i18n::{self, Lang, T};
use crate::web::layout::{page, svg, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

/// The headline cards, in order.
const HEADLINES: [&str; 8] = [
    "S01",
    "S02",
    "S02.rate",
    "S04",
    "S05",
    "S09.accepted",
    "S10",
    "S16",
];

/// The charts of cases (S01), each with its title.
const CHARTS: [(Dimension, T); 5] = [
    (Dimension::Form, T::CasesByForm),
    (Dimension::Sex, T::CasesBySex),
    (Dimension::AgeBand, T::CasesByAgeBand),
    (Dimension::Settlement, T::CasesBySettlement),
    (Dimension::Month, T::CasesByMonth),
];

pub async fn show<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    QueryString(filters): QueryString<Filters>,
) -> Result<Markup, WebError> {
    let audience = Audience::of(&viewer.user, Policy::default()).ok_or(WebError::Forbidden)?;
    let query = filters.query(&viewer, &state.reference)?;
    let allowed = allowed_dimensions(&query, &audience);
    let mut dimensions: Vec<Dimension> = CHARTS.iter().map(|(d, _)| *d).collect();
    if query.districts.is_none() {
        dimensions.push(Dimension::District);
    }
    dimensions.retain(|d| allowed.contains(d));
    let form = filters::form("/", &query, &viewer, &state.reference, html! {});
    let report = report(
        &state.storage,
        &state.reference,
        query,
        dimensions,
        &audience,
    )
    .await?;
    let lang = viewer.lang;
    let body = html! {
        (form)
        p.note { (if report.exact { T::ExactCounts.get(lang) } else { T::ControlledCounts.get(lang) }) }
        div.cards {
            @for code in HEADLINES {
                @if let Some(table) = report.table(code, None) {
                    div.card {
                        div { (i18n::measure(code, lang)) }
                        div.big { (headline(code, &table.total)) }
                    }
                }
            }
        }
        div.charts {
            @for (by, title) in CHARTS {
                (chart_with_table(&report, by, title.get(lang), lang))
            }
            @if report.query.districts.is_none() {
                (chart_with_table(&report, Dimension::District, i18n::dimension(Dimension::District, lang), lang))
            }
        }
        h2 { (T::Indicator.get(lang)) }
        (totals(&report, lang))
    };
    Ok(page(Some(&viewer), lang, Section::Overview, body))
}

/// A headline: a count, or a ratio where it has one and may show it.
fn headline(code: &str, value: &Published) -> Markup {
    let kind = catalogue()
        .into_iter()
        .find(|m| m.code == code)
        .map(|m| m.kind);
    match kind.and_then(|k| shown_value(k, value).map(|v| (k, v))) {
        Some((kind, v)) => html! { (format_value(kind, v)) },
        None => count(value.numerator),
    }
}

fn format_value(kind: Kind, value: f64) -> String {
    match kind {
        Kind::Percent => format!("{value:.1} %"),
        Kind::RatePer10k | Kind::Median => format!("{value:.1}"),
        Kind::Count => format!("{value:.0}"),
    }
}

fn count(n: Option<u64>) -> Markup {
    match n {
        Some(n) => html! { (n) },
        None => html! { "—" },
    }
}

/// A cell the tests and people can find: which measure, by what, which
/// category; the count, or "hidden".
fn cell(table: &PublishedTable, category: &str, value: &Published, lang: Lang) -> Markup {
    let by = table.by.map_or("", |b| b.key());
    html! {
        @match value.numerator {
            Some(n) => td.num data-measure=(table.measure) data-by=(by) data-category=(category) { (n) },
            None => td.num.hidden data-measure=(table.measure) data-by=(by) data-category=(category) data-hidden="true" { (T::Hidden.get(lang)) },
        }
    }
}

fn chart_with_table(report: &Report, by: Dimension, title: &str, lang: Lang) -> Markup {
    let Some(table) = report.table("S01", Some(by)) else {
        return html! {};
    };
    let label = |category: &str| match by {
        Dimension::District | Dimension::Month => category.to_string(),
        _ => i18n::category(category, lang),
    };
    let bars: Vec<(String, f32)> = table
        .rows
        .iter()
        .filter_map(|(c, v)| v.numerator.map(|n| (label(c), n as f32)))
        .collect();
    let series = i18n::measure("S01", lang);
    let chart = match by {
        Dimension::Month => charts::over_time(title, &series, &bars),
        _ => charts::categories(title, &series, &bars),
    };
    html! {
        section {
            (svg(chart))
            table {
                tr { th { (i18n::dimension(by, lang)) } th { (T::Count.get(lang)) } }
                @for (category, value) in &table.rows {
                    tr { td { (label(category)) } (cell(table, category, value, lang)) }
                }
            }
        }
    }
}

fn totals(report: &Report, lang: Lang) -> Markup {
    let kinds = catalogue();
    html! {
        table.totals {
            tr {
                th { "" } th { (T::Indicator.get(lang)) } th { (T::Count.get(lang)) }
                th { (T::Denominator.get(lang)) } th { (T::Value.get(lang)) }
            }
            @for table in report.tables.iter().filter(|t| t.by.is_none()) {
                @let kind = kinds.iter().find(|m| m.code == table.measure).map(|m| m.kind);
                tr {
                    td { (table.measure) }
                    td { (i18n::measure(&table.measure, lang)) }
                    (cell(table, "", &table.total, lang))
                    td.num { (count(table.total.denominator)) }
                    td.num {
                        @if let Some(v) = kind.and_then(|k| shown_value(k, &table.total).map(|v| format_value(k, v))) { (v) }
                    }
                }
            }
        }
    }
}
