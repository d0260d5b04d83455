//! The connection core shared by [`SslSocket`](super::SslSocket) and
//! [`SslObject`](super::SslObject): an `SSL` over a transport that can be taken back
//! (`unwrap()`) through pyssl's own BIO (`ffi::bio`, which reports end of file to OpenSSL as
//! CPython's socket and memory BIOs do) and error classification as CPython's
//! `PySSL_SetError`; the accessors of CPython's `_ssl._SSLSocket` read through
//! [`view`](super::view).

use std::io::{self, Read, Write};

use openssl::ssl::{ErrorCode, ShutdownResult, Ssl, SslRef};

use super::view::{ConnMut, ConnRef};
use super::{C_INT_MAX, check_c_int_length, state};
use crate::certificate::CertificateDict;
use crate::error::{Error, ErrorKind, MnemonicTable, Result};
use crate::ffi;
use crate::ffi::bio::{TlsError, TlsStream};
use crate::ffi::connection as raw;
use crate::profiles::Change;
use crate::pyvalue::PyValue;

/// What `getpeercert()` returns when the peer sent a certificate.
///
/// ```python
/// ssock.getpeercert()   # {} under CERT_NONE, the decoded dict otherwise
/// ```
/// ```
/// let empty = pyssl::PeerCertificate::NotValidated;
/// assert_eq!(empty.to_py().python_repr(), "{}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerCertificate {
    /// `{}`: the context does not verify (`CERT_NONE`), so CPython shows nothing.
    NotValidated,
    /// The decoded certificate.
    Decoded(Box<CertificateDict>),
}

impl PeerCertificate {
    /// Python's dict.
    pub fn to_py(&self) -> PyValue {
        match self {
            PeerCertificate::NotValidated => PyValue::Dict(vec![]),
            PeerCertificate::Decoded(d) => d.to_py(),
        }
    }

    /// The decoded certificate, if the context verified it.
    pub fn decoded(&self) -> Option<&CertificateDict> {
        match self {
            PeerCertificate::NotValidated => None,
            PeerCertificate::Decoded(d) => Some(d),
        }
    }
}

/// `cipher()`: `(name, protocol, secret bits)`.
pub type CipherTuple = (String, String, i32);

/// A transport that `unwrap()` can hand back.
pub(crate) struct Transport<S> {
    pub(crate) inner: Option<S>,
}

fn gone() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOTCONN)
}

impl<S: Read> Read for Transport<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.as_mut().ok_or_else(gone)?.read(buf)
    }
}

impl<S: Write> Write for Transport<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.as_mut().ok_or_else(gone)?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.as_mut().ok_or_else(gone)?.flush()
    }
}

/// Classify a failed TLS operation on `ssl` as CPython's `PySSL_SetError` does: the exception
/// class, `args[0]` (the `SSL_ERROR_*` number), the text, and for certificate failures
/// `verify_code` / `verify_message` with CPython's hostname-mismatch wording.
///
/// Use it for errors of an `Ssl` driven by another stack (tokio-openssl, rust-openssl's
/// `SslStream`, hyper-openssl): one from [`SslContext::new_ssl`] is named with its context's
/// profile and `server_hostname`; one from a rust-openssl connector is named with the profile
/// [`apply_profile_defaults`](crate::apply_profile_defaults) gave its builder (else the
/// default) and the host name or IP address its certificate check expected. Either way the
/// result equals what the same failure gives on pyssl's own connections.
///
/// ```python
/// except ssl.SSLCertVerificationError as e: e.verify_code, e.verify_message
/// ```
#[doc(alias = "PySSL_SetError")]
pub fn ssl_error(e: &openssl::ssl::Error, ssl: &SslRef) -> Error {
    let queue = ffi::ErrQueue::as_left();
    classify(
        e.code(),
        e.ssl_error(),
        e.io_error(),
        ssl,
        Caller::External,
        queue,
    )
}

