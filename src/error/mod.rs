//! The one error type of pyssl, shaped after CPython's `ssl` exceptions.
//!
//! Every failure carries the Python exception class it stands for ([`ErrorKind`]), the text
//! `str(exc)` would show (without CPython's `(_ssl.c:NNNN)` suffix), and the attributes CPython
//! sets: `errno` (`args[0]`), `library`, `reason`, `verify_code`, `verify_message`.
//!
//! ```python
//! try:
//!     ctx.set_ciphers("nonsense")
//! except ssl.SSLError as e:
//!     print(type(e).__name__, str(e))      # SSLError ('No cipher can be selected.',)
//! ```
//! ```
//! let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap();
//! let e = ctx.set_ciphers("nonsense").unwrap_err();
//! assert_eq!(e.python_type(), "SSLError");
//! assert_eq!(e.python_str(), "('No cipher can be selected.',)");
//! ```

#[rustfmt::skip]
mod codes;
#[rustfmt::skip]
mod codes37;
#[rustfmt::skip]
mod codes340;
#[rustfmt::skip]
mod codes36;
mod io;

/// How one CPython build names OpenSSL errors: its compiled-in `(library, reason)` →
/// mnemonic table (`Modules/_ssl_data*.h`, chosen by the release and by the OpenSSL headers it
/// was compiled against) and how it words a reason OpenSSL has no text for.
///
/// Every place pyssl turns an OpenSSL error into an [`Error`] takes one; a context's is
/// [`Profile::mnemonic_table`](crate::Profile::mnemonic_table) of its profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MnemonicTable {
    data: TableData,
    unknown_error_shows_code: bool,
}

/// The generated tables (`src/error/codes*.rs`, by tools/gen_error_codes.py from live
/// interpreters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TableData {
    /// CPython 3.8–3.13 built on OpenSSL 3.0 (`_ssl_data_300.h`), 1682 reasons (pyenv's
    /// 3.8.18 … 3.13.0, all identical).
    OpenSsl30,
    /// CPython 3.7's older table (`_ssl_data.h`): 3 libraries, 387 reasons.
    Py37,
    /// The OpenSSL 3.4.0 names (`_ssl_data_340.h` of 3.14, which Debian's 3.13 builds carry
    /// as a patch): 1785 reasons, read from Debian's 3.13.18.
    OpenSsl340,
    /// The OpenSSL 3.5/3.6 names of 3.14 and 3.15 built on OpenSSL 3.4.1 or newer: 1825
    /// reasons, read from Debian's 3.14.10 and 3.15.2 (identical).
    OpenSsl36,
}

impl MnemonicTable {
    /// The table of a release of `names`' generation built against the OpenSSL pyssl is built
    /// against (`debian_313`: Debian's 3.13 patch with the 3.4.0 table).
    ///
    /// CPython picks among its `_ssl_data*.h` by `OPENSSL_VERSION_NUMBER` at build time:
    /// 3.8–3.11 have one OpenSSL 3 table; 3.14 (and 3.15) use their 3.5 table from OpenSSL
    /// 3.4.1, their 3.4.0 table from 3.1 and the 3.0 table below; Debian's 3.13 carries the
    /// 3.4.0 table for OpenSSL 3.1+ as a patch.
    pub(crate) const fn for_build(
        names: crate::profiles::ErrorNames,
        debian_313: bool,
        unknown_error_shows_code: bool,
    ) -> MnemonicTable {
        use crate::profiles::ErrorNames;
        let at_least_31 = cfg!(ossl310);
        let at_least_341 = cfg!(ossl341);
        let data = match names {
            ErrorNames::Py37 => TableData::Py37,
            ErrorNames::Py38 if debian_313 && at_least_31 => TableData::OpenSsl340,
            ErrorNames::Py38 => TableData::OpenSsl30,
            ErrorNames::Py314 if at_least_341 => TableData::OpenSsl36,
            ErrorNames::Py314 if at_least_31 => TableData::OpenSsl340,
            ErrorNames::Py314 => TableData::OpenSsl30,
        };
        MnemonicTable {
            data,
            unknown_error_shows_code,
        }
    }

