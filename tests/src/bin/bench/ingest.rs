//! `ingest`: N realistic events (visits: ticket issued, called, completed,
//! rated; sign-ins, no-shows) from K kiosks sent concurrently as signed
//! batches of 1,000 over loopback HTTP to a collector process, timed until
//! every batch got its 200; once for each K (1, 10, 50 by default), with the
//! same N in total. Baseline, in the same run: the same event JSON inserted
//! into a fresh redb file keyed by (kiosk, sequence), one durable
//! transaction per 1,000. A diagnostic row hands the same batches to the
//! collector's ingest writer directly (in this process: no HTTP, no
//! signature, no parsing), to tell the writer's cost from the request
//! path's. The collector process's peak RSS (`VmHWM`) is read once every
//! batch is in.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure};
use e2e::demo_data;
use jiff::Timestamp;
use redb::TableDefinition;
use shared::wire::Event;
use shared::{InstanceId, OfficeId};
use uuid::Uuid;

use crate::Ctx;
use crate::rss::ServerProcess;
use crate::servers::{Admin, Collector, median, send_batches, temp_in};
use crate::table::{Figure, Row, Table, Target, fmt_n};
use crate::workload::{batch_body, office_events, split};

/// Events per batch and per baseline transaction (the collector's maximum).
pub const BATCH: usize = shared::wire::MAX_BATCH_EVENTS;

/// Flags of `ingest`.
#[derive(clap::Args)]
#[group(id = "ingest")]
pub struct Args {
    /// Events sent to the collector in `ingest`: the same total at every
    /// kiosk count.
    #[arg(long, default_value_t = 200_000)]
    pub events: usize,
    /// Kiosk counts tried in `ingest` (each kiosk sends its own sequence).
    #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 50])]
    pub kiosks: Vec<usize>,
}

impl Args {
    /// Tiny sizes for `--smoke`.
    pub fn smoke(&mut self) {
        self.events = self.events.min(3_000);
    }
}

// ----------------------------------------------------------------- baseline

/// The collector's event table, as `collector::ingest` defines it: (kiosk,
/// kiosk database, sequence) -> the event's JSON.
const RAW_EVENTS: TableDefinition<(u128, u128, u64), &[u8]> = TableDefinition::new("events");

/// Raw redb: a fresh file, the same event JSON keyed by (kiosk, sequence),
/// one transaction per 1,000 events, each committed with the default
/// durability; kiosks' batches taken in turn, as a collector receives them.
fn raw_redb(dir: &Path, kiosks: &[(u128, &[Vec<u8>])]) -> anyhow::Result<Duration> {
    let db = redb::Database::create(dir.join("baseline.redb"))?;
    let rounds = kiosks
        .iter()
        .map(|(_, e)| e.len().div_ceil(BATCH))
        .max()
        .unwrap_or(0);
    let started = Instant::now();
    for round in 0..rounds {
        for (kiosk, events) in kiosks {
            let from = round * BATCH;
            let Some(chunk) = events.get(from..(from + BATCH).min(events.len())) else {
                continue;
            };
            let w = db.begin_write()?;
            {
                let mut t = w.open_table(RAW_EVENTS)?;
                for (i, e) in chunk.iter().enumerate() {
                    t.insert((*kiosk, *kiosk, (from + i + 1) as u64), e.as_slice())?;
                }
            }
            w.commit()?;
        }
    }
    Ok(started.elapsed())
}

/// [`raw_redb`] off the async threads.
pub async fn raw_redb_blocking(
    dir: PathBuf,
    kiosks: Vec<(u128, Arc<Vec<Vec<u8>>>)>,
) -> anyhow::Result<Duration> {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<(u128, &[Vec<u8>])> =
            kiosks.iter().map(|(k, e)| (*k, e.as_slice())).collect();
        raw_redb(&dir, &refs)
    })
    .await?
}

// ---------------------------------------------------------------- collector

/// One kiosk's share of the ingest workload.
struct KioskLoad {
    /// Its demo office.
    office: &'static str,
    /// Its events as stored JSON, sequence 1 first.
    events: Arc<Vec<Vec<u8>>>,
}

/// One run through the collector process.
struct HttpRun {
    time: Duration,
    /// VmHWM once started and provisioned, before any batch.
    idle_mb: f64,
    /// VmHWM once every batch is in.
    peak_mb: f64,
}

