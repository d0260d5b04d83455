//! Python's `'idna'` codec (IDNA 2003: RFC 3490 ToASCII with RFC 3491 nameprep and RFC 3492
//! punycode), which `SSLContext._encode_hostname` applies to a `str` server hostname.
//!
//! The Unicode data is Unicode 3.2's, as in CPython (`stringprep`, `unicodedata.ucd_3_2_0`),
//! generated into `idna_tables.rs` by `tools/gen_idna_tables.py`, except the case folding of
//! releases before gh-155292, which followed their own Unicode version (`idna_case_folding.rs`,
//! from `tools/gen_idna_case_folding.py`). Normalization (NFKC) is done
//! per code point from those tables, which is exact whenever no character of the mapped label
//! can compose or reorder with a neighbour. A label that would need composition (a base letter
//! followed by a separate combining mark, or conjoining Hangul jamo) is refused with a
//! `UnicodeError` that says so, rather than encoded differently from CPython; precomposed
//! letters, which is what keyboards produce, are fully supported.
//!
//! The errors follow the profile: CPython 3.11 wraps the codec's `UnicodeError` as
//! `encoding with 'idna' codec failed (UnicodeError: ...)`, 3.13 raises a
//! `UnicodeEncodeError` naming the position in the whole name.

use crate::error::Error;

use super::idna_case_folding::{
    FoldingDiff, RFC_3454, UNICODE_11, UNICODE_12_1, UNICODE_13, UNICODE_16,
};
use super::idna_tables::{B1, LCAT, MAP, PROHIBITED, RANDAL, UNSTABLE};

use crate::Profile;
use crate::profiles::IdnaCaseFolding;
pub(crate) use crate::profiles::IdnaErrors;

/// A codec failure: the reason and the (start, end) code point span in the label it was
/// found in (3.13 reports it), plus the 3.11 wording.
struct Failure {
    start: usize,
    end: usize,
    reason: String,
    legacy: String,
    /// Not a CPython error: pyssl's own refusal (same class in both profiles).
    unsupported: bool,
}

impl Failure {
    fn new(start: usize, end: usize, reason: impl Into<String>, legacy: impl Into<String>) -> Self {
        Failure {
            start,
            end,
            reason: reason.into(),
            legacy: legacy.into(),
            unsupported: false,
        }
    }
}

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Python's `repr()` of a one-character string found in a prohibited-character message.
fn repr_char(c: char) -> String {
    let n = c as u32;
    let printable = n >= 0x20
        && !(0x7f..0xa0).contains(&n)
        && (!in_ranges(PROHIBITED, c)
            || matches!(n, 0xFFFC | 0xFFFD | 0x2FF0..=0x2FFB | 0x340 | 0x341));
    if printable {
        if c == '\'' {
            "\"'\"".to_string()
        } else if c == '\\' {
            "'\\\\'".to_string()
        } else {
            format!("'{c}'")
        }
    } else if n < 0x100 {
        format!("'\\x{n:02x}'")
    } else if n < 0x10000 {
        format!("'\\u{n:04x}'")
    } else {
        format!("'\\U{n:08x}'")
    }
}

/// Case folding (table B.2) then NFKC of one code point, as `folding`'s releases compute it:
/// `None` when the code point stays as it is.
fn fold(c: char, folding: IdnaCaseFolding) -> Option<&'static str> {
    let diff: Option<&FoldingDiff> = match folding {
        IdnaCaseFolding::Unicode11 => Some(&UNICODE_11),
        IdnaCaseFolding::Unicode12_1 => Some(&UNICODE_12_1),
        IdnaCaseFolding::Unicode13 => Some(&UNICODE_13),
        IdnaCaseFolding::Unicode16 => Some(&UNICODE_16),
        IdnaCaseFolding::Rfc3454 => Some(&RFC_3454),
        _ => None,
    };
    let key = c as u32;
    if let Some(d) = diff {
        if let Ok(i) = d.mapped.binary_search_by_key(&key, |&(k, _)| k) {
            return Some(d.mapped[i].1);
        }
        if in_ranges(d.unmapped, c) {
            return None;
        }
    }
    MAP.binary_search_by_key(&key, |&(k, _)| k)
        .ok()
        .map(|i| MAP[i].1)
}

