//! Profiles: the defaults and version-dependent behaviour of one CPython release, as data.
//!
//! A profile never selects a code path that is not version-dependent in CPython; it only
//! answers questions such as "which cipher string does the constructor set" or "how does the
//! `options` setter convert a Python int".
//!
//! ```python
//! # Python 3.11
//! ctx = ssl.create_default_context()
//! ```
//! ```
//! use pyssl::{create_default_context_with, CreateOptions, Profile, Purpose};
//! let ctx = create_default_context_with(
//!     Purpose::SERVER_AUTH,
//!     CreateOptions { profile: Profile::PY311, ..Default::default() },
//! ).unwrap();
//! assert_eq!(ctx.verify_flags().bits(), 0x8000);
//! ```
//!
//! # Releases to the patch level
//!
//! A profile is one CPython *patch* release: `version` is its `(major, minor)` and `patch` the
//! rest, so `3.13.0` and `3.13.18` are two profiles of the 3.13 line. Behaviour that changed
//! within a line (security backports, bug fixes) is listed once, in [`CHANGES`], each change
//! with the first patch release of every branch that has it; a profile is *resolved* from its
//! line's base and that list ([`Profile::at_patch`]). [`Profile::by_version`] takes `"3.14"`
//! (the newest patch pyssl knows of that line), `"3.14.10"` or any patch release of a known
//! line up to its newest.
//!
//! ```
//! use pyssl::Profile;
//! assert_eq!(Profile::by_version("3.13").unwrap(), Profile::PY313);
//! assert_eq!(Profile::PY313.release(), "3.13.18");
//! assert!(Profile::PY313.key_denylist && !Profile::PY313_0.key_denylist);
//! assert_eq!(Profile::by_version("3.13.17").unwrap().key_denylist, false);
//! ```
//!
//! # Build flavours
//!
//! Debian and Ubuntu configure CPython with `--with-ssl-default-suites=openssl`: the
//! constructor then leaves OpenSSL's default cipher list and minimum version in place.
//! [`Profile::with_ssl_default_suites`] selects that flavour:
//!
//! ```python
//! # Debian's python3.14
//! ctx = ssl.create_default_context()
//! ```
//! ```
//! use pyssl::{Profile, SslDefaultSuites};
//! let debian = Profile::PY314.with_ssl_default_suites(SslDefaultSuites::OpenSsl);
//! assert_eq!(debian.constructor_minimum_version(), None);
//! ```
//!
//! # Defaults
//!
//! The table in README.md ("Profiles") is generated from these values by
//! [`Profile::markdown_table`]; a test fails when the two disagree.
//!
//! # Attributes a release lacks
//!
//! The Python-spelled accessors ([`SslContext::getattr`](crate::SslContext::getattr) and
//! `setattr`) raise `AttributeError` for what the profile's release does not have
//! (`security_level` before 3.10, `num_tickets` and `keylog_filename` before 3.8). The typed
//! Rust methods do not: `ctx.security_level()` or `obj.get_verified_chain()` work under every
//! profile, as a newer interpreter's would (`get_verified_chain` is 3.13's). A port that
//! must fail where an old interpreter fails reads and writes context attributes through
//! `getattr`/`setattr`; connection methods have no such gate.

use crate::constants::{Options, TlsVersion, VerifyFlags};
use crate::error::MnemonicTable;

/// The cipher suites a CPython build's constructor sets: its configure option
/// `--with-ssl-default-suites`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslDefaultSuites {
    /// `python` (upstream's default, python.org's installers and container images): the
    /// constructor sets CPython's cipher string and, from 3.10, a TLS 1.2 minimum.
    Python,
    /// `openssl` (Debian's and Ubuntu's builds): the constructor keeps OpenSSL's default cipher
    /// list (`SSL_DEFAULT_CIPHER_LIST`) and its minimum version.
    OpenSsl,
}

impl SslDefaultSuites {
    /// The configure value: `"python"` or `"openssl"`.
    pub fn name(self) -> &'static str {
        match self {
            SslDefaultSuites::Python => "python",
            SslDefaultSuites::OpenSsl => "openssl",
        }
    }

    /// Parse `"python"` / `"openssl"` (the CLI's `--ssl-default-suites`).
    pub fn from_name(name: &str) -> Option<SslDefaultSuites> {
        match name {
            "python" => Some(SslDefaultSuites::Python),
            "openssl" => Some(SslDefaultSuites::OpenSsl),
            _ => None,
        }
    }
}

/// Which generation of CPython's compiled-in error-name tables (`Modules/_ssl_data*.h`) a
/// release ships; the table a build uses among them depends on the OpenSSL it was compiled
/// against (see [`Profile::mnemonic_table`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorNames {
    /// CPython 3.7: `_ssl_data.h`, three libraries.
    Py37,
    /// CPython 3.8 to 3.13.x. Debian's 3.13 builds (3.13.1 on, the `openssl` flavour) add
    /// CPython's OpenSSL 3.4 table as a patch ("Add support for OpenSSL 3.4").
    Py38,
    /// CPython 3.14 and later.
    Py314,
}

