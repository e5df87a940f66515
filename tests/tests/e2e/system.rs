//! Health and metrics on both servers.

use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn health_and_metrics_answer_on_both_servers() {
    let o = office().await;
    o.kiosk.take_ticket("ktp").await;
    drained(&o.kiosk).await;
    for base in [&o.kiosk.base, &o.collector.base] {
        let res = client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let text = o
        .kiosk
        .req(Method::GET, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "kiosk_tickets_issued_total 1",
        "kiosk_queue_length 1",
        "kiosk_ratings_total 0",
        "kiosk_outbox_depth 0",
        "kiosk_outbox_next_seq 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(text.contains("kiosk_http_requests_total{status=\"2xx\"}"));
    let text = client()
        .get(format!("{}/metrics", o.collector.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("collector_http_requests_total{status=\"2xx\"}"),
        "{text}"
    );
}
