//! Reports for HR and office heads, computed from the rollups only (never
//! from raw events): per office, and per ASN with fair scores.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use redb::{Database, ReadableDatabase};
use shared::OfficeId;
use shared::fair::{FairParams, ScoreStats, fair_scores};
use shared::skm::krejcie_morgan_sample_min;
use shared::wire::{AsnReportRow, OfficeReportRow, PeriodFigures};

use crate::ingest::{IngestError, NIP_DAY, OFFICE_DAY};
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

    fn contains(&self, day: &str) -> bool {
        day.parse::<Date>()
            .is_ok_and(|d| d >= self.from && d <= self.to)
    }
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

/// One office's row.
pub fn office_row(
    db: &Database,
    office: &shared::Office,
    p: Period,
) -> Result<OfficeReportRow, IngestError> {
    let prev = p.previous();
    let (mut cur, mut before) = (Rollup::default(), Rollup::default());
    let r = db.begin_read()?;
    let t = r.open_table(OFFICE_DAY)?;
    let o = office.id.as_str();
    let (lo, hi) = (
        prev.from.to_string(),
        p.to.tomorrow().unwrap_or(p.to).to_string(),
    );
    for row in t.range((o, lo.as_str(), "")..(o, hi.as_str(), ""))? {
        let (k, v) = row?;
        let (_, day, _) = k.value();
        let roll: Rollup = serde_json::from_slice(v.value())?;
        if p.contains(day) {
            cur.merge(&roll);
        } else if prev.contains(day) {
            before.merge(&roll);
        }
    }
    let all = |r: &Rollup| r.ratings() + r.session_ratings();
    let figures_now = figures(&cur, all(&cur));
    let ikm = cur.ikm.ikm();
    let sample_min = krejcie_morgan_sample_min(cur.served);
    Ok(OfficeReportRow {
        office_id: office.id.to_string(),
        name: office.name.clone(),
        ikm_sample_min: sample_min,
        ikm_sample_short: cur.ikm.responses < sample_min,
        grade: ikm.map(|i| i.grade().letter().to_owned()),
        previous: figures(&before, all(&before)),
        figures: figures_now,
    })
}

/// Rows for every ASN with activity at `office` in the period (or before:
/// an ASN with only previous-period activity still gets a row).
pub fn asn_rows(
    db: &Database,
    office: &OfficeId,
    names: &HashMap<String, String>,
    p: Period,
    params: FairParams,
) -> Result<Vec<AsnReportRow>, IngestError> {
    let prev = p.previous();
    // nip -> (current by service, previous total)
    let mut cur: BTreeMap<String, BTreeMap<String, Rollup>> = BTreeMap::new();
    let mut before: BTreeMap<String, Rollup> = BTreeMap::new();
    let r = db.begin_read()?;
    let t = r.open_table(NIP_DAY)?;
    let o = office.as_str();
    for row in t.range((o, "", "", "")..(o, "\u{7f}", "", ""))? {
        let (k, v) = row?;
        let (_, nip, day, service) = k.value();
        if !(p.contains(day) || prev.contains(day)) {
            continue;
        }
        let roll: Rollup = serde_json::from_slice(v.value())?;
        if p.contains(day) {
            cur.entry(nip.to_owned())
                .or_default()
                .entry(service.to_owned())
                .or_default()
                .merge(&roll);
            before.entry(nip.to_owned()).or_default();
        } else {
            before.entry(nip.to_owned()).or_default().merge(&roll);
            cur.entry(nip.to_owned()).or_default();
        }
    }
    let nips: Vec<String> = cur.keys().cloned().collect();
    let stats: Vec<BTreeMap<String, ScoreStats>> = nips
        .iter()
        .map(|n| {
            cur[n]
                .iter()
                .filter(|(svc, _)| !svc.is_empty())
                .map(|(svc, r)| (svc.clone(), r.score_stats()))
                .collect()
        })
        .collect();
    let fair = fair_scores(&stats, params);
    let mut rows = Vec::with_capacity(nips.len());
    for (i, nip) in nips.iter().enumerate() {
        let mut total = Rollup::default();
        for r in cur[nip].values() {
            total.merge(r);
        }
        let prev_total = before.get(nip).cloned().unwrap_or_default();
        let f = fair[i];
        let ratings = total.ratings();
        rows.push(AsnReportRow {
            nip: nip.clone(),
            name: names.get(nip).cloned().unwrap_or_default(),
            office_id: office.to_string(),
            ratings_by_session: total.session_ratings(),
            response_rate: (total.served > 0).then(|| ratings as f64 / total.served as f64),
            score_mean: f.score_mean,
            expected: f.expected,
            score_adjusted: f.score_adjusted,
            ci_low: f.ci_low,
            ci_high: f.ci_high,
            band: f.band,
            previous: figures(&prev_total, prev_total.ratings()),
            figures: figures(&total, ratings),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
