//! Hostile and broken input through the public API: each case runs through a live CPython and
//! through pyssl, and the answers are compared step by step (exception class, `str()`, errno,
//! library, reason), including the context's state after the failure.
//!
//! Complements `tests/differential` (which covers NUL bytes and non-UTF-8 bytes in paths,
//! missing files, directories given as files, empty and truncated PEM/DER, the 1024-byte
//! password limit, 256-byte ALPN names and out-of-range integers set as attributes) with:
//! 100 MB inputs (cadata PEM and DER, a cafile, a certificate chain file), over-long
//! passwords, over-long ALPN lists, over-long and malformed server hostnames, invalid enum
//! values through the typed API, and live peers that close mid-handshake or send 1 MB of
//! garbage, during or after the handshake. The CLI's share is in `cli/tests/hostile.rs`.
#![warn(clippy::assertions_on_result_states)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use pyssl::{
    BioOptions, CaData, Error, MemoryBio, Password, Profile, Protocol, ServerHostname, SslContext,
    TlsVersion, VerifyMode, WrapOptions,
};
use serde_json::{Value, json};

// -- the scenario language, CPython side ----------------------------------------------------------

/// Each scenario is a list of steps on one context; each step answers a value or
/// `{"error": ...}`. The Rust twin is [`run_step`].
const HOSTILE_PY: &str = concat!(
    include_str!("../oracle/describe.py"),
    r#"
import json, re, ssl, sys

def err(e):
    return {"error": describe(e)}

def P(v):
    if isinstance(v, str) and v.startswith("hex:"):
        return bytes.fromhex(v[4:])
    return v

def text(spec):
    if "repeat" in spec:
        return spec["repeat"][0] * spec["repeat"][1]
    if "labels" in spec:
        label, n, tail = spec["labels"]
        return ".".join([label] * n) + tail
    return spec["text"]

def password(spec):
    if spec is None:
        return None
    if "bytes_hex" in spec:
        return bytes.fromhex(spec["bytes_hex"])
    if "callback" in spec:
        value = text(spec["callback"])
        return lambda: value
    return text(spec)

def hostname(spec):
    if spec is None:
        return None
    if "bytes_hex" in spec:
        return bytes.fromhex(spec["bytes_hex"])
    return text(spec)

def snapshot(ctx):
    return {
        "options": int(ctx.options),
        "verify_mode": int(ctx.verify_mode),
        "verify_flags": int(ctx.verify_flags),
        "check_hostname": ctx.check_hostname,
        "minimum_version": int(ctx.minimum_version),
        "maximum_version": int(ctx.maximum_version),
        "cert_store_stats": ctx.cert_store_stats(),
        "ca_certs": len(ctx.get_ca_certs()),
        "ciphers": len(ctx.get_ciphers()),
        "session_stats": ctx.session_stats(),
    }

def step(state, s):
    op, a = s[0], s[1:]
    ctx = state.get("ctx")
    if op == "new":
        state["ctx"] = ssl.SSLContext(a[0])
        return None
    if op == "lvl":
        spec = a[0]
        cadata = None
        if "cadata_pem_file" in spec:
            with open(spec["cadata_pem_file"]) as f:
                cadata = f.read()
        elif "cadata_der_file" in spec:
            with open(spec["cadata_der_file"], "rb") as f:
                cadata = f.read()
        elif "cadata_pem" in spec:
            cadata = text(spec["cadata_pem"])
        return ctx.load_verify_locations(P(spec.get("cafile")), P(spec.get("capath")), cadata)
    if op == "lcc":
        return ctx.load_cert_chain(P(a[0]), P(a[1]), password(a[2]))
    if op == "set_verify_mode":
        ctx.verify_mode = a[0]
        return None
    if op == "set_minimum_version":
        ctx.minimum_version = a[0]
        return None
    if op == "set_maximum_version":
        ctx.maximum_version = a[0]
        return None
    if op == "set_check_hostname":
        ctx.check_hostname = a[0]
        return None
    if op == "alpn":
        spec = a[0]
        names = spec["list"] if "list" in spec else [spec["repeat"][0]] * spec["repeat"][1]
        return ctx.set_alpn_protocols(names)
    if op == "wrap_bio":
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_side=a[1], server_hostname=hostname(a[0]))
        out = {"server_hostname": obj.server_hostname}
        try:
            obj.do_handshake()
            out["handshake"] = None
        except Exception as e:
            out["handshake"] = err(e)
        out["sent"] = outgoing.pending > 0
        return out
    if op == "served":
        # What the context serves: an in-memory handshake with a client that verifies
        # nothing; the certificate it was shown (a digest), or each side's error.
        import hashlib
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
        c = client.wrap_bio(ci, co)
        srv = ctx.wrap_bio(si, so, server_side=True)
        res = {"client": None, "server": None}
        for _ in range(10):
            for name, o in (("client", c), ("server", srv)):
                if res[name] is not None:
                    continue
                try:
                    o.do_handshake()
                    res[name] = "done"
                except ssl.SSLWantReadError:
                    pass
                except Exception as e:
                    res[name] = err(e)
            si.write(co.read())
            ci.write(so.read())
        der = c.getpeercert(True) if res["client"] == "done" else None
        res["cert"] = hashlib.sha256(der).hexdigest()[:16] if der else None
        return res
    if op == "snapshot":
        return snapshot(ctx)
    raise ValueError("unknown op %r" % (op,))

