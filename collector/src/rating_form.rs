//! The phone rating form as posted (`application/x-www-form-urlencoded`):
//! parsed and checked by pure functions, so every rule is unit-tested here
//! and the handlers only carry the outcome. The rules themselves (a score
//! 1..4, the survey whole or not at all, a comment of at most 500
//! characters) are [`shared::rating`]'s, the same as the kiosk tablet's.

use shared::rating::RatingValues;
use shared::skm::ELEMENTS;
use shared::{Lang, Msg};

use crate::pages::rate::{LANG_FIELD, SKIP_SURVEY_FIELD, SKIP_SURVEY_VALUE};

/// The form as posted, before validation. Empty fields count as absent
/// (that is what a browser sends for an untouched textarea).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PostedForm {
    /// `score`.
    pub score: Option<String>,
    /// `u1`..`u9`.
    pub answers: [Option<String>; 9],
    /// `comment` (line breaks as `\n`).
    pub comment: String,
    /// The citizen chose "send without the survey".
    pub skip_survey: bool,
    /// The language of the page the citizen filled in.
    pub lang: Option<Lang>,
}

/// A refused form: the message, and whether the survey was half answered
/// (the page then offers to send without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRefusal {
    /// What to fix.
    pub msg: Msg,
    /// The survey was started but not finished.
    pub survey_incomplete: bool,
}

impl FormRefusal {
    fn new(msg: Msg) -> FormRefusal {
        FormRefusal {
            msg,
            survey_incomplete: false,
        }
    }
}

/// The body is not a form at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable;

impl Unreadable {
    /// What the citizen reads.
    pub fn msg() -> Msg {
        Msg::new(
            "Isi formulir tidak terbaca; kirim ulang dari halaman penilaian",
            "The form could not be read; send it again from the rating page",
        )
    }
}

/// `u1`..`u9` -> 0..8.
pub fn element_index(name: &str) -> Option<usize> {
    let n: usize = name.strip_prefix('u')?.parse().ok()?;
    (1..=ELEMENTS.len()).contains(&n).then(|| n - 1)
}

