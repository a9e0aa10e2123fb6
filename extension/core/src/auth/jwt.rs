//! JSON Web Tokens signed with HS256, the form PostgREST verifies with its
//! `jwt-secret`. Only signing is needed in the database; verification is here
//! for tests and tools.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length")
}

/// `header.claims.signature`, each part base64url without padding.
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(HEADER.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    let signature = Base64UrlUnpadded::encode_string(&m.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// The claims of a token whose HS256 signature is valid for `secret`
/// (expiry is not checked here).
pub fn verify_hs256(token: &str, secret: &[u8]) -> Option<Value> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, claims) = signing_input.split_once('.')?;
    let header: Value = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).ok()?).ok()?;
    if header.get("alg")? != "HS256" {
        return None;
    }
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    m.verify_slice(&Base64UrlUnpadded::decode_vec(signature).ok()?).ok()?;
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(claims).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signing_is_deterministic_and_verifiable() {
        let claims = json!({"role": "doctor", "sub": "12", "exp": 1_900_000_000});
        let secret = b"a-secret-of-at-least-thirty-two-characters";
        let token = sign_hs256(&claims, secret);
        assert_eq!(token, sign_hs256(&claims, secret));
        assert_eq!(token.split('.').count(), 3);
        assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        assert_eq!(verify_hs256(&token, secret), Some(claims));
    }

    #[test]
    fn a_known_token() {
        // Computed independently with Python's hmac/hashlib.
        let token = sign_hs256(&json!({"a":1}), b"k");
        assert_eq!(token, KNOWN);
    }
    const KNOWN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoxfQ.HYfzqBpLbCOo950TeHdytWxg8UHtAmEQCW7ITVky6Gc";

    #[test]
    fn a_wrong_secret_or_a_changed_claim_fails() {
        let token = sign_hs256(&json!({"role": "doctor"}), b"secret-one");
        assert_eq!(verify_hs256(&token, b"secret-two"), None);
        let forged = token.replacen(".eyJ", ".eyK", 1);
        assert_eq!(verify_hs256(&forged, b"secret-one"), None);
        assert_eq!(verify_hs256("not-a-token", b"secret-one"), None);
    }
}
