//! Passwords: Argon2id hashes in PHC string format, and the password policy.
//!
//! Parameters follow OWASP's Password Storage Cheat Sheet for Argon2id
//! (19 MiB, 2 iterations, 1 lane). A stored hash carries its own parameters,
//! so raising them later keeps old hashes verifiable.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use thiserror::Error;

use super::secret::random_bytes;
use crate::error::ErrorCode;

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let salt_bytes = random_bytes(16);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters cannot fail")
        .to_string()
}

/// True when `password` matches `hash`. A malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Why a new password is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PasswordPolicyError {
    #[error("パスワードは{MIN_LENGTH}文字以上にしてください。")]
    TooShort,
    #[error("パスワードは{MAX_LENGTH}文字以内にしてください。")]
    TooLong,
    #[error("パスワードには英大文字・英小文字・数字・記号のうち2種類以上を含めてください。")]
    TooSimple,
    #[error("パスワードにログインIDを含めないでください。")]
    ContainsLoginId,
}

impl ErrorCode for PasswordPolicyError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "E_PASSWORD_TOO_SHORT",
            Self::TooLong => "E_PASSWORD_TOO_LONG",
            Self::TooSimple => "E_PASSWORD_TOO_SIMPLE",
            Self::ContainsLoginId => "E_PASSWORD_CONTAINS_LOGIN_ID",
        }
    }

    fn message(&self) -> String {
        self.to_string()
    }
}

/// The password policy: 10–128 characters, at least two of (upper, lower,
/// digit, other), and not containing the login id.
pub fn check_password_policy(password: &str, login_id: &str) -> Result<(), PasswordPolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordPolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordPolicyError::TooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < 2 {
        return Err(PasswordPolicyError::TooSimple);
    }
    if !login_id.is_empty() && password.to_lowercase().contains(&login_id.to_lowercase()) {
        return Err(PasswordPolicyError::ContainsLoginId);
    }
    Ok(())
}

/// Letters and digits that cannot be mistaken for each other when read from
/// paper (no 0/O/o, 1/l/I).
const READABLE: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// An initial password to hand over on paper: 16 readable characters
/// (about 93 bits), always satisfying the password policy.
pub fn initial_password() -> String {
    loop {
        let password: String = random_bytes(64)
            .into_iter()
            // 256 is not a multiple of the alphabet size: drop the biased tail.
            .filter(|&b| (b as usize) < 256 - 256 % READABLE.len())
            .take(16)
            .map(|b| READABLE[b as usize % READABLE.len()] as char)
            .collect();
        if password.len() == 16 && check_password_policy(&password, "").is_ok() {
            return password;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let hash = hash_password("Correct-horse-9");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password(&hash, "Correct-horse-9"));
        assert!(!verify_password(&hash, "correct-horse-9"));
        assert!(!verify_password(&hash, ""));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(hash_password("Same-password-1"), hash_password("Same-password-1"));
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify_password("", "x"));
        assert!(!verify_password("plain-text", "plain-text"));
        assert!(!verify_password("$argon2id$v=19$broken", "x"));
    }

    #[test]
    fn policy_boundaries() {
        assert_eq!(check_password_policy("Abcdefgh1", "u1"), Err(PasswordPolicyError::TooShort));
        assert_eq!(check_password_policy("Abcdefghi1", "u1"), Ok(()));
        assert_eq!(check_password_policy(&"a1".repeat(64), "u"), Ok(()));
        assert_eq!(check_password_policy(&format!("{}x", "a1".repeat(64)), "u"), Err(PasswordPolicyError::TooLong));
        assert_eq!(check_password_policy("abcdefghijk", "u1"), Err(PasswordPolicyError::TooSimple));
        assert_eq!(check_password_policy("パスワード日本語です1", "u1"), Ok(()));
        assert_eq!(
            check_password_policy("x1310270751-D001x", "1310270751-d001"),
            Err(PasswordPolicyError::ContainsLoginId)
        );
        assert_eq!(PasswordPolicyError::TooSimple.code(), "E_PASSWORD_TOO_SIMPLE");
    }

    #[test]
    fn initial_passwords_are_readable_and_pass_the_policy() {
        for _ in 0..200 {
            let p = initial_password();
            assert_eq!(p.len(), 16);
            assert!(p.bytes().all(|c| READABLE.contains(&c)), "{p}");
            assert!(check_password_policy(&p, "").is_ok());
        }
    }
}