/// The collector path end to end: HTTP, signature, parsing, ingest, commit,
/// in a collector process of its own.
async fn collector_http(ctx: &Ctx, dir: &Path, workload: &[KioskLoad]) -> anyhow::Result<HttpRun> {
    let collector =
        ServerProcess::collector(&ctx.programs, &dir.join("collector"), "127.0.0.1:0").await?;
    let admin = Admin::new(&collector.base)?;
    let offices: Vec<&str> = workload.iter().map(|w| w.office).collect();
    let kiosks = admin.provision(&offices).await?;
    let url = format!("{}/api/v1/batches", collector.base);
    // Bodies are built before the clock starts: a kiosk sends the JSON it
    // stored without re-encoding it (see `kiosk::forward`).
    let mut jobs = Vec::new();
    for (created, load) in kiosks.iter().zip(workload) {
        let instance = InstanceId(Uuid::now_v7());
        let batches: Vec<(u64, usize, Vec<u8>)> = load
            .events
            .chunks(BATCH)
            .enumerate()
            .map(|(i, c)| {
                let first = (i * BATCH + 1) as u64;
                Ok((first, c.len(), batch_body(first, instance, c)?))
            })
            .collect::<anyhow::Result<_>>()?;
        jobs.push((created.clone(), batches));
    }
    let idle_mb = collector.peak_rss_mb()?;
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(k, b)| tokio::spawn(send_batches(admin.http.clone(), url.clone(), k, b)))
        .collect();
    for t in tasks {
        t.await??;
    }
    let time = started.elapsed();
    for (created, load) in kiosks.iter().zip(workload) {
        let (mark, sent) = (
            admin.applied_through(created.kiosk_id).await?,
            load.events.len(),
        );
        ensure!(mark == sent as u64, "collector mark {mark}, sent {sent}");
    }
    let peak_mb = collector.peak_rss_mb()?;
    collector.stop().await?;
    Ok(HttpRun {
        time,
        idle_mb,
        peak_mb,
    })
}

