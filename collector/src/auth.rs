//! Secrets and who may call what: random keys and tokens, their hashes, and
//! the extractor that guards the admin routes.
//!
//! Bearer tokens are 256 random bits, so a plain SHA-256 is enough to store
//! them safely (there is nothing to brute-force); PINs, which are short, get
//! argon2 instead (see [`crate::roster`]).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use httpkit::ApiError;
use sha2::{Digest, Sha256};
use shared::Msg;

use crate::startup::AppState;

/// The operating system gave no randomness (`getrandom::Error` is not a
/// `std::error::Error` without its `std` feature, hence this wrapper).
#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no randomness: {0}")]
pub struct NoRandomness(String);

/// Fills `buf` with random bytes from the operating system.
pub fn fill_random(buf: &mut [u8]) -> Result<(), NoRandomness> {
    getrandom::fill(buf).map_err(|e| NoRandomness(e.to_string()))
}

/// A new random secret: 32 bytes from the operating system, as 64 lowercase
/// hex characters (URL- and shell-safe, easy to paste into a flag).
pub fn new_secret() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of a bearer token: what is stored and compared.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares two hashes in constant time, so the time taken says nothing
/// about how many leading bytes matched.
pub fn hashes_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer TOKEN` header, if there is one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why a caller was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No admin token, or the wrong one.
    #[error("missing or wrong admin token")]
    NotAdmin,
    /// The app was built without its state (a programming error).
    #[error("application state is missing")]
    NoState,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::NotAdmin => ApiError::unauthorized(Msg::new(
                "Token admin tidak ada atau salah. Kirim header Authorization: Bearer TOKEN \
                 (token dicetak saat collector pertama kali dijalankan dan disimpan di \
                 DIR/admin-token).",
                "Missing or wrong admin token. Send Authorization: Bearer TOKEN (the token \
                 was printed at the collector's first start and saved in DIR/admin-token).",
            )),
            AuthError::NoState => ApiError::unexpected(e),
        }
    }
}

/// Proof that the request carries the admin token. Put it first among a
/// handler's arguments so that a caller without the token learns nothing
/// else (not even whether the body was valid).
#[derive(Debug, Clone, Copy)]
pub struct AdminAuth;

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = Ready<Result<AdminAuth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(admin(req).map_err(ApiError::from))
    }
}

fn admin(req: &HttpRequest) -> Result<AdminAuth, AuthError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(AuthError::NoState)?;
    let token = bearer_token(req).ok_or(AuthError::NotAdmin)?;
    if hashes_equal(&hash_token(token), &state.admin_token_hash) {
        Ok(AdminAuth)
    } else {
        Err(AuthError::NotAdmin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn new_secrets_are_64_hex_characters_and_differ() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_token_hash_is_its_sha256() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hex::encode(hash_token("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hashes_are_equal_only_when_every_byte_is() {
        let a = hash_token("x");
        let mut b = a;
        assert!(hashes_equal(&a, &b));
        b[31] ^= 1;
        assert!(!hashes_equal(&a, &b));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_other_schemes_are_ignored() {
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "bearer abc"))
            .to_http_request();
        assert_eq!(bearer_token(&req), Some("abc"));
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Basic abc"))
            .to_http_request();
        assert_eq!(bearer_token(&req), None);
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer "))
            .to_http_request();
        assert_eq!(bearer_token(&req), None);
    }
}
