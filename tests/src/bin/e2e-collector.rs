//! The collector program, built inside the test crate so tests can run it as
//! a real process (`CARGO_BIN_EXE_e2e-collector`) and stop or kill it.

fn main() -> std::process::ExitCode {
    collector::cli::main()
}
