//! Roster imports (`PUT /api/v1/roster`): CSV or JSON rows parsed, validated
//! into domain types row by row, and their PINs hashed with argon2.
//!
//! A row that is wrong is reported with its line and the others still go in
//! (docs/API.md): an HR export with one typo should not block a whole office. A
//! body that is not a roster at all (no header, not a JSON array) is refused
//! whole. Everything here is synchronous and CPU-bound: the route runs it on
//! the blocking pool.

use std::collections::{BTreeSet, HashMap};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use shared::office::NAME_MAX_CHARS;
use shared::secret::Pin;
use shared::wire::RosterRow;
use shared::{Msg, Nip, OfficeId};

use crate::auth::{NoRandomness, fill_random};
use crate::store::StaffRow;

/// The columns a roster CSV must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["nip", "name", "office_id", "pin"];
/// The optional column.
pub const ACTIVE_COLUMN: &str = "active";

/// One row of an import as read, before validation.
#[derive(Debug)]
pub struct Line {
    /// CSV line where the row starts (the header is line 1), or the 1-based
    /// position in the JSON array.
    pub line: u64,
    /// The row, or why it could not even be read.
    pub row: Result<RosterRow, Msg>,
}

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// As in [`Line::line`].
    pub line: u64,
    /// Why.
    pub error: Msg,
}

/// A row that passed validation. The PIN is still in plain here, in memory
/// only, until [`hash_pins`] replaces it by its hash; hence no `Debug` (and
/// [`Pin`]'s own `Debug` hides the digits).
pub struct ValidRow {
    /// NIP.
    pub nip: Nip,
    /// Name, trimmed.
    pub name: String,
    /// Office (known to exist).
    pub office_id: OfficeId,
    /// 4 to 8 ASCII digits.
    pub pin: Pin,
    /// Whether the ASN may sign in.
    pub active: bool,
}

fn csv_header_msg(detail_id: &str, detail_en: &str) -> Msg {
    Msg::new(
        format!(
            "{detail_id}. Baris pertama CSV harus judul kolom nip,name,office_id,pin \
             (kolom active boleh ditambahkan)."
        ),
        format!(
            "{detail_en}. The CSV's first line must be the header nip,name,office_id,pin \
             (an active column may be added)."
        ),
    )
}

/// Picks the field separator from the header line: Excel in an Indonesian
/// locale saves "CSV" with semicolons, because the comma is the decimal mark.
fn sniff_delimiter(body: &[u8]) -> u8 {
    let header = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b';', b'\t']
        .into_iter()
        .map(|d| (count(d), d))
        .filter(|&(n, _)| n > count(b','))
        .max()
        .map_or(b',', |(_, d)| d)
}

/// Numbers lines as an editor shows them: `\n`, `\r\n` or a lone `\r` ends
/// one. The csv crate's own line is where it started reading a record, before
/// the blank lines and the `\n` of a `\r\n` that precede the record, and it
/// counts `\n` only: a file from Excel on Windows would have every row named
/// one line early, one with bare `\r` line breaks every row on line 1.
struct LineCounter<'a> {
    body: &'a [u8],
    /// Bytes of `body` counted so far.
    at: usize,
    /// The line at byte `at`.
    line: u64,
}

