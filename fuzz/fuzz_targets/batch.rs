//! The JSON body of `POST /api/v1/batches`, decoded as the collector does.
#![no_main]

#[path = "../checks/shared.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = checks::batch(data);
});
