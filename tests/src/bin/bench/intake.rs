//! `intake`: kiosk rating intake at 64 connections. The kiosk runs as a
//! real process for an office of 64 counters; at each counter an ASN signs
//! in (`POST /api/counters/{c}/session`) and a tablet is paired the way the
//! operator pairs one (`POST /api/counters/{c}/tablets` with the operator
//! token, then the one-time pair URL opened by the tablet, which keeps the
//! cookie it sets). The tickets are taken before the clock starts (at the
//! entrance); then each connection loops over the least a genuine rating
//! needs: call the next ticket, complete it, rate it from the tablet.
//! Baseline, on the same process and the same 64 connections just before:
//! `GET /healthz`. The kiosk's peak RSS is read at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, ensure};
use reqwest::StatusCode;
use shared::wire::{
    CounterSpec, Dashboard, NewTicket, OfficeSpec, RosterRow, ServiceSpec, SessionCreated,
    TabletPaired, TicketView,
};

use crate::Ctx;
use crate::rss::ServerProcess;
use crate::servers::{
    Collector, OPERATOR_TOKEN, cookie_of, http_client, no_redirects, quantile, temp_in,
};
use crate::table::{Figure, Row, Table, Target, fmt_n};

/// Flags of `intake`.
#[derive(clap::Args)]
#[group(id = "intake")]
pub struct Args {
    /// Connections in `intake`, each a counter with its ASN and its paired
    /// tablet.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Visits per connection in `intake` (call, complete, tablet rating).
    #[arg(long, default_value_t = 150)]
    pub visits: usize,
}

impl Args {
    /// Tiny sizes for `--smoke`.
    pub fn smoke(&mut self) {
        self.visits = self.visits.min(3);
    }
}

/// The benchmark's office: one service, `n` counters serving it.
const OFFICE: &str = "bench-intake";

fn office(n: usize) -> OfficeSpec {
    OfficeSpec {
        name: format!("Kantor uji beban, {n} loket"),
        tz: "Asia/Jakarta".into(),
        services: vec![ServiceSpec {
            code: "ktp".into(),
            name: "KTP-el".into(),
            prefix: "A".into(),
            target_minutes: 30,
        }],
        counters: (1..=n)
            .map(|i| CounterSpec {
                id: counter(i),
                name: format!("Loket {i}"),
                services: vec!["ktp".into()],
            })
            .collect(),
    }
}

fn counter(i: usize) -> String {
    format!("C{i:02}")
}

/// A valid NIP for ASN `i` (< 1000): born 1985, appointed 2010, unique by
/// its last three digits.
fn nip(i: usize) -> String {
    format!(
        "1985{:02}{:02}2010{:02}{}{:03}",
        1 + i % 12,
        1 + i % 28,
        1 + i % 12,
        1 + i % 2,
        i % 1000
    )
}

fn pin(i: usize) -> String {
    format!("{:06}", 100_000 + i * 7_919 % 900_000)
}

/// One connection: its own client (so its own keep-alive connection), the
/// counter, the ASN's session and the tablet's cookie.
struct Conn {
    http: reqwest::Client,
    counter: String,
    session: String,
    tablet_cookie: String,
}

/// Signs in the ASN at counter `i` and pairs its tablet.
async fn connect(kiosk: &str, i: usize) -> anyhow::Result<Conn> {
    let http = http_client()?;
    let counter = counter(i);
    let res = http
        .post(format!("{kiosk}/api/counters/{counter}/session"))
        .json(&serde_json::json!({"nip": nip(i), "pin": pin(i)}))
        .send()
        .await?;
    ensure!(
        res.status() == StatusCode::OK,
        "sign-in at {counter}: HTTP {}",
        res.status()
    );
    let session = res.json::<SessionCreated>().await?.session;
    let res = http
        .post(format!("{kiosk}/api/counters/{counter}/tablets"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await?;
    ensure!(
        res.status() == StatusCode::CREATED,
        "pairing {counter}: HTTP {}",
        res.status()
    );
    let paired: TabletPaired = res.json().await?;
    // The tablet opens the pair URL: 303 to its screen, with its cookie.
    let res = no_redirects()?
        .get(format!("{kiosk}{}", paired.pair_url))
        .send()
        .await?;
    ensure!(
        res.status() == StatusCode::SEE_OTHER,
        "opening the pair URL of {counter}: HTTP {}",
        res.status()
    );
    let tablet_cookie = cookie_of(&res, kiosk::auth::TABLET_COOKIE)
        .ok_or_else(|| anyhow!("the pair URL of {counter} set no tablet cookie"))?;
    Ok(Conn {
        http,
        counter,
        session,
        tablet_cookie,
    })
}

/// What a connection measured.
#[derive(Default)]
struct Timings {
    rating: Vec<Duration>,
    call: Vec<Duration>,
    complete: Vec<Duration>,
}

/// `visits` times: call the next ticket, complete it, rate it on the
/// tablet; each answer checked.
async fn visits(kiosk: Arc<str>, conn: Arc<Conn>, visits: usize) -> anyhow::Result<Timings> {
    let mut t = Timings::default();
    let c = &conn.counter;
    for v in 0..visits {
        let started = Instant::now();
        let res = conn
            .http
            .post(format!("{kiosk}/api/counters/{c}/next"))
            .bearer_auth(&conn.session)
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::OK,
            "next at {c}: HTTP {}",
            res.status()
        );
        let ticket: TicketView = res.json().await?;
        t.call.push(started.elapsed());
        let started = Instant::now();
        let res = conn
            .http
            .post(format!("{kiosk}/api/tickets/{}/complete", ticket.ticket_id))
            .bearer_auth(&conn.session)
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::OK,
            "complete at {c}: HTTP {}",
            res.status()
        );
        res.bytes().await?;
        t.complete.push(started.elapsed());
        let score = 1 + (v % 4) as i64;
        let mut body = serde_json::json!({"ticket_id": ticket.ticket_id, "score": score});
        if v % 3 == 0 {
            body["answers"] = serde_json::json!([score, 3, score, 4, 3, score, score, 3, 4]);
        }
        let started = Instant::now();
        let res = conn
            .http
            .post(format!("{kiosk}/api/ratings"))
            .header(reqwest::header::COOKIE, &conn.tablet_cookie)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        ensure!(
            status == StatusCode::CREATED,
            "rating at {c}: HTTP {status}: {text}"
        );
        t.rating.push(started.elapsed());
    }
    Ok(t)
}

