//! The fault suite: real kiosk and collector processes on 127.0.0.1 with a
//! fault-injecting proxy between them; seeded rounds of visits, each round
//! followed by a fault: the proxy's chaos (delays, drops, cuts mid-request
//! and mid-response, swallowed answers), kill -9 of the kiosk or of the
//! collector while the kiosk forwards a backlog. The test keeps a ledger of
//! every visit and rating the kiosk acknowledged; at the end every one of
//! them is at the collector exactly once: the reports' counts equal the
//! ledger. Each scenario prints a summary line and its seed.
//!
//! CI runs a few rounds per scenario. A soak: `FAULT_ROUNDS=200 cargo test
//! --release -p e2e --test e2e faults:: -- --nocapture` (any
//! `FAULT_SEED=N` reruns a seed printed by a failure).

use std::time::Duration;

use serde_json::{Value, json as j};
use shared::wire::KioskCreated;

use crate::helpers::*;
use crate::proxy;

const ADMIN: &str = "fault-suite-admin-token-0123456789";

/// Faults a scenario may inject after a round.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Chaos,
    KillKiosk,
    KillCollector,
}

#[derive(Default, Debug)]
struct Tally {
    kiosk_kills: u32,
    collector_kills: u32,
    chaos_rounds: u32,
}

fn seed_for(name: &str) -> u64 {
    match std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(s) => s,
        None => {
            // A fresh seed each run (printed), so that CI explores.
            let t = jiff::Timestamp::now().as_nanosecond() as u64;
            t ^ name.len() as u64
        }
    }
}

