//! The pyssl side of the handshake scenarios: the same JSON configuration as
//! `oracle/handshake_oracle.py`, run through pyssl's public API, answering in the same shape.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyssl::{
    AlertDescription, BioOptions, CipherTuple, CreateOptions, Error, ErrorKind, MemoryBio,
    PeerCertificate, Profile, Purpose, ServerHostname, SniCallback, SslContext, SslObject,
    SslSession, SslSocket, TlsVersion, VerifyFlags, VerifyMode, WrapOptions,
    create_default_context_with,
};
use serde_json::{Map, Value, json};

use super::common::py_to_json;

const GREETING: &[u8] = b"hello from server\n";
const TIMEOUT: Duration = Duration::from_secs(10);
/// What a "flood" client sends to a peer that never reads (more than loopback buffers hold).
const FLOOD: usize = 64 * 1024 * 1024;

pub fn err(e: &Error) -> Value {
    crate::common::describe(e)
}

fn version(name: &str) -> TlsVersion {
    match name {
        "TLSv1" => TlsVersion::TLSv1,
        "TLSv1_1" => TlsVersion::TLSv1_1,
        "TLSv1_2" => TlsVersion::TLSv1_2,
        "TLSv1_3" => TlsVersion::TLSv1_3,
        "MINIMUM_SUPPORTED" => TlsVersion::MINIMUM_SUPPORTED,
        _ => TlsVersion::MAXIMUM_SUPPORTED,
    }
}

type Seen = Arc<Mutex<Vec<Value>>>;

pub fn make_ctx(
    cfg: &Value,
    server: bool,
    profile: Profile,
    seen: &Seen,
) -> Result<Arc<SslContext>, Error> {
    let cafile = cfg["cafile"].as_str().map(std::path::Path::new);
    let purpose = match cfg["purpose"].as_str() {
        Some("client_auth") => Purpose::CLIENT_AUTH,
        Some(_) => Purpose::SERVER_AUTH,
        None if server => Purpose::CLIENT_AUTH,
        None => Purpose::SERVER_AUTH,
    };
    let ctx = create_default_context_with(
        purpose,
        CreateOptions {
            cafile,
            profile,
            ..CreateOptions::default()
        },
    )?;
    if let Some(b) = cfg["check_hostname"].as_bool() {
        ctx.set_check_hostname(b);
    }
    if let Some(m) = cfg["verify_mode"].as_i64() {
        ctx.set_verify_mode(VerifyMode(m as i32))?;
    }
    if let Some(f) = cfg["verify_flags_clear"].as_u64() {
        ctx.set_verify_flags(ctx.verify_flags() & !VerifyFlags::from_bits_retain(f))?;
    }
    if let Some(f) = cfg["verify_flags_set"].as_u64() {
        ctx.set_verify_flags(ctx.verify_flags() | VerifyFlags::from_bits_retain(f))?;
    }
    if let Some(b) = cfg["hostname_checks_common_name"].as_bool() {
        ctx.set_hostname_checks_common_name(b);
    }
    if let Some(v) = cfg["min_version"].as_str() {
        ctx.set_minimum_version(version(v))?;
    }
    if let Some(v) = cfg["max_version"].as_str() {
        ctx.set_maximum_version(version(v))?;
    }
    if let Some(c) = cfg["ciphers"].as_str() {
        ctx.set_ciphers(c)?;
    }
    if let Some(c) = cfg["cert"].as_str() {
        let key = cfg["key"].as_str().map(std::path::Path::new);
        ctx.load_cert_chain(c, key, None)?;
    }
    if let Some(list) = cfg["alpn"].as_array() {
        let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        ctx.set_alpn_protocols(&names)?;
    }
    if cfg["pha"].as_bool() == Some(true) {
        ctx.set_post_handshake_auth(true);
    }
    if let Some(curve) = cfg["ecdh_curve"].as_str() {
        ctx.set_ecdh_curve(curve)?;
    }
    if let Some(list) = cfg["groups"].as_str() {
        ctx.set_groups(list)?;
    }
    if let Some(list) = cfg["ciphersuites"].as_str() {
        ctx.set_ciphersuites(list)?;
    }
    if let Some(list) = cfg["client_sigalgs"].as_str() {
        ctx.set_client_sigalgs(list)?;
    }
    if let Some(list) = cfg["server_sigalgs"].as_str() {
        ctx.set_server_sigalgs(list)?;
    }
    if cfg["no_ticket"].as_bool() == Some(true) {
        ctx.set_options(ctx.options() | pyssl::OP_NO_TICKET)?;
    }
    if let Some(prefix) = cfg["keylog"].as_str() {
        ctx.set_keylog_filename(Some(format!("{prefix}.rs").as_ref()))?;
    }
    if let Some(path) = cfg["keylog_path"].as_str() {
        ctx.set_keylog_filename(Some(path.as_ref()))?;
    }
    if cfg["sni"].is_object() {
        let sni = cfg["sni"].clone();
        let other = if sni["mode"] == "switch" {
            let c = json!({"cert": sni["cert"], "key": sni["key"]});
            Some(make_ctx(&c, true, profile, seen)?)
        } else {
            None
        };
        let seen = seen.clone();
        let callback: SniCallback = Arc::new(move |conn, name, _ctx| {
            seen.lock().unwrap().push(json!(name));
            match sni["mode"].as_str() {
                Some("alert") => Some(AlertDescription(sni["alert"].as_i64().unwrap() as i32)),
                Some("switch") => {
                    conn.set_context(other.as_ref().unwrap()).unwrap();
                    None
                }
                Some("raise") => panic!("sni callback raises (expected by the test)"),
                _ => None,
            }
        });
        ctx.set_sni_callback(Some(callback))?;
    }
    Ok(Arc::new(ctx))
}

