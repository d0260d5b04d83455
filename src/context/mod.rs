//! [`SslContext`]: Python's `ssl.SSLContext`, and [`create_default_context`].
//!
//! ```python
//! ctx = ssl.create_default_context()
//! ctx.minimum_version = ssl.TLSVersion.TLSv1_3
//! ```
//! ```
//! # fn main() -> Result<(), pyssl::Error> {
//! let ctx = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?;
//! ctx.set_minimum_version(pyssl::TlsVersion::TLSv1_3)?;
//! assert_eq!(ctx.minimum_version(), pyssl::TlsVersion::TLSv1_3);
//! # Ok(()) }
//! ```
//!
//! The methods of the one [`SslContext`] type are spread over private files by topic:
//! construction, options and the attribute snapshot here; `verification` (verify mode and
//! flags, hostname checking); `versions` (protocol bounds, security level, session
//! tickets); `trust` (`load_verify_locations`, `get_ca_certs`, ...); `handshake` (own
//! certificate, ciphers, ALPN, SNI, curves, DH parameters, key log, session counters); and
//! `values` (the argument and result types).
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
//!   `SSL` at `SSL_new` (options, verify mode and params, ALPN list; the cipher list, which
//!   OpenSSL does not copy, pyssl copies itself when it creates the connection: each context
//!   keeps a template `SSL` with its own parsed cipher list, rebuilt after any write, and a
//!   connection is an `SSL_dup` of it, which copies the list without parsing it again), guarded by
//!   OpenSSL's own lock (the `X509_STORE`, which pyssl only ever adds to and never frees
//!   while the `SSL_CTX` lives; the shared default store is swapped for a private copy at
//!   most once, the old one kept alive — see [`crate::store`]), or reached through a
//!   trampoline installed once whose target lives in a mutex-guarded slot (key log, ALPN
//!   selection, SNI; see `callbacks`). The ALPN trampoline is installed when the context is
//!   created, before any other thread can see it;
//! * setters that read files (`load_verify_locations`, `load_cert_chain`, `load_dh_params`,
//!   `load_default_certs` and the shared default store's first parse, `keylog_filename`) do
//!   their I/O, parsing and password prompting *before* taking the write lock, on a scratch
//!   `X509_STORE` or `SSL_CTX` of their own where OpenSSL needs one, and apply the result
//!   under it with the calls OpenSSL's loaders make. A FIFO or a slow file system therefore
//!   blocks only the caller (CPython releases the GIL there), and a password callback, which
//!   is installed on the scratch `SSL_CTX` only, may use the context, as in CPython.
//!
//! `SslContext` is therefore `Send + Sync`, and all methods take `&self`, like Python's.
//!
//! Known exceptions, where OpenSSL reads context state without a lock while pyssl changes it.
//! These are all the windows there are; `admitted_windows_while_handshakes_run` in
//! `tests/stress.rs` opens each of them while handshakes run, and `ci/stress` runs it under
//! helgrind, which must report each of them and nothing else (`ci/helgrind-windows.py`
//! assigns every report to its window):
//!
//! * **The first SNI callback** (CPython has the same window). The SNI trampoline is installed
//!   only when a callback is first set, as CPython installs its own, because its mere presence
//!   changes which certificates OpenSSL's server considers (see `callbacks::set_sni`). Setting
//!   the first SNI callback of a context while one of its server connections is between
//!   `SSL_new` and reading the ClientHello is an unsynchronised store of one aligned pointer,
//!   read once by that handshake: it sees the callback or not, as if the handshake had started
//!   a moment later or earlier. CPython does the same (and rewrites the pointer on every
//!   assignment).
//! * **The first key log file** (CPython has the same window). The key-log trampoline is
//!   installed only when a key log file is first set, as CPython installs its own, because with
//!   it OpenSSL formats every handshake secret as text, file or no file (about 5 % of a
//!   handshake, see `callbacks::set_keylog`). Setting the first `keylog_filename` of a context
//!   while one of its connections handshakes is the same unsynchronised store of one aligned
//!   pointer, read at each secret: that handshake logs its secrets from that point on, or not
//!   at all. CPython does the same (and clears the pointer again when the file is unset).
//! * **Lookups added to a store being searched** (CPython has the same window, and one more).
//!   `load_verify_locations(capath=...)` makes OpenSSL add the hashed-directory lookup to the
//!   store the first time and the directory to that lookup's list every time, and
//!   `load_default_certs()` on a context whose store is already its own (after `cadata`, say)
//!   adds the default lookups. OpenSSL changes those lists without the store's lock while a
//!   verification on another thread walks them without it too, so adding a directory to a
//!   context that is verifying certificates at that moment is racy inside OpenSSL, in pyssl
//!   as in CPython. (CPython's `cafile` adds the file lookup the same way; pyssl loads a
//!   `cafile` through a scratch store and adds only its certificates, under the store's lock,
//!   so `cafile` and `cadata` are free of it.)
//! * **The default store's pointer** (pyssl's own: CPython never replaces a context's store).
//!   A context's `SSL_CTX` points at a shared default store after its first
//!   `load_default_certs`, and at a private copy after its first change of trust while
//!   sharing (see [`crate::store`]). Each swap is one aligned pointer written under the write
//!   lock, so never during `SSL_new` or another mutation, but a verification already running
//!   on another thread reads `ctx->cert_store` without it: it finds the old store or the new
//!   one, both kept alive until the `SSL_CTX` is freed, and ends as if the change had come a
//!   moment later or earlier. `create_default_context()` makes the first swap before any
//!   connection exists; only a later `load_verify_locations` or `load_default_certs` (with
//!   changed paths) on a context whose connections are verifying can meet the second. The
//!   new store is filled before the swap and published with a release fence.
//!
//! One race is OpenSSL's alone: a certificate added to a store while verifications run may
//! have its cached extension flags filled by two of them at once (both compute the same).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use openssl::ssl::{SslContextBuilder, SslContextRef, SslMode, SslVerifyMode};

