//! The `pyssl` binary against live CPython: `show --json` must print byte for byte what
//! `json.dumps` prints for the same context in Python, and `compare` must agree.
#![warn(clippy::assertions_on_result_states)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds the `show` dict with Python's own `ssl` and prints `json.dumps` of it, or of
/// `{"ok": false, "error": {...}}` if reading the CA data or creating the context raises.
/// Written independently of `oracle/pyssl_oracle.py`, so the check does not share its code.
const SHOW_PY: &str = r#"
import json, re, ssl, sys
a = json.loads(sys.argv[1])
def build():
    cadata = None
    if "cadata_pem" in a:
        with open(a["cadata_pem"]) as f:
            cadata = f.read()
    elif "cadata_der" in a:
        with open(a["cadata_der"], "rb") as f:
            cadata = f.read()
    purpose = {"server-auth": ssl.Purpose.SERVER_AUTH,
               "client-auth": ssl.Purpose.CLIENT_AUTH}[a["purpose"]]
    ctx = ssl.create_default_context(purpose, cafile=a.get("cafile"), capath=a.get("capath"),
                                     cadata=cadata)
    d = {}
    for name in ("protocol", "options", "verify_mode", "verify_flags", "check_hostname",
                 "minimum_version", "maximum_version", "security_level", "post_handshake_auth",
                 "hostname_checks_common_name", "num_tickets", "keylog_filename"):
        try:
            v = getattr(ctx, name)
        except AttributeError:
            continue  # the attribute does not exist in this release
        d[name] = v if isinstance(v, (bool, str, type(None))) else int(v)
    d["cert_store_stats"] = ctx.cert_store_stats()
    d["get_ciphers"] = ctx.get_ciphers()
    d["get_ca_certs"] = ctx.get_ca_certs()
    return d
try:
    d = build()
except Exception as e:
    d = {"ok": False, "error": error_json(e)}
print(json.dumps(d, default=lambda o: o.hex()))
"#;

/// `error_json(e)`: the `"error"` member of the CLI's `--json` failures, built in Python.
const ERROR_PY: &str = r#"
import re
def error_json(e):
    return {
        "type": type(e).__name__,
        "message": re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)),
        "library": getattr(e, "library", None),
        "reason": getattr(e, "reason", None),
        "verify_code": getattr(e, "verify_code", None),
        "verify_message": getattr(e, "verify_message", None),
    }
"#;

