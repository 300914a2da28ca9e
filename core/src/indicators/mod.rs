//! The unique indicators (S01–S16 of domain.md) with every disaggregation,
//! computed the same way on a device (over its own cases) and on the
//! server (over the facts it keeps per case, without opening documents).
//!
//! - [`facts`]: what a case contributes, with no name or free text in it;
//! - [`dimensions`]: the disaggregations and their categories;
//! - [`measures`]: the indicators as measures, with their definitions;
//! - [`engine`]: adding it all up for a period and a set of districts;
//! - [`disclosure`]: what of it may leave a district.

pub mod dimensions;
pub mod disclosure;
pub mod engine;
pub mod facts;
mod grouping;
pub mod measures;

pub use dimensions::Dimension;
pub use engine::{compute, Context, Query, Table, Value};
pub use facts::CaseFacts;
