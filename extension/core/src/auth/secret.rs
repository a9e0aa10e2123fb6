//! Random secrets from the operating system's CSPRNG.

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};

/// `n` random bytes. Panics only if the OS has no entropy source, which the
/// extension turns into an ERROR (never a crash).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A URL-safe random token of `n` random bytes (unpadded base64url).
pub fn random_token(n: usize) -> String {
    Base64UrlUnpadded::encode_string(&random_bytes(n))
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
        if password.len() == 16 && super::password::check_password_policy(&password, "").is_ok() {
            return password;
        }
    }
}

/// Lower-case hex SHA-256, for storing high-entropy secrets (key files),
/// which need no slow hash.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_url_safe_and_distinct() {
        let a = random_token(32);
        let b = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn initial_passwords_are_readable_and_pass_the_policy() {
        for _ in 0..200 {
            let p = initial_password();
            assert_eq!(p.len(), 16);
            assert!(p.bytes().all(|c| READABLE.contains(&c)), "{p}");
            assert!(super::super::password::check_password_policy(&p, "").is_ok());
        }
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
