//! The end-to-end harness: starts a private X display and `tauri-driver` (which starts
//! `WebKitWebDriver`), launches the real Empty Chair binary through WebDriver on a database
//! of the test's own, and offers a few helpers to drive and read the window.
//!
//! Every test gets its own `Harness` (display, driver, temporary home and database), so
//! tests cannot see each other's data or window state.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How long a wait for something on screen lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The freshly built app binary (built once per test process; a no-op when up to date).
pub fn app_binary() -> Result<&'static Path> {
    static BUILT: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .current_dir(repo_root())
                .args(["build", "-p", "empty-chair", "-p", "chair-cli"])
                .status()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !status.success() {
                return Err("building the app failed".into());
            }
            Ok(target_dir().join("debug").join("empty-chair"))
        })
        .as_deref()
        .map_err(|e| anyhow!("{e}"))
}

/// Names the app binary [`Harness::launch`] starts instead of the debug build.
pub const APP_ENV: &str = "CHAIR_E2E_APP";

/// The `chair` command line built beside the app.
pub fn chair_binary() -> Result<PathBuf> {
    app_binary()?;
    Ok(target_dir().join("debug").join("chair"))
}

/// Runs the `chair` command line on the database `db` (this test's, or another laptop's) and
/// returns its standard output.
pub fn chair_on(db: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(chair_binary()?)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!(
            "chair {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tauri_driver() -> PathBuf {
    let local = repo_root().join(".tools/bin/tauri-driver");
    if local.exists() {
        local
    } else {
        PathBuf::from("tauri-driver")
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, what: &str) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("{what} did not listen on port {port} within 20 s")
}

/// A process started in its own process group, stopped with its children on drop.
pub struct Group(pub Child);

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = Pid::from_raw(self.0.id() as i32);
        let _ = killpg(pgid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = killpg(pgid, Signal::SIGKILL);
        let _ = self.0.wait();
    }
}

/// Starts `command` in a process group of its own and reads the first line it prints (a
/// display number, a bus address: what it is ready on).
fn first_line(command: &mut Command, what: &str) -> Result<(Group, String)> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {what}"))?;
    let out = child.stdout.take().context("its output")?;
    let group = Group(child);
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .with_context(|| format!("reading what {what} printed"))?;
    Ok((group, line.trim().to_string()))
}

/// A private desktop session: an X display (Xvfb) and a session bus, as a desktop has (the
/// app finds its other instances on the bus). Both stop when it is dropped.
pub struct Desktop {
    // Field order is drop order: the bus goes before the display.
    _bus: Group,
    _xvfb: Group,
    display: String,
    bus_address: String,
}

impl Desktop {
    /// Starts Xvfb with a `width` x `height` screen and a session bus.
    pub fn start(width: u32, height: u32) -> Result<Self> {
        let screen = format!("{width}x{height}x24");
        let (xvfb, display) = first_line(
            Command::new("Xvfb").args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &screen,
                "-nolisten",
                "tcp",
            ]),
            "Xvfb (Debian package xvfb)",
        )?;
        let (bus, bus_address) = first_line(
            Command::new("dbus-daemon").args(["--session", "--nofork", "--print-address=1"]),
            "dbus-daemon (Debian package dbus-daemon)",
        )?;
        Ok(Self {
            _bus: bus,
            _xvfb: xvfb,
            display: format!(":{display}"),
            bus_address,
        })
    }

    /// The environment a program needs to draw on this display and find this bus, with its
    /// home folders under `home`.
    pub fn env(&self, home: &Path) -> Vec<(String, std::ffi::OsString)> {
        [
            ("DISPLAY", self.display.clone().into()),
            ("DBUS_SESSION_BUS_ADDRESS", self.bus_address.clone().into()),
            ("HOME", home.into()),
            ("XDG_CONFIG_HOME", home.join("config").into()),
            ("XDG_DATA_HOME", home.join("data").into()),
            ("XDG_CACHE_HOME", home.join("cache").into()),
            ("WEBKIT_DISABLE_DMABUF_RENDERER", "1".into()),
        ]
        .into_iter()
        .map(|(k, v): (&str, std::ffi::OsString)| (k.to_string(), v))
        .collect()
    }

    /// The X display.
    pub fn display(&self) -> &str {
        &self.display
    }
}

/// One test's private display, driver, home folder and database.
pub struct Harness {
    // Field order is drop order: the driver goes before the display it draws on.
    driver: Group,
    desktop: Desktop,
    port: u16,
    home: tempfile::TempDir,
    db: PathBuf,
    /// What the app's environment holds in this test's session.
    env: Vec<(String, std::ffi::OsString)>,
}

