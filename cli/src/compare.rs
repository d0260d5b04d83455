//! `pyssl compare`: the context `show` prints, next to what a live CPython builds from the same
//! arguments (through `oracle/pyssl_oracle.py`), field by field.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Args;
use pyssl::{Profile, PyValue, SslDefaultSuites};
use serde_json::{Map, Value, json};

use crate::inputs::{ContextArgs, OwnedCaData, ReadError, read_bytes, read_text, shipped_profiles};
use crate::{Failure, Output, pyjson};

/// The CPython side: reads scenarios on stdin, answers step results on stdout.
const ORACLE: &str = include_str!("../../oracle/pyssl_oracle.py");

/// Prints `major.minor.micro` of the interpreter.
const VERSION_PROBE: &str = "import sys; print('%d.%d.%d' % sys.version_info[:3])";
/// Prints the build's `--with-ssl-default-suites` value (`python` when absent, as configure's
/// default); a custom cipher string is reported as itself and refused.
const SUITES_PROBE: &str = "import re, sysconfig; \
m = re.search(r\"--with-ssl-default-suites=['\\\"]?([^'\\\" ]+)\", sysconfig.get_config_var('CONFIG_ARGS') or ''); \
print(m.group(1) if m else 'python')";

/// Cells longer than this are shortened in the table (differences are printed in full below).
const CELL_WIDTH: usize = 48;

/// Arguments of `pyssl compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The CPython interpreter to compare with.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: PathBuf,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One compared field.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `options`, `get_ciphers[3]`, `error.str`, ...
    pub field: String,
    /// Python's value (`None`: the field is absent on that side).
    pub python: Option<Value>,
    /// pyssl's value.
    pub pyssl: Option<Value>,
}

impl Row {
    fn same(&self) -> bool {
        self.python == self.pyssl
    }
}

/// Runs `pyssl compare`.
pub fn run(args: &CompareArgs) -> Result<Output, Failure> {
    let python = &args.python;
    let version = interpreter_version(python)?;
    let suites = match args.context.profile.ssl_default_suites {
        Some(s) => s,
        None => interpreter_suites(python)?,
    };
    let profile = match args.context.profile.profile {
        Some(p) => p.with_ssl_default_suites(suites),
        None => {
            // The exact patch release when pyssl knows it (or can resolve it within a known
            // line); else the newest of the line.
            let minor = version
                .rsplit_once('.')
                .map_or(version.as_str(), |(mm, _)| mm);
            Profile::by_version(&version)
                .or_else(|| Profile::by_version(minor))
                .map(|p| p.with_ssl_default_suites(suites))
                .ok_or_else(|| {
                    Failure::Usage(format!(
                        "{} is CPython {version}, for which pyssl has no profile (pyssl ships {}); \
                     pass --profile to compare anyway",
                        python.display(),
                        shipped_profiles()
                    ))
                })?
        }
    };

    let (ours, python_cadata) = pyssl_side(&args.context, profile)?;
    let scenario = json!([[
        ["default", default_spec(&args.context, python_cadata)],
        ["show"]
    ]]);
    let answer = run_oracle(python, &scenario)?;
    let theirs = python_side(&answer).ok_or_else(|| {
        Failure::Interpreter(format!("unexpected answer from the oracle: {answer}"))
    })?;

    let rows = compare(&theirs, &ours);
    let identical = rows.iter().filter(|r| r.same()).count();
    let different = rows.len() - identical;
    let status = u8::from(different > 0);
    let header = Header {
        python,
        version: &version,
        profile,
    };
    let stdout = if args.json {
        json_report(&header, &rows, identical, different)?
    } else {
        text_report(&header, &rows, identical, different)
    };
    Ok(Output { stdout, status })
}

