//! The evidence holds against people who want to bend it. Each test is an
//! attack as someone would try it (a device on the office LAN, the ASN at
//! the counter, another office's kiosk key, a wiped or restored kiosk, lost
//! credentials), asserting that the request is refused or the report figures
//! are unchanged.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use shared::wire::{
    AsnReport, AsnReportRow, Completed, ErrorBody, KioskCreated, OfficeReport, OfficeReportRow,
    TicketView,
};

use crate::helpers::*;

const PAUH_ASN: &str = "197708142006041002";

fn today() -> jiff::civil::Date {
    shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(jiff::Timestamp::now())
}

/// The office's row for yesterday and today (a test across midnight still
/// sees everything).
async fn office_row(base: &str, hr: &str, office: &str) -> OfficeReportRow {
    let d = today();
    let q = format!(
        "/api/v1/reports/offices?office_id={office}&from={}&to={d}",
        d.yesterday().unwrap()
    );
    let r: OfficeReport = get_json(base, hr, &q).await;
    r.rows.into_iter().next().expect("the office's row")
}

async fn asn_rows(base: &str, hr: &str, office: &str) -> Vec<AsnReportRow> {
    let d = today();
    let q = format!(
        "/api/v1/reports/asn?office_id={office}&from={}&to={d}",
        d.yesterday().unwrap()
    );
    get_json::<AsnReport>(base, hr, &q).await.rows
}

/// A ticket taken, called at `counter` by `asn` and completed.
async fn served(
    k: &impl KioskApi,
    service: &str,
    counter: &str,
    asn: (&str, &str),
) -> (TicketView, Completed) {
    let ticket = k.take_ticket(service).await;
    let session = k.sign_in(counter, asn).await;
    let called = k.call_next(counter, &session).await;
    assert_eq!(called.ticket_id, ticket.ticket_id);
    (ticket, k.complete(&called, &session).await)
}

fn qr_token(done: &Completed) -> String {
    done.rating_url.rsplit('/').next().unwrap().to_owned()
}

async fn qr_rate(collector: &str, token: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{collector}/api/v1/ratings/{token}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn error_code(res: reqwest::Response) -> String {
    json::<ErrorBody>(res).await.error
}

#[tokio::test]
async fn a_device_on_the_office_lan_cannot_rate_a_ticket_before_the_citizen_nor_hours_later() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let mut s = fast_forwarding(kiosk_settings(&c.base, &creds, dir.path()));
    // The test moves the kiosk's clock; it must not follow the collector's.
    s.clock_correction = false;
    let k = spawn_kiosk(s, creds).await;
    let (ticket, done) = served(&k, "ktp", "L1", ASN1).await;
    let body = j!({"ticket_id": ticket.ticket_id, "score": 1});

    // Anyone on the LAN, without a tablet token; the ASN with their console
    // session; a tablet paired for another counter.
    let res = k.req(Method::POST, "/api/ratings").json(&body).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::UNAUTHORIZED);
    let session = k.sign_in("L1", ASN1).await;
    assert_eq!(
        k.rate(&session, &body).await.status(),
        StatusCode::UNAUTHORIZED,
        "the ASN cannot rate from the console"
    );
    let l2 = k.tablet("L2").await;
    assert_eq!(k.rate(&l2, &body).await.status(), StatusCode::FORBIDDEN);
    // L1's own tablet, once the counter called its next ticket.
    let l1 = k.tablet("L1").await;
    k.take_ticket("kk").await;
    let next = k.call_next("L1", &session).await;
    let res = k.rate(&l1, &body).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(res).await, "rating_closed");

    // The next ticket, completed; rated 11 minutes later: closed too.
    k.complete(&next, &session).await;
    k.store.clock().advance(11 * 60);
    let late = k
        .rate(&l1, &j!({"ticket_id": next.ticket_id, "score": 1}))
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(late).await, "rating_closed");

    // The citizen's own QR rating of the first ticket still counts.
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 4})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    drained(&k).await;
    let rows = asn_rows(&c.base, &hr, OFFICE).await;
    let row = rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    assert_eq!((row.figures.services, row.figures.ratings), (2, 1));
    assert_eq!(
        row.score_mean,
        Some(4.0),
        "the citizen's rating, not the LAN's"
    );
}

