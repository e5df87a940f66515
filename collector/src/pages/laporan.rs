//! The report pages (views only: the routes fetch the figures from the same
//! report functions as the JSON routes and hand them here): the offices of a
//! period, one office with its ASN, an ASN's evidence, the official SKM
//! report, and their shared pieces (period picker, numbers in the reader's
//! language, direction of change).

use maud::{Markup, PreEscaped, html};
use shared::Lang;
use shared::fair::Band;
use shared::wire::{AsnEvidence, AsnReportRow, OfficeDetail, OfficeReportRow, SkmReport};

use crate::charts;

pub use super::review::Actions;

/// A number with `d` decimals, with the reader's decimal mark (Indonesian
/// writes 88,31).
pub fn num(lang: Lang, v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    match lang {
        Lang::Id => s.replace('.', ","),
        Lang::En => s,
    }
}

fn opt_num(lang: Lang, v: Option<f64>, d: usize) -> String {
    v.map(|x| num(lang, x, d)).unwrap_or_else(|| "—".into())
}

fn pct(lang: Lang, v: Option<f64>) -> String {
    v.map(|x| format!("{}%", num(lang, x * 100.0, 0)))
        .unwrap_or_else(|| "—".into())
}

/// Seconds as minutes (`12 mnt`), or seconds under a minute.
pub fn dur(lang: Lang, s: Option<i64>) -> String {
    match s {
        None => "—".into(),
        Some(s) if s < 60 => format!("{s} {}", lang.pick("dtk", "s")),
        Some(s) => format!(
            "{} {}",
            num(lang, s as f64 / 60.0, 1),
            lang.pick("mnt", "min")
        ),
    }
}

/// Which way a figure moved since the previous period, and whether that is
/// good: up for IKM and timeliness, down for waits.
fn change(now: Option<f64>, before: Option<f64>, higher_is_better: bool) -> Markup {
    let (Some(n), Some(b)) = (now, before) else {
        return html! {};
    };
    if (n - b).abs() < 1e-9 {
        return html! { span.same aria-label="tetap" { " =" } };
    }
    let up = n > b;
    let good = up == higher_is_better;
    html! {
        span class=(if good { "up" } else { "down" })
            aria-label=(if up { "naik" } else { "turun" }) {
            (if up { " ▲" } else { " ▼" })
        }
    }
}

/// A figure with its previous value under it and the direction of change.
fn cell(lang: Lang, now: String, prev: String, moved: Markup) -> Markup {
    html! {
        td { (now) (moved) span.prev { (lang.pick("sebelumnya ", "before ")) (prev) } }
    }
}

/// The period's dates, presets and query for links.
#[derive(Debug, Clone)]
pub struct PeriodView {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The page's address without query.
    pub path: String,
}

impl PeriodView {
    /// `from=..&to=..` for links.
    pub fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }
}

/// The period picker: presets and two dates.
pub fn period_form(lang: Lang, p: &PeriodView) -> Markup {
    let presets = [
        ("bulan", lang.pick("Bulan ini", "This month")),
        ("triwulan", lang.pick("Triwulan ini", "This quarter")),
        ("semester", lang.pick("Semester ini", "This semester")),
        ("tahun", lang.pick("Tahun ini", "This year")),
    ];
    html! {
        form.period method="get" action=(p.path) {
            div.presets role="group" aria-label=(lang.pick("Periode cepat", "Quick periods")) {
                @for (key, label) in presets {
                    a.button.secondary href={ (p.path) "?preset=" (key) } { (label) }
                }
            }
            label { (lang.pick("Dari", "From")) input type="date" name="from" value=(p.from) required; }
            label { (lang.pick("Sampai", "To")) input type="date" name="to" value=(p.to) required; }
            button type="submit" { (lang.pick("Tampilkan", "Show")) }
        }
    }
}

/// A column of the offices table.
pub const OFFICE_SORTS: [&str; 10] = [
    "name",
    "ikm",
    "responses",
    "timeliness",
    "wait_p50",
    "wait_p90",
    "service_p50",
    "ratings",
    "flagged",
    "services",
];