/// Runs `python -c ERROR_PY + script args...`.
fn run_python(python: &Path, script: &str, args: &[&str]) -> Output {
    Command::new(python)
        .arg("-c")
        .arg(format!("{ERROR_PY}{script}"))
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("run python")
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// A CPython with its test certificates, and the fixture files made from them.
struct Oracle {
    version: &'static str,
    /// The interpreter's patch release ("3.13.0"): the profile compared with it.
    release: String,
    python: PathBuf,
    certdata: PathBuf,
    tmp: tempfile::TempDir,
}

/// The oracle for a profile, found as the library's tests find theirs
/// (`pyssl_testsupport::python`); a missing interpreter fails the test unless
/// `PYSSL_ALLOW_MISSING_PYTHON=1`.
fn oracle(version: &'static str) -> Option<Oracle> {
    let python = pyssl_testsupport::python::require_python(version)?;
    let certdata = pyssl_testsupport::python::certdata(&python);
    assert!(
        certdata.join("pycacert.pem").is_file(),
        "no certdata at {certdata:?}"
    );
    let tmp = tempfile::tempdir().expect("tempdir");

    // pycacert.pem's certificate as DER, decoded with pyssl's PEM_cert_to_DER_cert.
    let pem = std::fs::read_to_string(certdata.join("pycacert.pem")).expect("read pycacert");
    let start = pem.find(PEM_BEGIN).expect("PEM header");
    let end = pem.find(PEM_END).expect("PEM footer") + PEM_END.len();
    let der = pyssl::PEM_cert_to_DER_cert(&format!("{}\n", &pem[start..end])).expect("to DER");
    std::fs::write(tmp.path().join("pycacert.der"), der).expect("write DER");
    std::fs::write(
        tmp.path().join("garbage.txt"),
        "this is not a certificate\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("garbage.bin"),
        b"\x30\x82\xff\xfe garbage \xc3",
    )
    .unwrap();
    let release = Command::new(&python)
        .args(["-c", "import platform; print(platform.python_version())"])
        .output()
        .expect("run python");
    let release = String::from_utf8_lossy(&release.stdout).trim().to_string();
    Some(Oracle {
        version,
        release,
        python,
        certdata,
        tmp,
    })
}

/// Runs the pyssl binary.
fn pyssl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyssl"))
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("run pyssl")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

impl Oracle {
    fn cert(&self, name: &str) -> String {
        self.certdata.join(name).to_string_lossy().into_owned()
    }

    fn fixture(&self, name: &str) -> String {
        self.tmp.path().join(name).to_string_lossy().into_owned()
    }

    /// `(flag, value)` pairs of every CA source the `show` tests cover.
    fn sources(&self) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        vec![
            ("system", vec![]),
            ("cafile", vec![("cafile", self.cert("pycacert.pem"))]),
            ("capath", vec![("capath", self.cert("capath"))]),
            (
                "cadata pem",
                vec![("cadata-pem", self.cert("pycacert.pem"))],
            ),
            (
                "cadata der",
                vec![("cadata-der", self.fixture("pycacert.der"))],
            ),
            (
                "garbage pem text",
                vec![("cadata-pem", self.fixture("garbage.txt"))],
            ),
            (
                "undecodable pem text",
                vec![("cadata-pem", self.fixture("garbage.bin"))],
            ),
            (
                "garbage der",
                vec![("cadata-der", self.fixture("garbage.bin"))],
            ),
            (
                "garbage der text",
                vec![("cadata-der", self.fixture("garbage.txt"))],
            ),
            (
                "missing cafile",
                vec![("cafile", self.fixture("missing.pem"))],
            ),
            (
                "missing cadata file",
                vec![("cadata-pem", self.fixture("missing.pem"))],
            ),
        ]
    }

    /// `SHOW_PY`'s output for these arguments.
    fn python_show(&self, purpose: &str, source: &[(&str, String)]) -> String {
        let mut args = serde_json::Map::new();
        args.insert("purpose".into(), purpose.into());
        for (flag, value) in source {
            args.insert(flag.replace('-', "_"), value.clone().into());
        }
        let args = serde_json::Value::Object(args).to_string();
        let out = run_python(&self.python, SHOW_PY, &[&args]);
        assert!(out.status.success(), "python failed: {}", text(&out.stderr));
        text(&out.stdout)
    }

    /// `show --json` equals Python's `json.dumps` for every source.
    fn check_show_json(&self, purpose: &str) {
        for (label, source) in self.sources() {
            let mut args = vec![
                "show",
                "--json",
                "--profile",
                &self.release,
                "--purpose",
                purpose,
            ];
            let flags: Vec<String> = source.iter().map(|(f, _)| format!("--{f}")).collect();
            for ((_, value), flag) in source.iter().zip(&flags) {
                args.extend([flag.as_str(), value.as_str()]);
            }
            let ours = pyssl(&args);
            let theirs = self.python_show(purpose, &source);
            let context = format!("{} {purpose} {label}", self.version);
            assert_eq!(text(&ours.stdout), theirs, "{context}");
            assert_eq!(text(&ours.stderr), "", "{context}");
            let failed = theirs.starts_with("{\"ok\": false, \"error\": ");
            assert_eq!(ours.status.code(), Some(i32::from(failed)), "{context}");
            // 3.7 rejects every DER cadata on OpenSSL 3 ("unknown error"): its end-of-data
            // check predates OpenSSL 3's empty queue at EOF.
            let expect_error = label.contains("garbage")
                || label.contains("undecodable")
                || label.contains("missing")
                || (self.version == "3.7" && label.contains("der"));
            assert_eq!(failed, expect_error, "{context}: {theirs}");
        }
    }

    /// The number of rows `compare` prints for `show --json` output: one per top-level key,
    /// lists expanded element by element (an empty list is one row).
    fn expected_rows(&self, args: &[&str]) -> usize {
        let mut show = vec!["show", "--json", "--profile", &self.release];
        show.extend(args);
        let out = pyssl(&show);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("show JSON");
        v.as_object()
            .expect("dict")
            .values()
            .map(|x| x.as_array().map_or(1, |a| a.len().max(1)))
            .sum()
    }
}

