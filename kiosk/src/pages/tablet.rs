//! The counter tablet facing the citizen: four faces, then the optional SKM
//! survey, one rating per ticket, thanks, reset. It has to notice
//! completions by itself, hence its script (`/static/tablet.js`).
//!
//! Only a paired tablet shows the rating screen: the operator creates a
//! one-time pairing link (`POST /api/counters/{counter}/tablets`), opening it
//! here stores the tablet's token in an HttpOnly cookie. Any other browser
//! gets a page telling the operator how to pair it.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use shared::skm::ELEMENTS;
use shared::{CounterId, Lang, Score};

use super::layout::{Page, counter_not_found, counter_of, error_box, face, t};
use crate::auth::{new_token, tablet_cookie, tablet_of, token_hash};
use crate::routes::AppState;

/// What the operator needs to pair this tablet.
fn unpaired(
    lang: Lang,
    counter: &CounterId,
    name: &str,
    other: Option<&CounterId>,
    err: Option<&str>,
) -> Markup {
    html! {
        div #unpaired.card {
            h1 { (name) " — " (t(lang, "tablet belum dipasangkan", "tablet not paired")) }
            @if let Some(e) = err { (error_box(e)) }
            @if let Some(other) = other {
                p.notice { (t(lang, "Tablet ini dipasangkan untuk loket lain:", "This tablet is paired with another counter:")) " " strong { (other) } ". "
                    a href={ "/tablet/" (other) } { (t(lang, "Buka tablet loket itu", "Open that counter's tablet")) } }
            }
            p { (t(lang, "Penilaian hanya diterima dari tablet yang dipasangkan oleh operator TI kantor. Warga: silakan menilai lewat kode QR dari petugas.",
                       "Ratings are taken only from tablets paired by the office's IT operator. Citizens: please rate with the QR code from the officer.")) }
            h2 { (t(lang, "Untuk operator", "For the operator")) }
            ol {
                li { (t(lang, "Di komputer operator, buat tautan pemasangan dengan token operator kiosk:", "On the operator's computer, create a pairing link with the kiosk's operator token:"))
                    pre.cmd { "curl -X POST -H \"Authorization: Bearer TOKEN_OPERATOR\" http://KIOSK/api/counters/" (counter) "/tablets" } }
                li { (t(lang, "Buka pair_url dari jawabannya di tablet ini (berlaku sekali, 15 menit). Tablet lalu menampilkan layar penilaian.",
                           "Open the answer's pair_url on this tablet (it works once, for 15 minutes). The tablet then shows the rating screen.")) }
                li { (t(lang, "Tablet hilang? DELETE pada alamat yang sama mencabut semua tablet loket ini.",
                           "Tablet lost? DELETE on the same address revokes every tablet of this counter.")) }
            }
        }
    }
}

/// `GET /tablet/{counter}`: the rating screen on a paired tablet; with
/// `?pair=CODE`, pairs this browser first; the pairing instructions
/// otherwise.
pub async fn page(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let mut page = Page::of(&req);
    let lang = page.lang;
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    if let Some(code) = httpkit::lang::query_param(&req, "pair") {
        let token = match new_token() {
            Ok(t) => t,
            Err(e) => return page.refusal(e.into()),
        };
        let (code_h, token_h) = (token_hash(&code), token_hash(&token));
        let c = counter.clone();
        let redeemed = app
            .store
            .exec(move |tx| tx.redeem_pair_code(&c, &code_h, token_h))
            .await;
        return match redeemed {
            Ok(()) => {
                tracing::info!(%counter, "tablet paired");
                HttpResponse::SeeOther()
                    .insert_header((LOCATION, format!("/tablet/{counter}")))
                    .cookie(tablet_cookie(&req, &token))
                    .finish()
            }
            Err(e) => {
                let e = httpkit::ApiError::from(e);
                let msg = e.msg.get(lang).to_owned();
                let name = counter_name(&app, &counter);
                page.render(
                    e.status,
                    &name,
                    "",
                    unpaired(lang, &counter, &name, None, Some(&msg)),
                )
            }
        };
    }
    let tablet = tablet_of(&req, &app);
    if tablet.as_ref().map(|t| &t.counter) != Some(&counter) {
        let name = counter_name(&app, &counter);
        let other = tablet.as_ref().map(|t| &t.counter);
        return page.render(
            StatusCode::OK,
            &name,
            "",
            unpaired(lang, &counter, &name, other, None),
        );
    }
    page.scripts = &["/static/tablet.js"];
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
    page.render(
        StatusCode::OK,
        &format!("{name} — {office}"),
        "",
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
                    p #send-error.error hidden role="alert" data-offline=(t(lang, "Belum terkirim. Periksa jaringan lalu tekan Kirim lagi.", "Not sent yet. Check the network and press Send again.")) {}
                    div.row style="margin-top:1rem" {
                        button #send type="button" { (t(lang, "Kirim", "Send")) }
                        button #skip.secondary.skip type="button" { (t(lang, "Lewati", "Skip")) }
                    }
                }
                section #screen-thanks.screen.center hidden {
                    h1 { (t(lang, "Terima kasih!", "Thank you!")) }
                    p { (t(lang, "Penilaian Anda membantu kami melayani lebih baik.", "Your rating helps us serve you better.")) }
                }
                section #screen-notice.screen.center hidden {
                    h1 { (t(lang, "Penilaian tidak terkirim", "The rating was not sent")) }
                    p #notice-text role="alert" {}
                }
            }
        },
    )
}

fn counter_name(app: &AppState, counter: &CounterId) -> String {
    app.store
        .read(|s| s.config.office().counter(counter).map(|c| c.name.clone()))
        .unwrap_or_default()
}
