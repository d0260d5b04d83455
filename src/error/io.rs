//! `std::io::Error` ⇄ [`Error`]: the `OSError` CPython raises for a failed system call, and
//! the way back for code that speaks `std::io` (tokio, hyper, `Read`/`Write`).
//!
//! Going in, an `io::Error` that carries a pyssl [`Error`] gives it back unchanged, so a
//! failure survives a trip through another crate's `io::Result`; an errno becomes the
//! `OSError` subclass Python picks for it (`ConnectionRefusedError: [Errno 111] Connection
//! refused`); std's name-resolution failure becomes `socket.gaierror` with the `EAI_*` code
//! (`[Errno -2] Name or service not known`); a timeout without an errno (tokio's `timeout`)
//! becomes the socket timeout of the profile (`TimeoutError: timed out`, `socket.timeout`
//! before 3.10).
//!
//! ```python
//! try:
//!     socket.create_connection(("127.0.0.1", closed_port))
//! except OSError as e:
//!     type(e).__name__, str(e)   # ('ConnectionRefusedError', '[Errno 111] Connection refused')
//! ```
//! ```no_run
//! let io = std::net::TcpStream::connect(("127.0.0.1", 9)).unwrap_err();
//! let e = pyssl::Error::from(io);
//! assert_eq!(e.python_type(), "ConnectionRefusedError");
//! assert_eq!(e.python_str(), "[Errno 111] Connection refused");
//! ```

use std::io;

use super::{Error, ErrorKind};
use crate::profiles::Profile;

/// The prefix std gives a failed `getaddrinfo` before `gai_strerror`'s text.
const LOOKUP_PREFIX: &str = "failed to lookup address information: ";

impl Error {
    /// What CPython raises for the failure `e` under `profile` (which decides only the class
    /// of a timeout: `TimeoutError` from 3.10, `socket.timeout` before). See the
    /// [module](self) for the mapping; `Error::from(e)` is this under the default profile.
    ///
    /// ```python
    /// socket.getaddrinfo("", 443)     # socket.gaierror: [Errno -2] Name or service not known
    /// ```
    /// ```
    /// use std::net::ToSocketAddrs;
    /// let io = ("", 443).to_socket_addrs().unwrap_err();
    /// let e = pyssl::Error::from_io(&io, pyssl::Profile::PY39);
    /// assert_eq!(e.python_type(), "gaierror");
    /// assert_eq!(e.python_str(), "[Errno -2] Name or service not known");
    /// ```
    pub fn from_io(e: &io::Error, profile: Profile) -> Error {
        if let Some(ours) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
            return ours.clone();
        }
        if let Some(errno) = e.raw_os_error() {
            return Error::os(errno, None);
        }
        if let Some(text) = e.to_string().strip_prefix(LOOKUP_PREFIX) {
            if let Some(code) = crate::ffi::gai_code(text) {
                return Error::gaierror(code, text);
            }
        }
        if e.kind() == io::ErrorKind::TimedOut {
            return Error::socket_timeout(profile, "timed out");
        }
        Error::os_subclass("OSError", e.to_string())
    }

    /// `socket.gaierror(code, text)`: `[Errno -2] Name or service not known`.
    pub(crate) fn gaierror(code: i32, text: &str) -> Error {
        let mut e = Error::base(ErrorKind::Os, text);
        e.0.errno = Some(i64::from(code));
        e.0.class_override = Some("gaierror");
        e
    }

    /// The exception a socket with a timeout raises when it expires, under `profile`:
    /// `TimeoutError(text)` (3.10+, where `socket.timeout` is its alias) or
    /// `socket.timeout(text)`. `errno` is `None`.
    ///
    /// A `std::net::TcpStream` whose read timeout expired answers `WouldBlock` (`EAGAIN`),
    /// which [`Error::from_io`] must read as the `BlockingIOError` of a non-blocking socket;
    /// code that set the timeout knows better and builds this.
    ///
    /// ```python
    /// sock.settimeout(1); sock.recv(1)       # TimeoutError: timed out
    /// ```
    /// ```
    /// let e = pyssl::Error::socket_timeout(pyssl::Profile::PY313, "timed out");
    /// assert_eq!((e.python_type(), e.python_str()), ("TimeoutError", "timed out".to_string()));
    /// ```
    pub fn socket_timeout(profile: Profile, text: &str) -> Error {
        let class = if profile.messages.timeout_is_timeout_error {
            "TimeoutError"
        } else {
            "timeout"
        };
        Error::os_subclass(class, text)
    }

    /// The `io::ErrorKind` a Rust caller expects for this failure: the errno's kind for OS
    /// errors, `TimedOut` for a socket timeout, `WouldBlock` for `SSLWantReadError` /
    /// `SSLWantWriteError`, `UnexpectedEof` for `SSLEOFError`, `Other` otherwise.
    pub fn io_kind(&self) -> io::ErrorKind {
        match self.kind() {
            ErrorKind::WantRead | ErrorKind::WantWrite => io::ErrorKind::WouldBlock,
            ErrorKind::Eof => io::ErrorKind::UnexpectedEof,
            ErrorKind::Os => match (self.python_type(), self.errno()) {
                ("gaierror", _) => io::ErrorKind::Other,
                (_, Some(n)) => io::Error::from_raw_os_error(n as i32).kind(),
                ("TimeoutError" | "timeout", None) => io::ErrorKind::TimedOut,
                _ => io::ErrorKind::Other,
            },
            _ => io::ErrorKind::Other,
        }
    }
}