/// `major.minor.micro` of the interpreter, or why it cannot be used.
/// The interpreter's `--with-ssl-default-suites` (from `sysconfig`'s `CONFIG_ARGS`;
/// `python` when it was not given).
fn interpreter_suites(python: &Path) -> Result<SslDefaultSuites, Failure> {
    let out = Command::new(python)
        .args(["-c", SUITES_PROBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| cannot_run(python, &e))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    SslDefaultSuites::from_name(&text).ok_or_else(|| {
        Failure::Interpreter(format!(
            "{} did not report its --with-ssl-default-suites: {text:?}",
            python.display()
        ))
    })
}

fn interpreter_version(python: &Path) -> Result<String, Failure> {
    let out = Command::new(python)
        .args(["-c", VERSION_PROBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| cannot_run(python, &e))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let valid = text.split('.').count() == 3 && text.split('.').all(|p| p.parse::<u32>().is_ok());
    if !out.status.success() || !valid {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let why = match (stderr.is_empty(), text.is_empty()) {
            (false, _) => stderr,
            (true, true) => format!("no output ({})", out.status),
            (true, false) => format!("it printed {text:?} ({})", out.status),
        };
        return Err(Failure::Interpreter(format!(
            "{} did not report a CPython version: {why}",
            python.display()
        )));
    }
    Ok(text)
}

fn cannot_run(python: &Path, e: &std::io::Error) -> Failure {
    let text = e.to_string();
    let text = text
        .rfind(" (os error ")
        .map_or(text.as_str(), |i| &text[..i]);
    Failure::Interpreter(format!(
        "cannot run Python interpreter '{}': {text}",
        python.display()
    ))
}

/// pyssl's answer in the oracle's shape (`[default result, show result]`), and the cadata
/// spec for Python: the exact text or bytes pyssl used, or, when pyssl could not read a
/// `--cadata-pem` file, that file, so Python fails (or not) on its own.
fn pyssl_side(args: &ContextArgs, profile: Profile) -> Result<(Value, Option<Value>), Failure> {
    let (cadata, python_cadata) = if let Some(path) = &args.cadata_pem {
        match read_text(path) {
            Ok(text) => {
                let spec = json!({"cadata_pem": {"text": text}});
                (Ok(Some(OwnedCaData::Pem(text))), Some(spec))
            }
            Err(e) => (
                Err(e),
                Some(json!({"cadata_pem": {"file": utf8_path(path, "--cadata-pem")?}})),
            ),
        }
    } else if let Some(path) = &args.cadata_der {
        // The oracle only takes DER as hex, so an unreadable file cannot be compared.
        let bytes = read_bytes(path).map_err(Failure::Python)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        (
            Ok(Some(OwnedCaData::Der(bytes))),
            Some(json!({"cadata_der": {"hex": hex}})),
        )
    } else {
        (Ok(None), None)
    };
    let created = cadata.and_then(|d| {
        let ctx = args.create(d.as_ref(), profile)?;
        Ok(ctx.to_py()?)
    });
    let ours = match created {
        Ok(values) => json!([null, oracle_json(&values)]),
        Err(e) => json!([error_json(&e), "no context"]),
    };
    Ok((ours, python_cadata))
}

/// The `["default", {...}]` arguments.
fn default_spec(args: &ContextArgs, cadata: Option<Value>) -> Value {
    let mut spec = Map::new();
    spec.insert("purpose".into(), args.purpose.label().into());
    if let Some(p) = &args.cafile {
        spec.insert("cafile".into(), path_arg(p));
    }
    if let Some(p) = &args.capath {
        spec.insert("capath".into(), path_arg(p));
    }
    if let Some(Value::Object(m)) = cadata {
        spec.extend(m);
    }
    Value::Object(spec)
}

/// A `cafile`/`capath` for the oracle: the text, or `"hex:<bytes>"` (which the oracle turns
/// into a bytes path) when it is not UTF-8 or could be mistaken for that form.
fn path_arg(path: &Path) -> Value {
    match path.to_str() {
        Some(s) if !s.starts_with("hex:") => s.into(),
        _ => {
            let hex: String = path
                .as_os_str()
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("hex:{hex}").into()
        }
    }
}

fn utf8_path<'a>(path: &'a Path, flag: &str) -> Result<&'a str, Failure> {
    path.to_str().ok_or_else(|| {
        Failure::Usage(format!(
            "{flag} {}: the oracle reads this file by name, which must be UTF-8",
            path.display()
        ))
    })
}

/// The oracle's `error_json`.
fn error_json(e: &ReadError) -> Value {
    let k = e.error.kind();
    json!({"error": {
        "type": e.error.python_type(),
        "str": e.error.python_str(),
        "errno": e.error.errno(),
        "library": e.error.library(),
        "reason": e.error.reason(),
        "value_error": k.is_value_error(),
        "os_error": k.is_os_error(),
    }})
}