/// A behaviour change that arrived within release lines; see [`CHANGES`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// gh-160040: chains holding one of CPython's denylisted intermediate keys fail
    /// verification ([`Profile::key_denylist`]).
    KeyDenylist,
    /// gh-127360: an OpenSSL error without a reason text reads `unknown error (0x…)`
    /// ([`Profile::unknown_error_shows_code`]).
    UnknownErrorShowsCode,
    /// gh-156793: `wrap_bio()` checks its arguments as `wrap_socket()` does
    /// ([`Profile::wrap_bio_checks_arguments`]).
    WrapBioChecksArguments,
    /// gh-116810: setting `session` offers the session object itself, no longer a copy made
    /// through DER ([`Profile::session_set_shares`]).
    SessionSetShares,
    /// The `minimum_version`/`maximum_version` setters parse a C `int`
    /// ([`Profile::version_setter_c_int`]); no changelog entry.
    VersionSetterCInt,
    /// gh-144249: `load_cert_chain`'s `OSError`s name the file
    /// ([`Profile::load_cert_chain_names_file`]).
    LoadCertChainNamesFile,
    /// `load_cert_chain` installs its password callback without a password too
    /// ([`Profile::password_callback_always`]); no changelog entry of its own.
    PasswordCallbackAlways,
    /// `DER_cert_to_PEM_cert` wraps with `base64.b64encode(wrapcol=64)`
    /// ([`Profile::pem_empty_line_for_empty_der`]); no changelog entry.
    PemWrapcol,
    /// gh-145264: the base64 decoder skips a `=` before the end of the data instead of
    /// stopping there ([`Profile::base64_ignores_inner_padding`]).
    Base64InnerPadding,
    /// gh-113318, gh-156099, gh-156166: deleting a settable attribute of `SSLContext`
    /// (`check_hostname`, `sni_callback`, `keylog_filename`, ...) is an `AttributeError`
    /// ("cannot be deleted") instead of reaching the setter with no value
    /// ([`SslContext::delattr`](crate::SslContext::delattr)).
    DeletionChecks,
    /// gh-155292: nameprep's case folding (`stringprep`'s table B.2) keeps to Unicode 3.2's
    /// data instead of the interpreter's `str.lower()` ([`Profile::idna_case_folding`]).
    IdnaUnicode32CaseFolding,
    /// gh-160171: a server's `get_unverified_chain()` starts from the client's certificate
    /// (so a ticket-resumed session gives the leaf, and no certificate gives `[]`) instead of
    /// from OpenSSL's peer chain (`[]` when resumed, `AttributeError` for an empty one).
    UnverifiedChainFromPeer,
    /// gh-156293: a context's `sni_callback` runs only while that context is the
    /// connection's; OpenSSL's fallback to the callback of the context the connection was made
    /// from (after `sslobj.context = other`, when `other` has none) is answered without it.
    SniCallbackOfCurrentContext,
    /// gh-127257: an OpenSSL error of library `ERR_LIB_SYS` (a failed system call, queued by
    /// OpenSSL 3.2+ when a write fails) is raised as `OSError` from its errno, and left on
    /// the error queue, instead of `SSLError("[SYS] unknown error")`.
    SysErrorIsOsError,
    /// gh-148292: once a connection raised `SSLEOFError`, `read`, `write` and
    /// `do_handshake` raise it again without calling OpenSSL.
    StickyEof,
}

/// Every behaviour change pyssl reproduces that arrived in a patch release, with the first
/// release of each branch that has it: `(minor, patch)` pairs of 3.x, oldest branch first. A
/// release has the change when its branch is listed and its patch is at least the listed one,
/// or when its branch is newer than every listed branch.
pub const CHANGES: &[(Change, &[(u32, u32)])] = &[
    // CPython's changelog: 3.13.18, 3.14.10 and 3.15.2 ("Security" sections).
    (Change::KeyDenylist, &[(13, 18), (14, 10), (15, 2)]),
    // What's New in 3.14; not backported to 3.13.
    (Change::UnknownErrorShowsCode, &[(14, 0)]),
    // Changelog: 3.13.16, 3.14.8, 3.15.0rc3.
    (
        Change::WrapBioChecksArguments,
        &[(13, 16), (14, 8), (15, 0)],
    ),
    // Changelog: 3.13.1, 3.14.0a1.
    (Change::SessionSetShares, &[(13, 1), (14, 0)]),
    // No changelog entry: seen in Debian's 3.13.15, 3.14.8 and 3.15.0 builds and absent from
    // 3.13.5 (Debian 13's) and 3.13.0; the first 3.13 release between 3.13.6 and 3.13.15, and
    // whether 3.14.0-3.14.7 have it, are not known. These are the earliest releases seen.
    (Change::VersionSetterCInt, &[(13, 15), (14, 8), (15, 0)]),
    // Changelog: 3.15.0a6.
    (Change::LoadCertChainNamesFile, &[(15, 0)]),
    // In 3.15.0 (alpha 6, with gh-143756's rework of load_cert_chain, as far as can be told).
    (Change::PasswordCallbackAlways, &[(15, 0)]),
    // ssl.py of 3.15.0 (base64's wrapcol, gh-143214 in 3.15.0a5).
    (Change::PemWrapcol, &[(15, 0)]),
    // Changelog: 3.13.13, 3.14.4, 3.15.0a8 (a security fix; Debian 13 backports it to its
    // 3.13.5 too).
    (Change::Base64InnerPadding, &[(13, 13), (14, 4), (15, 0)]),
    // Changelog: 3.13.16, 3.14.8, 3.15.1 (the 3.15 branch got the last of the three fixes
    // in 3.15.1; 3.15.0's state is not known, so 3.15.1 is the first claimed).
    (Change::DeletionChecks, &[(13, 16), (14, 8), (15, 1)]),
    // Changelog: 3.13.16, 3.14.8, 3.15.0rc3.
    (
        Change::SniCallbackOfCurrentContext,
        &[(13, 16), (14, 8), (15, 0)],
    ),
    // Changelog: 3.13.2, 3.14.0a3 (and later security releases of 3.10-3.12, newer than
    // the 3.10-3.12 releases pyssl knows).
    (Change::SysErrorIsOsError, &[(13, 2), (14, 0)]),
    // What's New in 3.15 (gh-148292); Debian's 3.14.10 has it too, the first 3.14 release
    // with it is not known: 3.14.10 is the earliest seen.
    (Change::StickyEof, &[(14, 10), (15, 0)]),
    // Changelog: 3.14.10, 3.15.2; Debian's 3.13.18 still has the old behaviour.
    (Change::UnverifiedChainFromPeer, &[(14, 10), (15, 2)]),
    // Changelog: 3.13.16, 3.14.8, 3.15.0rc2.
    (
        Change::IdnaUnicode32CaseFolding,
        &[(13, 16), (14, 8), (15, 0)],
    ),
];