/// The server hostname argument: a `str`, `{"bytes": hex}` for a `bytes` object, or none.
fn hostname<'a>(v: &'a Value, bytes: &'a mut Vec<u8>) -> Option<ServerHostname<'a>> {
    match v {
        Value::String(s) => Some(ServerHostname::Str(s)),
        Value::Object(m) => {
            let hex = m["bytes"].as_str().unwrap();
            *bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            Some(ServerHostname::Bytes(bytes))
        }
        _ => None,
    }
}

/// The accessors the scenarios read, shared by `SslSocket` and `SslObject`.
trait Tls {
    fn getpeercert(&self) -> Result<Option<PeerCertificate>, Error>;
    fn getpeercert_der(&self) -> Result<Option<Vec<u8>>, Error>;
    fn cipher(&self) -> Option<CipherTuple>;
    fn shared_ciphers(&self) -> Option<Vec<CipherTuple>>;
    fn version(&self) -> Option<String>;
    fn selected_alpn_protocol(&self) -> Option<String>;
    fn compression(&self) -> Option<String>;
    fn get_channel_binding(&self, cb_type: &str) -> Result<Option<Vec<u8>>, Error>;
    fn server_hostname(&self) -> Option<String>;
    fn session_reused(&self) -> bool;
    fn group(&self) -> Result<Option<String>, Error>;
    fn client_sigalg(&self) -> Result<Option<String>, Error>;
    fn server_sigalg(&self) -> Result<Option<String>, Error>;
    fn get_verified_chain(&self) -> Result<Vec<Vec<u8>>, Error>;
    fn get_unverified_chain(&self) -> Result<Vec<Vec<u8>>, Error>;
    fn session(&self) -> Option<SslSession>;
    fn set_session(&mut self, session: &SslSession) -> Result<(), Error>;
    fn verify_client_post_handshake(&mut self) -> Result<(), Error>;
}

