//! `reports`: the report routes HR and heads load, on a collector holding
//! 1M and 10M ratings. History is generated fast through the store API
//! (`Change::AddRollups`: the same day and month rows events produce, no
//! events), for a year (2026: the semester July-December and the one before
//! it); a second 1M history adds a year before (2025, outside both periods)
//! to show that a period's cost does not grow with history outside it.
//! The collector then runs as a real process on that file; every route is
//! timed over HTTP (p50/p99 of `--report-repeats` calls, one at a time),
//! against `GET /healthz` on the same process in the same run, and the
//! process's peak RSS is read at the end.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use collector::ingest::Change;
use collector::layout::RollupRow;
use collector::rollup::Rollup;
use collector::store::{StaffRow, Store};
use jiff::civil::Date;
use shared::{Nip, OfficeId};

use crate::Ctx;
use crate::rss::ServerProcess;
use crate::servers::{Admin, http_client, quantile, temp_in};
use crate::table::{Figure, Row, Table, Target};

/// Flags of `reports`.
#[derive(clap::Args)]
#[group(id = "reports")]
pub struct Args {
    /// Calls per route and size in `reports`.
    #[arg(long, default_value_t = 30)]
    pub report_repeats: usize,
    /// Rating counts of the generated histories (millions allowed as 1M).
    #[arg(long, value_delimiter = ',', default_values_t = [1_000_000u64, 10_000_000])]
    pub ratings: Vec<u64>,
}

impl Args {
    /// Tiny sizes for `--smoke`.
    pub fn smoke(&mut self) {
        self.report_repeats = self.report_repeats.min(3);
        self.ratings = vec![20_000];
    }
}

/// One generated history.
struct Shape {
    ratings: u64,
    asn: usize,
    offices: usize,
    /// Years of history, ending 2026.
    years: i16,
}

impl Shape {
    fn of(ratings: u64) -> Shape {
        // 20 ASN an office; 2,000 ASN at 1M, 10,000 at 10M (DESIGN's national
        // target), fewer for smoke sizes.
        let asn = ((ratings / 500) as usize).clamp(40, 10_000);
        Shape {
            ratings,
            asn,
            offices: asn / 20,
            years: 1,
        }
    }
}

