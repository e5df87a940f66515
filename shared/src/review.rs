//! The ASN takes part: their reply to a rating, the head's review of it, the
//! follow-up of complaints, the append-only audit trail, and the aggregate
//! fairness checks HR reads (bias audit, patterns worth a look). Wire types
//! and the fixed vocabularies; the collector stores and computes them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::RatingId;
use crate::{Lang, Msg};

/// Longest reply, follow-up response or review note, in characters.
pub const TEXT_MAX_CHARS: usize = 1000;

/// Checks a free text written by staff: trimmed, not empty when `required`,
/// at most [`TEXT_MAX_CHARS`], no control characters except line breaks.
pub fn staff_text(input: &str, required: bool) -> Result<Option<String>, Msg> {
    let t = input.trim();
    if t.is_empty() {
        return if required {
            Err(Msg::new(
                "Teks tidak boleh kosong",
                "The text must not be empty",
            ))
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > TEXT_MAX_CHARS {
        return Err(Msg::new(
            format!("Teks paling panjang {TEXT_MAX_CHARS} karakter"),
            format!("The text is at most {TEXT_MAX_CHARS} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Msg::new(
            "Teks berisi karakter kendali",
            "The text contains control characters",
        ));
    }
    Ok(Some(t.replace("\r\n", "\n")))
}

/// The ASN's answer to a rating attributed to them (one per rating).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingReply {
    /// What they wrote.
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// What a head (or HR) decided about a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// It stays in the ASN's score.
    Keep,
    /// It leaves the ASN's score and band (it stays in the office's SKM and
    /// IKM: the citizen's voice about the office is never deleted).
    Exclude,
}

impl ReviewDecision {
    /// Parses `keep` or `exclude`.
    pub fn parse(s: &str) -> Result<ReviewDecision, Msg> {
        match s {
            "keep" => Ok(ReviewDecision::Keep),
            "exclude" => Ok(ReviewDecision::Exclude),
            _ => Err(Msg::new(
                "decision harus \"keep\" atau \"exclude\"",
                "decision must be \"keep\" or \"exclude\"",
            )),
        }
    }

    /// In words.
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            ReviewDecision::Keep => lang.pick("Tetap dihitung", "Kept"),
            ReviewDecision::Exclude => {
                lang.pick("Dikeluarkan dari skor ASN", "Excluded from the ASN's score")
            }
        }
    }
}

/// Why a rating may leave an ASN's score: a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Abusive or insulting, not an assessment.
    Abusive,
    /// About something else than this service (the building, the rules).
    NotAboutService,
    /// Given at or about the wrong counter or ASN.
    WrongCounter,
}

impl ExclusionReason {
    /// Every reason, in the order forms list them.
    pub const ALL: [ExclusionReason; 3] = [
        ExclusionReason::Abusive,
        ExclusionReason::NotAboutService,
        ExclusionReason::WrongCounter,
    ];

    /// Its code in JSON and forms.
    pub fn code(self) -> &'static str {
        match self {
            ExclusionReason::Abusive => "abusive",
            ExclusionReason::NotAboutService => "not_about_service",
            ExclusionReason::WrongCounter => "wrong_counter",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Result<ExclusionReason, Msg> {
        ExclusionReason::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                Msg::new(
                    "reason harus salah satu dari abusive, not_about_service, wrong_counter",
                    "reason must be one of abusive, not_about_service, wrong_counter",
                )
            })
    }

    /// In words.
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            ExclusionReason::Abusive => lang.pick("Kasar atau menghina", "Abusive or insulting"),
            ExclusionReason::NotAboutService => {
                lang.pick("Bukan tentang layanan ini", "Not about this service")
            }
            ExclusionReason::WrongCounter => {
                lang.pick("Salah loket atau salah ASN", "Wrong counter or wrong ASN")
            }
        }
    }
}

/// A review as stored and shown: the latest decision on a rating (earlier
/// ones stay in the audit trail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingReview {
    /// Keep or exclude.
    pub decision: ReviewDecision,
    /// Why excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExclusionReason>,
    /// The reviewer's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who decided (a username, or `token:<id>` for a script).
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// `POST /api/v1/ratings/{rating_id}/reply` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyBody {
    /// The ASN's answer.
    pub text: String,
}

/// `POST /api/v1/ratings/{rating_id}/review` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewBody {
    /// `keep` or `exclude`.
    pub decision: String,
    /// For `exclude`: `abusive`, `not_about_service` or `wrong_counter`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Free text.
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a follow-up item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Nobody has acted yet.
    Open,
    /// Being handled.
    InProgress,
    /// Handled, with a response.
    Done,
}

impl FollowUpStatus {
    /// Every status, in order.
    pub const ALL: [FollowUpStatus; 3] = [
        FollowUpStatus::Open,
        FollowUpStatus::InProgress,
        FollowUpStatus::Done,
    ];

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "open",
            FollowUpStatus::InProgress => "in_progress",
            FollowUpStatus::Done => "done",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Result<FollowUpStatus, Msg> {
        FollowUpStatus::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                Msg::new(
                    "status harus open, in_progress atau done",
                    "status must be open, in_progress or done",
                )
            })
    }

    /// In words.
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            FollowUpStatus::Open => lang.pick("Terbuka", "Open"),
            FollowUpStatus::InProgress => lang.pick("Sedang ditangani", "In progress"),
            FollowUpStatus::Done => lang.pick("Selesai", "Done"),
        }
    }
}

