//! The values [`SslContext`](crate::SslContext) methods take and return beyond plain
//! attributes: CA data, passwords, store and session statistics, cipher descriptions. They
//! sit below the context, the store and `ffi`, which fill them, and depend on nothing but
//! the error and Python value types.

use crate::error::Result;
use crate::pyvalue::{PyValue, dict};

/// CA certificates given as data rather than files: the `cadata=` argument of
/// [`SslContext::load_verify_locations`](crate::SslContext::load_verify_locations) and of
/// [`create_default_context_with`](crate::create_default_context_with).
///
/// Python accepts a `str` of PEM text or a bytes-like object of DER, and parses them
/// differently: PEM is read block by block until no further `BEGIN CERTIFICATE` line is
/// found, DER certificate after certificate until the data runs out. As in CPython, a `str`
/// that is not ASCII is a `TypeError`, and data holding no certificate at all is an
/// `SSLError` whose text says which format was expected.
///
/// ```python
/// ctx.load_verify_locations(cadata="not a certificate")  # SSLError: no start line: ...
/// ctx.load_verify_locations(cadata=b"junk")               # SSLError: not enough data: ...
/// ctx.load_verify_locations(cadata="café")                # TypeError
/// ```
/// ```
/// use pyssl::{CaData, PROTOCOL_TLS_CLIENT, SslContext};
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = SslContext::new(PROTOCOL_TLS_CLIENT)?;
/// let load = |data| ctx.load_verify_locations(None, None, Some(data)).unwrap_err();
/// let e = load(CaData::Pem("not a certificate"));
/// assert_eq!(e.python_type(), "SSLError");
/// assert_eq!(e.python_str(), "no start line: cadata does not contain a certificate");
/// let e = load(CaData::Der(b"junk"));
/// assert_eq!(e.python_str(), "not enough data: cadata does not contain a certificate");
/// let e = load(CaData::Pem("café"));
/// assert_eq!(e.python_type(), "TypeError");
/// assert_eq!(e.python_str(), "cadata should be an ASCII string or a bytes-like object");
/// # Ok(()) }
/// ```
#[doc(alias = "PEM_read_bio_X509", alias = "d2i_X509_bio")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaData<'a> {
    /// `cadata="-----BEGIN CERTIFICATE-----..."`: PEM text (must be ASCII).
    Pem(&'a str),
    /// `cadata=b"\x30\x82..."`: DER, possibly several certificates back to back.
    Der(&'a [u8]),
}

impl CaData<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            CaData::Pem(s) => s.is_empty(),
            CaData::Der(b) => b.is_empty(),
        }
    }
}

