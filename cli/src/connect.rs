//! `pyssl connect HOST:PORT`: a client handshake with `ssl.create_default_context()` plus
//! the given tweaks, then everything the server sends until it closes, reported as Python
//! would see it.

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use pyssl::{
    CaData, CreateOptions, Purpose, PyValue, SslContext, TlsVersion, VerifyFlags, VerifyMode,
};
use serde_json::{Value, json};

use crate::{Failure, Output, error_json, pyjson};

/// `verify_mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyModeArg {
    /// ssl.CERT_NONE
    None,
    /// ssl.CERT_OPTIONAL
    Optional,
    /// ssl.CERT_REQUIRED
    Required,
}

/// Arguments of `pyssl connect`.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Where to connect, as HOST:PORT.
    pub target: String,
    /// server_hostname= (default: HOST).
    #[arg(long, value_name = "NAME", conflicts_with = "no_server_hostname")]
    pub server_hostname: Option<String>,
    /// server_hostname=None (no SNI, no hostname check possible).
    #[arg(long)]
    pub no_server_hostname: bool,
    /// cafile=
    #[arg(long, value_name = "FILE")]
    pub cafile: Option<PathBuf>,
    /// capath=
    #[arg(long, value_name = "DIR")]
    pub capath: Option<PathBuf>,
    /// cadata= as str: the text of this PEM file.
    #[arg(long, value_name = "FILE")]
    pub cadata_pem: Option<PathBuf>,
    /// ctx.check_hostname = False
    #[arg(long)]
    pub no_check_hostname: bool,
    /// ctx.verify_mode = ...
    #[arg(long, value_enum)]
    pub verify_mode: Option<VerifyModeArg>,
    /// ctx.set_alpn_protocols(a,b,...)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Option<Vec<String>>,
    /// ctx.load_cert_chain(cert, key)
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// the key file for --cert
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// ctx.maximum_version = TLSVersion.X (TLSv1, TLSv1_1, TLSv1_2, TLSv1_3)
    #[arg(long, value_name = "VERSION")]
    pub max_version: Option<String>,
    /// ctx.set_ciphers(S)
    #[arg(long, value_name = "S")]
    pub ciphers: Option<String>,
    /// ctx.verify_flags |= BITS (decimal or 0x hex)
    #[arg(long, value_name = "BITS", value_parser = parse_bits)]
    pub verify_flags_add: Option<u64>,
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: crate::inputs::ProfileArgs,
    /// Print Python-style JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_bits(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|e| format!("bad bits '{s}': {e}"))
}

fn version(name: &str) -> Result<TlsVersion, Failure> {
    Ok(match name {
        "TLSv1" => TlsVersion::TLSv1,
        "TLSv1_1" => TlsVersion::TLSv1_1,
        "TLSv1_2" => TlsVersion::TLSv1_2,
        "TLSv1_3" => TlsVersion::TLSv1_3,
        other => return Err(Failure::Usage(format!("unknown TLS version '{other}'"))),
    })
}

fn context(args: &ConnectArgs) -> Result<Arc<SslContext>, Failure> {
    let cadata = match &args.cadata_pem {
        Some(p) => Some(crate::inputs::read_text(p).map_err(|e| Failure::Python(e.error))?),
        None => None,
    };
    let opts = CreateOptions {
        cafile: args.cafile.as_deref(),
        capath: args.capath.as_deref(),
        cadata: cadata.as_deref().map(CaData::Pem),
        profile: args.profile.resolve(),
    };
    let ctx = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts)?;
    if args.no_check_hostname {
        ctx.set_check_hostname(false);
    }
    if let Some(m) = args.verify_mode {
        ctx.set_verify_mode(match m {
            VerifyModeArg::None => VerifyMode::CERT_NONE,
            VerifyModeArg::Optional => VerifyMode::CERT_OPTIONAL,
            VerifyModeArg::Required => VerifyMode::CERT_REQUIRED,
        })?;
    }
    if let Some(list) = &args.alpn {
        let names: Vec<&str> = list.iter().map(String::as_str).collect();
        ctx.set_alpn_protocols(&names)?;
    }
    if let Some(cert) = &args.cert {
        ctx.load_cert_chain(cert, args.key.as_deref(), None)?;
    }
    if let Some(v) = &args.max_version {
        ctx.set_maximum_version(version(v)?)?;
    }
    if let Some(c) = &args.ciphers {
        ctx.set_ciphers(c)?;
    }
    if let Some(bits) = args.verify_flags_add {
        ctx.set_verify_flags(ctx.verify_flags() | VerifyFlags::from_bits_retain(bits))?;
    }
    Ok(Arc::new(ctx))
}

