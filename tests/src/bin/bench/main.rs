//! `bench`: the DESIGN.md performance targets, measured on this machine,
//! each against a baseline measured in the same run (CONVENTIONS.md:
//! benchmarks live outside `cargo test` and print ratios, because absolute
//! figures only mean something on one machine).
//!
//! ```text
//! cargo run --release -p e2e --bin bench -- [GROUP ...] [--runs N] [--markdown FILE] [--smoke]
//! ```
//!
//! Groups (default `all`, every group in this order), one module each:
//!
//! - `ingest` (`ingest.rs`): collector ingest of signed batches over
//!   loopback HTTP from 1, 10 and 50 kiosks (the same events in total), the
//!   collector a real process; baseline raw redb on the same records.
//!   Also the collector's peak RSS.
//! - `catchup` (`catchup.rs`): a kiosk delivers a week offline after the
//!   collector comes back; baseline raw redb on the same events.
//! - `intake` (`intake.rs`): kiosk rating intake at 64 connections, each a
//!   counter with its ASN signed in and its tablet paired; baseline
//!   `GET /healthz` at 64 connections. Also the kiosk's peak RSS.
//! - `screens` (`screens.rs`): the dashboard's and the display board's
//!   server-sent events at 20 open screens, from a change's answer to each
//!   screen; baseline one screen. Kiosk CPU and RSS.
//! - `pages` (`pages.rs`): the weight of every page (HTML plus what it
//!   loads), raw and gzipped; baseline a fixed budget.
//!
//! Results go into one table (`table.rs`): the terminal gets it at the end,
//! `--markdown FILE` writes it as BENCHMARKS.md. `--smoke` makes every size
//! tiny (the whole run takes seconds; `tests/tests/bench_smoke.rs` runs it
//! in `cargo test`) and asserts nothing about speed.
//!
//! Nothing is skipped on the measured paths: redb's default durability
//! (`Immediate`: every commit is fsynced), every batch signed and verified,
//! every event parsed and applied. The load generator shares the machine's
//! cores with the servers, as it would in CI.
//!
//! To add a group: a module with `Args` (clap flags, `smoke()` to shrink
//! them) and `run(&Ctx, &Args, &mut Table)`, a `Which` variant, a line in
//! `Which::ALL` and an arm in `run_group`.

mod catchup;
mod ingest;
mod intake;
mod reports;
mod rss;
mod servers;
mod table;
mod workload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use clap::{Parser, ValueEnum};

use crate::rss::Programs;
use crate::table::{Meta, Table};

/// A group of scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Collector ingest over signed HTTP vs raw redb, at 1, 10 and 50 kiosks.
    Ingest,
    /// Kiosk catch-up after an outage vs raw redb.
    Catchup,
    /// Kiosk rating intake at 64 connections vs GET /healthz.
    Intake,
    /// Report routes at 1M and 10M ratings vs GET /healthz.
    Reports,
    /// Every group above.
    All,
}

impl Which {
    /// What `all` runs, in order.
    const ALL: [Which; 4] = [Which::Ingest, Which::Catchup, Which::Intake, Which::Reports];

    fn name(self) -> &'static str {
        match self {
            Which::Ingest => "ingest",
            Which::Catchup => "catchup",
            Which::Intake => "intake",
            Which::Reports => "reports",
            Which::All => "all",
        }
    }
}

#[derive(Parser)]
#[command(about = "Measure the performance targets against baselines measured in the same run")]
struct Args {
    /// What to measure (several may be given).
    #[arg(value_enum, default_values_t = [Which::All])]
    which: Vec<Which>,
    /// Tiny sizes: every scenario runs in seconds; the figures mean nothing.
    #[arg(long)]
    smoke: bool,
    /// Repeat each `ingest` measurement this many times and report the
    /// median (runs are interleaved, so drift hits every row alike).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Where the temporary redb files go (default: the system temp dir).
    /// Pick a directory on the disk you mean to measure: on tmpfs an fsync
    /// costs nothing.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Also write the results as markdown (BENCHMARKS.md) to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// The kiosk binary for the scenarios that run it as a process
    /// (default: this binary, running `kiosk::cli::main`).
    #[arg(long)]
    kiosk_bin: Option<PathBuf>,
    /// The collector binary likewise (default: this binary, running
    /// `collector::cli::main`).
    #[arg(long)]
    collector_bin: Option<PathBuf>,
    #[command(flatten)]
    ingest: ingest::Args,
    #[command(flatten)]
    catchup: catchup::Args,
    #[command(flatten)]
    intake: intake::Args,
    #[command(flatten)]
    reports: reports::Args,
}

