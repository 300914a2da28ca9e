//! Exports over HTTP: a form, and the download. Always the
//! disclosure-controlled tables (an export leaves the district), always
//! audited as the signed-in person.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use ocrotire_core::indicators::disclosure::Policy;
use serde::Deserialize;

use super::filters::{self, Filters};
use crate::admin::WEB_DEVICE;
use crate::http::AppState;
use crate::office::export::{export, Format};
use crate::office::report::Audience;
use crate::storage::Storage;
use crate::web::i18n::T;
use crate::web::layout::{page, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

#[derive(Debug, Default, Deserialize)]
pub struct ExportForm {
    #[serde(flatten)]
    filters: Filters,
    format: Option<String>,
}

fn may_export(viewer: &Viewer) -> Result<(), WebError> {
    Audience::of(&viewer.user, Policy::default())
        .map(|_| ())
        .ok_or(WebError::Forbidden)
}

pub async fn form<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(form): Query<ExportForm>,
) -> Result<Markup, WebError> {
    may_export(&viewer)?;
    let query = form.filters.query(&viewer, &state.reference)?;
    let lang = viewer.lang;
    let formats = html! {
        label { (T::Format.get(lang))
            select name="format" {
                option value="csv" { "CSV" }
                option value="json" { "JSON" }
                option value="dhis2" { "DHIS2 dataValueSets" }
            }
        }
    };
    let body = html! {
        p.note { (T::ExportNote.get(lang)) }
        (filters::form("/export/download", &query, &viewer, &state.reference, formats))
    };
    Ok(page(Some(&viewer), lang, Section::Export, body))
}

pub async fn download<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(form): Query<ExportForm>,
) -> Result<Response, WebError> {
    may_export(&viewer)?;
    let query = form.filters.query(&viewer, &state.reference)?;
    let format: Format = form.format.as_deref().unwrap_or("csv").parse()?;
    let who = (viewer.user.user_id.as_str(), WEB_DEVICE);
    let file = export(
        &state.storage,
        &state.reference,
        &state.reference.dhis2,
        query,
        format,
        Policy::default(),
        who,
    )
    .await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.body,
    )
        .into_response())
}
