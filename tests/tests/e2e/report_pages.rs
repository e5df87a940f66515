//! HR and office heads read the evidence: sign-in, the report pages with
//! their charts, sorting, the ASN evidence page in print, the official SKM
//! report (page and .xlsx read back by a spreadsheet reader), and the
//! published result, which names nobody.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use shared::wire::{AsnReport, Channel, Event, OfficeDetail, OfficeReport, RatingEvent, SkmReport};
use shared::{
    CounterId, Nip, RatingId, Score, ServiceCode, ServicePrefix, SkmAnswers, TicketId, TicketNumber,
};

use crate::browser::{Browser, Tab, browser_or_skip};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(20);
const LAPTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
const HR: (&str, &str) = ("hr.pusat", "kata-sandi-hr-2026");
const HEAD: (&str, &str) = ("kepala.sawahlunto", "kata-sandi-kepala");

/// A collector with two offices and three months of history each, an HR
/// user and Sawahlunto's head.
async fn offices_with_history() -> (TestCollector, jiff::civil::Date, jiff::civil::Date) {
    let c = spawn_collector().await;
    let today = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(jiff::Timestamp::now());
    let (from, to) = (
        today.checked_sub(jiff::Span::new().days(90)).unwrap(),
        today.yesterday().unwrap(),
    );
    for (i, id) in ["sawahlunto", "pauh"].into_iter().enumerate() {
        let creds = provision(&c, id).await;
        let office = e2e::demo_data::offices()
            .into_iter()
            .find(|o| o.id == id)
            .unwrap();
        let events = e2e::semester::history(&office, from, to, 40 + i as u64).unwrap();
        send_events(&c.base, &creds, &events).await;
    }
    create_user(&c, j!({"username": HR.0, "password": HR.1, "role": "hr"})).await;
    create_user(
        &c,
        j!({"username": HEAD.0, "password": HEAD.1, "role": "head", "office_id": OFFICE}),
    )
    .await;
    (c, from, to)
}

async fn sign_in(b: &Browser, base: &str, (user, password): (&str, &str), w: u32, h: u32) -> Tab {
    let tab = b.new_page(&format!("{base}/laporan"), w, h).await;
    // Not signed in: the report sends the browser to the sign-in page.
    tab.wait_visible("form#signin", WAIT).await;
    assert!(
        tab.url().await.contains("/masuk?next="),
        "{}",
        tab.url().await
    );
    tab.type_into("input#username", user).await;
    tab.type_into("input#password", password).await;
    tab.click("form#signin button[type=submit]").await;
    tab.wait_visible("table#offices", WAIT).await;
    tab
}

fn period(from: jiff::civil::Date, to: jiff::civil::Date) -> String {
    format!("from={from}&to={to}")
}

async fn office_order(tab: &Tab) -> Vec<String> {
    let v = tab
        .eval(
            "Array.from(document.querySelectorAll('#offices tbody tr')).map(r => r.dataset.office)",
        )
        .await;
    serde_json::from_value(v).unwrap()
}

