//! What a TLS service costs on `pyssl::tokio` next to what a team would otherwise pick: raw
//! tokio-openssl with the same settings, tokio-rustls, and CPython's asyncio (issue 14;
//! BENCHMARKS.md, "Services").
//!
//! Two single-threaded tokio runtimes, one per core: the server's on its own thread (CPU 0),
//! the load generator's on the main thread (CPU 1), over 127.0.0.1. For each key type (ECDSA
//! P-256, RSA-2048) the server listens once per contender and section; the load generator
//! runs the contenders in turn, `rounds` times, the Rust contenders' order rotating each round
//! and asyncio last (its server process may still be closing connections afterwards), a
//! pause between any two; a figure is the median over rounds of the contender's rate in its
//! round; a ratio is taken within a round, then its median.
//!
//! * `hs`: full TLS 1.3 handshakes per second, `CONCURRENCY` clients in a loop: connect,
//!   handshake (the client verifies the chain and `localhost`), one byte each way,
//!   close_notify, close.
//! * `resumed`: the same, each client offering a ticket of its previous connection; a
//!   connection that does not resume fails the run.
//! * `req`: requests per second over `CONCURRENCY` kept-alive connections: a 1 KiB request,
//!   a 4 KiB response.
//! * `bulk`: MiB/s of one connection's 64 MiB server-to-client stream, in 16 KiB writes.
//! * `idle` (P-256): the server in its own process; `IDLE` connections opened, each after one
//!   request, and left open: the server's RSS growth per connection, then the p50/p99 latency
//!   of `LATENCY_REQUESTS` requests, one at a time, on one more connection.
//!
//! The contenders:
//! * `pyssl`: `create_default_context` on both sides, `pyssl::tokio::accept` / `connect`.
//! * `raw`: rust-openssl's `SslAcceptor::mozilla_intermediate_v5` and `SslConnector::builder`,
//!   given pyssl's settings by `apply_profile_defaults` (so both negotiate the same suite and
//!   group), driven by tokio-openssl.
//! * `rustls`: tokio-rustls with rustls's defaults (aws-lc-rs provider): X25519MLKEM768 key
//!   exchange, and a server that resumes from a 256-entry session cache, not from tickets.
//! * `rustls-os`: the same given OpenSSL's choices where rustls's defaults differ: the key
//!   exchange OpenSSL's defaults negotiate on the line this binary is built on, stateless
//!   tickets. Suite and versions already agree (TLS_AES_256_GCM_SHA384, TLS 1.2–1.3).
//! * `asyncio`: CPython 3.13 (`benches/service_asyncio.py`), server and client each in its own
//!   process, pinned like the Rust runtimes. asyncio has no way to offer a session, so its
//!   `resumed` figure is its server against pyssl's client; its `idle` client is pyssl's too.
//!
//! `cargo bench -j2 --features tokio --bench service [-- --quick] [--rounds N]
//! [--only NAME,...] [hs] [resumed] [req] [bulk] [idle]`; `ci/bench-service` runs it on each
//! OpenSSL line.

use std::future::Future;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::pkey::PKey;
use openssl::ssl::{Ssl, SslAcceptor, SslConnector, SslFiletype, SslMethod};
use openssl::x509::X509;
use pyssl::Purpose;
use pyssl_testsupport::certs::{self, KeyKind, Spec};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CONCURRENCY: usize = 16;
const REQUEST: usize = 1024;
const RESPONSE: usize = 4096;
const BULK: usize = 64 << 20;
const CHUNK: usize = 16 << 10;
const IDLE: usize = 10_000;
const IDLE_CONCURRENCY: usize = 64;
const LATENCY_REQUESTS: usize = 2_000;

/// A session to resume, of either OpenSSL contender.
#[derive(Clone)]
enum Session {
    Pyssl(pyssl::SslSession),
    Raw(openssl::ssl::SslSession),
}

/// A connection of any Rust contender.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {
    /// The session to offer next time (rustls keeps it in its client configuration instead).
    fn session(&self) -> Option<Session>;
    fn reused(&self) -> bool;
    /// "suite, group" of the handshake.
    fn negotiated(&self) -> String;
}

