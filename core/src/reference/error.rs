//! One error type for every kind of reference data, so that a district
//! administrator importing a template, a service list or units gets the same
//! kind of answer: which rule the file broke, never a panic.

use thiserror::Error;

/// Ids and codes quoted in errors are cut to this many characters, so that a
/// malformed file cannot push a whole paragraph into a log line.
const QUOTE_LIMIT: usize = 64;

/// Cuts `text` to [`QUOTE_LIMIT`] characters for quoting in an error.
pub(crate) fn quote(text: &str) -> String {
    text.chars().take(QUOTE_LIMIT).collect()
}

#[derive(Debug, Error)]
pub enum ReferenceError {
    #[error("reference data is {size} bytes, more than the {limit} allowed")]
    TooLarge { size: usize, limit: usize },
    #[error("reference data does not have the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{count} items, more than the {limit} allowed")]
    TooManyItems { count: usize, limit: usize },
    #[error("id or code {0:?} appears more than once")]
    DuplicateId(String),
    #[error("id {0:?} is not lowercase snake_case of at most 64 characters")]
    InvalidId(String),
    #[error("code {0:?} is not a numeric classifier code")]
    InvalidCode(String),
    #[error("a label of {id:?} is empty or longer than {limit} characters")]
    BadLabel { id: String, limit: usize },
    #[error("the Romanian label of {0:?} uses cedilla ş/ţ instead of comma-below ș/ț")]
    CedillaInRomanian(String),
    #[error("item {0:?} has negative points")]
    NegativePoints(String),
    #[error("the protective cap {0} is negative")]
    NegativeCap(i32),
    #[error("bands are invalid: {0}")]
    Bands(&'static str),
    #[error("{what} {code:?} is not known")]
    UnknownReference { what: &'static str, code: String },
    #[error("{0}")]
    Invalid(&'static str),
}

/// Rejects input above `limit` bytes before parsing, so an oversized file
/// costs nothing to refuse.
pub(crate) fn check_size(json: &str, limit: usize) -> Result<(), ReferenceError> {
    if json.len() > limit {
        return Err(ReferenceError::TooLarge {
            size: json.len(),
            limit,
        });
    }
    Ok(())
}
