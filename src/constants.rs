//! Python's `ssl` module constants with CPython's exact values: `OP_*`, `VERIFY_*`, `CERT_*`,
//! `PROTOCOL_*`, `TLSVersion`, `AlertDescription`, `Purpose`, plus the Python-spelled aliases
//! re-exported at the crate root so ported code reads like the original.
//!
//! ```python
//! ctx.options |= ssl.OP_NO_TICKET
//! ```
//! ```
//! # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
//! ctx.set_options(ctx.options() | pyssl::OP_NO_TICKET).unwrap();
//! ```
//!
//! Bit sets keep bits they have no name for: `Options::from_bits_retain(x).bits() == x` for every
//! `x`, and `!` flips all 64 bits, so `opts & !OP_NO_SSLv3` clears exactly one bit.
#![allow(non_upper_case_globals)]
// openssl-sys types these constants as u64 on OpenSSL 3 but as c_ulong/c_int elsewhere; the
// casts keep the definitions portable.
#![allow(clippy::unnecessary_cast)]

use std::fmt;

use openssl_sys as sys;

/// `SSL_OP_ENABLE_KTLS` (OpenSSL 3.0 `ssl.h`: bit 3); openssl-sys does not declare it.
const SSL_OP_ENABLE_KTLS: u64 = 1 << 3;

