//! The CLI against the releases pyssl compares with Debian's interpreters (3.13.18, 3.14.10,
//! 3.15.2): `pyssl compare` with each of them (profile and build flavour picked from the
//! interpreter itself) agrees field by field, and `pyssl connect` to a server presenting
//! CPython's own `distrusted.zip` chain fails as 3.15.2 fails and succeeds as 3.13.0 succeeds.
//!
//! Debian's interpreters load OpenSSL 3.3 or newer: on the system OpenSSL 3.0 these print a
//! NOT RUN line; `ci/openssl-matrix` runs them with the CLI built on OpenSSL 3.6 and the
//! interpreters loading the same build (`PYSSL_ORACLE_LD_LIBRARY_PATH`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pyssl_testsupport::python::{self, OracleRelease, Source, linked_openssl};
use serde_json::{Value, json};

fn row(release: &str) -> OracleRelease {
    python::releases()
        .into_iter()
        .find(|r| r.release == release)
        .unwrap_or_else(|| panic!("{release} is not in oracle/releases.tsv"))
}

/// A command with the oracles' OpenSSL (when `ci/openssl-matrix` sets one).
fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("SSLKEYLOGFILE");
    if let Some(dir) = std::env::var_os("PYSSL_ORACLE_LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    cmd
}

fn pyssl(args: &[&str]) -> Output {
    command(Path::new(env!("CARGO_BIN_EXE_pyssl")))
        .args(args)
        .output()
        .expect("run pyssl")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn compare_with_debian_interpreters_is_identical() {
    for r in python::releases() {
        if r.source != Source::DebianUnstable {
            continue;
        }
        let Some(py) = python::require_release(&r, linked_openssl()) else {
            continue;
        };
        let py = py.to_string_lossy().into_owned();
        let out = pyssl(&["compare", "--python", &py]);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
        assert!(
            report.contains(&format!("pyssl profile {} (openssl suites)\n", r.release)),
            "{report}"
        );
        let last = report.lines().last().unwrap_or_default();
        assert!(last.ends_with(" fields identical, 0 different"), "{report}");
        eprintln!("compare with {} ({py}): {last}", r.release);
    }
}

/// A client `create_default_context(cafile=root)` connecting to `port` as `localhost`: what
/// CPython raises (or `null`), as `pyssl connect --json` reports it.
const CLIENT_PY: &str = r#"
import json, re, socket, ssl, sys
port, root = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=root)
try:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as s:
            out = None
except Exception as e:
    out = {"type": type(e).__name__,
           "message": re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)),
           "library": getattr(e, "library", None), "reason": getattr(e, "reason", None),
           "verify_code": getattr(e, "verify_code", None),
           "verify_message": getattr(e, "verify_message", None)}
print(json.dumps(out))
"#;

/// Serves `keycert` to two clients on a free port (printed first): a handshake, then a TLS
/// shutdown (so a client reading until the end sees a clean close), then exits.
const SERVER_PY: &str = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1])
with socket.create_server(("127.0.0.1", 0)) as srv:
    print(srv.getsockname()[1], flush=True)
    srv.settimeout(30)
    for _ in range(2):
        conn, _ = srv.accept()
        conn.settimeout(30)
        try:
            s = ctx.wrap_socket(conn, server_side=True)
            s.unwrap().close()
        except OSError:
            conn.close()
"#;

/// Extract CPython's `distrusted.zip` (Debian's 3.15 test suite; password `Brave Sir Robin`)
/// with `py` into `dir`.
fn distrusted_chain(py: &Path, zip: &Path, dir: &Path) -> PathBuf {
    let out = command(py)
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], pwd=b'Brave Sir Robin')",
        ])
        .arg(zip)
        .arg(dir)
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join("distrusted")
}

#[test]
fn connect_to_the_distrusted_chain_as_each_release() {
    let newest = row("3.15.2");
    let Some(py315) = python::require_release(&newest, linked_openssl()) else {
        return;
    };
    let zip = python::certdata(&py315).join("distrusted.zip");
    assert!(zip.is_file(), "{} missing", zip.display());
    let tmp = tempfile::tempdir().unwrap();
    let dir = distrusted_chain(&py315, &zip, tmp.path());
    let root = dir.join("distrusted_root.pem");
    let keycert = dir.join("distrusted_keycert.pem");
    for (release, rejects) in [("3.15.2", true), ("3.13.0", false)] {
        let Some(py) = python::require_release(&row(release), linked_openssl()) else {
            continue;
        };
        let mut server = command(&py)
            .args(["-c", SERVER_PY])
            .arg(&keycert)
            .stdout(Stdio::piped())
            .spawn()
            .expect("server");
        let mut port = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        let port = port.trim().to_string();
        let theirs = command(&py)
            .args(["-c", CLIENT_PY, &port])
            .arg(&root)
            .output()
            .expect("client");
        assert!(theirs.status.success(), "{}", text(&theirs.stderr));
        let theirs: Value = serde_json::from_slice(&theirs.stdout).unwrap();
        let root_s = root.to_string_lossy().into_owned();
        let out = pyssl(&[
            "connect",
            &format!("127.0.0.1:{port}"),
            "--server-hostname",
            "localhost",
            "--cafile",
            &root_s,
            "--profile",
            release,
            "--json",
        ]);
        assert!(server.wait().unwrap().success());
        let ours: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{release}: {}", text(&out.stderr)));
        eprintln!("{release}: CPython {theirs}; pyssl {}", ours["error"]);
        if rejects {
            assert_eq!(theirs["verify_code"], json!(28), "{release}: {theirs}");
            assert_eq!(ours["ok"], json!(false), "{release}");
            assert_eq!(ours["error"], theirs, "{release}");
            assert_eq!(out.status.code(), Some(1), "{release}");
        } else {
            assert_eq!(theirs, Value::Null, "{release}");
            assert_eq!(ours["ok"], json!(true), "{release}: {ours}");
            assert_eq!(out.status.code(), Some(0), "{release}");
        }
    }
}
