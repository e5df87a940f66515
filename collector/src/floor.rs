//! The office floor as the collector knows it from forwarded events: where
//! a ticket stands (its phone link, `/t/{token}`), and an office's live
//! view for its head and HR (the same figures as the kiosk's dashboard,
//! as fresh as the last batch). Read transactions only.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use redb::{Database, ReadableDatabase};
use shared::floor::{FloorTicket, figures};
use shared::wire::{CounterStatus, LiveOffice, TicketLinkStatus, Today};
use shared::{Office, OfficeId, TicketId};

use crate::ingest::{COUNTERS, CounterLive, IngestError, OFFICE_SEEN, TICKETS, TicketRec};
use crate::rollup::Rollup;

/// A chain of transfers is followed at most this far (a visit goes on to
/// another service a few times at most; the bound guards against a loop).
const MAX_TRANSFERS: usize = 16;

/// Tickets taken more than this long before the office's day began are not
/// scanned (their ids carry the kiosk's clock, which may be corrected).
const SCAN_MARGIN: SignedDuration = SignedDuration::from_hours(48);

/// The lowest UUID v7 made at `at`: the key of the first ticket taken then.
pub(crate) fn v7_floor(at: Timestamp) -> u128 {
    let ms = u128::try_from(at.as_millisecond().max(0)).unwrap_or(0);
    (ms & 0xFFFF_FFFF_FFFF) << 80
}

fn floor_ticket(id: TicketId, t: &TicketRec) -> FloorTicket {
    FloorTicket {
        id,
        number: t.number.to_string(),
        service: t.service.clone(),
        issued_at: t.issued_at,
        called_at: t.called_at,
        completed_at: t.completed_at,
        abandoned_at: t.abandoned_at,
        transferred: t.transferred_from.is_some(),
    }
}

/// Every ticket of `office` taken on the office-local day of `now` (and
/// those still waiting from the two days before).
fn tickets_of_day(
    db: &Database,
    office: &Office,
    now: Timestamp,
) -> Result<Vec<(TicketId, TicketRec)>, IngestError> {
    let tz = &office.tz;
    let day = tz.day_of(now);
    let start = tz.start_of_day(day);
    let r = db.begin_read()?;
    let t = r.open_table(TICKETS)?;
    let o = office.id.as_str();
    let mut out = Vec::new();
    for row in t.range((o, v7_floor(start - SCAN_MARGIN))..=(o, u128::MAX))? {
        let (k, v) = row?;
        let rec: TicketRec = serde_json::from_slice(v.value())?;
        let today = tz.day_of(rec.issued_at) == day;
        let open =
            rec.called_at.is_none() && rec.completed_at.is_none() && rec.abandoned_at.is_none();
        if today || open {
            out.push((TicketId(uuid::Uuid::from_u128(k.value().1)), rec));
        }
    }
    Ok(out)
}

/// A ticket and the tickets its visit went on to, first to last.
pub fn visit(
    db: &Database,
    office: &OfficeId,
    first: TicketId,
) -> Result<Vec<(TicketId, TicketRec)>, IngestError> {
    let r = db.begin_read()?;
    let t = r.open_table(TICKETS)?;
    let mut out: Vec<(TicketId, TicketRec)> = Vec::new();
    let mut next = Some(first);
    while let Some(id) = next.take() {
        if out.len() >= MAX_TRANSFERS || out.iter().any(|(seen, _)| *seen == id) {
            break;
        }
        let Some(v) = t.get((office.as_str(), id.as_u128()))? else {
            break;
        };
        let rec: TicketRec = serde_json::from_slice(v.value())?;
        next = rec.transferred_to;
        out.push((id, rec));
    }
    Ok(out)
}