/// "suite, group" of an OpenSSL connection (`SSL_get_negotiated_group`: OpenSSL 3.0 has no
/// `SSL_get0_group_name`).
fn openssl_negotiated(ssl: &openssl::ssl::SslRef) -> String {
    use foreign_types::ForeignTypeRef;
    let suite = ssl
        .current_cipher()
        .map_or("none", |c| c.standard_name().unwrap_or("?"));
    // SAFETY: a control query on a live connection (`SSL_CTRL_GET_NEGOTIATED_GROUP`, 134).
    let id = unsafe { openssl_sys::SSL_ctrl(ssl.as_ptr(), 134, 0, std::ptr::null_mut()) } as i32;
    // A group without a NID comes back as `TLSEXT_nid_unknown | codepoint`.
    let group = match id {
        _ if id & 0x0100_0000 != 0 => match id & 0xffff {
            0x11ec => "X25519MLKEM768".to_string(),
            cp => format!("group 0x{cp:04x}"),
        },
        _ => openssl::nid::Nid::from_raw(id)
            .short_name()
            .unwrap_or("?")
            .to_string(),
    };
    format!("{suite}, {group}")
}

fn rustls_negotiated(conn: &rustls::CommonState) -> String {
    let suite = conn
        .negotiated_cipher_suite()
        .map_or("none".to_string(), |s| format!("{:?}", s.suite()));
    let group = conn
        .negotiated_key_exchange_group()
        .map_or("none".to_string(), |g| format!("{:?}", g.name()));
    format!("{suite}, {group}")
}

impl Io for pyssl::tokio::SslStream<TcpStream> {
    fn session(&self) -> Option<Session> {
        pyssl::tokio::SslStream::session(self).map(Session::Pyssl)
    }
    fn reused(&self) -> bool {
        self.session_reused()
    }
    fn negotiated(&self) -> String {
        openssl_negotiated(self.ssl())
    }
}

impl Io for tokio_openssl::SslStream<TcpStream> {
    fn session(&self) -> Option<Session> {
        self.ssl().session().map(|s| Session::Raw(s.to_owned()))
    }
    fn reused(&self) -> bool {
        self.ssl().session_reused()
    }
    fn negotiated(&self) -> String {
        openssl_negotiated(self.ssl())
    }
}

/// Both ends of a tokio-rustls connection (their `get_ref().1` derefs to `CommonState`).
macro_rules! rustls_io {
    ($($stream:ty),*) => {$(
        impl Io for $stream {
            fn session(&self) -> Option<Session> {
                None
            }
            fn reused(&self) -> bool {
                self.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
            }
            fn negotiated(&self) -> String {
                rustls_negotiated(self.get_ref().1)
            }
        }
    )*};
}

rustls_io!(
    tokio_rustls::client::TlsStream<TcpStream>,
    tokio_rustls::server::TlsStream<TcpStream>
);

type Stream = Box<dyn Io>;
type Handshake = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

/// One Rust contender's two sides.
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
    Rustls {
        name: &'static str,
        server: Arc<rustls::ServerConfig>,
        /// Resumption off, for full handshakes.
        full: Arc<rustls::ClientConfig>,
        /// rustls's default in-memory ticket store.
        resuming: Arc<rustls::ClientConfig>,
    },
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Pyssl { .. } => "pyssl",
            Side::Raw { .. } => "raw",
            Side::Rustls { name, .. } => name,
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
            Side::Rustls { server, .. } => Box::pin(async move {
                let tls = tokio_rustls::TlsAcceptor::from(server).accept(tcp).await?;
                Ok(Box::new(tls) as Stream)
            }),
        }
    }

    /// This side for one client loop: rustls's ticket store belongs to a client
    /// configuration, so each loop gets its own (loops sharing one take each other's tickets,
    /// as a process does; the OpenSSL contenders keep theirs per loop too).
    fn for_one_client(&self) -> Side {
        match self {
            Side::Rustls {
                name,
                server,
                full,
                resuming,
            } => {
                let mut config = (**resuming).clone();
                config.resumption = rustls::client::Resumption::default();
                Side::Rustls {
                    name,
                    server: server.clone(),
                    full: full.clone(),
                    resuming: Arc::new(config),
                }
            }
            other => other.clone(),
        }
    }

    /// A client handshake; `resume`: offer what the previous connection left (`session` for
    /// the OpenSSL contenders; rustls's client configuration keeps its own tickets).
    fn connect(&self, tcp: TcpStream, session: Option<Session>, resume: bool) -> Handshake {
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
            Side::Rustls { full, resuming, .. } => Box::pin(async move {
                let config = if resume { resuming } else { full };
                let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
                let tls = tokio_rustls::TlsConnector::from(config)
                    .connect(name, tcp)
                    .await?;
                Ok(Box::new(tls) as Stream)
            }),
        }
    }
}

