//! The versioned boundary: every JSON body exchanged between kiosk, collector,
//! browsers and scripts (routes and field names are fixed by docs/API.md).
//!
//! Request bodies that people or scripts send keep raw types (`i64`,
//! `String`) so that a value of the right type but out of range is told apart
//! (422) from a malformed body (400); the servers parse them into domain types.
//! Bodies exchanged between our own programs (events, configuration) use the
//! domain types directly, so a bad one fails to parse as a whole.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{CounterId, InstanceId, KioskId, RatingId, ServiceCode, TicketId};
use crate::nip::Nip;
use crate::office::Office;
use crate::skm::{Comment, Score, SkmAnswers};
use crate::ticket::TicketNumber;

/// Every error body: `{"error": "<code>", "message": "<human text>"}`; some
/// carry more fields (`applied_through`, `server_time`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `bad_request`, `already_rated`.
    pub error: String,
    /// Text for people, in the caller's language.
    pub message: String,
    /// For a batch gap: the collector's mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_through: Option<u64>,
    /// For a 401 from the collector: its clock (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<i64>,
}

// ---------------------------------------------------------------- events

/// How a rating was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The counter tablet facing the citizen.
    Tablet,
    /// The citizen's phone, via the ticket's QR code.
    Qr,
}

/// A rating as recorded in the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingEvent {
    /// Its id.
    pub rating_id: RatingId,
    /// The ticket rated, when known (exact attribution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<TicketId>,
    /// The counter whose tablet took it, for a rating without a ticket
    /// (attributed by session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<CounterId>,
    /// For a rating without a ticket: the ASN signed in at `counter` at that
    /// moment (attribution by session, kept apart in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nip: Option<Nip>,
    /// Tablet or QR.
    pub channel: Channel,
    /// The quick score.
    pub score: Score,
    /// The full survey, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<SkmAnswers>,
    /// Free text, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// When the citizen sent it.
    pub submitted_at: Timestamp,
    /// Set by the kiosk for a rating it suspects (a burst of ratings without
    /// a ticket at one counter): kept and counted as flagged, but never part
    /// of an ASN's score or the office's IKM.
    #[serde(default, skip_serializing_if = "is_false")]
    pub flagged: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One entry of a kiosk's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A citizen took a number.
    TicketIssued {
        /// The ticket.
        ticket_id: TicketId,
        /// Its number, e.g. `A-017`.
        number: TicketNumber,
        /// Its service.
        service: ServiceCode,
        /// When.
        issued_at: Timestamp,
    },
    /// An ASN called it to their counter.
    TicketCalled {
        /// The ticket.
        ticket_id: TicketId,
        /// The counter.
        counter: CounterId,
        /// The ASN signed in there.
        nip: Nip,
        /// When.
        called_at: Timestamp,
    },
    /// Service finished: this makes the service record.
    TicketCompleted {
        /// The ticket.
        ticket_id: TicketId,
        /// When.
        completed_at: Timestamp,
    },
    /// A no-show.
    TicketAbandoned {
        /// The ticket.
        ticket_id: TicketId,
        /// When.
        at: Timestamp,
    },
    /// An ASN signed in at a counter.
    StaffSignedIn {
        /// The counter.
        counter: CounterId,
        /// The ASN.
        nip: Nip,
        /// When.
        at: Timestamp,
    },
    /// An ASN's session at a counter ended (sign-out, expiry, or sign-in
    /// elsewhere).
    StaffSignedOut {
        /// The counter.
        counter: CounterId,
        /// The ASN.
        nip: Nip,
        /// When.
        at: Timestamp,
    },
    /// An ASN at a counter started (`on`) or ended a break (istirahat).
    StaffBreak {
        /// The counter.
        counter: CounterId,
        /// The ASN.
        nip: Nip,
        /// Whether the break starts.
        on: bool,
        /// When.
        at: Timestamp,
    },
    /// The ASN serving a ticket sent the citizen on to another service (one
    /// visit, two transactions): the served ticket was completed just
    /// before; `new_ticket_id` waits for `service`, keeping the number.
    TicketTransferred {
        /// The ticket completed at the first counter.
        ticket_id: TicketId,
        /// The same visit's ticket for the next service.
        new_ticket_id: TicketId,
        /// The next service.
        service: ServiceCode,
        /// When.
        at: Timestamp,
    },
    /// A citizen's rating.
    Rating(RatingEvent),
}

