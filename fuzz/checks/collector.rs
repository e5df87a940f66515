//! The checks behind the fuzz targets of the collector's parsers: the phone
//! rating form and the roster import.
//!
//! Compiled into the fuzz targets and into `collector/tests/fuzz_props.rs`
//! (see `checks/shared.rs`). Uses only `collector`, `shared` and std.

use std::collections::{BTreeSet, HashSet};

use collector::rating_form::PostedForm;
use collector::roster::{self, Line};
use shared::OfficeId;
use shared::office::NAME_MAX_CHARS;
use shared::skm::COMMENT_MAX_CHARS;

/// The offices that exist when a roster is validated.
pub const OFFICES: [&str; 2] = ["kupang", "alak"];

/// [`OFFICES`] as the roster validation takes them.
pub fn offices() -> BTreeSet<OfficeId> {
    OFFICES
        .iter()
        .filter_map(|s| OfficeId::parse(s).ok())
        .collect()
}

fn one_to_four(v: u8) -> bool {
    (1..=4).contains(&v)
}

/// Percent-encodes every byte that is not alphanumeric.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The form body that posts exactly `form`.
pub fn form_body(form: &PostedForm) -> String {
    let mut fields = Vec::new();
    if let Some(score) = &form.score {
        fields.push(format!("score={}", form_encode(score)));
    }
    for (i, a) in form.answers.iter().enumerate() {
        if let Some(a) = a {
            fields.push(format!("u{}={}", i + 1, form_encode(a)));
        }
    }
    if !form.comment.is_empty() {
        fields.push(format!("comment={}", form_encode(&form.comment)));
    }
    if form.skip_survey {
        fields.push("survey=skip".to_owned());
    }
    if let Some(lang) = form.lang {
        fields.push(format!("lang={}", lang.tag()));
    }
    fields.join("&")
}

/// A phone rating form body (`POST /r/{token}`, `/t/{token}`): parsed,
/// validated, and the choices shown again on a refusal.
pub fn rating_form(body: &[u8]) {
    let Ok(form) = PostedForm::parse(body) else {
        return;
    };
    assert!(!form.comment.contains("\r\n"));
    for v in form.answers.iter().chain([&form.score]).flatten() {
        assert!(!v.is_empty() && v.trim() == v, "{v:?}");
    }
    // The form as parsed is posted again unchanged.
    let again = PostedForm::parse(form_body(&form).as_bytes());
    assert_eq!(again.as_ref(), Ok(&form));
    let (score, answers) = form.choices();
    assert!(
        score
            .into_iter()
            .chain(answers.into_iter().flatten())
            .all(one_to_four)
    );
    match form.validate() {
        Ok(v) => {
            assert!(one_to_four(v.score.get()));
            assert_eq!(score, Some(v.score.get()));
            if let Some(a) = v.answers {
                assert!(!form.skip_survey);
                assert!(a.values().into_iter().all(one_to_four));
                assert!(answers.iter().all(Option::is_some));
            }
            if let Some(c) = v.comment {
                assert!(c.as_str().chars().count() <= COMMENT_MAX_CHARS);
                assert!(!c.as_str().trim().is_empty());
            }
        }
        Err(refusal) => {
            assert!(!refusal.msg.id.is_empty() && !refusal.msg.en.is_empty());
            if refusal.survey_incomplete {
                assert!(!form.skip_survey);
                let given = form.answers.iter().filter(|a| a.is_some()).count();
                assert!((1..9).contains(&given), "{given}");
            }
        }
    }
}

/// What every accepted roster row must be, and the rejections' shape.
fn validated(lines: Vec<Line>) {
    let n = lines.len();
    let offices = offices();
    let (valid, rejected) = roster::validate(lines, &offices);
    assert_eq!(valid.len() + rejected.len(), n);
    let mut nips = HashSet::new();
    for row in &valid {
        assert!(nips.insert(row.nip.clone()), "a NIP accepted twice");
        assert_eq!(row.nip.as_str().len(), 18);
        assert!(!row.name.is_empty() && row.name.trim() == row.name);
        assert!(row.name.chars().count() <= NAME_MAX_CHARS);
        assert!(offices.contains(&row.office_id));
        let pin = row.pin.expose();
        assert!((4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()));
    }
    for r in &rejected {
        assert!(!r.error.id.is_empty() && !r.error.en.is_empty());
    }
}

/// A roster CSV (`PUT /api/v1/roster`, `text/csv`): parsed, then validated.
pub fn roster_csv(body: &[u8]) {
    let Ok(lines) = roster::parse_csv(body) else {
        return;
    };
    // Lines are numbered from the header's line 1: every row is on a line
    // after the header's and after the row before it, whichever line breaks
    // (`\n`, `\r\n` or `\r`) the file uses.
    let numbers: Vec<u64> = lines.iter().map(|l| l.line).collect();
    assert!(numbers.iter().all(|&n| n >= 2), "{numbers:?}");
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    validated(lines);
}

/// A roster JSON array (`PUT /api/v1/roster`, `application/json`).
pub fn roster_json(body: &[u8]) {
    let Ok(lines) = roster::parse_json(body) else {
        return;
    };
    assert!(lines.iter().zip(1u64..).all(|(l, i)| l.line == i));
    validated(lines);
}
