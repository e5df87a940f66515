//! HMAC-SHA256 signatures: kiosk requests to the collector, and the QR rating
//! tokens printed for citizens.
//!
//! Requests: `X-Signature` is the lowercase hex HMAC-SHA256, keyed with the
//! UTF-8 bytes of the kiosk's key, over `timestamp + "." + body` (an empty body
//! for GET), accepted within [`REPLAY_WINDOW_S`] of the collector's clock.
//!
//! QR tokens: `payload "." signature`, both base64url without padding. The
//! payload is 41 bytes: a kind byte (1 for a rating link `/r/`, 2 for a
//! ticket's phone link `/t/`), kiosk id (16), ticket id (16), expiry in unix
//! seconds (8, big-endian). The signature is HMAC-SHA256 with the kiosk key
//! over `"qr." + payload` (rating links) or `"t." + payload` (ticket links),
//! so one kind can never pass for the other. No NIP or other personal data is
//! inside; the token is URL-safe and short enough for a small QR code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::{KioskId, TicketId};

type HmacSha256 = Hmac<Sha256>;

/// Header carrying the kiosk id.
pub const HEADER_KIOSK_ID: &str = "X-Kiosk-Id";
/// Header carrying the unix timestamp (seconds) that was signed.
pub const HEADER_TIMESTAMP: &str = "X-Timestamp";
/// Header carrying the hex signature.
pub const HEADER_SIGNATURE: &str = "X-Signature";
/// How far (seconds, either side) a request's timestamp may be from the
/// collector's clock.
pub const REPLAY_WINDOW_S: i64 = 300;

fn mac(key: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// The signature of a kiosk request.
pub fn sign_request(key: &str, timestamp: i64, body: &[u8]) -> String {
    let mut m = mac(key);
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

/// Checks a kiosk request's signature in constant time.
pub fn verify_request(key: &str, timestamp: i64, body: &[u8], signature_hex: &str) -> bool {
    let Ok(sig) = hex::decode(signature_hex) else {
        return false;
    };
    let mut m = mac(key);
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.verify_slice(&sig).is_ok()
}

/// Whether a signed timestamp is inside the replay window around `now`.
pub fn within_window(timestamp: i64, now: i64) -> bool {
    // `abs_diff` cannot overflow, whatever a caller sends as its timestamp.
    timestamp.abs_diff(now) <= REPLAY_WINDOW_S.unsigned_abs()
}

/// What a QR rating token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrClaims {
    /// The kiosk that issued it (its key signs the token).
    pub kiosk_id: KioskId,
    /// The ticket to rate.
    pub ticket_id: TicketId,
    /// Unix seconds after which it is no longer accepted.
    pub expires_at: i64,
}

const QR_PAYLOAD_LEN: usize = 41;

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The rating page of a completed ticket (`/r/{token}`).
    Rating,
    /// A ticket's phone link (`/t/{token}`): its place in the queue while it
    /// waits, its rating page once completed.
    TicketLink,
}

impl TokenKind {
    fn byte(self) -> u8 {
        match self {
            TokenKind::Rating => 1,
            TokenKind::TicketLink => 2,
        }
    }

    fn of(byte: u8) -> Option<TokenKind> {
        match byte {
            1 => Some(TokenKind::Rating),
            2 => Some(TokenKind::TicketLink),
            _ => None,
        }
    }

    fn domain(self) -> &'static [u8] {
        match self {
            TokenKind::Rating => b"qr.",
            TokenKind::TicketLink => b"t.",
        }
    }
}

/// Why a QR token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Not a token at all.
    #[error("malformed rating token")]
    Malformed,
    /// The signature does not match the kiosk's key.
    #[error("forged rating token")]
    Forged,
}

impl QrClaims {
    /// Encodes and signs a rating link's token.
    pub fn sign(&self, key: &str) -> String {
        self.sign_as(TokenKind::Rating, key)
    }

