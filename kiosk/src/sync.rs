//! Talking to the collector: signed requests, and the office configuration
//! and roster that the kiosk fetches at start and every few minutes.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use shared::KioskId;
use shared::sign::{self, HEADER_KIOSK_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use shared::wire::{ErrorBody, KioskConfig};

use crate::clock::Clock;
use crate::state::Pruned;
use crate::store::Store;

/// Why a call to the collector failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Network error, timeout, or 5xx: try again later.
    #[error("collector unreachable: {0}")]
    Unreachable(String),
    /// The collector refused the request.
    #[error("collector refused ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its message.
        message: String,
        /// Its clock, when it said (401).
        server_time: Option<i64>,
    },
    /// The answer did not decode.
    #[error("collector answer did not decode: {0}")]
    Decode(String),
}

/// A signed client for one kiosk. Every answer's `Date` header corrects the
/// kiosk clock ([`Clock::set_skew`]), so signatures, events and QR expiry
/// all use the collector's time even when the kiosk's clock is off.
#[derive(Clone)]
pub struct CollectorClient {
    http: reqwest::Client,
    base: String,
    kiosk_id: KioskId,
    key: String,
    clock: Clock,
}

/// Machine clock minus the collector's, from an answer's `Date` header (1 s
/// resolution; the request's travel time is well under that on a LAN/WAN).
pub fn skew_from_date(res: &reqwest::Response, machine_now: jiff::Timestamp) -> Option<i64> {
    let date = res.headers().get(reqwest::header::DATE)?.to_str().ok()?;
    let server = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(date)
        .ok()?;
    Some(machine_now.as_second() - server.as_second())
}

impl CollectorClient {
    /// A client for the collector at `base`.
    pub fn new(
        base: &str,
        kiosk_id: KioskId,
        key: String,
        clock: Clock,
    ) -> Result<CollectorClient, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("layanan-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok(CollectorClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            kiosk_id,
            key,
            clock,
        })
    }

    /// Builds a signed request (body signed as given; empty for GET).
    pub fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let ts = self.clock.collector_now().as_second();
        let sig = sign::sign_request(&self.key, ts, &body);
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header(HEADER_KIOSK_ID, self.kiosk_id.to_string())
            .header(HEADER_TIMESTAMP, ts.to_string())
            .header(HEADER_SIGNATURE, sig);
        if !body.is_empty() {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        req
    }

    /// Sends a request and reads a JSON answer, classifying failures.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let res = req
            .send()
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        self.observe_date(&res);
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        if status.is_server_error() {
            return Err(SyncError::Unreachable(format!("HTTP {}", status.as_u16())));
        }
        if status != StatusCode::OK && status != StatusCode::CREATED {
            let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
            return Err(SyncError::Refused {
                status: status.as_u16(),
                message: body.as_ref().map(|b| b.message.clone()).unwrap_or_default(),
                server_time: body.and_then(|b| b.server_time),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Decode(e.to_string()))
    }

    /// Corrects the kiosk clock by `skew_s` (machine minus collector).
    pub fn correct_clock(&self, skew_s: i64) {
        self.clock.set_skew(skew_s);
    }

    /// Measures the skew from an answer's `Date` header and corrects the
    /// clock by it; gives the skew.
    pub fn observe_date(&self, res: &reqwest::Response) -> Option<i64> {
        let skew = skew_from_date(res, self.clock.machine_now())?;
        self.clock.set_skew(skew);
        Some(skew)
    }

    /// The kiosk clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// `GET /api/v1/kiosks/{id}/config`. A refusal for clock skew (401 with
    /// the collector's time outside the window) corrects the signing clock
    /// and tries once more.
    pub async fn fetch_config(&self) -> Result<KioskConfig, SyncError> {
        let signed_at = self.clock.collector_now().as_second();
        match self.fetch_config_once().await {
            Err(SyncError::Refused {
                status: 401,
                server_time: Some(server),
                ..
            }) if !sign::within_window(signed_at, server) => {
                let skew = self.clock.machine_now().as_second() - server;
                tracing::warn!(
                    skew_s = skew,
                    "kiosk clock differs from the collector's; using the collector's time"
                );
                self.correct_clock(skew);
                self.fetch_config_once().await
            }
            other => other,
        }
    }

    async fn fetch_config_once(&self) -> Result<KioskConfig, SyncError> {
        let path = format!("/api/v1/kiosks/{}/config", self.kiosk_id);
        let config: KioskConfig = self
            .send_json(self.signed(reqwest::Method::GET, &path, Vec::new()))
            .await?;
        if config.kiosk_id != self.kiosk_id {
            return Err(SyncError::Decode(
                "configuration is for another kiosk".into(),
            ));
        }
        Ok(config)
    }
}

