//! The HTTP surface: `POST /v1/enroll`, `POST /v1/sync`, `GET /health`.
//! Handlers only translate between HTTP and the protocol; the work is in
//! [`crate::sync`] and the storage.

pub mod auth;
pub mod error;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::{self, Enroll, Enrolled, SyncRequest, PROTOCOL_VERSION};

use crate::enrollment::code_hash;
use crate::reference::Reference;
use crate::storage::{EnrollOutcome, NewEnrollment, Storage};
use crate::sync::Limits;
pub use error::ApiError;

/// Limits and clock window of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    pub max_body_bytes: usize,
    pub max_skew_ms: i64,
    pub limits: Limits,
}

#[derive(Debug, Clone)]
pub struct AppState<S> {
    pub storage: S,
    pub config: Arc<HttpConfig>,
    pub reference: Arc<Reference>,
    pub web: crate::web::WebConfig,
}

pub fn router<S: Storage>(state: AppState<S>) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/health", get(health))
        .route("/v1/enroll", post(enroll::<S>))
        .route("/v1/sync", post(sync::<S>))
        .merge(crate::web::router())
        // Bodies above the limit are refused with 413 while being read.
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match content_type {
        Some(value) if value.split(';').next().map(str::trim) == Some(protocol::CONTENT_TYPE) => {
            Ok(())
        }
        _ => Err(ApiError::ContentType),
    }
}

fn wire_response<T: serde::Serialize>(message: &T) -> Result<Response, ApiError> {
    let body = protocol::encode(message).map_err(|_| ApiError::Encoding)?;
    Ok(([(header::CONTENT_TYPE, protocol::CONTENT_TYPE)], body).into_response())
}

const PUBLIC_KEY_LEN: usize = 32;
/// Automerge actors are arbitrary bytes; devices use 16 random ones.
/// Longer actors are the server's own (an officer's dashboard decisions,
/// `office::conflicts::web_actor`, 32 bytes), which no device may claim.
const MAX_ACTOR_LEN: usize = 16;

async fn enroll<S: Storage>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_content_type(&headers)?;
    let request: Enroll = protocol::decode(&body)?;
    if request.public_key.len() != PUBLIC_KEY_LEN {
        return Err(ApiError::Invalid(
            "the public key must be 32 bytes (Ed25519)",
        ));
    }
    if request.actor.is_empty() || request.actor.len() > MAX_ACTOR_LEN {
        return Err(ApiError::Invalid("the actor must be 1 to 32 bytes"));
    }
    if request.code.len() > 64 {
        return Err(ApiError::BadCode);
    }
    let outcome = state
        .storage
        .enroll(NewEnrollment {
            code_hash: code_hash(&request.code),
            device_id: ocrotire_core::ids::random_id(),
            public_key: request.public_key,
            actor: request.actor,
            now: crate::clock::now_ms(),
        })
        .await?;
    match outcome {
        EnrollOutcome::Enrolled { user, device_id } => {
            tracing::info!(device_id, user_id = user.user_id, "device enrolled");
            wire_response(&Enrolled {
                version: PROTOCOL_VERSION,
                device_id,
                user_id: user.user_id,
                role: user.role,
                district: user.district,
            })
        }
        EnrollOutcome::Refused(reason) => {
            tracing::warn!(?reason, "enrollment refused");
            Err(match reason {
                crate::storage::EnrollRefusal::ActorTaken => ApiError::ActorTaken,
                _ => ApiError::BadCode,
            })
        }
    }
}

async fn sync<S: Storage>(
    State(state): State<AppState<S>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = crate::clock::now_ms();
    let (device, user) = auth::authenticate(
        &state.storage,
        state.config.max_skew_ms,
        method.as_str(),
        uri.path(),
        &headers,
        &body,
        now,
    )
    .await?;
    check_content_type(&headers)?;
    if matches!(user.role, Role::NationalAnalyst | Role::Administrator) {
        return Err(ApiError::RoleCannotSync);
    }
    let request: SyncRequest = protocol::decode(&body)?;
    let response = crate::sync::run(
        &state.storage,
        &state.reference,
        &device,
        &user,
        request,
        state.config.limits,
        now,
    )
    .await?;
    wire_response(&response)
}
