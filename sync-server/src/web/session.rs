//! Who is signed in: a random session token in an HttpOnly, SameSite=Strict
//! cookie, stored only as its SHA-256; an absolute expiry; and a per-session
//! CSRF token every form sends back. Before sign-in, a short-lived cookie
//! carries the sign-in form's own CSRF token (double submit), so another
//! site cannot sign a browser in either.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

use super::i18n::Lang;
use super::WebError;
use crate::audit::hex;
use crate::enrollment::RandomUnavailable;
use crate::http::AppState;
use crate::storage::{Storage, User, WebSession};

pub const SESSION_COOKIE: &str = "ocrotire_session";
pub const LOGIN_COOKIE: &str = "ocrotire_login";
pub const LANG_COOKIE: &str = "ocrotire_lang";
/// A working day; then the person signs in again.
pub const SESSION_LIFETIME_MS: i64 = 8 * 60 * 60 * 1000;
/// Longest cookie header looked at.
const MAX_COOKIE_HEADER: usize = 4096;

/// A fresh random token, hex.
pub fn new_token() -> Result<String, RandomUnavailable> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| RandomUnavailable)?;
    Ok(hex(&bytes))
}

pub fn token_hash(token: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

/// Compares without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.len() <= MAX_COOKIE_HEADER)
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure when
/// the server speaks HTTPS. `max_age_s` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}")
}

/// The language of a request: its cookie, else Romanian.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_key)
        .unwrap_or_default()
}

/// A signed-in person, extracted from the session cookie; pages that take
/// a `Viewer` send everyone else to the sign-in page.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub session: WebSession,
    pub lang: Lang,
}

impl Viewer {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if same_secret(sent, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

impl<S: Storage> FromRequestParts<AppState<S>> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Viewer, WebError> {
        let lang = lang_of(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::SignIn)?;
        let found = state
            .storage
            .session(token_hash(token), crate::clock::now_ms())
            .await?;
        let (session, user) = found.ok_or(WebError::SignIn)?;
        Ok(Viewer {
            user,
            session,
            lang,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ocrotire_session=abc; ocrotire_sessionx=no"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[..63]));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn cookies_are_strict_and_secure_over_https() {
        let plain = set_cookie(SESSION_COOKIE, "t", 60, false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        assert!(set_cookie(SESSION_COOKIE, "t", 60, true).ends_with("; Secure"));
    }
}
