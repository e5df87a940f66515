//! A month of a busy office on one kiosk, in a temporary redb file, with the
//! kiosk clock moved through the days: what the kiosk's file and memory
//! hold once retention prunes what the collector acknowledged. The kiosk's
//! tests assert on it; the benchmark binary reports it.
//!
//! Every change goes through the store's writer as the routes' would: each
//! morning the ASN sign in at the four counters; visits come in slots of one
//! citizen per counter (the tickets taken together, called two minutes
//! later, completed three minutes after that, rated on the counter's tablet
//! half a minute later; one in twenty does not show up); in the afternoon
//! they sign out. Then the collector's acknowledgement is recorded as the
//! forwarder records it, and the next morning one housekeeping round runs
//! ([`crate::sync::housekeeping_once`]) before the file is measured.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use shared::office::Office;
use shared::wire::{KioskConfig, OfficeSpec, RosterEntry};
use shared::{
    Comment, CounterId, KioskId, Nip, OfficeId, OfficeTz, RatingId, Score, ServiceCode, SkmAnswers,
};

use crate::clock::Clock;
use crate::state::{Pruned, RatingInput, Session};
use crate::store::{self, Store, TableCounts};
use crate::sync::{Housekeeping, housekeeping_once};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Month {
    /// Office days, one after another (every day is a working day).
    pub days: u32,
    /// Citizens served (or not showing up) per day.
    pub visits_per_day: u32,
    /// The kiosk's retention (`Settings::retention`).
    pub retention: Duration,
}

impl Default for Month {
    /// 30 days of 300 visits, the default retention of 7 days.
    fn default() -> Month {
        Month {
            days: 30,
            visits_per_day: 300,
            retention: Duration::from_secs(7 * 86_400),
        }
    }
}

/// One simulated day, measured the next morning after housekeeping.
#[derive(Debug, Clone)]
pub struct SimulatedDay {
    /// 1 for the first day.
    pub day: u32,
    /// Its office-local date.
    pub date: Date,
    /// The size of `kiosk.redb` in bytes.
    pub file_bytes: u64,
    /// Rows in the kiosk's tables.
    pub counts: TableCounts,
    /// Tickets held in memory.
    pub tickets_in_memory: usize,
    /// Unacknowledged events (0: the collector has everything).
    pub pending_events: u64,
    /// What that morning's housekeeping pruned.
    pub housekeeping: Housekeeping,
}

/// The simulated month's database file under `dir`.
pub fn month_file(dir: &Path) -> PathBuf {
    dir.join("kiosk.redb")
}

/// `kiosk month: day 1 N bytes, day 2 M bytes, ...`: the file size per day,
/// on one line.
pub fn month_line(days: &[SimulatedDay]) -> String {
    let sizes: Vec<String> = days
        .iter()
        .map(|d| format!("day {} {} bytes", d.day, d.file_bytes))
        .collect();
    format!("kiosk month: {}", sizes.join(", "))
}

/// The four counters: two for KTP-el, one for KK, one for birth
/// certificates, each with its ASN.
const COUNTERS: [(&str, &str, &str); 4] = [
    ("L1", "ktp", "198801012015031001"),
    ("L2", "ktp", "199002142016042002"),
    ("L3", "kk", "198507302012121003"),
    ("L4", "akta", "199111112019031004"),
];

/// Comments citizens leave, one rating in five.
const COMMENTS: [&str; 4] = [
    "Pelayanan cepat dan petugasnya ramah, terima kasih.",
    "Antrean cukup lama, mohon ditambah petugas di jam sibuk pagi hari.",
    "Ruang tunggu panas, kipas angin tidak menyala. Selebihnya baik.",
    "Petugas menjelaskan persyaratan dengan jelas sehingga saya tidak perlu bolak-balik.",
];