/// Sorts office rows by a column of [`OFFICE_SORTS`] (unknown: by name).
pub fn sort_offices(rows: &mut [OfficeReportRow], key: &str, desc: bool) {
    fn f(v: Option<f64>) -> f64 {
        v.unwrap_or(f64::NEG_INFINITY)
    }
    fn i(v: Option<i64>) -> f64 {
        v.map(|x| x as f64).unwrap_or(f64::NEG_INFINITY)
    }
    let value = |r: &OfficeReportRow| -> f64 {
        let g = &r.figures;
        match key {
            "ikm" => f(g.ikm),
            "responses" => g.ikm_responses as f64,
            "timeliness" => f(g.timeliness),
            "wait_p50" => i(g.wait_p50_s),
            "wait_p90" => i(g.wait_p90_s),
            "service_p50" => i(g.service_p50_s),
            "ratings" => g.ratings as f64,
            "flagged" => g.flagged as f64,
            "services" => g.services as f64,
            _ => 0.0,
        }
    };
    if key == "name" || !OFFICE_SORTS.contains(&key) {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        rows.sort_by(|a, b| value(a).total_cmp(&value(b)).then(a.name.cmp(&b.name)));
    }
    if desc {
        rows.reverse();
    }
}

/// What the offices page shows.
pub struct Overview<'a> {
    /// The period.
    pub period: PeriodView,
    /// Office rows, sorted.
    pub rows: &'a [OfficeReportRow],
    /// The sort column and direction.
    pub sort: (&'a str, bool),
    /// The scope taken together (charts).
    pub all: &'a OfficeDetail,
}

fn sort_head(o: &Overview<'_>, key: &str, label: &str) -> Markup {
    let (cur, desc) = o.sort;
    let here = cur == key;
    let next_desc = if here { !desc } else { key != "name" };
    let aria = here.then_some(if desc { "descending" } else { "ascending" });
    html! {
        th aria-sort=[aria] {
            a href={ (o.period.path) "?" (o.period.query()) "&sort=" (key) "&dir=" (if next_desc { "desc" } else { "asc" }) }
                data-sort=(key) {
                (label)
                @if here { (if desc { " ↓" } else { " ↑" }) }
            }
        }
    }
}

