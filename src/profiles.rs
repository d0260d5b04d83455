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

/// How `int(ctx.options)` reads the 64 option bits back.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdhCurveCall {
    /// `EC_KEY_new_by_curve_name` + `SSL_CTX_set_tmp_ecdh` (through 3.10): only EC curves.
    TmpEcdh,
    /// `SSL_CTX_set1_groups` with one group (3.11+): X25519 and X448 work too.
    Set1Groups,
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
    /// The `[LIB: REASON]` mnemonic table compiled into that CPython.
    pub mnemonics: MnemonicTable,
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
}

/// See [`InterpreterMessages::idna_errors`]: which generation of CPython's `idna` codec
/// shapes the error.
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
    /// CPython 3.7 (compared with 3.7.16).
    pub const PY37: Profile = Profile {
        version: (3, 7),
        reference_release: "3.7.16",
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
        mnemonics: MnemonicTable::Py37,
        cadata_explicit_errors: false,
        py37_argument_quirks: true,
        name_bit_strings_as_bytes: false,
        unexpected_eof_is_eof_error: false,
        shared_ciphers_intersect: false,
        read_write_ex: false,
        messages: InterpreterMessages {
            integer_required_got_type: true,
            options_argument_must_be_int: false,
            readonly_property: ReadonlyPropertyMessage::CantSet,
            idna_errors: IdnaErrors::Wrapped,
            timeout_is_timeout_error: false,
            int_enum_str_is_value: false,
        },
    };

    /// CPython 3.8 (compared with 3.8.18): adds `OP_IGNORE_UNEXPECTED_EOF` on OpenSSL 3,
    /// `num_tickets`, `keylog_filename` and `SSLKEYLOGFILE`.
    pub const PY38: Profile = Profile {
        version: (3, 8),
        reference_release: "3.8.18",
        extra_options: Options::IGNORE_UNEXPECTED_EOF,
        honours_sslkeylogfile: true,
        has_num_tickets_and_keylog: true,
        mnemonics: MnemonicTable::OpenSsl30,
        cadata_explicit_errors: true,
        py37_argument_quirks: false,
        unexpected_eof_is_eof_error: true,
        ..Profile::PY37
    };

    /// CPython 3.9 (compared with 3.9.18).
    pub const PY39: Profile = Profile {
        version: (3, 9),
        reference_release: "3.9.18",
        ..Profile::PY38
    };

    /// CPython 3.10 (compared with 3.10.13): TLS_CLIENT/TLS_SERVER, the `@SECLEVEL=2` cipher
    /// string, TLS 1.2 minimum, `security_level`, validated version setters, BIT STRING name
    /// values as `bytes`.
    pub const PY310: Profile = Profile {
        version: (3, 10),
        reference_release: "3.10.13",
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
        },
        ..Profile::PY39
    };

    /// CPython 3.11 (compared with 3.11.7): `set_ecdh_curve` through `SSL_CTX_set1_groups`,
    /// the IntFlag readback quirk of `options`.
    pub const PY311: Profile = Profile {
        version: (3, 11),
        reference_release: "3.11.7",
        options_readback: OptionsReadback::SignedLongIntFlag,
        ecdh_curve_call: EcdhCurveCall::Set1Groups,
        messages: InterpreterMessages {
            integer_required_got_type: false,
            options_argument_must_be_int: false,
            readonly_property: ReadonlyPropertyMessage::NoSetter,
            idna_errors: IdnaErrors::Wrapped,
            timeout_is_timeout_error: true,
            int_enum_str_is_value: true,
        },
        ..Profile::PY310
    };

    /// CPython 3.12 (compared with 3.12.1): unsigned 64-bit `options`, strict DER `cadata`.
    pub const PY312: Profile = Profile {
        version: (3, 12),
        reference_release: "3.12.1",
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
        },
        ..Profile::PY311
    };

    /// CPython 3.13 (compared with 3.13.0); the default profile: `create_default_context`
    /// adds `VERIFY_X509_PARTIAL_CHAIN | VERIFY_X509_STRICT`, the session id context moves to
    /// server-side connections, IDNA errors carry positions.
    pub const PY313: Profile = Profile {
        version: (3, 13),
        reference_release: "3.13.0",
        default_context_verify_flags: VerifyFlags::X509_PARTIAL_CHAIN
            .union(VerifyFlags::X509_STRICT),
        session_id_context: SessionIdContext::ServerConnections,
        messages: InterpreterMessages {
            idna_errors: IdnaErrors::Positional,
            ..Profile::PY312.messages
        },
        ..Profile::PY312
    };

    /// Every shipped profile, oldest first.
    pub const ALL: &'static [Profile] = &[
        Profile::PY37,
        Profile::PY38,
        Profile::PY39,
        Profile::PY310,
        Profile::PY311,
        Profile::PY312,
        Profile::PY313,
    ];

    /// The profile for `"3.11"`, `"3.13"`, ... (`None` if not shipped).
    pub fn by_version(version: &str) -> Option<Profile> {
        Profile::ALL.iter().find(|p| p.label() == version).copied()
    }

    /// `"3.13"`-style label.
    pub fn label(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }

    /// The README's profile table (Markdown), generated from the profiles themselves.
    pub fn markdown_table() -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let mut rows: Vec<(&str, Vec<String>)> = vec![
            ("compared with", vec![]),
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
        ];
        for p in Profile::ALL {
            let cells = [
                p.reference_release.to_string(),
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
            ];
            for (row, cell) in rows.iter_mut().zip(cells) {
                row.1.push(cell);
            }
        }
        let mut out = String::from("| |");
        for p in Profile::ALL {
            out.push_str(&format!(" {} |", p.label()));
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
    /// The newest shipped profile (3.13).
    fn default() -> Profile {
        Profile::PY313
    }
}
