//! The kiosk's clock. Everything that stamps an event reads it here.
//!
//! It is the machine's clock plus a fixed offset (`--clock-offset-s`, for
//! diagnostics and tests), corrected by the skew the kiosk measured against
//! the collector: a kiosk whose clock is a day behind still files its visits
//! on the right office day and prints QR codes that have not already expired.
//! The correction follows the collector's `Date` headers (1 s resolution), so
//! differences under [`MIN_CORRECTION_S`] are left alone rather than making
//! timestamps jitter.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// Skews smaller than this (seconds) are not corrected.
pub const MIN_CORRECTION_S: i64 = 3;

/// Wall clock plus a fixed offset, minus the measured skew. Cheap to copy
/// around: clones share the correction.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Seconds added to the machine clock.
    offset_s: Arc<AtomicI64>,
    /// Seconds the machine clock is ahead of the collector's (subtracted).
    correction_s: Arc<AtomicI64>,
    /// Whether measured skews are applied (tests that simulate another time
    /// of day with the offset turn it off).
    correcting: Arc<AtomicBool>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::with_offset_s(0)
    }
}

impl Clock {
    /// A clock `offset_s` seconds ahead of the machine's (behind if negative).
    pub fn with_offset_s(offset_s: i64) -> Clock {
        Clock {
            offset_s: Arc::new(AtomicI64::new(offset_s)),
            correction_s: Arc::new(AtomicI64::new(0)),
            correcting: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Stops applying measured skews to [`Clock::now`] (it then reads
    /// machine + offset); signatures still use the collector's time.
    pub fn without_correction(self) -> Clock {
        self.correcting.store(false, Ordering::Relaxed);
        self
    }

    /// This machine's clock (plus the fixed offset), uncorrected: what the
    /// skew is measured from.
    pub fn machine_now(&self) -> Timestamp {
        let offset = SignedDuration::from_secs(self.offset_s.load(Ordering::Relaxed));
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// Moves the clock `secs` forward (diagnostics and tests: "ten minutes
    /// later" without waiting ten minutes). Clones follow.
    pub fn advance(&self, secs: i64) {
        self.offset_s.fetch_add(secs, Ordering::Relaxed);
    }

    /// Now, corrected (unless correction is off).
    pub fn now(&self) -> Timestamp {
        if self.correcting.load(Ordering::Relaxed) {
            self.collector_now()
        } else {
            self.machine_now()
        }
    }

    /// The collector's time as far as it was measured: what signatures are
    /// stamped with, so that they fall inside its window even when event
    /// times keep the machine's clock.
    pub fn collector_now(&self) -> Timestamp {
        let c = SignedDuration::from_secs(self.correction_s.load(Ordering::Relaxed));
        let m = self.machine_now();
        m.checked_sub(c).unwrap_or(m)
    }

    /// Records a measured skew (machine clock minus collector clock,
    /// seconds); from then on [`Clock::now`] reads the collector's time.
    pub fn set_skew(&self, skew_s: i64) {
        let c = if skew_s.abs() >= MIN_CORRECTION_S {
            skew_s
        } else {
            0
        };
        self.correction_s.store(c, Ordering::Relaxed);
    }

    /// The correction applied now (seconds subtracted).
    pub fn correction_s(&self) -> i64 {
        self.correction_s.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measured_skew_is_subtracted_and_small_ones_ignored() {
        let c = Clock::with_offset_s(86_400);
        let ahead = c.now().duration_since(Timestamp::now()).as_secs();
        assert!((86_399..=86_401).contains(&ahead));
        c.clone().set_skew(86_400);
        let after = c.now().duration_since(Timestamp::now()).as_secs();
        assert!(after.abs() <= 1, "clones share the correction: {after}");
        c.set_skew(1);
        assert_eq!(c.correction_s(), 0);
    }

    #[test]
    fn a_clock_without_correction_keeps_its_offset_but_signs_with_the_collectors_time() {
        let c = Clock::with_offset_s(-600).without_correction();
        c.set_skew(-600);
        assert!(c.now() < Timestamp::now() - SignedDuration::from_secs(590));
        let signing = c.collector_now().duration_since(Timestamp::now()).as_secs();
        assert!(signing.abs() <= 1, "{signing}");
    }
}