/// `/laporan`: the offices of the period.
pub fn overview(lang: Lang, o: &Overview<'_>) -> Markup {
    html! {
        h1 { (lang.pick("Laporan kepuasan layanan", "Service satisfaction report")) }
        p.muted { (o.period.from) " – " (o.period.to) ". "
            (lang.pick("Angka kantor dan daftar ASN dihitung dari semua kunjungan yang selesai dan penilaian warga yang dihitung; penilaian yang ditandai mencurigakan tidak masuk IKM.",
                       "Office figures and ASN lists come from all completed visits and counted citizen ratings; flagged ratings are kept out of the IKM.")) }
        (period_form(lang, &o.period))
        div.table-wrap {
            table #offices {
                caption.muted style="text-align:left;padding:.5rem" {
                    (lang.pick("Klik judul kolom untuk mengurutkan. ▲/▼: dibanding periode sebelumnya (hijau: membaik).",
                               "Click a column title to sort. ▲/▼: against the previous period (green: better).")) }
                thead { tr {
                    (sort_head(o, "name", lang.pick("Kantor", "Office")))
                    (sort_head(o, "ikm", "IKM"))
                    th { (lang.pick("Mutu", "Grade")) }
                    (sort_head(o, "responses", lang.pick("Responden / minimum", "Responses / minimum")))
                    (sort_head(o, "timeliness", lang.pick("Tepat waktu", "On time")))
                    (sort_head(o, "wait_p50", lang.pick("Menunggu p50", "Wait p50")))
                    (sort_head(o, "wait_p90", lang.pick("Menunggu p90", "Wait p90")))
                    (sort_head(o, "service_p50", lang.pick("Layanan p50", "Service p50")))
                    (sort_head(o, "ratings", lang.pick("Penilaian", "Ratings")))
                    (sort_head(o, "flagged", lang.pick("Ditandai", "Flagged")))
                } }
                tbody {
                    @for r in o.rows {
                        @let (g, p) = (&r.figures, &r.previous);
                        tr data-office=(r.office_id) {
                            td.l { a href={ "/laporan/" (r.office_id) "?" (o.period.query()) } { (r.name) } }
                            (cell(lang, opt_num(lang, g.ikm, 2), opt_num(lang, p.ikm, 2), change(g.ikm, p.ikm, true)))
                            td.grade { (r.grade.as_deref().unwrap_or("—")) }
                            td {
                                span class=[r.ikm_sample_short.then_some("short")] { (g.ikm_responses) " / " (r.ikm_sample_min) }
                                @if r.ikm_sample_short { span.prev.short { (lang.pick("di bawah minimum", "below the minimum")) } }
                            }
                            (cell(lang, pct(lang, g.timeliness), pct(lang, p.timeliness), change(g.timeliness, p.timeliness, true)))
                            (cell(lang, dur(lang, g.wait_p50_s), dur(lang, p.wait_p50_s), change(g.wait_p50_s.map(|x| x as f64), p.wait_p50_s.map(|x| x as f64), false)))
                            (cell(lang, dur(lang, g.wait_p90_s), dur(lang, p.wait_p90_s), change(g.wait_p90_s.map(|x| x as f64), p.wait_p90_s.map(|x| x as f64), false)))
                            (cell(lang, dur(lang, g.service_p50_s), dur(lang, p.service_p50_s), html! {}))
                            (cell(lang, g.ratings.to_string(), p.ratings.to_string(), html! {}))
                            td { (g.flagged) }
                        }
                    }
                }
            }
        }
        (detail_charts(lang, o.all))
    }
}

fn chart(svg: Result<String, httpkit::chart::ChartError>) -> Markup {
    match svg {
        // Our own drawing (plotters escapes every text in it).
        Ok(s) => PreEscaped(s),
        Err(e) => {
            tracing::error!(error = %e, "a chart could not be drawn");
            html! {}
        }
    }
}

/// The charts of a detail: NRR per element, waits by hour, weekly trend.
fn detail_charts(lang: Lang, d: &OfficeDetail) -> Markup {
    html! {
        h2 { (lang.pick("Unsur pelayanan (NRR)", "Service elements (NRR)")) }
        @if d.row.figures.ikm_responses == 0 {
            p.muted { (lang.pick("Belum ada survei lengkap pada periode ini.", "No complete survey in this period yet.")) }
        } @else {
            div.card {
                (chart(charts::nrr_bars(&d.elements, &d.weakest, lang)))
                p { (lang.pick("Tiga unsur terendah, dasar rencana tindak lanjut:", "The three lowest elements, the basis of the follow-up plan:")) }
                ol.weak #weakest {
                    @for code in &d.weakest {
                        @if let Some(e) = d.elements.iter().find(|e| &e.code == code) {
                            li { strong { (e.code) } " " (e.name) " — NRR " (opt_num(lang, e.nrr, 2)) }
                        }
                    }
                }
            }
        }
        div.charts {
            div.card {
                h2 { (lang.pick("Menunggu menurut jam", "Waits by hour")) }
                (chart(charts::waits_by_hour(&d.hours, lang)))
            }
            div.card {
                h2 { (lang.pick("Tren mingguan", "Weekly trend")) }
                (chart(charts::weekly_trend(&d.weeks, lang)))
            }
        }
    }
}

