//! The entrance screen: choose a service, take a number, see it big.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{PreEscaped, html};
use shared::ServiceCode;

use super::layout::{Page, error_box, t, ticket_not_found};
use super::print::{self, PRINT_COOKIE};
use crate::error::KioskError;
use crate::routes::AppState;
use crate::state::TicketStatus;
use crate::store::new_ticket_id;

/// `GET /`: large buttons, one per service. `?cetak=58` or `?cetak=80` (set
/// once by the operator on the entrance screen) prints every ticket taken
/// here on paper of that width; `?cetak=tidak` stops it.
pub async fn index(req: HttpRequest, app: web::Data<AppState>) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    let office = app.store.read(|s| s.config.office().clone());
    let printing = httpkit::lang::query_param(&req, PRINT_COOKIE);
    let auto = match printing.as_deref() {
        Some(raw) => print::width_of(Some(raw)),
        None => print::auto_width(&req),
    };
    let mut res = page.render(
        StatusCode::OK,
        &office.name,
        "",
        html! {
            h1.center { (t(lang, "Selamat datang", "Welcome")) " — " (office.name) }
            p.center.muted { (t(lang, "Pilih layanan untuk mengambil nomor antrean.", "Choose a service to take a queue number.")) }
            div.services {
                @for s in &office.services {
                    form method="post" action="/take" {
                        input type="hidden" name="service" value=(s.code);
                        button.service type="submit" data-service=(s.code) {
                            span.prefix { (s.prefix.as_str()) }
                            span.name { (s.name) }
                        }
                    }
                }
            }
            @if let Some(w) = auto {
                p #auto-print.center.muted { (t(lang, "Tiket dicetak otomatis", "Tickets print automatically")) " (" (w) " mm)." }
            }
        },
    );
    // The operator's choice, remembered on this screen for a year.
    if let Some(raw) = printing {
        let cookie = match print::width_of(Some(&raw)) {
            Some(w) => httpkit::cookie::private_cookie(
                &req,
                PRINT_COOKIE,
                &w.to_string(),
                actix_web::cookie::time::Duration::days(365),
            ),
            None => httpkit::cookie::removal(PRINT_COOKIE),
        };
        let _ = res.add_cookie(&cookie);
    }
    res
}

/// The entrance form.
#[derive(serde::Deserialize)]
pub struct TakeForm {
    service: String,
}

/// `POST /take`: issues the ticket, then shows it (post/redirect/get, so a
/// reload never takes a second number).
pub async fn take(
    req: HttpRequest,
    app: web::Data<AppState>,
    form: web::Form<TakeForm>,
) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    if let Err(e) = httpkit::check_same_origin(&req) {
        return page.refusal(e);
    }
    let issued = match ServiceCode::parse(&form.service) {
        Ok(service) => {
            let id = new_ticket_id();
            app.store
                .exec(move |tx| tx.issue_ticket(&service, id))
                .await
        }
        Err(_) => Err(KioskError::UnknownService(form.service.clone())),
    };
    match issued {
        Ok(ticket) => {
            app.tickets_issued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let to = match print::auto_width(&req) {
                Some(w) => format!("/ticket/{}/print?width={w}&auto=1", ticket.id),
                None => format!("/ticket/{}", ticket.id),
            };
            HttpResponse::SeeOther()
                .insert_header((LOCATION, to))
                .finish()
        }
        Err(e) => {
            let status = httpkit::ApiError::from(e).status;
            page.render(
                status,
                t(lang, "Gagal", "Failed"),
                "",
                html! {
                    (error_box(t(lang, "Nomor antrean tidak dapat diambil. Silakan coba lagi atau hubungi petugas.",
                        "Could not take a number. Please try again or ask an officer.")))
                    p { a.button href="/" { (t(lang, "Kembali", "Back")) } }
                },
            )
        }
    }
}

/// `GET /ticket/{id}`: the number, big, how many wait before it, the print
/// button and the phone link's QR code; returns to the entrance screen by
/// itself.
pub async fn ticket(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    let id = shared::TicketId::parse(&path);
    let found = app.store.read(|s| {
        let t = id.and_then(|id| s.tickets.get(&id))?;
        let service = s
            .config
            .office()
            .service(&t.service)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        let link = crate::qr::ticket_link(&s.config.raw, app.kiosk_id, &app.kiosk_key, t);
        Some((
            t.id,
            t.number.to_string(),
            service,
            t.status,
            s.ahead_of(t),
            link,
        ))
    });
    let refresh = html! { meta http-equiv="refresh" content="30;url=/"; };
    let width = print::auto_width(&req).unwrap_or(80);
    match found {
        Some((id, number, service, status, ahead, link)) => page.render_with(
            StatusCode::OK,
            &number,
            "",
            Some(refresh),
            html! {
                div.card.center {
                    p { (t(lang, "Nomor antrean Anda", "Your queue number")) }
                    div #ticket-number.big { (number) }
                    p #ticket-service { strong { (service) } }
                    @if status == TicketStatus::Waiting {
                        p { (t(lang, "Silakan duduk dan menunggu. Nomor Anda akan dipanggil di layar loket.",
                                 "Please take a seat. Your number will be called at a counter.")) }
                        p.muted { (t(lang, "Antrean di depan Anda:", "Waiting before you:")) " " strong #ticket-ahead { (ahead) } }
                    }
                    div.row style="justify-content:center" {
                        a.button #print-ticket href={ "/ticket/" (id) "/print?width=" (width) } { (t(lang, "Cetak tiket", "Print the ticket")) }
                        a.button.secondary href="/" { (t(lang, "Selesai", "Done")) }
                    }
                    div #phone-link {
                        p { strong { (t(lang, "Pantau antrean dari ponsel", "Follow the queue on your phone")) } }
                        div #qr { (PreEscaped(crate::qr::inline_svg(&link))) }
                        p.muted { (t(lang, "Pindai kode ini: ponsel Anda menunjukkan berapa orang lagi sebelum Anda, lalu halaman penilaian setelah dilayani.",
                            "Scan this code: your phone shows how many are before you, then the rating page once you are served.")) }
                    }
                }
            },
        ),
        None => ticket_not_found(&page, id),
    }
}
