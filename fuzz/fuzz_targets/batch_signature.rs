//! A kiosk request's signature headers: `X-Kiosk-Id`, `X-Timestamp`,
//! `X-Signature` and the body, one per line.
#![no_main]

#[path = "../checks/shared.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::request_signature(data);
});