macro_rules! impl_tls {
    ($($ty:ty),*) => {$(
        impl Tls for $ty {
            fn getpeercert(&self) -> Result<Option<PeerCertificate>, Error> { self.getpeercert() }
            fn getpeercert_der(&self) -> Result<Option<Vec<u8>>, Error> { self.getpeercert_der() }
            fn cipher(&self) -> Option<CipherTuple> { self.cipher() }
            fn shared_ciphers(&self) -> Option<Vec<CipherTuple>> { self.shared_ciphers() }
            fn version(&self) -> Option<String> { self.version() }
            fn selected_alpn_protocol(&self) -> Option<String> { self.selected_alpn_protocol() }
            fn compression(&self) -> Option<String> { self.compression() }
            fn get_channel_binding(&self, t: &str) -> Result<Option<Vec<u8>>, Error> {
                self.get_channel_binding(t)
            }
            fn server_hostname(&self) -> Option<String> { self.server_hostname() }
            fn session_reused(&self) -> bool { self.session_reused() }
            fn group(&self) -> Result<Option<String>, Error> { self.group() }
            fn client_sigalg(&self) -> Result<Option<String>, Error> { self.client_sigalg() }
            fn server_sigalg(&self) -> Result<Option<String>, Error> { self.server_sigalg() }
            fn get_verified_chain(&self) -> Result<Vec<Vec<u8>>, Error> { self.get_verified_chain() }
            fn get_unverified_chain(&self) -> Result<Vec<Vec<u8>>, Error> {
                self.get_unverified_chain()
            }
            fn session(&self) -> Option<SslSession> { self.session() }
            fn set_session(&mut self, s: &SslSession) -> Result<(), Error> { self.set_session(s) }
            fn verify_client_post_handshake(&mut self) -> Result<(), Error> {
                self.verify_client_post_handshake()
            }
        }
    )*};
}

impl_tls!(SslSocket<&TcpStream>, SslObject);

fn os_error(e: std::io::Error) -> Error {
    Error::os(e.raw_os_error().unwrap_or(libc::EIO), None)
}

/// An `SslObject` over a socket: the application moves the TLS bytes (the sans-I/O way),
/// as the oracle's `BioConn` does.
struct BioConn<'a> {
    obj: SslObject,
    sock: &'a TcpStream,
    incoming: MemoryBio,
    outgoing: MemoryBio,
}

impl BioConn<'_> {
    fn flush(&mut self) -> Result<(), Error> {
        let data = self.outgoing.read(None);
        if !data.is_empty() {
            self.sock.write_all(&data).map_err(os_error)?;
        }
        Ok(())
    }

    fn pump<T>(
        &mut self,
        mut op: impl FnMut(&mut SslObject) -> Result<T, Error>,
    ) -> Result<T, Error> {
        loop {
            match op(&mut self.obj) {
                Ok(v) => {
                    self.flush()?;
                    return Ok(v);
                }
                Err(e) if e.kind() == ErrorKind::WantRead => {
                    self.flush()?;
                    let mut buf = vec![0u8; 65536];
                    let n = self.sock.read(&mut buf).map_err(os_error)?;
                    if n == 0 {
                        self.incoming.write_eof();
                    } else {
                        self.incoming.write(&buf[..n])?;
                    }
                }
                Err(e) => {
                    let _ = self.flush(); // an alert for the peer
                    return Err(e);
                }
            }
        }
    }
}

/// One connection of the side under test, through `wrap_socket` or `wrap_bio`.
enum Conn<'a> {
    Sock(SslSocket<&'a TcpStream>),
    Bio(BioConn<'a>),
}

impl Conn<'_> {
    fn tls(&self) -> &dyn Tls {
        match self {
            Conn::Sock(s) => s,
            Conn::Bio(b) => &b.obj,
        }
    }

    fn tls_mut(&mut self) -> &mut dyn Tls {
        match self {
            Conn::Sock(s) => s,
            Conn::Bio(b) => &mut b.obj,
        }
    }

    fn do_handshake(&mut self) -> Result<(), Error> {
        match self {
            Conn::Sock(s) => s.do_handshake(),
            Conn::Bio(b) => b.pump(SslObject::do_handshake),
        }
    }

    fn recv(&mut self, n: usize) -> Result<Vec<u8>, Error> {
        match self {
            Conn::Sock(s) => s.recv(n),
            Conn::Bio(b) => b.pump(|o| o.read(n)),
        }
    }

    fn send(&mut self, data: &[u8]) -> Result<usize, Error> {
        match self {
            Conn::Sock(s) => s.send(data),
            Conn::Bio(b) => b.pump(|o| o.write(data)),
        }
    }

    fn sendall(&mut self, mut data: &[u8]) -> Result<(), Error> {
        match self {
            Conn::Sock(s) => s.sendall(data),
            Conn::Bio(b) => {
                while !data.is_empty() {
                    let n = b.pump(|o| o.write(data))?;
                    data = &data[n..];
                }
                Ok(())
            }
        }
    }
}

