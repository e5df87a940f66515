//! The kiosk's state and the rules that change it.
//!
//! The state lives in memory and is the cache of the redb tables: the store
//! loads it at start, and every change goes through [`Tx`] inside the single
//! writer (see `store.rs`), which records what it touched in [`Changes`] and
//! the events it produced, then writes both in one transaction. Rules here
//! validate first and mutate after, so a refused request changes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use shared::ids::{CounterId, RatingId, ServiceCode, TicketId};
use shared::office::{Counter, Office};
use shared::wire::{
    Channel, CounterStatus, Display, DisplayCall, DisplayWaiting, Event, KioskConfig, RatingEvent,
    RosterEntry, TicketView,
};
use shared::{Comment, InstanceId, Msg, Nip, Score, SkmAnswers, TicketNumber};

use crate::error::KioskError;

/// A staff session lasts until sign-out or this long.
pub const SESSION_HOURS: i64 = 12;
/// Wrong PINs in a row that lock a NIP.
pub const MAX_PIN_FAILS: u32 = 5;
/// How long a NIP stays locked.
pub const LOCK_MINUTES: i64 = 5;
/// How long a completed ticket stays on the counter tablet awaiting a rating.
pub const TABLET_RATING_MINUTES: i64 = 10;
/// How long a tablet's pairing link works.
pub const PAIR_CODE_MINUTES: i64 = 15;
/// Ratings without a ticket at one counter within this many seconds...
pub const BURST_WINDOW_S: i64 = 120;
/// ...beyond this many are flagged (kept, excluded from scores and the IKM).
pub const BURST_MAX: usize = 3;

/// The configuration received from the collector, with lookups.
#[derive(Debug)]
pub struct Config {
    /// As received.
    pub raw: KioskConfig,
    roster: HashMap<Nip, RosterEntry>,
}

impl Config {
    /// Indexes a configuration.
    pub fn new(raw: KioskConfig) -> Config {
        let roster = raw
            .roster
            .iter()
            .map(|r| (r.nip.clone(), r.clone()))
            .collect();
        Config { raw, roster }
    }

    /// The office.
    pub fn office(&self) -> &Office {
        &self.raw.office
    }

    /// A roster entry.
    pub fn staff(&self, nip: &Nip) -> Option<&RosterEntry> {
        self.roster.get(nip)
    }

    /// A counter, or 404.
    pub fn counter(&self, id: &CounterId) -> Result<&Counter, KioskError> {
        self.office()
            .counter(id)
            .ok_or_else(|| KioskError::UnknownCounter(id.to_string()))
    }
}

/// Where a ticket is in its visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting to be called.
    Waiting,
    /// Called to a counter.
    Serving,
    /// Service finished.
    Completed,
    /// No-show.
    Abandoned,
}

impl TicketStatus {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Serving => "serving",
            TicketStatus::Completed => "completed",
            TicketStatus::Abandoned => "abandoned",
        }
    }
}

/// A ticket and what happened to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ticket {
    /// Id.
    pub id: TicketId,
    /// Number.
    pub number: TicketNumber,
    /// Service.
    pub service: ServiceCode,
    /// Office-local day of issue (numbering day).
    pub day: Date,
    /// When issued.
    pub issued_at: Timestamp,
    /// Status.
    pub status: TicketStatus,
    /// Counter that called it.
    pub counter: Option<CounterId>,
    /// ASN who called it.
    pub nip: Option<Nip>,
    /// When called.
    pub called_at: Option<Timestamp>,
    /// When completed.
    pub completed_at: Option<Timestamp>,
    /// When abandoned.
    pub abandoned_at: Option<Timestamp>,
    /// Whether a rating was taken for it here.
    pub rated: bool,
    /// The visit went on to another service under this ticket (it is no
    /// longer rated at this counter: the citizen rates the visit at the end).
    #[serde(default)]
    pub transferred_to: Option<TicketId>,
    /// The ticket of the same visit this one continues.
    #[serde(default)]
    pub transferred_from: Option<TicketId>,
}

impl Ticket {
    /// Whether it still waits or is being served.
    pub fn is_open(&self) -> bool {
        matches!(self.status, TicketStatus::Waiting | TicketStatus::Serving)
    }

    /// When it last changed: its latest time (issued, called, completed,
    /// abandoned).
    pub fn last_at(&self) -> Timestamp {
        [self.called_at, self.completed_at, self.abandoned_at]
            .into_iter()
            .flatten()
            .fold(self.issued_at, Timestamp::max)
    }

    /// Seconds from issue to call.
    pub fn wait_s(&self) -> Option<i64> {
        self.called_at
            .map(|c| c.duration_since(self.issued_at).as_secs())
    }

    /// Seconds from call to completion.
    pub fn service_s(&self) -> Option<i64> {
        Some(self.completed_at?.duration_since(self.called_at?).as_secs())
    }

    /// The API view.
    pub fn view(&self) -> TicketView {
        TicketView {
            ticket_id: self.id,
            number: self.number.to_string(),
            service: self.service.to_string(),
            issued_at: self.issued_at,
            status: Some(self.status.as_str().to_owned()),
            counter: self.counter.as_ref().map(|c| c.to_string()),
            called_at: self.called_at,
            completed_at: self.completed_at,
            wait_s: self.wait_s(),
            service_s: self.service_s(),
        }
    }
}

/// A signed-in ASN at a counter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 of the bearer token (the token itself is never stored).
    pub token_hash: String,
    /// Counter.
    pub counter: CounterId,
    /// ASN.
    pub nip: Nip,
    /// Signed in at.
    pub started_at: Timestamp,
    /// Ends at.
    pub expires_at: Timestamp,
    /// On a break (istirahat): the counter is open but calls nobody.
    #[serde(default)]
    pub on_break: bool,
}

/// Wrong-PIN tracking for one NIP.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PinFails {
    /// Wrong PINs in a row.
    pub count: u32,
    /// Locked until, after too many.
    pub locked_until: Option<Timestamp>,
}

/// A paired counter tablet: one of its bearer tokens (by hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tablet {
    /// The counter whose ratings it may send.
    pub counter: CounterId,
    /// When the token was made.
    pub paired_at: Timestamp,
}

/// A one-time pairing link not yet opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCode {
    /// The counter it pairs a tablet for.
    pub counter: CounterId,
    /// After this it no longer works.
    pub expires_at: Timestamp,
}

/// Ratings of one office-local day.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayRatings {
    /// How many.
    pub count: u64,
    /// Sum of quick scores.
    pub score_sum: u64,
}

/// Rows the housekeeping found old enough to prune (see
/// `Store::prunable_records`), handed to [`Tx::prune_records`].
#[derive(Debug, Clone, Default)]
pub struct Prunable {
    /// Closed tickets whose events are all acknowledged, last changed before
    /// the cutoff.
    pub tickets: Vec<TicketId>,
    /// Ratings whose event is acknowledged, sent before the cutoff.
    pub ratings: Vec<RatingId>,
    /// Daily numbering of past days.
    pub day_seq: Vec<(ServiceCode, Date)>,
}

impl Prunable {
    /// Whether there is nothing to prune.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.ratings.is_empty() && self.day_seq.is_empty()
    }
}

/// How many rows a prune deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Tickets.
    pub tickets: usize,
    /// Ratings.
    pub ratings: usize,
    /// Daily numbering rows.
    pub day_seq: usize,
}

