//! The bias audit: do ASN's adjusted scores differ by gender or age band
//! (both from the NIP) more than chance explains? Aggregates only: groups of
//! fewer than [`MIN_CELL`] ASN are withheld and never compared, and nothing
//! here names a person.
//!
//! Each ASN counts once, with their adjusted score (already fair to their
//! service mix and shrunk for few ratings). A dimension is tested with a
//! permutation test: the statistic is the between-group sum of squares
//! (n_g times the squared distance of the group's mean from the overall
//! mean, summed); the scores are shuffled among the same ASN, keeping the
//! group sizes, [`PERMUTATIONS`] times with a fixed seed; the p-value is the
//! share of shuffles with a statistic at least as large (counting the data
//! itself). A gap is flagged when p < [`ALPHA`]. The strict threshold keeps
//! false alarms about one period in a hundred per dimension, since an alarm
//! about a group of civil servants is itself a serious claim.

use shared::review::{BiasCell, BiasScope, BiasTest};
use shared::{Gender, Lang};

/// Fewest ASN a group needs to be shown.
pub const MIN_CELL: u64 = 5;
/// Flag threshold on the p-value.
pub const ALPHA: f64 = 0.01;
/// Shuffles per test.
pub const PERMUTATIONS: u32 = 1999;
/// The seed: the same data always gives the same answer.
pub const SEED: u64 = 0x5EED_B1A5_2026;

/// One ASN as the audit sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// From the NIP.
    pub gender: Gender,
    /// From the NIP's birth date, at the period's end.
    pub age: i16,
    /// Their adjusted score.
    pub score: f64,
    /// Their counted ratings.
    pub ratings: u64,
}

/// The age bands, in order.
pub const AGE_BANDS: [&str; 4] = ["<30", "30-39", "40-49", "50+"];

/// The band of an age.
pub fn age_band(age: i16) -> &'static str {
    match age {
        ..=29 => AGE_BANDS[0],
        30..=39 => AGE_BANDS[1],
        40..=49 => AGE_BANDS[2],
        _ => AGE_BANDS[3],
    }
}

fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

/// The method in one sentence.
pub fn method(lang: Lang) -> String {
    let pct = ALPHA * 100.0;
    match lang {
        Lang::Id => format!(
            "Selisih ditandai hanya bila kurang dari {pct:.0} dari 100 pengacakan ulang skor \
             disesuaikan ASN yang sama ke kelompok berukuran sama ({PERMUTATIONS} pengacakan, \
             benih tetap) menghasilkan selisih antarkelompok sebesar itu; kelompok di bawah \
             {MIN_CELL} ASN disembunyikan dan tidak dibandingkan."
        ),
        Lang::En => format!(
            "A gap is flagged only when fewer than {pct:.0} in 100 random relabellings of the same \
             ASN's adjusted scores into groups of the same sizes ({PERMUTATIONS} relabellings, a \
             fixed seed) give a spread between groups as large; groups under {MIN_CELL} ASN are \
             withheld and not compared."
        ),
    }
}

/// Two-sided 95% Student t quantile for `df` degrees of freedom.
fn t95(df: u64) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[(df - 1) as usize],
        31..=60 => 2.00,
        61..=120 => 1.98,
        _ => 1.96,
    }
}

fn round(v: f64, d: i32) -> f64 {
    let f = 10f64.powi(d);
    (v * f).round() / f
}

