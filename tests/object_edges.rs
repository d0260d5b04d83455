//! Edge cases of `SSLObject` / `MemoryBIO` arguments, against every live interpreter: read
//! sizes and write lengths (C `int` through 3.9, `Py_ssize_t` and a `bytes` allocation from
//! 3.10), `MemoryError` for a buffer that cannot be allocated, what `write(b"")` does before
//! the handshake, after it and after `unwrap()`, and channel-binding types.
//!
//! The huge sizes cost nothing: pyssl reserves read buffers without touching them, and the
//! big write buffers are zeroed pages from `calloc` (Rust) and `mmap` (Python) that no side
//! reads, because the length is refused first.

mod common;

use std::sync::Arc;

use pyssl::{
    CERT_NONE, Error, MemoryBio, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, Profile, SslContext,
    SslObject,
};
use serde_json::{Map, Value, json};

const BIG: usize = 1 << 31;

/// Read sizes asked on both sides: around `INT_MAX`, an unallocatable 2**62, and the edges of
/// `Py_ssize_t` and of a `bytes` object's size.
fn read_sizes() -> Vec<usize> {
    let ssize_max = isize::MAX as usize;
    vec![
        0,
        5,
        BIG - 1,
        BIG,
        1 << 32,
        1 << 62,
        ssize_max - 33,
        ssize_max - 32,
        ssize_max,
        usize::MAX,
    ]
}

const SCRIPT: &str = r#"
import json, mmap, re, ssl, sys
keycert, big_writes = sys.argv[1], sys.argv[2] == "1"
sizes = json.loads(sys.stdin.read())
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(keycert)
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client_ctx.check_hostname = False
client_ctx.verify_mode = ssl.CERT_NONE

def pair(tamper=False):
    """A handshaken client with "hello" waiting (its last byte flipped when `tamper`), and
    its incoming BIO."""
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client_ctx.wrap_bio(ci, co, server_side=False)
    s = server_ctx.wrap_bio(si, so, server_side=True)
    for _ in range(8):
        for o in (c, s):
            try:
                o.do_handshake()
            except ssl.SSLWantReadError:
                pass
        si.write(co.read())
        ci.write(so.read())
    s.write(b"hello")
    record = bytearray(so.read())
    if tamper:
        record[-1] ^= 1
    ci.write(bytes(record))
    return c, ci

def outcome(f):
    try:
        r = f()
    except BaseException as e:
        return {"error": type(e).__name__,
                "text": re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)),
                "errno": getattr(e, "errno", None) if isinstance(e, ssl.SSLError) else None}
    return {"ok": r.hex() if isinstance(r, bytes) else r}

out = {}
for n in sizes:
    c, _ = pair()
    out["read %d" % n] = outcome(lambda: c.read(n))
big = mmap.mmap(-1, 2**31)
c, _ = pair()
out["read into 2**31 buffer"] = outcome(lambda: c.read(len(big), big))
c, _ = pair()
out["write empty after handshake"] = outcome(lambda: c.write(b""))
c, _ = pair()
out["unwrap"] = outcome(lambda: c.unwrap())
out["write empty after unwrap"] = outcome(lambda: c.write(b""))
out["write after unwrap"] = outcome(lambda: c.write(b"x"))
fresh_out = ssl.MemoryBIO()
fresh = client_ctx.wrap_bio(ssl.MemoryBIO(), fresh_out, server_side=False)
out["write empty before handshake"] = outcome(lambda: fresh.write(b""))
out["ClientHello bytes"] = fresh_out.pending
out["memory bio write 2**31"] = outcome(lambda: ssl.MemoryBIO().write(big))
c, _ = pair()
for cb in ("tls-unique\0", "nope", ""):
    out["channel binding %r" % cb] = outcome(lambda: c.get_channel_binding(cb))
# 3.15's methods: AttributeError on earlier releases
c, _ = pair()
for name in ("group", "client_sigalg", "server_sigalg"):
    out[name] = outcome(lambda: getattr(c, name)())
for name, arg in (("set_ciphersuites", "TLS_AES_128_GCM_SHA256"), ("set_groups", "P-256"),
                  ("set_client_sigalgs", "ECDSA+SHA256"), ("set_server_sigalgs", "ECDSA+SHA256")):
    spare = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    out[name] = outcome(lambda: getattr(spare, name)(arg))
out["get_groups"] = outcome(lambda: len(spare.get_groups()) > 0)
# The transport's end of file in the middle of the connection: OpenSSL's error state
c, ci = pair()
ci.write_eof()
for step in ("read", "read", "read", "write", "write empty", "read"):
    out["after EOF: %s %d" % (step, len(out))] = outcome(
        (lambda: c.read(10)) if step == "read" else
        (lambda: c.write(b"x")) if step == "write" else (lambda: c.write(b"")))
