//! Building the server: open the store, settle the admin token, bind the
//! listener, assemble the actix app. [`Application::build`] is separate from
//! [`Application::run_until_stopped`] so that tests bind port 0, learn the
//! port, and then run it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use httpkit::HttpMetrics;

use crate::auth::{hash_token, hashes_equal, new_secret};
use crate::ratelimit::RateLimiter;
use crate::routes;
use crate::settings::Settings;
use crate::store::Store;

/// The database file inside the data directory.
pub const DB_FILE: &str = "collector.redb";
/// The file holding a generated admin token, inside the data directory.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";

/// What every handler shares. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// SHA-256 of the admin token. Kept in memory because only a restart
    /// changes it, and every admin request compares against it.
    pub admin_token_hash: [u8; 32],
    /// The collector's public URL, without a trailing slash: the base of
    /// every rating URL, sent to kiosks in their configuration.
    pub public_url: String,
    /// QR token lifetime in seconds, sent to kiosks.
    pub qr_expiry_s: u64,
    /// The per-address limit on citizens' rating submissions. One instance
    /// shared by every worker, so the limit holds across threads.
    pub qr_limiter: Arc<RateLimiter>,
    /// The same limit for refused submissions (forged or expired tokens),
    /// kept apart so that they never use up the genuine citizens' budget.
    pub refused_limiter: Arc<RateLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The key of the ASN's opaque references (read once at start).
    pub asn_ref_key: Vec<u8>,
    /// Bounds concurrent argon2 password checks (each takes ~19 MiB).
    pub password_gate: httpkit::Gate,
    /// Sign-in attempts per client address.
    pub login_limiter: Arc<RateLimiter>,
    /// The data directory (backups are staged there).
    pub data_dir: std::path::PathBuf,
}

/// A collector bound to its port, not yet serving.
pub struct Application {
    port: u16,
    base_url: String,
    public_url: String,
    store: Store,
    server: Server,
    /// The admin token generated at this start (first start of a data
    /// directory without `--admin-token`): the caller prints it, and tests
    /// use it. `None` when the token was given or already stored.
    admin_token_printed: Option<String>,
    /// Raw event retention in days (0: forever).
    event_retention_days: u32,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens (or creates) the data directory and database, settles the
    /// admin token, and binds `settings.listen`.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        if settings.qr_expiry_s == 0 {
            anyhow::bail!("--qr-expiry-s must be at least 1 second (the default is 86400, 24 h)");
        }
        if settings.qr_rate_limit_per_min == 0 {
            anyhow::bail!(
                "--qr-rate-limit-per-min must be at least 1 (the default is 60 per client address \
                 and minute)"
            );
        }
        if settings.event_retention_days != 0
            && settings.event_retention_days < crate::export::MIN_RETENTION_DAYS
        {
            anyhow::bail!(
                "--event-retention-days must be 0 (keep raw events forever) or at least {} \
                 (kiosks may resend a week of events)",
                crate::export::MIN_RETENTION_DAYS
            );
        }
        let public_url = settings
            .public_url
            .as_deref()
            .map(check_public_url)
            .transpose()?;
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let db_path = settings.data_dir.join(DB_FILE);
        let store = Store::open(&db_path).await.with_context(|| {
            format!(
                "cannot open the database {} (is another collector using this --data directory?)",
                db_path.display()
            )
        })?;
        let (admin_token_hash, admin_token_printed) = settle_admin_token(&store, &settings).await?;
        let asn_ref_key = store
            .asn_ref_key()
            .await
            .context("cannot read the database's keys")?;

        let listener = TcpListener::bind(&settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let addr = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let base_url = format!("http://{addr}");
        let public_url = match public_url {
            Some(url) => url,
            None => {
                tracing::warn!(
                    "no --public-url given: rating links will use {base_url}, which citizens' \
                     phones cannot reach outside this machine"
                );
                base_url.clone()
            }
        };

        let state = web::Data::new(AppState {
            store: store.clone(),
            admin_token_hash,
            public_url: public_url.clone(),
            qr_expiry_s: settings.qr_expiry_s,
            qr_limiter: Arc::new(RateLimiter::per_minute(settings.qr_rate_limit_per_min)),
            refused_limiter: Arc::new(RateLimiter::per_minute(settings.qr_rate_limit_per_min)),
            trusted_proxies: settings.trusted_proxies.clone(),
            asn_ref_key,
            password_gate: httpkit::Gate::new(
                2,
                std::time::Duration::from_secs(5),
                shared::Msg::new(
                    "Terlalu banyak percobaan masuk sekaligus. Coba lagi sebentar lagi.",
                    "Too many sign-ins at once. Try again in a moment.",
                ),
            ),
            login_limiter: Arc::new(RateLimiter::per_minute(30)),
            data_dir: settings.data_dir.clone(),
        });
        let metrics = web::Data::new(HttpMetrics::default());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .configure(routes::configure)
                .default_service(web::to(httpkit::error::no_such_route))
                .wrap(from_fn(httpkit::localize_errors))
                .wrap(from_fn(httpkit::log_and_count))
        })
        .listen(listener)
        .context("cannot serve on the bound socket")?
        .run();
        tracing::info!(%addr, %public_url, "collector listening");
        Ok(Application {
            port: addr.port(),
            base_url,
            public_url,
            store,
            server,
            admin_token_printed,
            event_retention_days: settings.event_retention_days,
        })
    }

    /// The port actually bound (useful after listening on port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://{bound address}`, for clients on this machine.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The public URL kiosks receive (from the settings, or the base URL).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The admin token generated at this start, if one was: print it, it is
    /// not shown again (it is also in `DIR/admin-token`).
    pub fn generated_admin_token(&self) -> Option<&str> {
        self.admin_token_printed.as_deref()
    }

    /// The server's database (the same handle the routes use: a redb file
    /// cannot be opened twice), for tests and tools that inspect what was
    /// stored.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// A handle to stop the server gracefully (`stop(true)`), e.g. from a
    /// test.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped: SIGINT/SIGTERM (actix finishes in-flight
    /// requests) or [`ServerHandle::stop`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        if self.event_retention_days == 0 {
            return self.server.await;
        }
        let retention =
            crate::export::retention_forever(self.store.clone(), self.event_retention_days);
        tokio::select! {
            served = self.server => served,
            () = retention => Ok(()),
        }
    }
}

