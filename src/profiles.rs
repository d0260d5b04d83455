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
//! # Defaults
//!
//! | | 3.11 | 3.13 |
//! |---|---|---|
//! | cipher string | `@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM` | same |
//! | minimum version (TLS, TLS_CLIENT, TLS_SERVER) | TLSv1_2 | TLSv1_2 |
//! | `create_default_context` verify flags added | — | `VERIFY_X509_PARTIAL_CHAIN \| VERIFY_X509_STRICT` |
//! | session id context `"Python\0"` | on the SSL_CTX | on server-side connections |
//! | `options` setter integer conversion | C `long` | unsigned 64-bit |
//! | DER `cadata` end of data | trailing `HEADER_TOO_LONG` accepted | must end on a certificate boundary |

use crate::constants::{Options, TlsVersion, VerifyFlags};

/// Where CPython sets the `"Python\0"` session id context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionIdContext {
    /// On the `SSL_CTX`, in the constructor (through 3.12).
    Context,
    /// On each server-side connection (3.13+).
    ServerConnections,
}

/// How an attribute setter converts a Python `int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntConversion {
    /// C `long` (`PyArg_Parse "l"`): negatives accepted, `>= 2**63` is an OverflowError.
    SignedLong,
    /// `PyLong_AsUnsignedLongLong`: negatives and `>= 2**64` are OverflowErrors.
    UnsignedLongLong,
}

/// The behaviour of one CPython release line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// `(major, minor)` of the release, e.g. `(3, 13)`.
    pub version: (u32, u32),
    /// The patch release whose behaviour was compared (the pyenv interpreter).
    pub reference_release: &'static str,
    /// `_ssl._DEFAULT_CIPHERS`, set by the constructor.
    pub default_cipher_string: &'static str,
    /// Minimum version the constructor sets for PROTOCOL_TLS / TLS_CLIENT / TLS_SERVER.
    pub default_minimum_version: Option<TlsVersion>,
    /// Options the constructor adds beyond the common set.
    pub extra_options: Options,
    /// Verify flags `create_default_context` adds.
    pub default_context_verify_flags: VerifyFlags,
    /// Where the session id context goes.
    pub session_id_context: SessionIdContext,
    /// Integer conversion of the `options` setter.
    pub options_conversion: IntConversion,
    /// DER `cadata` must end exactly at a certificate boundary (3.12+).
    pub der_cadata_strict_eof: bool,
    /// `create_default_context` honours `SSLKEYLOGFILE` (3.8+).
    pub honours_sslkeylogfile: bool,
    /// `create_default_context` uses TLS_CLIENT / TLS_SERVER (3.10+) instead of PROTOCOL_TLS.
    pub purpose_specific_protocols: bool,
    /// The "invalid or unsupported protocol version" message names the number (3.10+).
    pub protocol_error_has_number: bool,
}

const CIPHERS_310: &str =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

impl Profile {
    /// CPython 3.11 (compared with 3.11.7).
    pub const PY311: Profile = Profile {
        version: (3, 11),
        reference_release: "3.11.7",
        default_cipher_string: CIPHERS_310,
        default_minimum_version: Some(TlsVersion::TLSv1_2),
        extra_options: Options::empty(),
        default_context_verify_flags: VerifyFlags::empty(),
        session_id_context: SessionIdContext::Context,
        options_conversion: IntConversion::SignedLong,
        der_cadata_strict_eof: false,
        honours_sslkeylogfile: true,
        purpose_specific_protocols: true,
        protocol_error_has_number: true,
    };

    /// CPython 3.13 (compared with 3.13.0); the default profile.
    pub const PY313: Profile = Profile {
        version: (3, 13),
        reference_release: "3.13.0",
        default_cipher_string: CIPHERS_310,
        default_minimum_version: Some(TlsVersion::TLSv1_2),
        extra_options: Options::empty(),
        default_context_verify_flags: VerifyFlags::X509_PARTIAL_CHAIN
            .union(VerifyFlags::X509_STRICT),
        session_id_context: SessionIdContext::ServerConnections,
        options_conversion: IntConversion::UnsignedLongLong,
        der_cadata_strict_eof: true,
        honours_sslkeylogfile: true,
        purpose_specific_protocols: true,
        protocol_error_has_number: true,
    };

    /// Every shipped profile, oldest first.
    pub const ALL: &'static [Profile] = &[Profile::PY311, Profile::PY313];

    /// The profile for `"3.11"`, `"3.13"`, ... (`None` if not shipped).
    pub fn by_version(version: &str) -> Option<Profile> {
        Profile::ALL
            .iter()
            .find(|p| format!("{}.{}", p.version.0, p.version.1) == version)
            .copied()
    }

    /// `"3.13"`-style label.
    pub fn label(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }
}

impl Default for Profile {
    /// The newest shipped profile (3.13).
    fn default() -> Profile {
        Profile::PY313
    }
}
