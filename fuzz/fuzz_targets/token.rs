//! QR rating tokens (`/r/`) and ticket phone-link tokens (`/t/`): parse and verify.
#![no_main]

#[path = "../checks/shared.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        checks::token(s);
    }
});
