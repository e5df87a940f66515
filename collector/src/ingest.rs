//! Ingest: applying kiosks' event logs exactly once, turning them into
//! service records, attributing ratings, and keeping the rollups.
//!
//! One writer thread owns every write here. It folds whatever is queued
//! (batches from many kiosks, QR ratings from phones) into one redb write
//! transaction: per kiosk it checks the mark (the highest sequence applied),
//! skips what is already applied, refuses a gap, applies the new events,
//! moves the mark, and writes each touched ticket and rollup row once; then
//! it commits and only then answers. A crash before the commit applies
//! nothing; the kiosk resends and the mark makes the replay harmless
//! (at-least-once delivery, exactly-once effect).
//!
//! Attribution: a rating with a ticket counts for that ticket's service
//! record (exact); if the record has not arrived yet the rating waits as
//! pending and is attached when it does. One rating counts per ticket across
//! tablet and QR: the earliest submitted; later ones are kept as duplicates
//! and excluded. A rating without a ticket counts for the office and, when
//! the kiosk names the ASN signed in at that counter, by session for them.

use std::collections::HashMap;
use std::sync::{Arc, mpsc};

use jiff::Timestamp;
use redb::{Database, ReadableTable, Table, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use shared::ids::{CounterId, KioskId, OfficeId, RatingId, ServiceCode, TicketId};
use shared::office::Office;
use shared::wire::{Event, RatingEvent};
use shared::{Nip, TicketNumber};
use tokio::sync::oneshot;

use crate::rollup::Rollup;

/// Per kiosk: the highest sequence applied.
pub(crate) const MARKS: TableDefinition<u128, u64> = TableDefinition::new("kiosk_marks");
/// Every applied event as the kiosk sent it: (kiosk, sequence) -> JSON.
pub(crate) const EVENTS: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("events");
/// Tickets and, once completed, their service records: ticket -> JSON.
pub(crate) const TICKETS: TableDefinition<u128, &[u8]> = TableDefinition::new("tickets");
/// Every rating with its attribution: rating -> JSON.
pub(crate) const RATINGS: TableDefinition<u128, &[u8]> = TableDefinition::new("ratings");
/// Ratings waiting for their ticket's service record: ticket -> [rating].
pub(crate) const PENDING: TableDefinition<u128, &[u8]> = TableDefinition::new("pending_ratings");
/// Rollups per (office, office-local day, service).
pub(crate) const OFFICE_DAY: TableDefinition<(&str, &str, &str), &[u8]> =
    TableDefinition::new("rollup_office_day");
/// Rollups per (office, NIP, office-local day, service).
pub(crate) const NIP_DAY: TableDefinition<(&str, &str, &str, &str), &[u8]> =
    TableDefinition::new("rollup_nip_day");
/// Every rating of a ticket, whatever its status: (ticket, rating).
pub(crate) const RATINGS_BY_TICKET: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("ratings_by_ticket");
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
    /// ASN who called it.
    pub nip: Option<Nip>,
    /// Called.
    pub called_at: Option<Timestamp>,
    /// Completed: from here on this is a service record.
    pub completed_at: Option<Timestamp>,
    /// Abandoned.
    pub abandoned_at: Option<Timestamp>,
    /// The rating that counts for it.
    pub rating: Option<RatingId>,
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

/// To whom a counted rating is attributed.
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
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Applied (or already had): the kiosk's mark now.
    Applied(u64),
    /// `first_seq` is past the mark + 1: nothing applied; resend from the mark.
    Gap(u64),
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
    /// Sequence of `events[0]`.
    pub first_seq: u64,
    /// Events and their JSON.
    pub events: Vec<(Event, Vec<u8>)>,
}

enum Job {
    Batch(BatchJob, oneshot::Sender<Result<BatchOutcome, IngestError>>),
    Qr(
        KioskId,
        OfficeId,
        RatingEvent,
        oneshot::Sender<Result<QrOutcome, IngestError>>,
    ),
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
    _writer: Arc<JoinOnDrop>,
}

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
        w.open_table(EVENTS)?;
        w.open_table(TICKETS)?;
        w.open_table(RATINGS)?;
        w.open_table(PENDING)?;
        w.open_table(OFFICE_DAY)?;
        w.open_table(NIP_DAY)?;
        w.open_table(RATINGS_BY_TICKET)?;
        w.open_table(COUNTS)?;
    }
    w.commit()?;
    let (jobs, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("collector-ingest".into())
        .spawn(move || run_writer(&db, &rx))
        .map_err(|e| IngestError(e.to_string()))?;
    Ok(Ingest {
        jobs,
        _writer: Arc::new(JoinOnDrop(Some(handle))),
    })
}

