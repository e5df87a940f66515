//! The phone rating form (`collector::rating_form`): parse, validate, choices.
#![no_main]

#[path = "../checks/collector.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::rating_form(data);
});
