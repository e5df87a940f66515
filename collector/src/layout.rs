//! Where rollups live, laid out so that a reporting period is a key range,
//! never a filter over an office's whole history.
//!
//! Four tables, each row a compact [`Rollup`] ([`Rollup::encode`]):
//!
//! | table                  | key                               |
//! |------------------------|-----------------------------------|
//! | `rollups_office_day`   | (office, day, service)            |
//! | `rollups_office_month` | (office, month, service)          |
//! | `rollups_asn_day`      | (office, day, NIP, service)       |
//! | `rollups_asn_month`    | (office, month, NIP, service)     |
//!
//! Days are `yyyymmdd` and months `yyyymm` as integers (office-local), so
//! keys sort by time within an office. A month row is the sum of that
//! month's day rows, kept in the same transaction: the writer remembers each
//! touched day row as it was read and adds the difference to its month row
//! when it flushes. A period reads whole months from the month tables and
//! the days at its ragged ends from the day tables ([`Span`]), so a
//! semester costs six month rows per (office, service) or (ASN, service),
//! whatever lies outside it. Session ratings (no ticket) have no service:
//! they go under "".

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use jiff::civil::Date;
use redb::{ReadTransaction, ReadableTable, Table, TableDefinition, WriteTransaction};

use crate::ingest::IngestError;
use crate::rollup::{CodecError, Rollup};

/// (office, day, service).
pub(crate) const OFFICE_DAY: TableDefinition<(&str, u32, &str), &[u8]> =
    TableDefinition::new("rollups_office_day");
/// (office, month, service).
pub(crate) const OFFICE_MONTH: TableDefinition<(&str, u32, &str), &[u8]> =
    TableDefinition::new("rollups_office_month");
/// (office, day, NIP, service).
pub(crate) const ASN_DAY: TableDefinition<(&str, u32, &str, &str), &[u8]> =
    TableDefinition::new("rollups_asn_day");
/// (office, month, NIP, service).
pub(crate) const ASN_MONTH: TableDefinition<(&str, u32, &str, &str), &[u8]> =
    TableDefinition::new("rollups_asn_month");

impl From<CodecError> for IngestError {
    fn from(e: CodecError) -> IngestError {
        IngestError(e.to_string())
    }
}

/// A day's key: `yyyymmdd`.
pub fn day_key(d: Date) -> u32 {
    d.year() as u32 * 10_000 + d.month() as u32 * 100 + d.day() as u32
}

/// A month's key: `yyyymm`.
pub fn month_key(d: Date) -> u32 {
    d.year() as u32 * 100 + d.month() as u32
}

/// The month key of a day key.
fn month_of(day: u32) -> u32 {
    day / 100
}

/// The date of a day key.
pub fn date_of(day: u32) -> Option<Date> {
    Date::new(
        i16::try_from(day / 10_000).ok()?,
        ((day / 100) % 100) as i8,
        (day % 100) as i8,
    )
    .ok()
}

/// The day key of an ISO date (`2026-07-01`), as the writer receives days:
/// read digit by digit on the hot path, checked by the calendar otherwise.
fn day_key_of_iso(day: &str) -> Result<u32, IngestError> {
    let b = day.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
        && (1..=12).contains(&m)
        && (1..=28).contains(&d)
    {
        return Ok(y * 10_000 + m * 100 + d);
    }
    day.parse::<Date>()
        .map(day_key)
        .map_err(|e| IngestError(format!("day {day:?}: {e}")))
}

/// The ranges a period is read as: whole months, and the days before the
/// first whole month and after the last (both inclusive key ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Month keys, inclusive; `None` when no month lies wholly inside.
    pub months: Option<(u32, u32)>,
    /// Day key ranges outside those months, inclusive.
    pub days: Vec<(u32, u32)>,
}

