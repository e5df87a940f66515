//! The rules of a citizen's rating, once for the kiosk's tablet and the
//! collector's phone pages: a quick score 1..4, the survey whole or not at
//! all (nine answers 1..4), a comment of at most 500 characters.

use crate::Msg;
use crate::skm::{Comment, Score, SkmAnswers};

/// A rating's values, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingValues {
    /// The quick score.
    pub score: Score,
    /// The full survey, when given.
    pub answers: Option<SkmAnswers>,
    /// The comment, when given (blank is none).
    pub comment: Option<Comment>,
}

impl RatingValues {
    /// Checks raw values (as a JSON body or a form carries them); the
    /// message says what to fix.
    pub fn parse(
        score: i64,
        answers: Option<&[i64]>,
        comment: Option<&str>,
    ) -> Result<RatingValues, Msg> {
        let score = Score::new(score).map_err(|e| e.msg())?;
        let answers = answers
            .map(SkmAnswers::new)
            .transpose()
            .map_err(|e| e.msg())?;
        let comment = match comment {
            Some(c) => Comment::new(c).map_err(|e| e.msg())?,
            None => None,
        };
        Ok(RatingValues {
            score,
            answers,
            comment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_needs_a_score_of_one_to_four_a_whole_survey_and_a_short_comment() {
        let ok = RatingValues::parse(4, Some(&[4; 9]), Some("cepat")).unwrap();
        assert_eq!(ok.score.get(), 4);
        assert!(ok.answers.is_some() && ok.comment.is_some());
        assert_eq!(
            RatingValues::parse(3, None, Some("  ")).unwrap().comment,
            None
        );
        assert!(RatingValues::parse(5, None, None).is_err());
        assert!(RatingValues::parse(3, Some(&[4; 8]), None).is_err());
        assert!(RatingValues::parse(3, None, Some(&"x".repeat(501))).is_err());
    }
}
