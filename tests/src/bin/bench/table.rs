//! The results: one table with a row per scenario, the growth series (how a
//! figure changes as the work grows), and notes on the baselines; printed to
//! the terminal and written as `BENCHMARKS.md`.
//!
//! A scenario group adds its rows with the builder:
//!
//! ```ignore
//! table.push(
//!     Row::new("reports: ASN semester, 10,000,000 ratings", Figure::ms(123.0))
//!         .baseline("raw redb range scan of the same rollups", Figure::ms(40.0))
//!         .target(Target::Below(200.0)),
//! );
//! table
//!     .growth("Reports by ratings stored", "ratings")
//!     .point("1,000,000", Figure::ms(80.0))
//!     .point("10,000,000", Figure::ms(123.0));
//! table.note("raw redb range scan", "What the baseline does, in a sentence or two.");
//! ```
//!
//! The ratio is always figure / baseline (both in the same unit): for a
//! throughput 0.45x means 45% of the baseline's rate, for a latency or a size
//! 3.00x means three times the baseline's.

use std::fmt::Write as _;
use std::time::Duration;

/// What a figure counts, and so which way is better.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    /// Things per second, named (`events/s`): higher is better.
    PerSec(&'static str),
    /// Milliseconds: lower is better.
    Ms,
    /// Seconds: lower is better.
    Secs,
    /// Bytes: lower is better.
    Bytes,
    /// Megabytes of memory (10^6 bytes): lower is better.
    Mb,
    /// Percent of one CPU core over the measured time: lower is better.
    CorePct,
}

impl Unit {
    /// Whether more of it is better.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Unit::PerSec(_))
    }

    /// `v` in this unit, e.g. "123,456 events/s", "3.21 ms", "48,213 B".
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::PerSec(what) => format!("{} {what}", fmt_n(v)),
            Unit::Ms if v < 10.0 => format!("{v:.2} ms"),
            Unit::Ms if v < 100.0 => format!("{v:.1} ms"),
            Unit::Ms => format!("{} ms", fmt_n(v)),
            Unit::Secs => format!("{v:.2} s"),
            Unit::Bytes => format!("{} B", fmt_n(v)),
            Unit::Mb => format!("{v:.1} MB"),
            Unit::CorePct => format!("{v:.1}% core"),
        }
    }
}

/// A measured value with its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The value, in `unit`.
    pub value: f64,
    /// Its unit.
    pub unit: Unit,
}

impl Figure {
    /// `value` things per second.
    pub fn per_sec(value: f64, what: &'static str) -> Figure {
        Figure {
            value,
            unit: Unit::PerSec(what),
        }
    }

    /// `count` things done in `time`, per second.
    pub fn rate(count: u64, time: Duration, what: &'static str) -> Figure {
        Figure::per_sec(count as f64 / time.as_secs_f64().max(1e-9), what)
    }

    /// Milliseconds.
    pub fn ms(value: f64) -> Figure {
        Figure {
            value,
            unit: Unit::Ms,
        }
    }

    /// A duration, in milliseconds.
    pub fn duration_ms(d: Duration) -> Figure {
        Figure::ms(d.as_secs_f64() * 1000.0)
    }

    /// A duration, in seconds.
    pub fn secs(d: Duration) -> Figure {
        Figure {
            value: d.as_secs_f64(),
            unit: Unit::Secs,
        }
    }

    /// Bytes.
    pub fn bytes(value: u64) -> Figure {
        Figure {
            value: value as f64,
            unit: Unit::Bytes,
        }
    }

    /// Megabytes (10^6 bytes).
    pub fn mb(value: f64) -> Figure {
        Figure {
            value,
            unit: Unit::Mb,
        }
    }

    /// Percent of one core.
    pub fn core_pct(value: f64) -> Figure {
        Figure {
            value,
            unit: Unit::CorePct,
        }
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.unit.format(self.value))
    }
}

/// What a row is compared with, measured in the same run.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// What the baseline is, shortly (explained at length in a note).
    pub what: String,
    /// Its figure, in the row's unit.
    pub figure: Figure,
}

/// A target a row should meet (DESIGN.md "Performance targets", or a
/// budget), on the figure or on the ratio to the baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// figure >= value.
    AtLeast(f64),
    /// figure <= value.
    AtMost(f64),
    /// figure < value.
    Below(f64),
    /// figure / baseline >= value.
    RatioAtLeast(f64),
    /// figure / baseline <= value.
    RatioAtMost(f64),
}

