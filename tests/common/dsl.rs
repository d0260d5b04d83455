//! The Rust side of the scenario language of `oracle/pyssl_oracle.py`: each step is run
//! through pyssl's public API and answered in the same JSON shape as the Python side.

use std::path::PathBuf;

use pyssl::{
    CaData, CreateOptions, Error, Options, Password, Profile, Protocol, Purpose, PyValue,
    SslContext, VerifyFlags,
};
use serde_json::{Value, json};

use super::py_to_json;

pub fn error_json(e: &Error) -> Value {
    let k = e.kind();
    json!({"error": {
        "type": e.python_type(),
        "str": e.python_str(),
        "errno": e.errno(),
        "library": e.library(),
        "reason": e.reason(),
        "value_error": k.is_value_error(),
        "os_error": k.is_os_error(),
    }})
}

fn options_const(name: &str) -> Options {
    match name {
        "OP_ALL" => pyssl::OP_ALL,
        "OP_NO_SSLv2" => pyssl::OP_NO_SSLv2,
        "OP_NO_SSLv3" => pyssl::OP_NO_SSLv3,
        "OP_NO_TLSv1" => pyssl::OP_NO_TLSv1,
        "OP_NO_TLSv1_1" => pyssl::OP_NO_TLSv1_1,
        "OP_NO_TLSv1_2" => pyssl::OP_NO_TLSv1_2,
        "OP_NO_TLSv1_3" => pyssl::OP_NO_TLSv1_3,
        "OP_NO_TICKET" => pyssl::OP_NO_TICKET,
        "OP_NO_COMPRESSION" => pyssl::OP_NO_COMPRESSION,
        "OP_NO_RENEGOTIATION" => pyssl::OP_NO_RENEGOTIATION,
        "OP_CIPHER_SERVER_PREFERENCE" => pyssl::OP_CIPHER_SERVER_PREFERENCE,
        "OP_ENABLE_MIDDLEBOX_COMPAT" => pyssl::OP_ENABLE_MIDDLEBOX_COMPAT,
        "OP_IGNORE_UNEXPECTED_EOF" => pyssl::OP_IGNORE_UNEXPECTED_EOF,
        "OP_LEGACY_SERVER_CONNECT" => pyssl::OP_LEGACY_SERVER_CONNECT,
        "OP_ENABLE_KTLS" => pyssl::OP_ENABLE_KTLS,
        "OP_SINGLE_DH_USE" => pyssl::OP_SINGLE_DH_USE,
        "OP_SINGLE_ECDH_USE" => pyssl::OP_SINGLE_ECDH_USE,
        other => panic!("unknown option constant {other}"),
    }
}

fn verify_const(name: &str) -> VerifyFlags {
    match name {
        "VERIFY_DEFAULT" => pyssl::VERIFY_DEFAULT,
        "VERIFY_CRL_CHECK_LEAF" => pyssl::VERIFY_CRL_CHECK_LEAF,
        "VERIFY_CRL_CHECK_CHAIN" => pyssl::VERIFY_CRL_CHECK_CHAIN,
        "VERIFY_X509_STRICT" => pyssl::VERIFY_X509_STRICT,
        "VERIFY_X509_TRUSTED_FIRST" => pyssl::VERIFY_X509_TRUSTED_FIRST,
        "VERIFY_X509_PARTIAL_CHAIN" => pyssl::VERIFY_X509_PARTIAL_CHAIN,
        "VERIFY_ALLOW_PROXY_CERTS" => pyssl::VERIFY_ALLOW_PROXY_CERTS,
        other => panic!("unknown verify constant {other}"),
    }
}

/// cadata bytes for `{"pem_files": [...], "hex": "..."}`, built with OpenSSL (not Python).
fn der_data(spec: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for f in spec["pem_files"].as_array().into_iter().flatten() {
        let pem = std::fs::read(f.as_str().unwrap()).unwrap();
        for cert in openssl::x509::X509::stack_from_pem(&pem).unwrap() {
            out.extend(cert.to_der().unwrap());
        }
    }
    if let Some(h) = spec["hex"].as_str() {
        out.extend(hex(h));
    }
    out
}

