//! `server_hostname` through Python's `idna` codec against every live interpreter: each letter
//! with a case mapping (as Rust's Unicode tables know them, a superset of every release's),
//! alone and in names that mix them with right-to-left labels, plus hand-picked names around
//! the codec's rules. Case folding followed each interpreter's Unicode version until
//! gh-155292 (3.13.16, 3.14.8, 3.15.0rc2), so the answers differ by release.

mod common;

use pyssl::{MemoryBio, PROTOCOL_TLS_CLIENT, Profile, SslContext};
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
        out.append({"error": [type(e).__name__, str(e)]})
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
                    json!({"error": [e.python_type(), e.python_str()]})
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
        let python = oracle.run_json(SCRIPT, &[], &input);
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