/// Whether release `3.minor.patch` has `change`, per [`CHANGES`].
pub const fn has_change(change: Change, minor: u32, patch: u32) -> bool {
    let mut i = 0;
    while i < CHANGES.len() {
        let (c, firsts) = CHANGES[i];
        if c as u8 == change as u8 {
            let mut j = 0;
            let mut newest = 0;
            while j < firsts.len() {
                let (m, p) = firsts[j];
                if m == minor {
                    return patch >= p;
                }
                if m > newest {
                    newest = m;
                }
                j += 1;
            }
            return minor > newest;
        }
        i += 1;
    }
    false
}

/// Where CPython sets the `"Python\0"` session id context.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionIdContext {
    /// On the `SSL_CTX`, in the constructor (through 3.12).
    Context,
    /// On each server-side connection (3.13+).
    ServerConnections,
}

/// How an attribute setter converts a Python `int`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntConversion {
    /// C `long` (`PyArg_Parse "l"`): negatives accepted, `>= 2**63` is an OverflowError.
    SignedLong,
    /// `PyLong_AsUnsignedLongLong`: negatives and `>= 2**64` are OverflowErrors.
    UnsignedLongLong,
    /// 3.14's unsigned 64-bit converter: a negative is a `ValueError('Cannot convert negative
    /// int')`, `>= 2**64` an `OverflowError('Python int too large for C unsigned long long')`,
    /// a non-integer the generic "cannot be interpreted as an integer" `TypeError`.
    UInt64,
}

/// How `int(ctx.options)` reads the 64 option bits back.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionsReadback {
    /// A signed C `long` kept as is (bit 63 set reads negative): 3.7–3.10.
    SignedLong,
    /// A signed C `long` wrapped by 3.11's `Options` IntFlag, which maps a negative `v` to
    /// `max(2**32, 2**v.bit_length()) + v`.
    SignedLongIntFlag,
    /// Unsigned 64-bit (3.12+).
    Unsigned,
}

/// How `set_ecdh_curve` hands the curve to OpenSSL.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdhCurveCall {
    /// `EC_KEY_new_by_curve_name` + `SSL_CTX_set_tmp_ecdh` (through 3.10): only EC curves.
    TmpEcdh,
    /// `SSL_CTX_set1_groups` with one group (3.11+): X25519 and X448 work too.
    Set1Groups,
}

