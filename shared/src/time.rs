//! Office time zones. Wire and storage use UTC; "today", days and periods are
//! office-local. Zones come from the tz database bundled into the binary, never
//! from the machine, so every kiosk and collector agrees.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{Timestamp, Zoned};
use serde::{Deserialize, Serialize};

use crate::Msg;

/// An office's IANA time zone, e.g. `Asia/Jakarta` (WIB), `Asia/Makassar`
/// (WITA), `Asia/Jayapura` (WIT).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeTz {
    name: String,
    tz: TimeZone,
}

/// A time zone name not in the bundled database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone {0:?}; use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura"
)]
pub struct UnknownTz(pub String);

impl UnknownTz {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        Msg::new(
            format!(
                "Zona waktu {:?} tidak dikenal; gunakan nama IANA seperti Asia/Jakarta, Asia/Makassar atau Asia/Jayapura",
                self.0
            ),
            self.to_string(),
        )
    }
}

impl OfficeTz {
    /// Looks a zone up in the bundled database.
    pub fn parse(name: &str) -> Result<OfficeTz, UnknownTz> {
        let tz = TimeZoneDatabase::bundled()
            .get(name)
            .map_err(|_| UnknownTz(name.chars().take(64).collect()))?;
        Ok(OfficeTz {
            name: name.to_owned(),
            tz,
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The office-local day of an instant.
    pub fn day_of(&self, ts: Timestamp) -> Date {
        ts.to_zoned(self.tz.clone()).date()
    }

    /// The instant in office-local time.
    pub fn zoned(&self, ts: Timestamp) -> Zoned {
        ts.to_zoned(self.tz.clone())
    }

    /// The first instant of an office-local day.
    pub fn start_of_day(&self, day: Date) -> Timestamp {
        day.to_zoned(self.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    }

    /// The short Indonesian zone name (WIB, WITA, WIT) where one applies.
    pub fn abbreviation(&self, ts: Timestamp) -> String {
        let offset = self.tz.to_offset(ts).seconds();
        match offset {
            25_200 => "WIB".into(),
            28_800 => "WITA".into(),
            32_400 => "WIT".into(),
            _ => self.tz.to_offset_info(ts).abbreviation().to_string(),
        }
    }
}

impl fmt::Debug for OfficeTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficeTz({})", self.name)
    }
}

impl PartialEq for OfficeTz {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl TryFrom<String> for OfficeTz {
    type Error = UnknownTz;
    fn try_from(s: String) -> Result<Self, UnknownTz> {
        OfficeTz::parse(&s)
    }
}

impl From<OfficeTz> for String {
    fn from(t: OfficeTz) -> String {
        t.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_indonesian_zones_resolve_from_the_bundled_database() {
        let ts: Timestamp = "2026-11-22T16:30:00Z".parse().unwrap();
        let wib = OfficeTz::parse("Asia/Jakarta").unwrap();
        let wita = OfficeTz::parse("Asia/Makassar").unwrap();
        let wit = OfficeTz::parse("Asia/Jayapura").unwrap();
        assert_eq!(wib.day_of(ts).to_string(), "2026-11-22"); // 23:30 WIB
        assert_eq!(wita.day_of(ts).to_string(), "2026-11-23"); // 00:30 WITA
        assert_eq!(wit.day_of(ts).to_string(), "2026-11-23"); // 01:30 WIT
        assert_eq!(wib.abbreviation(ts), "WIB");
        assert_eq!(wita.abbreviation(ts), "WITA");
        assert_eq!(wit.abbreviation(ts), "WIT");
    }

    #[test]
    fn local_midnight_is_the_start_of_the_office_day() {
        let wit = OfficeTz::parse("Asia/Jayapura").unwrap();
        let day: Date = "2026-11-23".parse().unwrap();
        assert_eq!(wit.start_of_day(day).to_string(), "2026-11-22T15:00:00Z");
    }

    #[test]
    fn unknown_zones_are_rejected() {
        assert!(OfficeTz::parse("Asia/Bandung").is_err());
        assert!(OfficeTz::parse("").is_err());
    }
}