/// Wrap `sock` as the scenario says: `wrap_socket`, or `wrap_bio` when `cfg["bio"]`.
fn wrap<'a>(
    ctx: &Arc<SslContext>,
    cfg: &Value,
    sock: &'a TcpStream,
    server_side: bool,
    host: Option<ServerHostname<'_>>,
    session: Option<&SslSession>,
) -> Result<Conn<'a>, Error> {
    if cfg["bio"].as_bool() == Some(true) {
        let (incoming, outgoing) = (MemoryBio::new(), MemoryBio::new());
        let opts = BioOptions {
            server_side,
            server_hostname: host,
            session,
            allow_unchecked_hostname: cfg["allow_unchecked_hostname"].as_bool() == Some(true),
        };
        let obj = ctx.wrap_bio_with(&incoming, &outgoing, opts)?;
        return Ok(Conn::Bio(BioConn {
            obj,
            sock,
            incoming,
            outgoing,
        }));
    }
    let opts = WrapOptions {
        server_side,
        server_hostname: host,
        do_handshake_on_connect: false,
        session,
        ..WrapOptions::default()
    };
    ctx.wrap_socket_with(sock, opts).map(Conn::Sock)
}

/// The socket timeout of the scenario (Python's `settimeout`), and no Nagle delays (as the
/// oracle's sockets).
fn set_timeouts(sock: &TcpStream, cfg: &Value) {
    sock.set_nodelay(true).unwrap();
    let t = cfg["timeout"]
        .as_f64()
        .map_or(TIMEOUT, Duration::from_secs_f64);
    sock.set_read_timeout(Some(t)).unwrap();
    sock.set_write_timeout(Some(t)).unwrap();
}

fn peercert_json(s: &dyn Tls) -> Value {
    match s.getpeercert() {
        Ok(c) => c.map_or(Value::Null, |c| py_to_json(&c.to_py())),
        Err(e) => json!({"error": err(&e)}),
    }
}

fn session_info(s: &dyn Tls, out: &mut Map<String, Value>, profile: Profile) {
    out.insert("version".into(), json!(s.version()));
    out.insert("cipher".into(), json!(s.cipher()));
    out.insert("peercert".into(), peercert_json(s));
    out.insert(
        "peercert_der_len".into(),
        json!(s.getpeercert_der().ok().flatten().map(|d| d.len())),
    );
    out.insert("alpn".into(), json!(s.selected_alpn_protocol()));
    out.insert("compression".into(), json!(s.compression()));
    out.insert(
        "channel_binding_len".into(),
        json!(
            s.get_channel_binding("tls-unique")
                .ok()
                .flatten()
                .map(|c| c.len())
        ),
    );
    out.insert("server_hostname".into(), json!(s.server_hostname()));
    out.insert("session_reused".into(), json!(s.session_reused()));
    if profile.version >= (3, 15) {
        out.insert("group".into(), json!(s.group().unwrap()));
        out.insert("client_sigalg".into(), json!(s.client_sigalg().unwrap()));
        out.insert("server_sigalg".into(), json!(s.server_sigalg().unwrap()));
    }
    if profile.version >= (3, 13) {
        for (key, chain) in [
            ("verified_chain_len", s.get_verified_chain()),
            ("unverified_chain_len", s.get_unverified_chain()),
        ] {
            let v = match chain {
                Ok(c) => json!(c.len()),
                Err(e) => json!({"error": err(&e)}),
            };
            out.insert(key.into(), v);
        }
    }
}

