//! The citizen's phone rating pages, at `/r/{token}` (the counter's QR code)
//! and `/t/{token}` (the ticket's phone link, once the service is
//! completed): the form (four faces, the optional SKM survey, a comment),
//! the thank-you page, and the refusals with their wording.
//!
//! Element ids and classes are part of the contract with the end-to-end and
//! browser tests: `form#rate`, `label.face` around `input[name=score]`,
//! `fieldset[data-element=U1..U9]` around `input[name=u1..u9]`,
//! `textarea[name=comment]`, `.error` for a refused submission, `#thanks`,
//! and `#error` with a class naming the refusal (`forged`, `expired`,
//! `already-rated`, `not-completed`, `office-unknown`, `rate-limited`,
//! `bad-request`, `server-error`).

use maud::{Markup, html};
use shared::sign::TokenKind;
use shared::skm::{COMMENT_MAX_CHARS, ELEMENTS};
use shared::wire::Channel;
use shared::{Lang, Msg, Score};

use super::layout::page;
use crate::phone::RateError;

/// What happened (a refusal page's heading) and what the citizen can do,
/// for a link of `kind` (the counter's QR code, or the ticket's phone link).
pub fn wording(e: &RateError, kind: TokenKind) -> (Msg, Msg) {
    let link = kind == TokenKind::TicketLink;
    match e {
        RateError::RateLimited { retry_after_s } => (
            Msg::new(
                "Terlalu banyak penilaian dari jaringan Anda",
                "Too many ratings from your network",
            ),
            Msg::new(
                format!("Coba kirim lagi dalam {retry_after_s} detik."),
                format!("Please send it again in {retry_after_s} seconds."),
            ),
        ),
        RateError::Forged if link => (
            Msg::new(
                "Tautan tiket ini tidak sah",
                "This ticket link is not valid",
            ),
            Msg::new(
                "Pindai kembali kode QR pada tiket antrean Anda. Jika tetap gagal, tanyakan kepada petugas.",
                "Scan the QR code on your queue ticket again. If it still fails, ask an officer.",
            ),
        ),
        RateError::Forged => (
            Msg::new(
                "Tautan penilaian ini tidak sah",
                "This rating link is not valid",
            ),
            Msg::new(
                "Pindai kembali kode QR yang diberikan petugas loket, atau mintalah kode \
                 yang baru.",
                "Scan the QR code from the counter again, or ask the officer for a new one.",
            ),
        ),
        RateError::Expired if link => (
            Msg::new(
                "Tautan tiket ini sudah kedaluwarsa",
                "This ticket link has expired",
            ),
            Msg::new(
                "Tiket antrean hanya berlaku pada hari diambil, dan penilaian lewat tiket \
                 diterima sampai batas waktu setelah pelayanan. Anda tetap dapat menyampaikan \
                 masukan di kantor layanan.",
                "A queue ticket is valid on the day it was taken, and ratings through it are \
                 accepted for a limited time after the service. You can still give your \
                 feedback at the office.",
            ),
        ),
        RateError::Expired => (
            Msg::new(
                "Tautan penilaian ini sudah kedaluwarsa",
                "This rating link has expired",
            ),
            Msg::new(
                "Penilaian lewat kode QR hanya diterima dalam batas waktu tertentu setelah \
                 pelayanan. Anda tetap dapat menyampaikan masukan di kantor layanan.",
                "Ratings by QR code are accepted only for a limited time after the service. \
                 You can still give your feedback at the office.",
            ),
        ),
        RateError::WindowClosed => (
            Msg::new(
                "Waktu penilaian untuk kunjungan ini sudah lewat",
                "The time to rate this visit has passed",
            ),
            Msg::new(
                "Penilaian diterima sampai batas waktu tertentu setelah pelayanan selesai. \
                 Terima kasih telah berkunjung; Anda tetap dapat menyampaikan masukan di kantor \
                 layanan.",
                "Ratings are accepted for a limited time after the service. Thank you for your \
                 visit; you can still give your feedback at the office.",
            ),
        ),
        RateError::Disabled => (
            Msg::new(
                if link {
                    "Tautan tiket ini tidak berlaku lagi"
                } else {
                    "Tautan penilaian ini tidak berlaku lagi"
                },
                if link {
                    "This ticket link is no longer valid"
                } else {
                    "This rating link is no longer valid"
                },
            ),
            Msg::new(
                "Perangkat antrean yang mencetaknya sudah dinonaktifkan oleh kantor. Anda \
                 tetap dapat menyampaikan masukan di kantor layanan.",
                "The queue device that printed it has been disabled by the office. You can \
                 still give your feedback at the office.",
            ),
        ),
        RateError::OfficeUnknown(_) => (
            Msg::new(
                "Kantor layanan untuk tautan ini tidak terdaftar",
                "The office of this link is not registered",
            ),
            Msg::new(
                "Penilaian tidak dapat diterima. Sampaikan masukan Anda langsung di kantor \
                 layanan.",
                "The rating cannot be accepted. Please give your feedback at the office.",
            ),
        ),
        RateError::AlreadyRated(Channel::Tablet) => (
            Msg::new(
                "Tiket ini sudah dinilai di tablet loket. Terima kasih.",
                "This ticket has already been rated on the counter's tablet. Thank you.",
            ),
            Msg::new(
                "Setiap tiket dapat dinilai satu kali, di tablet atau lewat kode QR; \
                 penilaian pertama yang disimpan.",
                "Each ticket can be rated once, on the tablet or by QR code; the first rating \
                 is the one kept.",
            ),
        ),
        RateError::AlreadyRated(Channel::Qr) => (
            Msg::new(
                "Tiket ini sudah dinilai. Terima kasih.",
                "This ticket has already been rated. Thank you.",
            ),
            Msg::new(
                "Setiap tiket dapat dinilai satu kali; penilaian pertama yang disimpan.",
                "Each ticket can be rated once; the first rating is the one kept.",
            ),
        ),
        RateError::NotCompleted => (
            Msg::new(
                "Pelayanan Anda belum selesai",
                "Your service is not completed yet",
            ),
            Msg::new(
                "Penilaian dibuka setelah petugas menyelesaikan pelayanan Anda. Halaman ini \
                 akan menampilkan formulirnya.",
                "Rating opens once the officer has completed your service. This page will then \
                 show the form.",
            ),
        ),
        RateError::Invalid(msg) => (
            Msg::new("Penilaian belum lengkap", "The rating is incomplete"),
            msg.clone(),
        ),
        RateError::Request(e) => (
            Msg::new(
                "Penilaian tidak dapat dibaca",
                "The rating could not be read",
            ),
            e.msg.clone(),
        ),
        RateError::Store(_) => (
            Msg::new("Terjadi kesalahan di server", "The server failed"),
            Msg::new(
                "Penilaian Anda belum tersimpan. Coba kirim lagi sebentar lagi.",
                "Your rating was not saved. Please send it again in a moment.",
            ),
        ),
    }
}

