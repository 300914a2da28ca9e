//! Sync between devices and the regional server (docs/PROTOCOL.md): the
//! wire messages, the rules by which a server accepts a device's changes,
//! and the projection of a case the server keeps beside its document.

pub mod authority;
mod client;
pub mod projection;
pub mod protocol;
mod state;
mod transport;

pub use client::{SyncError, SyncProgress, SyncReport, SyncStatus, MAX_PUSH_BYTES};
pub use state::RefusedPush;
pub use transport::{ServerConfig, TransportError};
