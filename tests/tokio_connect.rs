//! `pyssl::tokio` (feature `tokio`) against asyncio: `open_connection` to the same pyssl
//! server must succeed or fail as `asyncio.open_connection(host, port, ssl=ctx)` does on
//! every listed CPython, and a successful stream must answer the `SSLSocket` accessors as
//! asyncio's `ssl_object` does.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use pyssl::Purpose;
use pyssl_testsupport::certs::{self, Spec};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use common::{DESCRIBE, describe, py_to_json};

const ASYNCIO: &str = r#"
import asyncio
async def attempt(host, port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    try:
        reader, writer = await asyncio.open_connection(host, port, ssl=ctx)
    except ssl.SSLError as e:
        return describe(e)
    obj = writer.get_extra_info("ssl_object")
    data = await reader.readexactly(2)
    out = {"version": obj.version(), "cipher": list(obj.cipher()),
           "peercert": obj.getpeercert(), "alpn": obj.selected_alpn_protocol(),
           "tls-unique": obj.get_channel_binding("tls-unique") is not None,
           "data": data.decode()}
    writer.close()
    return out
async def main():
    return [await attempt(*case) for case in json.load(sys.stdin)]
print(json.dumps(asyncio.run(main())))
"#;

/// A pyssl server that greets every client with `hi`; returns its port.
fn greeter(cert: &std::path::Path, key: &std::path::Path) -> u16 {
    let server = pyssl::create_default_context(Purpose::CLIENT_AUTH).unwrap();
    server.load_cert_chain(cert, Some(key), None).unwrap();
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let server = server.clone();
            std::thread::spawn(move || {
                if let Ok(mut s) = server.wrap_socket(sock.unwrap(), true, None) {
                    let _ = s.write_all(b"hi");
                    let _ = s.read(&mut [0u8; 1]);
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_connection_is_asyncios() {
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::self_signed(&Spec::ca("pyssl tokio CA"));
    let other = certs::self_signed(&Spec::ca("pyssl tokio other CA"));
    let leaf = ca.issue(&Spec::default());
    let path = |name: &str| dir.path().join(name);
    certs::write_pem(&path("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&path("other.pem"), &[&other.cert], None);
    certs::write_pem(&path("cert.pem"), &[&leaf.cert], None);
    certs::write_pem(&path("key.pem"), &[], Some(&leaf.key));
    let port = greeter(&path("cert.pem"), &path("key.pem"));
    let cases = [
        ("localhost", "ca.pem"),
        ("127.0.0.1", "ca.pem"),
        ("localhost", "other.pem"),
    ];
    let stdin: Vec<Value> = cases
        .iter()
        .map(|(host, ca)| json!([host, port, path(ca)]))
        .collect();
    let stdin = Value::from(stdin).to_string();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let (script, input) = (format!("{DESCRIBE}{ASYNCIO}"), stdin.clone());
        let python = tokio::task::spawn_blocking(move || oracle.run_json(&script, &[], &input))
            .await
            .unwrap();
        let mut ours = Vec::new();
        for (host, ca) in cases {
            let cafile = path(ca);
            let opts = pyssl::CreateOptions {
                cafile: Some(&cafile),
                profile,
                ..Default::default()
            };
            let ctx =
                Arc::new(pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap());
            ours.push(
                match pyssl::tokio::open_connection(&ctx, host, port).await {
                    Ok(mut tls) => {
                        let mut data = [0u8; 2];
                        tls.read_exact(&mut data).await.unwrap();
                        let cert = tls.getpeercert().unwrap().unwrap().to_py();
                        let (name, protocol, bits) = tls.cipher().unwrap();
                        json!({"version": tls.version(), "cipher": [name, protocol, bits],
                           "peercert": py_to_json(&cert), "alpn": tls.selected_alpn_protocol(),
                           "tls-unique": tls.get_channel_binding("tls-unique").unwrap().is_some(),
                           "data": String::from_utf8_lossy(&data)})
                    }
                    Err(e) => describe(&e),
                },
            );
        }
        assert_eq!(Value::from(ours), python, "CPython {}", profile.release());
        eprintln!(
            "CPython {}: open_connection, {} cases, same outcome",
            profile.release(),
            cases.len()
        );
    }
}