impl PostedForm {
    /// Parses a form body. The first of repeated fields counts; unknown
    /// fields are ignored.
    pub fn parse(body: &[u8]) -> Result<PostedForm, Unreadable> {
        let text = std::str::from_utf8(body).map_err(|_| Unreadable)?;
        // serde_urlencoded (through actix) decodes `+` and `%XX`.
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(text)
            .map_err(|_| Unreadable)?
            .into_inner();
        let mut form = PostedForm::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "score" => &mut form.score,
                "comment" => {
                    if form.comment.is_empty() {
                        form.comment = value;
                    }
                    continue;
                }
                n if n == SKIP_SURVEY_FIELD => {
                    form.skip_survey |= value == SKIP_SURVEY_VALUE;
                    continue;
                }
                n if n == LANG_FIELD => {
                    form.lang = form.lang.or(Lang::from_tag(&value));
                    continue;
                }
                n => match element_index(n) {
                    Some(i) => &mut form.answers[i],
                    None => continue,
                },
            };
            let value = value.trim();
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.to_owned());
            }
        }
        // Browsers send a textarea's line breaks as CRLF but count them as
        // one character against `maxlength`; count them as one here too. A
        // lone CR is a line break as well (as a textarea's value has it), so
        // that no CRLF is left behind (`\r\r\n` is two line breaks).
        form.comment = form.comment.replace("\r\n", "\n").replace('\r', "\n");
        Ok(form)
    }

    /// The values, or why they are refused: the score first, then the
    /// survey, then the comment.
    pub fn validate(&self) -> Result<RatingValues, FormRefusal> {
        let Some(score) = self.score.as_deref() else {
            return Err(FormRefusal::new(Msg::new(
                "Pilih salah satu wajah untuk menilai pelayanan.",
                "Choose one of the faces to rate the service.",
            )));
        };
        let score = score.parse::<i64>().unwrap_or(0);
        let answers = if self.skip_survey {
            None
        } else {
            self.survey()?
        };
        RatingValues::parse(score, answers.as_deref(), Some(&self.comment))
            .map_err(FormRefusal::new)
    }

    /// The survey: none, or all nine. A partial survey is refused, naming
    /// what is missing (answers count only as a whole response).
    fn survey(&self) -> Result<Option<Vec<i64>>, FormRefusal> {
        let missing: Vec<&str> = ELEMENTS
            .iter()
            .zip(&self.answers)
            .filter(|(_, a)| a.is_none())
            .map(|(e, _)| e.code)
            .collect();
        if missing.len() == ELEMENTS.len() {
            return Ok(None);
        }
        if !missing.is_empty() {
            let list = missing.join(", ");
            return Err(FormRefusal {
                msg: Msg::new(
                    format!(
                        "Survei belum lengkap: jawab kesembilan pertanyaan (belum dijawab: {list}), \
                         atau kirim tanpa survei."
                    ),
                    format!(
                        "The survey is incomplete: answer all nine questions (not answered: \
                         {list}), or send without the survey."
                    ),
                ),
                survey_incomplete: true,
            });
        }
        Ok(Some(
            self.answers
                .iter()
                .map(|a| a.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0))
                .collect(),
        ))
    }

    /// The choices to show again on a refused form: only 1..=4 (score, then
    /// U1..U9).
    pub fn choices(&self) -> (Option<u8>, [Option<u8>; 9]) {
        let choice = |v: Option<&str>| {
            v.and_then(|v| v.parse::<u8>().ok())
                .filter(|v| (1..=4).contains(v))
        };
        let mut answers = [None; 9];
        for (shown, given) in answers.iter_mut().zip(&self.answers) {
            *shown = choice(given.as_deref());
        }
        (choice(self.score.as_deref()), answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_nine(v: u8) -> String {
        (1..=9).map(|i| format!("&u{i}={v}")).collect()
    }

    #[test]
    fn form_fields_u1_to_u9_name_the_nine_elements_and_nothing_else() {
        assert_eq!(element_index("u1"), Some(0));
        assert_eq!(element_index("u9"), Some(8));
        for bad in ["u0", "u10", "u", "x1", "u1x", "U1"] {
            assert_eq!(element_index(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_form_is_percent_and_plus_decoded_and_the_first_of_repeated_fields_counts() {
        let f = PostedForm::parse(b"score=3&score=1&comment=Cepat+%26+ramah%21&lang=en").unwrap();
        assert_eq!(f.score.as_deref(), Some("3"));
        assert_eq!(f.comment, "Cepat & ramah!");
        assert_eq!(f.lang, Some(Lang::En));
        let v = f.validate().unwrap();
        assert_eq!(v.score.get(), 3);
        assert_eq!(v.comment.unwrap().as_str(), "Cepat & ramah!");
        assert_eq!(v.answers, None);
    }

    #[test]
    fn a_body_that_is_not_a_form_is_unreadable() {
        assert_eq!(PostedForm::parse(&[0xff, 0xfe]), Err(Unreadable));
        // A broken escape stays as it is, and is then no score.
        let f = PostedForm::parse(b"score=%zz").unwrap();
        assert!(f.validate().is_err());
        // Empty and unknown fields are fine.
        let f = PostedForm::parse(b"&&other=1&score=").unwrap();
        assert_eq!(f, PostedForm::default());
    }

    #[test]
    fn a_missing_score_is_refused_first_and_a_bad_one_names_the_range() {
        let none = PostedForm::parse(b"comment=x")
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(none.msg.en.contains("Choose one of the faces"));
        let bad = PostedForm::parse(b"score=7")
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(!bad.survey_incomplete);
        assert!(
            bad.msg.en.contains('1') && bad.msg.en.contains('4'),
            "{}",
            bad.msg.en
        );
    }

    #[test]
    fn a_partial_survey_is_refused_naming_what_is_missing_unless_skipped() {
        let body = "score=4&u1=4&u2=3";
        let refused = PostedForm::parse(body.as_bytes())
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(refused.survey_incomplete);
        assert!(
            refused.msg.en.contains("U3, U4, U5, U6, U7, U8, U9"),
            "{}",
            refused.msg.en
        );
        let skipped = PostedForm::parse(format!("{body}&survey=skip").as_bytes()).unwrap();
        assert_eq!(skipped.validate().unwrap().answers, None);
    }

    #[test]
    fn the_whole_survey_is_kept_and_an_answer_out_of_range_is_refused() {
        let whole = PostedForm::parse(format!("score=2{}", all_nine(3)).as_bytes()).unwrap();
        let v = whole.validate().unwrap();
        assert_eq!(v.answers.unwrap().values(), [3; 9]);
        let bad = PostedForm::parse(format!("score=2{}&u9=5", all_nine(3)).as_bytes()).unwrap();
        // The first u9 counts: 3 is fine.
        assert!(bad.validate().is_ok());
        let bad = PostedForm::parse(format!("score=2&u9=5{}", all_nine(3)).as_bytes()).unwrap();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_crlf_counts_as_one_character_against_the_comment_limit() {
        let comment = format!("{}%0D%0A{}", "a".repeat(250), "b".repeat(249));
        let f = PostedForm::parse(format!("score=4&comment={comment}").as_bytes()).unwrap();
        assert_eq!(f.comment.chars().count(), 500);
        assert!(f.validate().is_ok());
        let long = PostedForm::parse(format!("score=4&comment={}", "c".repeat(501)).as_bytes());
        assert!(long.unwrap().validate().is_err());
    }

    #[test]
    fn the_choices_shown_again_are_only_values_one_to_four() {
        let f = PostedForm::parse(b"score=9&u1=2&u2=x&u3=4").unwrap();
        let (score, answers) = f.choices();
        assert_eq!(score, None);
        assert_eq!(&answers[..3], &[Some(2), None, Some(4)]);
    }
}
