//! Online backups and graceful shutdown, with real processes: a backup taken
//! through the running collector (or kiosk) while it takes traffic is a
//! consistent redb file; a collector restored from it serves identical
//! reports, and kiosks resend what came after it; SIGTERM under load
//! finishes what is in flight and loses nothing acknowledged.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use shared::InstanceId;
use shared::wire::KioskCreated;

use crate::helpers::*;

const ADMIN: &str = "backup-test-admin-token-0123456789";

/// `n` visits at L1 served by ASN1 and rated 4 on the tablet.
async fn rated_visits(k: &impl KioskApi, tablet: &str, n: usize) {
    for _ in 0..n {
        let ticket = k.take_ticket("ktp").await;
        let session = k.sign_in("L1", ASN1).await;
        let called = k.call_next("L1", &session).await;
        assert_eq!(called.ticket_id, ticket.ticket_id);
        k.complete(&called, &session).await;
        let res = k
            .rate(tablet, &j!({"ticket_id": ticket.ticket_id, "score": 4}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}

/// The reports a restored collector must serve identically.
async fn reports(base: &str) -> Vec<Value> {
    let hr = hr_token(base, ADMIN).await;
    let mut out = Vec::new();
    for path in [
        "/api/v1/reports/offices?preset=tahun".to_owned(),
        format!("/api/v1/reports/asn?office_id={OFFICE}&preset=tahun"),
        format!("/api/v1/reports/skm?office_id={OFFICE}&preset=tahun"),
        format!("/api/v1/reports/offices/{OFFICE}?preset=tahun"),
    ] {
        let v: Value = get_json(base, &hr, &path).await;
        out.push(v);
    }
    out
}

fn services(reports: &[Value]) -> u64 {
    reports[0]["rows"][0]["services"].as_u64().unwrap_or(0)
}

async fn start_kiosk(collector: &str, creds: &KioskCreated, dir: &std::path::Path) -> TestKiosk {
    let settings = fast_forwarding(kiosk_settings(collector, creds, dir));
    spawn_kiosk(settings, creds.clone()).await
}

#[tokio::test]
async fn a_backup_taken_under_traffic_restores_a_collector_with_identical_reports_and_kiosks_resend_the_rest()
 {
    let (dir_a, dir_b, kiosk_dir, out) = (temp_dir(), temp_dir(), temp_dir(), temp_dir());
    let a = CollectorProcess::start(dir_a.path(), "127.0.0.1:0", ADMIN).await;
    let port = a.port;
    let creds = provision_at(&a.base, ADMIN, OFFICE).await;
    let k = start_kiosk(&a.base, &creds, kiosk_dir.path()).await;
    let tablet = k.tablet("L1").await;
    rated_visits(&k, &tablet, 15).await;
    drained(&k).await;

    // 1. Quiet: the backup restores to identical reports.
    let quiet = out.path().join("quiet.redb");
    let (status, text) = run_program(
        "e2e-collector",
        &[
            "backup",
            "--url",
            &a.base,
            "--admin-token",
            ADMIN,
            "--to",
            &quiet.display().to_string(),
        ],
    )
    .await;
    assert!(status.success(), "{text}");
    assert!(text.contains("bytes"), "{text}");
    let before = reports(&a.base).await;

    // 2. Under traffic: visits go on while a second backup is taken.
    let busy = out.path().join("busy.redb");
    let traffic = async {
        rated_visits(&k, &tablet, 20).await;
    };
    let backup = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (status, text) = run_program(
            "e2e-collector",
            &[
                "backup",
                "--url",
                &a.base,
                "--admin-token",
                ADMIN,
                "--to",
                &busy.display().to_string(),
            ],
        )
        .await;
        assert!(status.success(), "{text}");
        // The collector answered all along.
        let res = client()
            .get(format!("{}/healthz", a.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    };
    tokio::join!(traffic, backup);
    drained(&k).await;
    let after = reports(&a.base).await;
    assert_eq!(services(&after), 35);
    // A backup of a file the server has open is refused with a way out.
    let (status, text) = run_program(
        "e2e-collector",
        &[
            "backup",
            "--data",
            &dir_a.path().display().to_string(),
            "--to",
            &out.path().join("x.redb").display().to_string(),
        ],
    )
    .await;
    assert!(!status.success());
    assert!(text.contains("--url"), "{text}");
    a.kill9().await;

    // The quiet copy, restored: the same reports, to the byte.
    std::fs::copy(&quiet, dir_b.path().join("collector.redb")).unwrap();
    let b = CollectorProcess::start(dir_b.path(), &format!("127.0.0.1:{port}"), ADMIN).await;
    assert_eq!(
        reports(&b.base).await,
        before,
        "a restored collector serves identical reports"
    );
    b.kill9().await;

    // The busy copy, restored in place of the lost collector: the kiosk
    // resends what came after the backup, and nothing is counted twice.
    let dir_c = temp_dir();
    std::fs::copy(&busy, dir_c.path().join("collector.redb")).unwrap();
    let c = CollectorProcess::start(dir_c.path(), &format!("127.0.0.1:{port}"), ADMIN).await;
    let restored = services(&reports(&c.base).await);
    assert!(
        (15..=35).contains(&restored),
        "a snapshot between the two: {restored}"
    );
    rated_visits(&k, &tablet, 1).await;
    drained(&k).await;
    let healed = reports(&c.base).await;
    assert_eq!(services(&healed), 36, "every visit once");
    assert_eq!(healed[0]["rows"][0]["ratings"], 36);
    println!(
        "backup: restored snapshot held {restored} of 35 visits; after the kiosk resent: 36 of 36, 0 duplicates"
    );
    c.kill9().await;
}

#[tokio::test]
async fn a_kiosk_backup_taken_while_it_serves_opens_and_carries_its_tickets() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let (dir, out, restored) = (temp_dir(), temp_dir(), temp_dir());
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    for _ in 0..5 {
        k.take_ticket("ktp").await;
    }
    let file = out.path().join("kiosk.redb");
    let taking = async {
        for _ in 0..10 {
            k.take_ticket("ktp").await;
        }
    };
    let to = file.display().to_string();
    let args = [
        "backup",
        "--url",
        &k.base,
        "--operator-token",
        OPERATOR_TOKEN,
        "--to",
        &to,
    ];
    let backup = run_program("e2e-kiosk", &args);
    let (_, (status, text)) = tokio::join!(taking, backup);
    assert!(status.success(), "{text}");
    let wrong = run_program(
        "e2e-kiosk",
        &[
            "backup",
            "--url",
            &k.base,
            "--operator-token",
            "not-the-token",
            "--to",
            &out.path().join("y.redb").display().to_string(),
        ],
    )
    .await;
    assert!(!wrong.0.success() && wrong.1.contains("401"), "{}", wrong.1);
    k.kill9().await;
    // A kiosk started on the copy has the tickets taken up to the backup.
    std::fs::copy(&file, restored.path().join("kiosk.redb")).unwrap();
    let k2 = KioskProcess::start(&c.base, &creds, restored.path(), &[]).await;
    let d = k2.dashboard().await;
    let issued = d.today.issued;
    assert!((5..=15).contains(&issued), "{issued} tickets in the copy");
    k2.kill9().await;
    // The stopped kiosk's own file backs up offline too.
    let (status, text) = run_program(
        "e2e-kiosk",
        &[
            "backup",
            "--data",
            &dir.path().display().to_string(),
            "--to",
            &out.path().join("z.redb").display().to_string(),
        ],
    )
    .await;
    assert!(status.success(), "{text}");
}

#[tokio::test]
async fn sigterm_under_load_finishes_in_flight_batches_and_loses_nothing_acknowledged() {
    let dir = temp_dir();
    let c = CollectorProcess::start(dir.path(), "127.0.0.1:0", ADMIN).await;
    let (base, port) = (c.base.clone(), c.port);
    let creds = provision_at(&base, ADMIN, OFFICE).await;
    // Eight kiosk databases send batches of 50 as fast as they are answered.
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let (base, creds) = (base.clone(), creds.clone());
            tokio::spawn(async move {
                let instance = InstanceId(uuid::Uuid::now_v7());
                let mut acked = 0u64;
                loop {
                    let body = batch_json(acked + 1, Some(instance), &issued_tickets(acked, 50));
                    // Only a 200 acknowledges; a refused connection, a cut
                    // one or any other answer ends this sender.
                    match try_batch(&base, &creds, &body).await {
                        Some((StatusCode::OK, _)) => acked += 50,
                        _ => return (instance, acked),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = c.sigterm().await;
    assert!(status.success(), "a clean exit on SIGTERM: {status}");
    let mut acked: BTreeMap<String, u64> = BTreeMap::new();
    for s in senders {
        let (instance, n) = s.await.unwrap();
        acked.insert(instance.0.to_string(), n);
    }
    let total: u64 = acked.values().sum();
    assert!(
        total >= 8 * 50,
        "load was running: {total} events acknowledged"
    );
    // Restarted on the same file: every acknowledged event is there.
    let c = CollectorProcess::start(dir.path(), &format!("127.0.0.1:{port}"), ADMIN).await;
    let status: Value = json(
        TestCollector::handle(&c.base, ADMIN)
            .admin(Method::GET, &format!("/api/v1/kiosks/{}", creds.kiosk_id))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut lost = 0;
    for i in status["instances"].as_array().unwrap() {
        let id = i["instance_id"].as_str().unwrap();
        let applied = i["applied_through"].as_u64().unwrap();
        let want = acked.get(id).copied().unwrap_or(0);
        assert!(
            applied >= want,
            "instance {id}: acknowledged {want}, applied {applied}"
        );
        lost += want.saturating_sub(applied);
    }
    println!("sigterm: {total} events acknowledged by 8 senders before the stop, {lost} lost");
    c.kill9().await;
}

#[tokio::test]
async fn sigterm_of_a_kiosk_taking_tickets_loses_no_acknowledged_ticket() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    let base = k.base.clone();
    // Four entrance screens take numbers as fast as they are answered.
    let takers: Vec<_> = (0..4)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move {
                let mut acked = 0u64;
                loop {
                    let res = client()
                        .post(format!("{base}/api/tickets"))
                        .json(&j!({"service": "ktp"}))
                        .timeout(Duration::from_secs(30))
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == StatusCode::CREATED => acked += 1,
                        _ => return acked,
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = k.sigterm().await;
    assert!(status.success(), "a clean exit on SIGTERM: {status}");
    let mut acked = 0;
    for t in takers {
        acked += t.await.unwrap();
    }
    assert!(acked > 0, "load was running");
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    let issued = k.dashboard().await.today.issued;
    assert!(issued >= acked, "acknowledged {acked}, kept {issued}");
    println!("kiosk sigterm: {acked} tickets acknowledged before the stop, {issued} kept, 0 lost");
    k.kill9().await;
}