def to_json(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, (tuple, list)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    if isinstance(v, int) and not isinstance(v, bool):
        return int(v)
    return v

answers = []
for scenario in json.load(sys.stdin):
    state, out = {}, []
    for s in scenario:
        try:
            out.append(to_json(step(state, s)))
        except Exception as e:
            out.append(err(e))
    answers.append(out)
json.dump(answers, sys.stdout)
"#
);

// -- the scenario language, pyssl side ------------------------------------------------------------

fn err(e: &Error) -> Value {
    json!({"error": common::describe(e)})
}

fn path(v: &Value) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let s = v.as_str()?;
    Some(match s.strip_prefix("hex:") {
        Some(h) => PathBuf::from(std::ffi::OsStr::from_bytes(&hex(h))),
        None => PathBuf::from(s),
    })
}

fn hex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn text(spec: &Value) -> String {
    if let Some(r) = spec.get("repeat") {
        return r[0]
            .as_str()
            .unwrap()
            .repeat(r[1].as_u64().unwrap() as usize);
    }
    if let Some(l) = spec.get("labels") {
        let label = l[0].as_str().unwrap();
        let labels = vec![label; l[1].as_u64().unwrap() as usize];
        return labels.join(".") + l[2].as_str().unwrap();
    }
    spec["text"].as_str().unwrap().to_string()
}

fn snapshot(c: &SslContext) -> Result<Value, Error> {
    Ok(json!({
        "options": c.options_int() as i64,
        "verify_mode": c.verify_mode().0,
        "verify_flags": c.verify_flags().bits(),
        "check_hostname": c.check_hostname(),
        "minimum_version": c.minimum_version().0,
        "maximum_version": c.maximum_version().0,
        "cert_store_stats": common::py_to_json(&c.cert_store_stats().to_py()),
        "ca_certs": c.get_ca_certs()?.len(),
        "ciphers": c.get_ciphers()?.len(),
        "session_stats": common::py_to_json(&c.session_stats().to_py()),
    }))
}

struct State {
    profile: Profile,
    ctx: Option<Arc<SslContext>>,
}

fn load_cert_chain(c: &SslContext, a: &[Value]) -> pyssl::Result<()> {
    let certfile = path(&a[0]).unwrap();
    let keyfile = path(&a[1]);
    let spec = &a[2];
    if spec.is_null() {
        return c.load_cert_chain(&certfile, keyfile.as_deref(), None);
    }
    if let Some(h) = spec.get("bytes_hex") {
        let b = hex(h.as_str().unwrap());
        return c.load_cert_chain(&certfile, keyfile.as_deref(), Some(Password::Bytes(&b)));
    }
    if let Some(cb) = spec.get("callback") {
        let value = text(cb).into_bytes();
        let mut f = move || Ok(value.clone());
        return c.load_cert_chain(
            &certfile,
            keyfile.as_deref(),
            Some(Password::Callback(&mut f)),
        );
    }
    let t = text(spec);
    c.load_cert_chain(&certfile, keyfile.as_deref(), Some(Password::text(&t)))
}

fn wrap_bio(c: &Arc<SslContext>, a: &[Value]) -> Result<Value, Error> {
    let spec = &a[0];
    let (owned_text, owned_bytes) = match spec {
        Value::Null => (None, None),
        s if s.get("bytes_hex").is_some() => (None, Some(hex(s["bytes_hex"].as_str().unwrap()))),
        s => (Some(text(s)), None),
    };
    let server_hostname = match (&owned_text, &owned_bytes) {
        (Some(t), _) => Some(ServerHostname::Str(t)),
        (_, Some(b)) => Some(ServerHostname::Bytes(b)),
        _ => None,
    };
    let (incoming, outgoing) = (MemoryBio::new(), MemoryBio::new());
    let opts = BioOptions {
        server_side: a[1].as_bool().unwrap(),
        server_hostname,
        ..BioOptions::default()
    };
    let mut obj = c.wrap_bio_with(&incoming, &outgoing, opts)?;
    let handshake = match obj.do_handshake() {
        Ok(()) => Value::Null,
        Err(e) => err(&e),
    };
    Ok(json!({
        "server_hostname": obj.server_hostname(),
        "handshake": handshake,
        "sent": outgoing.pending() > 0,
    }))
}

