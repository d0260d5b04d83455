//! Certificates as Python's `ssl` module shows them: the decoded certificate dict of
//! `getpeercert()` / `get_ca_certs()` / `_ssl._test_decode_cert()`, the DER↔PEM helpers and
//! `cert_time_to_seconds()`.
//!
//! | Python | Rust |
//! |---|---|
//! | `ssl._ssl._test_decode_cert(path)` | [`decode_cert_file`]`(path)?.to_py()` |
//! | `_decode_certificate(x509)` (C, behind `getpeercert()`) | [`decode_certificate`]`(&x509)?` |
//! | the same in Python 3.9 | [`decode_certificate_as`]`(&x509, Profile::PY39)?` |
//! | `ssl.DER_cert_to_PEM_cert(der)` | [`DER_cert_to_PEM_cert`]`(&der)` |
//! | `ssl.PEM_cert_to_DER_cert(pem)` | [`PEM_cert_to_DER_cert`]`(&pem)?` |
//! | `ssl.cert_time_to_seconds(t)` | [`cert_time_to_seconds`]`(t)?` |
//!
//! Text that CPython produces through OpenSSL printers (serial numbers, validity times, the
//! rarer general-name forms) is produced here by the same printers, so it follows the linked
//! OpenSSL exactly as the interpreter's does. Everything is checked against live CPython by
//! `tests/certificate.rs`.
//!
//! Known differences, all outside what certificates normally contain: the `RuntimeWarning`
//! CPython emits for a general-name type newer than OpenSSL 3.0 is not emitted (no such name
//! can be parsed by OpenSSL 3.0 anyway), and `repr()` in `cert_time_to_seconds` messages
//! escapes the non-printable *assigned* characters of Unicode 15.1 but shows unassigned code
//! points verbatim where Python would escape them.

use std::path::Path;

use openssl::nid::Nid;
use openssl::x509::{GeneralNameRef, X509, X509NameRef, X509Ref};

use crate::Profile;
use crate::error::{Error, Result};
use crate::ffi::x509::{self as raw, GeneralNameData, PemFileError};
use crate::pyvalue::PyValue;
use CharClass::{Digit, Is, Range};

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

/// The value of one name attribute: a `str`, or `bytes` when the ASN.1 value is a BIT STRING
/// (e.g. `x500UniqueIdentifier`).
///
/// ```python
/// ('commonName', 'localhost')                   # Text
/// ('x500UniqueIdentifier', b'\x01\x02')         # Bytes
/// ```
/// ```
/// use pyssl::certificate::AttributeValue;
/// assert_eq!(AttributeValue::Text("localhost".into()).to_py().python_repr(), "'localhost'");
/// assert_eq!(AttributeValue::Bytes(vec![1, 2]).to_py().python_repr(), "b'\\x01\\x02'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// `str` (`ASN1_STRING_to_UTF8`, embedded NULs kept).
    Text(String),
    /// `bytes` (the raw BIT STRING content).
    Bytes(Vec<u8>),
}

impl AttributeValue {
    /// The Python value (`str` or `bytes`).
    ///
    /// ```python
    /// 'localhost'
    /// ```
    /// ```
    /// # use pyssl::certificate::AttributeValue;
    /// assert_eq!(AttributeValue::Text("x".into()).to_py(), pyssl::PyValue::Str("x".into()));
    /// ```
    pub fn to_py(&self) -> PyValue {
        match self {
            AttributeValue::Text(s) => PyValue::Str(s.clone()),
            AttributeValue::Bytes(b) => PyValue::Bytes(b.clone()),
        }
    }
}

/// One relative distinguished name: its `(attribute name, value)` pairs. A multi-valued RDN
/// has several pairs. Names are OpenSSL long names (`'commonName'`) or dotted OIDs.
///
/// ```python
/// (('commonName', 'a'), ('organizationalUnitName', 'b'))
/// ```
/// ```
/// use pyssl::certificate::{AttributeValue, Rdn};
/// let rdn: Rdn = vec![("commonName".into(), AttributeValue::Text("a".into()))];
/// assert_eq!(rdn.len(), 1);
/// ```
pub type Rdn = Vec<(String, AttributeValue)>;

