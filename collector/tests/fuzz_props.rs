//! The fuzz targets' properties as proptests, so that CI (`cargo test`)
//! checks them on every run: the phone rating form and the roster import.
//! The checks are the fuzz targets' own (`fuzz/checks/`), and
//! [`the_committed_fuzz_corpus_passes_every_check`] runs every input of
//! `fuzz/corpus/` through them, `shared`'s targets included. Case counts are
//! kept small so the file runs in a few seconds; `fuzz/README.md` has the
//! long runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/checks/collector.rs"]
#[allow(dead_code)]
mod checks;

#[path = "../../fuzz/checks/shared.rs"]
#[allow(dead_code)]
mod shared_checks;

use std::path::Path;

use checks::form_encode;
use collector::rating_form::PostedForm;
use collector::roster;
use proptest::collection::vec;
use proptest::prelude::*;
use shared::skm::ELEMENTS;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig::with_cases(n)
}

// ---------------------------------------------------------------- the rating form

/// A form field name: mostly the form's own, sometimes near misses.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("score".to_owned()),
        Just("comment".to_owned()),
        Just("survey".to_owned()),
        Just("lang".to_owned()),
        "u[0-9]{1,2}",
        "[a-zA-Z0-9%+&=]{0,6}",
    ]
}

/// A field value: mostly plausible, sometimes anything.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,2}",
        " ?-?[0-9]{1,20} ?",
        Just("skip".to_owned()),
        "(id|en|in|fr)(-[A-Z]{2})?",
        any::<String>(),
        "[\r\n a-z]{0,10}",
    ]
}

/// Nine answers 1..=4, or none.
fn survey() -> impl Strategy<Value = Option<Vec<u8>>> {
    proptest::option::of(vec(1u8..=4, 9))
}

fn form_with(score: &str, survey: &[Option<u8>], comment: &str) -> String {
    let mut body = format!("score={}", form_encode(score));
    for (i, a) in survey.iter().enumerate() {
        if let Some(a) = a {
            body.push_str(&format!("&u{}={a}", i + 1));
        }
    }
    if !comment.is_empty() {
        body.push_str(&format!("&comment={}", form_encode(comment)));
    }
    body
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn the_rating_form_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..200)) {
        checks::rating_form(&bytes);
    }

    #[test]
    fn the_rating_form_never_panics_on_arbitrary_fields(
        fields in vec((field_name(), field_value(), any::<bool>()), 0..14),
    ) {
        // Encoded, or sent raw (stray `%`, `+`, `&` and `=` included).
        let body = fields
            .iter()
            .map(|(n, v, raw)| {
                if *raw { format!("{n}={v}") } else { format!("{n}={}", form_encode(v)) }
            })
            .collect::<Vec<_>>()
            .join("&");
        checks::rating_form(body.as_bytes());
    }

    #[test]
    fn a_valid_rating_form_is_accepted_with_its_values(
        score in 1u8..=4, answers in survey(), comment in "[^\r]{0,500}", lang in "(id|en)?",
    ) {
        let given: Vec<Option<u8>> = match &answers {
            Some(a) => a.iter().copied().map(Some).collect(),
            None => vec![None; 9],
        };
        let mut body = form_with(&score.to_string(), &given, &comment);
        if !lang.is_empty() {
            body.push_str(&format!("&lang={lang}"));
        }
        let form = PostedForm::parse(body.as_bytes()).unwrap();
        let v = form.validate().unwrap();
        prop_assert_eq!(v.score.get(), score);
        prop_assert_eq!(v.answers.map(|a| a.values().to_vec()), answers);
        // Control characters other than line breaks and tabs are dropped.
        let kept: String = comment
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        let comment = (!kept.trim().is_empty()).then_some(kept);
        prop_assert_eq!(v.comment.map(|c| c.as_str().to_owned()), comment);
        checks::rating_form(body.as_bytes());
    }

    #[test]
    fn a_score_outside_one_to_four_is_refused_as_an_error(
        score in prop_oneof![
            any::<i64>()
                .prop_filter("not 1..=4", |s| !(1..=4).contains(s))
                .prop_map(|s| s.to_string()),
            "[a-z ]{1,8}",
        ],
    ) {
        let body = form_with(&score, &[], "");
        let refused = PostedForm::parse(body.as_bytes()).unwrap().validate().unwrap_err();
        prop_assert!(!refused.survey_incomplete);
        checks::rating_form(body.as_bytes());
    }

    #[test]
    fn a_partial_survey_is_refused_naming_every_missing_answer(
        score in 1u8..=4, given in vec(proptest::option::of(1u8..=4), 9),
    ) {
        let missing: Vec<&str> = ELEMENTS
            .iter()
            .zip(&given)
            .filter(|(_, a)| a.is_none())
            .map(|(e, _)| e.code)
            .collect();
        prop_assume!(!missing.is_empty() && missing.len() < 9);
        let body = form_with(&score.to_string(), &given, "");
        let refused = PostedForm::parse(body.as_bytes()).unwrap().validate().unwrap_err();
        prop_assert!(refused.survey_incomplete);
        prop_assert!(refused.msg.en.contains(&missing.join(", ")), "{}", refused.msg.en);
        // Sent without the survey, the same form is accepted.
        let skipped = format!("{body}&survey=skip");
        let v = PostedForm::parse(skipped.as_bytes()).unwrap().validate().unwrap();
        prop_assert_eq!(v.answers, None);
    }

    #[test]
    fn an_answer_out_of_range_or_a_long_comment_is_refused_as_an_error(
        score in 1u8..=4,
        at in 0usize..9,
        bad in prop_oneof![Just(0u8), 5u8..=255],
        extra in 1usize..40,
    ) {
        let mut answers = [Some(3u8); 9];
        answers[at] = Some(bad);
        let refused = PostedForm::parse(form_with(&score.to_string(), &answers, "").as_bytes())
            .unwrap()
            .validate()
            .unwrap_err();
        prop_assert!(!refused.survey_incomplete);
        let long = "k".repeat(500 + extra);
        let body = form_with(&score.to_string(), &[], &long);
        prop_assert!(PostedForm::parse(body.as_bytes()).unwrap().validate().is_err());
    }
}

