//! Bad input on every route: the docs/API.md status, a JSON error with a clear
//! message, no 5xx, and nothing changed.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json as j};
use shared::wire::{ErrorBody, OutboxStatus};

use crate::helpers::*;

/// Asserts the status and a well-formed error body; gives the body.
async fn refused(res: Response, status: StatusCode) -> ErrorBody {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    let body: ErrorBody =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an error body ({e}): {text}"));
    assert!(!body.error.is_empty() && body.message.len() > 5, "{text}");
    body
}

async fn next_seq(k: &TestKiosk) -> u64 {
    json::<OutboxStatus>(k.req(Method::GET, "/api/outbox").send().await.unwrap())
        .await
        .next_seq
}

#[tokio::test]
async fn bad_ticket_and_rating_bodies_get_the_api_status_and_change_nothing() {
    let o = office().await;
    let k = &o.kiosk;
    // One completed ticket to aim ratings at.
    let ticket = k.take_ticket("ktp").await;
    let session = k.sign_in("L1", ASN1).await;
    let called = k.call_next("L1", &session).await;
    k.complete(&called, &session).await;
    let tablet = k.tablet("L1").await;
    let other_tablet = k.tablet("L2").await;
    let before = next_seq(k).await;
    let before_dash = serde_json::to_value(k.dashboard().await.today).unwrap();

    // Every request as L1's paired tablet (the ticket routes ignore it).
    let raw = |path: &str, ctype: Option<&str>, body: String| {
        let mut r = k.req(Method::POST, path).bearer_auth(&tablet).body(body);
        if let Some(c) = ctype {
            r = r.header("Content-Type", c);
        }
        r.send()
    };
    let post = |path: &'static str, body: Value| {
        k.req(Method::POST, path)
            .bearer_auth(&tablet)
            .json(&body)
            .send()
    };

    // Tickets.
    refused(
        raw(
            "/api/tickets",
            Some("application/json"),
            "{\"service\":".into(),
        )
        .await
        .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        post("/api/tickets", j!({"service": 5})).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        post("/api/tickets", j!({})).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        raw(
            "/api/tickets",
            Some("text/plain"),
            "{\"service\":\"ktp\"}".into(),
        )
        .await
        .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    refused(
        raw("/api/tickets", None, "{\"service\":\"ktp\"}".into())
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    refused(
        post("/api/tickets", j!({"service": "paspor"}))
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        post("/api/tickets", j!({"service": "k t p"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let huge = format!(
        "{{\"service\":\"ktp\",\"pad\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    refused(
        raw("/api/tickets", Some("application/json"), huge.clone())
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    // Ratings: only from a paired tablet, of this counter.
    let t = ticket.ticket_id.to_string();
    let rating = j!({"ticket_id": t, "score": 4});
    let as_bearer = |token: Option<&str>| {
        let r = k.req(Method::POST, "/api/ratings").json(&rating);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
        .send()
    };
    refused(as_bearer(None).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    refused(
        as_bearer(Some("forged-tablet-token")).await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    refused(
        as_bearer(Some(&session)).await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    refused(
        as_bearer(Some(&other_tablet)).await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    for score in [0, 5, -1] {
        refused(
            post("/api/ratings", j!({"ticket_id": t, "score": score}))
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    refused(
        post("/api/ratings", j!({"ticket_id": t, "score": "4"}))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        post("/api/ratings", j!({"ticket_id": t})).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": t, "score": 4, "answers": [4,4,4,4,4,4,4,4]}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": t, "score": 4, "answers": [4,4,4,4,4,4,4,4,4,4]}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": t, "score": 4, "answers": [4,4,4,4,4,4,4,4,5]}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": t, "score": 4, "comment": "a".repeat(501)}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": "not-a-ticket", "score": 4}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": uuid::Uuid::now_v7(), "score": 4}),
        )
        .await
        .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        post("/api/ratings", j!({"counter": "L9", "score": 4}))
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        post(
            "/api/ratings",
            j!({"ticket_id": t, "counter": "L2", "score": 4}),
        )
        .await
        .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        raw(
            "/api/ratings",
            Some("application/x-www-form-urlencoded"),
            "score=4".into(),
        )
        .await
        .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    refused(
        raw("/api/ratings", Some("application/json"), huge)
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    assert_eq!(next_seq(k).await, before, "no event was written");
    assert_eq!(
        serde_json::to_value(k.dashboard().await.today).unwrap(),
        before_dash
    );
    // The ticket is still rateable after all that.
    assert_eq!(
        k.rate(&tablet, &j!({"ticket_id": t, "score": 4}))
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_sign_ins_and_counter_calls_get_the_api_status_and_change_nothing() {
    let o = office().await;
    let k = &o.kiosk;
    let before = next_seq(k).await;
    let sign_in = |counter: &str, body: Value| {
        k.req(Method::POST, &format!("/api/counters/{counter}/session"))
            .json(&body)
            .send()
    };
    refused(
        sign_in("L1", j!({"nip": "12345", "pin": "1234"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        sign_in("L1", j!({"nip": "19820230 200801 2 005", "pin": "1234"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        sign_in("L1", j!({"nip": ASN1.0, "pin": "12"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        sign_in("L1", j!({"nip": ASN1.0, "pin": "abcd"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        sign_in("L1", j!({"nip": ASN1.0})).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        sign_in("L9", j!({"nip": ASN1.0, "pin": ASN1.1}))
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        sign_in("L%20bad", j!({"nip": ASN1.0, "pin": ASN1.1}))
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    // A valid NIP that is not on this office's roster.
    refused(
        sign_in("L1", j!({"nip": "198503122010012004", "pin": "2580"}))
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;

    refused(
        k.req(Method::POST, "/api/counters/L1/next")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    refused(
        k.req(Method::POST, "/api/counters/L1/next")
            .bearer_auth("forged")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    refused(
        k.req(Method::GET, "/api/counters/L1/current")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let tablet = k.tablet("L1").await;
    refused(
        k.req(Method::GET, "/api/counters/L2/current")
            .bearer_auth(&tablet)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        k.req(Method::GET, "/api/counters/L%209/current")
            .bearer_auth(&tablet)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let unknown = uuid::Uuid::now_v7();
    refused(
        k.req(Method::POST, &format!("/api/tickets/{unknown}/complete"))
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let session = k.sign_in("L1", ASN1).await;
    let after_sign_in = next_seq(k).await;
    assert_eq!(
        after_sign_in,
        before + 1,
        "only the good sign-in wrote an event"
    );
    refused(
        k.req(Method::POST, &format!("/api/tickets/{unknown}/complete"))
            .bearer_auth(&session)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        k.req(Method::POST, "/api/tickets/nonsense/complete")
            .bearer_auth(&session)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let waiting = k.take_ticket("ktp").await;
    refused(
        k.req(
            Method::POST,
            &format!("/api/tickets/{}/complete", waiting.ticket_id),
        )
        .bearer_auth(&session)
        .send()
        .await
        .unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    refused(
        k.req(
            Method::GET,
            &format!("/api/tickets/{}/qr.svg", waiting.ticket_id),
        )
        .bearer_auth(&session)
        .send()
        .await
        .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        k.req(Method::GET, "/api/no/such/route")
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        next_seq(k).await,
        after_sign_in + 1,
        "only the ticket was written"
    );
}

#[tokio::test]
async fn error_messages_follow_accept_language() {
    let o = office().await;
    let k = &o.kiosk;
    let tablet = k.tablet("L1").await;
    let ask = |lang: &'static str| {
        k.req(Method::POST, "/api/ratings")
            .bearer_auth(&tablet)
            .header("Accept-Language", lang)
            .json(&j!({"counter": "L1", "score": 9}))
            .send()
    };
    let id = refused(ask("id").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let en = refused(
        ask("en-US,en;q=0.9").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(id.message.contains("Nilai harus"), "{}", id.message);
    assert!(en.message.contains("score must be"), "{}", en.message);
}

#[tokio::test]
async fn bad_admin_input_gets_the_api_status_and_changes_nothing() {
    let c = spawn_collector().await;
    let office = e2e::demo_data::offices().remove(1);
    let mut spec = serde_json::to_value(&office.spec).unwrap();
    spec["tz"] = j!("Asia/Bandung");
    refused(
        c.admin(Method::PUT, "/api/v1/offices/x1")
            .json(&spec)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    spec["tz"] = j!(5);
    refused(
        c.admin(Method::PUT, "/api/v1/offices/x1")
            .json(&spec)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        c.admin(Method::PUT, "/api/v1/offices/x1")
            .header("Content-Type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        c.admin(Method::PUT, "/api/v1/offices/x1")
            .header("Content-Type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    refused(
        c.admin(Method::POST, "/api/v1/kiosks")
            .json(&j!({"office_id": "x1"}))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        c.admin(Method::PUT, "/api/v1/roster")
            .header("Content-Type", "application/xml")
            .body("<a/>")
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    refused(
        c.admin(Method::POST, "/api/v1/tokens")
            .json(&j!({"role": "king"}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    refused(
        c.admin(Method::POST, "/api/v1/tokens")
            .json(&j!({"role": "head", "office_id": "x1"}))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let big = vec![b'a'; 11 * 1024 * 1024];
    refused(
        c.admin(Method::PUT, "/api/v1/roster")
            .header("Content-Type", "text/csv")
            .body(big)
            .send()
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    // Nothing was created: the office is still unknown.
    refused(
        c.admin(Method::POST, "/api/v1/kiosks")
            .json(&j!({"office_id": "x1"}))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}