bitflags::bitflags! {
    /// `ssl.Options`: the `OP_*` bits of `SSLContext.options`.
    ///
    /// ```python
    /// ctx.options &= ~ssl.OP_NO_SSLv3
    /// ```
    /// ```
    /// # let ctx = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH).unwrap();
    /// ctx.set_options(ctx.options() & !pyssl::Options::NO_SSLV3).unwrap();
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Options: u64 {
        /// `OP_ALL`: OpenSSL's bug workarounds without `DONT_INSERT_EMPTY_FRAGMENTS`.
        const ALL = sys::SSL_OP_ALL as u64 & !(sys::SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS as u64);
        /// `OP_NO_SSLv2` (0 on OpenSSL 1.1+).
        const NO_SSLV2 = 0;
        /// `OP_NO_SSLv3`.
        const NO_SSLV3 = sys::SSL_OP_NO_SSLv3 as u64;
        /// `OP_NO_TLSv1`.
        const NO_TLSV1 = sys::SSL_OP_NO_TLSv1 as u64;
        /// `OP_NO_TLSv1_1`.
        const NO_TLSV1_1 = sys::SSL_OP_NO_TLSv1_1 as u64;
        /// `OP_NO_TLSv1_2`.
        const NO_TLSV1_2 = sys::SSL_OP_NO_TLSv1_2 as u64;
        /// `OP_NO_TLSv1_3`.
        const NO_TLSV1_3 = sys::SSL_OP_NO_TLSv1_3 as u64;
        /// `OP_CIPHER_SERVER_PREFERENCE`.
        const CIPHER_SERVER_PREFERENCE = sys::SSL_OP_CIPHER_SERVER_PREFERENCE as u64;
        /// `OP_SINGLE_DH_USE` (0 on OpenSSL 1.1+).
        const SINGLE_DH_USE = 0;
        /// `OP_SINGLE_ECDH_USE` (0 on OpenSSL 1.1+).
        const SINGLE_ECDH_USE = 0;
        /// `OP_NO_COMPRESSION`.
        const NO_COMPRESSION = sys::SSL_OP_NO_COMPRESSION as u64;
        /// `OP_NO_TICKET`.
        const NO_TICKET = sys::SSL_OP_NO_TICKET as u64;
        /// `OP_NO_RENEGOTIATION`.
        const NO_RENEGOTIATION = sys::SSL_OP_NO_RENEGOTIATION as u64;
        /// `OP_ENABLE_MIDDLEBOX_COMPAT`.
        const ENABLE_MIDDLEBOX_COMPAT = sys::SSL_OP_ENABLE_MIDDLEBOX_COMPAT as u64;
        /// `OP_IGNORE_UNEXPECTED_EOF`.
        const IGNORE_UNEXPECTED_EOF = sys::SSL_OP_IGNORE_UNEXPECTED_EOF as u64;
        /// `OP_LEGACY_SERVER_CONNECT` (Python 3.12+).
        const LEGACY_SERVER_CONNECT = sys::SSL_OP_LEGACY_SERVER_CONNECT as u64;
        /// `OP_ENABLE_KTLS` (Python 3.12+).
        const ENABLE_KTLS = SSL_OP_ENABLE_KTLS;
        // Every bit is "known", so `!` and `from_bits_retain` never drop bits.
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// `ssl.VerifyFlags`: the `VERIFY_*` bits of `SSLContext.verify_flags`.
    ///
    /// ```python
    /// ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    /// ```
    /// ```
    /// # let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
    /// ctx.set_verify_flags(ctx.verify_flags() | pyssl::VERIFY_X509_STRICT).unwrap();
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct VerifyFlags: u64 {
        /// `VERIFY_DEFAULT` (0).
        const DEFAULT = 0;
        /// `VERIFY_CRL_CHECK_LEAF`.
        const CRL_CHECK_LEAF = sys::X509_V_FLAG_CRL_CHECK as u64;
        /// `VERIFY_CRL_CHECK_CHAIN`.
        const CRL_CHECK_CHAIN = (sys::X509_V_FLAG_CRL_CHECK | sys::X509_V_FLAG_CRL_CHECK_ALL) as u64;
        /// `VERIFY_X509_STRICT`.
        const X509_STRICT = sys::X509_V_FLAG_X509_STRICT as u64;
        /// `VERIFY_ALLOW_PROXY_CERTS`.
        const ALLOW_PROXY_CERTS = sys::X509_V_FLAG_ALLOW_PROXY_CERTS as u64;
        /// `VERIFY_X509_TRUSTED_FIRST`.
        const X509_TRUSTED_FIRST = sys::X509_V_FLAG_TRUSTED_FIRST as u64;
        /// `VERIFY_X509_PARTIAL_CHAIN`.
        const X509_PARTIAL_CHAIN = sys::X509_V_FLAG_PARTIAL_CHAIN as u64;
        const _ = !0;
    }
}

/// An `IntEnum` of the `ssl` module as a Rust newtype: the members as associated constants
/// (Rust names, e.g. `AlertDescription::CLOSE_NOTIFY`), their Python names (`$prefix` + the
/// Rust name, e.g. `ALERT_DESCRIPTION_CLOSE_NOTIFY`) and the Python class name (`$class`) for
/// `repr()`/`str()`.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) as $class:literal, prefix $prefix:literal
        { $( $(#[$cmeta:meta])* $cname:ident = $val:expr ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $cname: $name = $name($val); )*

            /// Every named member with its Python name, in definition order.
            pub const MEMBERS: &'static [(&'static str, $name)] =
                &[ $( (concat!($prefix, stringify!($cname)), $name($val)) ),* ];

            /// The Python class name (`repr()` shows it).
            pub const PYTHON_CLASS: &'static str = $class;

            /// The member's Python name (`x.name`), if the value has one.
            pub fn name(self) -> Option<&'static str> {
                Self::MEMBERS.iter().find(|(_, v)| *v == self).map(|(n, _)| *n)
            }

            /// The integer value, as Python's `int(x)`.
            pub fn value(self) -> $repr {
                self.0
            }

            /// Python's `str(x)` under `profile`: the integer from 3.11, `Class.NAME` before.
            pub fn python_str(self, profile: crate::Profile) -> String {
                match self.name() {
                    Some(n) if !profile.messages.int_enum_str_is_value => {
                        format!("{}.{}", Self::PYTHON_CLASS, n)
                    }
                    _ => self.0.to_string(),
                }
            }
        }

        impl fmt::Debug for $name {
            /// Python's `repr()` of a member (`<TLSVersion.TLSv1_2: 771>`); a value without a
            /// member shows as `TLSVersion(5)`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "<{}.{}: {}>", Self::PYTHON_CLASS, n, self.0),
                    None => write!(f, "{}({})", Self::PYTHON_CLASS, self.0),
                }
            }
        }

        impl fmt::Display for $name {
            /// The integer, as Python 3.11+'s `str()` of an IntEnum member (3.7–3.10 show
            /// `Class.NAME`: see `python_str`).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

int_enum! {
    /// `ssl.VerifyMode` (`CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`). Any integer can be held;
    /// [`crate::SslContext::set_verify_mode`] rejects values CPython rejects.
    VerifyMode(i32) as "VerifyMode", prefix "" {
        /// `CERT_NONE`.
        CERT_NONE = 0,
        /// `CERT_OPTIONAL`.
        CERT_OPTIONAL = 1,
        /// `CERT_REQUIRED`.
        CERT_REQUIRED = 2,
    }
}

int_enum! {
    /// `ssl.TLSVersion`. Any integer can be held; the version setters reject what CPython rejects.
    TlsVersion(i32) as "TLSVersion", prefix "" {
        /// `TLSVersion.MINIMUM_SUPPORTED` (-2).
        MINIMUM_SUPPORTED = -2,
        /// `TLSVersion.SSLv3`.
        SSLv3 = sys::SSL3_VERSION,
        /// `TLSVersion.TLSv1`.
        TLSv1 = sys::TLS1_VERSION,
        /// `TLSVersion.TLSv1_1`.
        TLSv1_1 = sys::TLS1_1_VERSION,
        /// `TLSVersion.TLSv1_2`.
        TLSv1_2 = sys::TLS1_2_VERSION,
        /// `TLSVersion.TLSv1_3`.
        TLSv1_3 = sys::TLS1_3_VERSION,
        /// `TLSVersion.MAXIMUM_SUPPORTED` (-1).
        MAXIMUM_SUPPORTED = -1,
    }
}

int_enum! {
    /// `ssl._SSLMethod`, the `PROTOCOL_*` constants. Any integer can be held;
    /// [`crate::SslContext::new`] rejects what CPython rejects.
    Protocol(i32) as "_SSLMethod", prefix "" {
        /// `PROTOCOL_TLS` (= `PROTOCOL_SSLv23`).
        PROTOCOL_TLS = 2,
        /// `PROTOCOL_TLSv1` (deprecated).
        PROTOCOL_TLSv1 = 3,
        /// `PROTOCOL_TLSv1_1` (deprecated).
        PROTOCOL_TLSv1_1 = 4,
        /// `PROTOCOL_TLSv1_2` (deprecated).
        PROTOCOL_TLSv1_2 = 5,
        /// `PROTOCOL_TLS_CLIENT`.
        PROTOCOL_TLS_CLIENT = 16,
        /// `PROTOCOL_TLS_SERVER`.
        PROTOCOL_TLS_SERVER = 17,
    }
}

int_enum! {
    /// `ssl.AlertDescription` (`ALERT_DESCRIPTION_*`).
    AlertDescription(i32) as "AlertDescription", prefix "ALERT_DESCRIPTION_" {
        /// `ALERT_DESCRIPTION_CLOSE_NOTIFY`.
        CLOSE_NOTIFY = sys::SSL_AD_CLOSE_NOTIFY,
        /// `ALERT_DESCRIPTION_UNEXPECTED_MESSAGE`.
        UNEXPECTED_MESSAGE = sys::SSL_AD_UNEXPECTED_MESSAGE,
        /// `ALERT_DESCRIPTION_BAD_RECORD_MAC`.
        BAD_RECORD_MAC = sys::SSL_AD_BAD_RECORD_MAC,
        /// `ALERT_DESCRIPTION_RECORD_OVERFLOW`.
        RECORD_OVERFLOW = sys::SSL_AD_RECORD_OVERFLOW,
        /// `ALERT_DESCRIPTION_DECOMPRESSION_FAILURE`.
        DECOMPRESSION_FAILURE = sys::SSL_AD_DECOMPRESSION_FAILURE,
        /// `ALERT_DESCRIPTION_HANDSHAKE_FAILURE`.
        HANDSHAKE_FAILURE = sys::SSL_AD_HANDSHAKE_FAILURE,
        /// `ALERT_DESCRIPTION_BAD_CERTIFICATE`.
        BAD_CERTIFICATE = sys::SSL_AD_BAD_CERTIFICATE,
        /// `ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE`.
        UNSUPPORTED_CERTIFICATE = sys::SSL_AD_UNSUPPORTED_CERTIFICATE,
        /// `ALERT_DESCRIPTION_CERTIFICATE_REVOKED`.
        CERTIFICATE_REVOKED = sys::SSL_AD_CERTIFICATE_REVOKED,
        /// `ALERT_DESCRIPTION_CERTIFICATE_EXPIRED`.
        CERTIFICATE_EXPIRED = sys::SSL_AD_CERTIFICATE_EXPIRED,
        /// `ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN`.
        CERTIFICATE_UNKNOWN = sys::SSL_AD_CERTIFICATE_UNKNOWN,
        /// `ALERT_DESCRIPTION_ILLEGAL_PARAMETER`.
        ILLEGAL_PARAMETER = sys::SSL_AD_ILLEGAL_PARAMETER,
        /// `ALERT_DESCRIPTION_UNKNOWN_CA`.
        UNKNOWN_CA = sys::SSL_AD_UNKNOWN_CA,
        /// `ALERT_DESCRIPTION_ACCESS_DENIED`.
        ACCESS_DENIED = sys::SSL_AD_ACCESS_DENIED,
        /// `ALERT_DESCRIPTION_DECODE_ERROR`.
        DECODE_ERROR = sys::SSL_AD_DECODE_ERROR,
        /// `ALERT_DESCRIPTION_DECRYPT_ERROR`.
        DECRYPT_ERROR = sys::SSL_AD_DECRYPT_ERROR,
        /// `ALERT_DESCRIPTION_PROTOCOL_VERSION`.
        PROTOCOL_VERSION = sys::SSL_AD_PROTOCOL_VERSION,
        /// `ALERT_DESCRIPTION_INSUFFICIENT_SECURITY`.
        INSUFFICIENT_SECURITY = sys::SSL_AD_INSUFFICIENT_SECURITY,
        /// `ALERT_DESCRIPTION_INTERNAL_ERROR`.
        INTERNAL_ERROR = sys::SSL_AD_INTERNAL_ERROR,
        /// `ALERT_DESCRIPTION_USER_CANCELLED`.
        USER_CANCELLED = sys::SSL_AD_USER_CANCELLED,
        /// `ALERT_DESCRIPTION_NO_RENEGOTIATION`.
        NO_RENEGOTIATION = sys::SSL_AD_NO_RENEGOTIATION,
        /// `ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION`.
        UNSUPPORTED_EXTENSION = sys::SSL_AD_UNSUPPORTED_EXTENSION,
        /// `ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE`.
        CERTIFICATE_UNOBTAINABLE = sys::SSL_AD_CERTIFICATE_UNOBTAINABLE,
        /// `ALERT_DESCRIPTION_UNRECOGNIZED_NAME`.
        UNRECOGNIZED_NAME = sys::SSL_AD_UNRECOGNIZED_NAME,
        /// `ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE`.
        BAD_CERTIFICATE_STATUS_RESPONSE = sys::SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE,
        /// `ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE`.
        BAD_CERTIFICATE_HASH_VALUE = sys::SSL_AD_BAD_CERTIFICATE_HASH_VALUE,
        /// `ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY`.
        UNKNOWN_PSK_IDENTITY = sys::SSL_AD_UNKNOWN_PSK_IDENTITY,
    }
}

int_enum! {
    /// `ssl.SSLErrorNumber` (`SSL_ERROR_*`): the `errno` of errors raised by connections.
    SslErrorNumber(i32) as "SSLErrorNumber", prefix "" {
        /// `SSL_ERROR_SSL`.
        SSL_ERROR_SSL = 1,
        /// `SSL_ERROR_WANT_READ`.
        SSL_ERROR_WANT_READ = 2,
        /// `SSL_ERROR_WANT_WRITE`.
        SSL_ERROR_WANT_WRITE = 3,
        /// `SSL_ERROR_WANT_X509_LOOKUP`.
        SSL_ERROR_WANT_X509_LOOKUP = 4,
        /// `SSL_ERROR_SYSCALL`.
        SSL_ERROR_SYSCALL = 5,
        /// `SSL_ERROR_ZERO_RETURN`.
        SSL_ERROR_ZERO_RETURN = 6,
        /// `SSL_ERROR_WANT_CONNECT`.
        SSL_ERROR_WANT_CONNECT = 7,
        /// `SSL_ERROR_EOF`.
        SSL_ERROR_EOF = 8,
        /// `SSL_ERROR_INVALID_ERROR_CODE`.
        SSL_ERROR_INVALID_ERROR_CODE = 10,
    }
}

/// `ssl.Purpose` members: an `_ASN1Object` (nid, short name, long name, OID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Purpose {
    /// OpenSSL NID.
    pub nid: i32,
    /// Short name, e.g. `"serverAuth"`.
    pub shortname: &'static str,
    /// Long name, e.g. `"TLS Web Server Authentication"`.
    pub longname: &'static str,
    /// Dotted OID.
    pub oid: &'static str,
}

