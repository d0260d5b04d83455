//! `pyssl verdicts`: what every CPython release would say about a server or a certificate
//! chain, one real handshake per release, with the reason where neighbouring releases
//! disagree (`pyssl::verdicts`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use openssl::pkey::PKey;
use openssl::x509::X509;
use pyssl::verdicts::{Cause, Chain, Peer, Row, Trust, certificate_fix, verdicts};
use pyssl::{Profile, SslDefaultSuites};
use serde_json::{Value, json};

use crate::inputs::{PurposeArg, parse_suites};
use crate::{Failure, Output, error_json, pyjson};

/// Arguments of `pyssl verdicts`.
#[derive(Debug, Clone, Args)]
pub struct VerdictsArgs {
    /// The server to ask, as HOST:PORT (or --chain instead).
    #[arg(required_unless_present = "chain", conflicts_with = "chain")]
    pub target: Option<String>,
    /// server_hostname= for HOST:PORT (default: HOST).
    #[arg(long, value_name = "NAME")]
    pub server_hostname: Option<String>,
    /// A PEM file: the leaf certificate, then any certificates sent with it (no server needed).
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// More certificates the chain's holder sends (PEM).
    #[arg(long, value_name = "FILE", requires = "chain")]
    pub untrusted: Option<PathBuf>,
    /// The leaf's private key: the in-memory peer then serves the chain itself.
    #[arg(long, value_name = "FILE", requires = "chain")]
    pub chain_key: Option<PathBuf>,
    /// The name the chain is checked for (default: the chain only, check_hostname off).
    #[arg(long, value_name = "NAME", requires = "chain")]
    pub hostname: Option<String>,
    /// server-auth: judged as a client judges a server; client-auth: as a server with
    /// CERT_REQUIRED judges a client.
    #[arg(long, value_enum, default_value_t = PurposeArg::ServerAuth, requires = "chain")]
    pub purpose: PurposeArg,
    /// cafile=
    #[arg(long, value_name = "FILE")]
    pub cafile: Option<PathBuf>,
    /// capath=
    #[arg(long, value_name = "DIR")]
    pub capath: Option<PathBuf>,
    /// cadata= as str: the text of this PEM file.
    #[arg(long, value_name = "FILE")]
    pub cadata_pem: Option<PathBuf>,
    /// ctx.load_cert_chain(cert, key) on the verifying side.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The key file for --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// The releases to ask, oldest first (3.X for the newest patch pyssl knows, or 3.X.Y)
    /// [default: every release pyssl ships].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = crate::inputs::parse_profile)]
    pub profiles: Option<Vec<Profile>>,
    /// The builds' --with-ssl-default-suites: python (upstream) or openssl (Debian, Ubuntu).
    #[arg(long, value_name = "SUITES", value_parser = parse_suites, default_value = "python")]
    pub ssl_default_suites: SslDefaultSuites,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("{}: {e}", path.display())))
}