impl Span {
    /// How `from..=to` is read.
    pub fn of(from: Date, to: Date) -> Span {
        if to < from {
            return Span {
                months: None,
                days: Vec::new(),
            };
        }
        let first_whole = if from.day() == 1 {
            Some(from)
        } else {
            from.last_of_month().tomorrow().ok()
        };
        let last_whole_end = if to == to.last_of_month() {
            Some(to)
        } else {
            to.first_of_month().yesterday().ok()
        };
        match (first_whole, last_whole_end) {
            (Some(a), Some(b)) if a <= b => {
                let mut days = Vec::new();
                if from < a
                    && let Ok(before) = a.yesterday()
                {
                    days.push((day_key(from), day_key(before)));
                }
                if b < to
                    && let Ok(after) = b.tomorrow()
                {
                    days.push((day_key(after), day_key(to)));
                }
                Span {
                    months: Some((month_key(a), month_key(b))),
                    days,
                }
            }
            _ => Span {
                months: None,
                days: vec![(day_key(from), day_key(to))],
            },
        }
    }
}

/// One office row read from the tables: its day (`None` for a month row)
/// and service.
pub struct OfficeRow<'a> {
    /// The day of a day row.
    pub day: Option<u32>,
    /// The service.
    pub service: &'a str,
    /// The stored rollup.
    pub value: &'a [u8],
}

/// Calls `f` with every office row of `office` in the span, month rows
/// first. With `by_day`, the whole period is read from day rows instead
/// (for figures per day or week).
pub fn office_rows(
    r: &ReadTransaction,
    office: &str,
    span: &Span,
    by_day: bool,
    mut f: impl FnMut(OfficeRow<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let days = r.open_table(OFFICE_DAY)?;
    let mut day_ranges = span.days.clone();
    if let Some((m0, m1)) = span.months {
        if by_day {
            day_ranges.push((m0 * 100 + 1, m1 * 100 + 31));
        } else {
            let months = r.open_table(OFFICE_MONTH)?;
            for row in months.range((office, m0, "")..=(office, m1, "\u{10FFFF}"))? {
                let (k, v) = row?;
                let (_, _, service) = k.value();
                f(OfficeRow {
                    day: None,
                    service,
                    value: v.value(),
                })?;
            }
        }
    }
    for (d0, d1) in day_ranges {
        for row in days.range((office, d0, "")..=(office, d1, "\u{10FFFF}"))? {
            let (k, v) = row?;
            let (_, day, service) = k.value();
            f(OfficeRow {
                day: Some(day),
                service,
                value: v.value(),
            })?;
        }
    }
    Ok(())
}

/// One ASN row read from the tables.
pub struct AsnRow<'a> {
    /// The day of a day row (`None` for a month row).
    pub day: Option<u32>,
    /// The ASN.
    pub nip: &'a str,
    /// The service.
    pub service: &'a str,
    /// The stored rollup.
    pub value: &'a [u8],
}

/// Calls `f` with every ASN row of `office` in the span. With `only`, rows
/// of other NIPs are skipped by key, without decoding; with `by_day`, the
/// whole period comes from day rows.
pub fn asn_rows(
    r: &ReadTransaction,
    office: &str,
    span: &Span,
    only: Option<&str>,
    by_day: bool,
    mut f: impl FnMut(AsnRow<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let days = r.open_table(ASN_DAY)?;
    let mut day_ranges = span.days.clone();
    if let Some((m0, m1)) = span.months {
        if by_day {
            day_ranges.push((m0 * 100 + 1, m1 * 100 + 31));
        } else {
            let months = r.open_table(ASN_MONTH)?;
            for row in months.range((office, m0, "", "")..=(office, m1, "\u{10FFFF}", ""))? {
                let (k, v) = row?;
                let (_, _, nip, service) = k.value();
                if only.is_some_and(|n| n != nip) {
                    continue;
                }
                f(AsnRow {
                    day: None,
                    nip,
                    service,
                    value: v.value(),
                })?;
            }
        }
    }
    for (d0, d1) in day_ranges {
        for row in days.range((office, d0, "", "")..=(office, d1, "\u{10FFFF}", ""))? {
            let (k, v) = row?;
            let (_, day, nip, service) = k.value();
            if only.is_some_and(|n| n != nip) {
                continue;
            }
            f(AsnRow {
                day: Some(day),
                nip,
                service,
                value: v.value(),
            })?;
        }
    }
    Ok(())
}

/// A day row touched in this transaction: as read, and as it is now.
struct Touched {
    old: Rollup,
    new: Rollup,
}

type OfficeKey = (String, u32, String);
type AsnKey = (String, u32, String, String);

/// The ingest writer's view of the rollups within one write transaction:
/// day rows read once and changed in memory; at [`Writer::flush`] each is
/// written once and its month row moves by the same difference.
pub(crate) struct Writer<'t> {
    office_day_t: Table<'t, (&'static str, u32, &'static str), &'static [u8]>,
    office_month_t: Table<'t, (&'static str, u32, &'static str), &'static [u8]>,
    asn_day_t: Table<'t, (&'static str, u32, &'static str, &'static str), &'static [u8]>,
    asn_month_t: Table<'t, (&'static str, u32, &'static str, &'static str), &'static [u8]>,
    office: HashMap<OfficeKey, Touched>,
    asn: HashMap<AsnKey, Touched>,
}

