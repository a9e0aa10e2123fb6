//! Access keys (アクセスキー, B7): printed on a confirmed form, typed in by a
//! municipality clerk or another doctor to fetch it.
//!
//! - 17 random characters from a 27-character alphabet without look-alikes
//!   (no O, I, L, Z, S, B or V beside 0/1/2/5/8/U; no 0 or 1 at all): 17 × log2(27) ≈ 80.8 bits.
//! - One check character (weighted sum mod 27, weights 2,1,2,1… from the
//!   right) catches every single mistyped character and every swap of two
//!   neighbours: both weights are prime to 27, and so is their difference.
//! - Printed in three groups of six: `XXXXXX-XXXXXX-XXXXXX`.
//! - Stored only as a keyed hash (HMAC-SHA-256 with a server secret), so a
//!   copy of the database does not reveal the keys and cannot be searched
//!   offline without the secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::auth::secret::random_bytes;
use crate::error::ErrorCode;
use crate::normalize::to_half_width;

/// The alphabet: digits 2–9 and the letters that none of them (or each
/// other) can be mistaken for.
pub const ALPHABET: &[u8; 27] = b"23456789ACDEFGHJKMNPQRTUWXY";
const RANDOM_CHARS: usize = 17;
pub const KEY_CHARS: usize = RANDOM_CHARS + 1;
const GROUP: usize = 6;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccessKeyError {
    #[error("アクセスキーは英数字18文字（例: ABCDEF-GHJKMN-PQRT23）です。入力した文字数は{0}文字です。")]
    Length(usize),
    #[error("アクセスキーに使われない文字「{0}」が含まれています。印刷されたキーを確認してください。")]
    Character(char),
    #[error("アクセスキーに入力誤りがあります。印刷されたキーをもう一度確認してください。")]
    CheckCharacter,
}

impl ErrorCode for AccessKeyError {
    fn code(&self) -> &'static str {
        match self {
            Self::Length(_) | Self::Character(_) => "E_ACCESS_KEY_FORMAT",
            Self::CheckCharacter => "E_ACCESS_KEY_TYPO",
        }
    }

    fn message(&self) -> String {
        self.to_string()
    }
}

fn index_of(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

/// The check character for `body` (alphabet indices): the weighted sum of
/// body and check is 0 mod 27.
fn check_character(body: &[usize]) -> usize {
    let n = ALPHABET.len();
    let sum: usize = body.iter().rev().enumerate().map(|(i, &v)| if i % 2 == 0 { 2 * v } else { v }).sum();
    (n - sum % n) % n
}

/// A fresh access key, grouped for printing.
pub fn generate() -> String {
    let limit = 256 - 256 % ALPHABET.len();
    let mut body = Vec::with_capacity(RANDOM_CHARS);
    while body.len() < RANDOM_CHARS {
        for b in random_bytes(32) {
            // rejection sampling keeps every character equally likely
            if (b as usize) < limit && body.len() < RANDOM_CHARS {
                body.push(b as usize % ALPHABET.len());
            }
        }
    }
    let check = check_character(&body);
    body.push(check);
    format_key(&body)
}

fn format_key(indices: &[usize]) -> String {
    let chars: Vec<char> = indices.iter().map(|&i| ALPHABET[i] as char).collect();
    chars.chunks(GROUP).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Reads a typed key: full-width or lower-case letters, spaces and hyphens
/// are accepted. Returns the canonical grouped form, or why it is wrong.
pub fn normalize(typed: &str) -> Result<String, AccessKeyError> {
    let half = to_half_width(typed).to_ascii_uppercase();
    let mut indices = Vec::with_capacity(KEY_CHARS);
    let mut count = 0;
    let mut bad = None;
    for c in half.chars() {
        if c.is_whitespace() || c == '-' || c == 'ー' || c == '−' {
            continue;
        }
        count += 1;
        match u8::try_from(c).ok().and_then(index_of) {
            Some(i) => indices.push(i),
            None => bad = bad.or(Some(c)),
        }
    }
    if count != KEY_CHARS {
        return Err(AccessKeyError::Length(count));
    }
    if let Some(c) = bad {
        return Err(AccessKeyError::Character(c));
    }
    if check_character(&indices[..RANDOM_CHARS]) != indices[RANDOM_CHARS] {
        return Err(AccessKeyError::CheckCharacter);
    }
    Ok(format_key(&indices))
}

/// The keyed hash stored for a key (lower-case hex HMAC-SHA-256 of the
/// canonical form).
pub fn keyed_hash(canonical_key: &str, secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(canonical_key.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_has_no_look_alikes_and_no_repeats() {
        for c in b"01BILOSVZ" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    #[test]
    fn a_generated_key_has_80_bits_and_reads_back() {
        let bits = (RANDOM_CHARS as f64) * (ALPHABET.len() as f64).log2();
        assert!(bits >= 80.0, "{bits}");
        let key = generate();
        assert_eq!(key.len(), KEY_CHARS + 2);
        assert_eq!(key.matches('-').count(), 2);
        assert_eq!(normalize(&key).unwrap(), key);
        assert_ne!(generate(), key);
    }

    #[test]
    fn typing_variants_are_accepted() {
        let key = generate();
        let typed = format!(" {} ", key.replace('-', " ").to_lowercase());
        assert_eq!(normalize(&typed).unwrap(), key);
        let full_width: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
            .collect();
        assert_eq!(normalize(&full_width).unwrap(), key);
    }

    #[test]
    fn every_single_typo_is_caught() {
        let key = generate().replace('-', "");
        for pos in 0..KEY_CHARS {
            for &replacement in ALPHABET.iter() {
                let mut bytes = key.clone().into_bytes();
                if bytes[pos] == replacement {
                    continue;
                }
                bytes[pos] = replacement;
                let typo = String::from_utf8(bytes).unwrap();
                assert_eq!(normalize(&typo), Err(AccessKeyError::CheckCharacter), "{typo}");
            }
        }
    }

    #[test]
    fn every_neighbour_swap_is_caught() {
        for _ in 0..50 {
            let key = generate().replace('-', "");
            let bytes = key.as_bytes();
            for pos in 0..KEY_CHARS - 1 {
                if bytes[pos] == bytes[pos + 1] {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(pos, pos + 1);
                let typo = String::from_utf8(swapped).unwrap();
                assert!(normalize(&typo).is_err(), "{key} → {typo}");
            }
        }
    }

    #[test]
    fn wrong_length_and_foreign_characters_are_format_errors() {
        assert_eq!(normalize("ABC").unwrap_err().code(), "E_ACCESS_KEY_FORMAT");
        let key = generate();
        let with_o = format!("O{}", &key[1..]);
        assert_eq!(normalize(&with_o), Err(AccessKeyError::Character('O')));
    }

    #[test]
    fn the_keyed_hash_depends_on_the_secret() {
        let key = generate();
        let a = keyed_hash(&key, b"secret-a");
        assert_eq!(a.len(), 64);
        assert_eq!(a, keyed_hash(&key, b"secret-a"));
        assert_ne!(a, keyed_hash(&key, b"secret-b"));
    }
}
