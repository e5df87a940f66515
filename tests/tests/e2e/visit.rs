//! A counter visit through the kiosk API: ticket, call, completion, rating,
//! QR code; sessions and PIN lockout.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json as j;
use shared::wire::{ErrorBody, Event, OutboxStatus, RatingEvent, TicketView};

use crate::helpers::*;
use crate::qr_decode::decode_svg;

#[tokio::test]
async fn a_full_visit_records_wait_and_service_times_and_takes_a_rating() {
    let o = office().await;
    let k = &o.kiosk;
    let ticket = k.take_ticket("ktp").await;
    assert_eq!(ticket.number, "A-001");
    let session = k.sign_in("L1", ASN1).await;
    // Real time must pass for the times to be non-zero.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let called = k.call_next("L1", &session).await;
    assert_eq!(called.ticket_id, ticket.ticket_id);
    let wait = called.wait_s.unwrap();
    assert!(wait >= 1, "wait {wait}");
    assert_eq!(
        wait,
        called
            .called_at
            .unwrap()
            .duration_since(ticket.issued_at)
            .as_secs()
    );
    let d = k.dashboard().await;
    assert_eq!(
        d.counters
            .iter()
            .find(|c| c.counter == "L1")
            .unwrap()
            .status,
        "serving"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let done = k.complete(&called, &session).await;
    assert!(
        done.rating_url
            .starts_with(&format!("{}/r/", o.collector.base)),
        "{}",
        done.rating_url
    );

    let d = k.dashboard().await;
    assert_eq!(d.office_id, OFFICE);
    assert_eq!(
        (d.today.issued, d.today.served, d.today.abandoned),
        (1, 1, 0)
    );
    assert_eq!(d.today.wait_p50_s, Some(wait));
    assert!(d.today.service_p50_s.unwrap() >= 1);
    assert_eq!(
        d.counters
            .iter()
            .find(|c| c.counter == "L1")
            .unwrap()
            .status,
        "idle"
    );
    assert_eq!(
        d.counters
            .iter()
            .find(|c| c.counter == "L2")
            .unwrap()
            .status,
        "closed"
    );

    let tablet = k.tablet("L1").await;
    let res = k.rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 4, "answers": [4,4,3,3,4,4,4,3,4], "comment": "Cepat & ramah <b>"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let d = k.dashboard().await;
    assert_eq!(d.today.ratings, 1);
    assert_eq!(d.today.score_mean, Some(4.0));
    // Five events (issued, signed in, called, completed, rated), all
    // forwarded to the collector and acknowledged.
    let outbox: OutboxStatus = drained(k).await;
    assert_eq!((outbox.next_seq, outbox.acked_through), (6, 5));
}

async fn completed_ticket(k: &TestKiosk) -> (TicketView, String) {
    let ticket = k.take_ticket("kk").await;
    let session = k.sign_in("L1", ASN1).await;
    let called = k.call_next("L1", &session).await;
    k.complete(&called, &session).await;
    (ticket, session)
}

#[tokio::test]
async fn a_second_rating_of_the_same_ticket_is_refused() {
    let o = office().await;
    let tablet = o.kiosk.tablet("L1").await;
    let (ticket, _) = completed_ticket(&o.kiosk).await;
    let first = o
        .kiosk
        .rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 3}))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = o
        .kiosk
        .rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 1}))
        .await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let body: ErrorBody = json(second).await;
    assert_eq!(body.error, "already_rated");
    assert_eq!(
        o.kiosk.dashboard().await.today.score_mean,
        Some(3.0),
        "the first rating counts"
    );
}

