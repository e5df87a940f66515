//! The counter console for the ASN: sign in with NIP and PIN (the session
//! lives in an HttpOnly cookie), see the queue, call, complete or abandon,
//! show the completed ticket's QR code, sign out. Plain forms, no JavaScript:
//! every action posts, then redirects back (post/redirect/get).

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::ApiError;
use maud::{Markup, PreEscaped, html};
use shared::{CounterId, Lang, TicketId};

use super::layout::{Page, counter_not_found, counter_of, duration, error_box, t};
use crate::auth::{session_cookie, session_cookie_removal, session_of};
use crate::qr;
use crate::routes::AppState;
use crate::routes::counters::sign_in_flow;
use crate::state::Session;

fn back_to(counter: &CounterId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/counter/{counter}")))
        .finish()
}

/// `GET /counter/{counter}`.
pub async fn page(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let page = Page::of(&req);
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    render(&page, &req, &app, &counter, None)
}

fn render(
    page: &Page,
    req: &HttpRequest,
    app: &AppState,
    counter: &CounterId,
    error: Option<ApiError>,
) -> HttpResponse {
    let lang = page.lang;
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let err = error.map(|e| e.msg.get(lang).to_owned());
    let session = session_of(req, app).filter(|s| &s.counter == counter);
    let name = app
        .store
        .read(|s| s.config.office().counter(counter).map(|c| c.name.clone()))
        .unwrap_or_default();
    match session {
        None => page.render(
            status,
            &name,
            "",
            signin_view(lang, counter, &name, err.as_deref()),
        ),
        Some(session) => {
            let (body, refresh) = console_view(lang, app, &session, &name, err.as_deref());
            let head = refresh.then(|| html! { meta http-equiv="refresh" content="15"; });
            page.render_with(status, &name, "", head, body)
        }
    }
}

fn signin_view(lang: Lang, counter: &CounterId, name: &str, err: Option<&str>) -> Markup {
    html! {
        h1 { (name) " — " (t(lang, "Masuk petugas", "Staff sign-in")) }
        @if let Some(e) = err { (error_box(e)) }
        form #signin.card method="post" action={ "/counter/" (counter) "/login" } {
            label for="nip" { "NIP" }
            input #nip type="text" name="nip" inputmode="numeric" autocomplete="username" required
                placeholder="19660801 198803 1 001";
            label for="pin" { "PIN" }
            input #pin type="password" name="pin" inputmode="numeric" autocomplete="current-password"
                required minlength="4" maxlength="8" pattern="[0-9]{4,8}";
            p { button type="submit" { (t(lang, "Masuk", "Sign in")) } }
            p.muted { (t(lang, "Lima kali PIN salah mengunci NIP selama 5 menit.", "Five wrong PINs lock the NIP for 5 minutes.")) }
        }
    }
}

/// The signed-in console; also says whether the page should refresh itself
/// (only while idle, so the ASN sees the queue grow).
fn console_view(
    lang: Lang,
    app: &AppState,
    session: &Session,
    name: &str,
    err: Option<&str>,
) -> (Markup, bool) {
    let now = app.store.clock().now();
    let view = app.store.read(|s| {
        let cfg = &s.config;
        let services = cfg
            .office()
            .counter(&session.counter)
            .map(|c| c.services.clone())
            .unwrap_or_default();
        let queue = s
            .waiting()
            .iter()
            .filter(|t| services.contains(&t.service))
            .count();
        let staff = cfg
            .staff(&session.nip)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let svc_name = |code| {
            cfg.office()
                .service(code)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        };
        let serving = s
            .serving_at(&session.counter)
            .map(|t| (t.id, t.number.to_string(), svc_name(&t.service), t.wait_s()));
        let done = s.awaiting_rating(&session.counter, now).map(|t| {
            (
                t.number.to_string(),
                qr::rating_url(&cfg.raw, app.kiosk_id, &app.kiosk_key, t),
            )
        });
        (queue, staff, serving, done)
    });
    let (queue, staff, serving, done) = view;
    let c = &session.counter;
    let markup = html! {
        div.row style="justify-content:space-between" {
            h1 { (name) }
            form #signout method="post" action={ "/counter/" (c) "/logout" } {
                button.secondary type="submit" { (t(lang, "Keluar", "Sign out")) }
            }
        }
        p { (t(lang, "Petugas:", "Officer:")) " " strong #staff-name { (staff) } }
        @if let Some(e) = err { (error_box(e)) }
        div.stats {
            div.stat { div { (t(lang, "Menunggu", "Waiting")) } div.v #queue-length { (queue) } }
        }
        @if let Some((id, number, service, wait)) = &serving {
            div.card.center {
                p { (t(lang, "Sedang dilayani", "Now serving")) }
                div #serving-number.big { (number) }
                p { strong { (service) } }
                @if let Some(w) = wait { p.muted { (t(lang, "Lama menunggu:", "Waited:")) " " (duration(lang, *w)) } }
                div.row style="justify-content:center" {
                    form #complete method="post" action={ "/counter/" (c) "/complete" } {
                        input type="hidden" name="ticket_id" value=(id);
                        button type="submit" { (t(lang, "Selesai dilayani", "Service completed")) }
                    }
                    form #abandon method="post" action={ "/counter/" (c) "/abandon" } {
                        input type="hidden" name="ticket_id" value=(id);
                        button.danger type="submit" { (t(lang, "Tidak hadir", "No-show")) }
                    }
                }
            }
        } @else {
            @if let Some((number, url)) = &done {
                div.card.center {
                    p { strong { (number) } " — " (t(lang, "minta warga menilai layanan: pindai kode QR ini atau gunakan tablet.",
                        "ask the citizen to rate the service: scan this QR code or use the tablet.")) }
                    div #qr { (PreEscaped(qr_inline(url))) }
                    p #rating-url.url { (url) }
                }
            }
            form #call-next.center method="post" action={ "/counter/" (c) "/next" } {
                button type="submit" style="min-width:16rem" { (t(lang, "Panggil berikutnya", "Call next")) }
            }
            @if queue == 0 { p.notice.center { (t(lang, "Belum ada antrean untuk loket ini.", "Nobody is waiting for this counter.")) } }
        }
    };
    (markup, serving.is_none() && done.is_none())
}

