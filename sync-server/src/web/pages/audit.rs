//! The audit log, newest first, a page at a time. Administrators read all
//! of it; a district officer the rows of their district's people.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use chrono::DateTime;
use maud::{html, Markup};
use ocrotire_core::model::Role;
use serde::Deserialize;

use crate::http::AppState;
use crate::storage::Storage;
use crate::web::i18n::T;
use crate::web::layout::{page, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

const PAGE_ROWS: u32 = 100;
/// Rows read at most to fill one page of a district's rows.
const MAX_SCAN: u32 = 5_000;

#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    before: Option<u64>,
}

pub async fn show<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Query(paging): Query<Paging>,
) -> Result<Markup, WebError> {
    let district_people: Option<BTreeSet<String>> = match viewer.user.role {
        Role::Administrator => None,
        Role::DistrictOfficer => Some(
            state
                .storage
                .users(Some(viewer.user.district.clone()))
                .await?
                .into_iter()
                .map(|u| u.user_id)
                .collect(),
        ),
        _ => return Err(WebError::Forbidden),
    };
    let limit = if district_people.is_some() {
        MAX_SCAN
    } else {
        PAGE_ROWS
    };
    let rows: Vec<_> = state
        .storage
        .audit_rows(paging.before, limit)
        .await?
        .into_iter()
        .filter(|r| {
            district_people
                .as_ref()
                .is_none_or(|p| p.contains(&r.user_id))
        })
        .take(PAGE_ROWS as usize)
        .collect();
    let lang = viewer.lang;
    let body = html! {
        table #audit {
            tr { th { "#" } th { (T::Time.get(lang)) } th { (T::User.get(lang)) } th { (T::Device.get(lang)) } th { (T::Action.get(lang)) } th { (T::Subject.get(lang)) } }
            @for row in &rows {
                tr {
                    td.num { (row.seq) }
                    td { (DateTime::from_timestamp_millis(row.at).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()) }
                    td { (row.user_id) }
                    td { (row.device_id) }
                    td.action { (row.action) }
                    td { (row.subject) }
                }
            }
        }
        @if let Some(last) = rows.last().filter(|_| rows.len() == PAGE_ROWS as usize) {
            a href={ "/audit?before=" (last.seq) } { (T::Older.get(lang)) " →" }
        }
    };
    Ok(page(Some(&viewer), lang, Section::Audit, body))
}