use crate::callbacks::{self, Slots};
use crate::certificate::CertificateDict;
use crate::constants::{Options, Protocol, Purpose, VerifyFlags, VerifyMode, hostflags};
use crate::error::{Error, Result};
use crate::ffi;
use crate::ffi::helgrind::{Access, Annotated};
use crate::profiles::{IntConversion, OptionsReadback, Profile, SessionIdContext};
use crate::pyvalue::PyValue;
use crate::pyvalue::py_repr_str;

mod attrs;
mod handshake;
mod trust;
mod verification;
mod versions;

pub use crate::values::{CaData, CertStoreStats, CipherInfo, Password, SessionStats, VersionBound};

/// The keyword arguments of [`create_default_context_with`] beyond the purpose, plus the
/// CPython release to imitate.
///
/// Each field left at its default behaves as the omitted Python argument. Like CPython, which
/// tests `if cafile or capath or cadata:`, an empty path or empty `cadata` counts as omitted,
/// so the system's default CAs are loaded instead.
///
/// ```python
/// ctx = ssl.create_default_context(cafile="")   # same as create_default_context()
/// ```
/// ```
/// use pyssl::{CreateOptions, Profile, Purpose, create_default_context_with};
/// # fn main() -> Result<(), pyssl::Error> {
/// let opts = CreateOptions { cafile: Some("".as_ref()), ..CreateOptions::default() };
/// assert_eq!(opts.profile, Profile::PY315);
/// // No FileNotFoundError: the empty path counts as omitted.
/// let ctx = create_default_context_with(Purpose::SERVER_AUTH, opts)?;
/// assert!(ctx.check_hostname());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CreateOptions<'a> {
    /// `cafile=`: a PEM file of CA certificates.
    pub cafile: Option<&'a Path>,
    /// `capath=`: a directory of hashed CA certificate files.
    pub capath: Option<&'a Path>,
    /// `cadata=`: CA certificates as PEM text or DER bytes.
    pub cadata: Option<CaData<'a>>,
    /// Which CPython release to behave like (default: the newest, [`Profile::PY313`]).
    pub profile: Profile,
}

