//! The office floor in real Chromium: the display board live from a call on
//! the console with its spoken sequence in order, the ticket printed at 58
//! and 80 mm with a QR code read back from a screenshot, the phone link
//! moving through the queue to its rating, and the dashboard updating
//! without a reload. Screenshots go to `tests/artifacts/`.

use serde_json::json as j;

use crate::browser::{PHONE, TABLET, Tab, WAIT, browser_or_skip};
use crate::floor::{as_counter, floor_office, link_becomes, phone_link};
use crate::helpers::*;
use crate::qr_decode::decode_png;

/// A full HD TV, and the common cheaper one.
const TV: (u32, u32) = (1920, 1080);
const SMALL_TV: (u32, u32) = (1366, 768);

/// The clips of "Nomor antrean A nol nol N, silakan ke loket C".
fn call_clips(number_digit: u8, counter: u8) -> Vec<String> {
    [
        "chime",
        "nomor_antrean",
        "la",
        "d0",
        "d0",
        &format!("d{number_digit}"),
        "silakan_ke",
        "loket",
        &format!("d{counter}"),
    ]
    .iter()
    .map(|c| format!("/audio/{c}.wav"))
    .collect()
}

/// Marks the page so a test can tell it was not reloaded.
async fn mark(tab: &Tab) {
    tab.eval("window.__notReloaded = true; true").await;
}

async fn assert_not_reloaded(tab: &Tab) {
    assert_eq!(
        tab.eval("window.__notReloaded === true").await,
        serde_json::Value::Bool(true),
        "the page reloaded"
    );
}

/// The clips the board asked to play, in order.
async fn played(tab: &Tab) -> Vec<String> {
    serde_json::from_value(tab.eval("window.__audioRequests").await).unwrap_or_default()
}

/// Turns the sound on when the browser asked for a touch first.
async fn allow_sound(tab: &Tab) {
    if tab.is_visible("#enable-sound").await {
        tab.click("#enable-sound").await;
    }
}

