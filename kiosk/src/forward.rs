//! The forwarder: sends the event log to the collector in sequence order, in
//! signed batches, until every event is acknowledged.
//!
//! At-least-once delivery with exactly-once effect: the collector applies a
//! batch and moves its per-(kiosk, instance) mark in one transaction, answers
//! the mark, and skips what it already has; so resending after a lost answer
//! is harmless. Events stay in redb until acknowledged (and a retention
//! period after).
//!
//! Answers and what the forwarder does:
//! - 200: the mark; acknowledged through it.
//! - 409 `gap`: the collector has less (it was restored from a backup):
//!   rewind to its mark and resend.
//! - 409 `diverged`: the collector holds other events under this database's
//!   identity (this file was restored from a backup, or copied): continue
//!   under a new identity from the first event it does not have, and say so
//!   on the dashboard and in `/api/outbox` for a day. Nothing recorded here
//!   is dropped.
//! - 401 with the collector's time outside the window: correct the clock.
//! - network errors, timeouts and 5xx: back off exponentially with jitter
//!   (capped at 30 s).
//! - any other refusal (a 4xx: the collector will not take these events):
//!   back off the same way and raise an alarm for the operator; a refusal
//!   never turns into a tight retry loop, and neither do repeated 409s.
//!
//! Requests never wait on the forwarder: it only reads the log and records
//! acknowledgements.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::value::RawValue;
use shared::InstanceId;
use shared::wire::{Batch, BatchAck, ErrorBody, OutboxStatus};

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

/// Something the operator must see on the dashboard and in `/api/outbox`.
#[derive(Debug, Clone)]
pub struct Alarm {
    /// What happened and what to do.
    pub message: String,
    /// Since when.
    pub since: Timestamp,
    /// A refusal: cleared by the next accepted batch. Otherwise (a new
    /// identity) it stays for [`NOTICE_HOURS`].
    pub clears_on_success: bool,
}

/// How long the notice of a new database identity stays up.
pub const NOTICE_HOURS: i64 = 24;
/// 409s in a row (without an accepted batch) before the forwarder slows
/// down and raises an alarm.
const CONFLICTS_BEFORE_ALARM: u32 = 3;

/// What the forwarder knows about the link, for the outbox and dashboard.
#[derive(Debug, Clone, Default)]
pub struct LinkStatus {
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    /// Since when the collector has not answered.
    pub offline_since: Option<Timestamp>,
    /// Kiosk machine clock minus collector clock, seconds.
    pub clock_skew_s: Option<i64>,
    /// When the last batch was acknowledged.
    pub last_ack_at: Option<Timestamp>,
    /// What the operator must look at.
    pub alarm: Option<Alarm>,
}

/// Shared link status.
pub type SharedLink = Arc<Mutex<LinkStatus>>;

/// The outbox as shown by `GET /api/outbox` and the dashboard.
pub fn outbox_status(store: &Store, link: &SharedLink) -> OutboxStatus {
    let link = link.lock().map(|l| l.clone()).unwrap_or_default();
    let now = store.clock().now();
    let alarm = link.alarm.filter(|a| {
        a.clears_on_success
            || now.duration_since(a.since) < SignedDuration::from_hours(NOTICE_HOURS)
    });
    store.read(|s| OutboxStatus {
        next_seq: s.next_seq,
        acked_through: s.acked_through,
        pending: s.pending_events(),
        last_error: link.last_error,
        clock_skew_s: link.clock_skew_s,
        offline_since: link.offline_since,
        last_ack_at: link.last_ack_at,
        instance_id: Some(s.instance),
        instance_first_seq: Some(s.instance_first_seq),
        alarm: alarm.map(|a| a.message),
    })
}