fn run_step(state: &mut State, s: &Value) -> Result<Value, Error> {
    let s = s.as_array().unwrap();
    let (op, a) = (s[0].as_str().unwrap(), &s[1..]);
    if op == "new" {
        let proto = Protocol(a[0].as_i64().unwrap() as i32);
        state.ctx = Some(Arc::new(SslContext::with_profile(proto, state.profile)?));
        return Ok(Value::Null);
    }
    let c = state.ctx.clone().expect("a context");
    let unit = |r: pyssl::Result<()>| r.map(|()| Value::Null);
    match op {
        "lvl" => {
            let spec = &a[0];
            let (cafile, capath) = (path(&spec["cafile"]), path(&spec["capath"]));
            let pem = if let Some(f) = spec["cadata_pem_file"].as_str() {
                // Python's open(f).read(): UTF-8 text (these files are ASCII).
                Some(std::fs::read_to_string(f).unwrap())
            } else {
                spec.get("cadata_pem").map(text)
            };
            let der = spec["cadata_der_file"]
                .as_str()
                .map(|f| std::fs::read(f).unwrap());
            let cadata = match (&pem, &der) {
                (Some(p), _) => Some(CaData::Pem(p)),
                (_, Some(d)) => Some(CaData::Der(d)),
                _ => None,
            };
            unit(c.load_verify_locations(cafile.as_deref(), capath.as_deref(), cadata))
        }
        "lcc" => unit(load_cert_chain(&c, a)),
        "set_verify_mode" => unit(c.set_verify_mode(VerifyMode(a[0].as_i64().unwrap() as i32))),
        "set_minimum_version" => {
            unit(c.set_minimum_version(TlsVersion(a[0].as_i64().unwrap() as i32)))
        }
        "set_maximum_version" => {
            unit(c.set_maximum_version(TlsVersion(a[0].as_i64().unwrap() as i32)))
        }
        "set_check_hostname" => {
            c.set_check_hostname(a[0].as_bool().unwrap());
            Ok(Value::Null)
        }
        "alpn" => {
            let names: Vec<String> = match a[0].get("list") {
                Some(l) => l
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect(),
                None => {
                    let r = &a[0]["repeat"];
                    vec![r[0].as_str().unwrap().to_string(); r[1].as_u64().unwrap() as usize]
                }
            };
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            unit(c.set_alpn_protocols(&names))
        }
        "wrap_bio" => wrap_bio(&c, a),
        "served" => served(&c),
        "snapshot" => snapshot(&c),
        other => panic!("unknown op {other}"),
    }
}

/// Runs `scenarios` through the profile's CPython and through pyssl; returns the differences.
fn compare(profile: Profile, scenarios: &[(String, Value)]) -> Vec<String> {
    let Some(oracle) = common::oracle_for(&profile) else {
        return Vec::new();
    };
    let input = Value::Array(scenarios.iter().map(|(_, s)| s.clone()).collect());
    let answers = oracle.run_json(HOSTILE_PY, &[], &input.to_string());
    let answers = answers.as_array().expect("answers");
    assert_eq!(answers.len(), scenarios.len());
    let mut differences = Vec::new();
    for ((name, steps), py) in scenarios.iter().zip(answers) {
        let mut state = State { profile, ctx: None };
        let ours: Vec<Value> = steps
            .as_array()
            .unwrap()
            .iter()
            .map(|s| run_step(&mut state, s).unwrap_or_else(|e| err(&e)))
            .collect();
        let outcome: Vec<String> = steps
            .as_array()
            .unwrap()
            .iter()
            .zip(&ours)
            .filter(|(s, _)| s[0] != "snapshot")
            .map(|(_, r)| match r.get("error") {
                Some(e) => format!("{}: {}", e["type"].as_str().unwrap(), short(&e["str"])),
                None => short(r),
            })
            .collect();
        eprintln!("  {name}: {}", outcome.join(" / "));
        for (i, (p, r)) in py.as_array().unwrap().iter().zip(&ours).enumerate() {
            if p != r {
                differences.push(format!(
                    "[{}] {name} step {i} {}\n   python: {p}\n   pyssl:  {r}",
                    profile.label(),
                    steps[i]
                ));
            }
        }
    }
    eprintln!(
        "profile {}: {} hostile scenarios compared with {}, {} differences",
        profile.label(),
        scenarios.len(),
        oracle.python.display(),
        differences.len()
    );
    differences
}

/// A value for a one-line summary, cut to 110 characters.
fn short(v: &Value) -> String {
    let t = match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    };
    match t.char_indices().nth(110) {
        Some((i, _)) => format!("{}...", &t[..i]),
        None => t,
    }
}

fn assert_same(profile: Profile, scenarios: &[(String, Value)]) {
    let d = compare(profile, scenarios);
    assert!(d.is_empty(), "{} differences:\n{}", d.len(), d.join("\n"));
}

const CLIENT: i64 = 16;
const SERVER: i64 = 17;

fn with_snapshot(steps: Vec<Value>) -> Value {
    let mut steps = steps;
    steps.push(json!(["snapshot"]));
    Value::Array(steps)
}

// -- 100 MB inputs ---------------------------------------------------------------------------------

const MB100: usize = 100 * 1024 * 1024;

