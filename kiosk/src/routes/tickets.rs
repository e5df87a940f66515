//! Tickets: take a number; complete or abandon one; its QR code.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use httpkit::{ApiError, JsonBody};
use shared::ServiceCode;
use shared::wire::{Completed, NewTicket, NewTransfer};

use super::{AppState, invalid_id, ticket_in_path};
use crate::auth::CounterSession;
use crate::error::KioskError;
use crate::qr;
use crate::state::TicketStatus;
use crate::store::new_ticket_id;

/// `POST /api/tickets`: a citizen takes a number.
pub async fn issue(
    app: web::Data<AppState>,
    body: JsonBody<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let service = ServiceCode::parse(&body.0.service).map_err(|_| invalid_id("service"))?;
    let id = new_ticket_id();
    let ticket = app
        .store
        .exec(move |tx| tx.issue_ticket(&service, id))
        .await?;
    app.tickets_issued.fetch_add(1, Ordering::Relaxed);
    let mut view = ticket.view();
    view.status = None;
    Ok(HttpResponse::Created().json(view))
}

/// `POST /api/tickets/{ticket_id}/complete`: service finished; answers the
/// rating link and its QR code.
pub async fn complete(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let ticket = app.store.exec(move |tx| tx.complete(&session, id)).await?;
    let config = app.store.read(|s| s.config.clone());
    let rating_url = qr::rating_url(&config.raw, app.kiosk_id, &app.kiosk_key, &ticket);
    let qr_svg = qr::svg(&rating_url).map_err(ApiError::unexpected)?;
    Ok(HttpResponse::Ok().json(Completed { rating_url, qr_svg }))
}

/// `POST /api/tickets/{ticket_id}/abandon`: a no-show.
pub async fn abandon(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let ticket = app.store.exec(move |tx| tx.abandon(&session, id)).await?;
    Ok(HttpResponse::Ok().json(ticket.view()))
}

/// `POST /api/tickets/{ticket_id}/transfer` `{"service"}`: the citizen served
/// here goes on to another service. This transaction is completed now; the
/// answer (201) is the visit's next ticket, with the same number, waiting
/// ahead of new arrivals for that service.
pub async fn transfer(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
    body: JsonBody<NewTransfer>,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let service = ServiceCode::parse(&body.0.service).map_err(|_| invalid_id("service"))?;
    let new_id = new_ticket_id();
    let next = app
        .store
        .exec(move |tx| tx.transfer(&session, id, &service, new_id))
        .await?;
    Ok(HttpResponse::Created().json(next.view()))
}

/// `GET /api/tickets/{ticket_id}/qr.svg`: the QR code of a completed
/// ticket's rating link, for the counter that served it.
pub async fn qr_svg(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let (ticket, config) = app
        .store
        .read(|s| (s.tickets.get(&id).cloned(), s.config.clone()));
    let ticket = ticket.ok_or(KioskError::UnknownTicket)?;
    if ticket.counter.as_ref() != Some(&session.counter) {
        return Err(KioskError::NotYourTicket.into());
    }
    if ticket.status != TicketStatus::Completed {
        return Err(KioskError::NotCompleted.into());
    }
    let url = qr::rating_url(&config.raw, app.kiosk_id, &app.kiosk_key, &ticket);
    let svg = qr::svg(&url).map_err(ApiError::unexpected)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "no-store"))
        .body(svg))
}