fn certificates(path: &Path) -> Result<Vec<X509>, Failure> {
    let certs = X509::stack_from_pem(&read(path)?)
        .map_err(|e| Failure::Io(format!("{}: not PEM certificates: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Failure::Io(format!(
            "{}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// The chain of `--chain`, read and checked for use.
fn chain(args: &VerdictsArgs, file: &Path) -> Result<Chain, Failure> {
    let key = match &args.chain_key {
        Some(k) => Some(
            PKey::private_key_from_pem(&read(k)?)
                .map_err(|e| Failure::Io(format!("{}: not a PEM private key: {e}", k.display())))?,
        ),
        None => None,
    };
    Ok(Chain {
        certs: certificates(file)?,
        untrusted: match &args.untrusted {
            Some(u) => certificates(u)?,
            None => Vec::new(),
        },
        key,
        hostname: args.hostname.clone(),
        purpose: args.purpose.purpose(),
    })
}

/// `HOST:PORT` split, or a usage error.
fn host_of(target: &str) -> Result<&str, Failure> {
    match target.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok() => Ok(h.trim_matches(['[', ']'])),
        _ => Err(Failure::Usage(format!(
            "expected HOST:PORT, got '{target}'"
        ))),
    }
}

/// Run `pyssl verdicts`.
pub fn run(args: &VerdictsArgs) -> Result<Output, Failure> {
    let profiles: Vec<Profile> = args
        .profiles
        .clone()
        .unwrap_or_else(|| Profile::ALL.to_vec())
        .into_iter()
        .map(|p| p.with_ssl_default_suites(args.ssl_default_suites))
        .collect();
    // A file the verifying side reads that is not there is an input error (exit 2), not a
    // FileNotFoundError from every release.
    for path in [&args.cafile, &args.capath, &args.cert, &args.key]
        .into_iter()
        .flatten()
    {
        std::fs::metadata(path).map_err(|e| Failure::Io(format!("{}: {e}", path.display())))?;
    }
    // Read as `pyssl connect` and Python's `open(f).read()` read it.
    let cadata = match &args.cadata_pem {
        Some(p) => Some(
            crate::inputs::read_text(p)
                .map_err(|e| Failure::Io(format!("{}: {}", p.display(), e.error.python_str())))?,
        ),
        None => None,
    };
    let trust = Trust {
        cafile: args.cafile.as_deref(),
        capath: args.capath.as_deref(),
        cadata_pem: cadata.as_deref(),
        cert: args.cert.as_deref(),
        key: args.key.as_deref(),
    };
    let (rows, target) = match (&args.target, &args.chain) {
        (Some(target), _) => {
            let host = host_of(target)?;
            let name = args
                .server_hostname
                .clone()
                .unwrap_or_else(|| host.to_string());
            // An unreachable server is an I/O error (exit 2), not a verdict of every release.
            std::net::TcpStream::connect(target.as_str())
                .map_err(|e| Failure::Io(format!("cannot connect to {target}: {e}")))?;
            let peer = Peer::Server {
                addr: target,
                server_hostname: Some(&name),
            };
            let what = json!({"server": target, "server_hostname": name});
            (verdicts(&peer, &trust, &profiles), what)
        }
        (None, Some(file)) => {
            let chain = chain(args, file)?;
            let what = json!({"chain": file.display().to_string(),
                "hostname": args.hostname, "purpose": args.purpose.label()});
            (verdicts(&Peer::Chain(&chain), &trust, &profiles), what)
        }
        (None, None) => return Err(Failure::Usage("give HOST:PORT or --chain FILE".into())),
    };
    let accepted = rows.iter().all(|r| r.verdict.outcome.is_ok());
    let stdout = if args.json {
        pyjson::dumps(&to_json(&rows, target, args.ssl_default_suites))? + "\n"
    } else {
        human(
            &rows,
            &target,
            args.ssl_default_suites,
            std::io::stdout().is_terminal(),
        )
    };
    Ok(Output {
        stdout,
        status: if accepted { 0 } else { 1 },
    })
}

fn release(row: &Row) -> String {
    row.verdict.profile.release()
}

fn causes_json(causes: &[Cause], release: &str) -> Value {
    Value::Array(
        causes
            .iter()
            .map(|c| {
                json!({
                    "property": property_name(&c.property),
                    "description": c.property.describe(release),
                    "confirmed": c.confirmed,
                    "python": c.property.python_tweak(),
                    "rust": c.property.rust_tweak(),
                })
            })
            .collect(),
    )
}

/// The property's name in JSON: its variant.
fn property_name(p: &pyssl::verdicts::Property) -> String {
    let debug = format!("{p:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `{"ok": every release accepts, "target": ..., "verdicts": [...]}`.
pub fn to_json(rows: &[Row], target: Value, suites: SslDefaultSuites) -> Value {
    let verdicts: Vec<Value> = rows
        .iter()
        .map(|row| {
            let r = release(row);
            let (ok, version, cipher, error, fix) = match &row.verdict.outcome {
                Ok(n) => (
                    true,
                    json!(n.version),
                    json!(n.cipher),
                    Value::Null,
                    Value::Null,
                ),
                Err(e) => (
                    false,
                    Value::Null,
                    Value::Null,
                    error_json(e),
                    json!(certificate_fix(e)),
                ),
            };
            json!({
                "release": r,
                "ok": ok,
                "version": version,
                "cipher": cipher,
                "error": error,
                "differs_from_previous": row.causes.is_some(),
                "why": row.causes.as_deref().map(|c| causes_json(c, &r)),
                "why_jointly": row.jointly,
                "certificate_fix": fix,
            })
        })
        .collect();
    json!({
        "ok": rows.iter().all(|r| r.verdict.outcome.is_ok()),
        "target": target,
        "ssl_default_suites": suites.name(),
        "verdicts": verdicts,
    })
}

/// One group's verdict as a line: "ok  TLSv1.3  TLS_AES_256_GCM_SHA384" or the exception.
fn said(row: &Row) -> String {
    match &row.verdict.outcome {
        Ok(n) => format!("ok  {}  {}", n.version, n.cipher),
        Err(e) => {
            let mut s = format!("{}: {}", e.python_type(), e.python_str());
            if let Some(code) = e.verify_code() {
                s += &format!("  (verify_code {code})");
            }
            s
        }
    }
}

/// The table: releases that agree grouped, the first release of a change marked `*` (and in
/// colour on a terminal), each change followed by its reason and the fixes.
pub fn human(rows: &[Row], target: &Value, suites: SslDefaultSuites, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = format!(
        "pyssl verdicts: {} ({} builds, --ssl-default-suites {})\n\n",
        match (target.get("server"), target.get("chain")) {
            (Some(s), _) => format!(
                "{} as server_hostname {}",
                s.as_str().unwrap_or(""),
                target["server_hostname"]
            ),
            (_, Some(c)) => format!("chain {}", c.as_str().unwrap_or("")),
            _ => String::new(),
        },
        if suites == SslDefaultSuites::Python {
            "upstream"
        } else {
            "Debian/Ubuntu"
        },
        suites.name()
    );
    // Groups of neighbouring releases with the same line.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match groups.last_mut() {
            Some((_, end)) if row.causes.is_none() && said(&rows[*end]) == said(row) => *end = i,
            _ => groups.push((i, i)),
        }
    }
    let label = |(a, b): (usize, usize)| {
        if a == b {
            release(&rows[a])
        } else {
            format!("{} – {}", release(&rows[a]), release(&rows[b]))
        }
    };
    let width = groups
        .iter()
        .map(|&g| label(g).chars().count())
        .max()
        .unwrap_or(0);
    for &(a, b) in &groups {
        let row = &rows[a];
        let mark = if row.causes.is_some() { "*" } else { " " };
        let l = label((a, b));
        let pad = " ".repeat(width - l.chars().count());
        let line = said(row);
        let line = if row.verdict.outcome.is_ok() {
            paint("32", &line)
        } else {
            paint("31", &line)
        };
        let l = if row.causes.is_some() {
            paint("1", &l)
        } else {
            l
        };
        out += &format!("{mark} {l}{pad}  {line}\n");
        if let Some(causes) = &row.causes {
            out += &why(causes, row.jointly, &release(row), &rows[a - 1]);
        }
        if let (Err(e), true) = (&row.verdict.outcome, row.causes.is_some() || a == 0)
            && let Some(fix) = certificate_fix(e)
        {
            out += &format!("    fix the certificate or server: {fix}\n");
        }
    }
    let refused = rows.iter().filter(|r| r.verdict.outcome.is_err()).count();
    out += &format!(
        "\n{} of {} releases accept{}.\n",
        rows.len() - refused,
        rows.len(),
        if refused == 0 {
            ""
        } else {
            "; * marks where the verdict changes"
        }
    );
    out
}

/// The reason lines under a changed verdict.
fn why(causes: &[Cause], jointly: bool, release: &str, previous: &Row) -> String {
    let prev = previous.verdict.profile.release();
    let confirmed: Vec<&Cause> = causes.iter().filter(|c| c.confirmed).collect();
    let mut out = String::new();
    if confirmed.is_empty() {
        out += &format!(
            "    why: turning back what differs from {prev} does not give its verdict; these differ:\n"
        );
        for c in causes {
            out += &format!("      - {}\n", c.property.describe(release));
        }
        return out;
    }
    let checked = if jointly {
        format!("checked: turning these back together gives {prev}'s verdict, one alone does not")
    } else {
        format!("checked: turning it back gives {prev}'s verdict")
    };
    if let [only] = confirmed[..] {
        out += &format!("    why: {} ({checked})\n", only.property.describe(release));
    } else {
        for (i, c) in confirmed.iter().enumerate() {
            let lead = if i == 0 { "why:" } else { "and:" };
            out += &format!("    {lead} {}\n", c.property.describe(release));
        }
        out += &format!("         ({checked})\n");
    }
    let tweaks: Vec<(String, String)> = confirmed
        .iter()
        .filter_map(|c| Some((c.property.python_tweak()?, c.property.rust_tweak()?)))
        .collect();
    if tweaks.len() == confirmed.len() {
        out += &format!("    or keep {prev}'s behaviour in the context:\n");
        for (py, rs) in tweaks {
            out += &format!("      Python  {py}\n      Rust    {rs}\n");
        }
    } else {
        out += "    (no context setting turns this back)\n";
    }
    out
}
