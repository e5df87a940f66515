//! End-to-end tests and the demo launcher. The library holds what both use:
//! the demo offices and their ASN. The tests (`tests/e2e/`, one integration
//! binary) run real collector and kiosk servers on 127.0.0.1 (random ports,
//! temporary redb files) and drive them over HTTP.
//!
//! Architecture invariant: this crate is the only one that depends on both
//! servers; it starts them in-process, or as real processes where a test needs
//! kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod demo_data;
pub mod semester;

/// Runs a tool's async main on a multi-threaded runtime, printing
/// `name: error` and failing the process on error.
pub fn run_main(
    name: &str,
    main: impl std::future::Future<Output = anyhow::Result<()>>,
) -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(main) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
