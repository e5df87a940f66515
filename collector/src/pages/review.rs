//! The pages where the ASN takes part and heads decide in the open: a
//! rating on the evidence page with its reply, review and follow-up (and the
//! forms for them), the ASN's sign-in and frame, the head's follow-up list,
//! the audit trail, and HR's bias audit with the patterns worth a look.

use maud::{Markup, html};
use shared::Lang;
use shared::OfficeTz;
use shared::review::{
    AuditEntry, BiasCell, BiasReport, BiasScope, BiasTest, ExclusionReason, FollowUpItem,
    FollowUpStatus, PatternReport, ReviewDecision, TEXT_MAX_CHARS,
};
use shared::wire::EvidenceComment;

use super::laporan::{PeriodView, num, period_form};
use super::staff;

/// What the viewer of an evidence page may do there.
#[derive(Debug, Clone, Copy)]
pub struct Actions<'a> {
    /// Answer ratings (the ASN on their own page).
    pub reply: bool,
    /// Review them (the office's head, or HR).
    pub review: bool,
    /// Where the forms come back to (this page's path and query).
    pub back: &'a str,
    /// The office's clock, for times.
    pub tz: Option<&'a OfficeTz>,
}

/// A time in the office's zone (WIB when unknown), to the minute.
pub fn when(at: jiff::Timestamp, tz: Option<&OfficeTz>) -> String {
    let tz = tz.cloned().unwrap_or_else(wib);
    format!(
        "{} {}",
        tz.zoned(at).strftime("%Y-%m-%d %H:%M"),
        tz.abbreviation(at)
    )
}

fn wib() -> OfficeTz {
    // Asia/Jakarta is in the bundled zone database: parsing cannot fail.
    OfficeTz::parse("Asia/Jakarta").unwrap_or_else(|_| unreachable!("bundled zone"))
}

fn followup_badge(lang: Lang, s: FollowUpStatus) -> Markup {
    html! { span class={ "status " (s.code()) } { (lang.pick("Tindak lanjut: ", "Follow-up: ")) (s.words(lang)) } }
}

/// One rating on the evidence page.
pub fn comment(lang: Lang, c: &EvidenceComment, a: &Actions<'_>) -> Markup {
    let id = c.rating_id.to_string();
    html! {
        div.comment data-rating=(id) {
            span.muted { (c.day) " · " (lang.pick("nilai ", "score ")) (c.score) }
            @if c.comment.is_empty() {
                p.muted { (lang.pick("(tanpa komentar)", "(no comment)")) }
            } @else {
                blockquote { (c.comment) }
            }
            @if let Some(s) = c.followup { p { (followup_badge(lang, s)) } }
            @if let Some(r) = &c.reply {
                div.answer {
                    strong { (lang.pick("Tanggapan ASN", "The ASN's answer")) } " · " span.muted { (when(r.at, a.tz)) }
                    blockquote { (r.text) }
                }
            }
            @if let Some(r) = &c.review {
                div class={ "review " (if r.decision == ReviewDecision::Exclude { "excluded" } else { "kept" }) } {
                    strong { (r.decision.words(lang)) }
                    @if let Some(x) = r.reason { " — " (x.words(lang)) }
                    @if let Some(n) = &r.note { blockquote { (n) } }
                    span.muted { (lang.pick("Ditinjau oleh ", "Reviewed by ")) (r.by) " · " (when(r.at, a.tz)) }
                }
            }
            @if a.reply && c.reply.is_none() {
                form.reply method="post" action={ "/api/v1/ratings/" (id) "/reply" } {
                    input type="hidden" name="next" value=(a.back);
                    label for={ "reply-" (id) } { (lang.pick("Tanggapan Anda (sekali, tidak dapat diubah)", "Your answer (once; it cannot be changed)")) }
                    textarea id={ "reply-" (id) } name="text" rows="3" maxlength=(TEXT_MAX_CHARS) required {}
                    button type="submit" { (lang.pick("Kirim tanggapan", "Send answer")) }
                }
            }
            @if a.review {
                details.review-form open[c.reply.is_some() && c.review.is_none()] {
                    summary { (if c.review.is_some() { lang.pick("Tinjau ulang", "Review again") } else { lang.pick("Tinjau", "Review") }) }
                    form.review method="post" action={ "/api/v1/ratings/" (id) "/review" } {
                        input type="hidden" name="next" value=(a.back);
                        fieldset {
                            legend { (lang.pick("Keputusan", "Decision")) }
                            label { input type="radio" name="decision" value="keep" required; " " (ReviewDecision::Keep.words(lang)) }
                            label { input type="radio" name="decision" value="exclude"; " " (ReviewDecision::Exclude.words(lang)) }
                        }
                        label for={ "reason-" (id) } { (lang.pick("Alasan (wajib untuk mengeluarkan)", "Reason (required to exclude)")) }
                        select id={ "reason-" (id) } name="reason" {
                            option value="" { "—" }
                            @for r in ExclusionReason::ALL { option value=(r.code()) { (r.words(lang)) } }
                        }
                        label for={ "note-" (id) } { (lang.pick("Catatan", "Note")) }
                        textarea id={ "note-" (id) } name="note" rows="2" maxlength=(TEXT_MAX_CHARS) {}
                        button type="submit" { (lang.pick("Simpan keputusan", "Save decision")) }
                    }
                }
            }
        }
    }
}

