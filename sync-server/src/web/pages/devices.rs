//! Devices: who holds which, one-time enrollment codes, revocation. A
//! district officer manages the devices of their district's people; an
//! administrator every device. Both actions are audited as the person who
//! took them, through the web.

use std::collections::BTreeMap;

use axum::extract::{Form, State};
use chrono::DateTime;
use maud::{html, Markup};
use ocrotire_core::model::Role;
use serde::Deserialize;

use crate::admin::{self, Operator, WEB_DEVICE};
use crate::http::AppState;
use crate::storage::{Storage, User};
use crate::web::i18n::T;
use crate::web::layout::{page, Section};
use crate::web::session::Viewer;
use crate::web::WebError;

/// The people whose devices `viewer` manages, by id.
async fn managed<S: Storage>(
    state: &AppState<S>,
    viewer: &Viewer,
) -> Result<BTreeMap<String, User>, WebError> {
    let district = match viewer.user.role {
        Role::DistrictOfficer => Some(viewer.user.district.clone()),
        Role::Administrator => None,
        _ => return Err(WebError::Forbidden),
    };
    let users = state.storage.users(district).await?;
    Ok(users.into_iter().map(|u| (u.user_id.clone(), u)).collect())
}

fn operator(viewer: &Viewer) -> Operator<'_> {
    Operator {
        user_id: &viewer.user.user_id,
        channel: WEB_DEVICE,
    }
}

pub async fn show<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
) -> Result<Markup, WebError> {
    render(&state, &viewer, None).await
}

async fn render<S: Storage>(
    state: &AppState<S>,
    viewer: &Viewer,
    issued: Option<(String, String)>,
) -> Result<Markup, WebError> {
    let people = managed(state, viewer).await?;
    let devices: Vec<_> = state
        .storage
        .devices()
        .await?
        .into_iter()
        .filter(|d| people.contains_key(&d.user_id))
        .collect();
    let lang = viewer.lang;
    let time = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let field_workers = people.values().filter(|u| {
        matches!(
            u.role,
            Role::SocialAssistant | Role::CommunityMediator | Role::DistrictOfficer
        )
    });
    let body = html! {
        @if let Some((user, code)) = &issued {
            p { (T::CodeIssued.get(lang)) " " strong { (user) } }
            p { span.code data-code="issued" { (code) } }
        }
        h2 { (T::IssueCode.get(lang)) }
        form.filters method="post" action="/devices/code" {
            input type="hidden" name="csrf" value=(viewer.session.csrf_token);
            label { (T::User.get(lang))
                select name="user_id" {
                    @for user in field_workers {
                        option value=(user.user_id) { (user.user_id) " · " (user.role.key()) }
                    }
                }
            }
            button type="submit" { (T::IssueCode.get(lang)) }
        }
        h2 { (T::Devices.get(lang)) }
        table #devices {
            tr { th { (T::Device.get(lang)) } th { (T::User.get(lang)) } th { (T::Enrolled.get(lang)) } th { (T::Revoked.get(lang)) } th {} }
            @for device in &devices {
                tr data-device=(device.device_id) {
                    td { (device.device_id) }
                    td { (device.user_id) }
                    td { (time(device.enrolled_at)) }
                    td.revoked { @if let Some(at) = device.revoked_at { (time(at)) } }
                    td {
                        @if device.revoked_at.is_none() {
                            form.inline method="post" action="/devices/revoke" {
                                input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                                input type="hidden" name="device_id" value=(device.device_id);
                                button type="submit" { (T::Revoke.get(lang)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(Some(viewer), lang, Section::Devices, body))
}

#[derive(Deserialize)]
pub struct IssueCode {
    csrf: String,
    user_id: String,
}

pub async fn issue_code<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<IssueCode>,
) -> Result<Markup, WebError> {
    viewer.check_csrf(&form.csrf)?;
    if !managed(&state, &viewer).await?.contains_key(&form.user_id) {
        return Err(WebError::Forbidden);
    }
    let code = admin::enroll_code(&state.storage, operator(&viewer), &form.user_id)
        .await
        .map_err(|_| WebError::Internal)?;
    render(&state, &viewer, Some((form.user_id, code))).await
}

#[derive(Deserialize)]
pub struct Revoke {
    csrf: String,
    device_id: String,
}

pub async fn revoke<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<Revoke>,
) -> Result<Markup, WebError> {
    viewer.check_csrf(&form.csrf)?;
    let people = managed(&state, &viewer).await?;
    let Some((device, _)) = state.storage.device(form.device_id.clone()).await? else {
        return Err(WebError::NotFound);
    };
    if !people.contains_key(&device.user_id) {
        return Err(WebError::Forbidden);
    }
    admin::revoke_device(&state.storage, operator(&viewer), &form.device_id)
        .await
        .map_err(|_| WebError::BadRequest)?;
    render(&state, &viewer, None).await
}