impl Pruned {
    /// Adds another prune's counts.
    pub fn add(&mut self, other: Pruned) {
        self.tickets += other.tickets;
        self.ratings += other.ratings;
        self.day_seq += other.day_seq;
    }

    /// Whether nothing was deleted.
    pub fn is_empty(&self) -> bool {
        *self == Pruned::default()
    }
}

/// How long after its id was made a ticket missing from memory counts as
/// one the kiosk no longer keeps (410) rather than one it never had (404):
/// every ticket of today and yesterday is in memory.
pub const TICKET_FORGOTTEN_AFTER_HOURS: u64 = 24;

/// The error for a ticket id the kiosk does not have: [`KioskError::TicketGone`]
/// for an id made more than [`TICKET_FORGOTTEN_AFTER_HOURS`] ago (a ticket
/// of an earlier day, forgotten or pruned), else
/// [`KioskError::UnknownTicket`].
pub fn missing_ticket(id: TicketId) -> KioskError {
    let made_ms = id.0.get_timestamp().map(|ts| {
        let (secs, nanos) = ts.to_unix();
        u128::from(secs) * 1000 + u128::from(nanos / 1_000_000)
    });
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let window_ms = u128::from(TICKET_FORGOTTEN_AFTER_HOURS) * 3_600_000;
    match made_ms {
        // Ticket ids are UUID v7 of the machine's clock, as `now_ms` is.
        Some(made) if id.0.get_version_num() == 7 && made + window_ms < now_ms => {
            KioskError::TicketGone
        }
        _ => KioskError::UnknownTicket,
    }
}

/// Everything the kiosk knows now.
#[derive(Debug)]
pub struct KioskState {
    /// Office configuration and roster.
    pub config: Arc<Config>,
    /// Open tickets and the recent ones (today and yesterday).
    pub tickets: BTreeMap<TicketId, Ticket>,
    /// Tickets issued per (service, office-local day): the last number used.
    pub day_seq: HashMap<(ServiceCode, Date), u32>,
    /// Sessions by token hash.
    pub sessions: HashMap<String, Session>,
    /// Wrong-PIN counts by NIP.
    pub pin_fails: HashMap<Nip, PinFails>,
    /// The last ticket called at each counter (serving or done).
    pub counter_last: HashMap<CounterId, TicketId>,
    /// Ratings per office-local day (recent days).
    pub ratings_by_day: HashMap<Date, DayRatings>,
    /// Sequence number the next event gets (gap-free from 1).
    pub next_seq: u64,
    /// Highest sequence the collector acknowledged.
    pub acked_through: u64,
    /// Paired tablets by token hash.
    pub tablets: HashMap<String, Tablet>,
    /// Pairing links not yet opened, by code hash.
    pub pair_codes: HashMap<String, PairCode>,
    /// Recent ratings without a ticket, per counter (burst detection; in
    /// memory only: a restart forgets at most two minutes of it).
    pub ticketless: HashMap<CounterId, VecDeque<Timestamp>>,
    /// This database's identity, sent with every batch.
    pub instance: InstanceId,
    /// The first sequence number sent under `instance`.
    pub instance_first_seq: u64,
    /// The latest calls for the display board (in memory: a restart starts
    /// the board afresh).
    pub calls: VecDeque<DisplayCall>,
    /// The next call's id.
    pub next_call_id: u64,
}

/// Calls the display board keeps.
pub const CALLS_KEPT: usize = 20;

/// The order of the queue: transferred visits first, then by time.
fn queue_key(t: &Ticket) -> (bool, Timestamp, TicketId) {
    (t.transferred_from.is_none(), t.issued_at, t.id)
}

/// What a group of changes touched, for the store to write.
#[derive(Debug, Default)]
pub struct Changes {
    /// Tickets to rewrite.
    pub tickets: BTreeSet<TicketId>,
    /// Sessions to rewrite or delete (absent from state = delete).
    pub sessions: BTreeSet<String>,
    /// PIN counters to rewrite or delete.
    pub pin_fails: BTreeSet<Nip>,
    /// Daily numbering to rewrite.
    pub day_seq: BTreeSet<(ServiceCode, Date)>,
    /// New ratings.
    pub ratings: Vec<RatingEvent>,
    /// New events with their sequence numbers.
    pub events: Vec<(u64, Event)>,
    /// Whether the configuration changed.
    pub config: bool,
    /// Whether `acked_through` changed.
    pub acked: bool,
    /// Delete acknowledged events up to this sequence (retention).
    pub prune_through: Option<u64>,
    /// Tickets to delete (retention; see [`Tx::prune_records`]).
    pub pruned_tickets: BTreeSet<TicketId>,
    /// Ratings to delete (retention).
    pub pruned_ratings: BTreeSet<RatingId>,
    /// Daily numbering of past days to delete (retention).
    pub pruned_day_seq: BTreeSet<(ServiceCode, Date)>,
    /// Tablet tokens to rewrite or delete.
    pub tablets: BTreeSet<String>,
    /// Pairing codes to rewrite or delete.
    pub pair_codes: BTreeSet<String>,
    /// Whether the instance changed.
    pub instance: bool,
    /// Whether the display board changed with nothing to write (a recall).
    pub display: bool,
}

impl Changes {
    /// Whether nothing needs writing.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.sessions.is_empty()
            && self.pin_fails.is_empty()
            && self.day_seq.is_empty()
            && self.ratings.is_empty()
            && self.events.is_empty()
            && !self.config
            && !self.acked
            && self.prune_through.is_none()
            && self.nothing_pruned()
            && self.tablets.is_empty()
            && self.pair_codes.is_empty()
            && !self.instance
            && !self.display
    }

    fn nothing_pruned(&self) -> bool {
        self.pruned_tickets.is_empty()
            && self.pruned_ratings.is_empty()
            && self.pruned_day_seq.is_empty()
    }

    /// Whether anything must be written (a recall alone needs no commit).
    pub fn needs_commit(&self) -> bool {
        !(self.tickets.is_empty()
            && self.sessions.is_empty()
            && self.pin_fails.is_empty()
            && self.day_seq.is_empty()
            && self.ratings.is_empty()
            && self.events.is_empty()
            && !self.config
            && !self.acked
            && self.prune_through.is_none()
            && self.nothing_pruned()
            && self.tablets.is_empty()
            && self.pair_codes.is_empty()
            && !self.instance)
    }
}

impl KioskState {
    /// A fresh state for a configuration. `instance` is the database's
    /// identity (the store keeps it; a new file gets a new one).
    pub fn new(config: Config, instance: InstanceId) -> KioskState {
        KioskState {
            config: Arc::new(config),
            tickets: BTreeMap::new(),
            day_seq: HashMap::new(),
            sessions: HashMap::new(),
            pin_fails: HashMap::new(),
            counter_last: HashMap::new(),
            ratings_by_day: HashMap::new(),
            next_seq: 1,
            acked_through: 0,
            tablets: HashMap::new(),
            pair_codes: HashMap::new(),
            ticketless: HashMap::new(),
            instance,
            instance_first_seq: 1,
            calls: VecDeque::new(),
            next_call_id: 1,
        }
    }

