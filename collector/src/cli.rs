//! The command line: `collector serve --data DIR --listen ADDR
//! [--admin-token TOKEN] [--public-url URL] [--qr-expiry-s SECONDS]
//! [--qr-rate-limit-per-min N]` and `collector backup --to FILE [--url URL]
//! [--admin-token TOKEN] [--data DIR]`; each
//! flag may also come from a `COLLECTOR_*` environment variable (a flag wins
//! over its variable).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::{
    DEFAULT_DATA_DIR, DEFAULT_LISTEN, DEFAULT_QR_EXPIRY_S, DEFAULT_QR_RATE_LIMIT_PER_MIN, Settings,
};
use crate::startup::{ADMIN_TOKEN_FILE, Application};

/// The central server of the feedback system: receives kiosks' events and
/// citizens' QR ratings, serves HR reports, and holds the registry.
#[derive(Debug, Parser)]
#[command(name = "collector", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Writes a consistent copy of the database to a file: through the
    /// running collector (`--url`, with the admin token), or from the data
    /// directory of a stopped one (`--data` alone).
    Backup(BackupArgs),
}

/// `collector backup` flags.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (replaced only once the copy is complete).
    #[arg(long)]
    pub to: PathBuf,
    /// The running collector, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "COLLECTOR_URL")]
    pub url: Option<String>,
    /// The admin token (default: the one saved in DATA/admin-token).
    #[arg(long, env = "COLLECTOR_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The data directory.
    #[arg(long, env = "COLLECTOR_DATA", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
}

/// `collector backup`: through the server when `--url` is given, else from
/// the stopped server's file.
pub async fn backup(a: BackupArgs) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    httpkit::backup::run(httpkit::backup::Command {
        server: "collector",
        url: a.url,
        token: a.admin_token,
        token_file: a.data.join(ADMIN_TOKEN_FILE),
        token_flag: "--admin-token (or COLLECTOR_ADMIN_TOKEN)",
        route: "/api/v1/backup",
        db_file: a.data.join(crate::startup::DB_FILE),
        to: a.to,
        tables: crate::backup::tables,
    })
    .await
}

/// `collector serve` flags.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Directory for the database and the generated admin token.
    #[arg(long, env = "COLLECTOR_DATA", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "COLLECTOR_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Bearer token for the admin API. Without it, the token stored earlier
    /// is kept, or one is generated, printed and saved in DIR/admin-token.
    #[arg(long, env = "COLLECTOR_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The public URL: how phones and kiosks reach this server (the base of
    /// every rating URL).
    #[arg(
        long,
        env = "COLLECTOR_PUBLIC_URL",
        help = "How phones and kiosks reach this server, e.g. https://feedback.example.go.id \
                (the base of every rating URL). Default: http://{listen address}"
    )]
    pub public_url: Option<String>,
    /// How long a QR rating token stays valid, in seconds.
    #[arg(long, env = "COLLECTOR_QR_EXPIRY_S", default_value_t = DEFAULT_QR_EXPIRY_S)]
    pub qr_expiry_s: u64,
    /// Citizens' rating submissions allowed per client address and minute
    /// (generous: mobile carriers share addresses).
    #[arg(long, env = "COLLECTOR_QR_RATE_LIMIT_PER_MIN", default_value_t = DEFAULT_QR_RATE_LIMIT_PER_MIN)]
    pub qr_rate_limit_per_min: u32,
    /// Addresses of reverse proxies in front of the collector whose
    /// X-Forwarded-For is believed for citizens' rate limits (repeat the flag,
    /// or comma-separate). Without it the TCP peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "COLLECTOR_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Days raw kiosk events are kept after they arrive (0: forever; at
    /// least 30 otherwise). Reports read rollups, which are kept forever,
    /// as are service records, ratings and the audit trail.
    #[arg(long, env = "COLLECTOR_EVENT_RETENTION_DAYS", default_value_t = 0)]
    pub event_retention_days: u32,
}

impl From<ServeArgs> for Settings {
    fn from(a: ServeArgs) -> Settings {
        Settings {
            data_dir: a.data,
            listen: a.listen,
            admin_token: a.admin_token,
            public_url: a.public_url,
            qr_expiry_s: a.qr_expiry_s,
            qr_rate_limit_per_min: a.qr_rate_limit_per_min,
            trusted_proxies: a.trusted_proxies,
            event_retention_days: a.event_retention_days,
        }
    }
}

/// The binary's entry point: parses the command line, installs logging,
/// runs the command on a multi-threaded tokio runtime.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("collector: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args.into())),
        Command::Backup(args) => runtime.block_on(backup(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `collector serve`: builds the application, prints a generated admin token,
/// and serves until stopped.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let token_file = settings.data_dir.join(ADMIN_TOKEN_FILE);
    let app = Application::build(settings).await?;
    if let Some(token) = app.generated_admin_token() {
        println!("Admin token: {token}");
        println!(
            "(saved in {}; it is not printed again)",
            token_file.display()
        );
    }
    // Scripts and tests read this line to learn the port (with --listen :0).
    println!("collector listening on port {}", app.port());
    app.run_until_stopped().await?;
    tracing::info!("collector stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_has_laptop_defaults() {
        let cli = Cli::try_parse_from(["collector", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let s = Settings::from(args);
        assert_eq!(s.data_dir, PathBuf::from("./data/collector"));
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.qr_expiry_s, 86_400);
        assert_eq!(s.qr_rate_limit_per_min, 60);
        assert!(s.public_url.is_none());
    }

    #[test]
    fn serve_takes_every_flag() {
        let cli = Cli::try_parse_from([
            "collector",
            "serve",
            "--data",
            "/tmp/c",
            "--listen",
            "0.0.0.0:9000",
            "--admin-token",
            "secret-secret-secret",
            "--public-url",
            "https://feedback.example.go.id",
            "--qr-expiry-s",
            "600",
            "--qr-rate-limit-per-min",
            "120",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let s = Settings::from(args);
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.admin_token.as_deref(), Some("secret-secret-secret"));
        assert_eq!(
            s.public_url.as_deref(),
            Some("https://feedback.example.go.id")
        );
        assert_eq!(s.qr_expiry_s, 600);
        assert_eq!(s.qr_rate_limit_per_min, 120);
    }
}
