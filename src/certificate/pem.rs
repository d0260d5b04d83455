//! `PEM_HEADER`, `PEM_FOOTER` and the DER↔PEM helpers of `ssl.py`.

use super::time::is_py_space;
use crate::error::{Error, Result};

/// `ssl.PEM_HEADER`.
///
/// ```python
/// ssl.PEM_HEADER            # '-----BEGIN CERTIFICATE-----'
/// ```
/// ```
/// assert_eq!(pyssl::PEM_HEADER, "-----BEGIN CERTIFICATE-----");
/// ```
pub const PEM_HEADER: &str = "-----BEGIN CERTIFICATE-----";

/// `ssl.PEM_FOOTER`.
///
/// ```python
/// ssl.PEM_FOOTER            # '-----END CERTIFICATE-----'
/// ```
/// ```
/// assert_eq!(pyssl::PEM_FOOTER, "-----END CERTIFICATE-----");
/// ```
pub const PEM_FOOTER: &str = "-----END CERTIFICATE-----";

/// `ssl.DER_cert_to_PEM_cert(der)` as the default profile's CPython (3.15.2) gives it:
/// base64 in 64-character lines between the PEM header and footer, with one trailing newline.
/// The bytes are not checked to be a certificate. [`der_cert_to_pem_cert_as`] gives another
/// release's text (they differ for empty input only).
///
/// ```python
/// ssl.DER_cert_to_PEM_cert(b"abc")
/// # '-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n'
/// ```
/// ```
/// assert_eq!(
///     pyssl::DER_cert_to_PEM_cert(b"abc"),
///     "-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n"
/// );
/// ```
#[allow(non_snake_case)]
pub fn DER_cert_to_PEM_cert(der: &[u8]) -> String {
    der_cert_to_pem_cert_as(der, crate::Profile::default())
}

/// `ssl.DER_cert_to_PEM_cert(der)` as `profile`'s CPython gives it. 3.15 wraps the base64 with
/// `base64.b64encode(wrapcol=64)`, so empty input gets an empty line between header and footer
/// ([`Profile::pem_empty_line_for_empty_der`](crate::Profile)); earlier releases put the
/// footer right after the header.
///
/// ```python
/// ssl.DER_cert_to_PEM_cert(b"")
/// # 3.14: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'
/// # 3.15: '-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n'
/// ```
/// ```
/// use pyssl::{Profile, certificate::der_cert_to_pem_cert_as};
/// let old = der_cert_to_pem_cert_as(b"", Profile::PY314);
/// assert_eq!(old, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
/// let new = der_cert_to_pem_cert_as(b"", Profile::PY315);
/// assert_eq!(new, "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n");
/// ```
pub fn der_cert_to_pem_cert_as(der: &[u8], profile: crate::Profile) -> String {
    let encoded = base64_encode(der);
    let mut pem = String::with_capacity(encoded.len() * 65 / 64 + 60);
    pem.push_str(PEM_HEADER);
    for line in encoded.as_bytes().chunks(64) {
        pem.push('\n');
        pem.extend(line.iter().map(|&b| char::from(b)));
    }
    if encoded.is_empty() && profile.pem_empty_line_for_empty_der {
        pem.push('\n');
    }
    pem.push('\n');
    pem.push_str(PEM_FOOTER);
    pem.push('\n');
    pem
}

/// `ssl.PEM_cert_to_DER_cert(pem)`: the base64 between header and footer, decoded the way
/// `base64.decodebytes` does (characters outside the alphabet are skipped).
///
/// Errors as CPython: `ValueError` when the text does not start with [`PEM_HEADER`] or (after
/// stripping whitespace) end with [`PEM_FOOTER`]; `UnicodeEncodeError` for non-ASCII text
/// inside; `binascii.Error` (`python_type()` is `"Error"`) for bad padding.
///
/// ```python
/// ssl.PEM_cert_to_DER_cert(ssl.DER_cert_to_PEM_cert(b"abc"))   # b'abc'
/// ssl.PEM_cert_to_DER_cert(pem + pem)      # binascii.Error: Incorrect padding
/// ```
/// ```
/// use pyssl::{DER_cert_to_PEM_cert, PEM_cert_to_DER_cert};
/// let pem = DER_cert_to_PEM_cert(b"abc");
/// assert_eq!(PEM_cert_to_DER_cert(&pem).unwrap(), b"abc");
/// let e = PEM_cert_to_DER_cert(&(pem.clone() + &pem)).unwrap_err();
/// assert_eq!((e.python_type(), e.python_str().as_str()), ("Error", "Incorrect padding"));
/// ```
#[allow(non_snake_case)]
pub fn PEM_cert_to_DER_cert(pem: &str) -> Result<Vec<u8>> {
    pem_cert_to_der_cert_as(pem, crate::Profile::default())
}

