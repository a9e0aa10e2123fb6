//! Random secrets from the operating system's CSPRNG. (Initial passwords,
//! which must pass the password policy, are in auth::password: this module
//! depends on nothing else of the crate.)

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
    fn sha256_of_abc() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