/// A distinguished name as Python shows it (`subject`, `issuer`, `DirName`): a sequence of RDNs.
///
/// ```python
/// ((('countryName', 'XY'),), (('commonName', 'localhost'),))
/// ```
/// ```
/// use pyssl::certificate::{AttributeValue, DistinguishedName};
/// let dn: DistinguishedName = vec![vec![("countryName".into(), AttributeValue::Text("XY".into()))]];
/// assert_eq!(pyssl::certificate::name_to_py(&dn).python_repr(), "((('countryName', 'XY'),),)");
/// ```
pub type DistinguishedName = Vec<Rdn>;

/// The value half of one `subjectAltName` entry: text, or a name for `DirName`.
///
/// ```python
/// ('DNS', 'localhost')                                  # Text
/// ('DirName', ((('commonName', 'dirname example'),),))  # DirName
/// ```
/// ```
/// use pyssl::certificate::AltNameValue;
/// assert_eq!(AltNameValue::Text("localhost".into()).to_py().python_repr(), "'localhost'");
/// assert_eq!(AltNameValue::DirName(vec![]).to_py().python_repr(), "()");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltNameValue {
    /// Every type but `DirName`: `'localhost'`, `'127.0.0.1'`, `'<unsupported>'`, ...
    Text(String),
    /// `DirName`: the directory name, shaped like `subject`.
    DirName(DistinguishedName),
}

impl AltNameValue {
    /// The Python value (`str` or a name tuple).
    ///
    /// ```python
    /// 'localhost'
    /// ```
    /// ```
    /// # use pyssl::certificate::AltNameValue;
    /// assert_eq!(AltNameValue::Text("x".into()).to_py(), pyssl::PyValue::Str("x".into()));
    /// ```
    pub fn to_py(&self) -> PyValue {
        match self {
            AltNameValue::Text(s) => PyValue::Str(s.clone()),
            AltNameValue::DirName(name) => name_to_py(name),
        }
    }
}

/// A name as Python's tuple of tuples of `(name, value)` pairs.
///
/// ```python
/// cert['subject']           # ((('commonName', 'localhost'),),)
/// ```
/// ```
/// use pyssl::certificate::{name_to_py, AttributeValue};
/// let dn = vec![vec![("commonName".to_string(), AttributeValue::Text("localhost".into()))]];
/// assert_eq!(name_to_py(&dn).python_repr(), "((('commonName', 'localhost'),),)");
/// ```
pub fn name_to_py(name: &DistinguishedName) -> PyValue {
    let rdn = |rdn: &Rdn| {
        let pairs = rdn
            .iter()
            .map(|(k, v)| PyValue::Tuple(vec![PyValue::Str(k.clone()), v.to_py()]));
        PyValue::Tuple(pairs.collect())
    };
    PyValue::Tuple(name.iter().map(rdn).collect())
}