async fn chart_titled(tab: &Tab, id: &str) -> String {
    tab.wait_for(&format!("svg#{id}[role=img] title"), WAIT)
        .await;
    // SVG elements have no innerText.
    let v = tab
        .eval(&format!(
            "document.querySelector('svg#{id} title').textContent"
        ))
        .await;
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn hr_signs_in_and_reads_the_offices_an_office_an_asn_and_the_skm_report() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let (c, from, to) = offices_with_history().await;
    let q = period(from, to);
    let tab = sign_in(&b, &c.base, HR, LAPTOP.0, LAPTOP.1).await;
    tab.goto(&format!("{}/laporan?{q}", c.base)).await;
    tab.wait_visible("table#offices", WAIT).await;
    assert_eq!(
        tab.count("#offices tbody tr").await,
        2,
        "HR sees every office"
    );
    assert!(chart_titled(&tab, "chart-nrr").await.contains("NRR"));
    chart_titled(&tab, "chart-hours").await;
    chart_titled(&tab, "chart-weeks").await;
    tab.screenshot("report-offices").await;

    // Sorting by IKM, then the other way round.
    let json: OfficeReport = get_json(
        &c.base,
        &hr_token(&c.base, &c.admin_token).await,
        &format!("/api/v1/reports/offices?{q}"),
    )
    .await;
    let mut by_ikm = json.rows.clone();
    by_ikm.sort_by(|a, b| a.figures.ikm.partial_cmp(&b.figures.ikm).unwrap());
    let ascending: Vec<String> = by_ikm.iter().map(|r| r.office_id.clone()).collect();
    tab.click(r#"th a[data-sort="ikm"]"#).await;
    tab.wait_for(r#"th[aria-sort] a[data-sort="ikm"]"#, WAIT)
        .await;
    let first = office_order(&tab).await;
    tab.click(r#"th a[data-sort="ikm"]"#).await;
    tab.wait_until(
        "the order to flip",
        "document.querySelector('th[aria-sort]').getAttribute('aria-sort') === 'ascending'",
        WAIT,
    )
    .await;
    let second = office_order(&tab).await;
    let mut desc = ascending.clone();
    desc.reverse();
    assert_eq!(first, desc, "highest IKM first");
    assert_eq!(second, ascending);
    // Every figure on the page is the JSON route's.
    for r in &json.rows {
        let ikm = r.figures.ikm.unwrap();
        let shown = tab
            .text_of(&format!(
                r#"tr[data-office="{}"] td:nth-child(2)"#,
                r.office_id
            ))
            .await;
        assert!(
            shown.starts_with(&format!("{ikm:.2}").replace('.', ",")),
            "{shown} vs {ikm}"
        );
    }

    // An office: its charts and ASN within service type.
    tab.goto(&format!("{}/laporan/{OFFICE}?{q}", c.base)).await;
    tab.wait_visible("table.asn", WAIT).await;
    chart_titled(&tab, "chart-nrr").await;
    assert!(
        chart_titled(&tab, "chart-intervals")
            .await
            .contains("selang")
    );
    assert!(tab.text_of("p.rule").await.contains("segelintir penilaian"));
    tab.screenshot("report-office").await;

    // An ASN's evidence page, from the office's list.
    let href: String = serde_json::from_value(
        tab.eval("document.querySelector('table.asn a').getAttribute('href')")
            .await,
    )
    .unwrap();
    for (nip, _, _) in e2e::demo_data::offices()
        .iter()
        .flat_map(|o| o.staff.clone())
    {
        assert!(!href.contains(nip), "no NIP in the address: {href}");
    }
    tab.goto(&format!("{}{href}", c.base)).await;
    tab.wait_visible("#rule", WAIT).await;
    assert!(
        tab.text_of("#rule")
            .await
            .contains("sedikitnya sepuluh penilaian tambahan")
    );
    chart_titled(&tab, "chart-intervals").await;
    chart_titled(&tab, "chart-scores").await;
    tab.screenshot("evidence").await;
    // In print, on A4 (794 x 1123 CSS pixels): fits the width, no navigation.
    let a4 = b.new_page(&format!("{}{href}", c.base), 794, 1123).await;
    a4.wait_visible("#rule", WAIT).await;
    let tab_laptop = tab;
    let tab = a4;
    tab.emulate_print(true).await;
    let layout = tab
        .eval("[document.documentElement.scrollWidth, window.innerWidth, getComputedStyle(document.querySelector('nav.staff')).display, Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))]")
        .await;
    assert!(
        layout[0].as_f64() <= layout[1].as_f64().map(|w| w + 1.0) && layout[2] == "none",
        "print layout: {layout}"
    );
    tab.screenshot("evidence-print").await;
    let pages = tab.print_pdf("evidence").await;
    assert!((1..=4).contains(&pages), "{pages} A4 pages");
    let tab = tab_laptop;

    // The official SKM report.
    tab.goto(&format!("{}/laporan/{OFFICE}/skm?{q}", c.base))
        .await;
    tab.wait_visible("#skm-elements", WAIT).await;
    assert_eq!(tab.count("#skm-elements tr[data-element]").await, 9);
    assert_eq!(tab.count("#skm-followup tbody tr").await, 3);
    tab.screenshot("skm").await;
    tab.assert_no_js_errors();
    tab.assert_loaded_only_from_own_origin().await;

    // On a phone, the office page reads without sideways scrolling of the
    // page itself (wide tables scroll inside their box).
    let phone = b
        .new_page(
            &format!("{}/laporan/{OFFICE}?{q}", c.base),
            PHONE.0,
            PHONE.1,
        )
        .await;
    phone.wait_visible("table.asn", WAIT).await;
    let fits = phone
        .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert_eq!(fits, Value::Bool(true));
    phone.screenshot("report-office-phone").await;

    // Signing out ends the session.
    tab.goto(&format!("{}/laporan", c.base)).await;
    tab.click("nav.staff form button").await;
    tab.wait_visible("form#signin", WAIT).await;
    tab.goto(&format!("{}/laporan", c.base)).await;
    tab.wait_visible("form#signin", WAIT).await;
    b.close().await;
}

#[tokio::test]
async fn an_office_head_sees_their_own_office_and_gets_403_for_another() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let (c, from, to) = offices_with_history().await;
    let q = period(from, to);
    let tab = sign_in(&b, &c.base, HEAD, LAPTOP.0, LAPTOP.1).await;
    tab.goto(&format!("{}/laporan?{q}", c.base)).await;
    tab.wait_visible("table#offices", WAIT).await;
    assert_eq!(office_order(&tab).await, [OFFICE]);
    tab.screenshot("report-head").await;
    let status = tab.eval("fetch('/laporan/pauh').then(r => r.status)").await;
    assert_eq!(status, j!(403));
    tab.goto(&format!("{}/laporan/pauh?{q}", c.base)).await;
    tab.wait_visible("p.error", WAIT).await;
    assert!(tab.text_of("p.error").await.contains("kantornya sendiri"));
    let status = tab
        .eval(
            "fetch('/api/v1/reports/skm.xlsx?office_id=pauh&preset=semester').then(r => r.status)",
        )
        .await;
    assert_eq!(status, j!(403), "exports check the role too");
    b.close().await;
}

/// Visits of one ASN, each rated with the full survey `answers`.
fn rated_visits(answers: &[[i64; 9]], start: jiff::Timestamp) -> Vec<Event> {
    let mut events = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        let t = start + jiff::SignedDuration::from_mins(10 * i as i64);
        let id = TicketId(uuid::Uuid::now_v7());
        events.push(Event::TicketIssued {
            ticket_id: id,
            number: TicketNumber::new(ServicePrefix::parse("A").unwrap(), i as u32 + 1),
            service: ServiceCode::parse("ktp").unwrap(),
            issued_at: t,
        });
        events.push(Event::TicketCalled {
            ticket_id: id,
            counter: CounterId::parse("L1").unwrap(),
            nip: Nip::parse(ASN1.0).unwrap(),
            called_at: t + jiff::SignedDuration::from_mins(2),
        });
        events.push(Event::TicketCompleted {
            ticket_id: id,
            completed_at: t + jiff::SignedDuration::from_mins(6),
        });
        events.push(Event::Rating(RatingEvent {
            rating_id: RatingId(uuid::Uuid::now_v7()),
            ticket_id: Some(id),
            counter: None,
            nip: None,
            channel: Channel::Tablet,
            score: Score::new(a[0].min(4)).unwrap(),
            answers: Some(SkmAnswers::new(a).unwrap()),
            comment: None,
            submitted_at: t + jiff::SignedDuration::from_mins(7),
            flagged: false,
        }));
    }
    events
}

fn cell(range: &calamine::Range<Data>, label: &str, col: usize) -> Data {
    let row = range
        .rows()
        .find(|r| {
            r.first()
                .is_some_and(|c| matches!(c, Data::String(s) if s == label))
        })
        .unwrap_or_else(|| panic!("no row {label}"));
    row[col].clone()
}

#[tokio::test]
async fn the_skm_spreadsheet_read_back_shows_the_json_reports_nrr_ikm_and_grade_for_every_grade() {
    let c = spawn_collector().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let creds = provision(&c, OFFICE).await;
    let tz = shared::OfficeTz::parse("Asia/Jakarta").unwrap();
    // One day per grade, each with its own responses (worked examples):
    // A: all 4 -> 100.00; B: 25 * (4 * 9 + 3 * 9 * 2 + 3 * 9) / 36 ... see
    // the assertions for each.
    let days: [(&str, Vec<[i64; 9]>, &str); 4] = [
        ("2026-03-02", vec![[4; 9], [4, 4, 4, 4, 4, 4, 4, 4, 3]], "A"),
        (
            "2026-03-03",
            vec![[4, 3, 3, 3, 3, 3, 4, 3, 3], [3, 3, 4, 3, 4, 3, 3, 3, 3]],
            "B",
        ),
        (
            "2026-03-04",
            vec![[3, 3, 2, 3, 3, 3, 3, 2, 3], [3, 2, 3, 3, 2, 3, 3, 3, 3]],
            "C",
        ),
        ("2026-03-05", vec![[2, 2, 1, 2, 2, 2, 2, 1, 2], [1; 9]], "D"),
    ];
    let mut events = Vec::new();
    for (day, answers, _) in &days {
        let start = tz.start_of_day(day.parse().unwrap()) + jiff::SignedDuration::from_hours(9);
        events.extend(rated_visits(answers, start));
    }
    send_events(&c.base, &creds, &events).await;
    for (day, answers, grade) in &days {
        let q = format!("office_id={OFFICE}&from={day}&to={day}");
        let json: SkmReport = get_json(&c.base, &hr, &format!("/api/v1/reports/skm?{q}")).await;
        assert_eq!(json.grade.as_deref(), Some(*grade), "{day}: {json:?}");
        assert_eq!(json.respondents, answers.len() as u64);
        // The office report agrees with the SKM report.
        let office: OfficeReport =
            get_json(&c.base, &hr, &format!("/api/v1/reports/offices?{q}")).await;
        assert_eq!(office.rows[0].figures.ikm, json.ikm);
        let res = client()
            .get(format!("{}/api/v1/reports/skm.xlsx?{q}", c.base))
            .bearer_auth(&hr)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        for e in &json.elements {
            assert_eq!(
                cell(&range, &e.code, 3),
                Data::Float(e.nrr.unwrap()),
                "{day} {}",
                e.code
            );
            assert_eq!(
                cell(&range, &e.code, 4),
                Data::Float(e.nrr_weighted.unwrap())
            );
        }
        assert_eq!(
            cell(&range, "IKM unit pelayanan (konversi x 25)", 2),
            Data::Float(json.ikm.unwrap())
        );
        assert_eq!(
            cell(&range, "Mutu pelayanan", 2),
            Data::String(grade.to_string())
        );
        let weighted: f64 = json.elements.iter().map(|e| e.nrr_weighted.unwrap()).sum();
        assert!((weighted * 25.0 - json.ikm.unwrap()).abs() <= 0.005 + 1e-9);
    }
    // Worked example A: one response all 4s and one with a single 3:
    // 25 * (36 + 35) / 72 = 24.652... * ... = 98.61.
    let a: SkmReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/skm?office_id={OFFICE}&from=2026-03-02&to=2026-03-02"),
    )
    .await;
    assert_eq!(a.ikm, Some(98.61));
    assert_eq!(a.weakest[0], "U9");
}

