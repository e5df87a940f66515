//! Building and running a kiosk server. `Application::build` opens the
//! database, gets the configuration (collector first, cache otherwise), binds
//! the port (0 in tests) and starts the background tasks; `run_until_stopped`
//! serves until SIGINT/SIGTERM.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use httpkit::{BodyLimit, Gate, HttpMetrics};
use shared::Msg;
use shared::secret::token_digest;

use crate::clock::Clock;
use crate::forward::{self, SharedLink};
use crate::routes::{self, AppState};
use crate::settings::Settings;
use crate::store::{self, Store};
use crate::sync::{self, CollectorClient};

/// A built kiosk, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    store: Arc<Store>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The operator token generated at this start (first start without
    /// `--operator-token`): printed by the caller, not shown again.
    generated_operator_token: Option<String>,
}

/// The file under DATA holding a generated operator token.
pub const OPERATOR_TOKEN_FILE: &str = "operator-token";
/// Argon2 PIN checks running at once (each takes megabytes and a core).
const PIN_CHECKS_AT_ONCE: usize = 4;

/// The operator token: the one given, else the one kept in
/// `DATA/operator-token`, else a new one written there. Gives its hash and,
/// when generated now, the token to print.
fn settle_operator_token(settings: &Settings) -> anyhow::Result<([u8; 32], Option<String>)> {
    if let Some(t) = settings.operator_token.as_deref().map(str::trim) {
        if t.is_empty() {
            anyhow::bail!("the operator token (--operator-token or KIOSK_OPERATOR_TOKEN) is empty");
        }
        return Ok((token_digest(t), None));
    }
    let file = settings.data.join(OPERATOR_TOKEN_FILE);
    if let Ok(t) = std::fs::read_to_string(&file)
        && !t.trim().is_empty()
    {
        return Ok((token_digest(t.trim()), None));
    }
    let token = httpkit::new_secret()?;
    std::fs::create_dir_all(&settings.data)?;
    httpkit::auth::write_secret_file(&file, &token)
        .with_context(|| format!("cannot write the operator token to {}", file.display()))?;
    Ok((token_digest(&token), Some(token)))
}

/// Page forms: 64 KiB at most, and errors in the same JSON shape as the API.
fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| {
            let e = match err {
                actix_web::error::UrlencodedError::Overflow { .. } => httpkit::ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    shared::Msg::new(
                        "Formulir terlalu besar (paling banyak 64 KiB)",
                        "The form is too large (64 KiB at most)",
                    ),
                ),
                other => httpkit::ApiError::bad_request(shared::Msg::new(
                    format!("Formulir tidak terbaca: {other}"),
                    format!("The form could not be read: {other}"),
                )),
            };
            e.into()
        })
}

/// Installs the TLS crypto provider reqwest uses (once per process).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Application {
    /// Opens storage, gets the configuration, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        install_crypto();
        let clock = Clock::with_offset_s(settings.clock_offset_s);
        let clock = if settings.clock_correction {
            clock
        } else {
            clock.without_correction()
        };
        let (operator_token_hash, generated_operator_token) = settle_operator_token(&settings)?;
        let db_path = settings.data.join("kiosk.redb");
        let opened = tokio::task::spawn_blocking(move || store::open(&db_path))
            .await?
            .with_context(|| format!("opening {}", settings.data.join("kiosk.redb").display()))?;
        let client = CollectorClient::new(
            &settings.collector,
            settings.kiosk_id,
            settings.kiosk_key.clone(),
            clock.clone(),
        )?;
        let cached = opened.cached_config()?;
        let fetched =
            tokio::time::timeout(settings.startup_fetch_timeout, client.fetch_config()).await;
        let config = match (fetched, cached) {
            (Ok(Ok(config)), _) => {
                tracing::info!(office = %config.office.id, "configuration and roster fetched from the collector");
                config
            }
            (failure, Some(cached)) => {
                let why = match failure {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_owned(),
                };
                tracing::warn!(reason = %why, "collector not reachable; starting from the cached configuration");
                cached
            }
            (Ok(Err(e)), None) => anyhow::bail!(
                "this kiosk has never reached the collector at {} and has no cached configuration: {e}. \
                 Check --collector, --kiosk-id and --kiosk-key; a kiosk needs the collector once.",
                settings.collector
            ),
            (Err(_), None) => anyhow::bail!(
                "the collector at {} did not answer within {:?} and there is no cached configuration; \
                 a kiosk needs the collector once",
                settings.collector,
                settings.startup_fetch_timeout
            ),
        };
        if config.kiosk_id != settings.kiosk_id {
            anyhow::bail!(
                "the data in {} belongs to kiosk {}, not {}; use another --data directory",
                settings.data.display(),
                config.kiosk_id,
                settings.kiosk_id
            );
        }
        let store =
            Arc::new(tokio::task::spawn_blocking(move || opened.start(config, clock)).await??);

        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let link = SharedLink::default();
        let state = web::Data::new(AppState {
            store: Arc::clone(&store),
            kiosk_id: settings.kiosk_id,
            kiosk_key: settings.kiosk_key.clone(),
            dashboard_token_hash: settings.dashboard_token.as_deref().map(token_digest),
            operator_token_hash,
            pin_gate: Gate::new(
                PIN_CHECKS_AT_ONCE,
                std::time::Duration::from_secs(5),
                Msg::new(
                    "Terlalu banyak percobaan masuk sekaligus. Coba lagi sebentar lagi.",
                    "Too many sign-ins at once. Try again in a moment.",
                ),
            ),
            streams: Gate::new(
                settings.max_streams,
                std::time::Duration::ZERO,
                Msg::new(
                    "Terlalu banyak layar terbuka di kiosk ini. Tutup yang tidak dipakai.",
                    "Too many screens are open on this kiosk. Close the ones not in use.",
                ),
            ),
            tickets_issued: AtomicU64::new(0),
            ratings_taken: AtomicU64::new(0),
            link: link.clone(),
            data_dir: settings.data.clone(),
        });
        let metrics = web::Data::new(HttpMetrics::default());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(BodyLimit(64 * 1024))
                .app_data(form_config())
                .wrap(from_fn(httpkit::localize_errors))
                .wrap(from_fn(httpkit::log_and_count))
                .configure(routes::configure)
                .default_service(web::to(httpkit::error::no_such_route))
        })
        .workers(2)
        .listen(listener)?
        .run();

        let tasks = vec![
            tokio::spawn(forward::forward_forever(
                client.clone(),
                Arc::clone(&store),
                link,
                settings.forward,
            )),
            tokio::spawn(sync::refresh_config_forever(
                client,
                Arc::clone(&store),
                settings.config_refresh,
            )),
            tokio::spawn(sync::housekeeping_forever(
                Arc::clone(&store),
                settings.retention,
            )),
        ];
        Ok(Application {
            port,
            server,
            store,
            tasks,
            generated_operator_token,
        })
    }

    /// The port bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The operator token generated at this start, if one was.
    pub fn generated_operator_token(&self) -> Option<&str> {
        self.generated_operator_token.as_deref()
    }

    /// The storage (tests inspect it).
    pub fn store(&self) -> Arc<Store> {
        Arc::clone(&self.store)
    }

    /// Serves until stopped; background tasks end with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let r = self.server.await;
        for t in self.tasks {
            t.abort();
        }
        r
    }
}