/// Who made the call whose failure is classified.
#[derive(Debug, Clone, Copy)]
enum Caller {
    /// Another stack, over rust-openssl's stream BIO, which cannot answer `BIO_eof`: OpenSSL
    /// reports the transport's end of file as `SSL_ERROR_SYSCALL` with nothing queued.
    External,
    /// A pyssl connection (`ffi::bio`, which answers `BIO_eof`). `minus_one`: CPython's call
    /// returns -1 on failure (`SSL_read`/`SSL_write` through 3.9, `SSL_do_handshake`,
    /// `SSL_shutdown`) rather than 0 (`SSL_read_ex`/`SSL_write_ex`); `socket`: the
    /// connection is an `SSLSocket` rather than an `SSLObject`.
    Own { minus_one: bool, socket: bool },
}

/// `PySSL_SetError` for a failed call: `SSL_get_error`'s `code`, the error stack
/// rust-openssl captured (`None`: the thread's queue still holds it) and the transport's I/O
/// error, named with the profile's mnemonic table.
fn classify(
    code: ErrorCode,
    stack: Option<&openssl::error::ErrorStack>,
    io_error: Option<&io::Error>,
    ssl: &SslRef,
    caller: Caller,
    queue: ffi::ErrQueue,
) -> Error {
    let profile = match state(ssl) {
        Some(s) => s.context.profile(),
        None => crate::context::applied_profile(ssl.ssl_context()).unwrap_or_default(),
    };
    let eof_is_eof = profile.unexpected_eof_is_eof_error;
    let table = profile.mnemonic_table();
    // The newest queued error (ERR_peek_last_error), captured by rust-openssl for SSL and
    // SYSCALL, still in the thread's queue otherwise.
    let (last, last_reason) = match stack.and_then(|s| s.errors().last()) {
        #[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
        Some(err) => {
            queue.discard();
            (err.code() as u64, err.reason().map(str::to_string))
        }
        None => queue.last(),
    };
    if let Some(errno) = raw::sys_errno(last) {
        if matches!(code, ErrorCode::SSL | ErrorCode::SYSCALL)
            && profile.has(Change::SysErrorIsOsError)
        {
            return Error::os(errno, None);
        }
    }
    let simple = |kind: ErrorKind, py_errno: i64, text: &str| {
        Error::from_openssl_code(kind, last, None, Some(text), table).with_errno(py_errno)
    };
    let lib = openssl_sys::ERR_GET_LIB(last as _);
    let reason = openssl_sys::ERR_GET_REASON(last as _);
    let is_ssl_reason = |r: i32| last != 0 && lib == raw::ERR_LIB_SSL && reason == r;
    let verify_failed = is_ssl_reason(raw::SSL_R_CERTIFICATE_VERIFY_FAILED);
    let from_queue = |py_errno: i64| {
        if verify_failed {
            verification_error(ssl, last, last_reason.as_deref(), py_errno, table)
        } else {
            let explicit = (last == 0).then_some("A failure in the SSL library occurred");
            Error::from_openssl_code(
                ErrorKind::Ssl,
                last,
                last_reason.as_deref(),
                explicit,
                table,
            )
            .with_errno(py_errno)
        }
    };
    match code {
        ErrorCode::ZERO_RETURN => simple(
            ErrorKind::ZeroReturn,
            6,
            "TLS/SSL connection has been closed (EOF)",
        ),
        ErrorCode::WANT_READ => simple(
            ErrorKind::WantRead,
            2,
            "The operation did not complete (read)",
        ),
        ErrorCode::WANT_WRITE => simple(
            ErrorKind::WantWrite,
            3,
            "The operation did not complete (write)",
        ),
        c if c == ErrorCode::from_raw(raw::SSL_ERROR_WANT_X509_LOOKUP) => simple(
            ErrorKind::Ssl,
            4,
            "The operation did not complete (X509 lookup)",
        ),
        ErrorCode::SYSCALL if last == 0 => {
            let errno = io_error.and_then(io::Error::raw_os_error).unwrap_or(0);
            let eof = || eof_error(table);
            match caller {
                Caller::External => match io_error {
                    Some(_) if errno != 0 => Error::os(errno, None),
                    Some(_) => eof(),
                    None => external_eof(ssl, eof_is_eof, table),
                },
                // Nothing queued on a pyssl connection: a transport error, or a call on an
                // SSL that failed before (OpenSSL's error state).
                Caller::Own { .. } if profile.syscall_errno_first => {
                    if errno != 0 {
                        Error::os(errno, None)
                    } else {
                        eof()
                    }
                }
                Caller::Own {
                    minus_one: false, ..
                } => eof(),
                Caller::Own { socket: true, .. } => Error::os(errno, None),
                Caller::Own { .. } => simple(ErrorKind::Syscall, 5, "Some I/O error occurred"),
            }
        }
        ErrorCode::SYSCALL => from_queue(5),
        ErrorCode::SSL => {
            if eof_is_eof && is_ssl_reason(raw::SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                simple(ErrorKind::Eof, 8, "EOF occurred in violation of protocol")
            } else {
                from_queue(1)
            }
        }
        _ => simple(ErrorKind::Ssl, 10, "Invalid error code"),
    }
}