/// The key log file as the oracle summarises it: header, `[label, len(client random hex),
/// len(secret hex)]` per line, and whether every line also appears in the peer's key log.
fn keylog_summary(path: &str, peer: Option<&str>) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let shapes: Vec<Value> = lines
        .iter()
        .skip(1)
        .map(|l| {
            let mut f = l.split(' ');
            let mut row = vec![json!(f.next().unwrap())];
            row.extend(f.map(|x| json!(x.len())));
            Value::Array(row)
        })
        .collect();
    let mut out = json!({
        "header": lines.first(),
        "ends_with_newline": text.ends_with('\n'),
        "lines": shapes,
    });
    if let Some(peer) = peer {
        let theirs = std::fs::read_to_string(peer).unwrap();
        let theirs: std::collections::HashSet<&str> = theirs.lines().collect();
        out["all_in_peer_log"] = json!(lines.iter().skip(1).all(|l| theirs.contains(l)));
    }
    out
}

/// The oracle's `after_abort`: one byte to a peer that then drops the connection, then each
/// operation 50 ms apart.
fn after_abort(s: &mut Conn<'_>) -> Value {
    let mut out = Vec::new();
    s.send(b"x").unwrap();
    for op in ["send", "send", "recv", "recv", "recv", "send"] {
        std::thread::sleep(Duration::from_millis(50));
        let r = match op {
            "send" => s.send(b"ping").map(|n| json!(n)),
            _ => s
                .recv(100)
                .map(|b| json!(b.iter().map(|&c| c as char).collect::<String>())),
        };
        out.push(r.unwrap_or_else(|e| err(&e)));
    }
    Value::Array(out)
}

/// The oracle's `send_file`: 15000 bytes of a 20480-byte file from offset 100, then the rest.
fn send_file(s: &mut Conn<'_>) -> Value {
    let Conn::Sock(sock) = s else {
        panic!("sendfile is an SSLSocket method");
    };
    let bytes: Vec<u8> = (0..80).flat_map(|_| 0..=255u8).collect();
    let mut f = std::io::Cursor::new(bytes);
    let mut out = Vec::new();
    for (offset, count) in [(100, Some(15000)), (0, None)] {
        out.push(match sock.sendfile(&mut f, offset, count) {
            Ok(n) => json!([n, f.position()]),
            Err(e) => err(&e),
        });
    }
    Value::Array(out)
}

struct Once<'a> {
    session: Option<&'a SslSession>,
    late_session: Option<&'a SslSession>,
    ctx: Option<Arc<SslContext>>,
}