fn hex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn text(spec: &Value) -> String {
    match spec.get("text") {
        Some(t) => t.as_str().unwrap().to_string(),
        None => format!(
            "{}{}{}",
            spec["prefix"].as_str().unwrap_or(""),
            std::fs::read_to_string(spec["file"].as_str().unwrap()).unwrap(),
            spec["suffix"].as_str().unwrap_or("")
        ),
    }
}

/// Owned cadata for one call.
enum OwnedCaData {
    Pem(String),
    Der(Vec<u8>),
}

fn cadata_arg(args: &Value) -> Option<OwnedCaData> {
    if let Some(s) = args.get("cadata_pem") {
        return Some(OwnedCaData::Pem(text(s)));
    }
    args.get("cadata_der")
        .map(|s| OwnedCaData::Der(der_data(s)))
}

fn borrow(d: &Option<OwnedCaData>) -> Option<CaData<'_>> {
    match d {
        Some(OwnedCaData::Pem(s)) => Some(CaData::Pem(s)),
        Some(OwnedCaData::Der(b)) => Some(CaData::Der(b)),
        None => None,
    }
}

/// A path argument; `"hex:<bytes>"` stands for a path of raw bytes (e.g. not UTF-8).
fn path_of(v: &Value) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let s = v.as_str()?;
    Some(match s.strip_prefix("hex:") {
        Some(h) => PathBuf::from(std::ffi::OsStr::from_bytes(&hex(h))),
        None => PathBuf::from(s),
    })
}