struct BigFiles {
    _dir: tempfile::TempDir,
    junk: PathBuf,
    ca_then_junk: PathBuf,
    repeated_ca: PathBuf,
    repeated_ca_der: PathBuf,
    ca_der_then_zeros: PathBuf,
    der_huge_header: PathBuf,
    zeros: PathBuf,
    chain_then_junk: PathBuf,
    cert_junk_key: PathBuf,
}

/// Writes `unit` repeatedly until the file holds at least `size` bytes after `head`, then
/// `tail`.
fn write_big(path: &Path, head: &[u8], unit: &[u8], size: usize, tail: &[u8]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head).unwrap();
    let mut n = 0;
    while n < size {
        f.write_all(unit).unwrap();
        n += unit.len();
    }
    f.write_all(tail).unwrap();
    f.flush().unwrap();
}

fn big_files() -> BigFiles {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let (ca, ca_key) = common::make_ca("hostile big CA");
    let ca_pem = ca.to_pem().unwrap();
    let ca_der = ca.to_der().unwrap();
    let (leaf, key) = common::make_leaf(&ca, &ca_key, "localhost");
    let leaf_pem = leaf.to_pem().unwrap();
    let key_pem = key.private_key_to_pem_pkcs8().unwrap();
    let junk_line = b"this line is not part of any certificate, it is 100 MB of junk\n";
    let files = BigFiles {
        junk: p("junk.pem"),
        ca_then_junk: p("ca_then_junk.pem"),
        repeated_ca: p("repeated_ca.pem"),
        repeated_ca_der: p("repeated_ca.der"),
        ca_der_then_zeros: p("ca_then_zeros.der"),
        der_huge_header: p("huge_header.der"),
        zeros: p("zeros.der"),
        chain_then_junk: p("chain_then_junk.pem"),
        cert_junk_key: p("cert_junk_key.pem"),
        _dir: dir,
    };
    write_big(&files.junk, b"", junk_line, MB100, b"");
    write_big(&files.ca_then_junk, &ca_pem, junk_line, MB100, b"");
    // The same CA 1,000 times (every copy after the first is a duplicate OpenSSL skips). Not
    // 100 MB: OpenSSL's duplicate check makes 90,000 copies take 25 s in CPython as in pyssl.
    write_big(&files.repeated_ca, b"", &ca_pem, 999 * ca_pem.len(), b"");
    write_big(
        &files.repeated_ca_der,
        b"",
        &ca_der,
        999 * ca_der.len(),
        b"",
    );
    write_big(&files.ca_der_then_zeros, &ca_der, &[0u8; 65536], MB100, b"");
    // A SEQUENCE announcing 2 GiB of content, then 100 MB of it.
    write_big(
        &files.der_huge_header,
        &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff],
        &[0u8; 65536],
        MB100,
        b"",
    );
    write_big(&files.zeros, b"", &[0u8; 65536], MB100, b"");
    let mut chain = leaf_pem.clone();
    chain.extend(&key_pem);
    write_big(&files.chain_then_junk, &chain, junk_line, MB100, b"");
    write_big(&files.cert_junk_key, &leaf_pem, junk_line, MB100, &key_pem);
    files
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn big_scenarios(f: &BigFiles) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (label, file) in [
        ("100 MB junk", &f.junk),
        ("CA then 100 MB junk", &f.ca_then_junk),
        ("CA repeated 1,000 times", &f.repeated_ca),
    ] {
        out.push((
            format!("cadata PEM: {label}"),
            with_snapshot(vec![
                json!(["new", CLIENT]),
                json!(["lvl", {"cadata_pem_file": s(file)}]),
            ]),
        ));
        out.push((
            format!("cafile: {label}"),
            with_snapshot(vec![
                json!(["new", CLIENT]),
                json!(["lvl", {"cafile": s(file)}]),
            ]),
        ));
    }
    for (label, file) in [
        ("CA repeated 1,000 times", &f.repeated_ca_der),
        ("CA then 100 MB of zeros", &f.ca_der_then_zeros),
        ("2 GiB header, 100 MB of content", &f.der_huge_header),
        ("100 MB of zeros", &f.zeros),
        ("100 MB of PEM junk as DER", &f.junk),
    ] {
        out.push((
            format!("cadata DER: {label}"),
            with_snapshot(vec![
                json!(["new", CLIENT]),
                json!(["lvl", {"cadata_der_file": s(file)}]),
            ]),
        ));
    }
    for (label, cert, key) in [
        ("chain then 100 MB junk", &f.chain_then_junk, None),
        ("cert, 100 MB junk, key", &f.cert_junk_key, None),
        ("100 MB junk", &f.junk, None),
        (
            "cert file, key is 100 MB junk",
            &f.chain_then_junk,
            Some(&f.junk),
        ),
        ("100 MB zeros", &f.zeros, None),
    ] {
        out.push((
            format!("load_cert_chain: {label}"),
            with_snapshot(vec![
                json!(["new", SERVER]),
                json!(["lcc", s(cert), key.map(|k| s(k)), null]),
            ]),
        ));
    }
    out
}

#[test]
fn inputs_of_100_mb() {
    let files = big_files();
    // One profile: the inputs are large and the answers do not depend on the release.
    assert_same(Profile::PY313_0, &big_scenarios(&files));
}