/// `ssl.PEM_cert_to_DER_cert(pem)` as `profile`'s CPython decodes it. Since 3.13.13 / 3.14.4 /
/// 3.15.0 (gh-145264, [`Profile::base64_ignores_inner_padding`](crate::Profile)) a `=` before
/// the end of the base64 is skipped instead of ending the data, so what follows a padded
/// group is decoded too.
///
/// ```python
/// ssl.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----\nYQ==YQ==\n-----END CERTIFICATE-----")
/// # 3.13.0: b'a'      3.13.18: b'a\x06\x10'
/// ```
/// ```
/// use pyssl::{Profile, certificate::pem_cert_to_der_cert_as};
/// let pem = "-----BEGIN CERTIFICATE-----\nYQ==YQ==\n-----END CERTIFICATE-----";
/// assert_eq!(pem_cert_to_der_cert_as(pem, Profile::PY313_0).unwrap(), b"a");
/// assert_eq!(pem_cert_to_der_cert_as(pem, Profile::PY313).unwrap(), b"a\x06\x10");
/// ```
pub fn pem_cert_to_der_cert_as(pem: &str, profile: crate::Profile) -> Result<Vec<u8>> {
    if !pem.starts_with(PEM_HEADER) {
        return Err(Error::value(format!(
            "Invalid PEM encoding; must start with {PEM_HEADER}"
        )));
    }
    let stripped = pem.trim_matches(is_py_space);
    if !stripped.ends_with(PEM_FOOTER) {
        return Err(Error::value(format!(
            "Invalid PEM encoding; must end with {PEM_FOOTER}"
        )));
    }
    // Python's s[len(H):-len(F)] is empty when header and footer overlap ("-----").
    let end = stripped.len() - PEM_FOOTER.len();
    let body = stripped.get(PEM_HEADER.len()..end).unwrap_or("");
    if let Some(start) = body.chars().position(|c| !c.is_ascii()) {
        // The ASCII codec reports the whole run of characters it cannot encode.
        let run = body
            .chars()
            .skip(start)
            .take_while(|c| !c.is_ascii())
            .count();
        let reason = "ordinal not in range(128)";
        return Err(Error::unicode_encode(
            "ascii",
            body,
            start,
            start + run,
            reason,
        ));
    }
    base64_decode(body.as_bytes(), profile.base64_ignores_inner_padding)
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding and no line breaks.
fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[(n >> (18 - 6 * i) & 0x3f) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `binascii.a2b_base64` in its default (non-strict) mode: non-alphabet bytes are ignored,
/// a complete pad sequence ends the input, and a dangling partial group is an error.
fn base64_decode(text: &[u8], inner_padding_ignored: bool) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    // Position inside the current group of four, bits carried over, '=' seen since the last
    // data character (in a group that has at least two).
    let (mut slot, mut carry, mut pads) = (0usize, 0u8, 0usize);
    for &byte in text {
        if byte == b'=' {
            if slot >= 2 {
                pads += 1;
                // Before gh-145264 the first padded group ends the data; after it, a '=' only
                // counts at the end (RFC 4648 3.3).
                if slot + pads >= 4 && !inner_padding_ignored {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = base64_value(byte) else {
            continue;
        };
        pads = 0;
        match slot {
            0 => carry = v,
            1 => {
                out.push(carry << 2 | v >> 4);
                carry = v & 0x0f;
            }
            2 => {
                out.push(carry << 4 | v >> 2);
                carry = v & 0x03;
            }
            _ => out.push(carry << 6 | v),
        }
        slot = (slot + 1) % 4;
    }
    match slot {
        0 => Ok(out),
        _ if inner_padding_ignored && slot >= 2 && slot + pads >= 4 => Ok(out),
        1 => Err(Error::value_subclass(
            "Error",
            format!(
                "Invalid base64-encoded string: number of data characters ({}) cannot be 1 \
                 more than a multiple of 4",
                out.len() / 3 * 4 + 1
            ),
        )),
        _ => Err(Error::value_subclass("Error", "Incorrect padding")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..70u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(
                base64_decode(base64_encode(&data).as_bytes(), true).unwrap(),
                data
            );
        }
    }
}
