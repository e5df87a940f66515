//! The display board's voice: short Indonesian clips compiled into the
//! binary (`kiosk/audio/*.wav`, made once with espeak-ng's Indonesian voice
//! and sox by `kiosk/audio/generate.sh`), played one after another by the
//! board so a call sounds like "Nomor antrean A nol satu tujuh, silakan ke
//! loket dua". No internet and no installed voice is needed.
//!
//! A number is read letter by letter and digit by digit, as Indonesian
//! offices call them. A counter is read as "loket" and its number: the
//! digits ending its name ("Loket 2"), else those ending its id ("L3"),
//! else its place in the office's list. The words of a name like
//! "Loket Perizinan" have no clip; the board shows the name, the voice says
//! the number.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use shared::Msg;
use shared::office::{Counter, Office};

/// One clip: its name (the file is `{name}.wav`) and its bytes.
pub struct Clip {
    /// The name, as in `/audio/{name}.wav`.
    pub name: &'static str,
    /// A PCM WAV file.
    pub wav: &'static [u8],
}

macro_rules! clips {
    ($($name:literal),* $(,)?) => {
        &[$(Clip { name: $name, wav: include_bytes!(concat!("../audio/", $name, ".wav")) }),*]
    };
}

/// Every clip the board may ask for.
pub static CLIPS: &[Clip] = clips!(
    "chime",
    "nomor_antrean",
    "silakan_ke",
    "loket",
    "d0",
    "d1",
    "d2",
    "d3",
    "d4",
    "d5",
    "d6",
    "d7",
    "d8",
    "d9",
    "la",
    "lb",
    "lc",
    "ld",
    "le",
    "lf",
    "lg",
    "lh",
    "li",
    "lj",
    "lk",
    "ll",
    "lm",
    "ln",
    "lo",
    "lp",
    "lq",
    "lr",
    "ls",
    "lt",
    "lu",
    "lv",
    "lw",
    "lx",
    "ly",
    "lz",
);

const DIGITS: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];

/// How Indonesian spells the letters, for the browser-voice option.
const LETTERS: [&str; 26] = [
    "a", "be", "ce", "de", "e", "ef", "ge", "ha", "i", "je", "ka", "el", "em", "en", "o", "pe",
    "ki", "er", "es", "te", "u", "ve", "we", "eks", "ye", "zet",
];

/// A clip by its name.
pub fn clip(name: &str) -> Option<&'static [u8]> {
    CLIPS.iter().find(|c| c.name == name).map(|c| c.wav)
}

/// The number a counter is called by (see the module docs).
pub fn counter_number(office: &Office, counter: &Counter) -> String {
    let trailing = |s: &str| -> Option<String> {
        let digits: String = s
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!digits.is_empty()).then_some(digits)
    };
    trailing(counter.name.trim())
        .or_else(|| trailing(counter.id.as_str()))
        .unwrap_or_else(|| {
            let place = office
                .counters
                .iter()
                .position(|c| c.id == counter.id)
                .unwrap_or(0);
            (place + 1).to_string()
        })
}

/// What the board says for a call, in order: the clips' URLs and the same
/// words as text (for the browser-voice option).
pub fn call(number: &str, counter_number: &str) -> (Vec<String>, String) {
    let mut clips = vec!["chime", "nomor_antrean"];
    let mut words = vec!["Nomor antrean".to_owned()];
    let mut spell = |s: &str, clips: &mut Vec<&'static str>| {
        for ch in s.chars() {
            let ch = ch.to_ascii_lowercase();
            if let Some(d) = ch.to_digit(10) {
                clips.push(CLIPS[4 + d as usize].name);
                words.push(DIGITS[d as usize].to_owned());
            } else if ch.is_ascii_lowercase() {
                let i = (ch as u8 - b'a') as usize;
                clips.push(CLIPS[14 + i].name);
                words.push(LETTERS[i].to_uppercase());
            }
        }
    };
    spell(number, &mut clips);
    let number_words = words.join(" ");
    clips.extend(["silakan_ke", "loket"]);
    let mut words = Vec::new();
    let mut counter_clips = Vec::new();
    for ch in counter_number.chars() {
        if let Some(d) = ch.to_digit(10) {
            counter_clips.push(CLIPS[4 + d as usize].name);
            words.push(DIGITS[d as usize]);
        }
    }
    clips.extend(counter_clips);
    let spoken = format!("{number_words}, silakan ke loket {}", words.join(" "));
    (
        clips
            .into_iter()
            .map(|c| format!("/audio/{c}.wav"))
            .collect(),
        spoken,
    )
}

/// `GET /audio/{clip}`: a clip, cached for a day (the clips are part of the
/// binary: they change only with a new kiosk version).
pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let wav = path.strip_suffix(".wav").and_then(clip).ok_or_else(|| {
        ApiError::not_found(Msg::new(
            "Klip suara ini tidak ada",
            "There is no such sound clip",
        ))
    })?;
    Ok(HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(wav))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clips_are_small_wav_files_together_under_300_kb() {
        let total: usize = CLIPS.iter().map(|c| c.wav.len()).sum();
        assert!(total < 300 * 1024, "{total} bytes of clips");
        for c in CLIPS {
            assert_eq!(&c.wav[..4], b"RIFF", "{} is not a WAV file", c.name);
            assert_eq!(&c.wav[8..12], b"WAVE", "{} is not a WAV file", c.name);
            // A clip is a word or two: at least a tenth of a second.
            assert!(c.wav.len() > 1_100, "{} is too short", c.name);
        }
    }

    #[test]
    fn the_table_indexes_name_the_digit_and_letter_clips() {
        for d in 0..10 {
            assert_eq!(CLIPS[4 + d].name, format!("d{d}"));
        }
        for (i, l) in ('a'..='z').enumerate() {
            assert_eq!(CLIPS[14 + i].name, format!("l{l}"));
        }
    }

    #[test]
    fn a_call_is_the_chime_the_number_spelled_and_the_counter() {
        let (clips, spoken) = call("A-017", "2");
        let names: Vec<&str> = clips
            .iter()
            .map(|c| c.trim_start_matches("/audio/").trim_end_matches(".wav"))
            .collect();
        assert_eq!(
            names,
            [
                "chime",
                "nomor_antrean",
                "la",
                "d0",
                "d1",
                "d7",
                "silakan_ke",
                "loket",
                "d2"
            ]
        );
        assert_eq!(
            spoken,
            "Nomor antrean A nol satu tujuh, silakan ke loket dua"
        );
        for c in &clips {
            assert!(clip(c.trim_start_matches("/audio/").trim_end_matches(".wav")).is_some());
        }
    }

    #[test]
    fn a_counter_is_called_by_the_number_ending_its_name_else_its_id_else_its_place() {
        let office = crate::state::tests::config("Asia/Jayapura").office;
        let mut c = office.counters[0].clone();
        c.name = "Loket 12".into();
        assert_eq!(counter_number(&office, &c), "12");
        c.name = "Loket Perizinan".into();
        c.id = shared::CounterId::parse("L3").unwrap();
        assert_eq!(counter_number(&office, &c), "3");
        c.id = shared::CounterId::parse("umum").unwrap();
        assert_eq!(counter_number(&office, &c), "1");
    }
}
