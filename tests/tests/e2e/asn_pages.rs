//! The ASN takes part, in a real browser: the ASN signs in on a phone with
//! NIP and PIN and answers a complaint on their own page; the head reads the
//! answer on the evidence page, excludes the rating with a reason, closes the
//! follow-up item and finds both in the audit trail; the ASN then sees the
//! decision. HR reads the bias audit; a head may not.

use std::time::Duration;

use serde_json::{Value, json as j};
use shared::RatingId;
use shared::wire::AsnReport;

use crate::asn::{Visit, period_around, visits};
use crate::browser::{Browser, Tab, browser_or_skip};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(20);
const HEAD: (&str, &str) = ("kepala.sawahlunto", "kata-sandi-kepala");
const HR: (&str, &str) = ("hr.pusat", "kata-sandi-hr-2026");

async fn staff_sign_in(b: &Browser, base: &str, next: &str, (user, password): (&str, &str)) -> Tab {
    let tab = b
        .new_page(
            &format!(
                "{base}/masuk?next={}",
                next.replace('&', "%26")
                    .replace('?', "%3F")
                    .replace('=', "%3D")
            ),
            1280,
            900,
        )
        .await;
    tab.wait_visible("form#signin", WAIT).await;
    tab.type_into("input#username", user).await;
    tab.type_into("input#password", password).await;
    tab.click("form#signin button[type=submit]").await;
    tab
}

async fn asn_sign_in_page(b: &Browser, base: &str, q: &str) -> Tab {
    let tab = b.new_page(&format!("{base}/asn?{q}"), 390, 844).await;
    tab.wait_visible("form#asn-signin", WAIT).await;
    assert!(
        tab.url().await.ends_with("/asn/masuk"),
        "{}",
        tab.url().await
    );
    tab.type_into("input#nip", ASN1.0).await;
    tab.type_into("input#pin", ASN1.1).await;
    tab.click("form#asn-signin button[type=submit]").await;
    tab.wait_visible("#comments", WAIT).await;
    tab
}

