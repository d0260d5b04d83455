//! `pyssl::match_hostname` against every listed CPython: `ssl.match_hostname` (3.7–3.11) on
//! the same certificate dicts and names must succeed or raise the same class with the same
//! text; from 3.12 `getattr(ssl, "match_hostname")` raises `AttributeError`, and so must
//! pyssl under those profiles.

mod common;

use pyssl::PyValue;
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, ssl, sys, warnings
warnings.simplefilter("ignore")
out = []
for cert, host in json.load(sys.stdin):
    try:
        getattr(ssl, "match_hostname")(cert, host)
        out.append("ok")
    except Exception as e:
        out.append([type(e).__name__, str(e)])
print(json.dumps(out))
"#;

/// JSON as the Python value the script sees (arrays as tuples: `match_hostname` only
/// iterates them).
fn to_py(v: &Value) -> PyValue {
    match v {
        Value::Null => PyValue::None,
        Value::Bool(b) => PyValue::Bool(*b),
        Value::Number(n) => PyValue::Int(n.as_i64().unwrap().into()),
        Value::String(s) => PyValue::Str(s.clone()),
        Value::Array(a) => PyValue::Tuple(a.iter().map(to_py).collect()),
        Value::Object(m) => PyValue::Dict(m.iter().map(|(k, v)| (k.clone(), to_py(v))).collect()),
    }
}

fn san(entries: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = entries.iter().map(|(k, v)| json!([k, v])).collect();
    json!({ "subjectAltName": list })
}

fn subject(cn: &str) -> Value {
    json!({ "subject": [[["countryName", "XY"]], [["commonName", cn]]] })
}

fn cases() -> Vec<(Value, &'static str)> {
    let dns = |name: &str| san(&[("DNS", name)]);
    vec![
        (dns("example.org"), "example.org"),
        (dns("example.org"), "EXAMPLE.Org"),
        (dns("example.org"), "www.example.org"),
        (dns("*.example.org"), "www.example.org"),
        (dns("*.example.org"), "example.org"),
        (dns("*.example.org"), "a.b.example.org"),
        (dns("*.example.org"), ".example.org"),
        (dns("*.*.example.org"), "a.b.example.org"),
        (dns("www.*.org"), "www.example.org"),
        (dns("*"), "example"),
        (dns("w*.example.org"), "www.example.org"),
        (dns(""), "example.org"),
        (dns("ÉXAMPLE.org"), "éxample.org"),
        (dns("example.org"), "it's"),
        (
            san(&[
                ("DNS", "a.org"),
                ("DNS", "b.org"),
                ("IP Address", "10.0.0.1"),
            ]),
            "c.org",
        ),
        (san(&[("IP Address", "127.0.0.1")]), "127.0.0.1"),
        (san(&[("IP Address", "127.0.0.1")]), "127.1"),
        (san(&[("IP Address", "127.0.0.1")]), "127.0.0.2"),
        (
            san(&[("IP Address", "2001:DB8:0:0:0:0:0:1\n")]),
            "2001:db8::1",
        ),
        (san(&[("IP Address", "zz")]), "1.2.3.4"),
        (san(&[("IP Address", "127.1")]), "1.2.3.4"),
        (san(&[("DNS", "example.org")]), "127.0.0.1"),
        (san(&[("email", "a@example.org")]), "example.org"),
        (subject("example.org"), "example.org"),
        (subject("example.org"), "example.com"),
        (subject("*.example.org"), "127.0.0.1"),
        (json!({"subject": []}), "example.org"),
        (json!({}), "example.org"),
        (Value::Null, "example.org"),
    ]
}

#[test]
fn match_hostname_is_cpythons_per_release() {
    let cases = cases();
    let stdin: Vec<Value> = cases.iter().map(|(c, h)| json!([c, h])).collect();
    let stdin = Value::from(stdin).to_string();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let python = oracle.run_json(SCRIPT, &[], &stdin);
        let ours: Vec<Value> = cases
            .iter()
            .map(
                |(cert, host)| match pyssl::match_hostname(&to_py(cert), host, profile) {
                    Ok(()) => json!("ok"),
                    Err(e) => json!([e.python_type(), e.python_str()]),
                },
            )
            .collect();
        let release = profile.release();
        for (((cert, host), ours), theirs) in
            cases.iter().zip(&ours).zip(python.as_array().unwrap())
        {
            assert_eq!(
                ours, theirs,
                "CPython {release}: match_hostname({cert}, {host:?})"
            );
        }
        eprintln!(
            "CPython {release}: {} match_hostname cases, same outcome",
            cases.len()
        );
    }
}
