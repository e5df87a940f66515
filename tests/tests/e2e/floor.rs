//! The office floor through the API: transfers (one visit, two
//! transactions), recall and breaks on the display board's data, the
//! ticket's phone link at the collector, the collector's live view of an
//! office, the audio clips and the icons. The same in a real browser is in
//! `floor_pages.rs`.

use reqwest::{Method, StatusCode};
use serde_json::json as j;
use shared::sign::{QrClaims, TokenKind};
use shared::wire::{AsnReport, Display, LiveOffice, OfficeDetail, TicketLinkStatus, TicketView};

use crate::helpers::*;
use crate::qr_decode::decode_svg;

/// A kiosk whose clock tests may move ("ten minutes later"): no skew
/// correction, which would undo the move at the next forward.
pub async fn floor_office() -> Office {
    office_with(|s| {
        s.clock_correction = false;
        s.clock_offset_s = clear_of_midnight("Asia/Jakarta", 60 * 60);
        *s = fast_forwarding(s.clone());
    })
    .await
}

/// Seconds to put a test clock past the next local midnight in `tz` when
/// fewer than `needed_s` seconds are left before it (0 otherwise), so that a
/// test that moves its clock forward keeps all of "today" on one day.
pub fn clear_of_midnight(tz: &str, needed_s: i64) -> i64 {
    let (to_midnight, _) = offset_to_local_midnight(tz, 0);
    if to_midnight < needed_s {
        to_midnight + 120
    } else {
        0
    }
}

/// A POST with a counter session, any answer.
pub async fn as_counter(
    k: &TestKiosk,
    session: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut req = k.req(Method::POST, path).bearer_auth(session);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("counter request")
}

