//! `pyssl demo`, `serve`, `connect` and `decode-cert`, run as a user would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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

/// A self-signed 'localhost' certificate with its key, as one PEM file.
fn cert_file(dir: &std::path::Path) -> std::path::PathBuf {
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
    use openssl::x509::{X509, X509NameBuilder};
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let mut pem = b.build().to_pem().unwrap();
    pem.extend(key.private_key_to_pem_pkcs8().unwrap());
    let path = dir.join("localhost.pem");
    std::fs::write(&path, pem).unwrap();
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
