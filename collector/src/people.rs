//! People who sign in to the report pages (HR staff, office heads): their
//! names and passwords. Passwords get argon2 with its default (memory-hard)
//! parameters: unlike a PIN behind a kiosk's lockout, a password has to hold
//! on its own if a hash ever leaks.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use shared::Msg;

use crate::auth::fill_random;

/// Shortest password.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longest password (argon2 takes any length; this bounds the work).
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A sign-in name: 3 to 32 of a-z, 0-9, `.`, `_`, `-` (given in any case,
/// kept in lower case).
pub fn username(input: &str) -> Result<String, Msg> {
    let name = input.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(Msg::new(
            "Nama pengguna 3 sampai 32 karakter: huruf kecil, angka, '.', '_' atau '-'",
            "A username is 3 to 32 characters: lower-case letters, digits, '.', '_' or '-'",
        ))
    }
}

/// Checks a new password's length (never echoing it).
pub fn check_password(password: &str) -> Result<(), Msg> {
    let n = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(Msg::new(
            format!("Kata sandi {PASSWORD_MIN_CHARS} sampai {PASSWORD_MAX_CHARS} karakter"),
            format!("A password is {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        ))
    }
}

/// Why a password could not be hashed (a server fault).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashFailed(String);

/// The argon2 PHC string of a password, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, HashFailed> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt).map_err(|e| HashFailed(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashFailed(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashFailed(e.to_string()))
}

/// Whether `password` matches `hash` (slow by design: run it off the async
/// threads, through the password gate).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the user does not exist, so that a wrong
/// name takes as long as a wrong password (the time says nothing of which
/// names exist).
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_short() {
        assert_eq!(username(" Rina.Marlina ").unwrap(), "rina.marlina");
        for bad in ["ab", "rina marlina", "rina@kantor", &"x".repeat(33), "rína"] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_password_hash_verifies_its_password_only() {
        let h = hash_password("satu dua tiga empat").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("satu dua tiga empat", &h));
        assert!(!verify_password("satu dua tiga lima", &h));
        assert!(!verify_password("x", decoy_hash()));
        assert!(check_password("short").is_err());
        assert!(check_password("long enough now").is_ok());
    }
}
