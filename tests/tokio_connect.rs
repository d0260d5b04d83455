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

/// `create_default_context(purpose, cafile=cafile)` under `profile`.
fn context(
    purpose: Purpose,
    cafile: &std::path::Path,
    profile: pyssl::Profile,
) -> Arc<pyssl::SslContext> {
    let opts = pyssl::CreateOptions {
        cafile: Some(cafile),
        profile,
        ..Default::default()
    };
    Arc::new(pyssl::create_default_context_with(purpose, opts).unwrap())
}

/// `script` (after [`DESCRIBE`]) run by `oracle` on `input`, off the async runtime.
async fn ask(oracle: common::Oracle, script: &str, input: String) -> Value {
    let script = format!("{DESCRIBE}{script}");
    tokio::task::spawn_blocking(move || oracle.run_json(&script, &[], &input))
        .await
        .unwrap()
}

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
        let python = ask(oracle, ASYNCIO, stdin.clone()).await;
        let mut ours = Vec::new();
        for (host, ca) in cases {
            let ctx = context(Purpose::SERVER_AUTH, &path(ca), profile);
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

/// The same three exchanges in CPython alone (its server and client threads), and with
/// CPython's client against pyssl's async server (`pha`, `unwrap`) or pyssl on both sides
/// (`ragged`, whose error is the client's): post-handshake authentication, `unwrap()` with a
/// plaintext reply, and `unwrap()` against a peer that ends the connection without a
/// close_notify.
const SETTERS: &str = r#"
import socket, threading
a = json.load(sys.stdin)
def client_ctx():
    c = ssl.create_default_context(cafile=a["ca"])
    c.post_handshake_auth = True
    c.load_cert_chain(a["client"], a["client_key"])
    return c
def server_ctx():
    s = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=a["ca"])
    s.load_cert_chain(a["cert"], a["key"])
    s.verify_mode = ssl.CERT_REQUIRED
    s.post_handshake_auth = True
    return s
def recv_exactly(recv, n):
    data = b""
    while len(data) < n:
        chunk = recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data
def serve(listener, mode, out):
    conn, _ = listener.accept()
    s = server_ctx().wrap_socket(conn, server_side=True)
    if mode == "pha":
        out["before"] = s.getpeercert()
        s.verify_client_post_handshake()
        s.sendall(b"ok")
        recv_exactly(s.recv, 2)
        out["after"] = s.getpeercert()
        s.sendall(b"ok")
    elif mode == "unwrap":
        recv_exactly(s.recv, 3)
        plain = s.unwrap()
        plain.sendall(b"plain")
        plain.close()
    else:
        recv_exactly(s.recv, 3)
        socket.socket.shutdown(s, socket.SHUT_WR)
        while socket.socket.recv(s, 1024):
            pass
        socket.socket.close(s)
def client(port, mode):
    raw = socket.create_connection(("127.0.0.1", port))
    s = client_ctx().wrap_socket(raw, server_hostname="localhost")
    if mode == "pha":
        out = [recv_exactly(s.recv, 2).decode()]
        s.sendall(b"go")
        out.append(recv_exactly(s.recv, 2).decode())
        s.close()
        return out
    s.sendall(b"bye")
    try:
        plain = s.unwrap()
    except (ssl.SSLError, OSError) as e:
        s.close()
        return describe(e)
    data = recv_exactly(plain.recv, 5).decode()
    plain.close()
    return data
def cpython(mode):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    out = {}
    t = threading.Thread(target=serve, args=(listener, mode, out))
    t.start()
    out["client"] = client(listener.getsockname()[1], mode)
    t.join()
    listener.close()
    return out
print(json.dumps({
    "cpython": {mode: cpython(mode) for mode in ("pha", "unwrap", "ragged")},
    "against_pyssl": {mode: client(a[mode], mode) for mode in ("pha", "unwrap")},
}))
"#;