/// The CA, the leaf (for `localhost`) and its key of one key type, in `dir`.
fn write_certs(dir: &Path, key: KeyKind) {
    let ca = certs::self_signed(&Spec::ca("pyssl bench CA"));
    let leaf = ca.issue(&Spec {
        key,
        ..Spec::default()
    });
    certs::write_pem(&dir.join("ca.pem"), &[&ca.cert], None);
    certs::write_pem(&dir.join("cert.pem"), &[&leaf.cert], None);
    certs::write_pem(&dir.join("key.pem"), &[], Some(&leaf.key));
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Rust contenders, on the certificates `write_certs` left in `dir`: pyssl and raw, and
/// the rustls ones that are `wanted` (their provider seeds itself from jitter entropy, whose
/// cost varies from run to run: left out, it does not blur instruction counts).
fn contenders(dir: &Path, wanted: &dyn Fn(&str) -> bool) -> Vec<Side> {
    let (ca_pem, cert, key_pem) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
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

    let der = |pem: &Path| -> CertificateDer<'static> {
        let x = X509::from_pem(&read(pem)).expect("certificate");
        CertificateDer::from(x.to_der().expect("DER"))
    };
    let pkcs8 = PKey::private_key_from_pem(&read(&key_pem))
        .and_then(|k| k.private_key_to_pkcs8())
        .expect("PKCS#8 key");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der(&ca_pem)).expect("rustls root");
    // One rustls contender: `openssl_like` gives it the key exchange OpenSSL's defaults
    // negotiate (X25519 through OpenSSL 3.4, X25519MLKEM768 from 3.5; rustls's defaults put
    // X25519MLKEM768, then secp384r1 first) and stateless tickets (its default server resumes
    // from a 256-entry session cache).
    let rustls_side = |name: &'static str, openssl_like: bool| {
        use rustls::crypto::aws_lc_rs::{default_provider, kx_group};
        let mut provider = default_provider();
        if openssl_like {
            let classic = [kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1];
            provider.kx_groups = if openssl::version::number() >= 0x3050_0000 {
                [&[kx_group::X25519MLKEM768][..], &classic].concat()
            } else {
                classic.to_vec()
            };
        }
        let provider = Arc::new(provider);
        let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("rustls versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![der(&cert)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.clone())),
            )
            .expect("rustls server");
        if openssl_like {
            server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().expect("ticketer");
        }
        let client = |resumption| {
            let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .expect("rustls versions")
                .with_root_certificates(roots.clone())
                .with_no_client_auth();
            config.resumption = resumption;
            Arc::new(config)
        };
        Side::Rustls {
            name,
            server: Arc::new(server),
            full: client(rustls::client::Resumption::disabled()),
            resuming: client(rustls::client::Resumption::default()),
        }
    };

    let mut sides = vec![
        Side::Pyssl {
            server: Arc::new(server),
            client: Arc::new(client),
        },
        Side::Raw {
            server: Arc::new(acceptor.build()),
            client: Arc::new(connector.build()),
        },
    ];
    for (name, openssl_like) in [("rustls", false), ("rustls-os", true)] {
        if wanted(name) {
            sides.push(rustls_side(name, openssl_like));
        }
    }
    sides
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Section {
    Handshakes,
    Resumed,
    Requests,
    Bulk,
    Idle,
}

impl Section {
    const ALL: [(&'static str, Section); 5] = [
        ("hs", Section::Handshakes),
        ("resumed", Section::Resumed),
        ("req", Section::Requests),
        ("bulk", Section::Bulk),
        ("idle", Section::Idle),
    ];

    fn label(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(l, _)| l)
    }

    /// Which of a server's three listeners serves this section.
    fn listener(self) -> usize {
        match self {
            Section::Handshakes | Section::Resumed => 0,
            Section::Requests | Section::Idle => 1,
            Section::Bulk => 2,
        }
    }
}

