//! Access keys (B7) for SQL: generate, read a typed key, keyed hash.

use pgrx::prelude::*;

use crate::errors::raise_error;
use nanbyo_core::access_key;

/// A fresh access key, grouped for printing (`XXXXXX-XXXXXX-XXXXXX`).
#[pg_extern(volatile, parallel_safe)]
fn generate_access_key() -> String {
    access_key::generate()
}

fn normalize_or_raise(typed: &str) -> String {
    access_key::normalize(typed).unwrap_or_else(|e| raise_error(&e))
}

/// The canonical form of a typed key; raises E_ACCESS_KEY_FORMAT or
/// E_ACCESS_KEY_TYPO (the check character caught a typo).
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_access_key(typed: &str) -> String {
    normalize_or_raise(typed)
}

/// The keyed hash stored for a (typed or canonical) key.
#[pg_extern(immutable, strict, parallel_safe)]
fn access_key_hash(key: &str, secret: &str) -> String {
    access_key::keyed_hash(&normalize_or_raise(key), secret.as_bytes())
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn a_key_round_trips_and_a_typo_is_an_error() {
        let key = Spi::get_one::<String>("SELECT nanbyo.generate_access_key()").unwrap().unwrap();
        let same = Spi::get_one::<bool>(&format!(
            "SELECT nanbyo.access_key_hash(lower('{key}'), 's') = nanbyo.access_key_hash('{key}', 's')"
        ));
        assert_eq!(same, Ok(Some(true)));
    }

    #[pg_test(error = "アクセスキーに入力誤りがあります。印刷されたキーをもう一度確認してください。")]
    fn a_typo_is_caught() {
        let key = Spi::get_one::<String>("SELECT nanbyo.generate_access_key()").unwrap().unwrap();
        let first = key.chars().next().unwrap();
        let other = if first == '2' { '3' } else { '2' };
        let typo = format!("{other}{}", &key[1..]);
        let _ = Spi::get_one::<String>(&format!("SELECT nanbyo.normalize_access_key('{typo}')"));
    }
}