#[tokio::test]
async fn a_flood_of_ratings_without_a_ticket_is_refused_or_flagged_and_leaves_scores_and_ikm_alone()
{
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let l1 = k.tablet("L1").await;
    let (ticket, _) = served(k, "ktp", "L1", ASN1).await;
    let rated = k
        .rate(
            &l1,
            &j!({"ticket_id": ticket.ticket_id, "score": 4, "answers": [4,4,4,4,4,4,4,4,4]}),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::CREATED);

    // Nobody signed in at L2: a flood is refused outright.
    let l2 = k.tablet("L2").await;
    let worst = j!({"score": 1, "answers": [1,1,1,1,1,1,1,1,1]});
    for _ in 0..20 {
        let res = k.rate(&l2, &worst).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(error_code(res).await, "no_staff");
    }
    // With an ASN signed in there: taken (201), but past a few in two
    // minutes, flagged.
    k.sign_in("L2", ASN2).await;
    for _ in 0..300 {
        assert_eq!(k.rate(&l2, &worst).await.status(), StatusCode::CREATED);
    }
    drained(k).await;
    let row = office_row(&c.base, &hr, OFFICE).await;
    assert_eq!(row.figures.flagged, 297, "kept, counted as flagged");
    assert_eq!(row.figures.ratings, 1 + 3);
    // The IKM holds the four responses that count: 25 * (36 + 3 * 9) / 36.
    assert_eq!(row.figures.ikm_responses, 4);
    assert_eq!(row.figures.ikm, Some(43.75));
    let rows = asn_rows(&c.base, &hr, OFFICE).await;
    let andi = rows.iter().find(|r| r.nip == ASN2.0).unwrap();
    assert_eq!((andi.ratings_by_session, andi.figures.flagged), (3, 297));
    let rina = rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    assert_eq!(rina.score_mean, Some(4.0));
}

