//! JSON text exactly as Python's `json.dumps(value)` writes it with default arguments:
//! separators `", "` and `": "`, and `ensure_ascii=True` (every character outside
//! `' '..='~'` is written as `\uXXXX`, astral characters as a UTF-16 surrogate pair).
//!
//! ```python
//! json.dumps({"a": [1, "é"]})      # '{"a": [1, "\\u00e9"]}'
//! ```

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// `json.dumps(value)`.
pub fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut ser)?;
    // Only ASCII is ever written: multi-byte characters are escaped.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// serde_json's compact output with Python's separators and ASCII escaping.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    /// serde_json already escapes `"`, `\` and C0 controls (the same way Python does, with
    /// lowercase hex); what reaches here is the rest, of which Python escapes DEL and all
    /// non-ASCII.
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::dumps;
    use serde_json::json;

    #[test]
    fn separators_and_nesting_match_python() {
        // json.dumps({"a": [1, True, None, []], "b": {}, "c": {"d": -2}})
        let v = json!({"a": [1, true, null, []], "b": {}, "c": {"d": -2}});
        assert_eq!(
            dumps(&v).unwrap(),
            r#"{"a": [1, true, null, []], "b": {}, "c": {"d": -2}}"#
        );
    }

    #[test]
    fn strings_are_escaped_like_ensure_ascii() {
        // json.dumps("q\"\\/\b\f\n\r\t\x01\x7f é€😀")
        let s = "q\"\\/\u{8}\u{c}\n\r\t\u{1}\u{7f} é€😀";
        assert_eq!(
            dumps(s).unwrap(),
            r#""q\"\\/\b\f\n\r\t\u0001\u007f \u00e9\u20ac\ud83d\ude00""#
        );
    }
}
