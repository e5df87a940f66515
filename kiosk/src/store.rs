//! The kiosk's redb file and its single writer.
//!
//! Every change runs as a job on one writer thread, which takes whatever jobs
//! are queued, applies them to the in-memory [`KioskState`] in order, writes
//! all they touched (state rows and the new events of the outbox) in one
//! write transaction, and answers each job only after that commit returned
//! (group commit). So nothing is acknowledged before it is durable, a busy
//! kiosk pays one fsync for many requests, and redb is never touched from the
//! async threads. Readers take the state lock briefly; the writer holds it
//! from applying a group until its commit returned, so readers only ever see
//! durable state.
//!
//! Tables are keyed so that they grow in order: events by sequence number,
//! tickets and ratings by UUID v7.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::civil::Date;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use shared::ids::{ServiceCode, TicketId};
use shared::wire::{Event, KioskConfig, RatingEvent};
use shared::{InstanceId, Nip};
use tokio::sync::{oneshot, watch};

use crate::clock::Clock;
use crate::error::KioskError;
use crate::state::{
    Changes, Config, KioskState, PairCode, PinFails, Prunable, Session, Tablet, Ticket, Tx,
};

/// The event log (outbox): sequence -> event JSON.
pub(crate) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Tickets: UUID v7 -> ticket JSON.
pub(crate) const TICKETS: TableDefinition<u128, &[u8]> = TableDefinition::new("tickets");
/// Index of tickets still waiting or being served, so a restart finds old
/// open tickets without scanning history.
pub(crate) const OPEN_TICKETS: TableDefinition<u128, ()> = TableDefinition::new("open_tickets");
/// Ratings: UUID v7 -> rating JSON.
pub(crate) const RATINGS: TableDefinition<u128, &[u8]> = TableDefinition::new("ratings");
/// Staff sessions: SHA-256 of the token -> session JSON.
pub(crate) const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// Wrong-PIN counters: NIP -> JSON.
pub(crate) const PIN_FAILS: TableDefinition<&str, &[u8]> = TableDefinition::new("pin_fails");
/// Daily numbering: "service|YYYY-MM-DD" -> last number issued.
pub(crate) const DAY_SEQ: TableDefinition<&str, u32> = TableDefinition::new("day_seq");
/// Paired tablets: SHA-256 of a tablet token -> tablet JSON.
pub(crate) const TABLETS: TableDefinition<&str, &[u8]> = TableDefinition::new("tablets");
/// Pairing links not yet opened: SHA-256 of the code -> JSON.
pub(crate) const PAIR_CODES: TableDefinition<&str, &[u8]> = TableDefinition::new("pair_codes");
/// Single values: `config`, `next_seq`, `acked_through`, `instance`,
/// `instance_first_seq`.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// How far back a restart reloads closed tickets and ratings into memory.
const RELOAD_DAYS: u64 = 3;
/// The most jobs folded into one transaction.
const MAX_GROUP: usize = 2048;
/// Unacknowledged events [`Store::prunable_records`] reads for the tickets
/// and ratings they name. With more (the collector far behind), nothing is
/// pruned until it catches up: what is not acknowledged is kept anyway.
pub const MAX_UNACKED_SCAN: usize = 20_000;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed.
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    /// A stored row does not decode (or a value does not encode).
    #[error("stored data does not decode: {0}")]
    Codec(#[from] serde_json::Error),
    /// The writer thread is gone.
    #[error("the storage writer stopped")]
    WriterGone,
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> StoreError {
                StoreError::Db(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

impl From<StoreError> for KioskError {
    fn from(e: StoreError) -> KioskError {
        KioskError::Store(e.to_string())
    }
}

type Done = Box<dyn FnOnce(bool) + Send>;
type WriteJob = Box<dyn FnOnce(&mut Tx<'_>) -> Done + Send>;

enum Job {
    Write(WriteJob),
    Ping(oneshot::Sender<bool>),
}

/// An opened database, before the kiosk has a configuration to start with.
pub struct Opened {
    db: Database,
}

/// Opens (or creates) the kiosk's database file.
pub fn open(path: &Path) -> Result<Opened, StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(redb::Error::Io(e)))?;
    }
    let db = Database::create(path)?;
    let w = db.begin_write()?;
    {
        w.open_table(EVENTS)?;
        w.open_table(TICKETS)?;
        w.open_table(OPEN_TICKETS)?;
        w.open_table(RATINGS)?;
        w.open_table(SESSIONS)?;
        w.open_table(PIN_FAILS)?;
        w.open_table(DAY_SEQ)?;
        w.open_table(TABLETS)?;
        w.open_table(PAIR_CODES)?;
        w.open_table(META)?;
    }
    w.commit()?;
    Ok(Opened { db })
}

impl Opened {
    /// The configuration cached at the last successful fetch.
    pub fn cached_config(&self) -> Result<Option<KioskConfig>, StoreError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(META)?;
        let Some(v) = meta.get("config")? else {
            return Ok(None);
        };
        Ok(Some(serde_json::from_slice(v.value())?))
    }

    /// Loads the state for `config` (caching it) and starts the writer. A
    /// database without an identity yet (a new file) gets one here.
    pub fn start(self, config: KioskConfig, clock: Clock) -> Result<Store, StoreError> {
        let changed_config = self.cached_config()?.as_ref() != Some(&config);
        let (mut state, new_instance) = load(&self.db, config)?;
        if changed_config || new_instance {
            let changes = Changes {
                config: changed_config,
                instance: new_instance,
                ..Changes::default()
            };
            persist(&self.db, &state, &changes)?;
        }
        if new_instance {
            tracing::info!(
                instance = %state.instance,
                first_seq = state.instance_first_seq,
                "this kiosk database has a new identity"
            );
        }
        state.forget_old(state.config.office().tz.day_of(clock.now()));
        let db = Arc::new(self.db);
        let state = Arc::new(Mutex::new(state));
        let (jobs, rx) = mpsc::channel();
        let (changed, _) = watch::channel(0u64);
        let failed = Arc::new(AtomicBool::new(false));
        {
            // The writer ends when the last `Store` (and so every sender) is
            // dropped, after finishing the jobs already queued.
            let (db, state, changed) = (Arc::clone(&db), Arc::clone(&state), changed.clone());
            let clock = clock.clone();
            let failed = Arc::clone(&failed);
            std::thread::Builder::new()
                .name("kiosk-writer".into())
                .spawn(move || run_writer(&db, &state, &rx, clock, &changed, &failed))
                .map_err(|e| StoreError::Db(redb::Error::Io(e)))?;
        }
        Ok(Store {
            jobs,
            state,
            db,
            clock,
            changed,
            failed,
        })
    }
}