out["after EOF: pending"] = c.pending()
# A record that fails its MAC check: OpenSSL's error state, then further calls
c, ci = pair(tamper=True)
for step in ("read", "read", "write"):
    out["after a bad record: %s %d" % (step, len(out))] = outcome(
        (lambda: c.read(10)) if step == "read" else (lambda: c.write(b"x")))
if big_writes:
    c, _ = pair()
    out["write 2**31"] = outcome(lambda: c.write(big))
print(json.dumps(out))
"#;

fn contexts(profile: Profile, keycert: &std::path::Path) -> (Arc<SslContext>, Arc<SslContext>) {
    let server = SslContext::with_profile(PROTOCOL_TLS_SERVER, profile).unwrap();
    server.load_cert_chain(keycert, None, None).unwrap();
    let client = SslContext::with_profile(PROTOCOL_TLS_CLIENT, profile).unwrap();
    client.set_check_hostname(false);
    client.set_verify_mode(CERT_NONE).unwrap();
    (Arc::new(client), Arc::new(server))
}

/// The client of a handshaken pair over memory BIOs, with "hello" from the server waiting
/// for it.
fn handshaken_client(client_ctx: &Arc<SslContext>, server_ctx: &Arc<SslContext>) -> SslObject {
    handshaken_pair(client_ctx, server_ctx).0
}

/// [`handshaken_client`] and its incoming BIO.
fn handshaken_pair(
    client_ctx: &Arc<SslContext>,
    server_ctx: &Arc<SslContext>,
) -> (SslObject, MemoryBio) {
    handshaken_pair_tampered(client_ctx, server_ctx, false)
}

/// [`handshaken_pair`], the last byte of the waiting record flipped when `tamper`.
fn handshaken_pair_tampered(
    client_ctx: &Arc<SslContext>,
    server_ctx: &Arc<SslContext>,
    tamper: bool,
) -> (SslObject, MemoryBio) {
    let (ci, co, si, so) = (
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
    );
    let mut client = client_ctx.wrap_bio(&ci, &co, false, None).unwrap();
    let mut server = server_ctx.wrap_bio(&si, &so, true, None).unwrap();
    for _ in 0..8 {
        let _ = client.do_handshake();
        let _ = server.do_handshake();
        si.write(&co.read(None)).unwrap();
        ci.write(&so.read(None)).unwrap();
    }
    server.write(b"hello").unwrap();
    let mut record = so.read(None);
    if tamper {
        *record.last_mut().unwrap() ^= 1;
    }
    ci.write(&record).unwrap();
    (client, ci)
}

fn outcome<T: Into<Value>>(r: Result<T, Error>) -> Value {
    match r {
        Ok(v) => json!({ "ok": v.into() }),
        Err(e) => json!({
            "error": e.python_type(),
            "text": e.python_str(),
            "errno": if e.kind().is_ssl_error() { json!(e.errno()) } else { Value::Null },
        }),
    }
}

/// Python's `repr()` of a str, for the case names.
fn python_repr(s: &str) -> String {
    pyssl::PyValue::Str(s.to_string()).python_repr()
}

