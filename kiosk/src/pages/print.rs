//! A ticket laid out for a thermal printer, through the browser's print
//! (`/ticket/{ticket_id}/print?width=58|80`): the number big, the service,
//! the office, the date and time, how many wait ahead, and the QR code of
//! the ticket's phone link. The page is the paper's width with no margins
//! (`@page`), so the browser prints it as it is shown.
//!
//! `&auto=1` (the entrance in kiosk mode, see [`PRINT_COOKIE`]) prints at
//! once and goes back to the entrance when the print dialog closes; a
//! browser started with `--kiosk-printing` prints without a dialog.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{PreEscaped, html};

use super::layout::{Page, error_box, t, ticket_not_found};
use crate::qr;
use crate::routes::AppState;

/// The cookie that makes the entrance print every ticket it issues, on
/// paper of this width (`58` or `80`), set by opening `/?cetak=58`.
pub const PRINT_COOKIE: &str = "cetak";

/// The paper widths the layout is made for, in millimetres.
pub const WIDTHS: [u32; 2] = [58, 80];

const CSS: &str = include_str!("print.css");

/// A width from a query or the cookie: 58 or 80.
pub fn width_of(raw: Option<&str>) -> Option<u32> {
    let w: u32 = raw?.trim_end_matches("mm").parse().ok()?;
    WIDTHS.contains(&w).then_some(w)
}

/// The paper width the entrance prints on by itself, if it does.
pub fn auto_width(req: &HttpRequest) -> Option<u32> {
    width_of(req.cookie(PRINT_COOKIE).as_ref().map(|c| c.value()))
}

/// `GET /ticket/{ticket_id}/print?width=58|80[&auto=1]`.
pub async fn page(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let mut page = Page::of(&req);
    let lang = page.lang;
    let raw_width = httpkit::lang::query_param(&req, "width");
    let Some(width) = raw_width.as_deref().map_or(Some(80), |w| width_of(Some(w))) else {
        return page.render(
            StatusCode::BAD_REQUEST,
            t(lang, "Lebar kertas tidak dikenal", "Unknown paper width"),
            "",
            html! {
                (error_box(t(lang, "Lebar kertas harus 58 atau 80 (mm).", "The paper width must be 58 or 80 (mm).")))
                p { a.button href="/" { (t(lang, "Kembali", "Back")) } }
            },
        );
    };
    let auto = httpkit::lang::query_param(&req, "auto").as_deref() == Some("1");
    let id = shared::TicketId::parse(&path);
    let found = app.store.read(|s| {
        let t = id.and_then(|id| s.tickets.get(&id))?;
        let office = s.config.office();
        let service = office
            .service(&t.service)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        let link = qr::ticket_link(&s.config.raw, app.kiosk_id, &app.kiosk_key, t);
        let issued = office.tz.zoned(t.issued_at);
        let when = format!(
            "{} {}",
            issued.strftime("%d-%m-%Y %H:%M"),
            office.tz.abbreviation(t.issued_at)
        );
        Some((
            t.id,
            t.number.to_string(),
            service,
            office.name.clone(),
            when,
            s.ahead_of(t),
            link,
        ))
    });
    let Some((id, number, service, office, when, ahead, link)) = found else {
        return ticket_not_found(&page, id);
    };
    page.scripts = &["/static/print.js"];
    // The page size follows the paper: `@page` cannot take a variable, so
    // each width has its own rule, picked by the body's class.
    page.render_screen(
        &number,
        CSS,
        html! {
            div #print data-auto=(if auto { "1" } else { "0" }) {
                div.controls {
                    button #print-now type="button" { (t(lang, "Cetak", "Print")) }
                    @for w in WIDTHS {
                        @if w != width {
                            a.button.secondary href={ "/ticket/" (id) "/print?width=" (w) } { (w) " mm" }
                        }
                    }
                    a.button.secondary href="/" { (t(lang, "Selesai", "Done")) }
                }
                // The paper without a script; print.js fits the height.
                style { "@page{size:" (width) "mm 160mm;margin:0}" }
                article #slip class={ "slip w" (width) } data-width=(width) {
                    p.office { (office) }
                    p.label { (t(lang, "Nomor antrean", "Queue number")) }
                    p #slip-number.number { (number) }
                    p #slip-service.service { (service) }
                    p #slip-when.when { (when) }
                    p #slip-ahead.ahead {
                        @if ahead == 0 {
                            (t(lang, "Tidak ada antrean di depan Anda", "Nobody is waiting before you"))
                        } @else {
                            (ahead) " " (t(lang, "orang di depan Anda", "waiting before you"))
                        }
                    }
                    div #slip-qr.qr { (PreEscaped(qr::inline_svg(&link))) }
                    p.hint { (t(lang, "Pindai untuk melihat antrean dari ponsel Anda dan menilai layanan setelah selesai.",
                        "Scan to follow the queue on your phone and rate the service afterwards.")) }
                }
            }
        },
    )
}
