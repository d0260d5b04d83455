//! `pyssl::verdicts` against live CPython (issue 15): for servers on 127.0.0.1 that present
//! chains every upgrade trips over (a CA whose basicConstraints is not critical, a leaf
//! without authorityKeyIdentifier, a CA without subjectKeyIdentifier, SHA-1, RSA-1024,
//! expired, a hostname mismatch, an IP SAN, a denylisted intermediate, CPython's own
//! `distrusted.zip`) or offer what old clients took (TLS 1.1 only, 3DES only), each release's
//! verdict from pyssl equals what that release's interpreter says when it connects:
//! accepted with the same version and cipher, or the same exception (class, `str()`, args,
//! library, reason, verify code and message).
//!
//! Then, without interpreters: where neighbouring releases disagree, the verdicts name a
//! cause that turning back brings the older verdict back, and a chain judged in memory
//! (with its key, and without it through the stand-in) gets the verdict the server gets.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use openssl::hash::MessageDigest;
use openssl::x509::X509;
use pyssl::verdicts::{Chain, Peer, Property, Trust, verdict, verdicts};
use pyssl::{Profile, Purpose, SslContext, TlsVersion, VerifyFlags};
use pyssl_testsupport::certs::{self, Aki, Constraints, Issued, KeyKind, Spec};
use serde_json::{Value, json};

/// One server: what it presents and how it is configured.
struct Case {
    name: &'static str,
    /// The chain it sends (leaf first) and the leaf's key.
    leaf: Issued,
    extra: Vec<X509>,
    /// The trust anchor clients are given (`cafile=`).
    cafile: PathBuf,
    /// `server_hostname=`.
    server_hostname: &'static str,
    /// `ctx.maximum_version` of the server, if limited.
    max_version: Option<TlsVersion>,
    /// The server's cipher string (always at security level 0, so only the client decides).
    ciphers: &'static str,
    /// Whether the case is about the chain (chain mode applies), not the server's offer.
    chain_case: bool,
    port: u16,
}

