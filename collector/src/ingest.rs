//! Ingest: applying kiosks' event logs exactly once, turning them into
//! service records, attributing ratings, and keeping the rollups.
//!
//! One writer thread owns every write here. It folds whatever is queued
//! (batches from many kiosks, QR ratings from phones) into one redb write
//! transaction and answers each job only after the commit. A crash before the
//! commit applies nothing; the kiosk resends and the marks make the replay
//! harmless (at-least-once delivery, exactly-once effect).
//!
//! **Marks per kiosk database.** A mark (the highest sequence applied) is
//! kept per (kiosk, instance): each kiosk database has its own identity, so a
//! wiped kiosk starts a new instance whose events are never taken for ones
//! already applied. An instance's first batch sets where it starts. When a
//! batch overlaps what an instance already applied, the overlapping events
//! must be the very bytes stored: if they differ, the kiosk's file was
//! restored from a backup (or copied), and the batch is answered `Diverged`
//! with the last sequence that matched, so that the kiosk continues under a
//! new identity. Replaying under a new identity is harmless, because every
//! event's effect is idempotent on its own (tickets and ratings by id, ticket
//! states only forward).
//!
//! **Each kiosk speaks for its own office only.** Tickets are keyed by
//! (office, ticket id), so another office's kiosk cannot even name this
//! office's tickets. Before anything of a batch is applied, every new event is
//! checked against the sending kiosk's office: its services, counters and
//! tickets; a batch with one event that fails is refused whole (the route
//! answers 403 or 422). NIPs are checked against the office's roster: an
//! unknown NIP is not refused (the ASN may have just moved), it counts for the
//! office only, never for a person.
//!
//! **Ticket state only moves forward** (issued -> called -> completed or
//! abandoned): a call of a ticket already called, a completion of one not
//! called or already closed, change nothing (they stay in the event log).
//!
//! **Attribution.** A rating with a ticket counts for that ticket's service
//! record (exact); if the record has not arrived yet the rating waits as
//! pending. One rating counts per ticket across tablet and QR: the earliest,
//! by its claimed time when that lies between the ticket's completion and
//! its arrival here (by its arrival otherwise), so nobody displaces the
//! counted rating by claiming an earlier time; later ones are kept as
//! duplicates. A rating without a ticket
//! counts for the office and, when the kiosk names an ASN of the office
//! signed in at that counter, by session for them. Flagged ratings (bursts
//! without a ticket) are kept and counted as flagged, never in a score or
//! the IKM.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use jiff::Timestamp;
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use shared::ids::{CounterId, InstanceId, KioskId, OfficeId, RatingId, ServiceCode, TicketId};
use shared::office::Office;
use shared::wire::{Channel, Event, RatingEvent};
use shared::{Msg, Nip, TicketNumber};
use tokio::sync::oneshot;

use crate::audit::{NewEntry, Trail};
use crate::rollup::{QUICK_SECS, Rollup};
use shared::review::{RatingReply, RatingReview, ReviewDecision};

mod changes;
pub use changes::{Change, ChangeOutcome, FOLLOWUPS, Refused, followup_statuses, followups};

/// Per (kiosk, instance): the highest sequence applied.
pub(crate) const MARKS: TableDefinition<(u128, u128), u64> = TableDefinition::new("kiosk_marks");
/// Per (kiosk, instance): when it was first and last seen ([`InstanceRec`]).
pub(crate) const INSTANCES: TableDefinition<(u128, u128), &[u8]> =
    TableDefinition::new("kiosk_instances");
/// Every applied event as the kiosk sent it: (kiosk, instance, sequence) ->
/// its JSON bytes.
pub(crate) const EVENTS: TableDefinition<(u128, u128, u64), &[u8]> = TableDefinition::new("events");
/// Tickets and, once completed, their service records: (office, ticket) ->
/// [`TicketRec`].
pub(crate) const TICKETS: TableDefinition<(&str, u128), &[u8]> = TableDefinition::new("tickets");
/// Every rating with its attribution: rating -> [`RatingRec`].
pub(crate) const RATINGS: TableDefinition<u128, &[u8]> = TableDefinition::new("ratings");
/// Ratings waiting for their ticket's service record: (office, ticket) ->
/// [rating].
pub(crate) const PENDING: TableDefinition<(&str, u128), &[u8]> =
    TableDefinition::new("pending_ratings");
/// Rollups per (office, office-local day, service).
/// Rollups per (office, NIP, office-local day, service).
/// Every rating of a ticket, whatever its status: (office, ticket, rating).
pub(crate) const RATINGS_BY_TICKET: TableDefinition<(&str, u128, u128), ()> =
    TableDefinition::new("ratings_by_ticket");
/// Ratings that count for an ASN (exact or by session): (office, NIP,
/// office-local day, rating). The evidence page reads an ASN's comments of a
/// period from here; a rating leaves when it stops counting.
pub(crate) const NIP_RATINGS: TableDefinition<(&str, &str, &str, u128), ()> =
    TableDefinition::new("nip_ratings");
/// What the office's live view knows of each counter: (office, counter) ->
/// [`CounterLive`].
pub(crate) const COUNTERS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("counters_live");
/// When an office's kiosks last sent events: office -> unix milliseconds.
pub(crate) const OFFICE_SEEN: TableDefinition<&str, i64> = TableDefinition::new("office_seen");
/// Counters shared with the registry (`store.rs`).
const COUNTS: TableDefinition<&str, u64> = TableDefinition::new("counts");
/// The counter of QR ratings received.
pub const COUNT_QR_RATINGS: &str = "qr_ratings";
/// The counter of kiosk events applied.
pub const COUNT_EVENTS: &str = "events_applied";
/// The counter of ratings recorded (any channel and status).
pub const COUNT_RATINGS: &str = "ratings";
/// Office definitions (shared with the registry in `store.rs`).
const OFFICES: TableDefinition<&str, &[u8]> = TableDefinition::new("offices");

/// The instance of batches that carry none (kiosks from before instances).
pub const LEGACY_INSTANCE: InstanceId = InstanceId(uuid::Uuid::nil());

/// The most jobs folded into one transaction.
const MAX_GROUP: usize = 256;

/// A ticket as the collector knows it; a service record once completed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketRec {
    /// The kiosk that issued it.
    pub kiosk: KioskId,
    /// Its office.
    pub office: OfficeId,
    /// Number.
    pub number: TicketNumber,
    /// Service.
    pub service: ServiceCode,
    /// Issued.
    pub issued_at: Timestamp,
    /// Counter that called it.
    pub counter: Option<CounterId>,
    /// ASN who called it: only an ASN on the office's roster; `None` counts
    /// for the office only.
    pub nip: Option<Nip>,
    /// Called.
    pub called_at: Option<Timestamp>,
    /// Completed: from here on this is a service record.
    pub completed_at: Option<Timestamp>,
    /// Abandoned.
    pub abandoned_at: Option<Timestamp>,
    /// The rating that counts for it.
    pub rating: Option<RatingId>,
    /// The visit went on to another service under this ticket.
    #[serde(default)]
    pub transferred_to: Option<TicketId>,
    /// The ticket of the same visit this one continues.
    #[serde(default)]
    pub transferred_from: Option<TicketId>,
}

impl TicketRec {
    /// Seconds from issue to call.
    pub fn wait_s(&self) -> Option<i64> {
        Some(self.called_at?.duration_since(self.issued_at).as_secs())
    }

    /// Seconds from call to completion.
    pub fn service_s(&self) -> Option<i64> {
        Some(self.completed_at?.duration_since(self.called_at?).as_secs())
    }
}

/// To whom a rating is attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attribution {
    /// The ticket's service record (and its ASN, when known).
    Ticket {
        /// The ASN who served the ticket.
        nip: Option<Nip>,
    },
    /// The ASN signed in at the counter at that moment.
    Session {
        /// That ASN.
        nip: Nip,
    },
    /// Nobody in particular: the office.
    Office,
}

impl Attribution {
    /// The ASN, if any.
    pub fn nip(&self) -> Option<&Nip> {
        match self {
            Attribution::Ticket { nip } => nip.as_ref(),
            Attribution::Session { nip } => Some(nip),
            Attribution::Office => None,
        }
    }
}

/// Where a rating stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RatingStatus {
    /// Counted, attributed as said.
    Counted {
        /// To whom.
        attribution: Attribution,
    },
    /// Waiting for its ticket's service record.
    Pending,
    /// A later rating of a ticket already rated: kept, not counted.
    Duplicate,
    /// Suspect (a burst without a ticket): kept and counted as flagged, never
    /// in a score or the IKM.
    Flagged {
        /// Who it would have been for.
        attribution: Attribution,
    },
}

/// A rating with its attribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RatingRec {
    /// As received.
    pub event: RatingEvent,
    /// The kiosk it came from (or whose QR token carried it).
    pub kiosk: KioskId,
    /// Its office.
    pub office: OfficeId,
    /// Where it stands.
    pub status: RatingStatus,
    /// When it reached the collector: the latest time it can claim.
    pub received_at: Timestamp,
    /// The ASN's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<RatingReply>,
    /// The latest review (each one is also in the audit trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<RatingReview>,
}

impl RatingRec {
    /// Excluded from its ASN's score on review.
    pub fn excluded(&self) -> bool {
        self.review
            .as_ref()
            .is_some_and(|r| r.decision == ReviewDecision::Exclude)
    }

    /// The ASN it counts for, if it is counted and theirs.
    pub fn counted_for(&self) -> Option<&Nip> {
        match &self.status {
            RatingStatus::Counted { attribution } => attribution.nip(),
            _ => None,
        }
    }
}

impl RatingRec {
    /// The time a rating competes with for its ticket: what it claims, when
    /// that lies between the ticket's completion and the rating's arrival
    /// here; otherwise the claim is not believed and it ranks at its arrival
    /// (the one time the collector knows). So claiming an earlier time never
    /// puts a rating ahead of one that really came first.
    pub fn ranked_at(&self, completed_at: Timestamp) -> Timestamp {
        let claimed = self.event.submitted_at;
        if claimed < completed_at || claimed > self.received_at {
            self.received_at
        } else {
            claimed
        }
    }
}

