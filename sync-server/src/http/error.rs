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
    #[error("internal error")]
    Internal(#[source] StorageError),
    #[error("internal error")]
    Encoding,
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Storage(e) => ApiError::Internal(e),
            other => ApiError::Auth(other),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        ApiError::Internal(error)
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
            ApiError::Internal(_) | ApiError::Encoding => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(source) => tracing::error!(error = %source, "request failed"),
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
