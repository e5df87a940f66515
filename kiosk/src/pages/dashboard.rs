//! The office head's dashboard page: queue now, counters, today's figures,
//! tickets past their service standard highlighted. Refreshes itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

use super::layout::{Page, duration, t};
use crate::auth::DashboardAccess;
use crate::routes::AppState;
use crate::routes::dashboard::build;

/// `GET /dashboard`.
pub async fn page(req: HttpRequest, app: web::Data<AppState>, _: DashboardAccess) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    let now = app.store.clock().now();
    let (d, office, targets) = app.store.read(|s| {
        let o = s.config.office().clone();
        let targets: std::collections::HashMap<String, (String, i64)> = o
            .services
            .iter()
            .map(|x| {
                (
                    x.code.to_string(),
                    (x.name.clone(), i64::from(x.target_minutes) * 60),
                )
            })
            .collect();
        (build(s, now), o, targets)
    });
    let link = crate::forward::outbox_status(&app.store, &app.link);
    // Keep the wall-screen token in the language links.
    let token_q = httpkit::lang::query_param(&req, "token")
        .map(|t| format!("&token={t}"))
        .unwrap_or_default();
    let local = office.tz.zoned(now);
    let opt = |v: Option<i64>| v.map(|s| duration(lang, s)).unwrap_or_else(|| "—".into());
    let status_word = |s: &str| match s {
        "serving" => t(lang, "melayani", "serving"),
        "idle" => t(lang, "siap", "idle"),
        _ => t(lang, "tutup", "closed"),
    };
    page.render_with(
        StatusCode::OK,
        &format!("Dasbor — {}", office.name),
        &token_q,
        Some(html! { meta http-equiv="refresh" content="10"; }),
        html! {
            h1 { (t(lang, "Dasbor layanan", "Service dashboard")) " — " (office.name) }
            p.muted { (local.strftime("%Y-%m-%d %H:%M").to_string()) " " (office.tz.abbreviation(now)) }
            @if let Some(since) = link.offline_since {
                p #offline.error {
                    (t(lang, "Server pusat tidak terjangkau sejak", "The central server is unreachable since"))
                    " " (office.tz.zoned(since).strftime("%Y-%m-%d %H:%M").to_string()) " " (office.tz.abbreviation(since)) ". "
                    (t(lang, "Layanan tetap berjalan; data tersimpan dan akan dikirim otomatis.",
                           "Service continues; data is saved and will be sent automatically."))
                    " (" (link.pending) " " (t(lang, "catatan menunggu", "records waiting")) ")"
                }
            }
            @if let Some(skew) = link.clock_skew_s.filter(|s| s.abs() >= 60) {
                p #clock-skew.error {
                    (t(lang, "Jam kiosk berselisih", "The kiosk clock is off by"))
                    " " (duration(lang, skew.abs())) " "
                    (t(lang, "dengan server pusat. Minta operator memperbaiki jam (NTP).",
                           "from the central server. Ask the operator to fix the clock (NTP)."))
                }
            }
            div.stats {
                div.stat { div { (t(lang, "Menunggu", "Waiting")) } div.v #queue-count { (d.queue.len()) } }
                div.stat { div { (t(lang, "Diambil hari ini", "Issued today")) } div.v #today-issued { (d.today.issued) } }
                div.stat { div { (t(lang, "Selesai dilayani", "Served")) } div.v #today-served { (d.today.served) } }
                div.stat { div { (t(lang, "Tidak hadir", "No-shows")) } div.v #today-abandoned { (d.today.abandoned) } }
                div.stat { div { (t(lang, "Tunggu (median / p90)", "Wait (median / p90)")) } div #today-wait { (opt(d.today.wait_p50_s)) " / " (opt(d.today.wait_p90_s)) } }
                div.stat { div { (t(lang, "Lama layanan (median)", "Service time (median)")) } div #today-service { (opt(d.today.service_p50_s)) } }
                div.stat {
                    div { (t(lang, "Penilaian hari ini", "Ratings today")) }
                    div.v #today-ratings { (d.today.ratings) }
                    @if let Some(m) = d.today.score_mean { div { (t(lang, "rata-rata", "mean")) " " (format!("{m:.2}")) " / 4" } }
                }
            }
            h2 { (t(lang, "Antrean", "Queue")) }
            @if d.queue.is_empty() {
                p.notice #queue { (t(lang, "Tidak ada yang menunggu.", "Nobody is waiting.")) }
            } @else {
                ol.queue #queue {
                    @for q in &d.queue {
                        @let (svc, target) = targets.get(&q.service).cloned().unwrap_or_default();
                        li class=(if target > 0 && q.waiting_s > target { "late" } else { "" }) {
                            strong { (q.number) } span { (svc) }
                            span { (duration(lang, q.waiting_s)) }
                            @if target > 0 && q.waiting_s > target {
                                strong { (t(lang, "melewati standar waktu", "past the service standard")) }
                            }
                        }
                    }
                }
            }
            h2 { (t(lang, "Loket", "Counters")) }
            ul.counters #counters {
                @for c in &d.counters {
                    li {
                        strong { (c.name) }
                        span { @if let Some(n) = &c.staff_name { (n) } }
                        span { @if let Some(n) = &c.serving { (n) } }
                        span class={ "badge " (c.status) } { (status_word(&c.status)) }
                    }
                }
            }
        },
    )
}