    fn tables(self) -> (LibraryTable, ReasonTable) {
        match self.data {
            TableData::OpenSsl30 => (codes::LIBRARIES, codes::REASONS),
            TableData::Py37 => (codes37::LIBRARIES, codes37::REASONS),
            TableData::OpenSsl340 => (codes340::LIBRARIES, codes340::REASONS),
            TableData::OpenSsl36 => (codes36::LIBRARIES, codes36::REASONS),
        }
    }

    /// Every `(ERR_GET_LIB, ERR_GET_REASON)` the table names, with its mnemonic, in order.
    pub fn reasons(self) -> impl Iterator<Item = ((i32, i32), &'static str)> {
        self.tables().1.iter().copied()
    }

    /// Every library the table names, with its mnemonic, in order.
    pub fn libraries(self) -> impl Iterator<Item = (i32, &'static str)> {
        self.tables().0.iter().copied()
    }

    /// The library mnemonic for `ERR_GET_LIB` (`"SSL"` for 20), if the table names it.
    pub fn library(self, lib: i32) -> Option<&'static str> {
        let (libs, _) = self.tables();
        libs.binary_search_by_key(&lib, |&(code, _)| code)
            .ok()
            .map(|i| libs[i].1)
    }

    /// The reason mnemonic for `(ERR_GET_LIB, ERR_GET_REASON)`, if the table names it.
    pub fn reason(self, lib: i32, reason: i32) -> Option<&'static str> {
        let (_, reasons) = self.tables();
        reasons
            .binary_search_by_key(&(lib, reason), |&(key, _)| key)
            .ok()
            .map(|i| reasons[i].1)
    }
}

/// `(ERR_GET_LIB, mnemonic)` pairs, sorted.
type LibraryTable = &'static [(i32, &'static str)];
/// `((ERR_GET_LIB, ERR_GET_REASON), mnemonic)` pairs, sorted.
type ReasonTable = &'static [((i32, i32), &'static str)];

use std::fmt;

use crate::pyvalue::py_repr_str;

/// Which Python exception class an [`Error`] stands for.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `ssl.SSLError`.
    Ssl,
    /// `ssl.SSLCertVerificationError` (also a `ValueError`; `ssl.CertificateError` is an alias).
    CertVerification,
    /// `ssl.SSLZeroReturnError`.
    ZeroReturn,
    /// `ssl.SSLWantReadError`.
    WantRead,
    /// `ssl.SSLWantWriteError`.
    WantWrite,
    /// `ssl.SSLSyscallError`.
    Syscall,
    /// `ssl.SSLEOFError`.
    Eof,
    /// `ValueError`.
    Value,
    /// `TypeError`.
    Type,
    /// `OverflowError`.
    Overflow,
    /// `OSError` or the subclass its errno selects (`FileNotFoundError`, ...).
    Os,
    /// `AttributeError` (an attribute the selected CPython release does not have).
    Attribute,
    /// `UnicodeError` and its subclasses (text that is not valid for the operation).
    Unicode,
    /// `MemoryError`.
    Memory,
    /// `SystemError` (an interpreter-level failure some CPython releases report).
    System,
}

impl ErrorKind {
    /// Whether Python's class for this kind derives from `ssl.SSLError`.
    pub fn is_ssl_error(self) -> bool {
        matches!(
            self,
            ErrorKind::Ssl
                | ErrorKind::CertVerification
                | ErrorKind::ZeroReturn
                | ErrorKind::WantRead
                | ErrorKind::WantWrite
                | ErrorKind::Syscall
                | ErrorKind::Eof
        )
    }

    /// Whether Python's class for this kind derives from `OSError` (every `SSLError` does).
    pub fn is_os_error(self) -> bool {
        self.is_ssl_error() || self == ErrorKind::Os
    }

    /// Whether Python's class for this kind derives from `ValueError`.
    pub fn is_value_error(self) -> bool {
        matches!(
            self,
            ErrorKind::Value | ErrorKind::CertVerification | ErrorKind::Unicode
        )
    }
}

/// A failure, with everything CPython's exception would carry.
///
/// `Display` gives `Type: text`; [`Error::python_str`] gives exactly `str(exc)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error(Box<Inner>);

