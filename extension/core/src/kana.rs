//! Readings (フリガナ) as the patient register keeps them: half-width
//! katakana (U+FF61–U+FF9F) made full-width, a voiced or semi-voiced sound
//! mark joined to the kana before it (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ), which is
//! what NFKC does to these characters. Everything else is kept as typed.

/// The full-width form of U+FF61 + index (NFKC's compatibility mapping);
/// the last two are the combining sound marks.
const FULL_WIDTH: [char; 63] = [
    '。',
    '「',
    '」',
    '、',
    '・',
    'ヲ',
    'ァ',
    'ィ',
    'ゥ',
    'ェ',
    'ォ',
    'ャ',
    'ュ',
    'ョ',
    'ッ', //
    'ー',
    'ア',
    'イ',
    'ウ',
    'エ',
    'オ',
    'カ',
    'キ',
    'ク',
    'ケ',
    'コ',
    'サ',
    'シ',
    'ス',
    'セ',
    'ソ', //
    'タ',
    'チ',
    'ツ',
    'テ',
    'ト',
    'ナ',
    'ニ',
    'ヌ',
    'ネ',
    'ノ',
    'ハ',
    'ヒ',
    'フ',
    'ヘ',
    'ホ',
    'マ', //
    'ミ',
    'ム',
    'メ',
    'モ',
    'ヤ',
    'ユ',
    'ヨ',
    'ラ',
    'リ',
    'ル',
    'レ',
    'ロ',
    'ワ',
    'ン', //
    VOICED,
    SEMI_VOICED,
];

/// COMBINING KATAKANA-HIRAGANA VOICED SOUND MARK (from ﾞ)
const VOICED: char = '\u{3099}';
/// COMBINING KATAKANA-HIRAGANA SEMI-VOICED SOUND MARK (from ﾟ)
const SEMI_VOICED: char = '\u{309A}';

/// `base` joined with a combining sound `mark`, when Unicode has that
/// character (canonical composition, for kana bases).
fn compose(base: char, mark: char) -> Option<char> {
    let b = base as u32;
    // hiragana and katakana of the か, さ, た and は rows share a layout
    let kana_offset = |b: u32| if (0x30A1..=0x30F6).contains(&b) { b - 0x60 } else { b };
    let h = kana_offset(b);
    let composed = match mark {
        VOICED => match h {
            // か–ぢ: every other code point; つ, て, と after the small っ
            0x304B | 0x304D | 0x304F | 0x3051 | 0x3053 | 0x3055 | 0x3057 | 0x3059 | 0x305B | 0x305D | 0x305F
            | 0x3061 | 0x3064 | 0x3066 | 0x3068 => b + 1,
            // は row: every third
            0x306F | 0x3072 | 0x3075 | 0x3078 | 0x307B => b + 1,
            _ => match b {
                0x3046 => 0x3094,         // う → ゔ
                0x30A6 => 0x30F4,         // ウ → ヴ
                0x30EF..=0x30F2 => b + 8, // ワ ヰ ヱ ヲ → ヷ ヸ ヹ ヺ
                0x309D | 0x30FD => b + 1, // ゝ ヽ → ゞ ヾ
                _ => return None,
            },
        },
        SEMI_VOICED => match h {
            0x306F | 0x3072 | 0x3075 | 0x3078 | 0x307B => b + 2,
            _ => return None,
        },
        _ => return None,
    };
    char::from_u32(composed)
}

/// `text` with half-width katakana made full-width and each sound mark
/// joined to the kana before it where Unicode has the joined character (a
/// mark that cannot join stays as the combining mark, as in NFKC).
pub fn normalize_kana(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF61}'..='\u{FF9F}' => FULL_WIDTH[(c as u32 - 0xFF61) as usize],
            other => other,
        };
        if matches!(c, VOICED | SEMI_VOICED) {
            if let Some(joined) = out.chars().next_back().and_then(|base| compose(base, c)) {
                out.pop();
                out.push(joined);
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_readings_become_full_width() {
        assert_eq!(normalize_kana("ﾔﾏﾀﾞ ﾊﾅｺ"), "ヤマダ ハナコ");
        assert_eq!(normalize_kana("ｶﾞｷﾞｸﾞｹﾞｺﾞ"), "ガギグゲゴ");
        assert_eq!(normalize_kana("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"), "パピプペポ");
        assert_eq!(normalize_kana("ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ"), "バビブベボ");
        assert_eq!(normalize_kana("ｳﾞｧﾝ"), "ヴァン");
        assert_eq!(normalize_kana("ﾂﾞﾃﾞﾄﾞﾁﾞ"), "ヅデドヂ");
        assert_eq!(normalize_kana("ｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞ"), "ザジズゼゾダ");
        assert_eq!(normalize_kana("ｰ･｡｢｣､ｦｧｨｩｪｫｬｭｮｯﾝ"), "ー・。「」、ヲァィゥェォャュョッン");
        assert_eq!(normalize_kana("ﾜﾞｦﾞ"), "ヷヺ");
    }

    #[test]
    fn marks_that_cannot_join_stay_combining() {
        // as NFKC: ア has no voiced form, ｯ neither, nor does a mark at the start
        assert_eq!(normalize_kana("ｱﾞ"), "ア\u{3099}");
        assert_eq!(normalize_kana("ﾞｶ"), "\u{3099}カ");
        assert_eq!(normalize_kana("ｶﾟ"), "カ\u{309A}");
        assert_eq!(normalize_kana("ｶﾞﾞ"), "ガ\u{3099}");
    }

    #[test]
    fn full_width_text_is_kept_and_a_decomposed_reading_joins() {
        for s in ["ヤマダ　ハナコ", "山田 花子", "abc", "ガ", "ヴ", "やまだ"] {
            assert_eq!(normalize_kana(s), s);
        }
        assert_eq!(normalize_kana("カﾞ"), "ガ");
        assert_eq!(normalize_kana("か\u{3099}は\u{309A}"), "がぱ");
    }

    #[test]
    fn normalising_twice_changes_nothing_more() {
        for s in ["ｱﾞﾞ", "ｶﾞﾞﾟ", "ﾊﾟﾟ", "ﾞﾞ", "ﾔﾏﾀﾞ ﾊﾅｺ", "ｳﾞ"] {
            let once = normalize_kana(s);
            assert_eq!(normalize_kana(&once), once, "{s}");
        }
    }
}
