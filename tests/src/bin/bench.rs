//! `bench`: the DESIGN.md performance targets for ingest and catch-up,
//! measured on this machine, each against a raw redb baseline measured in the
//! same run (CONVENTIONS.md: benchmarks live outside `cargo test` and print
//! ratios, because absolute figures only mean something on one machine).
//!
//! ```text
//! cargo run --release -p e2e --bin bench -- [ingest|catchup|all] [--events N]
//! ```
//!
//! - `ingest`: N realistic events (visits: ticket issued, called, completed,
//!   rated; sign-ins, no-shows) from several kiosks sent concurrently as
//!   signed batches of 1,000 over loopback HTTP to an in-process collector,
//!   timed until every batch got its 200. Baseline: the same event JSON
//!   inserted into a fresh redb file keyed by (kiosk, sequence), one durable
//!   transaction per 1,000. A diagnostic row hands the same batches to the
//!   collector's ingest writer directly (no HTTP, no signature, no parsing),
//!   to tell the writer's cost from the request path's.
//! - `catchup`: a kiosk records 100,000 events while its collector is down;
//!   the collector comes back on the same port and data, and the kiosk's
//!   outbox is polled until it is empty. Once per forwarder batch size.
//!
//! Nothing is skipped on the measured paths: redb's default durability
//! (`Immediate`: every commit is fsynced), every batch signed and verified,
//! every event parsed and applied. The load generator shares the machine's
//! cores with the servers, as it would in CI.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use clap::{Parser, ValueEnum};
use e2e::demo_data::{self, DemoOffice};
use jiff::civil::Date;
use jiff::{SignedDuration, Span, Timestamp};
use redb::TableDefinition;
use reqwest::StatusCode;
use serde_json::value::RawValue;
use shared::sign::{HEADER_KIOSK_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign_request};
use shared::wire::{Batch, BatchAck, Channel, Event, KioskCreated, OutboxStatus, RatingEvent};
use shared::{
    Comment, CounterId, InstanceId, KioskId, Nip, OfficeId, OfficeTz, RatingId, Score, ServiceCode,
    ServicePrefix, SkmAnswers, TicketId, TicketNumber,
};
use tempfile::TempDir;
use uuid::Uuid;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Collector ingest over HTTP vs raw redb.
    Ingest,
    /// Kiosk catch-up after an outage.
    Catchup,
    /// Both.
    All,
}

#[derive(Parser)]
#[command(about = "Measure collector ingest and kiosk catch-up against a raw redb baseline")]
struct Args {
    /// What to measure.
    #[arg(value_enum, default_value = "all")]
    which: Which,
    /// Events sent to the collector in `ingest`.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Kiosks sending concurrently in `ingest` (each its own sequence).
    #[arg(long, default_value_t = 4)]
    kiosks: usize,
    /// Events recorded while offline in `catchup`.
    #[arg(long, default_value_t = 100_000)]
    catchup_events: usize,
    /// Forwarder batch sizes tried in `catchup`.
    #[arg(long, value_delimiter = ',', default_values_t = [500, 1000])]
    batch_sizes: Vec<usize>,
    /// The kiosk forwarder's longest retry delay in `catchup`, in ms. Short,
    /// so that the figure measures forwarding rather than the wait for the
    /// next retry; the kiosk's default is 30,000 (a retry every 15-30 s once
    /// the collector has been gone a while).
    #[arg(long, default_value_t = 200)]
    backoff_cap_ms: u64,
    /// Repeat each `ingest` measurement this many times and report the
    /// median (runs are interleaved, so drift hits every row alike).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Where the temporary redb files go (default: the system temp dir).
    /// Pick a directory on the disk you mean to measure: on tmpfs an fsync
    /// costs nothing.
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Events per batch and per baseline transaction (the collector's maximum).
const BATCH: usize = shared::wire::MAX_BATCH_EVENTS;
/// The admin token of the collectors started here.
const ADMIN_TOKEN: &str = "bench-admin-token-0123456789abcdef";
/// How often the catch-up poll asks the kiosk for its outbox.
const POLL: Duration = Duration::from_millis(10);

// ------------------------------------------------------------------ machine

fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!("{model}, nproc {nproc}, load average {load} at start")
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
                .then(|| (f[1].len(), format!("{} {}", f[2], f[0])))
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

// ----------------------------------------------------------------- workload

/// SplitMix64: a deterministic workload without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn secs(&mut self, from: i64, span: u64) -> SignedDuration {
        SignedDuration::from_secs(from + self.below(span) as i64)
    }
}

