//! `pyssl demo`, `serve`, `connect` and `decode-cert`, run as a user would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use pyssl_testsupport::certs::{self, Spec};

fn pyssl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pyssl"))
}

#[test]
fn demo_runs_offline_and_shows_cpython_text() {
    let out = pyssl().arg("demo").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("version: TLSv1.3"));
    assert!(text.contains("received: \"hello from pyssl\\n\""));
    assert!(text.contains(
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify \
         failed: Hostname mismatch, certificate is not valid for 'example.com'."
    ));
    assert!(text.contains("'0x82520050'\n"));
    assert!(text.contains("'0x80520050'\n"));
}

/// A self-signed 'localhost' certificate (its own CA) with its key, as one PEM file.
fn cert_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("localhost.pem");
    certs::self_signed(&Spec::localhost_anchor()).write_pem(&path, &[]);
    path
}

#[test]
fn serve_and_connect_talk_json() {
    let dir = tempfile::tempdir().unwrap();
    let cert = cert_file(dir.path());
    let mut server = pyssl()
        .args(["serve", "--count", "2", "--cert"])
        .arg(&cert)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.strip_prefix("listening on ").unwrap().to_string();
    let port = addr.rsplit_once(':').unwrap().1;
    let target = format!("localhost:{port}");
    let ok = pyssl()
        .args(["connect", &target, "--json", "--cafile"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["version"], "TLSv1.3");
    assert_eq!(v["received"], "hello from pyssl\n");
    assert_eq!(
        v["peercert"]["subjectAltName"],
        serde_json::json!([["DNS", "localhost"]])
    );
    assert_eq!(v["error"], serde_json::Value::Null);
    let bad = pyssl()
        .args([
            "connect",
            &target,
            "--json",
            "--server-hostname",
            "example.com",
            "--cafile",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["type"], "SSLCertVerificationError");
    assert_eq!(v["error"]["verify_code"], 62);
    assert_eq!(
        v["error"]["verify_message"],
        "Hostname mismatch, certificate is not valid for 'example.com'."
    );
    server.wait().unwrap();
}

#[test]
fn decode_cert_prints_the_getpeercert_dict() {
    let dir = tempfile::tempdir().unwrap();
    let cert = cert_file(dir.path());
    let out = pyssl().arg("decode-cert").arg(&cert).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("{'subject': ((('commonName', 'localhost'),),)"));
    assert!(text.contains("'subjectAltName': (('DNS', 'localhost'),)"));
    let out = pyssl()
        .args(["decode-cert", "/nonexistent.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