impl Event {
    /// When it happened (the kiosk's clock).
    pub fn at(&self) -> Timestamp {
        match self {
            Event::TicketIssued { issued_at, .. } => *issued_at,
            Event::TicketCalled { called_at, .. } => *called_at,
            Event::TicketCompleted { completed_at, .. } => *completed_at,
            Event::TicketAbandoned { at, .. }
            | Event::StaffSignedIn { at, .. }
            | Event::StaffSignedOut { at, .. }
            | Event::StaffBreak { at, .. }
            | Event::TicketTransferred { at, .. } => *at,
            Event::Rating(r) => r.submitted_at,
        }
    }
}

/// `POST /api/v1/batches`: events `first_seq`, `first_seq + 1`, ...
///
/// Generic over the event so that the kiosk can send the JSON it stored
/// without decoding it (`Batch<Box<RawValue>>`) and the collector can check
/// each event on its own (`Batch<&RawValue>`), both through this one type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch<E = Event> {
    /// Sequence number of the first event.
    pub first_seq: u64,
    /// The kiosk database the events come from. The collector keeps a mark
    /// per (kiosk, instance), so a wiped or restored kiosk file never has its
    /// new events taken for ones already applied. Absent in batches from
    /// kiosks that predate it (they share one mark, as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceId>,
    /// At most [`MAX_BATCH_EVENTS`] events.
    pub events: Vec<E>,
}

/// The most events one batch may carry.
pub const MAX_BATCH_EVENTS: usize = 1000;

/// The answer to a batch: the highest sequence applied for this kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchAck {
    /// Highest sequence applied.
    pub applied_through: u64,
}

// ---------------------------------------------------------------- collector admin

/// `PUT /api/v1/offices/{office_id}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeSpec {
    /// Display name.
    pub name: String,
    /// IANA time zone name.
    pub tz: String,
    /// Services.
    pub services: Vec<ServiceSpec>,
    /// Counters.
    pub counters: Vec<CounterSpec>,
}

/// A service in an [`OfficeSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Ticket prefix.
    pub prefix: String,
    /// Service standard in minutes.
    pub target_minutes: i64,
}

/// A counter in an [`OfficeSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSpec {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Codes of the services it serves.
    pub services: Vec<String>,
}

/// An office on the wire: its id and definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeWire {
    /// Office id.
    pub id: String,
    /// The rest.
    #[serde(flatten)]
    pub spec: OfficeSpec,
}

impl From<&Office> for OfficeSpec {
    fn from(o: &Office) -> OfficeSpec {
        OfficeSpec {
            name: o.name.clone(),
            tz: o.tz.name().to_owned(),
            services: o
                .services
                .iter()
                .map(|s| ServiceSpec {
                    code: s.code.to_string(),
                    name: s.name.clone(),
                    prefix: s.prefix.as_str().to_owned(),
                    target_minutes: i64::from(s.target_minutes),
                })
                .collect(),
            counters: o
                .counters
                .iter()
                .map(|c| CounterSpec {
                    id: c.id.to_string(),
                    name: c.name.clone(),
                    services: c.services.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }
}

/// `POST /api/v1/kiosks` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewKiosk {
    /// The office the kiosk serves.
    pub office_id: String,
}

/// `POST /api/v1/kiosks` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KioskCreated {
    /// Generated id.
    pub kiosk_id: KioskId,
    /// Generated secret: give it to the kiosk (`--kiosk-key`); it is shown once.
    pub key: String,
}

/// One roster row as imported (CSV columns or JSON object).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RosterRow {
    /// NIP (spaces allowed).
    pub nip: String,
    /// Full name.
    pub name: String,
    /// Office.
    pub office_id: String,
    /// PIN, 4 to 8 digits.
    pub pin: String,
    /// `false` deactivates; absent means active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A rejected roster line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RosterRejection {
    /// CSV line (line 1 is the header) or 1-based JSON array position.
    pub line: u64,
    /// Why.
    pub error: String,
}

