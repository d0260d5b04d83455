//! Errors from outside pyssl's own connections, against live CPython: `std::io` failures
//! (every errno, a failed name lookup, a refused connection, a timeout) converted with
//! `pyssl::Error::from`, and handshakes that failed inside rust-openssl's stream converted
//! with `pyssl::ssl_error` — each must give the exception CPython raises for the same event,
//! and the same as pyssl's own connection.

mod common;

use std::io::Read;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslVersion};
use pyssl::{Error, Profile, Purpose, TlsVersion};
use pyssl_testsupport::certs::{self, Spec};
use serde_json::{Value, json};

use common::{DESCRIBE, describe};

/// The oracles of this build, one per listed release that can run here.
fn oracles() -> Vec<(Profile, common::Oracle)> {
    common::compared_profiles()
        .into_iter()
        .filter_map(|p| common::oracle_for(&p).map(|o| (p, o)))
        .collect()
}

#[test]
fn every_errno_is_cpythons_oserror() {
    let script = format!(
        "{DESCRIBE}\nprint(json.dumps([describe(OSError(n, os.strerror(n))) for n in range(1, 134)]))"
    );
    for (profile, oracle) in oracles() {
        let python = oracle.run_json(&script, &[], "");
        let ours: Vec<Value> = (1..134)
            .map(|n| describe(&Error::from(std::io::Error::from_raw_os_error(n))))
            .collect();
        assert_eq!(Value::from(ours), python, "CPython {}", profile.release());
    }
}

#[test]
fn a_failed_lookup_is_gaierror() {
    // An empty host name fails inside getaddrinfo without asking any resolver.
    let script = format!(
        "{DESCRIBE}\ntry:\n    socket.getaddrinfo('', 443)\nexcept OSError as e:\n    print(json.dumps(describe(e)))"
    );
    for (profile, oracle) in oracles() {
        let python = oracle.run_json(&script, &[], "");
        let io = ("", 443).to_socket_addrs().unwrap_err();
        let ours = describe(&Error::from_io(&io, profile));
        assert_eq!(ours, python, "CPython {}", profile.release());
        assert_eq!(ours["type"], "gaierror");
    }
}

#[test]
fn a_refused_connection_and_a_timeout_are_cpythons() {
    // A port nobody listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A listener that accepts (through the backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let script = format!(
        "{DESCRIBE}
out = []
try:
    socket.create_connection(('127.0.0.1', int(sys.argv[1])))
except OSError as e:
    out.append(describe(e))
s = socket.create_connection(('127.0.0.1', int(sys.argv[2])))
s.settimeout(0.05)
try:
    s.recv(1)
except OSError as e:
    out.append(describe(e))
print(json.dumps(out))"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (profile, oracle) in oracles() {
        let args = [port.to_string(), silent_port.to_string()];
        let python = oracle.run_json(&script, &[&args[0], &args[1]], "");
        let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
        let timed_out = runtime.block_on(async {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", silent_port))
                .await
                .unwrap();
            let mut buf = [0u8; 1];
            let read = tokio::io::AsyncReadExt::read(&mut s, &mut buf);
            match tokio::time::timeout(std::time::Duration::from_millis(50), read).await {
                Ok(r) => panic!("the silent peer answered: {r:?}"),
                Err(elapsed) => std::io::Error::from(elapsed),
            }
        });
        let ours = json!([
            describe(&Error::from_io(&refused, profile)),
            describe(&Error::from_io(&timed_out, profile)),
        ]);
        assert_eq!(ours, python, "CPython {}", profile.release());
    }
}

/// One client attempt: the host name to verify, the CA file to trust, TLS 1.3 only.
struct Case {
    host: &'static str,
    cafile: &'static str,
    tls13_only: bool,
}

const CASES: &[Case] = &[
    Case {
        host: "localhost",
        cafile: "ca.pem",
        tls13_only: false,
    },
    Case {
        host: "example.com",
        cafile: "ca.pem",
        tls13_only: false,
    },
    Case {
        host: "127.0.0.1",
        cafile: "ca.pem",
        tls13_only: false,
    },
    Case {
        host: "localhost",
        cafile: "other.pem",
        tls13_only: false,
    },
    Case {
        host: "localhost",
        cafile: "ca.pem",
        tls13_only: true,
    },
];

/// A directory with `ca.pem`, an unrelated `other.pem` CA, and `cert.pem`/`key.pem`: a
/// `localhost` leaf issued by `ca.pem`.
fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::self_signed(&Spec::ca("pyssl io_errors CA"));
    let other = certs::self_signed(&Spec::ca("pyssl io_errors other CA"));
    let leaf = ca.issue(&Spec::default());
    certs::write_pem(&dir.path().join("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&dir.path().join("other.pem"), &[&other.cert], None);
    certs::write_pem(&dir.path().join("cert.pem"), &[&leaf.cert], None);
    certs::write_pem(&dir.path().join("key.pem"), &[], Some(&leaf.key));
    dir
}

/// A pyssl server on 127.0.0.1 that handshakes every client and closes (TLS 1.2 at most
/// when `tls12_max`), serving `cert.pem`/`key.pem` of `dir`; returns its port.
fn serve(dir: &Path, tls12_max: bool) -> u16 {
    let server = pyssl::create_default_context(Purpose::CLIENT_AUTH).unwrap();
    server
        .load_cert_chain(dir.join("cert.pem"), Some(&dir.join("key.pem")), None)
        .unwrap();
    if tls12_max {
        server.set_maximum_version(TlsVersion::TLSv1_2).unwrap();
    }
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            if let Ok(mut s) = server.wrap_socket(sock.unwrap(), true, None) {
                let _ = s.read(&mut [0u8; 1]);
            }
        }
    });
    port
}