#[tokio::test]
async fn an_asn_answers_a_complaint_and_the_head_reviews_it_and_follows_it_up_in_the_browser() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30);
    let mut list: Vec<Visit<'_>> = (0..11)
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
        comment: Some("Petugas tidak ramah, saya disuruh kembali besok"),
        after_s: 60,
    });
    let (events, ids) = visits(&list, start);
    let complaint: RatingId = ids[11];
    send_events(&c.base, &creds, &events).await;
    create_user(
        &c,
        j!({"username": HEAD.0, "password": HEAD.1, "role": "head", "office_id": OFFICE}),
    )
    .await;
    create_user(&c, j!({"username": HR.0, "password": HR.1, "role": "hr"})).await;
    let q = period_around(start);
    let hr = hr_token(&c.base, &c.admin_token).await;
    let rows: AsnReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/asn?office_id={OFFICE}&{q}"),
    )
    .await;
    let asn_ref = rows
        .rows
        .iter()
        .find(|r| r.nip == ASN1.0)
        .unwrap()
        .asn_ref
        .clone();
    let sel = |s: &str| format!(r#"div.comment[data-rating="{complaint}"] {s}"#);

    // The ASN, on a phone: sign in, read, answer.
    let asn = asn_sign_in_page(&b, &c.base, &q).await;
    assert!(asn.text_of("#comments").await.contains("tidak ramah"));
    assert_eq!(asn.count("form.review").await, 0, "the ASN reviews nothing");
    asn.type_into(
        &sel("textarea[name=text]"),
        "Hari itu blanko KTP habis; saya sudah menjelaskan.",
    )
    .await;
    asn.click(&sel("form.reply button")).await;
    asn.wait_visible(&sel(".answer"), WAIT).await;
    assert!(
        asn.text_of(&sel(".answer"))
            .await
            .contains("blanko KTP habis")
    );
    assert_eq!(asn.count(&sel("form.reply")).await, 0, "answered once");
    let fits = asn
        .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert_eq!(fits, Value::Bool(true), "the ASN's page fits a phone");
    asn.screenshot("asn-reply-phone").await;
    asn.assert_no_js_errors();
    asn.assert_loaded_only_from_own_origin().await;

    // The head: the evidence page shows the answer and opens the review.
    let evidence = format!("/laporan/{OFFICE}/asn/{asn_ref}?{q}");
    let head = staff_sign_in(&b, &c.base, &evidence, HEAD).await;
    head.wait_visible(&sel(".answer"), WAIT).await;
    assert_eq!(head.text_of("#ratings").await, "12");
    head.wait_visible(&sel("form.review"), WAIT).await;
    head.choose(&sel(r#"input[name=decision][value=exclude]"#))
        .await;
    head.eval(&format!(
        "document.querySelector('{}').value = 'not_about_service'; true",
        sel("select[name=reason]")
    ))
    .await;
    head.type_into(
        &sel("textarea[name=note]"),
        "Stok blanko di luar kendali petugas",
    )
    .await;
    head.click(&sel("form.review button")).await;
    head.wait_visible(&sel(".review.excluded"), WAIT).await;
    assert!(
        head.text_of(&sel(".review"))
            .await
            .contains("Bukan tentang layanan ini")
    );
    assert_eq!(head.text_of("#ratings").await, "11", "left the ASN's count");
    assert!(head.text_of("#excluded").await.starts_with('1'));
    head.screenshot("head-review").await;

    // The follow-up item, oldest first, moved to done.
    head.goto(&format!("{}/laporan/{OFFICE}/tindak-lanjut", c.base))
        .await;
    let item = format!(r#"div.followup[data-rating="{complaint}"]"#);
    head.wait_visible(&item, WAIT).await;
    head.eval(&format!(
        "document.querySelector('{item} select[name=status]').value = 'done'; true"
    ))
    .await;
    head.type_into(
        &format!("{item} textarea[name=response]"),
        "Stok blanko ditambah; warga dihubungi",
    )
    .await;
    head.click(&format!("{item} form button")).await;
    head.wait_for(
        &format!(r#"div.followup[data-rating="{complaint}"][data-status="done"]"#),
        WAIT,
    )
    .await;
    assert!(head.text_of(&item).await.contains("Stok blanko ditambah"));
    head.screenshot("head-followup").await;

    // The audit trail lists the reply, the exclusion and the follow-up.
    head.goto(&format!("{}/laporan/jejak", c.base)).await;
    head.wait_visible("table#audit", WAIT).await;
    for action in ["reply", "review_exclude", "followup"] {
        assert_eq!(
            head.count(&format!(r#"#audit tr[data-action="{action}"]"#))
                .await,
            1,
            "{action}"
        );
    }
    assert!(head.text_of("#chain").await.contains("utuh"));
    head.screenshot("audit-trail").await;
    // The bias audit is HR's only.
    head.goto(&format!("{}/laporan/bias", c.base)).await;
    head.wait_visible("p.error", WAIT).await;
    assert!(head.text_of("p.error").await.contains("HR"));
    head.assert_no_js_errors();

    // The ASN sees the decision on their page.
    asn.goto(&format!("{}/asn?{q}", c.base)).await;
    asn.wait_visible(&sel(".review.excluded"), WAIT).await;
    assert!(
        asn.text_of(&sel(".review"))
            .await
            .contains("kepala.sawahlunto")
    );
    assert!(asn.text_of(&sel(".status")).await.contains("Selesai"));

    // HR reads the bias audit: groups of under five ASN withheld. (One
    // browser profile: the head signs out first.)
    head.click("nav.staff form button").await;
    head.wait_visible("form#signin", WAIT).await;
    let hr_tab = staff_sign_in(&b, &c.base, &format!("/laporan/bias?{q}"), HR).await;
    hr_tab.wait_visible("#method", WAIT).await;
    assert!(hr_tab.text_of("#method").await.contains("pengacakan"));
    assert!(hr_tab.count(r#"tr[data-withheld="true"]"#).await > 0);
    assert!(
        !hr_tab.text_of("main").await.contains("Rina Marlina"),
        "no person in the bias audit"
    );
    hr_tab.screenshot("bias-audit").await;
    hr_tab.assert_no_js_errors();
    b.close().await;
}
