//! A throwaway PostgreSQL 15 cluster for this test binary: initdb into a short temporary
//! folder, Unix socket only, fsync off, started once and stopped when the test process ends
//! (a watchdog process stops it even when the tests are killed). PostgreSQL refuses to run as
//! root, so as root the server commands run as the `postgres` user. Each test gets its own
//! database, cloned from one migrated template.
//!
//! Without PostgreSQL the tests skip with a message, except under `CI=true`, where they fail.
//! [`start_server`] starts further servers for tests that need other settings.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The login roles every test database can use (created once per cluster).
pub const LAPTOP_A: &str = "laptop_a";
pub const LAPTOP_B: &str = "laptop_b";
pub const LAPTOP_C: &str = "laptop_c";
pub const LEADER: &str = "leader_r";
pub const AUDITOR: &str = "auditor_x";
pub const SUPERUSER: &str = "chair";
/// A login role in none of the organisation log's groups.
pub const STRANGER: &str = "stranger";

pub struct Cluster {
    dir: PathBuf,
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(1);
static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn bin_dir() -> PathBuf {
    std::env::var_os("CHAIR_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A server command, as `postgres` when we are root.
fn server_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

pub fn run(mut c: Command, what: &str) {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// True when PostgreSQL 15 is installed. Otherwise says that the tests skip, or fails under
/// `CI=true`.
pub fn installed() -> bool {
    let bin = bin_dir();
    if bin.join("initdb").exists() {
        return true;
    }
    let msg = format!(
        "PostgreSQL 15 is not installed ({} has no initdb): install postgresql-15 (`make deps`)",
        bin.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}; under CI the organisation log's tests must run");
    }
    // Past the test harness's capture, so that the skip is seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("skipping the organisation log's tests: {msg}\n").as_bytes(),
    );
    false
}

/// Hands `path` to the user the server runs as (`postgres` when we are root).
pub fn give_to_server(path: &Path) {
    if is_root() {
        let mut c = Command::new("chown");
        c.arg("postgres").arg(path);
        run(c, "chown");
    }
}

/// Starts a new server in a new short folder under /tmp and returns that folder: its socket
/// is there, its data in `data/`. The superuser `chair` logs in without a password. `prepare`
/// runs on the folder after initdb and before the start (files it adds must be handed to the
/// server with [`give_to_server`]); `settings` are `-c` options for the server. A watchdog
/// stops the server and removes the folder once this process is gone, however it ends.
pub fn start_server(settings: &str, prepare: impl FnOnce(&Path)) -> PathBuf {
    let bin = bin_dir();
    let dir = tempfile::Builder::new()
        .prefix("chpg")
        .tempdir_in("/tmp")
        .expect("a temporary folder")
        .keep();
    give_to_server(&dir);
    let data = dir.join("data");
    let mut initdb = server_command(&bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"]);
    run(initdb, "initdb");
    prepare(&dir);
    let mut ctl = server_command(&bin.join("pg_ctl"));
    ctl.arg("-D")
        .arg(&data)
        .arg("-w")
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-c unix_socket_directories={} -c fsync=off -c synchronous_commit=off -c full_page_writes=off {settings}",
            dir.display()
        ))
        .arg("start");
    run(ctl, "pg_ctl start");
    let stop = format!(
        "while [ -e /proc/{pid} ]; do sleep 0.3; done; {runuser} {ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runuser = if is_root() {
            "runuser -u postgres --"
        } else {
            ""
        },
        ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("setsid")
        .args(["-f", "sh", "-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the watchdog that stops the test cluster starts");
    dir
}

fn start() -> Option<Cluster> {
    if !installed() {
        return None;
    }
    let dir = start_server("-c listen_addresses='' -c max_connections=300", |_| {});
    let cluster = Cluster { dir };
    let setup = cluster.url("postgres", SUPERUSER);
    let template = cluster.url("migrated", SUPERUSER);
    run_set_up(async move {
        let admin = chair_org::connect(&setup)
            .await
            .expect("the test cluster answers");
        sqlx::query("CREATE DATABASE migrated")
            .execute(&admin)
            .await
            .expect("template");
        chair_org::init(&template)
            .await
            .expect("the template migrates");
        for (role, groups) in [
            (LAPTOP_A, "chair_device"),
            (LAPTOP_B, "chair_device"),
            (LAPTOP_C, "chair_device"),
            (LEADER, "chair_device, chair_reader"),
            (AUDITOR, "chair_device, chair_auditor"),
            (STRANGER, ""),
        ] {
            let groups = if groups.is_empty() {
                String::new()
            } else {
                format!(" IN ROLE {groups}")
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE ROLE {role} LOGIN{groups}"
            )))
            .execute(&admin)
            .await
            .expect("a test role");
        }
        admin.close().await;
    });
    Some(cluster)
}

/// Runs `set_up` to its end on a runtime of its own, in a thread of its own (the tests' own
/// runtimes are not there yet when a server is first started).
pub fn run_set_up(set_up: impl std::future::Future<Output = ()> + Send + 'static) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(set_up)
    })
    .join()
    .expect("the server is set up");
}

impl Cluster {
    /// The URL of `database` for `role`.
    pub fn url(&self, database: &str, role: &str) -> String {
        format!(
            "postgres:///{database}?host={}&user={role}",
            self.dir.display()
        )
    }
}

/// A database of its own for one test.
pub struct TestDb {
    pub name: String,
    cluster: &'static Cluster,
}

impl TestDb {
    /// Its URL for `role`.
    pub fn url(&self, role: &str) -> String {
        self.cluster.url(&self.name, role)
    }

    /// A connection as the superuser, who can do anything, triggers or not.
    pub async fn superuser(&self) -> sqlx::PgPool {
        chair_org::connect(&self.url(SUPERUSER))
            .await
            .expect("superuser connects")
    }

    /// Runs `sql` as the superuser.
    pub async fn exec(&self, sql: &str) {
        let pool = self.superuser().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    }
}

/// A new migrated database, or `None` (after saying why) when PostgreSQL is not installed.
pub async fn database() -> Option<TestDb> {
    let cluster = CLUSTER.get_or_init(start).as_ref()?;
    let name = format!("t_{}", NEXT_DB.fetch_add(1, Ordering::SeqCst));
    let _one_at_a_time = CREATING.lock().await;
    let admin = chair_org::connect(&cluster.url("postgres", SUPERUSER))
        .await
        .expect("the test cluster answers");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE migrated"
    )))
    .execute(&admin)
    .await
    .expect("a test database");
    admin.close().await;
    Some(TestDb { name, cluster })
}
