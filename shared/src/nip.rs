//! NIP: the 18-digit civil-servant number.
//!
//! Layout: birth date `YYYYMMDD`, TMT CPNS `YYYYMM`, gender digit (1 male,
//! 2 female), sequence `NNN`; e.g. `19660801 198803 1 001`. PPPK numbers
//! (NI PPPK) are 18 digits too but their digits 13-14 are not a month, so the
//! TMT part is only required to be digits. The NIP encodes birth date and
//! gender: it must never appear in a QR code, a URL or a citizen's page.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Msg;

/// The earliest accepted birth year.
pub const MIN_BIRTH_YEAR: i16 = 1940;

/// A valid NIP (or NI PPPK), stored as its 18 digits.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nip(String);

/// Gender as the NIP records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Digit 1 (laki-laki).
    Male,
    /// Digit 2 (perempuan).
    Female,
}

/// Why a NIP was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipError {
    /// Not 18 digits once spaces are removed.
    #[error("a NIP has 18 digits (spaces allowed), e.g. 19660801 198803 1 001")]
    Format,
    /// Digits 1-8 are not a real date.
    #[error("the NIP's first 8 digits must be a real birth date (YYYYMMDD)")]
    BirthDate,
    /// Birth year outside 1940..=this year.
    #[error("the NIP's birth year must be between 1940 and this year")]
    BirthYear,
    /// Digit 15 is not 1 or 2.
    #[error("the NIP's 15th digit (gender) must be 1 or 2")]
    Gender,
}

impl NipError {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        let id = match self {
            NipError::Format => {
                "NIP terdiri dari 18 angka (boleh dengan spasi), mis. 19660801 198803 1 001"
            }
            NipError::BirthDate => "8 angka pertama NIP harus tanggal lahir yang benar (TTTTBBHH)",
            NipError::BirthYear => "Tahun lahir pada NIP harus antara 1940 dan tahun ini",
            NipError::Gender => "Angka ke-15 NIP (jenis kelamin) harus 1 atau 2",
        };
        Msg::new(id, self.to_string())
    }
}

impl Nip {
    /// Parses a NIP, checking the birth year against the current UTC year.
    pub fn parse(input: &str) -> Result<Nip, NipError> {
        Nip::parse_in_year(
            input,
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .year(),
        )
    }

    /// Parses a NIP as of `current_year` (birth years up to it are accepted).
    pub fn parse_in_year(input: &str, current_year: i16) -> Result<Nip, NipError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NipError::Format);
        }
        let num = |r: std::ops::Range<usize>| -> i16 {
            digits[r]
                .bytes()
                .fold(0i16, |acc, b| acc * 10 + i16::from(b - b'0'))
        };
        let (year, month, day) = (num(0..4), num(4..6), num(6..8));
        if !(MIN_BIRTH_YEAR..=current_year).contains(&year) {
            return Err(NipError::BirthYear);
        }
        let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else {
            return Err(NipError::BirthDate);
        };
        Date::new(year, month, day).map_err(|_| NipError::BirthDate)?;
        if !matches!(digits.as_bytes()[14], b'1' | b'2') {
            return Err(NipError::Gender);
        }
        Ok(Nip(digits))
    }

    /// The 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date the NIP encodes (checked when parsed).
    pub fn birth_date(&self) -> Date {
        let num = |r: std::ops::Range<usize>| -> i16 {
            self.0.as_bytes()[r]
                .iter()
                .fold(0i16, |acc, b| acc * 10 + i16::from(b - b'0'))
        };
        // Parsing proved these form a real date; the fallback is unreachable.
        Date::new(num(0..4), num(4..6) as i8, num(6..8) as i8).unwrap_or(Date::MIN)
    }

    /// The gender the NIP encodes (digit 15).
    pub fn gender(&self) -> Gender {
        if self.0.as_bytes()[14] == b'2' {
            Gender::Female
        } else {
            Gender::Male
        }
    }

    /// Whole years of age on `day`.
    pub fn age_on(&self, day: Date) -> i16 {
        let born = self.birth_date();
        let mut age = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        age
    }

    /// The grouped form `YYYYMMDD YYYYMM G NNN` for staff-facing screens.
    pub fn grouped(&self) -> String {
        let d = &self.0;
        format!("{} {} {} {}", &d[0..8], &d[8..14], &d[14..15], &d[15..18])
    }
}