    /// The tablet a token hash belongs to.
    pub fn tablet(&self, token_hash: &str) -> Option<&Tablet> {
        self.tablets.get(token_hash)
    }

    /// Recomputes `counter_last` from the tickets (after loading).
    pub fn index_counters(&mut self) {
        self.counter_last.clear();
        let mut best: HashMap<CounterId, (Timestamp, TicketId)> = HashMap::new();
        for t in self.tickets.values() {
            if let (Some(c), Some(at)) = (&t.counter, t.called_at) {
                let e = best.entry(c.clone()).or_insert((at, t.id));
                if at >= e.0 {
                    *e = (at, t.id);
                }
            }
        }
        self.counter_last = best.into_iter().map(|(c, (_, id))| (c, id)).collect();
    }

    /// The live session for a token hash.
    pub fn session(&self, token_hash: &str, now: Timestamp) -> Option<&Session> {
        self.sessions.get(token_hash).filter(|s| s.expires_at > now)
    }

    /// The live session at a counter.
    pub fn session_at(&self, counter: &CounterId, now: Timestamp) -> Option<&Session> {
        self.sessions
            .values()
            .find(|s| &s.counter == counter && s.expires_at > now)
    }

    /// The ticket a counter is serving now.
    pub fn serving_at(&self, counter: &CounterId) -> Option<&Ticket> {
        self.counter_last
            .get(counter)
            .and_then(|id| self.tickets.get(id))
            .filter(|t| t.status == TicketStatus::Serving)
    }

    /// The completed ticket awaiting a rating on a counter's tablet: the last
    /// one completed there, unrated, less than 10 minutes ago, and no ticket
    /// called there since.
    pub fn awaiting_rating(&self, counter: &CounterId, now: Timestamp) -> Option<&Ticket> {
        let t = self.tickets.get(self.counter_last.get(counter)?)?;
        let done = t.completed_at?;
        (t.status == TicketStatus::Completed
            && !t.rated
            && t.transferred_to.is_none()
            && now.duration_since(done) < SignedDuration::from_mins(TABLET_RATING_MINUTES))
        .then_some(t)
    }

    /// Waiting tickets in the order they are called: visits sent on from
    /// another counter first (they already waited once), then the oldest.
    pub fn waiting(&self) -> Vec<&Ticket> {
        let mut w: Vec<&Ticket> = self
            .tickets
            .values()
            .filter(|t| t.status == TicketStatus::Waiting)
            .collect();
        w.sort_by_key(|t| queue_key(t));
        w
    }

    /// How many tickets of the same service wait ahead of `t` (0 when it is
    /// not waiting).
    pub fn ahead_of(&self, t: &Ticket) -> usize {
        if t.status != TicketStatus::Waiting {
            return 0;
        }
        let key = queue_key(t);
        self.tickets
            .values()
            .filter(|w| {
                w.status == TicketStatus::Waiting && w.service == t.service && queue_key(w) < key
            })
            .count()
    }

    /// The display board's snapshot.
    pub fn display(&self, now: Timestamp) -> Display {
        let office = self.config.office();
        let waiting = self.waiting();
        Display {
            office_id: office.id.to_string(),
            office_name: office.name.clone(),
            tz: office.tz.name().to_owned(),
            tz_abbreviation: office.tz.abbreviation(now),
            utc_offset_s: office.tz.zoned(now).offset().seconds(),
            now,
            calls: self.calls.iter().rev().cloned().collect(),
            waiting: office
                .services
                .iter()
                .map(|s| DisplayWaiting {
                    service: s.code.to_string(),
                    name: s.name.clone(),
                    prefix: s.prefix.as_str().to_owned(),
                    waiting: waiting.iter().filter(|t| t.service == s.code).count() as u64,
                })
                .collect(),
            counters: self.counter_statuses(now),
        }
    }

    /// Every counter now: closed, idle or serving, on a break or not, who.
    pub fn counter_statuses(&self, now: Timestamp) -> Vec<CounterStatus> {
        self.config
            .office()
            .counters
            .iter()
            .map(|c| {
                let session = self.session_at(&c.id, now);
                let serving = self.serving_at(&c.id);
                let status = match (session, serving) {
                    (None, _) => "closed",
                    (Some(_), Some(_)) => "serving",
                    (Some(_), None) => "idle",
                };
                CounterStatus {
                    counter: c.id.to_string(),
                    name: c.name.clone(),
                    status: status.into(),
                    staff_name: session
                        .and_then(|x| self.config.staff(&x.nip))
                        .map(|r| r.name.clone()),
                    serving: serving.map(|t| t.number.to_string()),
                    on_break: session.is_some_and(|s| s.on_break),
                    serving_since: serving.and_then(|t| t.called_at),
                }
            })
            .collect()
    }

    /// Events not yet acknowledged by the collector.
    pub fn pending_events(&self) -> u64 {
        (self.next_seq - 1).saturating_sub(self.acked_through)
    }

    /// Drops closed tickets older than yesterday from memory (they stay in
    /// redb); keeps each counter's last ticket.
    pub fn forget_old(&mut self, today: Date) {
        let keep_from = today.yesterday().unwrap_or(today);
        let last: BTreeSet<TicketId> = self.counter_last.values().copied().collect();
        self.tickets
            .retain(|id, t| t.is_open() || t.day >= keep_from || last.contains(id));
        self.ratings_by_day.retain(|d, _| *d >= keep_from);
        self.day_seq.retain(|(_, d), _| *d >= keep_from);
    }

    /// The moment before which acknowledged tickets and ratings may be
    /// pruned: `retention` before `now`, and never later than the start of
    /// the office-local today (today's tickets feed the dashboard's figures).
    pub fn prune_cutoff(&self, now: Timestamp, retention: SignedDuration) -> Timestamp {
        let tz = &self.config.office().tz;
        let start_of_today = tz.start_of_day(tz.day_of(now));
        now.checked_sub(retention)
            .unwrap_or(Timestamp::MIN)
            .min(start_of_today)
    }

    /// Daily numbering of days before this one may be pruned: neither today's
    /// nor yesterday's (a ticket waiting since yesterday keeps its number),
    /// nor any day inside the retention.
    pub fn numbering_kept_from(&self, cutoff: Timestamp, now: Timestamp) -> Date {
        let tz = &self.config.office().tz;
        let today = tz.day_of(now);
        tz.day_of(cutoff).min(today.yesterday().unwrap_or(today))
    }
}

/// One change in progress: the state, what it touched, and the time.
pub struct Tx<'a> {
    /// The state.
    pub state: &'a mut KioskState,
    /// What was touched.
    pub changes: &'a mut Changes,
    /// The kiosk clock at this change.
    pub now: Timestamp,
}

/// A rating request after parsing.
#[derive(Debug, Clone)]
pub struct RatingInput {
    /// Ticket, for exact attribution.
    pub ticket_id: Option<TicketId>,
    /// Counter (tablet between tickets).
    pub counter: Option<CounterId>,
    /// Quick score.
    pub score: Score,
    /// Survey.
    pub answers: Option<SkmAnswers>,
    /// Comment.
    pub comment: Option<Comment>,
}