/// Where a visit stands now (its last ticket), for the phone link: the
/// state is `unknown`, `waiting`, `called`, `completed` or `abandoned`
/// (whether it was rated, or is too old to rate, the caller adds).
pub fn link_status(
    db: &Database,
    office: &Office,
    first: TicketId,
    now: Timestamp,
) -> Result<(TicketLinkStatus, Option<(TicketId, TicketRec)>), IngestError> {
    let chain = visit(db, &office.id, first)?;
    let Some((id, last)) = chain.last().cloned() else {
        return Ok((
            TicketLinkStatus {
                state: "unknown".into(),
                number: None,
                ahead: None,
                counter_name: None,
                rated: false,
            },
            None,
        ));
    };
    let counter_name = last
        .counter
        .as_ref()
        .and_then(|c| office.counter(c))
        .map(|c| c.name.clone());
    let (state, ahead) = if last.abandoned_at.is_some() {
        ("abandoned", None)
    } else if last.completed_at.is_some() {
        ("completed", None)
    } else if last.called_at.is_some() {
        ("called", None)
    } else {
        let me = floor_ticket(id, &last);
        let ahead = tickets_of_day(db, office, now)?
            .iter()
            .filter(|(other, rec)| {
                let o = floor_ticket(*other, rec);
                o.waiting() && o.service == me.service && o.queue_key() < me.queue_key()
            })
            .count() as u64;
        ("waiting", Some(ahead))
    };
    Ok((
        TicketLinkStatus {
            state: state.into(),
            number: Some(last.number.to_string()),
            ahead,
            counter_name,
            rated: false,
        },
        Some((id, last)),
    ))
}

/// An office's live view (`names`: NIP -> name, from the roster).
pub fn live(
    db: &Database,
    office: &Office,
    names: &HashMap<String, String>,
    now: Timestamp,
) -> Result<LiveOffice, IngestError> {
    let tickets: Vec<FloorTicket> = tickets_of_day(db, office, now)?
        .iter()
        .map(|(id, t)| floor_ticket(*id, t))
        .collect();
    let f = figures(office, &tickets, now);
    let r = db.begin_read()?;
    let counters_t = r.open_table(COUNTERS)?;
    let mut counters = Vec::with_capacity(office.counters.len());
    for c in &office.counters {
        let live: CounterLive = match counters_t.get((office.id.as_str(), c.id.as_str()))? {
            Some(v) => serde_json::from_slice(v.value())?,
            None => CounterLive::default(),
        };
        let open = live.since.is_some();
        counters.push(CounterStatus {
            counter: c.id.to_string(),
            name: c.name.clone(),
            status: match (open, &live.serving) {
                (false, _) => "closed",
                (true, Some(_)) => "serving",
                (true, None) => "idle",
            }
            .into(),
            staff_name: live
                .nip
                .as_ref()
                .and_then(|n| names.get(n.as_str()).cloned()),
            serving: live.serving.as_ref().map(|s| s.1.clone()),
            on_break: open && live.on_break,
            serving_since: live.serving.as_ref().map(|s| s.2),
        });
    }
    // Today's ratings from the day's rollups.
    let today = crate::layout::day_key(office.tz.day_of(now));
    let o = office.id.as_str();
    let mut scores = [0u64; 4];
    let span = crate::layout::Span {
        months: None,
        days: vec![(today, today)],
    };
    crate::layout::office_rows(&r, o, &span, true, |x| {
        let roll = Rollup::decode(x.value)?;
        for (i, s) in scores.iter_mut().enumerate() {
            *s += roll.scores[i] + roll.session_scores[i];
        }
        Ok(())
    })?;
    let ratings: u64 = scores.iter().sum();
    let sum: u64 = scores
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u64 + 1) * n)
        .sum();
    let seen = r.open_table(OFFICE_SEEN)?;
    let last_event_at = seen
        .get(o)?
        .and_then(|v| Timestamp::from_millisecond(v.value()).ok());
    Ok(LiveOffice {
        office_id: office.id.to_string(),
        name: office.name.clone(),
        now,
        last_event_at,
        queue: f.queue,
        counters,
        today: Today {
            ratings,
            score_mean: (ratings > 0).then(|| sum as f64 / ratings as f64),
            ..f.today
        },
        hours: f.hours,
        queue_profile: f.queue_profile,
        late: f.late,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v7_floor_sorts_before_every_id_made_at_that_millisecond() {
        let at: Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            at.as_second() as u64,
            at.subsec_nanosecond() as u32,
        );
        let id = uuid::Uuid::new_v7(ts).as_u128();
        assert!(v7_floor(at) <= id);
        assert!(v7_floor(at + SignedDuration::from_millis(1)) > id);
    }
}