/// `ssl.create_default_context(purpose)` under the default (newest) profile.
///
/// For [`Purpose::SERVER_AUTH`] (a client that checks servers) this is a `PROTOCOL_TLS_CLIENT`
/// context with `CERT_REQUIRED`, hostname checking on and the system's default CAs loaded;
/// for [`Purpose::CLIENT_AUTH`] a `PROTOCOL_TLS_SERVER` context with `CERT_NONE`, which (as in
/// CPython) skips loading the default CAs.
///
/// ```python
/// ctx = ssl.create_default_context()
/// srv = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
/// ```
/// ```
/// use pyssl::{CERT_NONE, CERT_REQUIRED, PROTOCOL_TLS_SERVER, Purpose, create_default_context};
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = create_default_context(Purpose::SERVER_AUTH)?;
/// assert_eq!(ctx.verify_mode(), CERT_REQUIRED);
/// assert!(ctx.check_hostname());
/// assert!(ctx.verify_flags().contains(pyssl::VERIFY_X509_STRICT));
///
/// let srv = create_default_context(Purpose::CLIENT_AUTH)?;
/// assert_eq!(srv.protocol(), PROTOCOL_TLS_SERVER);
/// assert_eq!(srv.verify_mode(), CERT_NONE);
/// assert!(!srv.check_hostname());
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_new", alias = "SSL_CTX_set_default_verify_paths")]
pub fn create_default_context(purpose: Purpose) -> Result<SslContext> {
    create_default_context_with(purpose, CreateOptions::default())
}