/// The exit status of a kiosk whose storage failed (EX_TEMPFAIL).
pub const EXIT_STORAGE_FAILED: i32 = 75;

/// The kiosk's storage: state for readers, the writer for changes.
pub struct Store {
    jobs: mpsc::Sender<Job>,
    state: Arc<Mutex<KioskState>>,
    db: Arc<Database>,
    clock: Clock,
    /// Bumped after every commit that changed something, for live pages.
    changed: watch::Sender<u64>,
    /// Set when the database can no longer be written (see [`run_writer`]).
    failed: Arc<AtomicBool>,
}

fn lock(state: &Mutex<KioskState>) -> MutexGuard<'_, KioskState> {
    // A panic while holding the lock cannot leave a half-applied job behind:
    // jobs validate before they mutate. Keep serving rather than poisoning.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// Runs `f` in the writer and answers once its group is durable.
    pub async fn exec<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, KioskError> + Send + 'static,
    ) -> Result<R, KioskError> {
        if self.storage_failed() {
            return Err(KioskError::StorageUnavailable);
        }
        let (tx, rx) = oneshot::channel();
        let failed = Arc::clone(&self.failed);
        let job: WriteJob = Box::new(move |t: &mut Tx<'_>| {
            let r = f(t);
            Box::new(move |committed: bool| {
                let r = if committed || r.is_err() {
                    r
                } else if failed.load(Ordering::SeqCst) {
                    Err(KioskError::StorageUnavailable)
                } else {
                    Err(KioskError::Store("commit failed; nothing was saved".into()))
                };
                let _ = tx.send(r);
            })
        });
        self.jobs
            .send(Job::Write(job))
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Whether the database can no longer be written: writes are refused
    /// (503) until the kiosk restarts.
    pub fn storage_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// Reads the state (briefly: the writer waits meanwhile).
    pub fn read<R>(&self, f: impl FnOnce(&KioskState) -> R) -> R {
        f(&lock(&self.state))
    }

    /// The database (for an online backup's read transaction).
    pub fn database(&self) -> Arc<Database> {
        Arc::clone(&self.db)
    }

    /// The kiosk clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Changes whenever a commit changed something.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Whether the database answers (through the writer, so a stuck writer
    /// shows too).
    pub async fn ping(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Ping(tx)).is_err() {
            return false;
        }
        tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false)
    }

    /// Events from `from_seq` on, at most `limit`, in order, as stored JSON
    /// (the forwarder sends them without decoding).
    pub fn events_raw_from(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(EVENTS)?;
        let mut out = Vec::with_capacity(limit.min(1024));
        for row in t.range(from_seq..)?.take(limit) {
            let (k, v) = row?;
            out.push((k.value(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// The highest acknowledged sequence whose event is older than `cutoff`:
    /// what may be pruned (looks at most `limit` events from the oldest).
    pub fn prunable_through(
        &self,
        acked: u64,
        cutoff: jiff::Timestamp,
        limit: usize,
    ) -> Result<Option<u64>, StoreError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(EVENTS)?;
        let mut last = None;
        for row in t.range(..=acked)?.take(limit) {
            let (k, v) = row?;
            let e: Event = serde_json::from_slice(v.value())?;
            if e.at() >= cutoff {
                break;
            }
            last = Some(k.value());
        }
        Ok(last)
    }

    /// Tickets, ratings and daily numbering that may be pruned, at most
    /// `limit` of each, oldest first:
    ///
    /// - closed tickets (not in the open index) whose latest time is before
    ///   `cutoff`, named by no event after `acked`;
    /// - ratings sent before `cutoff`, whose event is not after `acked`;
    /// - numbering rows of days before `numbering_before`.
    ///
    /// Tables keyed by UUID v7 are in the order the rows were made, so the
    /// scan stops at the first row too recent to prune (a later row is not
    /// older but for clock corrections, and is found once the cutoff passes
    /// the one before it); open tickets are stepped over. At most `4 * limit`
    /// rows of each table are read. Every change of a ticket or rating
    /// writes its event in the same transaction and events are deleted only
    /// once acknowledged, so a row no event after `acked` names has all its
    /// events acknowledged. `cutoff` must be no later than the start of the
    /// office-local today ([`KioskState::prune_cutoff`]);
    /// [`Tx::prune_records`] checks again under the writer.
    pub fn prunable_records(
        &self,
        acked: u64,
        cutoff: jiff::Timestamp,
        numbering_before: Date,
        limit: usize,
    ) -> Result<Prunable, StoreError> {
        let r = self.db.begin_read()?;
        let scan = limit.saturating_mul(4);
        let mut p = Prunable::default();
        {
            let tickets = r.open_table(TICKETS)?;
            let open = r.open_table(OPEN_TICKETS)?;
            for row in tickets.iter()?.take(scan) {
                if p.tickets.len() >= limit {
                    break;
                }
                let (k, v) = row?;
                let t: Ticket = serde_json::from_slice(v.value())?;
                if t.is_open() || open.get(k.value())?.is_some() {
                    continue;
                }
                if t.last_at() >= cutoff {
                    break;
                }
                p.tickets.push(t.id);
            }
        }
        for row in r.open_table(RATINGS)?.iter()?.take(scan) {
            if p.ratings.len() >= limit {
                break;
            }
            let (_, v) = row?;
            let rating: RatingEvent = serde_json::from_slice(v.value())?;
            if rating.submitted_at >= cutoff {
                break;
            }
            p.ratings.push(rating.rating_id);
        }
        for row in r.open_table(DAY_SEQ)?.iter()? {
            if p.day_seq.len() >= limit {
                break;
            }
            let (k, _) = row?;
            if let Some((svc, day)) = parse_day_key(k.value())
                && day < numbering_before
            {
                p.day_seq.push((svc, day));
            }
        }
        if p.tickets.is_empty() && p.ratings.is_empty() {
            return Ok(p);
        }
        // Leave out whatever an unacknowledged event names.
        let mut tickets = std::collections::HashSet::new();
        let mut ratings = std::collections::HashSet::new();
        let events = r.open_table(EVENTS)?;
        for (n, row) in events.range(acked.saturating_add(1)..)?.enumerate() {
            if n >= MAX_UNACKED_SCAN {
                tracing::debug!(
                    acked,
                    "many events not yet acknowledged; tickets and ratings are pruned once the \
                     collector catches up"
                );
                p.tickets.clear();
                p.ratings.clear();
                return Ok(p);
            }
            let (_, v) = row?;
            match serde_json::from_slice(v.value())? {
                Event::TicketIssued { ticket_id, .. }
                | Event::TicketCalled { ticket_id, .. }
                | Event::TicketCompleted { ticket_id, .. }
                | Event::TicketAbandoned { ticket_id, .. } => {
                    tickets.insert(ticket_id);
                }
                Event::TicketTransferred {
                    ticket_id,
                    new_ticket_id,
                    ..
                } => {
                    tickets.insert(ticket_id);
                    tickets.insert(new_ticket_id);
                }
                Event::Rating(rating) => {
                    ratings.insert(rating.rating_id);
                    tickets.extend(rating.ticket_id);
                }
                Event::StaffSignedIn { .. }
                | Event::StaffSignedOut { .. }
                | Event::StaffBreak { .. } => {}
            }
        }
        p.tickets.retain(|id| !tickets.contains(id));
        p.ratings.retain(|id| !ratings.contains(id));
        Ok(p)
    }

    /// How many rows the growing tables hold.
    pub fn table_counts(&self) -> Result<TableCounts, StoreError> {
        let r = self.db.begin_read()?;
        Ok(TableCounts {
            events: r.open_table(EVENTS)?.len()?,
            tickets: r.open_table(TICKETS)?.len()?,
            open_tickets: r.open_table(OPEN_TICKETS)?.len()?,
            ratings: r.open_table(RATINGS)?.len()?,
            day_seq: r.open_table(DAY_SEQ)?.len()?,
        })
    }

    /// Events from `from_seq` on, at most `limit`, in order (for forwarding).
    pub fn events_from(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Event)>, StoreError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(EVENTS)?;
        let mut out = Vec::with_capacity(limit.min(1024));
        for row in t.range(from_seq..)?.take(limit) {
            let (k, v) = row?;
            out.push((k.value(), serde_json::from_slice(v.value())?));
        }
        Ok(out)
    }
}

/// Rows in the kiosk's growing tables ([`Store::table_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Events in the outbox (acknowledged ones until pruned).
    pub events: u64,
    /// Tickets.
    pub tickets: u64,
    /// Tickets in the open index.
    pub open_tickets: u64,
    /// Ratings.
    pub ratings: u64,
    /// Daily numbering rows.
    pub day_seq: u64,
}

/// The single writer. When a commit fails and redb then refuses a new write
/// transaction (a full or failing disk: redb writes nothing more until the
/// file is opened again), it raises `failed` before answering (writes get
/// 503, `/healthz` 503), and ends the process with status 75 for the service
/// manager to restart it once there is room; everything acknowledged was
/// committed.
fn run_writer(
    db: &Database,
    state: &Mutex<KioskState>,
    rx: &mpsc::Receiver<Job>,
    clock: Clock,
    changed: &watch::Sender<u64>,
    failed: &AtomicBool,
) {
    let mut last_now = jiff::Timestamp::UNIX_EPOCH;
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let mut guard = lock(state);
        let mut changes = Changes::default();
        let mut dones = Vec::with_capacity(group.len());
        let mut pings = Vec::new();
        for job in group {
            match job {
                Job::Write(f) => {
                    // Never backwards, even when the clock is corrected or
                    // the machine's clock steps back: events of a ticket keep
                    // their order in time (called after issued, rated after
                    // completed), which the collector relies on.
                    last_now = last_now.max(clock.now());
                    let mut tx = Tx {
                        state: &mut guard,
                        changes: &mut changes,
                        now: last_now,
                    };
                    dones.push(f(&mut tx));
                }
                Job::Ping(p) => pings.push(p),
            }
        }
        let ok = !changes.needs_commit() || {
            match persist(db, &guard, &changes) {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = %e, "commit failed; reloading state from disk");
                    if db.begin_write().is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    let config = guard.config.raw.clone();
                    match load(db, config) {
                        Ok((s, _)) => *guard = s,
                        Err(e) => tracing::error!(error = %e, "reload after failed commit failed"),
                    }
                    false
                }
            }
        };
        drop(guard);
        if ok && !changes.is_empty() {
            changed.send_modify(|v| *v += 1);
        }
        for d in dones {
            d(ok);
        }
        if failed.load(Ordering::SeqCst) {
            tracing::error!(
                "the database can no longer be written (disk full?); exiting with status {} so \
                 that the service manager restarts the kiosk; everything acknowledged is \
                 committed",
                EXIT_STORAGE_FAILED
            );
            std::thread::sleep(std::time::Duration::from_secs(1));
            std::process::exit(EXIT_STORAGE_FAILED);
        }
        for p in pings {
            let alive = db
                .begin_read()
                .map_err(StoreError::from)
                .and_then(|r| r.open_table(META).map(|_| ()).map_err(StoreError::from));
            let _ = p.send(alive.is_ok());
        }
    }
}

