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

/// Reads server-sent events until one whose data satisfies `pred`.
async fn next_snapshot(
    res: &mut reqwest::Response,
    buf: &mut String,
    pred: impl Fn(&shared::wire::Dashboard) -> bool,
) -> shared::wire::Dashboard {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                let d: shared::wire::Dashboard = serde_json::from_str(data).unwrap();
                if pred(&d) {
                    return d;
                }
            }
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), res.chunk())
            .await
            .expect("an event within 20 s")
            .unwrap()
            .expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_dashboard_stream_sends_a_snapshot_on_every_change() {
    let o = office().await;
    let mut res = o
        .kiosk
        .req(Method::GET, "/api/dashboard/events")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    let first = next_snapshot(&mut res, &mut buf, |_| true).await;
    assert!(first.queue.is_empty());
    o.kiosk.take_ticket("ktp").await;
    let d = next_snapshot(&mut res, &mut buf, |d| !d.queue.is_empty()).await;
    assert_eq!(d.queue[0].number, "A-001");
    assert_eq!(d.today.issued, 1);
}
