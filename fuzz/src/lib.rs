//! Shared setup of the connection fuzz targets: a CA and a certificate for `localhost`, made
//! once per process, and the client and server contexts that trust and serve them.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use pyssl::{
    BioOptions, CaData, MemoryBio, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SslContext, SslObject,
    SslSession,
};

/// The contexts every connection target uses.
pub struct Peers {
    /// `PROTOCOL_TLS_CLIENT` trusting the CA (hostname checks on).
    pub client: Arc<SslContext>,
    /// The same under the 3.13.0 profile, whose session setter offers a copy (see
    /// [`resumed_pair`]).
    pub client_resuming: Arc<SslContext>,
    /// The same with `check_hostname` off (no hostname is set on the verifier).
    pub client_unchecked: Arc<SslContext>,
    /// A `PROTOCOL_TLS_CLIENT` context under the 3.11 profile (IDNA errors worded as 3.11).
    pub client_311: Arc<SslContext>,
    /// `PROTOCOL_TLS_SERVER` serving `localhost`.
    pub server: Arc<SslContext>,
}

fn certificate(cn: &str, issuer: Option<(&X509, &PKey<Private>)>) -> (X509, PKey<Private>) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("key");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", cn).expect("CN");
    let name = name.build();
    let mut b = X509Builder::new().expect("builder");
    b.set_version(2).expect("version");
    let serial = BigNum::from_u32(1)
        .and_then(|n| n.to_asn1_integer())
        .expect("serial");
    b.set_serial_number(&serial).expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("time");
    b.set_not_after(&Asn1Time::days_from_now(2).expect("time"))
        .expect("time");
    match issuer {
        None => {
            b.set_issuer_name(&name).expect("issuer");
            let bc = BasicConstraints::new().critical().ca().build().expect("bc");
            b.append_extension(bc).expect("bc");
            b.sign(&key, MessageDigest::sha256()).expect("sign");
        }
        Some((ca, ca_key)) => {
            b.set_issuer_name(ca.subject_name()).expect("issuer");
            let san = SubjectAlternativeName::new()
                .dns(cn)
                .build(&b.x509v3_context(Some(ca), None))
                .expect("san");
            b.append_extension(san).expect("san");
            b.sign(ca_key, MessageDigest::sha256()).expect("sign");
        }
    }
    (b.build(), key)
}

/// The contexts, built on first use.
pub fn peers() -> &'static Peers {
    static PEERS: OnceLock<Peers> = OnceLock::new();
    PEERS.get_or_init(|| {
        let (ca, ca_key) = certificate("pyssl fuzz CA", None);
        let (leaf, key) = certificate("localhost", Some((&ca, &ca_key)));
        let dir = std::env::temp_dir().join(format!("pyssl-fuzz-peers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let chain = dir.join("server.pem");
        let mut pem = leaf.to_pem().expect("pem");
        pem.extend(key.private_key_to_pem_pkcs8().expect("pem"));
        std::fs::write(&chain, pem).expect("write");
        let server = SslContext::new(PROTOCOL_TLS_SERVER).expect("server context");
        server
            .load_cert_chain(&chain, None, None)
            .expect("server certificate");
        let _ = std::fs::remove_dir_all(&dir);
        let client = SslContext::new(PROTOCOL_TLS_CLIENT).expect("client context");
        let ca_pem = String::from_utf8(ca.to_pem().expect("pem")).expect("ascii");
        client
            .load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))
            .expect("CA");
        let client_unchecked = SslContext::new(PROTOCOL_TLS_CLIENT).expect("client context");
        client_unchecked.set_check_hostname(false);
        let client_311 = SslContext::with_profile(PROTOCOL_TLS_CLIENT, pyssl::Profile::PY311)
            .expect("client context");
        // resumed_pair offers one session to many connections that end without a TLS
        // shutdown; from 3.13.1 on (the default profile) the session object itself is offered
        // and OpenSSL marks it not resumable when such a connection is freed, as in CPython.
        // 3.13.0 offers a DER copy each time, so the session stays resumable.
        let client_resuming =
            SslContext::with_profile(PROTOCOL_TLS_CLIENT, pyssl::Profile::PY313_0)
                .expect("client context");
        client_resuming
            .load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))
            .expect("CA");
        Peers {
            client: Arc::new(client),
            client_resuming: Arc::new(client_resuming),
            client_unchecked: Arc::new(client_unchecked),
            client_311: Arc::new(client_311),
            server: Arc::new(server),
        }
    })
}

/// Every failure of a TLS operation fed with hostile bytes is one of `ssl.SSLError`'s family.
pub fn check_tls_error(e: &pyssl::Error) {
    assert!(
        e.kind().is_ssl_error(),
        "{} is not an SSLError: {}",
        e.python_type(),
        e.python_str()
    );
    assert!(!e.python_str().is_empty());
}

/// One end of an in-memory connection.
pub struct End {
    /// The connection.
    pub obj: SslObject,
    /// What the peer sends to it.
    pub incoming: MemoryBio,
    /// What it sends to the peer.
    pub outgoing: MemoryBio,
}

