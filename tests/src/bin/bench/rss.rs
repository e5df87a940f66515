//! Servers as child processes, and what `/proc` says about them: peak
//! resident memory (`VmHWM`) and CPU time.
//!
//! By default a server process is this very binary re-executed under
//! another name (`argv[0]` = [`AS_KIOSK`] or [`AS_COLLECTOR`]), which runs
//! `kiosk::cli::main` or `collector::cli::main`: the same code as
//! `kiosk/src/main.rs` and `collector/src/main.rs`, always built with this
//! binary and its profile. `--kiosk-bin` / `--collector-bin` run given
//! binaries instead (e.g. `target/release/kiosk`).
//!
//! For a scenario of its own (the collector at 10 million ratings):
//! `ServerProcess::collector(&ctx.programs, data_dir, "127.0.0.1:0")` starts
//! a collector on an existing or fresh data directory (admin token
//! [`ADMIN_TOKEN`]), and [`peak_rss_mb`] reads its peak.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use shared::wire::KioskCreated;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::servers::{ADMIN_TOKEN, OPERATOR_TOKEN};

/// `argv[0]` under which this binary runs as a kiosk.
pub const AS_KIOSK: &str = "bench-as-kiosk";
/// `argv[0]` under which this binary runs as a collector.
pub const AS_COLLECTOR: &str = "bench-as-collector";

/// When this process was started as a server (see [`AS_KIOSK`]), runs it
/// to its end and gives its exit code; `None` for the benchmark itself.
pub fn run_as_server() -> Option<ExitCode> {
    let arg0 = std::env::args_os().next()?;
    match Path::new(&arg0).file_name()?.to_str()? {
        AS_KIOSK => Some(kiosk::cli::main()),
        AS_COLLECTOR => Some(collector::cli::main()),
        _ => None,
    }
}

/// A field of `/proc/<pid>/status` given in kB, in MB (10^6 bytes).
fn status_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024.0 / 1e6)
}

/// The peak resident set of process `pid` so far (`VmHWM`), in MB (10^6
/// bytes); `None` when it is gone or `/proc` is not there.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    status_mb(pid, "VmHWM")
}

/// The resident set of process `pid` now (`VmRSS`), in MB.
pub fn rss_mb(pid: u32) -> Option<f64> {
    status_mb(pid, "VmRSS")
}

/// User plus system CPU time of process `pid` (all its threads) so far, in
/// seconds (`/proc/<pid>/stat`, in clock ticks of 1/100 s: Linux's fixed
/// USER_HZ).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Which programs run the server processes.
#[derive(Clone, Debug, Default)]
pub struct Programs {
    /// The kiosk binary; `None`: this binary as [`AS_KIOSK`].
    pub kiosk: Option<PathBuf>,
    /// The collector binary; `None`: this binary as [`AS_COLLECTOR`].
    pub collector: Option<PathBuf>,
}

impl Programs {
    fn command(given: Option<&PathBuf>, arg0: &str) -> anyhow::Result<tokio::process::Command> {
        Ok(match given {
            Some(path) => tokio::process::Command::new(path),
            None => {
                let exe = std::env::current_exe().context("finding this binary")?;
                let mut cmd = tokio::process::Command::new(exe);
                cmd.arg0(arg0);
                cmd
            }
        })
    }

    /// What runs the kiosk, for the report.
    pub fn describe(&self) -> String {
        let one = |p: &Option<PathBuf>, name: &str, arg0: &str| match p {
            Some(p) => format!("{name}: {}", p.display()),
            None => format!("{name}: this binary as `{arg0}` ({name}::cli::main)"),
        };
        format!(
            "{}; {}",
            one(&self.kiosk, "kiosk", AS_KIOSK),
            one(&self.collector, "collector", AS_COLLECTOR)
        )
    }
}

/// A server running as a child process (killed when dropped).
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its port.
    pub port: u16,
    /// Its process id.
    pub pid: u32,
    what: &'static str,
    child: tokio::process::Child,
}

impl ServerProcess {
    /// `collector serve --data DATA --listen LISTEN` with [`ADMIN_TOKEN`],
    /// once it listens.
    pub async fn collector(
        programs: &Programs,
        data: &Path,
        listen: &str,
    ) -> anyhow::Result<ServerProcess> {
        let mut cmd = Programs::command(programs.collector.as_ref(), AS_COLLECTOR)?;
        cmd.arg("serve")
            .args(["--data", &data.display().to_string(), "--listen", listen])
            .env("COLLECTOR_ADMIN_TOKEN", ADMIN_TOKEN);
        ServerProcess::spawn(cmd, "collector").await
    }

    /// `kiosk serve` for `creds` against the collector at `collector`, with
    /// [`OPERATOR_TOKEN`] and `extra` flags, once it listens (it fetches its
    /// configuration from the collector first).
    pub async fn kiosk(
        programs: &Programs,
        collector: &str,
        creds: &KioskCreated,
        data: &Path,
        extra: &[&str],
    ) -> anyhow::Result<ServerProcess> {
        let mut cmd = Programs::command(programs.kiosk.as_ref(), AS_KIOSK)?;
        cmd.arg("serve")
            .args(["--data", &data.display().to_string()])
            .args(["--listen", "127.0.0.1:0", "--collector", collector])
            .args(["--kiosk-id", &creds.kiosk_id.to_string()])
            .args(["--operator-token", OPERATOR_TOKEN])
            .args(extra)
            .env("KIOSK_KEY", &creds.key);
        ServerProcess::spawn(cmd, "kiosk").await
    }

    async fn spawn(
        mut cmd: tokio::process::Command,
        what: &'static str,
    ) -> anyhow::Result<ServerProcess> {
        let mut child = cmd
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the {what} process"))?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow!("the {what} process has no id"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout of the {what} process"))?;
        let mut lines = BufReader::new(stdout).lines();
        let prefix = format!("{what} listening on port ");
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(p) = line.strip_prefix(&prefix) {
                    return Ok(p.trim().parse::<u16>()?);
                }
            }
            bail!("the {what} process exited before listening")
        })
        .await
        .map_err(|_| anyhow!("the {what} process did not listen within 60 s"))??;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ServerProcess {
            base: format!("http://127.0.0.1:{port}"),
            port,
            pid,
            what,
            child,
        })
    }

    /// Its peak resident set so far, in MB.
    pub fn peak_rss_mb(&self) -> anyhow::Result<f64> {
        peak_rss_mb(self.pid).ok_or_else(|| anyhow!("no VmHWM for the {} process", self.what))
    }

    /// Its CPU time so far, in seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        cpu_seconds(self.pid).ok_or_else(|| anyhow!("no CPU time for the {} process", self.what))
    }

    /// Kills it (its data is temporary) and waits until it is gone; an
    /// error when it had already exited by itself.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the {} process had exited: {status}", self.what);
        }
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        let peak = peak_rss_mb(pid).unwrap();
        assert!(peak > 0.1 && peak >= rss_mb(pid).unwrap() * 0.5, "{peak}");
        assert!(cpu_seconds(pid).unwrap() >= 0.0);
        assert_eq!(peak_rss_mb(u32::MAX), None);
    }
}