impl LineCounter<'_> {
    /// The line of the record the csv reader read from byte `from`: the line
    /// of its first byte that is not a line break. Records come in order, so
    /// each byte is counted once.
    fn line_of(&mut self, from: u64) -> u64 {
        let len = self.body.len();
        let from = usize::try_from(from).map_or(len, |f| f.min(len));
        let start = self.body[from..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(len, |i| from + i);
        while self.at < start {
            let ends_line = match self.body[self.at] {
                b'\n' => true,
                b'\r' => self.body.get(self.at + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += u64::from(ends_line);
            self.at += 1;
        }
        self.line
    }
}

/// Reads a roster CSV. `Err` when the body is not a roster CSV at all.
pub fn parse_csv(body: &[u8]) -> Result<Vec<Line>, Msg> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Rows of the wrong length are reported per line rather than failing
        // the whole file.
        .flexible(true)
        .delimiter(sniff_delimiter(body))
        .from_reader(body);
    let header = reader
        .byte_headers()
        .map_err(|e| {
            csv_header_msg(
                &format!("CSV tidak terbaca: {e}"),
                &format!("Unreadable CSV: {e}"),
            )
        })?
        .clone();
    if header.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
        return Err(csv_header_msg("Berkas CSV kosong", "The CSV is empty"));
    }
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
        .collect();
    let mut columns = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if !name.is_empty() && columns.insert(name.as_str(), i).is_some() {
            return Err(csv_header_msg(
                &format!("Kolom {name} muncul dua kali"),
                &format!("Column {name} appears twice"),
            ));
        }
    }
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(c))
        .collect();
    if !missing.is_empty() {
        let missing = missing.join(", ");
        return Err(csv_header_msg(
            &format!("Judul CSV tidak memiliki kolom {missing}"),
            &format!("The CSV header lacks the column(s) {missing}"),
        ));
    }
    let col = |name: &str| columns.get(name).copied();
    let (nip, name, office, pin, active) = (
        col("nip"),
        col("name"),
        col("office_id"),
        col("pin"),
        col(ACTIVE_COLUMN),
    );

    let mut lines = Vec::new();
    let mut counter = LineCounter {
        body,
        at: 0,
        line: 1,
    };
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            Msg::new(
                format!("CSV tidak terbaca: {e}"),
                format!("Unreadable CSV: {e}"),
            )
        })?;
        let line = counter.line_of(record.position().map_or(0, |p| p.byte()));
        // Spreadsheets often save trailing rows of empty cells: skip them.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != header.len() {
            lines.push(Line {
                line,
                row: Err(Msg::new(
                    format!(
                        "Baris ini punya {} kolom, judulnya {}: tulis nama yang memuat koma \
                         di antara tanda petik dua (\"...\")",
                        record.len(),
                        header.len()
                    ),
                    format!(
                        "This line has {} fields but the header has {}: put a name that \
                         contains a comma in double quotes (\"...\")",
                        record.len(),
                        header.len()
                    ),
                )),
            });
            continue;
        }
        let field = |i: Option<usize>| -> Result<String, Msg> {
            let bytes = i.and_then(|i| record.get(i)).unwrap_or_default();
            std::str::from_utf8(bytes)
                .map(|s| s.trim().to_owned())
                .map_err(|_| {
                    Msg::new(
                        "Baris ini bukan teks UTF-8: simpan berkas sebagai \"CSV UTF-8\"",
                        "This line is not UTF-8 text: save the file as \"CSV UTF-8\"",
                    )
                })
        };
        let row = (|| {
            Ok(RosterRow {
                nip: field(nip)?,
                name: field(name)?,
                office_id: field(office)?,
                pin: field(pin)?,
                active: match active {
                    Some(_) => Some(parse_active(&field(active)?)?),
                    None => None,
                },
            })
        })();
        lines.push(Line { line, row });
    }
    Ok(lines)
}

/// Why a JSON element is not a roster row, naming the field but never its
/// value: serde's own messages quote the value (`invalid type: integer
/// `1234``), and a PIN must not come back in an answer or a log.
fn json_row_problem(item: &serde_json::Value) -> Option<Msg> {
    let Some(obj) = item.as_object() else {
        return Some(Msg::new(
            "Bukan baris roster: harus objek {nip, name, office_id, pin, active?}",
            "Not a roster row: it must be an object {nip, name, office_id, pin, active?}",
        ));
    };
    for field in REQUIRED_COLUMNS {
        match obj.get(field) {
            None => {
                return Some(Msg::new(
                    format!("Kolom {field} wajib ada"),
                    format!("The field {field} is required"),
                ));
            }
            Some(v) if !v.is_string() => {
                return Some(Msg::new(
                    format!("{field} harus teks dalam tanda petik (\"...\")"),
                    format!("{field} must be text in quotes (\"...\")"),
                ));
            }
            Some(_) => {}
        }
    }
    match obj.get(ACTIVE_COLUMN) {
        Some(v) if !v.is_boolean() && !v.is_null() => Some(Msg::new(
            "active harus true atau false",
            "active must be true or false",
        )),
        _ => None,
    }
}

/// Reads a roster JSON array. `Err` when the body is not a JSON array; an
/// element that is not a roster row is reported on its own line.
pub fn parse_json(body: &[u8]) -> Result<Vec<Line>, Msg> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
        Msg::new(
            format!("Isi permintaan bukan larik JSON berisi baris roster: {e}"),
            format!("The body is not a JSON array of roster rows: {e}"),
        )
    })?;
    Ok(items
        .into_iter()
        .zip(1u64..)
        .map(|(item, line)| Line {
            line,
            row: match json_row_problem(&item) {
                Some(problem) => Err(problem),
                None => serde_json::from_value::<RosterRow>(item).map_err(|_| {
                    Msg::new(
                        "Bukan baris roster {nip, name, office_id, pin, active?}",
                        "Not a roster row {nip, name, office_id, pin, active?}",
                    )
                }),
            },
        })
        .collect())
}