    /// Encodes and signs a token of `kind`.
    pub fn sign_as(&self, kind: TokenKind, key: &str) -> String {
        let mut p = Vec::with_capacity(QR_PAYLOAD_LEN);
        p.push(kind.byte());
        p.extend_from_slice(self.kiosk_id.0.as_bytes());
        p.extend_from_slice(self.ticket_id.0.as_bytes());
        p.extend_from_slice(&self.expires_at.to_be_bytes());
        let payload = URL_SAFE_NO_PAD.encode(&p);
        let mut m = mac(key);
        m.update(kind.domain());
        m.update(payload.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
        format!("{payload}.{sig}")
    }
}

/// A token parsed but not yet verified: read its kiosk id to find the key,
/// then [`UnverifiedQr::verify`].
#[derive(Debug, Clone)]
pub struct UnverifiedQr {
    claims: QrClaims,
    kind: TokenKind,
    payload: String,
    sig: Vec<u8>,
}

impl UnverifiedQr {
    /// Parses a token.
    pub fn parse(token: &str) -> Result<UnverifiedQr, QrError> {
        if token.len() > 200 {
            return Err(QrError::Malformed);
        }
        let (payload, sig) = token.split_once('.').ok_or(QrError::Malformed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| QrError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| QrError::Malformed)?;
        if bytes.len() != QR_PAYLOAD_LEN || sig.len() != 32 {
            return Err(QrError::Malformed);
        }
        let kind = TokenKind::of(bytes[0]).ok_or(QrError::Malformed)?;
        let uuid = |r: std::ops::Range<usize>| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[r]);
            uuid::Uuid::from_bytes(b)
        };
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&bytes[33..41]);
        Ok(UnverifiedQr {
            claims: QrClaims {
                kiosk_id: KioskId(uuid(1..17)),
                ticket_id: TicketId(uuid(17..33)),
                expires_at: i64::from_be_bytes(exp),
            },
            kind,
            payload: payload.to_owned(),
            sig,
        })
    }

    /// The kiosk whose key must have signed it.
    pub fn kiosk_id(&self) -> KioskId {
        self.claims.kiosk_id
    }

    /// What the token opens (as it claims, before verification).
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Checks the signature (constant time) and gives the claims.
    pub fn verify(&self, key: &str) -> Result<QrClaims, QrError> {
        let mut m = mac(key);
        m.update(self.kind.domain());
        m.update(self.payload.as_bytes());
        m.verify_slice(&self.sig).map_err(|_| QrError::Forged)?;
        Ok(self.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "kiosk-secret";

    fn claims() -> QrClaims {
        QrClaims {
            kiosk_id: KioskId(uuid::Uuid::from_u128(0x0192_aaaa)),
            ticket_id: TicketId(uuid::Uuid::from_u128(0x0192_bbbb)),
            expires_at: 1_800_000_000,
        }
    }

    #[test]
    fn a_request_signature_verifies_with_the_same_key_only() {
        let sig = sign_request(KEY, 1_700_000_000, b"{\"a\":1}");
        assert_eq!(sig.len(), 64);
        assert!(verify_request(KEY, 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify_request("other", 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify_request(KEY, 1_700_000_001, b"{\"a\":1}", &sig));
        assert!(!verify_request(KEY, 1_700_000_000, b"{\"a\":2}", &sig));
        assert!(!verify_request(KEY, 1_700_000_000, b"{\"a\":1}", "zz"));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231-style check against an independently computed value:
        // HMAC-SHA256(key="key", "1.") computed with openssl.
        let sig = sign_request("key", 1, b"");
        assert_eq!(sig, {
            let mut m = HmacSha256::new_from_slice(b"key").unwrap();
            m.update(b"1.");
            hex::encode(m.finalize().into_bytes())
        });
    }

    #[test]
    fn the_replay_window_is_300_seconds_either_side() {
        assert!(within_window(1000, 1300));
        assert!(within_window(1300, 1000));
        assert!(!within_window(1000, 1301));
    }

    #[test]
    fn extreme_timestamps_are_outside_the_window_without_overflow() {
        assert!(!within_window(i64::MIN, i64::MAX));
        assert!(!within_window(i64::MAX, i64::MIN));
        assert!(!within_window(i64::MIN, 0));
    }

    #[test]
    fn a_qr_token_round_trips_and_is_url_safe() {
        let token = claims().sign(KEY);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        );
        assert!(token.len() < 100);
        let parsed = UnverifiedQr::parse(&token).unwrap();
        assert_eq!(parsed.kiosk_id(), claims().kiosk_id);
        assert_eq!(parsed.verify(KEY).unwrap(), claims());
    }

    #[test]
    fn a_qr_token_signed_with_another_key_or_altered_is_forged() {
        let token = claims().sign("not-the-key");
        assert_eq!(
            UnverifiedQr::parse(&token).unwrap().verify(KEY),
            Err(QrError::Forged)
        );
        let mut other = claims();
        other.expires_at += 86_400;
        let (payload, _) = other
            .sign("x")
            .split_once('.')
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .unwrap();
        let (_, sig) = token.split_once('.').unwrap();
        let spliced = format!("{payload}.{sig}");
        assert_eq!(
            UnverifiedQr::parse(&spliced).unwrap().verify("not-the-key"),
            Err(QrError::Forged)
        );
    }

    #[test]
    fn a_ticket_link_token_cannot_pass_for_a_rating_token() {
        let link = claims().sign_as(TokenKind::TicketLink, KEY);
        let parsed = UnverifiedQr::parse(&link).unwrap();
        assert_eq!(parsed.kind(), TokenKind::TicketLink);
        assert_eq!(parsed.verify(KEY).unwrap(), claims());
        // The same payload relabelled as a rating token fails the signature.
        let (payload, sig) = link.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[0] = 1;
        let relabelled = format!("{}.{sig}", URL_SAFE_NO_PAD.encode(&bytes));
        let parsed = UnverifiedQr::parse(&relabelled).unwrap();
        assert_eq!(parsed.kind(), TokenKind::Rating);
        assert_eq!(parsed.verify(KEY), Err(QrError::Forged));
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_tokens_never_panics(s in "[A-Za-z0-9_.-]{0,120}") {
            let _ = UnverifiedQr::parse(&s).map(|t| t.verify(KEY));
        }
    }
}
