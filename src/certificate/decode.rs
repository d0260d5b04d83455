//! Decoding an X.509 certificate into the dict CPython's `_decode_certificate` builds.

use std::path::Path;

use openssl::nid::Nid;
use openssl::x509::{GeneralNameRef, X509NameRef, X509Ref};

use super::{AltNameValue, AttributeValue, CertificateDict, DistinguishedName, Rdn};
use crate::Profile;
use crate::error::{Error, MnemonicTable, Result};
use crate::ffi::x509::{self as raw, GeneralNameData, PemFileError};

/// CPython's `_decode_certificate`: the dict `getpeercert()` returns for a verified peer.
///
/// Failures are CPython's: `UnicodeDecodeError` for name or URI bytes that are not UTF-8,
/// `SSLError` when OpenSSL cannot convert a name value.
///
/// ```python
/// cert = ssock.getpeercert()
/// ```
/// ```
/// # use openssl::{asn1::Asn1Time, ec::{EcGroup, EcKey}, hash::MessageDigest, nid::Nid};
/// # use openssl::{pkey::PKey, x509::{X509, X509NameBuilder}};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
/// # let mut name = X509NameBuilder::new()?;
/// # name.append_entry_by_text("CN", "localhost")?;
/// # let name = name.build();
/// # let mut b = X509::builder()?;
/// # b.set_version(2)?;
/// # b.set_subject_name(&name)?;
/// # b.set_issuer_name(&name)?;
/// # b.set_pubkey(&key)?;
/// # let (start, end) = (Asn1Time::from_str("20180829142316Z")?, Asn1Time::from_str("20371028142316Z")?);
/// # b.set_not_before(&start)?;
/// # b.set_not_after(&end)?;
/// # b.sign(&key, MessageDigest::sha256())?;
/// # let cert = b.build();
/// use pyssl::certificate::{decode_certificate, AttributeValue};
/// let d = decode_certificate(&cert)?;
/// assert_eq!(d.subject, vec![vec![("commonName".into(), AttributeValue::Text("localhost".into()))]]);
/// assert_eq!((d.version, d.not_before.as_str()), (3, "Aug 29 14:23:16 2018 GMT"));
/// assert_eq!(d.subject_alt_name, None);
/// # Ok(())
/// # }
/// ```
#[doc(alias = "_decode_certificate")]
pub fn decode_certificate(cert: &X509Ref) -> Result<CertificateDict> {
    decode_certificate_as(cert, Profile::default())
}

/// [`decode_certificate`] as the given CPython release decodes (releases before 3.10 refuse
/// BIT STRING name values, see [`Profile::name_bit_strings_as_bytes`]).
///
/// ```python
/// # a certificate whose subject has an x500UniqueIdentifier (a BIT STRING)
/// ssl._ssl._test_decode_cert("unique-id.pem")
/// # 3.9:   SSLError(0, 'unknown error')
/// # 3.10+: {'subject': ((('commonName', 'localhost'),), (('x500UniqueIdentifier', b'\x01'),)), ...}
/// ```
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use openssl::{asn1::*, ec::*, hash::MessageDigest, nid::Nid, pkey::PKey, x509::*};
/// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
/// let mut name = X509NameBuilder::new()?;
/// name.append_entry_by_text("CN", "localhost")?;
/// name.append_entry_by_text_with_type("x500UniqueIdentifier", "\x01", Asn1Type::BIT_STRING)?;
/// # let name = name.build();
/// # let mut b = X509Builder::new()?;
/// # b.set_subject_name(&name)?;
/// # b.set_issuer_name(&name)?;
/// # b.set_pubkey(&key)?;
/// # let (start, end) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(1)?);
/// # b.set_not_before(&start)?;
/// # b.set_not_after(&end)?;
/// # b.sign(&key, MessageDigest::sha256())?;
/// # let cert = b.build();
/// use pyssl::{certificate::decode_certificate_as, Profile};
/// let e = decode_certificate_as(&cert, Profile::PY39).unwrap_err();
/// assert_eq!((e.python_type(), e.python_str().as_str()), ("SSLError", "unknown error"));
/// let d = decode_certificate_as(&cert, Profile::PY310)?;
/// assert_eq!(d.subject[1][0].0, "x500UniqueIdentifier");
/// # Ok(())
/// # }
/// ```
pub fn decode_certificate_as(cert: &X509Ref, profile: Profile) -> Result<CertificateDict> {
    let subject = decode_name(cert.subject_name(), profile)?;
    let issuer = decode_name(cert.issuer_name(), profile)?;
    let version = i64::from(cert.version()) + 1;
    let table = profile.mnemonic_table();
    let printed = |text: std::result::Result<Vec<u8>, openssl::error::ErrorStack>| {
        text.map_err(|e| Error::from_stack(&e, table))
            .and_then(|bytes| decode_utf8(first_line(&bytes)))
    };
    let serial_number = printed(raw::integer_text(cert.serial_number()))?;
    let not_before = printed(raw::time_text(cert.not_before()))?;
    let not_after = printed(raw::time_text(cert.not_after()))?;
    let subject_alt_name = match cert.subject_alt_names() {
        Some(names) => Some(
            names
                .iter()
                .map(|n| decode_general_name(n, profile))
                .collect::<Result<_>>()?,
        ),
        None => None,
    };
    Ok(CertificateDict {
        subject,
        issuer,
        version,
        serial_number,
        not_before,
        not_after,
        subject_alt_name,
        ocsp: access_uris(cert, Nid::AD_OCSP, table)?,
        ca_issuers: access_uris(cert, Nid::AD_CA_ISSUERS, table)?,
        crl_distribution_points: crl_uris(cert, table)?,
    })
}

