//! The kiosk's clock. Everything that stamps an event reads it here, so tests
//! (and operators diagnosing skew) can shift it with `--clock-offset-s`.

use jiff::{SignedDuration, Timestamp};

/// Wall clock plus a fixed offset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    offset: SignedDuration,
}

impl Clock {
    /// A clock `offset_s` seconds ahead of the machine's (behind if negative).
    pub fn with_offset_s(offset_s: i64) -> Clock {
        Clock {
            offset: SignedDuration::from_secs(offset_s),
        }
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset)
            .unwrap_or_else(|_| Timestamp::now())
    }
}
