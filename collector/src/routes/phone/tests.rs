use reqwest::Response;
use serde_json::{Value, json};
use shared::sign::QrClaims;
use shared::skm::ELEMENTS;
use shared::wire::{Channel, KioskCreated};
use shared::{OfficeId, Score, TicketId};

use super::*;
use crate::test_support::{TestApp, assert_error, spawn_with};

const FORM: &str = "application/x-www-form-urlencoded";

async fn app_with(tweak: impl FnOnce(&mut crate::Settings)) -> (TestApp, KioskCreated) {
    let app = spawn_with(tweak).await;
    app.given_office("kupang").await;
    let roster = "nip,name,office_id,pin\n196608011988031001,Budi,kupang,1234\n";
    assert_eq!(app.put_roster("text/csv", roster).await.status(), 200);
    let kiosk = app.given_kiosk("kupang").await;
    (app, kiosk)
}

async fn app() -> (TestApp, KioskCreated) {
    app_with(|_| {}).await
}

/// The rating that stands for a ticket of the test office, if any.
async fn stored_rating(app: &TestApp, ticket: TicketId) -> Option<crate::ingest::RatingRec> {
    let kupang = OfficeId::parse("kupang").unwrap();
    app.store.standing_rating(kupang, ticket).await.unwrap()
}

fn token_for(kiosk: &KioskCreated, key: &str, expires_in_s: i64) -> (String, TicketId) {
    let ticket_id = TicketId(uuid::Uuid::now_v7());
    let claims = QrClaims {
        kiosk_id: kiosk.kiosk_id,
        ticket_id,
        expires_at: Timestamp::now().as_second() + expires_in_s,
    };
    (claims.sign(key), ticket_id)
}

/// A fresh, valid token for a new ticket of `kiosk`.
fn token(kiosk: &KioskCreated) -> (String, TicketId) {
    token_for(kiosk, &kiosk.key, 3600)
}