fn hex(b: Vec<u8>) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ours(profile: Profile, keycert: &std::path::Path, big_writes: bool) -> Value {
    let (cc, sc) = contexts(profile, keycert);
    let mut out = Map::new();
    for n in read_sizes() {
        let mut c = handshaken_client(&cc, &sc);
        out.insert(format!("read {n}"), outcome(c.read(n).map(hex)));
    }
    let mut big = vec![0u8; BIG];
    let mut c = handshaken_client(&cc, &sc);
    out.insert(
        "read into 2**31 buffer".into(),
        outcome(c.read_into(&mut big)),
    );
    let mut c = handshaken_client(&cc, &sc);
    out.insert("write empty after handshake".into(), outcome(c.write(b"")));
    let mut c = handshaken_client(&cc, &sc);
    out.insert("unwrap".into(), outcome(c.unwrap().map(|()| Value::Null)));
    out.insert("write empty after unwrap".into(), outcome(c.write(b"")));
    out.insert("write after unwrap".into(), outcome(c.write(b"x")));
    let fresh_out = MemoryBio::new();
    let mut fresh = cc
        .wrap_bio(&MemoryBio::new(), &fresh_out, false, None)
        .unwrap();
    out.insert(
        "write empty before handshake".into(),
        outcome(fresh.write(b"")),
    );
    out.insert("ClientHello bytes".into(), json!(fresh_out.pending()));
    out.insert(
        "memory bio write 2**31".into(),
        outcome(MemoryBio::new().write(&big)),
    );
    let c = handshaken_client(&cc, &sc);
    for cb in ["tls-unique\0", "nope", ""] {
        out.insert(
            format!("channel binding {}", python_repr(cb)),
            outcome(c.get_channel_binding(cb).map(|b| b.map(hex))),
        );
    }
    let c = handshaken_client(&cc, &sc);
    out.insert("group".into(), outcome(c.group()));
    out.insert("client_sigalg".into(), outcome(c.client_sigalg()));
    out.insert("server_sigalg".into(), outcome(c.server_sigalg()));
    // On a context of their own (the pair's must still handshake).
    let cc = SslContext::with_profile(PROTOCOL_TLS_CLIENT, profile).unwrap();
    let arg = "TLS_AES_128_GCM_SHA256";
    out.insert(
        "set_ciphersuites".into(),
        outcome(cc.set_ciphersuites(arg).map(|()| Value::Null)),
    );
    out.insert(
        "set_groups".into(),
        outcome(cc.set_groups("P-256").map(|()| Value::Null)),
    );
    let sigalgs = "ECDSA+SHA256";
    out.insert(
        "set_client_sigalgs".into(),
        outcome(cc.set_client_sigalgs(sigalgs).map(|()| Value::Null)),
    );
    out.insert(
        "set_server_sigalgs".into(),
        outcome(cc.set_server_sigalgs(sigalgs).map(|()| Value::Null)),
    );
    out.insert(
        "get_groups".into(),
        outcome(cc.get_groups(false).map(|g| !g.is_empty())),
    );
    let (cc, sc) = contexts(profile, keycert);
    let (mut c, ci) = handshaken_pair(&cc, &sc);
    ci.write_eof();
    for step in ["read", "read", "read", "write", "write empty", "read"] {
        let r = match step {
            "read" => outcome(c.read(10).map(hex)),
            "write" => outcome(c.write(b"x")),
            _ => outcome(c.write(b"")),
        };
        out.insert(format!("after EOF: {step} {}", out.len()), r);
    }
    out.insert("after EOF: pending".into(), json!(c.pending()));
    let (mut c, _) = handshaken_pair_tampered(&cc, &sc, true);
    for step in ["read", "read", "write"] {
        let r = match step {
            "read" => outcome(c.read(10).map(hex)),
            _ => outcome(c.write(b"x")),
        };
        out.insert(format!("after a bad record: {step} {}", out.len()), r);
    }
    if big_writes {
        let mut c = handshaken_client(&cc, &sc);
        out.insert("write 2**31".into(), outcome(c.write(&big)));
    }
    Value::Object(out)
}

fn check(profile: Profile) {
    let version = profile.release();
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let keycert = oracle.cert("keycert.pem");
    // A 2 GiB write is refused by the C-int releases only; from 3.10 it would really encrypt
    // 2 GiB, so it is asked where it costs nothing.
    let big_writes = !profile.read_write_ex;
    let sizes = serde_json::to_string(&read_sizes()).unwrap();
    let python = oracle.run_json(
        SCRIPT,
        &[
            &keycert.to_string_lossy(),
            if big_writes { "1" } else { "0" },
        ],
        &sizes,
    );
    let ours = ours(profile, &keycert, big_writes);
    let (py, rs) = (python.as_object().unwrap(), ours.as_object().unwrap());
    let mut differences = Vec::new();
    for (case, expected) in py {
        if rs.get(case) != Some(expected) {
            differences.push(format!(
                "{case}:\n  python {expected}\n  pyssl  {}",
                rs.get(case).unwrap_or(&Value::Null)
            ));
        }
    }
    assert_eq!(py.len(), rs.len(), "the same cases on both sides");
    assert!(
        differences.is_empty(),
        "CPython {version}: {} of {} cases differ:\n{}",
        differences.len(),
        py.len(),
        differences.join("\n")
    );
}

macro_rules! per_release {
    ($($name:ident => $release:literal;)*) => {
        $( #[test] fn $name() { check(common::compared($release)); } )*
        const RELEASES: &[&str] = &[$($release),*];
    };
}

// One test per row of oracle/releases.tsv (checked by one_test_per_listed_oracle).
per_release! {
    object_edges_py37 => "3.7.16";
    object_edges_py38 => "3.8.18";
    object_edges_py39 => "3.9.18";
    object_edges_py310 => "3.10.13";
    object_edges_py311 => "3.11.7";
    object_edges_py312 => "3.12.1";
    object_edges_py313 => "3.13.0";
    object_edges_py313_18 => "3.13.18";
    object_edges_py314 => "3.14.10";
    object_edges_py315 => "3.15.2";
}

#[test]
fn one_test_per_listed_oracle() {
    common::assert_one_test_per_listed_oracle(RELEASES);
}