fn read(v: Option<redb::AccessGuard<'_, &[u8]>>) -> Result<Rollup, IngestError> {
    Ok(match v {
        Some(v) => Rollup::decode(v.value())?,
        None => Rollup::default(),
    })
}

impl<'t> Writer<'t> {
    /// Opens the four tables in `w`.
    pub(crate) fn open(w: &'t WriteTransaction) -> Result<Writer<'t>, IngestError> {
        Ok(Writer {
            office_day_t: w.open_table(OFFICE_DAY)?,
            office_month_t: w.open_table(OFFICE_MONTH)?,
            asn_day_t: w.open_table(ASN_DAY)?,
            asn_month_t: w.open_table(ASN_MONTH)?,
            office: HashMap::new(),
            asn: HashMap::new(),
        })
    }

    /// The office's day row (`day` as `2026-07-01`), to change in place.
    pub(crate) fn office(
        &mut self,
        office: &str,
        day: &str,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        self.office_at(office, day_key_of_iso(day)?, service)
    }

    /// The ASN's day row at an office, to change in place.
    pub(crate) fn asn(
        &mut self,
        office: &str,
        nip: &str,
        day: &str,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        self.asn_at(office, nip, day_key_of_iso(day)?, service)
    }

    fn office_at(
        &mut self,
        office: &str,
        day: u32,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        let key = (office.to_owned(), day, service.to_owned());
        Ok(match self.office.entry(key) {
            Entry::Occupied(e) => &mut e.into_mut().new,
            Entry::Vacant(e) => {
                let k = e.key();
                let old = read(self.office_day_t.get((k.0.as_str(), k.1, k.2.as_str()))?)?;
                &mut e
                    .insert(Touched {
                        new: old.clone(),
                        old,
                    })
                    .new
            }
        })
    }

    fn asn_at(
        &mut self,
        office: &str,
        nip: &str,
        day: u32,
        service: &str,
    ) -> Result<&mut Rollup, IngestError> {
        let key = (office.to_owned(), day, nip.to_owned(), service.to_owned());
        Ok(match self.asn.entry(key) {
            Entry::Occupied(e) => &mut e.into_mut().new,
            Entry::Vacant(e) => {
                let k = e.key();
                let old =
                    read(
                        self.asn_day_t
                            .get((k.0.as_str(), k.1, k.2.as_str(), k.3.as_str()))?,
                    )?;
                &mut e
                    .insert(Touched {
                        new: old.clone(),
                        old,
                    })
                    .new
            }
        })
    }

    /// Writes every touched day row once and moves its month row by the
    /// same difference.
    pub(crate) fn flush(&mut self) -> Result<(), IngestError> {
        let mut months: HashMap<OfficeKey, Rollup> = HashMap::new();
        for ((o, d, s), t) in self.office.drain() {
            if t.new == t.old {
                continue;
            }
            self.office_day_t
                .insert((o.as_str(), d, s.as_str()), t.new.encode().as_slice())?;
            let key = (o, month_of(d), s);
            let m = match months.entry(key) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let k = e.key();
                    let found =
                        read(self.office_month_t.get((k.0.as_str(), k.1, k.2.as_str()))?)?;
                    e.insert(found)
                }
            };
            m.add_difference(&t.new, &t.old);
        }
        for ((o, m, s), r) in months {
            self.office_month_t
                .insert((o.as_str(), m, s.as_str()), r.encode().as_slice())?;
        }
        let mut months: HashMap<AsnKey, Rollup> = HashMap::new();
        for ((o, d, n, s), t) in self.asn.drain() {
            if t.new == t.old {
                continue;
            }
            self.asn_day_t.insert(
                (o.as_str(), d, n.as_str(), s.as_str()),
                t.new.encode().as_slice(),
            )?;
            let key = (o, month_of(d), n, s);
            let m = match months.entry(key) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let k = e.key();
                    let found = read(self.asn_month_t.get((
                        k.0.as_str(),
                        k.1,
                        k.2.as_str(),
                        k.3.as_str(),
                    ))?)?;
                    e.insert(found)
                }
            };
            m.add_difference(&t.new, &t.old);
        }
        for ((o, m, n, s), r) in months {
            self.asn_month_t.insert(
                (o.as_str(), m, n.as_str(), s.as_str()),
                r.encode().as_slice(),
            )?;
        }
        Ok(())
    }
}