#[tokio::test]
async fn another_offices_kiosk_key_cannot_touch_this_offices_tickets_ratings_or_asn() {
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let pauh = provision(c, "pauh").await;
    let l1 = k.tablet("L1").await;
    let (rated, _) = served(k, "ktp", "L1", ASN1).await;
    k.rate(&l1, &j!({"ticket_id": rated.ticket_id, "score": 3}))
        .await;
    let (unrated, done) = served(k, "kk", "L1", ASN1).await;
    drained(k).await;
    let office_before = office_row(&c.base, &hr, OFFICE).await;
    let asn_before = asn_rows(&c.base, &hr, OFFICE).await;

    // Pauh's key speaks for Pauh only.
    let now = jiff::Timestamp::now();
    let instance = Some(shared::InstanceId(uuid::Uuid::now_v7()));
    let attacks = [
        j!({"type": "ticket_called", "ticket_id": rated.ticket_id, "counter": "L1",
            "nip": PAUH_ASN, "called_at": now}),
        j!({"type": "ticket_completed", "ticket_id": unrated.ticket_id, "completed_at": now}),
        j!({"type": "rating", "rating_id": uuid::Uuid::now_v7(), "ticket_id": unrated.ticket_id,
            "channel": "tablet", "score": 1, "submitted_at": now}),
        j!({"type": "staff_signed_in", "counter": "L9", "nip": PAUH_ASN, "at": now}),
        j!({"type": "ticket_issued", "ticket_id": uuid::Uuid::now_v7(), "number": "A-001",
            "service": "ktp", "issued_at": now}),
    ];
    for attack in &attacks {
        let body = batch_json(1, instance, std::slice::from_ref(attack));
        let res = post_batch(&c.base, &pauh, &pauh.key, &body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{attack}");
        let e: ErrorBody = json(res).await;
        assert!(e.message.contains("ditolak"), "{}", e.message);
    }
    // Pauh's own ticket, called with a Sawahlunto NIP: it counts for Pauh as
    // an office, never for that ASN.
    let own = uuid::Uuid::now_v7();
    let events = [
        j!({"type": "ticket_issued", "ticket_id": own, "number": "U-001", "service": "iumk",
            "issued_at": now}),
        j!({"type": "ticket_called", "ticket_id": own, "counter": "L1", "nip": ASN1.0,
            "called_at": now}),
        j!({"type": "ticket_completed", "ticket_id": own, "completed_at": now}),
    ];
    let body = batch_json(1, instance, &events);
    let res = post_batch(&c.base, &pauh, &pauh.key, &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        asn_rows(&c.base, &hr, "pauh").await.is_empty(),
        "no ASN of another office lands in Pauh's report"
    );
    assert_eq!(office_row(&c.base, &hr, "pauh").await.figures.services, 1);

    // A QR token signed with Pauh's key for Sawahlunto's ticket rates
    // nothing of Sawahlunto's...
    let forged = shared::sign::QrClaims {
        kiosk_id: pauh.kiosk_id,
        ticket_id: unrated.ticket_id,
        expires_at: now.as_second() + 3600,
    }
    .sign(&pauh.key);
    qr_rate(&c.base, &forged, j!({"score": 1})).await;
    assert_eq!(office_row(&c.base, &hr, OFFICE).await, office_before);
    assert_eq!(asn_rows(&c.base, &hr, OFFICE).await, asn_before);
    // ...and the citizen's own link still rates the ticket.
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 4})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let row = office_row(&c.base, &hr, OFFICE).await;
    assert_eq!(row.figures.ratings, office_before.figures.ratings + 1);
}

#[tokio::test]
async fn a_completed_ticket_cannot_be_called_again_to_give_its_service_to_another_asn() {
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let (ticket, _) = served(k, "ktp", "L1", ASN1).await;
    drained(k).await;
    let before = asn_rows(&c.base, &hr, OFFICE).await;
    // The office's own key (a copied kiosk, a careless operator).
    let now = jiff::Timestamp::now();
    let events = [
        j!({"type": "ticket_called", "ticket_id": ticket.ticket_id, "counter": "L1",
            "nip": ASN2.0, "called_at": now}),
        j!({"type": "ticket_completed", "ticket_id": ticket.ticket_id, "completed_at": now}),
        j!({"type": "ticket_abandoned", "ticket_id": ticket.ticket_id, "at": now}),
    ];
    let instance = Some(shared::InstanceId(uuid::Uuid::now_v7()));
    let body = batch_json(1, instance, &events);
    let res = post_batch(&c.base, &k.creds, &k.creds.key, &body).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "accepted, and changes nothing"
    );
    assert_eq!(asn_rows(&c.base, &hr, OFFICE).await, before);
    assert_eq!(office_row(&c.base, &hr, OFFICE).await.figures.services, 1);
}

#[tokio::test]
async fn a_rating_claiming_an_earlier_time_does_not_displace_the_citizens_rating() {
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let (ticket, done) = served(k, "ktp", "L1", ASN1).await;
    drained(k).await;
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 4})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // A forged tablet rating claiming the moment the ticket was issued.
    let rating = j!({"type": "rating", "rating_id": uuid::Uuid::now_v7(),
        "ticket_id": ticket.ticket_id, "channel": "tablet", "score": 1,
        "submitted_at": ticket.issued_at});
    let instance = Some(shared::InstanceId(uuid::Uuid::now_v7()));
    let body = batch_json(1, instance, &[rating]);
    let res = post_batch(&c.base, &k.creds, &k.creds.key, &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows = asn_rows(&c.base, &hr, OFFICE).await;
    let row = rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    assert_eq!((row.figures.ratings, row.score_mean), (1, Some(4.0)));
}

