//! Labels in the three languages of the field. Romanian is primary; keys
//! stay English snake_case so that exports never depend on a translation.

use serde::{Deserialize, Serialize};

use super::error::{quote, ReferenceError};

/// Longest label accepted, in characters: a label is a question on a
/// phone screen, not a paragraph.
pub const MAX_LABEL_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub ro: String,
    pub ru: String,
    pub en: String,
}

impl Labels {
    /// The label for an ISO 639-1 language code, falling back to Romanian
    /// for any language without its own label (uk, bg, gag...).
    pub fn get(&self, language: &str) -> &str {
        match language {
            "ru" => &self.ru,
            "en" => &self.en,
            _ => &self.ro,
        }
    }

    /// Checks lengths, and that Romanian uses comma-below ș ț: cedilla
    /// letters look alike but break sorting and exact matching.
    pub(crate) fn validate(&self, id: &str) -> Result<(), ReferenceError> {
        for text in [&self.ro, &self.ru, &self.en] {
            if text.trim().is_empty() || text.chars().count() > MAX_LABEL_CHARS {
                return Err(ReferenceError::BadLabel {
                    id: quote(id),
                    limit: MAX_LABEL_CHARS,
                });
            }
        }
        if self.ro.contains(['ş', 'ţ', 'Ş', 'Ţ']) {
            return Err(ReferenceError::CedillaInRomanian(quote(id)));
        }
        Ok(())
    }
}

/// Stable item ids: lowercase ASCII snake_case starting with a letter,
/// because they are keys in every stored assessment and every export.
pub(crate) fn validate_id(id: &str) -> Result<(), ReferenceError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ReferenceError::InvalidId(quote(id)))
    }
}
