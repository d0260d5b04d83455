//! [`SslContext`]: Python's `ssl.SSLContext`, and [`create_default_context`].
//!
//! # Threading model
//!
//! Python lets a context be reconfigured at any time, even while connections made from it are
//! handshaking on other threads. An `SSL_CTX` is not safe to mutate concurrently with
//! `SSL_new` or with another mutation, so:
//!
//! * every `SSL_CTX` mutation runs under the write half of one `RwLock` per context, and every
//!   read (getters, `get_ciphers`, and — in the connections layer — `SSL_new`) under the read
//!   half. Mutation is therefore serialized against connection creation;
//! * what a live handshake reads from the `SSL_CTX` after `SSL_new` is either copied into the
//!   `SSL` at `SSL_new` (options, verify mode and params, cipher list, ALPN list), guarded by
//!   OpenSSL's own lock (the `X509_STORE`, which pyssl only ever adds to and never frees or
//!   replaces while the context lives), or reached through a trampoline installed once whose
//!   target lives in a mutex-guarded slot (key log, ALPN selection, SNI; see `callbacks`);
//! * the password callback of `load_cert_chain` is installed only for the duration of that
//!   call, under the write lock, and only `SSL_CTX_use_*` calls of that same call use it.
//!
//! `SslContext` is therefore `Send + Sync`, and all methods take `&self`, like Python's.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use openssl::ssl::{SslContextBuilder, SslContextRef, SslMode, SslVerifyMode};

use crate::callbacks::{self, PasswordSource, PasswordState, Slots, SniCallback};
use crate::certificate::{CertificateDict, decode_certificate};
use crate::constants::{
    Options, Protocol, Purpose, TlsVersion, VerifyFlags, VerifyMode, hostflags,
};
use crate::error::{Error, ErrorKind, Result, py_repr_str};
use crate::ffi;
use crate::profiles::{IntConversion, Profile, SessionIdContext};
use crate::pyvalue::{PyValue, dict};

/// The highest version OpenSSL was built with (`PY_PROTO_MAXIMUM_AVAILABLE`).
const MAXIMUM_AVAILABLE: i32 = openssl_sys::TLS1_3_VERSION;
/// The lowest version OpenSSL was built with (`PY_PROTO_MINIMUM_AVAILABLE`).
#[cfg(pyssl_no_ssl3)]
const MINIMUM_AVAILABLE: i32 = openssl_sys::TLS1_VERSION;
#[cfg(not(pyssl_no_ssl3))]
const MINIMUM_AVAILABLE: i32 = openssl_sys::SSL3_VERSION;

/// CA data for [`SslContext::load_verify_locations`]: Python's `str` (PEM text) or
/// bytes-like (DER, possibly several certificates back to back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaData<'a> {
    /// `cadata="-----BEGIN CERTIFICATE-----..."` (must be ASCII).
    Pem(&'a str),
    /// `cadata=b"\x30\x82..."`.
    Der(&'a [u8]),
}

impl CaData<'_> {
    fn is_empty(&self) -> bool {
        match self {
            CaData::Pem(s) => s.is_empty(),
            CaData::Der(b) => b.is_empty(),
        }
    }
}

/// The `password` argument of [`SslContext::load_cert_chain`].
pub enum Password<'a> {
    /// A `str` (UTF-8 encoded) or `bytes` password.
    Bytes(&'a [u8]),
    /// A callable, asked only if OpenSSL needs the password; its error propagates unchanged.
    Callback(&'a mut dyn FnMut() -> Result<Vec<u8>>),
}

impl<'a> Password<'a> {
    /// `password="..."`.
    pub fn text(text: &'a str) -> Password<'a> {
        Password::Bytes(text.as_bytes())
    }
}

/// Arguments of [`create_default_context_with`] beyond the purpose.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions<'a> {
    /// `cafile=`.
    pub cafile: Option<&'a Path>,
    /// `capath=`.
    pub capath: Option<&'a Path>,
    /// `cadata=`.
    pub cadata: Option<CaData<'a>>,
    /// Which CPython release to behave like (default: the newest).
    pub profile: Profile,
}

/// `ssl.create_default_context(purpose)` with the default (newest) profile.
///
/// ```python
/// ctx = ssl.create_default_context()
/// ```
/// ```
/// let ctx = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH).unwrap();
/// assert_eq!(ctx.verify_mode(), pyssl::CERT_REQUIRED);
/// assert!(ctx.check_hostname());
/// ```
pub fn create_default_context(purpose: Purpose) -> Result<SslContext> {
    create_default_context_with(purpose, CreateOptions::default())
}

/// `ssl.create_default_context(purpose, cafile=..., capath=..., cadata=...)` under a profile.
///
/// ```python
/// ctx = ssl.create_default_context(cafile="ca.pem")
/// ```
/// ```no_run
/// use pyssl::{create_default_context_with, CreateOptions, Purpose};
/// let ctx = create_default_context_with(
///     Purpose::SERVER_AUTH,
///     CreateOptions { cafile: Some("ca.pem".as_ref()), ..Default::default() },
/// ).unwrap();
/// ```
pub fn create_default_context_with(
    purpose: Purpose,
    opts: CreateOptions<'_>,
) -> Result<SslContext> {
    let profile = opts.profile;
    let protocol = if purpose == Purpose::SERVER_AUTH {
        Protocol::PROTOCOL_TLS_CLIENT
    } else if purpose == Purpose::CLIENT_AUTH {
        Protocol::PROTOCOL_TLS_SERVER
    } else {
        return Err(Error::value(purpose.to_string()));
    };
    let ctx = SslContext::with_profile(protocol, profile)?;
    if purpose == Purpose::SERVER_AUTH {
        ctx.set_verify_mode(VerifyMode::CERT_REQUIRED)?;
        ctx.set_check_hostname(true);
    }
    if !profile.default_context_verify_flags.is_empty() {
        ctx.set_verify_flags(ctx.verify_flags() | profile.default_context_verify_flags)?;
    }
    let cafile = opts.cafile.filter(|p| !p.as_os_str().is_empty());
    let capath = opts.capath.filter(|p| !p.as_os_str().is_empty());
    let cadata = opts.cadata.filter(|d| !d.is_empty());
    if cafile.is_some() || capath.is_some() || cadata.is_some() {
        ctx.load_verify_locations(cafile, capath, cadata)?;
    } else if ctx.verify_mode() != VerifyMode::CERT_NONE {
        ctx.load_default_certs(purpose)?;
    }
    if profile.honours_sslkeylogfile {
        if let Some(path) = std::env::var_os("SSLKEYLOGFILE").filter(|v| !v.is_empty()) {
            ctx.set_keylog_filename(Some(Path::new(&path)))?;
        }
    }
    Ok(ctx)
}

/// Python-side state CPython keeps next to the `SSL_CTX`.
struct Core {
    ctx: SslContextBuilder,
    check_hostname: bool,
    host_flags: u32,
    post_handshake_auth: bool,
    keylog_filename: Option<PathBuf>,
    keylog_installed: bool,
    alpn_installed: bool,
    sni_callback: Option<SniCallback>,
}

/// Python's `ssl.SSLContext`.
///
/// ```python
/// ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
/// ```
/// ```
/// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
/// assert_eq!(ctx.protocol(), pyssl::PROTOCOL_TLS_CLIENT);
/// ```
pub struct SslContext {
    protocol: Protocol,
    profile: Profile,
    slots: Arc<Slots>,
    core: RwLock<Core>,
}

impl std::fmt::Debug for SslContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SslContext")
            .field("protocol", &self.protocol)
            .field("profile", &self.profile.label())
            .field("options", &self.options())
            .field("verify_mode", &self.verify_mode())
            .field("check_hostname", &self.check_hostname())
            .finish()
    }
}

