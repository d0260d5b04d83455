//! The `IntEnum`s of the `ssl` module (`VerifyMode`, `TLSVersion`, `_SSLMethod`,
//! `AlertDescription`, `SSLErrorNumber`) against every live interpreter: each member's name,
//! value, `repr()` (pyssl's `Debug`) and `str()` (`python_str(profile)`; `Display` is the
//! 3.11+ form).

mod common;

use std::collections::BTreeMap;

use pyssl::{AlertDescription, Profile, Protocol, SslErrorNumber, TlsVersion, VerifyMode};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, ssl
out = {}
for cls in (ssl.VerifyMode, ssl.TLSVersion, ssl._SSLMethod, ssl.AlertDescription,
            ssl.SSLErrorNumber):
    out[cls.__name__] = {m.name: [int(m), repr(m), str(m)] for m in cls}
print(json.dumps(out))
"#;

fn members<T: Copy + std::fmt::Debug>(
    members: &[(&str, T)],
    value: impl Fn(T) -> i32,
    python_str: impl Fn(T) -> String,
) -> Value {
    let map: BTreeMap<String, Value> = members
        .iter()
        .map(|&(name, m)| {
            (
                name.to_string(),
                json!([value(m), format!("{m:?}"), python_str(m)]),
            )
        })
        .collect();
    json!(map)
}

fn ours(p: Profile) -> Value {
    json!({
        VerifyMode::PYTHON_CLASS: members(VerifyMode::MEMBERS, |m| m.0, |m| m.python_str(p)),
        TlsVersion::PYTHON_CLASS: members(TlsVersion::MEMBERS, |m| m.0, |m| m.python_str(p)),
        Protocol::PYTHON_CLASS: members(Protocol::MEMBERS, |m| m.0, |m| m.python_str(p)),
        AlertDescription::PYTHON_CLASS:
            members(AlertDescription::MEMBERS, |m| m.0, |m| m.python_str(p)),
        SslErrorNumber::PYTHON_CLASS:
            members(SslErrorNumber::MEMBERS, |m| m.0, |m| m.python_str(p)),
    })
}

/// The JSON objects with their keys sorted, so that member order does not matter.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let s: BTreeMap<&String, Value> = m.iter().map(|(k, x)| (k, sorted(x))).collect();
            json!(s)
        }
        other => other.clone(),
    }
}

#[test]
fn int_enums_match_cpython_per_release() {
    for profile in common::compared_profiles() {
        let version = profile.release();
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let python = oracle.run_json(SCRIPT, &[], "");
        assert_eq!(sorted(&ours(profile)), sorted(&python), "CPython {version}");
    }
    // Display is the 3.11+ str(); a value without a member shows its class.
    assert_eq!(pyssl::CERT_REQUIRED.to_string(), "2");
    assert_eq!(format!("{:?}", TlsVersion(5)), "TLSVersion(5)");
}