impl Case {
    fn new(name: &'static str, leaf: Issued, cafile: &Path) -> Case {
        Case {
            name,
            leaf,
            extra: Vec::new(),
            cafile: cafile.to_path_buf(),
            server_hostname: "localhost",
            max_version: None,
            ciphers: "ALL:@SECLEVEL=0",
            chain_case: true,
            port: 0,
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    cases: Vec<Case>,
}

/// Every case, each with its server running (for the whole test process).
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let anchor = |name: &str, ca: &Issued| -> PathBuf {
            let p = dir.path().join(format!("{name}.ca.pem"));
            certs::write_pem(&p, &[&ca.cert], None);
            p
        };
        let root = certs::self_signed(&Spec::ca("pyssl verdicts root"));
        let root_file = anchor("root", &root);
        let leaf = |spec: Spec<'_>| root.issue(&spec);
        let mut cases = vec![Case::new("good chain", leaf(Spec::default()), &root_file)];

        let soft = certs::self_signed(&Spec {
            constraints: Constraints::CaNonCritical,
            ..Spec::ca("pyssl CA, basicConstraints not critical")
        });
        cases.push(Case::new(
            "CA basicConstraints not critical",
            soft.issue(&Spec::default()),
            &anchor("soft", &soft),
        ));
        cases.push(Case::new(
            "leaf without AKI",
            leaf(Spec {
                aki: Aki::Omit,
                ..Spec::default()
            }),
            &root_file,
        ));
        let no_ski = certs::self_signed(&Spec {
            ski: false,
            ..Spec::ca("pyssl CA without SKI")
        });
        cases.push(Case::new(
            "CA without SKI",
            no_ski.issue(&Spec {
                aki: Aki::IssuerSerial,
                ..Spec::default()
            }),
            &anchor("noski", &no_ski),
        ));
        cases.push(Case::new(
            "SHA-1 leaf",
            leaf(Spec {
                digest: MessageDigest::sha1(),
                ..Spec::default()
            }),
            &root_file,
        ));
        cases.push(Case::new(
            "RSA-1024 leaf",
            leaf(Spec {
                key: KeyKind::Rsa(1024),
                ..Spec::default()
            }),
            &root_file,
        ));
        cases.push(Case::new(
            "expired leaf",
            leaf(Spec {
                days_from: -10,
                days_to: -1,
                ..Spec::default()
            }),
            &root_file,
        ));
        cases.push(Case {
            server_hostname: "other.example",
            ..Case::new("hostname mismatch", leaf(Spec::default()), &root_file)
        });
        cases.push(Case {
            server_hostname: "127.0.0.1",
            ..Case::new(
                "IP SAN",
                leaf(Spec {
                    cn: "127.0.0.1",
                    san: &["IP:127.0.0.1"],
                    ..Spec::default()
                }),
                &root_file,
            )
        });
        // The key of CPython's denylist whose scalar is 4 (gh-160040), as an intermediate.
        let deny = root.issue(&Spec {
            key: KeyKind::P384Scalar(4),
            ..Spec::ca("pyssl denylisted intermediate")
        });
        cases.push(Case {
            extra: vec![deny.cert.clone()],
            ..Case::new(
                "denylisted intermediate",
                deny.issue(&Spec::default()),
                &root_file,
            )
        });
        match distrusted_zip(dir.path()) {
            Some((leaf, extra, root)) => cases.push(Case {
                extra,
                ..Case::new("distrusted.zip", leaf, &root)
            }),
            None => eprintln!(
                "!!!!! NOT RUN: the distrusted.zip case (CPython's test/certdata/distrusted.zip \
                 comes with the Debian interpreters: ci/oracle-chroot) !!!!!"
            ),
        }
        cases.push(Case {
            max_version: Some(TlsVersion::TLSv1_1),
            chain_case: false,
            ..Case::new("TLS 1.1-only server", leaf(Spec::default()), &root_file)
        });
        // Old suites only: 3DES where this OpenSSL still has it (Debian's 3.0 has none), else
        // static-RSA key exchange with AES-CBC and SHA-1 (what 3.10's cipher string drops).
        let probe = SslContext::new(pyssl::PROTOCOL_TLS_SERVER).unwrap();
        let (name, ciphers) = if probe.set_ciphers("DES-CBC3-SHA:@SECLEVEL=0").is_ok() {
            ("3DES-only server", "DES-CBC3-SHA:@SECLEVEL=0")
        } else {
            (
                "static-RSA AES256-SHA-only server",
                "AES256-SHA:@SECLEVEL=0",
            )
        };
        cases.push(Case {
            max_version: Some(TlsVersion::TLSv1_2),
            ciphers,
            chain_case: false,
            ..Case::new(
                name,
                leaf(Spec {
                    key: KeyKind::Rsa(2048),
                    ..Spec::default()
                }),
                &root_file,
            )
        });
        for case in &mut cases {
            case.port = serve(case);
        }
        Fixture { _dir: dir, cases }
    })
}

/// CPython's `test/certdata/distrusted.zip` (gh-160040's test chain: leaf and key,
/// intermediate, root), unpacked into `dir` with `zipfile`, from the Debian interpreters'
/// chroot (ci/oracle-chroot), where their test suite packages put it.
fn distrusted_zip(dir: &Path) -> Option<(Issued, Vec<X509>, PathBuf)> {
    let chroot = pyssl_testsupport::python::cache_dir().join("chroot-unstable");
    let zip = ["3.15", "3.14", "3.13"]
        .iter()
        .map(|v| chroot.join(format!("usr/lib/python{v}/test/certdata/distrusted.zip")))
        .find(|p| p.exists())?;
    let out = dir.join("distrusted");
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], pwd=b'Brave Sir Robin')",
        ])
        .arg(&zip)
        .arg(dir)
        .status()
        .ok()?;
    assert!(status.success(), "cannot unpack {}", zip.display());
    let pem = std::fs::read(out.join("distrusted_keycert.pem")).expect("keycert");
    let key = openssl::pkey::PKey::private_key_from_pem(&pem).expect("its key");
    let chain = X509::stack_from_pem(&pem).expect("its certificates");
    // The key file carries the intermediate after the leaf, as load_cert_chain sends them.
    let extra = chain[1..].to_vec();
    Some((
        Issued {
            cert: chain[0].clone(),
            key,
        },
        extra,
        out.join("distrusted_root.pem"),
    ))
}