fn rounds() -> u64 {
    std::env::var("FAULT_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4)
}

struct Rig {
    creds: KioskCreated,
    collector_dir: tempfile::TempDir,
    kiosk_dir: tempfile::TempDir,
    port: u16,
    collector: Option<CollectorProcess>,
    kiosk: Option<KioskProcess>,
    proxy: proxy::Proxy,
    tablet: String,
}

const KIOSK_FLAGS: [&str; 4] = ["--backoff-cap-ms", "300", "--batch-max", "7"];

impl Rig {
    async fn new() -> Rig {
        let collector_dir = temp_dir();
        let collector = CollectorProcess::start(collector_dir.path(), "127.0.0.1:0", ADMIN).await;
        let port = collector.port;
        let creds = provision_at(&collector.base, ADMIN, OFFICE).await;
        let proxy = proxy::start(&collector.base).await;
        let kiosk_dir = temp_dir();
        let kiosk = KioskProcess::start(&proxy.base, &creds, kiosk_dir.path(), &KIOSK_FLAGS).await;
        let tablet = kiosk.tablet("L1").await;
        Rig {
            creds,
            collector_dir,
            kiosk_dir,
            port,
            collector: Some(collector),
            kiosk: Some(kiosk),
            proxy,
            tablet,
        }
    }

    fn kiosk(&self) -> &KioskProcess {
        self.kiosk.as_ref().expect("kiosk running")
    }

    /// One visit served and rated; counted in the ledger only when every
    /// step was acknowledged.
    async fn visit(&self) -> bool {
        let k = self.kiosk();
        let ticket = k.take_ticket("ktp").await;
        let session = k.sign_in("L1", ASN1).await;
        let called = k.call_next("L1", &session).await;
        assert_eq!(called.ticket_id, ticket.ticket_id);
        k.complete(&called, &session).await;
        let res = k
            .rate(
                &self.tablet,
                &j!({"ticket_id": ticket.ticket_id, "score": 3}),
            )
            .await;
        res.status() == reqwest::StatusCode::CREATED
    }

    async fn restart_kiosk(&mut self) {
        if let Some(k) = self.kiosk.take() {
            k.kill9().await;
        }
        self.kiosk = Some(
            KioskProcess::start(
                &self.proxy.base,
                &self.creds,
                self.kiosk_dir.path(),
                &KIOSK_FLAGS,
            )
            .await,
        );
    }

    async fn restart_collector(&mut self) {
        if let Some(c) = self.collector.take() {
            c.kill9().await;
        }
        self.collector = Some(
            CollectorProcess::start(
                self.collector_dir.path(),
                &format!("127.0.0.1:{}", self.port),
                ADMIN,
            )
            .await,
        );
    }

    async fn collector_counts(&self) -> (u64, u64) {
        let base = &self.collector.as_ref().expect("collector").base;
        let hr = hr_token(base, ADMIN).await;
        let v: Value = get_json(base, &hr, "/api/v1/reports/offices?preset=tahun").await;
        let row = &v["rows"][0];
        (
            row["services"].as_u64().unwrap_or(0),
            row["ratings"].as_u64().unwrap_or(0),
        )
    }
}

async fn scenario(name: &str, faults: &[Fault]) {
    let seed = seed_for(name);
    let n = rounds();
    println!("fault scenario {name}: seed {seed} (rerun: FAULT_SEED={seed})");
    let mut rng = e2e::semester::Rng::new(seed);
    let mut rig = Rig::new().await;
    let (mut visits, mut ratings) = (0u64, 0u64);
    let mut tally = Tally::default();
    for _ in 0..n {
        let fault = faults[rng.below(faults.len() as u64) as usize];
        // The backlog the fault strikes: visits recorded while batches wait.
        let hold = fault != Fault::Chaos;
        rig.proxy
            .faults
            .block_batches
            .store(hold, std::sync::atomic::Ordering::SeqCst);
        if fault == Fault::Chaos {
            tally.chaos_rounds += 1;
            *rig.proxy.faults.chaos.lock().unwrap() =
                Some(e2e::semester::Rng::new(rng.below(u64::MAX - 1) + 1));
        }
        for _ in 0..(2 + rng.below(4)) {
            visits += 1;
            if rig.visit().await {
                ratings += 1;
            }
        }
        rig.proxy
            .faults
            .block_batches
            .store(false, std::sync::atomic::Ordering::SeqCst);
        // Strike while the kiosk forwards.
        tokio::time::sleep(Duration::from_millis(rng.below(250))).await;
        match fault {
            Fault::Chaos => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                *rig.proxy.faults.chaos.lock().unwrap() = None;
            }
            Fault::KillKiosk => {
                tally.kiosk_kills += 1;
                rig.restart_kiosk().await;
            }
            Fault::KillCollector => {
                tally.collector_kills += 1;
                rig.restart_collector().await;
            }
        }
    }
    *rig.proxy.faults.chaos.lock().unwrap() = None;
    drained(rig.kiosk()).await;
    let (services, rated) = rig.collector_counts().await;
    let f = &rig.proxy.faults;
    let injected = tally.kiosk_kills + tally.collector_kills + f.injected();
    let duplicates = services.saturating_sub(visits) + rated.saturating_sub(ratings);
    let lost = visits.saturating_sub(services) + ratings.saturating_sub(rated);
    println!(
        "fault scenario {name}: seed {seed}, {n} rounds, {injected} faults injected \
         (kiosk kill -9 {}, collector kill -9 {}, proxy: {} delayed, {} dropped, {} cut mid-request, \
         {} cut mid-response, {} answers swallowed); acknowledged {} visits + {} ratings, \
         delivered {services} + {rated}, duplicates {duplicates}, lost {lost}",
        tally.kiosk_kills,
        tally.collector_kills,
        f.delayed.load(std::sync::atomic::Ordering::SeqCst),
        f.dropped.load(std::sync::atomic::Ordering::SeqCst),
        f.cut_requests.load(std::sync::atomic::Ordering::SeqCst),
        f.cut_responses.load(std::sync::atomic::Ordering::SeqCst),
        f.swallowed.load(std::sync::atomic::Ordering::SeqCst),
        visits,
        ratings,
    );
    assert_eq!(
        ratings, visits,
        "every rating was acknowledged by the kiosk"
    );
    assert_eq!(
        (services, rated),
        (visits, ratings),
        "seed {seed}: the collector has every acknowledged visit and rating exactly once"
    );
    if let Some(k) = rig.kiosk.take() {
        k.kill9().await;
    }
    if let Some(c) = rig.collector.take() {
        c.kill9().await;
    }
    // The rollup layout came through the crashes whole: every month row
    // (what a semester reads) equals the sum of its day rows.
    let store = collector::store::Store::open(rig.collector_dir.path().join("collector.redb"))
        .await
        .expect("the collector's file opens after kill -9");
    let db = store.database();
    let drift = collector::layout::verify(&db).expect("rollups readable");
    assert_eq!(
        drift,
        Vec::<String>::new(),
        "seed {seed}: month rows equal the sum of their day rows after the faults"
    );
    println!("fault scenario {name}: rollup layout verified (month rows = sum of day rows)");
}

#[tokio::test]
async fn proxy_chaos_loses_and_doubles_nothing_acknowledged() {
    scenario("proxy-chaos", &[Fault::Chaos]).await;
}

#[tokio::test]
async fn kill_9_of_kiosk_and_collector_while_forwarding_loses_and_doubles_nothing_acknowledged() {
    scenario("kill-9", &[Fault::KillKiosk, Fault::KillCollector]).await;
}

#[tokio::test]
async fn mixed_faults_lose_and_double_nothing_acknowledged() {
    scenario(
        "mixed",
        &[Fault::Chaos, Fault::KillKiosk, Fault::KillCollector],
    )
    .await;
}
