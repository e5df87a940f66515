//! `kiosk serve ...`: flags, environment variables, logging, exit codes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use shared::KioskId;

use crate::settings::Settings;
use crate::startup::Application;

#[derive(Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Office kiosk: queue numbers, counters, ratings; forwards to the collector"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk server.
    Serve(ServeArgs),
    /// Write a consistent copy of the kiosk's database to a file: through
    /// the running kiosk (`--url`, with the operator token), or from the data
    /// directory of a stopped one (`--data` alone).
    Backup(BackupArgs),
}

#[derive(clap::Args)]
struct BackupArgs {
    /// The file to write (replaced only once the copy is complete).
    #[arg(long)]
    to: PathBuf,
    /// The running kiosk, e.g. http://127.0.0.1:8081.
    #[arg(long, env = "KIOSK_URL")]
    url: Option<String>,
    /// The operator token (default: the one kept in DATA/operator-token).
    #[arg(long, env = "KIOSK_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Directory of kiosk.redb.
    #[arg(long, env = "KIOSK_DATA", default_value = "./data/kiosk")]
    data: PathBuf,
}

async fn backup(a: BackupArgs) -> anyhow::Result<()> {
    crate::startup::install_crypto();
    httpkit::backup::run(httpkit::backup::Command {
        server: "kiosk",
        url: a.url,
        token: a.operator_token,
        token_file: a.data.join(crate::startup::OPERATOR_TOKEN_FILE),
        token_flag: "--operator-token (or KIOSK_OPERATOR_TOKEN)",
        route: "/api/backup",
        db_file: a.data.join("kiosk.redb"),
        to: a.to,
        tables: crate::backup::tables,
    })
    .await
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Directory for kiosk.redb.
    #[arg(long, env = "KIOSK_DATA", default_value = "./data/kiosk")]
    data: PathBuf,
    /// Address to listen on (0.0.0.0:PORT to serve the office LAN).
    #[arg(long, env = "KIOSK_LISTEN", default_value = "127.0.0.1:8081")]
    listen: String,
    /// The collector's base URL.
    #[arg(long, env = "KIOSK_COLLECTOR", default_value = "http://127.0.0.1:8080")]
    collector: String,
    /// This kiosk's id, from POST /api/v1/kiosks at the collector.
    #[arg(long, env = "KIOSK_ID")]
    kiosk_id: String,
    /// This kiosk's key (or KIOSK_KEY, or --kiosk-key-file).
    #[arg(long, env = "KIOSK_KEY", hide_env_values = true)]
    kiosk_key: Option<String>,
    /// A file holding the kiosk key.
    #[arg(long)]
    kiosk_key_file: Option<PathBuf>,
    /// How LAN devices reach this kiosk, e.g. http://192.168.1.20:8081.
    #[arg(long, env = "KIOSK_PUBLIC_URL")]
    public_url: Option<String>,
    /// Require this token for the dashboard (bearer or ?token=).
    #[arg(long, env = "KIOSK_DASHBOARD_TOKEN", hide_env_values = true)]
    dashboard_token: Option<String>,
    /// The office IT operator's token, for pairing tablets (or
    /// KIOSK_OPERATOR_TOKEN). Without it one is generated on first start,
    /// printed, and kept in DATA/operator-token.
    #[arg(long, env = "KIOSK_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Seconds to add to the machine clock (diagnostics and tests).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, hide = true)]
    clock_offset_s: i64,
    /// Keep the machine's clock even when the collector's differs (the
    /// default follows the collector's time for events and QR expiry).
    #[arg(long, hide = true)]
    no_clock_correction: bool,
    /// Seconds between configuration refreshes.
    #[arg(long, default_value_t = 300, hide = true)]
    config_refresh_s: u64,
    /// Most events per batch sent to the collector (at most 1000).
    #[arg(long, default_value_t = 500)]
    batch_max: usize,
    /// Days acknowledged events, tickets and ratings stay in the kiosk's
    /// file before they are pruned (today's and open tickets always stay;
    /// nothing the collector has not acknowledged is pruned).
    #[arg(
        long,
        env = "KIOSK_RETENTION_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u64).range(1..=3650)
    )]
    retention_days: u64,
    /// Longest retry delay while the collector is unreachable, milliseconds.
    #[arg(long, default_value_t = 30_000, hide = true)]
    backoff_cap_ms: u64,
}

fn settings(a: ServeArgs) -> anyhow::Result<Settings> {
    let kiosk_id = KioskId::parse(&a.kiosk_id)
        .ok_or_else(|| anyhow::anyhow!("--kiosk-id {:?} is not a kiosk id (a UUID)", a.kiosk_id))?;
    let key = match (a.kiosk_key, a.kiosk_key_file) {
        (Some(k), _) => k,
        (None, Some(f)) => std::fs::read_to_string(&f)
            .map_err(|e| anyhow::anyhow!("cannot read --kiosk-key-file {}: {e}", f.display()))?
            .trim()
            .to_owned(),
        (None, None) => {
            anyhow::bail!("give the kiosk key with --kiosk-key, KIOSK_KEY or --kiosk-key-file")
        }
    };
    if key.is_empty() {
        anyhow::bail!("the kiosk key is empty");
    }
    let mut s = Settings::new(a.data, a.collector, kiosk_id, key);
    s.listen = a.listen;
    s.public_url = a.public_url;
    s.dashboard_token = a.dashboard_token;
    s.operator_token = a.operator_token;
    s.clock_correction = !a.no_clock_correction;
    s.clock_offset_s = a.clock_offset_s;
    s.config_refresh = Duration::from_secs(a.config_refresh_s.max(1));
    s.forward.batch_max = a.batch_max.clamp(1, shared::wire::MAX_BATCH_EVENTS);
    s.forward.backoff_cap = Duration::from_millis(a.backoff_cap_ms.max(100));
    s.forward.backoff_base = s.forward.backoff_base.min(s.forward.backoff_cap);
    s.retention = Duration::from_secs(a.retention_days * 86_400);
    Ok(s)
}

/// Starts logging to stderr at `default` level (RUST_LOG overrides it).
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The `kiosk` program.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging("info");
    let args = match cli.command {
        Command::Serve(args) => args,
        Command::Backup(args) => {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|rt| rt.block_on(backup(args)));
            return match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kiosk: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let result = settings(args).and_then(|s| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let listen = s.listen.clone();
            let app = Application::build(s).await?;
            if let Some(token) = app.generated_operator_token() {
                println!(
                    "operator token (pairs tablets; also kept in DATA/operator-token): {token}"
                );
            }
            tracing::info!(port = app.port(), %listen, "kiosk listening");
            println!("kiosk listening on port {}", app.port());
            app.run_until_stopped().await?;
            tracing::info!("kiosk stopped");
            Ok(())
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}