#[test]
fn rust_openssl_handshake_failures_are_cpythons() {
    let dir = pki();
    let port = serve(dir.path(), false);
    let port12 = serve(dir.path(), true);
    let script = format!(
        "{DESCRIBE}
out = []
for case in json.load(sys.stdin):
    ctx = ssl.create_default_context(cafile=case['cafile'])
    if case['tls13_only']:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sock = socket.create_connection(('127.0.0.1', case['port']))
    try:
        ctx.wrap_socket(sock, server_hostname=case['host']).close()
        out.append('ok')
    except ssl.SSLError as e:
        out.append(describe(e))
        sock.close()
print(json.dumps(out))"
    );
    let cafile = |c: &Case| dir.path().join(c.cafile);
    let port_of = |c: &Case| if c.tls13_only { port12 } else { port };
    let stdin: Vec<Value> = CASES
        .iter()
        .map(|c| {
            json!({"host": c.host, "cafile": cafile(c), "tls13_only": c.tls13_only,
                   "port": port_of(c)})
        })
        .collect();
    for (profile, oracle) in oracles() {
        let python = oracle.run_json(&script, &[], &Value::from(stdin.clone()).to_string());
        let mut foreign = Vec::new();
        let mut own = Vec::new();
        for c in CASES {
            let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
            pyssl::apply_profile_defaults(&mut builder, Purpose::SERVER_AUTH, profile).unwrap();
            builder.set_ca_file(cafile(c)).unwrap();
            if c.tls13_only {
                builder
                    .set_min_proto_version(Some(SslVersion::TLS1_3))
                    .unwrap();
            }
            let tcp = TcpStream::connect(("127.0.0.1", port_of(c))).unwrap();
            foreign.push(match builder.build().connect(c.host, tcp) {
                Ok(_) => json!("ok"),
                Err(HandshakeError::Failure(mid)) => {
                    describe(&pyssl::ssl_error(mid.error(), mid.ssl()))
                }
                Err(e) => panic!("{}: {e}", c.host),
            });

            let opts = pyssl::CreateOptions {
                cafile: Some(&cafile(c)),
                profile,
                ..Default::default()
            };
            let ctx = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap();
            if c.tls13_only {
                ctx.set_minimum_version(TlsVersion::TLSv1_3).unwrap();
            }
            let tcp = TcpStream::connect(("127.0.0.1", port_of(c))).unwrap();
            own.push(match Arc::new(ctx).wrap_socket(tcp, false, Some(c.host)) {
                Ok(_) => json!("ok"),
                Err(e) => describe(&e),
            });
        }
        let release = profile.release();
        assert_eq!(
            Value::from(own),
            python,
            "pyssl's own connections, CPython {release}"
        );
        assert_eq!(
            Value::from(foreign),
            python,
            "rust-openssl's stream, CPython {release}"
        );
        eprintln!("CPython {release}: {} handshakes, same errors", CASES.len());
    }
}

#[test]
fn get_server_certificate_and_create_connection_are_cpythons() {
    let dir = pki();
    let port = serve(dir.path(), false);
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // (host, port, ca_certs file or None)
    let cases: Vec<(&str, u16, Option<&str>)> = vec![
        ("localhost", port, None),
        ("localhost", port, Some("ca.pem")),
        ("localhost", port, Some("other.pem")),
        ("127.0.0.1", closed, None),
        ("", port, None),
    ];
    let script = format!(
        "{DESCRIBE}
import inspect
# timeout= is 3.10's.
kw = {{'timeout': 10}} if 'timeout' in inspect.signature(ssl.get_server_certificate).parameters else {{}}
out = []
for host, port, ca in json.load(sys.stdin):
    try:
        out.append(['pem', ssl.get_server_certificate((host, port), ca_certs=ca, **kw)])
    except Exception as e:
        out.append(describe(e))
    try:
        ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
        s = ctx.wrap_socket(socket.create_connection((host, port), 10), server_hostname=host)
        out.append(['version', s.version()])
        s.close()
    except Exception as e:
        out.append(describe(e))
print(json.dumps(out))"
    );
    let stdin: Vec<Value> = cases
        .iter()
        .map(|(h, p, ca)| json!([h, p, ca.map(|f| dir.path().join(f))]))
        .collect();
    let stdin = Value::from(stdin).to_string();
    let timeout = Some(std::time::Duration::from_secs(10));
    for (profile, oracle) in oracles() {
        let python = oracle.run_json(&script, &[], &stdin);
        let mut ours = Vec::new();
        for (host, port, ca) in &cases {
            let ca_path = ca.map(|f| dir.path().join(f));
            ours.push(
                match pyssl::get_server_certificate(
                    (host, *port),
                    ca_path.as_deref(),
                    timeout,
                    profile,
                ) {
                    Ok(pem) => json!(["pem", pem]),
                    Err(e) => describe(&e),
                },
            );
            let opts = pyssl::CreateOptions {
                cafile: ca_path.as_deref(),
                profile,
                ..Default::default()
            };
            let ctx =
                Arc::new(pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap());
            ours.push(
                match pyssl::create_connection(&ctx, (host, *port), timeout) {
                    Ok(s) => json!(["version", s.version()]),
                    Err(e) => describe(&e),
                },
            );
        }
        assert_eq!(Value::from(ours), python, "CPython {}", profile.release());
    }
}
