//! HTTP routes, registered in one place.

pub mod counters;
pub mod dashboard;
pub mod display;
pub mod ratings;
pub mod stream;
mod system;
mod tablets;
mod tickets;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix_web::web;
use httpkit::{ApiError, Gate};
use shared::{CounterId, KioskId, Msg, TicketId};

use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    /// Storage and state.
    pub store: Arc<Store>,
    /// This kiosk.
    pub kiosk_id: KioskId,
    /// This kiosk's secret, for QR tokens.
    pub kiosk_key: String,
    /// SHA-256 of the dashboard token, when one is required.
    pub dashboard_token_hash: Option<[u8; 32]>,
    /// SHA-256 of the operator's token (pairs tablets).
    pub operator_token_hash: [u8; 32],
    /// Bounds concurrent argon2 PIN checks: a burst of sign-ins waits or is
    /// refused instead of exhausting memory.
    pub pin_gate: Gate,
    /// Bounds open event streams (dashboards, display boards).
    pub streams: Gate,
    /// Tickets issued since start.
    pub tickets_issued: AtomicU64,
    /// Ratings taken since start.
    pub ratings_taken: AtomicU64,
    /// The forwarder's view of the link to the collector.
    pub link: crate::forward::SharedLink,
    /// The data directory (backups are staged there).
    pub data_dir: std::path::PathBuf,
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::pages::configure(cfg);
    cfg.service(resource("/api/tickets").route(web::post().to(tickets::issue)))
        .service(
            resource("/api/tickets/{ticket_id}/complete").route(web::post().to(tickets::complete)),
        )
        .service(
            resource("/api/tickets/{ticket_id}/abandon").route(web::post().to(tickets::abandon)),
        )
        .service(
            resource("/api/tickets/{ticket_id}/transfer").route(web::post().to(tickets::transfer)),
        )
        .service(resource("/api/tickets/{ticket_id}/qr.svg").route(web::get().to(tickets::qr_svg)))
        .service(
            resource("/api/counters/{counter}/session")
                .route(web::post().to(counters::sign_in))
                .route(web::delete().to(counters::sign_out)),
        )
        .service(resource("/api/counters/{counter}/next").route(web::post().to(counters::next)))
        .service(resource("/api/counters/{counter}/recall").route(web::post().to(counters::recall)))
        .service(
            resource("/api/counters/{counter}/break").route(web::post().to(counters::set_break)),
        )
        .service(
            resource("/api/counters/{counter}/current").route(web::get().to(counters::current)),
        )
        .service(
            resource("/api/counters/{counter}/tablets")
                .route(web::post().to(tablets::pair))
                .route(web::delete().to(tablets::revoke)),
        )
        .service(resource("/api/ratings").route(web::post().to(ratings::create)))
        .service(resource("/api/dashboard").route(web::get().to(dashboard::snapshot)))
        .service(resource("/api/dashboard/events").route(web::get().to(dashboard::events)))
        .service(resource("/api/display").route(web::get().to(display::snapshot)))
        .service(resource("/api/display/events").route(web::get().to(display::events)))
        .service(resource("/audio/{clip}").route(web::get().to(crate::audio::serve)))
        .service(resource("/favicon.svg").route(web::get().to(httpkit::page::favicon)))
        .service(resource("/favicon.ico").route(web::get().to(httpkit::page::favicon)))
        .service(resource("/api/outbox").route(web::get().to(dashboard::outbox)))
        .service(resource("/api/backup").route(web::get().to(system::backup)))
        .service(resource("/healthz").route(web::get().to(system::healthz)))
        .service(resource("/metrics").route(web::get().to(system::metrics)));
}

/// A resource that answers a JSON 405 to methods it does not take (actix's
/// default is an empty body, and docs/API.md wants every error in JSON).
pub(crate) fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        Msg::new(
            "Alamat ini tidak menerima metode ini; lihat docs/API.md",
            "This address does not take this method; see docs/API.md",
        ),
    ))
}

/// A counter id from a path; a malformed one cannot exist, so 404.
fn counter_in_path(raw: &str) -> Result<CounterId, ApiError> {
    CounterId::parse(raw).map_err(|_| {
        crate::error::KioskError::UnknownCounter(raw.chars().take(40).collect()).into()
    })
}

/// A ticket id from a path; a malformed one cannot exist, so 404.
fn ticket_in_path(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).ok_or_else(|| crate::error::KioskError::UnknownTicket.into())
}

/// 422 for a malformed id inside a body.
fn invalid_id(field: &str) -> ApiError {
    ApiError::invalid(Msg::new(
        format!("{field} tidak berbentuk id yang benar"),
        format!("{field} is not a well-formed id"),
    ))
}