impl Target {
    /// Whether `row` meets it; `None` when it needs a ratio the row lacks.
    pub fn met(self, figure: Figure, ratio: Option<f64>) -> Option<bool> {
        Some(match self {
            Target::AtLeast(v) => figure.value >= v,
            Target::AtMost(v) => figure.value <= v,
            Target::Below(v) => figure.value < v,
            Target::RatioAtLeast(v) => ratio? >= v,
            Target::RatioAtMost(v) => ratio? <= v,
        })
    }

    /// E.g. ">= 100,000 events/s", "< 10.0 ms", ">= 0.40x baseline".
    pub fn describe(self, unit: Unit) -> String {
        match self {
            Target::AtLeast(v) => format!(">= {}", unit.format(v)),
            Target::AtMost(v) => format!("<= {}", unit.format(v)),
            Target::Below(v) => format!("< {}", unit.format(v)),
            Target::RatioAtLeast(v) => format!(">= {v:.2}x baseline"),
            Target::RatioAtMost(v) => format!("<= {v:.2}x baseline"),
        }
    }
}

/// Whether a row met its targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Met {
    /// Every target met.
    Yes,
    /// At least one missed (or could not be checked).
    No,
    /// No target.
    None,
}

impl Met {
    fn as_str(self) -> &'static str {
        match self {
            Met::Yes => "yes",
            Met::No => "NO",
            Met::None => "—",
        }
    }
}

/// One scenario's result.
#[derive(Clone, Debug)]
pub struct Row {
    /// The scenario, e.g. "collector ingest, signed HTTP, 10 kiosks".
    pub scenario: String,
    /// What it measured.
    pub figure: Figure,
    /// What it is compared with.
    pub baseline: Option<Baseline>,
    /// What it should meet (all of them).
    pub targets: Vec<Target>,
}

impl Row {
    /// A row without baseline or target yet.
    pub fn new(scenario: impl Into<String>, figure: Figure) -> Row {
        Row {
            scenario: scenario.into(),
            figure,
            baseline: None,
            targets: Vec::new(),
        }
    }

    /// Sets the baseline (its figure in the row's unit).
    #[must_use]
    pub fn baseline(mut self, what: impl Into<String>, figure: Figure) -> Row {
        self.baseline = Some(Baseline {
            what: what.into(),
            figure,
        });
        self
    }

    /// Adds a target.
    #[must_use]
    pub fn target(mut self, target: Target) -> Row {
        self.targets.push(target);
        self
    }

    /// figure / baseline, when there is a (non-zero) baseline.
    pub fn ratio(&self) -> Option<f64> {
        let b = self.baseline.as_ref()?.figure.value;
        (b != 0.0 && b.is_finite()).then(|| self.figure.value / b)
    }

    /// Whether every target is met.
    pub fn met(&self) -> Met {
        if self.targets.is_empty() {
            return Met::None;
        }
        let ratio = self.ratio();
        if self
            .targets
            .iter()
            .all(|t| t.met(self.figure, ratio) == Some(true))
        {
            Met::Yes
        } else {
            Met::No
        }
    }

    fn cells(&self) -> [String; 6] {
        [
            self.scenario.clone(),
            self.figure.to_string(),
            self.baseline
                .as_ref()
                .map_or_else(|| "—".into(), |b| format!("{}: {}", b.what, b.figure)),
            self.ratio()
                .map_or_else(|| "—".into(), |r| format!("{r:.2}x")),
            if self.targets.is_empty() {
                "—".into()
            } else {
                self.targets
                    .iter()
                    .map(|t| t.describe(self.figure.unit))
                    .collect::<Vec<_>>()
                    .join("; ")
            },
            self.met().as_str().into(),
        ]
    }
}

/// How one figure changes as the work grows: a small table of its own.
#[derive(Clone, Debug)]
pub struct Growth {
    /// E.g. "Ingest by kiosk count (200,000 events in total)".
    pub title: String,
    /// What grows, the first column's heading, e.g. "kiosks".
    pub work: String,
    /// (how much work, the figure), smallest first.
    pub points: Vec<(String, Figure)>,
    /// A sentence under the table (may be empty).
    pub note: String,
}

impl Growth {
    /// Adds a point.
    pub fn point(&mut self, work: impl Into<String>, figure: Figure) -> &mut Growth {
        self.points.push((work.into(), figure));
        self
    }

    /// Sets the sentence under the table.
    pub fn note(&mut self, note: impl Into<String>) -> &mut Growth {
        self.note = note.into();
        self
    }

