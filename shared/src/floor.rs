//! An office's floor today, from its tickets: the queue in calling order,
//! today's figures, waits by hour, the queue's length through the day and
//! the tickets past their service standard. The kiosk's dashboard computes
//! it from its own state, the collector's live view from forwarded events;
//! both get the same figures from the same tickets.

use jiff::{SignedDuration, Timestamp};

use crate::ids::{ServiceCode, TicketId};
use crate::office::Office;
use crate::wire::{HourFigures, LateTicket, QueueEntry, QueuePoint, Today};

/// A ticket as the floor sees it.
#[derive(Debug, Clone)]
pub struct FloorTicket {
    /// Id.
    pub id: TicketId,
    /// Number, e.g. `A-017`.
    pub number: String,
    /// Service.
    pub service: ServiceCode,
    /// Taken (for a transferred visit: sent on).
    pub issued_at: Timestamp,
    /// Called.
    pub called_at: Option<Timestamp>,
    /// Completed.
    pub completed_at: Option<Timestamp>,
    /// Abandoned.
    pub abandoned_at: Option<Timestamp>,
    /// A visit sent on from another service: called before new arrivals.
    pub transferred: bool,
}

impl FloorTicket {
    /// Whether it waits to be called.
    pub fn waiting(&self) -> bool {
        self.called_at.is_none() && self.completed_at.is_none() && self.abandoned_at.is_none()
    }

    /// The calling order: transferred visits first, then by time taken.
    pub fn queue_key(&self) -> (bool, Timestamp, TicketId) {
        (!self.transferred, self.issued_at, self.id)
    }

    /// When it left the queue (called, or abandoned while waiting).
    fn left_queue(&self) -> Option<Timestamp> {
        self.called_at.or(self.abandoned_at)
    }
}

/// What the floor shows, but the counters and ratings (each server knows
/// those its own way).
#[derive(Debug, Clone, Default)]
pub struct FloorFigures {
    /// Waiting tickets in calling order.
    pub queue: Vec<QueueEntry>,
    /// Today's figures; `ratings` and `score_mean` are left empty.
    pub today: Today,
    /// Waits of today's called tickets by office-local hour of taking.
    pub hours: Vec<HourFigures>,
    /// How many waited, through the day.
    pub queue_profile: Vec<QueuePoint>,
    /// Tickets past their service standard: those still waiting, longest
    /// first, then today's called late, latest first.
    pub late: Vec<LateTicket>,
}

/// The queue's length is sampled every this many minutes (its highest).
pub const PROFILE_STEP_MIN: i64 = 5;