/// `cert_store_stats()`: `{'x509': n, 'crl': n, 'x509_ca': n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CertStoreStats {
    /// Certificates in the store.
    pub x509: u64,
    /// CRLs in the store.
    pub crl: u64,
    /// Certificates that are CAs (`X509_check_ca`).
    pub x509_ca: u64,
}

impl CertStoreStats {
    /// The Python dict.
    pub fn to_py(&self) -> PyValue {
        dict([
            ("x509", PyValue::Int(self.x509.into())),
            ("crl", PyValue::Int(self.crl.into())),
            ("x509_ca", PyValue::Int(self.x509_ca.into())),
        ])
    }
}

/// `session_stats()`: OpenSSL's session counters, in CPython's key order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionStats(pub Vec<(&'static str, i64)>);

impl SessionStats {
    /// The Python dict.
    pub fn to_py(&self) -> PyValue {
        PyValue::Dict(
            self.0
                .iter()
                .map(|(k, v)| (k.to_string(), PyValue::Int((*v).into())))
                .collect(),
        )
    }
}

/// One entry of `get_ciphers()`, with Python's dict keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CipherInfo {
    /// `id` (`SSL_CIPHER_get_id`).
    pub id: u32,
    /// `name`.
    pub name: String,
    /// `protocol`, e.g. `"TLSv1.3"`.
    pub protocol: String,
    /// `description` without the trailing newline.
    pub description: String,
    /// `strength_bits`.
    pub strength_bits: i32,
    /// `alg_bits`.
    pub alg_bits: i32,
    /// `aead`.
    pub aead: bool,
    /// `symmetric` (cipher long name) or `None`.
    pub symmetric: Option<String>,
    /// `digest` (long name) or `None` for AEAD suites.
    pub digest: Option<String>,
    /// `kea` (key exchange long name).
    pub kea: Option<String>,
    /// `auth` (authentication long name).
    pub auth: Option<String>,
}

impl CipherInfo {
    /// The Python dict.
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

/// Convert a path as `PyUnicode_FSConverter` does: any bytes but NUL.
fn path_cstring(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::value("embedded null byte"))
}

/// `_setSSLError(NULL, 0)`: an SSLError from the newest queued error, then clear the queue.
fn ssl_error_from_queue() -> Error {
    let code = ffi::err_peek_last();
    let reason = if code != 0 {
        ffi::err_reason_string(code)
    } else {
        None
    };
    ffi::err_clear();
    Error::from_openssl_code(ErrorKind::Ssl, code, reason.as_deref(), None)
}

/// After a failed file call: OSError from errno (no filename) if set, else from the queue.
fn file_error() -> Error {
    let errno = ffi::errno_get();
    if errno != 0 {
        ffi::err_clear();
        Error::os(errno, None)
    } else {
        ssl_error_from_queue()
    }
}

impl SslContext {
    /// `ssl.SSLContext(protocol)` under the default (newest) profile.
    ///
    /// ```python
    /// ssl.SSLContext(42)   # ValueError: invalid or unsupported protocol version 42
    /// ```
    /// ```
    /// let e = pyssl::SslContext::new(pyssl::Protocol(42)).unwrap_err();
    /// assert_eq!(e.python_str(), "invalid or unsupported protocol version 42");
    /// ```
    pub fn new(protocol: Protocol) -> Result<SslContext> {
        SslContext::with_profile(protocol, Profile::default())
    }