/// The behaviour of one CPython patch release (and build flavour).
///
/// New fields arrive with new releases, so the struct is `#[non_exhaustive]`: take a shipped
/// constant or [`Profile::by_version`] and adjust it with the `with_*` methods.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// `(major, minor)` of the release, e.g. `(3, 13)`.
    pub version: (u32, u32),
    /// The patch number: `18` for 3.13.18.
    pub patch: u32,
    /// The build's `--with-ssl-default-suites`.
    pub ssl_default_suites: SslDefaultSuites,
    /// CPython's own cipher string (`_ssl._DEFAULT_CIPHERS` of an upstream build), which the
    /// constructor sets unless the build keeps OpenSSL's ([`SslDefaultSuites::OpenSsl`]).
    pub default_cipher_string: &'static str,
    /// Minimum version an upstream build's constructor sets for PROTOCOL_TLS / TLS_CLIENT /
    /// TLS_SERVER ([`Profile::constructor_minimum_version`] is the build's).
    pub default_minimum_version: Option<TlsVersion>,
    /// Options the constructor adds beyond the common set.
    pub extra_options: Options,
    /// Verify flags `create_default_context` adds.
    pub default_context_verify_flags: VerifyFlags,
    /// Where the session id context goes.
    pub session_id_context: SessionIdContext,
    /// Integer conversion of the `options` setter.
    pub options_conversion: IntConversion,
    /// How the `options` getter reads the bits back.
    pub options_readback: OptionsReadback,
    /// DER `cadata` must end exactly at a certificate boundary (3.12+).
    pub der_cadata_strict_eof: bool,
    /// `create_default_context` honours `SSLKEYLOGFILE` (3.8+).
    pub honours_sslkeylogfile: bool,
    /// `create_default_context` uses TLS_CLIENT / TLS_SERVER (3.10+) instead of PROTOCOL_TLS,
    /// and rejects other purposes with ValueError (earlier: treated like CLIENT_AUTH).
    pub purpose_specific_protocols: bool,
    /// The "invalid or unsupported protocol version" message names the number (3.10+).
    pub protocol_error_has_number: bool,
    /// `minimum_version`/`maximum_version` setters accept only known versions, with
    /// "Unsupported TLS/SSL version" (3.10+); earlier ones pass any value to OpenSSL.
    pub version_setter_validates: bool,
    /// How `set_ecdh_curve` calls OpenSSL.
    pub ecdh_curve_call: EcdhCurveCall,
    /// `SSLContext.security_level` exists (3.10+).
    pub has_security_level: bool,
    /// `SSLContext.num_tickets` and `keylog_filename` exist (3.8+).
    pub has_num_tickets_and_keylog: bool,
    /// The generation of `[LIB: REASON]` tables that release compiles in; the one a build
    /// uses is [`Profile::mnemonic_table`].
    pub error_names: ErrorNames,
    /// A certificate chain holding one of CPython's denylisted intermediate keys fails
    /// verification (`verify_code` 28, "certificate rejected"), whatever CA the user trusts
    /// (3.13.18, 3.14.10, 3.15.2; [`Change::KeyDenylist`]).
    pub key_denylist: bool,
    /// An OpenSSL error without a reason text reads `unknown error (0x…)` with the packed code
    /// (3.14+; [`Change::UnknownErrorShowsCode`]).
    pub unknown_error_shows_code: bool,
    /// `wrap_bio()` makes `wrap_socket()`'s checks first: `server_hostname` or `session` on a
    /// server connection, and `check_hostname` without a (non-empty) `server_hostname`, are
    /// `ValueError`s (3.13.16, 3.14.8, 3.15.0; [`Change::WrapBioChecksArguments`]).
    pub wrap_bio_checks_arguments: bool,
    /// Setting `session` hands OpenSSL the session object itself (3.13.1, 3.14.0;
    /// [`Change::SessionSetShares`]); earlier releases offered a copy made through DER. The
    /// difference shows after a connection that ended without a TLS shutdown (closed without
    /// `unwrap()`): OpenSSL then marks its session not resumable, so a later connection
    /// offering it does a full handshake, where the copy of earlier releases resumed.
    pub session_set_shares: bool,
    /// `minimum_version`/`maximum_version` convert a C `int` (`PyArg_Parse "i"`): beyond it
    /// they raise "signed integer is greater than maximum" / "... less than minimum", where
    /// earlier releases parsed a C `long` and raised "Option is too long" above `INT_MAX`
    /// ([`Change::VersionSetterCInt`]).
    pub version_setter_c_int: bool,
    /// `load_cert_chain`'s `OSError` names the file that failed (certfile, else keyfile) as
    /// a `str` (3.15; [`Change::LoadCertChainNamesFile`]).
    pub load_cert_chain_names_file: bool,
    /// `load_cert_chain` without a password answers OpenSSL's request for one with an empty
    /// password (3.15; [`Change::PasswordCallbackAlways`]): an encrypted key then fails with
    /// `SSLError('[SSL] PEM lib')` where earlier releases let OpenSSL prompt on the terminal
    /// (and, without one, fail with `OSError(EINVAL)`).
    pub password_callback_always: bool,
    /// `DER_cert_to_PEM_cert(b"")` has an empty line between header and footer (3.15;
    /// [`Change::PemWrapcol`]).
    pub pem_empty_line_for_empty_der: bool,
    /// `PEM_cert_to_DER_cert` decodes past a padded group: a `=` before the end of the base64
    /// is skipped (3.13.13, 3.14.4, 3.15.0; [`Change::Base64InnerPadding`]); earlier releases
    /// stop at the first padded group.
    pub base64_ignores_inner_padding: bool,
    /// `cadata` without any certificate raises the explicit "cadata does not contain a
    /// certificate" errors, and a load ending without a queued error succeeds (3.8+). 3.7
    /// reports whatever the queue holds, "unknown error" when it is empty.
    pub cadata_explicit_errors: bool,
    /// 3.7 quirks of argument and callback errors: a path with a NUL byte for `cafile`,
    /// `capath`, `certfile` or `keyfile` is a TypeError ("cafile should be a valid filesystem
    /// path"), and an exception inside a password callback surfaces as a `SystemError`.
    pub py37_argument_quirks: bool,
    /// Interpreter messages that changed between releases (type errors of integer
    /// arguments, assigning a read-only property).
    pub messages: InterpreterMessages,
    /// A BIT STRING value in a certificate name (`x500UniqueIdentifier`) decodes to `bytes`
    /// (3.10+). Earlier releases hand it to `ASN1_STRING_to_UTF8`, which refuses the type
    /// without queuing an error, so the whole certificate fails with
    /// `SSLError(0, 'unknown error')`.
    pub name_bit_strings_as_bytes: bool,
    /// OpenSSL 3's "unexpected eof while reading" is an `SSLEOFError` ("EOF occurred in
    /// violation of protocol"), which `suppress_ragged_eofs` hides (3.8+); 3.7 raises it as a
    /// plain `SSLError` that `recv()` does not suppress.
    pub unexpected_eof_is_eof_error: bool,
    /// A call failing with `SSL_ERROR_SYSCALL` and nothing queued raises `OSError` from
    /// `errno` when it is set, `SSLEOFError` otherwise (3.13+). Earlier releases look at the
    /// return value first: 0 (`SSL_read_ex`/`SSL_write_ex`) is `SSLEOFError` whatever
    /// `errno` says; -1 is `OSError` from `errno` on a socket and `SSLSyscallError` ("Some I/O
    /// error occurred") on an `SSLObject`.
    pub syscall_errno_first: bool,
    /// `shared_ciphers()` lists the ciphers both sides have (3.10+); earlier releases list
    /// the connection's own cipher list.
    pub shared_ciphers_intersect: bool,
    /// Connections read and write through `SSL_read_ex`/`SSL_write_ex` with `Py_ssize_t`
    /// sizes (3.10+). Through 3.9 they use `SSL_read`/`SSL_write` with C `int` sizes: a read
    /// size or write length beyond 2**31-1 is an `OverflowError`, and `write(b"")` on an
    /// established connection is an `SSLEOFError` (`SSL_write` returns 0).
    pub read_write_ex: bool,
}

/// Interpreter-level error texts that differ between releases.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterpreterMessages {
    /// A non-integer for a C integer argument: `an integer is required (got type str)`
    /// (through 3.9) or `'str' object cannot be interpreted as an integer` (3.10+).
    pub integer_required_got_type: bool,
    /// The `options` setter checks for an `int` itself: `argument must be int, not str`
    /// (3.12+).
    pub options_argument_must_be_int: bool,
    /// Assigning `protocol`: `can't set attribute` (through 3.9), `can't set attribute
    /// 'protocol'` (3.10) or `property 'protocol' of 'SSLContext' object has no setter` (3.11+).
    pub readonly_property: ReadonlyPropertyMessage,
    /// How IDNA failures of a `server_hostname` are raised.
    pub idna_errors: IdnaErrors,
    /// A connection timeout is `TimeoutError` (3.10+, where `socket.timeout` became its
    /// alias) rather than `socket.timeout`.
    pub timeout_is_timeout_error: bool,
    /// `str()` of an `IntEnum` member (`ssl.CERT_NONE`, `TLSVersion.TLSv1_2`, ...) is its
    /// value (3.11+) rather than `Class.NAME`.
    pub int_enum_str_is_value: bool,
    /// `datetime` rejects year 0 with "year must be in 1..9999, not 0" (3.14+) rather than
    /// "year 0 is out of range" (`cert_time_to_seconds`).
    pub datetime_year_range_names_bounds: bool,
}

/// Which case folding a release's IDNA 2003 nameprep (`server_hostname`) applies: before
/// gh-155292, `stringprep` lowercased with the interpreter's own Unicode version.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdnaCaseFolding {
    /// 3.7: Unicode 11.0.
    Unicode11,
    /// 3.8: Unicode 12.1.
    Unicode12_1,
    /// 3.9 and 3.10: Unicode 13.0.
    Unicode13,
    /// 3.11 … 3.13.15: Unicode 14.0 … 15.1, which fold these code points alike.
    Unicode14,
    /// 3.14.0 … 3.14.7: Unicode 16.0.
    Unicode16,
    /// 3.13.16+, 3.14.8+, 3.15: RFC 3454's table B.2 as Unicode 3.2 defines it.
    Rfc3454,
}

