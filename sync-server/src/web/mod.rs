//! The district office's dashboard, served by the same server as the sync
//! API: server-rendered pages (maud), SVG charts drawn on the server, no
//! JavaScript. Who may open what follows the role (`layout::sections`):
//! district officers work on their own district's cases with exact counts;
//! national analysts see disclosure-controlled indicators and never a case;
//! administrators manage devices and read the audit log.
//!
//! Every form carries the session's CSRF token, every cookie is HttpOnly
//! and SameSite=Strict, POSTs from another origin are refused, and the
//! Content-Security-Policy allows nothing but this server's own styles and
//! font.

pub mod charts;
pub mod i18n;
pub mod layout;
mod pages;
pub mod password;
pub mod session;

use axum::extract::{Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;

use crate::http::AppState;
use crate::office::export::ExportError;
use crate::office::report::ReportError;
use crate::storage::{Storage, StorageError};
use i18n::{Lang, T};
use layout::{page, Section};
use session::{set_cookie, LANG_COOKIE};

/// What the dashboard needs to know about how it is served.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebConfig {
    /// Cookies get `Secure` when the server speaks HTTPS.
    pub secure_cookies: bool,
}

pub fn router<S: Storage>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(pages::overview::show::<S>))
        .route(
            "/login",
            get(pages::login::form::<S>).post(pages::login::submit::<S>),
        )
        .route("/logout", post(pages::login::logout::<S>))
        .route("/lang", get(switch_language))
        .route("/caseload", get(pages::caseload::show::<S>))
        .route("/conflicts", get(pages::conflicts::list::<S>))
        .route(
            "/conflicts/{case_id}",
            get(pages::conflicts::case::<S>).post(pages::conflicts::decide::<S>),
        )
        .route("/devices", get(pages::devices::show::<S>))
        .route("/devices/code", post(pages::devices::issue_code::<S>))
        .route("/devices/revoke", post(pages::devices::revoke::<S>))
        .route("/audit", get(pages::audit::show::<S>))
        .route("/export", get(pages::export::form::<S>))
        .route("/export/download", get(pages::export::download::<S>))
        .route("/static/app.css", get(stylesheet))
        .route("/static/roboto.ttf", get(font))
        .layer(middleware::from_fn(guard))
}

/// Security headers on every page, and no POST from another origin.
async fn guard(request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !same_origin(request.headers()) {
        return WebError::Csrf.into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; \
             img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: with it browsers send `Origin: null` on their own
        // form posts, which the origin check would refuse.
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A POST whose `Origin` (sent by every current browser) names another
/// host than the one it was sent to comes from another site's page.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o == h)
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
}

/// Switches the language (a cookie) and goes back to the overview.
async fn switch_language(Query(query): Query<LangQuery>) -> Response {
    let lang = Lang::from_key(&query.to).unwrap_or_default();
    let cookie = set_cookie(LANG_COOKIE, lang.key(), 365 * 24 * 3600, false);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(Section::Overview.path()),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        layout::STYLESHEET,
    )
        .into_response()
}

/// The font the charts measure their text with (bundled in charts-rs).
async fn font() -> Response {
    (
        [(header::CONTENT_TYPE, "font/ttf")],
        charts_rs::DEFAULT_FONT_DATA,
    )
        .into_response()
}

/// What a page can fail with. Messages are fixed sentences in both
/// languages (an error may be raised before the language is known); none
/// carries request content.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not signed in")]
    SignIn,
    #[error("forbidden")]
    Forbidden,
    #[error("case pages are for the district's officers only")]
    CasesForbidden,
    #[error("the form is out of date")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("bad request")]
    BadRequest,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A decision that no longer stands or is malformed (said why).
    #[error(transparent)]
    Conflict(crate::office::conflicts::ConflictError),
    #[error("internal error")]
    Internal,
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::SignIn => StatusCode::SEE_OTHER,
            WebError::Forbidden | WebError::CasesForbidden | WebError::Csrf => {
                StatusCode::FORBIDDEN
            }
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest => StatusCode::BAD_REQUEST,
            WebError::Report(ReportError::Storage(_) | ReportError::Worker)
            | WebError::Export(ExportError::Report(
                ReportError::Storage(_) | ReportError::Worker,
            ))
            | WebError::Export(ExportError::Write(_))
            | WebError::Storage(_)
            | WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Report(_) | WebError::Export(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> T {
        match self {
            WebError::SignIn => T::SignIn,
            WebError::Forbidden | WebError::Csrf => T::Forbidden,
            WebError::CasesForbidden => T::ForbiddenCases,
            WebError::NotFound => T::NotFound,
            _ if self.status() == StatusCode::INTERNAL_SERVER_ERROR => T::ServerError,
            _ => T::BadRequest,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if matches!(self, WebError::SignIn) {
            return Redirect::to(Section::SignIn.path()).into_response();
        }
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Storage errors name tables and constraints, never values.
            tracing::error!(error = %self, "dashboard request failed");
        }
        // Bad periods and refused crossings say what was wrong; they
        // carry no request content.
        let detail = match &self {
            WebError::Report(e) => Some(e.to_string()),
            WebError::Conflict(e) => Some(e.to_string()),
            WebError::Export(e) if status == StatusCode::BAD_REQUEST => Some(e.to_string()),
            _ => None,
        };
        let body = html! {
            p.error { (self.message().get(Lang::Ro)) " / " (self.message().get(Lang::En)) }
            @if let Some(detail) = detail { p.note { (detail) } }
            p { a href="/" { "←" } }
        };
        (status, page(None, Lang::Ro, Section::Overview, body)).into_response()
    }
}
