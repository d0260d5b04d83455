//! Servers side by side against the same `openssl s_client` offers: a CPython server
//! (`create_default_context(Purpose.CLIENT_AUTH)` + `load_cert_chain`), a rust-openssl
//! `SslAcceptor` preset given `pyssl::apply_profile_defaults` and served by actix-web
//! (`listen_openssl`, as `bind_openssl` serves), and a pyssl server context.
//! For every offer — TLS 1.2 only, TLS 1.3 only, DHE only, restricted and reordered suites,
//! old protocols, groups — all three must choose the same protocol and suite, or refuse it
//! with the same alert, per listed CPython.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};
use pyssl::{Profile, Purpose};
use pyssl_testsupport::certs::{self, KeyKind, Spec};

/// `openssl s_client` arguments beyond the address; each is one client offer.
const OFFERS: &[&[&str]] = &[
    &[],
    &["-tls1_2"],
    &["-tls1_3"],
    &["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"],
    &[
        "-tls1_2",
        "-cipher",
        "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
    ],
    &[
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
    ],
    &["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"],
    &["-tls1_2", "-cipher", "AES128-SHA:AES256-GCM-SHA384"],
    &["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
    &[
        "-tls1_3",
        "-ciphersuites",
        "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
    ],
    &["-tls1_1", "-cipher", "ALL@SECLEVEL=0"],
    &["-tls1_3", "-groups", "ffdhe2048"],
    &["-tls1_2", "-groups", "P-384"],
];

/// A CPython TLS server on 127.0.0.1 that handshakes each client and closes it.
const PYTHON_SERVER: &str = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
print(srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    try:
        s = ctx.wrap_socket(conn, server_side=True)
        s.sendall(b"ok")
        s.close()
    except (OSError, ssl.SSLError):
        conn.close()
"#;

/// What the client saw: `"TLSv1.3 TLS_AES_256_GCM_SHA384"`, or the alert it received.
fn offer(port: u16, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-brief",
            "-connect",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["-servername", "localhost"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client (apt-get install openssl)");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    match (field("Protocol version:"), field("Ciphersuite:")) {
        (Some(p), Some(c)) => format!("{p} {c}"),
        _ => match text.find("alert ") {
            Some(i) => {
                let alert = &text[i..];
                let end = alert.find([':', '\n']).unwrap_or(alert.len());
                format!("refused: {}", &alert[..end])
            }
            None => "refused".to_string(),
        },
    }
}

/// Serve on a thread: accept, handshake with `handshake`, write `ok`, close.
fn serve<F>(handshake: F) -> u16
where
    F: Fn(std::net::TcpStream) -> Option<Box<dyn Write>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            if let Some(mut tls) = handshake(tcp.unwrap()) {
                let _ = tls.write_all(b"ok");
            }
        }
    });
    port
}

/// An actix-web server on `builder` (`HttpServer::listen_openssl`, what `bind_openssl` does
/// after binding), on its own thread and runtime.
fn actix_server(builder: openssl::ssl::SslAcceptorBuilder) -> u16 {
    use actix_web::{App, HttpServer, web};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(|| App::new().route("/", web::get().to(|| async { "ok" })))
                .workers(1)
                .disable_signals()
                .listen_openssl(listener, builder)
                .unwrap()
                .run()
                .await
        })
    });
    port
}

fn python_server(python: &Path, cert: &Path, key: &Path) -> (common::KillOnDrop, u16) {
    let mut cmd = Command::new(python);
    if let Some(dir) = std::env::var_os("PYSSL_ORACLE_LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    let mut child = cmd
        .arg("-c")
        .arg(PYTHON_SERVER)
        .arg(cert)
        .arg(key)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (
        common::KillOnDrop(child),
        line.trim().parse().expect("the server's port"),
    )
}

#[test]
fn acceptor_and_pyssl_servers_choose_as_cpython() {
    let dir = tempfile::tempdir().unwrap();
    let leaf = certs::self_signed(&Spec {
        key: KeyKind::Rsa(2048),
        ..Spec::localhost_anchor()
    });
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    certs::write_pem(&cert, &[&leaf.cert], None);
    certs::write_pem(&key, &[], Some(&leaf.key));
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let (_python, python_port) = python_server(&oracle.python, &cert, &key);

        let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        pyssl::apply_profile_defaults(&mut builder, Purpose::CLIENT_AUTH, profile).unwrap();
        builder.set_certificate_chain_file(&cert).unwrap();
        builder
            .set_private_key_file(&key, SslFiletype::PEM)
            .unwrap();
        let acceptor_port = actix_server(builder);

        let opts = pyssl::CreateOptions {
            profile,
            ..Default::default()
        };
        let ctx = pyssl::create_default_context_with(Purpose::CLIENT_AUTH, opts).unwrap();
        ctx.load_cert_chain(&cert, Some(&key), None).unwrap();
        let ctx = Arc::new(ctx);
        let pyssl_port = serve(move |tcp| {
            ctx.wrap_socket(tcp, true, None)
                .ok()
                .map(|s| Box::new(s) as Box<dyn Write>)
        });

        let release = Profile::release(&profile);
        for args in OFFERS {
            let theirs = offer(python_port, args);
            let acceptor = offer(acceptor_port, args);
            let ours = offer(pyssl_port, args);
            assert_eq!(
                acceptor, theirs,
                "CPython {release}, acceptor preset, offer {args:?}"
            );
            assert_eq!(
                ours, theirs,
                "CPython {release}, pyssl server, offer {args:?}"
            );
            eprintln!("CPython {release} | {:<70} | {theirs}", args.join(" "));
        }
    }
}