/// A follow-up item (tindak lanjut): a rating of 1 or 2 with a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpItem {
    /// The rating.
    pub rating_id: RatingId,
    /// Its office.
    pub office_id: String,
    /// Office-local day of the rating.
    pub day: String,
    /// Its score (1 or 2).
    pub score: u8,
    /// The citizen's words (always escaped when shown).
    pub comment: String,
    /// When the item was opened: when the citizen sent the rating (no later
    /// than its arrival at the collector).
    pub opened_at: Timestamp,
    /// Where it stands.
    pub status: FollowUpStatus,
    /// What the office did about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// By whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When it was marked done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

/// `POST /api/v1/followups/{rating_id}` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FollowUpBody {
    /// `open`, `in_progress` or `done`.
    pub status: String,
    /// What the office did (required for `done`).
    #[serde(default)]
    pub response: Option<String>,
}

/// `GET /api/v1/followups` answer: oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FollowUpList {
    /// Items.
    pub items: Vec<FollowUpItem>,
}

/// Follow-up figures of a period (items opened in it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowUpFigures {
    /// Items opened in the period.
    pub opened: u64,
    /// Of those, in progress now.
    pub in_progress: u64,
    /// Of those, done now.
    pub done: u64,
    /// done / opened.
    pub rate: Option<f64>,
    /// Median time from opening to done, hours (one decimal).
    pub close_p50_h: Option<f64>,
}

/// One entry of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the trail (1, 2, ...; never reused).
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who: a username, `asn:<asn_ref>`, `admin`, `token:<id>`, or
    /// `kiosk:<id>` for what the ingest decided about a kiosk's event.
    pub actor: String,
    /// What: `reply`, `review_keep`, `review_exclude`, `followup`, `flag`,
    /// `user_created`, `user_deleted`, `token_issued`, `token_revoked`,
    /// `kiosk_disabled`, `kiosk_key_rotated`, `roster_imported`,
    /// `asn_locked`.
    pub action: String,
    /// The office concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<String>,
    /// The rating concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_id: Option<RatingId>,
    /// Anything else worth keeping (the reason, the text, the new status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// SHA-256 (hex) over the previous entry's hash and this entry: editing
    /// or removing an entry breaks every hash after it.
    pub hash: String,
}

/// `GET /api/v1/audit` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditLog {
    /// Entries, oldest first.
    pub entries: Vec<AuditEntry>,
    /// Whether the whole trail's hash chain checks out.
    pub chain_ok: bool,
}

/// A group of ASN in the bias audit (never one person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasCell {
    /// `male`/`female`, or an age band such as `30-39`.
    pub group: String,
    /// ASN with an adjusted score in it.
    pub asn: u64,
    /// Their counted ratings.
    pub ratings: u64,
    /// Mean adjusted score (withheld under 5 ASN).
    pub mean: Option<f64>,
    /// 95% interval of the mean, low end.
    pub ci_low: Option<f64>,
    /// High end.
    pub ci_high: Option<f64>,
    /// Fewer than 5 ASN: no figures shown.
    pub withheld: bool,
}

/// Whether the groups of one dimension differ more than chance explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasTest {
    /// Whether there were two or more groups shown to compare.
    pub tested: bool,
    /// Largest difference between shown groups' means.
    pub gap: Option<f64>,
    /// Share of random relabellings with a spread at least as large.
    pub p_value: Option<f64>,
    /// `p_value` below the audit's threshold.
    pub flagged: bool,
}

/// The bias audit of one scope (an office, or all offices together).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasScope {
    /// The office, or none for all offices in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_id: Option<String>,
    /// Its name.
    pub name: String,
    /// ASN with an adjusted score.
    pub asn: u64,
    /// By gender.
    pub by_gender: Vec<BiasCell>,
    /// By age band at the period's end.
    pub by_age: Vec<BiasCell>,
    /// Gender groups compared.
    pub gender: BiasTest,
    /// Age bands compared.
    pub age: BiasTest,
}

/// `GET /api/v1/reports/bias` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BiasReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// How a gap is judged, in one sentence.
    pub method: String,
    /// Flag threshold on the permutation p-value.
    pub alpha: f64,
    /// Relabellings per test.
    pub permutations: u32,
    /// The seed (the same data gives the same answer).
    pub seed: u64,
    /// All offices of the report together first, then each office.
    pub scopes: Vec<BiasScope>,
}

/// A pattern worth a look (never a penalty by itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    /// The office.
    pub office_id: String,
    /// The ASN's opaque reference (their evidence page).
    pub asn_ref: String,
    /// Their name.
    pub name: String,
    /// `response_rate`, `quick_ratings` or `qr_only`.
    pub kind: String,
    /// Their figure (a share, 0..1).
    pub value: f64,
    /// The office's figure.
    pub office_value: f64,
    /// The count behind their figure (services or ratings).
    pub n: u64,
}

/// `GET /api/v1/reports/patterns` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatternReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Patterns, by office then kind.
    pub patterns: Vec<Pattern>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            staff_text("  ok \r\n yes ", true).unwrap().unwrap(),
            "ok \n yes"
        );
        assert!(staff_text("   ", true).is_err());
        assert_eq!(staff_text("   ", false).unwrap(), None);
        assert!(staff_text(&"x".repeat(TEXT_MAX_CHARS + 1), true).is_err());
        assert!(staff_text("a\u{0}b", true).is_err());
    }

    #[test]
    fn codes_parse_back_to_what_they_name() {
        for r in ExclusionReason::ALL {
            assert_eq!(ExclusionReason::parse(r.code()).unwrap(), r);
        }
        for s in FollowUpStatus::ALL {
            assert_eq!(FollowUpStatus::parse(s.code()).unwrap(), s);
        }
        assert!(ExclusionReason::parse("dislike").is_err());
        assert!(ReviewDecision::parse("delete").is_err());
    }
}