/// A day rollup given whole: of an office (`nip` none) or of an ASN at it.
#[derive(Debug, Clone)]
pub struct RollupRow {
    /// The office.
    pub office: shared::OfficeId,
    /// The office-local day.
    pub day: Date,
    /// The ASN, for an ASN row.
    pub nip: Option<shared::Nip>,
    /// The service ("" for ratings without a ticket).
    pub service: String,
    /// What it adds.
    pub rollup: Rollup,
}

impl Writer<'_> {
    /// Adds whole day rollups (history generated for benchmarks and the
    /// demo, or carried over from another system): the same rows, month
    /// rows and encoding as events produce.
    pub(crate) fn add_rows(&mut self, rows: &[RollupRow]) -> Result<(), IngestError> {
        for r in rows {
            let (o, d) = (r.office.as_str(), day_key(r.day));
            match &r.nip {
                None => self.office_at(o, d, &r.service)?.merge(&r.rollup),
                Some(n) => self.asn_at(o, n.as_str(), d, &r.service)?.merge(&r.rollup),
            }
        }
        Ok(())
    }
}

/// Checks that every month row equals the sum of its day rows, office and
/// ASN alike; returns the keys of those that do not (the fault suite runs
/// this after crashes: a month row must never drift from its days).
pub fn verify(db: &redb::Database) -> Result<Vec<String>, IngestError> {
    use redb::ReadableDatabase;
    use std::collections::BTreeMap;
    let r = db.begin_read()?;
    let mut bad = Vec::new();
    let mut sums: BTreeMap<(String, u32, String, String), Rollup> = BTreeMap::new();
    for row in r.open_table(OFFICE_DAY)?.iter()? {
        let (k, v) = row?;
        let (o, d, s) = k.value();
        sums.entry((o.to_owned(), month_of(d), String::new(), s.to_owned()))
            .or_default()
            .merge_encoded(v.value())?;
    }
    for row in r.open_table(ASN_DAY)?.iter()? {
        let (k, v) = row?;
        let (o, d, n, s) = k.value();
        sums.entry((o.to_owned(), month_of(d), n.to_owned(), s.to_owned()))
            .or_default()
            .merge_encoded(v.value())?;
    }
    let mut months: BTreeMap<(String, u32, String, String), Rollup> = BTreeMap::new();
    for row in r.open_table(OFFICE_MONTH)?.iter()? {
        let (k, v) = row?;
        let (o, m, s) = k.value();
        months.insert(
            (o.to_owned(), m, String::new(), s.to_owned()),
            Rollup::decode(v.value())?,
        );
    }
    for row in r.open_table(ASN_MONTH)?.iter()? {
        let (k, v) = row?;
        let (o, m, n, s) = k.value();
        months.insert(
            (o.to_owned(), m, n.to_owned(), s.to_owned()),
            Rollup::decode(v.value())?,
        );
    }
    let empty = Rollup::default();
    let keys: std::collections::BTreeSet<_> = sums.keys().chain(months.keys()).collect();
    for key in keys {
        let (a, b) = (
            sums.get(key).unwrap_or(&empty),
            months.get(key).unwrap_or(&empty),
        );
        if a != b {
            bad.push(format!("{key:?}"));
        }
    }
    Ok(bad)
}

