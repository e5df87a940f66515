//! How a kiosk is started: from the command line, the environment, or (in
//! tests) built directly.

use std::path::PathBuf;
use std::time::Duration;

use shared::KioskId;

/// Everything `kiosk serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Directory holding `kiosk.redb`.
    pub data: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    /// The collector's base URL.
    pub collector: String,
    /// This kiosk's id (from `POST /api/v1/kiosks`).
    pub kiosk_id: KioskId,
    /// This kiosk's secret (signs batches, config requests and QR tokens).
    pub kiosk_key: String,
    /// How LAN devices reach this kiosk (shown in logs and pages).
    pub public_url: Option<String>,
    /// When set, the dashboard and its API require this bearer token.
    pub dashboard_token: Option<String>,
    /// The office IT operator's token (pairs tablets). When `None`, the one
    /// stored in `DATA/operator-token` is used, or one is generated there
    /// on first start and printed.
    pub operator_token: Option<String>,
    /// Whether the clock follows the collector's when they differ (on by
    /// default; tests that simulate another time of day turn it off).
    pub clock_correction: bool,
    /// Event streams (dashboards, display boards) open at once; more are
    /// refused with 429.
    pub max_streams: usize,
    /// Seconds added to the machine clock (diagnostics and tests).
    pub clock_offset_s: i64,
    /// How often to refresh configuration and roster from the collector.
    pub config_refresh: Duration,
    /// How long to wait for the collector at start before using the cache.
    pub startup_fetch_timeout: Duration,
    /// Forwarding pace.
    pub forward: crate::forward::ForwardSettings,
    /// How long acknowledged events stay in the kiosk's log, and acknowledged
    /// tickets and ratings in its tables (`--retention-days`, 7 by default;
    /// today's and open tickets always stay).
    pub retention: Duration,
}

impl Settings {
    /// Settings with the defaults for everything but the essentials.
    pub fn new(data: PathBuf, collector: String, kiosk_id: KioskId, kiosk_key: String) -> Settings {
        Settings {
            data,
            listen: "127.0.0.1:8081".into(),
            collector,
            kiosk_id,
            kiosk_key,
            public_url: None,
            dashboard_token: None,
            operator_token: None,
            clock_correction: true,
            max_streams: 64,
            clock_offset_s: 0,
            config_refresh: Duration::from_secs(300),
            startup_fetch_timeout: Duration::from_secs(10),
            forward: crate::forward::ForwardSettings::default(),
            retention: Duration::from_secs(7 * 86_400),
        }
    }
}