enum Outcome {
    Acked(u64),
    Gap(u64),
    Diverged(u64),
    Skew(i64),
    /// Why, and whether the collector was unreachable (rather than refusing).
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

/// The batch body for stored events (sent as stored, not re-encoded).
fn batch_body(instance: InstanceId, events: Vec<(u64, Vec<u8>)>) -> Result<Vec<u8>, String> {
    let first_seq = events.first().map(|(s, _)| *s).unwrap_or(1);
    let events = events
        .into_iter()
        .map(|(seq, raw)| {
            String::from_utf8(raw)
                .ok()
                .and_then(|text| RawValue::from_string(text).ok())
                .ok_or_else(|| format!("stored event {seq} is damaged"))
        })
        .collect::<Result<Vec<Box<RawValue>>, String>>()?;
    serde_json::to_vec(&Batch {
        first_seq,
        instance: Some(instance),
        events,
    })
    .map_err(|e| e.to_string())
}

async fn send_batch(client: &CollectorClient, link: &SharedLink, body: Vec<u8>) -> Outcome {
    let req = client.signed(reqwest::Method::POST, "/api/v1/batches", body);
    let res = match req.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(format!("collector unreachable: {e}"), true),
    };
    if let Some(skew) = client.observe_date(&res)
        && let Ok(mut l) = link.lock()
    {
        if skew.abs() >= 60 && l.clock_skew_s.is_none_or(|old| (old - skew).abs() >= 30) {
            tracing::warn!(
                skew_s = skew,
                "kiosk clock differs from the collector's; using the collector's time (fix the \
                 kiosk's clock with NTP)"
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
                error,
                applied_through: Some(m),
                ..
            }) if error == "diverged" => Outcome::Diverged(m),
            Ok(ErrorBody {
                applied_through: Some(m),
                ..
            }) => Outcome::Gap(m),
            _ => Outcome::Failed("409 without the collector's mark".into(), false),
        },
        StatusCode::UNAUTHORIZED => {
            let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
            let now = client.clock().collector_now().as_second();
            match body.as_ref().and_then(|b| b.server_time) {
                Some(server) if !shared::sign::within_window(now, server) => {
                    Outcome::Skew(client.clock().machine_now().as_second() - server)
                }
                _ => Outcome::Failed(
                    format!(
                        "collector refused this kiosk's signature: {}; check --kiosk-id and \
                         --kiosk-key (a disabled kiosk or a rotated key is refused too)",
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
                serde_json::from_slice::<ErrorBody>(&bytes)
                    .map(|b| b.message)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned())
            ),
            false,
        ),
    }
}

fn raise(link: &SharedLink, message: String, now: Timestamp, clears_on_success: bool) {
    if let Ok(mut l) = link.lock() {
        let same = l.alarm.as_ref().is_some_and(|a| a.message == message);
        if !same {
            l.alarm = Some(Alarm {
                message,
                since: now,
                clears_on_success,
            });
        }
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
    let mut conflicts: u32 = 0;
    loop {
        let (from, instance) = store.read(|s| (s.acked_through + 1, s.instance));
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
        let outcome = match batch_body(instance, events) {
            Ok(body) => send_batch(&client, &link, body).await,
            Err(e) => Outcome::Failed(e, false),
        };
        let now = client.clock().now();
        let mut retry_after = None;
        match outcome {
            Outcome::Acked(mark) | Outcome::Gap(mark) => {
                let gap = matches!(outcome, Outcome::Gap(_));
                if gap {
                    conflicts += 1;
                    tracing::warn!(
                        collector_mark = mark,
                        sent_from = from,
                        "collector has a different mark; resending from it"
                    );
                    if conflicts > CONFLICTS_BEFORE_ALARM {
                        raise(
                            &link,
                            format!(
                                "The collector keeps asking for events from {} again ({} times \
                                 in a row); forwarding slowed down. Check the collector.",
                                mark + 1,
                                conflicts
                            ),
                            now,
                            true,
                        );
                        retry_after = Some(backoff(&settings, conflicts - CONFLICTS_BEFORE_ALARM));
                    }
                } else {
                    conflicts = 0;
                }
                failures = 0;
                if let Ok(mut l) = link.lock() {
                    if l.offline_since.is_some() {
                        tracing::info!("collector reachable again");
                    }
                    l.last_error = None;
                    l.offline_since = None;
                    if !gap {
                        l.last_ack_at = Some(now);
                        if l.alarm.as_ref().is_some_and(|a| a.clears_on_success) {
                            l.alarm = None;
                        }
                    }
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
            Outcome::Diverged(through) => {
                conflicts += 1;
                let next = InstanceId(uuid::Uuid::now_v7());
                let from_seq = through + 1;
                tracing::error!(
                    old_instance = %instance,
                    new_instance = %next,
                    from_seq,
                    "the collector holds other events under this database's identity (restored \
                     from a backup or copied?); continuing under a new identity"
                );
                raise(
                    &link,
                    format!(
                        "This kiosk's database looks restored from a backup or copied: the \
                         collector already had other events under its identity. Nothing is \
                         lost: events from {from_seq} on are sent under the new identity {next}."
                    ),
                    now,
                    false,
                );
                if let Err(e) = store
                    .exec(move |tx| {
                        tx.start_instance(next, from_seq);
                        Ok(())
                    })
                    .await
                {
                    tracing::error!(error = %e, "cannot record the new identity");
                    retry_after = Some(settings.backoff_cap);
                } else if conflicts > CONFLICTS_BEFORE_ALARM {
                    retry_after = Some(backoff(&settings, conflicts - CONFLICTS_BEFORE_ALARM));
                }
            }
            Outcome::Skew(skew) => {
                tracing::warn!(
                    skew_s = skew,
                    "kiosk clock differs from the collector's; using the collector's time"
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
                if !offline {
                    raise(&link, why.clone(), now, true);
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