/// `PUT /api/v1/roster` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RosterImport {
    /// Rows added or updated.
    pub imported: u64,
    /// Rows refused.
    pub rejected: Vec<RosterRejection>,
}

/// `POST /api/v1/tokens` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    /// `hr` or `head`.
    pub role: String,
    /// The office, for `head`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<String>,
    /// Days until the token stops working (default 365).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
}

/// `POST /api/v1/tokens` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenCreated {
    /// The bearer token; only its hash is kept.
    pub token: String,
    /// Its id, for `DELETE /api/v1/tokens/{token_id}`.
    #[serde(default)]
    pub token_id: String,
    /// When it stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `POST /api/v1/kiosks/{kiosk_id}/key` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KioskKey {
    /// The new key; the old one no longer works. Shown once.
    pub key: String,
}

/// A roster entry as sent to kiosks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// NIP.
    pub nip: Nip,
    /// Name.
    pub name: String,
    /// Argon2 PHC string of the PIN.
    pub pin_hash: String,
    /// Whether the ASN may sign in.
    pub active: bool,
}

/// `GET /api/v1/kiosks/{kiosk_id}/config` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskConfig {
    /// The kiosk.
    pub kiosk_id: KioskId,
    /// Its office.
    pub office: Office,
    /// The office's roster.
    pub roster: Vec<RosterEntry>,
    /// The collector's public URL, the base of every rating URL.
    pub public_url: String,
    /// How long a QR rating token stays valid, seconds.
    pub qr_expiry_s: u64,
}

// ---------------------------------------------------------------- kiosk API

/// `POST /api/tickets` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTicket {
    /// Service code.
    pub service: String,
}

/// A ticket as answered by the kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketView {
    /// Id.
    pub ticket_id: TicketId,
    /// Number, e.g. `A-017`.
    pub number: String,
    /// Service code.
    pub service: String,
    /// When issued.
    pub issued_at: Timestamp,
    /// `waiting`, `serving`, `completed` or `abandoned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Counter that called it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<String>,
    /// When called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<Timestamp>,
    /// When completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// Seconds waited (issue to call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_s: Option<i64>,
    /// Seconds of service (call to completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_s: Option<i64>,
}

/// `POST /api/counters/{counter}/session` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignIn {
    /// NIP.
    pub nip: String,
    /// PIN.
    pub pin: String,
}

/// `POST /api/counters/{counter}/session` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionCreated {
    /// Bearer token for this counter's routes.
    pub session: String,
}

/// `POST /api/tickets/{ticket_id}/complete` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Completed {
    /// `{collector public url}/r/{token}`.
    pub rating_url: String,
    /// The QR code of `rating_url`, as SVG.
    pub qr_svg: String,
}