/// The form field that skips a half-answered survey (a radio button, once
/// chosen, cannot be cleared without JavaScript).
pub const SKIP_SURVEY_FIELD: &str = "survey";
/// Its value.
pub const SKIP_SURVEY_VALUE: &str = "skip";
/// The hidden form field carrying the page's language, so the answer comes
/// in the language the citizen read even without the cookie.
pub const LANG_FIELD: &str = "lang";

/// What the rating form shows.
#[derive(Debug, Clone)]
pub struct RateForm<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The name of the office that served the citizen.
    pub office_name: &'a str,
    /// Where the form posts: the token itself, a URL relative to the page
    /// (`/r/{token}` posts to `/r/{token}`, also behind a path prefix).
    pub action: &'a str,
    /// The face chosen before (a refused submission shows the choices again).
    pub score: Option<u8>,
    /// Survey answers chosen before, U1..U9.
    pub answers: [Option<u8>; 9],
    /// The comment typed before.
    pub comment: &'a str,
    /// Why the last submission was refused, in `lang`.
    pub error: Option<&'a str>,
    /// The survey was half answered: open it and offer to send without it.
    pub survey_incomplete: bool,
}

impl<'a> RateForm<'a> {
    /// An empty form.
    pub fn new(lang: Lang, office_name: &'a str, action: &'a str) -> RateForm<'a> {
        RateForm {
            lang,
            office_name,
            action,
            score: None,
            answers: [None; 9],
            comment: "",
            error: None,
            survey_incomplete: false,
        }
    }
}

