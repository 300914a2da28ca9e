//! Caseload search that forgives how Romanian is typed on a phone: case and
//! diacritics are ignored, the older cedilla letters (ş ţ) match the
//! comma-below ones (ș ț), and î/â match each other (the spelling reform
//! swapped them in words like "român"/"romîn") as well as a plain a or i.

/// Stands for "â or î" in folded text.
const A_OR_I: char = '\u{2217}';

/// Lowercases and strips diacritics so that equivalent spellings compare equal.
pub fn fold(text: &str) -> Vec<char> {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(fold_char)
        .collect()
}

fn fold_char(c: char) -> char {
    match c {
        'ă' | 'á' | 'à' | 'ä' => 'a',
        'â' | 'î' => A_OR_I,
        'ș' | 'ş' | 'š' => 's',
        'ț' | 'ţ' => 't',
        'é' | 'è' | 'ë' => 'e',
        'í' | 'ï' => 'i',
        'ó' | 'ö' => 'o',
        'ú' | 'ü' => 'u',
        'ё' => 'е',
        other => other,
    }
}

fn same(query: char, text: char) -> bool {
    query == text
        || (text == A_OR_I && matches!(query, 'a' | 'i'))
        || (query == A_OR_I && matches!(text, 'a' | 'i'))
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window.iter().zip(needle).all(|(t, q)| same(*q, *t)))
}

/// True when every whitespace-separated word of `query` occurs in `text`.
pub fn matches(query: &str, text: &str) -> bool {
    let text = fold(text);
    query
        .split_whitespace()
        .all(|word| contains(&text, &fold(word)))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn romanian_variants_match_each_other() {
        assert!(matches("ștefan", "Ştefan Ţurcanu"));
        assert!(matches("STEFAN turcanu", "Ștefan Țurcanu"));
        assert!(matches("romîn", "român"));
        assert!(matches("roman", "român"));
        assert!(matches("inca", "încă"));
        assert!(matches("bălți", "Balti"));
        assert!(!matches("stefan", "Ion Popescu"));
        assert!(!matches("ion maria", "Ion Popescu"));
        assert!(matches("", "anything"));
    }

    #[test]
    fn cyrillic_is_case_insensitive() {
        assert!(matches("бельцы", "Бельцы"));
        assert!(matches("ёлка", "Елка"));
    }
}