/// The oracle's `to_json`: bytes as `{"bytes": hex}`, integers beyond 64 bits as `"int:N"`.
fn oracle_json(v: &PyValue) -> Value {
    match v {
        PyValue::None => Value::Null,
        PyValue::Bool(b) => Value::Bool(*b),
        PyValue::Int(i) => match i64::try_from(*i) {
            Ok(x) => Value::from(x),
            Err(_) => Value::String(format!("int:{i}")),
        },
        PyValue::Str(s) => Value::String(s.clone()),
        PyValue::Bytes(b) => {
            json!({"bytes": b.iter().map(|x| format!("{x:02x}")).collect::<String>()})
        }
        PyValue::Tuple(items) | PyValue::List(items) => {
            Value::Array(items.iter().map(oracle_json).collect())
        }
        PyValue::Dict(items) => Value::Object(
            items
                .iter()
                .map(|(k, v)| (k.clone(), oracle_json(v)))
                .collect(),
        ),
    }
}

/// Runs the oracle with one scenario and parses its answer.
///
/// Not `-I`: isolated mode implies `-E`, and `create_default_context` then ignores
/// `SSLKEYLOGFILE`, which pyssl honours; the interpreter runs as a user would run it.
fn run_oracle(python: &Path, scenario: &Value) -> Result<Value, Failure> {
    let input = scenario.to_string();
    let mut child = Command::new(python)
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| cannot_run(python, &e))?;
    let stdin = child.stdin.take();
    let out = std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A write error means Python exited early; its status and stderr say why.
                let _ = stdin.write_all(input.as_bytes());
            }
        });
        child.wait_with_output()
    })
    .map_err(|e| cannot_run(python, &e))?;
    if !out.status.success() {
        return Err(Failure::Interpreter(format!(
            "the oracle failed under {}: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        Failure::Interpreter(format!(
            "the oracle under {} answered no JSON ({e}): {}",
            python.display(),
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    })
}

/// The single scenario's `[default result, show result]` from the oracle's answer.
fn python_side(answer: &Value) -> Option<Value> {
    let steps = answer.as_array()?.first()?.as_array()?;
    (steps.len() == 2).then(|| Value::Array(steps.clone()))
}

/// What is compared of one side: the `show` dict, or `{"error": {...}}` if creation failed.
fn document(side: &Value) -> Value {
    match side.get(0) {
        Some(Value::Null) => side.get(1).cloned().unwrap_or(Value::Null),
        Some(err) => err.clone(),
        None => Value::Null,
    }
}

/// The rows: each top-level key (Python's order, then keys only pyssl has); lists element by
/// element; an error's attributes one by one.
pub fn compare(python: &Value, pyssl: &Value) -> Vec<Row> {
    let (p, r) = (document(python), document(pyssl));
    let empty = Map::new();
    let (pm, rm) = (
        p.as_object().unwrap_or(&empty),
        r.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = pm.keys().collect();
    keys.extend(rm.keys().filter(|k| !pm.contains_key(*k)));
    let mut rows = Vec::new();
    for key in keys {
        let (a, b) = (pm.get(key), rm.get(key));
        match (a, b) {
            (Some(Value::Object(x)), Some(Value::Object(y))) if key == "error" => {
                let mut sub: Vec<&String> = x.keys().collect();
                sub.extend(y.keys().filter(|k| !x.contains_key(*k)));
                for k in sub {
                    rows.push(Row {
                        field: format!("{key}.{k}"),
                        python: x.get(k).cloned(),
                        pyssl: y.get(k).cloned(),
                    });
                }
            }
            _ => {
                let (xs, ys) = (a.and_then(Value::as_array), b.and_then(Value::as_array));
                let n = xs.map_or(0, Vec::len).max(ys.map_or(0, Vec::len));
                if n > 0 && (xs.is_some() || a.is_none()) && (ys.is_some() || b.is_none()) {
                    for i in 0..n {
                        rows.push(Row {
                            field: format!("{key}[{i}]"),
                            python: xs.and_then(|v| v.get(i)).cloned(),
                            pyssl: ys.and_then(|v| v.get(i)).cloned(),
                        });
                    }
                } else {
                    rows.push(Row {
                        field: key.clone(),
                        python: a.cloned(),
                        pyssl: b.cloned(),
                    });
                }
            }
        }
    }
    rows
}

struct Header<'a> {
    python: &'a Path,
    version: &'a str,
    profile: Profile,
}

fn cell(v: &Option<Value>) -> String {
    v.as_ref()
        .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= CELL_WIDTH {
        s.to_string()
    } else {
        let head: String = s.chars().take(CELL_WIDTH - 3).collect();
        format!("{head}...")
    }
}

fn text_report(h: &Header<'_>, rows: &[Row], identical: usize, different: usize) -> String {
    let mut out = format!(
        "python: {} (CPython {}), pyssl profile {} ({} suites)\n\n",
        h.python.display(),
        h.version,
        h.profile.release(),
        h.profile.ssl_default_suites.name()
    );
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let same = if r.same() { "yes" } else { "NO" };
            [
                r.field.clone(),
                shorten(&cell(&r.python)),
                shorten(&cell(&r.pyssl)),
                same.into(),
            ]
        })
        .collect();
    let titles = ["field", "python", "pyssl", "same?"];
    let mut widths = titles.map(str::len);
    for row in &table {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let text = format!(
            "{:<w0$} | {:<w1$} | {:<w2$} | {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
        text.trim_end().to_string() + "\n"
    };
    out.push_str(&line(titles));
    out.push_str(&line([
        &"-".repeat(widths[0]),
        &"-".repeat(widths[1]),
        &"-".repeat(widths[2]),
        &"-".repeat(widths[3]),
    ]));
    for row in &table {
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3]]));
    }
    let long: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            !r.same()
                && (cell(&r.python).chars().count() > CELL_WIDTH
                    || cell(&r.pyssl).chars().count() > CELL_WIDTH)
        })
        .collect();
    if !long.is_empty() {
        out.push_str("\nfull values of the differences:\n");
        for r in long {
            out.push_str(&format!(
                "{}\n  python: {}\n  pyssl:  {}\n",
                r.field,
                cell(&r.python),
                cell(&r.pyssl)
            ));
        }
    }
    out.push_str(&format!(
        "\n{identical} fields identical, {different} different\n"
    ));
    out
}

