//! The office head's dashboard data and the outbox state.

use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use jiff::Timestamp;
use shared::floor::{FloorTicket, figures};
use shared::wire::{Dashboard, Today};

use super::AppState;
use crate::auth::DashboardAccess;
use crate::forward::outbox_status;
use crate::state::{KioskState, Ticket};

/// The floor's view of a ticket.
pub fn floor_ticket(t: &Ticket) -> FloorTicket {
    FloorTicket {
        id: t.id,
        number: t.number.to_string(),
        service: t.service.clone(),
        issued_at: t.issued_at,
        called_at: t.called_at,
        completed_at: t.completed_at,
        abandoned_at: t.abandoned_at,
        transferred: t.transferred_from.is_some(),
    }
}

/// Builds the snapshot shown on the dashboard.
pub fn build(s: &KioskState, now: Timestamp) -> Dashboard {
    let office = s.config.office();
    let today = office.tz.day_of(now);
    let tickets: Vec<FloorTicket> = s.tickets.values().map(floor_ticket).collect();
    let f = figures(office, &tickets, now);
    let ratings = s.ratings_by_day.get(&today).copied().unwrap_or_default();
    Dashboard {
        office_id: office.id.to_string(),
        now,
        queue: f.queue,
        counters: s.counter_statuses(now),
        today: Today {
            ratings: ratings.count,
            score_mean: (ratings.count > 0)
                .then(|| ratings.score_sum as f64 / ratings.count as f64),
            ..f.today
        },
        hours: f.hours,
        queue_profile: f.queue_profile,
        late: f.late,
        outbox: None,
    }
}

/// The dashboard as its page and stream show it: the state now and the
/// link to the collector.
pub fn current(app: &AppState) -> Dashboard {
    let now = app.store.clock().now();
    let mut d = app.store.read(|s| build(s, now));
    d.outbox = Some(outbox_status(&app.store, &app.link));
    d
}

/// `GET /api/dashboard`.
pub async fn snapshot(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(current(&app)))
}

/// `GET /api/dashboard/events`: server-sent `snapshot` events (see
/// [`super::stream`]).
pub async fn events(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    super::stream::sse(app, "snapshot", current)
}

/// `GET /api/outbox`: open on the office LAN (the operator's monitoring
/// reads it without the dashboard's token; it shows no names).
pub async fn outbox(app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(outbox_status(&app.store, &app.link)))
}
