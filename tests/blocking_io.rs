//! Setters that read files do their I/O outside the context's lock, and user callbacks run
//! without it (issue 13): while one thread is stuck opening a FIFO as a CA file, certificate
//! file or key log file, other threads' getters and new connections on the same context
//! answer at once (CPython releases the GIL around that I/O, so its other threads go on); a
//! password callback may read and change its own context, as in CPython; endless inputs
//! fail at once, with bounded memory. The errors themselves are compared with CPython in
//! `tests/hostile.rs` and `tests/differential`.
#![warn(clippy::assertions_on_result_states)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::blocking::{assert_prompt, feed, mkfifo, while_blocked};
use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, Password, SslContext};

/// PEM of a self-signed CA and of a server certificate with its key.
fn pems() -> (Vec<u8>, Vec<u8>) {
    let (ca, ca_key) = common::make_ca("blocking I/O CA");
    let (leaf, key) = common::make_leaf(&ca, &ca_key, "localhost");
    let mut keycert = leaf.to_pem().unwrap();
    keycert.extend(key.private_key_to_pem_pkcs8().unwrap());
    (ca.to_pem().unwrap(), keycert)
}

#[test]
fn fifo_cafile_blocks_only_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ca.fifo");
    mkfifo(&fifo);
    let (ca_pem, _) = pems();
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_CLIENT).unwrap());
    let (c, f) = (ctx.clone(), fifo.clone());
    let (result, answered) = while_blocked(
        &ctx,
        move || c.load_verify_locations(Some(&f), None, None),
        || feed(&fifo, &ca_pem),
    );
    result.expect("the CA read from the FIFO loads");
    assert_eq!(ctx.cert_store_stats().x509_ca, 1);
    assert_prompt("cafile FIFO", answered);
}

#[test]
fn fifo_certfile_blocks_only_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cert.fifo");
    mkfifo(&fifo);
    let (_, keycert) = pems();
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_SERVER).unwrap());
    let (c, f) = (ctx.clone(), fifo.clone());
    // The key from a regular file: a FIFO read for the chain and again for the key would
    // need its writers to take turns exactly with OpenSSL's two opens.
    let keyfile = dir.path().join("key.pem");
    std::fs::write(&keyfile, &keycert).unwrap();
    let (result, answered) = while_blocked(
        &ctx,
        move || c.load_cert_chain(&f, Some(&keyfile), None),
        || feed(&fifo, &keycert),
    );
    result.expect("the chain and the key read from the FIFO load");
    assert_prompt("certfile FIFO", answered);
}

#[test]
fn fifo_keylog_blocks_only_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("keys.fifo");
    mkfifo(&fifo);
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_CLIENT).unwrap());
    let (c, f) = (ctx.clone(), fifo.clone());
    let reader: std::cell::Cell<Option<std::fs::File>> = std::cell::Cell::new(None);
    let (result, answered) = while_blocked(
        &ctx,
        move || c.set_keylog_filename(Some(&f)),
        || reader.set(Some(std::fs::File::open(&fifo).unwrap())),
    );
    result.expect("the key log FIFO opens once a reader comes");
    assert_eq!(ctx.keylog_filename().as_deref(), Some(fifo.as_path()));
    let mut header = [0u8; 9];
    reader
        .take()
        .unwrap()
        .read_exact(&mut header)
        .expect("the header line");
    assert_eq!(&header, b"# TLS sec");
    assert_prompt("keylog FIFO", answered);
}

/// `encrypted.pem` in `dir`: a server certificate and its key encrypted with the password
/// "pw"; and the same certificate and key in clear (PEM).
fn encrypted_keycert(dir: &Path) -> (PathBuf, Vec<u8>) {
    let (_, keycert) = pems();
    let key = openssl::pkey::PKey::private_key_from_pem(&keycert).unwrap();
    let cert = openssl::x509::X509::from_pem(&keycert).unwrap();
    let mut file = cert.to_pem().unwrap();
    file.extend(
        key.private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
            .unwrap(),
    );
    let path = dir.join("encrypted.pem");
    std::fs::write(&path, file).unwrap();
    (path, keycert)
}

/// Runs `f` on a thread; fails (instead of hanging) if it has not finished in 20 s.
fn without_deadlock<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what}: deadlocked"))
}

