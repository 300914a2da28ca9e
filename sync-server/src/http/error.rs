//! What a request can fail with, and the HTTP answer for each
//! (docs/PROTOCOL.md, "Errors"). Bodies are short fixed sentences: they
//! never echo request content, so no child data can leak through them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ocrotire_core::sync::protocol::{self, Revoked, WireError, PROTOCOL_VERSION};

use super::auth::AuthError;
use crate::storage::StorageError;

/// Answered with 400 so a device can tell which versions the server speaks
/// without decoding a body in a version it may not know.
pub const SUPPORTED_HEADER: &str = "x-ocrotire-supported";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body must be {}", protocol::CONTENT_TYPE)]
    ContentType,
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("{0}")]
    Invalid(&'static str),
    #[error("authentication failed: {0}")]
    Auth(AuthError),
    #[error("the enrollment code is unknown, used or expired")]
    BadCode,
    #[error("this device identity is already enrolled")]
    ActorTaken,
    #[error("this role does not sync case documents")]
    RoleCannotSync,
    /// The database is out of disk space (`StorageError::is_storage_full`):
    /// nothing of the request was stored; it can be sent again later.
    #[error("the server is out of storage space; nothing was stored, try again later")]
    StorageFull,
    #[error("internal error")]
    Internal(#[source] StorageError),
    #[error("internal error")]
    Encoding,
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Storage(e) => e.into(),
            other => ApiError::Auth(other),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        if error.is_storage_full() {
            ApiError::StorageFull
        } else {
            ApiError::Internal(error)
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Wire(WireError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Wire(_) | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Auth(AuthError::Revoked) => StatusCode::GONE,
            ApiError::Auth(_) | ApiError::BadCode => StatusCode::UNAUTHORIZED,
            ApiError::ActorTaken => StatusCode::CONFLICT,
            ApiError::RoleCannotSync => StatusCode::FORBIDDEN,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) | ApiError::Encoding => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(source) => tracing::error!(error = %source, "request failed"),
            ApiError::StorageFull => {
                tracing::error!(status = status.as_u16(), "request failed: storage full")
            }
            other => tracing::info!(status = status.as_u16(), reason = %other, "request refused"),
        }
        if let ApiError::Auth(AuthError::Revoked) = self {
            // The one refusal with a protocol body: the device must wipe.
            if let Ok(body) = protocol::encode(&Revoked {
                version: PROTOCOL_VERSION,
                wipe: true,
            }) {
                return (
                    status,
                    [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
                    body,
                )
                    .into_response();
            }
        }
        let mut response = (status, self.to_string()).into_response();
        if let ApiError::Wire(WireError::Version { .. }) = self {
            response
                .headers_mut()
                .insert(SUPPORTED_HEADER, HeaderValue::from(PROTOCOL_VERSION));
        }
        if let ApiError::Auth(AuthError::Stale) = self {
            // Lets a device with a wrong clock see by how much it is off.
            response.headers_mut().insert(
                protocol::headers::TIME,
                HeaderValue::from(crate::clock::now_ms()),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: std::ffi::c_int) -> StorageError {
        StorageError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn a_full_disk_is_507_with_a_fixed_sentence() {
        let full = ApiError::from(sqlite_error(rusqlite::ffi::SQLITE_FULL));
        assert_eq!(full.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(full.to_string().contains("out of storage space"));
        let via_auth = ApiError::from(AuthError::Storage(sqlite_error(rusqlite::ffi::SQLITE_FULL)));
        assert_eq!(via_auth.status(), StatusCode::INSUFFICIENT_STORAGE);
        // Any other storage failure stays an internal error.
        let other = ApiError::from(sqlite_error(rusqlite::ffi::SQLITE_CORRUPT));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(other.to_string(), "internal error");
    }
}
