//! The fuzz targets' properties as proptests, so that CI (`cargo test`)
//! checks them on every run: NIP parsing, QR and ticket-link tokens, request
//! signatures and batch decoding. The checks themselves are the fuzz
//! targets' (`fuzz/checks/shared.rs`); the committed corpus runs through them
//! in `collector/tests/fuzz_props.rs`. Case counts are kept small so the
//! file runs in a few seconds; `fuzz/README.md` has the long runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/checks/shared.rs"]
#[allow(dead_code)]
mod checks;

use checks::{BatchDecision, KEY, NOW, YEAR};
use jiff::Timestamp;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::value::RawValue;
use shared::sign::{self, QrClaims, TokenKind, UnverifiedQr};
use shared::skm::{Comment, Score, SkmAnswers};
use shared::wire::{Batch, Channel, Event, RatingEvent};
use shared::{
    CounterId, InstanceId, KioskId, Nip, RatingId, ServiceCode, ServicePrefix, TicketId,
    TicketNumber,
};
use uuid::Uuid;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig::with_cases(n)
}

// ---------------------------------------------------------------- strategies

/// The 18 digits of a valid NIP born up to [`YEAR`].
fn nip_digits() -> impl Strategy<Value = String> {
    (1940i16..=YEAR, 1i8..=12)
        .prop_flat_map(|(y, m)| {
            let days = jiff::civil::date(y, m, 1).days_in_month();
            (
                Just(y),
                Just(m),
                1..=days,
                0u32..1_000_000,
                1u8..=2,
                0u16..1000,
            )
        })
        .prop_map(|(y, m, d, tmt, g, seq)| format!("{y:04}{m:02}{d:02}{tmt:06}{g}{seq:03}"))
}

fn nip() -> impl Strategy<Value = Nip> {
    nip_digits().prop_map(|d| Nip::parse_in_year(&d, YEAR).unwrap())
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn slug() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,32}"
}

fn counter() -> impl Strategy<Value = CounterId> {
    slug().prop_map(|s| CounterId::parse(&s).unwrap())
}

fn service() -> impl Strategy<Value = ServiceCode> {
    slug().prop_map(|s| ServiceCode::parse(&s).unwrap())
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
        0i32..1_000_000_000,
    )
        .prop_map(|(s, ns)| Timestamp::new(s, ns).unwrap_or(Timestamp::UNIX_EPOCH))
}

fn ticket_number() -> impl Strategy<Value = TicketNumber> {
    ("[A-Z][A-Z0-9]{0,3}", 1u32..20_000)
        .prop_map(|(p, seq)| TicketNumber::new(ServicePrefix::parse(&p).unwrap(), seq))
}

