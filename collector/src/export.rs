//! The raw event log for analytics engines, and how long it is kept.
//!
//! Reports never read raw events (they read rollups, kept forever), so the
//! log can be let go after a while: with a retention of N days
//! (`--event-retention-days`, 0 keeps everything) the events received more
//! than N days ago (UTC days) are deleted, oldest first, in small jobs of the
//! ingest writer. Tickets, ratings (with their comments, replies and
//! reviews), follow-ups and the audit trail are evidence and stay.
//!
//! Events are found by the day they arrived through `event_days`: one row
//! per (UTC day, kiosk, database instance) holding the sequence range that
//! arrived that day, written in the batch's transaction.
//!
//! `GET /api/v1/export/events` streams them as NDJSON or CSV from one read
//! transaction, in chunks, so a year of a province never sits in memory:
//! each kiosk event as sent (its JSON untouched), and citizens' phone
//! ratings (which reach the collector directly, not as kiosk events).

use std::io::Write as _;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use shared::wire::Channel;

use crate::ingest::{EVENTS, IngestError, RATINGS, RatingRec};
use crate::layout::{date_of, day_key};

/// (UTC day received, kiosk, instance) -> (first, last) sequence received.
pub(crate) const EVENT_DAYS: TableDefinition<(u32, u128, u128), (u64, u64)> =
    TableDefinition::new("event_days");

/// The shortest retention accepted: kiosks keep acknowledged events a week
/// and may resend them; a month leaves the replay check room.
pub const MIN_RETENTION_DAYS: u32 = 30;

