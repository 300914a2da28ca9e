//! The district office's side of the server, independent of HTTP:
//! - [`report`]: indicators from the facts stored per case, exact for a
//!   district's own officers and disclosure-controlled for everyone else;
//! - [`export`]: those tables as CSV, JSON and DHIS2 `dataValueSets`,
//!   every export audited;
//! - [`dhis2`]: the mapping from indicators to DHIS2 codes;
//! - [`caseload`]: what in a district is overdue;
//! - [`conflicts`]: a case's open conflicts, resolved by an officer as a
//!   change every device pulls.

pub mod caseload;
pub mod conflicts;
pub mod dhis2;
pub mod export;
pub mod report;
