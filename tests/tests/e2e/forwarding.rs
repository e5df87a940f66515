//! Store-and-forward: the kiosk's event log reaches the collector exactly
//! once, through collector outages, lost acknowledgements, kiosk crashes and
//! skewed clocks; ratings are attributed to the right ASN and office-local day.

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json as j;
use shared::sign::QrClaims;
use shared::wire::{AsnReport, AsnReportRow, Completed, ErrorBody, OfficeReport, TicketView};

use crate::helpers::*;
use crate::proxy;

const WALESI_ASN: (&str, &str) = ("198812252015031003", "9753");

/// A whole visit at `counter`; rated on the tablet when `score` is given.
async fn visit(
    k: &impl KioskApi,
    service: &str,
    counter: &str,
    asn: (&str, &str),
    score: Option<(i64, Option<[i64; 9]>)>,
) -> (TicketView, Completed) {
    let ticket = k.take_ticket(service).await;
    let session = k.sign_in(counter, asn).await;
    let called = k.call_next(counter, &session).await;
    let done = k.complete(&called, &session).await;
    if let Some((score, answers)) = score {
        let mut body = j!({"ticket_id": ticket.ticket_id, "score": score});
        if let Some(a) = answers {
            body["answers"] = j!(a);
        }
        let tablet = k.tablet(counter).await;
        assert_eq!(k.rate(&tablet, &body).await.status(), StatusCode::CREATED);
    }
    (ticket, done)
}

async fn get_report<T: serde::de::DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
    let res = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    json(res).await
}

/// The ASN report row of `nip` at the test office for yesterday and today
/// (office-local), so a test running across midnight still sees everything.
async fn recent_asn_row(base: &str, hr: &str, nip: &str) -> AsnReportRow {
    let d = today("Asia/Jakarta");
    let q = format!(
        "/api/v1/reports/asn?office_id={OFFICE}&from={}&to={d}",
        d.yesterday().unwrap()
    );
    let r: AsnReport = get_report(base, hr, &q).await;
    r.rows
        .into_iter()
        .find(|r| r.nip == nip)
        .expect("a row for the ASN")
}

fn today(tz: &str) -> jiff::civil::Date {
    shared::OfficeTz::parse(tz)
        .unwrap()
        .day_of(jiff::Timestamp::now())
}

#[tokio::test]
async fn visits_near_local_midnight_are_reported_under_the_right_nip_and_office_local_day() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let w1 = provision(&c, "walesi").await;
    let w2 = c.create_kiosk("walesi").await;
    let s1 = provision(&c, OFFICE).await;
    // Walesi is WIT (UTC+9): 90 s before and 30 s after local midnight are
    // the same UTC day but two office days.
    let (off_before, day_before) = offset_to_local_midnight("Asia/Jayapura", -90);
    let (off_after, day_after) = offset_to_local_midnight("Asia/Jayapura", 30);
    let (off_jkt, day_jkt) = offset_to_local_midnight("Asia/Jakarta", 30);
    assert_eq!(day_before.tomorrow().unwrap(), day_after);
    let mut kiosks = Vec::new();
    for (creds, off) in [(w1, off_before), (w2, off_after), (s1, off_jkt)] {
        let dir = temp_dir();
        let mut s = fast_forwarding(kiosk_settings(&c.base, &creds, dir.path()));
        // Simulated time of day: keep it rather than follow the collector.
        s.clock_offset_s = off;
        s.clock_correction = false;
        kiosks.push((spawn_kiosk(s, creds).await, dir));
    }
    visit(
        &kiosks[0].0,
        "ktp",
        "L1",
        WALESI_ASN,
        Some((4, Some([4; 9]))),
    )
    .await;
    visit(
        &kiosks[1].0,
        "akta",
        "L1",
        WALESI_ASN,
        Some((2, Some([2; 9]))),
    )
    .await;
    visit(&kiosks[2].0, "ktp", "L1", ASN1, Some((3, None))).await;
    for (k, _) in &kiosks {
        drained(k).await;
    }

    let q = |d: jiff::civil::Date| format!("/api/v1/reports/asn?office_id=walesi&from={d}&to={d}");
    let before: AsnReport = get_report(&c.base, &hr, &q(day_before)).await;
    assert_eq!(before.rows.len(), 1);
    let row = &before.rows[0];
    assert_eq!(
        (row.nip.as_str(), row.name.as_str()),
        (WALESI_ASN.0, "Yohanes Wenda")
    );
    assert_eq!((row.figures.services, row.figures.ratings), (1, 1));
    assert_eq!(row.score_mean, Some(4.0));
    assert_eq!(
        (row.figures.ikm, row.figures.ikm_responses),
        (Some(100.0), 1)
    );
    assert_eq!(row.response_rate, Some(1.0));

    let after: AsnReport = get_report(&c.base, &hr, &q(day_after)).await;
    let row = &after.rows[0];
    assert_eq!(
        (row.figures.services, row.figures.ratings, row.score_mean),
        (1, 1, Some(2.0))
    );
    assert_eq!(row.figures.ikm, Some(50.0));
    assert_eq!(
        row.previous.services, 1,
        "the previous period is the day before"
    );

    let jkt = |d: jiff::civil::Date| {
        format!("/api/v1/reports/offices?office_id={OFFICE}&from={d}&to={d}")
    };
    let on_day: OfficeReport = get_report(&c.base, &hr, &jkt(day_jkt)).await;
    assert_eq!(
        (
            on_day.rows[0].figures.services,
            on_day.rows[0].figures.ratings
        ),
        (1, 1)
    );
    let day_before_jkt: OfficeReport =
        get_report(&c.base, &hr, &jkt(day_jkt.yesterday().unwrap())).await;
    assert_eq!(day_before_jkt.rows[0].figures.services, 0);
}

