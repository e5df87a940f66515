//! Ratings and the SKM survey (Survei Kepuasan Masyarakat, PermenPAN-RB No. 14
//! Tahun 2017): the quick score, the 9 elements with their answer labels, free
//! comments, and the IKM index computed in integers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Lang, Msg};

/// A quick rating on the SKM scale: 1 tidak baik, 2 kurang baik, 3 baik,
/// 4 sangat baik (the four faces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Score(u8);

/// A value outside 1..=4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a score must be 1, 2, 3 or 4, got {0}")]
pub struct BadScore(pub i64);

impl Score {
    /// Labels of the four faces, Bahasa Indonesia.
    pub const LABELS_ID: [&'static str; 4] = ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"];
    /// Labels of the four faces, English.
    pub const LABELS_EN: [&'static str; 4] = ["Poor", "Fair", "Good", "Very good"];

    /// A score from 1..=4.
    pub fn new(v: i64) -> Result<Score, BadScore> {
        match v {
            1..=4 => Ok(Score(v as u8)),
            _ => Err(BadScore(v)),
        }
    }

    /// The value 1..=4.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The face's label.
    pub fn label(self, lang: Lang) -> &'static str {
        let i = usize::from(self.0 - 1);
        lang.pick(Self::LABELS_ID[i], Self::LABELS_EN[i])
    }
}

impl BadScore {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        Msg::new(
            format!("Nilai harus 1, 2, 3 atau 4 (diterima {})", self.0),
            self.to_string(),
        )
    }
}

impl TryFrom<i64> for Score {
    type Error = BadScore;
    fn try_from(v: i64) -> Result<Score, BadScore> {
        Score::new(v)
    }
}

impl From<Score> for u8 {
    fn from(s: Score) -> u8 {
        s.0
    }
}

/// One of the nine SKM elements (unsur), with its names and answer labels.
#[derive(Debug)]
pub struct Element {
    /// `U1`..`U9`.
    pub code: &'static str,
    /// Name in Bahasa Indonesia.
    pub name_id: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// The question asked, Bahasa Indonesia.
    pub question_id: &'static str,
    /// The question asked, English.
    pub question_en: &'static str,
    /// Answer labels for 1..=4, Bahasa Indonesia.
    pub labels_id: [&'static str; 4],
    /// Answer labels for 1..=4, English.
    pub labels_en: [&'static str; 4],
    /// Whether the ASN who served controls this element (U6, U7); the others
    /// belong to the office.
    pub asn_controls: bool,
}

impl Element {
    /// The element's name.
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.name_id, self.name_en)
    }
    /// The question.
    pub fn question(&self, lang: Lang) -> &'static str {
        lang.pick(self.question_id, self.question_en)
    }
    /// The label of answer `v` (1..=4).
    pub fn label(&self, lang: Lang, v: u8) -> &'static str {
        let i = usize::from(v.clamp(1, 4) - 1);
        lang.pick(self.labels_id[i], self.labels_en[i])
    }
}

