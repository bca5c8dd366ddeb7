//! Start-up time and memory of the real app: starts it on the demo workspace in a private
//! desktop (Xvfb and a session bus) several times, and reports how long it took from `exec`
//! until the window asked for its first data, and the memory (PSS) of the app with its
//! WebKit processes once it is idle.
//!
//! Usage: startup [--app PATH] [--chair PATH] [--runs N]
//! (defaults: the release builds in target/release, 5 runs)

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chair_e2e::{Desktop, Group, repo_root};

/// How long the app is left to settle before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

/// The processes descended from `root` (its WebKit helpers), `root` included.
fn family(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The name may hold spaces: the parent is the second field after its closing ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found
}

/// Proportional set size of process `pid` in kB (its share of shared pages).
fn pss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn process_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

struct Run {
    ready: Duration,
    /// (process name, PSS in MB)
    memory: Vec<(String, f64)>,
}

fn one_run(desktop: &Desktop, app: &PathBuf, chair: &PathBuf) -> Result<Run> {
    let home = tempfile::tempdir()?;
    let db = home.path().join("empty-chair.db");
    let demo = Command::new(chair)
        .arg("--db")
        .arg(&db)
        .arg("demo")
        .output()
        .context("running chair demo")?;
    if !demo.status.success() {
        bail!("chair demo: {}", String::from_utf8_lossy(&demo.stderr));
    }
    let started = Instant::now();
    let mut child = Command::new(app)
        .arg("--db")
        .arg(&db)
        .envs(desktop.env(home.path()))
        .env("CHAIR_LOG", "empty_chair::startup=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {}", app.display()))?;
    let pid = child.id();
    let out = child.stdout.take().context("the app's output")?;
    let app_group = Group(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("first data") {
                let _ = tx.send(started.elapsed());
            }
        }
    });
    let ready = rx
        .recv_timeout(Duration::from_secs(60))
        .context("the window did not ask for its data within 60 s")?;
    std::thread::sleep(SETTLE);
    let memory = family(pid)
        .into_iter()
        .map(|p| (process_name(p), pss_kb(p) as f64 / 1024.0))
        .filter(|(_, mb)| *mb > 0.0)
        .collect();
    drop(app_group);
    Ok(Run { ready, memory })
}

fn main() -> Result<()> {
    let release = repo_root().join("target/release");
    let mut app = release.join("empty-chair");
    let mut chair = release.join("chair");
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--app" => app = args.next().context("--app PATH")?.into(),
            "--chair" => chair = args.next().context("--chair PATH")?.into(),
            "--runs" => runs = args.next().context("--runs N")?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    let desktop = Desktop::start(1280, 800)?;
    let mut all = Vec::new();
    for _ in 0..runs {
        all.push(one_run(&desktop, &app, &chair)?);
    }
    let mut ready: Vec<f64> = all.iter().map(|r| r.ready.as_secs_f64() * 1000.0).collect();
    ready.sort_by(f64::total_cmp);
    let median = ready[ready.len() / 2];
    println!(
        "start-up, exec to the window's first data request ({runs} runs, demo workspace): median {median:.0} ms, min {:.0} ms, max {:.0} ms",
        ready[0],
        ready[ready.len() - 1]
    );
    // Memory of the last run, by process.
    if let Some(last) = all.last() {
        let total: f64 = last.memory.iter().map(|(_, mb)| mb).sum();
        let parts: Vec<String> = last
            .memory
            .iter()
            .map(|(name, mb)| format!("{name} {mb:.0}"))
            .collect();
        println!(
            "memory when idle, PSS: {total:.0} MB in all ({} MB)",
            parts.join(", ")
        );
    }
    Ok(())
}
