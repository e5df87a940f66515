//! Roster CSV import: `collector::roster::parse_csv` then `validate`.
#![no_main]

#[path = "../checks/collector.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    checks::roster_csv(data);
});
