//! The forwarder: sends the event log to the collector in sequence order, in
//! signed batches, until every event is acknowledged.
//!
//! At-least-once delivery with exactly-once effect: the collector applies a
//! batch and moves its per-kiosk mark in one transaction, answers the mark,
//! and skips what it already has; so resending after a lost answer is
//! harmless. Events stay in redb until acknowledged (and a retention period
//! after). On 409 the kiosk rewinds to the collector's mark; on network
//! errors, timeouts and 5xx it backs off exponentially with jitter (capped at
//! 30 s); on a 401 carrying the collector's time it measures the clock skew,
//! reports it, and signs with a corrected timestamp. Requests never wait on
//! the forwarder: it only reads the log and records acknowledgements.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use shared::wire::{BatchAck, ErrorBody, OutboxStatus};

use crate::store::Store;
use crate::sync::CollectorClient;

/// How the forwarder paces itself.
#[derive(Debug, Clone, Copy)]
pub struct ForwardSettings {
    /// Most events per batch (the collector takes at most 1,000).
    pub batch_max: usize,
    /// How often to look for new events when idle (new events also wake it).
    pub interval: Duration,
    /// First retry delay after a failure.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_cap: Duration,
}

impl Default for ForwardSettings {
    fn default() -> Self {
        ForwardSettings {
            batch_max: 500,
            interval: Duration::from_secs(2),
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

/// What the forwarder knows about the link, for the outbox and dashboard.
#[derive(Debug, Clone, Default)]
pub struct LinkStatus {
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    /// Since when the collector has not answered.
    pub offline_since: Option<Timestamp>,
    /// Kiosk clock minus collector clock, seconds.
    pub clock_skew_s: Option<i64>,
    /// When the last batch was acknowledged.
    pub last_ack_at: Option<Timestamp>,
}

/// Shared link status.
pub type SharedLink = Arc<Mutex<LinkStatus>>;

/// The outbox as shown by `GET /api/outbox` and the dashboard.
pub fn outbox_status(store: &Store, link: &SharedLink) -> OutboxStatus {
    let link = link.lock().map(|l| l.clone()).unwrap_or_default();
    store.read(|s| OutboxStatus {
        next_seq: s.next_seq,
        acked_through: s.acked_through,
        pending: s.pending_events(),
        last_error: link.last_error,
        clock_skew_s: link.clock_skew_s,
        offline_since: link.offline_since,
        last_ack_at: link.last_ack_at,
    })
}

/// Kiosk clock minus the collector's, from an answer's `Date` header (1 s
/// resolution; the request's travel time is well under that on a LAN/WAN).
fn skew_from_date(res: &reqwest::Response, kiosk_now: Timestamp) -> Option<i64> {
    let date = res.headers().get(reqwest::header::DATE)?.to_str().ok()?;
    let server = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date)
        .ok()?;
    Some(kiosk_now.as_second() - server.as_second())
}

enum Outcome {
    Acked(u64),
    Gap(u64),
    Skew(i64),
    Failed(String, bool),
}

/// The delay before retry number `failures` (1-based): exponential, capped,
/// with "equal jitter" (half fixed, half random) so kiosks that lost the
/// collector together do not return in lockstep.
pub fn backoff(settings: &ForwardSettings, failures: u32) -> Duration {
    let exp = settings
        .backoff_base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let ceiling = exp.min(settings.backoff_cap);
    let mut b = [0u8; 4];
    let r = if getrandom::fill(&mut b).is_ok() {
        u32::from_le_bytes(b)
    } else {
        u32::MAX / 2
    };
    let frac = f64::from(r) / f64::from(u32::MAX);
    ceiling.mul_f64(0.5 + 0.5 * frac)
}

async fn send_batch(client: &CollectorClient, link: &SharedLink, body: Vec<u8>) -> Outcome {
    let req = client.signed(reqwest::Method::POST, "/api/v1/batches", body);
    let res = match req.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(format!("collector unreachable: {e}"), true),
    };
    if let Some(skew) = skew_from_date(&res, client.clock().now())
        && let Ok(mut l) = link.lock()
    {
        if skew.abs() >= 60 && l.clock_skew_s.is_none_or(|old| (old - skew).abs() >= 30) {
            tracing::warn!(
                skew_s = skew,
                "kiosk clock differs from the collector's; fix the kiosk's clock (NTP)"
            );
        }
        l.clock_skew_s = Some(skew);
    }
    let status = res.status();
    let bytes = match res.bytes().await {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(format!("answer lost: {e}"), true),
    };
    match status {
        StatusCode::OK => match serde_json::from_slice::<BatchAck>(&bytes) {
            Ok(ack) => Outcome::Acked(ack.applied_through),
            Err(e) => Outcome::Failed(format!("unreadable acknowledgement: {e}"), false),
        },
        StatusCode::CONFLICT => match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(ErrorBody {
                applied_through: Some(m),
                ..
            }) => Outcome::Gap(m),
            _ => Outcome::Failed("409 without the collector's mark".into(), false),
        },
        StatusCode::UNAUTHORIZED => {
            let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
            let now = client.clock().now().as_second();
            match body.as_ref().and_then(|b| b.server_time) {
                Some(server) if !shared::sign::within_window(now, server) => {
                    Outcome::Skew(now - server)
                }
                _ => Outcome::Failed(
                    format!(
                        "collector refused this kiosk's signature: {}; check --kiosk-id and --kiosk-key",
                        body.map(|b| b.message).unwrap_or_default()
                    ),
                    false,
                ),
            }
        }
        s if s.is_server_error() => {
            Outcome::Failed(format!("collector failed: HTTP {}", s.as_u16()), true)
        }
        s => Outcome::Failed(
            format!(
                "collector refused the batch: HTTP {}: {}",
                s.as_u16(),
                String::from_utf8_lossy(&bytes)
            ),
            false,
        ),
    }
}