impl Tx<'_> {
    fn emit(&mut self, event: Event) {
        let seq = self.state.next_seq;
        self.state.next_seq += 1;
        self.changes.events.push((seq, event));
    }

    fn config(&self) -> Arc<Config> {
        Arc::clone(&self.state.config)
    }

    fn today(&self) -> Date {
        self.state.config.office().tz.day_of(self.now)
    }

    /// A citizen takes a number for a service.
    pub fn issue_ticket(
        &mut self,
        service: &ServiceCode,
        id: TicketId,
    ) -> Result<Ticket, KioskError> {
        let config = self.config();
        let svc = config
            .office()
            .service(service)
            .ok_or_else(|| KioskError::UnknownService(service.to_string()))?;
        let day = self.today();
        let seq = self
            .state
            .day_seq
            .get(&(service.clone(), day))
            .copied()
            .unwrap_or(0)
            + 1;
        let ticket = Ticket {
            id,
            number: TicketNumber::new(svc.prefix.clone(), seq),
            service: service.clone(),
            day,
            issued_at: self.now,
            status: TicketStatus::Waiting,
            counter: None,
            nip: None,
            called_at: None,
            completed_at: None,
            abandoned_at: None,
            rated: false,
            transferred_to: None,
            transferred_from: None,
        };
        self.state.day_seq.insert((service.clone(), day), seq);
        self.changes.day_seq.insert((service.clone(), day));
        self.state.tickets.insert(id, ticket.clone());
        self.changes.tickets.insert(id);
        self.emit(Event::TicketIssued {
            ticket_id: id,
            number: ticket.number.clone(),
            service: service.clone(),
            issued_at: self.now,
        });
        Ok(ticket)
    }

    /// Checks that a NIP may try a PIN now: on the roster, active, not locked.
    pub fn check_can_sign_in(&self, nip: &Nip) -> Result<String, KioskError> {
        check_can_sign_in(self.state, nip, self.now)
    }

    /// Records a PIN check done outside the writer: on success opens a session
    /// at `counter` (ending this NIP's other session and whoever was signed in
    /// there); on failure counts it and locks after five in a row.
    pub fn sign_in(
        &mut self,
        counter: &CounterId,
        nip: &Nip,
        pin_ok: bool,
        token_hash: String,
    ) -> Result<Session, KioskError> {
        self.config().counter(counter)?;
        // Re-check under the writer: a parallel attempt may have locked it.
        self.check_can_sign_in(nip)?;
        if !pin_ok {
            let fails = self.state.pin_fails.entry(nip.clone()).or_default();
            fails.count += 1;
            let locked = fails.count >= MAX_PIN_FAILS;
            if locked {
                fails.count = 0;
                fails.locked_until = Some(self.now + SignedDuration::from_mins(LOCK_MINUTES));
            }
            self.changes.pin_fails.insert(nip.clone());
            return Err(KioskError::WrongPin);
        }
        if self.state.pin_fails.remove(nip).is_some() {
            self.changes.pin_fails.insert(nip.clone());
        }
        let ending: Vec<String> = self
            .state
            .sessions
            .values()
            .filter(|s| &s.counter == counter || &s.nip == nip)
            .map(|s| s.token_hash.clone())
            .collect();
        for hash in ending {
            self.end_session(&hash, self.now);
        }
        let session = Session {
            token_hash,
            counter: counter.clone(),
            nip: nip.clone(),
            started_at: self.now,
            expires_at: self.now + SignedDuration::from_hours(SESSION_HOURS),
            on_break: false,
        };
        self.state
            .sessions
            .insert(session.token_hash.clone(), session.clone());
        self.changes.sessions.insert(session.token_hash.clone());
        self.emit(Event::StaffSignedIn {
            counter: counter.clone(),
            nip: nip.clone(),
            at: self.now,
        });
        Ok(session)
    }

    /// Ends a session (sign-out), recording when it ended.
    pub fn end_session(&mut self, token_hash: &str, at: Timestamp) {
        if let Some(s) = self.state.sessions.remove(token_hash) {
            self.changes.sessions.insert(token_hash.to_owned());
            self.emit(Event::StaffSignedOut {
                counter: s.counter,
                nip: s.nip,
                at,
            });
        }
    }

    /// Ends sessions past their 12 hours (stamped at their expiry) and
    /// sessions of ASN no longer active on the roster.
    pub fn expire_sessions(&mut self) {
        let config = self.config();
        let mut ending: Vec<(String, Timestamp)> = self
            .state
            .sessions
            .values()
            .filter_map(|s| {
                let active = config.staff(&s.nip).is_some_and(|r| r.active);
                if s.expires_at <= self.now {
                    Some((s.token_hash.clone(), s.expires_at))
                } else if !active {
                    Some((s.token_hash.clone(), self.now))
                } else {
                    None
                }
            })
            .collect();
        ending.sort_by_key(|(_, at)| *at);
        for (hash, at) in ending {
            self.end_session(&hash, at);
        }
    }

    /// The ASN at `session`'s counter calls the oldest waiting ticket among
    /// the counter's services; `None` when the queue is empty.
    pub fn call_next(&mut self, session: &Session) -> Result<Option<Ticket>, KioskError> {
        let config = self.config();
        let counter = config.counter(&session.counter)?;
        if let Some(t) = self.state.serving_at(&counter.id) {
            return Err(KioskError::CounterBusy(t.number.to_string()));
        }
        let next = self
            .state
            .tickets
            .values()
            .filter(|t| t.status == TicketStatus::Waiting && counter.services.contains(&t.service))
            .min_by_key(|t| queue_key(t))
            .map(|t| t.id);
        let Some(id) = next else {
            return Ok(None);
        };
        // Calling ends a break.
        self.set_break(session, false)?;
        let now = self.now;
        let t = self.ticket_mut(id)?;
        t.status = TicketStatus::Serving;
        t.counter = Some(session.counter.clone());
        t.nip = Some(session.nip.clone());
        t.called_at = Some(now);
        let called = t.clone();
        self.state.counter_last.insert(session.counter.clone(), id);
        self.emit(Event::TicketCalled {
            ticket_id: id,
            counter: session.counter.clone(),
            nip: session.nip.clone(),
            called_at: now,
        });
        self.announce(&called, counter, false);
        Ok(Some(called))
    }

    /// Puts a call on the display board.
    fn announce(&mut self, t: &Ticket, counter: &Counter, recall: bool) {
        let number = t.number.to_string();
        let (audio, spoken) = crate::audio::call(
            &number,
            &crate::audio::counter_number(self.state.config.office(), counter),
        );
        let call = DisplayCall {
            call_id: self.state.next_call_id,
            number,
            counter: counter.id.to_string(),
            counter_name: counter.name.clone(),
            called_at: self.now,
            recall,
            audio,
            spoken,
        };
        self.state.next_call_id += 1;
        self.state.calls.push_back(call);
        while self.state.calls.len() > CALLS_KEPT {
            self.state.calls.pop_front();
        }
        // The board listens for commits; a recall writes nothing else.
        self.changes.display = true;
    }

    /// Calls the ticket being served at the session's counter again on the
    /// display board (the citizen did not come).
    pub fn recall(&mut self, session: &Session) -> Result<Ticket, KioskError> {
        let config = self.config();
        let counter = config.counter(&session.counter)?;
        let t = self
            .state
            .serving_at(&counter.id)
            .cloned()
            .ok_or(KioskError::NothingServed)?;
        self.announce(&t, counter, true);
        Ok(t)
    }

    /// Starts or ends a break at the session's counter; a counter serving a
    /// ticket cannot go on a break. Gives whether anything changed.
    pub fn set_break(&mut self, session: &Session, on: bool) -> Result<bool, KioskError> {
        if on && let Some(t) = self.state.serving_at(&session.counter) {
            return Err(KioskError::CounterBusy(t.number.to_string()));
        }
        let Some(live) = self.state.sessions.get_mut(&session.token_hash) else {
            return Err(KioskError::NotSignedIn);
        };
        if live.on_break == on {
            return Ok(false);
        }
        live.on_break = on;
        self.changes.sessions.insert(session.token_hash.clone());
        self.emit(Event::StaffBreak {
            counter: session.counter.clone(),
            nip: session.nip.clone(),
            on,
            at: self.now,
        });
        Ok(true)
    }

    /// Sends the citizen served at the session's counter on to `service`:
    /// this transaction is completed now, and a ticket of the same visit (the
    /// same number) waits for the next one, ahead of new arrivals. Each
    /// transaction keeps its own times.
    pub fn transfer(
        &mut self,
        session: &Session,
        id: TicketId,
        service: &ServiceCode,
        new_id: TicketId,
    ) -> Result<Ticket, KioskError> {
        let config = self.config();
        if config.office().service(service).is_none() {
            return Err(KioskError::UnknownService(service.to_string()));
        }
        let t = self.ticket(id)?;
        if &t.service == service {
            return Err(KioskError::Invalid(Msg::new(
                "Tiket ini sudah untuk layanan itu; pilih layanan lain",
                "This ticket is for that service already; choose another one",
            )));
        }
        // The same checks as a completion: served here, now.
        let done = self.complete(session, id)?;
        let now = self.now;
        self.ticket_mut(id)?.transferred_to = Some(new_id);
        let next = Ticket {
            id: new_id,
            number: done.number.clone(),
            service: service.clone(),
            day: self.today(),
            issued_at: now,
            status: TicketStatus::Waiting,
            counter: None,
            nip: None,
            called_at: None,
            completed_at: None,
            abandoned_at: None,
            rated: false,
            transferred_to: None,
            transferred_from: Some(id),
        };
        self.state.tickets.insert(new_id, next.clone());
        self.changes.tickets.insert(new_id);
        self.emit(Event::TicketTransferred {
            ticket_id: id,
            new_ticket_id: new_id,
            service: service.clone(),
            at: now,
        });
        Ok(next)
    }

    fn ticket_mut(&mut self, id: TicketId) -> Result<&mut Ticket, KioskError> {
        self.changes.tickets.insert(id);
        self.state
            .tickets
            .get_mut(&id)
            .ok_or_else(|| missing_ticket(id))
    }

    /// Looks a ticket up (410 for one of an earlier day the kiosk no longer
    /// keeps, 404 for one it never had).
    pub fn ticket(&self, id: TicketId) -> Result<&Ticket, KioskError> {
        self.state
            .tickets
            .get(&id)
            .ok_or_else(|| missing_ticket(id))
    }

    /// Service finished at the session's counter.
    pub fn complete(&mut self, session: &Session, id: TicketId) -> Result<Ticket, KioskError> {
        let t = self.ticket(id)?;
        match t.status {
            TicketStatus::Serving if t.counter.as_ref() == Some(&session.counter) => {}
            TicketStatus::Serving => return Err(KioskError::NotYourTicket),
            TicketStatus::Waiting => return Err(KioskError::NotServing),
            TicketStatus::Completed | TicketStatus::Abandoned => {
                return Err(KioskError::AlreadyClosed);
            }
        }
        let now = self.now;
        let t = self.ticket_mut(id)?;
        t.status = TicketStatus::Completed;
        t.completed_at = Some(now);
        let done = t.clone();
        self.emit(Event::TicketCompleted {
            ticket_id: id,
            completed_at: now,
        });
        Ok(done)
    }

    /// A no-show: a ticket called at this counter, or a waiting ticket of a
    /// service this counter serves.
    pub fn abandon(&mut self, session: &Session, id: TicketId) -> Result<Ticket, KioskError> {
        let config = self.config();
        let counter = config.counter(&session.counter)?;
        let t = self.ticket(id)?;
        match t.status {
            TicketStatus::Serving if t.counter.as_ref() == Some(&counter.id) => {}
            TicketStatus::Waiting if counter.services.contains(&t.service) => {}
            TicketStatus::Serving | TicketStatus::Waiting => return Err(KioskError::NotYourTicket),
            TicketStatus::Completed | TicketStatus::Abandoned => {
                return Err(KioskError::AlreadyClosed);
            }
        }
        let now = self.now;
        let t = self.ticket_mut(id)?;
        t.status = TicketStatus::Abandoned;
        t.abandoned_at = Some(now);
        let done = t.clone();
        self.emit(Event::TicketAbandoned {
            ticket_id: id,
            at: now,
        });
        Ok(done)
    }

    /// A citizen's rating on the tablet of `tablet_counter`.
    ///
    /// With a ticket: only the ticket awaiting a rating at this counter (the
    /// last completed there, unrated, no call since, less than 10 minutes
    /// ago); afterwards only the citizen's QR link can rate it. Without a
    /// ticket: only while an ASN is signed in at the counter (the rating is
    /// theirs, by session); more than [`BURST_MAX`] within [`BURST_WINDOW_S`]
    /// are flagged.
    pub fn rate(
        &mut self,
        input: RatingInput,
        id: RatingId,
        tablet_counter: &CounterId,
    ) -> Result<RatingEvent, KioskError> {
        let config = self.config();
        config.counter(tablet_counter)?;
        if input.counter.as_ref().is_some_and(|c| c != tablet_counter) {
            return Err(KioskError::WrongTablet);
        }
        let now = self.now;
        let mut flagged = false;
        let nip = match input.ticket_id {
            Some(tid) => {
                let t = self.ticket(tid)?;
                match t.status {
                    TicketStatus::Waiting | TicketStatus::Serving => {
                        return Err(KioskError::NotCompleted);
                    }
                    TicketStatus::Abandoned => return Err(KioskError::RatingClosed),
                    TicketStatus::Completed => {}
                }
                if t.counter.as_ref() != Some(tablet_counter) {
                    return Err(KioskError::NotYourTicket);
                }
                if t.rated {
                    return Err(KioskError::AlreadyRated);
                }
                if self
                    .state
                    .awaiting_rating(tablet_counter, now)
                    .map(|a| a.id)
                    != Some(tid)
                {
                    return Err(KioskError::RatingClosed);
                }
                None
            }
            None => {
                let session = self
                    .state
                    .session_at(tablet_counter, now)
                    .ok_or(KioskError::NoStaff)?;
                let nip = session.nip.clone();
                let recent = self
                    .state
                    .ticketless
                    .entry(tablet_counter.clone())
                    .or_default();
                let since = now - SignedDuration::from_secs(BURST_WINDOW_S);
                while recent.front().is_some_and(|t| *t < since) {
                    recent.pop_front();
                }
                flagged = recent.len() >= BURST_MAX;
                recent.push_back(now);
                Some(nip)
            }
        };
        // Validation is done: from here on the rating is recorded.
        if let Some(tid) = input.ticket_id {
            self.ticket_mut(tid)?.rated = true;
        }
        let rating = RatingEvent {
            rating_id: id,
            ticket_id: input.ticket_id,
            counter: input.ticket_id.is_none().then(|| tablet_counter.clone()),
            nip,
            channel: Channel::Tablet,
            score: input.score,
            answers: input.answers,
            comment: input.comment,
            submitted_at: now,
            flagged,
        };
        if !flagged {
            let day = self.today();
            let agg = self.state.ratings_by_day.entry(day).or_default();
            agg.count += 1;
            agg.score_sum += u64::from(rating.score.get());
        }
        self.changes.ratings.push(rating.clone());
        self.emit(Event::Rating(rating.clone()));
        Ok(rating)
    }

    /// Pairs a tablet for `counter`: its bearer token (by hash) works from
    /// now on, and a one-time pairing code (by hash) for
    /// [`PAIR_CODE_MINUTES`]. Gives when the code expires.
    pub fn pair_tablet(
        &mut self,
        counter: &CounterId,
        token_hash: String,
        code_hash: String,
    ) -> Result<Timestamp, KioskError> {
        self.config().counter(counter)?;
        let expires_at = self.now + SignedDuration::from_mins(PAIR_CODE_MINUTES);
        self.add_tablet(counter, token_hash);
        self.state.pair_codes.insert(
            code_hash.clone(),
            PairCode {
                counter: counter.clone(),
                expires_at,
            },
        );
        self.changes.pair_codes.insert(code_hash);
        Ok(expires_at)
    }

    fn add_tablet(&mut self, counter: &CounterId, token_hash: String) {
        self.state.tablets.insert(
            token_hash.clone(),
            Tablet {
                counter: counter.clone(),
                paired_at: self.now,
            },
        );
        self.changes.tablets.insert(token_hash);
    }

    /// Opens a pairing link on the tablet: the code works once, for its
    /// counter, until it expires; the browser's new token (by hash) becomes
    /// one of the counter's tablets.
    pub fn redeem_pair_code(
        &mut self,
        counter: &CounterId,
        code_hash: &str,
        token_hash: String,
    ) -> Result<(), KioskError> {
        let code = self
            .state
            .pair_codes
            .get(code_hash)
            .filter(|c| &c.counter == counter && c.expires_at > self.now)
            .ok_or(KioskError::PairCodeInvalid)?;
        let counter = code.counter.clone();
        self.state.pair_codes.remove(code_hash);
        self.changes.pair_codes.insert(code_hash.to_owned());
        self.add_tablet(&counter, token_hash);
        Ok(())
    }

    /// Revokes every tablet token and open pairing link of `counter`; gives
    /// how many tokens stopped working.
    pub fn revoke_tablets(&mut self, counter: &CounterId) -> Result<usize, KioskError> {
        self.config().counter(counter)?;
        let tokens: Vec<String> = self
            .state
            .tablets
            .iter()
            .filter(|(_, t)| &t.counter == counter)
            .map(|(h, _)| h.clone())
            .collect();
        let codes: Vec<String> = self
            .state
            .pair_codes
            .iter()
            .filter(|(_, c)| &c.counter == counter)
            .map(|(h, _)| h.clone())
            .collect();
        for h in &tokens {
            self.state.tablets.remove(h);
            self.changes.tablets.insert(h.clone());
        }
        for h in codes {
            self.state.pair_codes.remove(&h);
            self.changes.pair_codes.insert(h);
        }
        Ok(tokens.len())
    }

    /// Forgets pairing links past their expiry.
    pub fn expire_pair_codes(&mut self) {
        let now = self.now;
        let gone: Vec<String> = self
            .state
            .pair_codes
            .iter()
            .filter(|(_, c)| c.expires_at <= now)
            .map(|(h, _)| h.clone())
            .collect();
        for h in gone {
            self.state.pair_codes.remove(&h);
            self.changes.pair_codes.insert(h);
        }
    }

    /// The collector took this database for another copy of an instance it
    /// has applied events from (a restored backup, a copied file): from
    /// `from_seq` on, events go out under the new identity `instance`, and
    /// what came before counts as acknowledged.
    pub fn start_instance(&mut self, instance: InstanceId, from_seq: u64) {
        let from_seq = from_seq.clamp(1, self.state.next_seq);
        self.state.instance = instance;
        self.state.instance_first_seq = from_seq;
        self.state.acked_through = from_seq - 1;
        self.changes.instance = true;
        self.changes.acked = true;
    }

    /// Replaces the configuration (refresh from the collector).
    pub fn set_config(&mut self, raw: KioskConfig) {
        self.state.config = Arc::new(Config::new(raw));
        self.changes.config = true;
        self.expire_sessions();
    }

    /// Drops acknowledged events up to `seq` from the log (never one that is
    /// not acknowledged).
    pub fn prune_through(&mut self, seq: u64) {
        self.changes.prune_through = Some(seq.min(self.state.acked_through));
    }

    /// Deletes tickets, ratings and daily numbering the housekeeping found
    /// prunable (acknowledged, older than `cutoff`, see
    /// `Store::prunable_records`), from redb and from memory. Checked again
    /// here, under the writer, against what changed since they were found:
    /// a ticket still in memory is kept if it is open, changed at or after
    /// `cutoff`, belongs to today, or still awaits a rating on its counter's
    /// tablet. A ticket no longer in memory cannot change any more (every
    /// change goes through memory), and a rating never changes.
    pub fn prune_records(&mut self, p: &Prunable, cutoff: Timestamp) -> Pruned {
        let today = self.today();
        let now = self.now;
        let cutoff = cutoff.min(self.state.prune_cutoff(now, SignedDuration::ZERO));
        let mut pruned = Pruned::default();
        for id in &p.tickets {
            if let Some(t) = self.state.tickets.get(id) {
                let awaiting = t
                    .counter
                    .as_ref()
                    .and_then(|c| self.state.awaiting_rating(c, now))
                    .is_some_and(|a| a.id == *id);
                if t.is_open() || t.last_at() >= cutoff || t.day >= today || awaiting {
                    continue;
                }
                self.state.tickets.remove(id);
            }
            if self.changes.pruned_tickets.insert(*id) {
                pruned.tickets += 1;
            }
        }
        let gone = &self.changes.pruned_tickets;
        self.state.counter_last.retain(|_, id| !gone.contains(id));
        for id in &p.ratings {
            if self.changes.pruned_ratings.insert(*id) {
                pruned.ratings += 1;
            }
        }
        let keep_from = self.state.numbering_kept_from(cutoff, self.now);
        for (svc, day) in &p.day_seq {
            if *day >= keep_from {
                continue;
            }
            self.state.day_seq.remove(&(svc.clone(), *day));
            if self.changes.pruned_day_seq.insert((svc.clone(), *day)) {
                pruned.day_seq += 1;
            }
        }
        pruned
    }

    /// Records the collector's acknowledgement.
    pub fn set_acked(&mut self, applied_through: u64) {
        let mark = applied_through.min(self.state.next_seq - 1);
        if mark != self.state.acked_through {
            self.state.acked_through = mark;
            self.changes.acked = true;
        }
    }
}

