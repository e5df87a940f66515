//! The kiosk program, built inside the test crate so tests can run it as a
//! real process (`CARGO_BIN_EXE_e2e-kiosk`) and kill it with SIGKILL.

fn main() -> std::process::ExitCode {
    kiosk::cli::main()
}
