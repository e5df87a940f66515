//! Servers in this process and what every scenario asks of a server: the
//! HTTP client, the collector's admin API (offices, roster, kiosks, users),
//! signed batches, a kiosk's outbox, temporary directories.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, ensure};
use e2e::demo_data;
use jiff::Timestamp;
use reqwest::StatusCode;
use shared::KioskId;
use shared::sign::{HEADER_KIOSK_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign_request};
use shared::wire::{BatchAck, KioskCreated, OfficeSpec, OutboxStatus, RosterImport, RosterRow};
use tempfile::TempDir;

/// The admin token of every collector started here.
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789abcdef";
/// The operator token of every kiosk started here (pairs tablets).
pub const OPERATOR_TOKEN: &str = "bench-operator-token-0123456789abcdef";

/// An HTTP client: no proxies, keep-alive, generous timeouts. Idle
/// connections are let go after 2 s, before the servers' 5 s keep-alive
/// closes them under a request (a reset, not a measurement).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// A client that does not follow redirects (sign-ins answer 303).
pub fn no_redirects() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// A temporary directory under `base`, removed when dropped.
pub fn temp_in(base: &Path, prefix: &str) -> anyhow::Result<TempDir> {
    Ok(tempfile::Builder::new().prefix(prefix).tempdir_in(base)?)
}

/// The median of `v` (the upper one of an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The `q` quantile (0..=1) of sorted `v`, nearest rank.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The admin API of a collector at `base` (in this process or a child).
#[derive(Clone)]
pub struct Admin {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Client.
    pub http: reqwest::Client,
}

impl Admin {
    /// The collector at `base`, with [`ADMIN_TOKEN`].
    pub fn new(base: &str) -> anyhow::Result<Admin> {
        Ok(Admin {
            base: base.to_owned(),
            http: http_client()?,
        })
    }

