//! `server_hostname` through Python's `idna` codec against every live interpreter: each letter
//! with a case mapping (as Rust's Unicode tables know them, a superset of every release's),
//! alone and in names that mix them with right-to-left labels, plus hand-picked names around
//! the codec's rules. Case folding followed each interpreter's Unicode version until
//! gh-155292 (3.13.16, 3.14.8, 3.15.0rc2), so the answers differ by release.

mod common;

use common::{PY_TO_JSON, py_to_json};
use pyssl::{MemoryBio, PROTOCOL_TLS_CLIENT, Profile, ServerHostname, SslContext};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, ssl, sys
ctx = ssl.create_default_context()
out = []
for h in json.load(sys.stdin):
    try:
        obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=h)
        out.append({"value": obj.server_hostname})
    except Exception as e:
        out.append({"error": [type(e).__name__, str(e), to_json(e.args)]})
print(json.dumps(out))
"#;

/// Names around the codec's rules (case, dots, prefixes, lengths, bidi).
const NAMED: &[&str] = &[
    "example.com",
    "EXAMPLE.Com",
    "example.com.",
    "XN--BCHER-KVA.de",
    "Xn--bcher-kva.example",
    "xn--",
    "a..b",
    ".example.com",
    ".",
    "",
    "127.0.0.1",
    "bücher.de",
    "BÜCHER.de",
    "Straße.de",
    "\u{fb01}.com",
    "exa\u{ad}mple.com",
    "ex\u{200b}ample.com",
    "bücher\u{3002}de",
    "EXAMPLE\u{ff0e}COM",
    "a\u{ff61}B",
    "Xn--bcher-kva.bücher.de",
    "xn--bücher.de",
    "XN--bücher.de",
    "\u{ff58}\u{ff4e}--bücher.de",
    "a\u{3000}b.com",
    "\u{e000}.com",
    "\u{645}\u{62b}\u{627}\u{644}.com",
    "a\u{645}\u{62b}\u{627}\u{644}.com",
    "\u{221}.com",
    "\u{23a}\u{221}.com",
    "\u{645}\u{13a0}\u{645}.com",
];

fn names() -> Vec<String> {
    let mut names: Vec<String> = NAMED.iter().map(|s| s.to_string()).collect();
    names.push(format!("{}.de", "ü".repeat(60)));
    for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
        let mut lower = c.to_lowercase();
        if lower.len() == 1 && lower.next() == Some(c) {
            continue;
        }
        names.push(format!("{c}.com"));
        // Between two right-to-left letters: a left-to-right letter breaks RFC 3454's
        // bidi rule, so this shows whether the release folded c.
        names.push(format!("\u{645}{c}\u{645}.com"));
    }
    names
}

fn ours(profile: Profile, names: &[String]) -> (Vec<Value>, usize) {
    let ctx = std::sync::Arc::new(SslContext::with_profile(PROTOCOL_TLS_CLIENT, profile).unwrap());
    let mut unsupported = 0;
    let answers = names
        .iter()
        .map(|h| {
            let (i, o) = (MemoryBio::new(), MemoryBio::new());
            match ctx.wrap_bio(&i, &o, false, Some(h.as_str())) {
                Ok(obj) => json!({"value": obj.server_hostname()}),
                Err(e) => {
                    if e.python_str().starts_with("pyssl does not implement") {
                        unsupported += 1;
                    }
                    json!({"error": [e.python_type(), e.python_str(), py_to_json(&e.args())]})
                }
            }
        })
        .collect();
    (answers, unsupported)
}

