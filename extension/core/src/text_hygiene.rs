//! Characters nobody types on purpose and that hide or disguise what a
//! reader is shown: control characters other than tab and line breaks,
//! zero-width and invisible formatting characters, and the bidirectional
//! overrides and isolates ("Trojan Source"). Refused in names, addresses,
//! bulk files and form values alike; app.has_hidden_characters in
//! sql/200_patients.sql says the same for the database.

/// Whether `c` is one of the refused characters.
pub fn is_hidden_character(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The first refused character of `text`, if any.
pub fn first_hidden_character(text: &str) -> Option<char> {
    text.chars().find(|&c| is_hidden_character(c))
}

/// Whether `text` shows anything: a character that is neither white space
/// nor refused.
pub fn has_visible_character(text: &str) -> bool {
    text.chars()
        .any(|c| !c.is_whitespace() && !is_hidden_character(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_invisible_and_bidi_characters_are_found() {
        for s in [
            "a\u{0}b",
            "a\u{7}b",
            "\u{202E}abc",
            "ab\u{200B}",
            "\u{2066}x\u{2069}",
            "\u{FEFF}x",
            "x\u{85}",
        ] {
            assert!(first_hidden_character(s).is_some(), "{s:?}");
        }
        for s in [
            "山田 花子",
            "ヤマダ\u{3000}ハナコ",
            "line\nbreak\ttab\r",
            "é",
            "〒100-0001",
        ] {
            assert_eq!(first_hidden_character(s), None, "{s:?}");
        }
    }

    #[test]
    fn a_name_of_only_invisible_characters_shows_nothing() {
        assert!(!has_visible_character("\u{202E}\u{200B} \u{3000}"));
        assert!(has_visible_character(" 山 "));
    }
}
