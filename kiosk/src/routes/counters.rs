//! Counters: ASN sign in and out, call the next ticket; the tablet asks
//! which completed ticket awaits a rating.

use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::{ApiError, JsonBody};
use shared::secret::Pin;
use shared::wire::{BreakChange, SessionCreated, SignIn};
use shared::{CounterId, Nip};

use super::{AppState, counter_in_path};
use crate::auth::{
    CounterSession, TabletAuth, new_token, session_cookie, session_cookie_removal, token_hash,
    verify_pin,
};
use crate::error::KioskError;
use crate::state::check_can_sign_in;

/// Signs an ASN in at a counter: validates, checks the PIN off the async
/// threads (at most a few at a time, through the PIN gate), records the
/// outcome (and lockout count) through the writer. Gives the new session
/// token. Used by the API and the console page.
pub async fn sign_in_flow(
    app: &AppState,
    counter: CounterId,
    nip: &str,
    pin: &str,
) -> Result<String, ApiError> {
    let nip = Nip::parse(nip).map_err(|e| ApiError::invalid(e.msg()))?;
    let pin = Pin::parse(pin).map_err(|e| ApiError::invalid(e.msg()))?;
    let now = app.store.clock().now();
    let hash = app.store.read(|s| {
        s.config.counter(&counter)?;
        check_can_sign_in(s, &nip, now)
    })?;
    // Argon2 is deliberately slow and takes megabytes: verify on the
    // blocking pool, a bounded number at a time, then record the outcome
    // (and the lockout count) through the writer.
    let pass = app.pin_gate.enter().await?;
    let pin_ok = web::block(move || verify_pin(&pin, &hash))
        .await
        .map_err(ApiError::unexpected)?;
    drop(pass);
    let token = new_token()?;
    let hashed = token_hash(&token);
    app.store
        .exec(move |tx| tx.sign_in(&counter, &nip, pin_ok, hashed))
        .await?;
    Ok(token)
}

/// `POST /api/counters/{counter}/session`: sign in with NIP and PIN.
pub async fn sign_in(
    req: HttpRequest,
    app: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody<SignIn>,
) -> Result<HttpResponse, ApiError> {
    let counter = counter_in_path(&path)?;
    let SignIn { nip, pin } = body.0;
    let token = sign_in_flow(&app, counter, &nip, &pin).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&req, &token))
        .json(SessionCreated { session: token }))
}

fn same_counter(path: &str, session: &crate::state::Session) -> Result<(), ApiError> {
    let counter = counter_in_path(path)?;
    if counter != session.counter {
        return Err(KioskError::OtherCounter.into());
    }
    Ok(())
}

/// `DELETE /api/counters/{counter}/session`: sign out.
pub async fn sign_out(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    same_counter(&path, &session)?;
    app.store
        .exec(move |tx| {
            let now = tx.now;
            tx.end_session(&session.token_hash, now);
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie_removal())
        .finish())
}

/// `POST /api/counters/{counter}/next`: call the oldest waiting ticket this
/// counter serves; 204 when nobody waits.
pub async fn next(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    same_counter(&path, &session)?;
    let called = app.store.exec(move |tx| tx.call_next(&session)).await?;
    Ok(match called {
        Some(t) => HttpResponse::Ok().json(t.view()),
        None => HttpResponse::NoContent().finish(),
    })
}

/// `GET /api/counters/{counter}/current` (a tablet of the counter): the
/// completed ticket awaiting a rating on this counter's tablet; 204 when
/// none.
pub async fn current(
    TabletAuth(tablet): TabletAuth,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let counter = counter_in_path(&path)?;
    if counter != tablet.counter {
        return Err(KioskError::WrongTablet.into());
    }
    let now = app.store.clock().now();
    let ticket = app.store.read(|s| {
        s.config.counter(&counter)?;
        Ok::<_, KioskError>(s.awaiting_rating(&counter, now).map(|t| t.view()))
    })?;
    Ok(match ticket {
        Some(t) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(t),
        None => HttpResponse::NoContent()
            .insert_header(("Cache-Control", "no-store"))
            .finish(),
    })
}

/// `POST /api/counters/{counter}/recall`: calls the ticket being served
/// here again on the display board; 409 when nothing is being served.
pub async fn recall(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    same_counter(&path, &session)?;
    let t = app.store.exec(move |tx| tx.recall(&session)).await?;
    Ok(HttpResponse::Ok().json(t.view()))
}

/// `POST /api/counters/{counter}/break` `{"on"}`: starts or ends a break
/// (istirahat); 409 while a ticket is being served. Answers the state.
pub async fn set_break(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
    body: JsonBody<BreakChange>,
) -> Result<HttpResponse, ApiError> {
    same_counter(&path, &session)?;
    let on = body.0.on;
    app.store.exec(move |tx| tx.set_break(&session, on)).await?;
    Ok(HttpResponse::Ok().json(BreakChange { on }))
}