/// Checks `--public-url` and drops a trailing slash, since rating URLs are
/// built as `{public_url}/r/{token}`.
fn check_public_url(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url.trim())
        .with_context(|| format!("--public-url {url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        anyhow::bail!(
            "--public-url {url:?} must be an http:// or https:// address without ?query or \
             #fragment, e.g. https://feedback.example.go.id"
        );
    }
    Ok(url.trim().trim_end_matches('/').to_owned())
}

/// Decides the admin token: the one given (its hash replaces the stored
/// one), else the stored one, else a new one written to `DIR/admin-token`
/// and returned for printing. Gives its hash and the generated token.
async fn settle_admin_token(
    store: &Store,
    settings: &Settings,
) -> anyhow::Result<([u8; 32], Option<String>)> {
    let file = settings.data_dir.join(ADMIN_TOKEN_FILE);
    let file_hash = std::fs::read_to_string(&file)
        .ok()
        .map(|t| hash_token(t.trim()));
    if let Some(token) = settings.admin_token.as_deref() {
        let token = token.trim();
        if token.is_empty() {
            anyhow::bail!("the admin token (--admin-token or COLLECTOR_ADMIN_TOKEN) is empty");
        }
        if token.len() < 16 {
            tracing::warn!("the admin token is shorter than 16 characters; use a long random one");
        }
        let hash = hash_token(token);
        store
            .set_admin_token_hash(hash)
            .await
            .context("cannot store the admin token")?;
        // A token file from an earlier first start no longer works; leaving it
        // would mislead whoever reads it.
        if file_hash.is_some_and(|h| !hashes_equal(&h, &hash)) {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove the stale {}", file.display()))?;
            tracing::info!(file = %file.display(), "removed the admin token file it replaces");
        }
        return Ok((hash, None));
    }
    if let Some(hash) = store
        .admin_token_hash()
        .await
        .context("cannot read the admin token")?
    {
        if file_hash.is_some_and(|h| hashes_equal(&h, &hash)) {
            tracing::info!(
                file = %file.display(),
                "using the admin token printed at first start and saved in this file"
            );
        } else {
            tracing::info!(
                "using the admin token stored earlier (set with --admin-token or \
                 COLLECTOR_ADMIN_TOKEN)"
            );
        }
        return Ok((hash, None));
    }
    let token = new_secret().context("no randomness for the admin token")?;
    // The file first: if storing the hash then fails, the next start simply
    // generates another token; the reverse order could lock the operator out.
    httpkit::auth::write_secret_file(&file, &token)
        .with_context(|| format!("cannot write the admin token to {}", file.display()))?;
    let hash = hash_token(&token);
    store
        .set_admin_token_hash(hash)
        .await
        .context("cannot store the admin token")?;
    Ok((hash, Some(token)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spawn_with;
    use std::path::Path;

    fn settings(dir: &Path) -> Settings {
        let mut s = Settings::new(dir);
        s.listen = "127.0.0.1:0".into();
        s
    }

    #[tokio::test]
    async fn the_first_start_generates_an_admin_token_saved_readable_by_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let app = Application::build(settings(dir.path())).await.unwrap();
        let token = app.generated_admin_token().unwrap().to_owned();
        assert_eq!(token.len(), 64);
        let file = dir.path().join(ADMIN_TOKEN_FILE);
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            app.store().admin_token_hash().await.unwrap(),
            Some(hash_token(&token))
        );
        assert_ne!(app.port(), 0);
        assert_eq!(app.base_url(), format!("http://127.0.0.1:{}", app.port()));
        assert_eq!(app.public_url(), app.base_url());
    }

    #[tokio::test]
    async fn a_restart_keeps_the_stored_admin_token_and_prints_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let first = Application::build(settings(dir.path())).await.unwrap();
        let token = first.generated_admin_token().unwrap().to_owned();
        drop(first);
        let second = Application::build(settings(dir.path())).await.unwrap();
        assert_eq!(second.generated_admin_token(), None);
        assert_eq!(
            second.store().admin_token_hash().await.unwrap(),
            Some(hash_token(&token))
        );
    }

    #[tokio::test]
    async fn a_given_admin_token_replaces_the_stored_one_and_the_stale_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = Application::build(settings(dir.path())).await.unwrap();
        assert!(first.generated_admin_token().is_some());
        drop(first);
        let mut s = settings(dir.path());
        s.admin_token = Some("operator-chosen-token".into());
        let second = Application::build(s).await.unwrap();
        assert_eq!(second.generated_admin_token(), None);
        let stored = second.store().admin_token_hash().await.unwrap();
        assert_eq!(stored, Some(hash_token("operator-chosen-token")));
        assert!(!dir.path().join(ADMIN_TOKEN_FILE).exists());
    }

    #[tokio::test]
    async fn a_given_admin_token_is_the_one_the_admin_routes_accept() {
        let app = spawn_with(|s| s.admin_token = Some("operator-chosen-token".into())).await;
        assert_eq!(app.admin_token, "operator-chosen-token");
        let res = app
            .put_office("kupang", &crate::test_support::office_json())
            .await;
        assert_eq!(res.status(), 200);
    }

    #[tokio::test]
    async fn bad_settings_are_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        s.public_url = Some("feedback.example.go.id".into());
        let err = Application::build(s).await.unwrap_err().to_string();
        assert!(err.contains("--public-url"), "{err}");
        let mut s = settings(dir.path());
        s.public_url = Some("ftp://feedback.example.go.id".into());
        assert!(Application::build(s).await.is_err());
        let mut s = settings(dir.path());
        s.qr_expiry_s = 0;
        assert!(Application::build(s).await.is_err());
        let mut s = settings(dir.path());
        s.qr_rate_limit_per_min = 0;
        let err = Application::build(s).await.unwrap_err().to_string();
        assert!(err.contains("--qr-rate-limit-per-min"), "{err}");
        let mut s = settings(dir.path());
        s.admin_token = Some("  ".into());
        assert!(Application::build(s).await.is_err());
        let mut s = settings(dir.path());
        s.listen = "not an address".into();
        assert!(format!("{:#}", Application::build(s).await.unwrap_err()).contains("listen"));
    }

    #[test]
    fn the_public_url_loses_its_trailing_slash() {
        assert_eq!(
            check_public_url("https://f.example.go.id/").unwrap(),
            "https://f.example.go.id"
        );
        assert_eq!(
            check_public_url("http://10.0.0.5:8080").unwrap(),
            "http://10.0.0.5:8080"
        );
        assert!(check_public_url("https://f.example.go.id/?x=1").is_err());
    }
}