/// At most this many tickets called late today are listed.
pub const LATE_CALLED_SHOWN: usize = 10;

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The figures of `office`'s floor on its local day of `now`, from its
/// tickets (any order; tickets of other days are ignored but for those
/// still waiting).
pub fn figures(office: &Office, tickets: &[FloorTicket], now: Timestamp) -> FloorFigures {
    let tz = &office.tz;
    let today = tz.day_of(now);
    let on_today = |ts: Option<Timestamp>| ts.is_some_and(|t| tz.day_of(t) == today);
    let target_s = |code: &ServiceCode| {
        office
            .service(code)
            .map(|s| i64::from(s.target_minutes) * 60)
            .filter(|t| *t > 0)
    };
    let name_of = |code: &ServiceCode| {
        office
            .service(code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| code.to_string())
    };

    let mut waiting: Vec<&FloorTicket> = tickets.iter().filter(|t| t.waiting()).collect();
    waiting.sort_by_key(|t| t.queue_key());
    let queue: Vec<QueueEntry> = waiting
        .iter()
        .map(|t| QueueEntry {
            ticket_id: t.id,
            number: t.number.clone(),
            service: t.service.to_string(),
            waiting_s: now.duration_since(t.issued_at).as_secs().max(0),
        })
        .collect();

    let mut f = Today::default();
    let (mut waits, mut services) = (Vec::new(), Vec::new());
    let mut hour_sum = [0i64; 24];
    let mut hour_n = [0u64; 24];
    let mut late_called = Vec::new();
    for t in tickets {
        if on_today(Some(t.issued_at)) && !t.transferred {
            f.issued += 1;
        }
        if let Some(called) = t.called_at.filter(|c| on_today(Some(*c))) {
            let wait = called.duration_since(t.issued_at).as_secs().max(0);
            waits.push(wait);
            let h = tz.zoned(t.issued_at).hour() as usize;
            hour_sum[h] += wait;
            hour_n[h] += 1;
            if let Some(target) = target_s(&t.service).filter(|target| wait > *target) {
                late_called.push((called, t, wait, target));
            }
        }
        if let (Some(called), Some(done)) = (t.called_at, t.completed_at)
            && on_today(Some(done))
        {
            f.served += 1;
            services.push(done.duration_since(called).as_secs().max(0));
        }
        if on_today(t.abandoned_at) {
            f.abandoned += 1;
        }
    }
    waits.sort_unstable();
    services.sort_unstable();
    f.wait_p50_s = percentile(&waits, 0.5);
    f.wait_p90_s = percentile(&waits, 0.9);
    f.service_p50_s = percentile(&services, 0.5);

    let hours = (0..24)
        .filter(|h| hour_n[*h] > 0)
        .map(|h| HourFigures {
            hour: h as u8,
            visits: hour_n[h],
            wait_mean_s: Some(hour_sum[h] / hour_n[h] as i64),
        })
        .collect();

    let mut late: Vec<LateTicket> = waiting
        .iter()
        .filter_map(|t| {
            let target = target_s(&t.service)?;
            let waited = now.duration_since(t.issued_at).as_secs();
            (waited > target).then(|| LateTicket {
                ticket_id: t.id,
                number: t.number.clone(),
                service: t.service.to_string(),
                service_name: name_of(&t.service),
                waited_s: waited,
                target_s: target,
                waiting: true,
            })
        })
        .collect();
    late.sort_by_key(|l| std::cmp::Reverse(l.waited_s));
    late_called.sort_by_key(|(called, ..)| std::cmp::Reverse(*called));
    late.extend(
        late_called
            .into_iter()
            .take(LATE_CALLED_SHOWN)
            .map(|(_, t, wait, target)| LateTicket {
                ticket_id: t.id,
                number: t.number.clone(),
                service: t.service.to_string(),
                service_name: name_of(&t.service),
                waited_s: wait,
                target_s: target,
                waiting: false,
            }),
    );

    FloorFigures {
        queue,
        today: f,
        hours,
        queue_profile: profile(office, tickets, now),
        late,
    }
}