/// `SSLEOFError(8, 'EOF occurred in violation of protocol')`, nothing queued.
fn eof_error(table: MnemonicTable) -> Error {
    Error::from_openssl_code(
        ErrorKind::Eof,
        0,
        None,
        Some("EOF occurred in violation of protocol"),
        table,
    )
    .with_errno(8)
}

/// The end of file another stack's transport reported (see [`Caller::External`]): with a
/// socket BIO, OpenSSL 3 would have queued `SSL_R_UNEXPECTED_EOF_WHILE_READING`, or under
/// `OP_IGNORE_UNEXPECTED_EOF` taken it as a close_notify; that outcome is rebuilt here.
fn external_eof(ssl: &SslRef, eof_is_eof: bool, table: MnemonicTable) -> Error {
    if raw::ssl_ignores_unexpected_eof(ssl) {
        Error::from_openssl_code(
            ErrorKind::ZeroReturn,
            0,
            None,
            Some("TLS/SSL connection has been closed (EOF)"),
            table,
        )
        .with_errno(6)
    } else if !eof_is_eof {
        Error::from_openssl_code(
            ErrorKind::Ssl,
            raw::UNEXPECTED_EOF_CODE,
            ffi::err_reason_string(raw::UNEXPECTED_EOF_CODE).as_deref(),
            None,
            table,
        )
        .with_errno(1)
    } else {
        Error::from_openssl_code(
            ErrorKind::Eof,
            raw::UNEXPECTED_EOF_CODE,
            None,
            Some("EOF occurred in violation of protocol"),
            table,
        )
        .with_errno(8)
    }
}

fn verification_error(
    ssl: &SslRef,
    code: u64,
    reason: Option<&str>,
    py_errno: i64,
    table: MnemonicTable,
) -> Error {
    let result = ssl.verify_result();
    let verify_code = i64::from(result.as_raw());
    // pyssl's connections keep the `server_hostname` as given; for one made by another
    // stack (a rust-openssl connector), it is what its certificate check was told to expect.
    let hostname = match state(ssl) {
        Some(s) => s.server_hostname.clone(),
        None => ffi::connection::ssl_expected_peer(ssl),
    }
    .unwrap_or_default();
    let message = match result.as_raw() {
        openssl_sys::X509_V_ERR_HOSTNAME_MISMATCH => {
            format!("Hostname mismatch, certificate is not valid for '{hostname}'.")
        }
        openssl_sys::X509_V_ERR_IP_ADDRESS_MISMATCH => {
            format!("IP address mismatch, certificate is not valid for '{hostname}'.")
        }
        _ => result.error_string().to_string(),
    };
    let errstr = reason.unwrap_or("unknown error");
    Error::from_openssl_code(
        ErrorKind::CertVerification,
        code,
        None,
        Some(&format!("{errstr}: {message}")),
        table,
    )
    .with_errno(py_errno)
    .with_verify(verify_code, Some(message))
}

/// The operation a connection error comes from (CPython names it in its timeout messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Handshake,
    Read,
    Write,
    Shutdown,
}