/// `n` times `GET /healthz`.
async fn healthz(kiosk: Arc<str>, conn: Arc<Conn>, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let res = conn.http.get(format!("{kiosk}/healthz")).send().await?;
        ensure!(
            res.status() == StatusCode::OK,
            "healthz: HTTP {}",
            res.status()
        );
        res.bytes().await?;
        out.push(started.elapsed());
    }
    Ok(out)
}

/// `n` tickets taken at the entrance.
async fn take_tickets(kiosk: Arc<str>, conn: Arc<Conn>, n: usize) -> anyhow::Result<()> {
    for _ in 0..n {
        let res = conn
            .http
            .post(format!("{kiosk}/api/tickets"))
            .json(&NewTicket {
                service: "ktp".into(),
            })
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::CREATED,
            "ticket: HTTP {}",
            res.status()
        );
        res.bytes().await?;
    }
    Ok(())
}

/// Runs `f` on every connection at once; the results and the wall time.
async fn on_all<T, F, Fut>(
    kiosk: &Arc<str>,
    conns: &[Arc<Conn>],
    f: F,
) -> anyhow::Result<(Vec<T>, Duration)>
where
    T: Send + 'static,
    F: Fn(Arc<str>, Arc<Conn>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .iter()
        .map(|c| tokio::spawn(f(Arc::clone(kiosk), Arc::clone(c))))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await??);
    }
    Ok((out, started.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `intake` rows.
pub async fn run(ctx: &Ctx, args: &Args, table: &mut Table) -> anyhow::Result<()> {
    ensure!(
        (1..1000).contains(&args.connections) && args.visits >= 1,
        "--connections must be 1 to 999 and --visits at least 1"
    );
    let n = args.connections;
    let dir = temp_in(&ctx.dir, "bench-intake-")?;
    let collector = Collector::start(&dir.path().join("collector"), "127.0.0.1:0").await?;
    collector.admin.put_office(OFFICE, &office(n)).await?;
    let roster: Vec<RosterRow> = (0..n)
        .map(|i| RosterRow {
            nip: nip(i + 1),
            name: format!("ASN Uji {}", i + 1),
            office_id: OFFICE.into(),
            pin: pin(i + 1),
            active: None,
        })
        .collect();
    collector.admin.put_roster(&roster).await?;
    let creds = collector.admin.create_kiosk(OFFICE).await?;
    let kiosk = ServerProcess::kiosk(
        &ctx.programs,
        &collector.base,
        &creds,
        &dir.path().join("kiosk"),
        &[],
    )
    .await?;
    let idle_mb = kiosk.peak_rss_mb()?;
    let base: Arc<str> = Arc::from(kiosk.base.as_str());
    let mut conns = Vec::new();
    for i in 1..=n {
        conns.push(Arc::new(
            connect(&base, i)
                .await
                .with_context(|| format!("connection {i}"))?,
        ));
    }
    let per = args.visits;
    let setup = Instant::now();
    on_all(&base, &conns, move |k, c| take_tickets(k, c, per)).await?;
    println!(
        "intake: {n} counters signed in and tablets paired; {} tickets taken in {:.1} s",
        fmt_n((n * per) as f64),
        setup.elapsed().as_secs_f64()
    );

    // The baseline first: as many requests per connection as the loop sends.
    let (health, health_time) = on_all(&base, &conns, move |k, c| healthz(k, c, 3 * per)).await?;
    let mut health: Vec<Duration> = health.into_iter().flatten().collect();
    health.sort();
    let (timings, time) = on_all(&base, &conns, move |k, c| visits(k, c, per)).await?;
    let (mut rating, mut call, mut complete) = (Vec::new(), Vec::new(), Vec::new());
    for t in timings {
        rating.extend(t.rating);
        call.extend(t.call);
        complete.extend(t.complete);
    }
    rating.sort();
    call.sort();
    complete.sort();
    let total = rating.len() as u64;
    // Every rating counted: the kiosk's own figures say so.
    let d: Dashboard = conns[0]
        .http
        .get(format!("{base}/api/dashboard"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(
        d.today.ratings >= total,
        "the kiosk counts {} ratings today, {total} were answered 201",
        d.today.ratings
    );
    let peak_mb = kiosk.peak_rss_mb()?;
    println!(
        "intake: {} visits in {:.2} s; p50/p99 ms: rating {:.2}/{:.2}, call {:.2}/{:.2}, \
         complete {:.2}/{:.2}; healthz {:.2}/{:.2} ({} requests in {:.2} s); kiosk peak RSS \
         {peak_mb:.1} MB",
        fmt_n(total as f64),
        time.as_secs_f64(),
        ms(quantile(&rating, 0.5)),
        ms(quantile(&rating, 0.99)),
        ms(quantile(&call, 0.5)),
        ms(quantile(&call, 0.99)),
        ms(quantile(&complete, 0.5)),
        ms(quantile(&complete, 0.99)),
        ms(quantile(&health, 0.5)),
        ms(quantile(&health, 0.99)),
        fmt_n(health.len() as f64),
        health_time.as_secs_f64()
    );
    kiosk.stop().await?;
    collector.stop().await?;

    let name = format!("kiosk rating intake, {n} connections");
    let healthz = format!("GET /healthz, {n} connections");
    table.push(
        Row::new(
            format!("{name}: ratings/s"),
            Figure::rate(total, time, "ratings/s"),
        )
        .baseline(
            &healthz,
            Figure::rate(health.len() as u64, health_time, "requests/s"),
        )
        .target(Target::AtLeast(5_000.0)),
    );
    table.push(
        Row::new(
            format!("{name}: rating p50"),
            Figure::duration_ms(quantile(&rating, 0.5)),
        )
        .baseline(
            format!("{healthz}, p50"),
            Figure::duration_ms(quantile(&health, 0.5)),
        ),
    );
    table.push(
        Row::new(
            format!("{name}: rating p99"),
            Figure::duration_ms(quantile(&rating, 0.99)),
        )
        .baseline(
            format!("{healthz}, p99"),
            Figure::duration_ms(quantile(&health, 0.99)),
        )
        .target(Target::Below(10.0)),
    );
    table.push(
        Row::new(
            format!("kiosk peak RSS, after rating intake at {n} connections"),
            Figure::mb(peak_mb),
        )
        .baseline("kiosk just started", Figure::mb(idle_mb))
        .target(Target::Below(50.0)),
    );
    table.note(
        "kiosk rating intake",
        "the kiosk as a real process (`kiosk serve`), an office of 64 counters with one ASN \
         signed in at each and its tablet paired through the operator's pairing route and the \
         one-time pair URL (the tablet's cookie). The tickets are taken before the clock starts; \
         then each connection loops: POST next, POST complete, POST /api/ratings with the \
         ticket, from the tablet's cookie. A genuine rating needs its ticket called and completed \
         at that counter just before, so ratings/s counts the whole loop (three durable commits \
         per rating); the latencies are the rating request's alone. The kiosk forwards its \
         events to a collector (in the benchmark process) meanwhile, as in production.",
    );
    table.note(
        "GET /healthz",
        "the same kiosk process and the same connections (one keep-alive connection each), \
         just before the rating loop, each sending three requests per visit it will make. \
         /healthz goes through the kiosk's writer thread but commits nothing: the rating's cost \
         over it is the commit (its fsync) and the rating rules.",
    );
    table.note(
        "kiosk just started",
        "the kiosk process's VmHWM once it has fetched its configuration and listens; the row's \
         figure is its VmHWM at the end of the scenario. MB here are 10^6 bytes.",
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nips_and_pins_are_valid_and_distinct() {
        let nips: std::collections::HashSet<String> = (1..1000).map(nip).collect();
        assert_eq!(nips.len(), 999);
        for n in &nips {
            shared::Nip::parse(n).unwrap();
        }
        for i in 1..1000 {
            shared::secret::Pin::parse(&pin(i)).unwrap();
        }
        shared::Office::parse(shared::OfficeId::parse(OFFICE).unwrap(), office(64)).unwrap();
    }
}