/// `POST /api/ratings` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewRating {
    /// The ticket rated (exact attribution).
    #[serde(default)]
    pub ticket_id: Option<String>,
    /// The tablet's counter, for a rating given between tickets.
    #[serde(default)]
    pub counter: Option<String>,
    /// 1..=4.
    pub score: i64,
    /// U1..U9, each 1..=4.
    #[serde(default)]
    pub answers: Option<Vec<i64>>,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/counters/{counter}/tablets` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TabletPaired {
    /// A bearer token for this counter's tablet routes (scripts, kiosk mode
    /// browsers that take a header).
    pub tablet_token: String,
    /// `/tablet/{counter}?pair=CODE`: opened once on the tablet within 15
    /// minutes, it pairs that browser (an HttpOnly cookie) and shows the
    /// rating screen.
    pub pair_url: String,
    /// When `pair_url` stops working.
    pub pair_expires_at: Timestamp,
}

/// `POST /api/ratings` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RatingCreated {
    /// Id.
    pub rating_id: RatingId,
}

/// A waiting ticket on the dashboard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Id.
    pub ticket_id: TicketId,
    /// Number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Seconds waited so far.
    pub waiting_s: i64,
}

/// A counter on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterStatus {
    /// Id.
    pub counter: String,
    /// Display name.
    pub name: String,
    /// `closed`, `idle` or `serving`.
    pub status: String,
    /// Name of the ASN signed in (never the NIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
    /// Number of the ticket being served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<String>,
    /// Whether the ASN signed in there is on a break (istirahat).
    #[serde(default)]
    pub on_break: bool,
    /// Since when the ticket being served is being served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving_since: Option<Timestamp>,
}

/// Today's figures on the dashboard (office-local day).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Today {
    /// Tickets issued.
    pub issued: u64,
    /// Tickets completed.
    pub served: u64,
    /// Tickets abandoned.
    pub abandoned: u64,
    /// Median wait of called tickets.
    pub wait_p50_s: Option<i64>,
    /// 90th percentile wait of called tickets.
    pub wait_p90_s: Option<i64>,
    /// Median service time of completed tickets.
    pub service_p50_s: Option<i64>,
    /// Ratings received.
    pub ratings: u64,
    /// Mean quick score.
    pub score_mean: Option<f64>,
}

/// `GET /api/dashboard` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dashboard {
    /// The office.
    pub office_id: String,
    /// The kiosk's clock.
    pub now: Timestamp,
    /// Waiting tickets, longest wait first.
    pub queue: Vec<QueueEntry>,
    /// Counters.
    pub counters: Vec<CounterStatus>,
    /// Today's figures.
    pub today: Today,
    /// Waits by hour of taking, today.
    #[serde(default)]
    pub hours: Vec<HourFigures>,
    /// The queue's length through the day.
    #[serde(default)]
    pub queue_profile: Vec<QueuePoint>,
    /// Tickets past their service standard.
    #[serde(default)]
    pub late: Vec<LateTicket>,
    /// Forwarding to the collector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxStatus>,
}

/// `GET /api/outbox` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxStatus {
    /// Sequence number the next event will get.
    pub next_seq: u64,
    /// Highest sequence the collector acknowledged.
    pub acked_through: u64,
    /// Events not yet acknowledged.
    pub pending: u64,
    /// Last forwarding error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Kiosk clock minus collector clock, seconds, when measured.
    pub clock_skew_s: Option<i64>,
    /// Since when the collector has been unreachable (absent when it answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_since: Option<Timestamp>,
    /// When the collector last acknowledged a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ack_at: Option<Timestamp>,
    /// This kiosk database's identity, sent with every batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<InstanceId>,
    /// The first sequence number sent under `instance_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_first_seq: Option<u64>,
    /// Something the operator must look at: the collector keeps refusing
    /// this kiosk's events, or took this database for a restored copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_use_the_api_md_type_tags_and_field_names() {
        let e: Event = serde_json::from_str(
            r#"{"type":"ticket_called","ticket_id":"01930000-0000-7000-8000-000000000001",
                "counter":"L1","nip":"196608011988031001","called_at":"2026-11-22T01:02:03Z"}"#,
        )
        .unwrap();
        assert!(matches!(e, Event::TicketCalled { .. }));
        let r: Event = serde_json::from_str(
            r#"{"type":"rating","rating_id":"01930000-0000-7000-8000-000000000002","counter":"L1",
                "channel":"tablet","score":4,"submitted_at":"2026-11-22T01:02:03Z"}"#,
        )
        .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["type"], "rating");
        assert_eq!(json["score"], 4);
        assert!(json.get("ticket_id").is_none());
    }

    #[test]
    fn an_event_with_an_invalid_value_does_not_parse() {
        let bad_score = r#"{"type":"rating","rating_id":"01930000-0000-7000-8000-000000000002",
            "channel":"tablet","score":5,"submitted_at":"2026-11-22T01:02:03Z"}"#;
        assert!(serde_json::from_str::<Event>(bad_score).is_err());
        let bad_nip =
            r#"{"type":"staff_signed_in","counter":"L1","nip":"123","at":"2026-11-22T01:02:03Z"}"#;
        assert!(serde_json::from_str::<Event>(bad_nip).is_err());
        assert!(serde_json::from_str::<Event>(r#"{"type":"unknown"}"#).is_err());
    }
}

// ---------------------------------------------------------------- reports