/// The face for score 1..=4: a coloured disc, red (sad) to green (happy),
/// with white eyes and mouth (white on each colour has at least 3:1
/// contrast). Decorative: the label text says the same.
pub fn face(score: u8) -> Markup {
    let (fill, mouth) = match score {
        1 => ("#c62828", "M20 47 Q32 35 44 47"),
        2 => ("#c2410c", "M21 45 Q32 40 43 45"),
        3 => ("#4d7c0f", "M21 41 Q32 48 43 41"),
        _ => ("#2e7d32", "M18 38 Q32 55 46 38"),
    };
    // Child elements are closed explicitly: inside SVG, `<circle>` without
    // `</circle>` would swallow the next shape.
    html! {
        svg viewBox="0 0 64 64" width="56" height="56" aria-hidden="true" focusable="false" {
            circle cx="32" cy="32" r="31" fill=(fill) {}
            circle cx="23" cy="25" r="4.5" fill="#fff" {}
            circle cx="41" cy="25" r="4.5" fill="#fff" {}
            path d=(mouth) fill="none" stroke="#fff" stroke-width="4.5" stroke-linecap="round" {}
        }
    }
}

fn labels(lang: Lang) -> [&'static str; 4] {
    match lang {
        Lang::Id => Score::LABELS_ID,
        Lang::En => Score::LABELS_EN,
    }
}

/// The rating form page.
pub fn rate_page(f: &RateForm<'_>) -> Markup {
    let lang = f.lang;
    let question = lang.pick("Bagaimana pelayanan kami?", "How was our service?");
    let survey_open = f.survey_incomplete || f.answers.iter().any(Option::is_some);
    let content = html! {
        h1 { (lang.pick("Penilaian pelayanan", "Rate our service")) }
        p.office { (f.office_name) }
        form #rate method="post" action=(f.action)
            enctype="application/x-www-form-urlencoded" accept-charset="utf-8" {
            @if let Some(error) = f.error {
                p.error #form-error role="alert" { (error) }
            }
            input type="hidden" name=(LANG_FIELD) value=(lang.tag());
            fieldset.ask {
                legend { (question) }
                div.faces {
                    @for (i, label) in labels(lang).iter().enumerate() {
                        @let value = i as u8 + 1;
                        label.face {
                            input type="radio" name="score" value=(value)
                                checked[f.score == Some(value)];
                            (face(value))
                            span { (label) }
                        }
                    }
                }
            }
            details #survey open[survey_open] {
                summary {
                    (lang.pick(
                        "Survei Kepuasan Masyarakat (opsional)",
                        "Public Satisfaction Survey (optional)",
                    ))
                }
                p.hint {
                    (lang.pick(
                        "Jawab kesembilan pertanyaan, atau lewati survei ini.",
                        "Answer all nine questions, or skip this survey.",
                    ))
                }
                @for (i, element) in ELEMENTS.iter().enumerate() {
                    @let name = format!("u{}", i + 1);
                    fieldset.q data-element=(element.code) {
                        legend {
                            span.code { (element.code) }
                            (element.question(lang))
                        }
                        div.opts {
                            @for value in 1..=4u8 {
                                label.opt {
                                    input type="radio" name=(name) value=(value)
                                        checked[f.answers[i] == Some(value)];
                                    span { (element.label(lang, value)) }
                                }
                            }
                        }
                    }
                }
            }
            label.comment {
                span { (lang.pick("Komentar atau saran (opsional)", "Comment or suggestion (optional)")) }
                textarea name="comment" maxlength=(COMMENT_MAX_CHARS) rows="4" {
                    (f.comment)
                }
            }
            button type="submit" { (lang.pick("Kirim", "Send")) }
            @if f.survey_incomplete {
                button.secondary type="submit" name=(SKIP_SURVEY_FIELD) value=(SKIP_SURVEY_VALUE) {
                    (lang.pick("Kirim tanpa survei", "Send without the survey"))
                }
            }
        }
    };
    page(lang, &format!("{question} · {}", f.office_name), content)
}

/// What the thank-you page repeats back.
#[derive(Debug, Clone)]
pub struct Thanks<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The office rated.
    pub office_name: &'a str,
    /// The face chosen.
    pub score: Score,
    /// Whether the full survey was sent.
    pub survey: bool,
    /// The comment sent, shown as text.
    pub comment: Option<&'a str>,
}

