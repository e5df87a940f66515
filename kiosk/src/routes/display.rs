//! The display board's data: `GET /api/display` and its stream. Open on the
//! LAN like the dashboard (its token, when one is configured).

use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use shared::wire::Display;

use super::AppState;
use crate::auth::DashboardAccess;

/// The board now.
pub fn current(app: &AppState) -> Display {
    let now = app.store.clock().now();
    app.store.read(|s| s.display(now))
}

/// `GET /api/display`.
pub async fn snapshot(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(current(&app)))
}

/// `GET /api/display/events`: server-sent `display` events (see
/// [`super::stream`]).
pub async fn events(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    super::stream::sse(app, "display", current)
}
