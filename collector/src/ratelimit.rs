//! A per-address token bucket for the citizens' public routes.
//!
//! Each client address gets a bucket of `per_minute` requests that refills
//! continuously at `per_minute / 60` per second, so a citizen can send a
//! burst (a reload, a retry) and a script is slowed to the refill rate. The
//! limit is generous on purpose: mobile carriers put many phones behind one
//! address (carrier-grade NAT), and a busy office's citizens may all rate
//! from the same few addresses within minutes.
//!
//! IPv6 clients are keyed by their /64 prefix, because one subscriber
//! usually holds a whole /64 and could otherwise pick a fresh address per
//! request. IPv4-mapped IPv6 addresses count as the IPv4 address.
//!
//! Everything is in memory and per process: a restart forgets the buckets,
//! which only ever lets a client through earlier. The map is pruned of full
//! buckets (a full bucket is the same as no bucket) once a minute, or sooner
//! when it holds more than [`MAX_TRACKED`] addresses, so its size follows the
//! number of addresses seen in the last minute or so.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often full buckets are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// More tracked addresses than this prune at once, whatever the time.
pub const MAX_TRACKED: usize = 100_000;

/// The request was refused: wait this many seconds (at least 1) for the next
/// token; the value for `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
struct Buckets {
    map: HashMap<IpAddr, Bucket>,
    last_prune: Instant,
}

/// Token buckets by client address. Shared by every worker (one instance in
/// [`crate::startup::AppState`]); the lock is held for a few hash-map
/// operations only.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    /// A limiter allowing bursts of `per_minute` requests per address,
    /// refilled at `per_minute` a minute. `per_minute` of 0 is taken as 1.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        let capacity = f64::from(per_minute.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                last_prune: Instant::now(),
            }),
        }
    }

    /// Takes one token for `ip` now, or says how long to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        self.check_at(ip, Instant::now())
    }

    /// [`RateLimiter::check`] at a given instant (tests move the clock).
    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        let key = bucket_key(ip);
        // The buckets are plain numbers: a panic elsewhere while holding the
        // lock cannot leave them inconsistent, so a poisoned lock is used as is.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(buckets.last_prune) >= PRUNE_EVERY
            || buckets.map.len() >= MAX_TRACKED
        {
            self.prune(&mut buckets, now);
        }
        let bucket = buckets.map.entry(key).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        let tokens = self.refilled(bucket, now);
        bucket.updated = now;
        if tokens >= 1.0 {
            bucket.tokens = tokens - 1.0;
            Ok(())
        } else {
            bucket.tokens = tokens;
            let wait = ((1.0 - tokens) / self.per_second).ceil();
            Err(RetryAfter((wait as u64).max(1)))
        }
    }

    /// The bucket's tokens at `now`, capped at the capacity.
    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.capacity)
    }

    /// Drops every bucket that has refilled completely.
    fn prune(&self, buckets: &mut Buckets, now: Instant) {
        buckets
            .map
            .retain(|_, b| self.refilled(b, now) < self.capacity);
        buckets.last_prune = now;
    }

    /// How many addresses are tracked (for tests).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }
}

/// The address a bucket is kept for: IPv4 as is, IPv4-mapped IPv6 as IPv4,
/// other IPv6 by /64 prefix.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_full_bucket_allows_a_burst_of_its_size_then_says_when_to_retry() {
        let limiter = RateLimiter::per_minute(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(ip("10.0.0.1"), t0), Ok(()));
        }
        // 3 a minute: one token every 20 s.
        assert_eq!(limiter.check_at(ip("10.0.0.1"), t0), Err(RetryAfter(20)));
        assert_eq!(
            limiter.check_at(ip("10.0.0.1"), t0 + Duration::from_secs(5)),
            Err(RetryAfter(15))
        );
    }

    #[test]
    fn the_bucket_refills_at_the_rate_per_minute() {
        let limiter = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(limiter.check_at(ip("10.0.0.1"), t0).is_ok());
        }
        assert_eq!(limiter.check_at(ip("10.0.0.1"), t0), Err(RetryAfter(1)));
        let t1 = t0 + Duration::from_secs(2);
        assert!(limiter.check_at(ip("10.0.0.1"), t1).is_ok());
        assert!(limiter.check_at(ip("10.0.0.1"), t1).is_ok());
        assert!(limiter.check_at(ip("10.0.0.1"), t1).is_err());
    }

    #[test]
    fn different_addresses_have_their_own_buckets() {
        let limiter = RateLimiter::per_minute(1);
        let t0 = Instant::now();
        assert!(limiter.check_at(ip("10.0.0.1"), t0).is_ok());
        assert!(limiter.check_at(ip("10.0.0.1"), t0).is_err());
        assert!(limiter.check_at(ip("10.0.0.2"), t0).is_ok());
    }

    #[test]
    fn ipv6_addresses_in_one_64_prefix_share_a_bucket_and_mapped_ipv4_is_ipv4() {
        let limiter = RateLimiter::per_minute(1);
        let t0 = Instant::now();
        assert!(limiter.check_at(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(limiter.check_at(ip("2001:db8:1:2:ffff::9"), t0).is_err());
        assert!(limiter.check_at(ip("2001:db8:1:3::1"), t0).is_ok());
        assert!(limiter.check_at(ip("10.0.0.7"), t0).is_ok());
        assert!(limiter.check_at(ip("::ffff:10.0.0.7"), t0).is_err());
    }

    #[test]
    fn buckets_that_have_refilled_are_forgotten_after_a_minute() {
        let limiter = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        assert!(limiter.check_at(ip("10.0.0.1"), t0).is_ok());
        for _ in 0..60 {
            let _ = limiter.check_at(ip("10.0.0.2"), t0 + Duration::from_secs(59));
        }
        assert_eq!(limiter.tracked(), 2);
        // At 61 s: 10.0.0.1 is full again and dropped; 10.0.0.2 is not.
        assert!(
            limiter
                .check_at(ip("10.0.0.3"), t0 + Duration::from_secs(61))
                .is_ok()
        );
        assert_eq!(limiter.tracked(), 2, "10.0.0.2 and 10.0.0.3 remain");
        assert!(
            limiter
                .check_at(ip("10.0.0.2"), t0 + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn a_limit_of_zero_is_taken_as_one_a_minute() {
        let limiter = RateLimiter::per_minute(0);
        let t0 = Instant::now();
        assert!(limiter.check_at(ip("10.0.0.1"), t0).is_ok());
        assert_eq!(limiter.check_at(ip("10.0.0.1"), t0), Err(RetryAfter(60)));
    }
}
