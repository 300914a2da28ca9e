//! Conflicts to review: the district's cases with concurrent edits that
//! need a person's decision, each conflict with its values and who wrote
//! them, and a form to choose one with a reason. The choice becomes a CRDT
//! change every device receives (`office::conflicts`).

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::caseload::officer_only;
use crate::http::AppState;
use crate::office::conflicts::{open_conflicts, parse_field_key, resolve, Choice, ConflictError};
use crate::storage::Storage;
use crate::web::i18n::T;
use crate::web::layout::{page, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

pub async fn list<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
) -> Result<Markup, WebError> {
    officer_only(&viewer)?;
    let mut cases = state
        .storage
        .district_cases(viewer.user.district.clone())
        .await?;
    cases.retain(|c| c.projection.open_conflicts > 0);
    let lang = viewer.lang;
    let body = html! {
        @if cases.is_empty() { p { (T::NoCases.get(lang)) } }
        @else {
            table #conflicts {
                tr { th { (T::CaseNumber.get(lang)) } th { (T::OpenConflicts.get(lang)) } th { (T::AssignedTo.get(lang)) } }
                @for case in &cases {
                    tr data-case=(case.projection.case_id) {
                        td { a href={ "/conflicts/" (case.projection.case_id) } { (case.case_number) } }
                        td.num { (case.projection.open_conflicts) }
                        td { (case.projection.assigned_to.join(", ")) }
                    }
                }
            }
        }
    };
    Ok(page(Some(&viewer), lang, Section::Conflicts, body))
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    resolved: Option<String>,
}

pub async fn case<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(case_id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Markup, WebError> {
    officer_only(&viewer)?;
    let case = open_conflicts(&state.storage, &viewer.user, &case_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let lang = viewer.lang;
    let body = html! {
        h2 { (case.case_number) }
        @if shown.resolved.is_some() { p.note role="status" { (T::Resolved.get(lang)) } }
        @if case.conflicts.is_empty() { p { (T::NoCases.get(lang)) } }
        @for conflict in &case.conflicts {
            form.conflict method="post" action={ "/conflicts/" (case.case_id) } data-field=(conflict.field_key) {
                input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                input type="hidden" name="field" value=(conflict.field_key);
                h3 { (T::Field.get(lang)) ": " (conflict.label) }
                table {
                    tr { th { (T::Choose.get(lang)) } th { (T::Values.get(lang)) } th { (T::WrittenBy.get(lang)) } th { (T::Time.get(lang)) } }
                    @for (i, value) in conflict.values.iter().enumerate() {
                        tr {
                            td { input type="radio" name="chosen" value=(value.chosen) required checked[i == 0] disabled[!value.choosable]; }
                            td.value { (value.display) }
                            td { @if let Some(author) = &value.author { (author.user_id) " · " (author.role.key()) } }
                            td { @if let Some(at) = value.written_at { (at.format("%Y-%m-%d %H:%M")) } }
                        }
                    }
                }
                label { (T::Reason.get(lang)) input name="reason" required maxlength="2000"; }
                button type="submit" { (T::Resolve.get(lang)) }
            }
        }
    };
    Ok(page(Some(&viewer), lang, Section::Conflicts, body))
}

#[derive(Deserialize)]
pub struct Decision {
    csrf: String,
    field: String,
    chosen: String,
    reason: String,
}

pub async fn decide<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Path(case_id): Path<String>,
    Form(form): Form<Decision>,
) -> Result<Response, WebError> {
    officer_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let choice = Choice {
        case_id: case_id.clone(),
        field: parse_field_key(&form.field)?,
        chosen: form.chosen,
        reason: form.reason,
    };
    resolve(
        &state.storage,
        &state.reference,
        &viewer.user,
        choice,
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/conflicts/{case_id}?resolved=1")).into_response())
}

impl From<ConflictError> for WebError {
    fn from(error: ConflictError) -> WebError {
        match error {
            ConflictError::NotPermitted => WebError::Forbidden,
            ConflictError::UnknownCase => WebError::NotFound,
            ConflictError::Storage(e) => WebError::Storage(e),
            other => WebError::Conflict(other),
        }
    }
}