/// Twin of `ssl._ssl._test_decode_cert(path)`: decodes the first PEM certificate of a file.
///
/// Errors as CPython: a NUL byte in the path → `ValueError('embedded null byte')`; the file
/// cannot be opened → single-argument `SSLError("Can't open file")`; no certificate can be
/// read → single-argument `SSLError('Error decoding PEM-encoded file')`.
///
/// ```python
/// ssl._ssl._test_decode_cert("/nonexistent.pem")  # SSLError: ("Can't open file",)
/// ```
/// ```
/// let e = pyssl::certificate::decode_cert_file("/nonexistent.pem").unwrap_err();
/// assert_eq!((e.python_type(), e.python_str().as_str()), ("SSLError", "(\"Can't open file\",)"));
/// ```
#[doc(alias = "_test_decode_cert")]
#[doc(alias = "PEM_read_bio_X509")]
pub fn decode_cert_file(path: impl AsRef<Path>) -> Result<CertificateDict> {
    decode_cert_file_as(path, Profile::default())
}

/// [`decode_cert_file`] as the given CPython release decodes (see [`decode_certificate_as`]).
///
/// ```python
/// ssl._ssl._test_decode_cert("/nonexistent.pem")  # any release: SSLError: ("Can't open file",)
/// ```
/// ```
/// use pyssl::{certificate::decode_cert_file_as, Profile};
/// let e = decode_cert_file_as("/nonexistent.pem", Profile::PY37).unwrap_err();
/// assert_eq!(e.python_str(), "(\"Can't open file\",)");
/// ```
pub fn decode_cert_file_as(path: impl AsRef<Path>, profile: Profile) -> Result<CertificateDict> {
    let path = path.as_ref();
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let c_path = std::ffi::CString::new(bytes).map_err(|_| Error::value("embedded null byte"))?;
    match raw::read_first_pem_cert(&c_path) {
        Ok(cert) => decode_certificate_as(&cert, profile),
        Err(PemFileError::Open) => Err(Error::ssl_single("Can't open file")),
        Err(PemFileError::Decode) => Err(Error::ssl_single("Error decoding PEM-encoded file")),
    }
}

/// CPython reads printer output with `BIO_gets(bio, buf, sizeof(buf) - 1)` on a 2048-byte
/// buffer: at most 2046 bytes, up to and including the first newline.
fn first_line(bytes: &[u8]) -> &[u8] {
    let limited = &bytes[..bytes.len().min(2046)];
    match limited.iter().position(|&b| b == b'\n') {
        Some(i) => &limited[..=i],
        None => limited,
    }
}

/// Entries grouped into RDNs by their `X509_NAME_ENTRY_set()` number.
fn decode_name(name: &X509NameRef, profile: Profile) -> Result<DistinguishedName> {
    let table = profile.mnemonic_table();
    let mut rdns = DistinguishedName::new();
    let mut current = Rdn::new();
    let mut current_set = None;
    for entry in name.entries() {
        let set = raw::name_entry_set(entry);
        if current_set.is_some_and(|s| s != set) {
            rdns.push(std::mem::take(&mut current));
        }
        current_set = Some(set);
        let key = raw::obj2txt(entry.object(), false).map_err(|e| Error::from_stack(&e, table))?;
        let key = decode_utf8(&key)?;
        let data = entry.data();
        let bit_string = raw::asn1_string_type(data) == raw::V_ASN1_BIT_STRING;
        let value = if bit_string && profile.name_bit_strings_as_bytes {
            AttributeValue::Bytes(data.as_slice().to_vec())
        } else {
            let utf8 = raw::asn1_string_to_utf8(data).map_err(|e| Error::from_stack(&e, table))?;
            AttributeValue::Text(decode_utf8(&utf8)?)
        };
        current.push((key, value));
    }
    if !current.is_empty() {
        rdns.push(current);
    }
    Ok(rdns)
}

