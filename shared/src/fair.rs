//! Fair per-ASN scores (docs/API.md, "Per-ASN scores").
//!
//! In one sentence, for the ASN: "your score is your own ratings averaged
//! together with what the office achieves on the same services, counted as at
//! least ten extra ratings, so a handful of ratings cannot define you."
//!
//! Per office and period, for each ASN with n quick scores:
//! - `expected`: the office's mean score per service type, weighted by this
//!   ASN's own ratings per service (ASN are compared within service types);
//! - `score_adjusted = (n * mean + k * expected) / (n + k)` with
//!   `k = max(k_eb, k_min)`, `k_eb = s2 / between` (method of moments);
//!   when the between-ASN variance is not positive, the adjusted score is the
//!   expectation itself;
//! - `ci = adjusted -/+ 1.96 * sqrt(s2 / (n + k))`, `s2` the pooled
//!   within-ASN variance;
//! - a band only from `min_count` ratings, and only when the whole interval
//!   lies above or below the expectation.

use std::collections::BTreeMap;

/// The rule in one sentence, in Bahasa Indonesia, as every evidence page
/// states it.
pub const RULE_ID: &str = "Skor Anda adalah rata-rata penilaian warga atas layanan Anda yang \
    digabung dengan capaian kantor pada jenis layanan yang sama, dihitung setara sedikitnya \
    sepuluh penilaian tambahan, sehingga segelintir penilaian tidak dapat menentukan diri Anda.";

/// The same in English.
pub const RULE_EN: &str = "Your score is your own ratings averaged together with what the \
    office achieves on the same services, counted as at least ten extra ratings, so a handful \
    of ratings cannot define you.";

use serde::{Deserialize, Serialize};

/// Sufficient statistics of a set of quick scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreStats {
    /// Count.
    pub n: u64,
    /// Sum of scores.
    pub sum: u64,
    /// Sum of squared scores.
    pub sumsq: u64,
}

impl ScoreStats {
    /// From counts of scores 1..=4.
    pub fn from_counts(counts: &[u64; 4]) -> ScoreStats {
        let mut s = ScoreStats::default();
        for (i, &c) in counts.iter().enumerate() {
            let v = i as u64 + 1;
            s.n += c;
            s.sum += c * v;
            s.sumsq += c * v * v;
        }
        s
    }

    /// Adds another.
    pub fn add(&mut self, o: &ScoreStats) {
        self.n += o.n;
        self.sum += o.sum;
        self.sumsq += o.sumsq;
    }

    /// The mean, when any.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// Sum of squared deviations from the mean.
    fn ss(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        (self.sumsq as f64 - (self.sum as f64).powi(2) / self.n as f64).max(0.0)
    }
}

/// The PermenPAN-RB 6/2022 words for where an ASN stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// The whole interval is above the expectation.
    DiAtasEkspektasi,
    /// The interval includes the expectation.
    SesuaiEkspektasi,
    /// The whole interval is below the expectation.
    DiBawahEkspektasi,
}

/// The knobs (defaults: k_min 10, minimum count 30).
#[derive(Debug, Clone, Copy)]
pub struct FairParams {
    /// The office's expectation counts as at least this many ratings.
    pub k_min: f64,
    /// No band below this many ratings.
    pub min_count: u64,
}

impl Default for FairParams {
    fn default() -> Self {
        FairParams {
            k_min: 10.0,
            min_count: 30,
        }
    }
}

/// One ASN's fair score.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FairScore {
    /// Ratings counted.
    pub n: u64,
    /// Raw mean.
    pub score_mean: Option<f64>,
    /// The office's expectation on this ASN's mix of services.
    pub expected: Option<f64>,
    /// Shrunk toward the expectation.
    pub score_adjusted: Option<f64>,
    /// Lower end of the 95% interval.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval.
    pub ci_high: Option<f64>,
    /// Where the ASN stands, from `min_count` ratings.
    pub band: Option<Band>,
    /// The weight of the expectation used.
    pub k: Option<f64>,
}