macro_rules! show_json_per_profile {
    ($($name:ident => $version:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if let Some(o) = oracle($version) {
                    o.check_show_json("server-auth");
                    o.check_show_json("client-auth");
                }
            }
        )*
    };
}

show_json_per_profile! {
    show_json_matches_cpython_37 => "3.7",
    show_json_matches_cpython_38 => "3.8",
    show_json_matches_cpython_39 => "3.9",
    show_json_matches_cpython_310 => "3.10",
    show_json_matches_cpython_311 => "3.11",
    show_json_matches_cpython_312 => "3.12",
    show_json_matches_cpython_313 => "3.13",
}

/// `_ssl._test_decode_cert(path)` as JSON (bytes as hex), or the exception as the CLI's
/// `--json` failures show it.
const DECODE_PY: &str = r#"
import json, ssl, sys
try:
    print(json.dumps(ssl._ssl._test_decode_cert(sys.argv[1]), default=lambda o: o.hex()))
except Exception as e:
    print(json.dumps({"ok": False, "error": error_json(e)}))
"#;

/// A self-signed certificate whose subject has an `x500UniqueIdentifier`: a BIT STRING name
/// value, which 3.10+ decode to bytes and earlier releases refuse.
fn bit_string_cert(dir: &Path) -> PathBuf {
    use openssl::asn1::{Asn1Time, Asn1Type};
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::{X509, X509NameBuilder};
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "unique").unwrap();
    name.append_entry_by_text_with_type("x500UniqueIdentifier", "\u{1}\u{2}", Asn1Type::BIT_STRING)
        .unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(1_700_000_000).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(1_800_000_000).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let path = dir.join("unique-id.pem");
    std::fs::write(&path, b.build().to_pem().unwrap()).unwrap();
    path
}

macro_rules! decode_cert_per_profile {
    ($($name:ident => $version:expr),* $(,)?) => {
        $(
            /// `pyssl decode-cert --profile X.Y --json` against that interpreter's
            /// `_test_decode_cert`, on a certdata file, a BIT STRING name, a missing file.
            #[test]
            fn $name() {
                let Some(o) = oracle($version) else { return };
                let files = [
                    o.certdata.join("keycert.pem"),
                    bit_string_cert(o.tmp.path()),
                    o.tmp.path().join("missing.pem"),
                ];
                for f in &files {
                    let f = f.to_str().expect("UTF-8 path");
                    let theirs = text(&run_python(&o.python, DECODE_PY, &[f]).stdout);
                    let out = pyssl(&["decode-cert", "--json", "--profile", &o.release, f]);
                    assert_eq!(text(&out.stdout), theirs, "CPython {}: decode-cert {f}", o.version);
                    assert_eq!(text(&out.stderr), "", "{f}");
                    let failed = theirs.starts_with("{\"ok\": false");
                    assert_eq!(out.status.code(), Some(i32::from(failed)), "{f}");
                }
            }
        )*
    };
}

decode_cert_per_profile! {
    decode_cert_matches_cpython_37 => "3.7",
    decode_cert_matches_cpython_38 => "3.8",
    decode_cert_matches_cpython_39 => "3.9",
    decode_cert_matches_cpython_310 => "3.10",
    decode_cert_matches_cpython_311 => "3.11",
    decode_cert_matches_cpython_312 => "3.12",
    decode_cert_matches_cpython_313 => "3.13",
}

