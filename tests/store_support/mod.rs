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

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{ErrorCode, Ssl, SslContext as RawContext, SslMethod, SslStream};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use pyssl::SslContext;

/// A certificate and its key.
pub struct Issued {
    pub cert: X509,
    pub key: PKey<Private>,
}

fn serial() -> BigNum {
    let mut n = BigNum::new().unwrap();
    n.rand(63, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .unwrap();
    n
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A self-signed CA (P-256, SHA-256, one day), with the extensions `VERIFY_X509_STRICT`
/// expects.
pub fn make_ca(cn: &str) -> Issued {
    let key = ec_key();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&serial().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .unwrap(),
    )
    .unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    Issued {
        cert: b.build(),
        key,
    }
}

/// A server certificate for `localhost` issued by `ca`.
pub fn make_leaf(ca: &Issued) -> Issued {
    let key = ec_key();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&serial().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(ca.cert.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .build(&b.x509v3_context(Some(&ca.cert), None))
        .unwrap();
    b.append_extension(san).unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(Some(&ca.cert), None))
        .unwrap();
    b.append_extension(ski).unwrap();
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(&ca.cert), None))
        .unwrap();
    b.append_extension(aki).unwrap();
    b.sign(&ca.key, MessageDigest::sha256()).unwrap();
    Issued {
        cert: b.build(),
        key,
    }
}

pub fn pem(certs: &[&X509]) -> String {
    certs
        .iter()
        .map(|c| String::from_utf8(c.to_pem().unwrap()).unwrap())
        .collect()
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
