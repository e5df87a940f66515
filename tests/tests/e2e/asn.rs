//! The ASN takes part, through the HTTP API: their own sign-in and page, the
//! right of reply, the head's review with its effect on scores (the ASN's,
//! never the office's IKM), the append-only audit trail, follow-up of
//! complaints, and HR's bias audit and patterns. Each attack is tried: another
//! ASN's page or rating, another office's head, removing an audit entry.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use shared::review::{AuditLog, BiasReport, FollowUpList, PatternReport};
use shared::wire::{
    AsnEvidence, AsnReport, AsnReportRow, Channel, Event, OfficeDetail, RatingEvent, SkmReport,
};
use shared::{
    Comment, CounterId, Nip, RatingId, Score, ServiceCode, ServicePrefix, SkmAnswers, TicketId,
    TicketNumber,
};

use crate::helpers::*;

/// One rated visit served by `nip`, completed at `start + 6 min`, rated
/// `after_s` seconds later with `score` (and the full survey at that
/// level), with an optional comment.
pub(crate) struct Visit<'a> {
    pub nip: &'a str,
    pub score: i64,
    pub comment: Option<&'a str>,
    pub after_s: i64,
}

pub(crate) fn visits(list: &[Visit<'_>], start: jiff::Timestamp) -> (Vec<Event>, Vec<RatingId>) {
    let mut events = Vec::new();
    let mut ids = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let t = start + jiff::SignedDuration::from_mins(10 * i as i64);
        let id = TicketId(uuid::Uuid::now_v7());
        let done = t + jiff::SignedDuration::from_mins(6);
        events.push(Event::TicketIssued {
            ticket_id: id,
            number: TicketNumber::new(ServicePrefix::parse("A").unwrap(), i as u32 + 1),
            service: ServiceCode::parse("ktp").unwrap(),
            issued_at: t,
        });
        events.push(Event::TicketCalled {
            ticket_id: id,
            counter: CounterId::parse("L1").unwrap(),
            nip: Nip::parse(v.nip).unwrap(),
            called_at: t + jiff::SignedDuration::from_mins(2),
        });
        events.push(Event::TicketCompleted {
            ticket_id: id,
            completed_at: done,
        });
        let rating = RatingId(uuid::Uuid::now_v7());
        ids.push(rating);
        events.push(Event::Rating(RatingEvent {
            rating_id: rating,
            ticket_id: Some(id),
            counter: None,
            nip: None,
            channel: Channel::Tablet,
            score: Score::new(v.score).unwrap(),
            answers: Some(SkmAnswers::new(&[v.score; 9]).unwrap()),
            comment: v.comment.and_then(|c| Comment::new(c).unwrap()),
            submitted_at: done + jiff::SignedDuration::from_secs(v.after_s),
            flagged: false,
        }));
    }
    (events, ids)
}

/// A report period (WIB days) from the day before `start` to two days
/// after, as a query string.
pub(crate) fn period_around(start: jiff::Timestamp) -> String {
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(start);
    format!(
        "from={}&to={}",
        day.checked_sub(jiff::Span::new().days(1)).unwrap(),
        day.checked_add(jiff::Span::new().days(2)).unwrap()
    )
}

struct World {
    c: TestCollector,
    hr: String,
    head: String,
    other_head: String,
    /// ASN1's low rating with a complaint.
    complaint: RatingId,
    /// One of ASN2's ratings.
    asn2_rating: RatingId,
    q: String,
}

