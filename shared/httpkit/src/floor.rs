//! The live view of an office's floor, as both servers show it: the kiosk's
//! dashboard for the office head on the LAN, and the collector's near-live
//! copy for heads and HR (`/laporan/{office_id}/langsung`). Today's figures,
//! the tickets past their service standard, the counters (who, serving
//! what since when, on a break), the queue, and two charts of the day.
//!
//! The page's `div#live` is replaced as a whole when something changes: the
//! script (`/static/floor.js`, [`SCRIPT`]) listens to the server's event
//! stream where there is one (`data-events`) or asks again every few
//! seconds (`data-poll`), and fetches the same view as a fragment
//! (`data-fragment`). Without the script the page is complete as served.

use jiff::Timestamp;
use maud::{Markup, PreEscaped, html};
use shared::wire::{CounterStatus, HourFigures, LateTicket, QueueEntry, QueuePoint, Today};
use shared::{Lang, Office};

use crate::chart;

/// The floor's script, served as `/static/floor.js` by both servers.
pub const SCRIPT: &str = include_str!("floor.js");

/// The floor's styles, added to each server's stylesheet.
pub const CSS: &str = r#"
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.75rem;margin-bottom:1rem}
.stat{background:#fff;border-radius:12px;padding:.75rem 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.stat .v{font-size:1.7rem;font-weight:800}
.floor-charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem;margin:1rem 0}
.floor-charts figure{margin:0;background:#fff;border-radius:8px;padding:.5rem}
.floor-charts figcaption{font-weight:700;margin:0 0 .25rem}
.floor-charts svg.chart{display:block;width:100%;height:auto}
ul.floor-list{list-style:none;padding:0;margin:0}
ul.floor-list li{background:#fff;border-radius:10px;padding:.6rem 1rem;margin-bottom:.5rem;display:flex;justify-content:space-between;align-items:center;gap:.5rem 1rem;flex-wrap:wrap}
ul.floor-list li.late{border-left:8px solid #c62828;background:#fdecea}
ul.floor-list li.was-late{border-left:8px solid #e0a200}
.badge{border-radius:999px;padding:.1rem .7rem;font-weight:700;font-size:.9rem;white-space:nowrap}
.badge.closed{background:#e0e0e0;color:#333}.badge.idle{background:#fff3cd;color:#5c4400}
.badge.serving{background:#d7f0dc;color:#14532d}.badge.break{background:#ffd8cc;color:#7a2000}
.banner{background:#fdecea;color:#8a1c12;border-left:6px solid #c62828;padding:.75rem 1rem;margin:1rem 0;font-weight:600}
"#;

/// Seconds as "12 mnt 05 dtk" / "12 min 05 s" (hours when long).
pub fn duration(lang: Lang, secs: i64) -> String {
    let s = secs.max(0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    match (lang, h) {
        (Lang::Id, 0) => format!("{m} mnt {sec:02} dtk"),
        (Lang::En, 0) => format!("{m} min {sec:02} s"),
        (Lang::Id, _) => format!("{h} jam {m:02} mnt"),
        (Lang::En, _) => format!("{h} h {m:02} min"),
    }
}

/// A counter's state in words.
pub fn counter_word(lang: Lang, c: &CounterStatus) -> &'static str {
    if c.on_break {
        return lang.pick("istirahat", "on a break");
    }
    match c.status.as_str() {
        "serving" => lang.pick("melayani", "serving"),
        "idle" => lang.pick("siap", "open"),
        _ => lang.pick("tutup", "closed"),
    }
}

/// A counter's CSS state: `serving`, `idle`, `break` or `closed`.
pub fn counter_class(c: &CounterStatus) -> &str {
    if c.on_break { "break" } else { &c.status }
}

/// What the live view shows.
#[derive(Debug, Clone, Copy)]
pub struct Floor<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The office.
    pub office: &'a Office,
    /// The clock the view was made at.
    pub now: Timestamp,
    /// Waiting tickets in calling order.
    pub queue: &'a [QueueEntry],
    /// Counters.
    pub counters: &'a [CounterStatus],
    /// Today's figures.
    pub today: &'a Today,
    /// Waits by hour.
    pub hours: &'a [HourFigures],
    /// The queue's length through the day.
    pub profile: &'a [QueuePoint],
    /// Tickets past their standard.
    pub late: &'a [LateTicket],
}

/// The view (inside the page's `div#live`).
pub fn view(f: &Floor<'_>) -> Markup {
    let lang = f.lang;
    let d = |s: Option<i64>| s.map(|s| duration(lang, s)).unwrap_or_else(|| "—".into());
    let service_name = |code: &str| {
        f.office
            .services
            .iter()
            .find(|s| s.code.as_str() == code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let waiting_late = f.late.iter().filter(|l| l.waiting).count();
    let charts = [
        (
            lang.pick(
                "Rata-rata menunggu (menit) menurut jam ambil nomor",
                "Mean wait (minutes) by hour the number was taken",
            ),
            chart::waits_by_hour(f.hours, lang),
        ),
        (
            lang.pick(
                "Orang menunggu sepanjang hari",
                "People waiting through the day",
            ),
            chart::queue_through_day(f.profile, lang),
        ),
    ];
    let local = f.office.tz.zoned(f.now);
    html! {
        p.muted #live-at { (lang.pick("Keadaan pukul", "As of")) " "
            (local.strftime("%H:%M:%S").to_string()) " " (f.office.tz.abbreviation(f.now)) }
        div.stats {
            div.stat { div { (lang.pick("Menunggu", "Waiting")) } div.v #queue-count { (f.queue.len()) } }
            div.stat { div { (lang.pick("Melewati standar", "Past the standard")) } div.v #late-count { (waiting_late) } }
            div.stat { div { (lang.pick("Diambil hari ini", "Issued today")) } div.v #today-issued { (f.today.issued) } }
            div.stat { div { (lang.pick("Selesai dilayani", "Served")) } div.v #today-served { (f.today.served) } }
            div.stat { div { (lang.pick("Tidak hadir", "No-shows")) } div.v #today-abandoned { (f.today.abandoned) } }
            div.stat { div { (lang.pick("Tunggu (median / p90)", "Wait (median / p90)")) } div #today-wait { (d(f.today.wait_p50_s)) " / " (d(f.today.wait_p90_s)) } }
            div.stat { div { (lang.pick("Lama layanan (median)", "Service time (median)")) } div #today-service { (d(f.today.service_p50_s)) } }
            div.stat {
                div { (lang.pick("Penilaian hari ini", "Ratings today")) }
                div.v #today-ratings { (f.today.ratings) }
                @if let Some(m) = f.today.score_mean { div { (lang.pick("rata-rata", "mean")) " " (format!("{m:.2}")) " / 4" } }
            }
        }
        h2 { (lang.pick("Loket", "Counters")) }
        ul.floor-list #counters {
            @for c in f.counters {
                li data-counter=(c.counter) class=(counter_class(c)) {
                    strong { (c.name) }
                    span.staff { @if let Some(n) = &c.staff_name { (n) } @else { span.muted { "—" } } }
                    span.serving {
                        @if let Some(n) = &c.serving {
                            strong { (n) }
                            @if let Some(since) = c.serving_since {
                                " · " (duration(lang, f.now.duration_since(since).as_secs()))
                            }
                        }
                    }
                    span class={ "badge " (counter_class(c)) } { (counter_word(lang, c)) }
                }
            }
        }
        h2 { (lang.pick("Melewati standar waktu", "Past the service standard")) }
        @if f.late.is_empty() {
            p.muted #late { (lang.pick("Tidak ada tiket yang melewati standar waktu hari ini.", "No ticket has gone past its standard time today.")) }
        } @else {
            ul.floor-list #late {
                @for l in f.late {
                    li class=(if l.waiting { "late" } else { "was-late" }) {
                        strong { (l.number) }
                        span { (l.service_name) }
                        span {
                            @if l.waiting { (lang.pick("menunggu", "waiting")) } @else { (lang.pick("dipanggil setelah", "called after")) }
                            " " strong { (duration(lang, l.waited_s)) }
                            " (" (lang.pick("standar", "standard")) " " (duration(lang, l.target_s)) ")"
                        }
                    }
                }
            }
        }
        h2 { (lang.pick("Antrean", "Queue")) }
        @if f.queue.is_empty() {
            p.muted #queue { (lang.pick("Tidak ada yang menunggu.", "Nobody is waiting.")) }
        } @else {
            ul.floor-list #queue {
                @for q in f.queue {
                    li {
                        strong { (q.number) }
                        span { (service_name(&q.service)) }
                        span { (duration(lang, q.waiting_s)) }
                    }
                }
            }
        }
        h2 { (lang.pick("Hari ini", "Today")) }
        div.floor-charts {
            @for (caption, c) in &charts {
                figure {
                    figcaption { (caption) }
                    @match c {
                        Ok(svg) => (PreEscaped(svg)),
                        Err(e) => p.muted { (e.to_string()) },
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally_in_both_languages() {
        assert_eq!(duration(Lang::Id, 65), "1 mnt 05 dtk");
        assert_eq!(duration(Lang::En, 3725), "1 h 02 min");
        assert_eq!(duration(Lang::Id, -3), "0 mnt 00 dtk");
    }

    #[test]
    fn a_counter_on_a_break_says_so_whatever_its_status() {
        let c = CounterStatus {
            counter: "L1".into(),
            name: "Loket 1".into(),
            status: "idle".into(),
            staff_name: Some("Siti".into()),
            serving: None,
            on_break: true,
            serving_since: None,
        };
        assert_eq!(counter_word(Lang::Id, &c), "istirahat");
        assert_eq!(counter_class(&c), "break");
    }
}
