//! Connecting as the product promises: the password from the URL, `PGPASSWORD` or
//! `~/.pgpass` (or `PGPASSFILE`), and TLS whenever the server offers it.
//!
//! These tests use a server of their own (see [`secure`]): it asks every role but the
//! superuser for a password (scram-sha-256), and it listens on 127.0.0.1 with TLS, with a
//! certificate signed by a test authority made with `openssl`.
//!
//! The environment of a process is shared by all its threads, and this workspace forbids the
//! `unsafe` that changing it needs; so each test about `PGPASSWORD`, `PGPASSFILE` or `~/.pgpass`
//! runs the connection in a child process of this test binary (the ignored test
//! [`child_connects`]) with the environment it needs, and reads what happened from its output.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chair_org::OrgError;

use crate::cluster::{self, SUPERUSER};

/// The role that must give a password, its password and its database.
const ROLE: &str = "ana";
const PASSWORD: &str = "Blue-Chair-42";
const DATABASE: &str = "decisions";

/// The server with passwords and TLS.
struct Secure {
    /// Its folder: the Unix socket, the test authority's certificate `ca.crt`, `data/`.
    dir: PathBuf,
    /// Its TCP port on 127.0.0.1 (also in the socket's name).
    port: u16,
}

static SECURE: OnceLock<Option<Secure>> = OnceLock::new();

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    listener.local_addr().expect("its address").port()
}

fn openssl(dir: &Path, args: &[&str], what: &str) {
    let mut c = Command::new("openssl");
    c.current_dir(dir).args(args);
    cluster::run(c, what);
}

/// A test authority (`ca.key`, `ca.crt` in `dir`) and the server's key and certificate,
/// signed by it for 127.0.0.1 and localhost (`server.key`, `server.crt` in `dir/data`, where
/// PostgreSQL looks for them; the key readable by the server's user alone).
fn certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Empty Chair test authority",
    ]);
    openssl(dir, &ca, "openssl: the test authority");
    let mut request = vec!["req"];
    request.extend(ec);
    request.extend([
        "-keyout",
        "data/server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(dir, &request, "openssl: the server's key");
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("the certificate's extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "2",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "data/server.crt",
        ],
        "openssl: the server's certificate",
    );
    for file in ["server.key", "server.crt"] {
        let path = dir.join("data").join(file);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("the server's files are private");
        cluster::give_to_server(&path);
    }
}

fn start() -> Option<Secure> {
    if !cluster::installed() {
        return None;
    }
    let port = free_port();
    let dir = cluster::start_server(
        &format!("-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on -c max_connections=40"),
        |dir| {
            // The superuser sets up without a password through the socket; everyone else
            // gives one, through the socket or over TCP.
            std::fs::write(
                dir.join("data/pg_hba.conf"),
                format!(
                    "local all {SUPERUSER} trust\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n"
                ),
            )
            .expect("pg_hba.conf");
            certificates(dir);
        },
    );
    let secure = Secure { dir, port };
    let setup = secure.socket_url(SUPERUSER, None, "postgres");
    cluster::run_set_up(async move {
        let admin = chair_org::connect(&setup)
            .await
            .expect("the secure server answers");
        for sql in [
            format!("CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'"),
            format!("CREATE DATABASE {DATABASE} OWNER {ROLE}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&admin)
                .await
                .expect("the secure server is set up");
        }
        admin.close().await;
    });
    Some(secure)
}

/// The server with passwords and TLS, or `None` (after saying why) without PostgreSQL.
fn secure() -> Option<&'static Secure> {
    SECURE.get_or_init(start).as_ref()
}

impl Secure {
    /// Through the Unix socket, as `role`, with `password` in the URL or none.
    fn socket_url(&self, role: &str, password: Option<&str>, database: &str) -> String {
        let login = match password {
            Some(p) => format!("{role}:{p}@"),
            None => format!("{role}@"),
        };
        format!(
            "postgres://{login}localhost/{database}?host={}&port={}",
            self.dir.display(),
            self.port
        )
    }

