//! x509-limbo conformance: every case of `../shared/conformance/x509-limbo/limbo.json` run
//! through pyssl's real handshake path (`worker.rs`, pyssl's twin of the shipped `run_py.py`)
//! and compared case by case with CPython's verdicts:
//!
//! | configuration | pyssl | recorded CPython | live CPython (this machine) |
//! |---|---|---|---|
//! | `3.11` | `Profile::PY311` | `py311-results.json` (3.11.7, OpenSSL 3.0.19) | `run_py.py` under python 3.11 |
//! | `3.11+strict` | `PY311` + `VERIFY_X509_STRICT \| VERIFY_X509_PARTIAL_CHAIN` | `py311-strict-partial-results.json` | `run_py.py --extra-verify-flags ...` under 3.11 |
//! | `3.13` | `Profile::PY313_0` | `py313-results.json` (3.13.5, OpenSSL 3.5.7) | `run_py.py` under pyenv's 3.13 |
//! | `3.13.18`, `3.14.10`, `3.15.2` | those profiles, Debian's flavour | — | `run_py.py` under Debian's builds (OpenSSL 3.3+ only: `ci/openssl-matrix`) |
//!
//! Compared per case: verdict, stage, method, exception class and text (without CPython's
//! `(_ssl.c:NNNN)` suffix), library, reason, verify code and message, the post-verification
//! reason, the real-handshake cross-check, `getpeercert()` / version / cipher of real
//! handshakes, and the leaf decoded as `getpeercert()` shows it.
//!
//! Validation times: Python cannot set one, so `run_py.py` runs each case that has a
//! `validation_time` in a child process whose clock libfaketime froze at that second. pyssl
//! is run the same way: this test binary re-executes itself (test `worker_entry`) under
//! libfaketime once per distinct time. libfaketime is Debian's `faketime` package; without
//! it the test fails with that hint.
//!
//! The live runs use the shipped `run_py.py` unchanged, copied into a temporary directory
//! beside a generated `server-keycert.pem` (the server key its CLIENT cases load from the
//! script's own folder, which the shared folder does not carry; the client never verifies
//! it). They also check the recorded files against this machine's interpreters.

#[path = "../common/mod.rs"]
mod common;
mod worker;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyssl::Profile;
use serde_json::{Value, json};

const FAKETIME_LIB: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const WORKER_ENV: &str = "PYSSL_LIMBO_WORKER";

/// One configuration compared: pyssl's profile and extra flags, CPython's recorded results
/// (if any) and the interpreter that regenerates them live.
struct Target {
    label: &'static str,
    profile: Profile,
    extra_flags: &'static [&'static str],
    recorded: Option<&'static str>,
    /// The live interpreter: pyenv's newest of a line ("3.11"), or a row of
    /// `oracle/releases.tsv` ("3.15.2").
    python: &'static str,
}

impl Target {
    fn oracle(&self) -> Option<common::Oracle> {
        if self.python.matches('.').count() == 2 {
            common::oracle_for(&self.profile)
        } else {
            common::oracle(self.python)
        }
    }
}

fn targets() -> Vec<Target> {
    let mut t = vec![
        Target {
            label: "3.11",
            profile: Profile::PY311,
            extra_flags: &[],
            recorded: Some("py311-results.json"),
            python: "3.11",
        },
        Target {
            label: "3.11+strict",
            profile: Profile::PY311,
            extra_flags: &["X509_STRICT", "X509_PARTIAL_CHAIN"],
            recorded: Some("py311-strict-partial-results.json"),
            python: "3.11",
        },
        Target {
            label: "3.13",
            profile: Profile::PY313_0,
            extra_flags: &[],
            recorded: Some("py313-results.json"),
            python: "3.13",
        },
    ];
    for release in ["3.13.18", "3.14.10", "3.15.2"] {
        t.push(Target {
            label: release,
            profile: common::compared(release),
            extra_flags: &[],
            recorded: None,
            python: release,
        });
    }
    t
}

/// Cases where pyssl and a CPython source legitimately disagree: (target label, source
/// ("recorded", "live" or "live-vs-recorded"), case id, the only field allowed to differ,
/// why). Printed, not counted as failures.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "3.13",
        "recorded",
        "webpki::forbidden-p192-leaf",
        "crosscheck_real",
        OPENSSL35_ALERT_TEXT,
    ),
    (
        "3.13",
        "recorded",
        "webpki::forbidden-dsa-leaf",
        "crosscheck_real",
        OPENSSL35_ALERT_TEXT,
    ),
    (
        "3.13",
        "live-vs-recorded",
        "webpki::forbidden-p192-leaf",
        "crosscheck_real",
        OPENSSL35_ALERT_TEXT,
    ),
    (
        "3.13",
        "live-vs-recorded",
        "webpki::forbidden-dsa-leaf",
        "crosscheck_real",
        OPENSSL35_ALERT_TEXT,
    ),
];