fn day_key(service: &ServiceCode, day: Date) -> String {
    format!("{service}|{day}")
}

fn parse_day_key(key: &str) -> Option<(ServiceCode, Date)> {
    let (s, d) = key.split_once('|')?;
    Some((ServiceCode::parse(s).ok()?, d.parse::<Date>().ok()?))
}

fn persist(db: &Database, st: &KioskState, ch: &Changes) -> Result<(), StoreError> {
    let w = db.begin_write()?;
    {
        let mut tickets = w.open_table(TICKETS)?;
        let mut open = w.open_table(OPEN_TICKETS)?;
        for id in &ch.tickets {
            if let Some(t) = st.tickets.get(id) {
                tickets.insert(id.as_u128(), serde_json::to_vec(t)?.as_slice())?;
                if t.is_open() {
                    open.insert(id.as_u128(), ())?;
                } else {
                    open.remove(id.as_u128())?;
                }
            }
        }
        let mut sessions = w.open_table(SESSIONS)?;
        for h in &ch.sessions {
            match st.sessions.get(h) {
                Some(s) => sessions.insert(h.as_str(), serde_json::to_vec(s)?.as_slice())?,
                None => sessions.remove(h.as_str())?,
            };
        }
        let mut fails = w.open_table(PIN_FAILS)?;
        for nip in &ch.pin_fails {
            match st.pin_fails.get(nip) {
                Some(f) => fails.insert(nip.as_str(), serde_json::to_vec(f)?.as_slice())?,
                None => fails.remove(nip.as_str())?,
            };
        }
        let mut day_seq = w.open_table(DAY_SEQ)?;
        for (svc, day) in &ch.day_seq {
            if let Some(&n) = st.day_seq.get(&(svc.clone(), *day)) {
                day_seq.insert(day_key(svc, *day).as_str(), n)?;
            }
        }
        for (svc, day) in &ch.pruned_day_seq {
            day_seq.remove(day_key(svc, *day).as_str())?;
        }
        // After the rewrites: a pruned ticket is no longer in memory, so
        // nothing above wrote it again.
        for id in &ch.pruned_tickets {
            tickets.remove(id.as_u128())?;
            open.remove(id.as_u128())?;
        }
        let mut ratings = w.open_table(RATINGS)?;
        for r in &ch.ratings {
            ratings.insert(r.rating_id.0.as_u128(), serde_json::to_vec(r)?.as_slice())?;
        }
        for id in &ch.pruned_ratings {
            ratings.remove(id.0.as_u128())?;
        }
        let mut tablets = w.open_table(TABLETS)?;
        for h in &ch.tablets {
            match st.tablets.get(h) {
                Some(t) => tablets.insert(h.as_str(), serde_json::to_vec(t)?.as_slice())?,
                None => tablets.remove(h.as_str())?,
            };
        }
        let mut codes = w.open_table(PAIR_CODES)?;
        for h in &ch.pair_codes {
            match st.pair_codes.get(h) {
                Some(c) => codes.insert(h.as_str(), serde_json::to_vec(c)?.as_slice())?,
                None => codes.remove(h.as_str())?,
            };
        }
        let mut events = w.open_table(EVENTS)?;
        if let Some(through) = ch.prune_through {
            events.retain_in(..=through, |_, _| false)?;
        }
        for (seq, e) in &ch.events {
            events.insert(*seq, serde_json::to_vec(e)?.as_slice())?;
        }
        let mut meta = w.open_table(META)?;
        meta.insert("next_seq", st.next_seq.to_le_bytes().as_slice())?;
        meta.insert("acked_through", st.acked_through.to_le_bytes().as_slice())?;
        if ch.config {
            meta.insert("config", serde_json::to_vec(&st.config.raw)?.as_slice())?;
        }
        if ch.instance {
            meta.insert("instance", st.instance.0.as_bytes().as_slice())?;
            meta.insert(
                "instance_first_seq",
                st.instance_first_seq.to_le_bytes().as_slice(),
            )?;
        }
    }
    w.commit()?;
    Ok(())
}