/// `ssl.create_default_context(purpose, cafile=..., capath=..., cadata=...)` under the profile
/// named in `opts`.
///
/// When any CA source is given, only those are loaded (through
/// [`SslContext::load_verify_locations`]); otherwise the system defaults are, unless the
/// context does not verify at all. The verify flags CPython 3.13 adds
/// (`VERIFY_X509_STRICT | VERIFY_X509_PARTIAL_CHAIN`) come from the profile, and so does
/// honouring the `SSLKEYLOGFILE` environment variable. A purpose other than the two
/// [`Purpose`] constants is a `ValueError` whose message is Python's `str()` of the
/// `_ASN1Object`, as CPython raises it.
///
/// ```python
/// ctx = ssl.create_default_context(cadata=ca_pem)
/// ssl.create_default_context(ssl._ASN1Object.fromname("codeSigning"))  # ValueError
/// ```
/// ```
/// # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
/// # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
/// # use openssl::x509::extension::BasicConstraints;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
/// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
/// # let mut name = X509NameBuilder::new()?;
/// # name.append_entry_by_text("CN", "Example CA")?;
/// # let name = name.build();
/// # let mut ca = X509::builder()?;
/// # ca.set_version(2)?;
/// # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
/// # ca.set_subject_name(&name)?;
/// # ca.set_issuer_name(&name)?;
/// # ca.set_pubkey(&key)?;
/// # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
/// # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
/// # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
/// # ca.sign(&key, MessageDigest::sha256())?;
/// # let ca_pem = String::from_utf8(ca.build().to_pem()?)?;
/// use pyssl::{CaData, CreateOptions, Purpose, create_default_context_with};
///
/// let opts = CreateOptions { cadata: Some(CaData::Pem(&ca_pem)), ..CreateOptions::default() };
/// let ctx = create_default_context_with(Purpose::SERVER_AUTH, opts)?;
/// assert_eq!(ctx.cert_store_stats().x509_ca, 1); // only the given CA, no system ones
///
/// let code_signing = Purpose {
///     nid: 131,
///     shortname: "codeSigning",
///     longname: "Code Signing",
///     oid: "1.3.6.1.5.5.7.3.3",
/// };
/// let e = create_default_context_with(code_signing, CreateOptions::default()).unwrap_err();
/// assert_eq!(e.python_type(), "ValueError");
/// assert_eq!(
///     e.python_str(),
///     "_ASN1Object(nid=131, shortname='codeSigning', longname='Code Signing', \
///      oid='1.3.6.1.5.5.7.3.3')"
/// );
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_new", alias = "SSL_CTX_load_verify_locations")]
pub fn create_default_context_with(
    purpose: Purpose,
    opts: CreateOptions<'_>,
) -> Result<SslContext> {
    let profile = opts.profile;
    let protocol = if !profile.purpose_specific_protocols {
        // Through 3.9 every purpose gets PROTOCOL_TLS; only SERVER_AUTH turns on checks.
        Protocol::PROTOCOL_TLS
    } else if purpose == Purpose::SERVER_AUTH {
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
    keylog_from_env(&ctx, profile)?;
    Ok(ctx)
}

/// What `create_default_context` and `_create_stdlib_context` do with `SSLKEYLOGFILE` (3.8+):
/// a non-empty value becomes the context's `keylog_filename`.
pub(crate) fn keylog_from_env(ctx: &SslContext, profile: Profile) -> Result<()> {
    if profile.honours_sslkeylogfile {
        if let Some(path) = std::env::var_os("SSLKEYLOGFILE").filter(|v| !v.is_empty()) {
            ctx.set_keylog_filename(Some(Path::new(&path)))?;
        }
    }
    Ok(())
}

/// Python-side state CPython keeps next to the `SSL_CTX`.
struct Core {
    ctx: SslContextBuilder,
    check_hostname: bool,
    host_flags: u32,
    post_handshake_auth: bool,
    keylog_filename: Option<PathBuf>,
    /// Attributes set that this profile's `SSLContext` does not define: Python stores them
    /// in the instance `__dict__` (see [`SslContext::setattr`]).
    instance_attrs: Vec<(String, PyValue)>,
    /// The connection template (an `SSL` of this `SSL_CTX` with its own cipher list), built
    /// on the first connection after any change and dropped by every [`SslContext::write`].
    template: Mutex<Option<Arc<ffi::connection::SslTemplate>>>,
}

/// Python's `ssl.SSLContext`: an OpenSSL `SSL_CTX` plus the settings CPython keeps beside it
/// (`check_hostname`, the hostname flags, the callbacks).
///
/// Attributes become a getter and a `set_*` method; methods keep their Python names. All take
/// `&self` and the type is `Send + Sync`, so one context can be shared through an `Arc` and
/// reconfigured while in use, as in Python (see the [module docs](crate::context) for how).
///
/// ```python
/// ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
/// ```
/// ```
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
/// assert_eq!(ctx.protocol(), pyssl::PROTOCOL_TLS_CLIENT);
/// assert!(ctx.check_hostname());
/// # Ok(()) }
/// ```
#[doc(alias = "SSLContext", alias = "SSL_CTX")]
pub struct SslContext {
    protocol: Protocol,
    profile: Profile,
    slots: Arc<Slots>,
    core: RwLock<Core>,
}

impl SslContext {
    /// The callbacks' slots (read by the C callbacks without the context's lock).
    pub(crate) fn slots(&self) -> &Arc<Slots> {
        &self.slots
    }

    /// Convert the path argument `arg` (`"cafile"`, ...) with the profile's error for a NUL.
    fn path_arg(&self, path: &Path, arg: &str) -> Result<CString> {
        path_cstring(path).map_err(|e| {
            if self.profile.py37_argument_quirks {
                Error::type_error(format!("{arg} should be a valid filesystem path"))
            } else {
                e
            }
        })
    }
}

/// Convert a path as `PyUnicode_FSConverter` does: any bytes but NUL.
fn path_cstring(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::value("embedded null byte"))
}

/// The `SSL_CTX` ex_data slot where [`crate::apply_profile_defaults`] records the profile
/// it gave a rust-openssl builder.
fn applied_profile_index() -> Option<openssl::ex_data::Index<openssl::ssl::SslContext, Profile>> {
    static INDEX: std::sync::OnceLock<
        Option<openssl::ex_data::Index<openssl::ssl::SslContext, Profile>>,
    > = std::sync::OnceLock::new();
    *INDEX.get_or_init(|| openssl::ssl::SslContext::new_ex_index::<Profile>().ok())
}

/// Record on a foreign builder the profile whose defaults it was given.
pub(crate) fn record_applied_profile(builder: &mut SslContextBuilder, profile: Profile) {
    if let Some(index) = applied_profile_index() {
        builder.set_ex_data(index, profile);
    }
}

/// The profile [`crate::apply_profile_defaults`] gave a context, so that
/// [`ssl_error`](crate::ssl_error) names the failures of its connections as that release
/// does.
pub(crate) fn applied_profile(ctx: &SslContextRef) -> Option<Profile> {
    ctx.ex_data(applied_profile_index()?).copied()
}