/// The NIP is personal data: debug output masks all but the last three digits.
impl fmt::Debug for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nip(***************{})", &self.0[15..])
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Nip {
    type Error = NipError;
    fn try_from(s: String) -> Result<Nip, NipError> {
        // Stored and transmitted NIPs were validated when first parsed; the
        // year bound only guards fresh input, so use a far bound here to keep
        // old records readable whatever the clock says.
        Nip::parse_in_year(&s, i16::MAX)
    }
}

impl From<Nip> for String {
    fn from(n: Nip) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_nip_with_spaces_is_parsed_into_its_digits() {
        let nip = Nip::parse_in_year("19660801 198803 1 001", 2026).unwrap();
        assert_eq!(nip.as_str(), "196608011988031001");
        assert_eq!(nip.grouped(), "19660801 198803 1 001");
    }

    #[test]
    fn a_nip_of_17_or_19_digits_is_rejected() {
        assert_eq!(
            Nip::parse_in_year("19660801198803100", 2026),
            Err(NipError::Format)
        );
        assert_eq!(
            Nip::parse_in_year("1966080119880310011", 2026),
            Err(NipError::Format)
        );
        assert_eq!(
            Nip::parse_in_year("1966080119880310a1", 2026),
            Err(NipError::Format)
        );
    }

    #[test]
    fn an_impossible_birth_date_is_rejected() {
        assert_eq!(
            Nip::parse_in_year("196602301988031001", 2026),
            Err(NipError::BirthDate)
        );
        assert_eq!(
            Nip::parse_in_year("196613011988031001", 2026),
            Err(NipError::BirthDate)
        );
        assert_eq!(
            Nip::parse_in_year("197102291988031001", 2026),
            Err(NipError::BirthDate)
        );
        assert!(
            Nip::parse_in_year("197202291998031001", 2026).is_ok(),
            "1972 is a leap year"
        );
    }

    #[test]
    fn birth_years_before_1940_or_after_this_year_are_rejected() {
        assert_eq!(
            Nip::parse_in_year("193912311988031001", 2026),
            Err(NipError::BirthYear)
        );
        assert_eq!(
            Nip::parse_in_year("202701011988031001", 2026),
            Err(NipError::BirthYear)
        );
        assert!(Nip::parse_in_year("194001011988031001", 2026).is_ok());
    }

    #[test]
    fn the_nip_tells_birth_date_age_and_gender() {
        let n = Nip::parse("19660801 198803 2 001").unwrap();
        assert_eq!(n.birth_date(), jiff::civil::date(1966, 8, 1));
        assert_eq!(n.gender(), Gender::Female);
        assert_eq!(n.age_on(jiff::civil::date(2026, 7, 31)), 59);
        assert_eq!(n.age_on(jiff::civil::date(2026, 8, 1)), 60);
        assert_eq!(
            Nip::parse("199001012015031001").unwrap().gender(),
            Gender::Male
        );
    }

    #[test]
    fn a_gender_digit_other_than_1_or_2_is_rejected() {
        assert_eq!(
            Nip::parse_in_year("196608011988033001", 2026),
            Err(NipError::Gender)
        );
        assert_eq!(
            Nip::parse_in_year("196608011988030001", 2026),
            Err(NipError::Gender)
        );
    }

    #[test]
    fn a_pppk_number_whose_digits_13_14_are_not_a_month_is_accepted() {
        assert!(Nip::parse_in_year("198503122021212004", 2026).is_ok());
    }

    #[test]
    fn debug_output_masks_the_nip() {
        let nip = Nip::parse_in_year("196608011988031001", 2026).unwrap();
        let dbg = format!("{nip:?}");
        assert!(!dbg.contains("19660801"));
        assert!(dbg.ends_with("001)"));
    }

    proptest! {
        #[test]
        fn any_real_date_with_valid_gender_parses_and_round_trips(
            y in 1940i16..=2026, m in 1i8..=12, d in 1i8..=28,
            tmt in 0u32..1_000_000, g in 1u8..=2, seq in 0u16..1000,
        ) {
            let s = format!("{y:04}{m:02}{d:02}{tmt:06}{g}{seq:03}");
            let nip = Nip::parse_in_year(&s, 2026).unwrap();
            prop_assert_eq!(nip.as_str(), s.as_str());
            let again = Nip::parse_in_year(&nip.grouped(), 2026).unwrap();
            prop_assert_eq!(again, nip);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in ".{0,40}") {
            let _ = Nip::parse_in_year(&s, 2026);
        }
    }
}
