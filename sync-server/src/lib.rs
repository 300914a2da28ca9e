//! Ocrotire's regional sync server (docs/PROTOCOL.md): keeps its own copy of
//! every case document with plain projections beside it, accepts changes
//! only from enrolled devices under the authority rules of
//! `ocrotire_core::sync`, sends each device only what its user may see, and
//! audits everything in a hash-chained log.
//!
//! Layers, each with its own error type:
//! - [`storage`]: one trait, two backends: an embedded SQLite file and a
//!   PostgreSQL database shared by several instances;
//! - [`sync`]: one session, independent of HTTP;
//! - [`http`]: axum routes, signed-request checks, status codes;
//! - [`server`]: listening, TLS, graceful shutdown;
//! - [`admin`] and [`cli`]: the operator's commands.

pub mod admin;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod enrollment;
pub mod http;
pub mod office;
pub mod reference;
pub mod server;
pub mod storage;
pub mod sync;
pub mod web;