/// Sawahlunto with ten rated visits of ASN1 (one a complaint: score 1 with
/// a comment) and five of ASN2; Pauh beside it with its own head.
async fn world() -> World {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    provision(&c, "pauh").await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30);
    let mut list: Vec<Visit<'_>> = (0..9)
        .map(|_| Visit {
            nip: ASN1.0,
            score: 4,
            comment: None,
            after_s: 60,
        })
        .collect();
    list.push(Visit {
        nip: ASN1.0,
        score: 1,
        comment: Some("Petugas membentak saya <b>tanpa alasan</b>"),
        after_s: 60,
    });
    list.extend((0..5).map(|_| Visit {
        nip: ASN2.0,
        score: 3,
        comment: Some("Cukup baik"),
        after_s: 60,
    }));
    let (events, ids) = visits(&list, start);
    send_events(&c.base, &creds, &events).await;
    let q = period_around(start);
    World {
        hr: hr_token(&c.base, &c.admin_token).await,
        head: head_token(&c.base, &c.admin_token, OFFICE).await,
        other_head: head_token(&c.base, &c.admin_token, "pauh").await,
        complaint: ids[9],
        asn2_rating: ids[10],
        c,
        q,
    }
}

impl World {
    async fn asn_row(&self, nip: &str) -> AsnReportRow {
        let r: AsnReport = get_json(
            &self.c.base,
            &self.hr,
            &format!("/api/v1/reports/asn?office_id={OFFICE}&{}", self.q),
        )
        .await;
        r.rows.into_iter().find(|r| r.nip == nip).expect("row")
    }

    async fn office(&self) -> OfficeDetail {
        get_json(
            &self.c.base,
            &self.hr,
            &format!("/api/v1/reports/offices/{OFFICE}?{}", self.q),
        )
        .await
    }

    async fn audit(&self, token: &str, query: &str) -> AuditLog {
        get_json(&self.c.base, token, &format!("/api/v1/audit?{query}")).await
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        client().post(format!("{}{path}", self.c.base))
    }

