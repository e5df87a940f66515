//! The ingest workload: realistic kiosk events, generated deterministically
//! and serialized exactly as a kiosk stores and forwards them.

use std::collections::HashMap;

use e2e::demo_data::DemoOffice;
use jiff::civil::Date;
use jiff::{SignedDuration, Span, Timestamp};
use serde_json::value::RawValue;
use shared::wire::{Batch, Channel, Event, RatingEvent};
use shared::{
    Comment, CounterId, InstanceId, Nip, OfficeTz, RatingId, Score, ServiceCode, ServicePrefix,
    SkmAnswers, TicketId, TicketNumber,
};
use uuid::Uuid;

/// SplitMix64: a deterministic workload without a `rand` dependency.
pub struct Rng(u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn secs(&mut self, from: i64, span: u64) -> SignedDuration {
        SignedDuration::from_secs(from + self.below(span) as i64)
    }
}

/// A UUID v7 for an instant, as the kiosk makes them (`now_v7()` at the
/// moment the ticket or rating is created): keys stay time-ordered.
pub fn v7_at(at: Timestamp) -> Uuid {
    let nanos = u32::try_from(at.subsec_nanosecond()).unwrap_or(0);
    let secs = u64::try_from(at.as_second()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

/// One citizen's visit at a counter.
struct Visit {
    counter: usize,
    service: ServiceCode,
    issued_at: Timestamp,
    called_at: Timestamp,
    /// Completed, or (`no_show`) abandoned at this time.
    done_at: Timestamp,
    no_show: bool,
    rating: Option<(Timestamp, u8, bool, bool)>,
}

/// `n` events of one office's kiosk, serialized exactly as the kiosk stores
/// and forwards them: office days from 08:00 to 16:00 local time, each
/// counter's ASN signed in, serving one citizen after another (3-12 min,
/// after a 1-25 min wait), 3% no-shows, 85% of visits rated on the tablet
/// (30% of those with the nine-question survey, 5% with a comment). Days run
/// up to today, in the office's own zone; events are in time order.
pub fn office_events(office: &DemoOffice, n: usize, seed: u64) -> anyhow::Result<Vec<Vec<u8>>> {
    let tz = OfficeTz::parse(&office.spec.tz)?;
    let staff: Vec<Nip> = office
        .staff
        .iter()
        .map(|(nip, _, _)| Nip::parse(nip))
        .collect::<Result<_, _>>()?;
    let mut counters: Vec<(CounterId, Vec<ServiceCode>)> = Vec::new();
    for c in &office.spec.counters {
        let services = c.services.iter().map(|s| ServiceCode::parse(s));
        counters.push((
            CounterId::parse(&c.id)?,
            services.collect::<Result<_, _>>()?,
        ));
    }
    let prefixes: HashMap<ServiceCode, ServicePrefix> = office
        .spec
        .services
        .iter()
        .map(|s| {
            Ok((
                ServiceCode::parse(&s.code)?,
                ServicePrefix::parse(&s.prefix)?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let comment = Comment::new("Pelayanan cepat, petugas ramah. Terima kasih.")?;
    let mut rng = Rng(seed);
    // About 45 visits per counter and day, ~3.9 events each.
    let per_day = (counters.len() * 45 * 39 / 10 + 2 * counters.len()).max(1);
    let days = i64::try_from(n / per_day + 2)?;
    let mut day: Date = tz
        .day_of(Timestamp::now())
        .checked_sub(Span::new().days(days))?;
    let mut timed: Vec<(Timestamp, Event)> = Vec::with_capacity(n + per_day);
    while timed.len() < n {
        let open = tz.start_of_day(day) + SignedDuration::from_hours(8);
        let close = open + SignedDuration::from_hours(8);
        let mut visits = Vec::new();
        for (c, (counter, services)) in counters.iter().enumerate() {
            let nip = staff[c % staff.len()].clone();
            timed.push((
                open - SignedDuration::from_mins(10),
                Event::StaffSignedIn {
                    counter: counter.clone(),
                    nip: nip.clone(),
                    at: open - SignedDuration::from_mins(10),
                },
            ));
            timed.push((
                close + SignedDuration::from_mins(15),
                Event::StaffSignedOut {
                    counter: counter.clone(),
                    nip,
                    at: close + SignedDuration::from_mins(15),
                },
            ));
            let mut t = open + rng.secs(0, 300);
            while t < close {
                let service = services[rng.below(services.len() as u64) as usize].clone();
                let issued_at = (t - rng.secs(60, 1440)).max(open - SignedDuration::from_mins(30));
                let no_show = rng.below(100) < 3;
                let done_at = if no_show {
                    t + rng.secs(60, 60)
                } else {
                    t + rng.secs(180, 540)
                };
                let rating = (!no_show && rng.below(100) < 85).then(|| {
                    (
                        done_at + rng.secs(10, 110),
                        1 + rng.below(4) as u8,
                        rng.below(100) < 30,
                        rng.below(100) < 5,
                    )
                });
                visits.push(Visit {
                    counter: c,
                    service,
                    issued_at,
                    called_at: t,
                    done_at,
                    no_show,
                    rating,
                });
                t = done_at + rng.secs(20, 100);
            }
        }
        // Numbers are given in the order citizens take them, per service.
        visits.sort_by_key(|v| v.issued_at);
        let mut numbers: HashMap<&ServiceCode, u32> = HashMap::new();
        for v in &visits {
            let number = numbers.entry(&v.service).or_insert(0);
            *number += 1;
            let prefix = prefixes
                .get(&v.service)
                .ok_or_else(|| anyhow::anyhow!("service {} has no prefix", v.service))?;
            let ticket_id = TicketId(v7_at(v.issued_at));
            let (counter, nip) = (
                counters[v.counter].0.clone(),
                staff[v.counter % staff.len()].clone(),
            );
            timed.push((
                v.issued_at,
                Event::TicketIssued {
                    ticket_id,
                    number: TicketNumber::new(prefix.clone(), *number),
                    service: v.service.clone(),
                    issued_at: v.issued_at,
                },
            ));
            timed.push((
                v.called_at,
                Event::TicketCalled {
                    ticket_id,
                    counter,
                    nip,
                    called_at: v.called_at,
                },
            ));
            if v.no_show {
                timed.push((
                    v.done_at,
                    Event::TicketAbandoned {
                        ticket_id,
                        at: v.done_at,
                    },
                ));
                continue;
            }
            timed.push((
                v.done_at,
                Event::TicketCompleted {
                    ticket_id,
                    completed_at: v.done_at,
                },
            ));
            if let Some((at, score, survey, with_comment)) = v.rating {
                let s = i64::from(score);
                let answers = survey
                    .then(|| SkmAnswers::new(&[s, 3, s, 4, 3, s, s, 3, 4]))
                    .transpose()?;
                timed.push((
                    at,
                    Event::Rating(RatingEvent {
                        rating_id: RatingId(v7_at(at)),
                        ticket_id: Some(ticket_id),
                        counter: None,
                        nip: None,
                        channel: Channel::Tablet,
                        score: Score::new(s)?,
                        answers,
                        comment: if with_comment { comment.clone() } else { None },
                        submitted_at: at,
                        flagged: false,
                    }),
                ));
            }
        }
        day = day.tomorrow()?;
    }
    // Stable: events of one instant keep the order they were made in.
    timed.sort_by_key(|(at, _)| *at);
    timed.truncate(n);
    timed
        .iter()
        .map(|(_, e)| serde_json::to_vec(e).map_err(Into::into))
        .collect()
}

/// `total` split over `parts` as evenly as possible.
pub fn split(total: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| total / parts + usize::from(i < total % parts))
        .collect()
}

/// A batch body as the forwarder builds it: the stored JSON of each event,
/// in the one wire type.
pub fn batch_body(
    first_seq: u64,
    instance: InstanceId,
    events: &[Vec<u8>],
) -> anyhow::Result<Vec<u8>> {
    let events = events
        .iter()
        .map(|e| Ok(RawValue::from_string(String::from_utf8(e.clone())?)?))
        .collect::<anyhow::Result<Vec<Box<RawValue>>>>()?;
    Ok(serde_json::to_vec(&Batch {
        first_seq,
        instance: Some(instance),
        events,
    })?)
}
