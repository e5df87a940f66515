//! A full disk: the collector's file cannot grow (a file-size limit on the
//! process, as a full disk would refuse the write). Batches get a clear 5xx
//! and no acknowledgement without a commit; when space returns the
//! collector takes batches again, and everything acknowledged is there.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use shared::InstanceId;

use crate::helpers::*;

const ADMIN: &str = "disk-test-admin-token-0123456789";

#[tokio::test]
async fn a_full_disk_gets_clear_5xx_acknowledges_nothing_uncommitted_and_recovers_when_space_returns()
 {
    let dir = temp_dir();
    let limit: u64 = 6 * 1024 * 1024;
    let c = CollectorProcess::start_with_file_limit(dir.path(), "127.0.0.1:0", ADMIN, limit).await;
    let (base, port) = (c.base.clone(), c.port);
    let creds = provision_at(&base, ADMIN, OFFICE).await;
    let instance = Some(InstanceId(uuid::Uuid::now_v7()));
    let mut acked = 0u64;
    let mut refusal = None;
    for _ in 0..400 {
        let body = batch_json(acked + 1, instance, &issued_tickets(acked, 500));
        match try_batch(&base, &creds, &body).await {
            Some((StatusCode::OK, _)) => acked += 500,
            Some((status, text)) => {
                refusal = Some((status, text, body));
                break;
            }
            None => panic!("the collector dropped the connection instead of answering"),
        }
    }
    let (status, text, body) = refusal.expect("the file limit was reached");
    println!("disk full after {acked} events acknowledged: {status} {text}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let err: Value = serde_json::from_str(&text).expect("a JSON error");
    assert_eq!(err["error"], "storage_unavailable");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("tidak diterapkan"),
        "{text}"
    );
    // It says so to health checks while it lasts, then ends itself for the
    // service manager to restart it (it cannot write again before that).
    if let Ok(res) = client().get(format!("{base}/healthz")).send().await {
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let code = c.exited(Duration::from_secs(20)).await;
    assert_eq!(code.code(), Some(collector::ingest::EXIT_STORAGE_FAILED));
    // Space returns; the service manager starts it again: nothing that was
    // acknowledged is missing, nothing unacknowledged was applied, and the
    // refused batch goes in.
    let c = CollectorProcess::start(dir.path(), &format!("127.0.0.1:{port}"), ADMIN).await;
    let mark = |c: &CollectorProcess| {
        let base = c.base.clone();
        let kiosk = creds.kiosk_id;
        async move {
            let v: Value = json(
                TestCollector::handle(&base, ADMIN)
                    .admin(Method::GET, &format!("/api/v1/kiosks/{kiosk}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            v["applied_through"].as_u64().unwrap_or(0)
        }
    };
    assert_eq!(mark(&c).await, acked, "exactly what was acknowledged");
    let resent = try_batch(&c.base, &creds, &body).await.unwrap();
    assert_eq!(resent.0, StatusCode::OK, "{}", resent.1);
    acked += 500;
    assert_eq!(mark(&c).await, acked);
    c.kill9().await;
}

#[tokio::test]
async fn a_kiosk_on_a_full_disk_answers_503_saves_nothing_unacknowledged_and_starts_again_with_everything()
 {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = KioskProcess::start_with_file_limit(&c.base, &creds, dir.path(), 3 * 1024 * 1024).await;
    let mut acked = 0u64;
    let mut refused = None;
    for _ in 0..20_000 {
        let res = k
            .req(Method::POST, "/api/tickets")
            .json(&serde_json::json!({"service": "ktp"}))
            .send()
            .await
            .expect("the kiosk answers");
        if res.status() == StatusCode::CREATED {
            acked += 1;
        } else {
            refused = Some((res.status(), res.text().await.unwrap_or_default()));
            break;
        }
    }
    let (status, text) = refused.expect("the file limit was reached");
    println!("kiosk disk full after {acked} tickets: {status} {text}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let err: Value = serde_json::from_str(&text).expect("a JSON error");
    assert_eq!(err["error"], "storage_unavailable");
    let code = k.exited(Duration::from_secs(20)).await;
    assert_eq!(code.code(), Some(kiosk::store::EXIT_STORAGE_FAILED));
    // Restarted with room: every acknowledged ticket is there, and it works.
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    assert_eq!(k.dashboard().await.today.issued, acked);
    k.take_ticket("ktp").await;
    let o = drained(&k).await;
    assert_eq!(o.pending, 0);
    k.kill9().await;
}