fn rating() -> impl Strategy<Value = RatingEvent> {
    (
        (
            uuid(),
            proptest::option::of(uuid()),
            proptest::option::of(counter()),
            proptest::option::of(nip()),
            any::<bool>(),
        ),
        (
            1i64..=4,
            proptest::option::of(vec(1i64..=4, 9)),
            proptest::option::of(".{0,60}"),
            timestamp(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((id, ticket, counter, nip, qr), (score, answers, comment, at, flagged))| {
                RatingEvent {
                    rating_id: RatingId(id),
                    ticket_id: ticket.map(TicketId),
                    counter,
                    nip,
                    channel: if qr { Channel::Qr } else { Channel::Tablet },
                    score: Score::new(score).unwrap(),
                    answers: answers.map(|a| SkmAnswers::new(&a).unwrap()),
                    comment: comment.map(|c| Comment::try_from(c).unwrap()),
                    submitted_at: at,
                    flagged,
                }
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    let ticket = || uuid().prop_map(TicketId);
    prop_oneof![
        (ticket(), ticket_number(), service(), timestamp()).prop_map(
            |(ticket_id, number, service, issued_at)| Event::TicketIssued {
                ticket_id,
                number,
                service,
                issued_at,
            }
        ),
        (ticket(), counter(), nip(), timestamp()).prop_map(
            |(ticket_id, counter, nip, called_at)| Event::TicketCalled {
                ticket_id,
                counter,
                nip,
                called_at,
            }
        ),
        (ticket(), timestamp()).prop_map(|(ticket_id, completed_at)| Event::TicketCompleted {
            ticket_id,
            completed_at
        }),
        (ticket(), timestamp())
            .prop_map(|(ticket_id, at)| Event::TicketAbandoned { ticket_id, at }),
        (counter(), nip(), timestamp()).prop_map(|(counter, nip, at)| Event::StaffSignedIn {
            counter,
            nip,
            at
        }),
        (counter(), nip(), timestamp()).prop_map(|(counter, nip, at)| Event::StaffSignedOut {
            counter,
            nip,
            at
        }),
        (counter(), nip(), any::<bool>(), timestamp()).prop_map(|(counter, nip, on, at)| {
            Event::StaffBreak {
                counter,
                nip,
                on,
                at,
            }
        }),
        (ticket(), ticket(), service(), timestamp()).prop_map(
            |(ticket_id, new_ticket_id, service, at)| Event::TicketTransferred {
                ticket_id,
                new_ticket_id,
                service,
                at,
            }
        ),
        rating().prop_map(Event::Rating),
    ]
}

fn batch() -> impl Strategy<Value = Batch<Event>> {
    (
        1u64..=u64::MAX / 2,
        proptest::option::of(uuid().prop_map(InstanceId)),
        vec(event(), 0..6),
    )
        .prop_map(|(first_seq, instance, events)| Batch {
            first_seq,
            instance,
            events,
        })
}

fn claims() -> impl Strategy<Value = QrClaims> {
    (any::<u128>(), any::<u128>(), any::<i64>()).prop_map(|(k, t, expires_at)| QrClaims {
        kiosk_id: KioskId::from_u128(k),
        ticket_id: TicketId::from_u128(t),
        expires_at,
    })
}

fn kind() -> impl Strategy<Value = TokenKind> {
    prop_oneof![Just(TokenKind::Rating), Just(TokenKind::TicketLink)]
}

/// `bytes` with the byte at `at` (modulo its length) replaced by `by`, or
/// `None` when that is no change.
fn one_byte_changed(bytes: &[u8], at: usize, by: u8) -> Option<Vec<u8>> {
    let at = at % bytes.len().max(1);
    let mut out = bytes.to_vec();
    let slot = out.get_mut(at)?;
    if *slot == by {
        return None;
    }
    *slot = by;
    Some(out)
}

// ---------------------------------------------------------------- NIP

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn nip_parsing_never_panics_on_arbitrary_text(s in any::<String>()) {
        checks::nip(&s);
    }

    #[test]
    fn nip_parsing_never_panics_on_digits_and_spaces(s in "[0-9 \t\u{3000}]{0,24}") {
        checks::nip(&s);
    }

    #[test]
    fn a_valid_nip_round_trips_whatever_whitespace_splits_it(
        digits in nip_digits(),
        gaps in vec(prop_oneof![Just(""), Just(" "), Just("\t"), Just("\u{3000}")], 18),
    ) {
        let spaced: String = digits
            .chars()
            .zip(&gaps)
            .map(|(c, gap)| format!("{gap}{c}"))
            .collect();
        let nip = Nip::parse_in_year(&spaced, YEAR).unwrap();
        prop_assert_eq!(nip.as_str(), digits.as_str());
        prop_assert_eq!(&Nip::parse_in_year(&nip.grouped(), YEAR).unwrap(), &nip);
        checks::nip(&spaced);
    }
}

// ---------------------------------------------------------------- tokens

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn token_parsing_never_panics_on_arbitrary_text(s in any::<String>()) {
        checks::token(&s);
    }

    #[test]
    fn token_parsing_never_panics_on_token_like_text(
        s in "[A-Za-z0-9_=-]{0,60}\\.?[A-Za-z0-9_=.-]{0,60}",
    ) {
        checks::token(&s);
    }

    #[test]
    fn a_signed_token_verifies_as_its_kind_with_its_key_only(
        claims in claims(), kind in kind(), key in "[ -~]{0,40}",
    ) {
        let token = claims.sign_as(kind, &key);
        let parsed = UnverifiedQr::parse(&token).unwrap();
        prop_assert_eq!(parsed.kind(), kind);
        prop_assert_eq!(parsed.kiosk_id(), claims.kiosk_id);
        prop_assert_eq!(parsed.verify(&key), Ok(claims));
        let other = format!("{key}x");
        prop_assert!(parsed.verify(&other).is_err());
        checks::token(&claims.sign_as(kind, KEY));
    }

    #[test]
    fn any_single_byte_change_to_a_signed_token_is_refused(
        claims in claims(), kind in kind(), at in any::<usize>(), by in any::<u8>(),
    ) {
        let token = claims.sign_as(kind, KEY);
        let Some(changed) = one_byte_changed(token.as_bytes(), at, by) else {
            return Ok(());
        };
        // Bytes that are not UTF-8 never reach the parser (the path is a &str).
        if let Ok(changed) = String::from_utf8(changed) {
            let accepted = UnverifiedQr::parse(&changed).and_then(|t| t.verify(KEY));
            prop_assert!(accepted.is_err(), "{changed}");
            checks::token(&changed);
        }
    }
}

// ---------------------------------------------------------------- request signatures

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn signature_headers_never_panic_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..200)) {
        checks::request_signature(&bytes);
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_byte_of_it_is_refused(
        ts in NOW - 400..NOW + 400,
        body in vec(any::<u8>(), 0..120),
        at in any::<usize>(),
        by in any::<u8>(),
    ) {
        let sig = sign::sign_request(KEY, ts, &body);
        prop_assert!(sign::verify_request(KEY, ts, &body, &sig));
        prop_assert!(!sign::verify_request(KEY, ts + 1, &body, &sig));
        if let Some(changed) = one_byte_changed(&body, at, by) {
            prop_assert!(!sign::verify_request(KEY, ts, &changed, &sig));
        }
        if let Some(changed) = one_byte_changed(sig.as_bytes(), at, by) {
            let changed = String::from_utf8_lossy(&changed);
            // Only a change of case of a hex letter is the same signature.
            prop_assert_eq!(
                sign::verify_request(KEY, ts, &body, &changed),
                changed.eq_ignore_ascii_case(&sig)
            );
        }
        let mut headers = format!("{}\n{ts}\n{sig}\n", Uuid::from_u128(7)).into_bytes();
        headers.extend_from_slice(&body);
        checks::request_signature(&headers);
    }
}