/// The fields of an [`Error`], boxed so that `Result<T, Error>` stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    /// `args[0]` for SSL errors built from two arguments, the C errno for OS errors.
    errno: Option<i64>,
    message: String,
    library: Option<String>,
    reason: Option<String>,
    verify_code: Option<i64>,
    verify_message: Option<String>,
    filename: Option<String>,
    /// Python's `repr()` of the filename (`'/x'`, or `b'/\xff'` for non-UTF-8 bytes).
    filename_repr: Option<String>,
    /// A single-argument SSLError: `str()` shows the tuple repr of `args`.
    single_arg: bool,
    /// A more specific Python class name than the kind's default (e.g. `UnicodeEncodeError`).
    class_override: Option<&'static str>,
    /// The packed OpenSSL error code behind this error, if any.
    openssl_code: Option<u64>,
    /// The text after `[LIB: REASON] ` of an error built from OpenSSL's queue (to rename it
    /// with another mnemonic table).
    errstr: Option<String>,
    /// A codec's `UnicodeEncodeError`/`UnicodeDecodeError`: what, besides `reason`, its five
    /// arguments hold.
    codec: Option<Box<CodecFailure>>,
}

/// `exc.encoding`, `exc.object`, `exc.start` and `exc.end` of a codec's error.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CodecFailure {
    encoding: String,
    object: crate::pyvalue::PyValue,
    start: usize,
    end: usize,
}