/// See [`InterpreterMessages::idna_errors`]: which generation of CPython's `idna` codec
/// shapes the error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdnaErrors {
    /// 3.7–3.11: `UnicodeError` wrapped by the codec machinery.
    Wrapped,
    /// 3.12: the codec's own `UnicodeError`, no longer wrapped.
    Bare,
    /// 3.13: `UnicodeEncodeError` with positions.
    Positional,
}

/// See [`InterpreterMessages::readonly_property`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadonlyPropertyMessage {
    /// `can't set attribute`.
    CantSet,
    /// `can't set attribute 'protocol'`.
    CantSetNamed,
    /// `property 'protocol' of 'SSLContext' object has no setter`.
    NoSetter,
}

const CIPHERS_37: &str = "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK";
const CIPHERS_310: &str =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

impl Profile {
    /// CPython 3.7.16.
    pub const PY37: Profile = Profile {
        version: (3, 7),
        patch: 16,
        ssl_default_suites: SslDefaultSuites::Python,
        default_cipher_string: CIPHERS_37,
        default_minimum_version: None,
        extra_options: Options::empty(),
        default_context_verify_flags: VerifyFlags::empty(),
        session_id_context: SessionIdContext::Context,
        options_conversion: IntConversion::SignedLong,
        options_readback: OptionsReadback::SignedLong,
        der_cadata_strict_eof: false,
        honours_sslkeylogfile: false,
        purpose_specific_protocols: false,
        protocol_error_has_number: false,
        version_setter_validates: false,
        ecdh_curve_call: EcdhCurveCall::TmpEcdh,
        has_security_level: false,
        has_num_tickets_and_keylog: false,
        error_names: ErrorNames::Py37,
        key_denylist: false,
        unknown_error_shows_code: false,
        wrap_bio_checks_arguments: false,
        session_set_shares: false,
        version_setter_c_int: false,
        load_cert_chain_names_file: false,
        password_callback_always: false,
        pem_empty_line_for_empty_der: false,
        base64_ignores_inner_padding: false,
        cadata_explicit_errors: false,
        py37_argument_quirks: true,
        name_bit_strings_as_bytes: false,
        unexpected_eof_is_eof_error: false,
        syscall_errno_first: false,
        shared_ciphers_intersect: false,
        read_write_ex: false,
        messages: InterpreterMessages {
            integer_required_got_type: true,
            options_argument_must_be_int: false,
            readonly_property: ReadonlyPropertyMessage::CantSet,
            idna_errors: IdnaErrors::Wrapped,
            timeout_is_timeout_error: false,
            int_enum_str_is_value: false,
            datetime_year_range_names_bounds: false,
        },
    };

    /// CPython 3.8.18: adds `OP_IGNORE_UNEXPECTED_EOF` on OpenSSL 3, `num_tickets`,
    /// `keylog_filename` and `SSLKEYLOGFILE`.
    pub const PY38: Profile = Profile {
        version: (3, 8),
        patch: 18,
        extra_options: Options::IGNORE_UNEXPECTED_EOF,
        honours_sslkeylogfile: true,
        has_num_tickets_and_keylog: true,
        error_names: ErrorNames::Py38,
        cadata_explicit_errors: true,
        py37_argument_quirks: false,
        unexpected_eof_is_eof_error: true,
        ..Profile::PY37
    };

    /// CPython 3.9.18.
    pub const PY39: Profile = Profile {
        version: (3, 9),
        patch: 18,
        ..Profile::PY38
    };

    /// CPython 3.10.13: TLS_CLIENT/TLS_SERVER, the `@SECLEVEL=2` cipher string, TLS 1.2
    /// minimum, `security_level`, validated version setters, BIT STRING name values as
    /// `bytes`.
    pub const PY310: Profile = Profile {
        version: (3, 10),
        patch: 13,
        default_cipher_string: CIPHERS_310,
        default_minimum_version: Some(TlsVersion::TLSv1_2),
        extra_options: Options::empty(),
        purpose_specific_protocols: true,
        protocol_error_has_number: true,
        version_setter_validates: true,
        has_security_level: true,
        name_bit_strings_as_bytes: true,
        shared_ciphers_intersect: true,
        read_write_ex: true,
        messages: InterpreterMessages {
            integer_required_got_type: false,
            options_argument_must_be_int: false,
            readonly_property: ReadonlyPropertyMessage::CantSetNamed,
            idna_errors: IdnaErrors::Wrapped,
            timeout_is_timeout_error: true,
            int_enum_str_is_value: false,
            datetime_year_range_names_bounds: false,
        },
        ..Profile::PY39
    };

    /// CPython 3.11.7: `set_ecdh_curve` through `SSL_CTX_set1_groups`, the IntFlag readback
    /// quirk of `options`.
    pub const PY311: Profile = Profile {
        version: (3, 11),
        patch: 7,
        options_readback: OptionsReadback::SignedLongIntFlag,
        ecdh_curve_call: EcdhCurveCall::Set1Groups,
        messages: InterpreterMessages {
            integer_required_got_type: false,
            options_argument_must_be_int: false,
            readonly_property: ReadonlyPropertyMessage::NoSetter,
            idna_errors: IdnaErrors::Wrapped,
            timeout_is_timeout_error: true,
            int_enum_str_is_value: true,
            datetime_year_range_names_bounds: false,
        },
        ..Profile::PY310
    };

    /// CPython 3.12.1: unsigned 64-bit `options`, strict DER `cadata`.
    pub const PY312: Profile = Profile {
        version: (3, 12),
        patch: 1,
        options_conversion: IntConversion::UnsignedLongLong,
        options_readback: OptionsReadback::Unsigned,
        der_cadata_strict_eof: true,
        messages: InterpreterMessages {
            integer_required_got_type: false,
            options_argument_must_be_int: true,
            readonly_property: ReadonlyPropertyMessage::NoSetter,
            idna_errors: IdnaErrors::Bare,
            timeout_is_timeout_error: true,
            int_enum_str_is_value: true,
            datetime_year_range_names_bounds: false,
        },
        ..Profile::PY311
    };

