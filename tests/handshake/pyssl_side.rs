//! The pyssl side of the handshake scenarios: the same JSON configuration as
//! `oracle/handshake_oracle.py`, run through pyssl's public API, answering in the same shape.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyssl::{
    AlertDescription, CreateOptions, Error, Profile, Purpose, ServerHostname, SniCallback,
    SslContext, SslSession, SslSocket, TlsVersion, VerifyFlags, VerifyMode, WrapOptions,
    create_default_context_with,
};
use serde_json::{Map, Value, json};

use super::common::py_to_json;

const GREETING: &[u8] = b"hello from server\n";
const TIMEOUT: Duration = Duration::from_secs(10);

pub fn err(e: &Error) -> Value {
    json!({
        "type": e.python_type(),
        "str": e.python_str(),
        "errno": e.errno(),
        "library": e.library(),
        "reason": e.reason(),
        "verify_code": e.verify_code(),
        "verify_message": e.verify_message(),
    })
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
        ctx.load_cert_chain(c.as_ref(), key, None)?;
    }
    if let Some(list) = cfg["alpn"].as_array() {
        let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        ctx.set_alpn_protocols(&names)?;
    }
    if cfg["pha"].as_bool() == Some(true) {
        ctx.set_post_handshake_auth(true);
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

fn hostname(v: &Value) -> (Option<ServerHostname<'_>>, Vec<u8>) {
    match v {
        Value::String(s) => (Some(ServerHostname::Str(s)), vec![]),
        Value::Object(m) => {
            let hex = m["bytes"].as_str().unwrap();
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (None, bytes)
        }
        _ => (None, vec![]),
    }
}

fn session_info<S: Read + Write>(s: &SslSocket<S>, out: &mut Map<String, Value>, profile: Profile) {
    out.insert("version".into(), json!(s.version()));
    out.insert("cipher".into(), json!(s.cipher()));
    out.insert(
        "peercert".into(),
        match s.getpeercert() {
            Ok(c) => c.map_or(Value::Null, |c| py_to_json(&c.to_py())),
            Err(e) => json!({"error": err(&e)}),
        },
    );
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
    if profile.version >= (3, 13) {
        out.insert(
            "verified_chain_len".into(),
            json!(s.get_verified_chain().unwrap().len()),
        );
        out.insert(
            "unverified_chain_len".into(),
            json!(s.get_unverified_chain().unwrap().len()),
        );
    }
}

fn client_once(
    cfg: &Value,
    port: u16,
    host: &Value,
    session: Option<&SslSession>,
    ctx: Option<Arc<SslContext>>,
    profile: Profile,
) -> (Value, Option<SslSession>, Option<Arc<SslContext>>) {
    let mut out = Map::new();
    out.insert("wrap".into(), Value::Null);
    out.insert("handshake".into(), Value::Null);
    let ctx = match ctx {
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
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let (h, bytes) = hostname(host);
    let h = if host.is_object() {
        Some(ServerHostname::Bytes(&bytes))
    } else {
        h
    };
    let opts = WrapOptions {
        server_hostname: h,
        do_handshake_on_connect: false,
        session,
        ..WrapOptions::default()
    };
    let mut s = match ctx.wrap_socket_with(sock, opts) {
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
    session_info(&s, &mut out, profile);
    let mut received = Vec::new();
    let mut read_error = Value::Null;
    let mut run = || -> Result<(), Error> {
        while !received.contains(&b'\n') {
            let chunk = s.recv(1024)?;
            if chunk.is_empty() {
                break;
            }
            received.extend(chunk);
        }
        if received.contains(&b'\n') {
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
    if let Err(e) = run() {
        read_error = err(&e);
    }
    out.insert("read_error".into(), read_error);
    out.insert(
        "received".into(),
        json!(received.iter().map(|&b| b as char).collect::<String>()),
    );
    let session = s.session();
    (Value::Object(out), session, Some(ctx))
}

pub fn run_client(cfg: &Value, port: u16, host: &Value, resume: bool, profile: Profile) -> Value {
    let (mut out, session, ctx) = client_once(cfg, port, host, None, None, profile);
    if resume {
        let resumed = match session {
            None => Value::Null,
            Some(sess) => {
                let (second, _, _) = client_once(cfg, port, host, Some(&sess), ctx, profile);
                json!({"handshake": second["handshake"], "session_reused": second.get("session_reused")})
            }
        };
        out["resumed"] = resumed;
    }
    out
}

pub fn serve_conn(
    ctx: &Arc<SslContext>,
    cfg: &Value,
    sock: TcpStream,
    seen: &Seen,
    profile: Profile,
) -> Value {
    let mut out = Map::new();
    out.insert("wrap".into(), Value::Null);
    out.insert("handshake".into(), Value::Null);
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let opts = WrapOptions {
        server_side: true,
        do_handshake_on_connect: false,
        ..WrapOptions::default()
    };
    let mut s = match ctx.wrap_socket_with(&sock, opts) {
        Ok(s) => s,
        Err(e) => {
            out.insert("wrap".into(), err(&e));
            drain_close(&sock);
            return Value::Object(out);
        }
    };
    if let Err(e) = s.do_handshake() {
        out.insert("handshake".into(), err(&e));
        out.insert("sni".into(), Value::Array(seen.lock().unwrap().clone()));
        return Value::Object(out);
    }
    session_info(&s, &mut out, profile);
    out.insert("sni".into(), Value::Array(seen.lock().unwrap().clone()));
    out.insert("shared_ciphers".into(), json!(s.shared_ciphers()));
    let pha = cfg["pha"].as_bool() == Some(true);
    out.insert("pha".into(), Value::Null);
    if pha {
        if let Err(e) = s.verify_client_post_handshake() {
            out.insert("pha".into(), err(&e));
        }
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
        out.insert(
            "pha_peercert".into(),
            match s.getpeercert() {
                Ok(c) => c.map_or(Value::Null, |c| py_to_json(&c.to_py())),
                Err(e) => json!({"error": err(&e)}),
            },
        );
    }
    let _ = s.get_mut().map(|t| t.flush());
    drop(s);
    drop(sock);
    Value::Object(out)
}

/// Close after reading what the client sent, so it sees EOF rather than a reset.
fn drain_close(mut sock: &TcpStream) {
    let _ = sock.set_read_timeout(Some(TIMEOUT));
    let _ = sock.read(&mut [0u8; 65536]);
}

/// Serve `count` connections of one server-role scenario on `listener`.
pub fn serve(listener: TcpListener, cfg: Value, count: usize, profile: Profile) -> Value {
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
    for _ in 0..count {
        let (sock, _) = listener.accept().unwrap();
        seen.lock().unwrap().clear();
        outs.push(serve_conn(&ctx, &cfg, sock, &seen, profile));
    }
    Value::Array(outs)
}