/// A counter as the office's live view knows it, from the kiosks' events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CounterLive {
    /// The ASN signed in there (only one of the office's roster).
    pub nip: Option<Nip>,
    /// Since when.
    pub since: Option<Timestamp>,
    /// On a break.
    pub on_break: bool,
    /// The ticket being served: id, number, since when.
    pub serving: Option<(TicketId, String, Timestamp)>,
}

/// A kiosk database the collector has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRec {
    /// The sequence number its first batch started at.
    pub first_seq: u64,
    /// When its first batch arrived.
    pub first_seen_at: Timestamp,
    /// When its last batch arrived.
    pub last_batch_at: Timestamp,
}

/// A batch refused whole: which event, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Position of the event in the batch, from 0.
    pub index: usize,
    /// Its sequence number.
    pub seq: u64,
    /// The event names something of another office (403) rather than being
    /// inconsistent (422).
    pub forbidden: bool,
    /// Why.
    pub reason: Msg,
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Applied (or already had): the instance's mark now.
    Applied(u64),
    /// `first_seq` is past the mark + 1: nothing applied; resend from the mark.
    Gap(u64),
    /// The events overlapping the mark differ from those applied: nothing
    /// applied; the last sequence that matched is given.
    Diverged(u64),
    /// An event does not belong to the kiosk's office: nothing applied.
    Refused(Refusal),
}

/// What became of a QR rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrOutcome {
    /// Recorded.
    Accepted(RatingId),
    /// The ticket already has a rating: the one that counts, or the first
    /// still waiting for the ticket's service record.
    AlreadyRated(RatingId),
}

/// A failure to apply: storage or encoding; the whole group is rolled back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("ingest failed: {0}")]
pub struct IngestError(pub String);

macro_rules! from_err {
    ($($t:ty),*) => {$(
        impl From<$t> for IngestError {
            fn from(e: $t) -> IngestError {
                IngestError(e.to_string())
            }
        }
    )*};
}
from_err!(
    crate::audit::AuditError,
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    serde_json::Error
);

/// A parsed batch with each event's raw JSON (stored as sent).
pub struct BatchJob {
    /// The kiosk.
    pub kiosk: KioskId,
    /// Its office.
    pub office: OfficeId,
    /// The kiosk database (absent from kiosks that predate instances).
    pub instance: Option<InstanceId>,
    /// Sequence of `events[0]`.
    pub first_seq: u64,
    /// Events and their JSON.
    pub events: Vec<(Event, Vec<u8>)>,
    /// When it arrived.
    pub received_at: Timestamp,
}

/// A citizen's rating from their phone, checked by the route: the token's
/// kiosk names the office.
pub struct QrJob {
    /// The kiosk whose key signed the token.
    pub kiosk: KioskId,
    /// That kiosk's office.
    pub office: OfficeId,
    /// The rating (channel QR, with its ticket).
    pub rating: RatingEvent,
}

enum Job {
    Batch(BatchJob, oneshot::Sender<Result<BatchOutcome, IngestError>>),
    Qr(QrJob, oneshot::Sender<Result<QrOutcome, IngestError>>),
    Change(Change, oneshot::Sender<Result<ChangeOutcome, IngestError>>),
    Prune(jiff::civil::Date, oneshot::Sender<Result<u64, IngestError>>),
    Ping(oneshot::Sender<()>),
}

/// The handle requests use to reach the writer.
///
/// Field order matters: when the last clone drops, its sender goes first
/// (closing the channel, so the writer finishes what is queued and stops),
/// then the join guard waits for the thread, so the database file is released
/// by the time the store is dropped.
#[derive(Clone)]
pub struct Ingest {
    jobs: mpsc::Sender<Job>,
    /// Set when the database can no longer be written (see [`run_writer`]).
    failed: Arc<AtomicBool>,
    _writer: Arc<JoinOnDrop>,
}

/// The exit status of a collector whose storage failed: the service manager
/// restarts it (EX_TEMPFAIL).
pub const EXIT_STORAGE_FAILED: i32 = 75;

struct JoinOnDrop(Option<std::thread::JoinHandle<()>>);

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ingest")
    }
}

/// Creates the ingest tables and starts the writer thread.
pub fn start(db: Arc<Database>) -> Result<Ingest, IngestError> {
    let w = db.begin_write()?;
    {
        w.open_table(MARKS)?;
        w.open_table(INSTANCES)?;
        w.open_table(EVENTS)?;
        w.open_table(TICKETS)?;
        w.open_table(RATINGS)?;
        w.open_table(PENDING)?;
        crate::layout::create(&w)?;
        w.open_table(crate::export::EVENT_DAYS)?;
        w.open_table(RATINGS_BY_TICKET)?;
        w.open_table(NIP_RATINGS)?;
        w.open_table(COUNTERS)?;
        w.open_table(OFFICE_SEEN)?;
        w.open_table(COUNTS)?;
        w.open_table(crate::store::ROSTER)?;
        w.open_table(FOLLOWUPS)?;
        Trail::open(&w)?;
    }
    w.commit()?;
    let (jobs, rx) = mpsc::channel();
    let failed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&failed);
    let handle = std::thread::Builder::new()
        .name("collector-ingest".into())
        .spawn(move || run_writer(&db, &rx, &flag))
        .map_err(|e| IngestError(e.to_string()))?;
    Ok(Ingest {
        jobs,
        failed,
        _writer: Arc::new(JoinOnDrop(Some(handle))),
    })
}

fn storage_failed() -> IngestError {
    IngestError("the database can no longer be written (disk full or failing)".into())
}

fn gone() -> IngestError {
    IngestError("the ingest writer has stopped".into())
}