fn band_words(lang: Lang, b: Option<Band>) -> (&'static str, &'static str) {
    match b {
        Some(Band::DiAtasEkspektasi) => (
            "di_atas_ekspektasi",
            lang.pick("Di atas ekspektasi", "Above expectation"),
        ),
        Some(Band::SesuaiEkspektasi) => (
            "sesuai_ekspektasi",
            lang.pick("Sesuai ekspektasi", "As expected"),
        ),
        Some(Band::DiBawahEkspektasi) => (
            "di_bawah_ekspektasi",
            lang.pick("Di bawah ekspektasi", "Below expectation"),
        ),
        None => (
            "none",
            lang.pick("Belum cukup penilaian", "Not enough ratings"),
        ),
    }
}

/// What an office's page shows.
pub struct OfficeView<'a> {
    /// The period.
    pub period: PeriodView,
    /// The office's detail.
    pub detail: &'a OfficeDetail,
    /// Its ASN.
    pub asn: &'a [AsnReportRow],
    /// Service code -> name.
    pub service_names: &'a [(String, String)],
    /// The minimum ratings for a band.
    pub min_count: u64,
}

/// `/laporan/{office_id}`: an office, its charts, its ASN within service type.
pub fn office(lang: Lang, v: &OfficeView<'_>) -> Markup {
    let d = v.detail;
    let r = &d.row;
    let g = &r.figures;
    let name_of = |code: &str| {
        v.service_names
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    // ASN grouped by the service type they served most.
    let mut groups: Vec<(String, Vec<&AsnReportRow>)> = Vec::new();
    for a in v.asn {
        let key = a
            .by_service
            .first()
            .map(|s| s.service.clone())
            .unwrap_or_default();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(a),
            None => groups.push((key, vec![a])),
        }
    }
    html! {
        h1 { (r.name) }
        p.muted { (d.from) " – " (d.to) }
        (period_form(lang, &v.period))
        div.figures {
            div.figure { div.k { "IKM" } div.v #ikm { (opt_num(lang, g.ikm, 2)) } div.k { (lang.pick("mutu ", "grade ")) (r.grade.as_deref().unwrap_or("—")) } }
            div.figure { div.k { (lang.pick("Responden survei", "Survey responses")) } div.v { (g.ikm_responses) }
                div.k class=[r.ikm_sample_short.then_some("short")] { (lang.pick("minimum ", "minimum ")) (r.ikm_sample_min) } }
            div.figure { div.k { (lang.pick("Layanan selesai", "Visits completed")) } div.v { (g.services) } div.k { (pct(lang, g.timeliness)) " " (lang.pick("tepat waktu", "on time")) } }
            div.figure { div.k { (lang.pick("Menunggu (median / p90)", "Wait (median / p90)")) } div.v { (dur(lang, g.wait_p50_s)) } div.k { (dur(lang, g.wait_p90_s)) } }
            div.figure { div.k { (lang.pick("Penilaian", "Ratings")) } div.v { (g.ratings) } div.k { (g.flagged) " " (lang.pick("ditandai", "flagged")) } }
        }
        p.noprint {
            a.button href={ "/laporan/" (r.office_id) "/langsung" } { (lang.pick("Pantauan langsung hari ini", "Today, live")) }
            " "
            a.button href={ "/laporan/" (r.office_id) "/skm?" (v.period.query()) } { (lang.pick("Laporan SKM resmi", "Official SKM report")) }
            " "
            a.button.secondary href={ "/api/v1/reports/skm.xlsx?office_id=" (r.office_id) "&" (v.period.query()) } { (lang.pick("Unduh .xlsx", "Download .xlsx")) }
            " "
            a.button.secondary #followup-link href={ "/laporan/" (r.office_id) "/tindak-lanjut" } { (lang.pick("Tindak lanjut", "Follow-up")) " (" (d.followup.opened.saturating_sub(d.followup.done)) ")" }
        }
        (followup_table(lang, &d.followup, "office-followup"))
        (detail_charts(lang, d))
        h2 { (lang.pick("ASN menurut jenis layanan", "ASN by service type")) }
        p.rule { (shared::fair::RULE_ID) @if lang == Lang::En { br; (shared::fair::RULE_EN) } }
        p.muted { (lang.pick(
            "ASN dibandingkan hanya dengan capaian kantor pada jenis layanan yang sama. Kategori diberikan mulai ",
            "ASN are compared only with what the office achieves on the same service types. A band is given from ")) (v.min_count)
            (lang.pick(" penilaian, dan hanya bila seluruh selang berada di atas atau di bawah ekspektasi.",
                       " ratings, and only when the whole interval lies above or below the expectation.")) }
        @if v.asn.is_empty() {
            p.muted { (lang.pick("Belum ada layanan ASN pada periode ini.", "No ASN service in this period yet.")) }
        }
        @for (service, list) in &groups {
            h2 { (name_of(service)) }
            div.table-wrap {
                table.asn {
                    thead { tr {
                        th { (lang.pick("ASN", "ASN")) }
                        th { (lang.pick("Layanan", "Visits")) }
                        th { (lang.pick("Penilaian", "Ratings")) }
                        th { (lang.pick("Tingkat respons", "Response rate")) }
                        th { (lang.pick("Rata-rata", "Mean")) }
                        th { (lang.pick("Ekspektasi", "Expected")) }
                        th { (lang.pick("Disesuaikan (selang 95%)", "Adjusted (95% interval)")) }
                        th { (lang.pick("Kategori", "Band")) }
                    } }
                    tbody {
                        @for a in list {
                            @let (class, words) = band_words(lang, a.band);
                            tr {
                                td.l { a href={ "/laporan/" (a.office_id) "/asn/" (a.asn_ref) "?" (v.period.query()) } { (if a.name.is_empty() { lang.pick("(tidak di roster)", "(not on the roster)") } else { a.name.as_str() }) } }
                                td { (a.figures.services) }
                                td { (a.figures.ratings) @if a.ratings_by_session > 0 { span.prev { "+" (a.ratings_by_session) " " (lang.pick("tanpa tiket", "without ticket")) } } }
                                td { (pct(lang, a.response_rate)) }
                                td { (opt_num(lang, a.score_mean, 2)) }
                                td { (opt_num(lang, a.expected, 2)) }
                                td { (opt_num(lang, a.score_adjusted, 2)) span.prev { (opt_num(lang, a.ci_low, 2)) " – " (opt_num(lang, a.ci_high, 2)) } }
                                td { span class={ "band " (class) } { (words) } }
                            }
                        }
                    }
                }
            }
            div.card { (chart(charts::intervals(list, lang))) }
        }
    }
}

/// Comments an evidence page shows unless asked for all (the newest).
pub const COMMENTS_SHOWN: usize = 12;

/// `/laporan/{office_id}/asn/{asn_ref}`: the evidence behind an ASN's
/// figures, for the performance conversation.
pub fn evidence(
    lang: Lang,
    office_name: &str,
    period: &PeriodView,
    e: &AsnEvidence,
    min_count: u64,
    all_comments: bool,
    actions: &super::review::Actions<'_>,
) -> Markup {
    let r = &e.row;
    let shown = if all_comments {
        e.comments.len()
    } else {
        e.comments.len().min(COMMENTS_SHOWN)
    };
    let (class, words) = band_words(lang, r.band);
    html! {
        h1 { (if r.name.is_empty() { lang.pick("ASN", "ASN") } else { r.name.as_str() }) }
        p.muted { (office_name) " · " (e.from) " – " (e.to) }
        (period_form(lang, period))
        p.rule #rule { (shared::fair::RULE_ID) @if lang == Lang::En { br; (shared::fair::RULE_EN) } }
        div.figures {
            div.figure { div.k { (lang.pick("Layanan selesai", "Visits served")) } div.v { (r.figures.services) } }
            div.figure { div.k { (lang.pick("Penilaian atas layanannya", "Ratings of their visits")) } div.v #ratings { (r.figures.ratings) }
                div.k { (r.ratings_by_session) " " (lang.pick("tanpa tiket (dipisahkan)", "without a ticket (kept apart)")) }
                @if r.excluded > 0 { div.k #excluded { (r.excluded) " " (lang.pick("dikeluarkan setelah peninjauan", "excluded on review")) } } }
            div.figure { div.k { (lang.pick("Tingkat respons", "Response rate")) } div.v { (pct(lang, r.response_rate)) }
                div.k { (lang.pick("kantor: ", "office: ")) (pct(lang, e.office_response_rate)) } }
            div.figure { div.k { (lang.pick("Skor disesuaikan", "Adjusted score")) } div.v #adjusted { (opt_num(lang, r.score_adjusted, 2)) }
                div.k { (opt_num(lang, r.ci_low, 2)) " – " (opt_num(lang, r.ci_high, 2)) " · " (lang.pick("ekspektasi ", "expected ")) (opt_num(lang, r.expected, 2)) } }
            div.figure { div.k { (lang.pick("Kategori", "Band")) } div.v { span class={ "band " (class) } { (words) } }
                @if r.band.is_none() { div.k { (lang.pick("perlu sedikitnya ", "needs at least ")) (min_count) (lang.pick(" penilaian", " ratings")) } } }
        }
        div.charts {
            div.card {
                h2 { (lang.pick("Skor dan selangnya", "Score and its interval")) }
                (chart(charts::intervals(&[r], lang)))
                p.muted { (lang.pick("Titik: skor disesuaikan. Garis: selang 95%. Garis abu-abu: capaian kantor pada layanan yang sama.",
                                     "Dot: adjusted score. Line: 95% interval. Grey tick: the office's result on the same services.")) }
            }
            div.card {
                h2 { (lang.pick("Sebaran nilai", "Scores")) }
                (chart(charts::score_distribution(&e.score_counts, lang)))
            }
        }
        div.card {
            h2 { (lang.pick("Yang menjadi kendali ASN", "What the ASN controls")) }
            table {
                tbody {
                    tr { td.l { (lang.pick("Rata-rata nilai cepat", "Mean quick score")) } td { (opt_num(lang, r.score_mean, 2)) } }
                    tr { td.l { "U6 " (lang.pick("Kompetensi pelaksana (NRR)", "Staff competence (NRR)")) } td #u6 { (opt_num(lang, e.u6_nrr, 2)) } }
                    tr { td.l { "U7 " (lang.pick("Perilaku pelaksana (NRR)", "Staff behaviour (NRR)")) } td #u7 { (opt_num(lang, e.u7_nrr, 2)) } }
                    tr { td.l { (lang.pick("Lama pelayanan (median / p90)", "Service time (median / p90)")) } td { (dur(lang, r.figures.service_p50_s)) " / " (dur(lang, e.service_p90_s)) } }
                }
            }
            h2 { (lang.pick("Konteks (kendali kantor)", "Context (the office's to control)")) }
            table {
                tbody {
                    tr { td.l { (lang.pick("Lama menunggu warga yang dilayaninya (median / p90)", "Waits of the citizens they served (median / p90)")) } td { (dur(lang, r.figures.wait_p50_s)) " / " (dur(lang, r.figures.wait_p90_s)) } }
                    tr { td.l { (lang.pick("IKM kunjungan yang dilayaninya", "IKM of the visits they served")) } td { (opt_num(lang, r.figures.ikm, 2)) " (" (r.figures.ikm_responses) " " (lang.pick("responden", "responses")) ")" } }
                }
            }
        }
        div.card #comments {
            h2 { (lang.pick("Komentar dan penilaian rendah", "Comments and low ratings")) }
            p.muted { (lang.pick("Penilaian yang ditandai mencurigakan atau ganda tidak ditampilkan. ASN dapat menanggapi; kepala unit meninjau dan dapat mengeluarkan penilaian dari skor ASN dengan alasan (tetap dihitung dalam IKM kantor). Semua tercatat di jejak audit.",
                                 "Flagged and duplicate ratings are left out. The ASN may answer; the head reviews and may exclude a rating from the ASN's score with a reason (it still counts in the office's IKM). Everything is kept in the audit trail.")) }
            @if e.comments.is_empty() { p.muted #no-comments { (lang.pick("Tidak ada komentar pada periode ini.", "No comments in this period.")) } }
            @for c in e.comments.iter().take(shown) {
                (super::review::comment(lang, c, actions))
            }
            @if shown < e.comments.len() {
                p #more-comments {
                    (e.comments.len() - shown) (lang.pick(" komentar lain. ", " more comments. "))
                    a href={ (period.path) "?" (period.query()) "&komentar=semua" } { (lang.pick("Tampilkan semua", "Show all")) }
                }
            }
        }
        p.muted.noprint { (lang.pick("Untuk percakapan kinerja: cetak halaman ini (Ctrl+P); tata letak cetak muat di kertas A4.",
                                      "For the performance conversation: print this page (Ctrl+P); the print layout fits A4.")) }
    }
}

/// `/laporan/{office_id}/skm`: the official SKM report, laid out to print
/// and file (PermenPAN-RB 14/2017).
pub fn skm(lang: Lang, r: &SkmReport, period: &PeriodView) -> Markup {
    html! {
        (period_form(lang, period))
        div.card #skm {
            h1 { "LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT (SKM)" }
            p.muted { "Berdasarkan PermenPAN-RB Nomor 14 Tahun 2017" }
            table #skm-info {
                tbody {
                    tr { td.l { "Unit pelayanan" } td.l { (r.name) } }
                    tr { td.l { "Periode" } td.l { (r.from) " s.d. " (r.to) } }
                    tr { td.l { "Populasi (layanan selesai)" } td.l { (r.population) } }
                    tr { td.l { "Responden (survei lengkap)" } td.l #respondents { (r.respondents) } }
                    tr { td.l { "Sampel minimum (Krejcie-Morgan)" } td.l { (r.sample_min)
                        @if r.sample_short { " — " span.short { "responden kurang dari sampel minimum" } } } }
                }
            }
            h2 { "Nilai per unsur" }
            table #skm-elements {
                thead { tr { th { "Unsur" } th.l { "Nama unsur" } th { "Jumlah nilai" } th { "NRR" } th { "NRR tertimbang (× 1/9)" } } }
                tbody {
                    @for e in &r.elements {
                        tr data-element=(e.code) {
                            td { (e.code) } td.l { (e.name) } td { (e.sum) }
                            td.nrr { (opt_num(lang, e.nrr, 3)) } td { (opt_num(lang, e.nrr_weighted, 4)) }
                        }
                    }
                    tr { td {} td.l { strong { "Jumlah NRR tertimbang (IKM)" } } td {} td {} td { strong { (opt_num(lang, r.nrr_weighted_total, 4)) } } }
                }
            }
            table #skm-result {
                tbody {
                    tr { td.l { "IKM unit pelayanan (konversi × 25)" } td.l #skm-ikm { strong { (opt_num(lang, r.ikm, 2)) } } }
                    tr { td.l { "Mutu pelayanan" } td.l #skm-grade { strong { (r.grade.as_deref().unwrap_or("—")) } } }
                    tr { td.l { "Kinerja unit pelayanan" } td.l { (r.kinerja.as_deref().unwrap_or("—")) } }
                }
            }
            p.muted { "Mutu: A sangat baik (88,31–100), B baik (76,61–88,30), C kurang baik (65,00–76,60), D tidak baik (25,00–64,99)." }
            h2 { "Rencana tindak lanjut" }
            table #skm-followup {
                thead { tr { th { "No" } th.l { "Unsur terendah" } th { "NRR" } th.l { "Rencana tindak lanjut" } th.l { "Waktu / penanggung jawab" } } }
                tbody {
                    @for (i, code) in r.weakest.iter().enumerate() {
                        @if let Some(e) = r.elements.iter().find(|e| &e.code == code) {
                            tr { td { (i + 1) } td.l { (e.code) " " (e.name) } td { (opt_num(lang, e.nrr, 3)) } td.l { "" } td.l { "" } }
                        }
                    }
                }
            }
        }
        (followup_table(lang, &r.followup, "skm-complaints"))
        p.noprint {
            a.button href={ "/api/v1/reports/skm.xlsx?office_id=" (r.office_id) "&" (period.query()) } { (lang.pick("Unduh .xlsx", "Download .xlsx")) }
        }
    }
}

/// Follow-up of complaints (ratings of 1-2 with a comment) in a period.
fn followup_table(lang: Lang, f: &shared::review::FollowUpFigures, id: &str) -> Markup {
    html! {
        h2 { (lang.pick("Tindak lanjut pengaduan", "Follow-up of complaints")) }
        table id=(id) {
            tbody {
                tr { td.l { (lang.pick("Butir dibuka (nilai 1-2 dengan komentar)", "Items opened (ratings of 1-2 with a comment)")) } td.opened { (f.opened) } }
                tr { td.l { (lang.pick("Sedang ditangani", "In progress")) } td { (f.in_progress) } }
                tr { td.l { (lang.pick("Selesai", "Done")) } td.done { (f.done) } }
                tr { td.l { (lang.pick("Tingkat tindak lanjut", "Follow-up rate")) } td.rate { (pct(lang, f.rate)) } }
                tr { td.l { (lang.pick("Median waktu penyelesaian", "Median time to close")) } td { @if let Some(h) = f.close_p50_h { (num(lang, h, 1)) " " (lang.pick("jam", "hours")) } @else { "—" } } }
            }
        }
    }
}

/// An error as a staff page's content.
pub fn refusal(msg: &str) -> Markup {
    html! { p.error role="alert" { (msg) } p { a href="/laporan" { "Laporan" } } }
}

/// How long without a batch before the live view warns that it is old.
pub const LIVE_STALE_S: i64 = 300;

/// `/laporan/{office_id}/langsung`: the office's floor today, as the kiosk's
/// dashboard shows it, from the events forwarded so far. `div#live` is
/// asked again every 10 seconds by `/static/floor.js`.
pub fn live(lang: Lang, office: &shared::Office, l: &shared::wire::LiveOffice) -> Markup {
    let at = |ts: jiff::Timestamp| {
        format!(
            "{} {}",
            office.tz.zoned(ts).strftime("%Y-%m-%d %H:%M:%S"),
            office.tz.abbreviation(ts)
        )
    };
    html! {
        h1 { (lang.pick("Pantauan langsung", "Live view")) " — " (l.name) }
        p.muted { (lang.pick("Dari data yang dikirim kiosk kantor; diperbarui sendiri setiap 10 detik.",
            "From the data the office's kiosks send; updates by itself every 10 seconds.")) }
        p #live-stale.banner hidden { (lang.pick("Server tidak terjangkau; angka di bawah mungkin sudah lama.",
            "The server cannot be reached; the figures below may be old.")) }
        div #live data-poll="10" data-fragment={ "/laporan/" (l.office_id) "/langsung?fragment=1" } {
            p #last-event {
                @match l.last_event_at {
                    Some(ts) => {
                        (lang.pick("Data terakhir dari kiosk:", "Last data from the kiosks:")) " " strong { (at(ts)) }
                        @if l.now.duration_since(ts).as_secs() > LIVE_STALE_S {
                            span.banner #kiosk-silent role="alert" { " " (lang.pick(
                                "Kiosk kantor ini sudah lama tidak mengirim data (jaringan terputus?). Angka di bawah bisa tertinggal.",
                                "This office's kiosks have not sent data for a while (network down?). The figures below may lag.")) }
                        }
                    }
                    None => (lang.pick("Belum ada data dari kiosk kantor ini.", "No data from this office's kiosks yet.")),
                }
            }
            (httpkit::floor::view(&httpkit::floor::Floor {
                lang,
                office,
                now: l.now,
                queue: &l.queue,
                counters: &l.counters,
                today: &l.today,
                hours: &l.hours,
                profile: &l.queue_profile,
                late: &l.late,
            }))
        }
    }
}