/// Reads the CSV `active` column: true/false, 1/0, yes/no or ya/tidak, any
/// case; empty means active.
pub fn parse_active(s: &str) -> Result<bool, Msg> {
    match s.trim().to_lowercase().as_str() {
        "" | "true" | "1" | "yes" | "ya" => Ok(true),
        "false" | "0" | "no" | "tidak" => Ok(false),
        _ => Err(Msg::new(
            "Kolom active harus true/false, 1/0, yes/no atau ya/tidak (kosong berarti aktif)",
            "active must be true/false, 1/0, yes/no or ya/tidak (empty means active)",
        )),
    }
}

fn validate_row(row: RosterRow, offices: &BTreeSet<OfficeId>) -> Result<ValidRow, Msg> {
    let nip = Nip::parse(&row.nip).map_err(|e| e.msg())?;
    let name = row.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(Msg::new(
            format!("Nama wajib diisi, paling banyak {NAME_MAX_CHARS} karakter"),
            format!("name is required, at most {NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Msg::new(
            "Nama berisi karakter kendali (mis. tab atau baris baru)",
            "name contains control characters (a tab or line break, say)",
        ));
    }
    let office_id = OfficeId::parse(row.office_id.trim()).map_err(|e| e.msg())?;
    if !offices.contains(&office_id) {
        return Err(Msg::new(
            format!(
                "Kantor {office_id} belum ada; buat dulu dengan PUT /api/v1/offices/{office_id}"
            ),
            format!(
                "Office {office_id} does not exist; create it first with \
                 PUT /api/v1/offices/{office_id}"
            ),
        ));
    }
    // Never echo the PIN back: error bodies end up in logs and screenshots.
    let pin = Pin::parse(&row.pin)
        .map_err(|_| Msg::new("PIN harus 4 sampai 8 angka", "pin must be 4 to 8 digits"))?;
    Ok(ValidRow {
        nip,
        name: name.to_owned(),
        office_id,
        pin,
        active: row.active.unwrap_or(true),
    })
}

/// Validates every row against the domain rules and the offices that exist.
/// A NIP given twice in one import is refused the second time, since which
/// row should win is the operator's call, not ours.
pub fn validate(lines: Vec<Line>, offices: &BTreeSet<OfficeId>) -> (Vec<ValidRow>, Vec<Rejection>) {
    let mut valid = Vec::with_capacity(lines.len());
    let mut rejected = Vec::new();
    let mut seen: HashMap<Nip, u64> = HashMap::new();
    for Line { line, row } in lines {
        match row.and_then(|r| validate_row(r, offices)) {
            Ok(row) => match seen.get(&row.nip) {
                Some(first) => rejected.push(Rejection {
                    line,
                    error: Msg::new(
                        format!("NIP ini sudah ada di baris {first}"),
                        format!("This NIP is already on line {first}"),
                    ),
                }),
                None => {
                    seen.insert(row.nip.clone(), line);
                    valid.push(row);
                }
            },
            Err(error) => rejected.push(Rejection { line, error }),
        }
    }
    (valid, rejected)
}

