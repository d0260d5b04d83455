//! `ssl.match_hostname(cert, hostname)` of CPython 3.7–3.11 (removed in 3.12): RFC 6125
//! matching of a decoded certificate dict against a host name or IP address, with the
//! `CertificateError` texts of `Lib/ssl.py`.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};
use crate::profiles::Profile;
use crate::pyvalue::{PyValue, py_repr_str};

/// `ssl.match_hostname(cert, hostname)`: `Ok(())` when `cert` (the dict `getpeercert()`
/// returns, as [`PeerCertificate::to_py`](crate::PeerCertificate::to_py) or
/// [`CertificateDict::to_py`](crate::CertificateDict::to_py) give it) is valid for
/// `hostname`, else CPython's `CertificateError` (`SSLCertVerificationError` with one
/// argument: `("hostname 'b.example' doesn't match 'a.example'",)`), or its `ValueError` for
/// an empty certificate or an `IP Address` entry that is no address. Under the 3.12+
/// profiles the function does not exist: the `AttributeError` of `getattr(ssl,
/// "match_hostname")`.
///
/// IP addresses are matched as 3.7–3.11 match them: a host name that is a dotted-quad IPv4
/// address exactly as `inet_ntoa` writes it, or an IPv6 address, is compared with the
/// `IP Address` entries only; any other name (`127.1`) with the `DNS` entries.
///
/// ```python
/// ssl.match_hostname(ssock.getpeercert(), "www.example.org")
/// ```
/// ```
/// use pyssl::{PyValue, Profile};
/// let san = |kind: &str, v: &str| PyValue::Tuple(vec![PyValue::Str(kind.into()), PyValue::Str(v.into())]);
/// let cert = PyValue::Dict(vec![(
///     "subjectAltName".into(),
///     PyValue::Tuple(vec![san("DNS", "*.example.org")]),
/// )]);
/// assert!(pyssl::match_hostname(&cert, "www.example.org", Profile::PY311).is_ok());
/// let e = pyssl::match_hostname(&cert, "example.org", Profile::PY311).unwrap_err();
/// assert_eq!(e.python_str(), "(\"hostname 'example.org' doesn't match '*.example.org'\",)");
/// let gone = pyssl::match_hostname(&cert, "www.example.org", Profile::PY312).unwrap_err();
/// assert_eq!(gone.python_str(), "module 'ssl' has no attribute 'match_hostname'");
/// ```
pub fn match_hostname(cert: &PyValue, hostname: &str, profile: Profile) -> Result<()> {
    if profile.version >= (3, 12) {
        return Err(Error::attribute(
            "module 'ssl' has no attribute 'match_hostname'",
        ));
    }
    if !cert.is_truthy() {
        return Err(Error::value(
            "empty or no certificate, match_hostname needs a SSL socket or SSL context with \
             either CERT_OPTIONAL or CERT_REQUIRED",
        ));
    }
    let host_ip = inet_paton(hostname).ok();
    let mut names: Vec<&str> = Vec::new();
    for (key, value) in pairs(get(cert, "subjectAltName")) {
        match key {
            "DNS" => {
                if host_ip.is_none() && dnsname_match(value, hostname)? {
                    return Ok(());
                }
                names.push(value);
            }
            "IP Address" => {
                if let Some(ip) = &host_ip {
                    if inet_paton(value.trim_end())? == *ip {
                        return Ok(());
                    }
                }
                names.push(value);
            }
            _ => {}
        }
    }
    if names.is_empty() {
        // The subject counts only when subjectAltName has no DNS or IP entry.
        for rdn in items(get(cert, "subject")) {
            for (key, value) in pairs(Some(rdn)) {
                if key == "commonName" {
                    if dnsname_match(value, hostname)? {
                        return Ok(());
                    }
                    names.push(value);
                }
            }
        }
    }
    let host = py_repr_str(hostname);
    Err(certificate_error(match names.as_slice() {
        [] => "no appropriate commonName or subjectAltName fields were found".to_string(),
        [one] => format!("hostname {host} doesn't match {}", py_repr_str(one)),
        many => {
            let list: Vec<String> = many.iter().map(|n| py_repr_str(n)).collect();
            format!(
                "hostname {host} doesn't match either of {}",
                list.join(", ")
            )
        }
    }))
}

/// `CertificateError(message)`: `SSLCertVerificationError` raised with one argument.
fn certificate_error(message: String) -> Error {
    Error::certificate_error(message)
}

