//! ClientHello parity: for every profile of `oracle/releases.tsv`, the ClientHello that
//! `create_default_context().wrap_socket(sock, server_hostname="localhost")` sends is the
//! same from pyssl and from that release's CPython on the same OpenSSL build: record and
//! handshake versions, cipher suites in order, compression methods, and every extension in
//! order with its contents. Only what is random per connection is left out: the random, the
//! legacy session id (its length is kept) and the key-share public keys (each share's group
//! and key length are kept). On OpenSSL 3.5+ both offer the hybrid post-quantum group
//! `X25519MLKEM768` (0x11ec) first; and a pyssl server answers a CPython client with it.

#[path = "common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use pyssl::{CreateOptions, Profile, Purpose, create_default_context_with};
use serde_json::{Value, json};

/// Connects once to port `argv[1]` as `create_default_context()` does; the listener closes
/// after reading the ClientHello, so the handshake fails, which is expected.
const CLIENT_PY: &str = r#"
import json, socket, ssl, sys
ctx = ssl.create_default_context()
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as sock:
        ctx.wrap_socket(sock, server_hostname="localhost")
except (OSError, ssl.SSLError):
    pass
print(json.dumps(None))
"#;

/// Reads one ClientHello (its handshake message, over as many records as it takes) from the
/// next connection on `listener`, then closes it.
fn capture_client_hello(listener: &TcpListener) -> Vec<u8> {
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut body = Vec::new();
    loop {
        let mut header = [0u8; 5];
        conn.read_exact(&mut header).unwrap();
        assert_eq!(header[0], 22, "a handshake record");
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut record = vec![0u8; len];
        conn.read_exact(&mut record).unwrap();
        body.extend_from_slice(&record);
        if body.len() >= 4 {
            let msg_len =
                (usize::from(body[1]) << 16) | (usize::from(body[2]) << 8) | usize::from(body[3]);
            if body.len() >= 4 + msg_len {
                body.truncate(4 + msg_len);
                return body;
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    fn u8(&mut self) -> usize {
        usize::from(self.take(1)[0])
    }
    fn u16(&mut self) -> usize {
        let b = self.take(2);
        usize::from(u16::from_be_bytes([b[0], b[1]]))
    }
    fn vec8(&mut self) -> &'a [u8] {
        let n = self.u8();
        self.take(n)
    }
    fn vec16(&mut self) -> &'a [u8] {
        let n = self.u16();
        self.take(n)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The ClientHello as comparable JSON (see the module documentation).
fn normalize(msg: &[u8]) -> Value {
    let mut r = Reader(msg);
    assert_eq!(r.u8(), 1, "a ClientHello");
    r.take(3);
    let version = hex(r.take(2));
    r.take(32); // random
    let session_id_len = r.vec8().len();
    let suites: Vec<String> = r.vec16().chunks(2).map(hex).collect();
    let compression = hex(r.vec8());
    let mut exts = Reader(r.vec16());
    let mut extensions = Vec::new();
    while !exts.0.is_empty() {
        let kind = exts.u16();
        let data = exts.vec16();
        let contents = match kind {
            // key_share: (group, key length) per share.
            0x0033 => {
                let mut shares = Reader(Reader(data).vec16());
                let mut out = Vec::new();
                while !shares.0.is_empty() {
                    let group = shares.u16();
                    out.push(json!([format!("{group:04x}"), shares.vec16().len()]));
                }
                json!(out)
            }
            // padding: its length only.
            0x0015 => json!(data.len()),
            _ => json!(hex(data)),
        };
        extensions.push(json!([format!("{kind:04x}"), contents]));
    }
    json!({"version": version, "session_id_len": session_id_len, "cipher_suites": suites,
        "compression": compression, "extensions": extensions})
}

fn key_share_groups(hello: &Value) -> Vec<String> {
    hello["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e[0] == "0033")
        .map(|e| {
            e[1].as_array()
                .unwrap()
                .iter()
                .map(|s| s[0].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn pyssl_client_hello(profile: Profile, listener: &TcpListener) -> Value {
    let port = listener.local_addr().unwrap().port();
    let client = thread::spawn(move || {
        let opts = CreateOptions {
            profile,
            ..Default::default()
        };
        let ctx = Arc::new(create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap());
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // The listener closes after the ClientHello: the handshake fails, as expected.
        let _ = ctx.wrap_socket(tcp, false, Some("localhost"));
    });
    let hello = normalize(&capture_client_hello(listener));
    client.join().unwrap();
    hello
}

#[test]
fn client_hello_equals_cpythons() {
    let mut compared = Vec::new();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let theirs = thread::scope(|s| {
            let capture = s.spawn(|| normalize(&capture_client_hello(&listener)));
            oracle.run_json(CLIENT_PY, &[&port], "");
            capture.join().unwrap()
        });
        let ours = pyssl_client_hello(profile, &listener);
        assert_eq!(
            ours,
            theirs,
            "{} ({} suites): ClientHello differs",
            profile.release(),
            profile.ssl_default_suites.name()
        );
        let groups = key_share_groups(&ours);
        if common::linked_openssl() >= (3, 5) {
            assert_eq!(
                groups.first().map(String::as_str),
                Some("11ec"),
                "X25519MLKEM768 first"
            );
        }
        compared.push(format!(
            "{}: {} suites, {} extensions, key shares {groups:?}",
            profile.release(),
            ours["cipher_suites"].as_array().unwrap().len(),
            ours["extensions"].as_array().unwrap().len()
        ));
    }
    eprintln!(
        "ClientHello identical to CPython's:\n  {}",
        compared.join("\n  ")
    );
}

/// What a CPython client connecting to `argv[1]` negotiated: version and cipher.
const CONNECT_PY: &str = r#"
import json, socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as sock:
    with ctx.wrap_socket(sock, server_hostname="localhost") as s:
        out = {"version": s.version(), "cipher": s.cipher()[0]}
        s.sendall(b"x")
print(json.dumps(out))
"#;

/// Relays one connection from `front` to `port`, returning the first server record bytes it
/// passed back (the ServerHello).
fn relay_once(front: TcpListener, port: u16) -> Vec<u8> {
    let (mut client, _) = front.accept().unwrap();
    let mut server = TcpStream::connect(("127.0.0.1", port)).unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(std::net::Shutdown::Write);
    });
    let mut first = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if first.len() < 4096 {
                    first.extend_from_slice(&buf[..n]);
                }
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Write);
    up.join().unwrap();
    first
}

/// A CA (`ca.pem`) and a `localhost` leaf with its key (`keycert.pem`) that 3.13+'s strict
/// verification accepts.
fn ca_and_keycert(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use pyssl_testsupport::certs::{self, Spec};
    let ca = certs::self_signed(&Spec::ca("pyssl ClientHello CA"));
    let leaf = ca.issue(&Spec {
        san: &["DNS:localhost"],
        ..Spec::default()
    });
    let (ca_file, keycert) = (dir.join("ca.pem"), dir.join("keycert.pem"));
    certs::write_pem(&ca_file, &[&ca.cert], None);
    leaf.write_pem(&keycert, &[]);
    (ca_file, keycert)
}

/// The key-share group of the ServerHello at the start of `bytes`.
fn server_hello_group(bytes: &[u8]) -> String {
    let mut r = Reader(&bytes[5..]);
    assert_eq!(r.u8(), 2, "a ServerHello");
    r.take(3 + 2 + 32);
    r.vec8();
    r.take(2 + 1);
    let mut exts = Reader(r.vec16());
    while !exts.0.is_empty() {
        let kind = exts.u16();
        let data = exts.vec16();
        if kind == 0x0033 {
            return format!("{:04x}", u16::from_be_bytes([data[0], data[1]]));
        }
    }
    panic!("no key_share in the ServerHello");
}

#[test]
fn pyssl_server_negotiates_x25519mlkem768_with_cpython() {
    if common::linked_openssl() < (3, 5) {
        eprintln!("!!!!! NOT RUN here: X25519MLKEM768 needs OpenSSL 3.5+ on both sides !!!!!");
        return;
    }
    let profile = common::compared("3.15.2");
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (ca, keycert) = ca_and_keycert(dir.path());
    let ctx = Arc::new(
        create_default_context_with(
            Purpose::CLIENT_AUTH,
            CreateOptions {
                profile,
                ..Default::default()
            },
        )
        .unwrap(),
    );
    ctx.load_cert_chain(&keycert, None, None).unwrap();
    let backend = TcpListener::bind("127.0.0.1:0").unwrap();
    let backend_port = backend.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = backend.accept().unwrap();
        let mut s = ctx.wrap_socket(tcp, true, None).unwrap();
        let _ = s.recv(1);
    });
    let front = TcpListener::bind("127.0.0.1:0").unwrap();
    let front_port = front.local_addr().unwrap().port().to_string();
    let relay = thread::spawn(move || relay_once(front, backend_port));
    let theirs = oracle.run_json(CONNECT_PY, &[&front_port, ca.to_str().unwrap()], "");
    server.join().unwrap();
    let group = server_hello_group(&relay.join().unwrap());
    eprintln!(
        "CPython {} client, pyssl server: {theirs}, group {group}",
        profile.release()
    );
    assert_eq!(theirs["version"], "TLSv1.3");
    assert_eq!(group, "11ec", "X25519MLKEM768");
}
