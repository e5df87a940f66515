//! The checks behind the fuzz targets of `shared`'s parsers.
//!
//! The same file is compiled into the fuzz targets (`fuzz/fuzz_targets/`) and
//! into the proptests (`shared/tests/fuzz_props.rs`,
//! `collector/tests/fuzz_props.rs`), so fuzzing, CI and the committed corpus
//! (`fuzz/corpus/`) run one code path. Every function takes untrusted input,
//! must never panic on it, and asserts the parser's invariants on whatever it
//! accepts. It only uses `shared`, `serde_json` and std, which both the fuzz
//! crate and `shared`'s integration tests have.

use serde_json::value::RawValue;
use shared::KioskId;
use shared::Nip;
use shared::sign::{self, QrError, UnverifiedQr};
use shared::wire::{Batch, Event, MAX_BATCH_EVENTS};

/// The kiosk key tokens and requests are checked against.
pub const KEY: &str = "kiosk-secret";
/// The collector's clock for the replay window (2027-01-15).
pub const NOW: i64 = 1_800_000_000;
/// The year NIPs are parsed in (birth years up to it are accepted).
pub const YEAR: i16 = 2026;

/// `Nip::parse` (as the roster import and the sign-in forms call it) and the
/// serde path of stored and transmitted NIPs.
pub fn nip(input: &str) {
    let _ = Nip::parse(input);
    let _ = serde_json::from_value::<Nip>(serde_json::Value::String(input.to_owned()));
    let Ok(nip) = Nip::parse_in_year(input, YEAR) else {
        return;
    };
    let digits = nip.as_str();
    assert_eq!(digits.len(), 18);
    assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    // The NIP is the input without its whitespace, nothing else.
    let stripped: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(stripped, digits);
    // Formats round-trip: grouped, Display, JSON.
    assert_eq!(Nip::parse_in_year(&nip.grouped(), YEAR).as_ref(), Ok(&nip));
    assert_eq!(nip.to_string(), digits);
    let json = serde_json::to_string(&nip).unwrap_or_default();
    assert_eq!(serde_json::from_str::<Nip>(&json).ok().as_ref(), Some(&nip));
    // What it encodes agrees with its digits.
    let born = nip.birth_date();
    assert_eq!(
        format!("{:04}{:02}{:02}", born.year(), born.month(), born.day()),
        digits[..8]
    );
    assert!((shared::nip::MIN_BIRTH_YEAR..=YEAR).contains(&born.year()));
    assert_eq!(nip.age_on(born), 0);
    let female = digits.as_bytes()[14] == b'2';
    assert_eq!(nip.gender() == shared::Gender::Female, female);
    // Debug output never shows the birth date.
    assert!(!format!("{nip:?}").contains(&digits[..8]));
}

/// A QR rating token (`/r/`) or a ticket's phone link token (`/t/`): parsed
/// and verified as `collector::phone::check_token` does.
pub fn token(input: &str) {
    let Ok(parsed) = UnverifiedQr::parse(input) else {
        return;
    };
    assert!(input.len() <= 200);
    let kind = parsed.kind();
    let kiosk = parsed.kiosk_id();
    match parsed.verify(KEY) {
        // A token verifies only if it is exactly the one the key signs for
        // its claims and kind: no second encoding of the same token passes.
        Ok(claims) => {
            assert_eq!(claims.kiosk_id, kiosk);
            assert_eq!(claims.sign_as(kind, KEY), input);
        }
        Err(e) => assert_eq!(e, QrError::Forged),
    }
    assert!(parsed.verify("another-key").is_err());
}

/// The signature headers of a kiosk request, as
/// `collector::routes::kiosks::authenticate` reads them. The input is
/// `X-Kiosk-Id "\n" X-Timestamp "\n" X-Signature "\n" body`.
pub fn request_signature(input: &[u8]) {
    let mut parts = input.splitn(4, |&b| b == b'\n');
    let (Some(id), Some(ts), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let body = parts.next().unwrap_or_default();
    let (Ok(id), Ok(ts), Ok(sig)) = (
        std::str::from_utf8(id),
        std::str::from_utf8(ts),
        std::str::from_utf8(sig),
    ) else {
        return;
    };
    // Header values are trimmed before use.
    let (id, ts, sig) = (id.trim(), ts.trim(), sig.trim());
    let _ = KioskId::parse(id);
    let Ok(ts) = ts.parse::<i64>() else {
        return;
    };
    assert_eq!(
        sign::within_window(ts, NOW),
        (i128::from(ts) - i128::from(NOW)).abs() <= i128::from(sign::REPLAY_WINDOW_S)
    );
    let good = sign::sign_request(KEY, ts, body);
    assert!(sign::verify_request(KEY, ts, body, &good));
    // Only the right signature passes (hex digits in either case).
    assert_eq!(
        sign::verify_request(KEY, ts, body, sig),
        sig.eq_ignore_ascii_case(&good)
    );
}

/// What the collector decides about a batch body before the ingest writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchDecision {
    /// Not a batch, or an event does not parse (400).
    Malformed,
    /// More than [`MAX_BATCH_EVENTS`] events (413).
    TooLarge,
    /// `first_seq` 0 (422).
    FirstSeqZero,
    /// Handed to the ingest writer.
    Accepted {
        /// `first_seq`.
        first_seq: u64,
        /// How many events.
        events: usize,
    },
}

/// The body of `POST /api/v1/batches`, decoded in the order
/// `collector::routes::batches::post` does after the signature check: the
/// batch with raw events, the limits, then each event on its own. Whatever is
/// accepted round-trips through the kiosk's form (`Batch<Box<RawValue>>`)
/// and the typed form (`Batch<Event>`).
pub fn batch(body: &[u8]) -> BatchDecision {
    let Ok(raw) = serde_json::from_slice::<Batch<&RawValue>>(body) else {
        return BatchDecision::Malformed;
    };
    if raw.events.len() > MAX_BATCH_EVENTS {
        return BatchDecision::TooLarge;
    }
    if raw.first_seq == 0 {
        return BatchDecision::FirstSeqZero;
    }
    let mut events = Vec::with_capacity(raw.events.len());
    for e in &raw.events {
        let Ok(event) = serde_json::from_str::<Event>(e.get()) else {
            return BatchDecision::Malformed;
        };
        let _ = event.at();
        // Every accepted event serializes and reads back as itself.
        let json = serde_json::to_string(&event).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Event>(&json).ok().as_ref(),
            Some(&event),
            "{json}"
        );
        events.push(event);
    }
    // The kiosk's form of the same body holds the same raw events.
    let boxed = serde_json::from_slice::<Batch<Box<RawValue>>>(body);
    assert!(boxed.is_ok_and(|b| {
        b.events
            .iter()
            .map(|e| e.get())
            .eq(raw.events.iter().map(|e| e.get()))
    }));
    // The typed form reads the same, and round-trips.
    let typed = serde_json::from_slice::<Batch<Event>>(body);
    assert!(typed.as_ref().is_ok_and(|t| t.events == events
        && t.first_seq == raw.first_seq
        && t.instance == raw.instance));
    let json = typed
        .ok()
        .and_then(|t| serde_json::to_vec(&t).ok())
        .unwrap_or_default();
    let again = serde_json::from_slice::<Batch<Event>>(&json);
    assert!(again.is_ok_and(|t| t.events == events
        && t.first_seq == raw.first_seq
        && t.instance == raw.instance));
    BatchDecision::Accepted {
        first_seq: raw.first_seq,
        events: events.len(),
    }
}
