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
//! | `ssl.match_hostname(cert, name)` (3.7–3.11) | [`match_hostname`]`(&cert, name, profile)?` |
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

mod decode;
mod hostname;
mod pem;
mod time;

pub use decode::{
    decode_cert_file, decode_cert_file_as, decode_certificate, decode_certificate_as,
};
pub use hostname::match_hostname;
pub use pem::{
    DER_cert_to_PEM_cert, PEM_FOOTER, PEM_HEADER, PEM_cert_to_DER_cert, der_cert_to_pem_cert_as,
    pem_cert_to_der_cert_as,
};
pub use time::{cert_time_to_seconds, cert_time_to_seconds_as};

use openssl::x509::X509;

use crate::error::{Error, Result};
use crate::pyvalue::PyValue;

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
        let table = crate::Profile::default().mnemonic_table();
        let cert = X509::from_der(der).map_err(|e| Error::from_stack(&e, table))?;
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
