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

use crate::error::py_repr_str;

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