fn client_once(
    cfg: &Value,
    port: u16,
    host: &Value,
    once: Once<'_>,
    peer_keylog: Option<&str>,
    profile: Profile,
) -> (Value, Option<SslSession>, Option<Arc<SslContext>>) {
    let mut out = Map::new();
    out.insert("wrap".into(), Value::Null);
    out.insert("handshake".into(), Value::Null);
    let ctx = match once.ctx {
        Some(c) => c,
        None => match make_ctx(cfg, false, profile, &Seen::default()) {
            Ok(c) => c,
            Err(e) => {
                out.insert("context".into(), err(&e));
                return (Value::Object(out), None, None);
            }
        },
    };
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    set_timeouts(&sock, cfg);
    let mut bytes = Vec::new();
    let h = hostname(host, &mut bytes);
    let mut s = match wrap(&ctx, cfg, &sock, false, h, once.session) {
        Ok(s) => s,
        Err(e) => {
            out.insert("wrap".into(), err(&e));
            return (Value::Object(out), None, Some(ctx));
        }
    };
    if let Err(e) = s.do_handshake() {
        out.insert("handshake".into(), err(&e));
        return (Value::Object(out), None, Some(ctx));
    }
    session_info(s.tls(), &mut out, profile);
    if let Some(late) = once.late_session {
        let r = s.tls_mut().set_session(late);
        out.insert(
            "set_session".into(),
            r.err().map_or(Value::Null, |e| err(&e)),
        );
    }
    let flow = cfg["flow"].as_str();
    if flow == Some("sendfile") {
        out.insert("read_error".into(), Value::Null);
        out.insert("sendfile".into(), send_file(&mut s));
        return (Value::Object(out), None, Some(ctx));
    }
    if flow == Some("after_abort") {
        out.insert("read_error".into(), Value::Null);
        out.insert("after_abort".into(), after_abort(&mut s));
        return (Value::Object(out), None, Some(ctx));
    }
    let mut received = Vec::new();
    out.insert("read_error".into(), Value::Null);
    let mut run = || -> Result<(), Error> {
        if flow == Some("probe") {
            let probe = s.recv(1024);
            out.insert("probe".into(), probe.err().map_or(Value::Null, |e| err(&e)));
        }
        if flow == Some("flood") {
            s.sendall(&vec![b'x'; FLOOD])?;
        }
        if flow == Some("http_get") {
            // openssl s_server -WWW serves the file, then closes
            s.sendall(b"GET /greeting.txt HTTP/1.0\r\n\r\n")?;
            loop {
                let chunk = s.recv(1024)?;
                if chunk.is_empty() {
                    break;
                }
                received.extend(chunk);
            }
        }
        while flow.is_none() && !received.contains(&b'\n') {
            let chunk = s.recv(1024)?;
            if chunk.is_empty() {
                break;
            }
            received.extend(chunk);
        }
        if received.contains(&b'\n') || flow == Some("probe") {
            s.sendall(b"ping")?;
            loop {
                let chunk = s.recv(1024)?;
                if chunk.is_empty() {
                    break;
                }
                received.extend(chunk);
            }
        }
        Ok(())
    };
    let read_error = run().err().map_or(Value::Null, |e| err(&e));
    out.insert("read_error".into(), read_error);
    out.insert(
        "received".into(),
        json!(received.iter().map(|&b| b as char).collect::<String>()),
    );
    let session = s.tls().session();
    drop(s);
    drop(sock);
    if let Some(prefix) = cfg["keylog"].as_str() {
        out.insert(
            "keylog".into(),
            keylog_summary(&format!("{prefix}.rs"), peer_keylog),
        );
    }
    (Value::Object(out), session, Some(ctx))
}

pub fn run_client(
    cfg: &Value,
    port: u16,
    host: &Value,
    resume: bool,
    peer_keylog: Option<&str>,
    profile: Profile,
) -> Value {
    let first = Once {
        session: None,
        late_session: None,
        ctx: None,
    };
    let (mut out, session, ctx) = client_once(cfg, port, host, first, peer_keylog, profile);
    if resume {
        out["resumed"] = match session {
            None => Value::Null,
            Some(sess) => {
                let once = match cfg["resume_mode"].as_str() {
                    // a fresh context with the same settings
                    Some("other_context") => Once {
                        session: Some(&sess),
                        late_session: None,
                        ctx: None,
                    },
                    Some("after_handshake") => Once {
                        session: None,
                        late_session: Some(&sess),
                        ctx,
                    },
                    _ => Once {
                        session: Some(&sess),
                        late_session: None,
                        ctx,
                    },
                };
                let (second, _, _) = client_once(cfg, port, host, once, peer_keylog, profile);
                let keys = [
                    "wrap",
                    "handshake",
                    "session_reused",
                    "set_session",
                    "keylog",
                ];
                let picked: Map<String, Value> = keys
                    .iter()
                    .filter_map(|k| second.get(*k).map(|v| (k.to_string(), v.clone())))
                    .collect();
                Value::Object(picked)
            }
        };
    }
    out
}

pub struct Served {
    pub out: Value,
    pub session: Option<SslSession>,
}