#[test]
fn password_callback_may_use_its_own_context() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = encrypted_keycert(dir.path());
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_SERVER).unwrap());
    let before = ctx.get_ciphers().unwrap().len();
    let c = ctx.clone();
    let seen = without_deadlock("password callback using its context", move || {
        let inner = c.clone();
        let mut seen = None;
        let mut cb = || {
            seen = Some(inner.options());
            inner.set_ciphers("ECDHE+AESGCM")?;
            Ok(b"pw".to_vec())
        };
        c.load_cert_chain(&path, None, Some(Password::Callback(&mut cb)))
            .map(|()| seen)
    })
    .expect("the key loads with the callback's password");
    assert_eq!(seen, Some(ctx.options()), "the callback read the options");
    let after = ctx.get_ciphers().unwrap().len();
    assert!(
        after < before,
        "set_ciphers inside the callback took effect"
    );
}

#[test]
fn endless_files_fail_at_once() {
    let server = SslContext::new(PROTOCOL_TLS_SERVER).unwrap();
    let zero = Path::new("/dev/zero");
    let before = common::rss_kib();
    let start = Instant::now();
    let errors = [
        (
            "cafile",
            server.load_verify_locations(Some(zero), None, None),
        ),
        ("certfile", server.load_cert_chain(zero, None, None)),
        ("DH params", server.load_dh_params(zero)),
    ];
    let took = start.elapsed();
    let grown = common::rss_kib().saturating_sub(before);
    for (what, r) in &errors {
        // The texts are CPython's (compared live in tests/hostile.rs and tests/differential).
        let e = r.as_ref().expect_err(what);
        assert!(
            matches!(e.python_type(), "SSLError" | "OSError"),
            "{what}: {e}"
        );
    }
    eprintln!("/dev/zero as cafile, certfile and DH params: {took:?}, RSS +{grown} KiB");
    let bound = Duration::from_secs(1) * common::time_scale();
    assert!(took < bound, "/dev/zero took {took:?}");
    // Under a sanitizer (time_scale > 1) its allocator, and the binary's other tests running
    // meanwhile, move the process's RSS; the plain run checks the bound.
    if common::time_scale() == 1 {
        assert!(grown < 8 * 1024, "/dev/zero grew RSS by {grown} KiB");
    }
}

/// A panic payload whose `Drop` panics again.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's Drop panics too");
    }
}

#[test]
fn a_panic_whose_payload_panics_on_drop_does_not_abort() {
    let dir = tempfile::tempdir().unwrap();
    let (path, keycert) = encrypted_keycert(dir.path());

    // The password callback: the load fails, the process goes on.
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_SERVER).unwrap());
    let mut cb = || -> pyssl::Result<Vec<u8>> { std::panic::panic_any(Bomb) };
    let e = ctx
        .load_cert_chain(&path, None, Some(Password::Callback(&mut cb)))
        .expect_err("a password callback that panics gives no password");
    assert_eq!(
        (e.python_type(), e.python_str().as_str()),
        ("SystemError", "the password callback panicked")
    );

    // The SNI callback: the handshake fails with CPython's alert for a raising callback.
    let keyfile = dir.path().join("plain.pem");
    std::fs::write(&keyfile, &keycert).unwrap();
    ctx.load_cert_chain(&keyfile, None, None).unwrap();
    ctx.set_sni_callback(Some(Arc::new(|_conn, _name, _ctx| {
        std::panic::panic_any(Bomb)
    })))
    .unwrap();
    let client = Arc::new(SslContext::new(PROTOCOL_TLS_CLIENT).unwrap());
    client.set_check_hostname(false);
    client.set_verify_mode(pyssl::CERT_NONE).unwrap();
    let mut pair = common::MemoryPair::new(&ctx, &client);
    let _ = pair.client_step();
    pair.to_server();
    let e = pair
        .s
        .do_handshake()
        .expect_err("the SNI callback panicked");
    assert_eq!(e.python_type(), "SSLError", "{e}");
    pair.to_client();
    let e = pair.c.do_handshake().expect_err("the server sent an alert");
    assert!(e.python_str().contains("HANDSHAKE_FAILURE"), "{e}");
}
