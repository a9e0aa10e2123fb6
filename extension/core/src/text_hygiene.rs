//! Characters nobody types on purpose and that hide or disguise what a
//! reader is shown: control characters other than tab and line breaks,
//! zero-width and invisible formatting characters, and the bidirectional
//! marks, overrides and isolates ("Trojan Source"). Refused in names,
//! addresses, bulk files and form values alike: this module is the one
//! rule, and SQL asks it through `nanbyo.has_hidden_characters`
//! (extension/pg/src/text.rs).
//!
//! Variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) are not refused:
//! they choose the glyph of a kanji in a person's name.

/// The code of every refusal of a hidden character.
pub const CODE: &str = "E_TEXT_CONTROL_CHARACTER";

/// The message of a refusal that names no item or character (the one SQL
/// has always given for a patient's name or address).
pub const MESSAGE: &str = "制御文字・見えない文字・文字の向きを変える文字は入力できません。";

/// Whether `c` is one of the refused characters.
pub fn is_hidden_character(c: char) -> bool {
    matches!(c,
        // C0 controls but tab, LF and CR; DEL and the C1 controls
        '\u{00}'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        // soft hyphen
        | '\u{AD}'
        // zero-width space, joiners, LRM and RLM
        | '\u{200B}'..='\u{200F}'
        // embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
        | '\u{202A}'..='\u{202E}'
        // word joiner and invisible operators
        | '\u{2060}'..='\u{2064}'
        // isolates (LRI, RLI, FSI, PDI)
        | '\u{2066}'..='\u{2069}'
        // zero-width no-break space (byte order mark)
        | '\u{FEFF}')
}

/// The first refused character of `text`, if any.
pub fn first_hidden_character(text: &str) -> Option<char> {
    text.chars().find(|&c| is_hidden_character(c))
}

/// Whether `text` holds a refused character.
pub fn has_hidden_characters(text: &str) -> bool {
    first_hidden_character(text).is_some()
}

/// Whether `text` shows anything: a character that is neither white space
/// nor refused. A name of only invisible characters shows nothing.
pub fn has_visible_character(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !is_hidden_character(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_invisible_and_bidi_characters_are_found() {
        for s in [
            "a\u{0}b",
            "a\u{1}b",
            "a\u{7}b",
            "a\u{1F}",
            "\u{7F}",
            "x\u{85}",
            "x\u{9F}",
            "\u{AD}",
            "\u{202A}abc",
            "\u{202E}abc",
            "ab\u{200B}",
            "ab\u{200F}",
            "\u{2060}",
            "\u{2064}",
            "\u{2066}x\u{2069}",
            "\u{FEFF}x",
        ] {
            assert!(first_hidden_character(s).is_some(), "{s:?}");
            assert!(has_hidden_characters(s), "{s:?}");
        }
        for s in [
            "山田 花子",
            "ヤマダ\u{3000}ハナコ",
            "line\nbreak\ttab\r",
            "é",
            "〒100-0001",
            // a kanji with its variation selector (葛 with an IVS)
            "葛\u{E0100}城",
            "\u{2065}",
            "\u{2070}",
            "\u{A0}",
            "",
        ] {
            assert_eq!(first_hidden_character(s), None, "{s:?}");
            assert!(!has_hidden_characters(s), "{s:?}");
        }
    }

    #[test]
    fn each_refused_range_from_end_to_end() {
        for (from, to) in [
            (0x00, 0x08),
            (0x0B, 0x0C),
            (0x0E, 0x1F),
            (0x7F, 0x9F),
            (0xAD, 0xAD),
            (0x200B, 0x200F),
            (0x202A, 0x202E),
            (0x2060, 0x2064),
            (0x2066, 0x2069),
            (0xFEFF, 0xFEFF),
        ] {
            for c in [from, to] {
                assert!(is_hidden_character(char::from_u32(c).unwrap()), "U+{c:04X}");
            }
            // the neighbours of every range are text (tab, line breaks, spaces, letters)
            for c in [from.checked_sub(1), Some(to + 1)].into_iter().flatten() {
                assert!(!is_hidden_character(char::from_u32(c).unwrap()), "U+{c:04X}");
            }
        }
    }

    #[test]
    fn a_name_of_only_invisible_characters_shows_nothing() {
        assert!(!has_visible_character("\u{202E}\u{200B} \u{3000}"));
        assert!(!has_visible_character(""));
        assert!(!has_visible_character("\t\n\u{3000}"));
        assert!(has_visible_character(" 山 "));
    }
}