/// The options `SSLContext()` sets on a new `SSL_CTX` under `profile`.
pub(crate) fn default_options(profile: Profile) -> Options {
    Options::ALL
        | Options::NO_SSLV2
        | Options::NO_SSLV3
        | Options::NO_COMPRESSION
        | Options::CIPHER_SERVER_PREFERENCE
        | Options::SINGLE_DH_USE
        | Options::SINGLE_ECDH_USE
        | profile.extra_options
}

/// What `SSLContext()` sets after the options: the profile's cipher string, its minimum
/// version (only on the version-flexible methods, `flexible`), `RELEASE_BUFFERS` and, through
/// 3.12, the `"Python\0"` session id context.
pub(crate) fn set_new_context_defaults(
    ctx: &mut SslContextBuilder,
    profile: Profile,
    flexible: bool,
) -> Result<()> {
    if let Some(ciphers) = profile.constructor_cipher_string()
        && ctx.set_cipher_list(ciphers).is_err()
    {
        // rust-openssl took the queue into the `ErrorStack` dropped here.
        return Err(Error::ssl_single("No cipher can be selected."));
    }
    let queue = ffi::ErrQueue::clear();
    if let (Some(min), true) = (profile.constructor_minimum_version(), flexible)
        && !ffi::ctx_set_proto_version(&queue, ctx, VersionBound::Minimum, min.0)
    {
        queue.discard();
        return Err(Error::value(format!(
            "Failed to set minimum protocol 0x{:x}",
            min.0
        )));
    }
    ctx.set_mode(SslMode::RELEASE_BUFFERS);
    if profile.session_id_context == SessionIdContext::Context {
        ctx.set_session_id_context(b"Python\0")
            .map_err(|e| Error::from_stack(&e, profile.mnemonic_table()))?;
    }
    Ok(())
}

impl SslContext {
    /// `ssl.SSLContext(protocol)` under the default (newest) profile.
    ///
    /// The new context already carries CPython's defaults: `OP_ALL` plus `OP_NO_SSLv2`,
    /// `OP_NO_SSLv3`, `OP_NO_COMPRESSION` and the server-preference and single-use key
    /// options, CPython's cipher string, a TLS 1.2 minimum for the version-flexible
    /// protocols, `VERIFY_X509_TRUSTED_FIRST`, and, for `PROTOCOL_TLS_CLIENT`, `CERT_REQUIRED`
    /// with `check_hostname` on. An unknown protocol number is a `ValueError`.
    ///
    /// ```python
    /// ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    /// ssl.SSLContext(42)   # ValueError: invalid or unsupported protocol version 42
    /// ```
    /// ```
    /// use pyssl::{CERT_NONE, OP_NO_COMPRESSION, OP_NO_SSLv3, PROTOCOL_TLS_SERVER, Protocol};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(PROTOCOL_TLS_SERVER)?;
    /// assert!(ctx.options().contains(OP_NO_SSLv3 | OP_NO_COMPRESSION));
    /// assert_eq!(ctx.verify_mode(), CERT_NONE);
    /// assert!(!ctx.check_hostname());
    ///
    /// let e = pyssl::SslContext::new(Protocol(42)).unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// assert_eq!(e.python_str(), "invalid or unsupported protocol version 42");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_new")]
    pub fn new(protocol: Protocol) -> Result<SslContext> {
        SslContext::with_profile(protocol, Profile::default())
    }