/// RFC 3491 nameprep of one label (as a list of code points).
fn nameprep(label: &[char], folding: IdnaCaseFolding) -> Result<Vec<char>, Failure> {
    let mut out = Vec::with_capacity(label.len());
    for &c in label {
        if B1.binary_search(&(c as u32)).is_ok() {
            continue;
        }
        match fold(c, folding) {
            Some(m) => out.extend(m.chars()),
            None => out.push(c),
        }
    }
    if let Some(&c) = out.iter().find(|&&c| in_ranges(UNSTABLE, c)) {
        return Err(Failure {
            start: 0,
            end: 0,
            reason: format!(
                "pyssl does not implement IDNA 2003 normalization of a label containing U+{:04X} \
                 (a combining character); pass the name precomposed or as an A-label (xn--...)",
                c as u32
            ),
            legacy: String::new(),
            unsupported: true,
        });
    }
    for (i, &c) in out.iter().enumerate() {
        if in_ranges(PROHIBITED, c) {
            let text = format!("Invalid character {}", repr_char(c));
            return Err(Failure::new(i, i + 1, text.clone(), text));
        }
    }
    let randal: Vec<bool> = out.iter().map(|&c| in_ranges(RANDAL, c)).collect();
    if randal.iter().any(|&r| r) {
        let bidi2 = "Violation of BIDI requirement 2";
        if let Some(i) = out.iter().position(|&c| in_ranges(LCAT, c)) {
            return Err(Failure::new(i, i + 1, bidi2, bidi2));
        }
        let bidi3 = "Violation of BIDI requirement 3";
        if !randal[0] {
            return Err(Failure::new(0, 1, bidi3, bidi3));
        }
        if !randal[randal.len() - 1] {
            let n = randal.len();
            return Err(Failure::new(n - 1, n, bidi3, bidi3));
        }
    }
    Ok(out)
}

/// RFC 3492 punycode of a label (Python's `'punycode'` codec).
fn punycode(input: &[char]) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    let digit = |d: u32| -> char {
        if d < 26 {
            (b'a' + d as u8) as char
        } else {
            (b'0' + (d - 26) as u8) as char
        }
    };
    let adapt = |mut delta: u32, numpoints: u32, first: bool| -> u32 {
        delta = if first { delta / 700 } else { delta / 2 };
        delta += delta / numpoints;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + 38)
    };
    let mut out: String = input.iter().filter(|c| c.is_ascii()).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let mut n: u32 = 0x80;
    let mut delta: u32 = 0;
    let mut bias: u32 = 72;
    let mut h = basic;
    let total = input.len() as u32;
    while h < total {
        let m = input
            .iter()
            .map(|&c| c as u32)
            .filter(|&c| c >= n)
            .min()
            .unwrap_or(n);
        delta = delta.wrapping_add((m - n).wrapping_mul(h + 1));
        n = m;
        for &c in input {
            let c = c as u32;
            if c < n {
                delta = delta.wrapping_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, h + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.wrapping_add(1);
        n += 1;
    }
    out
}

/// RFC 3490 ToASCII of one non-empty-input label, as Python's codec runs it.
fn to_ascii(label: &[char], py313: bool, folding: IdnaCaseFolding) -> Result<String, Failure> {
    let check = |s: &str, chars: usize| -> Result<String, Failure> {
        if !s.is_empty() && s.len() < 64 {
            Ok(s.to_string())
        } else if s.is_empty() {
            Err(Failure::new(0, 1, "label empty", "label empty or too long"))
        } else {
            Err(Failure::new(
                0,
                chars,
                "label too long",
                "label empty or too long",
            ))
        }
    };
    if label.iter().all(char::is_ascii) {
        let s: String = label.iter().collect();
        return check(&s, label.len());
    }
    let prepped = nameprep(label, folding)?;
    if prepped.iter().all(char::is_ascii) {
        let s: String = prepped.iter().collect();
        return check(&s, prepped.len());
    }
    let text: String = prepped.iter().collect();
    let has_prefix = if py313 {
        text.to_lowercase().starts_with("xn--")
    } else {
        text.starts_with("xn--")
    };
    if has_prefix {
        return Err(Failure::new(
            0,
            4,
            "Label starts with ACE prefix",
            "Label starts with ACE prefix",
        ));
    }
    let encoded = format!("xn--{}", punycode(&prepped));
    if encoded.len() < 64 {
        Ok(encoded)
    } else {
        Err(Failure::new(
            0,
            prepped.len(),
            "label too long",
            "label empty or too long",
        ))
    }
}

fn is_dot(c: char) -> bool {
    matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}')
}