/// Visit and satisfaction figures of a period (used for `previous` too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// Completed service records.
    pub services: u64,
    /// Rated visits (see docs/API.md for what counts in each report).
    pub ratings: u64,
    /// Converted IKM (25..100), two decimals, from full responses.
    pub ikm: Option<f64>,
    /// Full 9-element responses behind `ikm`.
    pub ikm_responses: u64,
    /// Median wait, seconds (bucket resolution).
    pub wait_p50_s: Option<i64>,
    /// 90th percentile wait, seconds.
    pub wait_p90_s: Option<i64>,
    /// Median service time, seconds.
    pub service_p50_s: Option<i64>,
    /// Share of completed tickets within the service standard time.
    pub timeliness: Option<f64>,
    /// Ratings flagged as suspect (bursts without a ticket): kept, counted
    /// here, excluded from `ratings`, scores and the IKM.
    #[serde(default)]
    pub flagged: u64,
}

/// A row of `GET /api/v1/reports/offices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeReportRow {
    /// Office.
    pub office_id: String,
    /// Its name.
    pub name: String,
    /// This period.
    #[serde(flatten)]
    pub figures: PeriodFigures,
    /// Krejcie-Morgan minimum sample for a population of `services`.
    pub ikm_sample_min: u64,
    /// Whether `ikm_responses` is below `ikm_sample_min`.
    pub ikm_sample_short: bool,
    /// A, B, C or D from the rounded IKM.
    pub grade: Option<String>,
    /// The period of equal length just before.
    pub previous: PeriodFigures,
}

/// An ASN's figures on one service type (ASN are compared within types).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceShare {
    /// Service code.
    pub service: String,
    /// Completed service records of that service.
    pub services: u64,
    /// Ratings of those visits.
    pub ratings: u64,
    /// Their mean quick score.
    pub score_mean: Option<f64>,
    /// The office's mean quick score on the same service.
    pub office_score_mean: Option<f64>,
}

/// A row of `GET /api/v1/reports/asn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsnReportRow {
    /// The ASN's opaque reference (what page addresses carry; never the NIP).
    #[serde(default)]
    pub asn_ref: String,
    /// NIP.
    pub nip: String,
    /// Name (from the roster).
    pub name: String,
    /// Office.
    pub office_id: String,
    /// This period (ratings: those tied to this ASN's own tickets).
    #[serde(flatten)]
    pub figures: PeriodFigures,
    /// Tablet ratings without a ticket, by session.
    pub ratings_by_session: u64,
    /// ratings / services.
    pub response_rate: Option<f64>,
    /// Raw mean of quick scores.
    pub score_mean: Option<f64>,
    /// The office's mean per service, weighted by this ASN's service mix.
    pub expected: Option<f64>,
    /// Shrunk toward the expectation.
    pub score_adjusted: Option<f64>,
    /// 95% interval, low end.
    pub ci_low: Option<f64>,
    /// 95% interval, high end.
    pub ci_high: Option<f64>,
    /// `di_atas_ekspektasi`, `sesuai_ekspektasi`, `di_bawah_ekspektasi`, or
    /// null below the minimum count.
    pub band: Option<crate::fair::Band>,
    /// The period of equal length just before.
    pub previous: PeriodFigures,
    /// Per service type served, most served first.
    #[serde(default)]
    pub by_service: Vec<ServiceShare>,
    /// Ratings of their visits a head excluded from their score on review
    /// (left out of `ratings` and the scores; still in the office's IKM).
    #[serde(default)]
    pub excluded: u64,
}

/// `GET /api/v1/reports/offices` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Rows.
    pub rows: Vec<OfficeReportRow>,
}

/// `GET /api/v1/reports/asn` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AsnReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Rows.
    pub rows: Vec<AsnReportRow>,
}

/// One SKM element's line of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkmElement {
    /// `U1`..`U9`.
    pub code: String,
    /// The element's name (Bahasa Indonesia, as the regulation names it).
    pub name: String,
    /// Sum of its answers over the full responses.
    pub sum: u64,
    /// Its NRR (mean answer, 1..4).
    pub nrr: Option<f64>,
    /// NRR x 1/9.
    pub nrr_weighted: Option<f64>,
}