/// The simulated office's configuration (as the collector would send it).
pub fn month_config() -> anyhow::Result<KioskConfig> {
    let spec: OfficeSpec = serde_json::from_value(serde_json::json!({
        "name": "Dinas Kependudukan dan Pencatatan Sipil (simulasi)",
        "tz": "Asia/Jakarta",
        "services": [
            {"code": "ktp", "name": "KTP-el", "prefix": "A", "target_minutes": 30},
            {"code": "kk", "name": "Kartu Keluarga", "prefix": "B", "target_minutes": 45},
            {"code": "akta", "name": "Akta Kelahiran", "prefix": "C", "target_minutes": 60}
        ],
        "counters": COUNTERS
            .iter()
            .map(|(id, svc, _)| serde_json::json!({
                "id": id, "name": format!("Loket {}", &id[1..]), "services": [svc]
            }))
            .collect::<Vec<_>>(),
    }))?;
    let office = Office::parse(OfficeId::parse("simulasi")?, spec)
        .map_err(|e| anyhow::anyhow!("simulated office: {}", e.en))?;
    let roster = COUNTERS
        .iter()
        .enumerate()
        .map(|(i, (_, _, nip))| {
            Ok(RosterEntry {
                nip: Nip::parse(nip)?,
                name: format!("ASN simulasi {}", i + 1),
                pin_hash: String::new(),
                active: true,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(KioskConfig {
        kiosk_id: KioskId(uuid::Uuid::now_v7()),
        office,
        roster,
        public_url: "http://127.0.0.1:8080".into(),
        qr_expiry_s: 86_400,
    })
}

/// Moves `clock` forward to `secs` seconds after the office-local start of
/// `day` (never backwards).
fn move_to(clock: &Clock, tz: &OfficeTz, day: Date, secs: i64) {
    let target = tz.start_of_day(day) + SignedDuration::from_secs(secs);
    let ahead = target.duration_since(clock.now()).as_secs();
    clock.advance(ahead.max(0));
}

/// Runs the month in a new `kiosk.redb` under `dir` (which should be empty)
/// and gives each day's measures. The first day is tomorrow (office-local),
/// so the kiosk clock only moves forward.
pub async fn simulate_month(dir: &Path, month: &Month) -> anyhow::Result<Vec<SimulatedDay>> {
    let config = month_config()?;
    let tz = config.office.tz.clone();
    let clock = Clock::default().without_correction();
    let path = month_file(dir);
    let opened = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || store::open(&path)).await??
    };
    let store = Arc::new(opened.start(config, clock.clone())?);
    let first = tz
        .day_of(Timestamp::now())
        .tomorrow()
        .context("no tomorrow")?;
    let mut days = Vec::with_capacity(month.days as usize);
    let mut visit: u64 = 0;
    for n in 1..=month.days {
        let date = first
            .checked_add(jiff::Span::new().days(i64::from(n - 1)))
            .context("date out of range")?;
        move_to(&clock, &tz, date, 7 * 3600 + 1800);
        let sessions = sign_in(&store, n).await?;
        let mut left = month.visits_per_day;
        while left > 0 {
            let slot = left.min(sessions.len() as u32) as usize;
            left -= slot as u32;
            serve_slot(&store, &clock, &sessions[..slot], &mut visit).await?;
        }
        let hashes: Vec<String> = sessions.iter().map(|s| s.token_hash.clone()).collect();
        store
            .exec(move |tx| {
                for h in &hashes {
                    let now = tx.now;
                    tx.end_session(h, now);
                }
                Ok(())
            })
            .await?;
        // The collector applied everything: the forwarder records its mark.
        store
            .exec(|tx| {
                let mark = tx.state.next_seq - 1;
                tx.set_acked(mark);
                Ok(())
            })
            .await?;
        let next = date.tomorrow().context("no tomorrow")?;
        move_to(&clock, &tz, next, 7 * 3600);
        let housekeeping = housekeeping_once(&store, month.retention).await;
        let s = Arc::clone(&store);
        let counts = tokio::task::spawn_blocking(move || s.table_counts()).await??;
        let (tickets_in_memory, pending_events) =
            store.read(|s| (s.tickets.len(), s.pending_events()));
        let file_bytes = std::fs::metadata(&path)
            .with_context(|| format!("size of {}", path.display()))?
            .len();
        days.push(SimulatedDay {
            day: n,
            date,
            file_bytes,
            counts,
            tickets_in_memory,
            pending_events,
            housekeeping,
        });
    }
    Ok(days)
}

/// Everything pruned over the month.
pub fn pruned_in(days: &[SimulatedDay]) -> Pruned {
    let mut total = Pruned::default();
    for d in days {
        total.add(d.housekeeping.pruned);
    }
    total
}

async fn sign_in(store: &Store, day: u32) -> anyhow::Result<Vec<Session>> {
    let counters = COUNTERS
        .iter()
        .map(|(c, _, nip)| Ok((CounterId::parse(c)?, Nip::parse(nip)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sessions = store
        .exec(move |tx| {
            counters
                .iter()
                .map(|(c, nip)| tx.sign_in(c, nip, true, format!("simulasi-{c}-{day}")))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(sessions)
}

/// One citizen per session's counter: tickets taken, called two minutes
/// later, completed (or a no-show) three minutes after, rated half a minute
/// after that.
async fn serve_slot(
    store: &Store,
    clock: &Clock,
    sessions: &[Session],
    visit: &mut u64,
) -> anyhow::Result<()> {
    let services = sessions
        .iter()
        .map(|s| {
            let (_, svc, _) = COUNTERS
                .iter()
                .find(|(c, _, _)| *c == s.counter.as_str())
                .context("a counter of the simulated office")?;
            Ok(ServiceCode::parse(svc)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    store
        .exec(move |tx| {
            for svc in &services {
                tx.issue_ticket(svc, store::new_ticket_id())?;
            }
            Ok(())
        })
        .await?;
    clock.advance(120);
    let s = sessions.to_vec();
    let called = store
        .exec(move |tx| {
            let mut called = Vec::with_capacity(s.len());
            for session in &s {
                if let Some(t) = tx.call_next(session)? {
                    called.push((session.clone(), t.id));
                }
            }
            Ok(called)
        })
        .await?;
    clock.advance(180);
    let first = *visit;
    *visit += called.len() as u64;
    let served = store
        .exec(move |tx| {
            let mut served = Vec::with_capacity(called.len());
            for (i, (session, id)) in called.into_iter().enumerate() {
                if (first + i as u64) % 20 == 19 {
                    tx.abandon(&session, id)?;
                } else {
                    tx.complete(&session, id)?;
                    served.push((first + i as u64, session.counter, id));
                }
            }
            Ok(served)
        })
        .await?;
    clock.advance(30);
    let ratings = served
        .into_iter()
        .map(|(v, counter, id)| {
            let score = (v % 4) as i64 + 1;
            let input = RatingInput {
                ticket_id: Some(id),
                counter: None,
                score: Score::new(score)?,
                answers: (v % 3 == 0)
                    .then(|| SkmAnswers::new(&[score, 3, score, 4, 3, score, score, 3, 4]))
                    .transpose()?,
                comment: (v % 5 == 0)
                    .then(|| Comment::new(COMMENTS[(v / 5 % 4) as usize]))
                    .transpose()?
                    .flatten(),
            };
            Ok((input, counter))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    store
        .exec(move |tx| {
            for (input, counter) in ratings {
                tx.rate(input, RatingId(uuid::Uuid::now_v7()), &counter)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_month_of_300_visits_a_day_keeps_the_kiosk_file_flat_once_retention_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let month = Month::default();
        let days = simulate_month(dir.path(), &month).await.unwrap();
        println!("{}", month_line(&days));
        for d in &days {
            println!(
                "  day {:2} {}: {:>9} bytes, {:>4} tickets ({} open), {:>4} ratings, {:>5} events, \
                 {:>3} tickets in memory; pruned {:?}",
                d.day,
                d.date,
                d.file_bytes,
                d.counts.tickets,
                d.counts.open_tickets,
                d.counts.ratings,
                d.counts.events,
                d.tickets_in_memory,
                d.housekeeping.pruned
            );
        }
        assert_eq!(days.len(), 30);
        let kept_days = u64::from(month.retention.as_secs().div_ceil(86_400) as u32);
        let retention_days = kept_days as usize;
        let per_day = u64::from(month.visits_per_day);
        for d in &days {
            assert_eq!(
                d.pending_events, 0,
                "day {}: the collector has it all",
                d.day
            );
            assert_eq!(d.counts.open_tickets, 0, "day {}", d.day);
            assert!(
                d.counts.tickets <= kept_days * per_day,
                "day {}: {} tickets kept",
                d.day,
                d.counts.tickets
            );
            assert!(d.counts.ratings <= kept_days * per_day, "day {}", d.day);
            assert!(d.counts.events <= kept_days * per_day * 5, "day {}", d.day);
            assert!(
                d.tickets_in_memory <= 2 * month.visits_per_day as usize,
                "day {}: {} tickets in memory",
                d.day,
                d.tickets_in_memory
            );
        }
        let last = &days[29];
        assert_eq!(
            last.counts.tickets,
            kept_days * per_day,
            "the last {kept_days} days are kept whole"
        );
        let total = pruned_in(&days);
        assert_eq!(
            total.tickets as u64,
            (30 - kept_days) * per_day,
            "every day past the retention is pruned"
        );
        assert!(total.ratings > 0 && total.day_seq > 0, "{total:?}");
        let settled = days[retention_days + 1].file_bytes;
        assert!(
            last.file_bytes as f64 <= settled as f64 * 1.25,
            "the file grew from {settled} bytes on day {} to {} bytes on day 30",
            retention_days + 2,
            last.file_bytes
        );
    }
}
