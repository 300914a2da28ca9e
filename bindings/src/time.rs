//! How time crosses the boundary. An instant becomes the platform's own
//! (`java.time.Instant`, `Date`, `datetime`) so apps format it in the
//! device's locale; a calendar date (a birth date, a visit day) has no time
//! zone and crosses as ISO 8601 text, `2013-05-14`.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};

/// An instant, in UTC on the Rust side.
pub type Timestamp = DateTime<Utc>;

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |instant| instant.into(),
    try_lift: |time| Ok(time.into()),
});

/// A calendar date as `YYYY-MM-DD`.
pub type IsoDate = NaiveDate;

uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |date| date.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(NaiveDate::parse_from_str(&text, "%Y-%m-%d")?),
});
