//! One module per dashboard page.

pub mod audit;
pub mod caseload;
pub mod conflicts;
pub mod devices;
pub mod export;
mod filters;
pub mod login;
pub mod overview;