#[tokio::test]
async fn the_public_page_and_badge_show_the_office_result_and_name_no_asn() {
    let (c, _, _) = offices_with_history().await;
    let page = client()
        .get(format!("{}/publik/{OFFICE}", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cache = page.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cache.contains("public") && cache.contains("max-age=300"),
        "{cache}"
    );
    let html = page.text().await.unwrap();
    let badge = client()
        .get(format!("{}/publik/{OFFICE}/badge.svg", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(badge.status(), StatusCode::OK);
    assert_eq!(
        badge.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let svg = badge.text().await.unwrap();
    assert!(svg.contains("IKM") && svg.contains("responden"), "{svg}");
    assert!(html.contains("id=\"public-ikm\""));
    for (nip, name, _) in e2e::demo_data::offices()
        .iter()
        .flat_map(|o| o.staff.clone())
    {
        for text in [&html, &svg] {
            assert!(
                !text.contains(nip) && !text.contains(name),
                "{name} is published"
            );
        }
    }
    let missing = client()
        .get(format!("{}/publik/nowhere", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signing_in_locks_after_five_wrong_passwords_and_a_session_reads_the_json_reports() {
    let (c, from, to) = offices_with_history().await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |user: &str, password: &str| {
        http.post(format!("{}/masuk", c.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "username={user}&password={password}&next=%2Flaporan"
            ))
            .send()
    };
    let res = post(HR.0, HR.1).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("sesi=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    // The session reads the JSON report too; the ASN rows carry the
    // reference, and the evidence route answers it.
    let rows: AsnReport = json(
        http.get(format!(
            "{}/api/v1/reports/asn?office_id={OFFICE}&{}",
            c.base,
            period(from, to)
        ))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap(),
    )
    .await;
    let row = &rows.rows[0];
    assert_eq!(row.asn_ref.len(), 20);
    let evidence = http
        .get(format!(
            "{}/api/v1/reports/asn/{}?office_id={OFFICE}&{}",
            c.base,
            row.asn_ref,
            period(from, to)
        ))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(evidence.status(), StatusCode::OK);
    let detail: OfficeDetail = json(
        http.get(format!(
            "{}/api/v1/reports/offices/{OFFICE}?{}",
            c.base,
            period(from, to)
        ))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(detail.elements.len(), 9);
    assert_eq!(detail.hours.len(), 24);

    for _ in 0..5 {
        assert_eq!(
            post(HEAD.0, "salah-kata-sandi").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = post(HEAD.0, HEAD.1).await.unwrap();
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right one"
    );
    assert!(locked.headers().contains_key("retry-after"));
    // A name that does not exist answers like a wrong password.
    assert_eq!(
        post("tidak.ada", "apa saja").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Users: a taken name 409, a bad one 422, a removed one cannot sign in.
    let again = c
        .admin(Method::POST, "/api/v1/users")
        .json(&j!({"username": HR.0, "password": "another-password", "role": "hr"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let bad = c
        .admin(Method::POST, "/api/v1/users")
        .json(&j!({"username": "x", "password": "short", "role": "hr"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let gone = c
        .admin(Method::DELETE, &format!("/api/v1/users/{}", HR.0))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let after = http
        .get(format!("{}/api/v1/reports/offices?preset=bulan", c.base))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "their session ended with them"
    );
}

#[tokio::test]
async fn csv_exports_round_their_numbers() {
    let (c, from, to) = offices_with_history().await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    for path in ["offices", "asn"] {
        let res = client()
            .get(format!(
                "{}/api/v1/reports/{path}?{}&format=csv",
                c.base,
                period(from, to)
            ))
            .bearer_auth(&hr)
            .send()
            .await
            .unwrap();
        let text = res.text().await.unwrap();
        for field in text.lines().flat_map(|l| l.split(',')) {
            if let Some((_, decimals)) = field.split_once('.')
                && decimals.bytes().all(|b| b.is_ascii_digit())
            {
                assert!(decimals.len() <= 3, "{path}: {field}");
            }
        }
    }
}

#[tokio::test]
async fn a_comment_with_markup_shows_as_text_on_the_evidence_page() {
    let c = spawn_collector().await;
    let creds = provision(&c, OFFICE).await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2);
    let mut events = rated_visits(&[[4; 9]], start);
    if let Some(Event::Rating(r)) = events.last_mut() {
        r.comment = shared::Comment::new("<script>alert(1)</script> & <b>tebal</b>").unwrap();
    }
    send_events(&c.base, &creds, &events).await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let day = shared::OfficeTz::parse("Asia/Jakarta")
        .unwrap()
        .day_of(start);
    let q = period(day.yesterday().unwrap(), day.tomorrow().unwrap());
    let rows: AsnReport = get_json(
        &c.base,
        &hr,
        &format!("/api/v1/reports/asn?office_id={OFFICE}&{q}"),
    )
    .await;
    let html = client()
        .get(format!(
            "{}/laporan/{OFFICE}/asn/{}?{q}",
            c.base, rows.rows[0].asn_ref
        ))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;tebal&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));
}