/// The queue's length through the day: for every [`PROFILE_STEP_MIN`]
/// minutes from the first ticket of the day to `now`, the most tickets
/// waiting at once.
fn profile(office: &Office, tickets: &[FloorTicket], now: Timestamp) -> Vec<QueuePoint> {
    let tz = &office.tz;
    let day_start = tz.start_of_day(tz.day_of(now));
    // (time, +1 joins / -1 leaves), the joins of a moment before its leaves.
    let mut changes: Vec<(Timestamp, i32)> = Vec::new();
    let mut before = 0i32;
    for t in tickets {
        let left = t.left_queue();
        if left.is_some_and(|l| l < day_start) || t.issued_at >= now {
            continue;
        }
        if t.issued_at < day_start {
            before += 1;
        } else {
            changes.push((t.issued_at, 1));
        }
        if let Some(l) = left.filter(|l| *l < now) {
            changes.push((l, -1));
        }
    }
    changes.sort_by_key(|(at, d)| (*at, -*d));
    let Some(first) = changes
        .first()
        .map(|c| c.0)
        .or((before > 0).then_some(day_start))
    else {
        return Vec::new();
    };
    let step = SignedDuration::from_mins(PROFILE_STEP_MIN);
    let minutes = |at: Timestamp| (at.duration_since(day_start).as_secs() / 60).max(0);
    let mut bucket_start =
        day_start + SignedDuration::from_mins(minutes(first) / PROFILE_STEP_MIN * PROFILE_STEP_MIN);
    let mut out = Vec::new();
    let mut level = before;
    let mut i = 0;
    while bucket_start < now {
        let end = bucket_start + step;
        let mut high = level;
        while i < changes.len() && changes[i].0 < end {
            level += changes[i].1;
            high = high.max(level);
            i += 1;
        }
        out.push(QueuePoint {
            minute: minutes(bucket_start) as u16,
            waiting: high.max(0) as u32,
        });
        bucket_start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OfficeId;
    use crate::wire::OfficeSpec;

    fn office() -> Office {
        let spec: OfficeSpec = serde_json::from_value(serde_json::json!({
            "name": "Kantor Camat Alak", "tz": "Asia/Makassar",
            "services": [
                {"code": "ktp", "name": "KTP-el", "prefix": "A", "target_minutes": 30},
                {"code": "akta", "name": "Akta", "prefix": "C", "target_minutes": 60}
            ],
            "counters": [{"id": "L1", "name": "Loket 1", "services": ["ktp", "akta"]}]
        }))
        .unwrap();
        Office::parse(OfficeId::parse("alak").unwrap(), spec).unwrap()
    }

    fn at(hm: &str) -> Timestamp {
        // WITA is UTC+8.
        format!("2026-12-01T{hm}:00+08:00").parse().unwrap()
    }

    fn ticket(n: u8, issued: &str) -> FloorTicket {
        FloorTicket {
            id: TicketId(uuid::Uuid::from_u128(u128::from(n))),
            number: format!("A-{n:03}"),
            service: ServiceCode::parse("ktp").unwrap(),
            issued_at: at(issued),
            called_at: None,
            completed_at: None,
            abandoned_at: None,
            transferred: false,
        }
    }

    #[test]
    fn the_queue_puts_transferred_visits_first_then_the_oldest() {
        let a = ticket(1, "08:00");
        let b = ticket(2, "08:05");
        let mut c = ticket(3, "08:10");
        c.transferred = true;
        let f = figures(&office(), &[a, b, c], at("08:20"));
        let order: Vec<&str> = f.queue.iter().map(|q| q.number.as_str()).collect();
        assert_eq!(order, ["A-003", "A-001", "A-002"]);
        assert_eq!(f.queue[1].waiting_s, 20 * 60);
        // A transferred visit is not a second ticket taken.
        assert_eq!(f.today.issued, 2);
    }

    #[test]
    fn waits_service_times_and_hours_count_todays_calls() {
        let mut a = ticket(1, "08:00");
        a.called_at = Some(at("08:10"));
        a.completed_at = Some(at("08:16"));
        let mut b = ticket(2, "09:30");
        b.called_at = Some(at("10:20"));
        let mut c = ticket(3, "09:40");
        c.abandoned_at = Some(at("10:00"));
        let f = figures(&office(), &[a, b, c], at("11:00"));
        assert_eq!(
            (f.today.issued, f.today.served, f.today.abandoned),
            (3, 1, 1)
        );
        assert_eq!(f.today.wait_p50_s, Some(600));
        assert_eq!(f.today.wait_p90_s, Some(3000));
        assert_eq!(f.today.service_p50_s, Some(360));
        let hours: Vec<(u8, u64, Option<i64>)> = f
            .hours
            .iter()
            .map(|h| (h.hour, h.visits, h.wait_mean_s))
            .collect();
        assert_eq!(hours, [(8, 1, Some(600)), (9, 1, Some(3000))]);
        // B waited 50 minutes against a 30-minute standard.
        assert_eq!(f.late.len(), 1);
        assert_eq!(
            (f.late[0].number.as_str(), f.late[0].waiting),
            ("A-002", false)
        );
        assert_eq!((f.late[0].waited_s, f.late[0].target_s), (3000, 1800));
    }

    #[test]
    fn tickets_still_waiting_past_the_standard_come_first_longest_first() {
        let a = ticket(1, "08:00");
        let b = ticket(2, "07:50");
        let c = ticket(3, "08:40");
        let mut akta = ticket(4, "08:10");
        akta.service = ServiceCode::parse("akta").unwrap();
        let f = figures(&office(), &[a, b, c, akta], at("09:00"));
        let late: Vec<(&str, i64)> = f
            .late
            .iter()
            .map(|l| (l.number.as_str(), l.waited_s))
            .collect();
        // C is within 30 minutes; akta's standard is an hour.
        assert_eq!(late, [("A-002", 70 * 60), ("A-001", 60 * 60)]);
        assert!(f.late.iter().all(|l| l.waiting));
    }

    #[test]
    fn the_queue_profile_has_the_highest_length_of_every_five_minutes() {
        let mut a = ticket(1, "08:01");
        a.called_at = Some(at("08:07"));
        let mut b = ticket(2, "08:02");
        b.called_at = Some(at("08:12"));
        let c = ticket(3, "08:03");
        let f = figures(&office(), &[a, b, c], at("08:20"));
        let points: Vec<(u16, u32)> = f
            .queue_profile
            .iter()
            .map(|p| (p.minute, p.waiting))
            .collect();
        assert_eq!(
            points,
            [
                (8 * 60, 3),
                (8 * 60 + 5, 3),
                (8 * 60 + 10, 2),
                (8 * 60 + 15, 1)
            ]
        );
    }

    #[test]
    fn a_day_without_tickets_has_an_empty_profile() {
        let f = figures(&office(), &[], at("08:20"));
        assert!(f.queue_profile.is_empty() && f.queue.is_empty() && f.hours.is_empty());
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(percentile(&(1..=10).collect::<Vec<_>>(), 0.9), Some(9));
    }
}
