//! Reports for HR and office heads, computed from the rollups only (never
//! from raw events): per office (with the figures behind its charts and the
//! official SKM report), and per ASN with fair scores and the evidence behind
//! them. Every page shows what these functions return; the JSON routes
//! return the same values, so a page and its route cannot disagree.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use redb::{Database, ReadableDatabase};
use shared::fair::{FairParams, ScoreStats, fair_scores};
use shared::secret::asn_ref;
use shared::skm::{ELEMENTS, IkmTally, krejcie_morgan_sample_min};
use shared::wire::{
    AsnEvidence, AsnReportRow, EvidenceComment, HourFigures, OfficeDetail, OfficeReportRow,
    PeriodFigures, ServiceShare, SkmElement, SkmReport, WeekFigures,
};
use shared::{Nip, Office, OfficeId};

use shared::review::{FollowUpFigures, FollowUpItem, FollowUpStatus};

use crate::ingest::{IngestError, RatingStatus};
use crate::layout::{self, Span};
use crate::rollup::Rollup;

/// A reporting period: office-local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

impl Period {
    /// The period of equal length just before.
    pub fn previous(&self) -> Period {
        let len = (self.to - self.from).get_days() + 1;
        let to = self.from.yesterday().unwrap_or(self.from);
        let from = self
            .from
            .checked_sub(jiff::Span::new().days(len))
            .unwrap_or(self.from);
        Period { from, to }
    }

    pub(crate) fn contains(&self, day: Date) -> bool {
        day >= self.from && day <= self.to
    }
}

/// What a report knows of a set of ASN's names and references.
#[derive(Debug, Clone, Default)]
pub struct People {
    /// NIP -> name (from the roster).
    pub names: HashMap<String, String>,
    /// The key of [`shared::secret::asn_ref`].
    pub ref_key: Vec<u8>,
}

fn figures(r: &Rollup, ratings: u64) -> PeriodFigures {
    PeriodFigures {
        services: r.served,
        ratings,
        ikm: r.ikm.ikm().map(|i| i.as_f64()),
        ikm_responses: r.ikm.responses,
        wait_p50_s: r.wait.percentile(0.5),
        wait_p90_s: r.wait.percentile(0.9),
        service_p50_s: r.service.percentile(0.5),
        timeliness: (r.served > 0).then(|| r.within_target as f64 / r.served as f64),
        flagged: r.flagged,
    }
}

/// Ratings of an office's rollup: with and without a ticket.
fn all_ratings(r: &Rollup) -> u64 {
    r.ratings() + r.session_ratings()
}

/// One office's rollups (or a scope's) for a period and the one before, each
/// read as key ranges: the period's total, the previous period's total, the
/// period per day (when asked for), and the period per service.
#[derive(Debug, Default)]
struct OfficeScan {
    cur: Rollup,
    before: Rollup,
    days: BTreeMap<Date, Rollup>,
    services: BTreeMap<String, Rollup>,
}

/// The rollup under `key`, made when missing (without allocating a key for
/// one that exists: reports fold many rows into few).
fn slot<'m>(m: &'m mut BTreeMap<String, Rollup>, key: &str) -> &'m mut Rollup {
    if !m.contains_key(key) {
        m.insert(key.to_owned(), Rollup::default());
    }
    m.get_mut(key)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

fn day_of_row(day: Option<u32>) -> Option<Date> {
    day.and_then(crate::layout::date_of)
}

/// One office's rollups for `p` and the period before, each read as a key
/// range (whole months from month rows, the ends from day rows); the
/// period's days are read from day rows when `by_day` (office detail: the
/// weekly trend).
fn scan_office(
    db: &Database,
    office: &OfficeId,
    p: Period,
    by_day: bool,
) -> Result<OfficeScan, IngestError> {
    let r = db.begin_read()?;
    let mut scan = OfficeScan::default();
    let mut days = BTreeMap::new();
    scan_office_in(&r, office, p, &mut scan, by_day.then_some(&mut days))?;
    scan.days = days;
    Ok(scan)
}