// ---------------------------------------------------------------- batches

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn batch_decoding_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..300)) {
        checks::batch(&bytes);
    }

    #[test]
    fn a_batch_round_trips_through_the_collectors_decoding(batch in batch()) {
        let body = serde_json::to_vec(&batch).unwrap();
        prop_assert_eq!(
            checks::batch(&body),
            BatchDecision::Accepted { first_seq: batch.first_seq, events: batch.events.len() }
        );
        let back: Batch<Event> = serde_json::from_slice(&body).unwrap();
        prop_assert_eq!(back.first_seq, batch.first_seq);
        prop_assert_eq!(back.instance, batch.instance);
        prop_assert_eq!(back.events, batch.events);
    }

    #[test]
    fn a_batch_the_kiosk_sends_from_stored_events_decodes_to_them(batch in batch()) {
        // The kiosk stores each event's JSON and sends it undecoded.
        let stored: Vec<Box<RawValue>> = batch
            .events
            .iter()
            .map(|e| RawValue::from_string(serde_json::to_string(e).unwrap()).unwrap())
            .collect();
        let sent = Batch { first_seq: batch.first_seq, instance: batch.instance, events: stored };
        let body = serde_json::to_vec(&sent).unwrap();
        let raw: Batch<&RawValue> = serde_json::from_slice(&body).unwrap();
        for (raw, event) in raw.events.iter().zip(&batch.events) {
            prop_assert_eq!(&serde_json::from_str::<Event>(raw.get()).unwrap(), event);
        }
        prop_assert_eq!(
            checks::batch(&body),
            BatchDecision::Accepted { first_seq: batch.first_seq, events: batch.events.len() }
        );
    }

    #[test]
    fn a_batch_with_one_byte_changed_never_panics(
        batch in batch(), at in any::<usize>(), by in any::<u8>(),
    ) {
        let body = serde_json::to_vec(&batch).unwrap();
        if let Some(changed) = one_byte_changed(&body, at, by) {
            checks::batch(&changed);
        }
    }
}

#[test]
fn a_batch_of_too_many_events_or_starting_at_zero_is_refused() {
    let event = r#"{"type":"ticket_completed","ticket_id":"01930000-0000-7000-8000-00000000000c",
        "completed_at":"2026-11-22T01:02:03Z"}"#;
    let events = |n: usize| vec![event; n].join(",");
    let body =
        |first: u64, n: usize| format!(r#"{{"first_seq":{first},"events":[{}]}}"#, events(n));
    assert_eq!(
        checks::batch(body(1, 1000).as_bytes()),
        BatchDecision::Accepted {
            first_seq: 1,
            events: 1000
        }
    );
    assert_eq!(
        checks::batch(body(1, 1001).as_bytes()),
        BatchDecision::TooLarge
    );
    assert_eq!(
        checks::batch(body(0, 1).as_bytes()),
        BatchDecision::FirstSeqZero
    );
    assert_eq!(
        checks::batch(b"{\"first_seq\":1,\"events\":[{\"type\":\"unknown\"}]}"),
        BatchDecision::Malformed
    );
}