impl Ingest {
    /// Applies a batch; answers after the commit.
    pub async fn batch(&self, job: BatchJob) -> Result<BatchOutcome, IngestError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Batch(job, tx))
            .map_err(|_| IngestError("writer stopped".into()))?;
        rx.await.map_err(|_| IngestError("writer stopped".into()))?
    }

    /// Records a rating from a citizen's phone; answers after the commit.
    pub async fn qr_rating(
        &self,
        kiosk: KioskId,
        office: OfficeId,
        rating: RatingEvent,
    ) -> Result<QrOutcome, IngestError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Qr(kiosk, office, rating, tx))
            .map_err(|_| IngestError("writer stopped".into()))?;
        rx.await.map_err(|_| IngestError("writer stopped".into()))?
    }
}

enum Reply {
    Batch(
        oneshot::Sender<Result<BatchOutcome, IngestError>>,
        BatchOutcome,
    ),
    Qr(oneshot::Sender<Result<QrOutcome, IngestError>>, QrOutcome),
}

fn run_writer(db: &Database, rx: &mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        // On failure the transaction is dropped uncommitted, and so are the
        // reply senders: every caller of the group sees an error (5xx) and
        // nothing of the group was applied; kiosks resend.
        match apply_group(db, group) {
            Ok(replies) => {
                for r in replies {
                    match r {
                        Reply::Batch(tx, o) => {
                            let _ = tx.send(Ok(o));
                        }
                        Reply::Qr(tx, o) => {
                            let _ = tx.send(Ok(o));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "ingest transaction failed; nothing of it applied")
            }
        }
    }
}

fn apply_group(db: &Database, group: Vec<Job>) -> Result<Vec<Reply>, IngestError> {
    let w = db.begin_write()?;
    let mut out = Vec::with_capacity(group.len());
    {
        let mut cx = Cx::open(&w)?;
        for job in group {
            match job {
                Job::Batch(b, tx) => {
                    let o = cx.apply_batch(b)?;
                    out.push(Reply::Batch(tx, o));
                }
                Job::Qr(kiosk, office, rating, tx) => {
                    let o = cx.apply_qr(kiosk, office, rating)?;
                    out.push(Reply::Qr(tx, o));
                }
            }
        }
        cx.flush()?;
    }
    w.commit()?;
    Ok(out)
}

/// One transaction's working set: open tables, and tickets and rollups
/// folded in memory, written once at the end.
struct Cx<'t> {
    marks: Table<'t, u128, u64>,
    events: Table<'t, (u128, u64), &'static [u8]>,
    tickets_t: Table<'t, u128, &'static [u8]>,
    ratings_t: Table<'t, u128, &'static [u8]>,
    pending_t: Table<'t, u128, &'static [u8]>,
    office_day_t: Table<'t, (&'static str, &'static str, &'static str), &'static [u8]>,
    nip_day_t: Table<'t, (&'static str, &'static str, &'static str, &'static str), &'static [u8]>,
    offices_t: Table<'t, &'static str, &'static [u8]>,
    by_ticket_t: Table<'t, (u128, u128), ()>,
    counts_t: Table<'t, &'static str, u64>,
    tickets: HashMap<u128, TicketRec>,
    /// Counter increments, written once at the end.
    added: HashMap<&'static str, u64>,
    office_day: HashMap<(String, String, String), Rollup>,
    nip_day: HashMap<(String, String, String, String), Rollup>,
    /// Offices read once per transaction and shared, not cloned per event.
    offices: HashMap<OfficeId, Option<Arc<Office>>>,
}

