//! Interop with OpenSSL's own peers over 127.0.0.1: pyssl as the client against
//! `openssl s_server`, and as the server against `openssl s_client`, each compared with
//! CPython doing the same against an identical openssl peer. Compared: what the side under
//! test reports (as in the rest of the suite) and what the openssl peer printed (its exit
//! status, stdout and stderr, with ports and thread ids normalised).
//!
//! Every openssl process is started on an ephemeral port, waited for with a bound, and
//! killed when its guard is dropped, whatever happened.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pyssl::Profile;
use serde_json::{Value, json};

use super::certs::{self, CertDir};
use super::scenarios::merge;
use super::{common, connections, oracle_run, pyssl_side};

/// The longest any openssl peer may run before it is killed (a bound, not an expectation).
const DEADLINE: Duration = Duration::from_secs(30);

/// An openssl child process, killed and reaped when dropped.
struct Peer {
    child: Child,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

/// Any other child process of the suite (the CPython servers), killed when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// OpenSSL prefixes its error lines with the thread id (`40E7...:error:0A000086:...`).
fn normalise(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once(":error:") {
            Some((id, rest)) if id.chars().all(|c| c.is_ascii_hexdigit()) => {
                format!("THREAD:error:{rest}")
            }
            _ if l.starts_with("ACCEPT 127.0.0.1:") => "ACCEPT 127.0.0.1:PORT".to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Peer {
    /// Wait (bounded) for the process to exit; its status and normalised output.
    fn finish(mut self) -> Value {
        let start = Instant::now();
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break json!(st.code());
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                break json!("killed after the deadline");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let out = self.stdout.take().map(|h| h.join().unwrap());
        let err = self.stderr.take().map(|h| h.join().unwrap());
        json!({
            "status": status,
            "stdout": normalise(&out.unwrap_or_default()),
            "stderr": normalise(&err.unwrap_or_default()),
        })
    }
}

/// `openssl s_server -WWW` on an ephemeral port, serving `count` connections from `dir`.
fn s_server(args: &[String], count: usize, dir: &Path) -> (Peer, u16) {
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-WWW", "-naccept"])
        .arg(count.to_string())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl s_server");
    let stderr = collect(child.stderr.take().unwrap());
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let stdout = std::thread::spawn(move || {
        let mut seen = String::new();
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(port) = line.trim().strip_prefix("ACCEPT 127.0.0.1:") {
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
            seen.push_str(&line);
            line.clear();
        }
        seen
    });
    let peer = Peer {
        child,
        stdout: Some(stdout),
        stderr: Some(stderr),
    };
    let port = rx
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("openssl s_server {args:?} printed no ACCEPT line"));
    (peer, port)
}

/// `openssl s_client` against `port`, sending "ping\n" and reading until the server closes.
fn s_client(port: u16, args: &[String]) -> Peer {
    let mut child = Command::new("openssl")
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-brief", "-ign_eof"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl s_client");
    let mut stdin: ChildStdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"ping\n");
    drop(stdin);
    Peer {
        stdout: Some(collect(child.stdout.take().unwrap())),
        stderr: Some(collect(child.stderr.take().unwrap())),
        child,
    }
}

/// Read one whole TLS record (header and body) from `s`.
fn record(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    s.read_exact(&mut body)?;
    Ok([&head[..], &body].concat())
}

/// A relay that cuts the connection mid-handshake: it passes the client's first record to
/// `upstream` and the upstream's first record back, then closes both sides. The client
/// under test sees the openssl server go away after its ServerHello; a server under test
/// sees the openssl client go away after its ClientHello.
fn cutter(upstream: u16) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let Ok((mut down, _)) = listener.accept() else {
            return;
        };
        let _ = down.set_read_timeout(Some(DEADLINE));
        let mut relay = || -> std::io::Result<()> {
            let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
            up.set_read_timeout(Some(DEADLINE))?;
            up.write_all(&record(&mut down)?)?;
            down.write_all(&record(&mut up)?)?;
            up.shutdown(Shutdown::Both)
        };
        let _ = relay();
        let _ = down.shutdown(Shutdown::Both);
    });
    (port, t)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

struct Suite {
    client: Vec<Value>,
    server: Vec<Value>,
}

