//! Text rules of the core for SQL: hidden characters (core text_hygiene)
//! and readings (core kana), so the database and the offline check tool
//! apply one rule.

use pgrx::prelude::*;

/// Whether a text holds control, invisible or bidirectional characters
/// (nanbyo_core::text_hygiene).
#[pg_extern(immutable, strict, parallel_safe)]
fn has_hidden_characters(value: &str) -> bool {
    nanbyo_core::text_hygiene::has_hidden_characters(value)
}

/// A reading with half-width katakana made full-width and sound marks
/// joined (ｶﾞ → ガ), as normalize(x, NFKC) does to katakana.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_kana(value: &str) -> String {
    nanbyo_core::kana::normalize_kana(value)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn hidden_characters_from_sql() {
        let found = Spi::get_one::<bool>(
            "SELECT nanbyo.has_hidden_characters(E'a\\u202Eb') AND nanbyo.has_hidden_characters(E'\\u200B') \
                AND nanbyo.has_hidden_characters(E'x\\x01') \
                AND NOT nanbyo.has_hidden_characters(E'山田\\t花子\\n') \
                AND NOT nanbyo.has_hidden_characters('')",
        )
        .unwrap();
        assert_eq!(found, Some(true));
        let null = Spi::get_one::<bool>("SELECT nanbyo.has_hidden_characters(NULL)").unwrap();
        assert_eq!(null, None, "strict: NULL in, NULL out");
    }

    #[pg_test]
    fn readings_are_normalised_as_nfkc_does() {
        let kana = Spi::get_one::<String>("SELECT nanbyo.normalize_kana('ﾔﾏﾀﾞ ﾊﾟﾝ ｳﾞｧ')").unwrap();
        assert_eq!(kana.as_deref(), Some("ヤマダ パン ヴァ"));
        let agrees = Spi::get_one::<bool>(
            "SELECT bool_and(nanbyo.normalize_kana(s) = normalize(s, NFKC)) \
               FROM unnest(ARRAY['ﾔﾏﾀﾞ ﾊﾅｺ', 'ｶﾞｷﾞｸﾞｹﾞｺﾞ', 'ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ', 'ｳﾞｧﾝ', 'ﾜﾞｦﾞ', \
                                 'ｰ･｡｢｣､ｦｧｨｩｪｫｬｭｮｯﾝ', 'ｱﾞ', 'ﾞｶ', 'ヤマダ・ハナコ']) s",
        )
        .unwrap();
        assert_eq!(agrees, Some(true), "the same as normalize(x, NFKC) for readings");
    }
}
