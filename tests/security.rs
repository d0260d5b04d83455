//! SECURITY.md's claims, proven: a client made by `create_default_context` refuses TLS 1.0
//! and 1.1 peers even after `options &= ~OP_NO_SSLv3` (and even after also clearing
//! `OP_NO_TLSv1`), exactly as CPython's client does against the same server. SSLv3 cannot
//! be offered at all: this OpenSSL has no SSLv3 (`HAS_SSLv3` is false).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use pyssl::{CaData, CreateOptions, Profile, Purpose, create_default_context_with};
use serde_json::{Value, json};

/// A CPython server that speaks only the given TLS version (the weakest it can be made to
/// speak), accepting one connection per line of input, reporting each handshake's outcome.
const SERVER: &str = r#"
import json, re, socket, ssl, sys, warnings
warnings.simplefilter("ignore")
version, cert = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = getattr(ssl.TLSVersion, version)
ctx.maximum_version = getattr(ssl.TLSVersion, version)
ctx.set_ciphers("ALL:@SECLEVEL=0")
ctx.load_cert_chain(cert)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
print(srv.getsockname()[1], flush=True)
for _ in sys.stdin:
    conn, _ = srv.accept()
    conn.settimeout(10)
    try:
        with ctx.wrap_socket(conn, server_side=True) as s:
            out = {"ok": True, "version": s.version()}
    except Exception as e:
        out = {"ok": False, "type": type(e).__name__,
               "str": re.sub(r" \(_ssl\.c:\d+\)$", "", str(e))}
    print(json.dumps(out), flush=True)
"#;

/// CPython's client: create_default_context(cadata=...), then the option tweaks, then connect.
const CLIENT: &str = r#"
import json, re, socket, ssl, sys, warnings
warnings.simplefilter("ignore")
port, ca, clear = int(sys.argv[1]), open(sys.argv[2]).read(), sys.argv[3].split(",")
ctx = ssl.create_default_context(cadata=ca)
for name in filter(None, clear):
    ctx.options &= ~getattr(ssl, name)
try:
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                         server_hostname="localhost") as s:
        out = {"ok": True, "version": s.version()}
except Exception as e:
    out = {"ok": False, "type": type(e).__name__,
           "str": re.sub(r" \(_ssl\.c:\d+\)$", "", str(e))}
print(json.dumps(out))
"#;

struct Server {
    child: Child,
    port: u16,
    lines: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(python: &std::path::Path, version: &str, cert: &std::path::Path) -> Server {
        let mut child = Command::new(python)
            .args(["-c", SERVER, version])
            .arg(cert)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut port = String::new();
        lines.read_line(&mut port).unwrap();
        Server {
            port: port.trim().parse().expect("port"),
            child,
            lines,
        }
    }

    /// Let the server accept one more connection, run `client`, return (client, server).
    fn round(&mut self, client: impl FnOnce(u16) -> Value) -> (Value, Value) {
        writeln!(self.child.stdin.as_mut().unwrap()).unwrap();
        let c = client(self.port);
        let mut line = String::new();
        self.lines.read_line(&mut line).unwrap();
        (c, serde_json::from_str(&line).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn option(name: &str) -> pyssl::Options {
    match name {
        "OP_NO_SSLv3" => pyssl::OP_NO_SSLv3,
        "OP_NO_TLSv1" => pyssl::OP_NO_TLSv1,
        "OP_NO_TLSv1_1" => pyssl::OP_NO_TLSv1_1,
        other => panic!("{other}"),
    }
}

fn pyssl_client(port: u16, ca: &str, clear: &[&str], profile: Profile) -> Value {
    let ctx = create_default_context_with(
        Purpose::SERVER_AUTH,
        CreateOptions {
            cadata: Some(CaData::Pem(ca)),
            profile,
            ..Default::default()
        },
    )
    .unwrap();
    for name in clear {
        // ctx.options &= ~ssl.<name>
        ctx.set_options(ctx.options() & !option(name)).unwrap();
    }
    let ctx = Arc::new(ctx);
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    match ctx.wrap_socket(tcp, false, Some("localhost")) {
        Ok(s) => json!({"ok": true, "version": s.version()}),
        Err(e) => json!({"ok": false, "type": e.python_type(), "str": e.python_str()}),
    }
}

#[test]
fn legacy_versions_stay_refused_after_clearing_no_sslv3() {
    assert!(
        !std::hint::black_box(pyssl::HAS_SSLv3),
        "this OpenSSL has SSLv3; the claim needs revisiting"
    );
    let dir = tempfile::tempdir().unwrap();
    let (ca, ca_key) = common::make_ca("security test CA");
    let (leaf, key) = common::make_leaf(&ca, &ca_key, "localhost");
    let chain = dir.path().join("server.pem");
    pyssl_testsupport::certs::write_pem(&chain, &[&leaf], Some(&key));
    let ca_pem = String::from_utf8(ca.to_pem().unwrap()).unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();

    let mut compared = 0;
    for profile in [Profile::PY311, Profile::PY313_0] {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        for version in ["TLSv1", "TLSv1_1"] {
            for clear in [
                &["OP_NO_SSLv3"][..],
                &["OP_NO_SSLv3", "OP_NO_TLSv1", "OP_NO_TLSv1_1"],
            ] {
                let mut server = Server::start(&oracle.python, version, &chain);
                let (py_client, py_server) = server.round(|port| {
                    let out = Command::new(&oracle.python)
                        .args(["-c", CLIENT, &port.to_string()])
                        .arg(&ca_file)
                        .arg(clear.join(","))
                        .output()
                        .unwrap();
                    serde_json::from_slice(&out.stdout).expect("client JSON")
                });
                let (rs_client, rs_server) =
                    server.round(|port| pyssl_client(port, &ca_pem, clear, profile));
                let what = format!(
                    "{} server {version}, client clears {clear:?}",
                    profile.label()
                );
                assert_eq!(py_client["ok"], json!(false), "CPython connected: {what}");
                assert_eq!(rs_client, py_client, "client side, {what}");
                assert_eq!(rs_server, py_server, "server side, {what}");
                compared += 1;
            }
        }
    }
    eprintln!("{compared} refused-handshake comparisons");
}