/// Computes fair scores for the ASN of one office and period; `asns[i]` maps
/// service code to that ASN's quick-score statistics.
pub fn fair_scores(asns: &[BTreeMap<String, ScoreStats>], p: FairParams) -> Vec<FairScore> {
    // The office's mean per service, over every ASN's ratings.
    let mut office: BTreeMap<&str, ScoreStats> = BTreeMap::new();
    for a in asns {
        for (svc, st) in a {
            office.entry(svc.as_str()).or_default().add(st);
        }
    }
    let per_asn: Vec<(ScoreStats, Option<f64>)> = asns
        .iter()
        .map(|a| {
            let mut total = ScoreStats::default();
            let mut weighted = 0.0;
            for (svc, st) in a {
                total.add(st);
                if let Some(m) = office.get(svc.as_str()).and_then(ScoreStats::mean) {
                    weighted += st.n as f64 * m;
                }
            }
            let expected = (total.n > 0).then(|| weighted / total.n as f64);
            (total, expected)
        })
        .collect();

    let rated: Vec<&(ScoreStats, Option<f64>)> = per_asn.iter().filter(|(t, _)| t.n > 0).collect();
    let m = rated.len() as f64;
    let big_n: f64 = rated.iter().map(|(t, _)| t.n as f64).sum();
    // Pooled within-ASN variance.
    let s2 =
        (big_n - m > 0.0).then(|| rated.iter().map(|(t, _)| t.ss()).sum::<f64>() / (big_n - m));
    // Between-ASN variance of (mean - expected), one-way random effects,
    // method of moments: (MSB - MSW) / n0.
    let between = match s2 {
        Some(s2) if m >= 2.0 => {
            let msb = rated
                .iter()
                .map(|(t, e)| {
                    let d = t.mean().unwrap_or(0.0) - e.unwrap_or(0.0);
                    t.n as f64 * d * d
                })
                .sum::<f64>()
                / (m - 1.0);
            let n0 = (big_n - rated.iter().map(|(t, _)| (t.n as f64).powi(2)).sum::<f64>() / big_n)
                / (m - 1.0);
            (n0 > 0.0).then(|| (msb - s2) / n0)
        }
        _ => None,
    };

    per_asn
        .iter()
        .map(|(t, expected)| {
            let n = t.n;
            let mut f = FairScore {
                n,
                score_mean: t.mean(),
                expected: *expected,
                ..FairScore::default()
            };
            let (Some(mean), Some(exp)) = (t.mean(), *expected) else {
                return f;
            };
            let nf = n as f64;
            let k = match (s2, between) {
                (Some(s2), Some(b)) if b > 0.0 => Some((s2 / b).max(p.k_min)),
                _ => None,
            };
            f.k = k;
            f.score_adjusted = Some(match k {
                Some(k) => (nf * mean + k * exp) / (nf + k),
                None => exp,
            });
            if let (Some(adj), Some(s2)) = (f.score_adjusted, s2) {
                let half = 1.96 * (s2 / (nf + k.unwrap_or(p.k_min))).sqrt();
                f.ci_low = Some(adj - half);
                f.ci_high = Some(adj + half);
                if n >= p.min_count {
                    f.band = Some(if adj - half > exp {
                        Band::DiAtasEkspektasi
                    } else if adj + half < exp {
                        Band::DiBawahEkspektasi
                    } else {
                        Band::SesuaiEkspektasi
                    });
                }
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asn(svc: &str, counts: [u64; 4]) -> BTreeMap<String, ScoreStats> {
        BTreeMap::from([(svc.to_owned(), ScoreStats::from_counts(&counts))])
    }

    #[test]
    fn five_angry_ratings_do_not_define_a_person() {
        let office = vec![
            asn("ktp", [0, 0, 30, 30]),
            asn("ktp", [0, 0, 25, 35]),
            asn("ktp", [5, 0, 0, 0]),
        ];
        let f = fair_scores(&office, FairParams::default());
        let angry = f[2];
        assert_eq!(angry.score_mean, Some(1.0));
        assert!(angry.score_adjusted.unwrap() > 2.5, "{angry:?}");
        assert_eq!(angry.band, None, "below 30 ratings: no band");
    }

    #[test]
    fn the_expectation_is_weighted_by_the_asns_own_service_mix() {
        // Office: ktp averages 4, akta averages 2.
        let a = BTreeMap::from([
            ("ktp".to_owned(), ScoreStats::from_counts(&[0, 0, 0, 10])),
            ("akta".to_owned(), ScoreStats::from_counts(&[0, 30, 0, 0])),
        ]);
        let b = asn("ktp", [0, 0, 0, 30]);
        let f = fair_scores(&[a, b], FairParams::default());
        // a: 10 ktp (office mean 4) and 30 akta (office mean 2) -> 2.5.
        assert!((f[0].expected.unwrap() - 2.5).abs() < 1e-9);
        assert!((f[1].expected.unwrap() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn when_asn_do_not_differ_the_adjusted_score_is_the_expectation() {
        let same = vec![asn("ktp", [0, 0, 20, 20]), asn("ktp", [0, 0, 20, 20])];
        let f = fair_scores(&same, FairParams::default());
        assert_eq!(f[0].score_adjusted, f[0].expected);
        assert_eq!(f[0].band, Some(Band::SesuaiEkspektasi));
    }

    #[test]
    fn a_band_needs_the_whole_interval_on_one_side() {
        let office = vec![
            asn("ktp", [0, 0, 0, 200]),
            asn("ktp", [0, 0, 200, 0]),
            asn("ktp", [0, 200, 0, 0]),
            asn("ktp", [0, 0, 100, 100]),
        ];
        let f = fair_scores(&office, FairParams::default());
        assert_eq!(f[0].band, Some(Band::DiAtasEkspektasi));
        assert_eq!(f[2].band, Some(Band::DiBawahEkspektasi));
        for x in &f {
            assert!(x.k.unwrap() >= 10.0);
            assert!(x.ci_low.unwrap() <= x.score_adjusted.unwrap());
        }
    }

    #[test]
    fn an_asn_without_ratings_gets_no_score() {
        let f = fair_scores(
            &[BTreeMap::new(), asn("ktp", [0, 0, 1, 1])],
            FairParams::default(),
        );
        assert_eq!(f[0], FairScore::default());
    }

    #[test]
    fn bands_serialize_as_the_regulation_words() {
        assert_eq!(
            serde_json::to_string(&Band::DiAtasEkspektasi).unwrap(),
            "\"di_atas_ekspektasi\""
        );
    }
}