// ---------------------------------------------------------------- the roster

/// A header cell: a column name in any case, with spaces, or another name.
fn header_cell() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("nip"),
            Just("name"),
            Just("office_id"),
            Just("pin"),
            Just("active"),
            Just("email"),
            Just(""),
        ],
        any::<bool>(),
        " {0,2}",
    )
        .prop_map(|(name, upper, pad)| {
            let name = if upper {
                name.to_ascii_uppercase()
            } else {
                name.to_owned()
            };
            format!("{pad}{name}{pad}")
        })
}

/// A data cell: valid values of every column, near misses, and anything.
fn data_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("196608011988031001".to_owned()),
        Just("19660801 198803 1 001".to_owned()),
        Just("198503122021212004".to_owned()),
        "[0-9]{17,19}",
        Just("kupang".to_owned()),
        Just("alak".to_owned()),
        "[a-z]{1,8}",
        "[0-9]{3,9}",
        "(true|false|ya|tidak|YES|0|1|)",
        "[A-Za-z ,.\"']{0,12}",
        any::<String>(),
        "[\r\n,;\t\" ]{0,4}",
    ]
}

/// A CSV of a header and rows of arbitrary cells, quoted by a CSV writer or
/// joined raw with `delimiter`.
fn roster_csv() -> impl Strategy<Value = Vec<u8>> {
    (
        vec(header_cell(), 0..7),
        vec(vec(data_cell(), 0..7), 0..6),
        prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(header, rows, delimiter, quoted, required)| {
            let mut header = header;
            if required {
                // Usually a header that has the required columns, so rows are read.
                for c in roster::REQUIRED_COLUMNS {
                    if !header.iter().any(|h| h.trim().eq_ignore_ascii_case(c)) {
                        header.push(c.to_owned());
                    }
                }
            }
            let records = std::iter::once(header).chain(rows);
            if quoted {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .from_writer(Vec::new());
                for r in records {
                    w.write_record(&r).unwrap();
                }
                w.into_inner().unwrap()
            } else {
                let d = char::from(delimiter).to_string();
                records
                    .map(|r| r.join(&d) + "\n")
                    .collect::<String>()
                    .into_bytes()
            }
        })
}