    /// Over TCP to 127.0.0.1, as the role with a password, plus `query` (`&`-separated).
    fn tcp_url(&self, query: &str) -> String {
        let url = format!(
            "postgres://{ROLE}:{PASSWORD}@127.0.0.1:{}/{DATABASE}",
            self.port
        );
        if query.is_empty() {
            url
        } else {
            format!("{url}?{query}")
        }
    }
}

/// What one connection attempt gave: `connected as ROLE`, `refused: MESSAGE` or `failed: …`.
async fn outcome(url: &str) -> String {
    match chair_org::connect(url).await {
        Ok(pool) => {
            let who = sqlx::query_scalar::<_, String>("SELECT current_user::text")
                .fetch_one(&pool)
                .await;
            pool.close().await;
            match who {
                Ok(who) => format!("connected as {who}"),
                Err(e) => format!("failed: {e}"),
            }
        }
        Err(OrgError::Refused(why)) => format!("refused: {why}"),
        Err(e) => format!("failed: {e:?}"),
    }
}

/// Connects to `CHAIR_CHILD_URL` and prints the outcome; run by [`in_child`] in a child
/// process with the environment under test.
#[tokio::test]
#[ignore = "run by the password tests, in a child process with the environment they test"]
async fn child_connects() {
    let Ok(url) = std::env::var("CHAIR_CHILD_URL") else {
        return;
    };
    println!("outcome: {}", outcome(&url).await);
}

