//! Rollups: what reports read instead of raw events. One row per
//! (office, office-local day, service) and per (office, NIP, day, service),
//! maintained in the same transaction as the events that change them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::IkmTally;
use shared::fair::ScoreStats;

/// A duration histogram in seconds with buckets fine enough for p50/p90 on
/// a dashboard or report: 15 s wide up to 10 minutes, 1 minute up to 2
/// hours, 15 minutes up to 24 hours, then one overflow bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hist(pub BTreeMap<u16, u64>);

const FINE_END: i64 = 600;
const MID_END: i64 = 7_200;
const COARSE_END: i64 = 86_400;

/// The bucket of a duration.
pub fn bucket_of(secs: i64) -> u16 {
    let s = secs.max(0);
    let b = if s < FINE_END {
        s / 15
    } else if s < MID_END {
        40 + (s - FINE_END) / 60
    } else if s < COARSE_END {
        150 + (s - MID_END) / 900
    } else {
        238
    };
    b as u16
}

/// The upper bound (seconds) of a bucket: what a percentile reports.
pub fn bucket_upper(b: u16) -> i64 {
    let b = i64::from(b);
    if b < 40 {
        (b + 1) * 15
    } else if b < 150 {
        FINE_END + (b - 40 + 1) * 60
    } else if b < 238 {
        MID_END + (b - 150 + 1) * 900
    } else {
        COARSE_END
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

    /// Nearest-rank percentile, to bucket resolution (its upper bound).
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
                return Some(bucket_upper(*b));
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
}

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
        for b in 0..238u16 {
            let upper = bucket_upper(b);
            assert_eq!(bucket_of(upper - 1), b, "bucket {b}");
            assert_eq!(bucket_of(upper), b + 1, "bucket {b}");
        }
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(bucket_of(10 * 86_400), 238);
    }

    #[test]
    fn percentiles_come_from_the_histogram_at_bucket_resolution() {
        let mut h = Hist::default();
        for s in [10, 20, 40, 100, 1000] {
            h.add(s);
        }
        assert_eq!(h.percentile(0.5), Some(45));
        assert_eq!(h.percentile(0.9), Some(1020));
        assert_eq!(Hist::default().percentile(0.5), None);
    }
}