/// The `password` argument of
/// [`SslContext::load_cert_chain`](crate::SslContext::load_cert_chain): what decrypts an
/// encrypted private key.
///
/// A callback is called only if OpenSSL meets an encrypted key, and an error it returns is
/// what `load_cert_chain` returns, just as an exception raised by the Python callable
/// propagates out of CPython's method. A password longer than OpenSSL's 1024-byte buffer is a
/// `ValueError` ("password cannot be longer than 1024 bytes"), as in CPython.
///
/// ```python
/// ctx.load_cert_chain("cert.pem", "key.pem", password="secret")
/// def ask():
///     raise ValueError("no password today")
/// ctx.load_cert_chain("cert.pem", "key.pem", password=ask)  # ValueError: no password today
/// ```
/// ```
/// # use openssl::{asn1::Asn1Time, ec::{EcGroup, EcKey}, hash::MessageDigest, nid::Nid};
/// # use openssl::{pkey::PKey, symm::Cipher, x509::{X509, X509NameBuilder}};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
/// # let mut name = X509NameBuilder::new()?;
/// # name.append_entry_by_text("CN", "localhost")?;
/// # let name = name.build();
/// # let mut cert = X509::builder()?;
/// # cert.set_version(2)?;
/// # cert.set_subject_name(&name)?;
/// # cert.set_issuer_name(&name)?;
/// # cert.set_pubkey(&key)?;
/// # cert.set_not_before(&*Asn1Time::days_from_now(0)?)?;
/// # cert.set_not_after(&*Asn1Time::days_from_now(1)?)?;
/// # cert.sign(&key, MessageDigest::sha256())?;
/// # let dir = tempfile::tempdir()?;
/// # let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
/// # std::fs::write(&cert_pem, cert.build().to_pem()?)?;
/// # let encrypted = key.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"secret")?;
/// # std::fs::write(&key_pem, encrypted)?;
/// use pyssl::{Error, Password, PROTOCOL_TLS_SERVER, SslContext};
///
/// let ctx = SslContext::new(PROTOCOL_TLS_SERVER)?;
/// ctx.load_cert_chain(&cert_pem, Some(&key_pem), Some(Password::text("secret")))?;
///
/// let mut ask = || Err(Error::value("no password today"));
/// let e = ctx.load_cert_chain(&cert_pem, Some(&key_pem), Some(Password::Callback(&mut ask)));
/// assert_eq!(e, Err(Error::value("no password today")));
///
/// let long = "x".repeat(2000);
/// let e = ctx.load_cert_chain(&cert_pem, Some(&key_pem), Some(Password::text(&long)));
/// assert_eq!(e.unwrap_err().python_str(), "password cannot be longer than 1024 bytes");
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_set_default_passwd_cb")]
pub enum Password<'a> {
    /// `password="..."` or `password=b"..."`: the password itself (a `str` is UTF-8 encoded).
    Bytes(&'a [u8]),
    /// `password=callable`: asked only if OpenSSL needs the password; its error propagates
    /// unchanged. It runs without the context's lock, so it may use the context, as a Python
    /// callback may. A panic in it fails the load like an error it returned, with
    /// `SystemError: the password callback panicked` (the panic does not cross OpenSSL).
    Callback(&'a mut dyn FnMut() -> Result<Vec<u8>>),
}

impl<'a> Password<'a> {
    /// `password="..."`: a text password, passed to OpenSSL as its UTF-8 bytes.
    ///
    /// ```python
    /// ctx.load_cert_chain("cert.pem", password="secret")
    /// ```
    /// ```
    /// let password = pyssl::Password::text("secret");
    /// assert!(matches!(password, pyssl::Password::Bytes(b"secret")));
    /// ```
    pub fn text(text: &'a str) -> Password<'a> {
        Password::Bytes(text.as_bytes())
    }
}

/// What `ctx.cert_store_stats()` returns: `{'x509': n, 'crl': n, 'x509_ca': n}`.
///
/// As in CPython, the counts cover what the store holds now. Certificates in a `capath`
/// directory are only loaded (and counted) once a handshake has looked them up.
///
/// ```python
/// ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).cert_store_stats()
/// # {'x509': 0, 'crl': 0, 'x509_ca': 0}
/// ```
/// ```
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
/// let stats = ctx.cert_store_stats();
/// assert_eq!(stats, pyssl::CertStoreStats { x509: 0, crl: 0, x509_ca: 0 });
/// assert_eq!(stats.to_py().python_repr(), "{'x509': 0, 'crl': 0, 'x509_ca': 0}");
/// # Ok(()) }
/// ```
#[doc(alias = "X509_STORE_get0_objects")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CertStoreStats {
    /// `'x509'`: certificates in the store.
    pub x509: u64,
    /// `'crl'`: certificate revocation lists in the store.
    pub crl: u64,
    /// `'x509_ca'`: certificates that are CAs according to `X509_check_ca`.
    pub x509_ca: u64,
}

impl CertStoreStats {
    /// The Python dict, keys in CPython's order.
    ///
    /// ```python
    /// ctx.cert_store_stats()
    /// ```
    /// ```
    /// use pyssl::{CertStoreStats, PyValue};
    /// let stats = CertStoreStats { x509: 2, crl: 0, x509_ca: 1 };
    /// assert_eq!(stats.to_py().get("x509_ca"), Some(&PyValue::Int(1)));
    /// assert_eq!(stats.to_py().python_repr(), "{'x509': 2, 'crl': 0, 'x509_ca': 1}");
    /// ```
    pub fn to_py(&self) -> PyValue {
        dict([
            ("x509", PyValue::Int(self.x509.into())),
            ("crl", PyValue::Int(self.crl.into())),
            ("x509_ca", PyValue::Int(self.x509_ca.into())),
        ])
    }
}

/// What `ctx.session_stats()` returns: OpenSSL's session-cache counters, as
/// `(key, value)` pairs in CPython's key order (`number`, `connect`, `connect_good`, ...).
///
/// ```python
/// ctx.session_stats()["number"]   # 0
/// ```
/// ```
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
/// let stats = ctx.session_stats();
/// assert_eq!(stats.0[0], ("number", 0));
/// assert_eq!(stats.0.len(), 11);
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_sess_number")]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionStats(pub Vec<(&'static str, i64)>);

impl SessionStats {
    /// The Python dict, keys in CPython's order.
    ///
    /// ```python
    /// ctx.session_stats()
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// assert_eq!(
    ///     ctx.session_stats().to_py().python_repr(),
    ///     "{'number': 0, 'connect': 0, 'connect_good': 0, 'connect_renegotiate': 0, \
    ///      'accept': 0, 'accept_good': 0, 'accept_renegotiate': 0, 'hits': 0, 'misses': 0, \
    ///      'timeouts': 0, 'cache_full': 0}"
    /// );
    /// # Ok(()) }
    /// ```
    pub fn to_py(&self) -> PyValue {
        PyValue::Dict(
            self.0
                .iter()
                .map(|(k, v)| (k.to_string(), PyValue::Int((*v).into())))
                .collect(),
        )
    }
}

/// One entry of `ctx.get_ciphers()`: a cipher suite the context would offer, with the keys of
/// CPython's dict as fields.
///
/// ```python
/// c = ctx.get_ciphers()[0]
/// c["name"], c["protocol"], c["aead"]   # ('TLS_AES_256_GCM_SHA384', 'TLSv1.3', True)
/// ```
/// ```
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
/// let first = &ctx.get_ciphers()?[0];
/// assert_eq!(first.name, "TLS_AES_256_GCM_SHA384");
/// assert_eq!(first.protocol, "TLSv1.3");
/// assert!(first.aead);
/// assert_eq!(first.digest, None);
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CIPHER_description", alias = "SSL_CIPHER")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CipherInfo {
    /// `'id'`: OpenSSL's cipher id (`SSL_CIPHER_get_id`).
    pub id: u32,
    /// `'name'`: OpenSSL's name for the suite.
    pub name: String,
    /// `'protocol'`: the protocol version that introduced the suite, e.g. `"TLSv1.3"`.
    pub protocol: String,
    /// `'description'`: OpenSSL's one-line description, without the trailing newline.
    pub description: String,
    /// `'strength_bits'`: effective key strength.
    pub strength_bits: i32,
    /// `'alg_bits'`: key size of the symmetric algorithm.
    pub alg_bits: i32,
    /// `'aead'`: whether the suite is an AEAD.
    pub aead: bool,
    /// `'symmetric'`: the symmetric cipher's long name, or `None`.
    pub symmetric: Option<String>,
    /// `'digest'`: the MAC digest's long name, or `None` for AEAD suites.
    pub digest: Option<String>,
    /// `'kea'`: the key exchange's long name.
    pub kea: Option<String>,
    /// `'auth'`: the authentication method's long name.
    pub auth: Option<String>,
}

