//! `catchup`: a kiosk records a week of events (100,000) while its
//! collector is down; the collector comes back on the same port and data,
//! and the kiosk's outbox is polled until it is empty. Once per forwarder
//! batch size. Baseline: raw redb inserting the same events, one durable
//! transaction per 1,000.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure};
use shared::wire::OutboxStatus;
use shared::{CounterId, Nip, RatingId, Score, ServiceCode, SkmAnswers};
use uuid::Uuid;

use crate::Ctx;
use crate::ingest::{BATCH, raw_redb_blocking};
use crate::servers::{Collector, http_client, temp_in};
use crate::table::{Figure, Row, Table, Target, fmt_n};

/// How often the catch-up poll asks the kiosk for its outbox.
const POLL: Duration = Duration::from_millis(10);

/// Flags of `catchup`.
#[derive(clap::Args)]
#[group(id = "catchup")]
pub struct Args {
    /// Events recorded while offline in `catchup`.
    #[arg(long, default_value_t = 100_000)]
    pub catchup_events: usize,
    /// Forwarder batch sizes tried in `catchup`.
    #[arg(long, value_delimiter = ',', default_values_t = [500, 1000])]
    pub batch_sizes: Vec<usize>,
    /// The kiosk forwarder's longest retry delay in `catchup`, in ms. Short,
    /// so that the figure measures forwarding rather than the wait for the
    /// next retry; the kiosk's default is 30,000 (a retry every 15-30 s once
    /// the collector has been gone a while).
    #[arg(long, default_value_t = 200)]
    pub backoff_cap_ms: u64,
}

impl Args {
    /// Tiny sizes for `--smoke`.
    pub fn smoke(&mut self) {
        self.catchup_events = self.catchup_events.min(1_000);
        self.batch_sizes.truncate(1);
    }
}

async fn outbox(http: &reqwest::Client, kiosk: &str) -> anyhow::Result<OutboxStatus> {
    crate::servers::outbox(http, kiosk).await
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
        .admin
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
    let mark = collector.admin.applied_through(creds.kiosk_id).await?;
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

/// Every `catchup` row, for each batch size.
pub async fn run(ctx: &Ctx, args: &Args, table: &mut Table) -> anyhow::Result<()> {
    table.note(
        "raw redb, same events",
        "the events the kiosk recorded while offline, read from its outbox and inserted into a \
         fresh redb file keyed by (kiosk, instance, sequence), one durable transaction per 1,000: \
         the least a collector must spend storing them.",
    );
    table.note(
        "kiosk catch-up",
        "from the collector's restart (same port, same data) until the kiosk's GET /api/outbox \
         shows nothing pending (polled every 10 ms), including the forwarder's wait for its next \
         retry (capped by --backoff-cap-ms, 200 ms by default; the kiosk's own cap is 30 s).",
    );
    for &batch_max in &args.batch_sizes {
        ensure!(
            (1..=BATCH).contains(&batch_max),
            "a batch holds 1 to {BATCH} events, not {batch_max}"
        );
        let started = Instant::now();
        let backoff_cap = Duration::from_millis(args.backoff_cap_ms);
        let c = catchup_once(&ctx.dir, args.catchup_events, batch_max, backoff_cap).await?;
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
        table.push(
            Row::new(
                format!(
                    "kiosk catch-up, {} events, batch_max {batch_max}",
                    fmt_n(c.events as f64)
                ),
                Figure::secs(c.drained),
            )
            .baseline("raw redb, same events", Figure::secs(c.raw))
            .target(Target::Below(10.0)),
        );
    }
    Ok(())
}