impl Harness {
    /// Starts Xvfb (a 1280x800 screen) and tauri-driver for one test.
    pub fn start() -> Result<Self> {
        Self::start_on(1280, 800)
    }

    /// Starts Xvfb with a `width` x `height` screen and tauri-driver for one test.
    pub fn start_on(width: u32, height: u32) -> Result<Self> {
        Self::start_inner(width, height, false)
    }

    /// Like [`Harness::start`], but the app's save dialogs really open (the test answers them
    /// on the display), and the app runs in the database's folder, where they open.
    pub fn start_with_dialogs() -> Result<Self> {
        Self::start_inner(1280, 800, true)
    }

    fn start_inner(width: u32, height: u32, dialogs: bool) -> Result<Self> {
        let app = app_binary()?;
        let home = tempfile::tempdir()?;
        let db = home.path().join("data").join("empty-chair.db");
        let desktop = Desktop::start(width, height)?;
        let port = free_port()?;
        let native_port = free_port()?;
        let mut env = desktop.env(home.path());
        let workdir = db.parent().context("the database's folder")?.to_path_buf();
        std::fs::create_dir_all(&workdir)?;
        if !dialogs {
            // Nobody answers a save dialog in a test: saved files go to the test's folder.
            env.push((
                "EMPTY_CHAIR_SAVE_DIR".into(),
                home.path().join("saved").into(),
            ));
        }
        let driver = Command::new(tauri_driver())
            .current_dir(&workdir)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env_remove("EMPTY_CHAIR_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start tauri-driver (make tools installs it)")?;
        let driver = Group(driver);
        // tauri-driver listens before WebKitWebDriver does; a session needs both.
        wait_for_port(port, "tauri-driver")?;
        wait_for_port(native_port, "WebKitWebDriver")?;
        let _ = app;
        Ok(Self {
            driver,
            desktop,
            port,
            home,
            db,
            env,
        })
    }

    /// The app binary, started directly (not through WebDriver) in this test's session: its
    /// display, session bus and home folder.
    pub fn app_command(&self) -> Result<Command> {
        let mut c = Command::new(app_binary()?);
        c.envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("EMPTY_CHAIR_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        Ok(c)
    }

    /// The database this test's app uses.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// The X display the app draws on (for screenshots with `import`).
    pub fn display(&self) -> &str {
        self.desktop.display()
    }

    /// Runs `xdotool` on the test's display, for what WebDriver cannot reach (native windows and
    /// popovers); its standard output.
    pub fn xdotool(&self, args: &[&str]) -> Result<String> {
        let out = std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", self.display())
            .output()
            .context("cannot run xdotool (Debian package xdotool)")?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Where the app saves files the user would have placed with a save dialog.
    pub fn saved(&self) -> PathBuf {
        self.home.path().join("saved")
    }

    /// The test's private home folder.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Saves a picture of the whole X screen to `path` (imagemagick's `import`), for windows a
    /// WebDriver screenshot does not cover.
    pub fn screenshot_screen(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(path)
            .env("DISPLAY", self.desktop.display())
            .status()
            .context("cannot run import (Debian package imagemagick)")?;
        if !status.success() {
            bail!("import could not capture the screen: {status}");
        }
        Ok(())
    }

    /// Runs the `chair` command line on this test's database and returns its standard output.
    pub fn chair(&self, args: &[&str]) -> Result<String> {
        chair_on(&self.db, args)
    }

    /// Logs a decision on the demo meeting's "Chat-first customer support" item through the
    /// `chair` command line, as someone else would while the app is open; returns what it said.
    pub fn chair_logs_a_decision(&self) -> Result<String> {
        let listed: serde_json::Value =
            serde_json::from_str(&self.chair(&["meetings", "list", "--json"])?)?;
        let meeting = listed[0]["title"]
            .as_str()
            .context("the demo meeting is listed")?
            .to_string();
        self.chair(&[
            "decision",
            "add",
            "--meeting",
            &meeting,
            "--item",
            "Chat-first customer support",
            "--statement",
            "Keep a phone line for customers over seventy",
            "--impact",
            "helps",
            "--size",
            "small",
            "--impact-text",
            "Customers who cannot use chat still reach a person",
            "--no-evidence",
        ])
    }

    /// Starts the app and connects to its window.
    pub async fn launch(&self) -> Result<App> {
        let _ = &self.driver;
        // A benchmark drives the release build; the tests drive the debug build they made.
        let app = match std::env::var_os(APP_ENV) {
            Some(path) => PathBuf::from(path),
            None => app_binary()?.to_path_buf(),
        };
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": app,
                "args": ["--db", self.db],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last = None;
        // The driver sometimes drops the first requests while WebKitWebDriver starts on a
        // busy machine; give it a few seconds before calling the launch failed.
        for attempt in 1..=8u64 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => {
                    let app = App { client };
                    app.wait_for("[data-testid=welcome], [data-testid=open-failed], nav.sidebar")
                        .await?;
                    return Ok(app);
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
                }
            }
        }
        Err(anyhow!("cannot start a WebDriver session: {last:?}"))
    }
}

