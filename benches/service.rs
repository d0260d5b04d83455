//! What a TLS service costs on `pyssl::tokio` next to raw tokio-openssl with the same settings
//! (issue 14, first part; BENCHMARKS.md, "Services").
//!
//! One process, two single-threaded tokio runtimes, one per core: the server's on its own
//! thread, the load generator's on the main thread, over 127.0.0.1. For each key type
//! (ECDSA P-256, RSA-2048) the server listens once per contender and section; the load
//! generator runs the contenders alternately, `ROUNDS` times, and a figure is the median over
//! rounds of the contender's rate in its round (ratios are taken within a round).
//!
//! * `hs`: full TLS 1.3 handshakes per second, `CONCURRENCY` clients in a loop: connect,
//!   handshake (the client verifies the chain and `localhost`), one byte each way,
//!   close_notify, close.
//! * `resumed`: the same, each client offering the session (TLS 1.3 ticket) of its previous
//!   connection; a connection that does not resume fails the run.
//! * `req`: requests per second over `CONCURRENCY` kept-alive connections: a 1 KiB request,
//!   a 4 KiB response.
//! * `bulk`: MiB/s of one connection's 64 MiB server-to-client stream, in 16 KiB writes.
//!
//! The contenders: pyssl (`create_default_context` on both sides, `pyssl::tokio::accept` /
//! `connect`), and raw rust-openssl (`SslAcceptor::mozilla_intermediate_v5` and
//! `SslConnector::builder` given pyssl's settings by `apply_profile_defaults`, so both sides
//! negotiate the same suite) driven by tokio-openssl.
//!
//! `cargo bench -j2 --features tokio --bench service [-- --quick] [hs] [resumed] [req] [bulk]`

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::ssl::{Ssl, SslAcceptor, SslConnector, SslFiletype, SslMethod};
use pyssl::Purpose;
use pyssl_testsupport::certs::{self, KeyKind, Spec};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CONCURRENCY: usize = 16;
const REQUEST: usize = 1024;
const RESPONSE: usize = 4096;
const BULK: usize = 64 << 20;
const CHUNK: usize = 16 << 10;

/// A session to resume, of either contender.
#[derive(Clone)]
enum Session {
    Pyssl(pyssl::SslSession),
    Raw(openssl::ssl::SslSession),
}

/// A connection of either contender.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {
    fn session(&self) -> Option<Session>;
    fn reused(&self) -> bool;
}

impl Io for pyssl::tokio::SslStream<TcpStream> {
    fn session(&self) -> Option<Session> {
        pyssl::tokio::SslStream::session(self).map(Session::Pyssl)
    }
    fn reused(&self) -> bool {
        self.session_reused()
    }
}

impl Io for tokio_openssl::SslStream<TcpStream> {
    fn session(&self) -> Option<Session> {
        self.ssl().session().map(|s| Session::Raw(s.to_owned()))
    }
    fn reused(&self) -> bool {
        self.ssl().session_reused()
    }
}

type Stream = Box<dyn Io>;
type Handshake = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