#[test]
fn show_missing_cafile_without_json_reports_on_stderr() {
    let out = pyssl(&["show", "--cafile", "/nonexistent"]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: FileNotFoundError: [Errno 2] No such file or directory\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn show_unknown_profile_is_a_usage_error() {
    let out = pyssl(&["show", "--profile", "9.9"]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: invalid value '9.9' for '--profile <VERSION>': unknown profile '9.9' \
         (pyssl ships 3.7.16, 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1, 3.13.0, 3.13.18, \
         3.14.10, 3.15.2)\n\nFor more information, try '--help'.\n"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn show_rejects_two_kinds_of_cadata() {
    let out = pyssl(&["show", "--cadata-pem", "a", "--cadata-der", "b"]);
    assert_eq!(
        text(&out.stderr),
        "error: the argument '--cadata-pem <FILE>' cannot be used with '--cadata-der <FILE>'\n\n\
         Usage: pyssl show --cadata-pem <FILE>\n\nFor more information, try '--help'.\n"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn show_table_names_values() {
    let Some(o) = oracle("3.13") else { return };
    let out = pyssl(&[
        "show",
        "--profile",
        "3.13",
        "--cafile",
        &o.cert("pycacert.pem"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    let row = |name: &str| {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{table}"));
        line[name.len()..].trim().to_string()
    };
    assert_eq!(row("check_hostname"), "True");
    assert_eq!(row("verify_mode"), "CERT_REQUIRED (2)");
    assert_eq!(row("protocol"), "PROTOCOL_TLS_CLIENT (16)");
    assert_eq!(row("minimum_version"), "TLSv1_2 (771)");
    assert_eq!(
        row("verify_flags"),
        "0x88020 (VERIFY_X509_STRICT|VERIFY_X509_TRUSTED_FIRST|VERIFY_X509_PARTIAL_CHAIN)"
    );
    assert!(row("options").contains("(OP_ALL|"), "{table}");
    assert_eq!(row("cert_store_stats"), "x509=1 crl=0 x509_ca=1");
    assert_eq!(row("get_ca_certs"), "1 certificate");
    assert!(row("get_ciphers").ends_with(" ciphers"), "{table}");
}

/// `compare` with the interpreter's own profile: exit 0 and every field identical.
fn check_compare_identical(o: &Oracle, explicit_profile: bool) {
    let cafile = o.cert("pycacert.pem");
    let python = o.python.to_string_lossy().into_owned();
    let mut args = vec!["compare", "--python", &python, "--cafile", &cafile];
    if explicit_profile {
        args.extend(["--profile", &o.release]);
    }
    let out = pyssl(&args);
    let report = text(&out.stdout);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0), "{report}");
    let n = o.expected_rows(&["--cafile", &cafile]);
    assert_eq!(
        report.lines().last(),
        Some(format!("{n} fields identical, 0 different").as_str()),
        "{report}"
    );
    assert!(
        report.starts_with(&format!("python: {python} (CPython {}.", o.version)),
        "{report}"
    );
    assert!(
        report.contains(&format!("pyssl profile {} (python suites)\n", o.release)),
        "{report}"
    );
}

#[test]
fn compare_identical_311() {
    if let Some(o) = oracle("3.11") {
        check_compare_identical(&o, true);
        check_compare_identical(&o, false);
    }
}

#[test]
fn compare_identical_313_on_failures_too() {
    let Some(o) = oracle("3.13") else { return };
    check_compare_identical(&o, false);
    let python = o.python.to_string_lossy().into_owned();
    // Both sides fail the same way: the error's attributes are the compared fields.
    for (flag, file) in [
        ("--cadata-der", "garbage.bin"),
        ("--cadata-pem", "garbage.bin"),
    ] {
        let path = o.fixture(file);
        let out = pyssl(&["compare", "--python", &python, flag, &path]);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{report}");
        assert_eq!(
            report.lines().last(),
            Some("7 fields identical, 0 different"),
            "{report}"
        );
    }
}

#[test]
fn compare_passes_bytes_paths_and_the_environment() {
    use std::os::unix::ffi::OsStrExt;
    let Some(o) = oracle("3.11") else { return };
    let dir = o.tmp.path().join(std::ffi::OsStr::from_bytes(b"ca-\xff"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(o.certdata.join("pycacert.pem"), dir.join("ca.pem")).unwrap();
    let keylog = o.tmp.path().join("keys.log");
    let out = Command::new(env!("CARGO_BIN_EXE_pyssl"))
        .arg("compare")
        .arg("--python")
        .arg(&o.python)
        .arg("--cafile")
        .arg(dir.join("ca.pem"))
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .expect("run pyssl");
    let report = text(&out.stdout);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0), "{report}");
    let keylog_row = report
        .lines()
        .find(|l| l.starts_with("keylog_filename "))
        .expect("keylog_filename row");
    let cells: Vec<&str> = keylog_row.split(" | ").map(str::trim).collect();
    let quoted = format!("\"{}\"", keylog.display());
    assert_eq!(cells, ["keylog_filename", &quoted, &quoted, "yes"]);
    let stats = report
        .lines()
        .find(|l| l.starts_with("cert_store_stats "))
        .unwrap();
    assert!(
        stats.contains(r#"{"x509":1,"crl":0,"x509_ca":1}"#),
        "{report}"
    );
}

#[test]
fn compare_json_reports_differences_and_exits_1() {
    let Some(o) = oracle("3.13") else { return };
    let cafile = o.cert("pycacert.pem");
    let python = o.python.to_string_lossy().into_owned();
    let out = pyssl(&[
        "compare",
        "--python",
        &python,
        "--profile",
        "3.11",
        "--cafile",
        &cafile,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let differing: Vec<&serde_json::Value> = v["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["same"] == false)
        .collect();
    assert_eq!(
        differing,
        [
            &serde_json::json!({"field": "verify_flags", "python": 0x88020, "pyssl": 0x8000, "same": false})
        ]
    );
    assert_eq!(v["different"], 1);
    assert_eq!(v["profile"], "3.11.7");
    assert_eq!(v["ssl_default_suites"], "python");
}

#[test]
fn compare_with_missing_python_exits_2() {
    let out = pyssl(&["compare", "--python", "/nonexistent"]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: cannot run Python interpreter '/nonexistent': No such file or directory\n"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compare_with_a_program_that_is_not_python_exits_2() {
    let out = pyssl(&["compare", "--python", "/bin/false"]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: /bin/false did not report a CPython version: no output (exit status: 1)\n"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_exits_0() {
    let out = pyssl(&["show", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with(
            "Print the context ssl.create_default_context(...) creates\n\nUsage: pyssl show [OPTIONS]\n"
        ),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn no_subcommand_is_a_usage_error() {
    let out = pyssl(&[]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Show Python's default TLS context as pyssl builds it, or compare it with a live CPython

Usage: pyssl <COMMAND>

Commands:
  show         Print the context ssl.create_default_context(...) creates
  compare      Compare that context with the one a CPython interpreter creates; exit 1 on differences
  connect      Connect to HOST:PORT with create_default_context() and report what Python would see
  serve        Serve TLS on 127.0.0.1 with create_default_context(CLIENT_AUTH): greet and close
  verdicts     What every CPython release says about a server or a chain, and why they differ
  decode-cert  Decode a PEM certificate as getpeercert() shows it
  demo         Offline tour: a handshake, a hostname mismatch, an options tweak and verdicts
  help         Print this message or the help of the given subcommand(s)

Options:
  -h, --help     Print help
  -V, --version  Print version
"
    );
    assert_eq!(out.status.code(), Some(2));
}

/// With `--json`, a failure is JSON on stdout and nothing on stderr, with the failure's exit
/// status: Python's exceptions (1, shaped as CPython raised them, compared above and in
/// `tests/io_errors.rs`) and the CLI's own usage and interpreter errors (2).
#[test]
fn json_failures_are_json_on_stdout() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{closed}");
    let cases: [(&[&str], &str, i32); 6] = [
        (&["connect", &target, "--json"], "ConnectionRefusedError", 1),
        (
            &["connect", &target, "--cafile", "/nonexistent", "--json"],
            "FileNotFoundError",
            1,
        ),
        (&["connect", "no-port", "--json"], "UsageError", 2),
        (&["show", "--profile", "9.9", "--json"], "UsageError", 2),
        (&["decode-cert", "--json"], "UsageError", 2),
        (
            &["compare", "--python", "/nonexistent/python3", "--json"],
            "InterpreterError",
            2,
        ),
    ];
    for (args, class, status) in cases {
        let out = pyssl(args);
        assert_eq!(text(&out.stderr), "", "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", text(&out.stdout)));
        assert_eq!(v["ok"], false, "{args:?}");
        assert_eq!(v["error"]["type"], class, "{args:?}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{args:?}: {v}"
        );
        assert_eq!(out.status.code(), Some(status), "{args:?}");
    }
    let refused = pyssl(&["connect", &target, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(v["error"]["message"], "[Errno 111] Connection refused");
}