    fn cells(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let head = vec![self.work.clone(), "figure".into(), "vs first".into()];
        let first = self.points.first().map(|(_, f)| f.value);
        let rows = self
            .points
            .iter()
            .map(|(work, f)| {
                vec![
                    work.clone(),
                    f.to_string(),
                    first
                        .filter(|b| *b != 0.0)
                        .map_or_else(|| "—".into(), |b| format!("{:.2}x", f.value / b)),
                ]
            })
            .collect();
        (head, rows)
    }
}

/// Every result of a run.
#[derive(Default)]
pub struct Table {
    /// The scenarios, in the order they ran.
    pub rows: Vec<Row>,
    /// The growth series, in the order they were first named.
    pub growth: Vec<Growth>,
    /// (baseline or topic, explanation), in the order first given.
    pub notes: Vec<(String, String)>,
}

/// What the markdown names besides the results.
pub struct Meta {
    /// CPU model.
    pub cpu: String,
    /// Cores available to this process.
    pub cores: usize,
    /// Total memory, e.g. "23.5 GiB".
    pub memory: String,
    /// Filesystem of the data directory, e.g. "ext4 /dev/vda".
    pub filesystem: String,
    /// The data directory.
    pub data_dir: String,
    /// "release" or "debug".
    pub profile: &'static str,
    /// The command line that produced the file.
    pub command: String,
    /// When it ran (UTC).
    pub date: String,
    /// Load average at the start and at the end.
    pub load: (String, String),
    /// How long the run took.
    pub took: Duration,
    /// Whether `--smoke` made the sizes tiny.
    pub smoke: bool,
}

impl Table {
    /// Adds a row (and prints it, so a long run shows progress).
    pub fn push(&mut self, row: Row) {
        let [scenario, figure, baseline, ratio, target, met] = row.cells();
        println!(
            "  row: {scenario}: {figure} (baseline {baseline}; ratio {ratio}; target {target}; met {met})"
        );
        self.rows.push(row);
    }

    /// The growth series titled `title` (created with `work` as its first
    /// column's heading when new).
    pub fn growth(&mut self, title: &str, work: &str) -> &mut Growth {
        let i = match self.growth.iter().position(|g| g.title == title) {
            Some(i) => i,
            None => {
                self.growth.push(Growth {
                    title: title.to_owned(),
                    work: work.to_owned(),
                    points: Vec::new(),
                    note: String::new(),
                });
                self.growth.len() - 1
            }
        };
        &mut self.growth[i]
    }

    /// Explains a baseline or a scenario, once per `topic`.
    pub fn note(&mut self, topic: &str, text: &str) {
        if !self.notes.iter().any(|(t, _)| t == topic) {
            self.notes.push((topic.to_owned(), text.to_owned()));
        }
    }

    const HEAD: [&'static str; 6] = ["scenario", "figure", "baseline", "ratio", "target", "met"];

    /// The results for a terminal: aligned columns.
    pub fn render_text(&self) -> String {
        let cells: Vec<Vec<String>> = self.rows.iter().map(|r| r.cells().to_vec()).collect();
        let head: Vec<String> = Self::HEAD.iter().map(|h| (*h).to_owned()).collect();
        let mut out = aligned(&head, &cells, &[1, 3]);
        for g in &self.growth {
            let (head, rows) = g.cells();
            let _ = write!(out, "\n{}\n{}", g.title, aligned(&head, &rows, &[1, 2]));
        }
        out
    }

    /// `BENCHMARKS.md`, in the manner of redb's benchmark README: what ran
    /// where, the table with scenarios as rows, how costs grow, and what each
    /// baseline is.
    pub fn render_markdown(&self, meta: &Meta) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "<!-- Generated by `tests/src/bin/bench/` (`--markdown`); do not edit by hand: \
             rerun the command below instead. -->\n"
        );
        let _ = writeln!(
            out,
            "This file is regenerated by the benchmark binary (`tests/src/bin/bench/`); do not \
             edit it by hand. Every figure is compared with a baseline measured in the same run on \
             the same machine, so the ratios travel better than the absolute numbers.\n"
        );
        if meta.smoke {
            let _ = writeln!(
                out,
                "**Smoke run (`--smoke`): tiny sizes, the figures mean nothing.**\n"
            );
        }
        if meta.profile != "release" {
            let _ = writeln!(
                out,
                "**Debug build: the figures mean nothing. Use `--release`.**\n"
            );
        }
        let _ = writeln!(
            out,
            "- Machine: {}, {} cores, {} memory",
            meta.cpu, meta.cores, meta.memory
        );
        let _ = writeln!(
            out,
            "- Data directory: `{}` on {}",
            meta.data_dir, meta.filesystem
        );
        let _ = writeln!(out, "- Build profile: {}", meta.profile);
        let _ = writeln!(out, "- Command: `{}`", meta.command);
        let _ = writeln!(
            out,
            "- Date: {} (took {:.0} s; load average {} at the start, {} at the end)",
            meta.date,
            meta.took.as_secs_f64(),
            meta.load.0,
            meta.load.1
        );
        let _ = writeln!(out, "\n## Results\n");
        let cells: Vec<Vec<String>> = self.rows.iter().map(|r| r.cells().to_vec()).collect();
        let head: Vec<String> = Self::HEAD.iter().map(|h| (*h).to_owned()).collect();
        out.push_str(&markdown_table(&head, &cells, &[1, 3]));
        let _ = writeln!(
            out,
            "\nratio = figure / baseline: for a rate, 0.45x is 45% of the baseline's rate; for a \
             latency or a size, 3.00x is three times the baseline's. met: yes when every target of \
             the row is met, NO otherwise, — without a target."
        );
        if !self.growth.is_empty() {
            let _ = writeln!(out, "\n## How cost grows with work\n");
            for g in &self.growth {
                let _ = writeln!(out, "### {}\n", g.title);
                let (head, rows) = g.cells();
                out.push_str(&markdown_table(&head, &rows, &[1, 2]));
                if !g.note.is_empty() {
                    let _ = writeln!(out, "\n{}", g.note);
                }
                out.push('\n');
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\n## Baselines and scenarios\n");
            for (topic, text) in &self.notes {
                let _ = writeln!(out, "- **{topic}**: {text}");
            }
        }
        out
    }
}