/// The server's context: any version and suite at security level 0 unless the case limits
/// them, so that only the client's settings decide.
fn server_context(case: &Case) -> Arc<SslContext> {
    let ctx = SslContext::with_profile(pyssl::PROTOCOL_TLS_SERVER, Profile::default()).unwrap();
    ctx.set_minimum_version(TlsVersion::MINIMUM_SUPPORTED)
        .unwrap();
    if let Some(v) = case.max_version {
        ctx.set_maximum_version(v).unwrap();
    }
    ctx.set_ciphers(case.ciphers).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.pem");
    let mut chain = vec![&case.leaf.cert];
    chain.extend(case.extra.iter());
    certs::write_pem(&file, &chain, Some(&case.leaf.key));
    ctx.load_cert_chain(&file, None, None).unwrap();
    Arc::new(ctx)
}

/// A server for `case` on 127.0.0.1 for the rest of the process: each connection on its own
/// thread, handshake, then reading until the client goes.
fn serve(case: &Case) -> u16 {
    let ctx = server_context(case);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let _ = sock.set_read_timeout(Some(Duration::from_secs(30)));
                if let Ok(mut s) = ctx.wrap_socket(sock, true, None) {
                    let mut buf = [0u8; 64];
                    while matches!(s.read_into(&mut buf), Ok(n) if n > 0) {}
                }
            });
        }
    });
    port
}

fn trust(case: &Case) -> Trust<'_> {
    Trust {
        cafile: Some(&case.cafile),
        ..Trust::default()
    }
}

fn addr(case: &Case) -> String {
    format!("127.0.0.1:{}", case.port)
}

/// A verdict as the oracle script prints it.
fn as_json(outcome: &pyssl::Result<pyssl::verdicts::Negotiated>) -> Value {
    match outcome {
        Ok(n) => json!({"ok": true, "version": n.version, "cipher": n.cipher}),
        Err(e) => json!({"ok": false, "error": common::describe(e)}),
    }
}

/// Every case's verdict from `profile`'s interpreter and from pyssl: no difference.
fn check(profile: Profile) {
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let fixture = fixture();
    let asked: Vec<Value> = fixture
        .cases
        .iter()
        .map(|c| json!({"port": c.port, "server_hostname": c.server_hostname, "cafile": c.cafile}))
        .collect();
    let script = format!(
        "{}\n{}",
        common::DESCRIBE,
        include_str!("../oracle/verdicts_oracle.py")
    );
    let live = oracle.run_json(&script, &[], &Value::Array(asked).to_string());
    let live = live.as_array().expect("a list");
    let mut differences = Vec::new();
    let mut refused = 0;
    for (case, py) in fixture.cases.iter().zip(live) {
        let a = addr(case);
        let peer = Peer::Server {
            addr: &a,
            server_hostname: Some(case.server_hostname),
        };
        let ours = verdict(&peer, &trust(case), profile);
        refused += usize::from(ours.outcome.is_err());
        let ours = as_json(&ours.outcome);
        if &ours != py {
            differences.push(format!("{}:\n  CPython {py}\n  pyssl   {ours}", case.name));
        }
    }
    assert!(
        differences.is_empty(),
        "{}: {} of {} cases differ:\n{}",
        profile.release(),
        differences.len(),
        live.len(),
        differences.join("\n")
    );
    eprintln!(
        "{}: {} cases, {refused} refused, all as CPython {} says",
        profile.release(),
        live.len(),
        oracle.version
    );
}

