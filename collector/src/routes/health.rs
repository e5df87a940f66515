//! `GET /healthz` and `GET /metrics`: for the operator's monitoring, open
//! (they show counts, never names or NIPs).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use httpkit::metrics::{counter, gauge};
use httpkit::{ApiError, HttpMetrics};
use shared::Msg;

use crate::startup::AppState;
use crate::store::StoreError;

/// Why the collector is not healthy.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// The database does not answer.
    #[error("the database does not answer: {0}")]
    Unavailable(#[from] StoreError),
}

impl From<HealthError> for ApiError {
    fn from(e: HealthError) -> ApiError {
        tracing::error!(error = %e, "health check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            Msg::new(
                "Basis data collector tidak menjawab; periksa disk dan log server.",
                "The collector's database does not answer; check the disk and the server log.",
            ),
        )
    }
}

/// 200 `{"status":"ok"}` when a read transaction succeeds and the ingest
/// writer answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.check().await.map_err(HealthError::from)?;
    if state.store.ingest().storage_failed() {
        return Err(super::batches::storage_unavailable());
    }
    if !state.store.ingest_alive().await {
        return Err(HealthError::Unavailable(StoreError::Task(
            "the ingest writer has stopped".into(),
        ))
        .into());
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

/// Prometheus text: request counters, and the registry's size.
pub async fn metrics(
    state: web::Data<AppState>,
    http: web::Data<HttpMetrics>,
) -> Result<HttpResponse, ApiError> {
    let counts = state.store.counts().await.map_err(HealthError::from)?;
    let mut out = String::new();
    http.render("collector", &mut out);
    gauge(
        &mut out,
        "collector_offices",
        "Offices defined.",
        counts.offices,
    );
    gauge(
        &mut out,
        "collector_kiosks",
        "Kiosks registered.",
        counts.kiosks,
    );
    gauge(
        &mut out,
        "collector_roster_active",
        "Roster rows (ASN) allowed to sign in.",
        counts.roster_active,
    );
    gauge(
        &mut out,
        "collector_qr_ratings",
        "Ratings received from citizens' phones (QR codes).",
        counts.qr_ratings,
    );
    counter(
        &mut out,
        "collector_events_applied_total",
        "Kiosk events applied (each exactly once).",
        counts.events_applied,
    );
    counter(
        &mut out,
        "collector_ratings_total",
        "Ratings recorded from tablets and phones, counted or not.",
        counts.ratings,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}

#[cfg(test)]
mod tests {
    use crate::test_support::{assert_error, spawn_app};

    #[tokio::test]
    async fn healthz_is_200_ok_when_the_database_answers() {
        let app = spawn_app().await;
        let res = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.json::<serde_json::Value>().await.unwrap()["status"],
            "ok"
        );
    }

    #[tokio::test]
    async fn metrics_count_requests_offices_kiosks_and_active_roster_rows() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        app.given_kiosk("kupang").await;
        let roster = "nip,name,office_id,pin,active\n196608011988031001,Budi,kupang,1234,ya\n\
                      198503122021212004,Maria,kupang,5678,0\n";
        assert_eq!(app.put_roster("text/csv", roster).await.status(), 200);
        let res = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = res.text().await.unwrap();
        assert!(text.contains("\ncollector_offices 1\n"), "{text}");
        assert!(text.contains("\ncollector_kiosks 1\n"), "{text}");
        assert!(text.contains("\ncollector_roster_active 1\n"), "{text}");
        assert!(text.contains("\ncollector_qr_ratings 0\n"), "{text}");
        assert!(
            text.contains("collector_http_requests_total{status=\"2xx\"} 3"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn unknown_routes_are_a_json_404_and_wrong_methods_a_json_405() {
        let app = spawn_app().await;
        let res = app
            .client
            .get(format!("{}/nothing/here", app.address))
            .send()
            .await
            .unwrap();
        assert_error(res, 404, "not_found").await;
        let res = app
            .client
            .get(format!("{}/api/v1/roster", app.address))
            .send()
            .await
            .unwrap();
        assert_error(res, 405, "method_not_allowed").await;
        let res = app
            .client
            .delete(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_error(res, 405, "method_not_allowed").await;
    }
}