/// Creates the four tables (readers never meet a missing table).
pub(crate) fn create(w: &WriteTransaction) -> Result<(), IngestError> {
    w.open_table(OFFICE_DAY)?;
    w.open_table(OFFICE_MONTH)?;
    w.open_table(ASN_DAY)?;
    w.open_table(ASN_MONTH)?;
    Ok(())
}

/// Layout 2 kept rollups as JSON in two tables, the ASN's keyed by
/// (office, NIP, day, service), which made every ASN report scan the office's
/// whole history. [`migrate_v2`] moves them into this layout in one
/// transaction: day rows re-encoded, month rows summed, old tables deleted.
mod v2 {
    use std::collections::BTreeMap;

    use redb::TableDefinition;
    use serde::Deserialize;
    use shared::IkmTally;

    use crate::rollup::{Hist, Rollup};

    pub(super) const OFFICE_DAY: TableDefinition<(&str, &str, &str), &[u8]> =
        TableDefinition::new("rollup_office_day");
    pub(super) const NIP_DAY: TableDefinition<(&str, &str, &str, &str), &[u8]> =
        TableDefinition::new("rollup_nip_day");

    /// A layout-2 rollup as it was stored (JSON, every field defaulted).
    #[derive(Deserialize, Default)]
    #[serde(default)]
    pub(super) struct Old {
        issued: u64,
        served: u64,
        abandoned: u64,
        within_target: u64,
        wait: BTreeMap<u16, u64>,
        service: BTreeMap<u16, u64>,
        scores: [u64; 4],
        session_scores: [u64; 4],
        ikm: IkmTally,
        flagged: u64,
        hour_visits: [u64; 24],
        hour_wait_s: [u64; 24],
        quick: u64,
        qr: u64,
        excluded: u64,
    }

    fn hist(m: &BTreeMap<u16, u64>) -> Hist {
        Hist::from_sorted(m.iter().filter(|e| *e.1 != 0).map(|(b, c)| (*b, *c)))
    }

    impl From<Old> for Rollup {
        fn from(o: Old) -> Rollup {
            Rollup {
                issued: o.issued,
                served: o.served,
                abandoned: o.abandoned,
                within_target: o.within_target,
                wait: hist(&o.wait),
                service: hist(&o.service),
                scores: o.scores,
                session_scores: o.session_scores,
                ikm: o.ikm,
                flagged: o.flagged,
                hour_visits: o.hour_visits,
                hour_wait_s: o.hour_wait_s,
                quick: o.quick,
                qr: o.qr,
                excluded: o.excluded,
            }
        }
    }
}