// -- passwords, ALPN, enums, hostnames, small hostile inputs ---------------------------------------

/// The `served` step: an in-memory handshake against a client that verifies nothing.
fn served(c: &Arc<SslContext>) -> Result<Value, Error> {
    let client = Arc::new(SslContext::with_profile(
        pyssl::PROTOCOL_TLS_CLIENT,
        c.profile(),
    )?);
    client.set_check_hostname(false);
    client.set_verify_mode(VerifyMode::CERT_NONE)?;
    let (ci, co, si, so) = (
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
    );
    let mut cobj = client.wrap_bio(&ci, &co, false, None)?;
    let mut sobj = c.wrap_bio(&si, &so, true, None)?;
    let (mut cres, mut sres) = (Value::Null, Value::Null);
    for _ in 0..10 {
        for (res, obj) in [(&mut cres, &mut cobj), (&mut sres, &mut sobj)] {
            if !res.is_null() {
                continue;
            }
            match obj.do_handshake() {
                Ok(()) => *res = json!("done"),
                Err(e) if e.python_type() == "SSLWantReadError" => {}
                Err(e) => *res = err(&e),
            }
        }
        si.write(&co.read(None))?;
        ci.write(&so.read(None))?;
    }
    let cert = if cres == json!("done") {
        cobj.getpeercert_der()?.map(|der| {
            openssl::sha::sha256(&der)[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        })
    } else {
        None
    };
    Ok(json!({"client": cres, "server": sres, "cert": cert}))
}

fn small_scenarios(o: &common::Oracle, dir: &Path) -> Vec<(String, Value)> {
    let passwd = s(&o.cert("keycert.passwd.pem"));
    let plain = s(&o.cert("keycert.pem"));
    let capath_dir = s(&o.cert("capath"));
    let mut out = Vec::new();
    let mut push =
        |name: &str, steps: Vec<Value>| out.push((name.to_string(), with_snapshot(steps)));

    // Passwords: over-long in every form, empty, with NUL bytes, wrong.
    for (label, spec) in [
        ("1 MB text", json!({"repeat": ["p", 1 << 20]})),
        (
            "1 MB callback",
            json!({"callback": {"repeat": ["p", 1 << 20]}}),
        ),
        (
            "1025 bytes callback",
            json!({"callback": {"repeat": ["p", 1025]}}),
        ),
        ("empty", json!({"text": ""})),
        ("empty callback", json!({"callback": {"text": ""}})),
        ("NUL bytes", json!({"bytes_hex": "736f6d6500706173"})),
        ("wrong, 1024 bytes", json!({"repeat": ["x", 1024]})),
    ] {
        push(
            &format!("password {label}, encrypted key"),
            vec![json!(["new", SERVER]), json!(["lcc", passwd, null, spec])],
        );
    }
    push(
        "password 1 MB, key not encrypted",
        vec![
            json!(["new", SERVER]),
            json!(["lcc", plain, null, {"repeat": ["p", 1 << 20]}]),
        ],
    );
    // Files of the wrong kind.
    push(
        "keyfile is a directory",
        vec![
            json!(["new", SERVER]),
            json!(["lcc", plain, capath_dir, null]),
        ],
    );
    push(
        "capath is a file",
        vec![json!(["new", CLIENT]), json!(["lvl", {"capath": plain}])],
    );
    push(
        "capath is an empty string",
        vec![json!(["new", CLIENT]), json!(["lvl", {"capath": ""}])],
    );
    push(
        "cafile is an empty string",
        vec![json!(["new", CLIENT]), json!(["lvl", {"cafile": ""}])],
    );
    push(
        "cafile is /dev/null",
        vec![
            json!(["new", CLIENT]),
            json!(["lvl", {"cafile": "/dev/null"}]),
        ],
    );
    push(
        "certfile is /dev/null",
        vec![
            json!(["new", SERVER]),
            json!(["lcc", "/dev/null", null, null]),
        ],
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, b"").unwrap();
    push(
        "keyfile is empty",
        vec![
            json!(["new", SERVER]),
            json!(["lcc", plain, s(&empty), null]),
        ],
    );
    // cadata text: NUL bytes, a PEM block whose base64 is cut short, one that never ends.
    let pem = std::fs::read_to_string(o.cert("pycacert.pem")).unwrap();
    let begin = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let block = &pem[begin..];
    for (label, text) in [
        ("NUL bytes", format!("\0\0{block}\0")),
        ("cut in the base64", block[..block.len() / 2].to_string()),
        (
            "no END line",
            block.replace("-----END CERTIFICATE-----", ""),
        ),
        (
            "BEGIN line only, 1 MB of base64",
            format!("-----BEGIN CERTIFICATE-----\n{}", "QUFB\n".repeat(1 << 18)),
        ),
    ] {
        push(
            &format!("cadata PEM {label}"),
            vec![
                json!(["new", CLIENT]),
                json!(["lvl", {"cadata_pem": {"text": text}}]),
            ],
        );
    }

    // Invalid enum values through the typed setters.
    for proto in [99, -1, 1 << 20] {
        push(
            &format!("Protocol({proto})"),
            vec![json!(["new", proto]), json!(["new", CLIENT])],
        );
    }
    for mode in [7, 3, -2] {
        push(
            &format!("VerifyMode({mode})"),
            vec![json!(["new", SERVER]), json!(["set_verify_mode", mode])],
        );
    }
    for v in [0x999, 0, 0x0300, 0x7fff_ffff] {
        push(
            &format!("minimum_version TlsVersion({v:#x})"),
            vec![json!(["new", CLIENT]), json!(["set_minimum_version", v])],
        );
        push(
            &format!("maximum_version TlsVersion({v:#x})"),
            vec![json!(["new", CLIENT]), json!(["set_maximum_version", v])],
        );
    }

    // ALPN: names with NUL, lists too long for the ClientHello extension.
    push(
        "ALPN name with NUL",
        vec![
            json!(["new", CLIENT]),
            json!(["alpn", {"list": ["h\u{0}2", "\u{0}"]}]),
        ],
    );
    push(
        "ALPN name of 10 kB",
        vec![
            json!(["new", CLIENT]),
            json!(["alpn", {"repeat": ["x".repeat(10_000), 1]}]),
        ],
    );
    for n in [250, 257, 300] {
        let name = "a".repeat(255);
        push(
            &format!("ALPN list of {n} names of 255 bytes, client handshake"),
            vec![
                json!(["new", CLIENT]),
                json!(["alpn", {"repeat": [name, n]}]),
                json!(["wrap_bio", {"text": "localhost"}, false]),
            ],
        );
        push(
            &format!("ALPN list of {n} names of 255 bytes, server"),
            vec![
                json!(["new", SERVER]),
                json!(["alpn", {"repeat": [name, n]}]),
                json!(["wrap_bio", null, true]),
            ],
        );
    }

    // Server hostnames: label and name lengths around the limits, 10 kB names, junk.
    let a63 = "a".repeat(63);
    let mut hostnames: Vec<(String, Value)> = vec![
        (
            "63-char label".into(),
            json!({"text": format!("{a63}.example")}),
        ),
        (
            "64-char label".into(),
            json!({"text": format!("{a63}a.example")}),
        ),
        (
            "64-char label, bytes".into(),
            json!({"bytes_hex": "61".repeat(64) + "2e6578616d706c65"}),
        ),
        (
            "10 kB single label".into(),
            json!({"repeat": ["a", 10_000]}),
        ),
        (
            "10 kB of 63-char labels".into(),
            json!({"labels": [a63, 160, ""]}),
        ),
        (
            "10 kB of 63-char labels, bytes".into(),
            json!({"bytes_hex": vec!["61".repeat(63); 160].join("2e")}),
        ),
        ("64 x é".into(), json!({"repeat": ["\u{e9}", 64]})),
        ("NUL".into(), json!({"text": "local\u{0}host"})),
        (
            "NUL, bytes".into(),
            json!({"bytes_hex": "6c6f63616c00686f7374"}),
        ),
        (
            "non-ASCII bytes".into(),
            json!({"bytes_hex": "ff6c6f63616c"}),
        ),
        ("empty label".into(), json!({"text": "a..b"})),
        ("trailing dot".into(), json!({"text": "localhost."})),
        ("only dots".into(), json!({"text": ".."})),
        ("bad punycode".into(), json!({"text": "xn--zz-.example"})),
        ("wildcard".into(), json!({"text": "*.example.com"})),
        ("IPv4 out of range".into(), json!({"text": "999.1.1.1"})),
        ("five numbers".into(), json!({"text": "1.2.3.4.5"})),
        ("IPv6 in brackets".into(), json!({"text": "[::1]"})),
        ("IPv6".into(), json!({"text": "::1"})),
        ("space".into(), json!({"text": "local host"})),
    ];
    // Whole names of 253 to 256 characters: 63-char labels, then a shorter last one.
    for total in [253usize, 254, 255, 256] {
        let mut labels = Vec::new();
        let mut rest = total;
        while rest > 63 {
            // Never leave an empty last label: 64 = a 62-char label, a dot and one more.
            let n = if rest == 64 { 62 } else { 63 };
            labels.push("a".repeat(n));
            rest -= n + 1;
        }
        labels.push("b".repeat(rest));
        let name = labels.join(".");
        assert_eq!(name.len(), total);
        hostnames.push((format!("{total}-char name"), json!({"text": name})));
        hostnames.push((
            format!("{total}-char name, trailing dot"),
            json!({"text": format!("{name}.")}),
        ));
    }
    for (label, spec) in hostnames {
        push(
            &format!("server_hostname {label}"),
            vec![
                json!(["new", CLIENT]),
                json!(["wrap_bio", spec.clone(), false]),
                json!(["set_check_hostname", false]),
                json!(["wrap_bio", spec, false]),
            ],
        );
    }
    push(
        "server_hostname on a server connection",
        vec![
            json!(["new", SERVER]),
            json!(["wrap_bio", {"text": "localhost"}, true]),
        ],
    );

    // Successive load_cert_chain calls, each observed by what the context then serves: the
    // certificate slots, what a failure part-way leaves behind, the key checked against the
    // certificate of its own type (pyssl reads the files on a scratch context and applies
    // the result; these show the result is the one CPython's in-place load gives).
    let cert = |name: &str| s(&o.cert(name));
    let chain_then_bad = dir.join("chain_then_bad.pem");
    let mut bytes = std::fs::read(o.cert("ssl_cert.pem")).unwrap();
    bytes
        .extend_from_slice(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    std::fs::write(&chain_then_bad, bytes).unwrap();
    let lcc = |c: &str, k: Option<&str>| json!(["lcc", c, k, null]);
    let sequences: Vec<(&str, Vec<Value>)> = vec![
        ("rsa", vec![lcc(&plain, None)]),
        ("ecc", vec![lcc(&cert("keycertecc.pem"), None)]),
        (
            "rsa then ecc",
            vec![lcc(&plain, None), lcc(&cert("keycertecc.pem"), None)],
        ),
        (
            "ecc then mismatched rsa",
            vec![
                lcc(&cert("keycertecc.pem"), None),
                lcc(&cert("ssl_cert.pem"), Some(&cert("keycert2.pem"))),
            ],
        ),
        (
            "rsa then rsa cert with the ecc key",
            vec![
                lcc(&cert("keycertecc.pem"), None),
                lcc(&plain, None),
                lcc(&cert("ssl_cert.pem"), Some(&cert("keycertecc.pem"))),
            ],
        ),
        (
            "rsa then a bad certificate",
            vec![lcc(&plain, None), lcc(&cert("badcert.pem"), None)],
        ),
        (
            "rsa then a bad key",
            vec![
                lcc(&plain, None),
                lcc(&cert("ssl_cert.pem"), Some(&cert("badkey.pem"))),
            ],
        ),
        (
            "rsa then a chain with a bad second block",
            vec![
                lcc(&plain, None),
                lcc(&s(&chain_then_bad), Some(&cert("ssl_key.pem"))),
            ],
        ),
        (
            "ecc then a chain with a bad second block",
            vec![
                lcc(&cert("keycertecc.pem"), None),
                lcc(&s(&chain_then_bad), None),
            ],
        ),
        ("signed chain", vec![lcc(&cert("keycert3.pem"), None)]),
        (
            "signed chain, then another leaf with a bad second block",
            vec![
                lcc(&cert("keycert3.pem"), None),
                lcc(&s(&chain_then_bad), None),
            ],
        ),
        (
            "wrong password, then none needed",
            vec![
                json!(["lcc", passwd, null, {"text": "wrong"}]),
                lcc(&plain, None),
            ],
        ),
    ];
    for (label, mut steps) in sequences {
        steps.insert(0, json!(["new", SERVER]));
        steps.push(json!(["served"]));
        push(&format!("load_cert_chain sequence: {label}"), steps);
    }
    out
}

macro_rules! small_per_profile {
    ($($name:ident => $profile:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let profile: Profile = $profile;
                let Some(o) = common::oracle_for(&profile) else { return };
                let dir = tempfile::tempdir().unwrap();
                assert_same(profile, &small_scenarios(&o, dir.path()));
            }
        )*
    };
}

small_per_profile! {
    passwords_alpn_enums_and_hostnames_311 => Profile::PY311,
    passwords_alpn_enums_and_hostnames_313 => Profile::PY313_0,
    // Debian's builds: compared where pyssl runs on OpenSSL 3.3+ (ci/openssl-matrix).
    passwords_alpn_enums_and_hostnames_31318 => common::compared("3.13.18"),
    passwords_alpn_enums_and_hostnames_314 => common::compared("3.14.10"),
    passwords_alpn_enums_and_hostnames_315 => common::compared("3.15.2"),
}

// -- hostile peers --------------------------------------------------------------------------------

/// Misbehaving peers, and CPython as the side under test against them.
const PEERS_PY: &str = concat!(
    include_str!("../oracle/describe.py"),
    include_str!("../oracle/hostile_peers.py")
);

const TIMEOUT: Duration = Duration::from_secs(20);

fn python(o: &common::Oracle, args: &[&str]) -> Command {
    let mut cmd = Command::new(&o.python);
    cmd.arg("-c")
        .arg(PEERS_PY)
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    cmd
}

fn ctx_state(c: &SslContext) -> Value {
    json!({
        "session_stats": common::py_to_json(&c.session_stats().to_py()),
        "cert_store_stats": common::py_to_json(&c.cert_store_stats().to_py()),
        "options": c.options_int() as i64,
        "verify_mode": c.verify_mode().0,
    })
}

/// Reads until end of data or an error, as the Python side's recv loop.
fn read_all<S: Read + Write>(s: &mut pyssl::SslSocket<S>) -> Value {
    let mut n = 0usize;
    loop {
        match s.recv(65536) {
            Ok(chunk) if chunk.is_empty() => return json!(n),
            Ok(chunk) => n += chunk.len(),
            Err(e) => return common::describe(&e),
        }
    }
}

fn pyssl_client(profile: Profile, certdir: &Path, port: u16) -> Value {
    let ctx = SslContext::with_profile(Protocol::PROTOCOL_TLS_CLIENT, profile).unwrap();
    ctx.load_verify_locations(Some(&certdir.join("ca.pem")), None, None)
        .unwrap();
    let ctx = Arc::new(ctx);
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut out = json!({});
    match ctx.wrap_socket(sock, false, Some("localhost")) {
        Err(e) => out["handshake"] = common::describe(&e),
        Ok(mut s) => {
            out["handshake"] = Value::Null;
            out["version"] = json!(s.version());
            out["read"] = read_all(&mut s);
        }
    }
    out["state"] = ctx_state(&ctx);
    out
}

fn pyssl_server(profile: Profile, certdir: &Path, listener: &TcpListener) -> Value {
    let ctx = SslContext::with_profile(Protocol::PROTOCOL_TLS_SERVER, profile).unwrap();
    ctx.load_cert_chain(certdir.join("server.pem"), None, None)
        .unwrap();
    let ctx = Arc::new(ctx);
    let (sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let opts = WrapOptions {
        server_side: true,
        ..WrapOptions::default()
    };
    let mut out = json!({});
    match ctx.wrap_socket_with(sock, opts) {
        Err(e) => out["handshake"] = common::describe(&e),
        Ok(mut s) => {
            out["handshake"] = Value::Null;
            out["version"] = json!(s.version());
            out["read"] = read_all(&mut s);
        }
    }
    out["state"] = ctx_state(&ctx);
    out
}

fn wait(mut child: Child, what: &str) {
    let status = child.wait().unwrap();
    assert!(status.success(), "{what}: {status}");
}

/// One hostile peer against CPython and against pyssl, in `role`; the two outcomes.
fn against_peer(
    o: &common::Oracle,
    profile: Profile,
    certdir: &Path,
    role: &str,
    kind: &str,
) -> (Value, Value) {
    let dir = certdir.to_str().unwrap();
    let out = python(o, &["cpython", role, kind, dir])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "cpython {role} {kind}");
    let theirs: Value = serde_json::from_slice(&out.stdout).expect("cpython outcome");
    let ours = if role == "client" {
        let mut peer = python(o, &["peer-server", kind, dir])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(peer.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ours = pyssl_client(profile, certdir, line.trim().parse().unwrap());
        wait(peer, kind);
        ours
    } else {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let peer = python(o, &["peer-client", kind, &port, dir])
            .spawn()
            .unwrap();
        let ours = pyssl_server(profile, certdir, &listener);
        wait(peer, kind);
        ours
    };
    (theirs, ours)
}

fn peer_certs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (ca, ca_key) = common::make_ca("hostile peer CA");
    std::fs::write(dir.path().join("ca.pem"), ca.to_pem().unwrap()).unwrap();
    let (leaf, key) = common::make_leaf(&ca, &ca_key, "localhost");
    pyssl_testsupport::certs::write_pem(&dir.path().join("server.pem"), &[&leaf], Some(&key));
    dir
}

fn hostile_peers(profile: Profile) {
    let Some(o) = common::oracle_for(&profile) else {
        return;
    };
    let certs = peer_certs();
    let cases = [
        ("client", "close_mid_flight"),
        ("client", "close_after_flight_tls12"),
        ("client", "garbage_1mb"),
        ("client", "record_header_then_1mb"),
        ("client", "1mb_of_full_records"),
        ("client", "garbage_after_handshake"),
        ("client", "bad_mac_after_handshake"),
        ("client", "1mb_after_handshake"),
        ("server", "close_mid_hello"),
        ("server", "garbage_1mb"),
        ("server", "1mb_after_handshake"),
    ];
    let mut differences = Vec::new();
    for (role, kind) in cases {
        let (theirs, ours) = against_peer(&o, profile, certs.path(), role, kind);
        eprintln!("[{}] {role} vs {kind}: {ours}", profile.label());
        // Every case fails somewhere: either the handshake or the read after it.
        assert!(
            !ours["handshake"].is_null() || ours["read"].is_object(),
            "{role} vs {kind} did not fail: {ours}"
        );
        if theirs != ours {
            differences.push(format!(
                "[{}] {role} vs {kind}\n   python: {theirs}\n   pyssl:  {ours}",
                profile.label()
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn hostile_peers_311() {
    hostile_peers(Profile::PY311);
}

#[test]
fn hostile_peers_313() {
    hostile_peers(Profile::PY313_0);
}

#[test]
fn hostile_peers_31318() {
    hostile_peers(common::compared("3.13.18"));
}

#[test]
fn hostile_peers_314() {
    hostile_peers(common::compared("3.14.10"));
}

#[test]
fn hostile_peers_315() {
    hostile_peers(common::compared("3.15.2"));
}
