//! Passwords, secrets and signed tokens for the login functions in SQL.

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};

use crate::errors::{raise, raise_error};
use nanbyo_core::auth::{jwt, password, secret};

/// An Argon2id hash (PHC string) of `password` with a fresh salt.
#[pg_extern(volatile, strict, parallel_safe)]
fn hash_password(password: &str) -> String {
    password::hash_password(password)
}

/// True when `password` matches the stored `hash`.
#[pg_extern(immutable, strict, parallel_safe)]
fn verify_password(hash: &str, password: &str) -> bool {
    password::verify_password(hash, password)
}

/// Raises an error (code E_PASSWORD_*) unless `password` meets the policy.
#[pg_extern(immutable, strict, parallel_safe)]
fn check_password_policy(password: &str, login_id: &str) -> bool {
    if let Err(e) = password::check_password_policy(password, login_id) {
        raise_error(&e);
    }
    true
}

/// A JWT (HS256) carrying `claims`, signed with `secret`.
#[pg_extern(immutable, strict, parallel_safe)]
fn sign_jwt(claims: JsonB, secret: &str) -> String {
    jwt::sign_hs256(&claims.0, secret.as_bytes())
}

/// A URL-safe random token of `bytes` random bytes (1–1024).
#[pg_extern(volatile, strict, parallel_safe)]
fn random_token(bytes: i32) -> String {
    if !(1..=1024).contains(&bytes) {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "E_ARGUMENT",
            format!("乱数の長さ {bytes} は 1〜1024 バイトにしてください。"),
            None,
        );
    }
    secret::random_token(bytes as usize)
}

/// A 16-character initial password without look-alike characters.
#[pg_extern(volatile, parallel_safe)]
fn initial_password() -> String {
    password::initial_password()
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn password_round_trip() {
        let ok = Spi::get_one::<bool>(
            "WITH h AS (SELECT nanbyo.hash_password('Secret-pass-1') AS hash) \
             SELECT nanbyo.verify_password(hash, 'Secret-pass-1') \
                AND NOT nanbyo.verify_password(hash, 'secret-pass-1') \
                AND NOT nanbyo.verify_password('garbage', 'Secret-pass-1') FROM h",
        )
        .unwrap();
        assert_eq!(ok, Some(true));
    }

    #[pg_test(error = "パスワードは10文字以上にしてください。")]
    fn a_short_password_is_refused() {
        Spi::run("SELECT nanbyo.check_password_policy('Short1', 'u')").unwrap();
    }

    #[pg_test]
    fn tokens_verify_with_the_core() {
        let token = Spi::get_one::<String>(
            "SELECT nanbyo.sign_jwt('{\"role\":\"doctor\",\"sub\":\"7\"}', 'a-secret-of-thirty-two-characters!')",
        )
        .unwrap()
        .unwrap();
        let claims = nanbyo_core::auth::jwt::verify_hs256(&token, b"a-secret-of-thirty-two-characters!").unwrap();
        assert_eq!(claims["role"], "doctor");
    }

    #[pg_test(error = "乱数の長さ 0 は 1〜1024 バイトにしてください。")]
    fn a_zero_length_token_is_refused() {
        Spi::run("SELECT nanbyo.random_token(0)").unwrap();
    }
}