/// `GET /api/v1/reports/skm`: the official SKM report of an office and
/// period (PermenPAN-RB 14/2017); the .xlsx and the printable page carry the
/// same numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkmReport {
    /// Office.
    pub office_id: String,
    /// Its name (the unit of service).
    pub name: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Population served: completed service records in the period.
    pub population: u64,
    /// Full nine-element responses.
    pub respondents: u64,
    /// The Krejcie-Morgan minimum sample for the population.
    pub sample_min: u64,
    /// Whether `respondents` is below it.
    pub sample_short: bool,
    /// U1..U9.
    pub elements: Vec<SkmElement>,
    /// Sum of the weighted NRRs (the IKM before conversion, 1..4).
    pub nrr_weighted_total: Option<f64>,
    /// The converted IKM (25..100), two decimals.
    pub ikm: Option<f64>,
    /// Mutu pelayanan: A, B, C or D.
    pub grade: Option<String>,
    /// Kinerja unit pelayanan: the grade's words.
    pub kinerja: Option<String>,
    /// The three weakest elements' codes, weakest first: what the follow-up
    /// plan addresses.
    pub weakest: Vec<String>,
    /// Follow-up of the period's complaints (ratings of 1-2 with a comment).
    #[serde(default)]
    pub followup: crate::review::FollowUpFigures,
}

/// Visits and waits by office-local hour of arrival.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HourFigures {
    /// 0..23.
    pub hour: u8,
    /// Completed visits whose ticket was taken in that hour.
    pub visits: u64,
    /// Their mean wait, seconds.
    pub wait_mean_s: Option<i64>,
}

/// One week (Monday to Sunday, office-local) of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekFigures {
    /// The Monday.
    pub week_start: String,
    /// Completed service records.
    pub services: u64,
    /// Counted ratings.
    pub ratings: u64,
    /// Mean quick score.
    pub score_mean: Option<f64>,
    /// Median wait, seconds.
    pub wait_p50_s: Option<i64>,
    /// Converted IKM of the week's full responses.
    pub ikm: Option<f64>,
}

/// `GET /api/v1/reports/offices/{office_id}`: an office's report with the
/// figures behind its charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeDetail {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The office's row, as in `/api/v1/reports/offices`.
    pub row: OfficeReportRow,
    /// U1..U9 of the period's full responses.
    pub elements: Vec<SkmElement>,
    /// The three weakest elements' codes.
    pub weakest: Vec<String>,
    /// 24 hours.
    pub hours: Vec<HourFigures>,
    /// The period's weeks.
    pub weeks: Vec<WeekFigures>,
    /// Follow-up of the period's complaints.
    #[serde(default)]
    pub followup: crate::review::FollowUpFigures,
}

/// A comment on a rating attributed to an ASN, as the evidence page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceComment {
    /// The rating.
    pub rating_id: RatingId,
    /// Office-local day.
    pub day: String,
    /// Its quick score.
    pub score: u8,
    /// The citizen's words, as given (always escaped when shown).
    pub comment: String,
    /// Tablet or QR.
    pub channel: Channel,
    /// The ASN's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<crate::review::RatingReply>,
    /// The head's latest decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::review::RatingReview>,
    /// Its follow-up item, for a rating of 1 or 2 with a comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup: Option<crate::review::FollowUpStatus>,
}

/// `GET /api/v1/reports/asn/{asn_ref}`: the evidence behind one ASN's
/// figures for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsnEvidence {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The ASN's row, as in `/api/v1/reports/asn`.
    pub row: AsnReportRow,
    /// Counted quick scores 1..4 of visits they served.
    pub score_counts: [u64; 4],
    /// U6 (competence) NRR of full responses about their visits.
    pub u6_nrr: Option<f64>,
    /// U7 (behaviour) NRR of the same.
    pub u7_nrr: Option<f64>,
    /// Service time, 90th percentile, seconds.
    pub service_p90_s: Option<i64>,
    /// The office's response rate, for comparison.
    pub office_response_rate: Option<f64>,
    /// Comments on counted ratings of their visits (flagged and duplicate
    /// ratings left out), newest first.
    pub comments: Vec<EvidenceComment>,
    /// Their weeks.
    pub weeks: Vec<WeekFigures>,
}

/// `POST /api/v1/users` body: a person who signs in to the report pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    /// Sign-in name: 3 to 32 of a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    /// At least 10 characters.
    pub password: String,
    /// `hr` or `head`.
    pub role: String,
    /// The office, for `head`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<String>,
}