    /// An admin request; 2xx expected, its JSON answer decoded.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &impl serde::Serialize,
    ) -> anyhow::Result<T> {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .json(body)
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        ensure!(status.is_success(), "{path}: HTTP {status}: {text}");
        serde_json::from_str(&text).with_context(|| format!("{path}: {text}"))
    }

    /// `PUT /api/v1/offices/{id}`.
    pub async fn put_office(&self, id: &str, spec: &OfficeSpec) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .call(reqwest::Method::PUT, &format!("/api/v1/offices/{id}"), spec)
            .await?;
        Ok(())
    }

    /// `PUT /api/v1/roster`; every row must go in.
    pub async fn put_roster(&self, rows: &[RosterRow]) -> anyhow::Result<()> {
        let import: RosterImport = self
            .call(reqwest::Method::PUT, "/api/v1/roster", &rows)
            .await?;
        ensure!(
            import.rejected.is_empty(),
            "roster rejected: {:?}",
            import.rejected
        );
        Ok(())
    }

    /// `POST /api/v1/kiosks` for `office`.
    pub async fn create_kiosk(&self, office: &str) -> anyhow::Result<KioskCreated> {
        self.call(
            reqwest::Method::POST,
            "/api/v1/kiosks",
            &serde_json::json!({ "office_id": office }),
        )
        .await
        .with_context(|| format!("creating a kiosk for {office}"))
    }

    /// Every demo office and the whole demo roster, then one kiosk for each
    /// of `kiosk_offices` (demo office ids).
    pub async fn provision(&self, kiosk_offices: &[&str]) -> anyhow::Result<Vec<KioskCreated>> {
        for o in demo_data::offices() {
            self.put_office(o.id, &o.spec).await?;
        }
        self.put_roster(&demo_data::roster()).await?;
        let mut out = Vec::new();
        for office in kiosk_offices {
            out.push(self.create_kiosk(office).await?);
        }
        Ok(out)
    }

    /// `POST /api/v1/users`.
    pub async fn create_user(&self, body: serde_json::Value) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .call(reqwest::Method::POST, "/api/v1/users", &body)
            .await?;
        Ok(())
    }

    /// A fresh HR token.
    pub async fn hr_token(&self) -> anyhow::Result<String> {
        let t: shared::wire::TokenCreated = self
            .call(
                reqwest::Method::POST,
                "/api/v1/tokens",
                &serde_json::json!({"role": "hr"}),
            )
            .await?;
        Ok(t.token)
    }

    /// The collector's mark for a kiosk.
    pub async fn applied_through(&self, kiosk: KioskId) -> anyhow::Result<u64> {
        let res = self
            .http
            .get(format!("{}/api/v1/kiosks/{kiosk}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await?;
        let v: serde_json::Value = res.json().await?;
        v["applied_through"]
            .as_u64()
            .ok_or_else(|| anyhow!("no applied_through in {v}"))
    }
}

/// A collector running in this process.
pub struct Collector {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its port.
    pub port: u16,
    /// Its admin API.
    pub admin: Admin,
    /// The handle its routes use (the ingest writer, for the diagnostic).
    pub store: collector::store::Store,
    /// Asks the server to stop gracefully (its handle waits in a task).
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Collector {
    /// Builds and runs a collector on `listen` with its data in `data`.
    /// Retries while the redb file is still held by a collector stopping in
    /// this process (a redb file opens once per process).
    pub async fn start(data: &Path, listen: &str) -> anyhow::Result<Collector> {
        let mut settings = collector::settings::Settings::new(data);
        settings.listen = listen.to_owned();
        settings.admin_token = Some(ADMIN_TOKEN.to_owned());
        let deadline = Instant::now() + Duration::from_secs(30);
        let app = loop {
            match collector::startup::Application::build(settings.clone()).await {
                Ok(app) => break app,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(e) => return Err(e.context("starting the collector")),
            }
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = app.handle();
        tokio::spawn(async move {
            if stopped.await.is_ok() {
                handle.stop(true).await;
            }
        });
        let base = format!("http://127.0.0.1:{}", app.port());
        Ok(Collector {
            admin: Admin::new(&base)?,
            base,
            port: app.port(),
            store: app.store(),
            stop,
            server: tokio::spawn(app.run_until_stopped()),
        })
    }

    /// Stops gracefully and waits until the server has ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        let Collector {
            stop,
            server,
            store,
            ..
        } = self;
        drop(store);
        let _ = stop.send(());
        server.await??;
        Ok(())
    }
}

/// Sends a kiosk's batches one after another, each signed as the kiosk's
/// forwarder signs it; every batch must get 200 with the expected mark.
pub async fn send_batches(
    http: reqwest::Client,
    url: String,
    kiosk: KioskCreated,
    batches: Vec<(u64, usize, Vec<u8>)>,
) -> anyhow::Result<()> {
    for (first_seq, count, body) in batches {
        let ts = Timestamp::now().as_second();
        let signature = sign_request(&kiosk.key, ts, &body);
        let res = http
            .post(&url)
            .header(HEADER_KIOSK_ID, kiosk.kiosk_id.to_string())
            .header(HEADER_TIMESTAMP, ts.to_string())
            .header(HEADER_SIGNATURE, signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = res.status();
        let bytes = res.bytes().await?;
        ensure!(
            status == StatusCode::OK,
            "batch from {first_seq}: HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let ack: BatchAck = serde_json::from_slice(&bytes)?;
        let expected = first_seq + count as u64 - 1;
        ensure!(
            ack.applied_through == expected,
            "batch from {first_seq}: mark {} instead of {expected}",
            ack.applied_through
        );
    }
    Ok(())
}

/// A kiosk's `GET /api/outbox`.
pub async fn outbox(http: &reqwest::Client, kiosk: &str) -> anyhow::Result<OutboxStatus> {
    Ok(http
        .get(format!("{kiosk}/api/outbox"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Waits (at most `within`) until the kiosk's outbox is empty.
pub async fn drained(http: &reqwest::Client, kiosk: &str, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let o = outbox(http, kiosk).await?;
        if o.pending == 0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "outbox not drained after {within:?}: {o:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `name=value` pair of a response's `Set-Cookie` for `name`.
pub fn cookie_of(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}