/// How a transport's "no data yet" (`io::ErrorKind::WouldBlock` / `TimedOut`) is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnKind {
    /// A memory BIO pair ([`SslObject`](super::SslObject)): "no data yet" is OpenSSL's
    /// `SSL_ERROR_WANT_READ`/`WANT_WRITE`, Python's `SSLWantReadError`/`SSLWantWriteError`.
    Object,
    /// A blocking socket ([`SslSocket`](super::SslSocket)): "no data yet" can only mean that
    /// the transport's read or write timeout expired, which CPython reports for a socket
    /// with a timeout as `TimeoutError` (`socket.timeout` before 3.10).
    Socket,
    /// An async transport (`pyssl::tokio::SslStream`): an `SSLObject` whose "no data yet"
    /// the caller waits on, never shows: it is [`Error::pending`], without classifying.
    #[cfg(feature = "tokio")]
    Async,
}

/// One TLS connection over a transport `S`.
pub(crate) struct Conn<S> {
    pub(crate) stream: TlsStream<Transport<S>>,
    kind: ConnKind,
    /// The errors CPython 3.13.2+ leaves on OpenSSL's queue after raising an `ERR_LIB_SYS`
    /// error as `OSError` (see [`Conn::begin`]).
    left_queued: std::sync::Mutex<Option<openssl::error::ErrorStack>>,
    /// Whether `left_queued` holds a stack (read without taking its lock).
    has_left_queued: std::sync::atomic::AtomicBool,
    /// An `SSLEOFError` was raised (see [`Conn::begin_op`]).
    eof_raised: std::sync::atomic::AtomicBool,
    /// The "not ready" error an async connection gave last, back from the tokio layer
    /// ([`Conn::recycle_pending`]): reused, so that waiting for the transport allocates
    /// nothing.
    #[cfg(feature = "tokio")]
    spare_pending: Option<Error>,
}

impl<S: Read + Write> Conn<S> {
    pub(crate) fn new(ssl: Ssl, transport: S, kind: ConnKind) -> Result<Conn<S>> {
        let table = state(&ssl)
            .map(|s| s.context.profile())
            .unwrap_or_default()
            .mnemonic_table();
        let stream = TlsStream::new(
            ssl,
            Transport {
                inner: Some(transport),
            },
        )
        .map_err(|e| Error::from_stack(&e, table))?;
        Ok(Conn {
            stream,
            kind,
            left_queued: std::sync::Mutex::new(None),
            has_left_queued: std::sync::atomic::AtomicBool::new(false),
            eof_raised: std::sync::atomic::AtomicBool::new(false),
            #[cfg(feature = "tokio")]
            spare_pending: None,
        })
    }