/// Waits until the board has asked for exactly `want`, turning the sound on
/// if the browser blocks it.
async fn wait_played(tab: &Tab, want: &[String]) {
    let deadline = std::time::Instant::now() + WAIT * 2;
    loop {
        allow_sound(tab).await;
        let got = played(tab).await;
        if got == want {
            return;
        }
        assert!(
            got.len() <= want.len() && want.starts_with(&got),
            "the clips came out of order or overlapping:\n got {got:?}\nwant {want:?}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the board did not play the whole call: {got:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Neither scrolls: the board fits the screen.
async fn assert_fits(tab: &Tab) {
    let fit = tab
        .eval(
            "[document.documentElement.scrollWidth <= innerWidth, \
              document.documentElement.scrollHeight <= innerHeight]",
        )
        .await;
    assert_eq!(fit, j!([true, true]), "the board overflows the screen");
}

#[tokio::test]
async fn a_call_on_the_console_shows_on_the_open_display_board_and_is_spoken_in_order() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let k = &o.kiosk;
    let tab = b.new_page(&format!("{}/display", k.base), TV.0, TV.1).await;
    tab.wait_visible("#now-number", WAIT).await;
    mark(&tab).await;
    assert_eq!(tab.text_of("#now-number").await, "—");
    assert_eq!(
        tab.text_of("#office-name").await,
        "Dinas Kependudukan dan Pencatatan Sipil Kota Sawahlunto"
    );

    // The ASN calls from the console page, as they would.
    k.take_ticket("ktp").await;
    k.take_ticket("kk").await;
    let console = b
        .new_page(&format!("{}/counter/L1", k.base), TABLET.0, TABLET.1)
        .await;
    console.type_into("#nip", ASN1.0).await;
    console.type_into("#pin", ASN1.1).await;
    console.click("#signin button[type=submit]").await;
    console.wait_visible("#call-next button", WAIT).await;
    console.click("#call-next button").await;
    console.wait_visible("#serving-number", WAIT).await;
    assert_eq!(console.text_of("#serving-number").await, "A-001");
    // The elapsed service time runs by itself.
    let first = console.text_of("#service-elapsed").await;
    console
        .wait_until(
            "the service time to move",
            &format!("document.getElementById('service-elapsed').textContent !== {first:?}"),
            WAIT,
        )
        .await;
    console.screenshot("console-serving").await;

    // A TV shows the board in front; a browser defers media in a hidden tab.
    tab.bring_to_front().await;
    tab.wait_until(
        "the call on the board",
        "document.getElementById('now-number').textContent === 'A-001'",
        WAIT,
    )
    .await;
    assert_eq!(tab.text_of("#now-counter").await, "Loket 1");
    assert_not_reloaded(&tab).await;
    wait_played(&tab, &call_clips(1, 1)).await;
    let served: Vec<String> = tab.requests();
    assert!(
        served
            .iter()
            .any(|u| u.ends_with("/audio/nomor_antrean.wav")),
        "the clips came from the kiosk: {served:?}"
    );
    tab.screenshot("display-call-1920").await;
    assert_fits(&tab).await;

    // A recall, then a second counter's call straight after: announced one
    // after the other, never overlapping.
    console.bring_to_front().await;
    console.click("#recall button").await;
    eventually("the recall to reach the kiosk", WAIT, || async {
        let d: shared::wire::Display = json(
            k.req(reqwest::Method::GET, "/api/display")
                .send()
                .await
                .unwrap(),
        )
        .await;
        (d.calls.len() == 2 && d.calls[0].recall).then_some(())
    })
    .await;
    tab.bring_to_front().await;
    let andi = k.sign_in("L2", ASN2).await;
    let second = k.call_next("L2", &andi).await;
    assert_eq!(second.number, "B-001");
    let mut want = call_clips(1, 1);
    want.extend(call_clips(1, 1));
    want.extend(call_clips(1, 2).into_iter().map(|c| {
        if c == "/audio/la.wav" {
            "/audio/lb.wav".into()
        } else {
            c
        }
    }));
    wait_played(&tab, &want).await;
    let announced = tab.eval("window.__announced.map(a => a.number)").await;
    assert_eq!(announced, j!(["A-001", "A-001", "B-001"]));
    tab.wait_until(
        "the newest call on top",
        "document.getElementById('now-number').textContent === 'B-001'",
        WAIT,
    )
    .await;
    // A-001 once below (the recall does not list it twice).
    assert_eq!(
        tab.count("#calls li").await,
        1,
        "the earlier calls are listed"
    );
    assert!(tab.text_of("#calls").await.contains("A-001"));

    // A break shows on the board.
    let done = k.complete(&second, &andi).await;
    assert!(!done.rating_url.is_empty());
    let res = as_counter(k, &andi, "/api/counters/L2/break", Some(j!({"on": true}))).await;
    assert_eq!(res.status(), 200);
    tab.wait_visible("#counter-list li.break", WAIT).await;
    assert!(
        tab.text_of("#counter-list li.break")
            .await
            .contains("istirahat")
    );
    assert_not_reloaded(&tab).await;
    tab.assert_no_js_errors();
    tab.assert_loaded_only_from_own_origin().await;

    // Rina sends A-001 on to the family card service from her console.
    console.bring_to_front().await;
    console
        .eval("document.getElementById('transfer-service').value = 'kk'; true")
        .await;
    console.click("#transfer button[type=submit]").await;
    console.wait_visible("#call-next button", WAIT).await;
    console.assert_no_js_errors();
    let d = k.dashboard().await;
    assert_eq!(d.queue[0].number, "A-001", "{:?}", d.queue);
    assert_eq!(d.queue[0].service, "kk");
    tab.bring_to_front().await;

    // The smaller TV, in English (the voice stays Indonesian).
    let small = b
        .new_page(
            &format!("{}/display?lang=en", k.base),
            SMALL_TV.0,
            SMALL_TV.1,
        )
        .await;
    small.wait_visible("#now-number", WAIT).await;
    assert_eq!(small.text_of("#now-number").await, "B-001");
    assert!(
        small
            .text_of("#recent h2")
            .await
            .to_lowercase()
            .contains("last calls")
    );
    assert!(small.text_of("#counter-list").await.contains("on a break"));
    small.screenshot("display-1366-english").await;
    assert_fits(&small).await;
    small.assert_no_js_errors();
    b.close().await;
}

/// CSS pixels of `mm` millimetres.
fn px(mm: u32) -> u32 {
    (f64::from(mm) * 96.0 / 25.4).floor() as u32
}

#[tokio::test]
async fn the_printed_ticket_fits_58_and_80_mm_paper_and_its_qr_code_reads_back() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = office().await;
    let k = &o.kiosk;
    k.take_ticket("ktp").await;
    let t = k.take_ticket("ktp").await;
    let link = phone_link(k, &t).await;
    for width in [58, 80] {
        let tab = b
            .new_page(
                &format!("{}/ticket/{}/print?width={width}", k.base, t.ticket_id),
                px(width),
                600,
            )
            .await;
        tab.wait_visible("#slip", WAIT).await;
        // Three device pixels per CSS pixel: about a thermal printer's 8
        // dots per millimetre.
        tab.set_device(px(width), 600, 3.0).await;
        tab.emulate_print(true).await;
        let sizes = tab
            .eval(
                "[document.documentElement.scrollWidth, \
                  document.getElementById('slip').getBoundingClientRect().width, \
                  document.getElementById('slip-qr').getBoundingClientRect().width, \
                  getComputedStyle(document.querySelector('.controls')).display]",
            )
            .await;
        let page_w = sizes[0].as_f64().unwrap();
        let slip_w = sizes[1].as_f64().unwrap();
        let qr_w = sizes[2].as_f64().unwrap();
        assert!(page_w <= f64::from(px(width)) + 1.0, "{width} mm: {sizes}");
        assert!(slip_w <= f64::from(px(width)) + 1.0, "{width} mm: {sizes}");
        assert!(
            qr_w >= f64::from(px(30)),
            "{width} mm: the QR code is too small: {sizes}"
        );
        assert_eq!(sizes[3], j!("none"), "the buttons do not print");
        assert_eq!(tab.text_of("#slip-number").await, "A-002");
        assert!(
            tab.text_of("#slip-ahead")
                .await
                .contains("1 orang di depan Anda")
        );
        assert!(tab.text_of("#slip-service").await.contains("KTP-el"));
        let png = tab
            .screenshot_of("#slip-qr", &format!("ticket-qr-{width}mm"))
            .await;
        assert_eq!(decode_png(&png).as_deref(), Ok(link.as_str()), "{width} mm");
        tab.screenshot(&format!("ticket-print-{width}mm")).await;

        // The PDF the browser prints is one page of that paper's width.
        let pdf = tab.pdf(&format!("ticket-{width}mm")).await;
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert_eq!(pages, 1, "{width} mm: one ticket, one page");
        let media = text
            .split("/MediaBox [")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .expect("a media box");
        let points: Vec<f64> = media
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let want = f64::from(width) * 72.0 / 25.4;
        assert!((points[2] - want).abs() < 1.5, "{width} mm page is {media}");
        tab.assert_no_js_errors();
        tab.assert_loaded_only_from_own_origin().await;
    }
    b.close().await;
}

#[tokio::test]
async fn the_phone_link_shows_its_place_moving_then_the_counter_then_takes_one_rating() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = floor_office().await;
    let k = &o.kiosk;
    let rina = k.sign_in("L1", ASN1).await;
    k.take_ticket("ktp").await;
    k.take_ticket("ktp").await;
    let mine = k.take_ticket("ktp").await;
    let url = phone_link(k, &mine).await;
    link_becomes(&url, "waiting", Some(2)).await;
    let tab = b.new_page(&url, PHONE.0, PHONE.1).await;
    tab.wait_visible("#ahead", WAIT).await;
    assert_eq!(tab.text_of("#ahead").await, "2 orang lagi sebelum Anda");
    assert_eq!(tab.text_of("#ticket-number").await, "A-003");
    tab.screenshot("phone-link-2-ahead").await;

    let first = k.call_next("L1", &rina).await;
    tab.wait_until(
        "one before me",
        "document.getElementById('ahead') && \
         document.getElementById('ahead').textContent === '1 orang lagi sebelum Anda'",
        WAIT * 2,
    )
    .await;
    tab.screenshot("phone-link-1-ahead").await;
    k.complete(&first, &rina).await;
    let second = k.call_next("L1", &rina).await;
    k.complete(&second, &rina).await;
    let me = k.call_next("L1", &rina).await;
    assert_eq!(me.ticket_id, mine.ticket_id);
    tab.wait_visible("#called", WAIT * 2).await;
    assert_eq!(tab.text_of("#counter-name").await, "Loket 1");
    tab.screenshot("phone-link-called").await;

    k.store.clock().advance(4 * 60);
    k.complete(&me, &rina).await;
    tab.wait_visible("form#rate", WAIT * 2).await;
    tab.screenshot("phone-link-rating-form").await;
    tab.choose("input[name=score][value='3']").await;
    tab.type_into("textarea[name=comment]", "Petugas ramah, antrean jelas")
        .await;
    tab.click("form#rate button[type=submit]").await;
    tab.wait_visible("#thanks", WAIT).await;
    tab.screenshot("phone-link-thanks").await;
    tab.assert_no_js_errors();
    tab.assert_loaded_only_from_own_origin().await;

    // Opened again: rated, and a second rating is refused.
    tab.goto(&url).await;
    tab.wait_visible("#rated", WAIT).await;
    let s = link_becomes(&url, "completed", None).await;
    assert!(s.rated);
    let (base, _) = url.split_once("/t/").unwrap();
    let again = client()
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", base)
        .body("score=1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    b.close().await;
}

#[tokio::test]
async fn the_dashboard_updates_without_reloading_and_lists_tickets_past_their_standard() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = floor_office().await;
    let k = &o.kiosk;
    let tab = b
        .new_page(&format!("{}/dashboard", k.base), TABLET.0, TABLET.1)
        .await;
    tab.wait_visible("#queue-count", WAIT).await;
    mark(&tab).await;
    assert_eq!(tab.text_of("#queue-count").await, "0");
    assert!(
        tab.eval("document.querySelector('meta[http-equiv=refresh]') === null")
            .await
            == serde_json::Value::Bool(true),
        "no meta refresh"
    );
    k.take_ticket("ktp").await;
    tab.wait_until(
        "the new ticket on the dashboard",
        "document.getElementById('queue-count').textContent === '1'",
        WAIT,
    )
    .await;
    let rina = k.sign_in("L1", ASN1).await;
    tab.wait_until(
        "Rina at her counter",
        "document.querySelector('#counters li[data-counter=L1]').textContent.includes('Rina Marlina')",
        WAIT,
    )
    .await;
    // Half an hour later someone still waits for KTP-el (30 minutes).
    k.take_ticket("ktp").await;
    k.store.clock().advance(31 * 60);
    let called = k.call_next("L1", &rina).await;
    tab.wait_until(
        "the late tickets: A-002 waiting, A-001 called late",
        "document.querySelectorAll('#late li').length === 2 && \
         document.querySelectorAll('#late li.late').length === 1",
        WAIT,
    )
    .await;
    let late = tab.text_of("#late").await;
    assert!(late.contains("A-002") && late.contains("A-001"), "{late}");
    assert!(
        tab.text_of("#late li.late").await.contains("A-002"),
        "A-002 still waits"
    );
    assert!(
        tab.text_of("#counters li[data-counter=L1]")
            .await
            .contains("A-001"),
        "serving"
    );
    k.complete(&called, &rina).await;
    as_counter(k, &rina, "/api/counters/L1/break", Some(j!({"on": true}))).await;
    tab.wait_visible("#counters li[data-counter=L1] .badge.break", WAIT)
        .await;
    assert_eq!(tab.count("svg#chart-queue").await, 1);
    assert_eq!(tab.count("svg#chart-hours").await, 1);
    assert_not_reloaded(&tab).await;
    tab.screenshot("dashboard-live").await;
    tab.assert_no_js_errors();
    tab.assert_loaded_only_from_own_origin().await;

    // The head sees the same from the collector, near-live.
    drained(k).await;
    let c = &o.collector;
    create_user(
        c,
        j!({"username": "kepala.sawahlunto", "password": "rahasia-kepala-1", "role": "head", "office_id": OFFICE}),
    )
    .await;
    let live = b
        .new_page(&format!("{}/masuk", c.base), TABLET.0, TABLET.1)
        .await;
    live.type_into("#username", "kepala.sawahlunto").await;
    live.type_into("#password", "rahasia-kepala-1").await;
    live.click("#signin button[type=submit]").await;
    live.wait_for("nav.staff", WAIT).await;
    live.goto(&format!("{}/laporan/{OFFICE}/langsung", c.base))
        .await;
    live.wait_visible("#live #counters", WAIT).await;
    assert!(live.text_of("#counters").await.contains("istirahat"));
    assert!(live.text_of("#last-event").await.contains("Data terakhir"));
    mark(&live).await;
    k.take_ticket("kk").await;
    live.wait_until(
        "the new ticket at the collector",
        "document.getElementById('queue-count').textContent === '2'",
        std::time::Duration::from_secs(40),
    )
    .await;
    assert_not_reloaded(&live).await;
    live.screenshot("collector-live-view").await;
    live.assert_no_js_errors();
    b.close().await;
}
