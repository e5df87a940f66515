//! The published SKM result of an office (PermenPAN-RB 14/2017 asks offices
//! to publish it): a page anyone may open and a badge to embed on the
//! office's website. Office figures only: nothing about any ASN.

use maud::{Markup, PreEscaped, html};
use shared::Lang;
use shared::wire::OfficeReportRow;

use super::laporan::num;
use crate::charts;

/// What the public page shows.
pub struct Public<'a> {
    /// The office's row for the period.
    pub row: &'a OfficeReportRow,
    /// First and last day.
    pub period: (String, String),
    /// IKM month by month (label, value).
    pub months: &'a [(String, Option<f64>)],
}

/// `/publik/{office_id}`.
pub fn page(lang: Lang, p: &Public<'_>) -> Markup {
    let r = p.row;
    let g = &r.figures;
    let grade_words = r
        .grade
        .as_deref()
        .map(|letter| match letter {
            "A" => lang.pick("Sangat baik", "Very good"),
            "B" => lang.pick("Baik", "Good"),
            "C" => lang.pick("Kurang baik", "Poor"),
            _ => lang.pick("Tidak baik", "Very poor"),
        })
        .unwrap_or("—");
    html! {
        h1 { (lang.pick("Hasil Survei Kepuasan Masyarakat", "Public Satisfaction Survey result")) }
        p { strong { (r.name) } }
        p.muted { (lang.pick("Periode ", "Period ")) (p.period.0) " – " (p.period.1) }
        div.figures {
            div.figure { div.k { (lang.pick("Indeks Kepuasan Masyarakat (IKM)", "Satisfaction index (IKM)")) }
                div.v #public-ikm { (g.ikm.map(|v| num(lang, v, 2)).unwrap_or_else(|| "—".into())) } }
            div.figure { div.k { (lang.pick("Mutu pelayanan", "Service grade")) }
                div.v #public-grade { (r.grade.as_deref().unwrap_or("—")) } div.k { (grade_words) } }
            div.figure { div.k { (lang.pick("Responden", "Respondents")) } div.v #public-responses { (g.ikm_responses) }
                div.k { (lang.pick("dari ", "of ")) (g.services) (lang.pick(" layanan", " visits")) } }
            div.figure { div.k { (lang.pick("Periode sebelumnya", "Previous period")) }
                div.v { (r.previous.ikm.map(|v| num(lang, v, 2)).unwrap_or_else(|| "—".into())) } }
        }
        div.card {
            @match charts::monthly_ikm(p.months, lang) {
                // Our own drawing (plotters escapes every text in it).
                Ok(svg) => (PreEscaped(svg)),
                Err(_) => {},
            }
        }
        p.muted { (lang.pick(
            "IKM dihitung dari survei lengkap sembilan unsur sesuai PermenPAN-RB Nomor 14 Tahun 2017 (skala 25-100). Mutu: A sangat baik (88,31-100), B baik (76,61-88,30), C kurang baik (65,00-76,60), D tidak baik.",
            "The IKM is computed from complete nine-element surveys under PermenPAN-RB 14/2017 (scale 25-100). Grades: A very good (88.31-100), B good (76.61-88.30), C poor (65.00-76.60), D very poor.")) }
    }
}

/// `/publik/{office_id}/badge.svg`: a small badge (IKM, grade, responses,
/// period, trend against the previous period).
pub fn badge(r: &OfficeReportRow, period: &str) -> String {
    let ikm = r
        .figures
        .ikm
        .map(|v| num(Lang::Id, v, 2))
        .unwrap_or_else(|| "—".into());
    let trend = match (r.figures.ikm, r.previous.ikm) {
        (Some(a), Some(b)) if a > b => "▲",
        (Some(a), Some(b)) if a < b => "▼",
        (Some(_), Some(_)) => "=",
        _ => "",
    };
    let grade = r.grade.as_deref().unwrap_or("—");
    let color = match grade {
        "A" => "#1b7f3b",
        "B" => "#0b57d0",
        "C" => "#b45309",
        _ => "#6b7280",
    };
    let label = format!("IKM {ikm} ({grade}) {trend}");
    let sub = format!("{} responden · {period}", r.figures.ikm_responses);
    let title = format!("{}: IKM {ikm}, mutu {grade}, {sub}", r.name);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width="260" height="56" viewBox="0 0 260 56" role="img" aria-label=(title) {
            title { (title) }
            rect width="260" height="56" rx="8" fill="#ffffff" stroke=(color) stroke-width="2" {}
            rect width="64" height="56" rx="8" fill=(color) {}
            text x="32" y="34" font-family="sans-serif" font-size="16" font-weight="700" fill="#ffffff" text-anchor="middle" { "SKM" }
            text x="74" y="24" font-family="sans-serif" font-size="16" font-weight="700" fill="#1a1a1a" { (label) }
            text x="74" y="44" font-family="sans-serif" font-size="11" fill="#374151" { (sub) }
        }
    }
    .into_string()
}