    /// [`Conn::fail`], except that "not ready" on an async connection is the error it gave
    /// last time, if the tokio layer handed it back, and the queue is left alone:
    /// `SSL_get_error` answers `WANT_READ`/`WANT_WRITE` only after finding it empty.
    fn fail_op(&mut self, e: &TlsError, op: Op, queue: ffi::ErrQueue) -> Error {
        #[cfg(feature = "tokio")]
        if self.kind == ConnKind::Async
            && matches!(e.code, ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
        {
            queue.found_empty();
            let write = e.code == ErrorCode::WANT_WRITE;
            return match self.spare_pending.take() {
                Some(spare) => spare.into_pending(write),
                None => Error::pending(write),
            };
        }
        self.fail(e, op, queue)
    }

    /// Keep a "not ready" error the tokio layer is done with, for the next one.
    #[cfg(feature = "tokio")]
    pub(crate) fn recycle_pending(&mut self, e: Error) {
        if e.is_pending() {
            self.spare_pending = Some(e);
        }
    }

    fn fail(&self, e: &TlsError, op: Op, queue: ffi::ErrQueue) -> Error {
        if self.kind == ConnKind::Socket {
            if let Some(t) = self.timeout_error(e, op) {
                queue.discard();
                return t;
            }
        }
        let minus_one = match op {
            Op::Read | Op::Write => !self.profile().read_write_ex,
            Op::Handshake | Op::Shutdown => true,
        };
        let caller = Caller::Own {
            minus_one,
            socket: self.kind == ConnKind::Socket,
        };
        let error = classify(
            e.code,
            e.stack.as_ref(),
            e.io.as_ref(),
            self.stream.ssl(),
            caller,
            queue,
        );
        #[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
        let sys_last = e
            .stack
            .as_ref()
            .and_then(|s| s.errors().last())
            .is_some_and(|last| raw::sys_errno(last.code() as u64).is_some());
        let left = (sys_last && error.kind() == ErrorKind::Os).then(|| e.stack.clone());
        let left = left.flatten();
        self.has_left_queued
            .store(left.is_some(), std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut q) = self.left_queued.lock() {
            *q = left;
        }
        if error.kind() == ErrorKind::Eof && op != Op::Shutdown {
            self.eof_raised
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        error
    }

    /// [`Conn::begin`] for `read`, `write` and `do_handshake`: from 3.14.10 / 3.15, once an
    /// `SSLEOFError` was raised, it is raised again without calling OpenSSL.
    fn begin_op(&self) -> Result<ffi::ErrQueue> {
        if self.eof_raised.load(std::sync::atomic::Ordering::Relaxed)
            && self.profile().has(Change::StickyEof)
        {
            return Err(eof_error(self.mnemonics()));
        }
        Ok(self.begin())
    }

    /// Start an operation as CPython would find the thread's error queue: empty, except for
    /// what 3.13.2+ left there after raising an `ERR_LIB_SYS` error as `OSError` (it stays
    /// until a later failure is classified; pyssl keeps it per connection rather than per
    /// thread). It changes what `SSL_get_error` says about the next failure.
    fn begin(&self) -> ffi::ErrQueue {
        let queue = ffi::ErrQueue::clear();
        if self
            .has_left_queued
            .load(std::sync::atomic::Ordering::Relaxed)
            && let Ok(q) = self.left_queued.lock()
            && let Some(stack) = q.as_ref()
        {
            stack.put();
        }
        queue
    }

    /// CPython's errors for a socket whose timeout expired (`sock.settimeout(t)`), when the
    /// transport under a blocking connection answered `WouldBlock`/`TimedOut` (what a std
    /// `TcpStream` does once its `set_read_timeout`/`set_write_timeout` expires). The texts
    /// are CPython's; its handshake text also starts with an `_ssl.c:NNNN: ` location, which
    /// pyssl leaves out as it leaves out the `(_ssl.c:NNNN)` suffix of SSL errors. The
    /// connection stays usable: retrying the operation continues where it stopped.
    fn timeout_error(&self, e: &TlsError, op: Op) -> Option<Error> {
        let want = e.code == ErrorCode::WANT_READ || e.code == ErrorCode::WANT_WRITE;
        let timed_out = e.io.as_ref().is_some_and(|io| {
            matches!(
                io.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            )
        });
        if !(want && timed_out) {
            return None;
        }
        let text = match op {
            Op::Handshake => "The handshake operation timed out",
            Op::Read => "The read operation timed out",
            Op::Write => "The write operation timed out",
            Op::Shutdown if e.code == ErrorCode::WANT_READ => "The read operation timed out",
            Op::Shutdown => "The write operation timed out",
        };
        Some(Error::socket_timeout(self.profile(), text))
    }

    pub(crate) fn do_handshake(&mut self) -> Result<()> {
        let queue = self.begin_op()?;
        match self.stream.do_handshake(&queue) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail_op(&e, Op::Handshake, queue)),
        }
    }