/// The page after a stored rating.
pub fn thanks_page(t: &Thanks<'_>) -> Markup {
    let lang = t.lang;
    let title = lang.pick(
        "Terima kasih atas penilaian Anda",
        "Thank you for your rating",
    );
    let content = html! {
        section #thanks .notice {
            (face(t.score.get()))
            h1 { (title) }
            p.office { (t.office_name) }
            p {
                (lang.pick(
                    "Penilaian Anda sudah kami terima dan membantu kami memperbaiki pelayanan. \
                     Halaman ini boleh ditutup.",
                    "We have received your rating; it helps us improve our service. \
                     You may close this page.",
                ))
            }
            dl.summary {
                dt { (lang.pick("Penilaian", "Rating")) }
                dd { (t.score.label(lang)) }
                @if t.survey {
                    dt { (lang.pick("Survei", "Survey")) }
                    dd { (lang.pick("9 jawaban terkirim", "9 answers sent")) }
                }
                @if let Some(comment) = t.comment {
                    dt { (lang.pick("Komentar", "Comment")) }
                    dd { blockquote { (comment) } }
                }
            }
        }
    };
    page(lang, title, content)
}

/// A refusal: `class` names it (see the module docs), `title` says what
/// happened, `detail` what the citizen can do.
pub fn error_page(lang: Lang, class: &str, title: &str, detail: &str) -> Markup {
    let content = html! {
        section #error class=(format!("notice {class}")) role="alert" {
            h1 { (title) }
            p { (detail) }
        }
    };
    page(lang, title, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn the_form_has_four_faces_nine_survey_elements_with_their_own_labels_and_a_comment() {
        let html = rate_page(&RateForm::new(Lang::Id, "Dukcapil Kupang", "tok.en")).into_string();
        assert_eq!(
            count(
                &html,
                r#"<label class="face"><input type="radio" name="score""#
            ),
            4
        );
        for v in 1..=4 {
            assert!(
                html.contains(&format!(r#"name="score" value="{v}""#)),
                "{html}"
            );
        }
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert!(html.contains(&format!(r#"data-element="{}""#, e.code)));
            for v in 1..=4u8 {
                assert!(html.contains(&format!(r#"name="u{}" value="{v}""#, i + 1)));
                assert!(html.contains(&format!("<span>{}</span>", e.label(Lang::Id, v))));
            }
        }
        assert!(html.contains("Gratis") && html.contains("Dikelola dengan baik"));
        for label in Score::LABELS_ID {
            assert!(html.contains(&format!("<span>{label}</span>")));
        }
        assert!(html.contains("Bagaimana pelayanan kami?"));
        assert!(html.contains("Survei Kepuasan Masyarakat (opsional)"));
        assert!(html.contains(r#"<textarea name="comment" maxlength="500""#));
        assert!(
            html.contains(r#"<form id="rate" method="post" action="tok.en""#),
            "{html}"
        );
        assert!(html.contains(r#"<button type="submit">Kirim</button>"#));
        assert!(!html.contains(r#"class="error""#));
        assert!(
            !html.contains("<details id=\"survey\" open"),
            "closed until used"
        );
    }

    #[test]
    fn a_refused_form_shows_the_message_and_keeps_the_choices() {
        let mut f = RateForm::new(Lang::En, "Office", "t");
        f.score = Some(3);
        f.answers[0] = Some(2);
        f.comment = "</textarea><script>alert(1)</script>";
        f.error = Some("Answer all nine");
        f.survey_incomplete = true;
        let html = rate_page(&f).into_string();
        assert!(
            html.contains(r#"<p class="error" id="form-error" role="alert">Answer all nine</p>"#)
        );
        assert!(html.contains(r#"name="score" value="3" checked"#));
        assert!(html.contains(r#"name="u1" value="2" checked"#));
        assert!(html.contains("<details id=\"survey\" open"));
        assert!(html.contains(r#"name="survey" value="skip""#));
        assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("How was our service?"));
    }

    #[test]
    fn the_thank_you_page_shows_the_comment_as_text() {
        let t = Thanks {
            lang: Lang::Id,
            office_name: "Kantor",
            score: Score::new(4).unwrap(),
            survey: true,
            comment: Some("<script>alert('x')</script> & <b>"),
        };
        let html = thanks_page(&t).into_string();
        assert!(html.contains(r#"id="thanks""#), "{html}");
        assert!(html.contains("Terima kasih atas penilaian Anda"));
        assert!(html.contains("Sangat baik"));
        assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn an_error_page_has_the_error_id_and_its_class() {
        let html = error_page(Lang::Id, "expired", "Kedaluwarsa", "Coba lagi").into_string();
        assert!(
            html.contains(r#"id="error" class="notice expired""#),
            "{html}"
        );
        assert!(html.contains("<h1>Kedaluwarsa</h1>"));
    }
}