/// The UTC day of `at`.
pub fn utc_day(at: Timestamp) -> Date {
    at.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Records that `first..=last` of (kiosk, instance) arrived at `at`.
pub(crate) fn note_arrival(
    t: &mut redb::Table<'_, (u32, u128, u128), (u64, u64)>,
    at: Timestamp,
    kiosk: u128,
    instance: u128,
    first: u64,
    last: u64,
) -> Result<(), IngestError> {
    let key = (day_key(utc_day(at)), kiosk, instance);
    let (a, b) = t
        .get(key)?
        .map(|v| v.value())
        .map_or((first, last), |(a, b)| (a.min(first), b.max(last)));
    t.insert(key, (a, b))?;
    Ok(())
}

/// Indexes every stored event under `day` (a file from before the index:
/// its events count as arrived on the day it was upgraded).
pub(crate) fn index_all(w: &WriteTransaction, day: Date) -> Result<u64, IngestError> {
    let mut ranges: std::collections::BTreeMap<(u128, u128), (u64, u64)> = Default::default();
    for row in w.open_table(EVENTS)?.iter()? {
        let (k, _) = row?;
        let (kiosk, instance, seq) = k.value();
        let e = ranges.entry((kiosk, instance)).or_insert((seq, seq));
        e.0 = e.0.min(seq);
        e.1 = e.1.max(seq);
    }
    let mut t = w.open_table(EVENT_DAYS)?;
    for ((k, i), (a, b)) in &ranges {
        t.insert((day_key(day), *k, *i), (*a, *b))?;
    }
    Ok(ranges.len() as u64)
}

/// Deletes the events of at most `max_days` (day, kiosk, instance) rows
/// received before `before`; returns how many such rows went (0: nothing
/// left). The caller repeats, so no job holds the writer long.
pub(crate) fn prune(
    w: &WriteTransaction,
    before: Date,
    max_days: usize,
) -> Result<u64, IngestError> {
    let mut days = w.open_table(EVENT_DAYS)?;
    type DayRow = ((u32, u128, u128), (u64, u64));
    let old: Vec<DayRow> = days
        .range((0, 0, 0)..(day_key(before), 0, 0))?
        .take(max_days)
        .map(|r| r.map(|(k, v)| (k.value(), v.value())))
        .collect::<Result<_, _>>()?;
    let old_len = old.len() as u64;
    let mut events = w.open_table(EVENTS)?;
    let mut gone = 0u64;
    for (key, (a, b)) in old {
        let (_, k, i) = key;
        events.retain_in((k, i, a)..=(k, i, b), |_, _| {
            gone += 1;
            false
        })?;
        days.remove(key)?;
    }
    if gone > 0 {
        tracing::info!(events = gone, %before, "deleted raw events past their retention");
    }
    Ok(old_len)
}

/// Keeps deleting raw events older than `days` (UTC days), at start and
/// then hourly, in small writer jobs. Runs as long as the server.
pub async fn retention_forever(store: crate::store::Store, days: u32) {
    loop {
        let today = utc_day(Timestamp::now());
        if let Ok(before) = today.checked_sub(jiff::Span::new().days(i64::from(days))) {
            loop {
                match store.ingest().prune_events(before).await {
                    Ok(0) => break,
                    Ok(_) => tokio::task::yield_now().await,
                    Err(e) => {
                        tracing::error!(error = %e, "raw event retention failed; retrying in an hour");
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// An export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// RFC 4180 with a header; the event as a JSON cell.
    Csv,
}

impl Format {
    /// The media type of the response.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Where the exporter's chunks go; `false` when the receiver has gone (the
/// client disconnected), which ends the export.
pub trait Sink {
    /// Takes a chunk.
    fn send(&mut self, chunk: Vec<u8>) -> bool;
}

const CHUNK: usize = 64 * 1024;

fn event_type(raw: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_slice::<Tag>(raw)
        .map(|t| t.kind)
        .unwrap_or_default()
}

/// Streams the events received on UTC days `from..=to` (kiosk events, then
/// phone ratings submitted in those days) into `sink`; returns the rows
/// written. Runs on a blocking thread.
pub fn export(
    db: &Arc<Database>,
    from: Date,
    to: Date,
    format: Format,
    sink: &mut dyn Sink,
) -> Result<u64, IngestError> {
    let r = db.begin_read()?;
    let days = r.open_table(EVENT_DAYS)?;
    let events = r.open_table(EVENTS)?;
    let ratings = r.open_table(RATINGS)?;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut rows = 0u64;
    let mut flush = |buf: &mut Vec<u8>, force: bool| -> bool {
        if buf.len() >= CHUNK || (force && !buf.is_empty()) {
            return sink.send(std::mem::replace(buf, Vec::with_capacity(CHUNK + 4096)));
        }
        true
    };
    let io = |e: std::io::Error| IngestError(e.to_string());
    if format == Format::Csv {
        buf.extend_from_slice(b"source,kiosk_id,instance_id,seq,received_day,type,event\n");
    }
    let hi = to.tomorrow().map_or(u32::MAX, day_key);
    for row in days.range((day_key(from), 0, 0)..(hi, 0, 0))? {
        let (k, v) = row?;
        let (day, kiosk, instance) = k.value();
        let (a, b) = v.value();
        let day = date_of(day).map(|d| d.to_string()).unwrap_or_default();
        let (kiosk, instance) = (
            uuid::Uuid::from_u128(kiosk),
            uuid::Uuid::from_u128(instance),
        );
        for e in events.range((k.value().1, k.value().2, a)..=(k.value().1, k.value().2, b))? {
            let (ek, ev) = e?;
            let seq = ek.value().2;
            let raw = ev.value();
            match format {
                Format::Ndjson => {
                    write!(
                        buf,
                        "{{\"source\":\"kiosk\",\"kiosk_id\":\"{kiosk}\",\"instance_id\":\"{instance}\",\"seq\":{seq},\"received_day\":\"{day}\",\"event\":"
                    )
                    .map_err(io)?;
                    buf.extend_from_slice(raw);
                    buf.extend_from_slice(b"}\n");
                }
                Format::Csv => {
                    let json = String::from_utf8_lossy(raw);
                    writeln!(
                        buf,
                        "kiosk,{kiosk},{instance},{seq},{day},{},\"{}\"",
                        event_type(raw),
                        json.replace('"', "\"\"")
                    )
                    .map_err(io)?;
                }
            }
            rows += 1;
            if !flush(&mut buf, false) {
                return Ok(rows);
            }
        }
    }
    // Phone ratings: their ids are UUIDv7 minted on arrival, so the days
    // are a key range.
    let start = crate::floor::v7_floor(
        from.to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| IngestError(e.to_string()))?
            .timestamp(),
    );
    let end = match to
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
    {
        Some(z) => crate::floor::v7_floor(z.timestamp()),
        None => u128::MAX,
    };
    for row in ratings.range(start..end)? {
        let (_, v) = row?;
        let rec: RatingRec = serde_json::from_slice(v.value())?;
        if rec.event.channel == Channel::Tablet {
            continue;
        }
        let event = serde_json::to_string(&rec.event)?;
        let day = utc_day(rec.received_at);
        match format {
            Format::Ndjson => {
                writeln!(
                    buf,
                    "{{\"source\":\"phone\",\"kiosk_id\":\"{}\",\"office_id\":{},\"received_day\":\"{day}\",\"event\":{event}}}",
                    rec.kiosk.0,
                    serde_json::to_string(rec.office.as_str())?
                )
                .map_err(io)?;
            }
            Format::Csv => {
                writeln!(
                    buf,
                    "phone,{},,,{day},rating,\"{}\"",
                    rec.kiosk.0,
                    event.replace('"', "\"\"")
                )
                .map_err(io)?;
            }
        }
        rows += 1;
        if !flush(&mut buf, false) {
            return Ok(rows);
        }
    }
    flush(&mut buf, true);
    Ok(rows)
}