    /// CPython 3.13.0: `create_default_context` adds `VERIFY_X509_PARTIAL_CHAIN |
    /// VERIFY_X509_STRICT`, the session id context moves to server-side connections, IDNA
    /// errors carry positions.
    pub const PY313_0: Profile = Profile {
        version: (3, 13),
        patch: 0,
        default_context_verify_flags: VerifyFlags::X509_PARTIAL_CHAIN
            .union(VerifyFlags::X509_STRICT),
        session_id_context: SessionIdContext::ServerConnections,
        syscall_errno_first: true,
        messages: InterpreterMessages {
            idna_errors: IdnaErrors::Positional,
            ..Profile::PY312.messages
        },
        ..Profile::PY312
    }
    .at_patch(0);

    /// CPython 3.13.18, the newest 3.13 pyssl knows: 3.13.0 plus the patch-level changes
    /// of [`CHANGES`] (the intermediate-key denylist).
    pub const PY313: Profile = Profile::PY313_0.at_patch(18);

    /// CPython 3.14.10: the defaults of 3.13; `unknown error (0x…)`, the 3.14 error-name
    /// tables, `HAS_PHA`, 3.14's unsigned 64-bit `options` converter, the intermediate-key
    /// denylist.
    pub const PY314: Profile = Profile {
        version: (3, 14),
        error_names: ErrorNames::Py314,
        options_conversion: IntConversion::UInt64,
        messages: InterpreterMessages {
            options_argument_must_be_int: false,
            datetime_year_range_names_bounds: true,
            ..Profile::PY313_0.messages
        },
        ..Profile::PY313_0
    }
    .at_patch(10);

    /// CPython 3.15.2; the default profile.
    pub const PY315: Profile = Profile {
        version: (3, 15),
        ..Profile::PY314
    }
    .at_patch(2);

