//! Helpers for the shared-store tests (`tests/store.rs`, `tests/store_env/`): certificates
//! made on the fly, a hashed CA directory, a server peer, and an in-memory handshake that
//! verifies through a pyssl context.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use openssl::ssl::{ErrorCode, Ssl, SslContext as RawContext, SslMethod, SslStream};
use openssl::x509::X509;
use pyssl::SslContext;
use pyssl_testsupport::certs::{self, Constraints, Spec, Usage};

/// A certificate and its key.
pub use pyssl_testsupport::certs::Issued;
/// Certificates as PEM text, concatenated (not every test target that includes this module
/// uses it).
#[allow(unused_imports)]
pub use pyssl_testsupport::certs::pem;

/// A self-signed CA (P-256, SHA-256, one day, random serial), with the extensions
/// `VERIFY_X509_STRICT` expects (critical basicConstraints and keyUsage, SKI).
pub fn make_ca(cn: &str) -> Issued {
    certs::self_signed(&Spec::ca(cn))
}

/// A server certificate for `localhost` issued by `ca`: `CA:FALSE`, keyUsage
/// `digitalSignature`, serverAuth, DNS SAN, SKI and AKI, so that it satisfies
/// `VERIFY_X509_STRICT`.
pub fn make_leaf(ca: &Issued) -> Issued {
    ca.issue(&Spec {
        constraints: Constraints::Leaf,
        key_usage: Usage::DigitalSignature,
        ..Spec::default()
    })
}

/// Put `ca` into `dir` under its subject hash, as `c_rehash` names it (`<hash>.0`).
pub fn add_hashed(dir: &Path, ca: &X509) {
    let hash = ca.subject_name_hash();
    std::fs::write(dir.join(format!("{hash:08x}.0")), ca.to_pem().unwrap()).unwrap();
}

/// A TLS server context presenting `leaf` (plain rust-openssl; the peer does not matter).
pub fn server(leaf: &Issued) -> RawContext {
    let mut b = RawContext::builder(SslMethod::tls_server()).unwrap();
    b.set_certificate(&leaf.cert).unwrap();
    b.set_private_key(&leaf.key).unwrap();
    b.build()
}

#[derive(Clone, Default)]
struct Pipe(Rc<RefCell<VecDeque<u8>>>);

struct End {
    rx: Pipe,
    tx: Pipe,
}

impl Read for End {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut q = self.rx.0.borrow_mut();
        if q.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(q.len());
        for (i, b) in q.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx.0.borrow_mut().extend(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The client's verdict: `Ok(())`, or the X.509 verification error code.
pub type Verdict = Result<(), i32>;

/// A full handshake in memory between a pyssl client connection (`ctx.new_ssl`, so it
/// verifies exactly as a pyssl connection does) and `server`.
pub fn handshake(ctx: &Arc<SslContext>, server: &RawContext) -> Verdict {
    let client = ctx.new_ssl(false, Some("localhost".into())).unwrap();
    handshake_ssl(client, server)
}

/// As [`handshake`], with an already configured client `Ssl`.
pub fn handshake_ssl(client: Ssl, server: &RawContext) -> Verdict {
    let (a, b) = (Pipe::default(), Pipe::default());
    let mut c = SslStream::new(
        client,
        End {
            rx: a.clone(),
            tx: b.clone(),
        },
    )
    .unwrap();
    let mut s = SslStream::new(Ssl::new(server).unwrap(), End { rx: b, tx: a }).unwrap();
    let (mut c_done, mut s_done) = (false, false);
    for _ in 0..50 {
        if !c_done {
            match c.connect() {
                Ok(()) => c_done = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(_) => {
                    let code = c.ssl().verify_result().as_raw();
                    return Err(if code == 0 { -1 } else { code });
                }
            }
        }
        if !s_done {
            match s.accept() {
                Ok(()) => s_done = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                // The client's alert after a failed verification ends up here first.
                Err(_) => {}
            }
        }
        if c_done && s_done {
            return Ok(());
        }
    }
    panic!("handshake did not finish");
}

/// `get_ca_certs(binary_form=True)` as hex strings (compact for assertion messages).
pub fn ca_list(ctx: &SslContext) -> Vec<String> {
    ctx.get_ca_certs_der()
        .unwrap()
        .iter()
        .map(|d| hex(d))
        .collect()
}

pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}
