//! `pyssl::postgres` against a real PostgreSQL server that this test starts on 127.0.0.1 in a
//! temporary data directory (`ssl = on`, `hostssl ... scram-sha-256`): verify-full success
//! with SCRAM-SHA-256-PLUS (tokio-postgres with `channel_binding=require` refuses anything
//! else), and every TLS failure (IP address mismatch, untrusted CA, protocol mismatch)
//! identical to what asyncpg, a driver on CPython's `ssl`, raises against the same server
//! with the same `create_default_context`.
//!
//! Needs PostgreSQL's server (Debian's `postgresql` package) and asyncpg in the CPython 3.13
//! oracle (`python3.13 -m pip install asyncpg`); `.ci/run` installs both. Without them the
//! test prints NOT RUN, and fails under CI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use pyssl::{Profile, Purpose, TlsVersion};
use pyssl_testsupport::certs::{self, Spec};
use serde_json::{Value, json};

use common::{DESCRIBE, describe};

/// What is missing, as a NOT RUN line (a failure under CI, which installs it).
fn not_run(what: &str) {
    let text = format!("postgres NOT RUN: {what}");
    assert!(std::env::var_os("CI").is_none(), "{text}");
    eprintln!("!!!!! {text} !!!!!");
}

/// The directory holding PostgreSQL's `initdb` and `pg_ctl`: Debian's newest
/// `/usr/lib/postgresql/N/bin`, else the `PATH`'s.
fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort_by_key(|d| {
        let version = d
            .parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str());
        version.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    if let Some(dir) = dirs.into_iter().rev().find(|d| d.join("initdb").is_file()) {
        return Some(dir);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

/// A PostgreSQL server in a temporary directory, stopped on drop.
struct Server {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// `(uid, gid)` of the `postgres` account when running as root (PostgreSQL refuses to
    /// run as root), else `None`.
    account: Option<(u32, u32)>,
}

impl Server {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `bin/tool args...` as the server's account.
    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut cmd = match self.account {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn own(&self, path: &Path) {
        if let Some((uid, gid)) = self.account {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
    }

    /// initdb (user `app`, password `secret`, SCRAM), the server certificate `leaf`, TLS
    /// on and only `hostssl` with SCRAM on 127.0.0.1, then start.
    fn start(bin: PathBuf, leaf: &certs::Issued) -> Server {
        let account = if is_root() {
            Some((id("-u"), id("-g")))
        } else {
            None
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Server {
            bin,
            dir: tempfile::tempdir().unwrap(),
            port,
            account,
        };
        server.own(server.dir.path());
        let pwfile = server.dir.path().join("pw");
        std::fs::write(&pwfile, "secret\n").unwrap();
        server.own(&pwfile);
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "app",
                "--pwfile",
                pwfile.to_str().unwrap(),
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
            ],
        );
        let (crt, key) = (data.join("server.crt"), data.join("server.key"));
        certs::write_pem(&crt, &[&leaf.cert], None);
        certs::write_pem(&key, &[], Some(&leaf.key));
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        server.own(&crt);
        server.own(&key);
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
             password_encryption = 'scram-sha-256'\nlog_connections = on\n",
            server.dir.path().display()
        );
        let mut existing = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        existing.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), existing).unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .unwrap();
        let log = server.dir.path().join("server.log");
        server.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap_or_default(),
            "-m",
            "immediate",
            "stop",
        ];
        let _ = match self.account {
            Some(_) => Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output(),
            None => Command::new(&program).args(args).output(),
        };
    }
}

