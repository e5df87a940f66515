//! Request counting and access logs, and the Prometheus text helpers both
//! servers use for `GET /metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

/// HTTP request counters by status class.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    by_class: [AtomicU64; 5],
    duration_us: AtomicU64,
}

impl HttpMetrics {
    /// Counts one answered request.
    pub fn record(&self, status: u16, micros: u64) {
        let class = usize::from((status / 100).clamp(1, 5) - 1);
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// Appends the request counters in Prometheus text format.
    pub fn render(&self, prefix: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP {prefix}_http_requests_total HTTP requests answered, by status class."
        );
        let _ = writeln!(out, "# TYPE {prefix}_http_requests_total counter");
        for (i, c) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "{prefix}_http_requests_total{{status=\"{}xx\"}} {}",
                i + 1,
                c.load(Ordering::Relaxed)
            );
        }
        let secs = self.duration_us.load(Ordering::Relaxed) as f64 / 1e6;
        counter(
            out,
            &format!("{prefix}_http_request_duration_seconds_total"),
            "Time spent answering HTTP requests.",
            secs,
        );
    }
}

/// Appends a counter.
pub fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

/// Appends a gauge.
pub fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// Middleware: counts every request in the app's [`HttpMetrics`] and logs it
/// by route pattern (never the raw path, which may carry a token).
pub async fn log_and_count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    if let Some(m) = metrics {
        m.record(status, micros);
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    if status >= 500 {
        tracing::error!(%method, %route, status, micros, "request failed");
    } else if status >= 400 {
        tracing::info!(%method, %route, status, micros, "request refused");
    } else {
        tracing::debug!(%method, %route, status, micros, "request");
    }
    Ok(res)
}