macro_rules! per_release {
    ($($name:ident => $release:literal;)*) => {
        $( #[test] fn $name() { check(common::compared($release)); } )*
        const RELEASES: &[&str] = &[$($release),*];
    };
}

// One test per row of oracle/releases.tsv (checked by one_test_per_listed_oracle).
per_release! {
    verdicts_py37 => "3.7.16";
    verdicts_py38 => "3.8.18";
    verdicts_py39 => "3.9.18";
    verdicts_py310 => "3.10.13";
    verdicts_py311 => "3.11.7";
    verdicts_py312 => "3.12.1";
    verdicts_py313 => "3.13.0";
    verdicts_py313_18 => "3.13.18";
    verdicts_py314 => "3.14.10";
    verdicts_py315 => "3.15.2";
}

#[test]
fn one_test_per_listed_oracle() {
    common::assert_one_test_per_listed_oracle(RELEASES);
}

/// Where neighbouring releases disagree, some cause is confirmed (turning it back alone
/// gives the older verdict); and the cases built for one change name that change.
#[test]
fn every_change_has_a_confirmed_cause() {
    let fixture = fixture();
    let profiles = common::compared_profiles();
    let mut report = Vec::new();
    for case in &fixture.cases {
        let a = addr(case);
        let peer = Peer::Server {
            addr: &a,
            server_hostname: Some(case.server_hostname),
        };
        let rows = verdicts(&peer, &trust(case), &profiles);
        for row in rows.iter().filter(|r| r.causes.is_some()) {
            let causes = row.causes.as_ref().unwrap();
            let confirmed: Vec<&Property> = causes
                .iter()
                .filter(|c| c.confirmed)
                .map(|c| &c.property)
                .collect();
            assert!(
                !confirmed.is_empty(),
                "{} at {}: no cause confirmed among {causes:?}",
                case.name,
                row.verdict.profile.release()
            );
            report.push(format!(
                "{} at {}: {}",
                case.name,
                row.verdict.profile.release(),
                confirmed
                    .iter()
                    .map(|p| p.describe(&row.verdict.profile.release()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let named = |want: &dyn Fn(&Property) -> bool| {
            rows.iter().any(|r| {
                r.causes
                    .iter()
                    .flatten()
                    .any(|c| c.confirmed && want(&c.property))
            })
        };
        let strict = |p: &Property| matches!(p, Property::VerifyFlag { flag, added: true } if *flag == VerifyFlags::X509_STRICT);
        match case.name {
            "CA basicConstraints not critical" | "leaf without AKI" => {
                assert!(
                    named(&strict),
                    "{}: VERIFY_X509_STRICT not named",
                    case.name
                )
            }
            "denylisted intermediate" | "distrusted.zip" => assert!(
                named(&|p| matches!(p, Property::KeyDenylist { added: true })),
                "{}: the denylist not named",
                case.name
            ),
            _ => {}
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// A chain judged in memory gets, from every release, the verdict its server gets: served
/// with its key, and through the stand-in without it.
#[test]
fn chain_mode_agrees_with_the_server() {
    let fixture = fixture();
    let profiles = common::compared_profiles();
    for case in fixture.cases.iter().filter(|c| c.chain_case) {
        let a = addr(case);
        let server = Peer::Server {
            addr: &a,
            server_hostname: Some(case.server_hostname),
        };
        for key in [Some(case.leaf.key.clone()), None] {
            let chain = Chain {
                certs: vec![case.leaf.cert.clone()],
                untrusted: case.extra.clone(),
                key: key.clone(),
                hostname: Some(case.server_hostname.to_string()),
                purpose: Purpose::SERVER_AUTH,
            };
            for &profile in &profiles {
                let want = verdict(&server, &trust(case), profile);
                let got = verdict(&Peer::Chain(&chain), &trust(case), profile);
                assert_eq!(
                    as_json(&got.outcome)["error"],
                    as_json(&want.outcome)["error"],
                    "{} under {} ({} key)",
                    case.name,
                    profile.release(),
                    if key.is_some() {
                        "with its"
                    } else {
                        "without its"
                    }
                );
            }
        }
    }
}

/// Client certificates, as a server with `verify_mode = CERT_REQUIRED` judges them: each
/// release's CPython server against pyssl's chain mode (`Purpose::CLIENT_AUTH`, through the
/// stand-in and with the key), for a good client chain, a CA whose basicConstraints is not
/// critical, a leaf for servers only (extendedKeyUsage serverAuth) and an expired leaf.
#[test]
fn client_certificates_agree_with_cpython_servers() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let root = certs::self_signed(&Spec::ca("pyssl verdicts client root"));
    let root_file = dir.path().join("root.pem");
    certs::write_pem(&root_file, &[&root.cert], None);
    let soft = certs::self_signed(&Spec {
        constraints: Constraints::CaNonCritical,
        ..Spec::ca("pyssl client CA, basicConstraints not critical")
    });
    let soft_file = dir.path().join("soft.pem");
    certs::write_pem(&soft_file, &[&soft.cert], None);
    let client = |eku, days_from, days_to| Spec {
        cn: "pyssl client",
        san: &[],
        eku: Some(eku),
        days_from,
        days_to,
        ..Spec::default()
    };
    use pyssl_testsupport::certs::Eku;
    let cases: Vec<(&str, Issued, &Path)> = vec![
        (
            "good client chain",
            root.issue(&client(Eku::ClientAuth, 0, 1)),
            &root_file,
        ),
        (
            "client CA basicConstraints not critical",
            soft.issue(&client(Eku::ClientAuth, 0, 1)),
            &soft_file,
        ),
        (
            "serverAuth-only leaf",
            root.issue(&client(Eku::ServerAuth, 0, 1)),
            &root_file,
        ),
        (
            "expired client leaf",
            root.issue(&client(Eku::ClientAuth, -10, -1)),
            &root_file,
        ),
    ];
    let server_file = dir.path().join("server.pem");
    root.issue(&Spec::default()).write_pem(&server_file, &[]);
    let script = format!(
        "{}\n{}",
        common::DESCRIBE,
        include_str!("../oracle/verdicts_client_auth_oracle.py")
    );
    let asked = Value::Array(
        cases
            .iter()
            .map(|(_, _, ca)| json!({"cafile": ca}))
            .collect(),
    );
    let mut compared = 0;
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let mut cmd = Command::new(&oracle.python);
        if let Some(lib) = std::env::var_os("PYSSL_ORACLE_LD_LIBRARY_PATH") {
            cmd.env("LD_LIBRARY_PATH", lib);
        }
        let child = cmd
            .arg("-c")
            .arg(&script)
            .arg(&server_file)
            .env_remove("SSLKEYLOGFILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut child = common::KillOnDrop(child);
        let mut stdin = child.0.stdin.take().unwrap();
        stdin.write_all(asked.to_string().as_bytes()).unwrap();
        drop(stdin);
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let ports: Vec<u16> = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        // pyssl's client presents each chain with its key; the server's verdict is the one.
        for ((_, leaf, _), port) in cases.iter().zip(&ports) {
            let ctx =
                SslContext::with_profile(pyssl::PROTOCOL_TLS_CLIENT, Profile::default()).unwrap();
            ctx.set_check_hostname(false);
            ctx.set_verify_mode(pyssl::VerifyMode::CERT_NONE).unwrap();
            let file = dir.path().join(format!("client-{port}.pem"));
            leaf.write_pem(&file, &[]);
            ctx.load_cert_chain(&file, None, None).unwrap();
            let ctx = Arc::new(ctx);
            let sock = std::net::TcpStream::connect(("127.0.0.1", *port)).unwrap();
            sock.set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            // A TLS 1.3 server decides after the client's Finished: read until it has.
            if let Ok(mut s) = ctx.wrap_socket(sock, false, None) {
                let mut buf = [0u8; 64];
                while matches!(s.read_into(&mut buf), Ok(n) if n > 0) {}
            }
        }
        let live: Vec<Value> = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        for ((name, leaf, ca), py) in cases.iter().zip(&live) {
            for key in [None, Some(leaf.key.clone())] {
                let chain = Chain {
                    certs: vec![leaf.cert.clone()],
                    untrusted: vec![],
                    key: key.clone(),
                    hostname: None,
                    purpose: Purpose::CLIENT_AUTH,
                };
                let trust = Trust {
                    cafile: Some(ca),
                    ..Trust::default()
                };
                let ours = verdict(&Peer::Chain(&chain), &trust, profile);
                let ours = as_json(&ours.outcome);
                assert_eq!(
                    (&ours["ok"], &ours["error"]),
                    (&py["ok"], &py["error"]),
                    "{name} under {} ({} key)",
                    profile.release(),
                    if key.is_some() {
                        "with its"
                    } else {
                        "without its"
                    }
                );
            }
        }
        compared += 1;
        eprintln!(
            "{}: {} client chains, as CPython {}'s server judges them",
            profile.release(),
            cases.len(),
            oracle.version
        );
    }
    assert!(compared > 0 || std::env::var_os("PYSSL_ALLOW_MISSING_PYTHON").is_some());
}
