//! The entrance screen: choose a service, take a number, see it big.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use shared::ServiceCode;

use super::layout::{Page, error_box, t};
use crate::error::KioskError;
use crate::routes::AppState;
use crate::state::TicketStatus;
use crate::store::new_ticket_id;

/// `GET /`: large buttons, one per service.
pub async fn index(req: HttpRequest, app: web::Data<AppState>) -> HttpResponse {
    let page = Page::of(&req);
    let lang = page.lang;
    let office = app.store.read(|s| s.config.office().clone());
    page.render(
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
        },
    )
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
            HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/ticket/{}", ticket.id)))
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

/// `GET /ticket/{id}`: the number, big, and how many wait before it; returns
/// to the entrance screen by itself.
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
        let ahead = s
            .waiting()
            .iter()
            .filter(|w| w.service == t.service && (w.issued_at, w.id) < (t.issued_at, t.id))
            .count();
        let service = s
            .config
            .office()
            .service(&t.service)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        Some((t.number.to_string(), service, t.status, ahead))
    });
    let refresh = html! { meta http-equiv="refresh" content="20;url=/"; };
    match found {
        Some((number, service, status, ahead)) => page.render_with(
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
                        p.muted { (t(lang, "Antrean di depan Anda:", "Waiting before you:")) " " strong { (ahead) } }
                    }
                    p.muted { (t(lang, "Ingat atau foto nomor ini.", "Remember or photograph this number.")) }
                    p { a.button href="/" { (t(lang, "Selesai", "Done")) } }
                }
            },
        ),
        None => page.render(
            StatusCode::NOT_FOUND,
            t(lang, "Tidak ditemukan", "Not found"),
            "",
            html! {
                (error_box(t(lang, "Nomor antrean ini tidak ditemukan.", "This ticket was not found.")))
                p { a.button href="/" { (t(lang, "Kembali", "Back")) } }
            },
        ),
    }
}
