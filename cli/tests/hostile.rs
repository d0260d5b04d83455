//! The `pyssl` binary against hostile and broken input, compared with what CPython raises for
//! the same input: directories and special files given as files, empty files, paths that are
//! not UTF-8, 100 MB inputs, garbage certificates, and live peers that close mid-handshake or
//! send 1 MB of garbage during or after it. Every case must end with CPython's exception (type
//! and message) and exit status 1, or with CPython's result and exit status 0; never a panic
//! (exit 101), a signal or a hang (every socket has a timeout).
#![warn(clippy::assertions_on_result_states)]

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pyssl_testsupport::certs::{self, Serial, Spec, Usage};
use serde_json::{Value, json};

const PEERS_PY: &str = concat!(
    include_str!("../../oracle/describe.py"),
    include_str!("../../oracle/hostile_peers.py")
);
/// The CLI's default profile, and the CPython it is compared with.
const VERSION: &str = "3.13";
/// The profile of that interpreter (pyenv's 3.13.0), given to every verb.
const PROFILE: &str = "3.13.0";
const MB100: usize = 100 * 1024 * 1024;

/// The CPython to compare with (`pyssl_testsupport::python`): a missing one fails the test
/// unless `PYSSL_ALLOW_MISSING_PYTHON=1`.
fn python() -> Option<PathBuf> {
    pyssl_testsupport::python::require_python(VERSION)
}

fn pyssl<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyssl"))
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("run pyssl")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `script` with one JSON argument; parses its stdout as JSON.
fn run_python(py: &Path, script: &str, arg: &Value) -> Value {
    let out = Command::new(py)
        .args(["-W", "ignore", "-c", script, &arg.to_string()])
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("run python");
    assert!(out.status.success(), "python: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("python JSON")
}

/// A path as hex bytes, so that paths that are not UTF-8 reach Python unchanged.
fn hex_path(p: &OsStr) -> String {
    p.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a CLI failure looks like on stderr: `error: Type: message`.
fn cli_error(out: &Output) -> String {
    text(&out.stderr).trim_end().to_string()
}

/// Checks the run ended as Python's exception says: exit 1 and the message, or exit 0.
fn assert_exit(out: &Output, python_error: Option<&str>, context: &str) {
    match python_error {
        Some(e) => {
            assert_eq!(out.status.code(), Some(1), "{context}: {}", cli_error(out));
            assert_eq!(cli_error(out), format!("error: {e}"), "{context}");
        }
        None => assert_eq!(out.status.code(), Some(0), "{context}: {}", cli_error(out)),
    }
}

// -- certificates ---------------------------------------------------------------------------------

struct Certs {
    dir: tempfile::TempDir,
    ca_pem: Vec<u8>,
}

/// A CA with the extensions VERIFY_X509_STRICT (3.13's default context) requires (serial 1),
/// and a `localhost` server leaf it issued (serial 2: DNS SAN, AKI, serverAuth; no keyUsage or
/// SKI): `ca.pem`, and `server.pem` with the leaf and its key.
fn make_certs() -> Certs {
    let ca = certs::self_signed(&Spec {
        serial: Serial::Fixed(1),
        ..Spec::ca("hostile CLI CA")
    });
    let leaf = ca.issue(&Spec {
        serial: Serial::Fixed(2),
        key_usage: Usage::Omit,
        ski: false,
        ..Spec::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.cert_pem().into_bytes();
    std::fs::write(dir.path().join("ca.pem"), &ca_pem).unwrap();
    leaf.write_pem(&dir.path().join("server.pem"), &[]);
    Certs { dir, ca_pem }
}

fn write_big(path: &Path, head: &[u8], unit: &[u8], size: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head).unwrap();
    let mut n = 0;
    while n < size {
        f.write_all(unit).unwrap();
        n += unit.len();
    }
    f.flush().unwrap();
}

/// The hostile files: (label, path).
fn hostile_files(c: &Certs) -> Vec<(&'static str, OsString)> {
    let d = c.dir.path();
    let junk = b"not a certificate, 100 MB of it\n";
    write_big(&d.join("junk100.pem"), b"", junk, MB100);
    write_big(&d.join("ca_junk100.pem"), &c.ca_pem, junk, MB100);
    write_big(&d.join("zeros100.der"), b"", &[0u8; 65536], MB100);
    std::fs::write(d.join("empty.pem"), b"").unwrap();
    std::fs::write(d.join("garbage.pem"), b"\x00\x01garbage\xff\xfe\n").unwrap();
    let half = &c.ca_pem[..c.ca_pem.len() / 2];
    std::fs::write(d.join("truncated.pem"), half).unwrap();
    let mut nul = b"\0\0".to_vec();
    nul.extend(&c.ca_pem);
    std::fs::write(d.join("nul_then_ca.pem"), nul).unwrap();
    std::fs::create_dir_all(d.join("a directory")).unwrap();
    let mut non_utf8 = d.join("missing-").into_os_string().into_vec();
    non_utf8.extend(b"\xff.pem");
    vec![
        ("a directory", d.join("a directory").into_os_string()),
        ("/dev/null", OsString::from("/dev/null")),
        ("an empty file", d.join("empty.pem").into_os_string()),
        ("binary garbage", d.join("garbage.pem").into_os_string()),
        ("a truncated PEM", d.join("truncated.pem").into_os_string()),
        (
            "NUL bytes then a CA",
            d.join("nul_then_ca.pem").into_os_string(),
        ),
        ("100 MB of junk", d.join("junk100.pem").into_os_string()),
        (
            "a CA then 100 MB of junk",
            d.join("ca_junk100.pem").into_os_string(),
        ),
        ("100 MB of zeros", d.join("zeros100.der").into_os_string()),
        (
            "a missing path that is not UTF-8",
            OsString::from_vec(non_utf8),
        ),
    ]
}

// -- show ---------------------------------------------------------------------------------------

/// CPython's `create_default_context(...)` for one CA source: the exception, or the store
/// counts `pyssl show --json` reports.
const SHOW_PY: &str = r#"
import json, re, ssl, sys
a = json.loads(sys.argv[1])
# pyssl's convention for paths (pyssl::Error::os_path): a `str` when the bytes are UTF-8,
# the `bytes` themselves otherwise.
def as_path(h):
    b = bytes.fromhex(h)
    try:
        return b.decode()
    except UnicodeDecodeError:
        return b
path = as_path(a["path"])
try:
    kw = {}
    if a["flag"] == "cafile":
        kw["cafile"] = path
    elif a["flag"] == "capath":
        kw["capath"] = path
    elif a["flag"] == "cadata-pem":
        with open(path) as f:
            kw["cadata"] = f.read()
    else:
        with open(path, "rb") as f:
            kw["cadata"] = f.read()
    ctx = ssl.create_default_context(**kw)
    print(json.dumps({"stats": ctx.cert_store_stats(), "ca_certs": len(ctx.get_ca_certs())}))
except Exception as e:
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)))}))
"#;

