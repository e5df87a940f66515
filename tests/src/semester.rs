//! A real-looking history for the demo: months of visits at a demo office,
//! as the office's kiosk would have recorded them, so the report pages show
//! something a newcomer can read. Deterministic (seeded), so two runs give
//! the same history.
//!
//! The shape: offices open 08:00-15:00 office-local, Monday to Friday;
//! mornings are busy (arrivals peak at 09:00, a lull at noon); waits grow
//! with the morning queue and differ by service; service times follow each
//! service's standard. The ASN differ on purpose, so the fairness rule shows:
//! the first is steady and serves many, the second is excellent but works a
//! day a week (few ratings: the adjusted score is pulled toward the office,
//! and there is no band below 30 ratings), the third is weaker. Survey
//! answers follow the score, with each office weakest on its own elements;
//! some citizens leave a comment in Indonesian; now and then a counter's
//! tablet sends a burst of ratings without a ticket, which the kiosk flags.

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp};
use shared::wire::{Channel, Event, RatingEvent};
use shared::{
    Comment, CounterId, Nip, OfficeTz, RatingId, Score, ServiceCode, ServicePrefix, SkmAnswers,
    TicketId, TicketNumber,
};

use crate::demo_data::DemoOffice;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in 0..1.
    pub fn unit(&mut self) -> f64 {
        (self.bits() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.bits() % n.max(1)
    }

    /// Whether an event of probability `p` happens.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A UUID v7 whose time is `at` (so tables keyed by it stay in time order).
pub fn v7_at(at: Timestamp, rng: &mut Rng) -> uuid::Uuid {
    let ms = at.as_millisecond().max(0) as u64;
    let rand = rng.bits();
    let hi = (ms << 16) | 0x7000 | (rand & 0x0fff);
    let lo = (rng.bits() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    uuid::Uuid::from_u64_pair(hi, lo)
}

/// How an ASN works and is rated in the demo.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Where their quick scores centre (1..4).
    pub quality: f64,
    /// Of five working days, how many they work.
    pub days_per_week: u64,
    /// Their share of a counter's usual visits on a day they work (a
    /// section head serves a few citizens between other duties).
    pub load: f64,
}

/// The profile of the `i`-th ASN of an office.
pub fn profile(i: usize) -> Profile {
    match i {
        0 => Profile {
            quality: 3.35,
            days_per_week: 5,
            load: 1.0,
        },
        1 => Profile {
            quality: 3.9,
            days_per_week: 1,
            load: 0.12,
        },
        2 => Profile {
            quality: 2.55,
            days_per_week: 5,
            load: 1.0,
        },
        _ => Profile {
            quality: 3.15,
            days_per_week: 4,
            load: 0.9,
        },
    }
}

/// Arrivals by hour 08..15 (relative weights): busy mornings, a lull at noon.
const HOURS: [(i64, f64); 7] = [
    (8, 1.3),
    (9, 1.7),
    (10, 1.4),
    (11, 1.0),
    (12, 0.45),
    (13, 0.9),
    (14, 0.6),
];

const PRAISE: [&str; 8] = [
    "Pelayanan cepat dan petugasnya ramah. Terima kasih.",
    "Petugas menjelaskan persyaratan dengan sabar.",
    "Prosesnya mudah, tidak perlu bolak-balik.",
    "Terima kasih, KTP saya selesai hari ini juga.",
    "Ruang tunggu bersih dan nyaman.",
    "Sangat membantu, terutama untuk orang tua seperti saya.",
    "Antrean tertib, nomor dipanggil dengan jelas.",
    "Petugas sopan dan teliti memeriksa berkas.",
];
const COMPLAINTS: [&str; 8] = [
    "Antrean pagi terlalu lama, hampir dua jam menunggu.",
    "Petugas kurang ramah dan terburu-buru.",
    "Persyaratan di papan pengumuman berbeda dengan yang diminta petugas.",
    "Kursi ruang tunggu kurang, banyak yang berdiri.",
    "Saya disuruh kembali besok karena sistem gangguan.",
    "Tidak ada informasi berapa lama harus menunggu.",
    "AC ruang tunggu mati, panas sekali.",
    "Berkas saya hilang dan harus diulang dari awal.",
];

/// Each office is weakest on some elements (0-based), e.g. a crowded office
/// on completion time (U3) and facilities (U9).
fn weak_elements(office: &str) -> [usize; 2] {
    match office {
        "jakarta-pusat" => [2, 8],
        "sawahlunto" => [7, 1],
        "pauh" => [0, 4],
        "alak" => [2, 3],
        _ => [8, 7],
    }
}

fn score_of(quality: f64, rng: &mut Rng) -> u8 {
    let v = quality + (rng.unit() - 0.5) * 1.9 + (rng.unit() - 0.5) * 0.6;
    v.round().clamp(1.0, 4.0) as u8
}

/// How an office's facilities and procedures lift or drag every answer.
fn office_offset(office: &str) -> f64 {
    match office {
        "jakarta-pusat" => -0.1,
        "sawahlunto" => 0.2,
        "pauh" => 0.05,
        "alak" => 0.45,
        _ => -0.25,
    }
}

fn answers_of(office: &str, score: u8, quality: f64, rng: &mut Rng) -> [i64; 9] {
    let weak = weak_elements(office);
    let lift = office_offset(office);
    std::array::from_fn(|e| {
        let mut v = f64::from(score) * 0.55 + 1.5 + lift + (rng.unit() - 0.5) * 1.4;
        if weak.contains(&e) {
            v -= 0.8;
        }
        if e == 5 || e == 6 {
            v += (quality - 3.2) * 0.7;
        }
        if e == 3 {
            // Biaya: most services are free.
            v += 0.6;
        }
        v.round().clamp(1.0, 4.0) as i64
    })
}

/// Every event of `office`'s kiosk from `from` to `to` (office-local days,
/// both included), in time order.
pub fn history(office: &DemoOffice, from: Date, to: Date, seed: u64) -> anyhow::Result<Vec<Event>> {
    let tz = OfficeTz::parse(&office.spec.tz)?;
    let staff: Vec<Nip> = office
        .staff
        .iter()
        .map(|(nip, _, _)| Nip::parse(nip))
        .collect::<Result<_, _>>()?;
    let counters: Vec<(CounterId, Vec<ServiceCode>)> = office
        .spec
        .counters
        .iter()
        .map(|c| {
            Ok((
                CounterId::parse(&c.id)?,
                c.services
                    .iter()
                    .map(|s| ServiceCode::parse(s))
                    .collect::<Result<_, _>>()?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let services: Vec<(ServiceCode, ServicePrefix, i64)> = office
        .spec
        .services
        .iter()
        .map(|s| {
            Ok((
                ServiceCode::parse(&s.code)?,
                ServicePrefix::parse(&s.prefix)?,
                s.target_minutes,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    // Busier offices: more visits per counter and day.
    let per_counter = if office.id == "jakarta-pusat" {
        24.0
    } else {
        18.0
    };
    let mut rng = Rng::new(seed);
    let mut timed: Vec<(Timestamp, u32, Event)> = Vec::new();
    let mut order = 0u32;
    let mut push = |at: Timestamp, e: Event, timed: &mut Vec<(Timestamp, u32, Event)>| {
        order += 1;
        timed.push((at, order, e));
    };
    let mut day = from;
    let mut weekday_index = 0u64;
    while day <= to {
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            day = day.tomorrow()?;
            continue;
        }
        weekday_index += 1;
        let open = tz.start_of_day(day) + SignedDuration::from_hours(8);
        let mut numbers = vec![0u32; services.len()];
        let mut burst_done = false;
        let mut working = Vec::new();
        for (c, (counter, counter_services)) in counters.iter().enumerate() {
            // Who works this counter today (one counter each).
            let who = (0..staff.len()).map(|k| (c + k) % staff.len()).find(|&i| {
                let p = profile(i);
                !working.contains(&i)
                    && (p.days_per_week >= 5 || (weekday_index + i as u64) % 5 < p.days_per_week)
            });
            let Some(asn_i) = who else { continue };
            working.push(asn_i);
            let nip = staff[asn_i].clone();
            let prof = profile(asn_i);
            push(
                open - SignedDuration::from_mins(5),
                Event::StaffSignedIn {
                    counter: counter.clone(),
                    nip: nip.clone(),
                    at: open - SignedDuration::from_mins(5),
                },
                &mut timed,
            );
            let visits = (per_counter * prof.load * (0.8 + 0.4 * rng.unit())).round() as usize;
            let total_weight: f64 = HOURS.iter().map(|h| h.1).sum();
            for _ in 0..visits {
                // An arrival hour by the day's shape, a minute within it.
                let mut pick = rng.unit() * total_weight;
                let mut hour = 8;
                for (h, w) in HOURS {
                    hour = h;
                    if pick < w {
                        break;
                    }
                    pick -= w;
                }
                let issued_at = tz.start_of_day(day)
                    + SignedDuration::from_hours(hour)
                    + SignedDuration::from_secs(rng.below(3600) as i64);
                let svc_i = {
                    let code = &counter_services[rng.below(counter_services.len() as u64) as usize];
                    services.iter().position(|s| &s.0 == code).unwrap_or(0)
                };
                let (service, prefix, target) = &services[svc_i];
                // Waits: long in the morning queue, short after noon.
                let busy = match hour {
                    8 | 9 => 2.2,
                    10 => 1.7,
                    11 => 1.1,
                    _ => 0.6,
                };
                let wait_s =
                    (busy * (300.0 + 900.0 * rng.unit()) * (0.6 + *target as f64 / 75.0)) as i64;
                let service_s = ((*target as f64)
                    * 60.0
                    * (0.2 + 0.35 * rng.unit())
                    * (if asn_i == 2 { 1.25 } else { 1.0 })) as i64;
                let called_at = issued_at + SignedDuration::from_secs(wait_s);
                let done_at = called_at + SignedDuration::from_secs(service_s.max(60));
                numbers[svc_i] += 1;
                let ticket_id = TicketId(v7_at(issued_at, &mut rng));
                push(
                    issued_at,
                    Event::TicketIssued {
                        ticket_id,
                        number: TicketNumber::new(prefix.clone(), numbers[svc_i]),
                        service: service.clone(),
                        issued_at,
                    },
                    &mut timed,
                );
                push(
                    called_at,
                    Event::TicketCalled {
                        ticket_id,
                        counter: counter.clone(),
                        nip: nip.clone(),
                        called_at,
                    },
                    &mut timed,
                );
                if rng.chance(0.03) {
                    let at = called_at + SignedDuration::from_secs(90);
                    push(at, Event::TicketAbandoned { ticket_id, at }, &mut timed);
                    continue;
                }
                push(
                    done_at,
                    Event::TicketCompleted {
                        ticket_id,
                        completed_at: done_at,
                    },
                    &mut timed,
                );
                // The excellent ASN's citizens rate less often.
                let rate_p = if asn_i == 1 { 0.4 } else { 0.62 };
                if !rng.chance(rate_p) {
                    continue;
                }
                let score = score_of(prof.quality, &mut rng);
                let answers = rng
                    .chance(0.45)
                    .then(|| SkmAnswers::new(&answers_of(office.id, score, prof.quality, &mut rng)))
                    .transpose()?;
                let comment_p = if score <= 2 { 0.35 } else { 0.08 };
                let comment = if rng.chance(comment_p) {
                    let pool = if score <= 2 { &COMPLAINTS } else { &PRAISE };
                    Comment::new(pool[rng.below(pool.len() as u64) as usize])?
                } else {
                    None
                };
                let at = done_at + SignedDuration::from_secs(5 + rng.below(40) as i64);
                push(
                    at,
                    Event::Rating(RatingEvent {
                        rating_id: RatingId(v7_at(at, &mut rng)),
                        ticket_id: Some(ticket_id),
                        counter: None,
                        nip: None,
                        channel: Channel::Tablet,
                        score: Score::new(i64::from(score))?,
                        answers,
                        comment,
                        submitted_at: at,
                        flagged: false,
                    }),
                    &mut timed,
                );
            }
            // Now and then a tablet sends a burst without tickets: past
            // three in two minutes the kiosk flags them.
            if !burst_done && rng.chance(0.04) {
                burst_done = true;
                let start = open + SignedDuration::from_hours(3);
                for k in 0..7i64 {
                    let at = start + SignedDuration::from_secs(k * 9);
                    push(
                        at,
                        Event::Rating(RatingEvent {
                            rating_id: RatingId(v7_at(at, &mut rng)),
                            ticket_id: None,
                            counter: Some(counter.clone()),
                            nip: Some(nip.clone()),
                            channel: Channel::Tablet,
                            score: Score::new(1)?,
                            answers: None,
                            comment: None,
                            submitted_at: at,
                            flagged: k >= 3,
                        }),
                        &mut timed,
                    );
                }
            }
            let close = open + SignedDuration::from_hours(7) + SignedDuration::from_mins(30);
            push(
                close,
                Event::StaffSignedOut {
                    counter: counter.clone(),
                    nip,
                    at: close,
                },
                &mut timed,
            );
        }
        day = day.tomorrow()?;
    }
    timed.sort_by_key(|(at, order, _)| (*at, *order));
    Ok(timed.into_iter().map(|(_, _, e)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_data::offices;

    #[test]
    fn a_history_is_deterministic_in_time_order_and_shows_three_kinds_of_asn() {
        let office = offices()
            .into_iter()
            .find(|o| o.id == "sawahlunto")
            .unwrap();
        let (from, to) = ("2026-06-01".parse().unwrap(), "2026-08-31".parse().unwrap());
        let a = history(&office, from, to, 7).unwrap();
        let b = history(&office, from, to, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].at() <= w[1].at()));
        let mut rated: std::collections::HashMap<String, (u64, u64)> = Default::default();
        let mut called: std::collections::HashMap<TicketId, String> = Default::default();
        for e in &a {
            match e {
                Event::TicketCalled { ticket_id, nip, .. } => {
                    called.insert(*ticket_id, nip.to_string());
                }
                Event::Rating(r) if r.ticket_id.is_some() => {
                    let nip = called[&r.ticket_id.unwrap()].clone();
                    let e = rated.entry(nip).or_default();
                    e.0 += 1;
                    e.1 += u64::from(r.score.get());
                }
                _ => {}
            }
        }
        let mean = |i: usize| {
            let (n, sum) = rated[office.staff[i].0];
            (n, sum as f64 / n as f64)
        };
        let (steady, excellent, weaker) = (mean(0), mean(1), mean(2));
        assert!(steady.0 > 300 && weaker.0 > 300, "{steady:?} {weaker:?}");
        assert!(excellent.0 < 30, "few ratings, no band: {excellent:?}");
        assert!(
            excellent.1 > steady.1 && steady.1 > weaker.1,
            "{excellent:?} {steady:?} {weaker:?}"
        );
        assert!(a.iter().any(|e| matches!(e, Event::Rating(r) if r.flagged)));
    }
}
