//! The office head's dashboard: the floor now (httpkit's live view: today's
//! figures, tickets past their standard, counters with ASN and breaks, the
//! queue, waits by hour and the queue through the day), and the link to the
//! collector (unreachable, clock off). It stays live without reloading:
//! `/static/floor.js` listens to `/api/dashboard/events` and replaces
//! `div#live` with `/dashboard?fragment=1`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::floor::{Floor, view};
use maud::{Markup, html};
use shared::Lang;
use shared::wire::Dashboard;

use super::layout::{Page, duration, t};
use crate::auth::DashboardAccess;
use crate::routes::AppState;

/// `GET /dashboard` (`?fragment=1`: only `div#live`, for the script).
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
    let lang = page.lang;
    let d = crate::routes::dashboard::current(&app);
    let office = app.store.read(|s| s.config.office().clone());
    // The wall-screen token goes along to the stream, the fragment and the
    // language links.
    let token = httpkit::lang::query_param(&req, "token");
    let with_token = |path: &str, sep: char| match &token {
        Some(t) => format!("{path}{sep}token={t}"),
        None => path.to_owned(),
    };
    let live = html! {
        div #live data-events=(with_token("/api/dashboard/events", '?'))
            data-fragment=(with_token("/dashboard?fragment=1", '&')) {
            (banners(lang, &office, &d))
            (view(&Floor {
                lang,
                office: &office,
                now: d.now,
                queue: &d.queue,
                counters: &d.counters,
                today: &d.today,
                hours: &d.hours,
                profile: &d.queue_profile,
                late: &d.late,
            }))
        }
    };
    if httpkit::lang::query_param(&req, "fragment").as_deref() == Some("1") {
        return httpkit::PageResponse::new(StatusCode::OK, lang, false).body(live);
    }
    page.scripts = &["/static/floor.js"];
    let local = office.tz.zoned(d.now);
    let lang_query = token.map(|t| format!("&token={t}")).unwrap_or_default();
    page.render_floor(
        &format!("Dasbor — {}", office.name),
        &lang_query,
        html! {
            h1 { (t(lang, "Dasbor layanan", "Service dashboard")) " — " (office.name) }
            p.muted { (local.strftime("%Y-%m-%d").to_string()) " · "
                (t(lang, "diperbarui sendiri setiap ada perubahan", "updates by itself on every change")) }
            p #live-stale.banner hidden { (t(lang, "Koneksi ke kiosk terputus; angka di bawah mungkin sudah lama.",
                "The connection to the kiosk is lost; the figures below may be old.")) }
            (live)
        },
    )
}

/// The link to the collector: unreachable since when, the clock off.
fn banners(lang: Lang, office: &shared::Office, d: &Dashboard) -> Markup {
    let Some(link) = &d.outbox else {
        return html! {};
    };
    let at = |ts: jiff::Timestamp| {
        format!(
            "{} {}",
            office.tz.zoned(ts).strftime("%Y-%m-%d %H:%M"),
            office.tz.abbreviation(ts)
        )
    };
    html! {
        @if let Some(since) = link.offline_since {
            p #offline.banner role="alert" {
                (t(lang, "Server pusat tidak terjangkau sejak", "The central server is unreachable since"))
                " " (at(since)) ". "
                (t(lang, "Layanan tetap berjalan; data tersimpan dan akan dikirim otomatis.",
                       "Service continues; data is saved and will be sent automatically."))
                " (" (link.pending) " " (t(lang, "catatan menunggu", "records waiting")) ")"
            }
        }
        @if let Some(skew) = link.clock_skew_s.filter(|s| s.abs() >= 60) {
            p #clock-skew.banner role="alert" {
                (t(lang, "Jam kiosk berselisih", "The kiosk clock is off by"))
                " " (duration(lang, skew.abs())) " "
                (t(lang, "dengan server pusat. Minta operator memperbaiki jam (NTP).",
                       "from the central server. Ask the operator to fix the clock (NTP)."))
            }
        }
    }
}