impl Ingest {
    /// Whether the database can no longer be written (a failed write, such
    /// as a full disk): writes are refused until the collector restarts.
    pub fn storage_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// Applies a batch; answers after the commit.
    pub async fn batch(&self, job: BatchJob) -> Result<BatchOutcome, IngestError> {
        if self.storage_failed() {
            return Err(storage_failed());
        }
        let (tx, rx) = oneshot::channel();
        self.jobs.send(Job::Batch(job, tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Records a rating from a citizen's phone; answers after the commit.
    pub async fn qr_rating(&self, job: QrJob) -> Result<QrOutcome, IngestError> {
        let (tx, rx) = oneshot::channel();
        self.jobs.send(Job::Qr(job, tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Applies a reply, review or follow-up change (with its audit entry);
    /// answers after the commit.
    pub async fn change(&self, change: Change) -> Result<ChangeOutcome, IngestError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Change(change, tx))
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Deletes a few days' raw events received before `before` (UTC days);
    /// returns how many went, 0 once none is left (see [`crate::export`]).
    pub async fn prune_events(&self, before: jiff::civil::Date) -> Result<u64, IngestError> {
        let (tx, rx) = oneshot::channel();
        self.jobs.send(Job::Prune(before, tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Whether the writer thread answers (within 5 s): `/healthz` says
    /// unhealthy when it has stopped or is stuck.
    pub async fn ping(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Ping(tx)).is_err() {
            return false;
        }
        matches!(
            tokio::time::timeout(Duration::from_secs(5), rx).await,
            Ok(Ok(()))
        )
    }
}

/// Where a job's answer goes.
enum Reply {
    Batch(oneshot::Sender<Result<BatchOutcome, IngestError>>),
    Qr(oneshot::Sender<Result<QrOutcome, IngestError>>),
    Change(oneshot::Sender<Result<ChangeOutcome, IngestError>>),
    Prune(oneshot::Sender<Result<u64, IngestError>>),
}

/// A job without its reply channel.
enum Work {
    Batch(BatchJob),
    Qr(QrJob),
    Change(Change),
    Prune(jiff::civil::Date),
}

/// What a job came to.
enum Outcome {
    Batch(BatchOutcome),
    Qr(QrOutcome),
    Change(ChangeOutcome),
    Pruned(u64),
}

impl Reply {
    fn send(self, o: Result<Outcome, IngestError>) {
        // A caller that went away (its request was cancelled) needs no answer.
        match (self, o) {
            (Reply::Batch(tx), Ok(Outcome::Batch(o))) => drop(tx.send(Ok(o))),
            (Reply::Qr(tx), Ok(Outcome::Qr(o))) => drop(tx.send(Ok(o))),
            (Reply::Change(tx), Ok(Outcome::Change(o))) => drop(tx.send(Ok(o))),
            (Reply::Prune(tx), Ok(Outcome::Pruned(n))) => drop(tx.send(Ok(n))),
            (Reply::Prune(tx), Err(e)) => drop(tx.send(Err(e))),
            (Reply::Batch(tx), Err(e)) => drop(tx.send(Err(e))),
            (Reply::Qr(tx), Err(e)) => drop(tx.send(Err(e))),
            (Reply::Change(tx), Err(e)) => drop(tx.send(Err(e))),
            // A job always yields its own kind of outcome.
            (r, Ok(_)) => r.send(Err(IngestError("mismatched outcome".into()))),
        }
    }
}

/// After a failed write redb refuses every later one until the database is
/// opened again, and a process that cannot write must not pretend to be
/// healthy. So when a group fails and the database refuses a new write
/// transaction, the writer raises `failed` (before anyone hears of the
/// failure: batches get 503, `/healthz` says unhealthy), answers, and ends
/// the process with [`EXIT_STORAGE_FAILED`] for the service manager to
/// restart it once the disk has room; what was committed is safe in the
/// file, and kiosks resend the rest. (PostgreSQL stops on a failed fsync
/// for the same reason.)
fn run_writer(db: &Database, rx: &mpsc::Receiver<Job>, failed: &AtomicBool) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let mut work = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        for job in group {
            match job {
                Job::Ping(tx) => {
                    let _ = tx.send(());
                }
                Job::Batch(b, tx) => {
                    work.push(Work::Batch(b));
                    replies.push(Reply::Batch(tx));
                }
                Job::Qr(q, tx) => {
                    work.push(Work::Qr(q));
                    replies.push(Reply::Qr(tx));
                }
                Job::Change(c, tx) => {
                    work.push(Work::Change(c));
                    replies.push(Reply::Change(tx));
                }
                Job::Prune(before, tx) => {
                    work.push(Work::Prune(before));
                    replies.push(Reply::Prune(tx));
                }
            }
        }
        if work.is_empty() {
            continue;
        }
        // On failure the transaction is dropped uncommitted: every caller
        // of the group gets the error (5xx) and nothing of it was applied;
        // kiosks resend.
        match apply_group(db, work) {
            Ok(outcomes) => {
                for (r, o) in replies.into_iter().zip(outcomes) {
                    r.send(Ok(o));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "ingest transaction failed; nothing of it applied");
                let poisoned = db.begin_write().is_err();
                if poisoned {
                    failed.store(true, Ordering::SeqCst);
                }
                for r in replies {
                    r.send(Err(e.clone()));
                }
                if poisoned {
                    tracing::error!(
                        "the database can no longer be written (disk full?); refusing writes and \
                         exiting with status {EXIT_STORAGE_FAILED} so that the service manager \
                         restarts the collector; everything acknowledged is committed"
                    );
                    std::thread::sleep(Duration::from_secs(1));
                    std::process::exit(EXIT_STORAGE_FAILED);
                }
            }
        }
    }
}

/// (day, kiosk, instance) rows of raw events one prune job deletes.
const PRUNE_DAYS_PER_JOB: usize = 16;

fn apply_group(db: &Database, group: Vec<Work>) -> Result<Vec<Outcome>, IngestError> {
    let w = db.begin_write()?;
    let prunes: Vec<Option<jiff::civil::Date>> = group
        .iter()
        .map(|j| match j {
            Work::Prune(d) => Some(*d),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(group.len());
    {
        let mut cx = Cx::open(&w)?;
        for job in group {
            out.push(match job {
                Work::Batch(b) => Outcome::Batch(cx.apply_batch(b)?),
                Work::Qr(q) => Outcome::Qr(cx.apply_qr(q)?),
                Work::Change(c) => Outcome::Change(cx.apply_change(c)?),
                Work::Prune(_) => Outcome::Pruned(0),
            });
        }
        cx.flush()?;
    }
    // Pruning opens the event tables itself, after the group's own use.
    for (o, before) in out.iter_mut().zip(prunes) {
        if let (Outcome::Pruned(n), Some(before)) = (o, before) {
            *n = crate::export::prune(&w, before, PRUNE_DAYS_PER_JOB)?;
        }
    }
    w.commit()?;
    Ok(out)
}

type TicketKey = (OfficeId, u128);

/// One transaction's working set: open tables, and tickets and rollups
/// folded in memory, written once at the end.
struct Cx<'t> {
    marks: Table<'t, (u128, u128), u64>,
    instances_t: Table<'t, (u128, u128), &'static [u8]>,
    events: Table<'t, (u128, u128, u64), &'static [u8]>,
    tickets_t: Table<'t, (&'static str, u128), &'static [u8]>,
    ratings_t: Table<'t, u128, &'static [u8]>,
    pending_t: Table<'t, (&'static str, u128), &'static [u8]>,
    rollups: crate::layout::Writer<'t>,
    event_days_t: Table<'t, (u32, u128, u128), (u64, u64)>,
    offices_t: Table<'t, &'static str, &'static [u8]>,
    roster_t: Table<'t, (&'static str, &'static str), &'static [u8]>,
    by_ticket_t: Table<'t, (&'static str, u128, u128), ()>,
    nip_ratings_t: Table<'t, (&'static str, &'static str, &'static str, u128), ()>,
    counters_t: Table<'t, (&'static str, &'static str), &'static [u8]>,
    office_seen_t: Table<'t, &'static str, i64>,
    counts_t: Table<'t, &'static str, u64>,
    followups_t: Table<'t, (&'static str, u128), &'static [u8]>,
    trail: Trail<'t>,
    tickets: HashMap<TicketKey, TicketRec>,
    /// Counter increments, written once at the end.
    added: HashMap<&'static str, u64>,
    /// Offices read once per transaction and shared, not cloned per event.
    offices: HashMap<OfficeId, Option<Arc<Office>>>,
    /// Whether a NIP is on an office's roster, read once per transaction.
    on_roster: HashMap<(OfficeId, Nip), bool>,
}

impl<'t> Cx<'t> {
    fn open(w: &'t WriteTransaction) -> Result<Cx<'t>, IngestError> {
        Ok(Cx {
            marks: w.open_table(MARKS)?,
            instances_t: w.open_table(INSTANCES)?,
            events: w.open_table(EVENTS)?,
            tickets_t: w.open_table(TICKETS)?,
            ratings_t: w.open_table(RATINGS)?,
            pending_t: w.open_table(PENDING)?,
            rollups: crate::layout::Writer::open(w)?,
            event_days_t: w.open_table(crate::export::EVENT_DAYS)?,
            offices_t: w.open_table(OFFICES)?,
            roster_t: w.open_table(crate::store::ROSTER)?,
            by_ticket_t: w.open_table(RATINGS_BY_TICKET)?,
            nip_ratings_t: w.open_table(NIP_RATINGS)?,
            counters_t: w.open_table(COUNTERS)?,
            office_seen_t: w.open_table(OFFICE_SEEN)?,
            counts_t: w.open_table(COUNTS)?,
            followups_t: w.open_table(FOLLOWUPS)?,
            trail: Trail::open(w)?,
            tickets: HashMap::new(),
            added: HashMap::new(),
            offices: HashMap::new(),
            on_roster: HashMap::new(),
        })
    }

    fn office(&mut self, id: &OfficeId) -> Result<Option<Arc<Office>>, IngestError> {
        if let Some(o) = self.offices.get(id) {
            return Ok(o.clone());
        }
        let o = match self.offices_t.get(id.as_str())? {
            Some(v) => Some(Arc::new(serde_json::from_slice::<Office>(v.value())?)),
            None => None,
        };
        self.offices.insert(id.clone(), o.clone());
        Ok(o)
    }

    /// Whether `nip` is on `office`'s roster (active or not: an ASN
    /// deactivated today still served this morning).
    fn on_roster(&mut self, office: &OfficeId, nip: &Nip) -> Result<bool, IngestError> {
        let key = (office.clone(), nip.clone());
        if let Some(&known) = self.on_roster.get(&key) {
            return Ok(known);
        }
        let found = self
            .roster_t
            .get((office.as_str(), nip.as_str()))?
            .is_some();
        self.on_roster.insert(key, found);
        Ok(found)
    }

    /// `nip` if it is on the office's roster; otherwise nobody (the office).
    fn roster_nip(&mut self, office: &OfficeId, nip: Nip) -> Result<Option<Nip>, IngestError> {
        Ok(if self.on_roster(office, &nip)? {
            Some(nip)
        } else {
            tracing::warn!(%office, "an event names a NIP that is not on the office's roster; it counts for the office only");
            None
        })
    }

    fn day(&mut self, office: &OfficeId, at: Timestamp) -> Result<String, IngestError> {
        Ok(match self.office(office)? {
            Some(o) => o.tz.day_of(at).to_string(),
            // An office removed after its events were sent: fall back to UTC.
            None => at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
        })
    }

    fn office_rollup(
        &mut self,
        office: &OfficeId,
        day: &str,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        self.rollups.office(office.as_str(), day, service)
    }

    fn nip_rollup(
        &mut self,
        office: &OfficeId,
        nip: &Nip,
        day: &str,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        self.rollups
            .asn(office.as_str(), nip.as_str(), day, service)
    }

    fn ticket(
        &mut self,
        office: &OfficeId,
        id: TicketId,
    ) -> Result<Option<&mut TicketRec>, IngestError> {
        let key = (office.clone(), id.as_u128());
        if !self.tickets.contains_key(&key) {
            match self.tickets_t.get((office.as_str(), id.as_u128()))? {
                Some(v) => {
                    let t: TicketRec = serde_json::from_slice(v.value())?;
                    self.tickets.insert(key.clone(), t);
                }
                None => return Ok(None),
            }
        }
        Ok(self.tickets.get_mut(&key))
    }

    fn rating(&self, id: RatingId) -> Result<Option<RatingRec>, IngestError> {
        Ok(match self.ratings_t.get(id.0.as_u128())? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    fn put_rating(&mut self, r: &RatingRec) -> Result<(), IngestError> {
        self.ratings_t.insert(
            r.event.rating_id.0.as_u128(),
            serde_json::to_vec(r)?.as_slice(),
        )?;
        Ok(())
    }

    fn pending_of(&self, office: &OfficeId, ticket: TicketId) -> Result<Vec<u128>, IngestError> {
        Ok(
            match self.pending_t.get((office.as_str(), ticket.as_u128()))? {
                Some(v) => serde_json::from_slice(v.value())?,
                None => Vec::new(),
            },
        )
    }

    fn apply_batch(&mut self, b: BatchJob) -> Result<BatchOutcome, IngestError> {
        let k = b.kiosk.0.as_u128();
        let instance = b.instance.unwrap_or(LEGACY_INSTANCE);
        let key = (k, instance.as_u128());
        let known = self.marks.get(key)?.map(|v| v.value());
        // An instance's first batch sets where it starts.
        let mark = known.unwrap_or(b.first_seq.saturating_sub(1));
        if b.first_seq > mark + 1 {
            return Ok(BatchOutcome::Gap(mark));
        }
        let mut fresh = Vec::new();
        let mut seq = b.first_seq;
        for (index, (event, raw)) in b.events.into_iter().enumerate() {
            if seq <= mark {
                // A replay must be the very events applied; anything else
                // is another database using this identity.
                let same = self
                    .events
                    .get((k, instance.as_u128(), seq))?
                    .is_some_and(|stored| stored.value() == raw.as_slice());
                if !same {
                    return Ok(BatchOutcome::Diverged(seq - 1));
                }
            } else {
                fresh.push((index, seq, event, raw));
            }
            seq += 1;
        }
        if let Some(refusal) = self.check_office(&b.office, &fresh)? {
            return Ok(BatchOutcome::Refused(refusal));
        }
        let through = (seq - 1).max(mark);
        if let (Some(first), Some(last)) = (fresh.first(), fresh.last()) {
            crate::export::note_arrival(
                &mut self.event_days_t,
                b.received_at,
                k,
                instance.as_u128(),
                first.1,
                last.1,
            )?;
        }
        for (_, seq, event, raw) in fresh {
            *self.added.entry(COUNT_EVENTS).or_default() += 1;
            self.events
                .insert((k, instance.as_u128(), seq), raw.as_slice())?;
            self.apply_event(b.kiosk, &b.office, event, b.received_at)?;
        }
        if known != Some(through) {
            self.marks.insert(key, through)?;
        }
        let rec = match self.instances_t.get(key)? {
            Some(v) => {
                let mut r: InstanceRec = serde_json::from_slice(v.value())?;
                r.last_batch_at = b.received_at;
                r
            }
            None => InstanceRec {
                first_seq: b.first_seq,
                first_seen_at: b.received_at,
                last_batch_at: b.received_at,
            },
        };
        self.instances_t
            .insert(key, serde_json::to_vec(&rec)?.as_slice())?;
        self.office_seen_t
            .insert(b.office.as_str(), b.received_at.as_millisecond())?;
        Ok(BatchOutcome::Applied(through))
    }

    /// Checks every new event of a batch against the sending kiosk's office
    /// before anything is applied; the first that fails refuses the batch.
    fn check_office(
        &mut self,
        office_id: &OfficeId,
        fresh: &[(usize, u64, Event, Vec<u8>)],
    ) -> Result<Option<Refusal>, IngestError> {
        let Some(office) = self.office(office_id)? else {
            return Ok(fresh.first().map(|(index, seq, _, _)| Refusal {
                index: *index,
                seq: *seq,
                forbidden: true,
                reason: Msg::new(
                    format!("kantor {office_id} tidak terdaftar lagi"),
                    format!("office {office_id} is no longer registered"),
                ),
            }));
        };
        // Tickets issued earlier in this same batch.
        let mut issued: HashSet<u128> = HashSet::new();
        for (index, seq, event, _) in fresh {
            let refuse = |forbidden: bool, reason: Msg| Refusal {
                index: *index,
                seq: *seq,
                forbidden,
                reason,
            };
            let counter_ok = |c: &CounterId| office.counter(c).is_some();
            let bad_counter = |c: &CounterId| {
                refuse(
                    true,
                    Msg::new(
                        format!("loket {c} bukan loket kantor {office_id}"),
                        format!("counter {c} is not a counter of office {office_id}"),
                    ),
                )
            };
            let ticket_named = match event {
                Event::TicketIssued {
                    ticket_id,
                    number,
                    service,
                    ..
                } => {
                    let Some(svc) = office.service(service) else {
                        return Ok(Some(refuse(
                            true,
                            Msg::new(
                                format!("layanan {service} bukan layanan kantor {office_id}"),
                                format!("service {service} is not a service of office {office_id}"),
                            ),
                        )));
                    };
                    if number.prefix() != &svc.prefix {
                        return Ok(Some(refuse(
                            false,
                            Msg::new(
                                format!(
                                    "nomor {number} tidak memakai awalan layanan {service} ({})",
                                    svc.prefix.as_str()
                                ),
                                format!(
                                    "number {number} does not use the prefix of service \
                                     {service} ({})",
                                    svc.prefix.as_str()
                                ),
                            ),
                        )));
                    }
                    issued.insert(ticket_id.as_u128());
                    None
                }
                Event::TicketCalled {
                    ticket_id, counter, ..
                } => {
                    if !counter_ok(counter) {
                        return Ok(Some(bad_counter(counter)));
                    }
                    Some(*ticket_id)
                }
                Event::TicketCompleted { ticket_id, .. }
                | Event::TicketAbandoned { ticket_id, .. } => Some(*ticket_id),
                Event::StaffSignedIn { counter, .. }
                | Event::StaffSignedOut { counter, .. }
                | Event::StaffBreak { counter, .. } => {
                    if !counter_ok(counter) {
                        return Ok(Some(bad_counter(counter)));
                    }
                    None
                }
                Event::TicketTransferred {
                    ticket_id,
                    new_ticket_id,
                    service,
                    ..
                } => {
                    if office.service(service).is_none() {
                        return Ok(Some(refuse(
                            true,
                            Msg::new(
                                format!("layanan {service} bukan layanan kantor {office_id}"),
                                format!("service {service} is not a service of office {office_id}"),
                            ),
                        )));
                    }
                    issued.insert(new_ticket_id.as_u128());
                    Some(*ticket_id)
                }
                Event::Rating(r) => {
                    if r.channel != Channel::Tablet {
                        return Ok(Some(refuse(
                            false,
                            Msg::new(
                                "penilaian dari kiosk hanya lewat tablet (channel tablet); \
                                 penilaian lewat QR dikirim warga langsung ke collector",
                                "ratings from a kiosk come from its tablets only (channel \
                                 tablet); QR ratings reach the collector from citizens directly",
                            ),
                        )));
                    }
                    if let Some(c) = &r.counter
                        && !counter_ok(c)
                    {
                        return Ok(Some(bad_counter(c)));
                    }
                    if r.ticket_id.is_none() && r.counter.is_none() {
                        return Ok(Some(refuse(
                            false,
                            Msg::new(
                                "penilaian tanpa tiket harus menyebut loketnya",
                                "a rating without a ticket must name its counter",
                            ),
                        )));
                    }
                    r.ticket_id
                }
            };
            if let Some(tid) = ticket_named
                && !issued.contains(&tid.as_u128())
                && self.ticket(office_id, tid)?.is_none()
            {
                return Ok(Some(refuse(
                    true,
                    Msg::new(
                        format!(
                            "tiket {tid} tidak pernah diterbitkan oleh kiosk kantor {office_id}"
                        ),
                        format!("ticket {tid} was never issued by a kiosk of office {office_id}"),
                    ),
                )));
            }
        }
        Ok(None)
    }

    fn apply_event(
        &mut self,
        kiosk: KioskId,
        office: &OfficeId,
        event: Event,
        received_at: Timestamp,
    ) -> Result<(), IngestError> {
        match event {
            Event::TicketIssued {
                ticket_id,
                number,
                service,
                issued_at,
            } => {
                if self.ticket(office, ticket_id)?.is_some() {
                    return Ok(());
                }
                let day = self.day(office, issued_at)?;
                self.office_rollup(office, &day, service.as_str())?.issued += 1;
                self.tickets.insert(
                    (office.clone(), ticket_id.as_u128()),
                    TicketRec {
                        kiosk,
                        office: office.clone(),
                        number,
                        service,
                        issued_at,
                        counter: None,
                        nip: None,
                        called_at: None,
                        completed_at: None,
                        abandoned_at: None,
                        rating: None,
                        transferred_to: None,
                        transferred_from: None,
                    },
                );
            }
            Event::TicketCalled {
                ticket_id,
                counter,
                nip,
                called_at,
            } => {
                let nip = self.roster_nip(office, nip)?;
                let Some(t) = self.ticket(office, ticket_id)? else {
                    return Ok(());
                };
                // Forward only: a ticket is called once, and never after it
                // was closed.
                if t.called_at.is_some() || t.completed_at.is_some() || t.abandoned_at.is_some() {
                    tracing::warn!(%ticket_id, "a second call of a ticket changes nothing");
                    return Ok(());
                }
                t.counter = Some(counter.clone());
                t.nip = nip;
                let called_at = called_at.max(t.issued_at);
                t.called_at = Some(called_at);
                let number = t.number.to_string();
                self.counter_live(office, &counter, |c| {
                    c.serving = Some((ticket_id, number, called_at));
                    c.on_break = false;
                })?;
            }
            Event::TicketCompleted {
                ticket_id,
                completed_at,
            } => self.complete(office, ticket_id, completed_at)?,
            Event::TicketAbandoned { ticket_id, at } => {
                let Some(t) = self.ticket(office, ticket_id)? else {
                    return Ok(());
                };
                if t.abandoned_at.is_some() || t.completed_at.is_some() {
                    return Ok(());
                }
                let at = at.max(t.called_at.unwrap_or(t.issued_at));
                t.abandoned_at = Some(at);
                let service = t.service.clone();
                if let Some(counter) = t.counter.clone() {
                    self.counter_live(office, &counter, |c| {
                        if c.serving.as_ref().is_some_and(|s| s.0 == ticket_id) {
                            c.serving = None;
                        }
                    })?;
                }
                let day = self.day(office, at)?;
                self.office_rollup(office, &day, service.as_str())?
                    .abandoned += 1;
            }
            Event::StaffSignedIn { counter, nip, at } => {
                let nip = self.roster_nip(office, nip)?;
                self.counter_live(office, &counter, |c| {
                    *c = CounterLive {
                        nip,
                        since: Some(at),
                        ..CounterLive::default()
                    }
                })?;
            }
            Event::StaffSignedOut { counter, .. } => {
                self.counter_live(office, &counter, |c| *c = CounterLive::default())?;
            }
            Event::StaffBreak { counter, on, .. } => {
                self.counter_live(office, &counter, |c| c.on_break = on)?;
            }
            Event::TicketTransferred {
                ticket_id,
                new_ticket_id,
                service,
                at,
            } => self.transfer(kiosk, office, ticket_id, new_ticket_id, service, at)?,
            Event::Rating(r) => self.apply_rating(kiosk, office, r, received_at)?,
        }
        Ok(())
    }

    /// A visit sent on to another service: the new ticket (same number)
    /// waits for it from `at`; the first transaction was completed by the
    /// event before.
    fn transfer(
        &mut self,
        kiosk: KioskId,
        office: &OfficeId,
        ticket_id: TicketId,
        new_ticket_id: TicketId,
        service: ServiceCode,
        at: Timestamp,
    ) -> Result<(), IngestError> {
        let Some(t) = self.ticket(office, ticket_id)? else {
            return Ok(());
        };
        if t.transferred_to.is_some() || t.completed_at.is_none() {
            tracing::warn!(%ticket_id, "a transfer of a ticket not just completed changes nothing");
            return Ok(());
        }
        t.transferred_to = Some(new_ticket_id);
        let number = t.number.clone();
        if self.ticket(office, new_ticket_id)?.is_some() {
            return Ok(());
        }
        // Not a new arrival: `issued` counts visits, the kiosk's dashboard
        // the same; the new ticket's completion is a service record of its own.
        self.tickets.insert(
            (office.clone(), new_ticket_id.as_u128()),
            TicketRec {
                kiosk,
                office: office.clone(),
                number,
                service,
                issued_at: at,
                counter: None,
                nip: None,
                called_at: None,
                completed_at: None,
                abandoned_at: None,
                rating: None,
                transferred_to: None,
                transferred_from: Some(ticket_id),
            },
        );
        Ok(())
    }

    /// Changes what the office's live view knows of a counter.
    fn counter_live(
        &mut self,
        office: &OfficeId,
        counter: &CounterId,
        change: impl FnOnce(&mut CounterLive),
    ) -> Result<(), IngestError> {
        let key = (office.as_str(), counter.as_str());
        let mut c: CounterLive = match self.counters_t.get(key)? {
            Some(v) => serde_json::from_slice(v.value())?,
            None => CounterLive::default(),
        };
        change(&mut c);
        self.counters_t
            .insert(key, serde_json::to_vec(&c)?.as_slice())?;
        Ok(())
    }

    /// A called ticket completes into a service record; ratings that arrived
    /// first attach (the earliest counts).
    fn complete(
        &mut self,
        office: &OfficeId,
        ticket_id: TicketId,
        completed_at: Timestamp,
    ) -> Result<(), IngestError> {
        let Some(t) = self.ticket(office, ticket_id)? else {
            return Ok(());
        };
        let Some(called_at) = t.called_at else {
            tracing::warn!(%ticket_id, "completion of a ticket never called changes nothing");
            return Ok(());
        };
        if t.completed_at.is_some() || t.abandoned_at.is_some() {
            return Ok(());
        }
        let completed_at = completed_at.max(called_at);
        t.completed_at = Some(completed_at);
        let rec = t.clone();
        if let Some(counter) = &rec.counter {
            self.counter_live(office, counter, |c| {
                if c.serving.as_ref().is_some_and(|s| s.0 == ticket_id) {
                    c.serving = None;
                }
            })?;
        }
        let day = self.day(office, completed_at)?;
        let target_s = self.office(office)?.and_then(|o| {
            o.service(&rec.service)
                .map(|s| i64::from(s.target_minutes) * 60)
        });
        let within =
            target_s.is_some_and(|t| completed_at.duration_since(rec.issued_at).as_secs() <= t);
        let hour = self
            .office(office)?
            .map(|o| usize::from(o.tz.zoned(rec.issued_at).hour().unsigned_abs()).min(23))
            .unwrap_or(0);
        let o = self.office_rollup(office, &day, rec.service.as_str())?;
        o.hour_visits[hour] += 1;
        o.hour_wait_s[hour] += rec.wait_s().unwrap_or(0).max(0).unsigned_abs();
        let visit = |r: &mut Rollup| {
            r.served += 1;
            if within {
                r.within_target += 1;
            }
            if let Some(w) = rec.wait_s() {
                r.wait.add(w);
            }
            if let Some(s) = rec.service_s() {
                r.service.add(s);
            }
        };
        visit(self.office_rollup(office, &day, rec.service.as_str())?);
        if let Some(nip) = &rec.nip {
            visit(self.nip_rollup(office, nip, &day, rec.service.as_str())?);
        }
        let waiting = self.pending_of(office, ticket_id)?;
        if !waiting.is_empty() {
            self.pending_t
                .remove((office.as_str(), ticket_id.as_u128()))?;
            let mut recs = Vec::new();
            for id in waiting {
                if let Some(r) = self.rating(RatingId::from_u128(id))? {
                    recs.push(r);
                }
            }
            recs.sort_by_key(|r| (r.ranked_at(completed_at), r.event.rating_id));
            for (i, mut r) in recs.into_iter().enumerate() {
                if i == 0 {
                    self.count_for_ticket(&mut r, office, ticket_id, true)?;
                } else {
                    r.status = RatingStatus::Duplicate;
                }
                self.put_rating(&r)?;
            }
        }
        Ok(())
    }

    /// Adds (`sign` 1) or takes back (`sign` -1) a ticket rating's counts:
    /// for the office when `office`, and for `nip` when the rating is theirs.
    fn tally_ticket_rating(
        &mut self,
        ev: &RatingEvent,
        rec: &TicketRec,
        office: bool,
        nip: Option<&Nip>,
        sign: i8,
    ) -> Result<(), IngestError> {
        let Some(done) = rec.completed_at else {
            return Ok(());
        };
        let day = self.day(&rec.office, done)?;
        let s = usize::from(ev.score.get() - 1);
        let after = ev.submitted_at.duration_since(done).as_secs();
        let quick = u64::from((0..=QUICK_SECS).contains(&after));
        let qr = u64::from(ev.channel == Channel::Qr);
        let apply = |r: &mut Rollup| {
            if sign > 0 {
                r.scores[s] += 1;
                r.quick += quick;
                r.qr += qr;
                if let Some(a) = &ev.answers {
                    r.ikm.add(a);
                }
            } else {
                r.scores[s] = r.scores[s].saturating_sub(1);
                r.quick = r.quick.saturating_sub(quick);
                r.qr = r.qr.saturating_sub(qr);
                if let Some(a) = &ev.answers {
                    r.ikm.remove(a);
                }
            }
        };
        if office {
            apply(self.office_rollup(&rec.office, &day, rec.service.as_str())?);
        }
        if let Some(nip) = nip {
            apply(self.nip_rollup(&rec.office, nip, &day, rec.service.as_str())?);
        }
        Ok(())
    }

    /// Counts `r` as its completed ticket's rating. `waited` says it was
    /// pending: it reached the collector before the ticket's completion did.
    fn count_for_ticket(
        &mut self,
        r: &mut RatingRec,
        office: &OfficeId,
        ticket_id: TicketId,
        waited: bool,
    ) -> Result<(), IngestError> {
        let Some(t) = self.ticket(office, ticket_id)? else {
            return Ok(());
        };
        t.rating = Some(r.event.rating_id);
        let rec = t.clone();
        // A phone rating submitted before the service was completed is not
        // about that service's ASN: it counts for the office only. Only a
        // rating that waited for the completion can be one; the kiosk's
        // clock follows the collector's, so the two times compare. A rating
        // that arrives when the completion is known came after it, whatever
        // the clocks say.
        let early = waited
            && r.event.channel == Channel::Qr
            && rec.completed_at.is_some_and(|done| r.received_at < done);
        let nip = if early { None } else { rec.nip.clone() };
        r.status = RatingStatus::Counted {
            attribution: Attribution::Ticket { nip: nip.clone() },
        };
        if let (Some(nip), Some(done)) = (&nip, rec.completed_at) {
            let day = self.day(office, done)?;
            self.index_for_nip(office, nip, &day, r.event.rating_id, true)?;
        }
        self.tally_ticket_rating(&r.event, &rec, true, nip.as_ref(), 1)
    }

    /// Adds a rating to (or takes it from) an ASN's counted ratings of a day.
    fn index_for_nip(
        &mut self,
        office: &OfficeId,
        nip: &Nip,
        day: &str,
        rating: RatingId,
        insert: bool,
    ) -> Result<(), IngestError> {
        let key = (office.as_str(), nip.as_str(), day, rating.as_u128());
        if insert {
            self.nip_ratings_t.insert(key, ())?;
        } else {
            self.nip_ratings_t.remove(key)?;
        }
        Ok(())
    }

    /// Counts a flagged rating as flagged for the office (and the ASN it
    /// would have been for): never in scores or the IKM.
    fn flag(&mut self, r: &mut RatingRec, office: &OfficeId) -> Result<(), IngestError> {
        let attribution = match (r.event.ticket_id, r.event.nip.clone()) {
            (Some(tid), _) => Attribution::Ticket {
                nip: self.ticket(office, tid)?.and_then(|t| t.nip.clone()),
            },
            (None, Some(nip)) => match self.roster_nip(office, nip)? {
                Some(nip) => Attribution::Session { nip },
                None => Attribution::Office,
            },
            (None, None) => Attribution::Office,
        };
        let day = self.day(office, r.event.submitted_at.min(r.received_at))?;
        self.office_rollup(office, &day, "")?.flagged += 1;
        if let Some(nip) = attribution.nip() {
            self.nip_rollup(office, nip, &day, "")?.flagged += 1;
        }
        r.status = RatingStatus::Flagged { attribution };
        self.trail.append(
            NewEntry::new(format!("kiosk:{}", r.kiosk), "flag")
                .at(r.received_at)
                .office(office)
                .rating(r.event.rating_id)
                .detail("flagged by the kiosk: part of a burst of ratings without a ticket"),
        )?;
        Ok(())
    }

    fn apply_rating(
        &mut self,
        kiosk: KioskId,
        office: &OfficeId,
        ev: RatingEvent,
        received_at: Timestamp,
    ) -> Result<(), IngestError> {
        if self.ratings_t.get(ev.rating_id.0.as_u128())?.is_some() {
            return Ok(());
        }
        *self.added.entry(COUNT_RATINGS).or_default() += 1;
        let mut r = RatingRec {
            event: ev,
            kiosk,
            office: office.clone(),
            status: RatingStatus::Pending,
            received_at,
            reply: None,
            review: None,
        };
        if let Some(tid) = r.event.ticket_id {
            self.by_ticket_t.insert(
                (
                    office.as_str(),
                    tid.as_u128(),
                    r.event.rating_id.0.as_u128(),
                ),
                (),
            )?;
        }
        if r.event.flagged {
            self.flag(&mut r, office)?;
            return self.put_rating(&r);
        }
        self.open_followup(&r)?;
        match r.event.ticket_id {
            Some(tid) => {
                let known = self
                    .ticket(office, tid)?
                    .map(|t| (t.completed_at, t.rating));
                match known {
                    Some((Some(_), None)) => self.count_for_ticket(&mut r, office, tid, false)?,
                    Some((Some(done), Some(existing))) => {
                        let old = self.rating(existing)?;
                        match old {
                            Some(mut old) if r.ranked_at(done) < old.ranked_at(done) => {
                                // The earlier rating counts: take the counted one back.
                                if let Some(rec) = self.ticket(office, tid)?.map(|t| t.clone()) {
                                    let was_for = old.counted_for().cloned();
                                    // An excluded rating is no longer in its
                                    // ASN's counts: only its exclusion is.
                                    let in_score = was_for.as_ref().filter(|_| !old.excluded());
                                    self.tally_ticket_rating(&old.event, &rec, true, in_score, -1)?;
                                    if let Some(nip) = &was_for {
                                        let day = self.day(office, done)?;
                                        if old.excluded() {
                                            let n = self.nip_rollup(
                                                office,
                                                nip,
                                                &day,
                                                rec.service.as_str(),
                                            )?;
                                            n.excluded = n.excluded.saturating_sub(1);
                                        }
                                        self.index_for_nip(
                                            office,
                                            nip,
                                            &day,
                                            old.event.rating_id,
                                            false,
                                        )?;
                                    }
                                }
                                old.status = RatingStatus::Duplicate;
                                self.put_rating(&old)?;
                                self.count_for_ticket(&mut r, office, tid, false)?;
                            }
                            _ => r.status = RatingStatus::Duplicate,
                        }
                    }
                    _ => {
                        let mut waiting = self.pending_of(office, tid)?;
                        waiting.push(r.event.rating_id.0.as_u128());
                        self.pending_t.insert(
                            (office.as_str(), tid.as_u128()),
                            serde_json::to_vec(&waiting)?.as_slice(),
                        )?;
                    }
                }
            }
            None => {
                let day = self.day(office, r.event.submitted_at.min(received_at))?;
                let s = usize::from(r.event.score.get() - 1);
                let nip = match r.event.nip.clone() {
                    Some(nip) => self.roster_nip(office, nip)?,
                    None => None,
                };
                let o = self.office_rollup(office, &day, "")?;
                o.session_scores[s] += 1;
                if let Some(a) = &r.event.answers {
                    o.ikm.add(a);
                }
                let attribution = match nip {
                    Some(nip) => {
                        self.nip_rollup(office, &nip, &day, "")?.session_scores[s] += 1;
                        self.index_for_nip(office, &nip, &day, r.event.rating_id, true)?;
                        Attribution::Session { nip }
                    }
                    None => Attribution::Office,
                };
                r.status = RatingStatus::Counted { attribution };
            }
        }
        self.put_rating(&r)
    }

    fn apply_qr(&mut self, q: QrJob) -> Result<QrOutcome, IngestError> {
        let Some(tid) = q.rating.ticket_id else {
            return Err(IngestError("a QR rating always names its ticket".into()));
        };
        let earlier = match self.ticket(&q.office, tid)?.and_then(|t| t.rating) {
            Some(counted) => Some(counted),
            None => self
                .pending_of(&q.office, tid)?
                .first()
                .map(|&id| RatingId::from_u128(id)),
        };
        if let Some(earlier) = earlier {
            return Ok(QrOutcome::AlreadyRated(earlier));
        }
        let id = q.rating.rating_id;
        let received_at = q.rating.submitted_at;
        self.apply_rating(q.kiosk, &q.office, q.rating, received_at)?;
        *self.added.entry(COUNT_QR_RATINGS).or_default() += 1;
        Ok(QrOutcome::Accepted(id))
    }

    /// Writes every touched ticket, rollup and counter once.
    fn flush(&mut self) -> Result<(), IngestError> {
        for (name, n) in self.added.drain() {
            let old = self.counts_t.get(name)?.map(|v| v.value()).unwrap_or(0);
            self.counts_t.insert(name, old + n)?;
        }
        for ((o, k), t) in self.tickets.drain() {
            self.tickets_t
                .insert((o.as_str(), k), serde_json::to_vec(&t)?.as_slice())?;
        }
        self.rollups.flush()?;
        Ok(())
    }
}

/// Every rating recorded for a ticket of `office` (counted, pending,
/// duplicate or flagged), earliest submitted first.
pub fn ratings_of_ticket(
    db: &Database,
    office: &OfficeId,
    ticket: TicketId,
) -> Result<Vec<RatingRec>, IngestError> {
    let r = db.begin_read()?;
    let idx = r.open_table(RATINGS_BY_TICKET)?;
    let ratings = r.open_table(RATINGS)?;
    let (o, t) = (office.as_str(), ticket.as_u128());
    let mut out = Vec::new();
    for row in idx.range((o, t, 0)..=(o, t, u128::MAX))? {
        let (k, _) = row?;
        if let Some(v) = ratings.get(k.value().2)? {
            out.push(serde_json::from_slice::<RatingRec>(v.value())?);
        }
    }
    out.sort_by_key(|r| (r.event.submitted_at, r.event.rating_id));
    Ok(out)
}

/// A ticket of `office` as the collector knows it.
pub fn ticket(
    db: &Database,
    office: &OfficeId,
    ticket: TicketId,
) -> Result<Option<TicketRec>, IngestError> {
    let r = db.begin_read()?;
    let t = r.open_table(TICKETS)?;
    Ok(match t.get((office.as_str(), ticket.as_u128()))? {
        Some(v) => Some(serde_json::from_slice(v.value())?),
        None => None,
    })
}

/// One kiosk database as the collector knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceStatus {
    /// Its identity (the nil id for batches that carried none).
    pub instance_id: InstanceId,
    /// Highest sequence applied.
    pub applied_through: u64,
    /// Where it started, and when it was seen.
    #[serde(flatten)]
    pub seen: InstanceRec,
}

/// Every database a kiosk has sent from, the most recently active last.
pub fn instances(db: &Database, kiosk: KioskId) -> Result<Vec<InstanceStatus>, IngestError> {
    let r = db.begin_read()?;
    let marks = r.open_table(MARKS)?;
    let recs = r.open_table(INSTANCES)?;
    let k = kiosk.0.as_u128();
    let mut out = Vec::new();
    for row in recs.range((k, 0)..=(k, u128::MAX))? {
        let (key, v) = row?;
        let seen: InstanceRec = serde_json::from_slice(v.value())?;
        let applied_through = marks.get(key.value())?.map(|m| m.value()).unwrap_or(0);
        out.push(InstanceStatus {
            instance_id: InstanceId::from_u128(key.value().1),
            applied_through,
            seen,
        });
    }
    out.sort_by_key(|i| i.seen.last_batch_at);
    Ok(out)
}

/// The highest sequence applied for a kiosk's most recently active database.
pub fn mark(db: &Database, kiosk: KioskId) -> Result<u64, IngestError> {
    Ok(instances(db, kiosk)?
        .last()
        .map(|i| i.applied_through)
        .unwrap_or(0))
}

/// The ratings counted for an ASN at `office` on days `from..=to`
/// (office-local), as recorded.
pub fn nip_ratings(
    db: &Database,
    office: &OfficeId,
    nip: &Nip,
    from: &str,
    to: &str,
) -> Result<Vec<(String, RatingRec)>, IngestError> {
    let r = db.begin_read()?;
    let idx = r.open_table(NIP_RATINGS)?;
    let ratings = r.open_table(RATINGS)?;
    let (o, n) = (office.as_str(), nip.as_str());
    let mut out = Vec::new();
    for row in idx.range((o, n, from, 0)..=(o, n, to, u128::MAX))? {
        let (k, _) = row?;
        let (_, _, day, id) = k.value();
        if let Some(v) = ratings.get(id)? {
            out.push((
                day.to_owned(),
                serde_json::from_slice::<RatingRec>(v.value())?,
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{Period, asn_rows, office_row};
    use crate::store::{StaffRow, Store};
    use shared::fair::FairParams;
    use shared::{Score, ServicePrefix, SkmAnswers};

    const ASN: &str = "196608011988031001";
    const OTHER_ASN: &str = "198503122021212004";

    fn office(id: &str) -> Office {
        crate::test_support::office_record(id)
    }

    struct Fixture {
        store: Store,
        _dir: tempfile::TempDir,
        kiosk: KioskId,
        instance: InstanceId,
        next_seq: u64,
        /// 2026-11-02 09:00 WITA, the start of every scenario.
        t0: Timestamp,
    }

    fn oid(s: &str) -> OfficeId {
        OfficeId::parse(s).unwrap()
    }

    fn at(f: &Fixture, secs: i64) -> Timestamp {
        f.t0 + jiff::SignedDuration::from_secs(secs)
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("c.redb")).await.unwrap();
        store.put_office(office("alak")).await.unwrap();
        store.put_office(office("walesi")).await.unwrap();
        let row = |nip: &str, office: &str| StaffRow {
            nip: Nip::parse(nip).unwrap(),
            office_id: oid(office),
            name: format!("ASN {nip}"),
            pin_hash: "$argon2id$fake".into(),
            active: true,
        };
        store
            .import_roster(vec![row(ASN, "alak"), row(OTHER_ASN, "walesi")])
            .await
            .unwrap();
        Fixture {
            store,
            _dir: dir,
            kiosk: KioskId(uuid::Uuid::now_v7()),
            instance: InstanceId(uuid::Uuid::now_v7()),
            next_seq: 1,
            t0: "2026-11-02T01:00:00Z".parse().unwrap(),
        }
    }

    impl Fixture {
        /// Sends `events` as the next batch of the fixture's kiosk at `office`.
        async fn send(&mut self, office: &str, events: Vec<Event>) -> BatchOutcome {
            let first_seq = self.next_seq;
            let out = self.send_at(office, first_seq, events.clone()).await;
            if matches!(out, BatchOutcome::Applied(_)) {
                self.next_seq += events.len() as u64;
            }
            out
        }

        async fn send_at(&self, office: &str, first_seq: u64, events: Vec<Event>) -> BatchOutcome {
            let received_at = at(self, 3600);
            let events = events
                .into_iter()
                .map(|e| {
                    let raw = serde_json::to_vec(&e).unwrap();
                    (e, raw)
                })
                .collect();
            self.store
                .ingest()
                .batch(BatchJob {
                    kiosk: self.kiosk,
                    office: oid(office),
                    instance: Some(self.instance),
                    first_seq,
                    events,
                    received_at,
                })
                .await
                .unwrap()
        }

        async fn qr(&self, office: &str, ticket: TicketId, score: i64, at_s: i64) -> QrOutcome {
            self.store
                .ingest()
                .qr_rating(QrJob {
                    kiosk: self.kiosk,
                    office: oid(office),
                    rating: rating(Some(ticket), None, score, at(self, at_s), Channel::Qr),
                })
                .await
                .unwrap()
        }

        async fn office_figures(&self, office: &str) -> shared::wire::OfficeReportRow {
            let db = self.store.database();
            assert_eq!(
                crate::layout::verify(&db).unwrap(),
                Vec::<String>::new(),
                "month rows equal the sum of their day rows"
            );
            let o = office_fixture(office);
            office_row(&db, &o, period()).unwrap()
        }

        async fn asn_row(&self, office: &str, nip: &str) -> Option<shared::wire::AsnReportRow> {
            let db = self.store.database();
            assert_eq!(
                crate::layout::verify(&db).unwrap(),
                Vec::<String>::new(),
                "month rows equal the sum of their day rows"
            );
            asn_rows(
                &db,
                &oid(office),
                &Default::default(),
                period(),
                FairParams::default(),
            )
            .unwrap()
            .into_iter()
            .find(|r| r.nip == nip)
        }

        fn status(&self, id: RatingId) -> RatingStatus {
            let db = self.store.database();
            let r = db.begin_read().unwrap();
            let t = r.open_table(RATINGS).unwrap();
            let v = t.get(id.0.as_u128()).unwrap().unwrap();
            serde_json::from_slice::<RatingRec>(v.value())
                .unwrap()
                .status
        }
    }

    fn office_fixture(id: &str) -> Office {
        office(id)
    }

    fn period() -> Period {
        Period {
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-30".parse().unwrap(),
        }
    }

    fn rating(
        ticket: Option<TicketId>,
        nip: Option<&str>,
        score: i64,
        submitted_at: Timestamp,
        channel: Channel,
    ) -> RatingEvent {
        RatingEvent {
            rating_id: RatingId(uuid::Uuid::now_v7()),
            ticket_id: ticket,
            counter: ticket.is_none().then(|| CounterId::parse("L1").unwrap()),
            nip: nip.map(|n| Nip::parse(n).unwrap()),
            channel,
            score: Score::new(score).unwrap(),
            answers: Some(SkmAnswers::new(&[score; 9]).unwrap()),
            comment: None,
            submitted_at,
            flagged: false,
        }
    }

    /// Issue, call (by `nip`) and complete one ticket, `start` seconds in.
    fn visit(f: &Fixture, nip: &str, start: i64) -> (TicketId, Vec<Event>) {
        let id = TicketId(uuid::Uuid::now_v7());
        let events = vec![
            Event::TicketIssued {
                ticket_id: id,
                number: TicketNumber::new(ServicePrefix::parse("A").unwrap(), 1),
                service: ServiceCode::parse("ktp").unwrap(),
                issued_at: at(f, start),
            },
            Event::TicketCalled {
                ticket_id: id,
                counter: CounterId::parse("L1").unwrap(),
                nip: Nip::parse(nip).unwrap(),
                called_at: at(f, start + 60),
            },
            Event::TicketCompleted {
                ticket_id: id,
                completed_at: at(f, start + 300),
            },
        ];
        (id, events)
    }

    #[tokio::test]
    async fn raw_events_are_exported_by_arrival_day_and_pruned_past_retention_keeping_reports() {
        use crate::export::{Format, Sink, export};
        struct Collect(Vec<u8>);
        impl Sink for Collect {
            fn send(&mut self, chunk: Vec<u8>) -> bool {
                self.0.extend(chunk);
                true
            }
        }
        let run = |db: &Arc<Database>, from: &str, to: &str, format| {
            let mut c = Collect(Vec::new());
            let rows = export(
                db,
                from.parse().unwrap(),
                to.parse().unwrap(),
                format,
                &mut c,
            )
            .unwrap();
            (rows, String::from_utf8(c.0).unwrap())
        };
        let mut f = fixture().await;
        let (t, mut ev) = visit(&f, ASN, 0);
        ev.push(Event::Rating(rating(
            Some(t),
            None,
            4,
            at(&f, 320),
            Channel::Tablet,
        )));
        assert_eq!(f.send("alak", ev).await, BatchOutcome::Applied(4));
        let (t2, ev2) = visit(&f, ASN, 900);
        assert_eq!(f.send("alak", ev2).await, BatchOutcome::Applied(7));
        assert!(matches!(
            f.qr("alak", t2, 3, 1300).await,
            QrOutcome::Accepted(_)
        ));
        let db = f.store.database();
        // Received 2026-11-02 (UTC): every kiosk event once, in order, as sent.
        let (rows, nd) = run(&db, "2026-11-02", "2026-11-02", Format::Ndjson);
        let lines: Vec<serde_json::Value> = nd
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kiosk: Vec<_> = lines.iter().filter(|l| l["source"] == "kiosk").collect();
        assert_eq!(kiosk.len(), 7);
        assert_eq!(
            kiosk
                .iter()
                .map(|l| l["seq"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            (1..=7).collect::<Vec<_>>()
        );
        assert_eq!(kiosk[0]["event"]["type"], "ticket_issued");
        assert_eq!(kiosk[0]["received_day"], "2026-11-02");
        // The phone rating's id was minted now, so it belongs to today.
        assert_eq!(rows, 7);
        let today = crate::export::utc_day(Timestamp::now()).to_string();
        let (rows, csv) = run(&db, &today, &today, Format::Csv);
        assert_eq!(rows, 1, "{csv}");
        let mut rd = csv::Reader::from_reader(csv.as_bytes());
        let rec = rd.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "phone");
        let ev: serde_json::Value = serde_json::from_str(&rec[6]).unwrap();
        assert_eq!(ev["score"], 3);
        let (rows, csv) = run(&db, "2026-11-02", "2026-11-02", Format::Csv);
        assert_eq!(
            (
                rows,
                csv::Reader::from_reader(csv.as_bytes()).records().count()
            ),
            (7, 7)
        );
        assert_eq!(run(&db, "2026-11-03", "2026-11-04", Format::Ndjson).0, 0);

        let before = f.office_figures("alak").await;
        // Retention: nothing received on or after the cut-off goes.
        let ingest = f.store.ingest();
        assert_eq!(
            ingest
                .prune_events("2026-11-02".parse().unwrap())
                .await
                .unwrap(),
            0
        );
        assert_eq!(run(&db, "2026-11-02", "2026-11-02", Format::Ndjson).0, 7);
        assert_eq!(
            ingest
                .prune_events("2026-11-03".parse().unwrap())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            ingest
                .prune_events("2026-11-03".parse().unwrap())
                .await
                .unwrap(),
            0
        );
        assert_eq!(run(&db, "2026-11-01", "2026-11-03", Format::Ndjson).0, 0);
        let r = db.begin_read().unwrap();
        assert_eq!(
            redb::ReadableTableMetadata::len(&r.open_table(EVENTS).unwrap()).unwrap(),
            0
        );
        drop(r);
        // Reports read rollups: unchanged; the kiosk carries on from its mark.
        assert_eq!(f.office_figures("alak").await, before);
        let (_, ev3) = visit(&f, ASN, 2000);
        assert_eq!(f.send("alak", ev3).await, BatchOutcome::Applied(10));
    }

    #[tokio::test]
    async fn a_tablet_rating_of_a_completed_ticket_counts_exactly_for_its_asn() {
        let mut f = fixture().await;
        let (t, mut ev) = visit(&f, ASN, 0);
        let r = rating(Some(t), None, 4, at(&f, 320), Channel::Tablet);
        ev.push(Event::Rating(r.clone()));
        assert_eq!(f.send("alak", ev).await, BatchOutcome::Applied(4));
        assert_eq!(
            f.status(r.rating_id),
            RatingStatus::Counted {
                attribution: Attribution::Ticket {
                    nip: Some(Nip::parse(ASN).unwrap())
                }
            }
        );
        let row = f.asn_row("alak", ASN).await.unwrap();
        assert_eq!((row.figures.services, row.figures.ratings), (1, 1));
        assert_eq!(f.office_figures("alak").await.figures.ikm, Some(100.0));
    }

    #[tokio::test]
    async fn a_phone_rating_received_before_the_service_was_completed_counts_for_the_office_only() {
        let mut f = fixture().await;
        // A visit completed an hour from now: the rating received now was
        // given while the citizen still waited (a ticket's phone link).
        let from_t0 = jiff::Timestamp::now().duration_since(f.t0).as_secs() + 3600;
        let (t, ev) = visit(&f, ASN, from_t0);
        let QrOutcome::Accepted(id) = f.qr("alak", t, 1, from_t0 + 10).await else {
            panic!("accepted");
        };
        f.send("alak", ev).await;
        assert_eq!(
            f.status(id),
            RatingStatus::Counted {
                attribution: Attribution::Ticket { nip: None }
            }
        );
    }

    #[tokio::test]
    async fn a_qr_rating_before_its_ticket_waits_and_is_attributed_when_the_record_arrives() {
        let mut f = fixture().await;
        let (t, ev) = visit(&f, ASN, 0);
        let QrOutcome::Accepted(id) = f.qr("alak", t, 3, 400).await else {
            panic!("accepted");
        };
        assert_eq!(f.status(id), RatingStatus::Pending);
        assert_eq!(f.qr("alak", t, 1, 401).await, QrOutcome::AlreadyRated(id));
        f.send("alak", ev).await;
        assert!(matches!(f.status(id), RatingStatus::Counted { .. }));
        assert_eq!(f.asn_row("alak", ASN).await.unwrap().figures.ratings, 1);
    }

    #[tokio::test]
    async fn of_two_ratings_of_a_ticket_the_earlier_counts_even_when_it_arrives_later() {
        let mut f = fixture().await;
        let (t, ev) = visit(&f, ASN, 0);
        f.send("alak", ev).await;
        // The phone's rating arrives first, at 10 minutes...
        let QrOutcome::Accepted(qr) = f.qr("alak", t, 1, 600).await else {
            panic!("accepted");
        };
        // ...then the tablet's, given at 5:20 but forwarded late.
        let tablet = rating(Some(t), None, 4, at(&f, 320), Channel::Tablet);
        f.send("alak", vec![Event::Rating(tablet.clone())]).await;
        assert!(matches!(
            f.status(tablet.rating_id),
            RatingStatus::Counted { .. }
        ));
        assert_eq!(f.status(qr), RatingStatus::Duplicate);
        let row = f.asn_row("alak", ASN).await.unwrap();
        assert_eq!((row.figures.ratings, row.score_mean), (1, Some(4.0)));
    }

    #[tokio::test]
    async fn a_rating_claiming_a_time_before_completion_cannot_displace_the_counted_one() {
        let mut f = fixture().await;
        let (t, ev) = visit(&f, ASN, 0);
        f.send("alak", ev).await;
        let QrOutcome::Accepted(qr) = f.qr("alak", t, 2, 301).await else {
            panic!("accepted");
        };
        // Claims an hour before the service was even completed.
        let early = rating(Some(t), None, 4, at(&f, -3600), Channel::Tablet);
        f.send("alak", vec![Event::Rating(early.clone())]).await;
        assert_eq!(f.status(early.rating_id), RatingStatus::Duplicate);
        assert!(matches!(f.status(qr), RatingStatus::Counted { .. }));
    }

    #[tokio::test]
    async fn a_rating_without_a_ticket_counts_by_session_for_an_asn_of_the_office() {
        let mut f = fixture().await;
        let r = rating(None, Some(ASN), 3, at(&f, 10), Channel::Tablet);
        f.send("alak", vec![Event::Rating(r.clone())]).await;
        assert_eq!(
            f.status(r.rating_id),
            RatingStatus::Counted {
                attribution: Attribution::Session {
                    nip: Nip::parse(ASN).unwrap()
                }
            }
        );
        let row = f.asn_row("alak", ASN).await.unwrap();
        assert_eq!((row.figures.ratings, row.ratings_by_session), (0, 1));
    }

    #[tokio::test]
    async fn a_rating_without_a_ticket_or_naming_another_offices_asn_counts_for_the_office_only() {
        let mut f = fixture().await;
        let nobody = rating(None, None, 3, at(&f, 10), Channel::Tablet);
        let foreign = rating(None, Some(OTHER_ASN), 1, at(&f, 11), Channel::Tablet);
        f.send(
            "alak",
            vec![
                Event::Rating(nobody.clone()),
                Event::Rating(foreign.clone()),
            ],
        )
        .await;
        for id in [nobody.rating_id, foreign.rating_id] {
            assert_eq!(
                f.status(id),
                RatingStatus::Counted {
                    attribution: Attribution::Office
                }
            );
        }
        assert!(f.asn_row("alak", OTHER_ASN).await.is_none());
        assert_eq!(f.office_figures("alak").await.figures.ratings, 2);
    }

    #[tokio::test]
    async fn a_flagged_rating_is_kept_and_counted_as_flagged_but_not_in_scores_or_the_ikm() {
        let mut f = fixture().await;
        let (t, mut ev) = visit(&f, ASN, 0);
        ev.push(Event::Rating(rating(
            Some(t),
            None,
            4,
            at(&f, 320),
            Channel::Tablet,
        )));
        f.send("alak", ev).await;
        let before = f.office_figures("alak").await;
        let mut flagged = rating(None, Some(ASN), 1, at(&f, 330), Channel::Tablet);
        flagged.flagged = true;
        f.send("alak", vec![Event::Rating(flagged.clone())]).await;
        assert!(matches!(
            f.status(flagged.rating_id),
            RatingStatus::Flagged { .. }
        ));
        let after = f.office_figures("alak").await;
        assert_eq!(after.figures.flagged, 1);
        assert_eq!(after.figures.ratings, before.figures.ratings);
        assert_eq!(after.figures.ikm, before.figures.ikm);
        let row = f.asn_row("alak", ASN).await.unwrap();
        assert_eq!(
            (row.figures.flagged, row.ratings_by_session, row.score_mean),
            (1, 0, Some(4.0))
        );
    }

    #[tokio::test]
    async fn a_kiosk_cannot_name_another_offices_ticket_counter_or_service_and_nothing_is_applied()
    {
        let mut f = fixture().await;
        let (t, ev) = visit(&f, ASN, 0);
        f.send("alak", ev).await;
        let before = f.office_figures("alak").await;
        let mut other = fixture_kiosk(&f);
        // Walesi's kiosk re-calls and rates Alak's ticket.
        let call = Event::TicketCalled {
            ticket_id: t,
            counter: CounterId::parse("L1").unwrap(),
            nip: Nip::parse(OTHER_ASN).unwrap(),
            called_at: at(&f, 900),
        };
        let rate = Event::Rating(rating(Some(t), None, 1, at(&f, 901), Channel::Tablet));
        for ev in [call, rate] {
            let BatchOutcome::Refused(r) = other.send("walesi", vec![ev]).await else {
                panic!("refused");
            };
            assert!(r.forbidden);
        }
        let bad_counter = Event::StaffSignedIn {
            counter: CounterId::parse("L9").unwrap(),
            nip: Nip::parse(OTHER_ASN).unwrap(),
            at: at(&f, 902),
        };
        let (_, mut fine) = visit(&f, OTHER_ASN, 1000);
        fine.push(bad_counter);
        let BatchOutcome::Refused(r) = other.send("walesi", fine).await else {
            panic!("refused");
        };
        assert_eq!((r.index, r.seq), (3, 4));
        assert_eq!(f.office_figures("alak").await, before);
        assert_eq!(
            f.office_figures("walesi").await.figures.services,
            0,
            "nothing of the refused batch was applied"
        );
    }

    fn fixture_kiosk(f: &Fixture) -> Fixture {
        Fixture {
            store: f.store.clone(),
            _dir: tempfile::tempdir().unwrap(),
            kiosk: KioskId(uuid::Uuid::now_v7()),
            instance: InstanceId(uuid::Uuid::now_v7()),
            next_seq: 1,
            t0: f.t0,
        }
    }

    #[tokio::test]
    async fn a_completed_ticket_is_never_called_again_so_its_asn_stays() {
        let mut f = fixture().await;
        let (t, ev) = visit(&f, ASN, 0);
        f.send("alak", ev).await;
        let before = f.asn_row("alak", ASN).await.unwrap();
        let recall = Event::TicketCalled {
            ticket_id: t,
            counter: CounterId::parse("L1").unwrap(),
            nip: Nip::parse(ASN).unwrap(),
            called_at: at(&f, 2000),
        };
        let complete = Event::TicketCompleted {
            ticket_id: t,
            completed_at: at(&f, 2100),
        };
        assert!(matches!(
            f.send("alak", vec![recall, complete]).await,
            BatchOutcome::Applied(5)
        ));
        assert_eq!(f.asn_row("alak", ASN).await.unwrap(), before);
    }

    #[tokio::test]
    async fn a_replayed_batch_applies_nothing_and_a_different_one_under_the_same_identity_diverges()
    {
        let mut f = fixture().await;
        let (_, ev) = visit(&f, ASN, 0);
        f.send("alak", ev.clone()).await;
        assert_eq!(f.send_at("alak", 1, ev).await, BatchOutcome::Applied(3));
        let (_, other) = visit(&f, ASN, 500);
        assert_eq!(
            f.send_at("alak", 2, other.clone()).await,
            BatchOutcome::Diverged(1)
        );
        assert_eq!(f.office_figures("alak").await.figures.services, 1);
        // Under a new identity from sequence 2 the same events apply.
        f.instance = InstanceId(uuid::Uuid::now_v7());
        assert_eq!(f.send_at("alak", 2, other).await, BatchOutcome::Applied(4));
        assert_eq!(f.office_figures("alak").await.figures.services, 2);
        let db = f.store.database();
        assert_eq!(instances(&db, f.kiosk).unwrap().len(), 2);
        assert_eq!(mark(&db, f.kiosk).unwrap(), 4);
    }

    #[tokio::test]
    async fn a_new_database_of_a_kiosk_starts_its_own_sequence_from_one() {
        let mut f = fixture().await;
        let (_, ev) = visit(&f, ASN, 0);
        f.send("alak", ev).await;
        f.instance = InstanceId(uuid::Uuid::now_v7());
        f.next_seq = 1;
        let (_, ev) = visit(&f, ASN, 500);
        assert_eq!(f.send("alak", ev).await, BatchOutcome::Applied(3));
        assert_eq!(f.office_figures("alak").await.figures.services, 2);
        assert_eq!(f.send_at("alak", 9, vec![]).await, BatchOutcome::Gap(3));
    }
}