impl Error {
    /// The pyssl error behind another crate's error: `e` itself, the error an `io::Error`
    /// carries, or the same anywhere along `e`'s `source()` chain (hyper's
    /// `client error (Connect)` wraps the connector's error; a read on a
    /// [`tokio::SslStream`](crate::tokio) fails with an `io::Error` carrying one).
    ///
    /// ```python
    /// except ssl.SSLCertVerificationError as e:   # raised through httpx / aiohttp
    /// ```
    /// ```
    /// let io: std::io::Error = pyssl::Error::value("check_hostname requires server_hostname").into();
    /// let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(io);
    /// let e = pyssl::Error::find_in(boxed.as_ref()).unwrap();
    /// assert_eq!(e.python_type(), "ValueError");
    /// ```
    pub fn find_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Error> {
        let mut next = Some(e);
        while let Some(e) = next {
            if let Some(ours) = e.downcast_ref::<Error>() {
                return Some(ours);
            }
            // An io::Error's `source()` skips the error it carries: look at that one too.
            let carried = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref);
            if let Some(ours) = carried.and_then(|inner| inner.downcast_ref::<Error>()) {
                return Some(ours);
            }
            next = e.source();
        }
        None
    }
}

/// [`Error::from_io`] under the default profile.
impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::from_io(&e, Profile::default())
    }
}

/// An `io::Error` of kind [`Error::io_kind`] that carries the pyssl error:
/// `io.get_ref().and_then(|e| e.downcast_ref::<pyssl::Error>())` finds it again, and
/// `pyssl::Error::from(io)` gives it back unchanged.
impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.io_kind(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pyssl_error_survives_a_trip_through_io() {
        let e = Error::value("check_hostname requires server_hostname");
        let io: io::Error = e.clone().into();
        assert_eq!(io.kind(), io::ErrorKind::Other);
        assert_eq!(Error::from(io), e);
        let t = Error::socket_timeout(Profile::PY39, "The read operation timed out");
        let io: io::Error = t.clone().into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        assert_eq!(Error::from(io), t);
    }

    #[test]
    fn a_timeout_without_errno_is_the_profiles_socket_timeout() {
        let io = io::Error::from(io::ErrorKind::TimedOut);
        let old = Error::from_io(&io, Profile::PY39);
        assert_eq!(
            (old.python_type(), old.python_str()),
            ("timeout", "timed out".into())
        );
        let new = Error::from_io(&io, Profile::PY310);
        assert_eq!(new.python_type(), "TimeoutError");
        assert_eq!(new.errno(), None);
    }

    #[test]
    fn other_failures_keep_their_text_as_oserror() {
        let io = io::Error::new(io::ErrorKind::InvalidInput, "invalid socket address");
        let e = Error::from(io);
        assert_eq!(e.python_type(), "OSError");
        assert_eq!(e.python_str(), "invalid socket address");
        assert_eq!(e.io_kind(), io::ErrorKind::Other);
    }

    #[test]
    fn an_unknown_gai_text_is_not_a_gaierror() {
        let io = io::Error::other(format!("{LOOKUP_PREFIX}Unknown error"));
        assert_eq!(Error::from(io).python_type(), "OSError");
    }
}