/// Diagnostic: the same batches handed straight to the ingest writer
/// (parsed before the clock starts): its apply + commit cost alone.
async fn collector_writer(dir: &Path, workload: &[KioskLoad]) -> anyhow::Result<Duration> {
    let collector = Collector::start(&dir.join("collector"), "127.0.0.1:0").await?;
    let offices: Vec<&str> = workload.iter().map(|w| w.office).collect();
    let kiosks = collector.admin.provision(&offices).await?;
    let mut jobs = Vec::new();
    for (created, load) in kiosks.iter().zip(workload) {
        let office = OfficeId::parse(load.office)?;
        let instance = Some(InstanceId(Uuid::now_v7()));
        let mut batches = Vec::new();
        for (i, c) in load.events.chunks(BATCH).enumerate() {
            let parsed = c
                .iter()
                .map(|raw| Ok((serde_json::from_slice::<Event>(raw)?, raw.clone())))
                .collect::<anyhow::Result<Vec<_>>>()?;
            batches.push(collector::ingest::BatchJob {
                kiosk: created.kiosk_id,
                office: office.clone(),
                instance,
                first_seq: (i * BATCH + 1) as u64,
                events: parsed,
                received_at: Timestamp::now(),
            });
        }
        jobs.push(batches);
    }
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|batches| {
            let ingest = collector.store.ingest().clone();
            tokio::spawn(async move {
                for b in batches {
                    let expected = b.first_seq + b.events.len() as u64 - 1;
                    match ingest.batch(b).await? {
                        collector::ingest::BatchOutcome::Applied(m) if m == expected => {}
                        other => bail!("ingest answered {other:?}, expected mark {expected}"),
                    }
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    collector.stop().await?;
    Ok(elapsed)
}

fn kiosks_label(k: usize) -> String {
    if k == 1 {
        "1 kiosk".into()
    } else {
        format!("{k} kiosks")
    }
}

/// Every `ingest` row, for each kiosk count.
pub async fn run(ctx: &Ctx, args: &Args, table: &mut Table) -> anyhow::Result<()> {
    ensure!(
        args.events >= 1 && !args.kiosks.is_empty() && args.kiosks.iter().all(|k| *k >= 1),
        "--events and every --kiosks must be at least 1"
    );
    let n = args.events as u64;
    let growth_title = format!(
        "Ingest by kiosk count ({} events in total)",
        fmt_n(n as f64)
    );
    table.note(
        "raw redb, 1,000 per durable txn",
        "the same event JSON the kiosks send, inserted into a fresh redb file keyed by (kiosk, \
         instance, sequence) as the collector keys its events, one transaction per 1,000 events \
         committed with redb's default durability (fsync), the kiosks' batches taken in turn. \
         What any ingest on this disk must pay at least; no parsing, no rollups.",
    );
    table.note(
        "collector ingest",
        "the collector as a real process (`collector serve`); each kiosk sends its next signed \
         batch of 1,000 once the last is acknowledged, as the forwarder does; group commit may \
         fold concurrent kiosks' batches into one transaction. The total number of events is the \
         same at every kiosk count. The load generator runs in the benchmark process, on the same \
         cores. The writer-alone diagnostic hands the same parsed batches to the ingest writer \
         in-process.",
    );
    table.note(
        "collector just started",
        "the collector process's VmHWM after start and provisioning (offices, roster, kiosks), \
         before the first batch; the row's figure is its VmHWM once every batch is in.",
    );
    for &kiosks in &args.kiosks {
        let offices = demo_data::offices();
        let started = Instant::now();
        let mut workload = Vec::new();
        for (i, count) in split(args.events, kiosks).into_iter().enumerate() {
            let office = &offices[i % offices.len()];
            workload.push(KioskLoad {
                office: office.id,
                events: Arc::new(office_events(office, count, 0x5EED + i as u64)?),
            });
        }
        let bytes: usize = workload
            .iter()
            .flat_map(|w| w.events.iter())
            .map(Vec::len)
            .sum();
        println!(
            "ingest workload: {} events from {} ({} offices), {:.0} bytes of JSON per event, \
             batches of {}; generated in {:.1} s",
            fmt_n(n as f64),
            kiosks_label(kiosks),
            kiosks.min(offices.len()),
            bytes as f64 / n as f64,
            fmt_n(BATCH as f64),
            started.elapsed().as_secs_f64()
        );
        let mut keys = Vec::new();
        for w in &workload {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b).map_err(|e| anyhow!("no randomness: {e}"))?;
            keys.push((u128::from_le_bytes(b), Arc::clone(&w.events)));
        }
        let (mut raw, mut http, mut writer) = (Vec::new(), Vec::new(), Vec::new());
        let (mut idle_mb, mut peak_mb) = (0.0f64, 0.0f64);
        for run in 1..=ctx.runs {
            let d = temp_in(&ctx.dir, "bench-raw-")?;
            raw.push(raw_redb_blocking(d.path().to_path_buf(), keys.clone()).await?);
            let d = temp_in(&ctx.dir, "bench-http-")?;
            let h = collector_http(ctx, d.path(), &workload).await?;
            http.push(h.time);
            idle_mb = idle_mb.max(h.idle_mb);
            peak_mb = peak_mb.max(h.peak_mb);
            let d = temp_in(&ctx.dir, "bench-writer-")?;
            writer.push(collector_writer(d.path(), &workload).await?);
            println!(
                "  run {run}/{}: raw redb {:.2} s, collector over HTTP {:.2} s (peak RSS {:.1} MB), \
                 ingest writer alone {:.2} s",
                ctx.runs,
                raw[run - 1].as_secs_f64(),
                h.time.as_secs_f64(),
                h.peak_mb,
                writer[run - 1].as_secs_f64()
            );
        }
        let baseline = Figure::rate(n, median(raw), "events/s");
        let raw_what = "raw redb, 1,000 per durable txn";
        let http = Figure::rate(n, median(http), "events/s");
        table.push(
            Row::new(
                format!("collector ingest, signed HTTP, {}", kiosks_label(kiosks)),
                http,
            )
            .baseline(raw_what, baseline)
            .target(Target::RatioAtLeast(0.40))
            .target(Target::AtLeast(100_000.0)),
        );
        table.push(
            Row::new(
                format!(
                    "  diagnostic: ingest writer alone, {}",
                    kiosks_label(kiosks)
                ),
                Figure::rate(n, median(writer), "events/s"),
            )
            .baseline(raw_what, baseline),
        );
        table.push(
            Row::new(
                format!(
                    "collector peak RSS, {} events from {}",
                    fmt_n(n as f64),
                    kiosks_label(kiosks)
                ),
                Figure::mb(peak_mb),
            )
            .baseline("collector just started", Figure::mb(idle_mb))
            .target(Target::Below(300.0)),
        );
        table
            .growth(&growth_title, "kiosks")
            .point(kiosks_label(kiosks), http)
            .note(
                "Collector ingest over signed HTTP (median of the runs); the same events in \
                 total, spread over more kiosks sending at once.",
            );
    }
    Ok(())
}
