//! Server-sent event streams for the screens on the office LAN (the
//! dashboard, the display board): a snapshot when the stream opens, then
//! one on every committed change and every 15 s (so times move and proxies
//! keep the stream open). At most a bounded number of streams are open at
//! once (429 beyond), each holding its place until it closes.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use httpkit::ApiError;

use super::AppState;

/// How often a snapshot goes out when nothing changes.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// The stream of `event` frames, each carrying `snapshot(app)` as JSON.
pub fn sse<T: serde::Serialize + 'static>(
    app: web::Data<AppState>,
    event: &'static str,
    snapshot: fn(&AppState) -> T,
) -> Result<HttpResponse, ApiError> {
    let pass = app.streams.try_enter()?;
    let rx = app.store.subscribe();
    let app: Arc<AppState> = app.into_inner();
    let stream = futures_util::stream::unfold(
        (rx, app, true, pass),
        move |(mut rx, app, first, pass)| async move {
            if !first {
                let changed = tokio::time::timeout(HEARTBEAT, rx.changed()).await;
                if let Ok(Err(_)) = changed {
                    return None; // The store is gone: the server is stopping.
                }
            }
            let json = serde_json::to_string(&snapshot(&app)).unwrap_or_else(|_| "{}".into());
            let frame = Bytes::from(format!("event: {event}\ndata: {json}\n\n"));
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