fn int(v: &Value) -> i128 {
    if let Some(i) = v.as_i64() {
        return i.into();
    }
    if let Some(u) = v.as_u64() {
        return u.into();
    }
    // Big integers travel as "int:<decimal>".
    v.as_str()
        .and_then(|s| s.strip_prefix("int:"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an int: {v}"))
}

pub struct State {
    pub profile: Profile,
    pub ctx: Option<SslContext>,
}

fn ctx(state: &State) -> &SslContext {
    state.ctx.as_ref().expect("scenario step needs a context")
}

fn unit(r: pyssl::Result<()>) -> Result<Value, Error> {
    r.map(|()| Value::Null)
}

/// Integers as the oracle's `to_json` writes them (beyond i64 as `"int:<decimal>"`).
fn big(v: impl Into<i128>) -> Value {
    let v: i128 = v.into();
    match i64::try_from(v) {
        Ok(i) => json!(i),
        Err(_) => json!(format!("int:{v}")),
    }
}

fn get_attr(c: &SslContext, name: &str) -> Result<Value, Error> {
    if name == "sni_callback" {
        return Ok(json!(c.sni_callback().is_some()));
    }
    Ok(py(c.getattr(name)?))
}

/// A JSON scenario value as the Python value the oracle passes (`"int:N"` big ints,
/// `"hex:..."` bytes paths).
fn py_arg(v: &Value) -> PyValue {
    match v {
        Value::Null => PyValue::None,
        Value::Bool(b) => PyValue::Bool(*b),
        Value::Number(_) => PyValue::Int(int(v)),
        Value::String(s) if s.starts_with("int:") => PyValue::Int(int(v)),
        Value::String(s) => match s.strip_prefix("hex:") {
            Some(h) => PyValue::Bytes(hex(h)),
            None => PyValue::Str(s.clone()),
        },
        other => panic!("unsupported attribute value {other}"),
    }
}

fn set_attr(c: &SslContext, name: &str, v: &Value) -> Result<Value, Error> {
    unit(c.setattr(name, py_arg(v)))
}

fn purpose(v: &Value) -> Purpose {
    match v.as_str().unwrap_or("server-auth") {
        "server-auth" => Purpose::SERVER_AUTH,
        "client-auth" => Purpose::CLIENT_AUTH,
        other => panic!("unknown purpose {other}"),
    }
}

fn load_cert_chain(c: &SslContext, args: &[Value]) -> pyssl::Result<()> {
    let certfile = path_of(&args[0]).unwrap();
    let certfile = certfile.as_path();
    let keyfile = path_of(&args[1]);
    let keyfile = keyfile.as_deref();
    let spec = &args[2];
    if spec.is_null() {
        return c.load_cert_chain(certfile, keyfile, None);
    }
    if let Some(t) = spec.get("text") {
        return c.load_cert_chain(certfile, keyfile, Some(Password::text(t.as_str().unwrap())));
    }
    if let Some(r) = spec.get("repeat") {
        let s = r[0]
            .as_str()
            .unwrap()
            .repeat(r[1].as_u64().unwrap() as usize);
        return c.load_cert_chain(certfile, keyfile, Some(Password::text(&s)));
    }
    if let Some(h) = spec.get("bytes_hex") {
        let b = hex(h.as_str().unwrap());
        return c.load_cert_chain(certfile, keyfile, Some(Password::Bytes(&b)));
    }
    if let Some(t) = spec.get("callback_text") {
        let t = t.as_str().unwrap().to_string();
        let mut cb = move || Ok(t.clone().into_bytes());
        return c.load_cert_chain(certfile, keyfile, Some(Password::Callback(&mut cb)));
    }
    if let Some(r) = spec.get("callback_repeat") {
        let s = r[0]
            .as_str()
            .unwrap()
            .repeat(r[1].as_u64().unwrap() as usize);
        let mut cb = move || Ok(s.clone().into_bytes());
        return c.load_cert_chain(certfile, keyfile, Some(Password::Callback(&mut cb)));
    }
    if let Some(m) = spec.get("callback_value_error") {
        let m = m.as_str().unwrap().to_string();
        let mut cb = move || Err(Error::value(m.clone()));
        return c.load_cert_chain(certfile, keyfile, Some(Password::Callback(&mut cb)));
    }
    panic!("unknown password spec {spec}")
}

fn py(v: PyValue) -> Value {
    py_to_json(&v)
}

pub fn run_step(state: &mut State, step: &Value) -> Result<Value, Error> {
    let step = step.as_array().expect("step is a list");
    let op = step[0].as_str().unwrap();
    let args = &step[1..];
    let standalone = [
        "new",
        "default",
        "module",
        "der_to_pem",
        "pem_to_der",
        "cert_time",
        "file_lines",
        "make_file",
    ];
    if state.ctx.is_none() && !standalone.contains(&op) {
        return Ok(json!("no context"));
    }
    match op {
        "new" => {
            state.ctx = Some(SslContext::with_profile(
                Protocol(int(&args[0]) as i32),
                state.profile,
            )?);
            Ok(Value::Null)
        }
        "default" => {
            let a = &args[0];
            let data = cadata_arg(a);
            let (cafile, capath) = (path_of(&a["cafile"]), path_of(&a["capath"]));
            let opts = CreateOptions {
                cafile: cafile.as_deref(),
                capath: capath.as_deref(),
                cadata: borrow(&data),
                profile: state.profile,
            };
            state.ctx = Some(pyssl::create_default_context_with(
                purpose(&a["purpose"]),
                opts,
            )?);
            Ok(Value::Null)
        }
        "get" => get_attr(ctx(state), args[0].as_str().unwrap()),
        "set" => set_attr(ctx(state), args[0].as_str().unwrap(), &args[1]),
        "del" => unit(ctx(state).delattr(args[0].as_str().unwrap())),
        "options_clear" => {
            let c = ctx(state);
            c.set_options(c.options() & !options_const(args[0].as_str().unwrap()))?;
            Ok(big(c.options_int()))
        }
        "options_or" => {
            let c = ctx(state);
            c.set_options(c.options() | options_const(args[0].as_str().unwrap()))?;
            Ok(big(c.options_int()))
        }
        "verify_flags_or" => {
            let c = ctx(state);
            c.set_verify_flags(c.verify_flags() | verify_const(args[0].as_str().unwrap()))?;
            Ok(big(c.verify_flags().bits()))
        }
        "verify_flags_clear" => {
            let c = ctx(state);
            c.set_verify_flags(c.verify_flags() & !verify_const(args[0].as_str().unwrap()))?;
            Ok(big(c.verify_flags().bits()))
        }
        "set_ciphers" => unit(ctx(state).set_ciphers(args[0].as_str().unwrap())),
        "set_ciphersuites" => unit(ctx(state).set_ciphersuites(args[0].as_str().unwrap())),
        "set_groups" => unit(ctx(state).set_groups(args[0].as_str().unwrap())),
        "get_groups" => Ok(json!(ctx(state).get_groups(args[0].as_bool().unwrap())?)),
        "set_client_sigalgs" => unit(ctx(state).set_client_sigalgs(args[0].as_str().unwrap())),
        "set_server_sigalgs" => unit(ctx(state).set_server_sigalgs(args[0].as_str().unwrap())),
        "get_ciphers" => Ok(Value::Array(
            ctx(state)
                .get_ciphers()?
                .iter()
                .map(|c| py(c.to_py()))
                .collect(),
        )),
        "cipher_names" => Ok(json!(
            ctx(state)
                .get_ciphers()?
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        )),
        "lvl" => {
            let a = &args[0];
            let data = cadata_arg(a);
            let (cafile, capath) = (path_of(&a["cafile"]), path_of(&a["capath"]));
            unit(ctx(state).load_verify_locations(
                cafile.as_deref(),
                capath.as_deref(),
                borrow(&data),
            ))
        }
        "stats" => Ok(py(ctx(state).cert_store_stats().to_py())),
        "ca_certs" => {
            let binary = args.first().and_then(Value::as_bool).unwrap_or(false);
            if binary {
                Ok(Value::Array(
                    ctx(state)
                        .get_ca_certs_der()?
                        .into_iter()
                        .map(|d| py(PyValue::Bytes(d)))
                        .collect(),
                ))
            } else {
                Ok(Value::Array(
                    ctx(state)
                        .get_ca_certs()?
                        .iter()
                        .map(|c| py(c.to_py()))
                        .collect(),
                ))
            }
        }
        "lcc" => unit(load_cert_chain(ctx(state), args)),
        "alpn" => {
            let list: Vec<&str> = args[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            unit(ctx(state).set_alpn_protocols(&list))
        }
        "ecdh" => unit(ctx(state).set_ecdh_curve(args[0].as_str().unwrap())),
        "dh" => unit(ctx(state).load_dh_params(path_of(&args[0]).unwrap())),
        "sni" => {
            let cb: Option<pyssl::SniCallback> = if args[0].as_bool().unwrap() {
                Some(std::sync::Arc::new(|_, _, _| None))
            } else {
                None
            };
            unit(ctx(state).set_sni_callback(cb))
        }
        "session_stats" => Ok(py(ctx(state).session_stats().to_py())),
        "load_default_certs" => unit(ctx(state).load_default_certs(Purpose::SERVER_AUTH)),
        "set_default_verify_paths" => unit(ctx(state).set_default_verify_paths()),
        "show" => Ok(py(ctx(state).to_py()?)),
        "der_to_pem" => Ok(json!(pyssl::DER_cert_to_PEM_cert(&hex(args[0]
            .as_str()
            .unwrap())))),
        "pem_to_der" => Ok(py(PyValue::Bytes(pyssl::PEM_cert_to_DER_cert(
            args[0].as_str().unwrap(),
        )?))),
        "cert_time" => Ok(json!(pyssl::cert_time_to_seconds(
            args[0].as_str().unwrap()
        )?)),
        "module" => Ok(super::module_facts(state.profile)),
        "get_sigalgs" => Ok(json!(pyssl::get_sigalgs()?)),
        "make_file" => {
            let mut data = Vec::new();
            for part in args[1].as_array().unwrap() {
                if let Some(t) = part.get("text") {
                    data.extend_from_slice(t.as_str().unwrap().as_bytes());
                } else {
                    let chunk = std::fs::read(part["file"].as_str().unwrap()).unwrap();
                    let start = part["start"]
                        .as_u64()
                        .map_or(0, |v| v as usize)
                        .min(chunk.len());
                    let end = part["end"]
                        .as_u64()
                        .map_or(chunk.len(), |v| v as usize)
                        .min(chunk.len());
                    data.extend_from_slice(&chunk[start..end.max(start)]);
                }
            }
            std::fs::write(args[0].as_str().unwrap(), &data).unwrap();
            Ok(json!(data.len()))
        }
        "file_lines" => {
            let path = PathBuf::from(args[0].as_str().unwrap());
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(json!(text.lines().collect::<Vec<_>>())),
                Err(e) => Err(Error::os_path(e.raw_os_error().unwrap_or(0), &path)),
            }
        }
        other => panic!("unknown op {other}"),
    }
}

pub fn run_scenario(profile: Profile, steps: &[Value]) -> Vec<Value> {
    let mut state = State { profile, ctx: None };
    steps
        .iter()
        .map(|s| match run_step(&mut state, s) {
            Ok(v) => v,
            Err(e) => error_json(&e),
        })
        .collect()
}