/// Why PINs could not be hashed (a server fault).
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The operating system gave no randomness for the salt.
    #[error(transparent)]
    Random(#[from] NoRandomness),
    /// argon2 refused (should not happen with default parameters).
    #[error("argon2 failed: {0}")]
    Argon2(#[from] argon2::password_hash::Error),
    /// Bad argon2 parameters (a programming error caught in tests).
    #[error("argon2 parameters: {0}")]
    Params(#[from] argon2::Error),
    /// A hashing thread panicked.
    #[error("a hashing thread failed")]
    Thread,
}

/// Hashes one PIN into an argon2id PHC string with a fresh 16-byte salt.
pub fn hash_pin(pin: &Pin) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(pin_hasher()?
        .hash_password(pin.expose().as_bytes(), &salt)?
        .to_string())
}

/// Argon2id with 8 MiB and one pass: about a fifth of the default's cost.
///
/// Why lighter than the password defaults: a PIN has at most 10^8 values, so
/// no affordable hash setting stops an offline search of a leaked hash; what
/// protects PINs is the kiosk's lockout and keeping hashes between collector
/// and kiosks. The cost that matters is importing a province's roster (tens
/// of thousands of rows) in seconds, not minutes. The parameters travel in
/// the PHC string, so kiosks verify older hashes unchanged.
fn pin_hasher() -> Result<Argon2<'static>, HashError> {
    let params = argon2::Params::new(8 * 1024, 1, 1, None)?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

/// How many threads hash PINs. argon2 is deliberately slow (tens of ms per
/// PIN), so a roster of thousands needs more than one core; two matches the
/// machines this runs on without starving the request workers.
pub const HASH_THREADS: usize = 2;

/// Replaces every row's PIN by its argon2 hash, on [`HASH_THREADS`] threads,
/// keeping the order.
pub fn hash_pins(rows: Vec<ValidRow>) -> Result<Vec<StaffRow>, HashError> {
    let hash_row = |row: &ValidRow| -> Result<StaffRow, HashError> {
        Ok(StaffRow {
            nip: row.nip.clone(),
            office_id: row.office_id.clone(),
            name: row.name.clone(),
            pin_hash: hash_pin(&row.pin)?,
            active: row.active,
        })
    };
    if rows.len() < 2 {
        return rows.iter().map(hash_row).collect();
    }
    let chunk = rows.len().div_ceil(HASH_THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(hash_row).collect::<Result<Vec<_>, _>>())
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for handle in handles {
            out.extend(handle.join().map_err(|_| HashError::Thread)??);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    fn offices() -> BTreeSet<OfficeId> {
        ["kupang", "alak"]
            .iter()
            .map(|s| OfficeId::parse(s).unwrap())
            .collect()
    }

    fn import_csv(csv: &str) -> (Vec<ValidRow>, Vec<Rejection>) {
        validate(parse_csv(csv.as_bytes()).unwrap(), &offices())
    }

    #[test]
    fn a_roster_csv_with_a_bad_nip_imports_the_other_rows_and_names_the_line() {
        let (valid, rejected) = import_csv(
            "nip,name,office_id,pin\n\
             196608011988031001,Budi Santoso,kupang,1234\n\
             123,Siti,kupang,5678\n\
             198503122021212004,Maria Lede,alak,00001234\n",
        );
        assert_eq!(valid.len(), 2);
        assert_eq!(rejected.len(), 1);
        assert_eq!(
            rejected[0].line, 3,
            "line 1 is the header, the bad row is the second data row"
        );
        assert!(rejected[0].error.en.contains("18 digits"));
    }

    #[test]
    fn csv_columns_may_come_in_any_order_with_spaces_and_a_byte_order_mark() {
        let (valid, rejected) = import_csv(
            "\u{feff} PIN , Office_ID,active, NIP ,name\n 4321 , alak , tidak ,19660801 198803 1 001, Budi \n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(valid[0].nip.as_str(), "196608011988031001");
        assert_eq!(valid[0].name, "Budi");
        assert_eq!(valid[0].pin.expose(), "4321");
        assert!(!valid[0].active);
    }

    #[test]
    fn the_active_column_accepts_english_indonesian_and_digits_and_empty_means_active() {
        for (text, want) in [
            ("", true),
            ("TRUE", true),
            ("1", true),
            ("ya", true),
            ("Yes", true),
        ] {
            assert_eq!(parse_active(text), Ok(want), "{text}");
        }
        for text in ["false", "0", "no", "Tidak"] {
            assert_eq!(parse_active(text), Ok(false), "{text}");
        }
        assert!(parse_active("maybe").is_err());
    }

    #[test]
    fn a_semicolon_separated_csv_from_an_indonesian_excel_is_read() {
        let (valid, rejected) =
            import_csv("nip;name;office_id;pin\n196608011988031001;Budi, S.H.;kupang;1234\n");
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(valid[0].name, "Budi, S.H.");
    }

    #[test]
    fn an_unquoted_comma_in_a_name_is_rejected_with_advice_to_quote_it() {
        let (valid, rejected) = import_csv(
            "nip,name,office_id,pin\n196608011988031001,Budi, S.H.,kupang,1234\n\
             198503122021212004,\"Maria, S.Kom\",alak,1234\n",
        );
        assert_eq!(valid.len(), 1);
        assert_eq!(valid[0].name, "Maria, S.Kom");
        assert_eq!(rejected[0].line, 2);
        assert!(rejected[0].error.en.contains("double quotes"));
    }

    #[test]
    fn empty_lines_and_rows_of_empty_cells_are_skipped_without_shifting_line_numbers() {
        let (valid, rejected) = import_csv(
            "nip,name,office_id,pin\n\n196608011988031001,Budi,kupang,1234\n,,,\nx,Siti,kupang,1234\n",
        );
        assert_eq!(valid.len(), 1);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 5);
    }

    #[test]
    fn a_csv_without_the_required_columns_or_without_a_header_is_refused_whole() {
        let err = parse_csv(b"nip,name,pin\n196608011988031001,Budi,1234\n").unwrap_err();
        assert!(err.en.contains("office_id"));
        assert!(parse_csv(b"").is_err());
        assert!(parse_csv(b"nip,nip,name,office_id,pin\n").is_err());
    }

    #[test]
    fn each_field_is_checked_and_the_pin_is_never_echoed() {
        let (_, rejected) = import_csv(
            "nip,name,office_id,pin,active\n\
             196608011988031001,,kupang,1234,\n\
             196608011988031001,Budi,nowhere,1234,\n\
             196608011988031001,Budi,bad id,1234,\n\
             196608011988031001,Budi,kupang,12a4,\n\
             196608011988031001,Budi,kupang,123,\n\
             196608011988031001,Budi,kupang,123456789,\n\
             196608011988031001,Budi,kupang,1234,perhaps\n",
        );
        let lines: Vec<u64> = rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8]);
        assert!(rejected[1].error.en.contains("PUT /api/v1/offices/nowhere"));
        for r in &rejected[3..6] {
            assert_eq!(r.error.en, "pin must be 4 to 8 digits");
        }
        let long = "x".repeat(101);
        let (_, rejected) = import_csv(&format!(
            "nip,name,office_id,pin\n196608011988031001,{long},kupang,1234\n"
        ));
        assert!(rejected[0].error.en.contains("at most 100"));
    }

    #[test]
    fn a_nip_given_twice_in_one_import_is_refused_the_second_time() {
        let (valid, rejected) = import_csv(
            "nip,name,office_id,pin\n196608011988031001,Budi,kupang,1234\n\
             19660801 198803 1 001,Budi Lagi,alak,1234\n",
        );
        assert_eq!(valid.len(), 1);
        assert_eq!(rejected[0].line, 3);
        assert!(rejected[0].error.en.contains("line 2"));
    }

    #[test]
    fn a_json_roster_reports_bad_entries_by_their_position_from_one() {
        let lines = parse_json(
            br#"[{"nip":"196608011988031001","name":"Budi","office_id":"kupang","pin":"1234"},
                {"nip":"196608011988031001","name":"Budi","office_id":"kupang","pin":1234},
                {"nip":"198503122021212004","name":"Maria","office_id":"alak","pin":"1234","active":false}]"#,
        )
        .unwrap();
        let (valid, rejected) = validate(lines, &offices());
        assert_eq!(valid.len(), 2);
        assert!(!valid[1].active);
        assert_eq!(rejected[0].line, 2);
    }

    #[test]
    fn a_pin_given_as_a_number_or_of_the_wrong_shape_is_never_echoed() {
        let lines = parse_json(
            br#"[{"nip":"196608011988031001","name":"Budi","office_id":"kupang","pin":987654},
                {"nip":"196608011988031001","name":"Budi","office_id":"kupang","pin":"98x765"},
                {"nip":"196608011988031001","name":"Budi","office_id":"kupang","pin":{"v":987654}}]"#,
        )
        .unwrap();
        let (valid, rejected) = validate(lines, &offices());
        assert!(valid.is_empty());
        assert_eq!(rejected.len(), 3);
        for r in &rejected {
            let text = format!("{} {}", r.error.id, r.error.en);
            assert!(text.contains("pin"), "names the field: {text}");
            assert!(
                !text.contains("987654") && !text.contains("98x765"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_json_body_that_is_not_an_array_is_refused_whole() {
        assert!(parse_json(br#"{"nip":"196608011988031001"}"#).is_err());
        assert!(parse_json(b"[{").is_err());
    }

    #[test]
    fn pins_are_hashed_with_argon2_in_order_and_verify() {
        let rows = ["1234", "5678", "00001111"]
            .into_iter()
            .zip([
                "196608011988031001",
                "198503122021212004",
                "197202291998031001",
            ])
            .map(|(pin, nip)| ValidRow {
                nip: Nip::parse(nip).unwrap(),
                name: "x".into(),
                office_id: OfficeId::parse("kupang").unwrap(),
                pin: Pin::parse(pin).unwrap(),
                active: true,
            })
            .collect();
        let hashed = hash_pins(rows).unwrap();
        assert_eq!(hashed.len(), 3);
        for (row, pin) in hashed.iter().zip(["1234", "5678", "00001111"]) {
            assert!(row.pin_hash.starts_with("$argon2id$"));
            assert_ne!(row.pin_hash, pin);
            let parsed = PasswordHash::new(&row.pin_hash).unwrap();
            assert!(
                Argon2::default()
                    .verify_password(pin.as_bytes(), &parsed)
                    .is_ok()
            );
            assert!(Argon2::default().verify_password(b"9999", &parsed).is_err());
        }
        assert_eq!(hashed[1].nip.as_str(), "198503122021212004");
    }
}