/// One contender's two sides.
#[derive(Clone)]
enum Side {
    Pyssl {
        server: Arc<pyssl::SslContext>,
        client: Arc<pyssl::SslContext>,
    },
    Raw {
        server: Arc<SslAcceptor>,
        client: Arc<SslConnector>,
    },
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Pyssl { .. } => "pyssl",
            Side::Raw { .. } => "raw",
        }
    }

    fn accept(&self, tcp: TcpStream) -> Handshake {
        match self.clone() {
            Side::Pyssl { server, .. } => Box::pin(async move {
                let tls = pyssl::tokio::accept(&server, tcp).await?;
                Ok(Box::new(tls) as Stream)
            }),
            Side::Raw { server, .. } => Box::pin(async move {
                let ssl = Ssl::new(server.context()).map_err(io::Error::other)?;
                let mut tls = tokio_openssl::SslStream::new(ssl, tcp).map_err(io::Error::other)?;
                Pin::new(&mut tls)
                    .accept()
                    .await
                    .map_err(io::Error::other)?;
                Ok(Box::new(tls) as Stream)
            }),
        }
    }

    fn connect(&self, tcp: TcpStream, session: Option<Session>) -> Handshake {
        match self.clone() {
            Side::Pyssl { client, .. } => Box::pin(async move {
                let tls = match session {
                    Some(Session::Pyssl(s)) => {
                        pyssl::tokio::connect_with_session(&client, tcp, Some("localhost"), &s)
                            .await?
                    }
                    _ => pyssl::tokio::connect(&client, tcp, Some("localhost")).await?,
                };
                Ok(Box::new(tls) as Stream)
            }),
            Side::Raw { client, .. } => Box::pin(async move {
                let mut ssl = client
                    .configure()
                    .and_then(|c| c.into_ssl("localhost"))
                    .map_err(io::Error::other)?;
                if let Some(Session::Raw(s)) = &session {
                    // SAFETY: the session comes from a connection of this same connector.
                    unsafe { ssl.set_session(s) }.map_err(io::Error::other)?;
                }
                let mut tls = tokio_openssl::SslStream::new(ssl, tcp).map_err(io::Error::other)?;
                Pin::new(&mut tls)
                    .connect()
                    .await
                    .map_err(io::Error::other)?;
                Ok(Box::new(tls) as Stream)
            }),
        }
    }
}

fn contenders(dir: &Path, key: KeyKind) -> Vec<Side> {
    let ca = certs::self_signed(&Spec::ca("pyssl bench CA"));
    let leaf = ca.issue(&Spec {
        key,
        ..Spec::default()
    });
    let (ca_pem, cert, key_pem) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    certs::write_pem(&ca_pem, &[&ca.cert], None);
    certs::write_pem(&cert, &[&leaf.cert], None);
    certs::write_pem(&key_pem, &[], Some(&leaf.key));
    let profile = pyssl::Profile::default();

    let server = pyssl::create_default_context(Purpose::CLIENT_AUTH).expect("server context");
    server
        .load_cert_chain(&cert, Some(&key_pem), None)
        .expect("server certificate");
    let opts = pyssl::CreateOptions {
        cafile: Some(&ca_pem),
        ..Default::default()
    };
    let client =
        pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).expect("client context");

    let mut acceptor =
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).expect("acceptor");
    pyssl::apply_profile_defaults(&mut acceptor, Purpose::CLIENT_AUTH, profile).expect("defaults");
    acceptor
        .set_certificate_chain_file(&cert)
        .and_then(|()| acceptor.set_private_key_file(&key_pem, SslFiletype::PEM))
        .expect("acceptor certificate");
    let mut connector = SslConnector::builder(SslMethod::tls_client()).expect("connector");
    pyssl::apply_profile_defaults(&mut connector, Purpose::SERVER_AUTH, profile).expect("defaults");
    connector.set_ca_file(&ca_pem).expect("connector CA");

    vec![
        Side::Pyssl {
            server: Arc::new(server),
            client: Arc::new(client),
        },
        Side::Raw {
            server: Arc::new(acceptor.build()),
            client: Arc::new(connector.build()),
        },
    ]
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Section {
    Handshakes,
    Resumed,
    Requests,
    Bulk,
}

/// What the server does on one connection of `section`, after its handshake.
async fn serve(mut tls: Stream, section: Section) -> io::Result<()> {
    match section {
        Section::Handshakes | Section::Resumed => {
            let mut b = [0u8; 1];
            tls.read_exact(&mut b).await?;
            tls.write_all(&b).await?;
            // Until the client closes.
            let _ = tls.read(&mut b).await;
        }
        Section::Requests => {
            let mut request = vec![0u8; REQUEST];
            let response = vec![7u8; RESPONSE];
            while tls.read_exact(&mut request).await.is_ok() {
                tls.write_all(&response).await?;
            }
        }
        Section::Bulk => {
            let chunk = vec![7u8; CHUNK];
            for _ in 0..BULK / CHUNK {
                tls.write_all(&chunk).await?;
            }
            tls.flush().await?;
            let mut b = [0u8; 1];
            let _ = tls.read(&mut b).await;
        }
    }
    Ok(())
}

