//! `collector serve ...`: see [`collector::cli`].

fn main() -> std::process::ExitCode {
    collector::cli::main()
}
