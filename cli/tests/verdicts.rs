//! `pyssl verdicts` as a user runs it: exit status, JSON on stdout only, the table's marks.
//! What each release says is checked against live interpreters in `tests/verdicts.rs`; here,
//! that the command prints what the library answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pyssl::verdicts::{Chain, Peer, Trust, verdicts};
use pyssl_testsupport::certs::{self, Constraints, Spec};
use serde_json::Value;

fn pyssl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyssl"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A CA (basicConstraints critical or not) and a `localhost` leaf under it, as files.
fn chain(dir: &Path, critical: bool) -> (PathBuf, PathBuf, PathBuf) {
    let ca = certs::self_signed(&Spec {
        constraints: if critical {
            Constraints::Ca
        } else {
            Constraints::CaNonCritical
        },
        ..Spec::ca("pyssl verdicts CLI CA")
    });
    let leaf = ca.issue(&Spec::default());
    let (ca_file, leaf_file, key_file) = (
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("key.pem"),
    );
    certs::write_pem(&ca_file, &[&ca.cert], None);
    certs::write_pem(&leaf_file, &[&leaf.cert], None);
    certs::write_pem(&key_file, &[], Some(&leaf.key));
    (ca_file, leaf_file, key_file)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_chain_every_release_accepts_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, leaf, _) = chain(dir.path(), true);
    let out = pyssl(&[
        "verdicts",
        "--chain",
        s(&leaf),
        "--cafile",
        s(&ca),
        "--hostname",
        "localhost",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "  {} – {}  ok  TLSv1.3",
            pyssl::Profile::ALL[0].release(),
            pyssl::Profile::ALL.last().unwrap().release()
        )),
        "{text}"
    );
    let n = pyssl::Profile::ALL.len();
    assert!(
        text.ends_with(&format!("{n} of {n} releases accept.\n")),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

/// The JSON is the library's answer, row by row, and the table marks the change with its
/// reason and the tweak in both languages.
#[test]
fn a_strict_failure_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, leaf, key) = chain(dir.path(), false);
    let args = [
        "verdicts",
        "--chain",
        s(&leaf),
        "--cafile",
        s(&ca),
        "--hostname",
        "localhost",
    ];
    let out = pyssl(&[&args[..], &["--json"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["ok"], false);

    let c = Chain {
        certs: vec![openssl::x509::X509::from_pem(&std::fs::read(&leaf).unwrap()).unwrap()],
        untrusted: vec![],
        key: None,
        hostname: Some("localhost".into()),
        purpose: pyssl::Purpose::SERVER_AUTH,
    };
    let trust = Trust {
        cafile: Some(&ca),
        ..Trust::default()
    };
    let rows = verdicts(&Peer::Chain(&c), &trust, pyssl::Profile::ALL);
    let printed = v["verdicts"].as_array().unwrap();
    assert_eq!(printed.len(), rows.len());
    let mut changes = 0;
    for (p, row) in printed.iter().zip(&rows) {
        assert_eq!(p["release"], row.verdict.profile.release());
        assert_eq!(p["ok"], row.verdict.outcome.is_ok());
        if let Err(e) = &row.verdict.outcome {
            assert_eq!(p["error"]["message"], e.python_str());
            assert_eq!(p["error"]["verify_message"], e.verify_message().unwrap());
        }
        assert_eq!(p["differs_from_previous"], row.causes.is_some());
        if let Some(causes) = &row.causes {
            changes += 1;
            let why = p["why"].as_array().unwrap();
            assert_eq!(why.len(), causes.len());
            for (w, c) in why.iter().zip(causes) {
                assert_eq!(w["confirmed"], c.confirmed);
                assert_eq!(w["python"], serde_json::json!(c.property.python_tweak()));
            }
        }
    }
    assert!(
        changes >= 1,
        "some release refuses what an older one accepts"
    );

    let text = String::from_utf8(pyssl(&args).stdout).unwrap();
    let first_refusing = rows.iter().find(|r| r.causes.is_some()).unwrap();
    let release = first_refusing.verdict.profile.release();
    assert!(
        text.lines().any(|l| l.starts_with(&format!("* {release}"))),
        "{text}"
    );
    assert!(text.contains("    why: "), "{text}");
    assert!(
        text.contains("      Python  ctx.verify_flags &= ~ssl."),
        "{text}"
    );
    assert!(
        text.contains("      Rust    ctx.set_verify_flags("),
        "{text}"
    );

    // With the leaf's key the peer serves the chain itself: the same verdicts.
    let keyed = pyssl(&[&args[..], &["--json", "--chain-key", s(&key)]].concat());
    assert_eq!(json(&keyed)["verdicts"], v["verdicts"]);
}

#[test]
fn input_and_usage_errors_exit_2_with_json_only() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem");
    let out = pyssl(&["verdicts", "--chain", s(&missing), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["type"], "InputError");

    let dir2 = tempfile::tempdir().unwrap();
    let (_, leaf, _) = chain(dir2.path(), true);
    let out = pyssl(&[
        "verdicts",
        "--chain",
        s(&leaf),
        "--cafile",
        s(&missing),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["type"], "InputError");

    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = pyssl(&["verdicts", &format!("127.0.0.1:{port}"), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["type"], "InputError");

    let out = pyssl(&["verdicts", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["type"], "UsageError");

    let out = pyssl(&["verdicts", "localhost:1", "--profiles", "3.99", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["type"], "UsageError");
}