fn meta_u64(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<u64>, StoreError> {
    Ok(meta
        .get(key)?
        .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
        .map(u64::from_le_bytes))
}

/// The smallest UUID v7 of `days` days ago: tables keyed by UUID v7 are in
/// time order, so a range from here holds everything newer.
fn uuid_v7_floor(days: u64) -> u128 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let ms = now_ms.saturating_sub(u128::from(days) * 86_400_000);
    ms << 80
}

/// Loads the state; says whether the database had no identity yet (one was
/// made, to be persisted).
fn load(db: &Database, config: KioskConfig) -> Result<(KioskState, bool), StoreError> {
    let r = db.begin_read()?;
    let meta = r.open_table(META)?;
    let stored_instance = meta
        .get("instance")?
        .and_then(|v| <[u8; 16]>::try_from(v.value()).ok())
        .map(|b| InstanceId(uuid::Uuid::from_bytes(b)));
    let new_instance = stored_instance.is_none();
    let instance = stored_instance.unwrap_or_else(|| InstanceId(uuid::Uuid::now_v7()));
    let mut st = KioskState::new(Config::new(config), instance);
    st.next_seq = meta_u64(&meta, "next_seq")?.unwrap_or(1).max(1);
    st.acked_through = meta_u64(&meta, "acked_through")?.unwrap_or(0);
    st.instance_first_seq = match meta_u64(&meta, "instance_first_seq")? {
        Some(seq) if !new_instance => seq,
        // A new identity starts after what was acknowledged (an older file
        // of this kiosk that never had one).
        _ => st.acked_through + 1,
    };
    for row in r.open_table(TABLETS)?.iter()? {
        let (k, v) = row?;
        let t: Tablet = serde_json::from_slice(v.value())?;
        st.tablets.insert(k.value().to_owned(), t);
    }
    for row in r.open_table(PAIR_CODES)?.iter()? {
        let (k, v) = row?;
        let c: PairCode = serde_json::from_slice(v.value())?;
        st.pair_codes.insert(k.value().to_owned(), c);
    }
    for row in r.open_table(SESSIONS)?.iter()? {
        let (_, v) = row?;
        let s: Session = serde_json::from_slice(v.value())?;
        st.sessions.insert(s.token_hash.clone(), s);
    }
    for row in r.open_table(PIN_FAILS)?.iter()? {
        let (k, v) = row?;
        let f: PinFails = serde_json::from_slice(v.value())?;
        if let Ok(nip) = Nip::try_from(k.value().to_owned()) {
            st.pin_fails.insert(nip, f);
        }
    }
    for row in r.open_table(DAY_SEQ)?.iter()? {
        let (k, v) = row?;
        if let Some(k) = parse_day_key(k.value()) {
            st.day_seq.insert(k, v.value());
        }
    }
    let tickets = r.open_table(TICKETS)?;
    let floor = uuid_v7_floor(RELOAD_DAYS);
    for row in r.open_table(OPEN_TICKETS)?.iter()? {
        let (k, _) = row?;
        if let Some(v) = tickets.get(k.value())? {
            let t: Ticket = serde_json::from_slice(v.value())?;
            st.tickets.insert(t.id, t);
        }
    }
    for row in tickets.range(floor..)? {
        let (_, v) = row?;
        let t: Ticket = serde_json::from_slice(v.value())?;
        st.tickets.insert(t.id, t);
    }
    let tz = st.config.office().tz.clone();
    for row in r.open_table(RATINGS)?.range(floor..)? {
        let (_, v) = row?;
        let rating: RatingEvent = serde_json::from_slice(v.value())?;
        let agg = st
            .ratings_by_day
            .entry(tz.day_of(rating.submitted_at))
            .or_default();
        agg.count += 1;
        agg.score_sum += u64::from(rating.score.get());
    }
    st.index_counters();
    Ok((st, new_instance))
}