/// `cert.get(key)`.
fn get<'a>(cert: &'a PyValue, key: &str) -> Option<&'a PyValue> {
    match cert {
        PyValue::Dict(d) => d.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The elements of a tuple or list.
fn items(v: Option<&PyValue>) -> impl Iterator<Item = &PyValue> {
    let slice: &[PyValue] = match v {
        Some(PyValue::Tuple(t) | PyValue::List(t)) => t,
        _ => &[],
    };
    slice.iter()
}

/// The `(key, value)` string pairs of a tuple of pairs (others are skipped: they match
/// neither `DNS`, `IP Address` nor `commonName`).
fn pairs(v: Option<&PyValue>) -> impl Iterator<Item = (&str, &str)> {
    items(v).filter_map(|pair| match pair {
        PyValue::Tuple(kv) | PyValue::List(kv) => match kv.as_slice() {
            [PyValue::Str(k), PyValue::Str(v)] => Some((k.as_str(), v.as_str())),
            _ => None,
        },
        _ => None,
    })
}

/// `_dnsname_match(dn, hostname)`: RFC 6125 section 6.4.3 as 3.7–3.11 implement it (one
/// wildcard, the whole leftmost label, matching at least one character).
fn dnsname_match(dn: &str, hostname: &str) -> Result<bool> {
    if dn.is_empty() {
        return Ok(false);
    }
    let wildcards = dn.matches('*').count();
    if wildcards == 0 {
        return Ok(dn.to_lowercase() == hostname.to_lowercase());
    }
    let name = py_repr_str(dn);
    if wildcards > 1 {
        return Err(certificate_error(format!(
            "too many wildcards in certificate DNS name: {name}."
        )));
    }
    let (leftmost, remainder) = dn.split_once('.').unwrap_or((dn, ""));
    if remainder.contains('*') {
        return Err(certificate_error(format!(
            "wildcard can only be present in the leftmost label: {name}."
        )));
    }
    if !dn.contains('.') {
        return Err(certificate_error(format!(
            "sole wildcard without additional labels are not support: {name}."
        )));
    }
    if leftmost != "*" {
        return Err(certificate_error(format!(
            "partial wildcards in leftmost label are not supported: {name}."
        )));
    }
    match hostname.split_once('.') {
        Some((host_leftmost, host_remainder)) if !host_leftmost.is_empty() => {
            Ok(remainder.to_lowercase() == host_remainder.to_lowercase())
        }
        _ => Ok(false),
    }
}

/// `_inet_paton(name)`: the packed address of a dotted-quad IPv4 address written exactly as
/// `inet_ntoa` writes it, or of an IPv6 address; CPython's `ValueError` otherwise.
fn inet_paton(name: &str) -> Result<Vec<u8>> {
    if let Ok(v4) = name.parse::<Ipv4Addr>() {
        if v4.to_string() == name {
            return Ok(v4.octets().to_vec());
        }
    }
    if inet_aton_accepts(name) {
        return Err(Error::value(format!(
            "{} is not a quad-dotted IPv4 address.",
            py_repr_str(name)
        )));
    }
    match name.parse::<Ipv6Addr>() {
        Ok(v6) => Ok(v6.octets().to_vec()),
        Err(_) => Err(Error::value(format!(
            "{} is neither an IPv4 nor an IP6 address.",
            py_repr_str(name)
        ))),
    }
}

/// Whether glibc's `inet_aton` takes `name` (1 to 4 numbers, decimal, octal or hex, split by
/// dots, then nothing or whitespace and anything): such a name that is not the canonical
/// dotted quad is refused as "not a quad-dotted IPv4 address".
fn inet_aton_accepts(name: &str) -> bool {
    let head = match name.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => &name[..i],
        None => name,
    };
    let parts: Vec<&str> = head.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return false;
    }
    let mut values = Vec::new();
    for p in &parts {
        let value = if let Some(hex) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if hex.is_empty() {
                Some(0)
            } else {
                u64::from_str_radix(hex, 16).ok()
            }
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(&p[1..], 8).ok()
        } else {
            p.parse::<u64>().ok().filter(|_| !p.starts_with('+'))
        };
        match value {
            Some(v) if v <= u64::from(u32::MAX) => values.push(v),
            _ => return false,
        }
    }
    // The last number fills the remaining bytes; the others are one byte each.
    let Some((last, first)) = values.split_last() else {
        return false;
    };
    let room = 8 * (4 - first.len() as u32);
    first.iter().all(|&v| v <= 0xff) && (room >= 32 || *last < (1u64 << room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms() {
        for ok in [
            "1",
            "127.1",
            "0x7f.1",
            "0177.0.0.1",
            "1.2.3.4 trailing",
            "4294967295",
        ] {
            assert!(inet_aton_accepts(ok), "{ok}");
        }
        for bad in [
            "",
            "1.2.3.4.5",
            "256.1.1.1",
            "a.b",
            "1..2",
            "4294967296",
            "::1",
        ] {
            assert!(!inet_aton_accepts(bad), "{bad}");
        }
    }
}