impl Purpose {
    /// `ssl.Purpose.SERVER_AUTH`: a client context that authenticates servers.
    pub const SERVER_AUTH: Purpose = Purpose {
        nid: sys::NID_server_auth,
        shortname: "serverAuth",
        longname: "TLS Web Server Authentication",
        oid: "1.3.6.1.5.5.7.3.1",
    };
    /// `ssl.Purpose.CLIENT_AUTH`: a server context that authenticates clients.
    pub const CLIENT_AUTH: Purpose = Purpose {
        nid: sys::NID_client_auth,
        shortname: "clientAuth",
        longname: "TLS Web Client Authentication",
        oid: "1.3.6.1.5.5.7.3.2",
    };
}

// Python-spelled aliases, so `ssl.X` maps to `pyssl::X`.
macro_rules! aliases {
    ($ty:ty: $( $alias:ident = $value:expr ),* $(,)?) => {
        $( #[doc = concat!("`ssl.", stringify!($alias), "`.")] pub const $alias: $ty = $value; )*
    };
}

aliases!(Options:
    OP_ALL = Options::ALL, OP_NO_SSLv2 = Options::NO_SSLV2, OP_NO_SSLv3 = Options::NO_SSLV3,
    OP_NO_TLSv1 = Options::NO_TLSV1, OP_NO_TLSv1_1 = Options::NO_TLSV1_1,
    OP_NO_TLSv1_2 = Options::NO_TLSV1_2, OP_NO_TLSv1_3 = Options::NO_TLSV1_3,
    OP_CIPHER_SERVER_PREFERENCE = Options::CIPHER_SERVER_PREFERENCE,
    OP_SINGLE_DH_USE = Options::SINGLE_DH_USE, OP_SINGLE_ECDH_USE = Options::SINGLE_ECDH_USE,
    OP_NO_COMPRESSION = Options::NO_COMPRESSION, OP_NO_TICKET = Options::NO_TICKET,
    OP_NO_RENEGOTIATION = Options::NO_RENEGOTIATION,
    OP_ENABLE_MIDDLEBOX_COMPAT = Options::ENABLE_MIDDLEBOX_COMPAT,
    OP_IGNORE_UNEXPECTED_EOF = Options::IGNORE_UNEXPECTED_EOF,
    OP_LEGACY_SERVER_CONNECT = Options::LEGACY_SERVER_CONNECT,
    OP_ENABLE_KTLS = Options::ENABLE_KTLS,
);
aliases!(VerifyFlags:
    VERIFY_DEFAULT = VerifyFlags::DEFAULT, VERIFY_CRL_CHECK_LEAF = VerifyFlags::CRL_CHECK_LEAF,
    VERIFY_CRL_CHECK_CHAIN = VerifyFlags::CRL_CHECK_CHAIN,
    VERIFY_X509_STRICT = VerifyFlags::X509_STRICT,
    VERIFY_ALLOW_PROXY_CERTS = VerifyFlags::ALLOW_PROXY_CERTS,
    VERIFY_X509_TRUSTED_FIRST = VerifyFlags::X509_TRUSTED_FIRST,
    VERIFY_X509_PARTIAL_CHAIN = VerifyFlags::X509_PARTIAL_CHAIN,
);
aliases!(VerifyMode:
    CERT_NONE = VerifyMode::CERT_NONE, CERT_OPTIONAL = VerifyMode::CERT_OPTIONAL,
    CERT_REQUIRED = VerifyMode::CERT_REQUIRED,
);
aliases!(Protocol:
    PROTOCOL_TLS = Protocol::PROTOCOL_TLS, PROTOCOL_SSLv23 = Protocol::PROTOCOL_TLS,
    PROTOCOL_TLSv1 = Protocol::PROTOCOL_TLSv1, PROTOCOL_TLSv1_1 = Protocol::PROTOCOL_TLSv1_1,
    PROTOCOL_TLSv1_2 = Protocol::PROTOCOL_TLSv1_2,
    PROTOCOL_TLS_CLIENT = Protocol::PROTOCOL_TLS_CLIENT,
    PROTOCOL_TLS_SERVER = Protocol::PROTOCOL_TLS_SERVER,
);
aliases!(TlsVersion:
    PROTO_MINIMUM_SUPPORTED = TlsVersion::MINIMUM_SUPPORTED,
    PROTO_MAXIMUM_SUPPORTED = TlsVersion::MAXIMUM_SUPPORTED,
    PROTO_SSLv3 = TlsVersion::SSLv3, PROTO_TLSv1 = TlsVersion::TLSv1,
    PROTO_TLSv1_1 = TlsVersion::TLSv1_1, PROTO_TLSv1_2 = TlsVersion::TLSv1_2,
    PROTO_TLSv1_3 = TlsVersion::TLSv1_3,
);

aliases!(SslErrorNumber:
    SSL_ERROR_SSL = SslErrorNumber::SSL_ERROR_SSL,
    SSL_ERROR_WANT_READ = SslErrorNumber::SSL_ERROR_WANT_READ,
    SSL_ERROR_WANT_WRITE = SslErrorNumber::SSL_ERROR_WANT_WRITE,
    SSL_ERROR_WANT_X509_LOOKUP = SslErrorNumber::SSL_ERROR_WANT_X509_LOOKUP,
    SSL_ERROR_SYSCALL = SslErrorNumber::SSL_ERROR_SYSCALL,
    SSL_ERROR_ZERO_RETURN = SslErrorNumber::SSL_ERROR_ZERO_RETURN,
    SSL_ERROR_WANT_CONNECT = SslErrorNumber::SSL_ERROR_WANT_CONNECT,
    SSL_ERROR_EOF = SslErrorNumber::SSL_ERROR_EOF,
    SSL_ERROR_INVALID_ERROR_CODE = SslErrorNumber::SSL_ERROR_INVALID_ERROR_CODE,
);
aliases!(AlertDescription:
    ALERT_DESCRIPTION_CLOSE_NOTIFY = AlertDescription::CLOSE_NOTIFY,
    ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = AlertDescription::UNEXPECTED_MESSAGE,
    ALERT_DESCRIPTION_BAD_RECORD_MAC = AlertDescription::BAD_RECORD_MAC,
    ALERT_DESCRIPTION_RECORD_OVERFLOW = AlertDescription::RECORD_OVERFLOW,
    ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = AlertDescription::DECOMPRESSION_FAILURE,
    ALERT_DESCRIPTION_HANDSHAKE_FAILURE = AlertDescription::HANDSHAKE_FAILURE,
    ALERT_DESCRIPTION_BAD_CERTIFICATE = AlertDescription::BAD_CERTIFICATE,
    ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = AlertDescription::UNSUPPORTED_CERTIFICATE,
    ALERT_DESCRIPTION_CERTIFICATE_REVOKED = AlertDescription::CERTIFICATE_REVOKED,
    ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = AlertDescription::CERTIFICATE_EXPIRED,
    ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = AlertDescription::CERTIFICATE_UNKNOWN,
    ALERT_DESCRIPTION_ILLEGAL_PARAMETER = AlertDescription::ILLEGAL_PARAMETER,
    ALERT_DESCRIPTION_UNKNOWN_CA = AlertDescription::UNKNOWN_CA,
    ALERT_DESCRIPTION_ACCESS_DENIED = AlertDescription::ACCESS_DENIED,
    ALERT_DESCRIPTION_DECODE_ERROR = AlertDescription::DECODE_ERROR,
    ALERT_DESCRIPTION_DECRYPT_ERROR = AlertDescription::DECRYPT_ERROR,
    ALERT_DESCRIPTION_PROTOCOL_VERSION = AlertDescription::PROTOCOL_VERSION,
    ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = AlertDescription::INSUFFICIENT_SECURITY,
    ALERT_DESCRIPTION_INTERNAL_ERROR = AlertDescription::INTERNAL_ERROR,
    ALERT_DESCRIPTION_USER_CANCELLED = AlertDescription::USER_CANCELLED,
    ALERT_DESCRIPTION_NO_RENEGOTIATION = AlertDescription::NO_RENEGOTIATION,
    ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = AlertDescription::UNSUPPORTED_EXTENSION,
    ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = AlertDescription::CERTIFICATE_UNOBTAINABLE,
    ALERT_DESCRIPTION_UNRECOGNIZED_NAME = AlertDescription::UNRECOGNIZED_NAME,
    ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = AlertDescription::BAD_CERTIFICATE_STATUS_RESPONSE,
    ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = AlertDescription::BAD_CERTIFICATE_HASH_VALUE,
    ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = AlertDescription::UNKNOWN_PSK_IDENTITY,
);

/// `ssl.HOSTFLAG_*` values (private `_ssl` constants; the bits of `_host_flags`).
pub mod hostflags {
    use openssl_sys as sys;
    /// `HOSTFLAG_ALWAYS_CHECK_SUBJECT`.
    pub const ALWAYS_CHECK_SUBJECT: u32 = sys::X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT;
    /// `HOSTFLAG_NO_WILDCARDS`.
    pub const NO_WILDCARDS: u32 = sys::X509_CHECK_FLAG_NO_WILDCARDS;
    /// `HOSTFLAG_NO_PARTIAL_WILDCARDS`.
    pub const NO_PARTIAL_WILDCARDS: u32 = sys::X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    /// `HOSTFLAG_MULTI_LABEL_WILDCARDS`.
    pub const MULTI_LABEL_WILDCARDS: u32 = sys::X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS;
    /// `HOSTFLAG_SINGLE_LABEL_SUBDOMAINS`.
    pub const SINGLE_LABEL_SUBDOMAINS: u32 = sys::X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS;
    /// `HOSTFLAG_NEVER_CHECK_SUBJECT`.
    pub const NEVER_CHECK_SUBJECT: u32 = sys::X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
}

/// `ssl.ENCODING_PEM`.
pub const ENCODING_PEM: i32 = 1;
/// `ssl.ENCODING_DER`.
pub const ENCODING_DER: i32 = 2;
/// `ssl.CHANNEL_BINDING_TYPES`.
pub const CHANNEL_BINDING_TYPES: &[&str] = &["tls-unique"];

/// Every integer module constant of `ssl` by its Python name, for the given CPython release
/// (`(3, 11)`, `(3, 13)`, ...): what `getattr(ssl, name)` returns there.
pub fn python_constants(version: (u32, u32)) -> Vec<(&'static str, i128)> {
    let mut out: Vec<(&'static str, i128)> = Vec::new();
    let op = |n, v: Options| (n, i128::from(v.bits()));
    out.extend([
        op("OP_ALL", OP_ALL),
        op("OP_NO_SSLv2", OP_NO_SSLv2),
        op("OP_NO_SSLv3", OP_NO_SSLv3),
        op("OP_NO_TLSv1", OP_NO_TLSv1),
        op("OP_NO_TLSv1_1", OP_NO_TLSv1_1),
        op("OP_NO_TLSv1_2", OP_NO_TLSv1_2),
        op("OP_NO_TLSv1_3", OP_NO_TLSv1_3),
        op("OP_CIPHER_SERVER_PREFERENCE", OP_CIPHER_SERVER_PREFERENCE),
        op("OP_SINGLE_DH_USE", OP_SINGLE_DH_USE),
        op("OP_SINGLE_ECDH_USE", OP_SINGLE_ECDH_USE),
        op("OP_NO_COMPRESSION", OP_NO_COMPRESSION),
        op("OP_NO_TICKET", OP_NO_TICKET),
        op("OP_NO_RENEGOTIATION", OP_NO_RENEGOTIATION),
        op("OP_ENABLE_MIDDLEBOX_COMPAT", OP_ENABLE_MIDDLEBOX_COMPAT),
    ]);
    if version >= (3, 8) {
        out.push(op("OP_IGNORE_UNEXPECTED_EOF", OP_IGNORE_UNEXPECTED_EOF));
    }
    if version >= (3, 12) {
        out.push(op("OP_LEGACY_SERVER_CONNECT", OP_LEGACY_SERVER_CONNECT));
        out.push(op("OP_ENABLE_KTLS", OP_ENABLE_KTLS));
    }
    let vf = |n, v: VerifyFlags| (n, i128::from(v.bits()));
    out.extend([
        vf("VERIFY_DEFAULT", VERIFY_DEFAULT),
        vf("VERIFY_CRL_CHECK_LEAF", VERIFY_CRL_CHECK_LEAF),
        vf("VERIFY_CRL_CHECK_CHAIN", VERIFY_CRL_CHECK_CHAIN),
        vf("VERIFY_X509_STRICT", VERIFY_X509_STRICT),
        vf("VERIFY_X509_TRUSTED_FIRST", VERIFY_X509_TRUSTED_FIRST),
    ]);
    if version >= (3, 10) {
        out.push(vf("VERIFY_ALLOW_PROXY_CERTS", VERIFY_ALLOW_PROXY_CERTS));
        out.push(vf("VERIFY_X509_PARTIAL_CHAIN", VERIFY_X509_PARTIAL_CHAIN));
        out.push(("ENCODING_PEM", i128::from(ENCODING_PEM)));
        out.push(("ENCODING_DER", i128::from(ENCODING_DER)));
    }
    for (n, v) in VerifyMode::MEMBERS {
        out.push((n, i128::from(v.0)));
    }
    for (n, v) in Protocol::MEMBERS {
        out.push((n, i128::from(v.0)));
    }
    out.push(("PROTOCOL_SSLv23", i128::from(PROTOCOL_SSLv23.0)));
    for (n, v) in [
        ("PROTO_MINIMUM_SUPPORTED", PROTO_MINIMUM_SUPPORTED),
        ("PROTO_MAXIMUM_SUPPORTED", PROTO_MAXIMUM_SUPPORTED),
        ("PROTO_SSLv3", PROTO_SSLv3),
        ("PROTO_TLSv1", PROTO_TLSv1),
        ("PROTO_TLSv1_1", PROTO_TLSv1_1),
        ("PROTO_TLSv1_2", PROTO_TLSv1_2),
        ("PROTO_TLSv1_3", PROTO_TLSv1_3),
    ] {
        out.push((n, i128::from(v.0)));
    }
    for (n, v) in [
        (
            "HOSTFLAG_ALWAYS_CHECK_SUBJECT",
            hostflags::ALWAYS_CHECK_SUBJECT,
        ),
        ("HOSTFLAG_NO_WILDCARDS", hostflags::NO_WILDCARDS),
        (
            "HOSTFLAG_NO_PARTIAL_WILDCARDS",
            hostflags::NO_PARTIAL_WILDCARDS,
        ),
        (
            "HOSTFLAG_MULTI_LABEL_WILDCARDS",
            hostflags::MULTI_LABEL_WILDCARDS,
        ),
        (
            "HOSTFLAG_SINGLE_LABEL_SUBDOMAINS",
            hostflags::SINGLE_LABEL_SUBDOMAINS,
        ),
        (
            "HOSTFLAG_NEVER_CHECK_SUBJECT",
            hostflags::NEVER_CHECK_SUBJECT,
        ),
    ] {
        out.push((n, i128::from(v)));
    }
    for (name, v) in AlertDescription::MEMBERS {
        out.push((name, i128::from(v.0)));
    }
    for (name, v) in SslErrorNumber::MEMBERS {
        out.push((name, i128::from(v.0)));
    }
    out
}