/// The QR code as inline SVG (without the XML prolog, which HTML does not
/// take). The text is our own signed URL, never user input.
fn qr_inline(url: &str) -> String {
    match qr::svg(url) {
        Ok(svg) => svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or(svg),
        Err(_) => String::new(),
    }
}

/// The sign-in form.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    nip: String,
    pin: String,
}

/// `POST /counter/{counter}/login`.
pub async fn login(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let page = Page::of(&req);
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    if let Err(e) = httpkit::check_same_origin(&req) {
        return render(&page, &req, &app, &counter, Some(e));
    }
    let LoginForm { nip, pin } = form.into_inner();
    match sign_in_flow(&app, counter.clone(), &nip, &pin).await {
        Ok(token) => {
            let mut res = back_to(&counter);
            let _ = res.add_cookie(&session_cookie(&req, &token));
            res
        }
        Err(e) => render(&page, &req, &app, &counter, Some(e)),
    }
}

/// `POST /counter/{counter}/logout`.
pub async fn logout(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let page = Page::of(&req);
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    if let Err(e) = httpkit::check_same_origin(&req) {
        return render(&page, &req, &app, &counter, Some(e));
    }
    if let Some(session) = session_of(&req, &app).filter(|s| s.counter == counter) {
        let r = app
            .store
            .exec(move |tx| {
                let now = tx.now;
                tx.end_session(&session.token_hash, now);
                Ok(())
            })
            .await;
        if let Err(e) = r {
            return render(&page, &req, &app, &counter, Some(e.into()));
        }
    }
    let mut res = back_to(&counter);
    let _ = res.add_cookie(&session_cookie_removal());
    res
}

/// A form naming a ticket.
#[derive(serde::Deserialize)]
pub struct TicketForm {
    ticket_id: String,
}

async fn act(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    action: impl FnOnce(&mut crate::state::Tx<'_>, &Session) -> Result<(), crate::error::KioskError>
    + Send
    + 'static,
) -> HttpResponse {
    let page = Page::of(&req);
    let Some(counter) = counter_of(&app, &path) else {
        return counter_not_found(&page);
    };
    if let Err(e) = httpkit::check_same_origin(&req) {
        return render(&page, &req, &app, &counter, Some(e));
    }
    let Some(session) = session_of(&req, &app).filter(|s| s.counter == counter) else {
        return render(
            &page,
            &req,
            &app,
            &counter,
            Some(crate::error::KioskError::NotSignedIn.into()),
        );
    };
    match app.store.exec(move |tx| action(tx, &session)).await {
        Ok(()) => back_to(&counter),
        Err(e) => render(&page, &req, &app, &counter, Some(e.into())),
    }
}

fn ticket_id(form: &TicketForm) -> Result<TicketId, crate::error::KioskError> {
    TicketId::parse(&form.ticket_id).ok_or(crate::error::KioskError::UnknownTicket)
}

/// `POST /counter/{counter}/next`.
pub async fn next(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    act(req, app, path, |tx, s| tx.call_next(s).map(|_| ())).await
}

/// `POST /counter/{counter}/complete`.
pub async fn complete(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TicketForm>,
) -> HttpResponse {
    let id = ticket_id(&form);
    act(req, app, path, move |tx, s| tx.complete(s, id?).map(|_| ())).await
}

/// `POST /counter/{counter}/abandon`.
pub async fn abandon(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TicketForm>,
) -> HttpResponse {
    let id = ticket_id(&form);
    act(req, app, path, move |tx, s| tx.abandon(s, id?).map(|_| ())).await
}