/// The crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn base(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            kind,
            errno: None,
            message: message.into(),
            library: None,
            reason: None,
            verify_code: None,
            verify_message: None,
            filename: None,
            filename_repr: None,
            single_arg: false,
            class_override: None,
            openssl_code: None,
            errstr: None,
            codec: None,
        }))
    }

    /// "The transport is not ready" inside an async connection, which waits on it instead of
    /// raising (an `SSLWantReadError` / `SSLWantWriteError` without CPython's text: it never
    /// reaches a caller).
    #[cfg(feature = "tokio")]
    pub(crate) fn pending(write: bool) -> Error {
        let kind = if write {
            ErrorKind::WantWrite
        } else {
            ErrorKind::WantRead
        };
        Error::base(kind, String::new())
    }

    /// Whether this is an [`Error::pending`] marker (its kind, without text).
    #[cfg(feature = "tokio")]
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.0.kind, ErrorKind::WantRead | ErrorKind::WantWrite)
            && self.0.message.is_empty()
    }

    /// This [`Error::pending`] marker, reused for the next "not ready".
    #[cfg(feature = "tokio")]
    pub(crate) fn into_pending(mut self, write: bool) -> Error {
        self.0.kind = if write {
            ErrorKind::WantWrite
        } else {
            ErrorKind::WantRead
        };
        self
    }

    /// `ValueError(message)`.
    pub fn value(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::Value, message)
    }

    /// A `ValueError` subclass named `class`, e.g. `binascii.Error` (whose
    /// `type(e).__name__` is `"Error"`).
    pub fn value_subclass(class: &'static str, message: impl Into<String>) -> Error {
        let mut e = Error::base(ErrorKind::Value, message);
        e.0.class_override = Some(class);
        e
    }

    /// `TypeError(message)`.
    pub fn type_error(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::Type, message)
    }

    /// `OverflowError(message)`.
    pub fn overflow(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::Overflow, message)
    }

    /// `AttributeError(message)`.
    pub fn attribute(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::Attribute, message)
    }

    /// `SystemError(message)`.
    pub fn system(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::System, message)
    }

    /// `MemoryError(message)`.
    pub fn memory(message: impl Into<String>) -> Error {
        Error::base(ErrorKind::Memory, message)
    }

    /// The `UnicodeDecodeError` of `bytes.decode("utf-8")` for the failure `e` of
    /// `std::str::from_utf8(bytes)`: CPython's text and `exc.reason`.
    ///
    /// ```python
    /// b"\x30\x82".decode()   # 'utf-8' codec can't decode byte 0x82 in position 1: invalid start byte
    /// ```
    /// ```
    /// let bytes = b"\x30\x82";
    /// let e = pyssl::Error::utf8_decode(bytes, std::str::from_utf8(bytes).unwrap_err());
    /// assert_eq!(e.python_str(), "'utf-8' codec can't decode byte 0x82 in position 1: invalid start byte");
    /// assert_eq!(e.reason(), Some("invalid start byte"));
    /// ```
    pub fn utf8_decode(bytes: &[u8], e: std::str::Utf8Error) -> Error {
        let start = e.valid_up_to();
        let (end, reason) = match e.error_len() {
            None => (bytes.len(), "unexpected end of data"),
            Some(n) => {
                // A lead byte outside C2..=F4 is rejected on its own; after a valid lead
                // byte, the invalid sequence is the lead plus the continuation bytes taken.
                let lead = bytes[start];
                let bad_lead = (0x80..=0xc1).contains(&lead) || lead >= 0xf5;
                let reason = if bad_lead {
                    "invalid start byte"
                } else {
                    "invalid continuation byte"
                };
                (start + n, reason)
            }
        };
        Error::unicode_decode("utf-8", bytes, start, end, reason)
    }

    /// `UnicodeEncodeError(encoding, object, start, end, reason)` as a codec raises it for the
    /// characters `start..end` of `object`, with the text CPython's `str()` gives it.
    ///
    /// ```python
    /// "h\xe9".encode("ascii")   # 'ascii' codec can't encode character '\xe9' in position 1: ...
    /// ```
    /// ```
    /// let e = pyssl::Error::unicode_encode("ascii", "hé", 1, 2, "ordinal not in range(128)");
    /// assert_eq!(
    ///     e.python_str(),
    ///     "'ascii' codec can't encode character '\\xe9' in position 1: ordinal not in range(128)"
    /// );
    /// assert_eq!(e.args().python_repr(), "('ascii', 'hé', 1, 2, 'ordinal not in range(128)')");
    /// ```
    pub fn unicode_encode(
        encoding: &str,
        object: &str,
        start: usize,
        end: usize,
        reason: &str,
    ) -> Error {
        let single = (end == start + 1)
            .then(|| object.chars().nth(start))
            .flatten();
        let message = match single {
            Some(c) => {
                let n = u32::from(c);
                let shown = match n {
                    0..=0xff => format!("\\x{n:02x}"),
                    0x100..=0xffff => format!("\\u{n:04x}"),
                    _ => format!("\\U{n:08x}"),
                };
                format!(
                    "'{encoding}' codec can't encode character '{shown}' in position {start}: {reason}"
                )
            }
            None => format!(
                "'{encoding}' codec can't encode characters in position {start}-{}: {reason}",
                end.wrapping_sub(1) as isize
            ),
        };
        Error::codec(
            "UnicodeEncodeError",
            message,
            CodecFailure {
                encoding: encoding.to_string(),
                object: crate::pyvalue::PyValue::Str(object.to_string()),
                start,
                end,
            },
            reason,
        )
    }

    /// `UnicodeDecodeError(encoding, object, start, end, reason)` as a codec raises it for the
    /// bytes `start..end` of `object`, with the text CPython's `str()` gives it.
    ///
    /// ```python
    /// b"\x30\x82".decode("ascii")   # 'ascii' codec can't decode byte 0x82 in position 1: ...
    /// ```
    /// ```
    /// let e = pyssl::Error::unicode_decode("ascii", b"\x30\x82", 1, 2, "ordinal not in range(128)");
    /// assert_eq!(
    ///     e.python_str(),
    ///     "'ascii' codec can't decode byte 0x82 in position 1: ordinal not in range(128)"
    /// );
    /// assert_eq!(e.args().python_repr(), "('ascii', b'0\\x82', 1, 2, 'ordinal not in range(128)')");
    /// ```
    pub fn unicode_decode(
        encoding: &str,
        object: &[u8],
        start: usize,
        end: usize,
        reason: &str,
    ) -> Error {
        let message = match object.get(start) {
            Some(b) if end == start + 1 => format!(
                "'{encoding}' codec can't decode byte 0x{b:02x} in position {start}: {reason}"
            ),
            _ => format!(
                "'{encoding}' codec can't decode bytes in position {start}-{}: {reason}",
                end.wrapping_sub(1) as isize
            ),
        };
        Error::codec(
            "UnicodeDecodeError",
            message,
            CodecFailure {
                encoding: encoding.to_string(),
                object: crate::pyvalue::PyValue::Bytes(object.to_vec()),
                start,
                end,
            },
            reason,
        )
    }

    fn codec(class: &'static str, message: String, failure: CodecFailure, reason: &str) -> Error {
        let mut e = Error::unicode_with_reason(class, message, reason);
        e.0.codec = Some(Box::new(failure));
        e
    }

    /// A `UnicodeError` subclass named `class` whose `exc.reason` is `reason`
    /// (`"invalid start byte"`), as codecs raise it.
    pub fn unicode_with_reason(
        class: &'static str,
        message: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::unicode(class, message).with_reason(reason)
    }

    /// A `UnicodeError` subclass named `class` (e.g. `"UnicodeEncodeError"`).
    pub fn unicode(class: &'static str, message: impl Into<String>) -> Error {
        let mut e = Error::base(ErrorKind::Unicode, message);
        e.0.class_override = Some(class);
        e
    }

    /// `ssl.SSLError(message)` with a single argument: `str()` is `"('message',)"` and
    /// `errno`, `library` and `reason` are unset, as in CPython's `PyErr_SetString` paths.
    pub fn ssl_single(message: impl Into<String>) -> Error {
        let mut e = Error::base(ErrorKind::Ssl, message);
        e.0.single_arg = true;
        e
    }

    /// `ssl.CertificateError(message)` (an `SSLCertVerificationError` with one argument, as
    /// `match_hostname` raises it): `str()` is the tuple repr, `verify_code` is unset.
    pub fn certificate_error(message: impl Into<String>) -> Error {
        let mut e = Error::base(ErrorKind::CertVerification, message);
        e.0.single_arg = true;
        e
    }

    /// `ssl.SSLError(errno, message)` with an explicit message and no library/reason.
    pub fn ssl_with_errno(kind: ErrorKind, errno: i64, message: impl Into<String>) -> Error {
        let mut e = Error::base(kind, message);
        e.0.errno = Some(errno);
        e
    }

    /// `OSError(errno, strerror)`; the class follows the errno as in Python
    /// (`ENOENT` → `FileNotFoundError`, ...). `filename` is shown when given.
    pub fn os(errno: i32, filename: Option<String>) -> Error {
        if errno == 0 {
            // PyErr_SetFromErrno's text when errno is 0.
            let mut e = Error::base(ErrorKind::Os, "Error");
            e.0.errno = Some(0);
            return e;
        }
        let text = std::io::Error::from_raw_os_error(errno).to_string();
        // std appends " (os error N)"; Python shows only strerror().
        let strerror = match text.rfind(" (os error ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let mut e = Error::base(ErrorKind::Os, strerror);
        e.0.errno = Some(i64::from(errno));
        e.0.filename_repr = filename.as_deref().map(py_repr_str);
        e.0.filename = filename;
        e
    }

    /// An `OSError` subclass raised with a message only (`PyErr_SetString`), e.g. a socket
    /// timeout's `TimeoutError("The read operation timed out")`: `errno` is `None` and
    /// `str()` is the message.
    pub(crate) fn os_subclass(class: &'static str, message: impl Into<String>) -> Error {
        let mut e = Error::base(ErrorKind::Os, message);
        e.0.class_override = Some(class);
        e
    }

    /// `OSError(errno, strerror, filename)` for a path: the filename shows as Python shows a
    /// `str` path, or a `bytes` path when it is not valid UTF-8.
    pub fn os_path(errno: i32, path: &std::path::Path) -> Error {
        use std::os::unix::ffi::OsStrExt;
        let mut e = Error::os(errno, Some(path.to_string_lossy().into_owned()));
        if path.to_str().is_none() {
            e.0.filename_repr = Some(
                crate::pyvalue::PyValue::Bytes(path.as_os_str().as_bytes().to_vec()).python_repr(),
            );
        }
        e
    }

    /// `OSError(errno, strerror, filename)` where CPython passes the path as a `str`
    /// (`PyErr_SetFromErrnoWithFilename`): a path that is not valid UTF-8 shows its
    /// undecodable bytes as lone surrogates (`'/x/\udcff.pem'`), as `os.fsdecode` makes them.
    pub fn os_fs_path(errno: i32, path: &std::path::Path) -> Error {
        use std::os::unix::ffi::OsStrExt;
        let mut e = Error::os(errno, Some(path.to_string_lossy().into_owned()));
        e.0.filename_repr = Some(crate::pyvalue::py_repr_fs_bytes(
            path.as_os_str().as_bytes(),
        ));
        e
    }

    /// `_setSSLError(NULL, 0)` after a failed call: an SSLError from the newest error it
    /// queued; the queue is left empty.
    pub(crate) fn from_queue(queue: crate::ffi::ErrQueue, table: MnemonicTable) -> Error {
        let (code, reason) = queue.last();
        Error::from_openssl_code(ErrorKind::Ssl, code, reason.as_deref(), None, table)
    }

    /// After a failed file call: `OSError` from `errno` (no filename) if the call set it,
    /// else [`Error::from_queue`].
    pub(crate) fn from_file_call(queue: crate::ffi::ErrQueue, table: MnemonicTable) -> Error {
        match queue.errno() {
            0 => Error::from_queue(queue, table),
            errno => {
                queue.discard();
                Error::os(errno, None)
            }
        }
    }

    /// An SSLError built the way CPython's `fill_and_set_sslerror` builds it from a packed
    /// OpenSSL error code (0 = none) and an optional explicit text.
    pub(crate) fn from_openssl_code(
        kind: ErrorKind,
        code: u64,
        reason_string: Option<&str>,
        explicit: Option<&str>,
        table: MnemonicTable,
    ) -> Error {
        let errstr = match (explicit.or(reason_string), table.unknown_error_shows_code) {
            (Some(text), _) => text.to_string(),
            // 3.14+ (gh-127360) shows the packed code of a reason without text, 0 included.
            (None, true) => format!("unknown error (0x{code:x})"),
            (None, _) => "unknown error".to_string(),
        };
        let errno = if code != 0 {
            i64::from(openssl_sys::ERR_GET_REASON(code as _))
        } else {
            0
        };
        let mut e = Error::base(kind, String::new());
        e.0.errno = Some(errno);
        e.0.openssl_code = (code != 0).then_some(code);
        e.0.errstr = Some(errstr);
        e.name_with(table)
    }

    /// Name the library and reason with `table` (errors not built from OpenSSL's queue are
    /// returned unchanged). CPython 3.7 names fewer errors than later releases.
    pub fn name_with(mut self, table: MnemonicTable) -> Error {
        let Some(errstr) = self.0.errstr.clone() else {
            return self;
        };
        let (lib_name, reason_name) = match self.0.openssl_code {
            Some(code) => {
                let lib = openssl_sys::ERR_GET_LIB(code as _);
                let reason = openssl_sys::ERR_GET_REASON(code as _);
                (table.library(lib), table.reason(lib, reason))
            }
            None => (None, None),
        };
        self.0.message = match (lib_name, reason_name) {
            (Some(l), Some(r)) => format!("[{l}: {r}] {errstr}"),
            (Some(l), None) => format!("[{l}] {errstr}"),
            _ => errstr,
        };
        self.0.library = lib_name.map(str::to_string);
        self.0.reason = reason_name.map(str::to_string);
        self
    }

    /// CPython's `_setSSLError(NULL, 0)`: an SSLError from the last error of an OpenSSL queue
    /// captured as an [`openssl::error::ErrorStack`], named with `table` (the profile's
    /// [`mnemonic_table`](crate::Profile::mnemonic_table)).
    #[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
    pub(crate) fn from_stack(stack: &openssl::error::ErrorStack, table: MnemonicTable) -> Error {
        match stack.errors().last() {
            Some(last) => Error::from_openssl_code(
                ErrorKind::Ssl,
                last.code() as u64,
                last.reason(),
                None,
                table,
            ),
            None => Error::from_openssl_code(ErrorKind::Ssl, 0, None, None, table),
        }
    }

    /// The Python exception class this error stands for.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The name of the Python class: `"SSLError"`, `"SSLCertVerificationError"`,
    /// `"ValueError"`, `"FileNotFoundError"`, ...
    pub fn python_type(&self) -> &'static str {
        if let Some(c) = self.0.class_override {
            return c;
        }
        match self.0.kind {
            ErrorKind::Ssl => "SSLError",
            ErrorKind::CertVerification => "SSLCertVerificationError",
            ErrorKind::ZeroReturn => "SSLZeroReturnError",
            ErrorKind::WantRead => "SSLWantReadError",
            ErrorKind::WantWrite => "SSLWantWriteError",
            ErrorKind::Syscall => "SSLSyscallError",
            ErrorKind::Eof => "SSLEOFError",
            ErrorKind::Value => "ValueError",
            ErrorKind::Type => "TypeError",
            ErrorKind::Overflow => "OverflowError",
            ErrorKind::Attribute => "AttributeError",
            ErrorKind::Unicode => "UnicodeError",
            ErrorKind::Memory => "MemoryError",
            ErrorKind::System => "SystemError",
            ErrorKind::Os => os_error_class(self.0.errno),
        }
    }

    /// Exactly CPython's `str(exc)`, minus the `(_ssl.c:NNNN)` suffix.
    pub fn python_str(&self) -> String {
        if self.0.kind.is_ssl_error() && self.0.single_arg {
            return format!("({},)", py_repr_str(&self.0.message));
        }
        if self.0.kind == ErrorKind::Os {
            if let Some(errno) = self.0.errno {
                return match &self.0.filename_repr {
                    Some(f) => format!("[Errno {errno}] {}: {f}", self.0.message),
                    None => format!("[Errno {errno}] {}", self.0.message),
                };
            }
        }
        self.0.message.clone()
    }

    /// The message without class decoration (`strerror` for OS and SSL errors).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// `exc.errno` (`args[0]`): OpenSSL's reason code for context-level SSL errors, the
    /// `SSL_ERROR_*` number for connection errors, the C errno for OS errors; `None` for
    /// single-argument SSLErrors and non-OS errors.
    pub fn errno(&self) -> Option<i64> {
        self.0.errno
    }

    /// `exc.args`: `(errno, strerror)` for an `OSError` or `SSLError` raised with two
    /// arguments (an SSL error's text without CPython's `(_ssl.c:NNNN)` suffix; an
    /// `OSError`'s filename is not among them, as in Python), `(message,)` otherwise.
    /// A codec's `UnicodeEncodeError`/`UnicodeDecodeError` gives its five arguments
    /// `(encoding, object, start, end, reason)`.
    ///
    /// ```python
    /// except ssl.SSLError as e: e.args   # (1, '[SSL: CERTIFICATE_VERIFY_FAILED] ...')
    /// ```
    /// ```
    /// let e = pyssl::Error::from(std::io::Error::from_raw_os_error(2));
    /// assert_eq!(e.args().python_repr(), "(2, 'No such file or directory')");
    /// ```
    pub fn args(&self) -> crate::pyvalue::PyValue {
        use crate::pyvalue::PyValue;
        if let Some(c) = &self.0.codec {
            return PyValue::Tuple(vec![
                PyValue::Str(c.encoding.clone()),
                c.object.clone(),
                PyValue::Int(c.start as i128),
                PyValue::Int(c.end as i128),
                PyValue::Str(self.0.reason.clone().unwrap_or_default()),
            ]);
        }
        let text = PyValue::Str(self.0.message.clone());
        match self.strerror() {
            Some(_) => PyValue::Tuple(vec![PyValue::Int(self.0.errno.unwrap_or(0).into()), text]),
            None => PyValue::Tuple(vec![text]),
        }
    }

    /// `exc.strerror`: the text of an `OSError` or `SSLError` raised with an errno
    /// (`"No such file or directory"`, `"[SSL: ...] ..."`), `None` otherwise.
    pub fn strerror(&self) -> Option<&str> {
        let two_args = self.0.errno.is_some()
            && !self.0.single_arg
            && (self.0.kind.is_ssl_error() || self.0.kind == ErrorKind::Os);
        two_args.then_some(self.0.message.as_str())
    }

    /// `exc.encoding` of a codec's `UnicodeEncodeError`/`UnicodeDecodeError` (`"ascii"`).
    pub fn encoding(&self) -> Option<&str> {
        self.0.codec.as_ref().map(|c| c.encoding.as_str())
    }

    /// `exc.object` of a codec's error: the `str` or `bytes` it failed on.
    pub fn object(&self) -> Option<&crate::pyvalue::PyValue> {
        self.0.codec.as_ref().map(|c| &c.object)
    }

    /// `exc.start` of a codec's error: the first position that failed.
    pub fn start(&self) -> Option<usize> {
        self.0.codec.as_ref().map(|c| c.start)
    }

    /// `exc.end` of a codec's error: the position after the last that failed.
    pub fn end(&self) -> Option<usize> {
        self.0.codec.as_ref().map(|c| c.end)
    }

    /// `exc.library`: the library mnemonic (`"SSL"`, `"PEM"`, `"X509"`, ...) or `None`.
    pub fn library(&self) -> Option<&str> {
        self.0.library.as_deref()
    }

    /// `exc.reason`: the reason mnemonic (`"NO_START_LINE"`, ...) or `None`.
    pub fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// `exc.verify_code` of a certificate verification failure.
    pub fn verify_code(&self) -> Option<i64> {
        self.0.verify_code
    }

    /// `exc.verify_message` of a certificate verification failure.
    pub fn verify_message(&self) -> Option<&str> {
        self.0.verify_message.as_deref()
    }

    /// `exc.filename` of an OS error, when CPython sets one.
    pub fn filename(&self) -> Option<&str> {
        self.0.filename.as_deref()
    }

    /// The packed OpenSSL error code this error was built from, if any.
    pub fn openssl_code(&self) -> Option<u64> {
        self.0.openssl_code
    }

    /// Set the `reason` attribute (e.g. of a `UnicodeEncodeError`).
    pub(crate) fn with_reason(mut self, reason: impl Into<String>) -> Error {
        self.0.reason = Some(reason.into());
        self
    }

    /// Replace `errno` (`args[0]`), as connection errors built from the queue need.
    pub(crate) fn with_errno(mut self, errno: i64) -> Error {
        self.0.errno = Some(errno);
        self
    }

    /// Attach verification details (used by connections).
    pub fn with_verify(mut self, code: i64, message: Option<String>) -> Error {
        self.0.verify_code = Some(code);
        self.0.verify_message = message;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.python_type(), self.python_str())
    }
}