/// Why the two cross-checks above differ from `py313-results.json`.
const OPENSSL35_ALERT_TEXT: &str = "OpenSSL's, not pyssl's: the recorded 3.13 results come from \
     OpenSSL 3.5.7, whose reason string for SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE is 'ssl/tls alert \
     handshake failure'; OpenSSL 3.0.19 (linked here, by pyssl and by pyenv's 3.13.0 alike) says \
     'sslv3 alert handshake failure'. Only the text of the real-handshake cross-check differs; \
     verdict, reason and the primary method agree";

/// The shared conformance folder, beside the clone (CI places a copy there).
fn limbo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/x509-limbo")
}

/// Whether what the suite needs is here: the x509-limbo data (the shared folder beside the
/// clone) and libfaketime. Missing, the suite fails under CI (`CI=true`, where `.ci/run`
/// installs faketime) and prints a NOT RUN line saying how to get it elsewhere.
fn prerequisites_present(dir: &Path) -> bool {
    let mut missing = Vec::new();
    if !dir.join("limbo.json").is_file() {
        missing.push(format!(
            "the x509-limbo data ({}; the read-only shared folder beside the clone)",
            dir.display()
        ));
    }
    if !Path::new(FAKETIME_LIB).exists() {
        missing.push(format!(
            "{FAKETIME_LIB} (apt-get install faketime: cases with a validation_time need a \
             frozen clock, as for run_py.py)"
        ));
    }
    if missing.is_empty() {
        return true;
    }
    let text = format!("x509-limbo suite needs {}", missing.join(" and "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{text}");
    eprintln!("!!!!! NOT RUN: {text} !!!!!");
    false
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// `run_py.py`'s `time_key`: the validation time in UTC, truncated to whole seconds, as
/// libfaketime's `FAKETIME="YYYY-MM-DD hh:mm:ss"` (a frozen clock).
fn time_key(vt: &Value) -> Option<String> {
    let vt = vt.as_str()?;
    let (date, rest) = vt.split_once('T').expect("ISO date-time");
    assert!(
        rest.ends_with("+00:00") || rest.ends_with('Z'),
        "validation_time not in UTC: {vt}"
    );
    Some(format!("{date} {}", &rest[..8]))
}

fn worker_config(t: &Target) -> Value {
    json!({"label": t.label, "profile": t.profile.release(),
        "suites": t.profile.ssl_default_suites.name(), "extra_flags": t.extra_flags})
}

/// Run `ids` through pyssl for every target, in this process (no fake time) or in a child
/// re-executing this binary under libfaketime frozen at `time`.
fn run_pyssl(
    cases: &BTreeMap<String, Value>,
    ids: &[String],
    time: Option<&str>,
    keycert: &Path,
) -> Value {
    let request = json!({
        "ids": ids,
        "configs": targets().iter().map(worker_config).collect::<Vec<_>>(),
        "server_keycert": keycert,
    });
    let Some(time) = time else {
        return serve_request(cases, &request);
    };
    let dir = tempfile::tempdir().unwrap();
    let req = dir.path().join("request.json");
    std::fs::write(&req, request.to_string()).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["worker_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(WORKER_ENV, &req)
        .env("LD_PRELOAD", FAKETIME_LIB)
        .env("FAKETIME", time)
        .env("TZ", "UTC")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .output()
        .expect("re-run the limbo test binary");
    assert!(
        out.status.success(),
        "pyssl limbo worker at {time} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    read_json(&req.with_extension("out.json"))
}

fn serve_request(cases: &BTreeMap<String, Value>, request: &Value) -> Value {
    let keycert = PathBuf::from(request["server_keycert"].as_str().unwrap());
    let mut out = serde_json::Map::new();
    for cfg in request["configs"].as_array().unwrap() {
        let config = worker::Config {
            profile: Profile::by_version(cfg["profile"].as_str().unwrap())
                .unwrap()
                .with_ssl_default_suites(
                    pyssl::SslDefaultSuites::from_name(cfg["suites"].as_str().unwrap()).unwrap(),
                ),
            extra_flags: cfg["extra_flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect(),
        };
        let recs: Vec<Value> = request["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| worker::evaluate(&cases[id.as_str().unwrap()], &config, &keycert))
            .collect();
        out.insert(cfg["label"].as_str().unwrap().to_string(), json!(recs));
    }
    Value::Object(out)
}

fn load_cases(dir: &Path) -> (Vec<String>, BTreeMap<String, Value>) {
    let limbo = read_json(&dir.join("limbo.json"));
    let list = limbo["testcases"].as_array().unwrap();
    let order = list
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let cases = list
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_string(), t.clone()))
        .collect();
    (order, cases)
}

/// The child side of [`run_pyssl`]: a no-op unless this binary was re-executed as a worker.
#[test]
fn worker_entry() {
    let Some(req) = std::env::var_os(WORKER_ENV) else {
        return;
    };
    let req = PathBuf::from(req);
    let (_, cases) = load_cases(&limbo_dir());
    let out = serve_request(&cases, &read_json(&req));
    std::fs::write(req.with_extension("out.json"), out.to_string()).unwrap();
}

/// A throwaway server certificate for the CLIENT cases (the client does not verify it):
/// self-signed, `localhost`, serial 0, no extensions, valid for 30 days; with its key in one
/// file.
fn server_keycert(dir: &Path) -> PathBuf {
    use pyssl_testsupport::certs::{self, Serial, Spec, Usage};
    let cert = certs::self_signed(&Spec {
        serial: Serial::Fixed(0),
        key_usage: Usage::Omit,
        eku: None,
        san: &[],
        ski: false,
        days_to: 30,
        ..Spec::default()
    });
    let path = dir.join("server-keycert.pem");
    cert.write_pem(&path, &[]);
    path
}

/// Run the shipped `run_py.py` under `python` (a copy beside `server-keycert.pem`, which the
/// script expects next to itself and the shared folder does not carry).
fn run_live(python: &Path, dir: &Path, limbo: &Path, flags: &[&str], tag: &str) -> Value {
    let out = dir.join(format!("live-{tag}.json"));
    let mut cmd = Command::new(python);
    cmd.arg(dir.join("run_py.py"))
        .arg("--limbo")
        .arg(limbo.join("limbo.json"))
        .arg("--out")
        .arg(&out)
        .env_remove("SSLKEYLOGFILE");
    // ci/openssl-matrix runs the interpreters on its OpenSSL build.
    if let Some(dir) = std::env::var_os("PYSSL_ORACLE_LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    if !flags.is_empty() {
        cmd.arg("--extra-verify-flags").arg(flags.join(","));
    }
    let res = cmd.output().expect("run run_py.py");
    assert!(
        res.status.success(),
        "run_py.py under {} failed: {}",
        python.display(),
        String::from_utf8_lossy(&res.stderr)
    );
    read_json(&out)
}

fn strip_suffix(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => match s.rfind(" (_ssl.c:") {
            Some(i) if s.ends_with(')') => json!(&s[..i]),
            _ => v.clone(),
        },
        None => v.clone(),
    }
}

/// What is compared of one record (a missing key counts as null).
fn project(r: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in [
        "result",
        "stage",
        "method",
        "error_type",
        "error_str",
        "error_library",
        "error_reason",
        "verify_code",
        "verify_message",
        "post_verify_reason",
        "version",
        "cipher",
        "getpeercert",
        "peer_decoded",
    ] {
        out.insert(k.into(), strip_suffix(r.get(k).unwrap_or(&Value::Null)));
    }
    let mut cross = r.get("crosscheck_real").cloned().unwrap_or(Value::Null);
    if let Some(m) = cross.as_object_mut() {
        if let Some(s) = m.get("error_str").map(strip_suffix) {
            m.insert("error_str".into(), s);
        }
    }
    out.insert("crosscheck_real".into(), cross);
    Value::Object(out)
}

fn by_id(results: &Value) -> BTreeMap<String, Value> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// Compare `mine` with `theirs` case by case; returns (agreeing cases, failure texts).
fn compare(
    label: &str,
    source: &str,
    order: &[String],
    mine: &BTreeMap<String, Value>,
    theirs: &BTreeMap<String, Value>,
) -> (usize, Vec<String>) {
    let mut agree = 0;
    let mut failures = Vec::new();
    for id in order {
        let (a, b) = (project(&mine[id]), project(&theirs[id]));
        if a == b {
            agree += 1;
            continue;
        }
        let differing: Vec<&String> = a
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| b.get(k.as_str()) != Some(v))
            .map(|(k, _)| k)
            .collect();
        let known = KNOWN_DIFFERENCES.iter().find(|k| {
            k.0 == label && k.1 == source && k.2 == id && differing.iter().all(|f| *f == k.3)
        });
        match known {
            Some(k) => eprintln!("[{label} vs {source}] {id}: known difference: {}", k.4),
            None => {
                let (left, right) = match source {
                    "live-vs-recorded" => ("live", "recorded"),
                    other => ("pyssl", other),
                };
                let diff: Vec<String> = differing
                    .iter()
                    .map(|k| format!("{k}: {left}={} {right}={}", a[k.as_str()], b[k.as_str()]))
                    .collect();
                failures.push(format!(
                    "[{label} vs {source}] {id}\n   {}",
                    diff.join("\n   ")
                ));
            }
        }
    }
    (agree, failures)
}

fn verdicts(recs: &BTreeMap<String, Value>) -> String {
    let mut counts = BTreeMap::new();
    for r in recs.values() {
        *counts
            .entry(r["result"].as_str().unwrap_or("?"))
            .or_insert(0) += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

#[test]
fn limbo_conformance() {
    if std::env::var_os(WORKER_ENV).is_some() {
        return;
    }
    let dir = limbo_dir();
    if !prerequisites_present(&dir) {
        return;
    }
    let (order, cases) = load_cases(&dir);
    let sha = openssl::sha::sha256(&std::fs::read(dir.join("limbo.json")).unwrap());
    let sha: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    let targets = targets();
    // The recorded verdicts come from OpenSSL 3.0.19 (3.11) and 3.5.7 (3.13); on another
    // OpenSSL (ci/openssl-matrix) alert and reason texts differ for OpenSSL's reasons, which
    // proves nothing about pyssl: there the live interpreters, on the same build, are the
    // comparison.
    let on_system_openssl = common::linked_openssl() == (3, 0);
    if !on_system_openssl {
        eprintln!("limbo: recorded results not compared on this OpenSSL (live comparisons only)");
    }
    let recorded: Vec<Option<BTreeMap<String, Value>>> = targets
        .iter()
        .map(|t| {
            t.recorded.filter(|_| on_system_openssl).map(|file| {
                let doc = read_json(&dir.join(file));
                assert_eq!(
                    doc["meta"]["limbo_file_sha256"], sha,
                    "{file} was not produced from this limbo.json"
                );
                by_id(&doc)
            })
        })
        .collect();

    let tmp = tempfile::tempdir().unwrap();
    let keycert = server_keycert(tmp.path());
    std::fs::copy(dir.join("run_py.py"), tmp.path().join("run_py.py")).unwrap();

    // Live CPython runs of the shipped script, in parallel with pyssl's.
    let live: Vec<_> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let oracle = t.oracle();
            let flags = t.extra_flags;
            let (tmp, dir) = (tmp.path().to_path_buf(), dir.clone());
            std::thread::spawn(move || {
                oracle.map(|o| {
                    let doc = run_live(&o.python, &tmp, &dir, flags, &i.to_string());
                    (
                        o.python.display().to_string(),
                        doc["meta"].clone(),
                        by_id(&doc),
                    )
                })
            })
        })
        .collect();

    let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for id in &order {
        groups
            .entry(time_key(&cases[id]["validation_time"]))
            .or_default()
            .push(id.clone());
    }
    let mut mine: Vec<BTreeMap<String, Value>> = vec![BTreeMap::new(); targets.len()];
    for (time, ids) in &groups {
        let out = run_pyssl(&cases, ids, time.as_deref(), &keycert);
        for (t, m) in targets.iter().zip(mine.iter_mut()) {
            for r in out[t.label].as_array().unwrap() {
                m.insert(r["id"].as_str().unwrap().to_string(), r.clone());
            }
        }
    }

    let mut failures = Vec::new();
    let mut report = Vec::new();
    for ((t, m), (rec, live)) in targets.iter().zip(&mine).zip(recorded.iter().zip(live)) {
        if let (Some(rec), Some(file)) = (rec, t.recorded.filter(|_| on_system_openssl)) {
            let (n, f) = compare(t.label, "recorded", &order, m, rec);
            failures.extend(f);
            report.push(format!(
                "limbo {:<12} pyssl ({}) vs recorded {file}: {n}/{} agree",
                t.label,
                verdicts(m),
                order.len()
            ));
        }
        match live.join().unwrap() {
            Some((python, meta, live)) => {
                let (n, f) = compare(t.label, "live", &order, m, &live);
                failures.extend(f);
                let vs_recorded = match rec {
                    Some(rec) => {
                        let (n2, f2) = compare(t.label, "live-vs-recorded", &order, &live, rec);
                        failures.extend(f2);
                        format!("; live vs recorded: {n2}/{}", order.len())
                    }
                    None => String::new(),
                };
                report.push(format!(
                    "limbo {:<12} pyssl vs live {python} ({}, {}): {n}/{} agree{vs_recorded}",
                    t.label,
                    meta["openssl"].as_str().unwrap_or("?"),
                    verdicts(&live),
                    order.len(),
                ));
            }
            None => report.push(format!(
                "limbo {:<12} NOT RUN live: no CPython {} interpreter",
                t.label, t.python
            )),
        }
    }
    for line in &report {
        eprintln!("{line}");
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
