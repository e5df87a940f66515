//! `kiosk serve`: see `kiosk --help`.

fn main() -> std::process::ExitCode {
    kiosk::cli::main()
}