fn json_report(
    h: &Header<'_>,
    rows: &[Row],
    identical: usize,
    different: usize,
) -> Result<String, Failure> {
    let fields: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("field".into(), r.field.clone().into());
            if let Some(v) = &r.python {
                m.insert("python".into(), v.clone());
            }
            if let Some(v) = &r.pyssl {
                m.insert("pyssl".into(), v.clone());
            }
            m.insert("same".into(), r.same().into());
            Value::Object(m)
        })
        .collect();
    let doc = json!({
        "python": h.python.to_string_lossy(),
        "python_version": h.version,
        "profile": h.profile.release(),
        "ssl_default_suites": h.profile.ssl_default_suites.name(),
        "fields": fields,
        "identical": identical,
        "different": different,
    });
    Ok(pyjson::dumps(&doc)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_compare_element_by_element_and_errors_attribute_by_attribute() {
        let p = json!([null, {"a": 1, "l": [1, 2], "e": []}]);
        let r = json!([null, {"a": 1, "l": [1, 3, 4], "e": [], "x": true}]);
        let rows = compare(&p, &r);
        let fields: Vec<(&str, bool)> = rows.iter().map(|r| (r.field.as_str(), r.same())).collect();
        assert_eq!(
            fields,
            [
                ("a", true),
                ("l[0]", true),
                ("l[1]", false),
                ("l[2]", false),
                ("e", true),
                ("x", false)
            ]
        );
        let p = json!([{"error": {"type": "X", "str": "s"}}, "no context"]);
        let r = json!([{"error": {"type": "X", "str": "t"}}, "no context"]);
        let fields: Vec<(String, bool)> = compare(&p, &r)
            .into_iter()
            .map(|r| (r.field.clone(), r.same()))
            .collect();
        assert_eq!(
            fields,
            [
                ("error.type".to_string(), true),
                ("error.str".to_string(), false)
            ]
        );
    }
}
