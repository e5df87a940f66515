//! The counter tablet facing the citizen: four faces, then the optional SKM
//! survey, one rating per ticket, thanks, reset. The only page with a script:
//! it has to notice completions by itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{PreEscaped, html};
use shared::Score;
use shared::skm::ELEMENTS;

use super::layout::{Page, counter_not_found, counter_of, face, t};
use crate::routes::AppState;

const SCRIPT: &str = include_str!("tablet.js");

/// `GET /tablet/{counter}`.
pub async fn page(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    let (name, office) = app.store.read(|s| {
        let o = s.config.office();
        (
            o.counter(&counter)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            o.name.clone(),
        )
    });
    let labels = |i: usize| lang.pick(Score::LABELS_ID[i], Score::LABELS_EN[i]);
    page.render_with(
        StatusCode::OK,
        &format!("{name} — {office}"),
        "",
        Some(html! { script { (PreEscaped(SCRIPT)) } }),
        html! {
            div #tablet data-counter=(counter) {
                p.muted.center { (office) " · " (name) }
                section #screen-rate.screen {
                    h1.center { (t(lang, "Bagaimana pelayanan kami?", "How was our service?")) }
                    p #ticket-label.center hidden {
                        (t(lang, "Nomor antrean", "Ticket")) " " strong #ticket-number-label {}
                    }
                    div.faces {
                        @for score in 1..=4u8 {
                            button.face type="button" data-score=(score) {
                                (face(score))
                                span { (labels(usize::from(score - 1))) }
                            }
                        }
                    }
                }
                section #screen-survey.screen hidden {
                    h1 { (t(lang, "Survei Kepuasan Masyarakat", "Public Satisfaction Survey")) }
                    p.muted {
                        (t(lang, "Boleh dilewati. Bantu kami memperbaiki layanan: ", "Optional. Help us improve: "))
                        span #survey-progress { "0" } "/9 " (t(lang, "dijawab", "answered"))
                    }
                    p { button.secondary.skip type="button" { (t(lang, "Lewati survei, kirim penilaian saja", "Skip the survey, just send my rating")) } }
                    @for e in &ELEMENTS {
                        fieldset data-element=(e.code) {
                            legend { (e.code) ". " (e.name(lang)) }
                            div { (e.question(lang)) }
                            div.answers {
                                @for v in 1..=4u8 {
                                    button.answer type="button" data-value=(v) { (e.label(lang, v)) }
                                }
                            }
                        }
                    }
                    label for="comment" { (t(lang, "Saran atau komentar (opsional)", "Suggestion or comment (optional)")) }
                    textarea #comment maxlength="500" {}
                    p #send-error.error hidden data-offline=(t(lang, "Belum terkirim. Periksa jaringan lalu tekan Kirim lagi.", "Not sent yet. Check the network and press Send again.")) {}
                    div.row style="margin-top:1rem" {
                        button #send type="button" { (t(lang, "Kirim", "Send")) }
                        button #skip.secondary.skip type="button" { (t(lang, "Lewati", "Skip")) }
                    }
                }
                section #screen-thanks.screen.center hidden {
                    h1 { (t(lang, "Terima kasih!", "Thank you!")) }
                    p { (t(lang, "Penilaian Anda membantu kami melayani lebih baik.", "Your rating helps us serve you better.")) }
                }
            }
        },
    )
}