/// One `subjectAltName` entry in CPython's `(type, value)` form.
fn decode_general_name(name: &GeneralNameRef, profile: Profile) -> Result<(String, AltNameValue)> {
    let table = profile.mnemonic_table();
    let data = raw::general_name_data(name).map_err(|e| Error::from_stack(&e, table))?;
    let (label, value) = match (raw::general_name_type(name), data) {
        (raw::GEN_DIRNAME, GeneralNameData::DirName(dn)) => {
            return Ok((
                "DirName".into(),
                AltNameValue::DirName(decode_name(dn, profile)?),
            ));
        }
        (raw::GEN_EMAIL, GeneralNameData::Bytes(b)) => ("email", decode_utf8(b)?),
        (raw::GEN_DNS, GeneralNameData::Bytes(b)) => ("DNS", decode_utf8(b)?),
        (raw::GEN_URI, GeneralNameData::Bytes(b)) => ("URI", decode_utf8(b)?),
        (raw::GEN_IPADD, GeneralNameData::Bytes(b)) => ("IP Address", ip_text(b)),
        (raw::GEN_RID, GeneralNameData::Rid(text)) => {
            // CPython prints into a 2048-byte buffer with room for 2046 characters.
            let shown = match text.len() {
                n if n >= 2048 => b"<INVALID>".to_vec(),
                2047 => [&text[..2046], b"\0"].concat(),
                _ => text,
            };
            ("Registered ID", decode_utf8(&shown)?)
        }
        _ => return printed_general_name(name, table),
    };
    Ok((label.into(), AltNameValue::Text(value)))
}

/// `'127.0.0.1'`, eight uncompressed uppercase hex groups for IPv6, else `'<invalid>'`.
fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => format!("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]),
        16 => {
            let groups: Vec<String> = bytes
                .chunks(2)
                .map(|p| format!("{:X}", u16::from_be_bytes([p[0], p[1]])))
                .collect();
            groups.join(":")
        }
        _ => "<invalid>".to_string(),
    }
}

/// othername / X400Name / EdiPartyName: `GENERAL_NAME_print` text split at its first ':'
/// (searched, like `strchr`, only up to the first NUL).
fn printed_general_name(
    name: &GeneralNameRef,
    table: MnemonicTable,
) -> Result<(String, AltNameValue)> {
    let printed = raw::general_name_print(name).map_err(|e| Error::from_stack(&e, table))?;
    let line = first_line(&printed);
    let c_len = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    match line[..c_len].iter().position(|&b| b == b':') {
        Some(colon) => Ok((
            decode_utf8(&line[..colon])?,
            AltNameValue::Text(decode_utf8(&line[colon + 1..])?),
        )),
        None => {
            let shown = String::from_utf8_lossy(&line[..c_len.min(200)]);
            Err(Error::value(format!("Invalid value {shown}")))
        }
    }
}

/// URIs of the authority-information-access entries whose method is `method`.
fn access_uris(cert: &X509Ref, method: Nid, table: MnemonicTable) -> Result<Option<Vec<String>>> {
    let Some(info) = cert.authority_info() else {
        return Ok(None);
    };
    let mut uris = Vec::new();
    for access in &info {
        let location = access.location();
        if access.method().nid() != method || raw::general_name_type(location) != raw::GEN_URI {
            continue;
        }
        if let GeneralNameData::Bytes(b) =
            raw::general_name_data(location).map_err(|e| Error::from_stack(&e, table))?
        {
            uris.push(decode_utf8(b)?);
        }
    }
    Ok((!uris.is_empty()).then_some(uris))
}

/// URIs of the full names of all CRL distribution points; points without a name (or with a
/// relative name) are skipped.
fn crl_uris(cert: &X509Ref, table: MnemonicTable) -> Result<Option<Vec<String>>> {
    let Some(points) = cert.crl_distribution_points() else {
        return Ok(None);
    };
    let mut uris = Vec::new();
    for point in &points {
        let Some(names) = point.distpoint().and_then(|p| p.fullname()) else {
            continue;
        };
        for name in names {
            if raw::general_name_type(name) != raw::GEN_URI {
                continue;
            }
            if let GeneralNameData::Bytes(b) =
                raw::general_name_data(name).map_err(|e| Error::from_stack(&e, table))?
            {
                uris.push(decode_utf8(b)?);
            }
        }
    }
    Ok((!uris.is_empty()).then_some(uris))
}

/// Strict UTF-8 decoding as CPython's `PyUnicode_FromStringAndSize`, failing with Python's
/// `UnicodeDecodeError`.
fn decode_utf8(bytes: &[u8]) -> Result<String> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|e| Error::utf8_decode(bytes, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_errors_read_like_python() {
        let e = decode_utf8(b"a\xffb").unwrap_err();
        assert_eq!(e.python_type(), "UnicodeDecodeError");
        assert_eq!(
            e.python_str(),
            "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"
        );
        let e = decode_utf8(b"ab\xe2\x82").unwrap_err();
        assert_eq!(
            e.python_str(),
            "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data"
        );
        let e = decode_utf8(b"\xe2\x28").unwrap_err();
        assert_eq!(
            e.python_str(),
            "'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte"
        );
        assert_eq!(decode_utf8(b"a\0b").unwrap(), "a\0b");
    }
}
