//! `pyssl serve` under hostile clients: idle, half-open and malformed connections must not
//! delay a good client, and a flood of malformed ones must not grow the server's memory or
//! stop it.
#![warn(clippy::assertions_on_result_states)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyssl_testsupport::certs::{self, Serial, Spec, Usage};

/// The server process, killed when the test ends however it ends.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pyssl"))
            .arg("serve")
            .arg("--cert")
            .arg(dir.join("server.pem"))
            .args(extra)
            .env_remove("SSLKEYLOGFILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pyssl serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("first line");
        let port = first
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        // Keep draining the per-connection lines so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Server { child, port }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    /// Resident memory of the server process, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("server still running");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// A good client's whole visit: handshake, verified greeting. How long it took.
    fn good_client(&self, client: &Arc<pyssl::SslContext>) -> Duration {
        let start = Instant::now();
        let mut s = client
            .wrap_socket(self.connect(), false, Some("localhost"))
            .expect("handshake with the server");
        let mut greeting = Vec::new();
        s.read_to_end(&mut greeting).expect("greeting");
        assert_eq!(greeting, b"hello from pyssl\n");
        start.elapsed()
    }
}

/// `ca.pem` and `server.pem` (a `localhost` leaf with its key) in a new directory, and a
/// client context that trusts the CA.
fn setup() -> (tempfile::TempDir, Arc<pyssl::SslContext>) {
    let ca = certs::self_signed(&Spec {
        serial: Serial::Fixed(1),
        ..Spec::ca("serve test CA")
    });
    let leaf = ca.issue(&Spec {
        serial: Serial::Fixed(2),
        key_usage: Usage::Omit,
        ski: false,
        ..Spec::default()
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    leaf.write_pem(&dir.path().join("server.pem"), &[]);
    let client = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    client
        .load_verify_locations(Some(&dir.path().join("ca.pem")), None, None)
        .unwrap();
    (dir, Arc::new(client))
}

/// The first bytes of a TLS record carrying a ClientHello, cut short: a client that started
/// its handshake and went quiet.
const HALF_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
];

#[test]
fn idle_and_half_open_clients_do_not_delay_a_good_one() {
    let (dir, client) = setup();
    // A handshake timeout far beyond the test's bound: only concurrency can pass it.
    let server = Server::start(dir.path(), &["--handshake-timeout", "60"]);
    let mut quiet = Vec::new();
    for i in 0..50 {
        let mut s = server.connect();
        if i % 5 == 0 {
            s.write_all(HALF_HELLO).unwrap();
        }
        quiet.push(s);
    }
    let took = server.good_client(&client);
    println!("a good client served in {took:?} behind 50 idle and half-open clients");
    assert!(
        took < Duration::from_secs(1),
        "a good client waited {took:?} behind 50 idle ones"
    );
    // The quiet ones are still connected, still waiting for their handshake.
    for s in &mut quiet {
        s.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
        let mut b = [0u8; 1];
        let e = s
            .read(&mut b)
            .expect_err("the server answered an idle client");
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{e}"
        );
    }
}

#[test]
fn handshake_timeout_frees_the_slot() {
    let (dir, client) = setup();
    let server = Server::start(
        dir.path(),
        &["--max-connections", "1", "--handshake-timeout", "0.5"],
    );
    let mut idle = server.connect();
    // The only slot is taken by a client that never speaks: the good client waits for the
    // handshake timeout, then is served; the idle one is closed.
    let took = server.good_client(&client);
    assert!(took >= Duration::from_millis(300), "served in {took:?}");
    let mut rest = Vec::new();
    let n = idle
        .read_to_end(&mut rest)
        .expect("closed after its timeout");
    assert_eq!(
        n, 0,
        "the server sent {rest:?} to a client that never spoke"
    );
}

/// One malformed client of kind `k`.
fn malformed(server: &Server, k: usize) {
    let mut s = server.connect();
    let garbage: Vec<u8> = (0..1024u32).map(|i| (i * 31 + k as u32) as u8).collect();
    let sent = match k % 4 {
        0 => s.write_all(&garbage),
        1 => s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        2 => s
            .write_all(HALF_HELLO)
            .and_then(|()| s.shutdown(Shutdown::Write)),
        _ => Ok(()), // connect and drop at once
    };
    if sent.is_ok() && k % 4 != 3 {
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
}

#[test]
fn a_flood_of_malformed_clients_leaves_memory_flat() {
    let (dir, client) = setup();
    let server = Server::start(dir.path(), &[]);
    let flood = |n: usize| {
        std::thread::scope(|scope| {
            for t in 0..20 {
                let server = &server;
                scope.spawn(move || {
                    for k in (t..n).step_by(20) {
                        malformed(server, k);
                    }
                });
            }
        })
    };
    // Warm up: the allocator's arenas and the thread stacks reach their working size.
    flood(200);
    server.good_client(&client);
    let before = server.rss_kib();
    flood(1000);
    let took = server.good_client(&client);
    let after = server.rss_kib();
    println!(
        "RSS {before} KiB -> {after} KiB after 1,000 malformed clients; then served in {took:?}"
    );
    assert!(
        after <= before + 2048,
        "RSS grew from {before} KiB to {after} KiB over 1,000 malformed clients"
    );
}