impl CipherInfo {
    /// The Python dict, keys in CPython's order.
    ///
    /// ```python
    /// ctx.get_ciphers()[0]["symmetric"]   # 'aes-256-gcm'
    /// ```
    /// ```
    /// use pyssl::PyValue;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// let first = ctx.get_ciphers()?[0].to_py();
    /// assert_eq!(first.get("symmetric"), Some(&PyValue::Str("aes-256-gcm".into())));
    /// assert_eq!(first.get("digest"), Some(&PyValue::None));
    /// # Ok(()) }
    /// ```
    pub fn to_py(&self) -> PyValue {
        let opt = |v: &Option<String>| v.clone().map_or(PyValue::None, PyValue::Str);
        dict([
            ("id", PyValue::Int(self.id.into())),
            ("name", PyValue::Str(self.name.clone())),
            ("protocol", PyValue::Str(self.protocol.clone())),
            ("description", PyValue::Str(self.description.clone())),
            ("strength_bits", PyValue::Int(self.strength_bits.into())),
            ("alg_bits", PyValue::Int(self.alg_bits.into())),
            ("aead", PyValue::Bool(self.aead)),
            ("symmetric", opt(&self.symmetric)),
            ("digest", opt(&self.digest)),
            ("kea", opt(&self.kea)),
            ("auth", opt(&self.auth)),
        ])
    }
}

/// Which protocol bound a version setter sets: `minimum_version` or `maximum_version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionBound {
    /// `ctx.minimum_version` (`SSL_CTX_set_min_proto_version`).
    Minimum,
    /// `ctx.maximum_version` (`SSL_CTX_set_max_proto_version`).
    Maximum,
}