/// `POST /api/v1/users` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserCreated {
    /// Sign-in name.
    pub username: String,
    /// `hr` or `head`.
    pub role: String,
    /// The office, for `head`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<String>,
}

/// A call on the display board (a first call or a recall).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayCall {
    /// Grows with every call since the kiosk started: a board announces
    /// each call id once.
    pub call_id: u64,
    /// The ticket's number, e.g. `A-017`.
    pub number: String,
    /// The counter's id, e.g. `L2`.
    pub counter: String,
    /// The counter's name, e.g. `Loket 2`.
    pub counter_name: String,
    /// When it was called (or called again).
    pub called_at: Timestamp,
    /// Whether this is a recall of a ticket called before.
    #[serde(default)]
    pub recall: bool,
    /// The board's audio clips for it, in the order they are played (paths
    /// on the kiosk, e.g. `/audio/chime.wav`).
    #[serde(default)]
    pub audio: Vec<String>,
    /// The same words as text, for a browser's speech voice.
    #[serde(default)]
    pub spoken: String,
}

/// Tickets waiting for one service, on the display board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayWaiting {
    /// Service code.
    pub service: String,
    /// Its name.
    pub name: String,
    /// Its ticket prefix.
    pub prefix: String,
    /// How many wait.
    pub waiting: u64,
}

/// `GET /api/display`: what the display board shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Display {
    /// The office.
    pub office_id: String,
    /// Its name.
    pub office_name: String,
    /// The office's IANA time zone (the board's clock).
    pub tz: String,
    /// Its abbreviation now: WIB, WITA or WIT.
    pub tz_abbreviation: String,
    /// Its offset from UTC now, in seconds (Indonesia has no summer time).
    pub utc_offset_s: i32,
    /// The kiosk's clock.
    pub now: Timestamp,
    /// The calls, newest first (at most 20).
    pub calls: Vec<DisplayCall>,
    /// Waiting per service.
    pub waiting: Vec<DisplayWaiting>,
    /// The counters (open, on a break, closed).
    pub counters: Vec<CounterStatus>,
}

/// `POST /api/tickets/{ticket_id}/transfer` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTransfer {
    /// The service the citizen goes on to.
    pub service: String,
}

/// `POST /api/counters/{counter}/break` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BreakChange {
    /// `true` starts a break, `false` ends it.
    pub on: bool,
}

/// `GET /t/{token}/status`: where a ticket stands, for its phone page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketLinkStatus {
    /// `unknown` (not at the collector yet), `waiting`, `called`,
    /// `completed`, `abandoned` or `expired`.
    pub state: String,
    /// The ticket's number, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// While waiting: how many wait before it for the same service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ahead: Option<u64>,
    /// Once called: the counter's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_name: Option<String>,
    /// Whether the visit has its rating.
    #[serde(default)]
    pub rated: bool,
}

/// The queue's length at one moment of the day (the highest of five
/// minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePoint {
    /// Office-local minutes since midnight.
    pub minute: u16,
    /// Tickets waiting.
    pub waiting: u32,
}

/// A ticket past its service's standard waiting time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateTicket {
    /// Ticket.
    pub ticket_id: TicketId,
    /// Number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Its name.
    pub service_name: String,
    /// Seconds it waited (so far, while it waits).
    pub waited_s: i64,
    /// The service's standard, seconds.
    pub target_s: i64,
    /// Still waiting (else called late today).
    pub waiting: bool,
}

/// `GET /api/v1/reports/offices/{office_id}/live`: an office's floor now, as
/// far as its kiosks' events have arrived (the same figures as the kiosk's
/// dashboard).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveOffice {
    /// Office.
    pub office_id: String,
    /// Its name.
    pub name: String,
    /// The collector's clock.
    pub now: Timestamp,
    /// When the last batch from the office's kiosks arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<Timestamp>,
    /// Waiting tickets in calling order.
    pub queue: Vec<QueueEntry>,
    /// Counters.
    pub counters: Vec<CounterStatus>,
    /// Today's figures (office-local day).
    pub today: Today,
    /// Waits by hour of taking, today.
    pub hours: Vec<HourFigures>,
    /// The queue's length through the day.
    pub queue_profile: Vec<QueuePoint>,
    /// Tickets past their service standard.
    pub late: Vec<LateTicket>,
}
