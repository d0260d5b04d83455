//! `pyssl::hyper` and `pyssl::tokio::accept` inside real HTTP stacks on 127.0.0.1: an axum
//! server accepting on a pyssl context, hyper-util's client on `HttpsConnector`, CPython's
//! `http.client` and curl as the other side, and a CPython HTTPS server. For every outcome
//! (success, hostname mismatch, IP mismatch, untrusted CA, protocol mismatch) the hyper
//! client's error, found in hyper's error chain, must be the exception CPython's client
//! raises against the same server.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::{Router, routing::get};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use pyssl::{Profile, Purpose, SslContext, TlsVersion};
use pyssl_testsupport::certs::{self, Spec};
use serde_json::{Value, json};

use common::{DESCRIBE, describe};

const BODY: &str = "hello from pyssl\n";

/// The certificates of the test: a CA and its `localhost` leaf, the same CA's leaf for
/// another name, and an unrelated CA's `localhost` leaf.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca = certs::self_signed(&Spec::ca("pyssl hyper test CA"));
        let other = certs::self_signed(&Spec::ca("pyssl hyper other CA"));
        let leaf = ca.issue(&Spec::default());
        let elsewhere = ca.issue(&Spec {
            cn: "elsewhere.test",
            san: &["DNS:elsewhere.test"],
            ..Spec::default()
        });
        let stranger = other.issue(&Spec::default());
        certs::write_pem(&dir.path().join("ca.pem"), &[&ca.cert], None);
        for (name, issued) in [
            ("good", &leaf),
            ("elsewhere", &elsewhere),
            ("stranger", &stranger),
        ] {
            certs::write_pem(
                &dir.path().join(format!("{name}.pem")),
                &[&issued.cert],
                None,
            );
            certs::write_pem(
                &dir.path().join(format!("{name}.key")),
                &[],
                Some(&issued.key),
            );
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A server context serving `name`'s certificate.
    fn server(&self, name: &str, tls12_max: bool) -> Arc<SslContext> {
        let ctx = pyssl::create_default_context(Purpose::CLIENT_AUTH).unwrap();
        let (cert, key) = (
            self.path(&format!("{name}.pem")),
            self.path(&format!("{name}.key")),
        );
        ctx.load_cert_chain(&cert, Some(&key), None).unwrap();
        if tls12_max {
            ctx.set_maximum_version(TlsVersion::TLSv1_2).unwrap();
        }
        Arc::new(ctx)
    }
}

/// An axum app served on 127.0.0.1 with TLS from `ctx`, one task per connection (the shape
/// of `examples/axum_server.rs`); returns the port.
async fn axum_server(ctx: Arc<SslContext>) -> u16 {
    let app = Router::new().route("/", get(|| async { BODY }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (ctx, app) = (ctx.clone(), app.clone());
            tokio::spawn(async move {
                if let Ok(tls) = pyssl::tokio::accept(&ctx, tcp).await {
                    let service = TowerToHyperService::new(app);
                    let builder = Builder::new(TokioExecutor::new());
                    let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                }
            });
        }
    });
    port
}

/// One client attempt: the URL host, which server, TLS 1.3 only on the client.
struct Case {
    label: &'static str,
    host: &'static str,
    server: usize,
    tls13_only: bool,
}

const CASES: &[Case] = &[
    Case {
        label: "success",
        host: "localhost",
        server: 0,
        tls13_only: false,
    },
    Case {
        label: "hostname mismatch",
        host: "localhost",
        server: 1,
        tls13_only: false,
    },
    Case {
        label: "IP address mismatch",
        host: "127.0.0.1",
        server: 0,
        tls13_only: false,
    },
    Case {
        label: "untrusted CA",
        host: "localhost",
        server: 2,
        tls13_only: false,
    },
    Case {
        label: "protocol mismatch",
        host: "localhost",
        server: 3,
        tls13_only: true,
    },
];