/// A UUID v7 for an instant, as the kiosk makes them (`now_v7()` at the
/// moment the ticket or rating is created): keys stay time-ordered.
fn v7_at(at: Timestamp) -> Uuid {
    let nanos = u32::try_from(at.subsec_nanosecond()).unwrap_or(0);
    let secs = u64::try_from(at.as_second()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

/// One citizen's visit at a counter.
struct Visit {
    counter: usize,
    service: ServiceCode,
    issued_at: Timestamp,
    called_at: Timestamp,
    /// Completed, or (`no_show`) abandoned at this time.
    done_at: Timestamp,
    no_show: bool,
    rating: Option<(Timestamp, u8, bool, bool)>,
}

/// `n` events of one office's kiosk, serialized exactly as the kiosk stores
/// and forwards them: office days from 08:00 to 16:00 local time, each
/// counter's ASN signed in, serving one citizen after another (3-12 min,
/// after a 1-25 min wait), 3% no-shows, 85% of visits rated on the tablet
/// (30% of those with the nine-question survey, 5% with a comment). Days run
/// up to today, in the office's own zone; events are in time order.
fn office_events(office: &DemoOffice, n: usize, seed: u64) -> anyhow::Result<Vec<Vec<u8>>> {
    let tz = OfficeTz::parse(&office.spec.tz)?;
    let staff: Vec<Nip> = office
        .staff
        .iter()
        .map(|(nip, _, _)| Nip::parse(nip))
        .collect::<Result<_, _>>()?;
    let mut counters: Vec<(CounterId, Vec<ServiceCode>)> = Vec::new();
    for c in &office.spec.counters {
        let services = c.services.iter().map(|s| ServiceCode::parse(s));
        counters.push((
            CounterId::parse(&c.id)?,
            services.collect::<Result<_, _>>()?,
        ));
    }
    let prefixes: HashMap<ServiceCode, ServicePrefix> = office
        .spec
        .services
        .iter()
        .map(|s| {
            Ok((
                ServiceCode::parse(&s.code)?,
                ServicePrefix::parse(&s.prefix)?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let comment = Comment::new("Pelayanan cepat, petugas ramah. Terima kasih.")?;
    let mut rng = Rng(seed);
    // About 45 visits per counter and day, ~3.9 events each.
    let per_day = (counters.len() * 45 * 39 / 10 + 2 * counters.len()).max(1);
    let days = i64::try_from(n / per_day + 2)?;
    let mut day: Date = tz
        .day_of(Timestamp::now())
        .checked_sub(Span::new().days(days))?;
    let mut timed: Vec<(Timestamp, Event)> = Vec::with_capacity(n + per_day);
    while timed.len() < n {
        let open = tz.start_of_day(day) + SignedDuration::from_hours(8);
        let close = open + SignedDuration::from_hours(8);
        let mut visits = Vec::new();
        for (c, (counter, services)) in counters.iter().enumerate() {
            let nip = staff[c % staff.len()].clone();
            timed.push((
                open - SignedDuration::from_mins(10),
                Event::StaffSignedIn {
                    counter: counter.clone(),
                    nip: nip.clone(),
                    at: open - SignedDuration::from_mins(10),
                },
            ));
            timed.push((
                close + SignedDuration::from_mins(15),
                Event::StaffSignedOut {
                    counter: counter.clone(),
                    nip,
                    at: close + SignedDuration::from_mins(15),
                },
            ));
            let mut t = open + rng.secs(0, 300);
            while t < close {
                let service = services[rng.below(services.len() as u64) as usize].clone();
                let issued_at = (t - rng.secs(60, 1440)).max(open - SignedDuration::from_mins(30));
                let no_show = rng.below(100) < 3;
                let done_at = if no_show {
                    t + rng.secs(60, 60)
                } else {
                    t + rng.secs(180, 540)
                };
                let rating = (!no_show && rng.below(100) < 85).then(|| {
                    (
                        done_at + rng.secs(10, 110),
                        1 + rng.below(4) as u8,
                        rng.below(100) < 30,
                        rng.below(100) < 5,
                    )
                });
                visits.push(Visit {
                    counter: c,
                    service,
                    issued_at,
                    called_at: t,
                    done_at,
                    no_show,
                    rating,
                });
                t = done_at + rng.secs(20, 100);
            }
        }
        // Numbers are given in the order citizens take them, per service.
        visits.sort_by_key(|v| v.issued_at);
        let mut numbers: HashMap<&ServiceCode, u32> = HashMap::new();
        for v in &visits {
            let number = numbers.entry(&v.service).or_insert(0);
            *number += 1;
            let prefix = prefixes
                .get(&v.service)
                .ok_or_else(|| anyhow!("service {} has no prefix", v.service))?;
            let ticket_id = TicketId(v7_at(v.issued_at));
            let (counter, nip) = (
                counters[v.counter].0.clone(),
                staff[v.counter % staff.len()].clone(),
            );
            timed.push((
                v.issued_at,
                Event::TicketIssued {
                    ticket_id,
                    number: TicketNumber::new(prefix.clone(), *number),
                    service: v.service.clone(),
                    issued_at: v.issued_at,
                },
            ));
            timed.push((
                v.called_at,
                Event::TicketCalled {
                    ticket_id,
                    counter,
                    nip,
                    called_at: v.called_at,
                },
            ));
            if v.no_show {
                timed.push((
                    v.done_at,
                    Event::TicketAbandoned {
                        ticket_id,
                        at: v.done_at,
                    },
                ));
                continue;
            }
            timed.push((
                v.done_at,
                Event::TicketCompleted {
                    ticket_id,
                    completed_at: v.done_at,
                },
            ));
            if let Some((at, score, survey, with_comment)) = v.rating {
                let s = i64::from(score);
                let answers = survey
                    .then(|| SkmAnswers::new(&[s, 3, s, 4, 3, s, s, 3, 4]))
                    .transpose()?;
                timed.push((
                    at,
                    Event::Rating(RatingEvent {
                        rating_id: RatingId(v7_at(at)),
                        ticket_id: Some(ticket_id),
                        counter: None,
                        nip: None,
                        channel: Channel::Tablet,
                        score: Score::new(s)?,
                        answers,
                        comment: if with_comment { comment.clone() } else { None },
                        submitted_at: at,
                        flagged: false,
                    }),
                ));
            }
        }
        day = day.tomorrow()?;
    }
    // Stable: events of one instant keep the order they were made in.
    timed.sort_by_key(|(at, _)| *at);
    timed.truncate(n);
    timed
        .iter()
        .map(|(_, e)| serde_json::to_vec(e).map_err(Into::into))
        .collect()
}

/// `total` split over `parts` as evenly as possible.
fn split(total: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| total / parts + usize::from(i < total % parts))
        .collect()
}

/// A batch body as the forwarder builds it: the stored JSON of each event,
/// in the one wire type.
fn batch_body(first_seq: u64, instance: InstanceId, events: &[Vec<u8>]) -> anyhow::Result<Vec<u8>> {
    let events = events
        .iter()
        .map(|e| Ok(RawValue::from_string(String::from_utf8(e.clone())?)?))
        .collect::<anyhow::Result<Vec<Box<RawValue>>>>()?;
    Ok(serde_json::to_vec(&Batch {
        first_seq,
        instance: Some(instance),
        events,
    })?)
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

async fn raw_redb_blocking(
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

fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// A collector running in this process.
struct Collector {
    base: String,
    port: u16,
    http: reqwest::Client,
    /// The handle its routes use (the ingest writer, for the diagnostic).
    store: collector::store::Store,
    /// Asks the server to stop gracefully (its handle waits in a task).
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Collector {
    /// Builds and runs a collector on `listen` with its data in `data`.
    /// Retries while the redb file is still held by a collector stopping in
    /// this process (a redb file opens once per process).
    async fn start(data: &Path, listen: &str) -> anyhow::Result<Collector> {
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
        Ok(Collector {
            base: format!("http://127.0.0.1:{}", app.port()),
            port: app.port(),
            http: http_client()?,
            store: app.store(),
            stop,
            server: tokio::spawn(app.run_until_stopped()),
        })
    }

    async fn admin<T: serde::de::DeserializeOwned>(
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

    /// Every demo office and the whole demo roster, then one kiosk for each
    /// of `kiosk_offices` (demo office ids).
    async fn provision(&self, kiosk_offices: &[&str]) -> anyhow::Result<Vec<KioskCreated>> {
        for o in demo_data::offices() {
            let _: serde_json::Value = self
                .admin(
                    reqwest::Method::PUT,
                    &format!("/api/v1/offices/{}", o.id),
                    &o.spec,
                )
                .await?;
        }
        let import: shared::wire::RosterImport = self
            .admin(reqwest::Method::PUT, "/api/v1/roster", &demo_data::roster())
            .await?;
        ensure!(
            import.rejected.is_empty(),
            "roster rejected: {:?}",
            import.rejected
        );
        let mut out = Vec::new();
        for office in kiosk_offices {
            let created: KioskCreated = self
                .admin(
                    reqwest::Method::POST,
                    "/api/v1/kiosks",
                    &serde_json::json!({ "office_id": office }),
                )
                .await
                .with_context(|| format!("creating a kiosk for {office}"))?;
            out.push(created);
        }
        Ok(out)
    }

    /// The collector's mark for a kiosk.
    async fn applied_through(&self, kiosk: KioskId) -> anyhow::Result<u64> {
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

    /// Stops gracefully and waits until the server has ended.
    async fn stop(self) -> anyhow::Result<()> {
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
async fn send_batches(
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

/// The collector path end to end: HTTP, signature, parsing, ingest, commit.
async fn collector_http(dir: &Path, workload: &[KioskLoad]) -> anyhow::Result<Duration> {
    let collector = Collector::start(&dir.join("collector"), "127.0.0.1:0").await?;
    let offices: Vec<&str> = workload.iter().map(|w| w.office).collect();
    let kiosks = collector.provision(&offices).await?;
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
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(k, b)| tokio::spawn(send_batches(collector.http.clone(), url.clone(), k, b)))
        .collect();
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    for (created, load) in kiosks.iter().zip(workload) {
        let (mark, sent) = (
            collector.applied_through(created.kiosk_id).await?,
            load.events.len(),
        );
        ensure!(mark == sent as u64, "collector mark {mark}, sent {sent}");
    }
    collector.stop().await?;
    Ok(elapsed)
}

/// Diagnostic: the same batches handed straight to the ingest writer
/// (parsed before the clock starts): its apply + commit cost alone.
async fn collector_writer(dir: &Path, workload: &[KioskLoad]) -> anyhow::Result<Duration> {
    let collector = Collector::start(&dir.join("collector"), "127.0.0.1:0").await?;
    let offices: Vec<&str> = workload.iter().map(|w| w.office).collect();
    let kiosks = collector.provision(&offices).await?;
    let mut jobs = Vec::new();
    for (created, load) in kiosks.iter().zip(workload) {
        let office = OfficeId::parse(load.office)?;
        let mut batches = Vec::new();
        for (i, c) in load.events.chunks(BATCH).enumerate() {
            let parsed = c
                .iter()
                .map(|raw| Ok((serde_json::from_slice::<Event>(raw)?, raw.clone())))
                .collect::<anyhow::Result<Vec<_>>>()?;
            batches.push(collector::ingest::BatchJob {
                kiosk: created.kiosk_id,
                office: office.clone(),
                instance: Some(InstanceId(Uuid::now_v7())),
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn temp_in(base: &Path, prefix: &str) -> anyhow::Result<TempDir> {
    Ok(tempfile::Builder::new().prefix(prefix).tempdir_in(base)?)
}

/// One kiosk's share of the ingest workload.
struct KioskLoad {
    /// Its demo office.
    office: &'static str,
    /// Its events as stored JSON, sequence 1 first.
    events: Arc<Vec<Vec<u8>>>,
}

async fn bench_ingest(args: &Args, base: &Path, table: &mut Table) -> anyhow::Result<()> {
    ensure!(
        args.kiosks >= 1 && args.events >= 1,
        "--kiosks and --events must be at least 1"
    );
    let offices = demo_data::offices();
    let started = Instant::now();
    let mut workload = Vec::new();
    for (i, n) in split(args.events, args.kiosks).into_iter().enumerate() {
        let office = &offices[i % offices.len()];
        workload.push(KioskLoad {
            office: office.id,
            events: Arc::new(office_events(office, n, 0x5EED + i as u64)?),
        });
    }
    let bytes: usize = workload
        .iter()
        .flat_map(|w| w.events.iter())
        .map(Vec::len)
        .sum();
    println!(
        "ingest workload: {} events from {} kiosks ({} offices), {:.0} bytes of JSON per event, \
         batches of {}; generated in {:.1} s",
        fmt_n(args.events as f64),
        args.kiosks,
        args.kiosks.min(offices.len()),
        bytes as f64 / args.events as f64,
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
    for run in 1..=args.runs {
        let d = temp_in(base, "bench-raw-")?;
        raw.push(raw_redb_blocking(d.path().to_path_buf(), keys.clone()).await?);
        let d = temp_in(base, "bench-http-")?;
        http.push(collector_http(d.path(), &workload).await?);
        let d = temp_in(base, "bench-writer-")?;
        writer.push(collector_writer(d.path(), &workload).await?);
        println!(
            "  run {run}/{}: raw redb {:.2} s, collector over HTTP {:.2} s, ingest writer alone {:.2} s",
            args.runs,
            raw[run - 1].as_secs_f64(),
            http[run - 1].as_secs_f64(),
            writer[run - 1].as_secs_f64()
        );
    }
    let n = args.events as u64;
    let baseline = n as f64 / median(raw.clone()).as_secs_f64();
    table.rows.push(Row {
        name: format!(
            "raw redb, {} per durable txn (baseline)",
            fmt_n(BATCH as f64)
        ),
        events: n,
        time: median(raw),
        baseline: None,
        target: String::new(),
        met: Vec::new(),
    });
    let http = median(http);
    let eps = n as f64 / http.as_secs_f64();
    table.rows.push(Row {
        name: format!("collector ingest, signed HTTP, {} kiosks", args.kiosks),
        events: n,
        time: http,
        baseline: Some(baseline),
        target: ">= 40%; >= 100,000/s".into(),
        met: vec![eps / baseline >= 0.40, eps >= 100_000.0],
    });
    table.rows.push(Row {
        name: "  diagnostic: ingest writer alone".into(),
        events: n,
        time: median(writer),
        baseline: Some(baseline),
        target: String::new(),
        met: Vec::new(),
    });
    Ok(())
}

// ------------------------------------------------------------------ catch-up

async fn outbox(http: &reqwest::Client, kiosk: &str) -> anyhow::Result<OutboxStatus> {
    Ok(http
        .get(format!("{kiosk}/api/outbox"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Records `n` (at least) events in a kiosk's store, as its routes would:
/// two ASN sign in, then visits of four events each (issued, called,
/// completed, rated), 250 visits per writer job.
async fn record_visits(store: &kiosk::store::Store, n: usize) -> anyhow::Result<()> {
    // Sawahlunto: L1 serves ktp, L2 akta; one ASN at each.
    let mut sessions = Vec::new();
    for (counter, nip, service) in [
        ("L1", "198204102008012005", "ktp"),
        ("L2", "199106232019031007", "akta"),
    ] {
        let counter = CounterId::parse(counter)?;
        let nip = Nip::parse(nip)?;
        let service = ServiceCode::parse(service)?;
        let hash = format!("bench-session-{counter}");
        let session = store
            .exec(move |tx| tx.sign_in(&counter, &nip, true, hash))
            .await?;
        sessions.push((session, service));
    }
    let sessions = Arc::new(sessions);
    let scores: Arc<Vec<(Score, SkmAnswers)>> = Arc::new(
        (1..=4)
            .map(|s| {
                Ok((
                    Score::new(s)?,
                    SkmAnswers::new(&[s, 3, s, 4, 3, s, s, 3, 4])?,
                ))
            })
            .collect::<anyhow::Result<_>>()?,
    );
    let visits = n.saturating_sub(2).div_ceil(4);
    let mut done = 0;
    while done < visits {
        let chunk = (visits - done).min(250);
        let (sessions, scores) = (Arc::clone(&sessions), Arc::clone(&scores));
        store
            .exec(move |tx| {
                for i in 0..chunk {
                    let (session, service) = &sessions[(done + i) % sessions.len()];
                    tx.issue_ticket(service, kiosk::store::new_ticket_id())?;
                    let called = tx
                        .call_next(session)?
                        .ok_or(kiosk::error::KioskError::UnknownTicket)?;
                    tx.complete(session, called.id)?;
                    let (score, answers) = scores[(done + i) % scores.len()];
                    let input = kiosk::state::RatingInput {
                        ticket_id: Some(called.id),
                        counter: None,
                        score,
                        answers: ((done + i) % 3 == 0).then_some(answers),
                        comment: None,
                    };
                    tx.rate(input, RatingId(Uuid::now_v7()), &session.counter)?;
                }
                Ok(())
            })
            .await?;
        done += chunk;
    }
    Ok(())
}

struct Catchup {
    events: u64,
    first_ack: Duration,
    drained: Duration,
    raw: Duration,
}

/// One catch-up: collector up (the kiosk needs its configuration once),
/// kiosk started, collector stopped, `n` events recorded while the kiosk's
/// forwarder fails, collector restarted on the same port and data; timed
/// from the restart until the kiosk's outbox is empty.
async fn catchup_once(
    base: &Path,
    n: usize,
    batch_max: usize,
    backoff_cap: Duration,
) -> anyhow::Result<Catchup> {
    let dir = temp_in(base, "bench-catchup-")?;
    let collector_dir = dir.path().join("collector");
    let collector = Collector::start(&collector_dir, "127.0.0.1:0").await?;
    // The second start takes the same port: the kiosk knows only this URL.
    let listen = format!("127.0.0.1:{}", collector.port);
    let creds = collector
        .provision(&["sawahlunto"])
        .await?
        .pop()
        .ok_or_else(|| anyhow!("no kiosk created"))?;
    let mut settings = kiosk::Settings::new(
        dir.path().join("kiosk"),
        collector.base.clone(),
        creds.kiosk_id,
        creds.key.clone(),
    );
    settings.listen = "127.0.0.1:0".into();
    settings.forward.batch_max = batch_max;
    settings.forward.backoff_cap = backoff_cap;
    let app = kiosk::Application::build(settings).await?;
    let kiosk_base = format!("http://127.0.0.1:{}", app.port());
    let kstore = app.store();
    // Runs until the process ends: the kiosk offers no stop handle. Once
    // drained its forwarder idles (one read every 2 s).
    tokio::spawn(app.run_until_stopped());
    collector.stop().await?;

    record_visits(&kstore, n).await?;
    let http = http_client()?;
    let offline_deadline = Instant::now() + Duration::from_secs(10);
    let before = loop {
        let o = outbox(&http, &kiosk_base).await?;
        if o.last_error.is_some() || Instant::now() > offline_deadline {
            break o;
        }
        tokio::time::sleep(POLL).await;
    };
    ensure!(
        before.acked_through == 0 && before.last_error.is_some(),
        "the kiosk should have failed to forward while the collector was down: {before:?}"
    );
    let events = before.pending;
    let raw_events = {
        let s = Arc::clone(&kstore);
        tokio::task::spawn_blocking(move || s.events_raw_from(1, usize::MAX)).await??
    };
    ensure!(
        raw_events.len() as u64 == events,
        "outbox holds {} of {events}",
        raw_events.len()
    );
    let raw_dir = temp_in(base, "bench-raw-")?;
    let raw = raw_redb_blocking(
        raw_dir.path().to_path_buf(),
        vec![(
            creds.kiosk_id.0.as_u128(),
            Arc::new(raw_events.into_iter().map(|(_, e)| e).collect()),
        )],
    )
    .await?;

    let collector = Collector::start(&collector_dir, &listen).await?;
    let restarted = Instant::now();
    let mut first_ack = None;
    let deadline = restarted + Duration::from_secs(120);
    let drained = loop {
        let o = outbox(&http, &kiosk_base).await?;
        if first_ack.is_none() && o.acked_through > 0 {
            first_ack = Some(restarted.elapsed());
        }
        if o.pending == 0 {
            break restarted.elapsed();
        }
        ensure!(
            Instant::now() < deadline,
            "outbox not drained after 120 s: {o:?}"
        );
        tokio::time::sleep(POLL).await;
    };
    let mark = collector.applied_through(creds.kiosk_id).await?;
    ensure!(
        mark == events,
        "collector mark {mark}, kiosk recorded {events}"
    );
    collector.stop().await?;
    Ok(Catchup {
        events,
        first_ack: first_ack.unwrap_or(drained),
        drained,
        raw,
    })
}

async fn bench_catchup(args: &Args, base: &Path, table: &mut Table) -> anyhow::Result<()> {
    for &batch_max in &args.batch_sizes {
        ensure!(
            (1..=BATCH).contains(&batch_max),
            "a batch holds 1 to {BATCH} events, not {batch_max}"
        );
        let started = Instant::now();
        let backoff_cap = Duration::from_millis(args.backoff_cap_ms);
        let c = catchup_once(base, args.catchup_events, batch_max, backoff_cap).await?;
        println!(
            "catch-up, batch {batch_max}: {} events; first acknowledgement {:.0} ms after the \
             collector came back, outbox empty after {:.2} s; raw redb on the same events {:.2} s \
             (setup and recording took {:.1} s)",
            fmt_n(c.events as f64),
            c.first_ack.as_secs_f64() * 1000.0,
            c.drained.as_secs_f64(),
            c.raw.as_secs_f64(),
            started.elapsed().as_secs_f64() - c.drained.as_secs_f64()
        );
        table.rows.push(Row {
            name: format!(
                "raw redb, same {} events (baseline)",
                fmt_n(c.events as f64)
            ),
            events: c.events,
            time: c.raw,
            baseline: None,
            target: String::new(),
            met: Vec::new(),
        });
        table.rows.push(Row {
            name: format!("kiosk catch-up, batch_max {batch_max}"),
            events: c.events,
            time: c.drained,
            baseline: Some(c.events as f64 / c.raw.as_secs_f64()),
            target: "< 10 s".into(),
            met: vec![c.drained < Duration::from_secs(10)],
        });
    }
    Ok(())
}

// -------------------------------------------------------------------- table

struct Row {
    name: String,
    events: u64,
    time: Duration,
    /// The baseline's events/s, for the ratio.
    baseline: Option<f64>,
    /// Targets, separated by "; ".
    target: String,
    /// Whether each target was met.
    met: Vec<bool>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

/// 1234567.8 -> "1,234,568".
fn fmt_n(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Table {
    fn render(&self) -> String {
        let head = [
            "benchmark",
            "events",
            "time",
            "events/s",
            "vs baseline",
            "target",
            "met",
        ];
        let cells: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                let eps = r.events as f64 / r.time.as_secs_f64();
                [
                    r.name.clone(),
                    fmt_n(r.events as f64),
                    format!("{:.2} s", r.time.as_secs_f64()),
                    fmt_n(eps),
                    r.baseline
                        .map_or_else(|| "100%".into(), |b| format!("{:.0}%", 100.0 * eps / b)),
                    r.target.clone(),
                    r.met
                        .iter()
                        .map(|&m| if m { "yes" } else { "NO" })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        let width = |i: usize| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..head.len()).map(width).collect();
        let mut out = String::new();
        let line = |out: &mut String, cols: &[String]| {
            let mut s = String::from("|");
            for (i, c) in cols.iter().enumerate() {
                let pad = widths[i] - c.chars().count();
                if i == 0 || i >= 5 {
                    let _ = write!(s, " {c}{} |", " ".repeat(pad));
                } else {
                    let _ = write!(s, " {}{c} |", " ".repeat(pad));
                }
            }
            out.push_str(&s);
            out.push('\n');
        };
        line(&mut out, &head.map(String::from));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for c in &cells {
            line(&mut out, c);
        }
        out
    }
}

// --------------------------------------------------------------------- main

async fn run(args: Args) -> anyhow::Result<()> {
    kiosk::startup::install_crypto();
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    ensure!(args.runs >= 1, "--runs must be at least 1");
    println!("machine: {}", machine());
    println!(
        "build:   {} profile; redb files in {} ({})",
        profile(),
        base.display(),
        filesystem(&base)
    );
    if cfg!(debug_assertions) {
        println!(
            "WARNING: this is a debug build; its figures mean nothing. Run \
             `cargo run --release -p e2e --bin bench`."
        );
    }
    println!();
    let mut table = Table::default();
    if matches!(args.which, Which::Ingest | Which::All) {
        bench_ingest(&args, &base, &mut table).await?;
    }
    if matches!(args.which, Which::Catchup | Which::All) {
        bench_catchup(&args, &base, &mut table).await?;
    }
    println!("\n{}", table.render());
    println!(
        "vs baseline: events/s as a share of raw redb's on the same records in the same run. \
         Targets from DESIGN.md \"Performance targets\".\n\
         ingest: each kiosk sends its next batch once the last is acknowledged, as the \
         forwarder does; group commit may fold concurrent kiosks' batches into one transaction. \
         The load generator runs in this process, on the same cores.\n\
         catch-up: from the collector's restart until GET /api/outbox shows nothing pending \
         (polled every {} ms), including the forwarder's wait for its next retry (at most {} ms).",
        POLL.as_millis(),
        args.backoff_cap_ms
    );
    Ok(())
}

fn main() -> ExitCode {
    kiosk::cli::init_logging("error");
    e2e::run_main("bench", run(Args::parse()))
}