/// Forwards until the task is dropped.
pub async fn forward_forever(
    client: CollectorClient,
    store: Arc<Store>,
    link: SharedLink,
    settings: ForwardSettings,
) {
    let mut changed = store.subscribe();
    let mut failures: u32 = 0;
    loop {
        let from = store.read(|s| s.acked_through) + 1;
        let events = {
            let store = Arc::clone(&store);
            tokio::task::spawn_blocking(move || store.events_raw_from(from, settings.batch_max))
                .await
        };
        let events = match events {
            Ok(Ok(e)) => e,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot read the outbox");
                tokio::time::sleep(settings.backoff_cap).await;
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox reader failed");
                tokio::time::sleep(settings.backoff_cap).await;
                continue;
            }
        };
        if events.is_empty() {
            tokio::select! {
                _ = changed.changed() => {}
                _ = tokio::time::sleep(settings.interval) => {}
            }
            continue;
        }
        if events[0].0 != from {
            tracing::error!(
                expected = from,
                found = events[0].0,
                "outbox has a hole; events were lost"
            );
        }
        let mut body =
            Vec::with_capacity(events.iter().map(|(_, e)| e.len() + 1).sum::<usize>() + 40);
        body.extend_from_slice(format!("{{\"first_seq\":{},\"events\":[", events[0].0).as_bytes());
        for (i, (_, raw)) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(raw);
        }
        body.extend_from_slice(b"]}");

        let outcome = send_batch(&client, &link, body).await;
        let now = client.clock().now();
        let mut retry_after = None;
        match outcome {
            Outcome::Acked(mark) | Outcome::Gap(mark) => {
                if let Outcome::Gap(_) = outcome {
                    tracing::warn!(
                        collector_mark = mark,
                        sent_from = from,
                        "collector has a different mark; resending from it"
                    );
                }
                failures = 0;
                if let Ok(mut l) = link.lock() {
                    if l.offline_since.is_some() {
                        tracing::info!("collector reachable again");
                    }
                    l.last_error = None;
                    l.offline_since = None;
                    l.last_ack_at = Some(now);
                }
                if let Err(e) = store
                    .exec(move |tx| {
                        tx.set_acked(mark);
                        Ok(())
                    })
                    .await
                {
                    tracing::error!(error = %e, "cannot record the acknowledgement");
                    retry_after = Some(settings.backoff_cap);
                }
            }
            Outcome::Skew(skew) => {
                tracing::warn!(
                    skew_s = skew,
                    "kiosk clock differs from the collector's; signing with a corrected time"
                );
                client.correct_clock(skew);
                if let Ok(mut l) = link.lock() {
                    l.clock_skew_s = Some(skew);
                    l.last_error = Some(format!("clock skew of {skew} s corrected"));
                }
                failures += 1;
                if failures > 3 {
                    retry_after = Some(backoff(&settings, failures));
                }
            }
            Outcome::Failed(why, offline) => {
                failures += 1;
                let delay = backoff(&settings, failures);
                if failures == 1 || failures.is_multiple_of(10) {
                    tracing::warn!(error = %why, retry_in_ms = delay.as_millis() as u64, "forwarding failed");
                }
                if let Ok(mut l) = link.lock() {
                    l.last_error = Some(why);
                    if offline {
                        l.offline_since.get_or_insert(now);
                    }
                }
                retry_after = Some(delay);
            }
        }
        if let Some(d) = retry_after {
            tokio::time::sleep(d).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_stays_under_the_cap() {
        let s = ForwardSettings::default();
        for failures in 1..40 {
            let d = backoff(&s, failures);
            let ceiling = s
                .backoff_base
                .saturating_mul(1 << (failures - 1).min(16))
                .min(s.backoff_cap);
            assert!(
                d <= ceiling && d >= ceiling / 2,
                "{failures}: {d:?} vs {ceiling:?}"
            );
        }
        assert!(backoff(&s, 30) <= Duration::from_secs(30));
    }
}