const SERVICES: [&str; 4] = ["ktp", "kk", "akta", "pindah"];
/// Working days a year (Monday to Friday).
fn working_days(year: i16) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = Date::new(year, 1, 1).unwrap_or_default();
    while d.year() == year {
        if d.weekday().to_monday_zero_offset() < 5 {
            out.push(d);
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

fn office_id(i: usize) -> OfficeId {
    OfficeId::parse(&format!("kantor-{i:04}")).unwrap_or_else(|_| unreachable!("valid id"))
}

/// A NIP: born 1970-1999, appointed 2000-2019, either gender, serial i.
fn nip(i: usize) -> Nip {
    let born = 1970 + i % 30;
    let s = format!(
        "{born}{:02}{:02}{}{:02}{}{:03}",
        1 + i % 12,
        1 + i % 28,
        born + 20 + i % 5,
        1 + i % 12,
        1 + i % 2,
        i % 1000
    );
    Nip::parse(&s).unwrap_or_else(|e| unreachable!("generated NIP {s}: {e}"))
}

/// One ASN's day: a realistic rollup for `ratings` citizens who answered.
fn asn_day(rng: &mut fastrand::Rng, ratings: u64) -> Rollup {
    let served = ratings * 3 + rng.u64(0..4);
    let mut r = Rollup {
        issued: served + rng.u64(0..2),
        served,
        abandoned: rng.u64(0..2),
        within_target: served.saturating_sub(rng.u64(0..3)),
        ..Rollup::default()
    };
    for _ in 0..served.min(12) {
        r.wait.add(rng.i64(30..2_400));
        r.service.add(rng.i64(120..900));
    }
    for _ in 0..ratings {
        let s = match rng.u8(0..20) {
            0 => 0,
            1..=2 => 1,
            3..=9 => 2,
            _ => 3,
        };
        r.scores[s] += 1;
        if rng.bool() {
            r.ikm.responses += 1;
            for e in &mut r.ikm.sums {
                *e += s as u64 + 1;
            }
        }
        if rng.u8(0..4) == 0 {
            r.qr += 1;
        }
    }
    for _ in 0..served {
        let h = rng.usize(8..15);
        r.hour_visits[h] += 1;
        r.hour_wait_s[h] += rng.u64(60..1_800);
    }
    r
}

/// Generates `shape` into a fresh collector file at `dir`; returns the
/// rating count written and how long it took.
async fn generate(dir: &Path, shape: &Shape, seed: u64) -> anyhow::Result<(u64, Duration)> {
    let t0 = Instant::now();
    let store = Store::open(dir.join("collector.redb")).await?;
    for o in 0..shape.offices {
        store
            .put_office(demo_office(o))
            .await
            .context("storing an office")?;
    }
    let staff: Vec<StaffRow> = (0..shape.asn)
        .map(|i| StaffRow {
            nip: nip(i),
            office_id: office_id(i % shape.offices),
            name: format!("ASN {i:05}"),
            // Nobody signs in here; reports only read names.
            pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$bench$bench".into(),
            active: true,
        })
        .collect();
    store.import_roster(staff).await?;
    let mut days: Vec<Date> = Vec::new();
    for y in (2027 - shape.years)..2027 {
        days.extend(working_days(y));
    }
    let per_asn_day = shape.ratings as f64 / (shape.asn as f64 * days.len() as f64);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut written = 0u64;
    let mut rows: Vec<RollupRow> = Vec::with_capacity(60_000);
    for o in 0..shape.offices {
        let office = office_id(o);
        for day in &days {
            let mut office_rows: Vec<Rollup> = vec![Rollup::default(); SERVICES.len()];
            for a in (o..shape.asn).step_by(shape.offices) {
                // Whole ratings with the right mean.
                let n = per_asn_day.floor() as u64 + u64::from(rng.f64() < per_asn_day.fract());
                if n == 0 {
                    continue;
                }
                let svc = a / shape.offices % SERVICES.len();
                let r = asn_day(&mut rng, n);
                written += n;
                office_rows[svc].merge(&r);
                rows.push(RollupRow {
                    office: office.clone(),
                    day: *day,
                    nip: Some(nip(a)),
                    service: SERVICES[svc].into(),
                    rollup: r,
                });
            }
            for (svc, r) in office_rows.into_iter().enumerate() {
                if r != Rollup::default() {
                    rows.push(RollupRow {
                        office: office.clone(),
                        day: *day,
                        nip: None,
                        service: SERVICES[svc].into(),
                        rollup: r,
                    });
                }
            }
            if rows.len() >= 50_000 {
                add(&store, std::mem::take(&mut rows)).await?;
            }
        }
    }
    add(&store, rows).await?;
    drop(store);
    Ok((written, t0.elapsed()))
}

async fn add(store: &Store, rows: Vec<RollupRow>) -> anyhow::Result<()> {
    store
        .ingest()
        .change(Change::AddRollups(rows))
        .await?
        .map_err(|e| anyhow::anyhow!("rollups refused: {e:?}"))
}

fn demo_office(o: usize) -> shared::Office {
    let spec = shared::wire::OfficeSpec {
        name: format!("Kantor {o:04}"),
        tz: ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"][o % 3].into(),
        services: SERVICES
            .iter()
            .enumerate()
            .map(|(i, c)| shared::wire::ServiceSpec {
                code: (*c).into(),
                name: c.to_uppercase(),
                prefix: ["A", "B", "C", "D"][i].into(),
                target_minutes: 30,
            })
            .collect(),
        counters: vec![shared::wire::CounterSpec {
            id: "L1".into(),
            name: "Loket 1".into(),
            services: SERVICES.iter().map(|c| (*c).into()).collect(),
        }],
    };
    shared::Office::parse(office_id(o), spec).unwrap_or_else(|e| unreachable!("office: {e:?}"))
}

/// p50 and p99 of `n` sequential GETs of `path` (each must be 200), and the
/// size of the last body.
async fn time_get(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<(Duration, Duration, usize)> {
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n.max(1) {
        let t = Instant::now();
        let res = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await?;
        let status = res.status();
        let body = res.bytes().await?;
        times.push(t.elapsed());
        ensure!(
            status.is_success(),
            "{path}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
        size = body.len();
    }
    times.sort();
    Ok((quantile(&times, 0.5), quantile(&times, 0.99), size))
}

struct Measured {
    label: String,
    routes: Vec<(String, Duration, Duration, usize)>,
    health: (Duration, Duration),
    rss_mb: f64,
    file_mb: f64,
    generate: Duration,
    ratings: u64,
}

async fn measure(ctx: &Ctx, args: &Args, shape: &Shape, label: String) -> anyhow::Result<Measured> {
    let dir = temp_in(&ctx.dir, "bench-reports-")?;
    let (ratings, generate) = generate(dir.path(), shape, 7).await?;
    let file_mb = std::fs::metadata(dir.path().join("collector.redb"))?.len() as f64 / 1e6;
    let server = ServerProcess::collector(&ctx.programs, dir.path(), "127.0.0.1:0").await?;
    let base = server.base.clone();
    let admin = Admin::new(&base)?;
    let hr = admin.hr_token().await?;
    let http = http_client()?;
    let sem = "from=2026-07-01&to=2026-12-31";
    let office = office_id(1);
    // An ASN of that office, and their reference.
    let rows: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/reports/asn?{sem}&office_id={office}"
        ))
        .bearer_auth(&hr)
        .send()
        .await?
        .json()
        .await?;
    let asn_ref = rows["rows"][0]["asn_ref"]
        .as_str()
        .context("no ASN row in the generated office")?
        .to_owned();
    let n = args.report_repeats;
    let (h50, h99, _) = time_get(&http, &base, "/healthz", &hr, n * 3).await?;
    let mut routes = Vec::new();
    for (name, path) in [
        (
            "semester, every office with the previous period",
            format!("/api/v1/reports/offices?{sem}"),
        ),
        (
            "semester, every ASN (fair scores, previous period)",
            format!("/api/v1/reports/asn?{sem}"),
        ),
        (
            "semester, one office's detail (charts)",
            format!("/api/v1/reports/offices/{office}?{sem}"),
        ),
        (
            "semester, SKM export (.xlsx) of one office",
            format!("/api/v1/reports/skm.xlsx?office_id={office}&{sem}"),
        ),
        (
            "semester, one ASN's evidence",
            format!("/api/v1/reports/asn/{asn_ref}?office_id={office}&{sem}"),
        ),
        (
            "semester, every office taken together (HR overview)",
            format!("/api/v1/reports/summary?{sem}"),
        ),
    ] {
        let (p50, p99, size) = time_get(&http, &base, &path, &hr, n).await?;
        routes.push((name.to_owned(), p50, p99, size));
    }
    let rss_mb = server.peak_rss_mb()?;
    server.stop().await?;
    Ok(Measured {
        label,
        routes,
        health: (h50, h99),
        rss_mb,
        file_mb,
        generate,
        ratings,
    })
}

fn millions(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{}M", n as f64 / 1e6)
    } else {
        format!("{}k", n / 1_000)
    }
}

/// Runs `reports`.
pub async fn run(ctx: &Ctx, args: &Args, table: &mut Table) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for &ratings in &args.ratings {
        let shape = Shape::of(ratings);
        let label = format!(
            "{} ratings, {} ASN, {} offices",
            millions(ratings),
            shape.asn,
            shape.offices
        );
        println!("reports: generating {label} ...");
        all.push(measure(ctx, args, &shape, label).await?);
    }
    // The smallest size again with twice the history (a year before, outside
    // the period and the previous one).
    if let Some(&ratings) = args.ratings.first() {
        let mut shape = Shape::of(ratings);
        shape.years = 2;
        shape.ratings = ratings * 2;
        let label = format!("{} ratings + a year before", millions(ratings));
        println!("reports: generating {label} ...");
        all.push(measure(ctx, args, &shape, label).await?);
    }
    for m in &all {
        let base50 = Figure::duration_ms(m.health.0);
        let base99 = Figure::duration_ms(m.health.1);
        for (name, p50, p99, _) in &m.routes {
            table.push(
                Row::new(
                    format!("report p50: {name}; {}", m.label),
                    Figure::duration_ms(*p50),
                )
                .baseline("GET /healthz p50, same process", base50)
                .target(Target::Below(200.0)),
            );
            table.push(
                Row::new(
                    format!("report p99: {name}; {}", m.label),
                    Figure::duration_ms(*p99),
                )
                .baseline("GET /healthz p99, same process", base99),
            );
        }
        let mut rss = Row::new(
            format!("collector peak RSS, reports; {}", m.label),
            Figure::mb(m.rss_mb),
        )
        .baseline("database file size", Figure::mb(m.file_mb));
        if m.ratings >= 5_000_000 {
            rss = rss.target(Target::Below(300.0));
        }
        table.push(rss);
        table.push(Row::new(
            format!("history generated through the store API; {}", m.label),
            Figure::rate(m.ratings, m.generate, "ratings"),
        ));
    }
    // Growth with work and with history outside the period.
    let semester = |m: &Measured, i: usize| Figure::duration_ms(m.routes[i].1);
    for (i, name) in [
        "every office",
        "every ASN",
        "one office",
        "SKM export",
        "evidence",
    ]
    .iter()
    .enumerate()
    {
        let g = table.growth(
            &format!("Report p50 by history: semester, {name}"),
            "history",
        );
        for m in &all {
            g.point(m.label.clone(), semester(m, i));
        }
        g.note(
            "Periods are key ranges: whole months from month rows, the ends from day rows. \
             The last line doubles the history outside the period (and the previous one).",
        );
    }
    Ok(())
}