#[test]
fn show_with_hostile_ca_sources() {
    let Some(py) = python() else { return };
    let certs = make_certs();
    let files = hostile_files(&certs);
    let mut compared = 0;
    for flag in ["cafile", "capath", "cadata-pem", "cadata-der"] {
        for (label, path) in &files {
            let theirs = run_python(&py, SHOW_PY, &json!({"flag": flag, "path": hex_path(path)}));
            let out = pyssl([
                OsStr::new("show"),
                OsStr::new("--json"),
                OsStr::new("--profile"),
                OsStr::new(PROFILE),
                OsStr::new(&format!("--{flag}")),
                path.as_os_str(),
            ]);
            let context = format!("show --{flag} {label}");
            let ours: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|_| panic!("{context}: no JSON: {}", cli_error(&out)));
            match theirs.get("error") {
                Some(e) => {
                    assert_eq!(out.status.code(), Some(1), "{context}");
                    let ours = format!(
                        "{}: {}",
                        ours["error"]["type"].as_str().unwrap_or("?"),
                        ours["error"]["message"].as_str().unwrap_or("?")
                    );
                    assert_eq!(ours, e.as_str().unwrap(), "{context}");
                }
                None => {
                    assert_eq!(out.status.code(), Some(0), "{context}");
                    assert_eq!(ours["cert_store_stats"], theirs["stats"], "{context}");
                    assert_eq!(
                        ours["get_ca_certs"].as_array().map(Vec::len),
                        theirs["ca_certs"].as_u64().map(|n| n as usize),
                        "{context}"
                    );
                }
            }
            compared += 1;
        }
    }
    eprintln!("show: {compared} hostile CA sources compared with CPython {VERSION}");
}