/// Styles of the pieces above (added to the staff stylesheet).
pub const CSS: &str = r#"
.comment{border-top:1px solid #e1e4e8;padding:.5rem 0}
.comment form,.followup form{display:grid;gap:.35rem;max-width:40rem;margin:.5rem 0}
textarea{font:inherit;padding:.4rem .5rem;border:1px solid #6b7280;border-radius:6px;width:100%}
fieldset{border:1px solid #c4c9d0;border-radius:6px;padding:.25rem .75rem}
fieldset label{display:flex;align-items:center;gap:.4rem;min-height:44px}
.answer{margin:.25rem 0 .25rem 1rem}
.review{margin:.25rem 0 .25rem 1rem;padding:.4rem .6rem;border-radius:6px;background:#f6f7f9}
.review.excluded{border-left:4px solid #c62828}
.review.kept{border-left:4px solid #1b7f3b}
details.review-form summary{cursor:pointer;min-height:44px;display:flex;align-items:center;color:#0b57d0;font-weight:700}
.status{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.85rem;font-weight:700;background:#fff4e5;color:#7a4100}
.status.done{background:#e6f4ea;color:#1b5e20}
.status.in_progress{background:#e8f0fe;color:#0b3d91}
.flag{color:#c62828;font-weight:700}
.withheld{color:#4b5563;font-style:italic}
@media print{.comment form,details.review-form{display:none!important}}
"#;

/// The ASN's sign-in page.
pub fn asn_signin(lang: Lang, nip: &str, error: Option<&str>) -> Markup {
    staff::page(
        lang,
        lang.pick("Masuk ASN", "ASN sign-in"),
        None,
        html! {
            div.signin.card {
                h1 { (lang.pick("Halaman ASN", "ASN page")) }
                p.muted { (lang.pick(
                    "Lihat bukti penilaian atas layanan Anda dan tanggapi. Masuk dengan NIP dan PIN yang sama dengan di loket.",
                    "See the evidence behind your ratings and answer it. Sign in with the NIP and PIN you use at the counter.")) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form #asn-signin method="post" action="/asn/masuk" {
                    label for="nip" { "NIP" }
                    input #nip name="nip" type="text" inputmode="numeric" autocomplete="username" required value=(nip);
                    label for="pin" { "PIN" }
                    input #pin name="pin" type="password" inputmode="numeric" autocomplete="current-password" required;
                    p { button type="submit" { (lang.pick("Masuk", "Sign in")) } }
                    p.muted { (lang.pick("Lima kali PIN salah mengunci NIP selama 5 menit.", "Five wrong PINs lock the NIP for 5 minutes.")) }
                }
            }
        },
    )
}

/// The frame of the ASN's own page: their name and sign-out.
pub fn asn_page(lang: Lang, title: &str, name: &str, office: &str, content: Markup) -> Markup {
    staff::page_for(
        lang,
        title,
        html! {
            nav.staff aria-label=(lang.pick("Menu", "Menu")) {
                a href="/asn" { (lang.pick("Halaman saya", "My page")) }
                span.who { (name) " · " (office) }
                form method="post" action="/asn/keluar" {
                    button.secondary type="submit" { (lang.pick("Keluar", "Sign out")) }
                }
            }
        },
        content,
    )
}

/// The head's follow-up list of an office, oldest first.
pub fn followups(
    lang: Lang,
    office_name: &str,
    items: &[FollowUpItem],
    back: &str,
    tz: Option<&OfficeTz>,
) -> Markup {
    let open = items
        .iter()
        .filter(|i| i.status != FollowUpStatus::Done)
        .count();
    html! {
        h1 { (lang.pick("Tindak lanjut", "Follow-up")) " — " (office_name) }
        p.muted { (lang.pick(
            "Penilaian 1-2 dengan komentar menjadi butir tindak lanjut. Yang terlama di atas. Setiap perubahan tercatat di jejak audit.",
            "Ratings of 1-2 with a comment become follow-up items, oldest first. Every change is kept in the audit trail.")) }
        p #open-count { strong { (open) } " " (lang.pick("belum selesai dari ", "not done of ")) (items.len()) }
        @if items.is_empty() { p.muted { (lang.pick("Belum ada butir.", "No items yet.")) } }
        @for i in items {
            div.card.followup data-rating=(i.rating_id.to_string()) data-status=(i.status.code()) {
                span.muted { (i.day) " · " (lang.pick("nilai ", "score ")) (i.score) " · " (lang.pick("dibuka ", "opened ")) (when(i.opened_at, tz)) }
                blockquote { (i.comment) }
                p { span class={ "status " (i.status.code()) } { (i.status.words(lang)) } }
                @if let Some(r) = &i.response {
                    p { strong { (lang.pick("Tindak lanjut: ", "Response: ")) } }
                    blockquote { (r) }
                }
                @if let (Some(by), Some(at)) = (&i.updated_by, i.updated_at) {
                    p.muted { (by) " · " (when(at, tz)) }
                }
                form method="post" action={ "/api/v1/followups/" (i.rating_id.to_string()) } {
                    input type="hidden" name="next" value=(back);
                    label for={ "status-" (i.rating_id.to_string()) } { (lang.pick("Status", "Status")) }
                    select id={ "status-" (i.rating_id.to_string()) } name="status" {
                        @for s in FollowUpStatus::ALL { option value=(s.code()) selected[s == i.status] { (s.words(lang)) } }
                    }
                    label for={ "response-" (i.rating_id.to_string()) } { (lang.pick("Tindak lanjut yang dilakukan", "What was done")) }
                    textarea id={ "response-" (i.rating_id.to_string()) } name="response" rows="2" maxlength=(TEXT_MAX_CHARS) {}
                    button type="submit" { (lang.pick("Simpan", "Save")) }
                }
            }
        }
    }
}

/// The audit trail page.
pub fn audit(
    lang: Lang,
    entries: &[AuditEntry],
    chain_ok: bool,
    period: &PeriodView,
    csv: &str,
) -> Markup {
    html! {
        h1 { (lang.pick("Jejak audit", "Audit trail")) }
        (period_form(lang, period))
        p.rule {
            (lang.pick("Setiap tanggapan, peninjauan, pengecualian, tindak lanjut, penandaan dan perubahan akun dicatat di sini, tidak pernah diubah atau dihapus. ",
                       "Every reply, review, exclusion, follow-up, flag and account change is recorded here, never edited or deleted. "))
            @if chain_ok {
                span #chain { (lang.pick("Rantai hash utuh.", "The hash chain is intact.")) }
            } @else {
                span.flag #chain { (lang.pick("Rantai hash RUSAK: ada entri yang diubah atau dihapus di luar aplikasi.", "The hash chain is BROKEN: an entry was edited or removed outside the application.")) }
            }
        }
        p { a.button.secondary href=(csv) { (lang.pick("Unduh CSV", "Download CSV")) } }
        div.table-wrap {
            table #audit {
                thead { tr {
                    th { "#" } th.l { (lang.pick("Waktu", "When")) } th.l { (lang.pick("Oleh", "Who")) }
                    th.l { (lang.pick("Tindakan", "Action")) } th.l { (lang.pick("Kantor", "Office")) } th.l { (lang.pick("Rincian", "Detail")) }
                } }
                tbody {
                    @for e in entries {
                        tr data-action=(e.action) {
                            td { (e.seq) } td.l { (when(e.at, None)) } td.l { (e.actor) } td.l { (action_words(lang, &e.action)) }
                            td.l { (e.office_id.as_deref().unwrap_or("—")) }
                            td.l { @if let Some(r) = e.rating_id { span.muted { (r.to_string()) } br; } (e.detail.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
        @if entries.is_empty() { p.muted { (lang.pick("Tidak ada entri pada periode ini.", "No entries in this period.")) } }
    }
}

/// An audit action in words.
fn action_words(lang: Lang, code: &str) -> &str {
    match code {
        "reply" => lang.pick("Tanggapan ASN", "ASN's answer"),
        "review_keep" => lang.pick("Ditinjau: tetap dihitung", "Reviewed: kept"),
        "review_exclude" => lang.pick(
            "Ditinjau: dikeluarkan dari skor ASN",
            "Reviewed: excluded from the ASN's score",
        ),
        "followup" => lang.pick("Tindak lanjut", "Follow-up"),
        "flag" => lang.pick("Ditandai mencurigakan", "Flagged"),
        "user_created" => lang.pick("Akun dibuat", "Account created"),
        "user_deleted" => lang.pick("Akun dihapus", "Account removed"),
        "token_issued" => lang.pick("Token diterbitkan", "Token issued"),
        "token_revoked" => lang.pick("Token dicabut", "Token revoked"),
        "kiosk_disabled" => lang.pick("Kios dinonaktifkan", "Kiosk disabled"),
        "kiosk_key_rotated" => lang.pick("Kunci kios diganti", "Kiosk key replaced"),
        "roster_imported" => lang.pick("Daftar ASN diimpor", "Roster imported"),
        "asn_locked" => lang.pick("NIP dikunci (PIN salah)", "NIP locked (wrong PINs)"),
        other => other,
    }
}

fn mean_cell(lang: Lang, c: &BiasCell) -> Markup {
    html! {
        @if c.withheld {
            td.withheld colspan="2" { (lang.pick("disembunyikan (< 5 ASN)", "withheld (< 5 ASN)")) }
        } @else {
            td { (c.mean.map(|m| num(lang, m, 2)).unwrap_or_default()) }
            td { (c.ci_low.map(|m| num(lang, m, 2)).unwrap_or_default()) " – " (c.ci_high.map(|m| num(lang, m, 2)).unwrap_or_default()) }
        }
    }
}

fn group_words(lang: Lang, g: &str) -> String {
    match g {
        "male" => lang.pick("Laki-laki", "Men").to_owned(),
        "female" => lang.pick("Perempuan", "Women").to_owned(),
        other => format!("{other} {}", lang.pick("tahun", "years")),
    }
}

fn test_words(lang: Lang, t: &BiasTest) -> Markup {
    html! {
        @if !t.tested {
            span.muted { (lang.pick("tidak diuji (kurang dari dua kelompok yang ditampilkan)", "not tested (fewer than two groups shown)")) }
        } @else if t.flagged {
            span.flag { (lang.pick("Selisih lebih besar dari yang dijelaskan kebetulan", "A gap larger than chance explains")) }
            " (" (lang.pick("selisih ", "gap ")) (t.gap.map(|g| num(lang, g, 2)).unwrap_or_default()) ", p = " (t.p_value.map(|p| num(lang, p, 3)).unwrap_or_default()) ")"
        } @else {
            (lang.pick("Tidak ada selisih di luar kebetulan", "No gap beyond chance"))
            " (" (lang.pick("selisih ", "gap ")) (t.gap.map(|g| num(lang, g, 2)).unwrap_or_default()) ", p = " (t.p_value.map(|p| num(lang, p, 3)).unwrap_or_default()) ")"
        }
    }
}

fn bias_table(lang: Lang, id: &str, title: &str, cells: &[BiasCell], t: &BiasTest) -> Markup {
    html! {
        h3 { (title) }
        div.table-wrap {
            table id=(id) {
                thead { tr { th.l { (lang.pick("Kelompok", "Group")) } th { "ASN" } th { (lang.pick("Penilaian", "Ratings")) } th { (lang.pick("Rata-rata skor disesuaikan", "Mean adjusted score")) } th { (lang.pick("Selang 95%", "95% interval")) } } }
                tbody {
                    @for c in cells {
                        tr data-group=(c.group) data-withheld=(c.withheld) {
                            td.l { (group_words(lang, &c.group)) }
                            td { @if c.withheld { "< 5" } @else { (c.asn) } }
                            td { @if c.withheld { "—" } @else { (c.ratings) } }
                            (mean_cell(lang, c))
                        }
                    }
                }
            }
        }
        p data-test=(id) data-flagged=(t.flagged) { (test_words(lang, t)) }
    }
}

fn bias_scope(lang: Lang, s: &BiasScope) -> Markup {
    let key = s.office_id.clone().unwrap_or_else(|| "all".into());
    html! {
        div.card.bias data-scope=(key) {
            h2 { (s.name) " · " (s.asn) " ASN" }
            (bias_table(lang, &format!("gender-{key}"), lang.pick("Menurut jenis kelamin", "By gender"), &s.by_gender, &s.gender))
            (bias_table(lang, &format!("age-{key}"), lang.pick("Menurut kelompok umur", "By age band"), &s.by_age, &s.age))
        }
    }
}

fn pattern_words(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "response_rate" => lang.pick(
            "Tingkat respons jauh di atas kantor",
            "Response rate far above the office's",
        ),
        "quick_ratings" => lang.pick(
            "Banyak penilaian dalam 2 detik setelah layanan selesai",
            "Many ratings within 2 seconds of completion",
        ),
        "qr_only" => lang.pick(
            "Hanya penilaian lewat ponsel, padahal kantor memakai tablet",
            "Only phone ratings where the office uses tablets",
        ),
        _ => "",
    }
}

/// HR's bias audit and patterns worth a look.
pub fn bias(
    lang: Lang,
    b: &BiasReport,
    patterns: &PatternReport,
    period: &PeriodView,
    evidence_link: impl Fn(&str, &str) -> String,
) -> Markup {
    html! {
        h1 { (lang.pick("Audit bias dan pola", "Bias audit and patterns")) }
        (period_form(lang, period))
        p.rule #method { (b.method) }
        @for s in &b.scopes { (bias_scope(lang, s)) }
        div.card #patterns {
            h2 { (lang.pick("Pola yang perlu dilihat", "Patterns worth a look")) }
            p.muted { (lang.pick(
                "Ini bukan sanksi dan tidak mengubah skor apa pun: hanya petunjuk untuk dilihat bersama kepala unit.",
                "These are no penalty and change no score: only pointers to look at with the head of the office.")) }
            @if patterns.patterns.is_empty() { p.muted #no-patterns { (lang.pick("Tidak ada pola menonjol pada periode ini.", "Nothing stands out in this period.")) } }
            @else {
                div.table-wrap { table {
                    thead { tr { th.l { (lang.pick("Kantor", "Office")) } th.l { "ASN" } th.l { (lang.pick("Pola", "Pattern")) } th { "ASN" } th { (lang.pick("Kantor", "Office")) } th { "n" } } }
                    tbody {
                        @for p in &patterns.patterns {
                            tr data-kind=(p.kind) {
                                td.l { (p.office_id) }
                                td.l { a href=(evidence_link(&p.office_id, &p.asn_ref)) { (p.name) } }
                                td.l { (pattern_words(lang, &p.kind)) }
                                td { (num(lang, p.value * 100.0, 0)) "%" }
                                td { (num(lang, p.office_value * 100.0, 0)) "%" }
                                td { (p.n) }
                            }
                        }
                    }
                } }
            }
        }
    }
}