/// Whether this process runs as root (`id -u` is 0).
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// `id FLAG postgres`: the uid (`-u`) or gid (`-g`) of the `postgres` account.
fn id(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("id");
    assert!(out.status.success(), "no postgres account");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// One connection attempt: the host name, the CA file, TLS 1.3 only.
struct Case {
    label: &'static str,
    host: &'static str,
    cafile: &'static str,
    tls13_only: bool,
}

/// asyncpg on CPython's `ssl` for each case: `"ok"` or `describe(e)`.
const ASYNCPG: &str = r#"
import asyncio
import asyncpg
async def attempt(case):
    ctx = ssl.create_default_context(cafile=case["cafile"])
    if case["tls13_only"]:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    try:
        conn = await asyncpg.connect(host=case["host"], port=case["port"], user="app",
                                     password="secret", database="postgres", ssl=ctx)
        await conn.close()
        return "ok"
    except ssl.SSLError as e:
        return describe(e)
async def main():
    return [await attempt(c) for c in json.load(sys.stdin)]
print(json.dumps(asyncio.run(main())))
"#;

/// tokio-postgres on `pyssl::postgres` for one case.
async fn attempt(profile: Profile, dir: &Path, port: u16, case: &Case, binding: bool) -> Value {
    let cafile = dir.join(case.cafile);
    let opts = pyssl::CreateOptions {
        cafile: Some(&cafile),
        profile,
        ..Default::default()
    };
    let ctx = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap();
    if case.tls13_only {
        ctx.set_minimum_version(TlsVersion::TLSv1_3).unwrap();
    }
    let tls = pyssl::postgres::MakeTlsConnector::from(Arc::new(ctx));
    let mut config = tokio_postgres::Config::new();
    config
        .host(case.host)
        .port(port)
        .user("app")
        .password("secret")
        .dbname("postgres")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    if binding {
        config.channel_binding(tokio_postgres::config::ChannelBinding::Require);
    }
    match config.connect(tls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            let row = client
                .query_one(
                    "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .await
                .unwrap();
            let (ssl, version): (bool, String) = (row.get(0), row.get(1));
            assert!(ssl, "{}: pg_stat_ssl says no TLS", case.label);
            json!(format!("ok {version}"))
        }
        Err(e) => match pyssl::Error::find_in(&e) {
            Some(py) => describe(py),
            None => panic!("{}: no pyssl error in {e:?}", case.label),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_pyssl_fails_as_asyncpg_on_cpython() {
    let Some(bin) = postgres_bin() else {
        return not_run("no PostgreSQL server (apt-get install postgresql)");
    };
    let Some(oracle) = common::oracle_for(&common::compared("3.13.0")) else {
        return;
    };
    let has_asyncpg = Command::new(&oracle.python)
        .args(["-c", "import asyncpg"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_asyncpg {
        return not_run(&format!(
            "no asyncpg ({} -m pip install asyncpg)",
            oracle.python.display()
        ));
    }
    let ca = certs::self_signed(&Spec::ca("pyssl postgres test CA"));
    let other = certs::self_signed(&Spec::ca("pyssl postgres other CA"));
    let leaf = ca.issue(&Spec::default());
    let server = Server::start(bin, &leaf);
    let dir = tempfile::tempdir().unwrap();
    certs::write_pem(&dir.path().join("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&dir.path().join("other.pem"), &[&other.cert], None);
    let profile = common::compared("3.13.0");

    // verify-full with SCRAM-SHA-256-PLUS: channel_binding=require fails unless the server
    // took the tls-server-end-point binding pyssl::postgres gave.
    let good = Case {
        label: "success",
        host: "localhost",
        cafile: "ca.pem",
        tls13_only: false,
    };
    let ok = attempt(profile, dir.path(), server.port, &good, true).await;
    assert_eq!(ok, json!("ok TLSv1.3"));
    eprintln!("postgres | SCRAM-SHA-256-PLUS | {ok}");

    let compare = |cases: &'static [Case]| {
        let stdin: Vec<Value> = cases
            .iter()
            .map(|c| {
                json!({"host": c.host, "port": server.port,
                            "cafile": dir.path().join(c.cafile), "tls13_only": c.tls13_only})
            })
            .collect();
        let python = oracle.run_json(
            &format!("{DESCRIBE}{ASYNCPG}"),
            &[],
            &Value::from(stdin).to_string(),
        );
        python.as_array().unwrap().clone()
    };
    const CASES: &[Case] = &[
        Case {
            label: "success",
            host: "localhost",
            cafile: "ca.pem",
            tls13_only: false,
        },
        Case {
            label: "IP address mismatch",
            host: "127.0.0.1",
            cafile: "ca.pem",
            tls13_only: false,
        },
        Case {
            label: "untrusted CA",
            host: "localhost",
            cafile: "other.pem",
            tls13_only: false,
        },
    ];
    const TLS12_SERVER: &[Case] = &[Case {
        label: "protocol mismatch",
        host: "localhost",
        cafile: "ca.pem",
        tls13_only: true,
    }];
    let mut table = Vec::new();
    for cases in [CASES, TLS12_SERVER] {
        if std::ptr::eq(cases, TLS12_SERVER) {
            // The server now offers TLS 1.2 at most (reloaded, as an operator would).
            let alter = "ALTER SYSTEM SET ssl_max_protocol_version = 'TLSv1.2'";
            let sock = server.dir.path().to_str().unwrap().to_string();
            let psql = |sql: &str| {
                let out = Command::new("psql")
                    .args([
                        "-h",
                        &sock,
                        "-p",
                        &server.port.to_string(),
                        "-U",
                        "app",
                        "-d",
                        "postgres",
                        "-c",
                        sql,
                    ])
                    .env("PGPASSWORD", "secret")
                    .output()
                    .expect("psql");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            psql(alter);
            psql("SELECT pg_reload_conf()");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let python = tokio::task::block_in_place(|| compare(cases));
        for (case, theirs) in cases.iter().zip(&python) {
            let ours = attempt(profile, dir.path(), server.port, case, false).await;
            let ours = match ours.as_str() {
                Some(s) if s.starts_with("ok ") => json!("ok"),
                _ => ours,
            };
            assert_eq!(&ours, theirs, "{}", case.label);
            table.push(format!(
                "{:<20} | {}",
                case.label,
                ours["str"].as_str().unwrap_or("ok")
            ));
        }
    }
    for row in table {
        eprintln!("postgres | {row}");
    }
}