impl<'t> Cx<'t> {
    fn open(w: &'t WriteTransaction) -> Result<Cx<'t>, IngestError> {
        Ok(Cx {
            marks: w.open_table(MARKS)?,
            events: w.open_table(EVENTS)?,
            tickets_t: w.open_table(TICKETS)?,
            ratings_t: w.open_table(RATINGS)?,
            pending_t: w.open_table(PENDING)?,
            office_day_t: w.open_table(OFFICE_DAY)?,
            nip_day_t: w.open_table(NIP_DAY)?,
            offices_t: w.open_table(OFFICES)?,
            by_ticket_t: w.open_table(RATINGS_BY_TICKET)?,
            counts_t: w.open_table(COUNTS)?,
            tickets: HashMap::new(),
            added: HashMap::new(),
            office_day: HashMap::new(),
            nip_day: HashMap::new(),
            offices: HashMap::new(),
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
        use std::collections::hash_map::Entry;
        let key = (office.to_string(), day.to_owned(), service.to_owned());
        Ok(match self.office_day.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let k = e.key();
                let r = match self
                    .office_day_t
                    .get((k.0.as_str(), k.1.as_str(), k.2.as_str()))?
                {
                    Some(v) => serde_json::from_slice(v.value())?,
                    None => Rollup::default(),
                };
                e.insert(r)
            }
        })
    }

    fn nip_rollup(
        &mut self,
        office: &OfficeId,
        nip: &Nip,
        day: &str,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        use std::collections::hash_map::Entry;
        let key = (
            office.to_string(),
            nip.to_string(),
            day.to_owned(),
            service.to_owned(),
        );
        Ok(match self.nip_day.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let k = e.key();
                let found =
                    self.nip_day_t
                        .get((k.0.as_str(), k.1.as_str(), k.2.as_str(), k.3.as_str()))?;
                let r = match found {
                    Some(v) => serde_json::from_slice(v.value())?,
                    None => Rollup::default(),
                };
                e.insert(r)
            }
        })
    }

    fn ticket(&mut self, id: TicketId) -> Result<Option<&mut TicketRec>, IngestError> {
        let k = id.as_u128();
        if !self.tickets.contains_key(&k) {
            match self.tickets_t.get(k)? {
                Some(v) => {
                    let t: TicketRec = serde_json::from_slice(v.value())?;
                    self.tickets.insert(k, t);
                }
                None => return Ok(None),
            }
        }
        Ok(self.tickets.get_mut(&k))
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

    fn pending_of(&self, ticket: TicketId) -> Result<Vec<u128>, IngestError> {
        Ok(match self.pending_t.get(ticket.as_u128())? {
            Some(v) => serde_json::from_slice(v.value())?,
            None => Vec::new(),
        })
    }

    fn apply_batch(&mut self, b: BatchJob) -> Result<BatchOutcome, IngestError> {
        let k = b.kiosk.0.as_u128();
        let mark = self.marks.get(k)?.map(|v| v.value()).unwrap_or(0);
        if b.first_seq > mark + 1 {
            return Ok(BatchOutcome::Gap(mark));
        }
        let mut seq = b.first_seq;
        for (event, raw) in b.events {
            if seq > mark {
                *self.added.entry(COUNT_EVENTS).or_default() += 1;
                self.events.insert((k, seq), raw.as_slice())?;
                self.apply_event(b.kiosk, &b.office, event)?;
            }
            seq += 1;
        }
        let through = (seq - 1).max(mark);
        if through != mark {
            self.marks.insert(k, through)?;
        }
        Ok(BatchOutcome::Applied(through))
    }

    fn apply_event(
        &mut self,
        kiosk: KioskId,
        office: &OfficeId,
        event: Event,
    ) -> Result<(), IngestError> {
        match event {
            Event::TicketIssued {
                ticket_id,
                number,
                service,
                issued_at,
            } => {
                if self.ticket(ticket_id)?.is_some() {
                    return Ok(());
                }
                let day = self.day(office, issued_at)?;
                self.office_rollup(office, &day, service.as_str())?.issued += 1;
                self.tickets.insert(
                    ticket_id.as_u128(),
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
                    },
                );
            }
            Event::TicketCalled {
                ticket_id,
                counter,
                nip,
                called_at,
            } => {
                if let Some(t) = self.ticket(ticket_id)? {
                    t.counter = Some(counter);
                    t.nip = Some(nip);
                    t.called_at = Some(called_at);
                } else {
                    tracing::warn!(%ticket_id, "call of an unknown ticket ignored");
                }
            }
            Event::TicketCompleted {
                ticket_id,
                completed_at,
            } => self.complete(ticket_id, completed_at)?,
            Event::TicketAbandoned { ticket_id, at } => {
                let Some(t) = self.ticket(ticket_id)? else {
                    return Ok(());
                };
                if t.abandoned_at.is_some() || t.completed_at.is_some() {
                    return Ok(());
                }
                t.abandoned_at = Some(at);
                let (office, service) = (t.office.clone(), t.service.clone());
                let day = self.day(&office, at)?;
                self.office_rollup(&office, &day, service.as_str())?
                    .abandoned += 1;
            }
            Event::StaffSignedIn { .. } | Event::StaffSignedOut { .. } => {}
            Event::Rating(r) => self.apply_rating(kiosk, office, r)?,
        }
        Ok(())
    }

    /// A completed ticket becomes a service record; pending ratings attach.
    fn complete(
        &mut self,
        ticket_id: TicketId,
        completed_at: Timestamp,
    ) -> Result<(), IngestError> {
        let Some(t) = self.ticket(ticket_id)? else {
            tracing::warn!(%ticket_id, "completion of an unknown ticket ignored");
            return Ok(());
        };
        if t.completed_at.is_some() {
            return Ok(());
        }
        t.completed_at = Some(completed_at);
        let rec = t.clone();
        let day = self.day(&rec.office, completed_at)?;
        let target_s = self.office(&rec.office)?.and_then(|o| {
            o.service(&rec.service)
                .map(|s| i64::from(s.target_minutes) * 60)
        });
        let within =
            target_s.is_some_and(|t| completed_at.duration_since(rec.issued_at).as_secs() <= t);
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
        visit(self.office_rollup(&rec.office, &day, rec.service.as_str())?);
        if let Some(nip) = &rec.nip {
            visit(self.nip_rollup(&rec.office, nip, &day, rec.service.as_str())?);
        }
        // Ratings that arrived first: the earliest submitted counts.
        let waiting = self.pending_of(ticket_id)?;
        if !waiting.is_empty() {
            self.pending_t.remove(ticket_id.as_u128())?;
            let mut recs = Vec::new();
            for id in waiting {
                if let Some(r) = self.rating(RatingId::from_u128(id))? {
                    recs.push(r);
                }
            }
            recs.sort_by_key(|r| (r.event.submitted_at, r.event.rating_id));
            for (i, mut r) in recs.into_iter().enumerate() {
                if i == 0 {
                    self.count_for_ticket(&mut r, ticket_id)?;
                } else {
                    r.status = RatingStatus::Duplicate;
                }
                self.put_rating(&r)?;
            }
        }
        Ok(())
    }

    /// Adds (`sign` 1) or takes back (`sign` -1) a ticket rating's counts.
    fn tally_ticket_rating(
        &mut self,
        ev: &RatingEvent,
        rec: &TicketRec,
        sign: i8,
    ) -> Result<(), IngestError> {
        let Some(done) = rec.completed_at else {
            return Ok(());
        };
        let day = self.day(&rec.office, done)?;
        let s = usize::from(ev.score.get() - 1);
        let apply = |r: &mut Rollup| {
            if sign > 0 {
                r.scores[s] += 1;
                if let Some(a) = &ev.answers {
                    r.ikm.add(a);
                }
            } else {
                r.scores[s] = r.scores[s].saturating_sub(1);
                if let Some(a) = &ev.answers {
                    r.ikm.remove(a);
                }
            }
        };
        apply(self.office_rollup(&rec.office, &day, rec.service.as_str())?);
        if let Some(nip) = &rec.nip {
            apply(self.nip_rollup(&rec.office, nip, &day, rec.service.as_str())?);
        }
        Ok(())
    }

    fn count_for_ticket(
        &mut self,
        r: &mut RatingRec,
        ticket_id: TicketId,
    ) -> Result<(), IngestError> {
        let Some(t) = self.ticket(ticket_id)? else {
            return Ok(());
        };
        t.rating = Some(r.event.rating_id);
        let rec = t.clone();
        r.status = RatingStatus::Counted {
            attribution: Attribution::Ticket {
                nip: rec.nip.clone(),
            },
        };
        self.tally_ticket_rating(&r.event, &rec, 1)
    }

    fn apply_rating(
        &mut self,
        kiosk: KioskId,
        office: &OfficeId,
        ev: RatingEvent,
    ) -> Result<(), IngestError> {
        if self.ratings_t.get(ev.rating_id.0.as_u128())?.is_some() {
            return Ok(());
        }
        let mut r = RatingRec {
            event: ev,
            kiosk,
            office: office.clone(),
            status: RatingStatus::Pending,
        };
        if let Some(tid) = r.event.ticket_id {
            self.by_ticket_t
                .insert((tid.as_u128(), r.event.rating_id.0.as_u128()), ())?;
        }
        match r.event.ticket_id {
            Some(tid) => {
                let known = self
                    .ticket(tid)?
                    .map(|t| (t.completed_at.is_some(), t.rating));
                match known {
                    Some((true, None)) => self.count_for_ticket(&mut r, tid)?,
                    Some((true, Some(existing))) => {
                        let old = self.rating(existing)?;
                        match old {
                            Some(mut old) if r.event.submitted_at < old.event.submitted_at => {
                                // The earlier rating counts: take the counted one back.
                                if let Some(rec) = self.ticket(tid)?.map(|t| t.clone()) {
                                    self.tally_ticket_rating(&old.event, &rec, -1)?;
                                }
                                old.status = RatingStatus::Duplicate;
                                self.put_rating(&old)?;
                                self.count_for_ticket(&mut r, tid)?;
                            }
                            _ => r.status = RatingStatus::Duplicate,
                        }
                    }
                    _ => {
                        let mut waiting = self.pending_of(tid)?;
                        waiting.push(r.event.rating_id.0.as_u128());
                        self.pending_t
                            .insert(tid.as_u128(), serde_json::to_vec(&waiting)?.as_slice())?;
                    }
                }
            }
            None => {
                let day = self.day(office, r.event.submitted_at)?;
                let s = usize::from(r.event.score.get() - 1);
                let o = self.office_rollup(office, &day, "")?;
                o.session_scores[s] += 1;
                if let Some(a) = &r.event.answers {
                    o.ikm.add(a);
                }
                let attribution = match r.event.nip.clone() {
                    Some(nip) => {
                        self.nip_rollup(office, &nip, &day, "")?.session_scores[s] += 1;
                        Attribution::Session { nip }
                    }
                    None => Attribution::Office,
                };
                r.status = RatingStatus::Counted { attribution };
            }
        }
        self.put_rating(&r)
    }

    fn apply_qr(
        &mut self,
        kiosk: KioskId,
        office: OfficeId,
        ev: RatingEvent,
    ) -> Result<QrOutcome, IngestError> {
        let Some(tid) = ev.ticket_id else {
            return Err(IngestError("a QR rating always names its ticket".into()));
        };
        let earlier = match self.ticket(tid)?.and_then(|t| t.rating) {
            Some(counted) => Some(counted),
            None => self
                .pending_of(tid)?
                .first()
                .map(|&id| RatingId::from_u128(id)),
        };
        if let Some(earlier) = earlier {
            return Ok(QrOutcome::AlreadyRated(earlier));
        }
        let id = ev.rating_id;
        self.apply_rating(kiosk, &office, ev)?;
        *self.added.entry(COUNT_QR_RATINGS).or_default() += 1;
        Ok(QrOutcome::Accepted(id))
    }

    /// Writes every touched ticket, rollup and counter once.
    fn flush(&mut self) -> Result<(), IngestError> {
        for (name, n) in self.added.drain() {
            let old = self.counts_t.get(name)?.map(|v| v.value()).unwrap_or(0);
            self.counts_t.insert(name, old + n)?;
        }
        for (k, t) in self.tickets.drain() {
            self.tickets_t
                .insert(k, serde_json::to_vec(&t)?.as_slice())?;
        }
        for ((o, d, s), r) in self.office_day.drain() {
            self.office_day_t.insert(
                (o.as_str(), d.as_str(), s.as_str()),
                serde_json::to_vec(&r)?.as_slice(),
            )?;
        }
        for ((o, n, d, s), r) in self.nip_day.drain() {
            self.nip_day_t.insert(
                (o.as_str(), n.as_str(), d.as_str(), s.as_str()),
                serde_json::to_vec(&r)?.as_slice(),
            )?;
        }
        Ok(())
    }
}