/// Adds one office's rollups to `scan` (its totals and services from month
/// rows where the period allows), and its days to `days` when given; a
/// scope of many offices folds them all into one scan and one day map.
fn scan_office_in(
    r: &redb::ReadTransaction,
    office: &OfficeId,
    p: Period,
    scan: &mut OfficeScan,
    days: Option<&mut BTreeMap<Date, Rollup>>,
) -> Result<(), IngestError> {
    let prev = p.previous();
    let o = office.as_str();
    let mut row = Rollup::default();
    layout::office_rows(r, o, &Span::of(p.from, p.to), false, |x| {
        row = Rollup::decode(x.value)?;
        scan.cur.merge(&row);
        slot(&mut scan.services, x.service).merge(&row);
        Ok(())
    })?;
    layout::office_rows(r, o, &Span::of(prev.from, prev.to), false, |x| {
        Ok(scan.before.merge_encoded(x.value)?)
    })?;
    if let Some(days) = days {
        let span = Span {
            months: None,
            days: vec![(layout::day_key(p.from), layout::day_key(p.to))],
        };
        layout::office_rows(r, o, &span, true, |x| {
            if let Some(day) = day_of_row(x.day) {
                days.entry(day).or_default().merge_encoded(x.value)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn row_of(id: &str, name: &str, scan: &OfficeScan) -> OfficeReportRow {
    let cur = &scan.cur;
    let sample_min = krejcie_morgan_sample_min(cur.served);
    OfficeReportRow {
        office_id: id.to_owned(),
        name: name.to_owned(),
        ikm_sample_min: sample_min,
        ikm_sample_short: cur.ikm.responses < sample_min,
        grade: cur.ikm.ikm().map(|i| i.grade().letter().to_owned()),
        previous: figures(&scan.before, all_ratings(&scan.before)),
        figures: figures(cur, all_ratings(cur)),
    }
}

/// One office's row.
pub fn office_row(
    db: &Database,
    office: &Office,
    p: Period,
) -> Result<OfficeReportRow, IngestError> {
    let scan = scan_office(db, &office.id, p, false)?;
    Ok(row_of(office.id.as_str(), &office.name, &scan))
}

/// The SKM elements of a tally, and the weakest three's codes.
fn elements_of(t: &IkmTally) -> (Vec<SkmElement>, Vec<String>) {
    let s = t.summary();
    let elements = ELEMENTS
        .iter()
        .zip(s.elements)
        .map(|(e, v)| SkmElement {
            code: e.code.to_owned(),
            name: e.name_id.to_owned(),
            sum: v.sum,
            nrr: v.nrr,
            nrr_weighted: v.nrr_weighted,
        })
        .collect();
    let weakest = s
        .weakest
        .iter()
        .map(|&i| ELEMENTS[i].code.to_owned())
        .collect();
    (elements, weakest)
}

fn hours_of(r: &Rollup) -> Vec<HourFigures> {
    (0..24)
        .map(|h| HourFigures {
            hour: h as u8,
            visits: r.hour_visits[h],
            wait_mean_s: (r.hour_visits[h] > 0)
                .then(|| (r.hour_wait_s[h] / r.hour_visits[h]) as i64),
        })
        .collect()
}

/// The Monday of `day`'s week.
fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

fn weeks_of(days: &BTreeMap<Date, Rollup>) -> Vec<WeekFigures> {
    let mut weeks: BTreeMap<Date, Rollup> = BTreeMap::new();
    for (d, r) in days {
        weeks.entry(monday_of(*d)).or_default().merge(r);
    }
    weeks
        .into_iter()
        .map(|(monday, r)| {
            let mut stats = r.score_stats();
            stats.add(&ScoreStats::from_counts(&r.session_scores));
            WeekFigures {
                week_start: monday.to_string(),
                services: r.served,
                ratings: all_ratings(&r),
                score_mean: stats.mean(),
                wait_p50_s: r.wait.percentile(0.5),
                ikm: r.ikm.ikm().map(|i| i.as_f64()),
            }
        })
        .collect()
}

fn detail_of(
    p: Period,
    row: OfficeReportRow,
    scan: &OfficeScan,
    followup: FollowUpFigures,
) -> OfficeDetail {
    let (elements, weakest) = elements_of(&scan.cur.ikm);
    OfficeDetail {
        from: p.from.to_string(),
        to: p.to.to_string(),
        row,
        elements,
        weakest,
        hours: hours_of(&scan.cur),
        weeks: weeks_of(&scan.days),
        followup,
    }
}

/// Follow-up figures of the items opened in `p` (their office-local day),
/// as they stand now.
pub fn followup_figures(items: &[FollowUpItem], p: Period) -> FollowUpFigures {
    let mut f = FollowUpFigures::default();
    let mut close_h: Vec<f64> = Vec::new();
    for i in items {
        if !i.day.parse::<Date>().is_ok_and(|d| p.contains(d)) {
            continue;
        }
        f.opened += 1;
        match i.status {
            FollowUpStatus::Open => {}
            FollowUpStatus::InProgress => f.in_progress += 1,
            FollowUpStatus::Done => {
                f.done += 1;
                if let Some(c) = i.closed_at {
                    close_h.push(c.duration_since(i.opened_at).as_secs_f64().max(0.0) / 3600.0);
                }
            }
        }
    }
    f.rate = (f.opened > 0).then(|| f.done as f64 / f.opened as f64);
    close_h.sort_by(f64::total_cmp);
    f.close_p50_h = (!close_h.is_empty()).then(|| {
        let m = close_h[(close_h.len() - 1) / 2];
        (m * 10.0).round() / 10.0
    });
    f
}

fn office_followups(
    db: &Database,
    office: &OfficeId,
    p: Period,
) -> Result<FollowUpFigures, IngestError> {
    Ok(followup_figures(&crate::ingest::followups(db, office)?, p))
}

/// An office's report with the figures behind its charts.
pub fn office_detail(
    db: &Database,
    office: &Office,
    p: Period,
) -> Result<OfficeDetail, IngestError> {
    let scan = scan_office(db, &office.id, p, true)?;
    let row = row_of(office.id.as_str(), &office.name, &scan);
    let followup = office_followups(db, &office.id, p)?;
    Ok(detail_of(p, row, &scan, followup))
}

/// The offices of a scope taken together (HR: every office; a head: theirs),
/// reported as one: its row's id is `*`.
pub fn scope_detail(
    db: &Database,
    offices: &[Office],
    name: &str,
    p: Period,
) -> Result<OfficeDetail, IngestError> {
    let mut all = OfficeScan::default();
    let mut days = BTreeMap::new();
    let mut items = Vec::new();
    let r = db.begin_read()?;
    for o in offices {
        scan_office_in(&r, &o.id, p, &mut all, Some(&mut days))?;
        items.extend(crate::ingest::followups(db, &o.id)?);
    }
    all.days = days;
    let row = row_of("*", name, &all);
    Ok(detail_of(p, row, &all, followup_figures(&items, p)))
}

/// The official SKM report of an office and period.
pub fn skm_report(db: &Database, office: &Office, p: Period) -> Result<SkmReport, IngestError> {
    let scan = scan_office(db, &office.id, p, false)?;
    let t = &scan.cur.ikm;
    let s = t.summary();
    let (elements, weakest) = elements_of(t);
    let population = scan.cur.served;
    let sample_min = krejcie_morgan_sample_min(population);
    Ok(SkmReport {
        office_id: office.id.to_string(),
        name: office.name.clone(),
        from: p.from.to_string(),
        to: p.to.to_string(),
        population,
        respondents: s.respondents,
        sample_min,
        sample_short: s.respondents < sample_min,
        elements,
        nrr_weighted_total: s.ikm_unconverted,
        ikm: s.ikm.map(|i| i.as_f64()),
        grade: s.ikm.map(|i| i.grade().letter().to_owned()),
        kinerja: s.ikm.map(|i| i.grade().words(shared::Lang::Id).to_owned()),
        weakest,
        followup: office_followups(db, &office.id, p)?,
    })
}

/// One ASN's rollups at an office: per service (the period), the previous
/// period's total, and the period per day.
#[derive(Debug, Default)]
struct AsnScan {
    by_service: BTreeMap<String, Rollup>,
    before: Rollup,
    days: BTreeMap<Date, Rollup>,
}

impl AsnScan {
    fn total(&self) -> Rollup {
        let mut t = Rollup::default();
        for r in self.by_service.values() {
            t.merge(r);
        }
        t
    }
}

/// The ASN rollups of `office` for `p` and the period before, read as key
/// ranges. With `only`, one ASN's rows (others skipped by key), and the
/// period read by day for their weekly trend.
fn scan_asns(
    db: &Database,
    office: &OfficeId,
    p: Period,
    only: Option<&Nip>,
) -> Result<BTreeMap<String, AsnScan>, IngestError> {
    let prev = p.previous();
    let mut out: BTreeMap<String, AsnScan> = BTreeMap::new();
    let r = db.begin_read()?;
    let o = office.as_str();
    let only = only.map(Nip::as_str);
    let by_day = only.is_some();
    fn asn<'m>(out: &'m mut BTreeMap<String, AsnScan>, nip: &str) -> &'m mut AsnScan {
        if !out.contains_key(nip) {
            out.insert(nip.to_owned(), AsnScan::default());
        }
        out.get_mut(nip)
            .unwrap_or_else(|| unreachable!("inserted above"))
    }
    let mut row = Rollup::default();
    layout::asn_rows(&r, o, &Span::of(p.from, p.to), only, by_day, |x| {
        let a = asn(&mut out, x.nip);
        if let Some(day) = day_of_row(x.day)
            && by_day
        {
            row = Rollup::decode(x.value)?;
            slot(&mut a.by_service, x.service).merge(&row);
            a.days.entry(day).or_default().merge(&row);
        } else {
            slot(&mut a.by_service, x.service).merge_encoded(x.value)?;
        }
        Ok(())
    })?;
    layout::asn_rows(&r, o, &Span::of(prev.from, prev.to), only, false, |x| {
        Ok(asn(&mut out, x.nip).before.merge_encoded(x.value)?)
    })?;
    Ok(out)
}

fn rows_of(
    office: &OfficeId,
    people: &People,
    scans: &BTreeMap<String, AsnScan>,
    office_services: &BTreeMap<String, Rollup>,
    params: FairParams,
) -> Vec<AsnReportRow> {
    let stats: Vec<BTreeMap<String, ScoreStats>> = scans
        .values()
        .map(|a| {
            a.by_service
                .iter()
                .filter(|(svc, _)| !svc.is_empty())
                .map(|(svc, r)| (svc.clone(), r.score_stats()))
                .collect()
        })
        .collect();
    let fair = fair_scores(&stats, params);
    scans
        .iter()
        .zip(fair)
        .map(|((nip, a), f)| {
            let total = a.total();
            let ratings = total.ratings();
            let mut by_service: Vec<ServiceShare> = a
                .by_service
                .iter()
                .filter(|(svc, _)| !svc.is_empty())
                .map(|(svc, r)| ServiceShare {
                    service: svc.clone(),
                    services: r.served,
                    ratings: r.ratings(),
                    score_mean: r.score_stats().mean(),
                    office_score_mean: office_services
                        .get(svc)
                        .and_then(|o| o.score_stats().mean()),
                })
                .collect();
            by_service.sort_by(|x, y| y.services.cmp(&x.services).then(x.service.cmp(&y.service)));
            let asn_ref = Nip::parse(nip)
                .map(|n| asn_ref(&people.ref_key, &n))
                .unwrap_or_default();
            AsnReportRow {
                asn_ref,
                nip: nip.clone(),
                name: people.names.get(nip).cloned().unwrap_or_default(),
                office_id: office.to_string(),
                ratings_by_session: total.session_ratings(),
                // An excluded rating left the score, not the count of citizens
                // who answered.
                response_rate: (total.served > 0)
                    .then(|| (ratings + total.excluded) as f64 / total.served as f64),
                score_mean: f.score_mean,
                expected: f.expected,
                score_adjusted: f.score_adjusted,
                ci_low: f.ci_low,
                ci_high: f.ci_high,
                band: f.band,
                previous: figures(&a.before, a.before.ratings()),
                figures: figures(&total, ratings),
                by_service,
                excluded: total.excluded,
            }
        })
        .collect()
}

/// Rows for every ASN with activity at `office` in the period (or before:
/// an ASN with only previous-period activity still gets a row).
pub fn asn_rows(
    db: &Database,
    office: &OfficeId,
    people: &People,
    p: Period,
    params: FairParams,
) -> Result<Vec<AsnReportRow>, IngestError> {
    let scans = scan_asns(db, office, p, None)?;
    let office_scan = scan_office(db, office, p, false)?;
    Ok(rows_of(
        office,
        people,
        &scans,
        &office_scan.services,
        params,
    ))
}

/// The evidence behind one ASN's figures at `office` for a period; `None`
/// when they have no activity there in it or the period before.
pub fn asn_evidence(
    db: &Database,
    office: &Office,
    nip: &Nip,
    people: &People,
    p: Period,
    params: FairParams,
) -> Result<Option<AsnEvidence>, IngestError> {
    // Fair scores compare the ASN with the office's others: every row is
    // needed; the weekly trend needs this ASN's days only.
    let scans = scan_asns(db, &office.id, p, None)?;
    let office_scan = scan_office(db, &office.id, p, false)?;
    let rows = rows_of(&office.id, people, &scans, &office_scan.services, params);
    let Some(row) = rows.into_iter().find(|r| r.nip == nip.as_str()) else {
        return Ok(None);
    };
    let a = scans
        .get(nip.as_str())
        .map(AsnScan::total)
        .unwrap_or_default();
    let office_ratings = office_scan.cur.ratings();
    // What an ASN may answer and a head may review: ratings with a comment,
    // low ones without, and any already answered or reviewed.
    let mut comments: Vec<EvidenceComment> =
        crate::ingest::nip_ratings(db, &office.id, nip, &p.from.to_string(), &p.to.to_string())?
            .into_iter()
            .filter(|(_, r)| matches!(r.status, RatingStatus::Counted { .. }))
            .filter(|(_, r)| {
                r.event.comment.is_some()
                    || r.event.score.get() <= 2
                    || r.reply.is_some()
                    || r.review.is_some()
            })
            .map(|(day, r)| EvidenceComment {
                rating_id: r.event.rating_id,
                day,
                score: r.event.score.get(),
                comment: r
                    .event
                    .comment
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                channel: r.event.channel,
                followup: None,
                reply: r.reply,
                review: r.review,
            })
            .collect();
    let statuses = crate::ingest::followup_statuses(
        db,
        &office.id,
        comments
            .iter()
            .filter(|c| c.score <= 2)
            .map(|c| c.rating_id),
    )?;
    for c in &mut comments {
        c.followup = statuses.get(&c.rating_id).copied();
    }
    comments.sort_by(|x, y| y.day.cmp(&x.day).then(y.rating_id.cmp(&x.rating_id)));
    let days = scan_asns(db, &office.id, p, Some(nip))?
        .remove(nip.as_str())
        .map(|s| s.days)
        .unwrap_or_default();
    Ok(Some(AsnEvidence {
        from: p.from.to_string(),
        to: p.to.to_string(),
        row,
        score_counts: a.scores,
        u6_nrr: a.ikm.nrr(5),
        u7_nrr: a.ikm.nrr(6),
        service_p90_s: a.service.percentile(0.9),
        office_response_rate: (office_scan.cur.served > 0)
            .then(|| office_ratings as f64 / office_scan.cur.served as f64),
        comments,
        weeks: weeks_of(&days),
    }))
}

/// The bias audit of `offices` (each with its ASN rows for `p`, from
/// [`asn_rows`]): all of them together first, then each office.
pub fn bias_report(
    offices: &[(Office, Vec<AsnReportRow>)],
    p: Period,
    all_name: &str,
    lang: shared::Lang,
) -> shared::review::BiasReport {
    use crate::bias::{Member, PERMUTATIONS, SEED, scope};
    let members_of = |rows: &[AsnReportRow]| -> Vec<Member> {
        rows.iter()
            .filter_map(|r| {
                let score = r.score_adjusted?;
                let nip = Nip::parse(&r.nip).ok()?;
                Some(Member {
                    gender: nip.gender(),
                    age: nip.age_on(p.to),
                    score,
                    ratings: r.figures.ratings,
                })
            })
            .collect()
    };
    let mut scopes = Vec::with_capacity(offices.len() + 1);
    let all: Vec<Member> = offices
        .iter()
        .flat_map(|(_, rows)| members_of(rows))
        .collect();
    scopes.push(scope(all_name, None, &all, SEED));
    for (o, rows) in offices {
        scopes.push(scope(&o.name, Some(o.id.as_str()), &members_of(rows), SEED));
    }
    shared::review::BiasReport {
        from: p.from.to_string(),
        to: p.to.to_string(),
        method: crate::bias::method(lang),
        alpha: crate::bias::ALPHA,
        permutations: PERMUTATIONS,
        seed: SEED,
        scopes,
    }
}

/// Fewest services (or ratings) behind an ASN's figure before a pattern is
/// worth mentioning.
pub const PATTERN_MIN_N: u64 = 20;

/// Patterns worth a look at `office` in `p`: an ASN's response rate far
/// above the office's; a share of ratings within seconds of completion far
/// above the office's; only phone ratings where the office mostly uses
/// tablets. Pointers for a conversation, never a penalty.
pub fn patterns(
    db: &Database,
    office: &OfficeId,
    people: &People,
    p: Period,
) -> Result<Vec<shared::review::Pattern>, IngestError> {
    use shared::review::Pattern;
    let scans = scan_asns(db, office, p, None)?;
    let o = scan_office(db, office, p, false)?.cur;
    let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    let office_rate = share(o.ratings(), o.served);
    let office_quick = share(o.quick, o.ratings());
    let office_qr = share(o.qr, o.ratings());
    let mut out = Vec::new();
    for (nip, a) in &scans {
        let t = a.total();
        let (ratings, served) = (t.ratings() + t.excluded, t.served);
        let mut add = |kind: &str, value: f64, office_value: f64, n: u64| {
            out.push(Pattern {
                office_id: office.to_string(),
                asn_ref: Nip::parse(nip)
                    .map(|n| asn_ref(&people.ref_key, &n))
                    .unwrap_or_default(),
                name: people.names.get(nip).cloned().unwrap_or_default(),
                kind: kind.to_owned(),
                value,
                office_value,
                n,
            })
        };
        if let (Some(v), Some(ov)) = (share(ratings, served), office_rate)
            && served >= PATTERN_MIN_N
            && v >= ov + 0.25
            && v >= ov * 1.5
        {
            add("response_rate", v, ov, served);
        }
        if let (Some(v), Some(ov)) = (share(t.quick, t.ratings()), office_quick)
            && t.ratings() >= PATTERN_MIN_N
            && v >= ov + 0.3
            && v >= ov * 2.0
        {
            add("quick_ratings", v, ov, t.ratings());
        }
        if let (Some(v), Some(ov)) = (share(t.qr, t.ratings()), office_qr)
            && t.ratings() >= PATTERN_MIN_N
            && v >= 0.999
            && ov <= 0.5
        {
            add("qr_only", v, ov, t.ratings());
        }
    }
    Ok(out)
}

/// The period presets of the report pages, for an office-local `today`.
pub fn preset(name: &str, today: Date) -> Option<Period> {
    let first_of = |month: i8| Date::new(today.year(), month, 1).ok();
    let end_of = |from: Date, months: i32| {
        from.checked_add(jiff::Span::new().months(months))
            .ok()
            .and_then(|d| d.yesterday().ok())
    };
    let (from, months) = match name {
        "bulan" => (first_of(today.month())?, 1),
        "triwulan" => (first_of((today.month() - 1) / 3 * 3 + 1)?, 3),
        "semester" => (first_of(if today.month() <= 6 { 1 } else { 7 })?, 6),
        "tahun" => (first_of(1)?, 12),
        _ => return None,
    };
    Some(Period {
        from,
        to: end_of(from, months)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::RollupRow;
    use jiff::civil::Weekday;

    const NIPS: [&str; 3] = [
        "198503142010012001",
        "199001012015031002",
        "197712252003121003",
    ];

    fn day_rows(rng: &mut fastrand::Rng, from: &str, days: i64) -> Vec<RollupRow> {
        let from: Date = from.parse().unwrap();
        let mut rows = Vec::new();
        for i in 0..days {
            let day = from.checked_add(jiff::Span::new().days(i)).unwrap();
            for (n, nip) in NIPS.iter().enumerate() {
                for service in ["ktp", ""] {
                    if rng.u8(0..4) == 0 {
                        continue;
                    }
                    let mut r = Rollup {
                        served: rng.u64(0..9),
                        issued: rng.u64(0..9),
                        ..Rollup::default()
                    };
                    r.scores[rng.usize(0..4)] += rng.u64(0..5);
                    r.session_scores[3] += u64::from(service.is_empty());
                    r.wait.add(rng.i64(0..3_000));
                    r.hour_visits[8 + n] = r.served;
                    let office_row = RollupRow {
                        office: OfficeId::parse("alak").unwrap(),
                        day,
                        nip: None,
                        service: service.into(),
                        rollup: r.clone(),
                    };
                    rows.push(office_row.clone());
                    rows.push(RollupRow {
                        nip: Some(Nip::parse(nip).unwrap()),
                        ..office_row
                    });
                }
            }
        }
        rows
    }

    async fn store_with(rows: Vec<RollupRow>) -> (crate::store::Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path().join("c.redb"))
            .await
            .unwrap();
        store
            .put_office(crate::test_support::office_record("alak"))
            .await
            .unwrap();
        for chunk in rows.chunks(5_000) {
            store
                .ingest()
                .change(crate::ingest::Change::AddRollups(chunk.to_vec()))
                .await
                .unwrap()
                .unwrap();
        }
        (store, dir)
    }

    fn reports_of(db: &Database, p: Period) -> serde_json::Value {
        let office = crate::test_support::office_record("alak");
        let people = People::default();
        let nip = Nip::parse(NIPS[1]).unwrap();
        serde_json::json!({
            "detail": office_detail(db, &office, p).unwrap(),
            "skm": skm_report(db, &office, p).unwrap(),
            "asn": asn_rows(db, &office.id, &people, p, FairParams::default()).unwrap(),
            "evidence": asn_evidence(db, &office, &nip, &people, p, FairParams::default()).unwrap(),
        })
    }

    #[tokio::test]
    async fn a_period_reads_exactly_its_days_and_history_outside_it_changes_nothing() {
        let mut rng = fastrand::Rng::with_seed(12);
        // 2025-11-01 .. 2026-12-31, then more history before and after.
        let inside = day_rows(&mut rng, "2025-11-01", 426);
        let outside = [
            day_rows(&mut rng, "2023-01-01", 500),
            day_rows(&mut rng, "2027-01-01", 120),
        ]
        .concat();
        let (small, _d1) = store_with(inside.clone()).await;
        let (big, _d2) = store_with([inside.clone(), outside].concat()).await;
        let periods = [
            ("2026-07-01", "2026-12-31"),
            ("2026-06-15", "2026-09-10"),
            ("2026-11-03", "2026-11-20"),
            ("2026-10-01", "2026-10-31"),
            ("2026-03-31", "2026-12-01"),
        ];
        for (from, to) in periods {
            let p = Period {
                from: from.parse().unwrap(),
                to: to.parse().unwrap(),
            };
            let (a, b) = (
                reports_of(&small.database(), p),
                reports_of(&big.database(), p),
            );
            assert_eq!(a, b, "{from}..{to}: history outside changed the reports");
            // Every day of the period is read, once: the totals equal the
            // rows' sums.
            let want = |prd: Period| -> (u64, u64) {
                inside
                    .iter()
                    .filter(|r| r.nip.is_none() && prd.contains(r.day))
                    .fold((0, 0), |(s, n), r| {
                        (s + r.rollup.served, n + all_ratings(&r.rollup))
                    })
            };
            let row = &a["detail"]["row"];
            assert_eq!(row["services"], want(p).0, "{from}..{to}");
            assert_eq!(row["ratings"], want(p).1, "{from}..{to}");
            assert_eq!(
                row["previous"]["services"],
                want(p.previous()).0,
                "{from}..{to}"
            );
            let weeks: u64 = a["detail"]["weeks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["services"].as_u64().unwrap())
                .sum();
            assert_eq!(weeks, want(p).0, "{from}..{to}: weeks");
            let asn_served: u64 = inside
                .iter()
                .filter(|r| {
                    r.nip.as_ref().is_some_and(|n| n.as_str() == NIPS[1]) && p.contains(r.day)
                })
                .map(|r| r.rollup.served)
                .sum();
            assert_eq!(a["evidence"]["row"]["services"], asn_served);
            let ev_weeks: u64 = a["evidence"]["weeks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["services"].as_u64().unwrap())
                .sum();
            assert_eq!(ev_weeks, asn_served, "{from}..{to}: the ASN's weeks");
        }
        assert_eq!(
            crate::layout::verify(&big.database()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let p = Period {
            from: "2026-07-01".parse().unwrap(),
            to: "2026-12-31".parse().unwrap(),
        };
        let prev = p.previous();
        assert_eq!(prev.to.to_string(), "2026-06-30");
        assert_eq!((prev.to - prev.from).get_days(), (p.to - p.from).get_days());
    }

    #[test]
    fn presets_cover_the_month_quarter_semester_and_year_of_today() {
        let today: Date = "2026-11-14".parse().unwrap();
        let p = |n| {
            let p = preset(n, today).unwrap();
            (p.from.to_string(), p.to.to_string())
        };
        assert_eq!(p("bulan"), ("2026-11-01".into(), "2026-11-30".into()));
        assert_eq!(p("triwulan"), ("2026-10-01".into(), "2026-12-31".into()));
        assert_eq!(p("semester"), ("2026-07-01".into(), "2026-12-31".into()));
        assert_eq!(p("tahun"), ("2026-01-01".into(), "2026-12-31".into()));
        assert!(preset("abad", today).is_none());
        let feb = preset("bulan", "2028-02-10".parse().unwrap()).unwrap();
        assert_eq!(feb.to.to_string(), "2028-02-29");
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(
            monday_of("2026-11-14".parse().unwrap()).to_string(),
            "2026-11-09"
        );
        assert_eq!(
            monday_of("2026-11-09".parse().unwrap()).to_string(),
            "2026-11-09"
        );
        assert_eq!(
            monday_of("2026-11-09".parse().unwrap()).weekday(),
            Weekday::Monday
        );
    }
}