/// A connection of `ctx` (a client for `localhost` unless `server`), offering `session`.
fn end(ctx: &Arc<SslContext>, server: bool, session: Option<&SslSession>) -> End {
    let (incoming, outgoing) = (MemoryBio::new(), MemoryBio::new());
    let options = BioOptions {
        server_side: server,
        server_hostname: (!server).then(|| "localhost".into()),
        session,
        ..BioOptions::default()
    };
    let obj = ctx
        .wrap_bio_with(&incoming, &outgoing, options)
        .expect("wrap_bio");
    End {
        obj,
        incoming,
        outgoing,
    }
}

/// A client connection for `localhost`, not yet started.
pub fn client_end() -> End {
    end(&peers().client, false, None)
}

/// A server connection, not yet started.
pub fn server_end() -> End {
    end(&peers().server, true, None)
}

/// A client and a server connection, not yet handshaken.
pub fn pair() -> (End, End) {
    (client_end(), server_end())
}

/// A client and a server that have completed a TLS 1.3 handshake, by resuming one session
/// of a first full handshake (`session=`): no certificate is sent, signed or verified, which
/// made tls_peer_after 1.36× faster (the rest is mostly ASan's allocator).
/// The connection state after it (keys, record layer, post-handshake messages) is the same
/// kind as after a full handshake.
///
/// The session comes from a full handshake made again every ten minutes, well inside the
/// ticket lifetime (OpenSSL's default is two hours), so every pair really resumes.
pub fn resumed_pair() -> (End, End) {
    static SESSION: Mutex<Option<(SslSession, Instant)>> = Mutex::new(None);
    let mut slot = SESSION.lock().unwrap_or_else(|p| p.into_inner());
    if slot
        .as_ref()
        .is_none_or(|(_, made)| made.elapsed() > Duration::from_secs(600))
    {
        let mut client = end(&peers().client_resuming, false, None);
        let mut server = server_end();
        handshake(&mut client, &mut server);
        *slot = Some((
            client.obj.session().expect("a session ticket"),
            Instant::now(),
        ));
    }
    let mut client = end(
        &peers().client_resuming,
        false,
        Some(&slot.as_ref().expect("a session").0),
    );
    let mut server = server_end();
    handshake(&mut client, &mut server);
    assert!(client.obj.session_reused(), "the session was not resumed");
    (client, server)
}

/// Runs the handshake between the two ends through their memory BIOs.
pub fn handshake(client: &mut End, server: &mut End) {
    for _ in 0..16 {
        let c = client.obj.do_handshake();
        server
            .incoming
            .write(&client.outgoing.read(None))
            .expect("pump");
        let s = server.obj.do_handshake();
        client
            .incoming
            .write(&server.outgoing.read(None))
            .expect("pump");
        if c.is_ok() && s.is_ok() {
            // Let the client take the session tickets that followed the server's Finished.
            let _ = client.obj.read(1);
            return;
        }
    }
    panic!("in-memory handshake did not complete");
}

/// The hostile-peer handshake of `tls_peer_client` and `tls_peer_server`: `data` goes into
/// `end`'s incoming BIO in pieces of `piece` bytes, with a handshake step after each (what
/// `end` answers is discarded), then end of file. Every failure must be an SSLError; if the
/// handshake somehow completes, the connection must still read, write and shut down without
/// anything but SSLErrors.
pub fn hostile_handshake(end: &mut End, data: &[u8], piece: usize) {
    if feed(end, data, piece) {
        for r in [end.obj.read(1024).err(), end.obj.write(b"ping").err()]
            .into_iter()
            .flatten()
        {
            check_tls_error(&r);
        }
        if let Err(e) = end.obj.unwrap() {
            check_tls_error(&e);
        }
    }
}

/// Whether the handshake completed on the fed bytes.
fn feed(end: &mut End, data: &[u8], piece: usize) -> bool {
    for chunk in data.chunks(piece) {
        end.incoming.write(chunk).expect("incoming");
        match end.obj.do_handshake() {
            Ok(()) => return true,
            Err(e) if e.python_type() == "SSLWantReadError" => {}
            Err(e) => {
                check_tls_error(&e);
                return false;
            }
        }
        end.outgoing.read(None);
    }
    end.incoming.write_eof();
    match end.obj.do_handshake() {
        Ok(()) => true,
        Err(e) => {
            check_tls_error(&e);
            false
        }
    }
}

/// Ends one fuzz input: empties this thread's OpenSSL error queue.
///
/// OpenSSL keeps per-slot copies of error details that are freed only when the slot is reused
/// or cleared, so an input that raised errors ends with more allocations than it began with.
/// libFuzzer takes that as a possible leak and runs a full LeakSanitizer scan after such an
/// input, which made the certificate and file targets about ten times slower (decode_cert:
/// 119 against 1,176 executions a second). Clearing the queue keeps the per-input leak
/// check for real leaks; outside the fuzzer the same inputs leave memory flat.
pub fn end_input() {
    // SAFETY: no arguments; clears this thread's queue.
    unsafe { openssl_sys::ERR_clear_error() }
}