fn cell(group: &str, members: &[&Member]) -> BiasCell {
    let n = members.len() as u64;
    let ratings = members.iter().map(|m| m.ratings).sum();
    if n < MIN_CELL {
        return BiasCell {
            group: group.to_owned(),
            asn: n,
            ratings,
            mean: None,
            ci_low: None,
            ci_high: None,
            withheld: true,
        };
    }
    let mean = members.iter().map(|m| m.score).sum::<f64>() / n as f64;
    let var = members
        .iter()
        .map(|m| (m.score - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    let half = t95(n - 1) * (var / n as f64).sqrt();
    BiasCell {
        group: group.to_owned(),
        asn: n,
        ratings,
        mean: Some(round(mean, 3)),
        ci_low: Some(round(mean - half, 3)),
        ci_high: Some(round(mean + half, 3)),
        withheld: false,
    }
}

/// Between-group sum of squares of `scores` labelled by `groups` (0..k).
fn spread(scores: &[f64], groups: &[usize], k: usize) -> f64 {
    let mut sum = vec![0.0; k];
    let mut n = vec![0usize; k];
    for (s, &g) in scores.iter().zip(groups) {
        sum[g] += s;
        n[g] += 1;
    }
    let grand = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    (0..k)
        .filter(|&g| n[g] > 0)
        .map(|g| {
            let m = sum[g] / n[g] as f64;
            n[g] as f64 * (m - grand).powi(2)
        })
        .sum()
}

/// Permutation test over the shown groups.
fn test(
    cells: &[BiasCell],
    members: &[&Member],
    key: impl Fn(&Member) -> &'static str,
    seed: u64,
) -> BiasTest {
    let shown: Vec<&str> = cells
        .iter()
        .filter(|c| !c.withheld)
        .map(|c| c.group.as_str())
        .collect();
    if shown.len() < 2 {
        return BiasTest {
            tested: false,
            gap: None,
            p_value: None,
            flagged: false,
        };
    }
    let mut scores = Vec::new();
    let mut groups = Vec::new();
    for m in members {
        if let Some(g) = shown.iter().position(|s| *s == key(m)) {
            scores.push(m.score);
            groups.push(g);
        }
    }
    let k = shown.len();
    let observed = spread(&scores, &groups, k);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut shuffled = scores.clone();
    let mut as_large = 1u32;
    for _ in 0..PERMUTATIONS {
        rng.shuffle(&mut shuffled);
        // A tolerance so that ties from floating-point noise count as ties.
        if spread(&shuffled, &groups, k) >= observed - 1e-12 {
            as_large += 1;
        }
    }
    let p = f64::from(as_large) / f64::from(PERMUTATIONS + 1);
    let means: Vec<f64> = cells
        .iter()
        .filter(|c| !c.withheld)
        .filter_map(|c| c.mean)
        .collect();
    let gap = means.iter().copied().fold(f64::MIN, f64::max)
        - means.iter().copied().fold(f64::MAX, f64::min);
    BiasTest {
        tested: true,
        gap: Some(round(gap, 3)),
        p_value: Some(round(p, 4)),
        flagged: p < ALPHA,
    }
}

/// The audit of one scope.
pub fn scope(name: &str, office_id: Option<&str>, members: &[Member], seed: u64) -> BiasScope {
    let all: Vec<&Member> = members.iter().collect();
    let by_gender: Vec<BiasCell> = [Gender::Male, Gender::Female]
        .into_iter()
        .map(|g| {
            let of: Vec<&Member> = all.iter().copied().filter(|m| m.gender == g).collect();
            cell(gender_code(g), &of)
        })
        .collect();
    let by_age: Vec<BiasCell> = AGE_BANDS
        .into_iter()
        .map(|b| {
            let of: Vec<&Member> = all
                .iter()
                .copied()
                .filter(|m| age_band(m.age) == b)
                .collect();
            cell(b, &of)
        })
        .collect();
    let gender = test(&by_gender, &all, |m| gender_code(m.gender), seed);
    let age = test(&by_age, &all, |m| age_band(m.age), seed ^ 0xA6E);
    BiasScope {
        office_id: office_id.map(str::to_owned),
        name: name.to_owned(),
        asn: members.len() as u64,
        by_gender,
        by_age,
        gender,
        age,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A normal draw (Box-Muller).
    fn normal(rng: &mut fastrand::Rng, mean: f64, sd: f64) -> f64 {
        let u1 = rng.f64().max(1e-12);
        let u2 = rng.f64();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// One period of an office with `n` ASN: half women, ages spread over the
    /// bands, scores around 3.2; women's shifted by `gap`.
    fn period(rng: &mut fastrand::Rng, n: usize, gap: f64) -> Vec<Member> {
        (0..n)
            .map(|_| {
                let gender = if rng.bool() {
                    Gender::Female
                } else {
                    Gender::Male
                };
                let shift = if gender == Gender::Female { gap } else { 0.0 };
                Member {
                    gender,
                    age: rng.i16(22..60),
                    score: normal(rng, 3.2 + shift, 0.25),
                    ratings: rng.u64(10..200),
                }
            })
            .collect()
    }

    #[test]
    fn with_no_true_gap_fewer_than_5_percent_of_periods_are_flagged() {
        let mut rng = fastrand::Rng::with_seed(7);
        let periods = 200;
        let flagged = (0..periods)
            .filter(|i| {
                let s = scope("sim", None, &period(&mut rng, 40, 0.0), SEED + *i as u64);
                s.gender.flagged || s.age.flagged
            })
            .count();
        assert!(
            (flagged as f64) < 0.05 * periods as f64,
            "{flagged} of {periods} periods flagged without a gap"
        );
    }

    #[test]
    fn with_a_true_gender_gap_of_0_3_points_and_60_asn_most_periods_are_flagged() {
        let mut rng = fastrand::Rng::with_seed(8);
        let periods = 100;
        let flagged = (0..periods)
            .filter(|i| {
                scope("sim", None, &period(&mut rng, 60, -0.3), SEED + *i as u64)
                    .gender
                    .flagged
            })
            .count();
        assert!(
            flagged as f64 > 0.9 * periods as f64,
            "only {flagged} of {periods} periods flagged with a true gap"
        );
    }

    #[test]
    fn groups_under_five_asn_are_withheld_and_not_compared() {
        let mut rng = fastrand::Rng::with_seed(9);
        let mut members = period(&mut rng, 12, 0.0);
        for (i, m) in members.iter_mut().enumerate() {
            m.gender = if i < 4 { Gender::Female } else { Gender::Male };
        }
        let s = scope("small", Some("pauh"), &members, SEED);
        let women = s.by_gender.iter().find(|c| c.group == "female").unwrap();
        assert!(women.withheld);
        assert_eq!(women.mean, None);
        assert!(!s.gender.tested, "one group shown: nothing to compare");
        let men = s.by_gender.iter().find(|c| c.group == "male").unwrap();
        assert!(!men.withheld);
        assert!(
            men.ci_low.unwrap() < men.mean.unwrap() && men.mean.unwrap() < men.ci_high.unwrap()
        );
    }

    #[test]
    fn the_same_data_gives_the_same_answer() {
        let mut rng = fastrand::Rng::with_seed(10);
        let members = period(&mut rng, 30, -0.1);
        assert_eq!(
            scope("a", None, &members, SEED),
            scope("a", None, &members, SEED)
        );
    }

    #[test]
    fn ages_fall_in_their_bands() {
        assert_eq!(age_band(29), "<30");
        assert_eq!(age_band(30), "30-39");
        assert_eq!(age_band(49), "40-49");
        assert_eq!(age_band(50), "50+");
    }
}
