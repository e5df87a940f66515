//! The pages in real Chromium: entrance, counter console, counter tablet,
//! dashboard and the phone rating page behind the QR code. Each test starts
//! its own collector and kiosk (`office()`) and its own browser, checks the
//! outcome through the API as well as on screen, and saves a screenshot of
//! every page state to `tests/artifacts/`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json as j;
use shared::ids::TicketId;
use shared::wire::{Channel, Completed, Event, RatingEvent, TicketView};

use crate::browser::{PHONE, TABLET, Tab, WAIT, browser_or_skip};
use crate::helpers::*;
use crate::qr_decode::decode_svg;

/// Answers given to the nine SKM questions U1..U9.
const ANSWERS: [u8; 9] = [4, 3, 4, 2, 3, 4, 1, 3, 4];

/// A ticket taken, called and completed at L1 through the API.
async fn completed_ticket(o: &Office, service: &str) -> (TicketView, Completed) {
    let k = &o.kiosk;
    let ticket = k.take_ticket(service).await;
    let session = k.sign_in("L1", ASN1).await;
    let called = k.call_next("L1", &session).await;
    assert_eq!(called.ticket_id, ticket.ticket_id);
    let done = k.complete(&called, &session).await;
    (ticket, done)
}

/// The ratings in the kiosk's event log.
fn kiosk_ratings(o: &Office) -> Vec<RatingEvent> {
    o.kiosk
        .store
        .events_from(1, 1000)
        .unwrap()
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::Rating(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_citizen_takes_a_number_on_the_entrance_screen() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let base = &o.kiosk.base;
    let tab = b.new_page(&format!("{base}/"), TABLET.0, TABLET.1).await;
    let ktp = r#"button.service[data-service="ktp"]"#;
    tab.wait_visible(ktp, WAIT).await;
    assert_eq!(tab.html_lang().await, "id", "Bahasa Indonesia by default");
    // One form per service of the office (ktp, kk, akta), each posting to /take.
    assert_eq!(
        tab.count(r#"form[method="post"][action="/take"] input[name="service"]"#)
            .await,
        3
    );
    tab.screenshot("entrance-tablet").await;

    tab.click(ktp).await;
    tab.wait_visible("#ticket-number", WAIT).await;
    assert_eq!(tab.text_of("#ticket-number").await, "A-001");
    assert!(
        tab.text_of("#ticket-service").await.contains("KTP-el"),
        "{}",
        tab.text_of("#ticket-service").await
    );
    let url = tab.url().await;
    let ticket_id = url
        .strip_prefix(&format!("{base}/ticket/"))
        .unwrap_or_else(|| panic!("not a ticket page: {url}"));
    tab.screenshot("entrance-ticket-tablet").await;

    let d = o.kiosk.dashboard().await;
    assert_eq!(d.queue.len(), 1, "{:?}", d.queue);
    assert_eq!(d.queue[0].number, "A-001");
    assert_eq!(d.queue[0].service, "ktp");
    assert_eq!(TicketId::parse(ticket_id), Some(d.queue[0].ticket_id));
    assert_eq!(d.today.issued, 1);
    tab.assert_loaded_only_from_own_origin().await;
    b.close().await;
}

#[tokio::test]
async fn an_asn_signs_in_on_the_console_calls_the_next_ticket_and_completes_it() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let base = &o.kiosk.base;
    let ticket = o.kiosk.take_ticket("ktp").await;
    let tab = b
        .new_page(&format!("{base}/counter/L1"), TABLET.0, TABLET.1)
        .await;
    tab.wait_visible("form#signin", WAIT).await;
    tab.screenshot("console-signed-out").await;

    // A wrong PIN is refused with a message, and the form stays.
    tab.type_into(r#"form#signin input[name="nip"]"#, ASN1.0)
        .await;
    tab.type_into(r#"form#signin input[name="pin"]"#, "0000")
        .await;
    tab.click(r#"form#signin button[type="submit"]"#).await;
    tab.wait_visible(".error", WAIT).await;
    assert!(!tab.text_of(".error").await.is_empty());
    assert_eq!(tab.count("#staff-name").await, 0);
    tab.screenshot("console-wrong-pin").await;

    tab.type_into(r#"form#signin input[name="nip"]"#, ASN1.0)
        .await;
    tab.type_into(r#"form#signin input[name="pin"]"#, ASN1.1)
        .await;
    tab.click(r#"form#signin button[type="submit"]"#).await;
    tab.wait_visible("#staff-name", WAIT).await;
    assert_eq!(tab.text_of("#staff-name").await, "Rina Marlina");
    assert!(
        tab.text_of("#queue-length").await.contains('1'),
        "queue length {}",
        tab.text_of("#queue-length").await
    );
    tab.screenshot("console-signed-in").await;

    tab.click("form#call-next button").await;
    tab.wait_visible("#serving-number", WAIT).await;
    assert_eq!(tab.text_of("#serving-number").await, ticket.number);
    let d = o.kiosk.dashboard().await;
    let l1 = d.counters.iter().find(|c| c.counter == "L1").unwrap();
    assert_eq!(
        (l1.status.as_str(), l1.serving.as_deref()),
        ("serving", Some("A-001"))
    );
    tab.screenshot("console-serving").await;

    tab.click("form#complete button").await;
    tab.wait_visible("#qr svg", WAIT).await;
    let rating_url = tab.text_of("#rating-url").await;
    assert!(
        rating_url.starts_with(&format!("{}/r/", o.collector.base)),
        "{rating_url}"
    );
    // The QR code on screen is that link.
    let svg = tab
        .eval("document.querySelector('#qr svg').outerHTML")
        .await;
    assert_eq!(decode_svg(svg.as_str().unwrap()).unwrap(), rating_url);
    assert_eq!(o.kiosk.dashboard().await.today.served, 1);
    tab.screenshot("console-completed-qr").await;
    tab.assert_loaded_only_from_own_origin().await;

    tab.click("form#signout button").await;
    tab.wait_visible("form#signin", WAIT).await;
    let d = o.kiosk.dashboard().await;
    let l1 = d.counters.iter().find(|c| c.counter == "L1").unwrap();
    assert_eq!(l1.status, "closed", "signed out");
    b.close().await;
}

#[tokio::test]
async fn a_citizen_rates_on_the_tablet_with_a_face_and_the_full_survey() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let (ticket, _) = completed_ticket(&o, "ktp").await;
    // The operator's pairing link, opened once on the tablet.
    let pair = o.kiosk.pair_tablet("L1").await;
    let tab = b
        .new_page(
            &format!("{}{}", o.kiosk.base, pair.pair_url),
            TABLET.0,
            TABLET.1,
        )
        .await;
    tab.wait_visible("#screen-rate", WAIT).await;
    assert_eq!(tab.url().await, format!("{}/tablet/L1", o.kiosk.base));
    assert_eq!(tab.count("#screen-rate button.face").await, 4);
    // The tablet polls the counter and shows the ticket awaiting its rating.
    tab.wait_visible("#ticket-label", WAIT).await;
    assert!(
        tab.text_of("#ticket-label").await.contains(&ticket.number),
        "{}",
        tab.text_of("#ticket-label").await
    );
    tab.screenshot("tablet-rate").await;

    tab.click(r#"button.face[data-score="4"]"#).await;
    tab.wait_visible("#screen-survey", WAIT).await;
    assert!(!tab.is_visible("#screen-rate").await);
    assert_eq!(tab.count("#screen-survey fieldset[data-element]").await, 9);
    for (i, v) in ANSWERS.iter().enumerate() {
        let fieldset = format!(r#"fieldset[data-element="U{}"]"#, i + 1);
        assert_eq!(tab.count(&format!("{fieldset} button.answer")).await, 4);
        let answer = format!(r#"{fieldset} button.answer[data-value="{v}"]"#);
        tab.click(&answer).await;
        tab.wait_for(&format!("{answer}.selected"), WAIT).await;
        assert_eq!(
            tab.count(&format!("{fieldset} button.answer.selected"))
                .await,
            1,
            "one answer selected in {fieldset}"
        );
    }
    tab.type_into("textarea#comment", "Petugas ramah dan cepat")
        .await;
    assert_eq!(tab.text_of("button#send").await, "Kirim");
    assert_eq!(tab.text_of("button#skip").await, "Lewati");
    tab.screenshot("tablet-survey").await;

    tab.click("button#send").await;
    tab.wait_visible("#screen-thanks", WAIT).await;
    tab.screenshot("tablet-thanks").await;

    let d = eventually("the tablet rating to be recorded", WAIT, || async {
        let d = o.kiosk.dashboard().await;
        (d.today.ratings == 1).then_some(d)
    })
    .await;
    assert_eq!(d.today.score_mean, Some(4.0));
    let ratings = kiosk_ratings(&o);
    assert_eq!(ratings.len(), 1);
    let r = &ratings[0];
    assert_eq!(r.ticket_id, Some(ticket.ticket_id));
    assert_eq!(r.channel, Channel::Tablet);
    assert_eq!(r.score.get(), 4);
    assert_eq!(r.answers.as_ref().map(|a| a.values()), Some(ANSWERS));
    assert_eq!(
        r.comment.as_ref().map(|c| c.as_str()),
        Some("Petugas ramah dan cepat")
    );
    let again = o
        .kiosk
        .rate(
            &pair.tablet_token,
            &j!({"ticket_id": ticket.ticket_id, "score": 1}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one rating per ticket"
    );

    // The tablet thanks the citizen, then is ready for the next one.
    tab.wait_visible("#screen-rate", Duration::from_secs(30))
        .await;
    assert!(!tab.is_visible("#screen-thanks").await);
    tab.screenshot("tablet-reset").await;
    tab.assert_loaded_only_from_own_origin().await;
    tab.assert_no_js_errors();
    b.close().await;
}

/// Chooses a face and answers the whole survey on the phone rating page
/// (opening the survey first when it is folded away).
async fn fill_phone_form(tab: &Tab, score: u8, comment: &str) {
    tab.choose(&format!(
        r#"form#rate input[name="score"][value="{score}"]"#
    ))
    .await;
    if tab.count("form#rate details:not([open])").await > 0 {
        tab.click("form#rate details:not([open]) > summary").await;
        tab.wait_visible(r#"form#rate fieldset[data-element="U9"]"#, WAIT)
            .await;
    }
    for (i, v) in ANSWERS.iter().enumerate() {
        let n = i + 1;
        tab.choose(&format!(
            r#"form#rate fieldset[data-element="U{n}"] input[name="u{n}"][value="{v}"]"#
        ))
        .await;
    }
    tab.type_into(r#"form#rate textarea[name="comment"]"#, comment)
        .await;
}

#[tokio::test]
async fn a_citizen_rates_on_the_phone_from_the_qr_link_only_once() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let (_, done) = completed_ticket(&o, "kk").await;
    let tab = b.new_page(&done.rating_url, PHONE.0, PHONE.1).await;
    // The same link open a second time before the first rating is sent (a
    // second phone, or a tab left open).
    let other = b.new_page(&done.rating_url, PHONE.0, PHONE.1).await;
    tab.wait_visible("form#rate", WAIT).await;
    assert_eq!(tab.html_lang().await, "id");
    assert_eq!(tab.count("form#rate label.face").await, 4);
    assert_eq!(tab.count("form#rate fieldset[data-element]").await, 9);
    // Fits the phone: nothing wider than the screen.
    assert_eq!(
        tab.eval("document.documentElement.scrollWidth <= window.innerWidth")
            .await,
        j!(true),
        "the rating page scrolls sideways on a 360 px phone"
    );
    tab.screenshot("qr-phone-form").await;

    fill_phone_form(&tab, 3, "Antrean tertib").await;
    tab.screenshot("qr-phone-filled").await;
    tab.click(r#"form#rate button[type="submit"]"#).await;
    tab.wait_visible("#thanks", WAIT).await;
    assert_eq!(tab.count("#error").await, 0);
    tab.screenshot("qr-phone-thanks").await;
    tab.assert_loaded_only_from_own_origin().await;

    // Submitting from the other page is refused politely: one rating per ticket.
    other.wait_visible("form#rate", WAIT).await;
    other
        .choose(r#"form#rate input[name="score"][value="1"]"#)
        .await;
    other.click(r#"form#rate button[type="submit"]"#).await;
    other.wait_visible("#error.already-rated", WAIT).await;
    assert_eq!(other.count("#thanks").await, 0);
    assert!(!other.text_of("#error").await.is_empty());
    other.screenshot("qr-phone-already-rated-on-submit").await;
    other.assert_loaded_only_from_own_origin().await;

    // Opening the link again afterwards says so too (at once, or on submit).
    tab.goto(&done.rating_url).await;
    tab.wait_until(
        "the rating form or an error",
        "document.querySelector('form#rate, #error') !== null",
        WAIT,
    )
    .await;
    if tab.count("form#rate").await > 0 {
        tab.choose(r#"form#rate input[name="score"][value="1"]"#)
            .await;
        tab.click(r#"form#rate button[type="submit"]"#).await;
    }
    tab.wait_visible("#error.already-rated", WAIT).await;
    assert_eq!(tab.count("#thanks").await, 0);
    tab.screenshot("qr-phone-already-rated").await;
    tab.assert_loaded_only_from_own_origin().await;
    b.close().await;
}

#[tokio::test]
async fn a_citizen_switches_to_english_and_it_is_remembered_on_the_next_page() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let base = &o.kiosk.base;
    let tab = b.new_page(&format!("{base}/"), TABLET.0, TABLET.1).await;
    tab.wait_visible("a.lang-en", WAIT).await;
    assert_eq!(tab.html_lang().await, "id");
    let indonesian = tab.text_of("body").await;

    tab.click("a.lang-en").await;
    tab.wait_until(
        "<html lang=\"en\">",
        "document.documentElement.lang === 'en'",
        WAIT,
    )
    .await;
    tab.wait_visible(r#"button.service[data-service="ktp"]"#, WAIT)
        .await;
    let english = tab.text_of("body").await;
    assert_ne!(english, indonesian, "the entrance text did not change");
    tab.screenshot("entrance-english").await;

    // No ?lang= on this URL: the cookie carries the choice.
    tab.goto(&format!("{base}/dashboard")).await;
    tab.wait_for("#queue", WAIT).await;
    assert_eq!(tab.html_lang().await, "en", "English was not remembered");
    tab.screenshot("dashboard-english").await;

    tab.click("a.lang-id").await;
    tab.wait_until(
        "<html lang=\"id\">",
        "document.documentElement.lang === 'id'",
        WAIT,
    )
    .await;
    tab.goto(&format!("{base}/")).await;
    tab.wait_for("a.lang-en", WAIT).await;
    assert_eq!(tab.html_lang().await, "id", "back to Bahasa Indonesia");
    b.close().await;
}

#[tokio::test]
async fn every_page_loads_nothing_from_outside_its_own_server() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let base = &o.kiosk.base;
    // A waiting ticket for the dashboard, and a completed one for the tablet
    // and the QR page.
    let (_, done) = completed_ticket(&o, "ktp").await;
    o.kiosk.take_ticket("kk").await;
    let pair = o.kiosk.pair_tablet("L1").await;

    // The tablet last: it is the page with a script, and the others are
    // checked even while it is broken.
    let pages = [
        ("entrance", format!("{base}/"), TABLET, "button.service"),
        (
            "console",
            format!("{base}/counter/L1"),
            TABLET,
            "form#signin",
        ),
        ("dashboard", format!("{base}/dashboard"), TABLET, "#queue"),
        ("qr", done.rating_url.clone(), PHONE, "form#rate"),
        (
            "tablet-unpaired",
            format!("{base}/tablet/L2"),
            TABLET,
            "#unpaired",
        ),
        (
            "tablet",
            format!("{base}{}", pair.pair_url),
            TABLET,
            "#screen-rate",
        ),
    ];
    for (name, url, (w, h), ready) in pages {
        let tab = b.new_page(&url, w, h).await;
        tab.wait_visible(ready, WAIT).await;
        if name == "dashboard" {
            assert!(tab.text_of("#queue").await.contains("B-001"));
        }
        if name == "tablet" {
            // Its requests include its polling.
            let current = format!("{base}/api/counters/L1/current");
            eventually("the tablet to poll its counter", WAIT, || async {
                tab.requests().contains(&current).then_some(())
            })
            .await;
        }
        tab.screenshot(&format!("own-origin-{name}")).await;
        tab.assert_no_js_errors();
        tab.assert_loaded_only_from_own_origin().await;
    }
    b.close().await;
}