    /// Every profile compared with a live interpreter (`oracle/releases.tsv`), oldest first:
    /// pyenv's upstream builds 3.7.16 … 3.13.0 and Debian unstable's 3.13.18, 3.14.10 and
    /// 3.15.2 (those three compared in Debian's flavour, [`SslDefaultSuites::OpenSsl`]).
    pub const ALL: &'static [Profile] = &[
        Profile::PY37,
        Profile::PY38,
        Profile::PY39,
        Profile::PY310,
        Profile::PY311,
        Profile::PY312,
        Profile::PY313_0,
        Profile::PY313,
        Profile::PY314,
        Profile::PY315,
    ];

    /// This release at patch `patch`, its patch-level behaviour resolved from [`CHANGES`].
    ///
    /// ```
    /// use pyssl::Profile;
    /// assert!(!Profile::PY314.at_patch(9).key_denylist);
    /// assert!(Profile::PY314.at_patch(10).key_denylist);
    /// ```
    pub const fn at_patch(self, patch: u32) -> Profile {
        let minor = self.version.1;
        Profile {
            patch,
            key_denylist: has_change(Change::KeyDenylist, minor, patch),
            unknown_error_shows_code: has_change(Change::UnknownErrorShowsCode, minor, patch),
            wrap_bio_checks_arguments: has_change(Change::WrapBioChecksArguments, minor, patch),
            session_set_shares: has_change(Change::SessionSetShares, minor, patch),
            version_setter_c_int: has_change(Change::VersionSetterCInt, minor, patch),
            load_cert_chain_names_file: has_change(Change::LoadCertChainNamesFile, minor, patch),
            password_callback_always: has_change(Change::PasswordCallbackAlways, minor, patch),
            pem_empty_line_for_empty_der: has_change(Change::PemWrapcol, minor, patch),
            base64_ignores_inner_padding: has_change(Change::Base64InnerPadding, minor, patch),
            ..self
        }
    }

    /// The case folding of this release's IDNA nameprep.
    ///
    /// ```python
    /// ssl.create_default_context().wrap_bio(i, o, server_hostname="\u1e9e.de").server_hostname
    /// # 3.13.0: 'ss.de'; 3.13.18: 'xn--kkg.de'
    /// ```
    /// ```
    /// use pyssl::{profiles::IdnaCaseFolding, Profile};
    /// assert_eq!(Profile::PY313_0.idna_case_folding(), IdnaCaseFolding::Unicode14);
    /// assert_eq!(Profile::PY313.idna_case_folding(), IdnaCaseFolding::Rfc3454);
    /// ```
    pub const fn idna_case_folding(&self) -> IdnaCaseFolding {
        if self.has(Change::IdnaUnicode32CaseFolding) {
            return IdnaCaseFolding::Rfc3454;
        }
        match self.version.1 {
            ..=7 => IdnaCaseFolding::Unicode11,
            8 => IdnaCaseFolding::Unicode12_1,
            9 | 10 => IdnaCaseFolding::Unicode13,
            11..=13 => IdnaCaseFolding::Unicode14,
            _ => IdnaCaseFolding::Unicode16,
        }
    }

    /// Whether this release has `change` (see [`CHANGES`]). The changes read this way have no
    /// field of their own.
    ///
    /// ```
    /// use pyssl::{profiles::Change, Profile};
    /// assert!(!Profile::PY313_0.has(Change::DeletionChecks));
    /// assert!(Profile::PY313.has(Change::DeletionChecks));
    /// ```
    pub const fn has(&self, change: Change) -> bool {
        self.version.0 == 3 && has_change(change, self.version.1, self.patch)
    }

    /// The same release built with `--with-ssl-default-suites=suites` (Debian and Ubuntu
    /// build with `openssl`).
    ///
    /// ```python
    /// # Debian's python3.14: sysconfig's CONFIG_ARGS has --with-ssl-default-suites=openssl
    /// ssl.create_default_context().minimum_version   # TLSVersion.MINIMUM_SUPPORTED
    /// ```
    /// ```
    /// use pyssl::{Profile, SslDefaultSuites, TlsVersion};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let debian = Profile::PY314.with_ssl_default_suites(SslDefaultSuites::OpenSsl);
    /// let ctx = pyssl::SslContext::with_profile(pyssl::PROTOCOL_TLS_CLIENT, debian)?;
    /// assert_eq!(ctx.minimum_version(), TlsVersion::MINIMUM_SUPPORTED);
    /// # Ok(()) }
    /// ```
    pub const fn with_ssl_default_suites(self, suites: SslDefaultSuites) -> Profile {
        Profile {
            ssl_default_suites: suites,
            ..self
        }
    }

    /// The cipher string the constructor sets, or `None` when the build keeps OpenSSL's
    /// default list.
    pub fn constructor_cipher_string(&self) -> Option<&'static str> {
        match self.ssl_default_suites {
            SslDefaultSuites::Python => Some(self.default_cipher_string),
            SslDefaultSuites::OpenSsl => None,
        }
    }

    /// The minimum version the constructor sets on the version-flexible protocols, or `None`
    /// when the build keeps OpenSSL's (upstream sets TLS 1.2 together with its cipher string).
    pub fn constructor_minimum_version(&self) -> Option<TlsVersion> {
        match self.ssl_default_suites {
            SslDefaultSuites::Python => self.default_minimum_version,
            SslDefaultSuites::OpenSsl => None,
        }
    }

    /// The `[LIB: REASON]` table a CPython of this release names OpenSSL errors with, when it
    /// is built against the OpenSSL pyssl is built against (CPython picks its table by the
    /// headers it was compiled with; pyssl imitates a CPython built on pyssl's own OpenSSL).
    pub fn mnemonic_table(&self) -> MnemonicTable {
        let debian_313 = self.error_names == ErrorNames::Py38
            && self.ssl_default_suites == SslDefaultSuites::OpenSsl
            && self.version == (3, 13)
            && self.patch >= 1;
        MnemonicTable::for_build(self.error_names, debian_313, self.unknown_error_shows_code)
    }

    /// The profile named by the environment variable `PYSSL_PROFILE` (`"3.11"`,
    /// `"3.14.10"`, anything [`Profile::by_version`] takes), so that a port pins the CPython
    /// release it came from without a code change; the default profile when it is unset or
    /// empty. An unknown or non-UTF-8 value is a `ValueError` naming the shipped releases,
    /// never a silent fallback.
    ///
    /// ```python
    /// ctx = ssl.create_default_context()   # under whichever python3 the service runs
    /// ```
    /// ```
    /// let profile = pyssl::Profile::from_env()?;
    /// let opts = pyssl::CreateOptions { profile, ..Default::default() };
    /// let ctx = pyssl::create_default_context_with(pyssl::Purpose::SERVER_AUTH, opts)?;
    /// # Ok::<(), pyssl::Error>(())
    /// ```
    pub fn from_env() -> crate::Result<Profile> {
        Profile::from_env_value(std::env::var_os("PYSSL_PROFILE").as_deref())
    }

    /// [`Profile::from_env`] for a given value of `PYSSL_PROFILE`.
    fn from_env_value(value: Option<&std::ffi::OsStr>) -> crate::Result<Profile> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(Profile::default());
        };
        let text = value.to_string_lossy();
        value.to_str().and_then(Profile::by_version).ok_or_else(|| {
            let shipped: Vec<String> = Profile::ALL.iter().map(Profile::release).collect();
            crate::Error::value(format!(
                "PYSSL_PROFILE={text:?} names no profile (pyssl ships {})",
                shipped.join(", ")
            ))
        })
    }

    /// The profile for `"3.11"` (the newest patch of that line pyssl knows), `"3.13.18"`, or
    /// any patch release of a shipped line up to its newest (`"3.13.5"` resolves 3.13.0's
    /// behaviour with the [`CHANGES`] that 3.13.5 has). `None` for unknown lines and for
    /// patches newer than the newest known (their behaviour is not known).
    pub fn by_version(version: &str) -> Option<Profile> {
        let mut parts = version.split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        let patch: Option<u32> = match parts.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() || major != 3 {
            return None;
        }
        let line: Vec<&Profile> = Profile::ALL
            .iter()
            .filter(|p| p.version == (major, minor))
            .collect();
        let newest = **line.iter().max_by_key(|p| p.patch)?;
        match patch {
            None => Some(newest),
            Some(p) if p > newest.patch => None,
            Some(p) => {
                if let Some(exact) = line.iter().find(|q| q.patch == p) {
                    return Some(**exact);
                }
                // The line's oldest shipped profile is its base (3.13.0 for 3.13); a line
                // shipped at one patch only (3.7.16, ...) is the base for its older patches
                // too: nothing pyssl reproduces changed within those lines.
                let base = **line.iter().min_by_key(|q| q.patch)?;
                Some(base.at_patch(p))
            }
        }
    }

    /// `"3.13"`-style label of the release line.
    pub fn label(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }

    /// `"3.13.18"`: the patch release.
    pub fn release(&self) -> String {
        format!("{}.{}.{}", self.version.0, self.version.1, self.patch)
    }

    /// The README's profile table (Markdown), generated from the profiles themselves: one
    /// column per profile of [`Profile::ALL`], with `compared_with` (one cell per profile, e.g.
    /// the interpreter each is compared with) as its first row.
    pub fn markdown_table(compared_with: &[String]) -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let mut rows: Vec<(&str, Vec<String>)> = vec![
            ("compared with", compared_with.to_vec()),
            ("cipher string", vec![]),
            ("minimum version (TLS, TLS_CLIENT, TLS_SERVER)", vec![]),
            ("extra constructor options", vec![]),
            ("create_default_context protocols", vec![]),
            ("create_default_context adds verify flags", vec![]),
            ("session id context", vec![]),
            ("`options` setter / getter", vec![]),
            ("DER cadata must end on a certificate", vec![]),
            ("SSLKEYLOGFILE", vec![]),
            (
                "`security_level` / `num_tickets`, `keylog_filename`",
                vec![],
            ),
            ("version setters validate", vec![]),
            ("set_ecdh_curve", vec![]),
            ("BIT STRING name value in a certificate", vec![]),
            ("read / write sizes", vec![]),
            ("intermediate-key denylist (gh-160040)", vec![]),
            ("reason without text", vec![]),
            ("wrap_bio checks arguments (gh-156793)", vec![]),
            ("session setter (gh-116810)", vec![]),
            ("`del` of a C setter (gh-156099)", vec![]),
            ("IDNA case folding (gh-155292)", vec![]),
            ("server `get_unverified_chain()` (gh-160171)", vec![]),
            (
                "first context's `sni_callback` after a switch (gh-156293)",
                vec![],
            ),
            ("`ERR_LIB_SYS` error (gh-127257)", vec![]),
            ("`SSLEOFError` again without OpenSSL (gh-148292)", vec![]),
        ];
        for p in Profile::ALL {
            let cells = [
                if p.default_cipher_string == CIPHERS_37 {
                    "`DEFAULT:!aNULL:…:!PSK`".to_string()
                } else {
                    "`@SECLEVEL=2:ECDH+AESGCM:…`".to_string()
                },
                p.default_minimum_version
                    .and_then(|v| v.name())
                    .unwrap_or("—")
                    .to_string(),
                if p.extra_options.is_empty() {
                    "—".to_string()
                } else {
                    "OP_IGNORE_UNEXPECTED_EOF".to_string()
                },
                if p.purpose_specific_protocols {
                    "TLS_CLIENT / TLS_SERVER".to_string()
                } else {
                    "PROTOCOL_TLS".to_string()
                },
                if p.default_context_verify_flags.is_empty() {
                    "—".to_string()
                } else {
                    "PARTIAL_CHAIN, STRICT".to_string()
                },
                match p.session_id_context {
                    SessionIdContext::Context => "SSL_CTX".to_string(),
                    SessionIdContext::ServerConnections => "server connections".to_string(),
                },
                format!(
                    "{} / {}",
                    match p.options_conversion {
                        IntConversion::SignedLong => "long",
                        IntConversion::UnsignedLongLong => "u64",
                        IntConversion::UInt64 => "u64 (ValueError < 0)",
                    },
                    match p.options_readback {
                        OptionsReadback::SignedLong => "long",
                        OptionsReadback::SignedLongIntFlag => "long+IntFlag",
                        OptionsReadback::Unsigned => "u64",
                    }
                ),
                yes(p.der_cadata_strict_eof).to_string(),
                yes(p.honours_sslkeylogfile).to_string(),
                format!(
                    "{} / {}",
                    yes(p.has_security_level),
                    yes(p.has_num_tickets_and_keylog)
                ),
                yes(p.version_setter_validates).to_string(),
                match p.ecdh_curve_call {
                    EcdhCurveCall::TmpEcdh => "tmp_ecdh".to_string(),
                    EcdhCurveCall::Set1Groups => "set1_groups".to_string(),
                },
                if p.name_bit_strings_as_bytes {
                    "bytes".to_string()
                } else {
                    "SSLError".to_string()
                },
                if p.read_write_ex {
                    "ssize_t (`SSL_read_ex`)".to_string()
                } else {
                    "C int (`SSL_read`)".to_string()
                },
                yes(p.key_denylist).to_string(),
                if p.unknown_error_shows_code {
                    "`unknown error (0x…)`".to_string()
                } else {
                    "`unknown error`".to_string()
                },
                yes(p.wrap_bio_checks_arguments).to_string(),
                if p.session_set_shares {
                    "shares".to_string()
                } else {
                    "DER copy".to_string()
                },
                if p.has(Change::DeletionChecks) {
                    "AttributeError".to_string()
                } else {
                    "setter called".to_string()
                },
                match p.idna_case_folding() {
                    IdnaCaseFolding::Unicode11 => "Unicode 11.0",
                    IdnaCaseFolding::Unicode12_1 => "Unicode 12.1",
                    IdnaCaseFolding::Unicode13 => "Unicode 13.0",
                    IdnaCaseFolding::Unicode14 => "Unicode 14.0",
                    IdnaCaseFolding::Unicode16 => "Unicode 16.0",
                    IdnaCaseFolding::Rfc3454 => "Unicode 3.2",
                }
                .to_string(),
                if p.has(Change::UnverifiedChainFromPeer) {
                    "client cert + chain".to_string()
                } else {
                    "OpenSSL's peer chain".to_string()
                },
                if p.has(Change::SniCallbackOfCurrentContext) {
                    "skipped".to_string()
                } else {
                    "called".to_string()
                },
                if p.has(Change::SysErrorIsOsError) {
                    "OSError".to_string()
                } else {
                    "`[SYS] unknown error`".to_string()
                },
                yes(p.has(Change::StickyEof)).to_string(),
            ];
            for (row, cell) in rows.iter_mut().skip(1).zip(cells) {
                row.1.push(cell);
            }
        }
        let mut out = String::from("| |");
        for p in Profile::ALL {
            out.push_str(&format!(" {} |", p.release()));
        }
        out.push_str("\n|---|");
        for _ in Profile::ALL {
            out.push_str("---|");
        }
        out.push('\n');
        for (name, cells) in rows {
            out.push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
        }
        out
    }
}

impl Default for Profile {
    /// The newest shipped profile (3.15.2, upstream flavour).
    fn default() -> Profile {
        Profile::PY315
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_value_names_a_release_or_fails_loudly() {
        use std::ffi::OsStr;
        assert_eq!(Profile::from_env_value(None).unwrap(), Profile::default());
        assert_eq!(
            Profile::from_env_value(Some(OsStr::new(""))).unwrap(),
            Profile::default()
        );
        let p = Profile::from_env_value(Some(OsStr::new("3.14.10"))).unwrap();
        assert_eq!(p.release(), "3.14.10");
        let e = Profile::from_env_value(Some(OsStr::new("9.9"))).unwrap_err();
        assert_eq!(e.python_type(), "ValueError");
        let start = "PYSSL_PROFILE=\"9.9\" names no profile (pyssl ships 3.7.16, ";
        assert!(e.python_str().starts_with(start), "{e}");
    }
}