pub fn serve_conn(
    ctx: &Arc<SslContext>,
    cfg: &Value,
    sock: TcpStream,
    seen: &Seen,
    session: Option<&SslSession>,
    peer_keylog: Option<&str>,
    profile: Profile,
) -> Served {
    let mut out = Map::new();
    out.insert("wrap".into(), Value::Null);
    out.insert("handshake".into(), Value::Null);
    set_timeouts(&sock, cfg);
    let mut s = match wrap(ctx, cfg, &sock, true, None, session) {
        Ok(s) => s,
        Err(e) => {
            out.insert("wrap".into(), err(&e));
            drain_close(&sock);
            return Served {
                out: Value::Object(out),
                session: None,
            };
        }
    };
    if let Err(e) = s.do_handshake() {
        out.insert("handshake".into(), err(&e));
        out.insert("sni".into(), Value::Array(seen.lock().unwrap().clone()));
        return Served {
            out: Value::Object(out),
            session: None,
        };
    }
    session_info(s.tls(), &mut out, profile);
    out.insert("sni".into(), Value::Array(seen.lock().unwrap().clone()));
    out.insert("shared_ciphers".into(), json!(s.tls().shared_ciphers()));
    if cfg["resume_mode"] == "server_set" {
        let own = s.tls().session();
        let r = match &own {
            Some(own) => s
                .tls_mut()
                .set_session(own)
                .err()
                .map_or(Value::Null, |e| err(&e)),
            None => json!("no session"),
        };
        out.insert("set_session".into(), r);
    }
    let pha = cfg["pha"].as_bool() == Some(true);
    out.insert("pha".into(), Value::Null);
    if pha {
        if let Err(e) = s.tls_mut().verify_client_post_handshake() {
            out.insert("pha".into(), err(&e));
        }
    }
    out.insert("read_error".into(), Value::Null);
    if cfg["flow"] == "probe" {
        let probe = s.recv(100);
        out.insert("probe".into(), probe.err().map_or(Value::Null, |e| err(&e)));
    }
    let mut received = Vec::new();
    let mut read_error = Value::Null;
    match s.sendall(GREETING).and_then(|()| s.recv(100)) {
        Ok(d) => received = d,
        Err(e) => read_error = err(&e),
    }
    out.insert("read_error".into(), read_error);
    out.insert(
        "received".into(),
        json!(received.iter().map(|&b| b as char).collect::<String>()),
    );
    if pha {
        out.insert("pha_peercert".into(), peercert_json(s.tls()));
    }
    let session = s.tls().session();
    drop(s);
    drop(sock);
    if let Some(prefix) = cfg["keylog"].as_str() {
        out.insert(
            "keylog".into(),
            keylog_summary(&format!("{prefix}.rs"), peer_keylog),
        );
    }
    Served {
        out: Value::Object(out),
        session,
    }
}

/// Close after reading what the client sent, so it sees EOF rather than a reset.
fn drain_close(mut sock: &TcpStream) {
    let _ = sock.set_read_timeout(Some(TIMEOUT));
    let _ = sock.read(&mut [0u8; 65536]);
}

/// Serve `count` connections of one server-role scenario on `listener`.
pub fn serve(
    listener: TcpListener,
    cfg: Value,
    count: usize,
    peer_keylog: Option<String>,
    profile: Profile,
) -> Value {
    let seen = Seen::default();
    let ctx = match make_ctx(&cfg, true, profile, &seen) {
        Ok(c) => c,
        Err(e) => {
            if let Ok((sock, _)) = listener.accept() {
                drain_close(&sock);
            }
            return json!({"context": err(&e)});
        }
    };
    let mut outs = Vec::new();
    let mut previous: Option<SslSession> = None;
    for _ in 0..count {
        let (sock, _) = listener.accept().unwrap();
        seen.lock().unwrap().clear();
        let offered = previous
            .as_ref()
            .filter(|_| cfg["resume_mode"] == "server_wrap");
        let served = serve_conn(
            &ctx,
            &cfg,
            sock,
            &seen,
            offered,
            peer_keylog.as_deref(),
            profile,
        );
        outs.push(served.out);
        previous = served.session;
    }
    Value::Array(outs)
}