/// The `OSError` subclass Python picks for an errno.
fn os_error_class(errno: Option<i64>) -> &'static str {
    match errno.map(|e| e as i32) {
        Some(libc::ENOENT) => "FileNotFoundError",
        Some(libc::EACCES) | Some(libc::EPERM) => "PermissionError",
        Some(libc::EISDIR) => "IsADirectoryError",
        Some(libc::ENOTDIR) => "NotADirectoryError",
        Some(libc::EEXIST) => "FileExistsError",
        Some(libc::EINTR) => "InterruptedError",
        Some(libc::ECONNRESET) => "ConnectionResetError",
        Some(libc::ECONNREFUSED) => "ConnectionRefusedError",
        Some(libc::ECONNABORTED) => "ConnectionAbortedError",
        Some(libc::EPIPE) | Some(libc::ESHUTDOWN) => "BrokenPipeError",
        Some(libc::ETIMEDOUT) => "TimeoutError",
        Some(libc::EAGAIN) | Some(libc::EINPROGRESS) | Some(libc::EALREADY) => "BlockingIOError",
        Some(libc::ECHILD) => "ChildProcessError",
        Some(libc::ESRCH) => "ProcessLookupError",
        _ => "OSError",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonic_lookup() {
        let t = crate::Profile::PY313_0.mnemonic_table();
        assert_eq!(t.library(20), Some("SSL"));
        assert_eq!(t.library(9), Some("PEM"));
        assert_eq!(t.reason(9, 108), Some("NO_START_LINE"));
        assert_eq!(t.reason(9, 0x80009), None);
    }

    #[test]
    fn single_arg_ssl_error_is_tuple_repr() {
        let e = Error::ssl_single("No cipher can be selected.");
        assert_eq!(e.python_str(), "('No cipher can be selected.',)");
        assert_eq!(e.errno(), None);
        assert_eq!(e.to_string(), "SSLError: ('No cipher can be selected.',)");
    }

    #[test]
    fn os_error_class_and_text() {
        let e = Error::os(libc::ENOENT, None);
        assert_eq!(e.python_type(), "FileNotFoundError");
        assert_eq!(e.python_str(), "[Errno 2] No such file or directory");
        let e = Error::os(libc::ENOENT, Some("/x".into()));
        assert_eq!(e.python_str(), "[Errno 2] No such file or directory: '/x'");
    }
}
