//! What the operator chooses when starting the collector. The command line
//! ([`crate::cli`]) fills a [`Settings`]; tests build one directly.

use std::path::PathBuf;

/// Where the data lives, where to listen, and what to tell kiosks.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Directory for the redb file (`collector.redb`) and the generated
    /// `admin-token` file. Created when missing.
    pub data_dir: PathBuf,
    /// Address to listen on, e.g. `127.0.0.1:8080`; port 0 picks a free port
    /// (tests do this and ask [`crate::startup::Application::port`]).
    pub listen: String,
    /// The admin bearer token. When `None`, the one stored earlier is kept, or
    /// one is generated on first start.
    pub admin_token: Option<String>,
    /// How citizens' phones and kiosks reach this server: the base of every
    /// rating URL. `None` means `http://{the bound address}`, which only fits a
    /// laptop or a test.
    pub public_url: Option<String>,
    /// How long a QR rating token stays valid, in seconds (sent to kiosks).
    pub qr_expiry_s: u64,
    /// Citizens' rating submissions (`POST /r/{token}` and
    /// `POST /api/v1/ratings/{token}` together) allowed per client address:
    /// a burst of this many, refilled at this many a minute. Generous because
    /// mobile carriers put many phones behind one address.
    pub qr_rate_limit_per_min: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed for those limits;
    /// empty: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Days raw kiosk events are kept after they arrive (UTC days); 0 keeps
    /// them forever. Rollups, service records, ratings and the audit trail
    /// are kept regardless. At least [`crate::export::MIN_RETENTION_DAYS`].
    pub event_retention_days: u32,
}

/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./data/collector";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default QR token lifetime: 24 hours (anti-abuse: links do not work forever).
pub const DEFAULT_QR_EXPIRY_S: u64 = 86_400;
/// The default rate limit of citizens' rating submissions per client address
/// and minute.
pub const DEFAULT_QR_RATE_LIMIT_PER_MIN: u32 = 60;

impl Settings {
    /// Settings with every default except the data directory: listening on
    /// [`DEFAULT_LISTEN`], no admin token given, the public URL derived from
    /// the bound address, QR tokens valid for [`DEFAULT_QR_EXPIRY_S`], and
    /// [`DEFAULT_QR_RATE_LIMIT_PER_MIN`] rating submissions per address and
    /// minute.
    pub fn new(data_dir: impl Into<PathBuf>) -> Settings {
        Settings {
            data_dir: data_dir.into(),
            listen: DEFAULT_LISTEN.to_owned(),
            admin_token: None,
            public_url: None,
            qr_expiry_s: DEFAULT_QR_EXPIRY_S,
            qr_rate_limit_per_min: DEFAULT_QR_RATE_LIMIT_PER_MIN,
            trusted_proxies: Vec::new(),
            event_retention_days: 0,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings::new(DEFAULT_DATA_DIR)
    }
}
