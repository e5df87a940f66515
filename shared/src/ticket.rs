//! Ticket numbers: the service prefix and a daily sequence, e.g. `A-017`
//! (three digits, four past 999). Numbering restarts each office-local day.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Msg;

/// A service's ticket prefix: an uppercase letter followed by up to three
/// uppercase letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServicePrefix(String);

/// A prefix that is not `[A-Z][A-Z0-9]{0,3}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a ticket prefix is an uppercase letter and up to 3 more uppercase letters or digits, got {0:?}"
)]
pub struct BadPrefix(pub String);

impl BadPrefix {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        Msg::new(
            format!(
                "Awalan nomor antrean adalah satu huruf besar dan paling banyak 3 huruf besar atau angka lagi (diterima {:?})",
                self.0
            ),
            self.to_string(),
        )
    }
}

impl ServicePrefix {
    /// Parses a prefix.
    pub fn parse(s: &str) -> Result<ServicePrefix, BadPrefix> {
        let b = s.as_bytes();
        let ok = (1..=4).contains(&b.len())
            && b[0].is_ascii_uppercase()
            && b.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(ServicePrefix(s.to_owned()))
        } else {
            Err(BadPrefix(s.chars().take(10).collect()))
        }
    }

    /// The prefix text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServicePrefix {
    type Error = BadPrefix;
    fn try_from(s: String) -> Result<Self, BadPrefix> {
        ServicePrefix::parse(&s)
    }
}

impl From<ServicePrefix> for String {
    fn from(p: ServicePrefix) -> String {
        p.0
    }
}

/// A queue number: prefix and daily sequence (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    prefix: ServicePrefix,
    seq: u32,
}

/// Text that is not a ticket number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ticket number looks like A-017, got {0:?}")]
pub struct BadTicketNumber(pub String);

impl TicketNumber {
    /// The number for the `seq`-th ticket of a day (from 1).
    pub fn new(prefix: ServicePrefix, seq: u32) -> TicketNumber {
        TicketNumber {
            prefix,
            seq: seq.max(1),
        }
    }

    /// Parses `A-017`.
    pub fn parse(s: &str) -> Result<TicketNumber, BadTicketNumber> {
        let bad = || BadTicketNumber(s.chars().take(20).collect());
        let (p, n) = s.split_once('-').ok_or_else(bad)?;
        let prefix = ServicePrefix::parse(p).map_err(|_| bad())?;
        if n.len() < 3 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let seq: u32 = n.parse().map_err(|_| bad())?;
        if seq == 0 || (n.len() > 3 && n.starts_with('0')) {
            return Err(bad());
        }
        Ok(TicketNumber { prefix, seq })
    }

    /// The daily sequence.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The prefix.
    pub fn prefix(&self) -> &ServicePrefix {
        &self.prefix
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.prefix.as_str(), self.seq)
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = BadTicketNumber;
    fn try_from(s: String) -> Result<Self, BadTicketNumber> {
        TicketNumber::parse(&s)
    }
}

impl From<TicketNumber> for String {
    fn from(t: TicketNumber) -> String {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prefix(s: &str) -> ServicePrefix {
        ServicePrefix::parse(s).unwrap()
    }

    #[test]
    fn numbers_have_three_digits_and_four_past_999() {
        assert_eq!(TicketNumber::new(prefix("A"), 17).to_string(), "A-017");
        assert_eq!(TicketNumber::new(prefix("KK"), 999).to_string(), "KK-999");
        assert_eq!(TicketNumber::new(prefix("B"), 1000).to_string(), "B-1000");
    }

    #[test]
    fn prefixes_are_short_uppercase() {
        assert!(ServicePrefix::parse("A").is_ok());
        assert!(ServicePrefix::parse("KTP1").is_ok());
        assert!(ServicePrefix::parse("a").is_err());
        assert!(ServicePrefix::parse("1A").is_err());
        assert!(ServicePrefix::parse("ABCDE").is_err());
        assert!(ServicePrefix::parse("").is_err());
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        for s in ["A17", "A-17", "A-000", "a-017", "A-0170", "-017", "A-01x"] {
            assert!(TicketNumber::parse(s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn numbers_round_trip_through_text(p in "[A-Z][A-Z0-9]{0,3}", seq in 1u32..100_000) {
            let n = TicketNumber::new(prefix(&p), seq);
            prop_assert_eq!(TicketNumber::parse(&n.to_string()).unwrap(), n);
        }
    }
}
