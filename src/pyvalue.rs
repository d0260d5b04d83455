//! [`PyValue`]: a Python value as CPython's `ssl` returns it (dicts keep insertion order,
//! tuples stay tuples, `bytes` stay bytes), so results can be compared with a live interpreter
//! and printed the way Python prints them.
//!
//! ```python
//! ctx.cert_store_stats()        # {'x509': 0, 'crl': 0, 'x509_ca': 0}
//! ```
//! ```
//! let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
//! assert_eq!(ctx.cert_store_stats().to_py().python_repr(), "{'x509': 0, 'crl': 0, 'x509_ca': 0}");
//! ```

/// A Python value of the shapes `ssl` produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int`.
    Int(i128),
    /// A `str`.
    Str(String),
    /// A `bytes` object.
    Bytes(Vec<u8>),
    /// A `tuple`.
    Tuple(Vec<PyValue>),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `dict` with `str` keys, in insertion order.
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// Python's truth value (`PyObject_IsTrue`): false for `None`, `False`, `0` and empty
    /// strings, bytes and containers.
    pub fn is_truthy(&self) -> bool {
        match self {
            PyValue::None => false,
            PyValue::Bool(b) => *b,
            PyValue::Int(i) => *i != 0,
            PyValue::Str(s) => !s.is_empty(),
            PyValue::Bytes(b) => !b.is_empty(),
            PyValue::Tuple(x) | PyValue::List(x) => !x.is_empty(),
            PyValue::Dict(x) => !x.is_empty(),
        }
    }

    /// Python's `repr()` of the value.
    pub fn python_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            PyValue::None => out.push_str("None"),
            PyValue::Bool(true) => out.push_str("True"),
            PyValue::Bool(false) => out.push_str("False"),
            PyValue::Int(i) => out.push_str(&i.to_string()),
            PyValue::Str(s) => out.push_str(&py_repr_str(s)),
            PyValue::Bytes(b) => out.push_str(&py_repr_bytes(b)),
            PyValue::Tuple(items) => {
                out.push('(');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            PyValue::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                out.push(']');
            }
            PyValue::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&py_repr_str(k));
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
        }
    }

    /// Look up a key of a dict value.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Build a `PyValue::Dict` from `(key, value)` pairs.
pub(crate) fn dict<const N: usize>(items: [(&str, PyValue); N]) -> PyValue {
    PyValue::Dict(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Assigned characters `str.isprintable()` rejects (Cc, Cf, Zs but ' ', Zl, Zp, Co), in
/// Unicode 15.1. Surrogates cannot occur in a Rust `str`.
const NOT_PRINTABLE: [(u32, u32); 28] = [
    (0x0, 0x1F),
    (0x7F, 0xA0),
    (0xAD, 0xAD),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xE000, 0xF8FF),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
];

/// Python's `repr()` of a `str` (escapes as `str.isprintable()` of Unicode 15.1 decides).
///
/// One difference: Python also escapes *unassigned* code points; they are shown verbatim here,
/// since that would need a table of every assigned character, and each CPython release has
/// its own Unicode version for it anyway. `tests/repr.rs` checks every assigned code point
/// against CPython 3.13.
pub(crate) fn py_repr_str(s: &str) -> String {
    repr_units(s.chars().map(Ok))
}

/// Python's `repr()` of the `str` that `os.fsdecode` makes of `bytes`: valid UTF-8 as text, and
/// each undecodable byte `b` as the lone surrogate `U+DC00 + b` (`surrogateescape`), which
/// `repr()` shows as `\udcXX`.
pub(crate) fn py_repr_fs_bytes(bytes: &[u8]) -> String {
    let mut units: Vec<Result<char, u8>> = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                units.extend(text.chars().map(Ok));
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // `good` is the prefix from_utf8 validated.
                units.extend(
                    std::str::from_utf8(good)
                        .unwrap_or_default()
                        .chars()
                        .map(Ok),
                );
                let n = e.error_len().unwrap_or(bad.len());
                units.extend(bad[..n].iter().map(|&b| Err(b)));
                rest = &bad[n..];
            }
        }
    }
    repr_units(units.into_iter())
}

/// The body of `str.__repr__` over characters and escaped bytes (`Err(b)`: the surrogate
/// `U+DC00 + b`).
fn repr_units(units: impl Iterator<Item = Result<char, u8>> + Clone) -> String {
    let has = |q: char| units.clone().any(|u| u == Ok(q));
    let quote = if has('\'') && !has('"') { '"' } else { '\'' };
    let mut out = String::new();
    out.push(quote);
    for unit in units {
        let c = match unit {
            Ok(c) => c,
            Err(b) => {
                out.push_str(&format!("\\u{:04x}", 0xdc00 + u32::from(b)));
                continue;
            }
        };
        let code = u32::from(c);
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ if NOT_PRINTABLE
                .iter()
                .any(|&(lo, hi)| (lo..=hi).contains(&code)) =>
            {
                let escaped = match code {
                    0..=0xff => format!("\\x{code:02x}"),
                    0x100..=0xffff => format!("\\u{code:04x}"),
                    _ => format!("\\U{code:08x}"),
                };
                out.push_str(&escaped);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn py_repr_bytes(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(feature = "serde")]
impl serde::Serialize for PyValue {
    /// Serializes as Python's `json.dumps` would: tuples and lists as arrays, dicts as objects
    /// in order; `bytes` (which json cannot hold) as the lowercase hex string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            PyValue::None => s.serialize_none(),
            PyValue::Bool(b) => s.serialize_bool(*b),
            PyValue::Int(i) => match i64::try_from(*i) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.serialize_i128(*i),
            },
            PyValue::Str(v) => s.serialize_str(v),
            PyValue::Bytes(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                s.serialize_str(&hex)
            }
            PyValue::Tuple(items) | PyValue::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            PyValue::Dict(items) => {
                let mut map = s.serialize_map(Some(items.len()))?;
                for (k, v) in items {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_repr_quotes_like_python() {
        assert_eq!(py_repr_str("x"), "'x'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
        assert_eq!(py_repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr_str("a\0b"), "'a\\x00b'");
        assert_eq!(
            py_repr_str("\u{3000}\u{e9}\0\u{200b}\u{1f600}"),
            "'\\u3000é\\x00\\u200b\u{1f600}'"
        );
    }

    #[test]
    fn repr_of_nested_values() {
        let v = PyValue::Tuple(vec![PyValue::Tuple(vec![
            PyValue::Str("commonName".into()),
            PyValue::Str("x".into()),
        ])]);
        assert_eq!(v.python_repr(), "(('commonName', 'x'),)");
        assert_eq!(
            PyValue::Bytes(b"a'\x00".to_vec()).python_repr(),
            "b\"a'\\x00\""
        );
    }
}