/// What the server does on one connection of listener `which` (`Section::listener`), after
/// its handshake.
async fn serve(mut tls: Stream, which: usize) -> io::Result<()> {
    match which {
        0 => {
            let mut b = [0u8; 1];
            tls.read_exact(&mut b).await?;
            tls.write_all(&b).await?;
            // Until the client closes.
            let _ = tls.read(&mut b).await;
        }
        1 => {
            let mut request = vec![0u8; REQUEST];
            let response = vec![7u8; RESPONSE];
            while tls.read_exact(&mut request).await.is_ok() {
                tls.write_all(&response).await?;
            }
        }
        _ => {
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

/// Three listeners (handshakes, requests, bulk) for `side` on the current runtime.
async fn listen(side: &Side) -> [u16; 3] {
    let mut ports = [0u16; 3];
    for (which, port) in ports.iter_mut().enumerate() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("listen");
        *port = listener.local_addr().expect("port").port();
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
                        let _ = serve(tls, which).await;
                    }
                });
            }
        });
    }
    ports
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The server thread (CPU 0): every contender's listeners; returns their ports.
fn start_server(sides: &[Side]) -> Vec<[u16; 3]> {
    let (tx, rx) = std::sync::mpsc::channel();
    let sides = sides.to_vec();
    std::thread::spawn(move || {
        pin_to_cpu(0);
        runtime().block_on(async move {
            let mut ports = Vec::new();
            for side in &sides {
                ports.push(listen(side).await);
            }
            tx.send(ports).expect("ports");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("server started")
}

/// `SERVICE_SERVE=NAME SERVICE_DIR=DIR`: this binary as one contender's server process (for
/// `idle`): prints its ports, serves until its standard input closes.
fn serve_process(name: &str, dir: &Path) {
    pin_to_cpu(0);
    let side = contenders(dir, &|n| n == name)
        .into_iter()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no contender {name}"));
    runtime().block_on(async move {
        let ports = listen(&side).await;
        println!("{} {} {}", ports[0], ports[1], ports[2]);
        let _ = tokio::task::spawn_blocking(|| io::copy(&mut io::stdin(), &mut io::sink())).await;
    });
}

async fn connect(
    side: &Side,
    port: u16,
    session: Option<Session>,
    resume: bool,
) -> io::Result<Stream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    side.connect(tcp, session, resume).await
}

/// Handshakes per second: `CONCURRENCY` loops of connect, handshake, a byte each way, close;
/// `resume`: each offering what its previous connection left (the first is full).
async fn handshakes(side: &Side, port: u16, time: Duration, resume: bool) -> io::Result<Rate> {
    let start = Clocks::now();
    let deadline = start.wall + time;
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let side = side.for_one_client();
        loops.spawn(async move {
            let mut done = 0u64;
            let mut b = [1u8; 1];
            let mut session = None;
            while Instant::now() < deadline {
                let mut tls = connect(&side, port, session.take(), resume).await?;
                tls.write_all(&b).await?;
                tls.read_exact(&mut b).await?;
                if resume && done > 0 && !tls.reused() {
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

/// One throughput measurement of `side` against the listener on `port`.
async fn measure(side: &Side, section: Section, port: u16, time: Duration) -> io::Result<Rate> {
    match section {
        Section::Handshakes => handshakes(side, port, time, false).await,
        Section::Resumed => handshakes(side, port, time, true).await,
        Section::Requests => requests(side, port, time).await,
        Section::Bulk => bulk(side, port).await,
        Section::Idle => Err(io::Error::other("idle is not a throughput section")),
    }
}

/// A rate, and the CPU time (both runtimes: the whole process) each unit of it took.
#[derive(Clone, Copy)]
struct Rate {
    per_sec: f64,
    cpu_us: f64,
    /// How many units were done (for instruction counts per unit: `SERVICE_UNITS=1`).
    units: f64,
}

/// Wall clock and this process's CPU time (user and system, every thread).
#[derive(Clone, Copy)]
struct Clocks {
    wall: Instant,
    cpu: Duration,
}

impl Clocks {
    fn now() -> Clocks {
        // SAFETY: getrusage fills the zeroed struct it is given.
        let usage = unsafe {
            let mut u: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut u);
            u
        };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        Clocks {
            wall: Instant::now(),
            cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        }
    }

    /// `units` done since `self`.
    fn rate(self, units: f64) -> Rate {
        let now = Clocks::now();
        Rate {
            per_sec: units / (now.wall - self.wall).as_secs_f64(),
            cpu_us: (now.cpu - self.cpu).as_secs_f64() * 1e6 / units,
            units,
        }
    }
}

/// What the `loops` did in all, as a rate since `start`.
async fn per_second(
    mut loops: tokio::task::JoinSet<io::Result<u64>>,
    start: Clocks,
) -> io::Result<Rate> {
    let mut done = 0;
    while let Some(n) = loops.join_next().await {
        done += n.map_err(io::Error::other)??;
    }
    Ok(start.rate(done as f64))
}

/// One 1 KiB request and its 4 KiB response.
async fn request(tls: &mut Stream, request: &[u8], response: &mut [u8]) -> io::Result<()> {
    tls.write_all(request).await?;
    tls.read_exact(response).await?;
    Ok(())
}

/// Requests per second over `CONCURRENCY` connections made beforehand.
async fn requests(side: &Side, port: u16, time: Duration) -> io::Result<Rate> {
    let mut streams = Vec::new();
    for _ in 0..CONCURRENCY {
        streams.push(connect(side, port, None, false).await?);
    }
    let start = Clocks::now();
    let deadline = start.wall + time;
    let mut loops = tokio::task::JoinSet::new();
    for mut tls in streams {
        loops.spawn(async move {
            let (req, mut resp) = (vec![1u8; REQUEST], vec![0u8; RESPONSE]);
            let mut done = 0u64;
            while Instant::now() < deadline {
                request(&mut tls, &req, &mut resp).await?;
                done += 1;
            }
            io::Result::Ok(done)
        });
    }
    per_second(loops, start).await
}

/// MiB per second of one connection's `BULK` bytes (the handshake is not timed).
async fn bulk(side: &Side, port: u16) -> io::Result<Rate> {
    let mut tls = connect(side, port, None, false).await?;
    let mut buf = vec![0u8; CHUNK];
    let start = Clocks::now();
    let mut got = 0;
    while got < BULK {
        match tls.read(&mut buf).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok(start.rate((BULK >> 20) as f64))
}

/// What `idle` measured of one server.
struct IdleFigures {
    kib_per_connection: f64,
    p50_us: f64,
    p99_us: f64,
}

/// The server process's resident set, in KiB.
fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| io::Error::other("no VmRSS"))
}

/// `IDLE` connections to the server process `pid` on `port` (each after one request), the
/// RSS they cost it, and the latency of requests on one more while they stay open.
async fn idle(side: &Side, port: u16, pid: u32) -> io::Result<IdleFigures> {
    let (req, mut resp) = (vec![1u8; REQUEST], vec![0u8; RESPONSE]);
    let mut warm = connect(side, port, None, false).await?;
    request(&mut warm, &req, &mut resp).await?;
    warm.shutdown().await?;
    drop(warm);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(pid)?;

    let mut open = Vec::with_capacity(IDLE);
    let mut batch = tokio::task::JoinSet::new();
    while open.len() < IDLE {
        for _ in 0..IDLE_CONCURRENCY.min(IDLE - open.len()) {
            let side = side.clone();
            batch.spawn(async move {
                let (req, mut resp) = (vec![1u8; REQUEST], vec![0u8; RESPONSE]);
                let mut tls = connect(&side, port, None, false).await?;
                request(&mut tls, &req, &mut resp).await?;
                io::Result::Ok(tls)
            });
        }
        while let Some(tls) = batch.join_next().await {
            open.push(tls.map_err(io::Error::other)??);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid)?;

    let mut probe = connect(side, port, None, false).await?;
    let mut latencies = Vec::with_capacity(LATENCY_REQUESTS);
    for _ in 0..LATENCY_REQUESTS {
        let t = Instant::now();
        request(&mut probe, &req, &mut resp).await?;
        latencies.push(t.elapsed().as_secs_f64() * 1e6);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    Ok(IdleFigures {
        kib_per_connection: after.saturating_sub(before) as f64 / IDLE as f64,
        p50_us: at(0.50),
        p99_us: at(0.99),
    })
}

/// A server process (this binary's `serve_process`, or asyncio's) and its three ports; it
/// ends when dropped (its standard input closes).
struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    ports: [u16; 3],
}

impl ServerProcess {
    fn start(mut cmd: Command) -> io::Result<ServerProcess> {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
        pin_child_to_cpu(&mut cmd, 0);
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line)?;
        let ports: Vec<u16> = line
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        let ports: [u16; 3] = ports
            .try_into()
            .map_err(|_| io::Error::other(format!("server process printed {line:?}")))?;
        Ok(ServerProcess {
            child,
            stdin,
            ports,
        })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// CPython's asyncio contender: an interpreter loading the same OpenSSL as this binary.
struct Asyncio {
    python: PathBuf,
    script: PathBuf,
    /// `LD_LIBRARY_PATH` for it (`PYSSL_ORACLE_LD_LIBRARY_PATH`, as the OpenSSL matrix sets).
    library_path: Option<String>,
}

impl Asyncio {
    /// The interpreter, or why the contender does not run.
    fn find() -> Result<Asyncio, String> {
        let python = pyssl_testsupport::python::find_python("3.13").ok_or(
            "no CPython 3.13 (pyenv install 3.13.0, or set PYSSL_PYTHON_3_13)".to_string(),
        )?;
        let asyncio = Asyncio {
            python,
            script: Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/service_asyncio.py"),
            library_path: std::env::var("PYSSL_ORACLE_LD_LIBRARY_PATH").ok(),
        };
        let out = asyncio
            .command()
            .args(["-c", "import ssl; print(ssl.OPENSSL_VERSION)"])
            .output()
            .map_err(|e| format!("{}: {e}", asyncio.python.display()))?;
        let theirs = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let ours = openssl::version::version();
        // "OpenSSL 3.0.19 27 Jan 2026" against "OpenSSL 3.0.19 27 Jan 2026": the same release.
        let release = |s: &str| s.split_whitespace().nth(1).unwrap_or("").to_string();
        if release(&theirs) != release(ours) {
            return Err(format!(
                "{} loads {theirs:?}, this build {ours:?} (set PYSSL_ORACLE_LD_LIBRARY_PATH)",
                asyncio.python.display()
            ));
        }
        Ok(asyncio)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.python);
        if let Some(path) = &self.library_path {
            cmd.env("LD_LIBRARY_PATH", path);
        }
        cmd
    }

    fn server(&self, dir: &Path) -> io::Result<ServerProcess> {
        let mut cmd = self.command();
        cmd.arg(&self.script).arg("server").arg(dir);
        cmd.args([REQUEST, RESPONSE, BULK, CHUNK].map(|n| n.to_string()));
        ServerProcess::start(cmd)
    }

    /// One measurement by the asyncio client (its own process, on CPU 1).
    fn client(&self, section: Section, port: u16, time: Duration, dir: &Path) -> io::Result<f64> {
        let mut cmd = self.command();
        cmd.arg(&self.script)
            .arg("client")
            .arg(section.label())
            .arg(port.to_string())
            .arg(time.as_secs_f64().to_string())
            .arg(dir);
        cmd.args([CONCURRENCY, REQUEST, RESPONSE, BULK, CHUNK].map(|n| n.to_string()));
        cmd.stderr(Stdio::inherit());
        pin_child_to_cpu(&mut cmd, 1);
        let out = cmd.output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(io::Error::other(format!("asyncio client: {}", out.status)));
        }
        text.trim()
            .parse()
            .map_err(|_| io::Error::other(format!("asyncio client printed {text:?}")))
    }
}

/// A contender as the load generator sees it.
enum Contender {
    Rust(Side),
    Asyncio,
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

/// The same for a child process, from its first instruction.
fn pin_child_to_cpu(cmd: &mut Command, cpu: usize) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only makes the
    // sched_setaffinity system call (async-signal-safe) on a set built on its own stack.
    unsafe {
        cmd.pre_exec(move || {
            pin_to_cpu(cpu);
            Ok(())
        });
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The command line: sections, `--quick`, `--rounds N`, `--seconds S` (per measurement),
/// `--only a,b`, `--key P-256|RSA-2048`.
struct Args {
    sections: Vec<Section>,
    rounds: usize,
    time: Duration,
    only: Option<Vec<String>>,
    /// `--key P-256` or `--key RSA-2048`: that key type only.
    key: Option<String>,
}

fn parse_args() -> Args {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let named: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0
                    || !matches!(
                        args[i - 1].as_str(),
                        "--rounds" | "--only" | "--seconds" | "--key"
                    ))
        })
        .map(|(_, a)| a)
        .collect();
    let sections = Section::ALL
        .into_iter()
        .filter(|(name, _)| named.is_empty() || named.iter().any(|a| a == name))
        .map(|(_, s)| s)
        .collect();
    let (rounds, time) = if quick {
        (3, Duration::from_millis(500))
    } else {
        (9, Duration::from_millis(1500))
    };
    Args {
        sections,
        rounds: value("--rounds")
            .and_then(|r| r.parse().ok())
            .unwrap_or(rounds),
        time: value("--seconds")
            .and_then(|s| s.parse().ok())
            .map_or(time, Duration::from_secs_f64),
        key: value("--key"),
        // `--only pyssl,raw`, or `SERVICE_ONLY=pyssl` for a profiler.
        only: value("--only")
            .or_else(|| std::env::var("SERVICE_ONLY").ok())
            .map(|s| s.split(',').map(str::to_string).collect()),
    }
}

/// A pause between two contenders' measurements.
const SETTLE: Duration = Duration::from_millis(250);

/// The order of round `round`: the `rust` in-process contenders (the first `rust` of `n`)
/// rotating, so each goes first as often as the others; then asyncio's, last in every round,
/// as its server process may still be closing connections when its client has finished.
fn round_order(n: usize, rust: usize, round: usize) -> Vec<usize> {
    (0..rust)
        .map(|k| (k + round) % rust)
        .chain(rust..n)
        .collect()
}

/// The throughput sections for one key type: every contender, `rounds` rounds.
fn throughput(
    args: &Args,
    client: &tokio::runtime::Runtime,
    key_name: &str,
    dir: &Path,
    contenders: &[(String, Contender)],
    asyncio: Option<&Asyncio>,
) {
    let sides: Vec<Side> = contenders
        .iter()
        .filter_map(|(_, c)| match c {
            Contender::Rust(s) => Some(s.clone()),
            Contender::Asyncio => None,
        })
        .collect();
    let ports = start_server(&sides);
    let python_server = asyncio.map(|a| a.server(dir).expect("asyncio server"));
    let pyssl = sides.iter().find(|s| s.name() == "pyssl").cloned();
    for (side, port) in sides.iter().zip(&ports) {
        let what = client.block_on(async {
            let mut tls = connect(side, port[0], None, false).await?;
            tls.write_all(b"x").await?;
            tls.read_exact(&mut [0u8; 1]).await?;
            let what = tls.negotiated();
            tls.shutdown().await?;
            io::Result::Ok(what)
        });
        println!(
            "  {:<9} negotiates {}",
            side.name(),
            what.expect("a first connection")
        );
    }
    let n = contenders.len();
    let rust = sides.len();
    for &section in &args.sections {
        if section == Section::Idle || (section == Section::Bulk && key_name != "P-256") {
            continue;
        }
        let (mut rates, mut cpus) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let (mut ratios, mut cpu_ratios) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for round in 0..args.rounds {
            let mut this_round = vec![f64::NAN; n];
            let mut this_cpu = vec![f64::NAN; n];
            for i in round_order(n, rust, round) {
                // Let the previous contender's server finish its closes first.
                std::thread::sleep(SETTLE);
                let r = match &contenders[i].1 {
                    Contender::Rust(side) => {
                        let port = ports[sides
                            .iter()
                            .position(|s| s.name() == side.name())
                            .expect("side")][section.listener()];
                        client.block_on(measure(side, section, port, args.time))
                    }
                    Contender::Asyncio => {
                        let (a, p) = (
                            asyncio.expect("asyncio"),
                            python_server.as_ref().expect("server"),
                        );
                        let port = p.ports[section.listener()];
                        // Its processes' CPU time is not this process's: not counted.
                        let no_cpu = |per_sec| Rate {
                            per_sec,
                            cpu_us: f64::NAN,
                            units: f64::NAN,
                        };
                        match (section, &pyssl) {
                            // asyncio cannot offer a session: its server, pyssl's client.
                            (Section::Resumed, Some(side)) => client
                                .block_on(measure(side, section, port, args.time))
                                .map(|r| no_cpu(r.per_sec)),
                            (Section::Resumed, None) => continue,
                            _ => a.client(section, port, args.time, dir).map(no_cpu),
                        }
                    }
                };
                let r = r.unwrap_or_else(|e| panic!("{} {section:?}: {e}", contenders[i].0));
                if std::env::var_os("SERVICE_UNITS").is_some() {
                    println!(
                        "units {} {section:?} {key_name} {}",
                        contenders[i].0, r.units
                    );
                }
                this_round[i] = r.per_sec;
                this_cpu[i] = r.cpu_us;
                rates[i].push(r.per_sec);
                cpus[i].push(r.cpu_us);
            }
            for i in 0..n {
                ratios[i].push(this_round[0] / this_round[i]);
                cpu_ratios[i].push(this_cpu[i] / this_cpu[0]);
            }
        }
        let unit = if section == Section::Bulk {
            " MiB/s"
        } else {
            "/s"
        };
        let mut line = format!("{:<8} {key_name:<9}", section.label());
        for r in &rates {
            line += &format!(" {:>12}", format!("{:.0}{unit}", median(r.clone())));
        }
        for r in ratios.iter().skip(1) {
            line += &format!(" {:>9.3}", median(r.clone()));
        }
        println!("{line}");
        // CPU time per unit (both sides; for bulk per MiB), steadier than the rates, which
        // also move with how the two runtimes happen to be scheduled; the ratios are work per
        // CPU second, pyssl's over the contender's (contender's CPU over pyssl's).
        let mut line = format!("{:<8} {:<9}", "  cpu", "µs/unit");
        for c in &cpus {
            line += &format!(" {:>12}", format!("{:.1}", median(c.clone())));
        }
        for c in cpu_ratios.iter().skip(1) {
            line += &format!(" {:>9.3}", median(c.clone()));
        }
        println!("{line}");
    }
}

/// `idle` for every contender, each server in its own process, P-256.
fn idle_section(
    client: &tokio::runtime::Runtime,
    dir: &Path,
    contenders: &[(String, Contender)],
    asyncio: Option<&Asyncio>,
) {
    let pyssl = contenders.iter().find_map(|(_, c)| match c {
        Contender::Rust(s) if s.name() == "pyssl" => Some(s.clone()),
        _ => None,
    });
    println!(
        "idle: {IDLE} connections open, each after one request; the server's RSS growth per \
         connection; then {LATENCY_REQUESTS} requests one at a time on one more connection"
    );
    for (name, contender) in contenders {
        let (server, side) = match contender {
            Contender::Rust(side) => {
                let mut cmd = Command::new(std::env::current_exe().expect("this binary"));
                cmd.env("SERVICE_SERVE", side.name())
                    .env("SERVICE_DIR", dir);
                (ServerProcess::start(cmd), side.clone())
            }
            Contender::Asyncio => match (&pyssl, asyncio) {
                (Some(p), Some(a)) => (a.server(dir), p.clone()),
                _ => continue,
            },
        };
        let server = server.unwrap_or_else(|e| panic!("{name} server process: {e}"));
        let figures = client
            .block_on(idle(&side, server.ports[1], server.child.id()))
            .unwrap_or_else(|e| panic!("{name} idle: {e}"));
        println!(
            "idle     {name:<9} {:>8.1} KiB/connection  p50 {:>7.0} µs  p99 {:>7.0} µs",
            figures.kib_per_connection, figures.p50_us, figures.p99_us
        );
        drop(server);
    }
}

fn main() {
    if let (Ok(name), Ok(dir)) = (std::env::var("SERVICE_SERVE"), std::env::var("SERVICE_DIR")) {
        serve_process(&name, Path::new(&dir));
        return;
    }
    let args = parse_args();
    println!("OpenSSL: {}", openssl::version::version());
    println!("load average at start: {}", loadavg());
    let wanted = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
    };
    let asyncio = if wanted("asyncio") {
        match Asyncio::find() {
            Ok(a) => {
                println!("asyncio: {}", a.python.display());
                Some(a)
            }
            Err(why) => {
                println!("asyncio: NOT RUN: {why}");
                None
            }
        }
    } else {
        None
    };
    println!(
        "{} rounds, Rust contenders rotating, asyncio last; {CONCURRENCY} concurrent clients; \
         {} s per handshake and request measurement",
        args.rounds,
        args.time.as_secs_f64()
    );
    pin_to_cpu(1);
    let client = runtime();
    for (key, key_name) in [(KeyKind::Ec, "P-256"), (KeyKind::Rsa(2048), "RSA-2048")] {
        if args.key.as_ref().is_some_and(|k| k != key_name) {
            continue;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        write_certs(dir.path(), key);
        let mut all: Vec<(String, Contender)> = contenders(dir.path(), &wanted)
            .into_iter()
            .filter(|s| wanted(s.name()))
            .map(|s| (s.name().to_string(), Contender::Rust(s)))
            .collect();
        if asyncio.is_some() {
            all.push(("asyncio".into(), Contender::Asyncio));
        }
        let mut header = format!("{:<8} {:<9}", "", "key");
        for (name, _) in &all {
            header += &format!(" {name:>12}");
        }
        for (name, _) in all.iter().skip(1) {
            header += &format!(" {:>9}", format!("/{name}"));
        }
        println!("{header}");
        throughput(&args, &client, key_name, dir.path(), &all, asyncio.as_ref());
        if args.sections.contains(&Section::Idle) && key_name == "P-256" {
            idle_section(&client, dir.path(), &all, asyncio.as_ref());
        }
    }
    println!("load average at the end: {}", loadavg());
}