/// Checks that a NIP may try a PIN at `now`; gives the PIN hash to verify.
pub fn check_can_sign_in(
    state: &KioskState,
    nip: &Nip,
    now: Timestamp,
) -> Result<String, KioskError> {
    if let Some(until) = state.pin_fails.get(nip).and_then(|f| f.locked_until)
        && until > now
    {
        return Err(KioskError::Locked(
            until.duration_since(now).as_secs().max(1) as u64,
        ));
    }
    let staff = state.config.staff(nip).ok_or(KioskError::WrongPin)?;
    if !staff.active {
        return Err(KioskError::Inactive);
    }
    Ok(staff.pin_hash.clone())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use shared::wire::KioskConfig;
    use shared::{KioskId, OfficeId};

    pub(crate) fn config(tz: &str) -> KioskConfig {
        let spec: shared::wire::OfficeSpec = serde_json::from_value(serde_json::json!({
            "name": "Kantor Distrik Walesi", "tz": tz,
            "services": [
                {"code": "ktp", "name": "KTP-el", "prefix": "A", "target_minutes": 30},
                {"code": "akta", "name": "Akta Kelahiran", "prefix": "C", "target_minutes": 60}
            ],
            "counters": [
                {"id": "L1", "name": "Loket 1", "services": ["ktp", "akta"]},
                {"id": "L2", "name": "Loket 2", "services": ["akta"]}
            ]
        }))
        .unwrap();
        KioskConfig {
            kiosk_id: KioskId(uuid::Uuid::now_v7()),
            office: Office::parse(OfficeId::parse("walesi").unwrap(), spec).unwrap(),
            roster: vec![RosterEntry {
                nip: Nip::parse("198812252015031003").unwrap(),
                name: "Yohanes Wenda".into(),
                pin_hash: String::new(),
                active: true,
            }],
            public_url: "http://127.0.0.1:8080".into(),
            qr_expiry_s: 86_400,
        }
    }

    /// A UUID v7 ticket id made `days` days ago.
    pub(crate) fn ticket_id_made_days_ago(days: u64) -> TicketId {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let random: [u8; 10] = uuid::Uuid::now_v7().as_bytes()[6..].try_into().unwrap();
        TicketId(
            uuid::Builder::from_unix_timestamp_millis(now_ms - days * 86_400_000, &random)
                .into_uuid(),
        )
    }

    pub(crate) fn instance() -> InstanceId {
        InstanceId(uuid::Uuid::now_v7())
    }

    fn issue(state: &mut KioskState, now: &str, service: &str) -> Ticket {
        let mut ch = Changes::default();
        let mut tx = Tx {
            state,
            changes: &mut ch,
            now: now.parse().unwrap(),
        };
        tx.issue_ticket(
            &ServiceCode::parse(service).unwrap(),
            TicketId(uuid::Uuid::now_v7()),
        )
        .unwrap()
    }

    #[test]
    fn a_missing_ticket_of_an_earlier_day_is_gone_and_one_of_today_unknown() {
        let old = ticket_id_made_days_ago(2);
        assert!(matches!(missing_ticket(old), KioskError::TicketGone));
        let recent = TicketId(uuid::Uuid::now_v7());
        assert!(matches!(missing_ticket(recent), KioskError::UnknownTicket));
        let v4 = uuid::Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdef);
        for other in [uuid::Uuid::nil(), v4, uuid::Uuid::max()] {
            assert!(matches!(
                missing_ticket(TicketId(other)),
                KioskError::UnknownTicket
            ));
        }
    }

    #[test]
    fn numbering_restarts_at_office_local_midnight_not_utc_midnight() {
        // Walesi is WIT (UTC+9): local midnight is 15:00 UTC.
        let mut st = KioskState::new(Config::new(config("Asia/Jayapura")), instance());
        assert_eq!(
            issue(&mut st, "2026-11-22T14:58:00Z", "ktp")
                .number
                .to_string(),
            "A-001"
        );
        assert_eq!(
            issue(&mut st, "2026-11-22T14:59:00Z", "ktp")
                .number
                .to_string(),
            "A-002"
        );
        let after = issue(&mut st, "2026-11-22T15:00:00Z", "ktp");
        assert_eq!(after.number.to_string(), "A-001");
        assert_eq!(after.day.to_string(), "2026-11-23");
        // UTC midnight is not a boundary there.
        assert_eq!(
            issue(&mut st, "2026-11-23T00:00:00Z", "ktp")
                .number
                .to_string(),
            "A-002"
        );
    }

    #[test]
    fn each_service_has_its_own_sequence() {
        let mut st = KioskState::new(Config::new(config("Asia/Jakarta")), instance());
        assert_eq!(
            issue(&mut st, "2026-11-22T01:00:00Z", "ktp")
                .number
                .to_string(),
            "A-001"
        );
        assert_eq!(
            issue(&mut st, "2026-11-22T01:00:01Z", "akta")
                .number
                .to_string(),
            "C-001"
        );
        assert_eq!(
            issue(&mut st, "2026-11-22T01:00:02Z", "ktp")
                .number
                .to_string(),
            "A-002"
        );
    }

    #[test]
    fn a_ticket_waiting_at_midnight_keeps_its_number_and_is_called_first() {
        let mut st = KioskState::new(Config::new(config("Asia/Jayapura")), instance());
        let late = issue(&mut st, "2026-11-22T14:59:00Z", "ktp");
        let early = issue(&mut st, "2026-11-22T15:01:00Z", "ktp");
        assert_eq!(early.number.to_string(), "A-001");
        let waiting: Vec<String> = st.waiting().iter().map(|t| t.number.to_string()).collect();
        assert_eq!(waiting, ["A-001", "A-001"]);
        assert_eq!(
            st.waiting()[0].id,
            late.id,
            "the older ticket keeps its place"
        );
    }

    #[test]
    fn an_expired_session_is_signed_out_at_its_expiry_time() {
        let mut st = KioskState::new(Config::new(config("Asia/Jakarta")), instance());
        let nip = Nip::parse("198812252015031003").unwrap();
        let counter = CounterId::parse("L1").unwrap();
        let mut ch = Changes::default();
        let t0: Timestamp = "2026-11-22T01:00:00Z".parse().unwrap();
        let mut tx = Tx {
            state: &mut st,
            changes: &mut ch,
            now: t0,
        };
        tx.sign_in(&counter, &nip, true, "h".into()).unwrap();
        tx.now = t0 + SignedDuration::from_hours(13);
        tx.expire_sessions();
        assert!(st.sessions.is_empty());
        let last = ch.events.last().unwrap();
        assert_eq!(
            last.1,
            Event::StaffSignedOut {
                counter,
                nip,
                at: t0 + SignedDuration::from_hours(SESSION_HOURS)
            }
        );
        assert_eq!(
            ch.events.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [1, 2],
            "gap-free sequence"
        );
    }

    #[test]
    fn a_refused_rating_changes_nothing() {
        let mut st = KioskState::new(Config::new(config("Asia/Jakarta")), instance());
        let t = issue(&mut st, "2026-11-22T01:00:00Z", "ktp");
        let before = st.next_seq;
        let mut ch = Changes::default();
        let mut tx = Tx {
            state: &mut st,
            changes: &mut ch,
            now: "2026-11-22T01:01:00Z".parse().unwrap(),
        };
        let input = RatingInput {
            ticket_id: Some(t.id),
            counter: None,
            score: Score::new(4).unwrap(),
            answers: None,
            comment: None,
        };
        assert!(matches!(
            tx.rate(input, RatingId(uuid::Uuid::now_v7()), &l1()),
            Err(KioskError::NotCompleted)
        ));
        assert!(ch.is_empty());
        assert_eq!(st.next_seq, before);
        assert!(!st.tickets[&t.id].rated);
    }

    fn l1() -> CounterId {
        CounterId::parse("L1").unwrap()
    }

    fn nip() -> Nip {
        Nip::parse("198812252015031003").unwrap()
    }

    /// A state with L1 signed in, and a helper running one change at `at`
    /// (seconds after 01:00 UTC).
    struct Floor {
        st: KioskState,
        session: Session,
    }

    impl Floor {
        fn new() -> Floor {
            let mut st = KioskState::new(Config::new(config("Asia/Jakarta")), instance());
            let mut ch = Changes::default();
            let session = Tx {
                state: &mut st,
                changes: &mut ch,
                now: at(0),
            }
            .sign_in(&l1(), &nip(), true, "s".into())
            .unwrap();
            Floor { st, session }
        }

        fn run<R>(&mut self, secs: i64, f: impl FnOnce(&mut Tx<'_>, &Session) -> R) -> R {
            let mut ch = Changes::default();
            let session = self.session.clone();
            f(
                &mut Tx {
                    state: &mut self.st,
                    changes: &mut ch,
                    now: at(secs),
                },
                &session,
            )
        }

        /// Issues, calls and completes a ticket at L1.
        fn served(&mut self, secs: i64) -> TicketId {
            let id = TicketId(uuid::Uuid::now_v7());
            self.run(secs, |tx, s| {
                tx.issue_ticket(&ServiceCode::parse("ktp").unwrap(), id)
                    .unwrap();
                tx.call_next(s).unwrap();
                tx.complete(s, id).unwrap();
            });
            id
        }

        fn rate(&mut self, secs: i64, ticket: Option<TicketId>) -> Result<RatingEvent, KioskError> {
            self.rate_at(secs, ticket, &l1())
        }

        fn rate_at(
            &mut self,
            secs: i64,
            ticket: Option<TicketId>,
            tablet: &CounterId,
        ) -> Result<RatingEvent, KioskError> {
            let input = RatingInput {
                ticket_id: ticket,
                counter: None,
                score: Score::new(1).unwrap(),
                answers: None,
                comment: None,
            };
            let tablet = tablet.clone();
            self.run(secs, move |tx, _| {
                tx.rate(input, RatingId(uuid::Uuid::now_v7()), &tablet)
            })
        }
    }

    fn at(secs: i64) -> Timestamp {
        "2026-11-22T01:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(secs)
    }

    #[test]
    fn a_ticket_is_rateable_on_the_tablet_only_until_the_next_call() {
        let mut f = Floor::new();
        let first = f.served(10);
        f.run(20, |tx, _| {
            tx.issue_ticket(
                &ServiceCode::parse("ktp").unwrap(),
                TicketId(uuid::Uuid::now_v7()),
            )
            .unwrap()
        });
        f.run(30, |tx, s| tx.call_next(s).unwrap());
        assert!(matches!(
            f.rate(31, Some(first)),
            Err(KioskError::RatingClosed)
        ));
        assert!(!f.st.tickets[&first].rated, "the QR link can still rate it");
    }

    #[test]
    fn a_ticket_is_rateable_on_the_tablet_only_for_ten_minutes() {
        let mut f = Floor::new();
        let t = f.served(10);
        let late = 10 + TABLET_RATING_MINUTES * 60;
        assert!(matches!(
            f.rate(late, Some(t)),
            Err(KioskError::RatingClosed)
        ));
        assert!(f.rate(late - 1, Some(t)).is_ok());
        assert!(matches!(
            f.rate(late - 1, Some(t)),
            Err(KioskError::AlreadyRated)
        ));
    }

    #[test]
    fn another_counters_tablet_cannot_rate_the_ticket() {
        let mut f = Floor::new();
        let t = f.served(10);
        let l2 = CounterId::parse("L2").unwrap();
        assert!(matches!(
            f.rate_at(11, Some(t), &l2),
            Err(KioskError::NotYourTicket)
        ));
        let l9 = CounterId::parse("L9").unwrap();
        assert!(matches!(
            f.rate_at(11, Some(t), &l9),
            Err(KioskError::UnknownCounter(_))
        ));
        assert!(f.rate(12, Some(t)).is_ok(), "its own tablet still can");
    }

    #[test]
    fn a_rating_without_a_ticket_needs_an_asn_signed_in_at_the_counter() {
        let mut f = Floor::new();
        let r = f.rate(5, None).unwrap();
        assert_eq!(r.nip, Some(nip()), "by session");
        assert_eq!(r.counter, Some(l1()));
        let hash = f.session.token_hash.clone();
        f.run(6, |tx, _| tx.end_session(&hash, at(6)));
        assert!(matches!(f.rate(7, None), Err(KioskError::NoStaff)));
    }

    #[test]
    fn a_burst_of_ratings_without_a_ticket_is_flagged_after_three() {
        let mut f = Floor::new();
        let flags: Vec<bool> = (0..6)
            .map(|i| f.rate(10 + i, None).unwrap().flagged)
            .collect();
        assert_eq!(flags, [false, false, false, true, true, true]);
        assert_eq!(
            f.st.ratings_by_day.values().map(|d| d.count).sum::<u64>(),
            3,
            "flagged ratings stay out of today's figures"
        );
        // Two minutes after the burst the counter is trusted again.
        assert!(!f.rate(10 + 5 + BURST_WINDOW_S + 1, None).unwrap().flagged);
    }

    #[test]
    fn a_pairing_code_works_once_for_its_counter_until_it_expires() {
        let mut f = Floor::new();
        let expires = f
            .run(0, |tx, _| {
                tx.pair_tablet(&l1(), "tok".into(), "code".into())
            })
            .unwrap();
        assert_eq!(expires, at(PAIR_CODE_MINUTES * 60));
        assert!(
            f.st.tablet("tok").is_some(),
            "the bearer token works at once"
        );
        let late = PAIR_CODE_MINUTES * 60;
        assert!(matches!(
            f.run(late, |tx, _| tx.redeem_pair_code(
                &l1(),
                "code",
                "cookie".into()
            )),
            Err(KioskError::PairCodeInvalid)
        ));
        f.run(late - 1, |tx, _| {
            tx.redeem_pair_code(&l1(), "code", "cookie".into())
        })
        .unwrap();
        assert!(f.st.tablet("cookie").is_some());
        assert!(matches!(
            f.run(1, |tx, _| tx.redeem_pair_code(
                &l1(),
                "code",
                "again".into()
            )),
            Err(KioskError::PairCodeInvalid)
        ));
    }

    #[test]
    fn revoking_a_counters_tablets_removes_every_token_and_open_code() {
        let mut f = Floor::new();
        f.run(0, |tx, _| tx.pair_tablet(&l1(), "a".into(), "c1".into()))
            .unwrap();
        f.run(0, |tx, _| tx.pair_tablet(&l1(), "b".into(), "c2".into()))
            .unwrap();
        assert_eq!(f.run(1, |tx, _| tx.revoke_tablets(&l1())).unwrap(), 2);
        assert!(f.st.tablets.is_empty() && f.st.pair_codes.is_empty());
    }
}
