//! Rollups: what reports read instead of raw events. What one row holds
//! ([`Rollup`]) and its compact stored encoding ([`Rollup::encode`],
//! [`Rollup::merge_encoded`]); where rows live (day and month rows, keyed so
//! that a period is a key range) is [`crate::layout`].

use shared::IkmTally;
use shared::fair::ScoreStats;

/// A duration histogram in seconds, fine where people notice differences:
/// 1 s wide under a minute, 10 s up to 10 minutes, 1 minute up to 2 hours,
/// 15 minutes up to a day, then one overflow bucket. Sparse: (bucket, count)
/// pairs sorted by bucket, no zero counts, so merging is one linear pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hist(Vec<(u16, u64)>);

/// How many buckets there are (the last is the overflow bucket).
const HIST_BUCKETS: usize = 313;

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
        self.add_count(bucket_of(secs), 1);
    }

    /// Adds `delta` (possibly negative, wrapping) to one bucket's count; a
    /// count that reaches zero leaves the histogram.
    fn add_count(&mut self, bucket: u16, delta: u64) {
        match self.0.binary_search_by_key(&bucket, |e| e.0) {
            Ok(i) => {
                let c = self.0[i].1.wrapping_add(delta);
                if c == 0 {
                    self.0.remove(i);
                } else {
                    self.0[i].1 = c;
                }
            }
            Err(i) if delta != 0 => self.0.insert(i, (bucket, delta)),
            Err(_) => {}
        }
    }

    /// A histogram of (bucket, count) pairs sorted by bucket, counts
    /// above zero.
    pub fn from_sorted(pairs: impl Iterator<Item = (u16, u64)>) -> Hist {
        Hist(pairs.collect())
    }

    /// Adds another histogram.
    pub fn merge(&mut self, o: &Hist) {
        self.merge_slice(&o.0);
    }

    /// Adds (bucket, count) pairs sorted by bucket, in one pass: in place
    /// when every bucket is already here (the usual case once a report's
    /// accumulator has seen a few rows), else into a new list.
    fn merge_slice(&mut self, other: &[(u16, u64)]) {
        if other.is_empty() {
            return;
        }
        if self.0.is_empty() {
            self.0.extend_from_slice(other);
            return;
        }
        let mine = &mut self.0;
        let mut i = 0;
        let all_here = other.iter().all(|&(b, _)| {
            while i < mine.len() && mine[i].0 < b {
                i += 1;
            }
            i < mine.len() && mine[i].0 == b
        });
        if all_here {
            let mut i = 0;
            for &(b, c) in other {
                while mine[i].0 < b {
                    i += 1;
                }
                mine[i].1 += c;
            }
            return;
        }
        let mut out = Vec::with_capacity(mine.len() + other.len());
        let (mut a, mut b) = (
            mine.iter().copied().peekable(),
            other.iter().copied().peekable(),
        );
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    out.push((x.0, x.1 + y.1));
                    a.next();
                    b.next();
                }
                (Some(x), Some(y)) if x.0 < y.0 => out.extend(a.next()),
                (Some(_), Some(_)) | (None, Some(_)) => out.extend(b.next()),
                (Some(_), None) => out.extend(a.next()),
                (None, None) => break,
            }
        }
        self.0 = out;
    }

    /// How many durations were counted.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|e| e.1).sum()
    }

    /// The (bucket, count) pairs, sorted by bucket.
    pub fn buckets(&self) -> &[(u16, u64)] {
        &self.0
    }

    /// Nearest-rank percentile, to bucket resolution.
    pub fn percentile(&self, p: f64) -> Option<i64> {
        let total = self.total();
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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollup {
    /// Tickets issued.
    pub issued: u64,
    /// Service records (completed tickets).
    pub served: u64,
    /// No-shows.
    pub abandoned: u64,
    /// Completed within the service's `target_minutes` (issue to completion).
    pub within_target: u64,
    /// Waits of completed tickets (issue to call).
    pub wait: Hist,
    /// Service times (call to completion).
    pub service: Hist,
    /// Counted ratings tied to a ticket, by score 1..=4.
    pub scores: [u64; 4],
    /// Counted ratings without a ticket (by session, or office only).
    pub session_scores: [u64; 4],
    /// Full SKM responses of counted ratings.
    pub ikm: IkmTally,
    /// Flagged ratings (kept, never in scores or the IKM).
    pub flagged: u64,
    /// Completed visits by office-local hour of arrival (ticket taken).
    pub hour_visits: [u64; 24],
    /// Sum of those visits' waits, seconds, by the same hour.
    pub hour_wait_s: [u64; 24],
    /// Counted ticket ratings submitted within [`QUICK_SECS`] of the
    /// service's completion (a pattern worth a look when far above the
    /// office's share).
    pub quick: u64,
    /// Counted ticket ratings given by phone (QR or the ticket's link).
    pub qr: u64,
    /// Ratings a head excluded from this ASN's score on review (ASN rollups
    /// only: the office keeps counting them).
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

/// Stored rollups begin with this byte: the encoding's version.
const CODEC_V1: u8 = 1;

/// A stored rollup that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored rollup is unreadable: {0}")]
pub struct CodecError(&'static str);

// Field groups of the encoding, in order; bit i of the presence mask says
// whether group i follows.
const F_ISSUED: u32 = 1 << 0;
const F_SERVED: u32 = 1 << 1;
const F_ABANDONED: u32 = 1 << 2;
const F_WITHIN: u32 = 1 << 3;
const F_WAIT: u32 = 1 << 4;
const F_SERVICE: u32 = 1 << 5;
const F_SCORES: u32 = 1 << 6;
const F_SESSION: u32 = 1 << 7;
const F_IKM: u32 = 1 << 8;
const F_FLAGGED: u32 = 1 << 9;
const F_HOUR_VISITS: u32 = 1 << 10;
const F_HOUR_WAIT: u32 = 1 << 11;
const F_QUICK: u32 = 1 << 12;
const F_QR: u32 = 1 << 13;
const F_EXCLUDED: u32 = 1 << 14;
const F_ALL: u32 = (1 << 15) - 1;

fn put_var(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over an encoded rollup.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn var(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first().ok_or(CodecError("truncated"))?;
            self.0 = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CodecError("varint too long"))
    }

    fn add_into(&mut self, to: &mut [u64]) -> Result<(), CodecError> {
        for t in to {
            *t = t.wrapping_add(self.var()?);
        }
        Ok(())
    }

    /// A sparse array: a mask of the non-zero slots, then their values.
    fn add_sparse(&mut self, to: &mut [u64; 24]) -> Result<(), CodecError> {
        let mask = self.var()?;
        if mask >> 24 != 0 {
            return Err(CodecError("hour mask"));
        }
        for (h, t) in to.iter_mut().enumerate() {
            if mask & (1 << h) != 0 {
                *t = t.wrapping_add(self.var()?);
            }
        }
        Ok(())
    }

    fn add_hist(&mut self, to: &mut Hist) -> Result<(), CodecError> {
        let n = usize::try_from(self.var()?).map_err(|_| CodecError("hist length"))?;
        if n > HIST_BUCKETS {
            return Err(CodecError("hist length"));
        }
        let mut pairs = [(0u16, 0u64); HIST_BUCKETS];
        let mut bucket = 0u64;
        for (i, p) in pairs.iter_mut().take(n).enumerate() {
            let step = self.var()?;
            bucket += step;
            if (i > 0 && step == 0) || bucket >= HIST_BUCKETS as u64 {
                return Err(CodecError("hist bucket"));
            }
            *p = (bucket as u16, self.var()?);
        }
        to.merge_slice(&pairs[..n]);
        Ok(())
    }
}

fn put_sparse(out: &mut Vec<u8>, v: &[u64; 24]) {
    let mask = v
        .iter()
        .enumerate()
        .filter(|(_, x)| **x != 0)
        .fold(0u64, |m, (h, _)| m | 1 << h);
    put_var(out, mask);
    for x in v.iter().filter(|x| **x != 0) {
        put_var(out, *x);
    }
}

fn put_hist(out: &mut Vec<u8>, h: &Hist) {
    put_var(out, h.0.len() as u64);
    let mut prev = 0u16;
    for (b, c) in &h.0 {
        put_var(out, u64::from(b - prev));
        put_var(out, *c);
        prev = *b;
    }
}

impl Rollup {
    /// The stored form: a version byte, a mask of the non-empty field
    /// groups, then those groups as LEB128 varints (histograms as
    /// bucket-delta and count pairs, hour arrays as a mask and the non-zero
    /// hours). A typical day row is a few dozen bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut mask = 0u32;
        let mut body = Vec::with_capacity(64);
        let scalars = |body: &mut Vec<u8>, mask: &mut u32, fields: &[(u32, u64)]| {
            for &(bit, v) in fields {
                if v != 0 {
                    *mask |= bit;
                    put_var(body, v);
                }
            }
        };
        scalars(
            &mut body,
            &mut mask,
            &[
                (F_ISSUED, self.issued),
                (F_SERVED, self.served),
                (F_ABANDONED, self.abandoned),
                (F_WITHIN, self.within_target),
            ],
        );
        for (bit, h) in [(F_WAIT, &self.wait), (F_SERVICE, &self.service)] {
            if !h.0.is_empty() {
                mask |= bit;
                put_hist(&mut body, h);
            }
        }
        for (bit, v) in [(F_SCORES, &self.scores), (F_SESSION, &self.session_scores)] {
            if *v != [0; 4] {
                mask |= bit;
                v.iter().for_each(|x| put_var(&mut body, *x));
            }
        }
        if self.ikm.responses != 0 || self.ikm.sums != [0; 9] {
            mask |= F_IKM;
            put_var(&mut body, self.ikm.responses);
            self.ikm.sums.iter().for_each(|x| put_var(&mut body, *x));
        }
        scalars(&mut body, &mut mask, &[(F_FLAGGED, self.flagged)]);
        for (bit, v) in [
            (F_HOUR_VISITS, &self.hour_visits),
            (F_HOUR_WAIT, &self.hour_wait_s),
        ] {
            if *v != [0; 24] {
                mask |= bit;
                put_sparse(&mut body, v);
            }
        }
        scalars(
            &mut body,
            &mut mask,
            &[
                (F_QUICK, self.quick),
                (F_QR, self.qr),
                (F_EXCLUDED, self.excluded),
            ],
        );
        let mut out = Vec::with_capacity(body.len() + 4);
        out.push(CODEC_V1);
        put_var(&mut out, u64::from(mask));
        out.extend_from_slice(&body);
        out
    }

    /// Reads a stored rollup.
    pub fn decode(bytes: &[u8]) -> Result<Rollup, CodecError> {
        let mut r = Rollup::default();
        r.merge_encoded(bytes)?;
        Ok(r)
    }

    /// Adds a stored rollup to this one without building it first (reports
    /// fold thousands of rows this way). On error nothing is promised about
    /// `self`; callers discard it.
    pub fn merge_encoded(&mut self, bytes: &[u8]) -> Result<(), CodecError> {
        let (&v, rest) = bytes.split_first().ok_or(CodecError("empty"))?;
        if v != CODEC_V1 {
            return Err(CodecError("unknown encoding version"));
        }
        let mut r = Reader(rest);
        let mask = r.var()?;
        if mask & !u64::from(F_ALL) != 0 {
            return Err(CodecError("unknown field"));
        }
        let mask = mask as u32;
        let has = |bit: u32| mask & bit != 0;
        let one = |bit: u32, to: &mut u64, r: &mut Reader<'_>| -> Result<(), CodecError> {
            if has(bit) {
                *to = to.wrapping_add(r.var()?);
            }
            Ok(())
        };
        one(F_ISSUED, &mut self.issued, &mut r)?;
        one(F_SERVED, &mut self.served, &mut r)?;
        one(F_ABANDONED, &mut self.abandoned, &mut r)?;
        one(F_WITHIN, &mut self.within_target, &mut r)?;
        if has(F_WAIT) {
            r.add_hist(&mut self.wait)?;
        }
        if has(F_SERVICE) {
            r.add_hist(&mut self.service)?;
        }
        if has(F_SCORES) {
            r.add_into(&mut self.scores)?;
        }
        if has(F_SESSION) {
            r.add_into(&mut self.session_scores)?;
        }
        if has(F_IKM) {
            self.ikm.responses = self.ikm.responses.wrapping_add(r.var()?);
            r.add_into(&mut self.ikm.sums)?;
        }
        one(F_FLAGGED, &mut self.flagged, &mut r)?;
        if has(F_HOUR_VISITS) {
            r.add_sparse(&mut self.hour_visits)?;
        }
        if has(F_HOUR_WAIT) {
            r.add_sparse(&mut self.hour_wait_s)?;
        }
        one(F_QUICK, &mut self.quick, &mut r)?;
        one(F_QR, &mut self.qr, &mut r)?;
        one(F_EXCLUDED, &mut self.excluded, &mut r)?;
        if !r.0.is_empty() {
            return Err(CodecError("trailing bytes"));
        }
        Ok(())
    }

    /// Adds `new - old` field by field: how a month row follows a changed
    /// day row (a review can lower counts, so the difference may be
    /// negative; arithmetic wraps and the sums come out exact).
    pub fn add_difference(&mut self, new: &Rollup, old: &Rollup) {
        let d = |to: &mut u64, n: u64, o: u64| *to = to.wrapping_add(n.wrapping_sub(o));
        d(&mut self.issued, new.issued, old.issued);
        d(&mut self.served, new.served, old.served);
        d(&mut self.abandoned, new.abandoned, old.abandoned);
        d(
            &mut self.within_target,
            new.within_target,
            old.within_target,
        );
        for (h, (n, o)) in [
            (&mut self.wait, (&new.wait, &old.wait)),
            (&mut self.service, (&new.service, &old.service)),
        ] {
            for (b, c) in &n.0 {
                h.add_count(*b, *c);
            }
            for (b, c) in &o.0 {
                h.add_count(*b, c.wrapping_neg());
            }
        }
        for i in 0..4 {
            d(&mut self.scores[i], new.scores[i], old.scores[i]);
            d(
                &mut self.session_scores[i],
                new.session_scores[i],
                old.session_scores[i],
            );
        }
        d(
            &mut self.ikm.responses,
            new.ikm.responses,
            old.ikm.responses,
        );
        for i in 0..9 {
            d(&mut self.ikm.sums[i], new.ikm.sums[i], old.ikm.sums[i]);
        }
        d(&mut self.flagged, new.flagged, old.flagged);
        for h in 0..24 {
            d(
                &mut self.hour_visits[h],
                new.hour_visits[h],
                old.hour_visits[h],
            );
            d(
                &mut self.hour_wait_s[h],
                new.hour_wait_s[h],
                old.hour_wait_s[h],
            );
        }
        d(&mut self.quick, new.quick, old.quick);
        d(&mut self.qr, new.qr, old.qr);
        d(&mut self.excluded, new.excluded, old.excluded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u64) -> Rollup {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut r = Rollup {
            issued: rng.u64(0..50),
            served: rng.u64(0..50),
            abandoned: rng.u64(0..3),
            within_target: rng.u64(0..40),
            flagged: rng.u64(0..2),
            quick: rng.u64(0..3),
            qr: rng.u64(0..10),
            excluded: rng.u64(0..2),
            ..Rollup::default()
        };
        for _ in 0..rng.usize(0..40) {
            r.wait.add(rng.i64(0..90_000));
            r.service.add(rng.i64(0..3_000));
        }
        for i in 0..4 {
            r.scores[i] = rng.u64(0..20);
            r.session_scores[i] = rng.u64(0..3);
        }
        r.ikm.responses = rng.u64(0..10);
        for s in &mut r.ikm.sums {
            *s = rng.u64(0..40);
        }
        for h in rng.usize(0..24)..24 {
            r.hour_visits[h] = rng.u64(0..9);
            r.hour_wait_s[h] = rng.u64(0..9_000);
        }
        r
    }

    #[test]
    fn a_rollup_reads_back_exactly_from_its_compact_encoding() {
        assert_eq!(
            Rollup::decode(&Rollup::default().encode()),
            Ok(Rollup::default())
        );
        assert_eq!(
            Rollup::default().encode().len(),
            2,
            "an empty row is two bytes"
        );
        for seed in 0..500 {
            let r = sample(seed);
            assert_eq!(Rollup::decode(&r.encode()), Ok(r.clone()), "seed {seed}");
        }
    }

    #[test]
    fn merging_an_encoded_rollup_equals_merging_the_rollup() {
        for seed in 0..200 {
            let (a, b) = (sample(seed), sample(seed + 1_000));
            let mut want = a.clone();
            want.merge(&b);
            let mut got = a.clone();
            got.merge_encoded(&b.encode()).unwrap();
            assert_eq!(got, want, "seed {seed}");
        }
    }

    #[test]
    fn a_month_row_follows_day_rows_that_went_up_and_down() {
        for seed in 0..200 {
            let (old, new, other) = (sample(seed), sample(seed + 7), sample(seed + 13));
            let mut month = old.clone();
            month.merge(&other);
            month.add_difference(&new, &old);
            let mut want = new.clone();
            want.merge(&other);
            assert_eq!(month, want, "seed {seed}");
        }
    }

    #[test]
    fn a_damaged_rollup_is_refused_not_misread() {
        let bytes = sample(3).encode();
        assert!(Rollup::decode(&[]).is_err());
        assert!(Rollup::decode(&[9, 0]).is_err(), "unknown version");
        assert!(
            Rollup::decode(&bytes[..bytes.len() - 1]).is_err(),
            "truncated"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Rollup::decode(&longer).is_err(), "trailing bytes");
        assert!(
            Rollup::decode(&[1, 0xff, 0xff, 0x7f]).is_err(),
            "unknown field"
        );
        // Random bytes never panic.
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..5_000 {
            let junk: Vec<u8> = (0..rng.usize(0..40)).map(|_| rng.u8(..)).collect();
            let _ = Rollup::decode(&junk);
        }
    }

    #[test]
    fn the_bucket_count_is_the_overflow_bucket_plus_one() {
        assert_eq!(HIST_BUCKETS, usize::from(bucket_of(DAY)) + 1);
    }

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