/// Every rating recorded for a ticket (counted, pending or duplicate),
/// earliest submitted first.
pub fn ratings_of_ticket(db: &Database, ticket: TicketId) -> Result<Vec<RatingRec>, IngestError> {
    use redb::ReadableDatabase;
    let r = db.begin_read()?;
    let idx = r.open_table(RATINGS_BY_TICKET)?;
    let ratings = r.open_table(RATINGS)?;
    let t = ticket.as_u128();
    let mut out = Vec::new();
    for row in idx.range((t, 0)..=(t, u128::MAX))? {
        let (k, _) = row?;
        if let Some(v) = ratings.get(k.value().1)? {
            out.push(serde_json::from_slice::<RatingRec>(v.value())?);
        }
    }
    out.sort_by_key(|r| (r.event.submitted_at, r.event.rating_id));
    Ok(out)
}

/// A ticket as the collector knows it.
pub fn ticket(db: &Database, ticket: TicketId) -> Result<Option<TicketRec>, IngestError> {
    use redb::ReadableDatabase;
    let r = db.begin_read()?;
    let t = r.open_table(TICKETS)?;
    Ok(match t.get(ticket.as_u128())? {
        Some(v) => Some(serde_json::from_slice(v.value())?),
        None => None,
    })
}

/// The highest sequence applied for a kiosk.
pub fn mark(db: &Database, kiosk: KioskId) -> Result<u64, IngestError> {
    use redb::ReadableDatabase;
    let r = db.begin_read()?;
    Ok(r.open_table(MARKS)?
        .get(kiosk.0.as_u128())?
        .map(|v| v.value())
        .unwrap_or(0))
}