    /// `read(len, buffer)` with `len == buf.len()`: a clean close (close_notify received)
    /// reads as 0 bytes.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.check_read_size(buf.len(), false)?;
        if buf.is_empty() {
            return Ok(0);
        }
        self.read_with(|stream, queue| stream.read(queue, buf))
    }

    /// `read(len)` into uninitialised memory (`len == buf.len()`, at most `INT_MAX`), which
    /// it initialises up to the returned count; a clean close reads as 0 bytes.
    #[cfg(feature = "tokio")]
    pub(crate) fn read_uninit(&mut self, buf: &mut [std::mem::MaybeUninit<u8>]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.read_with(|stream, queue| stream.read_uninit(queue, buf))
    }

    /// `read(len)`: a new buffer of up to `len` bytes. As in CPython, the size is converted
    /// first (`OverflowError`), then the whole buffer is allocated (`MemoryError` when that
    /// fails), but never touched beyond what OpenSSL writes into it.
    pub(crate) fn read_vec(&mut self, len: usize) -> Result<Vec<u8>> {
        self.check_read_size(len, true)?;
        let mut buf = Vec::new();
        buf.try_reserve_exact(len)
            .map_err(|_| Error::memory(String::new()))?;
        if len == 0 {
            return Ok(buf);
        }
        self.read_with(|stream, queue| {
            raw::read_into_spare(&mut buf, len, |spare| stream.read_uninit(queue, spare))
        })?;
        Ok(buf)
    }

    /// CPython's conversion of a read size: a C `int` through 3.9; a `Py_ssize_t` from 3.10
    /// on, and then (`allocates`) a new `bytes` object of that size, whose header must fit
    /// in `Py_ssize_t` too.
    fn check_read_size(&self, len: usize, allocates: bool) -> Result<()> {
        const PY_BYTES_OBJECT_SIZE: usize = 33;
        // Every release accepts these: no profile lookup on the common path.
        if len <= C_INT_MAX {
            return Ok(());
        }
        let message = if !self.profile().read_write_ex {
            if len > i64::MAX as usize {
                "Python int too large to convert to C long"
            } else {
                "signed integer is greater than maximum"
            }
        } else if len > isize::MAX as usize {
            "Python int too large to convert to C ssize_t"
        } else if allocates && len > isize::MAX as usize - PY_BYTES_OBJECT_SIZE {
            "byte string is too large"
        } else {
            return Ok(());
        };
        Err(Error::overflow(message))
    }

    fn read_with(
        &mut self,
        op: impl FnOnce(
            &mut TlsStream<Transport<S>>,
            &ffi::ErrQueue,
        ) -> std::result::Result<usize, TlsError>,
    ) -> Result<usize> {
        let queue = self.begin_op()?;
        match op(&mut self.stream, &queue) {
            Ok(n) => Ok(n),
            // A close_notify, or the transport's end of file under OP_IGNORE_UNEXPECTED_EOF,
            // which OpenSSL 3 takes as one: end of data for CPython.
            Err(e)
                if e.code == ErrorCode::ZERO_RETURN
                    && raw::ssl_get_shutdown(self.stream.ssl()) == raw::SSL_RECEIVED_SHUTDOWN =>
            {
                queue.discard();
                Ok(0)
            }
            Err(e) => Err(self.fail_op(&e, Op::Read, queue)),
        }
    }

    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<usize> {
        // The profile matters only for these two (no lookup on the common path).
        if buf.is_empty() || buf.len() > C_INT_MAX {
            let ex = self.profile().read_write_ex;
            if !ex {
                check_c_int_length(buf.len())?;
            }
            if buf.is_empty() {
                let queue = self.begin_op()?;
                return self.write_nothing(ex, queue);
            }
        }
        let queue = self.begin_op()?;
        match self.stream.write(&queue, buf) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.fail_op(&e, Op::Write, queue)),
        }
    }

    /// `write(b"")`. CPython hands the empty buffer to OpenSSL, which rust-openssl's
    /// `ssl_write` never does, so it is done in the order `SSL_write` works: once `unwrap()`
    /// has begun, the zero-length call fails with `PROTOCOL_IS_SHUTDOWN`; a handshake still
    /// in progress is driven first (`SSLWantReadError` while it waits for the peer); then the
    /// zero-length call answers by release: 0 bytes written from `SSL_write_ex` (3.10+), a
    /// return value of 0 from `SSL_write` (through 3.9), which CPython reports as
    /// `SSLEOFError`. (One case differs: a handshake that stops with a return value of 0
    /// inside `SSL_write` adds OpenSSL's `SSL_HANDSHAKE_FAILURE` to the queue, which
    /// `SSL_do_handshake` does not.)
    fn write_nothing(&mut self, ex: bool, queue: ffi::ErrQueue) -> Result<usize> {
        let ssl = self.stream.ssl();
        let shut_down = raw::ssl_get_shutdown(ssl) & raw::SSL_SENT_SHUTDOWN != 0;
        if !shut_down && raw::ssl_in_init(ssl) {
            if let Err(e) = self.stream.do_handshake(&queue) {
                return Err(self.fail_op(&e, Op::Write, queue));
            }
        }
        match raw::ssl_write_empty(&queue, self.stream.ssl_mut(), ex) {
            Ok(()) => Ok(0),
            // A return value of 0 in every release (SSL_write of nothing returns 0 too).
            Err(code) => Err(classify(
                ErrorCode::from_raw(code),
                None,
                None,
                self.stream.ssl(),
                Caller::Own {
                    minus_one: false,
                    socket: self.kind == ConnKind::Socket,
                },
                queue,
            )),
        }
    }

    /// CPython's `shutdown()`: `SSL_shutdown` at most twice (send, then wait for the peer's
    /// close_notify); errors as `PySSL_SetError`.
    pub(crate) fn shutdown(&mut self) -> Result<()> {
        let mut zeros = 0;
        loop {
            let queue = self.begin();
            match self.stream.shutdown(&queue) {
                Ok(ShutdownResult::Received) => return Ok(()),
                Ok(ShutdownResult::Sent) => {
                    zeros += 1;
                    if zeros > 1 {
                        return Ok(());
                    }
                }
                Err(e) => return Err(self.fail_op(&e, Op::Shutdown, queue)),
            }
        }
    }

    /// One `SSL_shutdown`: close_notify sent, the peer's not awaited (what shutting down
    /// the write half of an async stream does).
    #[cfg(feature = "tokio")]
    pub(crate) fn shutdown_once(&mut self) -> Result<()> {
        let queue = self.begin();
        match self.stream.shutdown(&queue) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.fail_op(&e, Op::Shutdown, queue)),
        }
    }
}