/// The nine elements in order U1..U9.
pub const ELEMENTS: [Element; 9] = [
    Element {
        code: "U1",
        name_id: "Persyaratan",
        name_en: "Requirements",
        question_id: "Bagaimana kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        question_en: "How appropriate are the requirements for this service?",
        labels_id: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        labels_en: [
            "Not appropriate",
            "Somewhat appropriate",
            "Fairly appropriate",
            "Fully appropriate",
        ],
        asn_controls: false,
    },
    Element {
        code: "U2",
        name_id: "Sistem, mekanisme dan prosedur",
        name_en: "Systems, mechanisms and procedures",
        question_id: "Bagaimana kemudahan prosedur pelayanan di unit ini?",
        question_en: "How easy is the service procedure here?",
        labels_id: ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
        labels_en: ["Not easy", "Somewhat easy", "Easy", "Very easy"],
        asn_controls: false,
    },
    Element {
        code: "U3",
        name_id: "Waktu penyelesaian",
        name_en: "Completion time",
        question_id: "Bagaimana kecepatan waktu dalam memberikan pelayanan?",
        question_en: "How fast was the service delivered?",
        labels_id: ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
        labels_en: ["Not fast", "Somewhat fast", "Fast", "Very fast"],
        asn_controls: false,
    },
    Element {
        code: "U4",
        name_id: "Biaya/tarif",
        name_en: "Cost/tariff",
        question_id: "Bagaimana kewajaran biaya/tarif dalam pelayanan?",
        question_en: "How reasonable is the cost of the service?",
        labels_id: ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
        labels_en: ["Very expensive", "Fairly expensive", "Cheap", "Free"],
        asn_controls: false,
    },
    Element {
        code: "U5",
        name_id: "Produk spesifikasi jenis pelayanan",
        name_en: "Product specification",
        question_id: "Bagaimana kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        question_en: "How well does the result match what the service standard specifies?",
        labels_id: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        labels_en: [
            "Not as specified",
            "Somewhat as specified",
            "Fairly as specified",
            "Fully as specified",
        ],
        asn_controls: false,
    },
    Element {
        code: "U6",
        name_id: "Kompetensi pelaksana",
        name_en: "Staff competence",
        question_id: "Bagaimana kompetensi/kemampuan petugas dalam pelayanan?",
        question_en: "How competent was the officer who served you?",
        labels_id: [
            "Tidak kompeten",
            "Kurang kompeten",
            "Kompeten",
            "Sangat kompeten",
        ],
        labels_en: [
            "Not competent",
            "Somewhat competent",
            "Competent",
            "Very competent",
        ],
        asn_controls: true,
    },
    Element {
        code: "U7",
        name_id: "Perilaku pelaksana",
        name_en: "Staff behaviour",
        question_id: "Bagaimana perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        question_en: "How polite and friendly was the officer?",
        labels_id: [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
        labels_en: [
            "Not polite and friendly",
            "Somewhat polite and friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ],
        asn_controls: true,
    },
    Element {
        code: "U8",
        name_id: "Penanganan pengaduan, saran dan masukan",
        name_en: "Handling of complaints and suggestions",
        question_id: "Bagaimana penanganan pengaduan pengguna layanan?",
        question_en: "How are complaints and suggestions handled?",
        labels_id: [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
        labels_en: [
            "None",
            "Exists but not working",
            "Works partly",
            "Well managed",
        ],
        asn_controls: false,
    },
    Element {
        code: "U9",
        name_id: "Sarana dan prasarana",
        name_en: "Facilities",
        question_id: "Bagaimana kualitas sarana dan prasarana?",
        question_en: "How good are the facilities?",
        labels_id: ["Buruk", "Cukup", "Baik", "Sangat baik"],
        labels_en: ["Poor", "Fair", "Good", "Very good"],
        asn_controls: false,
    },
];

/// A full SKM response: nine answers, each 1..=4, in element order U1..U9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<i64>", into = "Vec<u8>")]
pub struct SkmAnswers([u8; 9]);

/// Why survey answers were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadAnswers {
    /// Not exactly nine answers.
    #[error("the survey has exactly 9 answers (U1..U9), got {0}")]
    Count(usize),
    /// An answer outside 1..=4.
    #[error("answer U{element} must be 1, 2, 3 or 4, got {value}")]
    Value {
        /// 1-based element number.
        element: usize,
        /// The rejected value.
        value: i64,
    },
}

impl BadAnswers {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        let id = match self {
            BadAnswers::Count(n) => format!("Survei berisi tepat 9 jawaban (U1..U9), diterima {n}"),
            BadAnswers::Value { element, value } => {
                format!("Jawaban U{element} harus 1, 2, 3 atau 4 (diterima {value})")
            }
        };
        Msg::new(id, self.to_string())
    }
}

impl SkmAnswers {
    /// Nine answers, each 1..=4.
    pub fn new(values: &[i64]) -> Result<SkmAnswers, BadAnswers> {
        if values.len() != 9 {
            return Err(BadAnswers::Count(values.len()));
        }
        let mut out = [0u8; 9];
        for (i, &v) in values.iter().enumerate() {
            if !(1..=4).contains(&v) {
                return Err(BadAnswers::Value {
                    element: i + 1,
                    value: v,
                });
            }
            out[i] = v as u8;
        }
        Ok(SkmAnswers(out))
    }

    /// The answers U1..U9.
    pub fn values(&self) -> [u8; 9] {
        self.0
    }

    /// Sum of all nine answers (9..=36).
    pub fn sum(&self) -> u32 {
        self.0.iter().map(|&v| u32::from(v)).sum()
    }
}

impl TryFrom<Vec<i64>> for SkmAnswers {
    type Error = BadAnswers;
    fn try_from(v: Vec<i64>) -> Result<SkmAnswers, BadAnswers> {
        SkmAnswers::new(&v)
    }
}

impl From<SkmAnswers> for Vec<u8> {
    fn from(a: SkmAnswers) -> Vec<u8> {
        a.0.to_vec()
    }
}

/// A citizen's free-text comment: at most 500 characters, stored as given
/// (always HTML-escaped when shown).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Comment(String);

/// The maximum length of a comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 500;

/// A comment over 500 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a comment has at most 500 characters, got {0}")]
pub struct CommentTooLong(pub usize);

impl CommentTooLong {
    /// The message for people.
    pub fn msg(&self) -> Msg {
        Msg::new(
            format!("Komentar paling banyak 500 karakter (diterima {})", self.0),
            self.to_string(),
        )
    }
}

impl Comment {
    /// A comment of at most 500 characters; blank text is no comment
    /// (`None`). Control characters other than line breaks and tabs (a
    /// citizen cannot mean them) are dropped.
    pub fn new(text: &str) -> Result<Option<Comment>, CommentTooLong> {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        let n = text.chars().count();
        if n > COMMENT_MAX_CHARS {
            return Err(CommentTooLong(n));
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(Comment(text)))
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Comment {
    type Error = CommentTooLong;
    fn try_from(s: String) -> Result<Comment, CommentTooLong> {
        let n = s.chars().count();
        if n > COMMENT_MAX_CHARS {
            return Err(CommentTooLong(n));
        }
        Ok(Comment(s))
    }
}

impl From<Comment> for String {
    fn from(c: Comment) -> String {
        c.0
    }
}

/// The converted IKM (25..100) in hundredths, rounded half up: `8831` is 88.31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ikm(u32);

impl Ikm {
    /// Hundredths, e.g. `8831`.
    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// The value as a number with two decimals, for JSON.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// The grade by the PermenPAN-RB 14/2017 intervals, applied as `>=`
    /// thresholds on the rounded value so the published gaps cannot be fallen
    /// into.
    pub fn grade(self) -> Grade {
        match self.0 {
            8831.. => Grade::A,
            7661.. => Grade::B,
            6500.. => Grade::C,
            _ => Grade::D,
        }
    }
}

impl fmt::Display for Ikm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// The service quality grade (mutu pelayanan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// Sangat baik (>= 88.31).
    A,
    /// Baik (>= 76.61).
    B,
    /// Kurang baik (>= 65.00).
    C,
    /// Tidak baik.
    D,
}

impl Grade {
    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    /// The grade's words (kinerja unit pelayanan).
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            Grade::A => lang.pick("Sangat baik", "Very good"),
            Grade::B => lang.pick("Baik", "Good"),
            Grade::C => lang.pick("Kurang baik", "Poor"),
            Grade::D => lang.pick("Tidak baik", "Very poor"),
        }
    }
}