/// The server thread: one listener per contender and section; returns their ports.
fn start_server(sides: &[Side]) -> Vec<[u16; 3]> {
    let (tx, rx) = std::sync::mpsc::channel();
    let sides = sides.to_vec();
    std::thread::spawn(move || {
        pin_to_cpu(0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let mut ports = Vec::new();
            for side in sides {
                let mut three = [0u16; 3];
                for (i, section) in [Section::Handshakes, Section::Requests, Section::Bulk]
                    .into_iter()
                    .enumerate()
                {
                    let listener = TcpListener::bind("127.0.0.1:0").await.expect("listen");
                    three[i] = listener.local_addr().expect("port").port();
                    let side = side.clone();
                    tokio::spawn(async move {
                        loop {
                            let Ok((tcp, _)) = listener.accept().await else {
                                continue;
                            };
                            let _ = tcp.set_nodelay(true);
                            let side = side.clone();
                            tokio::spawn(async move {
                                if let Ok(tls) = side.accept(tcp).await {
                                    let _ = serve(tls, section).await;
                                }
                            });
                        }
                    });
                }
                ports.push(three);
            }
            tx.send(ports).expect("ports");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("server started")
}

async fn connect(side: &Side, port: u16, session: Option<Session>) -> io::Result<Stream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    side.connect(tcp, session).await
}

/// Handshakes per second: `CONCURRENCY` loops of connect, handshake, a byte each way, close;
/// `resume`: each offering the session of its previous connection (the first is full).
async fn handshakes(side: &Side, port: u16, time: Duration, resume: bool) -> io::Result<f64> {
    let start = Instant::now();
    let deadline = start + time;
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let side = side.clone();
        loops.spawn(async move {
            let mut done = 0u64;
            let mut b = [1u8; 1];
            let mut session = None;
            while Instant::now() < deadline {
                let offered = session.is_some();
                let mut tls = connect(&side, port, session.take()).await?;
                tls.write_all(&b).await?;
                tls.read_exact(&mut b).await?;
                if offered && !tls.reused() {
                    return Err(io::Error::other("the session was not resumed"));
                }
                if resume {
                    session = tls.session();
                }
                // close_notify: raw OpenSSL makes the session of a connection freed without
                // one unresumable (pyssl, as CPython 3.13.1+, keeps it resumable).
                tls.shutdown().await?;
                done += 1;
            }
            io::Result::Ok(done)
        });
    }
    per_second(loops, start).await
}

/// What the `loops` did in all, per second since `start`.
async fn per_second(
    mut loops: tokio::task::JoinSet<io::Result<u64>>,
    start: Instant,
) -> io::Result<f64> {
    let mut done = 0;
    while let Some(n) = loops.join_next().await {
        done += n.map_err(io::Error::other)??;
    }
    Ok(done as f64 / start.elapsed().as_secs_f64())
}

/// Requests per second over `CONCURRENCY` connections made beforehand.
async fn requests(side: &Side, port: u16, time: Duration) -> io::Result<f64> {
    let mut streams = Vec::new();
    for _ in 0..CONCURRENCY {
        streams.push(connect(side, port, None).await?);
    }
    let start = Instant::now();
    let deadline = start + time;
    let mut loops = tokio::task::JoinSet::new();
    for mut tls in streams {
        loops.spawn(async move {
            let (request, mut response) = (vec![1u8; REQUEST], vec![0u8; RESPONSE]);
            let mut done = 0u64;
            while Instant::now() < deadline {
                tls.write_all(&request).await?;
                tls.read_exact(&mut response).await?;
                done += 1;
            }
            io::Result::Ok(done)
        });
    }
    per_second(loops, start).await
}

/// MiB per second of one connection's `BULK` bytes (the handshake is not timed).
async fn bulk(side: &Side, port: u16) -> io::Result<f64> {
    let mut tls = connect(side, port, None).await?;
    let mut buf = vec![0u8; CHUNK];
    let start = Instant::now();
    let mut got = 0;
    while got < BULK {
        match tls.read(&mut buf).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok((BULK >> 20) as f64 / start.elapsed().as_secs_f64())
}

/// Keep the calling thread on one CPU (the server on 0, the load generator on 1), so that the
/// two runtimes do not trade places between rounds; ignored where the machine refuses.
fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it; the call
    // reads it for the current thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        let _ = libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let wanted: Vec<Section> = [
        ("hs", Section::Handshakes),
        ("resumed", Section::Resumed),
        ("req", Section::Requests),
        ("bulk", Section::Bulk),
    ]
    .into_iter()
    .filter(|(name, _)| args.iter().all(|a| a.starts_with("--")) || args.iter().any(|a| a == name))
    .map(|(_, s)| s)
    .collect();
    let (rounds, time) = if quick {
        (3, Duration::from_millis(500))
    } else {
        (11, Duration::from_secs(2))
    };
    println!("OpenSSL: {}", openssl::version::version());
    println!("load average at start: {}", loadavg());
    println!(
        "{rounds} rounds, contenders alternating; {CONCURRENCY} concurrent clients; \
         {} s per handshake and request measurement",
        time.as_secs_f64()
    );
    println!(
        "{:<8} {:<9} {:>14} {:>14} {:>10}",
        "", "key", "pyssl", "raw", "pyssl/raw"
    );
    pin_to_cpu(1);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    for (key, key_name) in [(KeyKind::Ec, "P-256"), (KeyKind::Rsa(2048), "RSA-2048")] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let sides = contenders(dir.path(), key);
        let ports = start_server(&sides);
        for &section in &wanted {
            if section == Section::Bulk && key_name != "P-256" {
                continue;
            }
            let mut rates = vec![Vec::new(); sides.len()];
            let mut ratios = Vec::new();
            for round in 0..rounds {
                let mut this_round = vec![0.0; sides.len()];
                // Alternate which contender goes first.
                let mut order: Vec<usize> = if round % 2 == 0 {
                    vec![0, 1]
                } else {
                    vec![1, 0]
                };
                // For a profiler: only one contender (`SERVICE_ONLY=pyssl` or `raw`).
                if let Ok(only) = std::env::var("SERVICE_ONLY") {
                    order.retain(|&i| sides[i].name() == only);
                }
                for i in order {
                    let (side, port) = (&sides[i], ports[i]);
                    let r = client.block_on(async {
                        match section {
                            Section::Handshakes => handshakes(side, port[0], time, false).await,
                            Section::Resumed => handshakes(side, port[0], time, true).await,
                            Section::Requests => requests(side, port[1], time).await,
                            Section::Bulk => bulk(side, port[2]).await,
                        }
                    });
                    let r = r.unwrap_or_else(|e| panic!("{} {section:?}: {e}", side.name()));
                    this_round[i] = r;
                    rates[i].push(r);
                }
                if this_round.iter().all(|&r| r > 0.0) {
                    ratios.push(this_round[0] / this_round[1]);
                }
            }
            let (label, unit) = match section {
                Section::Handshakes => ("hs", "/s"),
                Section::Resumed => ("resumed", "/s"),
                Section::Requests => ("req", "/s"),
                Section::Bulk => ("bulk", " MiB/s"),
            };
            let shown = |r: f64| format!("{r:.0}{unit}");
            let median = |v: Vec<f64>| if v.is_empty() { f64::NAN } else { median(v) };
            println!(
                "{label:<8} {key_name:<9} {:>14} {:>14} {:>10.3}",
                shown(median(rates[0].clone())),
                shown(median(rates[1].clone())),
                median(ratios)
            );
        }
    }
    println!("load average at the end: {}", loadavg());
}