    async fn review(&self, token: &str, rating: RatingId, body: Value) -> reqwest::Response {
        self.post(&format!("/api/v1/ratings/{rating}/review"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn reply(&self, cookie: &str, rating: RatingId, text: &str) -> reqwest::Response {
        self.post(&format!("/api/v1/ratings/{rating}/reply"))
            .header("Cookie", cookie)
            .json(&j!({"text": text}))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_asn_signs_in_with_nip_and_pin_and_sees_only_their_own_page() {
    let w = world().await;
    let cookie = asn_sign_in(&w.c.base, ASN1.0, ASN1.1).await;
    let http = no_redirects();
    let page = http
        .get(format!("{}/asn?{}", w.c.base, w.q))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Rina Marlina"), "their own name");
    assert!(!html.contains("Andi Saputra"), "no other ASN");
    assert!(html.contains("form class=\"reply\""), "a reply form");
    assert!(
        !html.contains("form class=\"review\""),
        "no review form for the ASN"
    );
    assert!(
        html.contains("&lt;b&gt;tanpa alasan&lt;/b&gt;"),
        "the comment as text"
    );
    assert!(!html.contains(ASN1.0), "no NIP on the page");

    // The ASN's session opens no report: not another ASN's evidence page,
    // not their own by the staff address, not the JSON reports.
    let r: AsnReport = get_json(
        &w.c.base,
        &w.hr,
        &format!("/api/v1/reports/asn?office_id={OFFICE}&{}", w.q),
    )
    .await;
    let other = r.rows.iter().find(|r| r.nip == ASN2.0).unwrap();
    let own = r.rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    for path in [
        format!("/laporan/{OFFICE}/asn/{}", other.asn_ref),
        format!("/laporan/{OFFICE}/asn/{}", own.asn_ref),
        format!("/laporan/{OFFICE}"),
    ] {
        let res = http
            .get(format!("{}{path}", w.c.base))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{path}: to the staff sign-in"
        );
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/masuk")
        );
    }
    for path in [
        format!(
            "/api/v1/reports/asn/{}?office_id={OFFICE}&{}",
            other.asn_ref, w.q
        ),
        format!("/api/v1/reports/asn?office_id={OFFICE}&{}", w.q),
        "/api/v1/audit".to_owned(),
    ] {
        let res = http
            .get(format!("{}{path}", w.c.base))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Signed out, the page asks for the sign-in again.
    let out = http
        .post(format!("{}/asn/keluar", w.c.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let again = http
        .get(format!("{}/asn", w.c.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()["location"], "/asn/masuk");
}

#[tokio::test]
async fn five_wrong_pins_lock_the_nip_and_the_audit_trail_says_so() {
    let w = world().await;
    let http = no_redirects();
    let try_pin = |pin: &'static str| {
        http.post(format!("{}/asn/masuk", w.c.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("nip={}&pin={pin}", ASN2.0))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            try_pin("0000").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = try_pin(ASN2.1).await.unwrap();
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "right PIN, but locked"
    );
    assert!(locked.text().await.unwrap().contains("dikunci"));
    // An unknown NIP is just wrong (nothing says who is on the roster).
    let unknown = http
        .post(format!("{}/asn/masuk", w.c.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("nip=199001012015031001&pin=1234")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let log = w.audit(&w.head, "").await;
    assert!(
        log.entries.iter().any(|e| e.action == "asn_locked"
            && e.actor.starts_with("asn:")
            && !e.actor.contains(ASN2.0)),
        "{:?}",
        log.entries
    );
}

#[tokio::test]
async fn a_reply_and_an_exclusion_change_the_asns_score_and_not_the_offices_ikm() {
    let w = world().await;
    let before = w.asn_row(ASN1.0).await;
    let office_before = w.office().await;
    assert_eq!(before.figures.ratings, 10);

    // The ASN answers; once only; never another's rating.
    let asn1 = asn_sign_in(&w.c.base, ASN1.0, ASN1.1).await;
    let asn2 = asn_sign_in(&w.c.base, ASN2.0, ASN2.1).await;
    let res = w
        .reply(
            &asn1,
            w.complaint,
            "Saat itu antrean sistem mati; saya menjelaskan dengan tegas.",
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        w.reply(&asn1, w.complaint, "Ubah").await.status(),
        StatusCode::CONFLICT,
        "a reply cannot be changed"
    );
    assert_eq!(
        w.reply(&asn2, w.complaint, "Bukan saya").await.status(),
        StatusCode::FORBIDDEN,
        "another ASN's rating"
    );
    assert_eq!(
        w.reply(&asn1, w.asn2_rating, "x").await.status(),
        StatusCode::FORBIDDEN
    );
    let no_session = w
        .post(&format!("/api/v1/ratings/{}/reply", w.complaint))
        .bearer_auth(&w.head)
        .json(&j!({"text": "kepala menjawab"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_session.status(),
        StatusCode::UNAUTHORIZED,
        "nobody answers for the ASN"
    );

    // Review: another office's head cannot; a reason is required to exclude.
    assert_eq!(
        w.review(
            &w.other_head,
            w.complaint,
            j!({"decision": "exclude", "reason": "abusive"})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.review(&w.head, w.complaint, j!({"decision": "exclude"}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        w.review(&w.head, w.complaint, j!({"decision": "delete"}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = w
        .review(
            &w.head,
            w.complaint,
            j!({"decision": "exclude", "reason": "not_about_service", "note": "Sistem antrean mati hari itu"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let after = w.asn_row(ASN1.0).await;
    let office_after = w.office().await;
    assert_eq!(after.figures.ratings, 9, "the rating left the ASN's count");
    assert_eq!(after.excluded, 1);
    assert!(after.score_mean.unwrap() > before.score_mean.unwrap());
    assert!(after.score_adjusted.unwrap() > before.score_adjusted.unwrap());
    assert_eq!(
        after.figures.ikm_responses,
        before.figures.ikm_responses - 1
    );
    assert_eq!(
        office_after.row.figures.ikm, office_before.row.figures.ikm,
        "the office's IKM keeps the citizen's voice"
    );
    assert_eq!(
        office_after.row.figures.ratings,
        office_before.row.figures.ratings
    );
    assert_eq!(
        office_after.row.figures.ikm_responses,
        office_before.row.figures.ikm_responses
    );

    // The evidence shows the reply and the decision.
    let e: AsnEvidence = get_json(
        &w.c.base,
        &w.hr,
        &format!(
            "/api/v1/reports/asn/{}?office_id={OFFICE}&{}",
            after.asn_ref, w.q
        ),
    )
    .await;
    let c = e
        .comments
        .iter()
        .find(|c| c.rating_id == w.complaint)
        .unwrap();
    assert!(c.reply.as_ref().unwrap().text.contains("sistem mati"));
    let review = c.review.as_ref().unwrap();
    assert_eq!(review.decision, shared::review::ReviewDecision::Exclude);
    assert!(review.by.starts_with("token:"));

    // Reviewed again (by HR): kept; the figures return exactly.
    let res = w
        .review(
            &w.hr,
            w.complaint,
            j!({"decision": "keep", "note": "Ditinjau ulang"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let back = w.asn_row(ASN1.0).await;
    assert_eq!(back.figures.ratings, before.figures.ratings);
    assert_eq!(back.score_adjusted, before.score_adjusted);
    assert_eq!(back.excluded, 0);

    // The trail lists all three with who and when, oldest first.
    let log = w.audit(&w.hr, &format!("office_id={OFFICE}")).await;
    assert!(log.chain_ok);
    let about: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.rating_id == Some(w.complaint))
        .collect();
    let actions: Vec<&str> = about.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["reply", "review_exclude", "review_keep"]);
    assert!(about[0].actor.starts_with("asn:") && about[0].actor.len() == 24);
    assert!(about[1].actor.starts_with("token:"));
    assert_eq!(
        about[1].detail.as_deref(),
        Some("not_about_service: Sistem antrean mati hari itu")
    );
    assert!(
        about
            .windows(2)
            .all(|p| p[0].at <= p[1].at && p[0].seq < p[1].seq)
    );

    // The head sees their office's trail; the other head neither sees it
    // nor may ask for it.
    let mine = w.audit(&w.head, "").await;
    assert!(
        mine.entries
            .iter()
            .any(|e| e.rating_id == Some(w.complaint))
    );
    let theirs = w.audit(&w.other_head, "").await;
    assert!(
        theirs
            .entries
            .iter()
            .all(|e| e.office_id.as_deref() == Some("pauh"))
    );
    let asked = client()
        .get(format!("{}/api/v1/audit?office_id={OFFICE}", w.c.base))
        .bearer_auth(&w.other_head)
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::FORBIDDEN);

    // Nothing removes an entry: no method but GET, and deleting the user or
    // token behind an entry adds one.
    let count = w.audit(&w.hr, "").await.entries.len();
    for m in [Method::DELETE, Method::PUT, Method::POST, Method::PATCH] {
        let res = client()
            .request(m.clone(), format!("{}/api/v1/audit", w.c.base))
            .bearer_auth(&w.hr)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{m}");
    }
    let del = client()
        .delete(format!("{}/api/v1/audit?office_id={OFFICE}", w.c.base))
        .bearer_auth(&w.c.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        del.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "not even the admin"
    );
    let after_all = w.audit(&w.hr, "").await;
    assert_eq!(after_all.entries.len(), count);
    assert!(after_all.chain_ok);
    let csv = client()
        .get(format!("{}/api/v1/audit?format=csv", w.c.base))
        .bearer_auth(&w.hr)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.contains("review_exclude") && text.contains("seq,at,actor,action"));
}

#[tokio::test]
async fn account_changes_are_in_the_audit_trail() {
    let w = world().await;
    create_user(
        &w.c,
        j!({"username": "kepala.pauh", "password": "kata-sandi-kepala", "role": "head", "office_id": "pauh"}),
    )
    .await;
    let res =
        w.c.admin(Method::DELETE, "/api/v1/users/kepala.pauh")
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let log = w.audit(&w.hr, "").await;
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "roster_imported",
        "token_issued",
        "user_created",
        "user_deleted",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let pauh = w.audit(&w.other_head, "").await;
    assert!(
        pauh.entries.iter().any(|e| e.action == "user_deleted"
            && e.detail.as_deref().unwrap_or("").contains("kepala.pauh")),
        "a head sees the account changes of their office"
    );
}

#[tokio::test]
async fn a_complaint_opens_a_follow_up_item_that_the_head_closes_and_reports_count() {
    let w = world().await;
    let list: FollowUpList = get_json(&w.c.base, &w.head, "/api/v1/followups").await;
    assert_eq!(list.items.len(), 1, "one rating of 1-2 with a comment");
    let item = &list.items[0];
    assert_eq!(item.rating_id, w.complaint);
    assert_eq!(item.status, shared::review::FollowUpStatus::Open);
    let other: FollowUpList = get_json(&w.c.base, &w.other_head, "/api/v1/followups").await;
    assert!(other.items.is_empty(), "another office's head sees none");

    let update = |token: &str, body: Value| {
        client()
            .post(format!("{}/api/v1/followups/{}", w.c.base, w.complaint))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    assert_eq!(
        update(&w.other_head, j!({"status": "done", "response": "x"}))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        update(&w.head, j!({"status": "done"}))
            .await
            .unwrap()
            .status(),
        StatusCode::CONFLICT,
        "done needs a response"
    );
    assert_eq!(
        update(&w.head, j!({"status": "closed"}))
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let detail = w.office().await;
    assert_eq!((detail.followup.opened, detail.followup.done), (1, 0));
    assert_eq!(detail.followup.rate, Some(0.0));
    assert_eq!(
        update(
            &w.head,
            j!({"status": "in_progress", "response": "Petugas dipanggil untuk pembinaan"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        update(&w.head, j!({"status": "done"}))
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "the response given earlier stands"
    );
    let detail = w.office().await;
    assert_eq!((detail.followup.opened, detail.followup.done), (1, 1));
    assert_eq!(detail.followup.rate, Some(1.0));
    assert!(detail.followup.close_p50_h.is_some());
    let skm: SkmReport = get_json(
        &w.c.base,
        &w.head,
        &format!("/api/v1/reports/skm?office_id={OFFICE}&{}", w.q),
    )
    .await;
    assert_eq!(
        skm.followup, detail.followup,
        "the SKM report shows the same"
    );
    let done: FollowUpList = get_json(&w.c.base, &w.hr, "/api/v1/followups?status=done").await;
    assert_eq!(
        done.items[0].response.as_deref(),
        Some("Petugas dipanggil untuk pembinaan")
    );
    let log = w.audit(&w.head, "").await;
    let steps: Vec<&str> = log
        .entries
        .iter()
        .filter(|e| e.action == "followup")
        .filter_map(|e| e.detail.as_deref())
        .collect();
    assert_eq!(
        steps,
        ["in_progress: Petugas dipanggil untuk pembinaan", "done"]
    );
}

#[tokio::test]
async fn the_bias_audit_is_for_hr_only_aggregate_and_withholds_groups_under_five_asn() {
    let w = world().await;
    let b: BiasReport = get_json(&w.c.base, &w.hr, &format!("/api/v1/reports/bias?{}", w.q)).await;
    assert!(b.method.contains("pengacakan"), "{}", b.method);
    let office = b
        .scopes
        .iter()
        .find(|s| s.office_id.as_deref() == Some(OFFICE))
        .unwrap();
    assert_eq!(office.asn, 2);
    assert!(
        office
            .by_gender
            .iter()
            .all(|c| c.withheld && c.mean.is_none())
    );
    assert!(!office.gender.tested && !office.gender.flagged);
    let text = serde_json::to_string(&b).unwrap();
    assert!(
        !text.contains(ASN1.0) && !text.contains("Rina"),
        "never a person"
    );
    for token in [&w.head, &w.other_head] {
        for path in ["/api/v1/reports/bias", "/api/v1/reports/patterns"] {
            let res = client()
                .get(format!("{}{path}?{}", w.c.base, w.q))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
}

#[tokio::test]
async fn patterns_point_hr_at_an_asn_whose_ratings_come_seconds_after_completion() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(40);
    let mut list: Vec<Visit<'_>> = (0..25)
        .map(|_| Visit {
            nip: ASN1.0,
            score: 4,
            comment: None,
            after_s: 1,
        })
        .collect();
    list.extend((0..50).map(|i| Visit {
        nip: if i % 2 == 0 {
            ASN2.0
        } else {
            "198711032012122001"
        },
        score: 3,
        comment: None,
        after_s: 45,
    }));
    let (events, _) = visits(&list, start);
    send_events(&c.base, &creds, &events).await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(start);
    let q = format!(
        "from={}&to={}",
        day,
        day.checked_add(jiff::Span::new().days(1)).unwrap()
    );
    let p: PatternReport = get_json(&c.base, &hr, &format!("/api/v1/reports/patterns?{q}")).await;
    let rows: AsnReport = get_json(&c.base, &hr, &format!("/api/v1/reports/asn?{q}")).await;
    let asn1 = rows.rows.iter().find(|r| r.nip == ASN1.0).unwrap();
    let quick: Vec<_> = p
        .patterns
        .iter()
        .filter(|p| p.kind == "quick_ratings")
        .collect();
    assert_eq!(quick.len(), 1, "{:?}", p.patterns);
    assert_eq!(quick[0].asn_ref, asn1.asn_ref);
    assert_eq!(quick[0].value, 1.0);
    assert!(quick[0].office_value < 0.4);
    // A pointer, not a penalty: the ASN's score is untouched by it.
    assert_eq!(asn1.figures.ratings, 25);
    assert_eq!(asn1.excluded, 0);
}

#[tokio::test]
async fn the_bias_audit_flags_a_true_gender_gap_across_enough_asn_and_not_balanced_age_bands() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    // 24 more ASN: 12 men, 12 women, three of each gender in each age band.
    let births = ["2000", "1990", "1980", "1968"];
    let mut rows = Vec::new();
    for i in 0..24u32 {
        let female = i % 2 == 1;
        let year = births[(i as usize / 2) % 4];
        rows.push(shared::wire::RosterRow {
            nip: format!(
                "{year}0115201501{}{:03}",
                if female { 2 } else { 1 },
                100 + i
            ),
            name: format!("ASN Uji {i}"),
            office_id: OFFICE.to_owned(),
            pin: "246810".to_owned(),
            active: None,
        });
    }
    assert!(c.put_roster(&rows).await.rejected.is_empty());
    // Men rated 4, women 3 (with some variety), 12 visits each.
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(50);
    let mut list = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let female = i % 2 == 1;
        for k in 0..12 {
            let score = match (female, k % 4) {
                (false, 0) => 3,
                (false, _) => 4,
                (true, 0) => 4,
                (true, _) => 3,
            };
            list.push(Visit {
                nip: r.nip.as_str(),
                score,
                comment: None,
                after_s: 30,
            });
        }
    }
    let (events, _) = visits(&list, start);
    send_events(&c.base, &creds, &events).await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(start);
    let q = format!(
        "from={day}&to={}",
        day.checked_add(jiff::Span::new().days(3)).unwrap()
    );
    let b: BiasReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/bias?office_id={OFFICE}&{q}"),
    )
    .await;
    let s = b
        .scopes
        .iter()
        .find(|s| s.office_id.as_deref() == Some(OFFICE))
        .unwrap();
    assert_eq!(s.asn, 24);
    let men = s.by_gender.iter().find(|c| c.group == "male").unwrap();
    let women = s.by_gender.iter().find(|c| c.group == "female").unwrap();
    assert!(!men.withheld && !women.withheld);
    assert!(men.mean.unwrap() > women.mean.unwrap());
    assert!(
        women.ci_high.unwrap() < men.ci_low.unwrap(),
        "{men:?} {women:?}"
    );
    assert!(s.gender.flagged, "{:?}", s.gender);
    assert!(s.gender.p_value.unwrap() < 0.01);
    assert!(s.by_age.iter().all(|c| !c.withheld && c.asn == 6));
    assert!(!s.age.flagged, "balanced age bands: {:?}", s.age);
    let again: BiasReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/bias?office_id={OFFICE}&{q}"),
    )
    .await;
    assert_eq!(again.scopes, b.scopes, "seeded: the same answer every time");
}