/// Sums of full SKM responses: what rollups keep and reports add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IkmTally {
    /// Number of full 9-element responses.
    pub responses: u64,
    /// Per element, the sum of its answers.
    pub sums: [u64; 9],
}

impl IkmTally {
    /// Adds one full response.
    pub fn add(&mut self, answers: &SkmAnswers) {
        self.responses += 1;
        for (s, v) in self.sums.iter_mut().zip(answers.values()) {
            *s += u64::from(v);
        }
    }

    /// Takes one full response back out (a rating found to be a duplicate).
    pub fn remove(&mut self, answers: &SkmAnswers) {
        self.responses = self.responses.saturating_sub(1);
        for (s, v) in self.sums.iter_mut().zip(answers.values()) {
            *s = s.saturating_sub(u64::from(v));
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: &IkmTally) {
        self.responses += other.responses;
        for (s, o) in self.sums.iter_mut().zip(other.sums) {
            *s += o;
        }
    }

    /// NRR of element `i` (0-based): the mean of its answers.
    pub fn nrr(&self, i: usize) -> Option<f64> {
        (self.responses > 0).then(|| self.sums[i] as f64 / self.responses as f64)
    }

    /// The converted IKM, `None` without responses.
    ///
    /// IKM = sum(NRR_i * 1/9) * 25 = 25 * total / (9 * responses) exactly; in
    /// hundredths that is 2500 * total / (9 * responses), rounded half up in
    /// integer arithmetic (no 0.11 weight, no float error near the grade
    /// thresholds).
    pub fn ikm(&self) -> Option<Ikm> {
        if self.responses == 0 {
            return None;
        }
        let total: u128 = self.sums.iter().map(|&s| u128::from(s)).sum();
        let num = 2500 * total;
        let den = 9 * u128::from(self.responses);
        let rounded = (2 * num + den) / (2 * den);
        Some(Ikm(u32::try_from(rounded).unwrap_or(u32::MAX)))
    }
}

/// One element's line of the SKM report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElementScore {
    /// Sum of its answers over the full responses.
    pub sum: u64,
    /// Its NRR: the mean answer (1..4).
    pub nrr: Option<f64>,
    /// NRR x 1/9 (the exact weight, not 0.11).
    pub nrr_weighted: Option<f64>,
}