/// The collector's status of a kiosk.
async fn kiosk_status(c: &TestCollector, creds: &KioskCreated) -> Value {
    json(
        c.admin(Method::GET, &format!("/api/v1/kiosks/{}", creds.kiosk_id))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// `n` visits at L1, each rated on the tablet.
async fn rated_visits(k: &impl KioskApi, n: usize) {
    let tablet = k.tablet("L1").await;
    for _ in 0..n {
        let (t, _) = served(k, "ktp", "L1", ASN1).await;
        let res = k
            .rate(&tablet, &j!({"ticket_id": t.ticket_id, "score": 4}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_wiped_kiosk_restarted_with_the_same_credentials_has_everything_after_counted() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    rated_visits(&k, 2).await;
    let first = drained(&k).await;
    k.kill9().await;

    // The data folder is wiped; the same kiosk id and key start afresh.
    std::fs::remove_dir_all(dir.path()).unwrap();
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    rated_visits(&k, 3).await;
    let second = drained(&k).await;
    assert_ne!(
        second.instance_id, first.instance_id,
        "a new database, a new identity"
    );
    assert_eq!(second.instance_first_seq, Some(1));
    let row = office_row(&c.base, &hr, OFFICE).await;
    assert_eq!((row.figures.services, row.figures.ratings), (5, 5));
    let status = kiosk_status(&c, &creds).await;
    assert_eq!(status["instances"].as_array().unwrap().len(), 2, "{status}");
    assert_eq!(status["applied_through"], j!(second.acked_through));
}

#[tokio::test]
async fn a_kiosk_restored_from_an_old_copy_continues_under_a_new_identity_and_loses_nothing() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let (dir, backup) = (temp_dir(), temp_dir());
    let fast = ["--backoff-cap-ms", "300"];
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &fast).await;
    rated_visits(&k, 1).await;
    let at_backup = drained(&k).await;
    k.kill9().await;
    copy_dir(dir.path(), &backup.path().join("copy"));

    let k = KioskProcess::start(&c.base, &creds, dir.path(), &fast).await;
    rated_visits(&k, 2).await;
    drained(&k).await;
    k.kill9().await;

    // The old copy is put back and the kiosk started on it.
    std::fs::remove_dir_all(dir.path()).unwrap();
    copy_dir(&backup.path().join("copy"), dir.path());
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &fast).await;
    rated_visits(&k, 1).await;
    let restored = drained(&k).await;
    assert_ne!(restored.instance_id, at_backup.instance_id, "{restored:?}");
    assert_eq!(restored.instance_first_seq, Some(at_backup.next_seq));
    let alarm = restored.alarm.unwrap_or_default();
    assert!(alarm.contains("restored"), "said loudly: {alarm}");
    let dash = k.dashboard().await;
    assert!(dash.outbox.unwrap().alarm.is_some(), "and on the dashboard");
    let row = office_row(&c.base, &hr, OFFICE).await;
    assert_eq!(
        (row.figures.services, row.figures.ratings),
        (4, 4),
        "every visit counted: before the backup, after it, after the restore"
    );
    let status = kiosk_status(&c, &creds).await;
    assert_eq!(status["instances"].as_array().unwrap().len(), 2, "{status}");
}

#[tokio::test]
async fn a_disabled_kiosk_gets_401_for_its_next_batch_and_410_for_its_qr_links() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = spawn_kiosk(
        fast_forwarding(kiosk_settings(&c.base, &creds, dir.path())),
        creds.clone(),
    )
    .await;
    rated_visits(&k, 1).await;
    drained(&k).await;
    let res = c
        .admin(
            Method::POST,
            &format!("/api/v1/kiosks/{}/disable", creds.kiosk_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let (_, done) = served(&k, "ktp", "L1", ASN1).await;
    let o = eventually(
        "the kiosk to raise an alarm",
        Duration::from_secs(20),
        || async {
            let o = outbox(&k).await;
            o.alarm.is_some().then_some(o)
        },
    )
    .await;
    assert!(o.pending > 0, "nothing of it is taken: {o:?}");
    assert!(o.alarm.unwrap().contains("refused"));
    let body = batch_json(1, None, &[]);
    let res = post_batch(&c.base, &creds, &creds.key, &body).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 1})).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert_eq!(office_row(&c.base, &hr, OFFICE).await.figures.services, 1);
    let status = kiosk_status(&c, &creds).await;
    assert!(status["disabled_at"].is_string(), "{status}");
}