/// Percent-encodes a form value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl TestApp {
    async fn get_page(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = self.client.get(format!("{}{path}", self.address));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.unwrap()
    }

    async fn post_form(&self, token: &str, body: &str) -> Response {
        self.client
            .post(format!("{}/r/{token}", self.address))
            .header("Content-Type", FORM)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    async fn post_json(&self, token: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}/api/v1/ratings/{token}", self.address))
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

async fn page(res: Response, status: u16) -> String {
    assert_eq!(res.status(), status);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    res.text().await.unwrap()
}

fn all_nine(v: u8) -> String {
    (1..=9).map(|i| format!("&u{i}={v}")).collect()
}

#[tokio::test]
async fn a_valid_link_shows_the_office_four_faces_and_nine_survey_elements_in_indonesian() {
    let (app, kiosk) = app().await;
    let (token, _) = token(&kiosk);
    let res = app.get_page(&format!("/r/{token}"), &[]).await;
    assert_eq!(res.headers()["cache-control"], "no-store, private");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        res.headers().get("set-cookie").is_none(),
        "no ?lang=, no cookie"
    );
    let html = page(res, 200).await;
    assert!(html.contains(r#"<html lang="id">"#));
    assert!(html.contains("Disdukcapil Kota Kupang"));
    assert!(html.contains("Bagaimana pelayanan kami?"));
    assert_eq!(html.matches(r#"<label class="face">"#).count(), 4);
    for v in 1..=4 {
        assert!(html.contains(&format!(r#"type="radio" name="score" value="{v}""#)));
    }
    for label in Score::LABELS_ID {
        assert!(html.contains(&format!("<span>{label}</span>")), "{label}");
    }
    assert_eq!(
        html.matches("<fieldset class=\"q\" data-element=\"U")
            .count(),
        9
    );
    for (i, e) in ELEMENTS.iter().enumerate() {
        assert!(html.contains(&format!(r#"data-element="{}""#, e.code)));
        for v in 1..=4u8 {
            assert!(html.contains(&format!(r#"name="u{}" value="{v}""#, i + 1)));
            assert!(html.contains(&format!("<span>{}</span>", e.labels_id[usize::from(v) - 1])));
        }
    }
    assert!(html.contains("Survei Kepuasan Masyarakat (opsional)"));
    assert!(html.contains(r#"<textarea name="comment" maxlength="500""#));
    assert!(html.contains(&format!(
        r#"<form id="rate" method="post" action="{token}""#
    )));
    assert!(html.contains(r#"<button type="submit">Kirim</button>"#));
    assert!(html.contains(r#"class="lang-en" href="?lang=en""#));
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("196608011988031001"), "never a NIP");
}

#[tokio::test]
async fn the_english_link_shows_english_labels_and_remembers_the_choice_in_a_cookie() {
    let (app, kiosk) = app().await;
    let (token, _) = token(&kiosk);
    let res = app.get_page(&format!("/r/{token}?lang=en"), &[]).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age=31536000"), "{cookie}");
    assert_eq!(res.headers()["content-language"], "en");
    let html = page(res, 200).await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("How was our service?"));
    for label in Score::LABELS_EN {
        assert!(html.contains(&format!("<span>{label}</span>")), "{label}");
    }
    assert!(html.contains("<span>Very polite and friendly</span>"));
    assert!(html.contains(r#"<button type="submit">Send</button>"#));
    assert!(!html.contains("Bagaimana pelayanan kami?"));

    // The cookie alone keeps English; ?lang=id switches back.
    let html = page(
        app.get_page(&format!("/r/{token}"), &[("Cookie", "lang=en")])
            .await,
        200,
    )
    .await;
    assert!(html.contains("How was our service?"));
    let res = app
        .get_page(&format!("/r/{token}?lang=id"), &[("Cookie", "lang=en")])
        .await;
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("lang=id")
    );
    assert!(page(res, 200).await.contains("Bagaimana pelayanan kami?"));
}

#[tokio::test]
async fn a_form_with_a_score_is_thanked_and_stored_as_a_complete_qr_rating() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let res = app
        .post_form(&token, "lang=id&score=4&comment=Pelayanan+cepat")
        .await;
    let html = page(res, 200).await;
    assert!(html.contains(r#"id="thanks""#), "{html}");
    assert!(html.contains("Terima kasih atas penilaian Anda"));
    assert!(html.contains("Sangat baik"));

    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.kiosk, kiosk.kiosk_id);
    assert_eq!(stored.office.as_str(), "kupang");
    let r = &stored.event;
    assert_eq!(r.ticket_id, Some(ticket_id));
    assert_eq!(r.channel, Channel::Qr);
    assert_eq!((r.counter.as_ref(), r.nip.as_ref()), (None, None));
    assert_eq!(r.score.get(), 4);
    assert_eq!(r.answers, None);
    assert_eq!(r.comment.as_ref().unwrap().as_str(), "Pelayanan cepat");
    assert_eq!(r.rating_id.0.get_version_num(), 7);
    assert!((Timestamp::now() - r.submitted_at).get_seconds().abs() < 60);
    assert_eq!(app.store.counts().await.unwrap().qr_ratings, 1);
}

#[tokio::test]
async fn the_full_survey_is_stored_with_the_rating() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let body = format!("score=3{}&u4=1", all_nine(4)).replacen("u4=4", "u4=1", 1);
    let html = page(app.post_form(&token, &body).await, 200).await;
    assert!(html.contains("9 jawaban terkirim"));
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(
        stored.event.answers.unwrap().values(),
        [4, 4, 4, 1, 4, 4, 4, 4, 4]
    );
}

#[tokio::test]
async fn a_second_rating_of_the_same_ticket_is_refused_politely_with_409() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    assert_eq!(app.post_form(&token, "score=2").await.status(), 200);

    let html = page(app.post_form(&token, "score=4").await, 409).await;
    assert!(
        html.contains(r#"id="error" class="notice already-rated""#),
        "{html}"
    );
    assert!(html.contains("Tiket ini sudah dinilai. Terima kasih."));
    // Scanning the code again says so at once, instead of a form to fill.
    let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 409).await;
    assert!(html.contains("already-rated"));
    assert!(!html.contains(r#"id="rate""#));
    let res = app.post_json(&token, &json!({"score": 4})).await;
    assert_error(res, 409, "already_rated").await;
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.event.score.get(), 2, "the first rating is kept");
}

#[tokio::test]
async fn an_expired_link_is_410_on_the_page_the_form_and_the_json_route() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token_for(&kiosk, &kiosk.key, -1);
    let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 410).await;
    assert!(html.contains(r#"class="notice expired""#), "{html}");
    assert!(html.contains("kedaluwarsa"));
    let html = page(app.post_form(&token, "score=4").await, 410).await;
    assert!(html.contains("expired"));
    assert_error(
        app.post_json(&token, &json!({"score": 4})).await,
        410,
        "expired",
    )
    .await;
    assert!(stored_rating(&app, ticket_id).await.is_none());
    // The expiry second itself is still accepted.
    let (token, _) = token_for(&kiosk, &kiosk.key, 2);
    assert_eq!(
        app.get_page(&format!("/r/{token}"), &[]).await.status(),
        200
    );
}

#[tokio::test]
async fn a_link_signed_with_another_key_a_malformed_token_or_an_unknown_kiosk_is_401() {
    let (app, kiosk) = app().await;
    let (forged, ticket_id) = token_for(&kiosk, "not-the-kiosk-key", 3600);
    let unknown_kiosk = KioskCreated {
        kiosk_id: shared::KioskId(uuid::Uuid::now_v7()),
        key: kiosk.key.clone(),
    };
    let (unknown, _) = token(&unknown_kiosk);
    for bad in [forged.as_str(), unknown.as_str(), "not-a-token", "a.b"] {
        let html = page(app.get_page(&format!("/r/{bad}"), &[]).await, 401).await;
        assert!(html.contains(r#"class="notice forged""#), "{html}");
        assert!(html.contains("Tautan penilaian ini tidak sah"));
        let html = page(app.post_form(bad, "score=4").await, 401).await;
        assert!(html.contains("forged"));
        assert_error(
            app.post_json(bad, &json!({"score": 4})).await,
            401,
            "unauthorized",
        )
        .await;
    }
    assert!(stored_rating(&app, ticket_id).await.is_none());
    assert_eq!(app.store.counts().await.unwrap().qr_ratings, 0);
}

#[tokio::test]
async fn the_json_route_answers_201_and_refuses_bad_bodies_with_400_415_and_422() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let url = format!("{}/api/v1/ratings/{token}", app.address);
    let send = |ct: &'static str, body: &'static str| {
        app.client
            .post(&url)
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    assert_error(
        send("application/json", "{").await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    for wrong_type in [
        r#"{"score":"4"}"#,
        r#"{"score":4,"answers":"x"}"#,
        r#"{"comment":1}"#,
    ] {
        let res = send("application/json", wrong_type).await.unwrap();
        assert_error(res, 400, "bad_request").await;
    }
    let res = send("text/plain", r#"{"score":4}"#).await.unwrap();
    assert_error(res, 415, "unsupported_media_type").await;
    let res = send(FORM, "score=4").await.unwrap();
    assert_error(res, 415, "unsupported_media_type").await;
    for invalid in [
        json!({"score": 0}),
        json!({"score": 5}),
        json!({"score": 4, "answers": vec![3; 8]}),
        json!({"score": 4, "answers": vec![3; 10]}),
        json!({"score": 4, "answers": [3, 3, 3, 3, 0, 3, 3, 3, 3]}),
        json!({"score": 4, "comment": "x".repeat(501)}),
    ] {
        assert_error(app.post_json(&token, &invalid).await, 422, "invalid").await;
    }
    assert!(stored_rating(&app, ticket_id).await.is_none());

    let body = json!({"score": 3, "answers": [4, 3, 2, 1, 4, 3, 2, 1, 4], "comment": "ok"});
    let res = app.post_json(&token, &body).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let rating_id = created["rating_id"].as_str().unwrap();
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.event.rating_id.to_string(), rating_id);
    assert_eq!(
        stored.event.answers.unwrap().values(),
        [4, 3, 2, 1, 4, 3, 2, 1, 4]
    );
    assert_error(app.post_json(&token, &body).await, 409, "already_rated").await;
}

#[tokio::test]
async fn a_form_post_in_another_content_type_is_a_415_page_and_stores_nothing() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let res = app
        .client
        .post(format!("{}/r/{token}", app.address))
        .json(&json!({"score": 4}))
        .send()
        .await
        .unwrap();
    let html = page(res, 415).await;
    assert!(html.contains(r#"class="notice bad-request""#), "{html}");
    assert!(html.contains("application/x-www-form-urlencoded"));
    assert!(stored_rating(&app, ticket_id).await.is_none());
}

#[tokio::test]
async fn json_refusals_follow_accept_language() {
    let (app, kiosk) = app().await;
    let (token, _) = token_for(&kiosk, &kiosk.key, -10);
    let res = app
        .client
        .post(format!("{}/api/v1/ratings/{token}", app.address))
        .header("Accept-Language", "en")
        .json(&json!({"score": 4}))
        .send()
        .await
        .unwrap();
    let body = assert_error(res, 410, "expired").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("This rating link has expired."),
        "{body}"
    );
}

#[tokio::test]
async fn a_501_character_comment_is_422_and_500_characters_are_accepted() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let long = "é".repeat(501);
    let html = page(
        app.post_form(&token, &format!("score=3&comment={}", enc(&long)))
            .await,
        422,
    )
    .await;
    assert!(html.contains(r#"class="error""#));
    assert!(html.contains("Komentar paling banyak 500 karakter"));
    assert!(
        html.contains(r#"name="score" value="3" checked"#),
        "the face stays chosen"
    );
    assert!(stored_rating(&app, ticket_id).await.is_none());

    // 499 characters and a line break the browser sends as CRLF: 500.
    let text = format!("{}\r\n", "a".repeat(499));
    let res = app
        .post_form(&token, &format!("score=3&comment={}", enc(&text)))
        .await;
    assert_eq!(res.status(), 200);
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.event.comment.unwrap().as_str().chars().count(), 500);
}

#[tokio::test]
async fn a_missing_score_is_422_with_the_form_and_the_message_in_the_error_paragraph() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    for body in ["", "score=", "comment=halo", "score=abc", "score=5"] {
        let html = page(app.post_form(&token, body).await, 422).await;
        assert!(
            html.contains(r#"<p class="error" id="form-error" role="alert">"#),
            "{body}"
        );
        assert!(html.contains(r#"<form id="rate""#), "{body}");
        assert_eq!(html.matches(r#"<label class="face">"#).count(), 4);
    }
    let html = page(app.post_form(&token, "comment=halo").await, 422).await;
    assert!(html.contains("Pilih salah satu wajah"));
    assert!(html.contains(">halo</textarea>"), "the comment is kept");
    let res = app
        .client
        .post(format!("{}/r/{token}", app.address))
        .header("Content-Type", FORM)
        .header("Cookie", "lang=en")
        .body("")
        .send()
        .await
        .unwrap();
    assert!(page(res, 422).await.contains("Choose one of the faces"));
    assert!(stored_rating(&app, ticket_id).await.is_none());
}

#[tokio::test]
async fn a_partial_survey_is_422_and_can_then_be_sent_without_the_survey() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let html = page(
        app.post_form(&token, "lang=en&score=4&u1=3&u2=4").await,
        422,
    )
    .await;
    assert!(html.contains(r#"class="error""#));
    assert!(
        html.contains("not answered: U3, U4, U5, U6, U7, U8, U9"),
        "{html}"
    );
    assert!(html.contains(r#"<details id="survey" open"#));
    assert!(html.contains(r#"name="u2" value="4" checked"#));
    assert!(html.contains(r#"name="survey" value="skip""#));
    assert!(stored_rating(&app, ticket_id).await.is_none());

    let res = app
        .post_form(&token, "lang=en&score=4&u1=3&u2=4&survey=skip")
        .await;
    let html = page(res, 200).await;
    assert!(
        html.contains("Thank you for your rating"),
        "in the page's language"
    );
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.event.answers, None);
}

#[tokio::test]
async fn a_comment_with_a_script_tag_is_escaped_on_every_page_that_shows_it() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let evil = "<script>alert('x')</script></textarea><b>";
    // Refused (no score): the form shows the comment again, as text.
    let html = page(
        app.post_form(&token, &format!("comment={}", enc(evil)))
            .await,
        422,
    )
    .await;
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;&lt;/textarea&gt;&lt;b&gt;"));
    // Accepted: the thank-you page repeats it, as text.
    let html = page(
        app.post_form(&token, &format!("score=1&comment={}", enc(evil)))
            .await,
        200,
    )
    .await;
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"));
    // Stored as given.
    let stored = stored_rating(&app, ticket_id).await.unwrap();
    assert_eq!(stored.event.comment.unwrap().as_str(), evil);
}

#[tokio::test]
async fn submissions_past_the_rate_limit_get_429_with_retry_after() {
    let (app, kiosk) = app_with(|s| s.qr_rate_limit_per_min = 3).await;
    // Page and JSON submissions with genuine tokens share the address's
    // bucket; an invalid form counts too.
    let (first, _) = token(&kiosk);
    assert_eq!(app.post_form(&first, "").await.status(), 422);
    assert_eq!(app.post_form(&first, "score=4").await.status(), 200);
    let (other, _) = token(&kiosk);
    assert_eq!(
        app.post_json(&other, &json!({"score": 4})).await.status(),
        201
    );

    let (third, _) = token(&kiosk);
    let res = app.post_form(&third, "score=4").await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    let html = page(res, 429).await;
    assert!(html.contains(r#"class="notice rate-limited""#), "{html}");
    let res = app.post_json(&third, &json!({"score": 4})).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "rate_limited").await;
    // Reading the page is not limited.
    assert_eq!(
        app.get_page(&format!("/r/{third}"), &[]).await.status(),
        200
    );
}

#[tokio::test]
async fn a_flood_of_forged_tokens_does_not_drain_the_genuine_citizens_budget() {
    let (app, kiosk) = app_with(|s| s.qr_rate_limit_per_min = 3).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (forged, _) = token_for(&kiosk, "not-the-key", 3600);
        statuses.push(
            app.post_json(&forged, &json!({"score": 1}))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..3], [401, 401, 401]);
    assert!(statuses[3..].iter().all(|&s| s == 429), "{statuses:?}");
    // A citizen behind the same address still rates.
    let (genuine, ticket_id) = token(&kiosk);
    assert_eq!(app.post_form(&genuine, "score=4").await.status(), 200);
    assert!(stored_rating(&app, ticket_id).await.is_some());
}

#[tokio::test]
async fn a_disabled_kiosks_links_are_410_and_store_nothing() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let res = app
        .client
        .post(format!(
            "{}/api/v1/kiosks/{}/disable",
            app.address, kiosk.kiosk_id
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 410).await;
    assert!(html.contains("tidak berlaku lagi"), "{html}");
    assert_error(
        app.post_json(&token, &json!({"score": 4})).await,
        410,
        "revoked",
    )
    .await;
    assert!(stored_rating(&app, ticket_id).await.is_none());
}

#[tokio::test]
async fn two_concurrent_ratings_of_one_ticket_store_exactly_one() {
    let (app, kiosk) = app().await;
    let (token, ticket_id) = token(&kiosk);
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for score in [1, 2, 3, 4, 1, 2, 3, 4] {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            app.post_json(&token, &json!({ "score": score }))
                .await
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert!(stored_rating(&app, ticket_id).await.is_some());
    assert_eq!(app.store.counts().await.unwrap().qr_ratings, 1);
}