/// The certificate dict of CPython's `_decode_certificate`, as typed fields. Optional keys
/// are `None` exactly when CPython leaves them out of the dict.
///
/// ```python
/// d = ssl._ssl._test_decode_cert("keycert3.pem")
/// d["serialNumber"], d.get("OCSP")
/// ```
/// ```
/// use pyssl::certificate::{AttributeValue, CertificateDict};
/// let d = CertificateDict {
///     subject: vec![vec![("commonName".into(), AttributeValue::Text("x".into()))]],
///     issuer: vec![],
///     version: 3,
///     serial_number: "02".into(),
///     not_before: "Jun 18 18:00:58 2018 GMT".into(),
///     not_after: "Jun 14 18:00:58 2028 GMT".into(),
///     subject_alt_name: None,
///     ocsp: None,
///     ca_issuers: None,
///     crl_distribution_points: None,
/// };
/// assert_eq!(
///     d.to_py().python_repr(),
///     "{'subject': ((('commonName', 'x'),),), 'issuer': (), 'version': 3, \
///      'serialNumber': '02', 'notBefore': 'Jun 18 18:00:58 2018 GMT', \
///      'notAfter': 'Jun 14 18:00:58 2028 GMT'}"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDict {
    /// `'subject'`.
    pub subject: DistinguishedName,
    /// `'issuer'`.
    pub issuer: DistinguishedName,
    /// `'version'`: `X509_get_version() + 1` (3 for a v3 certificate).
    pub version: i64,
    /// `'serialNumber'`: `i2a_ASN1_INTEGER` text (`'98A7CF88C74A32ED'`, `'00'`).
    pub serial_number: String,
    /// `'notBefore'`: `ASN1_TIME_print` text (`'Aug  7 13:12:52 2013 GMT'`).
    pub not_before: String,
    /// `'notAfter'`: same format as `not_before`.
    pub not_after: String,
    /// `'subjectAltName'`: `(type, value)` pairs, present when the extension decodes.
    pub subject_alt_name: Option<Vec<(String, AltNameValue)>>,
    /// `'OCSP'`: URIs of the authority-information-access OCSP entries, if any.
    pub ocsp: Option<Vec<String>>,
    /// `'caIssuers'`: URIs of the authority-information-access caIssuers entries, if any.
    pub ca_issuers: Option<Vec<String>>,
    /// `'crlDistributionPoints'`: full-name URIs of all CRL distribution points, if any.
    pub crl_distribution_points: Option<Vec<String>>,
}