/// CPython's `http.client` for each case: `"ok 200 <body>"` or `describe(e)`.
const PYTHON_CLIENT: &str = r#"
import http.client
out = []
for case in json.load(sys.stdin):
    ctx = ssl.create_default_context(cafile=case["cafile"])
    if case["tls13_only"]:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    conn = http.client.HTTPSConnection(case["host"], case["port"], context=ctx, timeout=10)
    try:
        conn.request("GET", "/")
        r = conn.getresponse()
        out.append("ok %d %s" % (r.status, r.read().decode()))
    except ssl.SSLError as e:
        out.append(describe(e))
    finally:
        conn.close()
print(json.dumps(out))
"#;

/// hyper-util's client on `HttpsConnector` for one case, with the profile's context.
async fn hyper_get(profile: Profile, cafile: &Path, case: &Case, port: u16) -> Value {
    let opts = pyssl::CreateOptions {
        cafile: Some(cafile),
        profile,
        ..Default::default()
    };
    let ctx = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap();
    ctx.set_alpn_protocols(&["h2", "http/1.1"]).unwrap();
    if case.tls13_only {
        ctx.set_minimum_version(TlsVersion::TLSv1_3).unwrap();
    }
    let https = pyssl::hyper::HttpsConnector::from(Arc::new(ctx));
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(https);
    let uri = format!("https://{}:{port}/", case.host).parse().unwrap();
    match client.get(uri).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            json!(format!("ok {status} {}", String::from_utf8_lossy(&body)))
        }
        Err(e) => match pyssl::Error::find_in(&e) {
            Some(py) => describe(py),
            None => panic!("{}: no pyssl error in {e:?}", case.label),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_and_cpython_clients_see_the_same_outcomes() {
    let pki = Pki::new();
    let servers = [
        pki.server("good", false),
        pki.server("elsewhere", false),
        pki.server("stranger", false),
        pki.server("good", true),
    ];
    let mut ports = Vec::new();
    for ctx in servers {
        ports.push(axum_server(ctx).await);
    }
    let cafile = pki.path("ca.pem");
    let stdin: Vec<Value> = CASES
        .iter()
        .map(|c| {
            json!({"host": c.host, "port": ports[c.server], "cafile": cafile,
                        "tls13_only": c.tls13_only})
        })
        .collect();
    let stdin = Value::from(stdin).to_string();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let (script, input) = (format!("{DESCRIBE}{PYTHON_CLIENT}"), stdin.clone());
        let python = tokio::task::spawn_blocking(move || oracle.run_json(&script, &[], &input))
            .await
            .unwrap();
        let mut ours = Vec::new();
        for case in CASES {
            ours.push(hyper_get(profile, &cafile, case, ports[case.server]).await);
        }
        let release = profile.release();
        for ((case, ours), theirs) in CASES.iter().zip(&ours).zip(python.as_array().unwrap()) {
            assert_eq!(ours, theirs, "CPython {release}: {}", case.label);
            let outcome = ours["str"]
                .as_str()
                .unwrap_or_else(|| ours.as_str().unwrap());
            eprintln!("CPython {release} | {:<20} | {outcome}", case.label);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reaches_the_axum_server_and_hyper_reaches_a_cpython_server() {
    let pki = Pki::new();
    let port = axum_server(pki.server("good", false)).await;
    let cafile = pki.path("ca.pem");
    let url = format!("https://localhost:{port}/");
    let curl = tokio::task::spawn_blocking({
        let cafile = cafile.clone();
        move || {
            Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(&cafile)
                .arg(&url)
                .output()
                .expect("curl (apt-get install curl)")
        }
    })
    .await
    .unwrap();
    assert!(
        curl.status.success(),
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&curl.stdout), BODY);

    // A CPython HTTPS server (http.server on create_default_context(CLIENT_AUTH)).
    let python = pyssl_testsupport::python::find_python("3.13").expect("CPython 3.13");
    let script = r#"
import http.server, ssl, sys
class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from CPython\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(pki.path("good.pem"))
        .arg(pki.path("good.key"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let _server = common::KillOnDrop(child);
    let py_port: u16 = line.trim().parse().unwrap();
    let got = hyper_get(Profile::default(), &cafile, &CASES[0], py_port).await;
    assert_eq!(got, json!("ok 200 hello from CPython\n"));
}
