//! Signing in and out. A failed sign-in takes as long as a successful one
//! whether or not the user exists, and is audited; the password itself is
//! never stored, logged or echoed.

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use maud::html;
use ocrotire_core::model::Role;
use serde::Deserialize;

use crate::admin::{self, Operator, WEB_DEVICE};
use crate::audit::Action;
use crate::clock::now_ms;
use crate::http::AppState;
use crate::storage::{Storage, WebSession};
use crate::web::i18n::{Lang, T};
use crate::web::layout::{page, Section};
use crate::web::password::{self, MAX_PASSWORD_LEN};
use crate::web::session::{
    cookie, lang_of, new_token, same_secret, set_cookie, token_hash, Viewer, LOGIN_COOKIE,
    SESSION_COOKIE, SESSION_LIFETIME_MS,
};
use crate::web::WebError;

/// The sign-in form's own token lives this long.
const LOGIN_COOKIE_S: i64 = 30 * 60;

pub async fn form<S: Storage>(State(state): State<AppState<S>>, headers: HeaderMap) -> Response {
    match new_token() {
        Ok(token) => sign_in_page(&state, lang_of(&headers), &token, false),
        Err(_) => WebError::Internal.into_response(),
    }
}

fn sign_in_page<S>(state: &AppState<S>, lang: Lang, token: &str, failed: bool) -> Response {
    let body = html! {
        @if failed { p.error role="alert" { (T::SignInFailed.get(lang)) } }
        form method="post" action="/login" {
            input type="hidden" name="csrf" value=(token);
            label { (T::UserId.get(lang)) input name="user_id" autocomplete="username" required; }
            label { (T::Password.get(lang)) input name="password" type="password" autocomplete="current-password" required; }
            button type="submit" { (T::SignIn.get(lang)) }
        }
    };
    let cookie = set_cookie(
        LOGIN_COOKIE,
        token,
        LOGIN_COOKIE_S,
        state.web.secure_cookies,
    );
    let status = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        [(header::SET_COOKIE, cookie)],
        page(None, lang, Section::SignIn, body),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct SignIn {
    user_id: String,
    password: String,
    csrf: String,
}

pub async fn submit<S: Storage>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Result<Response, WebError> {
    let lang = lang_of(&headers);
    let expected = cookie(&headers, LOGIN_COOKIE).ok_or(WebError::Csrf)?;
    if !same_secret(&form.csrf, expected) {
        return Err(WebError::Csrf);
    }
    let account = match admin::check_user_id(&form.user_id) {
        Ok(()) if form.password.len() <= MAX_PASSWORD_LEN => {
            state.storage.password(form.user_id.clone()).await?
        }
        _ => None,
    };
    let office_role = |role: Role| {
        matches!(
            role,
            Role::DistrictOfficer | Role::NationalAnalyst | Role::Administrator
        )
    };
    let hash = account
        .as_ref()
        .filter(|a| office_role(a.user.role))
        .and_then(|a| a.password_hash.clone());
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password::verify(&password, &hash),
        None => {
            password::waste_time(&password);
            false
        }
    })
    .await
    .map_err(|_| WebError::Internal)?;
    let operator = Operator {
        user_id: &form.user_id,
        channel: WEB_DEVICE,
    };
    if !verified {
        // Only well-formed ids reach the log; anything else is "?".
        let who = if account.is_some() {
            &form.user_id
        } else {
            "?"
        };
        let entry = admin::entry(
            Operator {
                user_id: who,
                ..operator
            },
            Action::SignInFailed,
            format!("user={who}"),
        );
        state.storage.append_audit(entry).await?;
        let token = new_token().map_err(|_| WebError::Internal)?;
        return Ok(sign_in_page(&state, lang, &token, true));
    }
    let token = new_token().map_err(|_| WebError::Internal)?;
    let now = now_ms();
    let session = WebSession {
        token_hash: token_hash(&token),
        user_id: form.user_id.clone(),
        csrf_token: new_token().map_err(|_| WebError::Internal)?,
        created_at: now,
        expires_at: now + SESSION_LIFETIME_MS,
    };
    let entry = admin::entry(operator, Action::SignIn, format!("user={}", form.user_id));
    state.storage.create_session(session, entry).await?;
    let secure = state.web.secure_cookies;
    // Two cookies: `AppendHeaders`, as an array of headers would keep
    // only the last one.
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, SESSION_LIFETIME_MS / 1000, secure),
            ),
            (header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0, secure)),
        ]),
        Redirect::to(Section::Overview.path()),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct SignOut {
    csrf: String,
}

pub async fn logout<S: Storage>(
    State(state): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<SignOut>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&form.csrf)?;
    let operator = Operator {
        user_id: &viewer.user.user_id,
        channel: WEB_DEVICE,
    };
    let entry = admin::entry(
        operator,
        Action::SignOut,
        format!("user={}", viewer.user.user_id),
    );
    state
        .storage
        .end_session(viewer.session.token_hash, entry)
        .await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.web.secure_cookies);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(Section::SignIn.path()),
    )
        .into_response())
}