/// A person of the roster: a NIP (distinct by `n`), a name, an office and a PIN.
fn person() -> impl Strategy<Value = (String, usize, String, bool)> {
    (
        "[A-Za-z][A-Za-z ,.'\"-]{0,30}[A-Za-z.]",
        0usize..2,
        "[0-9]{4,8}",
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn the_roster_csv_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..300)) {
        checks::roster_csv(&bytes);
    }

    #[test]
    fn a_roster_csv_of_arbitrary_cells_never_panics_and_accepts_only_valid_rows(
        csv in roster_csv(),
    ) {
        checks::roster_csv(&csv);
    }

    #[test]
    fn the_roster_json_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..300)) {
        checks::roster_json(&bytes);
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn a_roster_of_valid_rows_is_imported_whole_with_the_names_as_written(
        people in vec(person(), 1..8), delimiter in prop_oneof![Just(b','), Just(b';')],
    ) {
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
        w.write_record(["nip", "name", "office_id", "pin", "active"]).unwrap();
        let nips: Vec<String> =
            (0..people.len()).map(|i| format!("19660801198803100{i}")).collect();
        for ((name, office, pin, active), nip) in people.iter().zip(&nips) {
            let active = if *active { "ya" } else { "tidak" };
            let office = checks::OFFICES[*office];
            w.write_record([nip.as_str(), name.as_str(), office, pin.as_str(), active]).unwrap();
        }
        let body = w.into_inner().unwrap();
        let lines = roster::parse_csv(&body).unwrap();
        let (valid, rejected) = roster::validate(lines, &checks::offices());
        prop_assert!(rejected.is_empty(), "{rejected:?}");
        prop_assert_eq!(valid.len(), people.len());
        for (row, (person, nip)) in valid.iter().zip(people.iter().zip(&nips)) {
            let (name, office, pin, active) = person;
            prop_assert_eq!(row.nip.as_str(), nip.as_str());
            prop_assert_eq!(&row.name, name);
            prop_assert_eq!(row.office_id.as_str(), checks::OFFICES[*office]);
            prop_assert_eq!(row.pin.expose(), pin.as_str());
            prop_assert_eq!(row.active, *active);
        }
        checks::roster_csv(&body);
    }

    #[test]
    fn a_roster_json_of_arbitrary_values_never_panics_and_accepts_only_valid_rows(
        rows in vec(
            proptest::collection::btree_map(
                prop_oneof![
                    Just("nip"),
                    Just("name"),
                    Just("office_id"),
                    Just("pin"),
                    Just("active"),
                    Just("x"),
                ],
                prop_oneof![
                    data_cell().prop_map(serde_json::Value::String),
                    any::<bool>().prop_map(serde_json::Value::Bool),
                    any::<i64>().prop_map(serde_json::Value::from),
                    Just(serde_json::Value::Null),
                ],
                0..6,
            ),
            0..6,
        ),
    ) {
        let body = serde_json::to_vec(&rows).unwrap();
        checks::roster_json(&body);
    }
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn roster_rows_are_reported_on_the_lines_they_are_written_on(
        rows in vec((vec("[a-z0-9]{1,5}", 4), 0usize..3), 1..8),
        end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        // One file, one kind of line break; blank lines before rows.
        let mut body = format!("nip,name,office_id,pin{end}");
        let mut line = 2;
        let mut want = Vec::new();
        for (cells, blanks) in &rows {
            for _ in 0..*blanks {
                body.push_str(end);
                line += 1;
            }
            want.push(line);
            body.push_str(&cells.join(","));
            body.push_str(end);
            line += 1;
        }
        let lines = roster::parse_csv(body.as_bytes()).unwrap();
        let got: Vec<u64> = lines.iter().map(|l| l.line).collect();
        prop_assert_eq!(got, want, "{:?}", body);
        checks::roster_csv(body.as_bytes());
    }
}

#[test]
fn a_roster_from_excel_on_windows_names_the_lines_of_its_rows() {
    // CRLF line breaks, a blank line and a bad row: line 1 is the header.
    let body = "nip,name,office_id,pin\r\n196608011988031001,Budi,kupang,1234\r\n\r\n\
                123,Siti,kupang,1234\r\n";
    let (valid, rejected) = roster::validate(
        roster::parse_csv(body.as_bytes()).unwrap(),
        &checks::offices(),
    );
    assert_eq!(valid.len(), 1);
    assert_eq!(rejected[0].line, 4);
}

#[test]
fn a_comment_line_break_counts_as_one_character_however_it_is_sent() {
    for body in [
        "score=4&comment=a%0D%0Db",
        "score=4&comment=a%0D%0D%0Ab",
        "score=4&comment=a%0A%0Ab",
    ] {
        let form = PostedForm::parse(body.as_bytes()).unwrap();
        assert_eq!(form.comment, "a\n\nb", "{body}");
    }
}

// ---------------------------------------------------------------- the committed corpus