#[tokio::test]
async fn rating_a_ticket_that_is_not_completed_is_refused() {
    let o = office().await;
    let k = &o.kiosk;
    let tablet = k.tablet("L1").await;
    let waiting = k.take_ticket("ktp").await;
    let res = k
        .rate(&tablet, &j!({"ticket_id": waiting.ticket_id, "score": 4}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(json::<ErrorBody>(res).await.error, "not_completed");
    let session = k.sign_in("L1", ASN1).await;
    k.call_next("L1", &session).await;
    let res = k
        .rate(&tablet, &j!({"ticket_id": waiting.ticket_id, "score": 4}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a ticket being served is not rateable yet"
    );
    assert_eq!(k.dashboard().await.today.ratings, 0);
}

#[tokio::test]
async fn a_wrong_pin_is_refused_and_five_in_a_row_lock_the_nip() {
    let o = office().await;
    let k = &o.kiosk;
    for attempt in 1..=5 {
        let res = k.sign_in_raw("L1", ASN1.0, "0000").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let res = k.sign_in_raw("L1", ASN1.0, ASN1.1).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right PIN"
    );
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((240..=300).contains(&retry), "retry-after {retry}");
    // Another ASN is not affected.
    k.sign_in("L2", ASN2).await;
}

#[tokio::test]
async fn a_right_pin_resets_the_count_of_wrong_ones() {
    let o = office().await;
    let k = &o.kiosk;
    for _ in 0..4 {
        assert_eq!(
            k.sign_in_raw("L1", ASN1.0, "0000").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    k.sign_in("L1", ASN1).await;
    for _ in 0..4 {
        assert_eq!(
            k.sign_in_raw("L1", ASN1.0, "0000").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    k.sign_in("L1", ASN1).await;
}

#[tokio::test]
async fn the_qr_code_decodes_back_to_exactly_the_rating_url() {
    let o = office().await;
    let k = &o.kiosk;
    let ticket = k.take_ticket("ktp").await;
    let session = k.sign_in("L1", ASN1).await;
    let called = k.call_next("L1", &session).await;
    let done = k.complete(&called, &session).await;
    assert_eq!(decode_svg(&done.qr_svg).unwrap(), done.rating_url);
    assert!(!done.rating_url.contains(ASN1.0), "no NIP in the URL");
    assert!(!done.rating_url.contains('?'));

    let res = k
        .req(
            Method::GET,
            &format!("/api/tickets/{}/qr.svg", ticket.ticket_id),
        )
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        decode_svg(&res.text().await.unwrap()).unwrap(),
        done.rating_url
    );

    let token = done.rating_url.rsplit('/').next().unwrap();
    let claims = shared::sign::UnverifiedQr::parse(token)
        .unwrap()
        .verify(&k.creds.key)
        .unwrap();
    assert_eq!(claims.ticket_id, ticket.ticket_id);
    assert_eq!(claims.kiosk_id, k.creds.kiosk_id);
    let expires_in = claims.expires_at - jiff::Timestamp::now().as_second();
    assert!((86_300..=86_400).contains(&expires_in), "{expires_in}");
}

#[tokio::test]
async fn tickets_are_called_oldest_first_among_the_counters_own_services() {
    let o = office().await;
    let k = &o.kiosk;
    let ktp = k.take_ticket("ktp").await;
    let kk1 = k.take_ticket("kk").await;
    let kk2 = k.take_ticket("kk").await;
    let akta = k.take_ticket("akta").await;
    assert_eq!(
        (
            ktp.number.as_str(),
            kk1.number.as_str(),
            kk2.number.as_str(),
            akta.number.as_str()
        ),
        ("A-001", "B-001", "B-002", "C-001")
    );
    // L2 serves akta and kk, not ktp.
    let s2 = k.sign_in("L2", ASN2).await;
    assert_eq!(k.call_next("L2", &s2).await.ticket_id, kk1.ticket_id);
    let busy = k
        .req(Method::POST, "/api/counters/L2/next")
        .bearer_auth(&s2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        busy.status(),
        StatusCode::CONFLICT,
        "finish the current ticket first"
    );
    let s1 = k.sign_in("L1", ASN1).await;
    assert_eq!(k.call_next("L1", &s1).await.ticket_id, ktp.ticket_id);
    let res = k
        .req(
            Method::POST,
            &format!("/api/tickets/{}/abandon", kk1.ticket_id),
        )
        .bearer_auth(&s2)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(k.call_next("L2", &s2).await.ticket_id, kk2.ticket_id);
    let d = k.dashboard().await;
    assert_eq!(d.queue.len(), 1);
    assert_eq!(d.queue[0].number, "C-001");
    assert_eq!(d.today.abandoned, 1);
}

#[tokio::test]
async fn the_tablet_sees_the_completed_ticket_until_it_is_rated() {
    let o = office().await;
    let k = &o.kiosk;
    let tablet = k.tablet("L1").await;
    let current = || {
        k.req(Method::GET, "/api/counters/L1/current")
            .bearer_auth(&tablet)
            .send()
    };
    assert_eq!(current().await.unwrap().status(), StatusCode::NO_CONTENT);
    let (ticket, _) = completed_ticket(k).await;
    let res = current().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json::<TicketView>(res).await.ticket_id, ticket.ticket_id);
    assert_eq!(
        k.rate(
            &tablet,
            &j!({"ticket_id": ticket.ticket_id, "counter": "L1", "score": 2})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(current().await.unwrap().status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_rating_between_tickets_is_attributed_to_the_asn_signed_in_at_that_counter() {
    let o = office().await;
    let k = &o.kiosk;
    let (l1, l2) = (k.tablet("L1").await, k.tablet("L2").await);
    k.sign_in("L2", ASN2).await;
    assert_eq!(
        k.rate(&l2, &j!({"counter": "L2", "score": 3}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let closed = k.rate(&l1, &j!({"counter": "L1", "score": 2})).await;
    assert_eq!(closed.status(), StatusCode::CONFLICT);
    assert_eq!(
        json::<ErrorBody>(closed).await.error,
        "no_staff",
        "nobody at L1: a rating without a ticket is not taken there"
    );
    assert_eq!(
        k.rate(&l1, &j!({"score": 2})).await.status(),
        StatusCode::CONFLICT,
        "the tablet names its counter by its token alone"
    );
    k.sign_in("L1", ASN1).await;
    assert_eq!(
        k.rate(&l1, &j!({"score": 2})).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(k.dashboard().await.today.ratings, 2);
    let ratings: Vec<RatingEvent> = k
        .store
        .events_from(1, 100)
        .unwrap()
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::Rating(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(ratings.len(), 2);
    assert_eq!(ratings[0].counter.as_ref().map(|c| c.as_str()), Some("L2"));
    assert_eq!(
        ratings[0].nip.as_ref().map(|n| n.as_str()),
        Some(ASN2.0),
        "by session"
    );
    assert_eq!(ratings[1].counter.as_ref().map(|c| c.as_str()), Some("L1"));
    assert_eq!(ratings[1].nip.as_ref().map(|n| n.as_str()), Some(ASN1.0));
}

#[tokio::test]
async fn signing_in_at_another_counter_ends_the_old_session() {
    let o = office().await;
    let k = &o.kiosk;
    let old = k.sign_in("L1", ASN1).await;
    let new = k.sign_in("L2", ASN1).await;
    k.take_ticket("kk").await;
    let res = k
        .req(Method::POST, "/api/counters/L1/next")
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = k
        .req(Method::POST, "/api/counters/L1/next")
        .bearer_auth(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a session is for its own counter"
    );
    k.call_next("L2", &new).await;
    let res = k
        .req(Method::DELETE, "/api/counters/L2/session")
        .bearer_auth(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let d = k.dashboard().await;
    assert!(d.counters.iter().all(|c| c.status == "closed"));
}