#[test]
fn server_hostname_encodes_as_each_release() {
    let names = names();
    let input = serde_json::to_string(&names).unwrap();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let python = oracle.run_json(&format!("{PY_TO_JSON}{SCRIPT}"), &[], &input);
        let python = python.as_array().expect("a list of answers");
        let (rust, unsupported) = ours(profile, &names);
        assert_eq!(python.len(), rust.len());
        let mut differences = Vec::new();
        for ((name, p), r) in names.iter().zip(python).zip(&rust) {
            let refused = r["error"][1]
                .as_str()
                .is_some_and(|s| s.starts_with("pyssl does not implement"));
            if p != r && !refused {
                differences.push(format!("{name:?}: python {p}, pyssl {r}"));
            }
        }
        println!(
            "CPython {}: {} names compared, {} differences, {unsupported} refused by pyssl \
             (combining characters)",
            profile.release(),
            names.len(),
            differences.len()
        );
        assert!(
            differences.is_empty(),
            "CPython {}: {} differences:\n{}",
            profile.release(),
            differences.len(),
            differences.join("\n")
        );
    }
}

/// The other codec failures CPython raises on the way: a `bytes` server name that is not
/// ASCII, ALPN names that are not ASCII (the ASCII codec reports a whole run of such
/// characters), and a PEM body that is not ASCII: type, text, the five arguments and the
/// attributes.
const CODECS: &str = r#"
import json, ssl, sys
cases = json.load(sys.stdin)
ctx = ssl.create_default_context()
def attempt(kind, value):
    try:
        if kind == "hostname":
            ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=bytes.fromhex(value))
        elif kind == "alpn":
            ctx.set_alpn_protocols(value)
        else:
            ssl.PEM_cert_to_DER_cert(value)
        return None
    except UnicodeError as e:
        return [type(e).__name__, str(e), to_json(e.args), e.encoding, e.start, e.end, e.reason]
print(json.dumps([attempt(k, v) for k, v in cases]))
"#;

#[test]
fn codec_errors_carry_pythons_arguments() {
    let pem = |body: &str| format!("{}\n{body}\n{}\n", pyssl::PEM_HEADER, pyssl::PEM_FOOTER);
    let cases = [
        json!(["hostname", "68ff7374"]),
        json!(["hostname", "80ff"]),
        json!(["alpn", ["h2", "\u{e9}"]]),
        json!(["alpn", ["x\u{e9}\u{e8}y", "h2"]]),
        json!(["alpn", ["\u{1F600}"]]),
        json!(["pem", pem("QUJD\u{e9}\u{4e2d}RA==")]),
        json!(["pem", pem("\u{e9}")]),
    ];
    let input = Value::from(cases.to_vec()).to_string();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let python = oracle.run_json(&format!("{PY_TO_JSON}{CODECS}"), &[], &input);
        let ctx = SslContext::with_profile(PROTOCOL_TLS_CLIENT, profile).unwrap();
        let ours: Vec<Value> = cases
            .iter()
            .map(|case| {
                let value = &case[1];
                let result = match case[0].as_str().unwrap() {
                    "hostname" => {
                        let bytes: Vec<u8> = (0..value.as_str().unwrap().len())
                            .step_by(2)
                            .map(|i| {
                                u8::from_str_radix(&value.as_str().unwrap()[i..i + 2], 16).unwrap()
                            })
                            .collect();
                        ServerHostname::Bytes(&bytes).encode(profile).map(|_| ())
                    }
                    "alpn" => {
                        let names: Vec<&str> = value
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap())
                            .collect();
                        ctx.set_alpn_protocols(&names)
                    }
                    _ => pyssl::certificate::pem_cert_to_der_cert_as(
                        value.as_str().unwrap(),
                        profile,
                    )
                    .map(|_| ()),
                };
                match result {
                    Ok(()) => Value::Null,
                    Err(e) => json!([
                        e.python_type(),
                        e.python_str(),
                        py_to_json(&e.args()),
                        e.encoding(),
                        e.start(),
                        e.end(),
                        e.reason()
                    ]),
                }
            })
            .collect();
        assert_eq!(Value::from(ours), python, "CPython {}", profile.release());
        assert!(python.as_array().unwrap().iter().all(|v| !v.is_null()));
        println!(
            "CPython {}: {} codec failures, same arguments",
            profile.release(),
            cases.len()
        );
    }
}
