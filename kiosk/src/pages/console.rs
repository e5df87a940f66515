//! The counter console for the ASN: sign in with NIP and PIN (the session
//! lives in an HttpOnly cookie), see the queue, call, complete or abandon,
//! call again (recall), transfer to another service, take a break, show the
//! completed ticket's QR code, sign out. Plain forms: every action posts,
//! then redirects back (post/redirect/get); the only script
//! (`/static/console.js`) keeps the elapsed service time running.

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
            let mut page = *page;
            page.scripts = &["/static/console.js"];
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

/// The ticket being served, as the console shows it.
struct Serving {
    id: TicketId,
    number: String,
    service: String,
    wait_s: Option<i64>,
    called_at: jiff::Timestamp,
    /// The other services of the office (code, name): where it can go on to.
    others: Vec<(String, String)>,
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
        let serving = s.serving_at(&session.counter).map(|t| Serving {
            id: t.id,
            number: t.number.to_string(),
            service: svc_name(&t.service),
            wait_s: t.wait_s(),
            called_at: t.called_at.unwrap_or(now),
            others: cfg
                .office()
                .services
                .iter()
                .filter(|x| x.code != t.service)
                .map(|x| (x.code.to_string(), x.name.clone()))
                .collect(),
        });
        let done = s.awaiting_rating(&session.counter, now).map(|t| {
            (
                t.number.to_string(),
                qr::rating_url(&cfg.raw, app.kiosk_id, &app.kiosk_key, t),
            )
        });
        let on_break = s
            .sessions
            .get(&session.token_hash)
            .is_some_and(|x| x.on_break);
        (queue, staff, serving, done, on_break)
    });
    let (queue, staff, serving, done, on_break) = view;
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
        @if let Some(sv) = &serving {
            div.card.center #serving {
                p { (t(lang, "Sedang dilayani", "Now serving")) }
                div #serving-number.big { (sv.number) }
                p { strong { (sv.service) } }
                @if let Some(w) = sv.wait_s { p.muted { (t(lang, "Lama menunggu:", "Waited:")) " " (duration(lang, w)) } }
                p { (t(lang, "Lama layanan:", "Service time:")) " "
                    @let elapsed = now.duration_since(sv.called_at).as_secs().max(0);
                    strong #service-elapsed data-elapsed=(elapsed) data-lang=(lang.tag()) { (duration(lang, elapsed)) } }
                div.row style="justify-content:center" {
                    form #complete method="post" action={ "/counter/" (c) "/complete" } {
                        input type="hidden" name="ticket_id" value=(sv.id);
                        button type="submit" { (t(lang, "Selesai dilayani", "Service completed")) }
                    }
                    form #recall method="post" action={ "/counter/" (c) "/recall" } {
                        button.secondary type="submit" { (t(lang, "Panggil ulang", "Call again")) }
                    }
                    form #abandon method="post" action={ "/counter/" (c) "/abandon" } {
                        input type="hidden" name="ticket_id" value=(sv.id);
                        button.danger type="submit" { (t(lang, "Tidak hadir", "No-show")) }
                    }
                }
                @if !sv.others.is_empty() {
                    form #transfer.row style="justify-content:center;margin-top:1rem" method="post" action={ "/counter/" (c) "/transfer" } {
                        input type="hidden" name="ticket_id" value=(sv.id);
                        label for="transfer-service" style="margin:0" { (t(lang, "Alihkan ke layanan:", "Transfer to service:")) }
                        select #transfer-service name="service" required {
                            @for (code, svc) in &sv.others { option value=(code) { (svc) } }
                        }
                        button.secondary type="submit" { (t(lang, "Alihkan", "Transfer")) }
                    }
                    p.muted { (t(lang, "Mengalihkan menyelesaikan layanan ini; warga menunggu di depan antrean layanan berikutnya dengan nomor yang sama.",
                        "A transfer completes this service; the citizen waits at the front of the next service's queue with the same number.")) }
                }
            }
        } @else {
            @if let Some((number, url)) = &done {
                div.card.center {
                    p { strong { (number) } " — " (t(lang, "minta warga menilai layanan: pindai kode QR ini atau gunakan tablet.",
                        "ask the citizen to rate the service: scan this QR code or use the tablet.")) }
                    div #qr { (PreEscaped(qr::inline_svg(url))) }
                    p #rating-url.url { (url) }
                }
            }
            @if on_break {
                p #on-break.notice.center { (t(lang, "Anda sedang istirahat: loket ini tidak memanggil antrean.",
                    "You are on a break: this counter calls nobody.")) }
            }
            div.row style="justify-content:center" {
                form #call-next method="post" action={ "/counter/" (c) "/next" } {
                    button type="submit" style="min-width:16rem" { (t(lang, "Panggil berikutnya", "Call next")) }
                }
                form #break method="post" action={ "/counter/" (c) "/break" } {
                    input type="hidden" name="on" value=(if on_break { "0" } else { "1" });
                    button.secondary type="submit" {
                        @if on_break { (t(lang, "Selesai istirahat", "End the break")) }
                        @else { (t(lang, "Istirahat", "Take a break")) }
                    }
                }
            }
            @if queue == 0 { p.notice.center { (t(lang, "Belum ada antrean untuk loket ini.", "Nobody is waiting for this counter.")) } }
        }
    };
    (markup, serving.is_none() && done.is_none())
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

/// `POST /counter/{counter}/recall`.
pub async fn recall(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    act(req, app, path, |tx, s| tx.recall(s).map(|_| ())).await
}

/// The break form: `on` is `1` to start one, `0` to end it.
#[derive(serde::Deserialize)]
pub struct BreakForm {
    on: String,
}

/// `POST /counter/{counter}/break`.
pub async fn set_break(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<BreakForm>,
) -> HttpResponse {
    let on = form.on == "1";
    act(req, app, path, move |tx, s| tx.set_break(s, on).map(|_| ())).await
}

/// The transfer form.
#[derive(serde::Deserialize)]
pub struct TransferForm {
    ticket_id: String,
    service: String,
}

/// `POST /counter/{counter}/transfer`.
pub async fn transfer(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TransferForm>,
) -> HttpResponse {
    let id = TicketId::parse(&form.ticket_id).ok_or(crate::error::KioskError::UnknownTicket);
    let service = shared::ServiceCode::parse(&form.service)
        .map_err(|_| crate::error::KioskError::UnknownService(form.service.clone()));
    let new_id = crate::store::new_ticket_id();
    act(req, app, path, move |tx, s| {
        tx.transfer(s, id?, &service?, new_id).map(|_| ())
    })
    .await
}