fn error(style: IdnaErrors, input: &[char], f: Failure, offset: usize) -> Error {
    if f.unsupported {
        return Error::unicode("UnicodeError", f.reason);
    }
    match style {
        IdnaErrors::Wrapped => Error::unicode(
            "UnicodeError",
            format!(
                "encoding with 'idna' codec failed (UnicodeError: {})",
                f.legacy
            ),
        ),
        IdnaErrors::Bare => Error::unicode("UnicodeError", f.legacy),
        IdnaErrors::Positional => {
            let object: String = input.iter().collect();
            Error::unicode_encode("idna", &object, offset + f.start, offset + f.end, &f.reason)
        }
    }
}

/// `name.encode('idna').decode('ascii')` as the profile's CPython computes it.
pub(crate) fn encode(name: &str, profile: &Profile) -> Result<String, Error> {
    let style = profile.messages.idna_errors;
    let folding = profile.idna_case_folding();
    let py313 = style == IdnaErrors::Positional;
    let input: Vec<char> = name.chars().collect();
    if input.is_empty() {
        return Ok(String::new());
    }
    if name.is_ascii() {
        let labels: Vec<&str> = name.split('.').collect();
        let offsets: Vec<usize> = labels
            .iter()
            .scan(0, |off, l| {
                let here = *off;
                *off += l.len() + 1;
                Some(here)
            })
            .collect();
        let n = labels.len();
        if py313 {
            if let Some(i) = (0..n - 1).find(|&i| labels[i].is_empty()) {
                let f = Failure::new(0, 1, "label empty", "");
                return Err(error(style, &input, f, offsets[i]));
            }
            if let Some(i) = (0..n).find(|&i| labels[i].len() >= 64) {
                let f = Failure::new(0, labels[i].len(), "label too long", "");
                return Err(error(style, &input, f, offsets[i]));
            }
        } else {
            if (0..n - 1).any(|i| labels[i].is_empty() || labels[i].len() >= 64) {
                let f = Failure::new(0, 0, "", "label empty or too long");
                return Err(error(style, &input, f, 0));
            }
            if labels[n - 1].len() >= 64 {
                return Err(error(
                    style,
                    &input,
                    Failure::new(0, 0, "", "label too long"),
                    0,
                ));
            }
        }
        return Ok(name.to_string());
    }
    let mut labels: Vec<&[char]> = input.split(|&c| is_dot(c)).collect();
    let trailing_dot = labels.last().is_some_and(|l| l.is_empty());
    if trailing_dot {
        labels.pop();
    }
    let mut out = String::new();
    let mut offset = 0;
    for label in labels {
        if !out.is_empty() {
            out.push('.');
        }
        match to_ascii(label, py313, folding) {
            Ok(s) => out.push_str(&s),
            Err(f) => return Err(error(style, &input, f, offset)),
        }
        offset += label.len() + 1;
    }
    if trailing_dot {
        out.push('.');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_python() {
        let e = |s| encode(s, &Profile::PY311).unwrap();
        assert_eq!(e("localhost"), "localhost");
        assert_eq!(e("LOCALHOST."), "LOCALHOST.");
        assert_eq!(
            e("könig.idn.pythontest.net"),
            "xn--knig-5qa.idn.pythontest.net"
        );
        assert_eq!(
            e("königsgäßchen.idna2003.pythontest.net"),
            "xn--knigsgsschen-lcb0w.idna2003.pythontest.net"
        );
        assert_eq!(e("bücher。example"), "xn--bcher-kva.example");
        assert_eq!(e("ÄÖÜ.de"), "xn--4ca0bs.de");
    }

    #[test]
    fn errors_per_profile() {
        let w = encode(".example.com", &Profile::PY311).unwrap_err();
        assert_eq!(
            w.python_str(),
            "encoding with 'idna' codec failed (UnicodeError: label empty or too long)"
        );
        let p = encode(".example.com", &Profile::PY313).unwrap_err();
        assert_eq!(p.python_type(), "UnicodeEncodeError");
        assert_eq!(
            p.python_str(),
            "'idna' codec can't encode character '\\x2e' in position 0: label empty"
        );
        let c = encode("e\u{301}.com", &Profile::PY311).unwrap_err();
        assert_eq!(c.python_type(), "UnicodeError");
        assert!(c.python_str().contains("U+0301"));
    }
}
