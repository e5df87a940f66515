//! Rollups: what reports read instead of raw events. One row per
//! (office, office-local day, service) and per (office, NIP, day, service),
//! maintained in the same transaction as the events that change them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::IkmTally;
use shared::fair::ScoreStats;

/// A duration histogram in seconds, fine where people notice differences:
/// 1 s wide under a minute, 10 s up to 10 minutes, 1 minute up to 2 hours,
/// 15 minutes up to a day, then one overflow bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hist(pub BTreeMap<u16, u64>);

/// (first second, bucket width) of each segment, in order.
const SEGMENTS: [(i64, i64); 4] = [(0, 1), (60, 10), (600, 60), (7_200, 900)];
const DAY: i64 = 86_400;

fn segment_base(i: usize) -> i64 {
    SEGMENTS[..i]
        .iter()
        .enumerate()
        .map(|(j, (start, width))| {
            let end = SEGMENTS.get(j + 1).map(|s| s.0).unwrap_or(DAY);
            (end - start) / width
        })
        .sum()
}

/// The bucket of a duration.
pub fn bucket_of(secs: i64) -> u16 {
    let s = secs.max(0);
    for (i, (start, width)) in SEGMENTS.iter().enumerate().rev() {
        if s >= *start {
            if s >= DAY {
                return segment_base(SEGMENTS.len()) as u16;
            }
            return (segment_base(i) + (s - start) / width) as u16;
        }
    }
    0
}

/// The bounds `[low, high)` of a bucket in seconds.
pub fn bucket_bounds(b: u16) -> (i64, i64) {
    let b = i64::from(b);
    for (i, (start, width)) in SEGMENTS.iter().enumerate() {
        let base = segment_base(i);
        let next = segment_base(i + 1);
        if b < next {
            let low = start + (b - base) * width;
            return (low, low + width);
        }
    }
    (DAY, DAY)
}

/// The value a percentile reports for a bucket: exact seconds under a
/// minute, the middle of the bucket above.
pub fn bucket_value(b: u16) -> i64 {
    let (low, high) = bucket_bounds(b);
    if high - low <= 1 {
        low
    } else {
        (low + high) / 2
    }
}

impl Hist {
    /// Counts a duration.
    pub fn add(&mut self, secs: i64) {
        *self.0.entry(bucket_of(secs)).or_default() += 1;
    }

    /// Adds another histogram.
    pub fn merge(&mut self, o: &Hist) {
        for (b, c) in &o.0 {
            *self.0.entry(*b).or_default() += c;
        }
    }

    /// Nearest-rank percentile, to bucket resolution.
    pub fn percentile(&self, p: f64) -> Option<i64> {
        let total: u64 = self.0.values().sum();
        if total == 0 {
            return None;
        }
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (b, c) in &self.0 {
            seen += c;
            if seen >= rank {
                return Some(bucket_value(*b));
            }
        }
        None
    }
}

/// Counts for one office (or one ASN at an office) on one day for one
/// service. Session ratings (no ticket) have no service: they go under "".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// Tickets issued.
    #[serde(default)]
    pub issued: u64,
    /// Service records (completed tickets).
    #[serde(default)]
    pub served: u64,
    /// No-shows.
    #[serde(default)]
    pub abandoned: u64,
    /// Completed within the service's `target_minutes` (issue to completion).
    #[serde(default)]
    pub within_target: u64,
    /// Waits of completed tickets (issue to call).
    #[serde(default)]
    pub wait: Hist,
    /// Service times (call to completion).
    #[serde(default)]
    pub service: Hist,
    /// Counted ratings tied to a ticket, by score 1..=4.
    #[serde(default)]
    pub scores: [u64; 4],
    /// Counted ratings without a ticket (by session, or office only).
    #[serde(default)]
    pub session_scores: [u64; 4],
    /// Full SKM responses of counted ratings.
    #[serde(default)]
    pub ikm: IkmTally,
    /// Flagged ratings (kept, never in scores or the IKM).
    #[serde(default)]
    pub flagged: u64,
    /// Completed visits by office-local hour of arrival (ticket taken).
    #[serde(default)]
    pub hour_visits: [u64; 24],
    /// Sum of those visits' waits, seconds, by the same hour.
    #[serde(default)]
    pub hour_wait_s: [u64; 24],
    /// Counted ticket ratings submitted within [`QUICK_SECS`] of the
    /// service's completion (a pattern worth a look when far above the
    /// office's share).
    #[serde(default)]
    pub quick: u64,
    /// Counted ticket ratings given by phone (QR or the ticket's link).
    #[serde(default)]
    pub qr: u64,
    /// Ratings a head excluded from this ASN's score on review (ASN rollups
    /// only: the office keeps counting them).
    #[serde(default)]
    pub excluded: u64,
}

/// A rating submitted this soon after completion counts as quick.
pub const QUICK_SECS: i64 = 2;

impl Rollup {
    /// Adds another rollup.
    pub fn merge(&mut self, o: &Rollup) {
        self.issued += o.issued;
        self.served += o.served;
        self.abandoned += o.abandoned;
        self.within_target += o.within_target;
        self.wait.merge(&o.wait);
        self.service.merge(&o.service);
        for i in 0..4 {
            self.scores[i] += o.scores[i];
            self.session_scores[i] += o.session_scores[i];
        }
        self.ikm.merge(&o.ikm);
        self.flagged += o.flagged;
        self.quick += o.quick;
        self.qr += o.qr;
        self.excluded += o.excluded;
        for h in 0..24 {
            self.hour_visits[h] += o.hour_visits[h];
            self.hour_wait_s[h] += o.hour_wait_s[h];
        }
    }

    /// Ratings tied to tickets.
    pub fn ratings(&self) -> u64 {
        self.scores.iter().sum()
    }

    /// Ratings without a ticket.
    pub fn session_ratings(&self) -> u64 {
        self.session_scores.iter().sum()
    }

    /// Quick-score statistics of the ticket ratings.
    pub fn score_stats(&self) -> ScoreStats {
        ScoreStats::from_counts(&self.scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_a_day() {
        let last = bucket_of(DAY);
        for b in 0..last {
            let (low, high) = bucket_bounds(b);
            assert_eq!(bucket_of(low), b, "bucket {b}");
            assert_eq!(bucket_of(high - 1), b, "bucket {b}");
            assert_eq!(bucket_of(high), b + 1, "bucket {b}");
        }
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(bucket_of(10 * DAY), last);
        assert_eq!(bucket_bounds(last), (DAY, DAY));
    }

    #[test]
    fn percentiles_come_from_the_histogram_at_bucket_resolution() {
        let mut h = Hist::default();
        for s in [10, 20, 40, 100, 1000] {
            h.add(s);
        }
        assert_eq!(h.percentile(0.5), Some(40), "exact under a minute");
        assert_eq!(h.percentile(0.8), Some(105), "middle of 100..110");
        assert_eq!(h.percentile(0.9), Some(990), "middle of 960..1020");
        assert_eq!(Hist::default().percentile(0.5), None);
    }
}