/// What every scenario group gets.
pub struct Ctx {
    /// Where temporary data directories go.
    pub dir: PathBuf,
    /// `--smoke`.
    pub smoke: bool,
    /// `--runs`.
    pub runs: usize,
    /// What runs server processes.
    pub programs: Programs,
}

// ------------------------------------------------------------------ machine

fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned()
}

fn memory() -> String {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".into(),
            |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
        )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// The filesystem holding `dir`, from /proc/mounts (longest mount prefix).
fn filesystem(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && dir.starts_with(f[1]))
                .then(|| (f[1].len(), format!("{} ({})", f[2], f[0])))
        })
        .max_by_key(|(len, _)| *len)
        .map_or_else(|| "unknown filesystem".into(), |(_, fs)| fs)
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// This process's command line, quoted where needed.
fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// --------------------------------------------------------------------- main

async fn run_group(group: Which, ctx: &Ctx, args: &Args, table: &mut Table) -> anyhow::Result<()> {
    match group {
        Which::Ingest => ingest::run(ctx, &args.ingest, table).await,
        Which::Catchup => catchup::run(ctx, &args.catchup, table).await,
        Which::Intake => intake::run(ctx, &args.intake, table).await,
        Which::Reports => reports::run(ctx, &args.reports, table).await,
        Which::All => Ok(()),
    }
}

async fn run(mut args: Args) -> anyhow::Result<()> {
    kiosk::startup::install_crypto();
    let started = Instant::now();
    let load_start = load_average();
    let dir = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)?;
    ensure!(args.runs >= 1, "--runs must be at least 1");
    if args.smoke {
        args.runs = 1;
        args.ingest.smoke();
        args.catchup.smoke();
        args.intake.smoke();
        args.reports.smoke();
    }
    let ctx = Ctx {
        dir: dir.clone(),
        smoke: args.smoke,
        runs: args.runs,
        programs: Programs {
            kiosk: args.kiosk_bin.clone(),
            collector: args.collector_bin.clone(),
        },
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "machine: {}, {cores} cores, {} memory, load average {load_start} at start",
        cpu_model(),
        memory()
    );
    println!(
        "build:   {} profile; data in {} ({}); {}",
        profile(),
        dir.display(),
        filesystem(&dir),
        ctx.programs.describe()
    );
    if cfg!(debug_assertions) {
        println!(
            "WARNING: this is a debug build; its figures mean nothing. Run \
             `cargo run --release -p e2e --bin bench`."
        );
    }
    if args.smoke {
        println!("SMOKE RUN: tiny sizes; the figures mean nothing.");
    }
    let mut groups: Vec<Which> = Vec::new();
    for w in &args.which {
        let more: &[Which] = if *w == Which::All {
            &Which::ALL
        } else {
            std::slice::from_ref(w)
        };
        for g in more {
            if !groups.contains(g) {
                groups.push(*g);
            }
        }
    }
    let mut table = Table::default();
    for group in groups {
        let t = Instant::now();
        println!("\n== {} ==", group.name());
        run_group(group, &ctx, &args, &mut table)
            .await
            .with_context(|| format!("scenario group {}", group.name()))?;
        println!(
            "== {} done in {:.1} s",
            group.name(),
            t.elapsed().as_secs_f64()
        );
    }
    println!("\n{}", table.render_text());
    for (topic, text) in &table.notes {
        println!("- {topic}: {text}");
    }
    if let Some(path) = &args.markdown {
        let meta = Meta {
            cpu: cpu_model(),
            cores,
            memory: memory(),
            filesystem: filesystem(&dir),
            data_dir: dir.display().to_string(),
            profile: profile(),
            command: command_line(),
            date: jiff::Timestamp::now()
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string(),
            load: (load_start, load_average()),
            took: started.elapsed(),
            smoke: args.smoke,
        };
        std::fs::write(path, table.render_markdown(&meta))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    if let Some(code) = rss::run_as_server() {
        return code;
    }
    kiosk::cli::init_logging("error");
    e2e::run_main("bench", run(Args::parse()))
}
