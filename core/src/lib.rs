//! Ocrotire's device core: the child's case file as one Automerge document
//! per case, kept in an encrypted SQLite store, usable with no network.
//!
//! Layers, each with its own error type:
//! - [`model`]: typed values of the case file (what everyone else sees);
//! - [`reference`]: the assessment template, service directory, units;
//! - [`scoring`] and [`deadlines`]: pure rules over the model;
//! - [`document`]: the only module that knows Automerge paths;
//! - [`crypto`] and [`store`]: encryption at rest and the SQLite file;
//! - [`caseload`]: the device API that ties a store to documents;
//! - [`indicators`]: S01–S16 with their disaggregations, from case facts.

#[cfg(feature = "bench-fixtures")]
pub mod bench_fixtures;
pub mod caseload;
pub mod crypto;
pub mod deadlines;
pub mod document;
pub mod ids;
pub mod indicators;
pub mod model;
pub mod reference;
pub mod scoring;
pub mod search;
pub mod store;
pub mod sync;