/// The outcome of one connection, as the JSON object `connect --json` prints.
pub fn connect_json(ctx: &Arc<SslContext>, addr: &str, hostname: Option<&str>) -> Value {
    let mut out = json!({"ok": false, "version": null, "cipher": null, "peercert": null,
        "selected_alpn_protocol": null, "received": null, "error": null});
    let sock = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => {
            out["error"] = error_json(&pyssl::Error::from(e));
            return out;
        }
    };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(30)));
    let mut s = match ctx.wrap_socket(sock, false, hostname) {
        Ok(s) => s,
        Err(e) => {
            out["error"] = error_json(&e);
            return out;
        }
    };
    out["version"] = json!(s.version());
    out["cipher"] = json!(s.cipher());
    out["peercert"] = match s.getpeercert() {
        Ok(Some(c)) => serde_json::to_value(c.to_py()).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    out["selected_alpn_protocol"] = json!(s.selected_alpn_protocol());
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read_into(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) => {
                out["error"] = error_json(&e);
                break;
            }
        }
    }
    out["received"] = json!(String::from_utf8_lossy(&received));
    out["ok"] = json!(out["error"].is_null());
    out
}

/// Run `pyssl connect`.
pub fn run(args: &ConnectArgs) -> Result<Output, Failure> {
    let host = match args.target.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok() => h.trim_matches(['[', ']']),
        _ => {
            return Err(Failure::Usage(format!(
                "expected HOST:PORT, got '{}'",
                args.target
            )));
        }
    };
    let hostname = if args.no_server_hostname {
        None
    } else {
        Some(
            args.server_hostname
                .clone()
                .unwrap_or_else(|| host.to_string()),
        )
    };
    let ctx = context(args)?;
    let out = connect_json(&ctx, &args.target, hostname.as_deref());
    let status = if out["ok"] == json!(true) { 0 } else { 1 };
    let text = if args.json {
        pyjson::dumps(&out)? + "\n"
    } else {
        human(&out)
    };
    Ok(Output {
        stdout: text,
        status,
    })
}

/// The outcome as lines of text.
pub fn human(out: &Value) -> String {
    let mut t = String::new();
    if let Some(v) = out["version"].as_str() {
        t += &format!("version: {v}\n");
    }
    if let Some(c) = out["cipher"].as_array() {
        let parts: Vec<String> = c
            .iter()
            .map(|x| x.to_string().trim_matches('"').to_string())
            .collect();
        t += &format!("cipher: {}\n", parts.join(" "));
    }
    if !out["peercert"].is_null() {
        t += &format!("peercert: {}\n", json_to_py(&out["peercert"]).python_repr());
    }
    if let Some(a) = out["selected_alpn_protocol"].as_str() {
        t += &format!("selected_alpn_protocol: {a}\n");
    }
    if let Some(r) = out["received"].as_str() {
        t += &format!("received: {r:?}\n");
    }
    if !out["error"].is_null() {
        t += &format!(
            "error: {}: {}\n",
            out["error"]["type"].as_str().unwrap_or(""),
            out["error"]["message"].as_str().unwrap_or("")
        );
    }
    t
}

/// JSON back to the Python value for `repr()` (arrays as tuples, as certificate dicts hold).
fn json_to_py(v: &Value) -> PyValue {
    match v {
        Value::Null => PyValue::None,
        Value::Bool(b) => PyValue::Bool(*b),
        Value::Number(n) => PyValue::Int(n.as_i64().unwrap_or(0).into()),
        Value::String(s) => PyValue::Str(s.clone()),
        Value::Array(a) => PyValue::Tuple(a.iter().map(json_to_py).collect()),
        Value::Object(m) => {
            PyValue::Dict(m.iter().map(|(k, v)| (k.clone(), json_to_py(v))).collect())
        }
    }
}
