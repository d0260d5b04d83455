//! `PyValue::python_repr` against live CPython 3.13 (Unicode 15.1, the table pyssl uses):
//! the `repr()` of every assigned code point, and of strings and bytes that mix quotes,
//! backslashes and control characters. These reprs reach users in error texts (file names,
//! `cert_time_to_seconds` messages) and in printed certificate dicts. Unassigned code points
//! are left out: Python escapes them, pyssl shows them verbatim (it carries no table of
//! assigned characters; see `pyvalue::py_repr_str`).

mod common;

use pyssl::PyValue;
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys, unicodedata
assigned, escaped = [], {}
start = None
for c in range(0x110001):
    ok = c < 0x110000 and not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"
    if ok and start is None:
        start = c
    if not ok and start is not None:
        assigned.append([start, c - 1])
        start = None
    if ok:
        r = repr(chr(c))
        if r != "'" + chr(c) + "'":
            escaped[str(c)] = r
samples = json.loads(sys.stdin.read())
print(json.dumps({
    "unidata_version": unicodedata.unidata_version,
    "assigned": assigned,
    "escaped": escaped,
    "str": [repr(s) for s in samples],
    "bytes": [repr(s.encode("utf-8", "surrogatepass")) for s in samples],
}))
"#;

/// Strings whose reprs exercise the quote choice and every escape class.
const SAMPLES: &[&str] = &[
    "",
    "plain",
    "it's",
    "say \"hi\"",
    "both ' and \"",
    "back\\slash",
    "tab\tnew\nline\rret",
    "nul\0del\x7f",
    "caf\u{e9} \u{a0}nbsp \u{ad}shy",
    "zero\u{200b}width \u{2028}line \u{feff}bom",
    "ideographic\u{3000}space",
    "emoji \u{1f600} private \u{e000} tag \u{e0041}",
    "\u{10fffd}\u{fffd}",
];

#[test]
fn str_and_bytes_reprs_match_cpython_313() {
    let Some(oracle) = common::oracle("3.13") else {
        return;
    };
    let answer = oracle.run_json(SCRIPT, &[], &serde_json::to_string(SAMPLES).unwrap());
    assert_eq!(answer["unidata_version"], "15.1.0", "the table pyssl uses");
    let escaped = answer["escaped"].as_object().unwrap();
    let mut checked = 0usize;
    let mut differences = Vec::new();
    for range in answer["assigned"].as_array().unwrap() {
        let (lo, hi) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        for code in lo..=hi {
            let c = char::from_u32(code as u32).unwrap();
            let expected = match escaped.get(&code.to_string()) {
                Some(Value::String(r)) => r.clone(),
                _ => format!("'{c}'"),
            };
            let ours = PyValue::Str(c.to_string()).python_repr();
            if ours != expected {
                differences.push(format!("U+{code:04X}: python {expected} pyssl {ours}"));
            }
            checked += 1;
        }
    }
    assert!(checked > 140_000, "only {checked} assigned code points");
    assert!(
        differences.is_empty(),
        "{} of {checked} code points differ:\n{}",
        differences.len(),
        differences[..differences.len().min(40)].join("\n")
    );
    for (i, s) in SAMPLES.iter().enumerate() {
        assert_eq!(
            PyValue::Str(s.to_string()).python_repr(),
            answer["str"][i],
            "repr({s:?})"
        );
        assert_eq!(
            PyValue::Bytes(s.as_bytes().to_vec()).python_repr(),
            answer["bytes"][i],
            "repr({s:?}.encode())"
        );
    }
    eprintln!(
        "repr: {checked} code points and {} samples agree",
        SAMPLES.len()
    );
}