/// The phone link printed on a ticket, read back from the QR code on the
/// ticket's page.
pub async fn phone_link(k: &TestKiosk, ticket: &TicketView) -> String {
    let html = k
        .req(Method::GET, &format!("/ticket/{}", ticket.ticket_id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html
        .find(r#"<div id="qr">"#)
        .expect("the ticket page has a QR code");
    let svg = &html[at..];
    let svg = &svg[svg.find("<svg").unwrap()..svg.find("</svg>").unwrap() + 6];
    decode_svg(svg).expect("the QR code decodes")
}

/// The JSON status of a phone link.
pub async fn link_status(url: &str) -> TicketLinkStatus {
    let res = client().get(format!("{url}/status")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    json(res).await
}

/// Waits until the phone link says `state` (and `ahead`, when given).
pub async fn link_becomes(url: &str, state: &str, ahead: Option<u64>) -> TicketLinkStatus {
    eventually(
        &format!("the phone link to say {state} {ahead:?}"),
        std::time::Duration::from_secs(20),
        || async {
            let s = link_status(url).await;
            (s.state == state && (ahead.is_none() || s.ahead == ahead)).then_some(s)
        },
    )
    .await
}

async fn display(k: &TestKiosk) -> Display {
    json(k.req(Method::GET, "/api/display").send().await.unwrap()).await
}

fn close(a: Option<i64>, b: i64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 60)
}

#[tokio::test]
async fn a_transfer_completes_the_first_transaction_and_the_visit_waits_again_ahead_of_new_arrivals()
 {
    let o = floor_office().await;
    let k = &o.kiosk;
    let clock = k.store.clock().clone();
    let rina = k.sign_in("L1", ASN1).await;
    let andi = k.sign_in("L2", ASN2).await;
    let visit = k.take_ticket("ktp").await;
    clock.advance(10 * 60);
    let called = k.call_next("L1", &rina).await;
    assert_eq!(called.ticket_id, visit.ticket_id);
    // Someone else arrives for the birth certificate meanwhile.
    let other = k.take_ticket("akta").await;
    clock.advance(6 * 60);

    // Not to the same service, not to one the office does not have, not by
    // another counter.
    let path = format!("/api/tickets/{}/transfer", visit.ticket_id);
    let same = as_counter(k, &rina, &path, Some(j!({"service": "ktp"}))).await;
    assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = as_counter(k, &rina, &path, Some(j!({"service": "paspor"}))).await;
    assert!(unknown.status().is_client_error(), "{}", unknown.status());
    let foreign = as_counter(k, &andi, &path, Some(j!({"service": "akta"}))).await;
    assert!(foreign.status().is_client_error(), "{}", foreign.status());

    let res = as_counter(k, &rina, &path, Some(j!({"service": "akta"}))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let next: TicketView = json(res).await;
    assert_ne!(next.ticket_id, visit.ticket_id);
    assert_eq!(
        (next.number.as_str(), next.service.as_str()),
        (visit.number.as_str(), "akta")
    );
    // The first transaction is done: L1 is free, and its tablet does not
    // ask for a rating of half a visit.
    let l1 = k.tablet("L1").await;
    let current = k
        .req(Method::GET, "/api/counters/L1/current")
        .bearer_auth(&l1)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), StatusCode::NO_CONTENT);

    clock.advance(4 * 60);
    // The transferred visit is called before the citizen who came earlier.
    let second = k.call_next("L2", &andi).await;
    assert_eq!(second.ticket_id, next.ticket_id);
    clock.advance(9 * 60);
    let done = k.complete(&second, &andi).await;
    assert!(done.rating_url.contains("/r/"));
    // The earlier arrival is still waiting, now first.
    assert_eq!(k.dashboard().await.queue[0].ticket_id, other.ticket_id);

    // Each transaction has its own times: waits 10 and 4 minutes, services
    // 6 and 9 minutes; two services, two ASN.
    let d = k.dashboard().await;
    assert_eq!(d.today.issued, 2, "a transfer is no new arrival");
    assert_eq!(d.today.served, 2);
    assert!(close(d.today.wait_p50_s, 4 * 60), "{:?}", d.today);
    assert!(close(d.today.wait_p90_s, 10 * 60), "{:?}", d.today);
    assert!(close(d.today.service_p50_s, 6 * 60), "{:?}", d.today);

    drained(k).await;
    let c = &o.collector;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(clock.now());
    let q = format!("office_id={OFFICE}&from={day}&to={day}");
    let office: OfficeDetail = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/offices/{OFFICE}?{q}"),
    )
    .await;
    let f = &office.row.figures;
    assert_eq!(f.services, 2, "{f:?}");
    assert!(close(f.wait_p50_s, 4 * 60), "{f:?}");
    assert!(close(f.wait_p90_s, 10 * 60), "{f:?}");
    assert!(close(f.service_p50_s, 6 * 60), "{f:?}");
    let asn: AsnReport = get_json(&c.base, &hr, &format!("/api/v1/reports/asn?{q}")).await;
    let services_of = |nip: &str| {
        asn.rows.iter().find(|r| r.nip == nip).map(|r| {
            (
                r.figures.services,
                r.figures.wait_p50_s,
                r.figures.service_p50_s,
            )
        })
    };
    let (n, wait, service) = services_of(ASN1.0).expect("Rina's row");
    assert_eq!(n, 1);
    assert!(
        close(wait, 10 * 60) && close(service, 6 * 60),
        "{wait:?} {service:?}"
    );
    let (n, wait, service) = services_of(ASN2.0).expect("Andi's row");
    assert_eq!(n, 1);
    assert!(
        close(wait, 4 * 60) && close(service, 9 * 60),
        "{wait:?} {service:?}"
    );
}

#[tokio::test]
async fn recall_and_breaks_reach_the_display_board_and_need_the_counters_session() {
    let o = office().await;
    let k = &o.kiosk;
    let rina = k.sign_in("L1", ASN1).await;
    let andi = k.sign_in("L2", ASN2).await;
    // Nothing to recall yet.
    let res = as_counter(k, &rina, "/api/counters/L1/recall", None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    k.take_ticket("ktp").await;
    let called = k.call_next("L1", &rina).await;
    let d = display(k).await;
    assert_eq!(d.calls.len(), 1);
    let call = &d.calls[0];
    assert_eq!(
        (call.number.as_str(), call.counter_name.as_str()),
        ("A-001", "Loket 1")
    );
    assert!(!call.recall);
    let clips: Vec<&str> = call.audio.iter().map(String::as_str).collect();
    assert_eq!(
        clips,
        [
            "/audio/chime.wav",
            "/audio/nomor_antrean.wav",
            "/audio/la.wav",
            "/audio/d0.wav",
            "/audio/d0.wav",
            "/audio/d1.wav",
            "/audio/silakan_ke.wav",
            "/audio/loket.wav",
            "/audio/d1.wav"
        ]
    );
    assert_eq!(
        call.spoken,
        "Nomor antrean A nol nol satu, silakan ke loket satu"
    );

    // Another counter's session, or none, cannot call L1's ticket again.
    assert_eq!(
        as_counter(k, &andi, "/api/counters/L1/recall", None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let anon = k
        .req(Method::POST, "/api/counters/L1/recall")
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    let res = as_counter(k, &rina, "/api/counters/L1/recall", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let d = display(k).await;
    assert_eq!(d.calls.len(), 2);
    assert!(d.calls[0].recall && d.calls[0].call_id > d.calls[1].call_id);

    // A counter serving someone cannot go on a break; an idle one can.
    let brk = "/api/counters/L1/break";
    let busy = as_counter(k, &rina, brk, Some(j!({"on": true}))).await;
    assert_eq!(busy.status(), StatusCode::CONFLICT);
    k.complete(&called, &rina).await;
    let res = as_counter(k, &rina, brk, Some(j!({"on": true}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let l1 = |d: &Display| {
        d.counters
            .iter()
            .find(|c| c.counter == "L1")
            .cloned()
            .unwrap()
    };
    let d = display(k).await;
    assert!(l1(&d).on_break, "{:?}", l1(&d));
    let dash = k.dashboard().await;
    assert!(
        dash.counters
            .iter()
            .any(|c| c.counter == "L1" && c.on_break)
    );
    let bad = as_counter(k, &rina, brk, Some(j!({"on": "ya"}))).await;
    assert!(bad.status().is_client_error());
    // Calling the next ticket ends the break.
    k.take_ticket("ktp").await;
    k.call_next("L1", &rina).await;
    assert!(!l1(&display(k).await).on_break);

    // The collector follows the counters from the forwarded events.
    drained(k).await;
    let c = &o.collector;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let live: LiveOffice = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/offices/{OFFICE}/live"),
    )
    .await;
    let l1 = live.counters.iter().find(|c| c.counter == "L1").unwrap();
    assert_eq!(l1.status, "serving");
    assert_eq!(l1.serving.as_deref(), Some("A-002"));
    assert_eq!(l1.staff_name.as_deref(), Some("Rina Marlina"));
    assert!(!l1.on_break);
    let l2 = live.counters.iter().find(|c| c.counter == "L2").unwrap();
    assert_eq!(
        (l2.status.as_str(), l2.staff_name.as_deref()),
        ("idle", Some("Andi Saputra"))
    );
    assert_eq!(live.today.issued, 2);
    assert_eq!(live.today.served, 1);
    assert!(live.last_event_at.is_some());
}

#[tokio::test]
async fn the_phone_link_follows_the_queue_and_rates_the_visit_once_after_completion() {
    let o = floor_office().await;
    let k = &o.kiosk;
    let rina = k.sign_in("L1", ASN1).await;
    let first = k.take_ticket("ktp").await;
    k.take_ticket("ktp").await;
    let mine = k.take_ticket("ktp").await;
    let url = phone_link(k, &mine).await;
    let (base, token) = url.split_once("/t/").expect("a /t/ link");
    assert_eq!(base, o.collector.base, "the link is the collector's");

    assert_eq!(
        link_becomes(&url, "waiting", Some(2))
            .await
            .number
            .as_deref(),
        Some("A-003")
    );
    let page = client().get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("2 orang lagi sebelum Anda"), "{html}");
    assert!(html.contains(r#"<script src="/static/ticket.js" defer"#));

    // The link is not a rating token, and a rating token is not a link.
    let as_rating = client()
        .get(format!("{base}/r/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(as_rating.status(), StatusCode::UNAUTHORIZED);
    let res = client()
        .post(format!("{base}/api/v1/ratings/{token}"))
        .json(&j!({"score": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let claims = QrClaims {
        kiosk_id: k.creds.kiosk_id,
        ticket_id: mine.ticket_id,
        expires_at: jiff::Timestamp::now().as_second() + 3600,
    };
    let rating_token = claims.sign_as(TokenKind::Rating, &k.creds.key);
    let wrong = client()
        .get(format!("{base}/t/{rating_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // Another key's link is forged; an expired one is gone.
    let forged = QrClaims { ..claims }.sign_as(TokenKind::TicketLink, "another-kiosks-key");
    let res = client()
        .get(format!("{base}/t/{forged}/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let old = QrClaims {
        expires_at: jiff::Timestamp::now().as_second() - 1,
        ..claims
    }
    .sign_as(TokenKind::TicketLink, &k.creds.key);
    let res = client()
        .get(format!("{base}/t/{old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::GONE);

    // A rating before the service is refused and stores nothing.
    let early = client()
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", base)
        .body("score=1")
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::CONFLICT);
    assert!(early.text().await.unwrap().contains("not-completed"));

    let called = k.call_next("L1", &rina).await;
    assert_eq!(called.ticket_id, first.ticket_id);
    link_becomes(&url, "waiting", Some(1)).await;
    k.complete(&called, &rina).await;
    let second = k.call_next("L1", &rina).await;
    k.complete(&second, &rina).await;
    link_becomes(&url, "waiting", Some(0)).await;
    let me = k.call_next("L1", &rina).await;
    assert_eq!(me.ticket_id, mine.ticket_id);
    let s = link_becomes(&url, "called", None).await;
    assert_eq!(s.counter_name.as_deref(), Some("Loket 1"));
    let html = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nomor Anda dipanggil!") && html.contains("Loket 1"));

    k.store.clock().advance(5 * 60);
    k.complete(&me, &rina).await;
    link_becomes(&url, "completed", None).await;
    let html = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<form id="rate""#),
        "the link became the rating page"
    );
    let post = |body: &'static str| {
        client()
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", base.to_owned())
            .body(body)
            .send()
    };
    let thanks = post("score=4&comment=Cepat").await.unwrap();
    assert_eq!(thanks.status(), StatusCode::OK);
    assert!(thanks.text().await.unwrap().contains(r#"id="thanks""#));
    let again = post("score=1").await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let s = link_status(&url).await;
    assert!(s.rated && s.state == "completed", "{s:?}");
    // Rated once, for Rina: the counter's own QR code is now refused too.
    let qr = client()
        .post(format!(
            "{base}/api/v1/ratings/{}",
            QrClaims {
                ticket_id: mine.ticket_id,
                ..claims
            }
            .sign_as(TokenKind::Rating, &k.creds.key)
        ))
        .json(&j!({"score": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), StatusCode::CONFLICT);
    let c = &o.collector;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(k.store.clock().now());
    let asn: AsnReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/asn?office_id={OFFICE}&from={day}&to={day}"),
    )
    .await;
    let rina_row = asn.rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    assert_eq!(rina_row.figures.ratings, 1, "{rina_row:?}");
    assert_eq!(rina_row.score_mean, Some(4.0));
}

#[tokio::test]
async fn a_phone_link_follows_a_transfer_and_says_so_when_a_ticket_is_skipped() {
    let o = floor_office().await;
    let k = &o.kiosk;
    let rina = k.sign_in("L1", ASN1).await;
    let andi = k.sign_in("L2", ASN2).await;
    k.take_ticket("akta").await;
    let visit = k.take_ticket("ktp").await;
    let url = phone_link(k, &visit).await;
    let called = k.call_next("L1", &rina).await;
    as_counter(
        k,
        &rina,
        &format!("/api/tickets/{}/transfer", called.ticket_id),
        Some(j!({"service": "akta"})),
    )
    .await;
    // Sent on to akta: first in that queue, before the earlier arrival.
    let s = link_becomes(&url, "waiting", Some(0)).await;
    assert_eq!(s.number.as_deref(), Some("A-001"));
    let html = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Akta Kelahiran") && html.contains("dialihkan"),
        "{html}"
    );
    let next = k.call_next("L2", &andi).await;
    link_becomes(&url, "called", None).await;
    let res = k
        .req(
            Method::POST,
            &format!("/api/tickets/{}/abandon", next.ticket_id),
        )
        .bearer_auth(&andi)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    link_becomes(&url, "abandoned", None).await;
    let html = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("ambil nomor baru"), "{html}");
}

#[tokio::test]
async fn the_live_view_is_for_hr_and_the_offices_own_head_only() {
    let o = office().await;
    let k = &o.kiosk;
    k.take_ticket("ktp").await;
    drained(k).await;
    let c = &o.collector;
    let path = format!("/api/v1/reports/offices/{OFFICE}/live");
    let anon = client()
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    provision(c, "pauh").await;
    let res = c
        .admin(Method::POST, "/api/v1/tokens")
        .json(&j!({"role": "head", "office_id": "pauh"}))
        .send()
        .await
        .unwrap();
    let other_head = json::<shared::wire::TokenCreated>(res).await.token;
    let res = client()
        .get(format!("{}{path}", c.base))
        .bearer_auth(&other_head)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let live: LiveOffice = get_json(&c.base, &hr, &path).await;
    assert_eq!(live.queue.len(), 1);
    assert_eq!(live.queue[0].number, "A-001");
    // The page: the same view, and a fragment for its script.
    let page = client()
        .get(format!("{}/laporan/{OFFICE}/langsung", c.base))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"id="live""#) && html.contains("A-001"),
        "{html}"
    );
    assert!(html.contains(r#"<script src="/static/floor.js" defer"#));
    assert!(html.contains(r#"id="chart-queue""#) && html.contains(r#"id="chart-hours""#));
    let fragment = client()
        .get(format!("{}/laporan/{OFFICE}/langsung?fragment=1", c.base))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.contains(r#"<div id="live""#), "{fragment}");
    assert!(!fragment.contains("<html"));
}

#[tokio::test]
async fn the_audio_clips_scripts_and_icons_are_served_and_nothing_else_is() {
    let o = office().await;
    let k = &o.kiosk;
    for clip in ["chime.wav", "nomor_antrean.wav", "d7.wav", "lz.wav"] {
        let res = k
            .req(Method::GET, &format!("/audio/{clip}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{clip}");
        assert_eq!(res.headers()["content-type"], "audio/wav");
        assert_eq!(&res.bytes().await.unwrap()[..4], b"RIFF");
    }
    for bad in ["../Cargo.toml", "chime", "x.wav", "%2e%2e%2fgenerate.sh"] {
        let res = k
            .req(Method::GET, &format!("/audio/{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    for base in [k.base.as_str(), o.collector.base.as_str()] {
        let res = client()
            .get(format!("{base}/favicon.svg"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        let res = client()
            .get(format!("{base}/static/floor.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let res = client()
            .get(format!("{base}/static/nope.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    for script in ["tablet.js", "display.js", "console.js", "print.js"] {
        let res = k
            .req(Method::GET, &format!("/static/{script}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{script}");
    }
    let res = client()
        .get(format!("{}/static/ticket.js", o.collector.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_print_layout_takes_58_or_80_mm_and_refuses_other_widths() {
    let o = office().await;
    let k = &o.kiosk;
    let t = k.take_ticket("kk").await;
    k.take_ticket("kk").await;
    let mine = k.take_ticket("kk").await;
    for w in [58, 80] {
        let html = k
            .req(
                Method::GET,
                &format!("/ticket/{}/print?width={w}", mine.ticket_id),
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(&format!(r#"class="slip w{w}""#)), "{html}");
        assert!(html.contains(&format!("@page{{size:{w}mm")));
        assert!(html.contains("B-003") && html.contains("Kartu Keluarga"));
        assert!(html.contains("2 orang di depan Anda"), "{html}");
    }
    let res = k
        .req(
            Method::GET,
            &format!("/ticket/{}/print?width=100", t.ticket_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = k
        .req(
            Method::GET,
            &format!("/ticket/{}/print", uuid::Uuid::now_v7()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_entrance_set_to_print_sends_every_new_ticket_to_its_print_layout() {
    let o = office().await;
    let k = &o.kiosk;
    let screen = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The entrance screen's browser carries its cookie.
    let take = |cookie: Option<String>| {
        let mut req = screen
            .post(format!("{}/take", k.base))
            .header("Origin", k.base.clone())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("service=ktp");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send()
    };
    let location = |res: &reqwest::Response| res.headers()["location"].to_str().unwrap().to_owned();
    let plain = take(None).await.unwrap();
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);
    let to = location(&plain);
    assert!(to.starts_with("/ticket/") && !to.contains("print"), "{to}");

    let set = screen
        .get(format!("{}/?cetak=58", k.base))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let cookie = set.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("cetak=58;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(set.text().await.unwrap().contains("Tiket dicetak otomatis"));
    let jar = cookie.split(';').next().unwrap().to_owned();
    let printed = take(Some(jar)).await.unwrap();
    let to = location(&printed);
    assert!(to.ends_with("/print?width=58&auto=1"), "{to}");
    let page = k
        .req(Method::GET, &to)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"data-auto="1""#) && page.contains("A-002"));

    // Anything but a paper width stops the printing.
    let stop = screen
        .get(format!("{}/?cetak=tidak", k.base))
        .send()
        .await
        .unwrap();
    let removal = stop.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(removal.starts_with("cetak=;"), "{removal}");
}
