//! The office head's dashboard data and the outbox state.

use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use jiff::Timestamp;
use shared::wire::{Dashboard, QueueEntry, Today};

use super::AppState;
use crate::auth::DashboardAccess;
use crate::forward::outbox_status;
use crate::state::{KioskState, TicketStatus};

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Builds the snapshot shown on the dashboard.
pub fn build(s: &KioskState, now: Timestamp) -> Dashboard {
    let office = s.config.office();
    let today = office.tz.day_of(now);
    let queue = s
        .waiting()
        .into_iter()
        .map(|t| QueueEntry {
            ticket_id: t.id,
            number: t.number.to_string(),
            service: t.service.to_string(),
            waiting_s: now.duration_since(t.issued_at).as_secs().max(0),
        })
        .collect();
    let counters = s.counter_statuses(now);
    let on_today = |ts: Option<Timestamp>| ts.is_some_and(|t| office.tz.day_of(t) == today);
    let (mut issued, mut served, mut abandoned) = (0, 0, 0);
    let (mut waits, mut services) = (Vec::new(), Vec::new());
    for t in s.tickets.values() {
        if t.day == today {
            issued += 1;
        }
        if on_today(t.called_at) {
            waits.extend(t.wait_s());
        }
        if t.status == TicketStatus::Completed && on_today(t.completed_at) {
            served += 1;
            services.extend(t.service_s());
        }
        if t.status == TicketStatus::Abandoned && on_today(t.abandoned_at) {
            abandoned += 1;
        }
    }
    waits.sort_unstable();
    services.sort_unstable();
    let ratings = s.ratings_by_day.get(&today).copied().unwrap_or_default();
    Dashboard {
        office_id: office.id.to_string(),
        now,
        queue,
        counters,
        today: Today {
            issued,
            served,
            abandoned,
            wait_p50_s: percentile(&waits, 0.5),
            wait_p90_s: percentile(&waits, 0.9),
            service_p50_s: percentile(&services, 0.5),
            ratings: ratings.count,
            score_mean: (ratings.count > 0)
                .then(|| ratings.score_sum as f64 / ratings.count as f64),
        },
        outbox: None,
    }
}

/// `GET /api/dashboard`.
pub async fn snapshot(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    let now = app.store.clock().now();
    let mut d = app.store.read(|s| build(s, now));
    d.outbox = Some(outbox_status(&app.store, &app.link));
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(d))
}

/// `GET /api/dashboard/events`: server-sent events, the dashboard snapshot
/// on every committed change (and every 15 s, so waiting times move and
/// proxies keep the stream open). At most a bounded number of streams are
/// open at once (429 beyond), each holding its place until it closes.
pub async fn events(
    app: web::Data<AppState>,
    _: DashboardAccess,
) -> Result<HttpResponse, ApiError> {
    let pass = app.streams.try_enter()?;
    let rx = app.store.subscribe();
    let app = app.into_inner();
    let stream = futures_util::stream::unfold(
        (rx, app, true, pass),
        |(mut rx, app, first, pass)| async move {
            if !first {
                let changed =
                    tokio::time::timeout(std::time::Duration::from_secs(15), rx.changed()).await;
                if let Ok(Err(_)) = changed {
                    return None; // The store is gone: the server is stopping.
                }
            }
            let now = app.store.clock().now();
            let mut d = app.store.read(|s| build(s, now));
            d.outbox = Some(outbox_status(&app.store, &app.link));
            let json = serde_json::to_string(&d).unwrap_or_else(|_| "{}".into());
            let frame = actix_web::web::Bytes::from(format!("event: snapshot\ndata: {json}\n\n"));
            Some((
                Ok::<_, std::convert::Infallible>(frame),
                (rx, app, false, pass),
            ))
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// `GET /api/outbox`.
pub async fn outbox(app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(outbox_status(&app.store, &app.link)))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(percentile(&(1..=10).collect::<Vec<_>>(), 0.9), Some(9));
    }
}