/// The interop scenarios. Client role: `openssl` holds s_server's arguments, `me` the client
/// under test. Server role: `openssl` holds s_client's arguments, `me` the server under test.
fn scenarios(c: &CertDir) -> Suite {
    let f = |n: &str| c.file(n);
    let trust = json!({"cafile": f("root.crt"), "flow": "http_get"});
    let tls12 = merge(&trust, json!({"max_version": "TLSv1_2"}));
    let cert = |n: &str| vec![json!("-cert"), json!(f(n))];
    let with = |base: Vec<Value>, more: &[&str]| {
        let mut v = base;
        v.extend(more.iter().map(|s| json!(s)));
        Value::Array(v)
    };
    let verify_clients = |mut v: Vec<Value>| {
        v.extend([
            json!("-Verify"),
            json!("1"),
            json!("-CAfile"),
            json!(f("root.crt")),
        ]);
        v
    };
    let mut client = Vec::new();
    let mut cl = |name: &str, me: Value, openssl: Value, host: &str, extra: Value| {
        let s = json!({"name": name, "me": me, "openssl": openssl, "server_hostname": host});
        client.push(merge(&s, extra));
    };
    cl(
        "s_server default",
        trust.clone(),
        with(cert("ec.pem"), &[]),
        "localhost",
        json!({}),
    );
    cl(
        "s_server -tls1_2",
        trust.clone(),
        with(cert("ec.pem"), &["-tls1_2"]),
        "localhost",
        json!({}),
    );
    cl(
        "s_server -tls1_3",
        trust.clone(),
        with(cert("ec.pem"), &["-tls1_3"]),
        "localhost",
        json!({}),
    );
    cl(
        "client TLS 1.2 only vs s_server -tls1_3",
        tls12.clone(),
        with(cert("ec.pem"), &["-tls1_3"]),
        "localhost",
        json!({}),
    );
    cl(
        "client TLS 1.3 only vs s_server -tls1_2",
        merge(&trust, json!({"min_version": "TLSv1_3"})),
        with(cert("ec.pem"), &["-tls1_2"]),
        "localhost",
        json!({}),
    );
    cl(
        "s_server RSA certificate",
        trust.clone(),
        with(cert("rsa.pem"), &[]),
        "localhost",
        json!({}),
    );
    cl(
        "s_server Ed25519 certificate",
        trust.clone(),
        with(cert("ed25519.pem"), &[]),
        "localhost",
        json!({}),
    );
    cl(
        "s_server -cipher, TLS 1.2",
        tls12.clone(),
        with(cert("rsa.pem"), &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
        "localhost",
        json!({}),
    );
    let alpn = merge(&trust, json!({"alpn": ["http/1.1", "h2"]}));
    cl(
        "ALPN, server preference",
        alpn.clone(),
        with(cert("ec.pem"), &["-alpn", "h2,http/1.1"]),
        "localhost",
        json!({}),
    );
    cl(
        "ALPN, no overlap",
        alpn.clone(),
        with(cert("ec.pem"), &["-alpn", "foo"]),
        "localhost",
        json!({}),
    );
    cl(
        "unknown CA",
        trust.clone(),
        with(cert("unknownca.pem"), &[]),
        "localhost",
        json!({}),
    );
    cl(
        "hostname mismatch",
        trust.clone(),
        with(cert("ec.pem"), &[]),
        "other.example",
        json!({}),
    );
    cl(
        "expired certificate",
        trust.clone(),
        with(cert("expired.pem"), &[]),
        "localhost",
        json!({}),
    );
    for (v, base) in [("1.3", &trust), ("1.2", &tls12)] {
        cl(
            &format!("client cert required, given, TLS {v}"),
            merge(base, json!({"cert": f("client.pem")})),
            Value::Array(verify_clients(cert("ec.pem"))),
            "localhost",
            json!({}),
        );
        cl(
            &format!("client cert required, missing, TLS {v}"),
            base.clone(),
            Value::Array(verify_clients(cert("ec.pem"))),
            "localhost",
            json!({}),
        );
        cl(
            &format!("resumption, TLS {v}"),
            base.clone(),
            with(cert("ec.pem"), &[]),
            "localhost",
            json!({"resume": true}),
        );
        cl(
            &format!("s_server cut after its ServerHello, TLS {v}"),
            base.clone(),
            with(cert("ec.pem"), &[]),
            "localhost",
            json!({"cut": true}),
        );
    }
    cl(
        "wrap_bio client",
        merge(&trust, json!({"bio": true})),
        with(cert("ec.pem"), &[]),
        "localhost",
        json!({}),
    );
    cl(
        "wrap_bio client, hostname mismatch",
        merge(&trust, json!({"bio": true})),
        with(cert("ec.pem"), &[]),
        "other.example",
        json!({}),
    );

    let verify = |name: &str| {
        vec![
            json!("-servername"),
            json!(name),
            json!("-verify_hostname"),
            json!(name),
            json!("-CAfile"),
            json!(f("root.crt")),
            json!("-verify_return_error"),
        ]
    };
    let srv = |n: &str| json!({"cert": f(n)});
    let mut server = Vec::new();
    let mut sv = |name: &str, me: Value, openssl: Vec<Value>, extra: Value| {
        let s = json!({"name": name, "me": me, "openssl": openssl});
        server.push(merge(&s, extra));
    };
    sv(
        "s_client default",
        srv("ec.pem"),
        verify("localhost"),
        json!({}),
    );
    for pin in ["-tls1_2", "-tls1_3"] {
        let mut a = verify("localhost");
        a.push(json!(pin));
        sv(&format!("s_client {pin}"), srv("ec.pem"), a, json!({}));
    }
    let mut a = verify("localhost");
    a.push(json!("-tls1_3"));
    sv(
        "s_client -tls1_3 vs server TLS 1.2 only",
        merge(&srv("ec.pem"), json!({"max_version": "TLSv1_2"})),
        a,
        json!({}),
    );
    sv(
        "server RSA certificate",
        srv("rsa.pem"),
        verify("localhost"),
        json!({}),
    );
    for (name, theirs) in [("overlap", "h2"), ("no overlap", "foo")] {
        let mut a = verify("localhost");
        a.extend([json!("-alpn"), json!(theirs)]);
        sv(
            &format!("ALPN {name}"),
            merge(&srv("ec.pem"), json!({"alpn": ["http/1.1", "h2"]})),
            a,
            json!({}),
        );
    }
    sv(
        "s_client rejects an unknown CA",
        srv("unknownca.pem"),
        verify("localhost"),
        json!({}),
    );
    sv(
        "s_client hostname mismatch",
        srv("ec.pem"),
        verify("other.example"),
        json!({}),
    );
    let auth = json!({"cert": f("ec.pem"), "cafile": f("root.crt"), "verify_mode": 2});
    for (v, pin) in [("1.3", "-tls1_3"), ("1.2", "-tls1_2")] {
        let mut a = verify("localhost");
        a.push(json!(pin));
        let mut given = a.clone();
        given.extend([json!("-cert"), json!(f("client.pem"))]);
        sv(
            &format!("client cert required, given, TLS {v}"),
            auth.clone(),
            given,
            json!({}),
        );
        sv(
            &format!("client cert required, missing, TLS {v}"),
            auth.clone(),
            a.clone(),
            json!({}),
        );
        sv(
            &format!("s_client cut after its ClientHello, TLS {v}"),
            srv("ec.pem"),
            a,
            json!({"cut": true}),
        );
    }
    sv(
        "wrap_bio server",
        merge(&srv("ec.pem"), json!({"bio": true})),
        verify("localhost"),
        json!({}),
    );
    Suite { client, server }
}

/// The client under test against fresh s_servers, one per scenario: CPython's clients all in
/// one interpreter, or pyssl's here.
fn client_run(
    scenarios: &[Value],
    dir: &Path,
    python: Option<&Path>,
    profile: Profile,
) -> Vec<Value> {
    let mut peers = Vec::new();
    let mut ports = Vec::new();
    let mut cuts = Vec::new();
    for s in scenarios {
        let (peer, mut port) = s_server(&strings(&s["openssl"]), connections(s), dir);
        if s["cut"] == true {
            let (p, t) = cutter(port);
            port = p;
            cuts.push(t);
        }
        peers.push(peer);
        ports.push(port);
    }
    let mine: Vec<Value> = match python {
        Some(python) => {
            let as_peers: Vec<Value> = scenarios
                .iter()
                .map(|s| {
                    merge(
                        s,
                        json!({"peer": s["me"], "peer_hostname": s["server_hostname"]}),
                    )
                })
                .collect();
            let out = oracle_run(
                python,
                "peer-clients",
                &json!({"scenarios": as_peers, "ports": ports}),
            );
            out.as_array().unwrap().clone()
        }
        None => scenarios
            .iter()
            .zip(&ports)
            .map(|(s, &port)| {
                pyssl_side::run_client(
                    &s["me"],
                    port,
                    &s["server_hostname"],
                    s["resume"] == true,
                    None,
                    profile,
                )
            })
            .collect(),
    };
    for t in cuts {
        t.join().unwrap();
    }
    mine.into_iter()
        .zip(peers)
        .map(|(me, peer)| json!({"me": me, "peer": peer.finish()}))
        .collect()
}

/// The server under test (CPython's in one interpreter, or pyssl's here) against one
/// `openssl s_client` per scenario.
fn server_run(scenarios: &[Value], python: Option<&Path>, profile: Profile) -> Vec<Value> {
    let mut threads = Vec::new();
    let mut oracle = None;
    let ports: Vec<u16> = match python {
        Some(python) => {
            let mut child = Command::new(python)
                .args(["-c", super::SCRIPT, "servers"])
                .env_remove("SSLKEYLOGFILE")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn python");
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", json!({"scenarios": scenarios})).unwrap();
            drop(stdin);
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            let ports: Value = serde_json::from_str(&line).expect("ports");
            oracle = Some((Reaped(child), out));
            ports["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_u64().unwrap() as u16)
                .collect()
        }
        None => scenarios
            .iter()
            .map(|s| {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                let (cfg, n) = (s["me"].clone(), connections(s));
                threads.push(std::thread::spawn(move || {
                    pyssl_side::serve(listener, cfg, n, None, profile)
                }));
                port
            })
            .collect(),
    };
    let peers: Vec<Value> = scenarios
        .iter()
        .zip(&ports)
        .map(|(s, &port)| {
            let (port, cut) = if s["cut"] == true {
                let (p, t) = cutter(port);
                (p, Some(t))
            } else {
                (port, None)
            };
            let observed = s_client(port, &strings(&s["openssl"])).finish();
            if let Some(t) = cut {
                t.join().unwrap();
            }
            observed
        })
        .collect();
    let mine: Vec<Value> = match oracle {
        Some((mut child, mut out)) => {
            let mut rest = String::new();
            out.read_to_string(&mut rest).unwrap();
            assert!(child.0.wait().unwrap().success(), "oracle servers failed");
            serde_json::from_str::<Value>(&rest)
                .expect("oracle JSON")
                .as_array()
                .unwrap()
                .clone()
        }
        None => threads.into_iter().map(|t| t.join().unwrap()).collect(),
    };
    mine.into_iter()
        .zip(peers)
        .map(|(me, peer)| json!({"me": me, "peer": peer}))
        .collect()
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(profile: Profile) {
    assert!(
        openssl_available(),
        "the openssl command-line tool is needed for the interop suite"
    );
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let certs = certs::generate();
    std::fs::write(certs.path.join("greeting.txt"), "hello from server\n").unwrap();
    let suite = scenarios(&certs);
    let py_client = client_run(&suite.client, &certs.path, Some(&oracle.python), profile);
    let rs_client = client_run(&suite.client, &certs.path, None, profile);
    let py_server = server_run(&suite.server, Some(&oracle.python), profile);
    let rs_server = server_run(&suite.server, None, profile);
    let label = profile.label();
    let mut failures = super::compare(
        &label,
        "openssl client",
        &suite.client,
        &py_client,
        &rs_client,
    );
    failures.extend(super::compare(
        &label,
        "openssl server",
        &suite.server,
        &py_server,
        &rs_server,
    ));
    if std::env::var_os("PYSSL_HANDSHAKE_DUMP").is_some() {
        for (s, r) in suite
            .client
            .iter()
            .zip(&rs_client)
            .chain(suite.server.iter().zip(&rs_server))
        {
            eprintln!("{} => {}", s["name"], r);
        }
    }
    eprintln!(
        "interop {label} vs {} and {}: {} client scenarios against s_server, {} server scenarios against s_client, {} differences",
        oracle.python.display(),
        String::from_utf8_lossy(
            &Command::new("openssl")
                .arg("version")
                .output()
                .unwrap()
                .stdout
        )
        .trim(),
        suite.client.len(),
        suite.server.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn interop_openssl_py311() {
    run(Profile::PY311);
}

#[test]
fn interop_openssl_py313() {
    run(Profile::PY313_0);
}