/// 1234567.8 -> "1,234,568".
pub fn fmt_n(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Columns padded to their widest cell; columns in `right` aligned right.
fn aligned(head: &[String], rows: &[Vec<String>], right: &[usize]) -> String {
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .chain([&head[i]])
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: &[String]| {
        let mut s = String::from("|");
        for (i, c) in cols.iter().enumerate() {
            let pad = " ".repeat(widths[i].saturating_sub(c.chars().count()));
            if right.contains(&i) {
                let _ = write!(s, " {pad}{c} |");
            } else {
                let _ = write!(s, " {c}{pad} |");
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(head);
    out.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

/// A GitHub markdown table; columns in `right` aligned right.
fn markdown_table(head: &[String], rows: &[Vec<String>], right: &[usize]) -> String {
    let esc = |c: &str| c.replace('|', "\\|");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {} |",
        head.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
    );
    let rule: Vec<&str> = (0..head.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 && c == "NO" {
                    "**NO**".into()
                } else {
                    esc(c)
                }
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_targets() {
        let r = Row::new("x", Figure::per_sec(50_000.0, "events/s"))
            .baseline("raw", Figure::per_sec(100_000.0, "events/s"))
            .target(Target::RatioAtLeast(0.4))
            .target(Target::AtLeast(100_000.0));
        assert_eq!(r.ratio(), Some(0.5));
        assert_eq!(r.met(), Met::No);
        let r = Row::new("p99", Figure::ms(4.0))
            .baseline("healthz", Figure::ms(2.0))
            .target(Target::Below(10.0));
        assert_eq!(r.ratio(), Some(2.0));
        assert_eq!(r.met(), Met::Yes);
        assert_eq!(Row::new("n", Figure::bytes(1)).met(), Met::None);
        // A ratio target without a baseline is not met.
        let r = Row::new("n", Figure::bytes(1)).target(Target::RatioAtMost(1.0));
        assert_eq!(r.met(), Met::No);
    }

    #[test]
    fn markdown_escapes_pipes_and_names_the_command() {
        let mut t = Table::default();
        t.push(Row::new("a | b", Figure::secs(Duration::from_secs(1))));
        t.growth("g", "kiosks")
            .point("1", Figure::ms(1.0))
            .point("10", Figure::ms(3.0));
        t.note("raw", "what it is");
        let md = t.render_markdown(&Meta {
            cpu: "cpu".into(),
            cores: 2,
            memory: "1 GiB".into(),
            filesystem: "ext4".into(),
            data_dir: "/tmp".into(),
            profile: "release",
            command: "bench all".into(),
            date: "today".into(),
            load: ("0.1".into(), "0.2".into()),
            took: Duration::from_secs(3),
            smoke: false,
        });
        assert!(md.contains("a \\| b"), "{md}");
        assert!(md.contains("`bench all`"));
        assert!(md.contains("| 10 | 3.00 ms | 3.00x |"), "{md}");
        assert!(md.contains("do not edit"));
    }
}
