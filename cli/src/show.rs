//! `pyssl show`: the effective context `ssl.create_default_context(...)` builds.
//!
//! ```python
//! ctx = ssl.create_default_context(purpose, cafile=..., capath=..., cadata=...)
//! print(json.dumps({"protocol": int(ctx.protocol), ..., "get_ca_certs": ctx.get_ca_certs()}))
//! ```

use clap::Args;
use pyssl::{Profile, Protocol, PyValue, TlsVersion, VerifyMode};

use crate::inputs::{ContextArgs, ReadError};
use crate::{Failure, Output, pyjson};

/// Arguments of `pyssl show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Print exactly what Python's json.dumps prints for the same values.
    #[arg(long)]
    pub json: bool,
}

/// Runs `pyssl show`.
pub fn run(args: &ShowArgs) -> Result<Output, Failure> {
    let profile = args.context.profile.resolve();
    match context_values(&args.context, profile) {
        Ok(values) if args.json => Ok(Output::success(pyjson::dumps(&values)? + "\n")),
        Ok(values) => Ok(Output::success(table(&values, &args.context, profile))),
        Err(e) => Err(Failure::Python(e.error)),
    }
}

/// Reads the CA data, creates the context and returns `SslContext::to_py()`.
pub fn context_values(args: &ContextArgs, profile: Profile) -> Result<PyValue, ReadError> {
    let cadata = args.read_cadata()?;
    let ctx = args.create(cadata.as_ref(), profile)?;
    Ok(ctx.to_py()?)
}

/// The human-readable form: one attribute per row, names left, values right.
fn table(values: &PyValue, args: &ContextArgs, profile: Profile) -> String {
    let mut rows: Vec<(String, Vec<String>)> = vec![
        (
            "profile".into(),
            vec![format!("CPython {}", profile.release())],
        ),
        (
            "ssl_default_suites".into(),
            vec![profile.ssl_default_suites.name().into()],
        ),
        ("purpose".into(), vec![args.purpose.label().into()]),
    ];
    if let PyValue::Dict(items) = values {
        for (name, value) in items {
            rows.push((name.clone(), describe(name, value, profile)));
        }
    }
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, lines) in rows {
        for (i, line) in lines.iter().enumerate() {
            let label = if i == 0 { name.as_str() } else { "" };
            out.push_str(format!("{label:<width$}  {line}").trim_end());
            out.push('\n');
        }
    }
    out
}

/// The display lines of one attribute.
fn describe(name: &str, value: &PyValue, profile: Profile) -> Vec<String> {
    let small = match value {
        PyValue::Int(i) => i32::try_from(*i).ok(),
        _ => None,
    };
    match (name, value, small) {
        ("protocol", _, Some(v)) => vec![named(v, Protocol(v).name())],
        ("verify_mode", _, Some(v)) => vec![named(v, VerifyMode(v).name())],
        ("minimum_version" | "maximum_version", _, Some(v)) => {
            vec![named(v, TlsVersion(v).name())]
        }
        ("options", PyValue::Int(i), _) => vec![flags(*i, "OP_", profile)],
        ("verify_flags", PyValue::Int(i), _) => vec![flags(*i, "VERIFY_", profile)],
        ("get_ciphers", PyValue::List(items), _) => {
            let mut lines = vec![count(items.len(), "cipher", "ciphers")];
            lines.extend(items.iter().map(|c| match c.get("name") {
                Some(PyValue::Str(n)) => n.clone(),
                _ => c.python_repr(),
            }));
            lines
        }
        ("get_ca_certs", PyValue::List(items), _) => {
            let mut lines = vec![count(items.len(), "certificate", "certificates")];
            lines.extend(items.iter().map(subject_label));
            lines
        }
        (_, PyValue::Dict(items), _) => vec![
            items
                .iter()
                .map(|(k, v)| format!("{k}={}", scalar(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ],
        _ => vec![scalar(value)],
    }
}

/// `CERT_REQUIRED (2)`.
fn named(value: i32, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{n} ({value})"),
        None => value.to_string(),
    }
}

/// `1 cipher`, `17 ciphers`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A value as Python prints it, strings without quotes.
fn scalar(value: &PyValue) -> String {
    match value {
        PyValue::Str(s) => s.clone(),
        other => other.python_repr(),
    }
}

/// `0x82520050 (OP_ALL|OP_NO_COMPRESSION|...)`: the value split into the profile's named
/// constants with this prefix (widest first), unnamed bits last in hex.
fn flags(value: i128, prefix: &str, profile: Profile) -> String {
    let mut names: Vec<(&str, i128)> = pyssl::python_constants(profile.version)
        .into_iter()
        .filter(|(n, v)| n.starts_with(prefix) && *v > 0)
        .collect();
    names.sort_by_key(|(_, v)| std::cmp::Reverse(v.count_ones()));
    if value < 0 {
        return value.to_string();
    }
    let mut rest = value;
    let mut parts: Vec<String> = Vec::new();
    for (name, bits) in names {
        if value & bits == bits && rest & bits != 0 {
            parts.push(name.to_string());
            rest &= !bits;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        format!("{value:#x}")
    } else {
        format!("{value:#x} ({})", parts.join("|"))
    }
}

/// A CA certificate by its subject's commonName (else its organizationName, else the
/// whole subject).
fn subject_label(cert: &PyValue) -> String {
    let Some(subject) = cert.get("subject") else {
        return cert.python_repr();
    };
    let attrs = attributes(subject);
    for key in ["commonName", "organizationalUnitName", "organizationName"] {
        if let Some((_, v)) = attrs.iter().find(|(k, _)| k == key) {
            return scalar(v);
        }
    }
    subject.python_repr()
}

/// The `(name, value)` pairs of a subject (a tuple of RDN tuples of pairs).
fn attributes(subject: &PyValue) -> Vec<(String, PyValue)> {
    let mut out = Vec::new();
    if let PyValue::Tuple(rdns) = subject {
        for rdn in rdns {
            if let PyValue::Tuple(pairs) = rdn {
                for pair in pairs {
                    if let PyValue::Tuple(kv) = pair
                        && let [PyValue::Str(k), v] = kv.as_slice()
                    {
                        out.push((k.clone(), v.clone()));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_the_widest_constants_first() {
        let p = Profile::PY313_0;
        let all = pyssl::OP_ALL.bits() as i128;
        let v = all | pyssl::OP_NO_COMPRESSION.bits() as i128;
        assert_eq!(
            flags(v, "OP_", p),
            format!("{v:#x} (OP_ALL|OP_NO_COMPRESSION)")
        );
        let chain = pyssl::VERIFY_CRL_CHECK_CHAIN.bits() as i128;
        assert_eq!(
            flags(chain, "VERIFY_", p),
            format!("{chain:#x} (VERIFY_CRL_CHECK_CHAIN)")
        );
        assert_eq!(flags(0, "VERIFY_", p), "0x0");
        assert_eq!(
            flags(1 << 62, "VERIFY_", p),
            "0x4000000000000000 (0x4000000000000000)"
        );
    }

    #[test]
    fn subject_label_prefers_common_name() {
        let pair = |k: &str, v: &str| {
            PyValue::Tuple(vec![PyValue::Tuple(vec![
                PyValue::Str(k.into()),
                PyValue::Str(v.into()),
            ])])
        };
        let cert = PyValue::Dict(vec![(
            "subject".into(),
            PyValue::Tuple(vec![
                pair("organizationName", "O"),
                pair("commonName", "CN"),
            ]),
        )]);
        assert_eq!(subject_label(&cert), "CN");
    }
}