#[tokio::test]
async fn a_rotated_key_stops_the_old_one_and_the_kiosk_goes_on_with_the_new_one() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let k = KioskProcess::start(&c.base, &creds, dir.path(), &[]).await;
    rated_visits(&k, 1).await;
    drained(&k).await;
    let res = c
        .admin(
            Method::POST,
            &format!("/api/v1/kiosks/{}/key", creds.kiosk_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let new: shared::wire::KioskKey = json(res).await;
    assert_ne!(new.key, creds.key);
    let body = batch_json(1, None, &[]);
    let res = post_batch(&c.base, &creds, &creds.key, &body).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the old key");
    k.kill9().await;

    let rotated = KioskCreated {
        kiosk_id: creds.kiosk_id,
        key: new.key,
    };
    let k = KioskProcess::start(&c.base, &rotated, dir.path(), &[]).await;
    rated_visits(&k, 1).await;
    drained(&k).await;
    assert_eq!(office_row(&c.base, &hr, OFFICE).await.figures.services, 2);
}

#[tokio::test]
async fn a_revoked_token_gets_401_and_a_head_token_reads_its_own_office_only() {
    let c = spawn_collector().await;
    provision(&c, OFFICE).await;
    provision(&c, "pauh").await;
    let issue = |body: Value| c.admin(Method::POST, "/api/v1/tokens").json(&body).send();
    let res = issue(j!({"role": "hr", "expires_in_days": 0}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = issue(j!({"role": "head", "office_id": OFFICE, "expires_in_days": 30}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let head: shared::wire::TokenCreated = json(res).await;
    let d = today();
    let report = |office: &str| {
        client()
            .get(format!(
                "{}/api/v1/reports/offices?office_id={office}&from={d}&to={d}",
                c.base
            ))
            .bearer_auth(&head.token)
            .send()
    };
    assert_eq!(report(OFFICE).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        report("pauh").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let res = c
        .admin(Method::DELETE, &format!("/api/v1/tokens/{}", head.token_id))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        report(OFFICE).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let again = c
        .admin(Method::DELETE, &format!("/api/v1/tokens/{}", head.token_id))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_kiosk_a_day_behind_files_visits_on_the_right_day_and_prints_live_qr_codes() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let mut s = fast_forwarding(kiosk_settings(&c.base, &creds, dir.path()));
    s.clock_offset_s = -86_400;
    let k = spawn_kiosk(s, creds.clone()).await;
    let (ticket, done) = served(&k, "ktp", "L1", ASN1).await;
    let lag = jiff::Timestamp::now()
        .duration_since(ticket.issued_at)
        .as_secs();
    assert!(
        lag.abs() < 60,
        "stamped with the collector's time: {lag} s off"
    );
    let claims = shared::sign::UnverifiedQr::parse(&qr_token(&done))
        .unwrap()
        .verify(&creds.key)
        .unwrap();
    let left = claims.expires_at - jiff::Timestamp::now().as_second();
    assert!((86_300..=86_400).contains(&left), "a fresh 24 h: {left}");
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 3})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let o = drained(&k).await;
    let skew = o.clock_skew_s.unwrap();
    assert!((86_395..=86_405).contains(&-skew), "reported: {skew}");
    let d = today();
    let q = format!("/api/v1/reports/offices?office_id={OFFICE}&from={d}&to={d}");
    let r: OfficeReport = get_json(&c.base, &hr, &q).await;
    assert_eq!(r.rows[0].figures.services, 1, "filed today, not yesterday");
}

#[tokio::test]
async fn the_qr_page_says_at_once_that_the_tablet_already_rated_the_ticket() {
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let tablet = k.tablet("L1").await;
    let (ticket, done) = served(k, "ktp", "L1", ASN1).await;
    k.rate(&tablet, &j!({"ticket_id": ticket.ticket_id, "score": 4}))
        .await;
    drained(k).await;
    let res = client().get(&done.rating_url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("sudah dinilai di tablet loket"), "{html}");
    assert!(!html.contains("<form"), "no form to fill in for nothing");
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 1})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn open_dashboard_streams_are_bounded() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let dir = temp_dir();
    let mut s = kiosk_settings(&c.base, &creds, dir.path());
    s.max_streams = 2;
    let k = spawn_kiosk(s, creds).await;
    let open = || k.req(Method::GET, "/api/dashboard/events").send();
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = open().await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    // A closed screen frees its place once its stream next writes (every
    // change, or every 15 s): make changes until it has.
    drop(first);
    eventually("a place to free up", Duration::from_secs(20), || async {
        k.take_ticket("ktp").await;
        (open().await.unwrap().status() == StatusCode::OK).then_some(())
    })
    .await;
    drop(second);
}

#[tokio::test]
async fn only_the_operator_pairs_tablets_and_a_pairing_link_works_once() {
    let o = office().await;
    let k = &o.kiosk;
    let pair = |token: Option<&str>| {
        let r = k.req(Method::POST, "/api/counters/L1/tablets");
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
        .send()
    };
    assert_eq!(pair(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let session = k.sign_in("L1", ASN1).await;
    assert_eq!(
        pair(Some(&session)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the ASN cannot make tablet tokens"
    );
    let paired = k.pair_tablet("L1").await;
    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let open = || {
        no_redirects
            .get(format!("{}{}", k.base, paired.pair_url))
            .send()
    };
    let first = open().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()["location"], "/tablet/L1");
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("kiosk_tablet=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let second = open().await.unwrap();
    assert_eq!(
        second.status(),
        StatusCode::GONE,
        "a pairing link works once"
    );
    assert!(second.headers().get("set-cookie").is_none());

    // Revoked: every tablet of the counter stops working.
    let (ticket, _) = served(k, "ktp", "L1", ASN1).await;
    let res = k
        .req(Method::DELETE, "/api/counters/L1/tablets")
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = k
        .rate(
            &paired.tablet_token,
            &j!({"ticket_id": ticket.ticket_id, "score": 4}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_form_posted_from_another_site_takes_no_number_signs_nobody_in_and_rates_nothing() {
    let o = office().await;
    let (c, k) = (&o.collector, &o.kiosk);
    let (_, done) = served(k, "ktp", "L1", ASN1).await;
    let before = k.dashboard().await.today;
    let form = |url: String, body: &'static str| {
        client()
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "http://evil.example")
            .header("Sec-Fetch-Site", "cross-site")
            .body(body)
            .send()
    };
    let take = form(format!("{}/take", k.base), "service=ktp")
        .await
        .unwrap();
    assert_eq!(take.status(), StatusCode::FORBIDDEN);
    let login = form(
        format!("{}/counter/L1/login", k.base),
        "nip=198204102008012005&pin=4711",
    )
    .await
    .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(login.headers().get("set-cookie").is_none());
    let rate = form(done.rating_url.clone(), "score=1").await.unwrap();
    assert_eq!(rate.status(), StatusCode::FORBIDDEN);
    let after = k.dashboard().await.today;
    assert_eq!(
        (after.issued, after.ratings),
        (before.issued, before.ratings)
    );
    // The citizen's own page still rates.
    let res = qr_rate(&c.base, &qr_token(&done), j!({"score": 4})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