/// The outcome of connecting to `url` from a child process whose home is `home`, with no
/// `PGPASSWORD` or `PGPASSFILE` but those in `env`.
fn in_child(url: &str, home: &Path, env: &[(&str, &OsStr)]) -> String {
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "connect::child_connects",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CHAIR_CHILD_URL", url)
        .env("HOME", home)
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .envs(env.iter().copied())
        .output()
        .expect("the child test runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The harness prints the test's name on the same line, before the outcome.
    stdout
        .lines()
        .find_map(|l| l.split_once("outcome: ").map(|(_, outcome)| outcome))
        .unwrap_or_else(|| {
            panic!(
                "the child printed no outcome: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .to_string()
}

/// A file of `text` with `mode`.
fn file(path: &Path, text: &str, mode: u32) -> PathBuf {
    std::fs::write(path, text).expect("a file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("its mode");
    path.to_path_buf()
}

fn assert_asks_for_the_password(outcome: &str) {
    assert!(
        outcome.starts_with("refused: ")
            && outcome.contains("PGPASSWORD")
            && outcome.contains("~/.pgpass"),
        "a refused login says where the password can come from: {outcome}"
    );
}

#[tokio::test]
async fn the_password_in_the_url_logs_in_and_a_wrong_one_is_refused_with_a_hint() {
    let Some(secure) = secure() else {
        return;
    };
    assert_eq!(
        outcome(&secure.socket_url(ROLE, Some(PASSWORD), DATABASE)).await,
        format!("connected as {ROLE}")
    );
    let wrong = outcome(&secure.socket_url(ROLE, Some("Red-Chair-41"), DATABASE)).await;
    assert_asks_for_the_password(&wrong);
    assert!(
        wrong.contains("password authentication failed"),
        "the server's reason is kept: {wrong}"
    );
}

#[tokio::test]
async fn without_a_password_in_the_url_pgpassword_gives_it() {
    let Some(secure) = secure() else {
        return;
    };
    let home = tempfile::tempdir().expect("a home");
    let url = secure.socket_url(ROLE, None, DATABASE);
    assert_eq!(
        in_child(&url, home.path(), &[("PGPASSWORD", OsStr::new(PASSWORD))]),
        format!("connected as {ROLE}")
    );
    assert_asks_for_the_password(&in_child(
        &url,
        home.path(),
        &[("PGPASSWORD", OsStr::new("Red-Chair-41"))],
    ));
    // Nowhere to find a password at all.
    assert_asks_for_the_password(&in_child(&url, home.path(), &[]));
}

#[tokio::test]
async fn without_a_password_in_the_url_the_pgpass_file_gives_it() {
    let Some(secure) = secure() else {
        return;
    };
    let home = tempfile::tempdir().expect("a home");
    let url = secure.socket_url(ROLE, None, DATABASE);
    let line = format!(
        "# host:port:database:user:password\n*:{}:{DATABASE}:{ROLE}:{PASSWORD}\n",
        secure.port
    );

    // ~/.pgpass, readable by its owner alone.
    let pgpass = file(&home.path().join(".pgpass"), &line, 0o600);
    assert_eq!(
        in_child(&url, home.path(), &[]),
        format!("connected as {ROLE}")
    );
    // Readable by others, it is ignored, as libpq does.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).expect("its mode");
    assert_asks_for_the_password(&in_child(&url, home.path(), &[]));
    std::fs::remove_file(&pgpass).expect("gone");

    // The file PGPASSFILE names.
    let elsewhere = tempfile::tempdir().expect("a folder");
    let named = file(&elsewhere.path().join("passwords"), &line, 0o600);
    assert_eq!(
        in_child(&url, home.path(), &[("PGPASSFILE", named.as_os_str())]),
        format!("connected as {ROLE}")
    );
    // A line for another database gives nothing.
    let other = file(
        &elsewhere.path().join("other"),
        &format!("*:*:elsewhere:{ROLE}:{PASSWORD}\n"),
        0o600,
    );
    assert_asks_for_the_password(&in_child(
        &url,
        home.path(),
        &[("PGPASSFILE", other.as_os_str())],
    ));
}

/// Whether the connection `pool` uses is encrypted, as the server sees it.
async fn encrypted(pool: &sqlx::PgPool) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await
        .expect("pg_stat_ssl")
}

#[tokio::test]
async fn a_plain_url_uses_tls_when_the_server_offers_it() {
    let Some(secure) = secure() else {
        return;
    };
    let pool = chair_org::connect(&secure.tcp_url(""))
        .await
        .expect("connects over TCP");
    assert!(
        encrypted(&pool).await,
        "without sslmode in the URL the connection is encrypted"
    );
    pool.close().await;

    // The server accepts a connection without TLS too: the encryption above is the client's doing.
    let plain = chair_org::connect(&secure.tcp_url("sslmode=disable"))
        .await
        .expect("connects without TLS when told to");
    assert!(!encrypted(&plain).await, "sslmode=disable is not encrypted");
    plain.close().await;
}

#[tokio::test]
async fn verify_full_checks_the_certificate_against_sslrootcert() {
    let Some(secure) = secure() else {
        return;
    };
    let ca = secure.dir.join("ca.crt");
    let pool = chair_org::connect(
        &secure.tcp_url(&format!("sslmode=verify-full&sslrootcert={}", ca.display())),
    )
    .await
    .expect("the certificate is signed by the given authority, for 127.0.0.1");
    assert!(encrypted(&pool).await);
    pool.close().await;

    // Without the test authority the certificate is not trusted, and the message says what to give.
    match chair_org::connect(&secure.tcp_url("sslmode=verify-full")).await {
        Err(OrgError::Refused(why)) => assert!(
            why.contains("certificate cannot be trusted")
                && why.contains("sslmode=verify-full")
                && why.contains("sslrootcert"),
            "{why}"
        ),
        other => panic!("an unknown authority is refused: {other:?}"),
    }
}

#[tokio::test]
async fn sslmode_require_against_a_server_without_tls_says_so() {
    // The shared cluster has no TLS at all.
    let Some(db) = cluster::database().await else {
        return;
    };
    let url = format!("{}&sslmode=require", db.url(SUPERUSER));
    match chair_org::connect(&url).await {
        Err(OrgError::Refused(why)) => assert!(
            why.contains("does not offer an encrypted connection (TLS)")
                && why.contains("sslmode=require"),
            "{why}"
        ),
        other => panic!("an unencrypted connection is refused: {other:?}"),
    }
}
