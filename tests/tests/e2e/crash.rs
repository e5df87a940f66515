//! Crashes: what was acknowledged survives kill -9.

use reqwest::{Method, StatusCode};
use serde_json::json as j;
use shared::wire::OutboxStatus;

use crate::helpers::*;

#[tokio::test]
async fn a_rating_acknowledged_right_before_kill_9_is_there_after_restart() {
    let collector = spawn_collector().await;
    let creds = provision(&collector, OFFICE).await;
    let dir = temp_dir();
    let k = KioskProcess::start(&collector.base, &creds, dir.path(), &[]).await;
    let tablet = k.tablet("L1").await;
    let ticket = k.take_ticket("ktp").await;
    let session = k.sign_in("L1", ASN1).await;
    let called = k.call_next("L1", &session).await;
    k.complete(&called, &session).await;
    let res = k
        .rate(
            &tablet,
            &j!({"ticket_id": ticket.ticket_id, "score": 2, "comment": "antre lama"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    k.kill9().await;

    let k = KioskProcess::start(&collector.base, &creds, dir.path(), &[]).await;
    let again = k
        .rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 4}))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "the rating survived: the ticket is still rated (and the tablet still paired)"
    );
    let d = k.dashboard().await;
    assert_eq!(d.today.ratings, 1);
    assert_eq!(d.today.score_mean, Some(2.0));
    assert_eq!(d.today.served, 1);
    let outbox: OutboxStatus = json(k.req(Method::GET, "/api/outbox").send().await.unwrap()).await;
    assert_eq!(
        outbox.next_seq, 6,
        "all five events survived, none duplicated"
    );
    // The session survived too.
    k.take_ticket("ktp").await;
    k.call_next("L1", &session).await;
}