    /// `ssl.SSLContext(protocol)` as the given CPython release builds it.
    ///
    /// The profile decides the defaults that differ between releases (see
    /// [`Profile`]) and the behaviours that depend on the release later on, such as how
    /// `ctx.options = n` converts `n` ([`set_options_int`](Self::set_options_int)).
    ///
    /// ```python
    /// # under python3.11
    /// ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    /// ```
    /// ```
    /// use pyssl::{PROTOCOL_TLS_CLIENT, Profile, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::with_profile(PROTOCOL_TLS_CLIENT, Profile::PY311)?;
    /// assert_eq!(ctx.profile(), Profile::PY311);
    /// // 3.11 converts the options as a C long: 2**63 does not fit.
    /// let e = ctx.set_options_int(1 << 63).unwrap_err();
    /// assert_eq!(e.python_str(), "Python int too large to convert to C long");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_new")]
    pub fn with_profile(protocol: Protocol, profile: Profile) -> Result<SslContext> {
        let Some(method) = ffi::method_for_protocol(protocol.0) else {
            return Err(Error::value(if profile.protocol_error_has_number {
                format!("invalid or unsupported protocol version {}", protocol.0)
            } else {
                "invalid or unsupported protocol version".to_string()
            }));
        };
        // rust-openssl takes what the call queues into its `ErrorStack`, on a clear queue.
        let _clear = ffi::ErrQueue::clear();
        let mut ctx = SslContextBuilder::new(method)
            .map_err(|e| Error::from_stack(&e, profile.mnemonic_table()))?;
        let client = protocol == Protocol::PROTOCOL_TLS_CLIENT;
        let mode = if client {
            SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
        } else {
            SslVerifyMode::NONE
        };
        ffi::ctx_set_verify(&mut ctx, mode, callbacks::verify_callback(&profile));
        ffi::ctx_update_options(&mut ctx, 0, default_options(profile).bits());
        let flexible = matches!(protocol.0, 2 | 16 | 17);
        set_new_context_defaults(&mut ctx, profile, flexible)?;
        let queue = ffi::ErrQueue::clear();
        ffi::ctx_update_verify_flags(&queue, &mut ctx, 0, VerifyFlags::X509_TRUSTED_FIRST.bits());
        ffi::ctx_set_hostflags(&mut ctx, hostflags::NO_PARTIAL_WILDCARDS);
        ffi::ctx_set_post_handshake_auth(&mut ctx, false);
        let slots = callbacks::attach_slots(&mut ctx)?;
        // Installed now, before any other thread can see the SSL_CTX: a handshake reads this
        // function pointer without a lock, so installing it later, while connections of
        // this context handshake, would race with them (helgrind found it, tests/stress.rs).
        // With no ALPN list its slot is empty and it answers "no overlap", which OpenSSL
        // treats as if no callback were set. (The key log trampoline is not: see
        // `callbacks::set_keylog` for its cost and the threading model above for its window.)
        callbacks::install_alpn_select(&mut ctx);
        crate::store::attach(&mut ctx)?;
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
                instance_attrs: Vec::new(),
                template: Mutex::new(None),
            }),
        })
    }

    fn read(&self) -> Annotated<RwLockReadGuard<'_, Core>> {
        // A panic while holding the lock cannot leave the SSL_CTX half-mutated in a way Rust
        // cares about (each mutation is one C call), so a poisoned lock is still usable.
        let guard = self.core.read().unwrap_or_else(|p| p.into_inner());
        ffi::helgrind::acquired(guard, &self.core, Access::Shared)
    }

    fn write(&self) -> Annotated<RwLockWriteGuard<'_, Core>> {
        let guard = self.core.write().unwrap_or_else(|p| p.into_inner());
        // Announced first: what follows happens under the lock.
        let mut guard = ffi::helgrind::acquired(guard, &self.core, Access::Exclusive);
        // Whatever the writer changes may be something `SSL_new` copies from the SSL_CTX, so
        // the next connection builds a fresh template.
        *guard.template.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        guard
    }

    /// `f` on the `SSL_CTX` under the write lock, for the layers above that configure it
    /// (the SNI callback of [`crate::connection`]).
    pub(crate) fn with_builder_mut<T>(&self, f: impl FnOnce(&mut SslContextBuilder) -> T) -> T {
        f(&mut self.write().ctx)
    }

    /// A new `SSL` for a connection: `SSL_dup` of the context's template, `build` making the
    /// template from the `SSL_CTX` first if the context changed since the last connection.
    /// `Ok(None)` when OpenSSL would not duplicate it (the caller uses `SSL_new`).
    ///
    /// The read lock is held throughout, so no mutation of the `SSL_CTX` runs between the
    /// template's build and its use, and a template always matches the current `SSL_CTX`.
    pub(crate) fn ssl_from_template(
        &self,
        build: impl FnOnce(&SslContextRef) -> Result<ffi::connection::SslTemplate>,
    ) -> Result<Option<openssl::ssl::Ssl>> {
        let core = self.read();
        let template = {
            let slot = core.template.lock().unwrap_or_else(|p| p.into_inner());
            let mut slot = ffi::helgrind::acquired(slot, &core.template, Access::Exclusive);
            match &*slot {
                Some(t) => t.clone(),
                None => {
                    let t = Arc::new(build(ffi::builder_ref(&core.ctx))?);
                    *slot = Some(t.clone());
                    t
                }
            }
        };
        Ok(ffi::connection::ssl_from_template(&template))
    }

    /// Run `f` with the `SSL_CTX` borrowed for reading (connection creation uses this).
    pub(crate) fn with_ctx<T>(&self, f: impl FnOnce(&SslContextRef) -> T) -> T {
        let core = self.read();
        f(ffi::builder_ref(&core.ctx))
    }

    /// The CPython release whose behaviour this context reproduces; Python has no such
    /// attribute, the closest being the interpreter's own version.
    ///
    /// ```python
    /// sys.version_info[:3]   # (3, 15, 2)
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!((ctx.profile().version, ctx.profile().patch), ((3, 15), 2));
    /// # Ok(()) }
    /// ```
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// `ctx.protocol`: the protocol the context was created with.
    ///
    /// ```python
    /// ssl.create_default_context().protocol   # <_SSLMethod.PROTOCOL_TLS_CLIENT: 16>
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?;
    /// assert_eq!(ctx.protocol(), pyssl::PROTOCOL_TLS_CLIENT);
    /// assert_eq!(ctx.protocol().value(), 16);
    /// # Ok(()) }
    /// ```
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    // -- options --------------------------------------------------------------------------

    /// `ctx.options`: the `OP_*` bits currently set, including bits pyssl has no name for.
    ///
    /// ```python
    /// ctx.options & ssl.OP_NO_SSLv3
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert!(ctx.options().contains(pyssl::OP_NO_SSLv3));
    /// assert!(ctx.options().contains(pyssl::OP_NO_COMPRESSION));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_options")]
    pub fn options(&self) -> Options {
        Options::from_bits_retain(self.with_ctx(ffi::ctx_options))
    }

    /// `int(ctx.options)` as the profile's CPython reports it.
    ///
    /// CPython 3.11 reads the bits as a signed C `long` and wraps the result in the `Options`
    /// IntFlag, which maps a negative value `v` (bit 63 set) to
    /// `max(2**32, 2**v.bit_length()) + v`; 3.12 and later read them unsigned. Without bit 63
    /// both give the plain value.
    ///
    /// ```python
    /// int(ctx.options)
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.options_int(), i128::from(ctx.options().bits()));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_options")]
    pub fn options_int(&self) -> i128 {
        let bits = self.options().bits();
        let signed = bits as i64;
        match self.profile.options_readback {
            OptionsReadback::Unsigned => i128::from(bits),
            OptionsReadback::SignedLong => i128::from(signed),
            OptionsReadback::SignedLongIntFlag if signed < 0 => {
                let magnitude = -i128::from(signed);
                let bit_length = 128 - magnitude.leading_zeros();
                (1i128 << 32).max(1i128 << bit_length) + i128::from(signed)
            }
            OptionsReadback::SignedLongIntFlag => i128::from(signed),
        }
    }

    /// `ctx.options = value`.
    ///
    /// Follows CPython's algorithm: the bits set now but not in `value` are cleared, then the
    /// bits in `value` not set now are set. Bits OpenSSL refuses to clear therefore stay set.
    ///
    /// ```python
    /// ctx.options &= ~ssl.OP_NO_SSLv3
    /// ctx.options |= ssl.OP_NO_TICKET
    /// ```
    /// ```
    /// use pyssl::{OP_NO_SSLv3, OP_NO_TICKET};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_options(ctx.options() & !OP_NO_SSLv3)?;
    /// ctx.set_options(ctx.options() | OP_NO_TICKET)?;
    /// assert!(!ctx.options().contains(OP_NO_SSLv3));
    /// assert!(ctx.options().contains(OP_NO_TICKET));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_options", alias = "SSL_CTX_clear_options")]
    pub fn set_options(&self, value: Options) -> Result<()> {
        let mut core = self.write();
        let current = ffi::ctx_options(ffi::builder_ref(&core.ctx));
        let new = value.bits();
        ffi::ctx_update_options(&mut core.ctx, current & !new, !current & new);
        Ok(())
    }

    /// `ctx.options = n` for a Python integer `n`.
    ///
    /// `n` is converted as the profile's CPython does, with the same errors: 3.11 takes a C
    /// `long` (negative values allowed, `2**63` and above rejected), 3.12 and 3.13 an unsigned
    /// 64-bit integer (a negative one is an `OverflowError`), 3.14 and later the same range
    /// with a `ValueError` for negative values.
    ///
    /// ```python
    /// ctx.options = -1   # 3.13: OverflowError: can't convert negative int to unsigned
    ///                    # 3.14: ValueError: Cannot convert negative int
    /// ```
    /// ```
    /// use pyssl::{PROTOCOL_TLS_CLIENT, Profile, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::with_profile(PROTOCOL_TLS_CLIENT, Profile::PY313)?;
    /// let e = ctx.set_options_int(-1).unwrap_err();
    /// assert_eq!(e.python_type(), "OverflowError");
    /// assert_eq!(e.python_str(), "can't convert negative int to unsigned");
    /// let ctx = SslContext::new(PROTOCOL_TLS_CLIENT)?; // 3.15.2
    /// let e = ctx.set_options_int(-1).unwrap_err();
    /// assert_eq!((e.python_type(), e.python_str()), ("ValueError", "Cannot convert negative int".into()));
    /// ctx.set_options_int(ctx.options_int() | i128::from(pyssl::OP_NO_TICKET.bits()))?;
    /// assert!(ctx.options().contains(pyssl::OP_NO_TICKET));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_options", alias = "SSL_CTX_clear_options")]
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
            IntConversion::UInt64 => {
                if value < 0 {
                    return Err(Error::value("Cannot convert negative int"));
                }
                u64::try_from(value)
                    .map_err(|_| Error::overflow("Python int too large for C unsigned long long"))?
            }
        };
        self.set_options(Options::from_bits_retain(bits))
    }

    // -- snapshot -------------------------------------------------------------------------

    /// Every attribute `pyssl show` prints, as Python's values: `protocol`, `options`,
    /// `verify_mode`, `verify_flags`, `check_hostname`, `minimum_version`, `maximum_version`,
    /// `security_level`, `post_handshake_auth`, `hostname_checks_common_name`, `num_tickets`,
    /// `keylog_filename`, `cert_store_stats`, `get_ciphers`, `get_ca_certs`.
    ///
    /// Enum and flag values appear as their plain integers, as `int(...)` shows them.
    ///
    /// ```python
    /// {"protocol": int(ctx.protocol), "check_hostname": ctx.check_hostname, ...}
    /// ```
    /// ```
    /// use pyssl::PyValue;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// let snapshot = ctx.to_py()?;
    /// assert_eq!(snapshot.get("protocol"), Some(&PyValue::Int(16)));
    /// assert_eq!(snapshot.get("check_hostname"), Some(&PyValue::Bool(true)));
    /// assert_eq!(snapshot.get("keylog_filename"), Some(&PyValue::None));
    /// assert_eq!(snapshot.get("get_ca_certs"), Some(&PyValue::List(vec![])));
    /// # Ok(()) }
    /// ```
    pub fn to_py(&self) -> Result<PyValue> {
        let mut items = Vec::new();
        for name in attrs::SHOWN {
            match self.getattr(name) {
                Ok(v) => items.push((name.to_string(), v)),
                // Attributes this profile's CPython does not have are left out.
                Err(e) if e.kind() == crate::error::ErrorKind::Attribute => {}
                Err(e) => return Err(e),
            }
        }
        items.push(("cert_store_stats".into(), self.cert_store_stats().to_py()));
        items.push((
            "get_ciphers".into(),
            PyValue::List(self.get_ciphers()?.iter().map(CipherInfo::to_py).collect()),
        ));
        items.push((
            "get_ca_certs".into(),
            PyValue::List(
                self.get_ca_certs()?
                    .iter()
                    .map(CertificateDict::to_py)
                    .collect(),
            ),
        ));
        Ok(PyValue::Dict(items))
    }
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