/// Refreshes configuration and roster every `every` while the collector
/// answers; keeps the cached one otherwise.
pub async fn refresh_config_forever(client: CollectorClient, store: Arc<Store>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        match client.fetch_config().await {
            Ok(config) => {
                let applied = store
                    .exec(move |tx| {
                        let changed = tx.state.config.raw != config;
                        if changed {
                            tx.set_config(config);
                        }
                        Ok(changed)
                    })
                    .await;
                match applied {
                    Ok(true) => {
                        tracing::info!("configuration and roster updated from the collector")
                    }
                    Ok(false) => tracing::debug!("configuration unchanged"),
                    Err(e) => tracing::error!(error = %e, "could not save the new configuration"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "configuration refresh failed; keeping the cached one")
            }
        }
    }
}

/// Tickets and ratings deleted per transaction: a large backlog (a first
/// start after an upgrade, a collector back after a long outage) is pruned
/// in many small transactions, each one job of the writer among the others.
pub const PRUNE_CHUNK: usize = 1000;
/// Prune transactions per housekeeping round, at most (the rest waits for the
/// next minute).
pub const PRUNE_CHUNKS_PER_ROUND: usize = 20;

/// What one housekeeping round pruned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekeeping {
    /// Acknowledged events were deleted up to this sequence.
    pub events_through: Option<u64>,
    /// Tickets, ratings and daily numbering deleted.
    pub pruned: Pruned,
}

/// Every minute, one [`housekeeping_once`].
pub async fn housekeeping_forever(store: Arc<Store>, retention: Duration) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        housekeeping_once(&store, retention).await;
    }
}

/// Ends expired sessions, forgets expired pairing links and old tickets
/// from memory, prunes acknowledged events older than `retention` from the
/// log, then acknowledged tickets and ratings older than `retention` (never
/// today's, never open ones: [`prune_records`]). Failures are logged; the
/// next round tries again.
pub async fn housekeeping_once(store: &Arc<Store>, retention: Duration) -> Housekeeping {
    let r = store
        .exec(|tx| {
            tx.expire_sessions();
            tx.expire_pair_codes();
            let today = tx.state.config.office().tz.day_of(tx.now);
            tx.state.forget_old(today);
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "housekeeping failed");
    }
    let mut done = Housekeeping::default();
    let cutoff = store.clock().now()
        - jiff::SignedDuration::try_from(retention).unwrap_or(jiff::SignedDuration::MAX);
    let acked = store.read(|s| s.acked_through);
    let s2 = Arc::clone(store);
    let prunable =
        tokio::task::spawn_blocking(move || s2.prunable_through(acked, cutoff, 10_000)).await;
    if let Ok(Ok(Some(through))) = prunable {
        let r = store
            .exec(move |tx| {
                tx.prune_through(through);
                Ok(())
            })
            .await;
        match r {
            Ok(()) => {
                done.events_through = Some(through);
                tracing::info!(through, "pruned acknowledged events past retention");
            }
            Err(e) => tracing::error!(error = %e, "pruning failed"),
        }
    }
    done.pruned = prune_records(store, retention, PRUNE_CHUNK, PRUNE_CHUNKS_PER_ROUND).await;
    done
}

/// Prunes tickets and ratings the collector acknowledged (every event naming
/// them is at or below the mark) that are older than `retention`, and the
/// daily numbering of past days, in transactions of at most `chunk` tickets
/// and `chunk` ratings, at most `max_chunks` of them. Never today's tickets
/// or ratings, never an open ticket or one still awaiting its rating on the
/// tablet. Logs the counts at info; gives them.
pub async fn prune_records(
    store: &Arc<Store>,
    retention: Duration,
    chunk: usize,
    max_chunks: usize,
) -> Pruned {
    let retention = jiff::SignedDuration::try_from(retention).unwrap_or(jiff::SignedDuration::MAX);
    let chunk = chunk.max(1);
    let mut total = Pruned::default();
    for _ in 0..max_chunks {
        let now = store.clock().now();
        let (acked, cutoff, numbering_before) = store.read(|s| {
            let cutoff = s.prune_cutoff(now, retention);
            (s.acked_through, cutoff, s.numbering_kept_from(cutoff, now))
        });
        let s2 = Arc::clone(store);
        let found = tokio::task::spawn_blocking(move || {
            s2.prunable_records(acked, cutoff, numbering_before, chunk)
        })
        .await;
        let p = match found {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot look for tickets and ratings to prune");
                break;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot look for tickets and ratings to prune");
                break;
            }
        };
        if p.is_empty() {
            break;
        }
        let full = p.tickets.len() >= chunk || p.ratings.len() >= chunk;
        match store.exec(move |tx| Ok(tx.prune_records(&p, cutoff))).await {
            Ok(n) => total.add(n),
            Err(e) => {
                tracing::error!(error = %e, "pruning tickets and ratings failed");
                break;
            }
        }
        if !full {
            break;
        }
    }
    if !total.is_empty() {
        tracing::info!(
            tickets = total.tickets,
            ratings = total.ratings,
            day_numbering = total.day_seq,
            "pruned acknowledged tickets and ratings past retention"
        );
    }
    total
}