    /// `ssl.SSLContext(protocol)` as the given CPython release builds it.
    pub fn with_profile(protocol: Protocol, profile: Profile) -> Result<SslContext> {
        let Some(method) = ffi::method_for_protocol(protocol.0) else {
            return Err(Error::value(if profile.protocol_error_has_number {
                format!("invalid or unsupported protocol version {}", protocol.0)
            } else {
                "invalid or unsupported protocol version".to_string()
            }));
        };
        ffi::err_clear();
        let mut ctx = SslContextBuilder::new(method).map_err(|e| Error::from_stack(&e))?;
        let client = protocol == Protocol::PROTOCOL_TLS_CLIENT;
        ctx.set_verify(if client {
            SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
        } else {
            SslVerifyMode::NONE
        });
        let options = Options::ALL
            | Options::NO_SSLV2
            | Options::NO_SSLV3
            | Options::NO_COMPRESSION
            | Options::CIPHER_SERVER_PREFERENCE
            | Options::SINGLE_DH_USE
            | Options::SINGLE_ECDH_USE
            | profile.extra_options;
        ffi::ctx_update_options(&mut ctx, 0, options.bits());
        if ctx.set_cipher_list(profile.default_cipher_string).is_err() {
            ffi::err_clear();
            return Err(Error::ssl_single("No cipher can be selected."));
        }
        let flexible = matches!(protocol.0, 2 | 16 | 17);
        if let (Some(min), true) = (profile.default_minimum_version, flexible) {
            if !ffi::ctx_set_proto_version(&mut ctx, false, min.0) {
                ffi::err_clear();
                return Err(Error::value(format!(
                    "Failed to set minimum protocol 0x{:x}",
                    min.0
                )));
            }
        }
        ctx.set_mode(SslMode::RELEASE_BUFFERS);
        if profile.session_id_context == SessionIdContext::Context {
            ctx.set_session_id_context(b"Python\0")
                .map_err(|e| Error::from_stack(&e))?;
        }
        ffi::ctx_update_verify_flags(&mut ctx, 0, VerifyFlags::X509_TRUSTED_FIRST.bits());
        ffi::ctx_set_hostflags(&mut ctx, hostflags::NO_PARTIAL_WILDCARDS);
        ffi::ctx_set_post_handshake_auth(&mut ctx, false);
        let slots = callbacks::attach_slots(&mut ctx)?;
        Ok(SslContext {
            protocol,
            profile,
            slots,
            core: RwLock::new(Core {
                ctx,
                check_hostname: client,
                host_flags: hostflags::NO_PARTIAL_WILDCARDS,
                post_handshake_auth: false,
                keylog_filename: None,
                keylog_installed: false,
                alpn_installed: false,
                sni_callback: None,
            }),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Core> {
        // A panic while holding the lock cannot leave the SSL_CTX half-mutated in a way Rust
        // cares about (each mutation is one C call), so a poisoned lock is still usable.
        self.core.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Core> {
        self.core.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` with the `SSL_CTX` borrowed for reading (connection creation uses this).
    pub(crate) fn with_ctx<T>(&self, f: impl FnOnce(&SslContextRef) -> T) -> T {
        let core = self.read();
        f(ffi::builder_ref(&core.ctx))
    }

    /// The profile this context follows.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// `ctx.protocol`.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    // -- options --------------------------------------------------------------------------

    /// `ctx.options`.
    ///
    /// ```python
    /// ctx.options & ssl.OP_NO_SSLv3
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// assert!(ctx.options().contains(pyssl::OP_NO_SSLv3));
    /// ```
    pub fn options(&self) -> Options {
        Options::from_bits_retain(self.with_ctx(ffi::ctx_options))
    }

    /// `int(ctx.options)` as the profile's CPython reports it. 3.11 reads the bits as a
    /// signed C `long` and wraps the result in the `Options` IntFlag, which maps a negative
    /// value `v` (bit 63 set) to `max(2**32, 2**v.bit_length()) + v`; 3.12+ read unsigned.
    pub fn options_int(&self) -> i128 {
        let bits = self.options().bits();
        let signed = bits as i64;
        if self.profile.options_conversion == IntConversion::SignedLong && signed < 0 {
            let magnitude = -i128::from(signed);
            let bit_length = 128 - magnitude.leading_zeros();
            (1i128 << 32).max(1i128 << bit_length) + i128::from(signed)
        } else {
            i128::from(bits)
        }
    }

    /// `ctx.options = value`: clears the bits set now but not in `value`, sets the bits in
    /// `value` not set now (CPython's algorithm). Bits OpenSSL refuses to clear stay set.
    ///
    /// ```python
    /// ctx.options &= ~ssl.OP_NO_SSLv3
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_options(ctx.options() & !pyssl::OP_NO_SSLv3).unwrap();
    /// assert!(!ctx.options().contains(pyssl::OP_NO_SSLv3));
    /// ```
    pub fn set_options(&self, value: Options) -> Result<()> {
        let mut core = self.write();
        let current = ffi::ctx_options(ffi::builder_ref(&core.ctx));
        let new = value.bits();
        ffi::ctx_update_options(&mut core.ctx, current & !new, !current & new);
        Ok(())
    }

    /// `ctx.options = n` for a Python integer `n`, converted as the profile's CPython does
    /// (3.11: C `long`; 3.12+: unsigned 64-bit), with its OverflowErrors.
    pub fn set_options_int(&self, value: i128) -> Result<()> {
        let bits = match self.profile.options_conversion {
            IntConversion::SignedLong => i64::try_from(value)
                .map_err(|_| Error::overflow("Python int too large to convert to C long"))?
                as u64,
            IntConversion::UnsignedLongLong => {
                if value < 0 {
                    return Err(Error::overflow("can't convert negative int to unsigned"));
                }
                u64::try_from(value).map_err(|_| Error::overflow("int too big to convert"))?
            }
        };
        self.set_options(Options::from_bits_retain(bits))
    }

    // -- verification ---------------------------------------------------------------------

    /// `ctx.verify_mode`.
    pub fn verify_mode(&self) -> VerifyMode {
        let raw = self.with_ctx(ffi::ctx_verify_mode);
        let peer = openssl_sys::SSL_VERIFY_PEER;
        let fail = openssl_sys::SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        match raw & (peer | fail) {
            0 => VerifyMode::CERT_NONE,
            m if m == peer => VerifyMode::CERT_OPTIONAL,
            m if m == peer | fail => VerifyMode::CERT_REQUIRED,
            m => VerifyMode(m),
        }
    }

    /// `ctx.verify_mode = mode`.
    ///
    /// ```python
    /// ctx.verify_mode = ssl.CERT_NONE  # ValueError while check_hostname is on
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// let e = ctx.set_verify_mode(pyssl::CERT_NONE).unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// ctx.set_check_hostname(false);
    /// ctx.set_verify_mode(pyssl::CERT_NONE).unwrap();
    /// ```
    pub fn set_verify_mode(&self, mode: VerifyMode) -> Result<()> {
        let mut core = self.write();
        if mode == VerifyMode::CERT_NONE && core.check_hostname {
            return Err(Error::value(
                "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.",
            ));
        }
        set_verify_mode_locked(&mut core, mode)
    }

    /// `ctx.check_hostname`.
    pub fn check_hostname(&self) -> bool {
        self.read().check_hostname
    }

    /// `ctx.check_hostname = value`; turning it on upgrades `CERT_NONE` to `CERT_REQUIRED`.
    ///
    /// ```python
    /// ctx.check_hostname = False
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_check_hostname(false);
    /// ```
    pub fn set_check_hostname(&self, value: bool) {
        let mut core = self.write();
        if value
            && ffi::ctx_verify_mode(ffi::builder_ref(&core.ctx)) == openssl_sys::SSL_VERIFY_NONE
        {
            // Cannot fail: CERT_REQUIRED is a valid mode.
            let _ = set_verify_mode_locked(&mut core, VerifyMode::CERT_REQUIRED);
        }
        core.check_hostname = value;
    }

    /// `ctx.verify_flags`.
    pub fn verify_flags(&self) -> VerifyFlags {
        VerifyFlags::from_bits_retain(self.with_ctx(ffi::ctx_verify_flags))
    }

    /// `ctx.verify_flags = flags` (CPython's clear/set algorithm; OpenSSL may add bits).
    pub fn set_verify_flags(&self, flags: VerifyFlags) -> Result<()> {
        let mut core = self.write();
        let current = ffi::ctx_verify_flags(ffi::builder_ref(&core.ctx));
        let new = flags.bits();
        ffi::err_clear();
        if !ffi::ctx_update_verify_flags(&mut core.ctx, current & !new, !current & new) {
            return Err(ssl_error_from_queue());
        }
        Ok(())
    }

    /// `ctx._host_flags` (the `HOSTFLAG_*` bits applied to hostname checks).
    pub fn host_flags(&self) -> u32 {
        self.read().host_flags
    }

    /// `ctx._host_flags = flags`.
    pub fn set_host_flags(&self, flags: u32) {
        let mut core = self.write();
        core.host_flags = flags;
        ffi::ctx_set_hostflags(&mut core.ctx, flags);
    }

    /// `ctx.hostname_checks_common_name`.
    pub fn hostname_checks_common_name(&self) -> bool {
        self.host_flags() & hostflags::NEVER_CHECK_SUBJECT != hostflags::NEVER_CHECK_SUBJECT
    }

    /// `ctx.hostname_checks_common_name = value`.
    pub fn set_hostname_checks_common_name(&self, value: bool) {
        let flags = self.host_flags();
        self.set_host_flags(if value {
            flags & !hostflags::NEVER_CHECK_SUBJECT
        } else {
            flags | hostflags::NEVER_CHECK_SUBJECT
        });
    }

    /// `ctx.post_handshake_auth`.
    pub fn post_handshake_auth(&self) -> bool {
        self.read().post_handshake_auth
    }

    /// `ctx.post_handshake_auth = value` (applied to each new connection, as CPython does).
    pub fn set_post_handshake_auth(&self, value: bool) {
        self.write().post_handshake_auth = value;
    }

    // -- versions -------------------------------------------------------------------------

    /// `ctx.minimum_version`.
    pub fn minimum_version(&self) -> TlsVersion {
        match self.with_ctx(|c| ffi::ctx_proto_version(c, false)) {
            0 => TlsVersion::MINIMUM_SUPPORTED,
            v => TlsVersion(v),
        }
    }

    /// `ctx.maximum_version`.
    pub fn maximum_version(&self) -> TlsVersion {
        match self.with_ctx(|c| ffi::ctx_proto_version(c, true)) {
            0 => TlsVersion::MAXIMUM_SUPPORTED,
            v => TlsVersion(v),
        }
    }

    /// `ctx.minimum_version = version`.
    ///
    /// ```python
    /// ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_minimum_version(pyssl::TlsVersion::TLSv1_3).unwrap();
    /// assert_eq!(ctx.minimum_version(), pyssl::TlsVersion::TLSv1_3);
    /// ```
    pub fn set_minimum_version(&self, version: TlsVersion) -> Result<()> {
        self.set_version_bound(i64::from(version.0), false)
    }

    /// `ctx.maximum_version = version`.
    pub fn set_maximum_version(&self, version: TlsVersion) -> Result<()> {
        self.set_version_bound(i64::from(version.0), true)
    }

    /// `ctx.minimum_version = n` / `maximum_version = n` for any Python integer, with
    /// CPython's range errors ("Option is too long").
    pub fn set_version_bound_int(&self, value: i128, maximum: bool) -> Result<()> {
        let v = i64::try_from(value)
            .map_err(|_| Error::overflow("Python int too large to convert to C long"))?;
        self.set_version_bound(v, maximum)
    }

    fn set_version_bound(&self, v: i64, maximum: bool) -> Result<()> {
        if v > i64::from(i32::MAX) {
            return Err(Error::overflow("Option is too long"));
        }
        if !matches!(self.protocol.0, 2 | 16 | 17) {
            return Err(Error::value(
                "The context's protocol doesn't support modification of highest and lowest version.",
            ));
        }
        let v = v as i32;
        let known = [
            TlsVersion::SSLv3.0,
            TlsVersion::TLSv1.0,
            TlsVersion::TLSv1_1.0,
            TlsVersion::TLSv1_2.0,
            TlsVersion::TLSv1_3.0,
            TlsVersion::MINIMUM_SUPPORTED.0,
            TlsVersion::MAXIMUM_SUPPORTED.0,
        ];
        if !known.contains(&v) {
            return Err(Error::value(format!(
                "Unsupported TLS/SSL version 0x{:x}",
                v as u32
            )));
        }
        let raw = match (maximum, v) {
            (false, -2) => 0,
            (false, -1) => MAXIMUM_AVAILABLE,
            (true, -1) => 0,
            (true, -2) => MINIMUM_AVAILABLE,
            (_, v) => v,
        };
        let mut core = self.write();
        ffi::err_clear();
        if !ffi::ctx_set_proto_version(&mut core.ctx, maximum, raw) {
            ffi::err_clear();
            return Err(Error::value(format!(
                "Unsupported protocol version 0x{:x}",
                raw as u32
            )));
        }
        Ok(())
    }

    /// `ctx.security_level` (read-only in Python).
    pub fn security_level(&self) -> u32 {
        self.with_ctx(|c| c.security_level())
    }

    /// `ctx.num_tickets`.
    pub fn num_tickets(&self) -> usize {
        self.with_ctx(|c| c.num_tickets())
    }

    /// `ctx.num_tickets = n` (server contexts only).
    pub fn set_num_tickets(&self, n: i64) -> Result<()> {
        if n < 0 {
            return Err(Error::value("value must be non-negative"));
        }
        if self.protocol != Protocol::PROTOCOL_TLS_SERVER {
            return Err(Error::value("SSLContext is not a server context."));
        }
        let mut core = self.write();
        let n = usize::try_from(n).map_err(|_| Error::value("failed to set num tickets."))?;
        if core.ctx.set_num_tickets(n).is_err() {
            ffi::err_clear();
            return Err(Error::value("failed to set num tickets."));
        }
        Ok(())
    }

    // -- ciphers --------------------------------------------------------------------------

    /// `ctx.set_ciphers(cipherlist)`.
    ///
    /// ```python
    /// ctx.set_ciphers("ECDHE+AESGCM")
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_ciphers("ECDHE+AESGCM").unwrap();
    /// ```
    pub fn set_ciphers(&self, cipherlist: &str) -> Result<()> {
        if cipherlist.contains('\0') {
            return Err(Error::value("embedded null character"));
        }
        let mut core = self.write();
        if core.ctx.set_cipher_list(cipherlist).is_err() {
            ffi::err_clear();
            return Err(Error::ssl_single("No cipher can be selected."));
        }
        Ok(())
    }

    /// `ctx.get_ciphers()`.
    pub fn get_ciphers(&self) -> Result<Vec<CipherInfo>> {
        self.with_ctx(|c| {
            let ssl = openssl::ssl::Ssl::new(c).map_err(|e| Error::from_stack(&e))?;
            Ok(ffi::ssl_ciphers(&ssl)
                .into_iter()
                .map(|r| CipherInfo {
                    id: r.id,
                    name: r.name,
                    protocol: r.protocol,
                    description: r.description,
                    strength_bits: r.strength_bits,
                    alg_bits: r.alg_bits,
                    aead: r.aead,
                    symmetric: r.symmetric,
                    digest: r.digest,
                    kea: r.kea,
                    auth: r.auth,
                })
                .collect())
        })
    }

    // -- trust store ----------------------------------------------------------------------

    /// `ctx.load_verify_locations(cafile, capath, cadata)`: cadata first, then the files.
    /// Certificates loaded before a bad block stay loaded, as in CPython.
    ///
    /// ```python
    /// ctx.load_verify_locations(cadata=pem_text)
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// let e = ctx.load_verify_locations(None, None, Some(pyssl::CaData::Pem("junk"))).unwrap_err();
    /// assert_eq!(e.python_str(), "no start line: cadata does not contain a certificate");
    /// ```
    pub fn load_verify_locations(
        &self,
        cafile: Option<&Path>,
        capath: Option<&Path>,
        cadata: Option<CaData<'_>>,
    ) -> Result<()> {
        if cafile.is_none() && capath.is_none() && cadata.is_none() {
            return Err(Error::type_error(
                "cafile, capath and cadata cannot be all omitted",
            ));
        }
        let cafile = cafile.map(path_cstring).transpose()?;
        let capath = capath.map(path_cstring).transpose()?;
        let mut core = self.write();
        if let Some(data) = cadata {
            let (bytes, pem) = match data {
                CaData::Pem(s) if !s.is_ascii() => {
                    return Err(Error::type_error(
                        "cadata should be an ASCII string or a bytes-like object",
                    ));
                }
                CaData::Pem(s) => (s.as_bytes(), true),
                CaData::Der(b) => (b, false),
            };
            self.add_ca_certs(&mut core.ctx, bytes, pem)?;
        }
        if cafile.is_some() || capath.is_some() {
            ffi::err_clear();
            ffi::errno_clear();
            if !ffi::ctx_load_verify_locations(&mut core.ctx, cafile.as_ref(), capath.as_ref()) {
                return Err(file_error());
            }
        }
        Ok(())
    }

    /// CPython's `_add_ca_certs`: load every certificate of `data` into the store.
    fn add_ca_certs(&self, ctx: &mut SslContextBuilder, data: &[u8], pem: bool) -> Result<()> {
        if data.is_empty() {
            return Err(Error::value("Empty certificate data"));
        }
        let Some(mut bio) = ffi::MemBio::new(data) else {
            return Err(Error::overflow("Certificate data is too long."));
        };
        let strict = !pem && self.profile.der_cadata_strict_eof;
        ffi::err_clear();
        let mut loaded = 0usize;
        let mut hit_eof = false;
        loop {
            if strict && bio.eof() {
                hit_eof = true;
                break;
            }
            let cert = if pem {
                bio.read_pem_x509()
            } else {
                bio.read_der_x509()
            };
            let Some(cert) = cert else { break };
            if !ffi::ctx_store_add_cert(ctx, &cert) {
                let err = ffi::err_peek_last();
                let lib = openssl_sys::ERR_GET_LIB(err as _);
                let reason = openssl_sys::ERR_GET_REASON(err as _);
                if lib == ERR_LIB_X509 && reason == X509_R_CERT_ALREADY_IN_HASH_TABLE {
                    ffi::err_clear();
                } else {
                    break;
                }
            }
            loaded += 1;
        }
        let err = ffi::err_peek_last();
        let lib = openssl_sys::ERR_GET_LIB(err as _);
        let reason = openssl_sys::ERR_GET_REASON(err as _);
        if loaded == 0 {
            ffi::err_clear();
            let msg = if pem {
                "no start line: cadata does not contain a certificate"
            } else {
                "not enough data: cadata does not contain a certificate"
            };
            return Err(Error::ssl_with_errno(ErrorKind::Ssl, 0, msg));
        }
        let clean_end = if pem {
            lib == openssl_sys::ERR_LIB_PEM && reason == openssl_sys::PEM_R_NO_START_LINE
        } else if strict {
            hit_eof
        } else {
            lib == openssl_sys::ERR_LIB_ASN1 && reason == ASN1_R_HEADER_TOO_LONG
        };
        if clean_end || err == 0 {
            ffi::err_clear();
            Ok(())
        } else {
            Err(ssl_error_from_queue())
        }
    }

    /// `ctx.load_default_certs(purpose)`: on Linux, `set_default_verify_paths()`.
    pub fn load_default_certs(&self, _purpose: Purpose) -> Result<()> {
        self.set_default_verify_paths()
    }

    /// `ctx.set_default_verify_paths()` (honours `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    pub fn set_default_verify_paths(&self) -> Result<()> {
        let mut core = self.write();
        ffi::err_clear();
        if !ffi::ctx_set_default_verify_paths(&mut core.ctx) {
            return Err(ssl_error_from_queue());
        }
        Ok(())
    }

    /// `ctx.cert_store_stats()`.
    pub fn cert_store_stats(&self) -> CertStoreStats {
        let objects = self.with_ctx(|c| ffi::store_objects(c.cert_store()));
        let mut stats = CertStoreStats::default();
        for obj in &objects {
            match obj {
                ffi::StoreObject::Cert(x) => {
                    stats.x509 += 1;
                    if ffi::x509_is_ca(x) {
                        stats.x509_ca += 1;
                    }
                }
                ffi::StoreObject::Crl => stats.crl += 1,
            }
        }
        stats
    }

    fn ca_certs(&self) -> Vec<openssl::x509::X509> {
        self.with_ctx(|c| ffi::store_objects(c.cert_store()))
            .into_iter()
            .filter_map(|o| match o {
                ffi::StoreObject::Cert(x) if ffi::x509_is_ca(&x) => Some(x),
                _ => None,
            })
            .collect()
    }

    /// `ctx.get_ca_certs()`: the CA certificates of the store as Python's dicts.
    pub fn get_ca_certs(&self) -> Result<Vec<CertificateDict>> {
        self.ca_certs()
            .iter()
            .map(|x| decode_certificate(x))
            .collect()
    }

    /// `ctx.get_ca_certs(binary_form=True)`: the CA certificates as DER.
    pub fn get_ca_certs_der(&self) -> Result<Vec<Vec<u8>>> {
        self.ca_certs()
            .iter()
            .map(|x| x.to_der().map_err(|e| Error::from_stack(&e)))
            .collect()
    }

    // -- own certificate ------------------------------------------------------------------

    /// `ctx.load_cert_chain(certfile, keyfile, password)`.
    ///
    /// ```python
    /// ctx.load_cert_chain("cert.pem", password="secret")
    /// ```
    /// ```no_run
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER).unwrap();
    /// ctx.load_cert_chain("cert.pem".as_ref(), None, Some(pyssl::Password::text("secret"))).unwrap();
    /// ```
    ///
    /// As in CPython, without a password no callback is installed, so OpenSSL's own prompt
    /// may ask on the controlling terminal for an encrypted key (it fails without one).
    pub fn load_cert_chain(
        &self,
        certfile: &Path,
        keyfile: Option<&Path>,
        password: Option<Password<'_>>,
    ) -> Result<()> {
        let certfile = path_cstring(certfile)?;
        let keyfile = keyfile.map(path_cstring).transpose()?;
        let mut state = PasswordState {
            source: match password {
                Some(Password::Bytes(b)) => Some(PasswordSource::Bytes(b)),
                Some(Password::Callback(f)) => Some(PasswordSource::Callback(f)),
                None => None,
            },
            error: None,
        };
        let mut core = self.write();
        // Which step failed, and the errno right after it (CPython reads it there).
        let failed = callbacks::with_password_callback(&mut core.ctx, &mut state, |ctx| {
            ffi::err_clear();
            ffi::errno_clear();
            if !ffi::ctx_use_certificate_chain_file(ctx, &certfile) {
                return Some((ffi::errno_get(), false));
            }
            ffi::errno_clear();
            if !ffi::ctx_use_private_key_file(ctx, keyfile.as_ref().unwrap_or(&certfile)) {
                return Some((ffi::errno_get(), false));
            }
            if !ffi::ctx_check_private_key(ffi::builder_ref(ctx)) {
                return Some((0, true));
            }
            None
        });
        match failed {
            None => Ok(()),
            Some((_, true)) => Err(ssl_error_from_queue()),
            Some((errno, false)) => match state.error.take() {
                Some(e) => {
                    ffi::err_clear();
                    Err(e)
                }
                _ if errno != 0 => {
                    ffi::err_clear();
                    Err(Error::os(errno, None))
                }
                _ => Err(ssl_error_from_queue()),
            },
        }
    }

    // -- protocols and callbacks ----------------------------------------------------------

    /// `ctx.set_alpn_protocols(protocols)`.
    ///
    /// ```python
    /// ctx.set_alpn_protocols(["h2", "http/1.1"])
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_alpn_protocols(&["h2", "http/1.1"]).unwrap();
    /// ```
    pub fn set_alpn_protocols(&self, protocols: &[&str]) -> Result<()> {
        let mut wire = Vec::new();
        for p in protocols {
            if let Some((i, c)) = p.char_indices().find(|(_, c)| !c.is_ascii()) {
                let pos = p[..i].chars().count();
                return Err(Error::unicode(
                    "UnicodeEncodeError",
                    format!(
                        "'ascii' codec can't encode character {} in position {pos}: ordinal not in range(128)",
                        py_repr_char(c)
                    ),
                )
                .with_reason("ordinal not in range(128)"));
            }
            if p.is_empty() || p.len() > 255 {
                return Err(Error::ssl_single(
                    "ALPN protocols must be 1 to 255 in length",
                ));
            }
            wire.push(p.len() as u8);
            wire.extend_from_slice(p.as_bytes());
        }
        let mut core = self.write();
        if core.ctx.set_alpn_protos(&wire).is_err() {
            ffi::err_clear();
            return Err(Error::memory(""));
        }
        if let Ok(mut slot) = self.slots.alpn.lock() {
            *slot = Some(Arc::new(wire));
        }
        if !core.alpn_installed {
            callbacks::install_alpn_select(&mut core.ctx);
            core.alpn_installed = true;
        }
        Ok(())
    }

    /// `ctx.sni_callback`.
    pub fn sni_callback(&self) -> Option<SniCallback> {
        self.read().sni_callback.clone()
    }

    /// `ctx.sni_callback = cb` / `ctx.set_servername_callback(cb)`: stored now, called by
    /// server-side connections made later.
    pub fn set_sni_callback(&self, callback: Option<SniCallback>) -> Result<()> {
        if self.protocol == Protocol::PROTOCOL_TLS_CLIENT {
            return Err(Error::value(
                "sni_callback cannot be set on TLS_CLIENT context",
            ));
        }
        let mut core = self.write();
        core.sni_callback = callback.clone();
        if let Ok(mut slot) = self.slots.sni.lock() {
            *slot = callback;
        }
        Ok(())
    }

    /// `ctx.set_ecdh_curve(name)`.
    pub fn set_ecdh_curve(&self, name: &str) -> Result<()> {
        let c = CString::new(name).map_err(|_| Error::value("embedded null byte"))?;
        let nid = ffi::obj_sn2nid(&c);
        if nid == 0 {
            return Err(Error::value(format!(
                "unknown elliptic curve name {}",
                py_repr_str(name)
            )));
        }
        let mut core = self.write();
        ffi::err_clear();
        if !ffi::ctx_set1_group(&mut core.ctx, nid) {
            return Err(ssl_error_from_queue());
        }
        Ok(())
    }

    /// `ctx.load_dh_params(path)`.
    pub fn load_dh_params(&self, path: &Path) -> Result<()> {
        path_cstring(path)?;
        let data = std::fs::read(path)
            .map_err(|e| Error::os_path(e.raw_os_error().unwrap_or(libc::EIO), path))?;
        ffi::err_clear();
        let dh = match openssl::dh::Dh::params_from_pem(&data) {
            Ok(dh) => dh,
            Err(e) => return Err(Error::from_stack(&e)),
        };
        let mut core = self.write();
        core.ctx.set_tmp_dh(&dh).map_err(|e| Error::from_stack(&e))
    }

    /// `ctx.keylog_filename`.
    pub fn keylog_filename(&self) -> Option<PathBuf> {
        self.read().keylog_filename.clone()
    }

    /// `ctx.keylog_filename = path` (appends NSS key log lines; `None` stops logging).
    pub fn set_keylog_filename(&self, path: Option<&Path>) -> Result<()> {
        let mut core = self.write();
        if let Ok(mut slot) = self.slots.keylog.lock() {
            *slot = None;
        }
        core.keylog_filename = None;
        let Some(path) = path else { return Ok(()) };
        path_cstring(path)?;
        let file = callbacks::open_keylog(path)
            .map_err(|e| Error::os_path(e.raw_os_error().unwrap_or(libc::EIO), path))?;
        if let Ok(mut slot) = self.slots.keylog.lock() {
            *slot = Some(Arc::new(std::sync::Mutex::new(file)));
        }
        if !core.keylog_installed {
            callbacks::install_keylog(&mut core.ctx);
            core.keylog_installed = true;
        }
        core.keylog_filename = Some(path.to_path_buf());
        Ok(())
    }

    /// Every attribute `pyssl show` prints, as Python's values: `protocol`, `options`,
    /// `verify_mode`, `verify_flags`, `check_hostname`, `minimum_version`, `maximum_version`,
    /// `security_level`, `post_handshake_auth`, `hostname_checks_common_name`, `num_tickets`,
    /// `keylog_filename`, `cert_store_stats`, `get_ciphers`, `get_ca_certs`.
    pub fn to_py(&self) -> Result<PyValue> {
        let int = |v: i128| PyValue::Int(v);
        let keylog = self.keylog_filename().map_or(PyValue::None, |p| {
            PyValue::Str(p.to_string_lossy().into_owned())
        });
        Ok(PyValue::Dict(vec![
            ("protocol".into(), int(self.protocol.0.into())),
            ("options".into(), int(self.options().bits().into())),
            ("verify_mode".into(), int(self.verify_mode().0.into())),
            (
                "verify_flags".into(),
                int(self.verify_flags().bits().into()),
            ),
            (
                "check_hostname".into(),
                PyValue::Bool(self.check_hostname()),
            ),
            (
                "minimum_version".into(),
                int(self.minimum_version().0.into()),
            ),
            (
                "maximum_version".into(),
                int(self.maximum_version().0.into()),
            ),
            ("security_level".into(), int(self.security_level().into())),
            (
                "post_handshake_auth".into(),
                PyValue::Bool(self.post_handshake_auth()),
            ),
            (
                "hostname_checks_common_name".into(),
                PyValue::Bool(self.hostname_checks_common_name()),
            ),
            ("num_tickets".into(), int(self.num_tickets() as i128)),
            ("keylog_filename".into(), keylog),
            ("cert_store_stats".into(), self.cert_store_stats().to_py()),
            (
                "get_ciphers".into(),
                PyValue::List(self.get_ciphers()?.iter().map(CipherInfo::to_py).collect()),
            ),
            (
                "get_ca_certs".into(),
                PyValue::List(
                    self.get_ca_certs()?
                        .iter()
                        .map(CertificateDict::to_py)
                        .collect(),
                ),
            ),
        ]))
    }

    /// `ctx.session_stats()`.
    pub fn session_stats(&self) -> SessionStats {
        self.with_ctx(|c| {
            SessionStats(
                ffi::SESSION_STATS
                    .iter()
                    .map(|(name, op)| (*name, ffi::ctx_session_stat(c, *op)))
                    .collect(),
            )
        })
    }
}

/// `ERR_LIB_X509` (err.h).
const ERR_LIB_X509: i32 = 11;
/// `X509_R_CERT_ALREADY_IN_HASH_TABLE` (x509err.h).
const X509_R_CERT_ALREADY_IN_HASH_TABLE: i32 = 101;
/// `ASN1_R_HEADER_TOO_LONG` (asn1err.h).
const ASN1_R_HEADER_TOO_LONG: i32 = 123;

fn set_verify_mode_locked(core: &mut Core, mode: VerifyMode) -> Result<()> {
    let bits = match mode {
        VerifyMode::CERT_NONE => SslVerifyMode::NONE,
        VerifyMode::CERT_OPTIONAL => SslVerifyMode::PEER,
        VerifyMode::CERT_REQUIRED => SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        _ => return Err(Error::value("invalid value for verify_mode")),
    };
    core.ctx.set_verify(bits);
    Ok(())
}

/// Python's `repr()` of one character, as in UnicodeEncodeError messages (`'\xe9'`).
fn py_repr_char(c: char) -> String {
    let n = c as u32;
    if n < 0x100 {
        format!("'\\x{n:02x}'")
    } else if n < 0x10000 {
        format!("'\\u{n:04x}'")
    } else {
        format!("'\\U{n:08x}'")
    }
}

impl std::fmt::Display for Purpose {
    /// Python's `str()` of an `_ASN1Object` (what `ValueError(purpose)` shows).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "_ASN1Object(nid={}, shortname={}, longname={}, oid={})",
            self.nid,
            py_repr_str(self.shortname),
            py_repr_str(self.longname),
            py_repr_str(self.oid)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn context_is_send_and_sync() {
        assert_send_sync::<SslContext>();
    }
}