#[tokio::test]
async fn every_event_recorded_while_the_collector_is_down_is_applied_exactly_once() {
    let data = temp_dir();
    let token = "admin-token-for-restart-test";
    let c = CollectorProcess::start(data.path(), "127.0.0.1:0", token).await;
    let (base, port) = (c.base.clone(), c.port);
    let creds = provision_at(&base, token, OFFICE).await;
    let hr = hr_token(&base, token).await;
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    let session = k.sign_in("L1", ASN1).await;
    let tablet = k.tablet("L1").await;
    drained(&k).await;

    c.kill9().await;
    // 125 rated visits: 500 events, all answered while the collector is down.
    for i in 0..125 {
        let t = k.take_ticket(if i % 2 == 0 { "ktp" } else { "kk" }).await;
        let called = k.call_next("L1", &session).await;
        assert_eq!(called.ticket_id, t.ticket_id);
        k.complete(&called, &session).await;
        assert_eq!(
            k.rate(&tablet, &j!({"ticket_id": t.ticket_id, "score": 1 + i % 4}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let o = outbox(&k).await;
    assert_eq!(o.pending, 500);
    assert!(o.offline_since.is_some() && o.last_error.is_some(), "{o:?}");
    assert!(k.dashboard().await.outbox.unwrap().offline_since.is_some());

    let c = CollectorProcess::start(data.path(), &format!("127.0.0.1:{port}"), token).await;
    let o = drained(&k).await;
    assert!(o.offline_since.is_none() && o.last_error.is_none());
    assert_eq!(
        applied_through(&c.base, token, &creds).await,
        o.next_seq - 1
    );
    let d = today("Asia/Jakarta");
    let r: OfficeReport = get_report(
        &c.base,
        &hr,
        &format!(
            "/api/v1/reports/offices?office_id={OFFICE}&from={}&to={d}",
            d.yesterday().unwrap()
        ),
    )
    .await;
    assert_eq!(
        (r.rows[0].figures.services, r.rows[0].figures.ratings),
        (125, 125),
        "none twice, none lost"
    );
}

#[tokio::test]
async fn a_lost_acknowledgement_does_not_double_count() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let p = proxy::start(&c.base).await;
    p.faults.swallow_batch_answers.store(3, Ordering::SeqCst);
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&p.base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    for _ in 0..10 {
        visit(&k, "ktp", "L1", ASN1, Some((4, None))).await;
    }
    let o = drained(&k).await;
    assert_eq!(
        p.faults.swallowed.load(Ordering::SeqCst),
        3,
        "three acknowledgements were lost"
    );
    assert_eq!(
        applied_through(&c.base, &c.admin_token, &creds).await,
        o.next_seq - 1
    );
    let row = recent_asn_row(&c.base, &hr, ASN1.0).await;
    assert_eq!((row.figures.services, row.figures.ratings), (10, 10));
}

#[tokio::test]
async fn a_kiosk_killed_with_kill_9_while_forwarding_loses_and_doubles_nothing() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let p = proxy::start(&c.base).await;
    let dir = temp_dir();
    let args = ["--batch-max", "5", "--backoff-cap-ms", "300"];
    let k = KioskProcess::start(&p.base, &creds, dir.path(), &args).await;
    p.faults.block_batches.store(true, Ordering::SeqCst);
    for _ in 0..40 {
        visit(&k, "kk", "L2", ASN2, Some((3, None))).await;
    }
    let total = outbox(&k).await.next_seq - 1;
    // A slow link: each batch of 5 takes 40 ms, so forwarding takes seconds.
    p.faults.batch_delay_ms.store(40, Ordering::SeqCst);
    p.faults.block_batches.store(false, Ordering::SeqCst);
    let mid = eventually(
        "forwarding to be under way",
        Duration::from_secs(30),
        || async {
            let m = applied_through(&c.base, &c.admin_token, &creds).await;
            (m > 10).then_some(m)
        },
    )
    .await;
    k.kill9().await;
    assert!(mid < total, "killed mid-way ({mid} of {total})");

    p.faults.batch_delay_ms.store(0, Ordering::SeqCst);
    let k = KioskProcess::start(&p.base, &creds, dir.path(), &args).await;
    let o = drained(&k).await;
    assert_eq!(o.next_seq - 1, total, "nothing lost at the kiosk");
    assert_eq!(
        applied_through(&c.base, &c.admin_token, &creds).await,
        total
    );
    let row = recent_asn_row(&c.base, &hr, ASN2.0).await;
    assert_eq!(
        (row.figures.services, row.figures.ratings),
        (40, 40),
        "nothing doubled"
    );
}

#[tokio::test]
async fn a_qr_rating_that_arrives_before_its_ticket_waits_and_is_then_attributed() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let p = proxy::start(&c.base).await;
    p.faults.block_batches.store(true, Ordering::SeqCst);
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&p.base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    let (ticket, done) = visit(&k, "ktp", "L1", ASN1, None).await;
    let token = done.rating_url.rsplit('/').next().unwrap().to_owned();
    let api = format!("{}/api/v1/ratings/{token}", c.base);
    let res = client()
        .post(&api)
        .json(&j!({"score": 4, "answers": [4,4,4,4,4,4,4,4,4]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let again = client()
        .post(&api)
        .json(&j!({"score": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a pending rating already rates the ticket"
    );

    let d = today("Asia/Jakarta");
    let q = format!("/api/v1/reports/asn?office_id={OFFICE}&from={d}&to={d}");
    let r: AsnReport = get_report(&c.base, &hr, &q).await;
    assert!(
        r.rows.iter().all(|r| r.figures.ratings == 0),
        "pending: not attributed yet"
    );

    // The tablet rates the same ticket later: the earlier (QR) rating counts.
    let tablet = k.tablet("L1").await;
    assert_eq!(
        k.rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 1}))
            .await
            .status(),
        StatusCode::CREATED
    );
    p.faults.block_batches.store(false, Ordering::SeqCst);
    drained(&k).await;
    let r: AsnReport = get_report(&c.base, &hr, &q).await;
    let row = r.rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    assert_eq!((row.figures.services, row.figures.ratings), (1, 1));
    assert_eq!(
        row.score_mean,
        Some(4.0),
        "the QR rating, submitted first, counts"
    );
    assert_eq!(row.figures.ikm, Some(100.0));
}

#[tokio::test]
async fn forged_and_expired_tokens_and_forged_batches_are_refused_and_a_replay_applies_nothing() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&c.base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    let (ticket, _) = visit(&k, "ktp", "L1", ASN1, Some((3, None))).await;
    drained(&k).await;
    let mark = applied_through(&c.base, &c.admin_token, &creds).await;
    let d = today("Asia/Jakarta");
    let q = format!("/api/v1/reports/offices?office_id={OFFICE}&from={d}&to={d}");
    let before: OfficeReport = get_report(&c.base, &hr, &q).await;

    let events: Vec<String> = k
        .store
        .events_raw_from(1, 100)
        .unwrap()
        .into_iter()
        .map(|(_, raw)| String::from_utf8(raw).unwrap())
        .collect();
    // The kiosk database's identity: marks are kept per database.
    let instance = outbox(&k).await.instance_id.unwrap();
    let replay = format!(
        "{{\"first_seq\":1,\"instance\":\"{instance}\",\"events\":[{}]}}",
        events.join(",")
    );
    // Forged: signed with another key.
    let res = post_batch(&c.base, &creds, "not-the-key", &replay).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(json::<ErrorBody>(res).await.server_time.is_some());
    // A batch with one event that does not parse is refused whole.
    let bad = format!(
        "{{\"first_seq\":{},\"instance\":\"{instance}\",\"events\":[{},{{\"type\":\"rating\",\"rating_id\":\"{}\",\"counter\":\"L1\",\"channel\":\"tablet\",\"score\":5,\"submitted_at\":\"2026-11-22T01:00:00Z\"}}]}}",
        mark + 1,
        events[0],
        uuid::Uuid::now_v7()
    );
    assert_eq!(
        post_batch(&c.base, &creds, &creds.key, &bad).await.status(),
        StatusCode::BAD_REQUEST
    );
    // A gap is refused with the mark.
    let gap = format!(
        "{{\"first_seq\":{},\"instance\":\"{instance}\",\"events\":[{}]}}",
        mark + 5,
        events[0]
    );
    let res = post_batch(&c.base, &creds, &creds.key, &gap).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: ErrorBody = json(res).await;
    assert_eq!(
        (body.error.as_str(), body.applied_through),
        ("gap", Some(mark))
    );
    // A replay is answered with the mark and applies nothing.
    let res = post_batch(&c.base, &creds, &creds.key, &replay).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        json::<serde_json::Value>(res).await["applied_through"],
        j!(mark)
    );
    assert_eq!(applied_through(&c.base, &c.admin_token, &creds).await, mark);
    let after: OfficeReport = get_report(&c.base, &hr, &q).await;
    assert_eq!(after.rows, before.rows, "nothing applied twice");

    // QR tokens: forged (another key) and expired (signed right, past expiry).
    let far = jiff::Timestamp::now().as_second() + 3600;
    let forged = QrClaims {
        kiosk_id: creds.kiosk_id,
        ticket_id: ticket.ticket_id,
        expires_at: far,
    }
    .sign("not-the-key");
    let expired = QrClaims {
        kiosk_id: creds.kiosk_id,
        ticket_id: ticket.ticket_id,
        expires_at: far - 7200,
    }
    .sign(&creds.key);
    for (token, status) in [
        (forged, StatusCode::UNAUTHORIZED),
        (expired, StatusCode::GONE),
    ] {
        let res = client()
            .post(format!("{}/api/v1/ratings/{token}", c.base))
            .json(&j!({"score": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        let page = client()
            .get(format!("{}/r/{token}", c.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), status);
    }
    let after: OfficeReport = get_report(&c.base, &hr, &q).await;
    assert_eq!(after.rows, before.rows, "refused ratings wrote nothing");
}

#[tokio::test]
async fn a_kiosk_clock_ten_minutes_off_is_detected_reported_and_its_batches_accepted() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let mut s = fast_forwarding(kiosk_settings(&c.base, &creds, dir.path()));
    s.clock_offset_s = 600;
    let k = spawn_kiosk(s, creds.clone()).await;
    visit(&k, "ktp", "L1", ASN1, Some((4, None))).await;
    let o = drained(&k).await;
    let skew = o.clock_skew_s.expect("skew measured");
    assert!((595..=605).contains(&skew), "skew {skew}");
    assert_eq!(
        applied_through(&c.base, &c.admin_token, &creds).await,
        o.next_seq - 1
    );
    let _ = Method::GET;
}

#[tokio::test]
async fn a_collector_restored_from_an_older_backup_gets_the_missing_events_resent() {
    let (live, backup) = (temp_dir(), temp_dir());
    let token = "admin-token-for-restore-test";
    let c = CollectorProcess::start(live.path(), "127.0.0.1:0", token).await;
    let (base, port) = (c.base.clone(), c.port);
    let listen = format!("127.0.0.1:{port}");
    let creds = provision_at(&base, token, OFFICE).await;
    let hr = hr_token(&base, token).await;
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    visit(&k, "ktp", "L1", ASN1, Some((4, None))).await;
    drained(&k).await;
    // Nightly backup: a copy of the file while the collector is stopped.
    c.kill9().await;
    std::fs::copy(
        live.path().join("collector.redb"),
        backup.path().join("collector.redb"),
    )
    .unwrap();
    let c = CollectorProcess::start(live.path(), &listen, token).await;
    visit(&k, "ktp", "L1", ASN1, Some((3, None))).await;
    visit(&k, "kk", "L1", ASN1, Some((2, None))).await;
    let acked = drained(&k).await.acked_through;
    c.kill9().await;

    // The disk is lost; the collector comes back from last night's copy,
    // which is missing the last two visits.
    let c = CollectorProcess::start(backup.path(), &listen, token).await;
    assert!(applied_through(&c.base, token, &creds).await < acked);
    visit(&k, "kk", "L1", ASN1, Some((1, None))).await;
    let o = drained(&k).await;
    assert_eq!(
        applied_through(&c.base, token, &creds).await,
        o.next_seq - 1
    );
    let row = recent_asn_row(&c.base, &hr, ASN1.0).await;
    assert_eq!(
        (row.figures.services, row.figures.ratings),
        (4, 4),
        "every visit, once"
    );
    assert_eq!(row.score_mean, Some(2.5));
}
