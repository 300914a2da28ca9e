//! The district's caseload for its officers: every case with what is
//! overdue on it, those needing action first. Nobody else sees case pages.

use axum::extract::{Query, State};
use chrono::Utc;
use maud::{html, Markup};
use ocrotire_core::deadlines::local_date;
use ocrotire_core::model::Role;
use serde::Deserialize;

use crate::http::AppState;
use crate::office::caseload::lines;
use crate::storage::Storage;
use crate::web::i18n::{self, T};
use crate::web::layout::{page, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

/// Lines shown at most; the rest are counted.
const MAX_LINES: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// `1`: only cases needing action.
    attention: Option<String>,
}

/// Only a district's own officers open case pages.
pub fn officer_only(viewer: &Viewer) -> Result<(), WebError> {
    match viewer.user.role {
        Role::DistrictOfficer => Ok(()),
        _ => Err(WebError::CasesForbidden),
    }
}

pub async fn show<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(filter): Query<Filter>,
) -> Result<Markup, WebError> {
    officer_only(&viewer)?;
    let cases = state
        .storage
        .district_cases(viewer.user.district.clone())
        .await?;
    let only_attention = filter.attention.as_deref() == Some("1");
    let mut lines = lines(&cases, &state.reference.rules, Utc::now());
    lines.retain(|l| !only_attention || l.needs_action());
    // Needing action first; newest first within each group (as stored).
    lines.sort_by_key(|l| !l.needs_action());
    let lang = viewer.lang;
    let yes_no = |b: bool| if b { T::Yes.get(lang) } else { "" };
    let body = html! {
        form.filters method="get" action="/caseload" {
            label { (T::OnlyNeedingAction.get(lang))
                input type="checkbox" name="attention" value="1" checked[only_attention];
            }
            button type="submit" { (T::Show.get(lang)) }
        }
        @if lines.is_empty() { p { (T::NoCases.get(lang)) } }
        @else {
            p.note { (lines.len()) " · " (T::OverdueReferrals.get(lang)) ": "
                (lines.iter().map(|l| l.overdue_referrals).sum::<usize>()) " · "
                (T::VisitOverdue.get(lang)) ": " (lines.iter().filter(|l| l.visit_overdue).count()) }
            table #caseload {
                tr {
                    th { (T::CaseNumber.get(lang)) } th { (T::Identified.get(lang)) } th { (T::Risk.get(lang)) }
                    th { (T::Status.get(lang)) } th { (T::AssignedTo.get(lang)) } th { (T::OpenConflicts.get(lang)) }
                    th { (T::OverdueReferrals.get(lang)) } th { (T::VisitOverdue.get(lang)) }
                }
                @for line in lines.iter().take(MAX_LINES) {
                    tr class=[line.needs_action().then_some("attention")] data-case=(line.case_id) {
                        td { (line.case_number) }
                        td { (local_date(line.identified_at)) }
                        td { (line.risk.map(|r| i18n::category(r.key(), lang)).unwrap_or_default()) }
                        td { (i18n::category(if line.status == ocrotire_core::model::CaseStatus::Open { "open" } else { "closed" }, lang)) }
                        td { (line.assigned_to.join(", ")) }
                        td.num {
                            @if line.open_conflicts > 0 {
                                a href={ "/conflicts/" (line.case_id) } { (line.open_conflicts) }
                            }
                        }
                        td.num data-overdue-referrals=(line.overdue_referrals) {
                            @if line.overdue_referrals > 0 { (line.overdue_referrals) }
                        }
                        td data-visit-overdue=(line.visit_overdue) { (yes_no(line.visit_overdue)) }
                    }
                }
            }
        }
    };
    Ok(page(Some(&viewer), lang, Section::Caseload, body))
}