// -- decode-cert and serve ------------------------------------------------------------------------

/// `ssl._ssl._test_decode_cert(path)` (what `pyssl decode-cert` reproduces) and
/// `create_default_context(CLIENT_AUTH).load_cert_chain(path)` (what `pyssl serve` does
/// first): the exception as `Type: message`, or null.
const FILES_PY: &str = r#"
import json, re, ssl, sys
def as_path(h):
    b = bytes.fromhex(h)
    try:
        return b.decode()
    except UnicodeDecodeError:
        return b
path = as_path(json.loads(sys.argv[1]))
def attempt(f):
    try:
        f()
        return None
    except Exception as e:
        return "%s: %s" % (type(e).__name__, re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)))
print(json.dumps({
    "decode": attempt(lambda: ssl._ssl._test_decode_cert(path)),
    "serve": attempt(lambda: ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(path)),
}))
"#;

#[test]
fn decode_cert_and_serve_with_hostile_files() {
    let Some(py) = python() else { return };
    let certs = make_certs();
    for (label, path) in hostile_files(&certs) {
        let theirs = run_python(&py, FILES_PY, &json!(hex_path(&path)));
        let out = pyssl([
            OsStr::new("decode-cert"),
            OsStr::new("--profile"),
            OsStr::new(PROFILE),
            &path,
        ]);
        assert_exit(
            &out,
            theirs["decode"].as_str(),
            &format!("decode-cert {label}"),
        );
        // `--count 0`: with a usable certificate, serve nobody and exit 0.
        let out = pyssl([
            OsStr::new("serve"),
            OsStr::new("--profile"),
            OsStr::new(PROFILE),
            OsStr::new("--count"),
            OsStr::new("0"),
            OsStr::new("--cert"),
            &path,
        ]);
        assert_exit(
            &out,
            theirs["serve"].as_str(),
            &format!("serve --cert {label}"),
        );
    }
}

// -- connect to hostile peers ---------------------------------------------------------------------

#[test]
fn connect_to_hostile_peers() {
    let Some(py) = python() else { return };
    let certs = make_certs();
    let dir = certs.dir.path();
    let ca = dir.join("ca.pem");
    for kind in [
        "close_mid_flight",
        "close_after_flight_tls12",
        "garbage_1mb",
        "record_header_then_1mb",
        "1mb_of_full_records",
        "garbage_after_handshake",
        "bad_mac_after_handshake",
        "1mb_after_handshake",
    ] {
        let dir_s = dir.to_str().unwrap();
        let out = Command::new(&py)
            .args(["-c", PEERS_PY, "cpython", "default-client", kind, dir_s])
            .env_remove("SSLKEYLOGFILE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cpython vs {kind}: {}",
            text(&out.stderr)
        );
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = if theirs["handshake"].is_null() {
            &theirs["read"]
        } else {
            &theirs["handshake"]
        };
        let mut peer = Command::new(&py)
            .args(["-c", PEERS_PY, "peer-server", kind, dir_s])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut port = String::new();
        BufReader::new(peer.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        let out = pyssl([
            OsStr::new("connect"),
            OsStr::new(&format!("127.0.0.1:{}", port.trim())),
            OsStr::new("--server-hostname"),
            OsStr::new("localhost"),
            OsStr::new("--cafile"),
            ca.as_os_str(),
            OsStr::new("--profile"),
            OsStr::new(PROFILE),
            OsStr::new("--json"),
        ]);
        assert!(peer.wait().unwrap().success(), "peer {kind}");
        let ours: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("connect vs {kind}: {}", cli_error(&out)));
        eprintln!("connect vs {kind}: {}", ours["error"]);
        assert_eq!(out.status.code(), Some(1), "connect vs {kind}");
        assert_eq!(ours["ok"], json!(false), "connect vs {kind}");
        assert_eq!(ours["error"]["type"], expected["type"], "connect vs {kind}");
        assert_eq!(
            ours["error"]["message"], expected["str"],
            "connect vs {kind}"
        );
        assert_eq!(
            ours["error"]["reason"], expected["reason"],
            "connect vs {kind}"
        );
    }
}