/// Moves a layout-2 file's rollups into this layout (see [`v2`]); returns
/// the rows moved.
pub(crate) fn migrate_v2(w: &WriteTransaction) -> Result<u64, IngestError> {
    let mut rows = Vec::new();
    let parse = |day: &str| {
        day.parse::<Date>()
            .map_err(|e| IngestError(format!("layout 2 rollup day {day:?}: {e}")))
    };
    let old = |v: &[u8]| -> Result<Rollup, IngestError> {
        Ok(serde_json::from_slice::<v2::Old>(v)?.into())
    };
    {
        let t = w.open_table(v2::OFFICE_DAY)?;
        for row in t.iter()? {
            let (k, v) = row?;
            let (office, day, service) = k.value();
            rows.push(RollupRow {
                office: shared::OfficeId::parse(office)
                    .map_err(|e| IngestError(format!("layout 2 rollup office: {e}")))?,
                day: parse(day)?,
                nip: None,
                service: service.to_owned(),
                rollup: old(v.value())?,
            });
        }
        let t = w.open_table(v2::NIP_DAY)?;
        for row in t.iter()? {
            let (k, v) = row?;
            let (office, nip, day, service) = k.value();
            rows.push(RollupRow {
                office: shared::OfficeId::parse(office)
                    .map_err(|e| IngestError(format!("layout 2 rollup office: {e}")))?,
                day: parse(day)?,
                nip: Some(
                    shared::Nip::parse(nip)
                        .map_err(|e| IngestError(format!("layout 2 rollup NIP: {e}")))?,
                ),
                service: service.to_owned(),
                rollup: old(v.value())?,
            });
        }
    }
    create(w)?;
    {
        let mut writer = Writer::open(w)?;
        writer.add_rows(&rows)?;
        writer.flush()?;
    }
    w.delete_table(v2::OFFICE_DAY)?;
    w.delete_table(v2::NIP_DAY)?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn span(a: &str, b: &str) -> Span {
        Span::of(d(a), d(b))
    }

    #[test]
    fn a_period_of_whole_months_reads_month_rows_only() {
        assert_eq!(
            span("2026-07-01", "2026-12-31"),
            Span {
                months: Some((202607, 202612)),
                days: vec![]
            }
        );
        assert_eq!(
            span("2028-02-01", "2028-02-29"),
            Span {
                months: Some((202802, 202802)),
                days: vec![]
            }
        );
    }

    #[test]
    fn ragged_ends_of_a_period_read_day_rows() {
        assert_eq!(
            span("2026-06-15", "2026-09-10"),
            Span {
                months: Some((202607, 202608)),
                days: vec![(20260615, 20260630), (20260901, 20260910)]
            }
        );
        assert_eq!(
            span("2026-06-15", "2026-06-20"),
            Span {
                months: None,
                days: vec![(20260615, 20260620)]
            }
        );
        assert_eq!(
            span("2026-06-15", "2026-07-20"),
            Span {
                months: None,
                days: vec![(20260615, 20260720)]
            },
            "no whole month inside"
        );
        assert_eq!(
            span("2026-12-01", "2027-01-31"),
            Span {
                months: Some((202612, 202701)),
                days: vec![]
            },
            "across a year"
        );
        assert_eq!(span("2026-07-02", "2026-07-01").days, vec![]);
    }

    #[test]
    fn every_day_of_a_period_is_read_exactly_once() {
        let mut rng = fastrand::Rng::with_seed(5);
        let base = d("2025-11-20");
        for _ in 0..300 {
            let from = base
                .checked_add(jiff::Span::new().days(rng.i64(0..400)))
                .unwrap();
            let to = from
                .checked_add(jiff::Span::new().days(rng.i64(0..200)))
                .unwrap();
            let s = Span::of(from, to);
            let mut day = from;
            while day <= to {
                let k = day_key(day);
                let in_days = s.days.iter().filter(|(a, b)| *a <= k && k <= *b).count();
                let in_months = s
                    .months
                    .is_some_and(|(a, b)| a <= month_key(day) && month_key(day) <= b);
                assert_eq!(in_days + usize::from(in_months), 1, "{from}..{to}: {day}");
                day = day.tomorrow().unwrap();
            }
            if let Some((a, b)) = s.months {
                assert!(a >= month_key(from) && b <= month_key(to));
            }
        }
    }

    #[test]
    fn iso_days_read_as_their_keys() {
        for s in [
            "2026-07-01",
            "2026-02-28",
            "2028-02-29",
            "2026-12-31",
            "1999-01-09",
        ] {
            assert_eq!(day_key_of_iso(s).unwrap(), day_key(d(s)), "{s}");
        }
        for s in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "26-07-01",
            "2026/07/01",
            "",
        ] {
            assert!(day_key_of_iso(s).is_err(), "{s}");
        }
    }

    #[test]
    fn day_keys_sort_as_dates_and_read_back() {
        let a = d("2026-12-31");
        let b = d("2027-01-01");
        assert!(day_key(a) < day_key(b));
        assert_eq!(date_of(day_key(a)), Some(a));
        assert_eq!(month_key(b), 202701);
        assert_eq!(date_of(20261332), None);
    }
}