/// The SKM figures of a set of full responses, as PermenPAN-RB 14/2017 lays
/// them out: per element the sum, NRR and weighted NRR; the IKM (sum of the
/// weighted NRRs, 1..4) and the converted IKM (x 25, the integer-exact
/// rounding of [`IkmTally::ikm`]); and the weakest elements (the basis of the
/// follow-up plan).
#[derive(Debug, Clone, PartialEq)]
pub struct SkmSummary {
    /// Full responses.
    pub respondents: u64,
    /// U1..U9.
    pub elements: [ElementScore; 9],
    /// Sum of the weighted NRRs (1..4), unrounded.
    pub ikm_unconverted: Option<f64>,
    /// The converted index (25..100), two decimals.
    pub ikm: Option<Ikm>,
    /// Indexes (0-based) of the three elements with the lowest NRR, lowest
    /// first (ties in element order).
    pub weakest: Vec<usize>,
}

impl IkmTally {
    /// The SKM report's figures.
    pub fn summary(&self) -> SkmSummary {
        let n = self.responses;
        let elements: [ElementScore; 9] = std::array::from_fn(|i| ElementScore {
            sum: self.sums[i],
            nrr: self.nrr(i),
            nrr_weighted: (n > 0).then(|| self.sums[i] as f64 / (9.0 * n as f64)),
        });
        let total: u64 = self.sums.iter().sum();
        let mut order: Vec<usize> = (0..9).collect();
        order.sort_by(|&a, &b| self.sums[a].cmp(&self.sums[b]).then(a.cmp(&b)));
        SkmSummary {
            respondents: n,
            elements,
            ikm_unconverted: (n > 0).then(|| total as f64 / (9.0 * n as f64)),
            ikm: self.ikm(),
            weakest: if n > 0 {
                order.into_iter().take(3).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// The Krejcie-Morgan minimum sample for a population of `population`
/// (95% confidence, 5% margin, P = 0.5): 100 -> 80, 1,000 -> 278,
/// 10,000 -> 370, very large -> 384.
pub fn krejcie_morgan_sample_min(population: u64) -> u64 {
    if population == 0 {
        return 0;
    }
    let n = population as f64;
    let chi2 = 3.841;
    let s = chi2 * n * 0.25 / (0.0025 * (n - 1.0) + chi2 * 0.25);
    s.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tally(responses: &[[i64; 9]]) -> IkmTally {
        let mut t = IkmTally::default();
        for r in responses {
            t.add(&SkmAnswers::new(r).unwrap());
        }
        t
    }

    #[test]
    fn a_comment_drops_control_characters_but_keeps_line_breaks() {
        let c = Comment::new("Antre\u{1b}[31m lama\u{7}\nsekali\tya")
            .unwrap()
            .unwrap();
        assert_eq!(c.as_str(), "Antre[31m lama\nsekali\tya");
        assert_eq!(Comment::new("\u{0}\u{1b}").unwrap(), None);
    }

    #[test]
    fn scores_outside_one_to_four_are_rejected() {
        assert!(Score::new(0).is_err());
        assert!(Score::new(5).is_err());
        assert_eq!(Score::new(4).unwrap().get(), 4);
        assert!(serde_json::from_str::<Score>("5").is_err());
    }

    #[test]
    fn eight_or_ten_answers_are_rejected() {
        assert_eq!(SkmAnswers::new(&[3; 8]), Err(BadAnswers::Count(8)));
        assert_eq!(SkmAnswers::new(&[3; 10]), Err(BadAnswers::Count(10)));
        let mut a = [3i64; 9];
        a[4] = 0;
        assert_eq!(
            SkmAnswers::new(&a),
            Err(BadAnswers::Value {
                element: 5,
                value: 0
            })
        );
    }

    #[test]
    fn a_501_character_comment_is_rejected_and_500_accepted() {
        assert_eq!(Comment::new(&"é".repeat(501)), Err(CommentTooLong(501)));
        assert!(Comment::new(&"é".repeat(500)).unwrap().is_some());
        assert_eq!(Comment::new("   ").unwrap(), None);
    }

    #[test]
    fn all_fours_give_100_and_all_ones_give_25() {
        assert_eq!(tally(&[[4; 9]]).ikm().unwrap().hundredths(), 10000);
        assert_eq!(tally(&[[1; 9]]).ikm().unwrap().hundredths(), 2500);
        assert_eq!(IkmTally::default().ikm(), None);
    }

    #[test]
    fn ikm_is_rounded_half_up_to_two_decimals() {
        // One response summing 28: 25 * 28 / 9 = 77.777... -> 77.78.
        let t = tally(&[[4, 4, 3, 3, 3, 3, 3, 3, 2]]);
        assert_eq!(t.ikm().unwrap().hundredths(), 7778);
        assert_eq!(t.ikm().unwrap().to_string(), "77.78");
        // Two responses summing 27 + 28 = 55: 25 * 55 / 18 = 76.3888... -> 76.39.
        let t = tally(&[[3; 9], [4, 4, 3, 3, 3, 3, 3, 3, 2]]);
        assert_eq!(t.ikm().unwrap().hundredths(), 7639);
        // 25 * total / (9n) = x.xx5 exactly rounds up: total 1413, n = 40 ->
        // 35325 / 360 = 98.125 -> 98.13.
        let mut t = IkmTally {
            responses: 40,
            sums: [0; 9],
        };
        t.sums[0] = 1413;
        assert_eq!(t.ikm().unwrap().hundredths(), 9813);
    }

    #[test]
    fn grades_use_the_thresholds_on_the_rounded_value() {
        let g = |h| Ikm(h).grade();
        assert_eq!(g(10000), Grade::A);
        assert_eq!(g(8831), Grade::A);
        assert_eq!(g(8830), Grade::B);
        assert_eq!(g(7661), Grade::B);
        assert_eq!(g(7660), Grade::C);
        assert_eq!(g(6500), Grade::C);
        assert_eq!(g(6499), Grade::D);
        assert_eq!(g(2500), Grade::D);
    }

    #[test]
    fn the_summary_weighs_each_element_by_exactly_one_ninth_and_names_the_weakest() {
        let t = tally(&[[4, 4, 3, 3, 3, 3, 3, 3, 2], [4, 3, 3, 2, 3, 3, 4, 4, 1]]);
        let s = t.summary();
        assert_eq!(s.respondents, 2);
        assert_eq!(s.elements[0].sum, 8);
        assert_eq!(s.elements[0].nrr, Some(4.0));
        assert_eq!(s.elements[8].nrr_weighted, Some(3.0 / 18.0));
        let weighted: f64 = s.elements.iter().map(|e| e.nrr_weighted.unwrap()).sum();
        assert!((s.ikm_unconverted.unwrap() - weighted).abs() < 1e-12);
        assert_eq!(s.ikm, t.ikm());
        assert_eq!(
            s.weakest,
            [8, 3, 2],
            "U9 (1.5), then U4 (2.5), then U3 before U5 (3.0)"
        );
        assert!(IkmTally::default().summary().weakest.is_empty());
    }

    #[test]
    fn krejcie_morgan_matches_the_published_table() {
        assert_eq!(krejcie_morgan_sample_min(10), 10);
        assert_eq!(krejcie_morgan_sample_min(50), 44);
        assert_eq!(krejcie_morgan_sample_min(100), 80);
        assert_eq!(krejcie_morgan_sample_min(1_000), 278);
        assert_eq!(krejcie_morgan_sample_min(10_000), 370);
        assert_eq!(krejcie_morgan_sample_min(1_000_000), 384);
        assert_eq!(krejcie_morgan_sample_min(0), 0);
    }

    #[test]
    fn every_element_has_four_labels_in_both_languages() {
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert_eq!(e.code, format!("U{}", i + 1));
            assert!(
                e.labels_id
                    .iter()
                    .chain(e.labels_en.iter())
                    .all(|l| !l.is_empty())
            );
        }
        assert!(ELEMENTS[5].asn_controls && ELEMENTS[6].asn_controls);
        assert_eq!(ELEMENTS.iter().filter(|e| e.asn_controls).count(), 2);
    }

    fn answers() -> impl Strategy<Value = [i64; 9]> {
        proptest::array::uniform9(1i64..=4)
    }

    proptest! {
        #[test]
        fn ikm_stays_within_25_and_100(rs in proptest::collection::vec(answers(), 1..50)) {
            let ikm = tally(&rs).ikm().unwrap().hundredths();
            prop_assert!((2500..=10000).contains(&ikm));
        }

        #[test]
        fn raising_any_answer_never_lowers_the_ikm(
            rs in proptest::collection::vec(answers(), 1..30), pick in 0usize..1000, el in 0usize..9,
        ) {
            let before = tally(&rs).ikm().unwrap();
            let mut raised = rs.clone();
            let r = pick % raised.len();
            raised[r][el] = (raised[r][el] + 1).min(4);
            prop_assert!(tally(&raised).ikm().unwrap() >= before);
        }

        #[test]
        fn integer_ikm_equals_the_nrr_formula_rounded(rs in proptest::collection::vec(answers(), 1..40)) {
            let t = tally(&rs);
            let via_nrr: f64 = (0..9).map(|i| t.nrr(i).unwrap() / 9.0).sum::<f64>() * 25.0;
            let diff = (t.ikm().unwrap().as_f64() - via_nrr).abs();
            prop_assert!(diff <= 0.005 + 1e-9, "{} vs {}", t.ikm().unwrap(), via_nrr);
        }

        #[test]
        fn answers_parse_iff_nine_values_in_range(v in proptest::collection::vec(-2i64..7, 0..12)) {
            let ok = v.len() == 9 && v.iter().all(|x| (1..=4).contains(x));
            prop_assert_eq!(SkmAnswers::new(&v).is_ok(), ok);
        }
    }
}