impl CertificateDict {
    /// Decodes a DER certificate (`d2i_X509`) the way CPython decodes a peer certificate.
    ///
    /// ```python
    /// # no direct Python twin: getpeercert() decodes the peer's DER certificate
    /// ```
    /// ```
    /// let e = pyssl::CertificateDict::from_der(b"junk").unwrap_err();
    /// assert_eq!(e.python_type(), "SSLError");
    /// ```
    #[doc(alias = "d2i_X509")]
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert = X509::from_der(der).map_err(|e| Error::from_stack(&e))?;
        decode_certificate(&cert)
    }

    /// Python's dict, keys in CPython's order (`subject`, `issuer`, `version`,
    /// `serialNumber`, `notBefore`, `notAfter`, then the optional `subjectAltName`, `OCSP`,
    /// `caIssuers`, `crlDistributionPoints`), tuples as tuples.
    ///
    /// ```python
    /// repr(ssl._ssl._test_decode_cert(path))
    /// ```
    /// ```
    /// # use pyssl::certificate::{AltNameValue, CertificateDict};
    /// let d = CertificateDict {
    ///     subject: vec![], issuer: vec![], version: 1, serial_number: "00".into(),
    ///     not_before: "x".into(), not_after: "y".into(),
    ///     subject_alt_name: Some(vec![("DNS".into(), AltNameValue::Text("a".into()))]),
    ///     ocsp: None, ca_issuers: None, crl_distribution_points: Some(vec!["http://c".into()]),
    /// };
    /// let py = d.to_py();
    /// assert_eq!(py.get("subjectAltName").unwrap().python_repr(), "(('DNS', 'a'),)");
    /// assert_eq!(py.get("OCSP"), None);
    /// assert_eq!(py.get("crlDistributionPoints").unwrap().python_repr(), "('http://c',)");
    /// ```
    pub fn to_py(&self) -> PyValue {
        let strings = |v: &[String]| PyValue::Tuple(v.iter().cloned().map(PyValue::Str).collect());
        let mut items = vec![
            ("subject", name_to_py(&self.subject)),
            ("issuer", name_to_py(&self.issuer)),
            ("version", PyValue::Int(i128::from(self.version))),
            ("serialNumber", PyValue::Str(self.serial_number.clone())),
            ("notBefore", PyValue::Str(self.not_before.clone())),
            ("notAfter", PyValue::Str(self.not_after.clone())),
        ];
        if let Some(san) = &self.subject_alt_name {
            let pairs = san
                .iter()
                .map(|(k, v)| PyValue::Tuple(vec![PyValue::Str(k.clone()), v.to_py()]));
            items.push(("subjectAltName", PyValue::Tuple(pairs.collect())));
        }
        let optional = [
            ("OCSP", &self.ocsp),
            ("caIssuers", &self.ca_issuers),
            ("crlDistributionPoints", &self.crl_distribution_points),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                items.push((key, strings(v)));
            }
        }
        PyValue::Dict(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
}

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
    let printed = |text: std::result::Result<Vec<u8>, openssl::error::ErrorStack>| {
        text.map_err(|e| Error::from_stack(&e))
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
        ocsp: access_uris(cert, Nid::AD_OCSP)?,
        ca_issuers: access_uris(cert, Nid::AD_CA_ISSUERS)?,
        crl_distribution_points: crl_uris(cert)?,
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
/// let e = pyssl::certificate::decode_cert_file("/nonexistent.pem".as_ref()).unwrap_err();
/// assert_eq!((e.python_type(), e.python_str().as_str()), ("SSLError", "(\"Can't open file\",)"));
/// ```
#[doc(alias = "_test_decode_cert")]
#[doc(alias = "PEM_read_bio_X509")]
pub fn decode_cert_file(path: &Path) -> Result<CertificateDict> {
    decode_cert_file_as(path, Profile::default())
}

/// [`decode_cert_file`] as the given CPython release decodes (see [`decode_certificate_as`]).
///
/// ```python
/// ssl._ssl._test_decode_cert("/nonexistent.pem")  # any release: SSLError: ("Can't open file",)
/// ```
/// ```
/// use pyssl::{certificate::decode_cert_file_as, Profile};
/// let e = decode_cert_file_as("/nonexistent.pem".as_ref(), Profile::PY37).unwrap_err();
/// assert_eq!(e.python_str(), "(\"Can't open file\",)");
/// ```
pub fn decode_cert_file_as(path: &Path, profile: Profile) -> Result<CertificateDict> {
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
    let mut rdns = DistinguishedName::new();
    let mut current = Rdn::new();
    let mut current_set = None;
    for entry in name.entries() {
        let set = raw::name_entry_set(entry);
        if current_set.is_some_and(|s| s != set) {
            rdns.push(std::mem::take(&mut current));
        }
        current_set = Some(set);
        let key = raw::obj2txt(entry.object(), false).map_err(|e| Error::from_stack(&e))?;
        let key = decode_utf8(&key)?;
        let data = entry.data();
        let bit_string = raw::asn1_string_type(data) == raw::V_ASN1_BIT_STRING;
        let value = if bit_string && profile.name_bit_strings_as_bytes {
            AttributeValue::Bytes(data.as_slice().to_vec())
        } else {
            let utf8 = raw::asn1_string_to_utf8(data).map_err(|e| Error::from_stack(&e))?;
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
    let data = raw::general_name_data(name).map_err(|e| Error::from_stack(&e))?;
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
        _ => return printed_general_name(name),
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
fn printed_general_name(name: &GeneralNameRef) -> Result<(String, AltNameValue)> {
    let printed = raw::general_name_print(name).map_err(|e| Error::from_stack(&e))?;
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
fn access_uris(cert: &X509Ref, method: Nid) -> Result<Option<Vec<String>>> {
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
            raw::general_name_data(location).map_err(|e| Error::from_stack(&e))?
        {
            uris.push(decode_utf8(b)?);
        }
    }
    Ok((!uris.is_empty()).then_some(uris))
}

/// URIs of the full names of all CRL distribution points; points without a name (or with a
/// relative name) are skipped.
fn crl_uris(cert: &X509Ref) -> Result<Option<Vec<String>>> {
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
                raw::general_name_data(name).map_err(|e| Error::from_stack(&e))?
            {
                uris.push(decode_utf8(b)?);
            }
        }
    }
    Ok((!uris.is_empty()).then_some(uris))
}

/// `ssl.DER_cert_to_PEM_cert(der)`: base64 in 64-character lines between the PEM header and
/// footer, with one trailing newline. The bytes are not checked to be a certificate.
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
    let encoded = base64_encode(der);
    let mut pem = String::with_capacity(encoded.len() * 65 / 64 + 60);
    pem.push_str(PEM_HEADER);
    for line in encoded.as_bytes().chunks(64) {
        pem.push('\n');
        pem.extend(line.iter().map(|&b| char::from(b)));
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
    if let Some((start, first)) = body.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        let run = body
            .chars()
            .skip(start)
            .take_while(|c| !c.is_ascii())
            .count();
        let reason = "ordinal not in range(128)";
        let message = if run == 1 {
            let code = u32::from(first);
            let shown = match code {
                0..=0xff => format!("\\x{code:02x}"),
                0x100..=0xffff => format!("\\u{code:04x}"),
                _ => format!("\\U{code:08x}"),
            };
            format!("'ascii' codec can't encode character '{shown}' in position {start}: {reason}")
        } else {
            let last = start + run - 1;
            format!("'ascii' codec can't encode characters in position {start}-{last}: {reason}")
        };
        return Err(Error::unicode("UnicodeEncodeError", message));
    }
    base64_decode(body.as_bytes())
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
fn base64_decode(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    // Position inside the current group of four, bits carried over, '=' seen in this group.
    let (mut slot, mut carry, mut pads) = (0usize, 0u8, 0usize);
    for &byte in text {
        if byte == b'=' {
            if slot >= 2 {
                pads += 1;
                if slot + pads >= 4 {
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

/// The format `cert_time_to_seconds` hands to `time.strptime` (after the month).
const TIME_FORMAT: &str = " %d %H:%M:%S %Y GMT";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ssl.cert_time_to_seconds(cert_time)`: seconds since the epoch for a certificate time
/// such as `"Jan  5 09:34:43 2018 GMT"` (the `notBefore`/`notAfter` format).
///
/// Reproduces the quirks of the Python code: the month is matched case-insensitively on the
/// first three characters, the rest goes through `time.strptime(rest, " %d %H:%M:%S %Y GMT")`
/// (any whitespace run matches a space, seconds 60 and 61 are accepted, `GMT` is
/// case-insensitive, Unicode digits count in the year), and the day is never checked against
/// the month (`"Feb 31"` is March 3). Errors are `ValueError`s with Python's texts.
///
/// ```python
/// ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT")   # 1515144883
/// ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 UTC")
/// # ValueError: time data '  5 09:34:43 2018 UTC' does not match format ' %d %H:%M:%S %Y GMT'
/// ```
/// ```
/// use pyssl::cert_time_to_seconds;
/// assert_eq!(cert_time_to_seconds("Jan  5 09:34:43 2018 GMT").unwrap(), 1515144883);
/// let e = cert_time_to_seconds("Jan  5 09:34:43 2018 UTC").unwrap_err();
/// assert_eq!(e.python_type(), "ValueError");
/// assert_eq!(
///     e.python_str(),
///     "time data '  5 09:34:43 2018 UTC' does not match format ' %d %H:%M:%S %Y GMT'"
/// );
/// ```
pub fn cert_time_to_seconds(cert_time: &str) -> Result<i64> {
    let chars: Vec<char> = cert_time.chars().collect();
    let month = chars.get(..3).and_then(|m| {
        // str.title() on three characters; only 'ſ' (titlecased to 'S') leaves ASCII behind.
        let first = match m[0] {
            'ſ' => 'S',
            c => c.to_ascii_uppercase(),
        };
        let title: String = [first, m[1].to_ascii_lowercase(), m[2].to_ascii_lowercase()]
            .iter()
            .collect();
        MONTHS.iter().position(|&name| name == title)
    });
    let Some(month) = month else {
        return Err(Error::value(format!(
            "time data {} does not match format \"%b{TIME_FORMAT}\"",
            py_repr(cert_time)
        )));
    };
    let data = &chars[3..];
    let mut groups = Vec::with_capacity(5);
    let Some(end) = match_pieces(TIME_PATTERN, data, 0, &mut groups) else {
        let data: String = data.iter().collect();
        return Err(Error::value(format!(
            "time data {} does not match format {}",
            py_repr(&data),
            py_repr(TIME_FORMAT)
        )));
    };
    if end != data.len() {
        let rest: String = data[end..].iter().collect();
        return Err(Error::value(format!("unconverted data remains: {rest}")));
    }
    let number = |(from, to): (usize, usize)| -> i64 {
        data[from..to]
            .iter()
            .filter_map(|&c| decimal_value(c))
            .fold(0, |n, d| n * 10 + i64::from(d))
    };
    let [day, hour, minute, second, year] = [0, 1, 2, 3, 4].map(|i| number(groups[i]));
    if year == 0 {
        // strptime computes the day of the year through datetime.date, which rejects year 0.
        return Err(Error::value("year 0 is out of range"));
    }
    let days = days_from_civil(year, month as i64 + 1) + day - 1;
    Ok(((days * 24 + hour) * 60 + minute) * 60 + second)
}

/// Days from 1970-01-01 to the first day of `month` (1-12) of `year` (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64) -> i64 {
    // Count years from March so that the leap day ends the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// One position of a `strptime` directive's regular expression.
#[derive(Clone, Copy)]
enum CharClass {
    Is(char),
    Range(char, char),
    /// `\d`: any Unicode decimal digit.
    Digit,
}

impl CharClass {
    fn matches(self, c: char) -> bool {
        match self {
            CharClass::Is(x) => c == x,
            CharClass::Range(lo, hi) => (lo..=hi).contains(&c),
            CharClass::Digit => decimal_value(c).is_some(),
        }
    }
}

/// The pieces of `_strptime`'s regex for [`TIME_FORMAT`] (case-insensitive).
enum Piece {
    /// `\s+`, greedy.
    Spaces,
    /// A captured alternation of fixed-length branches, tried in order.
    Group(&'static [&'static [CharClass]]),
    /// One literal character (ASCII case-insensitive).
    Literal(char),
}

const DAY: &[&[CharClass]] = &[
    &[Is('3'), Range('0', '1')],
    &[Range('1', '2'), Digit],
    &[Is('0'), Range('1', '9')],
    &[Range('1', '9')],
    &[Is(' '), Range('1', '9')],
];
const HOUR: &[&[CharClass]] = &[
    &[Is('2'), Range('0', '3')],
    &[Range('0', '1'), Digit],
    &[Digit],
];
const MINUTE: &[&[CharClass]] = &[&[Range('0', '5'), Digit], &[Digit]];
const SECOND: &[&[CharClass]] = &[
    &[Is('6'), Range('0', '1')],
    &[Range('0', '5'), Digit],
    &[Digit],
];
const YEAR: &[&[CharClass]] = &[&[Digit, Digit, Digit, Digit]];

const TIME_PATTERN: &[Piece] = &[
    Piece::Spaces,
    Piece::Group(DAY),
    Piece::Spaces,
    Piece::Group(HOUR),
    Piece::Literal(':'),
    Piece::Group(MINUTE),
    Piece::Literal(':'),
    Piece::Group(SECOND),
    Piece::Spaces,
    Piece::Group(YEAR),
    Piece::Spaces,
    Piece::Literal('G'),
    Piece::Literal('M'),
    Piece::Literal('T'),
];

/// Backtracking match of `pieces` at `pos` (like `re.match`, first success in priority
/// order); returns the end position and leaves the captured spans in `groups`.
fn match_pieces(
    pieces: &[Piece],
    text: &[char],
    pos: usize,
    groups: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    let Some((piece, rest)) = pieces.split_first() else {
        return Some(pos);
    };
    match piece {
        Piece::Spaces => {
            let run = text[pos..].iter().take_while(|&&c| is_py_space(c)).count();
            (1..=run)
                .rev()
                .find_map(|n| match_pieces(rest, text, pos + n, groups))
        }
        Piece::Literal(l) => match text.get(pos) {
            Some(c) if c.eq_ignore_ascii_case(l) => match_pieces(rest, text, pos + 1, groups),
            _ => None,
        },
        Piece::Group(branches) => {
            for branch in *branches {
                let end = pos + branch.len();
                let fits = text
                    .get(pos..end)
                    .is_some_and(|s| branch.iter().zip(s).all(|(class, &c)| class.matches(c)));
                if fits {
                    groups.push((pos, end));
                    if let Some(done) = match_pieces(rest, text, end, groups) {
                        return Some(done);
                    }
                    groups.pop();
                }
            }
            None
        }
    }
}

/// `str.isspace()` (what `\s` and `str.strip()` use).
fn is_py_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..=' ' | '\u{85}' | '\u{a0}' | '\u{1680}')
        || matches!(
            c,
            '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}'
        )
        || matches!(c, '\u{205f}' | '\u{3000}')
}

/// First code point of each run of ten decimal digits (Unicode 15.1, category Nd).
const DIGIT_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
    0x1FBF0,
];

/// The value of a Unicode decimal digit (what `\d` matches and `int()` reads).
fn decimal_value(c: char) -> Option<u32> {
    let code = u32::from(c);
    let i = DIGIT_ZEROS
        .partition_point(|&zero| zero <= code)
        .checked_sub(1)?;
    let value = code - DIGIT_ZEROS[i];
    (value < 10).then_some(value)
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

/// Python's `repr()` of a `str`.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
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

/// Strict UTF-8 decoding as CPython's `PyUnicode_FromStringAndSize`, failing with Python's
/// `UnicodeDecodeError` text.
fn decode_utf8(bytes: &[u8]) -> Result<String> {
    let error = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_owned()),
        Err(e) => e,
    };
    let start = error.valid_up_to();
    let (end, reason) = match error.error_len() {
        None => (bytes.len(), "unexpected end of data"),
        Some(n) => {
            let lead = bytes[start];
            let bad_lead = (0x80..=0xc1).contains(&lead) || lead >= 0xf5;
            (
                start + n,
                if bad_lead {
                    "invalid start byte"
                } else {
                    "invalid continuation byte"
                },
            )
        }
    };
    let message = if end - start == 1 {
        format!(
            "'utf-8' codec can't decode byte 0x{:02x} in position {start}: {reason}",
            bytes[start]
        )
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: {reason}",
            end - 1
        )
    };
    Err(Error::unicode("UnicodeDecodeError", message))
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

    #[test]
    fn repr_escapes_like_python() {
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(
            py_repr("\u{3000}\u{e9}\0\u{200b}\u{1f600}"),
            "'\\u3000é\\x00\\u200b\u{1f600}'"
        );
    }

    #[test]
    fn base64_round_trip_and_digits() {
        for n in 0..70u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(
                base64_decode(base64_encode(&data).as_bytes()).unwrap(),
                data
            );
        }
        assert_eq!(decimal_value('٣'), Some(3));
        assert_eq!(decimal_value('a'), None);
        assert_eq!(decimal_value('\u{1fbf9}'), Some(9));
        assert_eq!(days_from_civil(1970, 1), 0);
        assert_eq!(days_from_civil(2000, 3), 11_017);
    }
}
