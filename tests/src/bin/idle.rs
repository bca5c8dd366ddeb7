//! What a live meeting costs a laptop's battery: the CPU time the app and its WebKit processes
//! use while nobody touches them, in live mode with the timer running and the advocate's seat
//! open, and on the meeting list for comparison. Drives the real window through WebDriver
//! under Xvfb, then counts the processes' CPU ticks (`/proc/<pid>/stat`) over a quiet spell.
//!
//! Usage: idle [--seconds N] (default 20); CHAIR_E2E_APP names the app binary to measure.

use std::time::Duration;

use anyhow::{Context, Result};
use chair_e2e::Harness;

/// The processes descended from `root`, `root` included.
fn family(root: u32) -> Vec<u32> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            processes()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(p, _)| p),
        );
        i += 1;
    }
    found
}

/// Every process with its parent.
fn processes() -> impl Iterator<Item = (u32, u32)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let ppid = after_name(&stat).get(1)?.parse().ok()?;
            Some((pid, ppid))
        })
}

/// The fields of a `/proc/<pid>/stat` line after the process name (which may hold spaces).
fn after_name(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default()
}

/// User and system CPU ticks `pid` has used so far.
fn ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields = after_name(&stat);
    // utime and stime are the 14th and 15th fields of the line, 12th and 13th after the name.
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// The app started on `display`: the `empty-chair` process whose environment names it.
fn app_on(display: &str) -> Option<u32> {
    processes().map(|(pid, _)| pid).find(|pid| {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        comm.trim() == "empty-chair"
            && env
                .split(|b| *b == 0)
                .any(|kv| kv == format!("DISPLAY={display}").as_bytes())
    })
}

/// Share of one core the app's processes used over `spell`, and the ticks counted.
fn cpu_over(root: u32, spell: Duration) -> (f64, u64) {
    let count = || -> Vec<(u32, u64)> { family(root).into_iter().map(|p| (p, ticks(p))).collect() };
    let before = count();
    std::thread::sleep(spell);
    let after = count();
    let mut used = 0;
    for (pid, t) in &after {
        let was = before.iter().find(|(p, _)| p == pid).map_or(0, |(_, t)| *t);
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        eprintln!(
            "  {} (pid {pid}): {} ticks",
            name.trim(),
            t.saturating_sub(was)
        );
        used += t.saturating_sub(was);
    }
    // Linux counts CPU time in ticks of 1/100 s.
    (used as f64 / (spell.as_secs_f64() * 100.0) * 100.0, used)
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut seconds = 20u64;
    while let Some(a) = args.next() {
        if a == "--seconds" {
            seconds = args.next().context("--seconds N")?.parse()?;
        }
    }
    let spell = Duration::from_secs(seconds);
    let settle = Duration::from_secs(3);
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    let pid = app_on(h.display()).context("the app's process")?;
    // After the demo opens, the app reads what its complaints mean in the background; a meeting
    // held later finds that done, so the quiet spells start once it is.
    app.client()
        .execute("location.hash = '#/complaints'", vec![])
        .await?;
    let start = std::time::Instant::now();
    loop {
        let status = app.texts("[data-testid=meaning-status]").await?.join(" ");
        if status.contains("can be found by meaning") {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(600),
            "the demo's complaints were not read for meaning within 10 minutes: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.client().execute("history.back()", vec![]).await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;

    app.click("[data-testid=go-live]").await?;
    app.wait_for("[data-testid=timer][data-running=true]")
        .await?;
    app.click("[data-testid=open-seat]").await?;
    let windows = app.wait_windows(2).await?;
    app.switch_to(&windows[0]).await?;
    std::thread::sleep(settle);
    let (live, live_ticks) = cpu_over(pid, spell);
    let timer = app.texts("[data-testid=timer-left]").await?;

    // Live mode hides the sidebar: leave it by address, as the browser's back would.
    app.client()
        .execute("location.hash = '#/meetings'", vec![])
        .await?;
    app.wait_for("[data-testid=meeting-row]").await?;
    std::thread::sleep(settle);
    let (list, list_ticks) = cpu_over(pid, spell);

    println!("| idle for {seconds} s, app and WebKit processes | CPU ticks | share of one core |");
    println!("|---|---|---|");
    println!(
        "| live mode, timer running, seat window open | {live_ticks} | {live:.2} % (target 3 %) |"
    );
    println!("| the meeting list, seat window open | {list_ticks} | {list:.2} % |");
    println!(
        "(the timer read {} at the end of the live spell)",
        timer.join(" ")
    );
    app.quit().await
}