/// The app's window as the test sees it.
pub struct App {
    client: Client,
}

impl App {
    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Waits until an element matching `css` is on screen.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("nothing matching `{css}` appeared within {WAIT:?}"))
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.client.find_all(Locator::Css(css)).await?.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("`{css}` was still on screen after {WAIT:?}")
    }

    /// Waits until the text of the first element matching `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < WAIT {
            if let Some(text) = self.texts(css).await?.into_iter().next() {
                if ok(&text) {
                    return Ok(text);
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("`{css}` never showed the expected text; last seen: {last:?}")
    }

    /// Waits until the text of any element matching `css` satisfies `ok`; returns it.
    pub async fn wait_any_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        let start = Instant::now();
        let mut last = Vec::new();
        while start.elapsed() < WAIT {
            last = self.texts(css).await?;
            if let Some(found) = last.iter().find(|t| ok(t)) {
                return Ok(found.clone());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("no `{css}` showed the expected text; last seen: {last:?}")
    }

    /// The rendered texts (`innerText`, trimmed) of every element matching `css`, in
    /// document order.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let value = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());",
                vec![css.into()],
            )
            .await
            .with_context(|| format!("reading the text of `{css}`"))?;
        Ok(serde_json::from_value(value)?)
    }

    /// Waits until `css` matches exactly `n` elements and returns their texts.
    pub async fn wait_count(&self, css: &str, n: usize) -> Result<Vec<String>> {
        let start = Instant::now();
        let mut last = Vec::new();
        while start.elapsed() < WAIT {
            last = self.texts(css).await.unwrap_or_default();
            if last.len() == n {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "expected {n} elements matching `{css}`, saw {}: {last:?}",
            last.len()
        )
    }

    /// Clicks the first element matching `css` once it is on screen.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking `{css}`"))?;
        Ok(())
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let el = self.wait_for(css).await?;
        el.clear().await?;
        el.send_keys(text)
            .await
            .with_context(|| format!("typing into `{css}`"))?;
        Ok(())
    }

    /// Fills the `index`-th element matching `css` once it is on screen.
    pub async fn fill_nth(&self, css: &str, index: usize, text: &str) -> Result<()> {
        let start = Instant::now();
        let el = loop {
            let mut all = self.client.find_all(Locator::Css(css)).await?;
            if all.len() > index {
                break all.swap_remove(index);
            }
            if start.elapsed() > WAIT {
                bail!("there is no element {index} matching `{css}` after {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    /// Waits until the app has `n` windows; returns their handles, the one driven now first.
    pub async fn wait_windows(&self, n: usize) -> Result<Vec<WindowHandle>> {
        let start = Instant::now();
        let mut seen = 0;
        while start.elapsed() < WAIT {
            let mut all = self.client.windows().await.context("listing the windows")?;
            seen = all.len();
            if seen == n {
                let current = self.client.window().await.context("the current window")?;
                all.sort_by_key(|h| *h != current);
                return Ok(all);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("expected {n} windows, saw {seen}")
    }

    /// Makes the window `handle` the one the helpers drive.
    pub async fn switch_to(&self, handle: &WindowHandle) -> Result<()> {
        self.client
            .switch_to_window(handle.clone())
            .await
            .context("switching windows")?;
        Ok(())
    }

    /// Sets the driven window's size in pixels.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.client
            .set_window_size(width, height)
            .await
            .context("resizing the window")?;
        Ok(())
    }

    /// Presses `key` (a character or a WebDriver key code such as `\u{E014}` for →) on
    /// whatever has focus.
    pub async fn press(&self, key: &str) -> Result<()> {
        self.client
            .active_element()
            .await
            .context("finding the focused element")?
            .send_keys(key)
            .await
            .with_context(|| format!("pressing {key:?}"))?;
        Ok(())
    }

    /// Saves a screenshot of the window to `path`.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client.screenshot().await?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Ends the session, which quits the app.
    pub async fn quit(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}
