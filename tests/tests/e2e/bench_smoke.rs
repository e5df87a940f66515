//! The benchmark binary must not rot: CI runs every scenario group at tiny
//! sizes (`--smoke`, seconds) and checks it finishes and reports each one.
//! Nothing here asserts a speed; the figures of a smoke run mean nothing.

use std::process::Command;

#[test]
fn the_benchmark_runs_every_scenario_at_smoke_size_and_writes_its_markdown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let md = dir.path().join("BENCHMARKS.md");
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["all", "--smoke", "--dir"])
        .arg(dir.path())
        .arg("--markdown")
        .arg(&md)
        .output()
        .expect("run the bench binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench --smoke failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    for scenario in [
        "collector ingest",
        "kiosk catch-up",
        "rating p99",
        "kiosk peak RSS",
        "report p50: semester, every ASN",
        "report p50: semester, one ASN's evidence",
        "report p50: semester, SKM export",
        "collector peak RSS, reports",
    ] {
        assert!(
            stdout.to_lowercase().contains(&scenario.to_lowercase()),
            "no {scenario:?} row in:\n{stdout}"
        );
    }
    let written = std::fs::read_to_string(&md).expect("BENCHMARKS.md written");
    assert!(written.contains("| scenario"), "{written}");
    assert!(
        written.contains("--smoke"),
        "the command is named: {written}"
    );
}
