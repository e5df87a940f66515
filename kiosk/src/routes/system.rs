//! Health and metrics.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use httpkit::HttpMetrics;
use httpkit::metrics::{counter, gauge};

use super::AppState;

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(app: web::Data<AppState>) -> HttpResponse {
    if !app.store.storage_failed() && app.store.ping().await {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({
            "error": "unavailable", "message": "database not answering"
        }))
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(app: web::Data<AppState>, http: web::Data<HttpMetrics>) -> HttpResponse {
    let mut out = String::new();
    http.render("kiosk", &mut out);
    counter(
        &mut out,
        "kiosk_tickets_issued_total",
        "Tickets issued since start.",
        app.tickets_issued.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "kiosk_ratings_total",
        "Ratings taken since start.",
        app.ratings_taken.load(Ordering::Relaxed),
    );
    let (queue, pending, next_seq) = app
        .store
        .read(|s| (s.waiting().len(), s.pending_events(), s.next_seq));
    gauge(
        &mut out,
        "kiosk_queue_length",
        "Tickets waiting now.",
        queue,
    );
    gauge(
        &mut out,
        "kiosk_outbox_depth",
        "Events not yet acknowledged by the collector.",
        pending,
    );
    gauge(
        &mut out,
        "kiosk_outbox_next_seq",
        "Sequence number of the next event.",
        next_seq,
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}

/// `GET /api/backup` (operator token): a consistent copy of the kiosk's
/// database, taken from one read transaction while it keeps serving, as a
/// redb file. `kiosk backup --to FILE` fetches it.
pub async fn backup(
    _operator: crate::auth::OperatorAuth,
    app: web::Data<AppState>,
) -> Result<HttpResponse, httpkit::ApiError> {
    httpkit::backup::respond(
        app.store.database(),
        app.data_dir.clone(),
        "kiosk",
        crate::backup::tables,
    )
    .await
}