impl<S> Drop for Conn<S> {
    /// Before OpenSSL frees the `SSL`: from 3.13.1 (with the session getter handing out the
    /// connection's own session object, gh-116810) CPython marks the connection as shut down
    /// on its side first, so that freeing it without a close_notify does not make that
    /// session unresumable, as OpenSSL otherwise does.
    fn drop(&mut self) {
        if self.profile().has(Change::SessionSetShares) {
            raw::ssl_mark_sent_shutdown(self.stream.ssl_mut());
        }
    }
}

impl<S> Conn<S> {
    pub(crate) fn take_transport(&mut self) -> Option<S> {
        self.stream.get_mut().inner.take()
    }

    pub(crate) fn transport(&self) -> Option<&S> {
        self.stream.get_ref().inner.as_ref()
    }

    pub(crate) fn transport_mut(&mut self) -> Option<&mut S> {
        self.stream.get_mut().inner.as_mut()
    }

    /// The view the accessors read through.
    pub(crate) fn view(&self) -> ConnRef<'_> {
        ConnRef::new(self.stream.ssl(), self.class())
    }

    /// The view the setters write through.
    pub(crate) fn view_mut(&mut self) -> ConnMut<'_> {
        let class = self.class();
        ConnMut::new(self.stream.ssl_mut(), class)
    }

    /// The Python class this connection answers as.
    fn class(&self) -> &'static str {
        match self.kind {
            ConnKind::Socket => "SSLSocket",
            ConnKind::Object => "SSLObject",
            #[cfg(feature = "tokio")]
            ConnKind::Async => "SSLObject",
        }
    }

    fn profile(&self) -> crate::Profile {
        self.view().profile()
    }

    fn mnemonics(&self) -> MnemonicTable {
        self.view().mnemonics()
    }
}
