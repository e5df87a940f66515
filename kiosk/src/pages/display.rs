//! The display board for the waiting room's TV (`/display`, laid out for
//! 1920x1080 and 1366x768): the call now, big (number -> counter), the last
//! calls, how many wait per service, the counters (open, on a break,
//! closed), the office's name and clock.
//!
//! The page is complete as served; its script (`/static/display.js`) keeps
//! it live from `/api/display/events` and speaks every new call: a chime,
//! then the kiosk's own Indonesian clips in order (`/audio/*.wav`), one call
//! after another, never overlapping. `?suara=browser` uses the browser's
//! speech voice instead, `?suara=mati` keeps the board silent. A browser
//! that refuses to play sound before someone touches the page gets an
//! "Aktifkan suara" button. `?lang=en` turns the text English; the voice
//! stays Indonesian (it is the office's language).

use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::floor::{counter_class, counter_word};
use maud::{Markup, html};
use shared::Lang;
use shared::wire::{Display, DisplayCall};

use super::layout::{Page, t};
use crate::auth::DashboardAccess;
use crate::routes::AppState;

const CSS: &str = include_str!("display.css");

/// How the board speaks.
fn voice(req: &HttpRequest) -> &'static str {
    match httpkit::lang::query_param(req, "suara").as_deref() {
        Some("browser") => "browser",
        Some("mati" | "off") => "off",
        _ => "clips",
    }
}

/// The words the script needs, in the page's language.
fn texts(lang: Lang) -> serde_json::Value {
    let pick = |id: &'static str, en: &'static str| lang.pick(id, en);
    serde_json::json!({
        "serving": pick("melayani", "serving"),
        "idle": pick("siap", "open"),
        "closed": pick("tutup", "closed"),
        "on_break": pick("istirahat", "on a break"),
        "recall": pick("panggilan ulang", "called again"),
        "no_calls": pick("Belum ada panggilan", "No calls yet"),
        "go_to": pick("silakan ke", "please go to"),
        "days": if lang == Lang::En {
            ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        } else {
            ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"]
        },
        "months": if lang == Lang::En {
            ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
        } else {
            ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]
        },
    })
}

/// `GET /display`.
pub async fn page(
    req: HttpRequest,
    app: web::Data<AppState>,
    access: Result<DashboardAccess, httpkit::ApiError>,
) -> HttpResponse {
    let mut page = Page::of(&req);
    // Without the dashboard token: a page saying so, with its 401.
    if let Err(e) = access {
        return page.refusal(e);
    }
    page.scripts = &["/static/display.js"];
    let lang = page.lang;
    let d = crate::routes::display::current(&app);
    // The stream carries the wall-screen token too, when there is one.
    let events = match httpkit::lang::query_param(&req, "token") {
        Some(token) => format!("/api/display/events?token={token}"),
        None => "/api/display/events".to_owned(),
    };
    let last_call = d.calls.first().map(|c| c.call_id).unwrap_or(0);
    page.render_screen(
        &format!(
            "{} — {}",
            t(lang, "Layar antrean", "Queue display"),
            d.office_name
        ),
        CSS,
        html! {
            div #board data-events=(events) data-voice=(voice(&req)) data-last-call=(last_call)
                data-offset=(d.utc_offset_s) data-now=(d.now.as_millisecond())
                data-tz=(d.tz_abbreviation) data-text=(texts(lang).to_string()) {
                header.bar {
                    h1 #office-name { (d.office_name) }
                    div.clock {
                        div #clock { (clock(&d)) }
                        div #date.muted { (d.tz_abbreviation) }
                    }
                }
                (body(lang, &d))
                p #offline role="status" hidden {
                    (t(lang, "Menghubungkan kembali ke kiosk…", "Reconnecting to the kiosk…"))
                }
                button #enable-sound type="button" hidden {
                    (t(lang, "Aktifkan suara panggilan", "Turn on the call voice"))
                }
            }
        },
    )
}

fn clock(d: &Display) -> String {
    let local = d
        .now
        .to_zoned(jiff::tz::TimeZone::fixed(
            jiff::tz::Offset::from_seconds(d.utc_offset_s).unwrap_or(jiff::tz::Offset::UTC),
        ))
        .strftime("%H:%M")
        .to_string();
    format!("{local} {}", d.tz_abbreviation)
}

/// The last calls: each number once (a recall does not push the others off
/// the board), never the one shown big; at most six. The script does the
/// same.
fn earlier(calls: &[DisplayCall]) -> Vec<&DisplayCall> {
    let mut seen: Vec<&str> = calls
        .first()
        .map(|c| c.number.as_str())
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for c in calls.iter().skip(1) {
        if !seen.contains(&c.number.as_str()) {
            seen.push(&c.number);
            out.push(c);
        }
        if out.len() == 6 {
            break;
        }
    }
    out
}

/// Everything below the bar (the script renders the same from the stream).
fn body(lang: Lang, d: &Display) -> Markup {
    let now: Option<&DisplayCall> = d.calls.first();
    html! {
        div.grid {
            section #now aria-live="assertive" aria-atomic="true" {
                p.label { (t(lang, "Nomor antrean", "Queue number")) }
                @match now {
                    Some(c) => {
                        div #now-number data-call-id=(c.call_id) { (c.number) }
                        p.label { (t(lang, "silakan ke", "please go to")) }
                        div #now-counter { (c.counter_name) }
                    }
                    None => {
                        div #now-number.none { "—" }
                        p.label {}
                        div #now-counter { (t(lang, "Belum ada panggilan", "No calls yet")) }
                    }
                }
            }
            section #recent {
                h2 { (t(lang, "Panggilan terakhir", "Last calls")) }
                ol #calls {
                    @for c in earlier(&d.calls) {
                        li data-call-id=(c.call_id) {
                            span.num { (c.number) }
                            span.to { "→" }
                            span.ctr { (c.counter_name) }
                        }
                    }
                }
            }
        }
        div.strip {
            section #waiting {
                h2 { (t(lang, "Menunggu", "Waiting")) }
                ul #waiting-list {
                    @for w in &d.waiting {
                        li data-service=(w.service) {
                            span.prefix { (w.prefix) }
                            span.name { (w.name) }
                            strong.count { (w.waiting) }
                        }
                    }
                }
            }
            section #counters {
                h2 { (t(lang, "Loket", "Counters")) }
                ul #counter-list {
                    @for c in &d.counters {
                        li class=(counter_class(c)) data-counter=(c.counter) {
                            span.name { (c.name) }
                            span.state { (counter_word(lang, c)) }
                            @if let Some(n) = &c.serving { strong.num { (n) } }
                        }
                    }
                }
            }
        }
    }
}