/// One exchange of [`SETTERS`] on pyssl's async server side; returns what it observed.
async fn pyssl_serves(
    ctx: Arc<pyssl::SslContext>,
    listener: tokio::net::TcpListener,
    mode: &str,
) -> Value {
    use tokio::io::AsyncWriteExt;
    let (tcp, _) = listener.accept().await.unwrap();
    let mut tls = pyssl::tokio::accept(&ctx, tcp).await.unwrap();
    let mut buf = [0u8; 3];
    match mode {
        "pha" => {
            let before = tls.getpeercert().unwrap().map(|c| py_to_json(&c.to_py()));
            tls.verify_client_post_handshake().unwrap();
            tls.write_all(b"ok").await.unwrap();
            tls.read_exact(&mut buf[..2]).await.unwrap();
            let after = tls.getpeercert().unwrap().map(|c| py_to_json(&c.to_py()));
            tls.write_all(b"ok").await.unwrap();
            json!({"before": before, "after": after})
        }
        "unwrap" => {
            tls.read_exact(&mut buf).await.unwrap();
            let mut plain = tls.unwrap().await.unwrap();
            plain.write_all(b"plain").await.unwrap();
            json!({})
        }
        _ => {
            tls.read_exact(&mut buf).await.unwrap();
            tls.get_mut().shutdown().await.unwrap();
            let mut rest = Vec::new();
            tls.get_mut().read_to_end(&mut rest).await.unwrap();
            json!({})
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setters_and_unwrap_are_sslsockets() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::self_signed(&Spec::ca("pyssl tokio CA"));
    let leaf = ca.issue(&Spec::default());
    let client = ca.issue(&Spec {
        cn: "pyssl tokio client",
        san: &[],
        eku: Some(certs::Eku::ClientAuth),
        ..Spec::default()
    });
    let path = |name: &str| dir.path().join(name);
    certs::write_pem(&path("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&path("cert.pem"), &[&leaf.cert], None);
    certs::write_pem(&path("key.pem"), &[], Some(&leaf.key));
    certs::write_pem(&path("client.pem"), &[&client.cert], None);
    certs::write_pem(&path("client_key.pem"), &[], Some(&client.key));
    let ca_file = path("ca.pem");
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let server = context(Purpose::CLIENT_AUTH, &ca_file, profile);
        server
            .load_cert_chain(path("cert.pem"), Some(&path("key.pem")), None)
            .unwrap();
        server
            .set_verify_mode(pyssl::VerifyMode::CERT_REQUIRED)
            .unwrap();
        server.set_post_handshake_auth(true);
        let mut ports = serde_json::Map::new();
        let mut served = Vec::new();
        for mode in ["pha", "unwrap"] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ports.insert(mode.into(), listener.local_addr().unwrap().port().into());
            served.push(tokio::spawn(pyssl_serves(server.clone(), listener, mode)));
        }
        let mut input = json!({"ca": path("ca.pem"), "cert": path("cert.pem"),
            "key": path("key.pem"), "client": path("client.pem"),
            "client_key": path("client_key.pem")});
        input.as_object_mut().unwrap().extend(ports);
        let python = ask(oracle, SETTERS, input.to_string()).await;
        let pha = served.remove(0).await.unwrap();
        let cpython = &python["cpython"];
        assert!(cpython["pha"]["after"].is_object(), "{cpython}");
        assert_eq!(
            pha["before"],
            cpython["pha"]["before"],
            "{}",
            profile.release()
        );
        assert_eq!(
            pha["after"],
            cpython["pha"]["after"],
            "{}",
            profile.release()
        );
        assert_eq!(python["against_pyssl"]["pha"], cpython["pha"]["client"]);
        served.remove(0).await.unwrap();
        assert_eq!(python["against_pyssl"]["unwrap"], json!("plain"));
        assert_eq!(cpython["unwrap"]["client"], json!("plain"));

        // pyssl's client against pyssl's ragged server.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let ragged = tokio::spawn(pyssl_serves(server.clone(), listener, "ragged"));
        let client_ctx = context(Purpose::SERVER_AUTH, &ca_file, profile);
        let mut tls = pyssl::tokio::open_connection(&client_ctx, "localhost", port)
            .await
            .unwrap();
        tls.write_all(b"bye").await.unwrap();
        let ours = match tls.unwrap().await {
            Ok(mut plain) => {
                let mut rest = Vec::new();
                plain.read_to_end(&mut rest).await.unwrap();
                json!(String::from_utf8_lossy(&rest))
            }
            Err(e) => describe(&e),
        };
        ragged.await.unwrap();
        assert_eq!(ours, cpython["ragged"]["client"], "{}", profile.release());
        eprintln!(
            "CPython {}: post-handshake auth, unwrap, ragged unwrap: same outcome",
            profile.release()
        );
    }
}

/// Resumption against the same pyssl server: CPython's `wrap_socket(..., session=s)` after a
/// first connection read its greeting (and with it the TLS 1.3 ticket), and the same offer
/// with a session of another context.
const RESUME: &str = r#"
import socket
port, ca = json.load(sys.stdin)
def ctx():
    return ssl.create_default_context(cafile=ca)
def connect(c, session=None):
    s = c.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                      server_hostname="localhost", session=session)
    s.recv(2)
    return s
first_ctx = ctx()
first = connect(first_ctx)
session = first.session
first.close()
again = connect(first_ctx, session)
out = {"reused": again.session_reused}
again.close()
try:
    connect(ctx(), session)
    out["other"] = None
except ValueError as e:
    out["other"] = describe(e)
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_session_resumes_as_wrap_socket() {
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::self_signed(&Spec::ca("pyssl tokio CA"));
    let leaf = ca.issue(&Spec::default());
    let path = |name: &str| dir.path().join(name);
    certs::write_pem(&path("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&path("cert.pem"), &[&leaf.cert], None);
    certs::write_pem(&path("key.pem"), &[], Some(&leaf.key));
    let port = greeter(&path("cert.pem"), &path("key.pem"));
    let input = json!([port, path("ca.pem")]).to_string();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let python = ask(oracle, RESUME, input.clone()).await;
        let ca_file = path("ca.pem");
        let client = || context(Purpose::SERVER_AUTH, &ca_file, profile);
        let connect = |ctx: Arc<pyssl::SslContext>, session: Option<pyssl::SslSession>| async move {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            let mut tls = match &session {
                Some(s) => {
                    pyssl::tokio::connect_with_session(&ctx, tcp, Some("localhost"), s).await?
                }
                None => pyssl::tokio::connect(&ctx, tcp, Some("localhost")).await?,
            };
            let mut hi = [0u8; 2];
            tls.read_exact(&mut hi).await?;
            pyssl::Result::Ok(tls)
        };
        let first_ctx = client();
        let session = connect(first_ctx.clone(), None)
            .await
            .unwrap()
            .session()
            .unwrap();
        let again = connect(first_ctx, Some(session.clone())).await.unwrap();
        let other = match connect(client(), Some(session)).await {
            Ok(_) => Value::Null,
            Err(e) => describe(&e),
        };
        let ours = json!({"reused": again.session_reused(), "other": other});
        assert_eq!(ours, python, "CPython {}", profile.release());
        assert_eq!(python["reused"], json!(true));
        eprintln!(
            "CPython {}: resumption and a foreign session, same outcome",
            profile.release()
        );
    }
}
