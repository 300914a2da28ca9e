//! Signing in and out. A failed sign-in takes as long as a successful one
//! whether or not the user exists, and is audited; the password itself is
//! never stored, logged or echoed.
//!
//! Guessing is throttled per account: once an account has
//! [`MAX_FAILURES`] failed sign-ins within [`THROTTLE_WINDOW_MS`], its
//! further attempts are refused without checking the password until the
//! oldest of them leaves the window. The failures are counted from the
//! audit log, so every instance on one database sees the same count; in
//! one process the sign-ins of one user id run one at a time, so parallel
//! guesses cannot all pass the count before any failure is written. A
//! refused attempt looks exactly like a failed one (same page, status and
//! work), so the refusal tells nothing about whether the account exists,
//! and is audited as `sign_in_throttled`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

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

/// Failed sign-ins of one account within [`THROTTLE_WINDOW_MS`] after
/// which its further attempts are refused unchecked.
pub const MAX_FAILURES: u64 = 5;
/// 15 minutes: at most [`MAX_FAILURES`] guesses per account in any such
/// span (plus one per further server instance guessing at the same moment).
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Whether an account with `failures` recent failed sign-ins is refused.
fn throttled(failures: u64) -> bool {
    failures >= MAX_FAILURES
}

/// The sign-ins in progress in this process, by user id: a lock each, held
/// from the failure count until the failure is written.
static TURNS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// One user id's turn to sign in; the map entry goes with the last turn.
struct Turn {
    user_id: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

async fn turn(user_id: &str) -> Turn {
    let lock = TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(user_id.to_owned())
        .or_default()
        .clone();
    Turn {
        user_id: user_id.to_owned(),
        _guard: lock.lock_owned().await,
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut turns = TURNS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's reference and this turn's guard: nobody else waits.
        if turns
            .get(&self.user_id)
            .is_some_and(|lock| Arc::strong_count(lock) <= 2)
        {
            turns.remove(&self.user_id);
        }
    }
}

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
    let well_formed =
        admin::check_user_id(&form.user_id).is_ok() && form.password.len() <= MAX_PASSWORD_LEN;
    // Held until this attempt's failure, if any, is in the log.
    let _turn = if well_formed {
        Some(turn(&form.user_id).await)
    } else {
        None
    };
    let account = if well_formed {
        state.storage.password(form.user_id.clone()).await?
    } else {
        None
    };
    let refused = match &account {
        Some(_) => {
            let since = now_ms() - THROTTLE_WINDOW_MS;
            throttled(
                state
                    .storage
                    .sign_in_failures(form.user_id.clone(), since)
                    .await?,
            )
        }
        None => false,
    };
    let office_role = |role: Role| {
        matches!(
            role,
            Role::DistrictOfficer | Role::NationalAnalyst | Role::Administrator
        )
    };
    let hash = account
        .as_ref()
        .filter(|a| !refused && office_role(a.user.role))
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
        let action = if refused {
            Action::SignInThrottled
        } else {
            Action::SignInFailed
        };
        let entry = admin::entry(
            Operator {
                user_id: who,
                ..operator
            },
            action,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_starts_the_refusal() {
        assert!(!throttled(0));
        assert!(!throttled(MAX_FAILURES - 1));
        assert!(throttled(MAX_FAILURES));
        assert!(throttled(MAX_FAILURES + 10));
        assert_eq!(THROTTLE_WINDOW_MS, 900_000);
    }

    #[tokio::test]
    async fn one_user_ids_sign_ins_take_turns_and_leave_no_entry() {
        let first = turn("throttle-test-a").await;
        // Another id is not held up.
        let other = turn("throttle-test-b").await;
        drop(other);
        let waiting = tokio::spawn(async {
            let _second = turn("throttle-test-a").await;
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap();
        let turns = TURNS.lock().unwrap();
        assert!(!turns.contains_key("throttle-test-a"));
        assert!(!turns.contains_key("throttle-test-b"));
    }
}