/// Every input of `fuzz/corpus/<target>/` through its target's check, so the
/// seeds (and any crash that was added to them) are run by CI too.
#[test]
fn the_committed_fuzz_corpus_passes_every_check() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 7] = [
        ("batch", |b| {
            shared_checks::batch(b);
        }),
        ("batch_signature", shared_checks::request_signature),
        ("token", |b| {
            if let Ok(s) = std::str::from_utf8(b) {
                shared_checks::token(s);
            }
        }),
        ("nip", |b| {
            if let Ok(s) = std::str::from_utf8(b) {
                shared_checks::nip(s);
            }
        }),
        ("rating_form", checks::rating_form),
        ("roster_csv", checks::roster_csv),
        ("roster_json", checks::roster_json),
    ];
    for (target, check) in targets {
        let dir = corpus.join(target);
        let mut inputs = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&input));
            assert!(outcome.is_ok(), "{} fails its check", path.display());
            inputs += 1;
        }
        assert!(inputs > 0, "no corpus for {target}");
    }
    // The targets' seeds say what they are meant to.
    let seed = |target: &str, name: &str| std::fs::read(corpus.join(target).join(name)).unwrap();
    assert_eq!(
        shared_checks::batch(&seed("batch", "all_event_types.json")),
        shared_checks::BatchDecision::Accepted {
            first_seq: 41,
            events: 10
        }
    );
    let token = String::from_utf8(seed("token", "rating.txt")).unwrap();
    assert!(
        shared::sign::UnverifiedQr::parse(&token)
            .unwrap()
            .verify(shared_checks::KEY)
            .is_ok()
    );
    let csv = roster::parse_csv(&seed("roster_csv", "valid.csv")).unwrap();
    assert_eq!(roster::validate(csv, &checks::offices()).0.len(), 2);
}

// ---------------------------------------------------------------- found bugs

/// Found while writing the `batch` target (`fuzz/corpus/batch/first_seq_max.json`):
/// `routes/batches.rs` accepted any `first_seq` from 1, and the ingest
/// writer's `seq += 1` (`ingest.rs`, `apply_batch`) overflowed past
/// `u64::MAX`: in a debug build the writer thread panicked and every later
/// write failed; in a release build the mark stuck at `u64::MAX`. The route
/// now refuses such a batch with 422 before anything adds to it.
#[tokio::test]
async fn a_batch_whose_sequences_pass_u64_max_is_refused_and_ingest_goes_on() {
    use serde_json::json;
    use shared::sign;

    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = collector::Settings::new(dir.path());
    settings.listen = "127.0.0.1:0".into();
    let app = collector::Application::build(settings).await.unwrap();
    let base = app.base_url().to_owned();
    let admin = app.generated_admin_token().unwrap().to_owned();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let office = json!({
        "name": "Kantor Kupang", "tz": "Asia/Makassar",
        "services": [{"code": "ktp", "name": "KTP-el", "prefix": "A", "target_minutes": 30}],
        "counters": [{"id": "L1", "name": "Loket 1", "services": ["ktp"]}]
    });
    let res = client
        .put(format!("{base}/api/v1/offices/kupang"))
        .bearer_auth(&admin)
        .json(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kiosk: shared::wire::KioskCreated = client
        .post(format!("{base}/api/v1/kiosks"))
        .bearer_auth(&admin)
        .json(&json!({"office_id": "kupang"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let send = |first_seq: u64, instance: &str| {
        let body = json!({
            "first_seq": first_seq,
            "instance": instance,
            "events": [{"type": "ticket_issued",
                        "ticket_id": "01930000-0000-7000-8000-00000000000c",
                        "number": "A-001", "service": "ktp",
                        "issued_at": "2026-11-22T01:02:03Z"}]
        })
        .to_string();
        let ts = jiff::Timestamp::now().as_second();
        client
            .post(format!("{base}/api/v1/batches"))
            .header("Content-Type", "application/json")
            .header(sign::HEADER_KIOSK_ID, kiosk.kiosk_id.to_string())
            .header(sign::HEADER_TIMESTAMP, ts.to_string())
            .header(
                sign::HEADER_SIGNATURE,
                sign::sign_request(&kiosk.key, ts, body.as_bytes()),
            )
            .body(body)
            .send()
    };
    let overflowing = send(u64::MAX, "01930000-0000-7000-8000-0000000000a1")
        .await
        .unwrap();
    let status = overflowing.status();
    let text = overflowing.text().await.unwrap();
    let next = send(1, "01930000-0000-7000-8000-0000000000a2")
        .await
        .unwrap();
    let (next_status, next_text) = (next.status(), next.text().await.unwrap());
    assert!(
        status.is_client_error() && next_status == 200,
        "the overflowing batch: {status} {text}; the next batch: {next_status} {next_text}"
    );
    handle.stop(false).await;
}