/// A ticket id for a new ticket (UUID v7: time-ordered keys).
pub fn new_ticket_id() -> TicketId {
    TicketId(uuid::Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::tests::config;

    #[tokio::test]
    async fn committed_changes_are_reloaded_after_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.redb");
        let cfg = config("Asia/Jakarta");
        let ktp = ServiceCode::parse("ktp").unwrap();
        let id = new_ticket_id();
        {
            let store = open(&path)
                .unwrap()
                .start(cfg.clone(), Clock::default())
                .unwrap();
            let k = ktp.clone();
            let t = store.exec(move |tx| tx.issue_ticket(&k, id)).await.unwrap();
            assert_eq!(t.number.to_string(), "A-001");
            let events = store.events_from(1, 10).unwrap();
            assert_eq!(events.len(), 1);
            assert!(
                matches!(events[0].1, Event::TicketIssued { ticket_id, .. } if ticket_id == id)
            );
        }
        // The writer thread releases the file once the store is dropped.
        let opened = eventually_open(&path).await;
        assert_eq!(opened.cached_config().unwrap().as_ref(), Some(&cfg));
        let store = opened.start(cfg, Clock::default()).unwrap();
        let (next_seq, waiting) = store.read(|s| (s.next_seq, s.waiting().len()));
        assert_eq!((next_seq, waiting), (2, 1));
        let t = store
            .exec(move |tx| tx.issue_ticket(&ktp, new_ticket_id()))
            .await
            .unwrap();
        assert_eq!(t.number.to_string(), "A-002");
    }

    #[tokio::test]
    async fn a_database_keeps_its_identity_and_tablets_and_a_new_file_gets_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.redb");
        let cfg = config("Asia/Jakarta");
        let l1 = shared::CounterId::parse("L1").unwrap();
        let first = {
            let store = open(&path)
                .unwrap()
                .start(cfg.clone(), Clock::default())
                .unwrap();
            let c = l1.clone();
            store
                .exec(move |tx| tx.pair_tablet(&c, "tok".into(), "code".into()))
                .await
                .unwrap();
            store.read(|s| (s.instance, s.instance_first_seq))
        };
        assert_eq!(first.1, 1);
        let store = eventually_open(&path)
            .await
            .start(cfg.clone(), Clock::default())
            .unwrap();
        assert_eq!(
            store.read(|s| s.instance),
            first.0,
            "the same file, the same identity"
        );
        assert_eq!(
            store.read(|s| s.tablet("tok").map(|t| t.counter.clone())),
            Some(l1)
        );
        let other = tempfile::tempdir().unwrap();
        let fresh = open(&other.path().join("kiosk.redb"))
            .unwrap()
            .start(cfg, Clock::default())
            .unwrap();
        assert_ne!(
            fresh.read(|s| s.instance),
            first.0,
            "a new file, a new identity"
        );
    }

    async fn eventually_open(path: &Path) -> Opened {
        for _ in 0..200 {
            if let Ok(o) = open(path) {
                return o;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("database still locked");
    }
}

#[cfg(test)]
mod prune_tests {
    use super::*;
    use crate::state::tests::config;
    use crate::state::{Pruned, RatingInput, Session};
    use crate::sync::{housekeeping_once, prune_records};
    use jiff::SignedDuration;
    use shared::{CounterId, RatingId, Score};

    const WEEK: Duration = Duration::from_secs(7 * 86_400);

    /// A store whose clock reads 10:00 office-local (Jakarta) `days_before`
    /// days before tomorrow; gives it with tomorrow's date.
    fn store_days_before(dir: &Path, days_before: i64) -> (Arc<Store>, Date) {
        let cfg = config("Asia/Jakarta");
        let tz = cfg.office.tz.clone();
        let tomorrow = tz.day_of(jiff::Timestamp::now()).tomorrow().unwrap();
        let day = tomorrow
            .checked_sub(jiff::Span::new().days(days_before))
            .unwrap();
        let at = tz.start_of_day(day) + SignedDuration::from_hours(10);
        let offset = at.as_second() - jiff::Timestamp::now().as_second();
        let clock = Clock::with_offset_s(offset).without_correction();
        let store = open(&dir.join("k.redb"))
            .unwrap()
            .start(cfg, clock)
            .unwrap();
        (Arc::new(store), tomorrow)
    }

    /// Moves the store's clock to 10:00 on `day` (forward only).
    fn move_to(store: &Store, day: Date) {
        let tz = store.read(|s| s.config.office().tz.clone());
        let at = tz.start_of_day(day) + SignedDuration::from_hours(10);
        let ahead = at.duration_since(store.clock().now()).as_secs();
        assert!(ahead >= 0);
        store.clock().advance(ahead);
    }

    fn counter(c: &str) -> CounterId {
        CounterId::parse(c).unwrap()
    }

    async fn sign_in(store: &Store, c: &str) -> Session {
        let (c, hash) = (counter(c), format!("session-{c}-{}", uuid::Uuid::now_v7()));
        let nip = Nip::parse("198812252015031003").unwrap();
        store
            .exec(move |tx| tx.sign_in(&c, &nip, true, hash))
            .await
            .unwrap()
    }

    /// Issues a ticket for `service` and has `session` call, complete and
    /// rate it on its tablet, in one job; gives the ticket and rating.
    async fn visit(store: &Store, session: &Session, service: &str) -> (TicketId, RatingId) {
        let (s, svc) = (session.clone(), ServiceCode::parse(service).unwrap());
        store
            .exec(move |tx| {
                let id = tx.issue_ticket(&svc, new_ticket_id())?.id;
                let called = tx.call_next(&s)?.ok_or(KioskError::UnknownTicket)?;
                assert_eq!(called.id, id);
                tx.complete(&s, id)?;
                let input = RatingInput {
                    ticket_id: Some(id),
                    counter: None,
                    score: Score::new(3).unwrap(),
                    answers: None,
                    comment: shared::Comment::new("Pelayanan baik, NIP petugas tercatat").unwrap(),
                };
                let r = tx.rate(input, RatingId(uuid::Uuid::now_v7()), &s.counter)?;
                Ok((id, r.rating_id))
            })
            .await
            .unwrap()
    }

    async fn ack_all(store: &Store) {
        store
            .exec(|tx| {
                let mark = tx.state.next_seq - 1;
                tx.set_acked(mark);
                Ok(())
            })
            .await
            .unwrap();
    }

    fn has_ticket(store: &Store, id: TicketId) -> bool {
        let r = store.db.begin_read().unwrap();
        let t = r.open_table(TICKETS).unwrap();
        t.get(id.as_u128()).unwrap().is_some()
    }

    fn has_rating(store: &Store, id: RatingId) -> bool {
        let r = store.db.begin_read().unwrap();
        let t = r.open_table(RATINGS).unwrap();
        t.get(id.0.as_u128()).unwrap().is_some()
    }

    #[tokio::test]
    async fn only_acknowledged_tickets_and_ratings_past_retention_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tomorrow) = store_days_before(dir.path(), 10);
        let l1 = sign_in(&store, "L1").await;
        let (acked_ticket, acked_rating) = visit(&store, &l1, "ktp").await;
        ack_all(&store).await;
        let (pending_ticket, pending_rating) = visit(&store, &l1, "ktp").await;
        move_to(&store, tomorrow);

        let done = housekeeping_once(&store, WEEK).await;
        assert_eq!(
            done.pruned,
            Pruned {
                tickets: 1,
                ratings: 1,
                day_seq: 1
            },
            "only the acknowledged visit, and the numbering of its day"
        );
        assert!(!has_ticket(&store, acked_ticket) && !has_rating(&store, acked_rating));
        assert!(
            has_ticket(&store, pending_ticket) && has_rating(&store, pending_rating),
            "what the collector has not acknowledged stays, however old"
        );
        assert!(store.read(|s| !s.tickets.contains_key(&acked_ticket)));

        ack_all(&store).await;
        let done = housekeeping_once(&store, WEEK).await;
        assert_eq!((done.pruned.tickets, done.pruned.ratings), (1, 1));
        assert!(!has_ticket(&store, pending_ticket) && !has_rating(&store, pending_rating));
        let counts = store.table_counts().unwrap();
        assert_eq!(
            (counts.tickets, counts.ratings, counts.open_tickets),
            (0, 0, 0)
        );
    }

    #[tokio::test]
    async fn acknowledged_tickets_inside_the_retention_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tomorrow) = store_days_before(dir.path(), 6);
        let l1 = sign_in(&store, "L1").await;
        let (ticket, rating) = visit(&store, &l1, "ktp").await;
        ack_all(&store).await;
        move_to(&store, tomorrow);
        let done = housekeeping_once(&store, WEEK).await;
        assert!(done.pruned.is_empty(), "{done:?}");
        assert!(has_ticket(&store, ticket) && has_rating(&store, rating));
    }

    #[tokio::test]
    async fn todays_and_open_tickets_are_never_pruned_even_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tomorrow) = store_days_before(dir.path(), 1);
        // Yesterday: L1 starts serving a ticket it never finishes, another
        // ticket waits for L1 all along, L2 serves and rates a visit.
        // (The test roster has one ASN: signing in at L2 ends the session
        // at L1, leaving its ticket being served.)
        let l1 = sign_in(&store, "L1").await;
        let ktp = ServiceCode::parse("ktp").unwrap();
        let (s, k) = (l1.clone(), ktp.clone());
        let serving = store
            .exec(move |tx| {
                let id = tx.issue_ticket(&k, new_ticket_id())?.id;
                tx.call_next(&s)?;
                Ok(id)
            })
            .await
            .unwrap();
        let l2 = sign_in(&store, "L2").await;
        let (yesterdays, yesterdays_rating) = visit(&store, &l2, "akta").await;
        let waiting = store
            .exec(move |tx| Ok(tx.issue_ticket(&ktp, new_ticket_id())?.id))
            .await
            .unwrap();
        // Today: another visit at L2.
        move_to(&store, tomorrow);
        let l2 = sign_in(&store, "L2").await;
        let (todays, todays_rating) = visit(&store, &l2, "akta").await;
        ack_all(&store).await;
        assert!(store.read(|s| s.tickets.contains_key(&yesterdays)));

        // No retention at all: everything acknowledged before today may go.
        let done = housekeeping_once(&store, Duration::ZERO).await;
        assert_eq!(
            (done.pruned.tickets, done.pruned.ratings),
            (1, 1),
            "{done:?}"
        );
        assert!(!has_ticket(&store, yesterdays) && !has_rating(&store, yesterdays_rating));
        assert!(
            store.read(|s| !s.tickets.contains_key(&yesterdays)),
            "a pruned ticket leaves memory too"
        );
        for (what, id) in [
            ("serving", serving),
            ("waiting", waiting),
            ("today's", todays),
        ] {
            assert!(has_ticket(&store, id), "the {what} ticket is kept");
            assert!(
                store.read(|s| s.tickets.contains_key(&id)),
                "{what} in memory"
            );
        }
        assert!(has_rating(&store, todays_rating), "today's rating is kept");
        assert_eq!(store.table_counts().unwrap().open_tickets, 2);
        let figures = store.read(|s| crate::routes::dashboard::build(s, store.clock().now()).today);
        assert_eq!(
            (figures.served, figures.ratings),
            (1, 1),
            "today's figures are whole"
        );
    }

    #[tokio::test]
    async fn a_ticket_still_awaiting_its_rating_on_the_tablet_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tomorrow) = store_days_before(dir.path(), 1);
        let l1 = sign_in(&store, "L1").await;
        // Completed just before midnight, not rated yet.
        let tz = store.read(|s| s.config.office().tz.clone());
        let before_midnight = tz.start_of_day(tomorrow) - SignedDuration::from_mins(2);
        store.clock().advance(
            before_midnight
                .duration_since(store.clock().now())
                .as_secs(),
        );
        let (s, ktp) = (l1.clone(), ServiceCode::parse("ktp").unwrap());
        let id = store
            .exec(move |tx| {
                let id = tx.issue_ticket(&ktp, new_ticket_id())?.id;
                tx.call_next(&s)?;
                tx.complete(&s, id)?;
                Ok(id)
            })
            .await
            .unwrap();
        ack_all(&store).await;
        store.clock().advance(3 * 60);
        let done = housekeeping_once(&store, Duration::ZERO).await;
        assert_eq!(done.pruned.tickets, 0, "the tablet may still rate it");
        assert!(has_ticket(&store, id));
        assert_eq!(
            store.read(|s| s
                .awaiting_rating(&counter("L1"), store.clock().now())
                .map(|t| t.id)),
            Some(id)
        );
        // Ten minutes after its completion it may go.
        store.clock().advance(10 * 60);
        let done = housekeeping_once(&store, Duration::ZERO).await;
        assert_eq!(done.pruned.tickets, 1);
        assert!(!has_ticket(&store, id));
    }

    #[tokio::test]
    async fn a_large_backlog_is_pruned_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let (store, tomorrow) = store_days_before(dir.path(), 10);
        let l1 = sign_in(&store, "L1").await;
        for _ in 0..250 {
            visit(&store, &l1, "ktp").await;
        }
        ack_all(&store).await;
        move_to(&store, tomorrow);
        let now = store.clock().now();
        let (acked, cutoff, before) = store.read(|s| {
            let cutoff = s.prune_cutoff(now, SignedDuration::from_hours(7 * 24));
            (s.acked_through, cutoff, s.numbering_kept_from(cutoff, now))
        });
        let p = store.prunable_records(acked, cutoff, before, 100).unwrap();
        assert_eq!((p.tickets.len(), p.ratings.len()), (100, 100), "one chunk");

        let pruned = prune_records(&store, WEEK, 100, 2).await;
        assert_eq!(
            (pruned.tickets, pruned.ratings),
            (200, 200),
            "two transactions of 100"
        );
        let counts = store.table_counts().unwrap();
        assert_eq!((counts.tickets, counts.ratings), (50, 50));
        let done = housekeeping_once(&store, WEEK).await;
        assert_eq!((done.pruned.tickets, done.pruned.ratings), (50, 50));
        assert!(done.events_through.is_some());
        let counts = store.table_counts().unwrap();
        assert_eq!(
            (counts.tickets, counts.ratings, counts.day_seq),
            (0, 0, 0),
            "{counts:?}"
        );
    }

    #[tokio::test]
    async fn only_acknowledged_events_past_retention_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("k.redb"))
            .unwrap()
            .start(config("Asia/Jakarta"), Clock::default())
            .unwrap();
        let ktp = ServiceCode::parse("ktp").unwrap();
        for _ in 0..5 {
            let k = ktp.clone();
            store
                .exec(move |tx| tx.issue_ticket(&k, new_ticket_id()))
                .await
                .unwrap();
        }
        store
            .exec(|tx| {
                tx.set_acked(3);
                Ok(())
            })
            .await
            .unwrap();
        let future = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
        let past = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
        assert_eq!(
            store.prunable_through(3, past, 100).unwrap(),
            None,
            "nothing is old enough yet"
        );
        let through = store.prunable_through(3, future, 100).unwrap();
        assert_eq!(through, Some(3), "never past the acknowledgement");
        store
            .exec(move |tx| {
                tx.prune_through(5);
                Ok(())
            })
            .await
            .unwrap();
        let left: Vec<u64> = store
            .events_raw_from(1, 10)
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(
            left,
            [4, 5],
            "prune_through is capped at the acknowledged mark"
        );
    }
}
