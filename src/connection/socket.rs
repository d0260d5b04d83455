//! [`SslSocket`]: Python's `ssl.SSLSocket` over any blocking `Read + Write` transport.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::core::{Conn, ConnKind};
use super::view::{ConnMut, ConnRef, connection_accessors, connection_setters};
use super::{ServerHostname, SslSession, WrapChecks, configure, python_wrap_checks};
use crate::context::SslContext;
use crate::error::{Error, ErrorKind, Result};

/// The keyword arguments of `SSLContext.wrap_socket` beyond the socket.
///
/// Defaults are Python's: client side, no hostname, handshake at once
/// (`do_handshake_on_connect=True`), transport EOF read as end of data
/// (`suppress_ragged_eofs=True`), no session.
///
/// ```python
/// ctx.wrap_socket(sock, server_hostname="h", do_handshake_on_connect=False)
/// ```
/// ```
/// let opts = pyssl::WrapOptions {
///     server_hostname: Some("h".into()),
///     do_handshake_on_connect: false,
///     ..pyssl::WrapOptions::default()
/// };
/// assert!(opts.suppress_ragged_eofs);
/// ```
#[derive(Debug, Clone)]
pub struct WrapOptions<'a> {
    /// `server_side=`.
    pub server_side: bool,
    /// `server_hostname=` (a `str` or `bytes`).
    pub server_hostname: Option<ServerHostname<'a>>,
    /// `do_handshake_on_connect=`.
    pub do_handshake_on_connect: bool,
    /// `suppress_ragged_eofs=`.
    pub suppress_ragged_eofs: bool,
    /// `session=`: a session to resume (client side).
    pub session: Option<&'a SslSession>,
}

impl Default for WrapOptions<'_> {
    fn default() -> Self {
        WrapOptions {
            server_side: false,
            server_hostname: None,
            do_handshake_on_connect: true,
            suppress_ragged_eofs: true,
            session: None,
        }
    }
}

/// Python's `ssl.SSLSocket`: a TLS connection over a blocking transport (a `TcpStream`, a
/// `UnixStream`, anything `Read + Write`), made by [`SslContext::wrap_socket`].
///
/// `std::io::Read` and `Write` are implemented with Python's `recv`/`send` semantics (a
/// suppressed ragged EOF reads as end of data); their errors carry the [`Error`] CPython would
/// raise, reachable with `io::Error::get_ref` and `downcast_ref::<pyssl::Error>()`.
///
/// # Timeouts
///
/// A transport's timeout is Python's socket timeout. When the transport answers a read or
/// write with `io::ErrorKind::WouldBlock` or `TimedOut` (a `TcpStream` whose
/// `set_read_timeout`/`set_write_timeout` expired), the operation fails as it does in CPython
/// on a socket with `settimeout(t)`: `TimeoutError` (`socket.timeout` for the 3.7–3.9
/// profiles, [`ErrorKind::Os`]) with CPython's text, `"The handshake operation timed out"`,
/// `"The read operation timed out"` or `"The write operation timed out"`, and
/// `io::ErrorKind::TimedOut` through `std::io`. It is not an `SSLWantReadError`: that is what
/// CPython raises on a non-blocking socket (`settimeout(0)`), which `SslSocket` does not model;
/// use [`SslObject`](crate::SslObject) or the `tokio` feature for non-blocking I/O. The
/// connection stays usable after a timeout: calling the operation again continues it.
///
/// ```python
/// sock.settimeout(0.5); ssock = ctx.wrap_socket(sock, server_hostname="localhost")
/// ssock.recv(10)   # TimeoutError: The read operation timed out
/// ```
/// ```no_run
/// # use std::sync::Arc;
/// # fn main() -> Result<(), pyssl::Error> {
/// # let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
/// let sock = std::net::TcpStream::connect(("localhost", 443)).unwrap();
/// sock.set_read_timeout(Some(std::time::Duration::from_millis(500))).unwrap();
/// let mut ssock = ctx.wrap_socket(sock, false, Some("localhost"))?;
/// match ssock.recv(10) {
///     Err(e) if e.python_type() == "TimeoutError" => {
///         assert_eq!(e.python_str(), "The read operation timed out");
///     }
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
pub struct SslSocket<S: Read + Write> {
    core: Conn<S>,
    suppress_ragged_eofs: bool,
    do_handshake_on_connect: bool,
    unwrapped: bool,
}

impl SslContext {
    /// `ctx.wrap_socket(sock, server_side=..., server_hostname=...)` with the other arguments
    /// at their defaults: the handshake runs before this returns.
    ///
    /// Python's checks come first (`server_hostname can only be specified in client mode`,
    /// `check_hostname requires server_hostname`), then the hostname's IDNA encoding, then
    /// the connection setup of `newPySSLSocket`.
    ///
    /// ```python
    /// ssock = ctx.wrap_socket(sock, server_hostname="localhost")
    /// ```
    /// ```
    /// # use std::sync::Arc;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let e = ctx.wrap_socket(a, false, None).unwrap_err();
    /// assert_eq!(e.python_str(), "check_hostname requires server_hostname");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_new", alias = "SSL_do_handshake")]
    pub fn wrap_socket<S: Read + Write>(
        self: &Arc<Self>,
        sock: S,
        server_side: bool,
        server_hostname: Option<&str>,
    ) -> Result<SslSocket<S>> {
        self.wrap_socket_with(
            sock,
            WrapOptions {
                server_side,
                server_hostname: server_hostname.map(ServerHostname::Str),
                ..WrapOptions::default()
            },
        )
    }

    /// `ctx.wrap_socket(sock, **kwargs)` with every keyword argument ([`WrapOptions`]).
    ///
    /// ```python
    /// ssock = ctx.wrap_socket(sock, server_hostname=b"localhost", do_handshake_on_connect=False)
    /// ```
    /// ```
    /// # use std::sync::Arc;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = Arc::new(pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?);
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let opts = pyssl::WrapOptions {
    ///     server_hostname: Some(pyssl::ServerHostname::Bytes(b"localhost")),
    ///     do_handshake_on_connect: false,
    ///     ..Default::default()
    /// };
    /// let s = ctx.wrap_socket_with(a, opts)?;
    /// assert_eq!(s.server_hostname().as_deref(), Some("localhost"));
    /// assert_eq!(s.getpeercert().unwrap_err().python_str(), "handshake not done yet");
    /// # Ok(()) }
    /// ```
    pub fn wrap_socket_with<S: Read + Write>(
        self: &Arc<Self>,
        sock: S,
        opts: WrapOptions<'_>,
    ) -> Result<SslSocket<S>> {
        let hostname = python_wrap_checks(
            self,
            opts.server_side,
            opts.server_hostname,
            opts.session,
            WrapChecks::Socket,
        )?;
        let ssl = configure(self, opts.server_side, hostname.as_deref())?;
        let mut core = Conn::new(ssl, sock, ConnKind::Socket)?;
        if let Some(session) = opts.session {
            core.view_mut().set_session(session)?;
        }
        let mut s = SslSocket {
            core,
            suppress_ragged_eofs: opts.suppress_ragged_eofs,
            do_handshake_on_connect: opts.do_handshake_on_connect,
            unwrapped: false,
        };
        if s.do_handshake_on_connect {
            s.do_handshake()?;
        }
        Ok(s)
    }
}

/// `ctx.wrap_socket(socket.create_connection((host, port), timeout), server_hostname=host)`:
/// a TCP connection to the first address of `host` that accepts (the last failure when none
/// does, as `socket.create_connection` raises it: `socket.gaierror` for a failed lookup,
/// `ConnectionRefusedError`, `TimeoutError: timed out`), then a client handshake with `host`
/// as the server name. `timeout` bounds the connect and then every read and write, as
/// `settimeout` does (see [`SslSocket`]'s timeouts).
///
/// ```python
/// ssock = ctx.wrap_socket(socket.create_connection(("localhost", 8443), 5),
///                         server_hostname="localhost")
/// ```
/// ```no_run
/// # use std::sync::Arc;
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
/// let timeout = Some(std::time::Duration::from_secs(5));
/// let mut ssock = pyssl::create_connection(&ctx, ("localhost", 8443), timeout)?;
/// ssock.sendall(b"GET / HTTP/1.0\r\n\r\n")?;
/// # Ok(()) }
/// ```
pub fn create_connection(
    ctx: &Arc<SslContext>,
    (host, port): (&str, u16),
    timeout: Option<std::time::Duration>,
) -> Result<SslSocket<std::net::TcpStream>> {
    let tcp = tcp_connect(host, port, timeout, ctx.profile())?;
    ctx.wrap_socket(tcp, false, Some(host))
}

/// `socket.create_connection((host, port), timeout)`: the first address of `host` that
/// accepts, or the last failure as CPython raises it; `timeout` then bounds reads and writes.
fn tcp_connect(
    host: &str,
    port: u16,
    timeout: Option<std::time::Duration>,
    profile: crate::Profile,
) -> Result<std::net::TcpStream> {
    use std::net::{TcpStream, ToSocketAddrs};
    let os_error = |e: io::Error| Error::from_io(&e, profile);
    let mut last = None;
    for addr in (host, port).to_socket_addrs().map_err(os_error)? {
        let connected = match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match connected {
            Ok(tcp) => {
                tcp.set_read_timeout(timeout).map_err(os_error)?;
                tcp.set_write_timeout(timeout).map_err(os_error)?;
                return Ok(tcp);
            }
            Err(e) => last = Some(os_error(e)),
        }
    }
    // getaddrinfo answered, with nothing: CPython's own OSError.
    Err(last.unwrap_or_else(|| Error::os_subclass("OSError", "getaddrinfo returns an empty list")))
}

/// `ssl.get_server_certificate((host, port), ca_certs=..., timeout=...)`: the server's
/// certificate as PEM, fetched as `profile`'s release fetches it: a `_create_stdlib_context`
/// (no hostname check; the chain verified against `ca_certs` when given, not at all
/// otherwise), `PROTOCOL_TLS_CLIENT` and SNI from 3.10, `PROTOCOL_TLS` and no SNI before,
/// `SSLKEYLOGFILE` honoured from 3.8. Python's `ssl_version` argument keeps its default.
///
/// ```python
/// pem = ssl.get_server_certificate(("localhost", 8443), ca_certs="ca.pem", timeout=5)
/// ```
/// ```no_run
/// # fn main() -> Result<(), pyssl::Error> {
/// let timeout = Some(std::time::Duration::from_secs(5));
/// let pem = pyssl::get_server_certificate(
///     ("localhost", 8443), Some("ca.pem".as_ref()), timeout, pyssl::Profile::default())?;
/// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// # Ok(()) }
/// ```
pub fn get_server_certificate(
    (host, port): (&str, u16),
    ca_certs: Option<&std::path::Path>,
    timeout: Option<std::time::Duration>,
    profile: crate::Profile,
) -> Result<String> {
    use crate::constants::{Protocol, Purpose, VerifyMode};
    let modern = profile.version >= (3, 10);
    let protocol = if modern {
        Protocol::PROTOCOL_TLS_CLIENT
    } else {
        Protocol::PROTOCOL_TLS
    };
    let ctx = Arc::new(SslContext::with_profile(protocol, profile)?);
    ctx.set_check_hostname(false);
    ctx.set_verify_mode(match ca_certs {
        Some(_) => VerifyMode::CERT_REQUIRED,
        None => VerifyMode::CERT_NONE,
    })?;
    match ca_certs {
        // An empty path is false to Python: the default certificates instead.
        Some(f) if f.as_os_str().is_empty() => ctx.load_default_certs(Purpose::SERVER_AUTH)?,
        Some(f) => ctx.load_verify_locations(Some(f), None, None)?,
        None => {}
    }
    crate::context::keylog_from_env(&ctx, profile)?;
    let tcp = tcp_connect(host, port, timeout, profile)?;
    let ssock = ctx.wrap_socket(tcp, false, modern.then_some(host))?;
    // The `with` block's close() frees the connection without a TLS shutdown, as drop does.
    match ssock.getpeercert_der()? {
        Some(der) => Ok(crate::certificate::der_cert_to_pem_cert_as(&der, profile)),
        // DER_cert_to_PEM_cert(None): base64 of None.
        None => Err(Error::type_error(
            "a bytes-like object is required, not 'NoneType'",
        )),
    }
}

impl<S: Read + Write> SslSocket<S> {
    connection_accessors!();
    connection_setters!();

    fn view(&self) -> ConnRef<'_> {
        self.core.view()
    }

    fn view_mut(&mut self) -> ConnMut<'_> {
        self.core.view_mut()
    }

    /// `do_handshake()`: run (or finish) the TLS handshake.
    #[doc(alias = "SSL_do_handshake")]
    pub fn do_handshake(&mut self) -> Result<()> {
        self.check_open("do_handshake")?;
        self.core.do_handshake()
    }

    fn check_open(&self, what: &str) -> Result<()> {
        if self.unwrapped {
            let op = match what {
                "write" => "Write",
                _ => "Read",
            };
            return Err(Error::value(format!(
                "{op} on closed or unwrapped SSL socket."
            )));
        }
        Ok(())
    }

    /// `read(len, buffer)`: read into `buf`; 0 at end of data (close_notify, or a ragged EOF
    /// when `suppress_ragged_eofs`).
    #[doc(alias = "SSL_read")]
    pub fn read_into(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.check_open("read")?;
        let read = self.core.read(buf);
        self.suppress_ragged_eof(read, 0)
    }

    /// `recv(bufsize)` / `read(len)`: up to `len` bytes, empty at end of data. Sizes as
    /// [`SslObject::read`](crate::SslObject::read).
    pub fn recv(&mut self, len: usize) -> Result<Vec<u8>> {
        self.check_open("read")?;
        let read = self.core.read_vec(len);
        self.suppress_ragged_eof(read, Vec::new())
    }

    /// With `suppress_ragged_eofs`, an `SSLEOFError` reads as end of data (`empty`).
    fn suppress_ragged_eof<T>(&self, read: Result<T>, empty: T) -> Result<T> {
        match read {
            Err(e) if e.kind() == ErrorKind::Eof && self.suppress_ragged_eofs => Ok(empty),
            other => other,
        }
    }

    /// `write(data)` / `send(data)`: how many bytes were written.
    #[doc(alias = "SSL_write")]
    pub fn send(&mut self, data: &[u8]) -> Result<usize> {
        self.check_open("write")?;
        self.core.write(data)
    }

    /// `sendall(data)`.
    pub fn sendall(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let n = self.send(data)?;
            data = &data[n..];
        }
        Ok(())
    }

    /// `sendfile(file, offset, count)`: send `count` bytes of `file` (all of it when `None`)
    /// from `offset`, in blocks of at most 8192 bytes, and leave the file positioned after
    /// what was sent; returns the number of bytes sent.
    ///
    /// This is the path CPython takes on every TLS socket whose connection does not use the
    /// kernel's TLS (3.15 hands the file to `SSL_sendfile` when it does); pyssl's transport is
    /// never kernel TLS, so the bytes on the wire and the result are CPython's either way.
    ///
    /// ```python
    /// with open("page.html", "rb") as f:
    ///     ssock.sendfile(f, 100, 5000)    # 5000; f.tell() == 5100
    /// ```
    /// ```no_run
    /// # fn main() -> Result<(), pyssl::Error> {
    /// # let ctx = std::sync::Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
    /// # let tcp = std::net::TcpStream::connect(("localhost", 443)).unwrap();
    /// let mut ssock = ctx.wrap_socket(tcp, false, Some("localhost"))?;
    /// let mut f = std::fs::File::open("page.html").map_err(|e| pyssl::Error::os(e.raw_os_error().unwrap_or(0), None))?;
    /// let sent = ssock.sendfile(&mut f, 100, Some(5000))?;
    /// # Ok(()) }
    /// ```
    pub fn sendfile<F: Read + Seek>(
        &mut self,
        file: &mut F,
        offset: u64,
        count: Option<usize>,
    ) -> Result<usize> {
        if count == Some(0) {
            return Err(Error::value("count must be a positive integer (got 0)"));
        }
        let io = |e: std::io::Error| Error::os(e.raw_os_error().unwrap_or(0), None);
        if offset != 0 {
            file.seek(SeekFrom::Start(offset)).map_err(io)?;
        }
        let mut total = 0;
        let result = (|| {
            let mut block = Vec::with_capacity(8192);
            loop {
                let want = count.map_or(8192, |c| (c - total).min(8192));
                if want == 0 {
                    return Ok(total);
                }
                block.clear();
                file.by_ref()
                    .take(want as u64)
                    .read_to_end(&mut block)
                    .map_err(io)?;
                if block.is_empty() {
                    return Ok(total);
                }
                let mut data = &block[..];
                while !data.is_empty() {
                    let sent = self.send(data)?;
                    total += sent;
                    data = &data[sent..];
                }
            }
        })();
        if total > 0 {
            file.seek(SeekFrom::Start(offset + total as u64))
                .map_err(io)?;
        }
        result
    }

    /// `unwrap()`: the TLS shutdown (send close_notify, wait for the peer's), then the plain
    /// transport back. The socket cannot be used for TLS afterwards.
    #[doc(alias = "SSL_shutdown")]
    pub fn unwrap(&mut self) -> Result<S> {
        if self.unwrapped {
            return Err(Error::value("No SSL wrapper around the socket"));
        }
        self.core.shutdown()?;
        self.unwrapped = true;
        self.core
            .take_transport()
            .ok_or_else(|| Error::value("No SSL wrapper around the socket"))
    }

    /// `do_handshake_on_connect`.
    pub fn do_handshake_on_connect(&self) -> bool {
        self.do_handshake_on_connect
    }

    /// `suppress_ragged_eofs`.
    pub fn suppress_ragged_eofs(&self) -> bool {
        self.suppress_ragged_eofs
    }

    /// The transport (`None` after [`unwrap`](Self::unwrap)).
    pub fn get_ref(&self) -> Option<&S> {
        self.core.transport()
    }

    /// The transport, mutably; reading or writing it directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        self.core.transport_mut()
    }
}

/// The largest read or write one `std::io` call hands to the connection: what every release's
/// C `int` sizes accept, so that the Python-sized `OverflowError`s of
/// [`SslSocket::read_into`] and [`SslSocket::send`] never reach `std::io` users (a shorter
/// read or write is what the traits allow).
const IO_CHUNK: usize = super::C_INT_MAX;

impl<S: Read + Write> Read for SslSocket<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(IO_CHUNK);
        self.read_into(&mut buf[..len]).map_err(io::Error::from)
    }
}

impl<S: Read + Write> Write for SslSocket<S> {
    /// An empty `buf` writes nothing and returns 0, as `std::io::Write` expects (Python's
    /// `write(b"")` goes through [`SslSocket::send`]).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.send(&buf[..buf.len().min(IO_CHUNK)])
            .map_err(io::Error::from)
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.core.transport_mut() {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

impl<S: Read + Write> std::fmt::Debug for SslSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SslSocket")
            .field("server_side", &self.server_side())
            .field("server_hostname", &self.server_hostname())
            .field("version", &self.version())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use super::*;
    use crate::{PROTOCOL_TLS_CLIENT, Profile};

    /// A client whose peer never answers, with a short read timeout on its transport.
    fn silent_peer(profile: Profile) -> (SslSocket<UnixStream>, UnixStream) {
        let ctx = Arc::new(SslContext::with_profile(PROTOCOL_TLS_CLIENT, profile).unwrap());
        let (a, b) = UnixStream::pair().unwrap();
        a.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let opts = WrapOptions {
            server_hostname: Some("localhost".into()),
            do_handshake_on_connect: false,
            ..WrapOptions::default()
        };
        (ctx.wrap_socket_with(a, opts).unwrap(), b)
    }

    #[test]
    fn transport_timeout_is_pythons_socket_timeout() {
        let (mut s, _peer) = silent_peer(Profile::PY311);
        let e = s.do_handshake().unwrap_err();
        assert_eq!(e.python_type(), "TimeoutError");
        assert_eq!(e.python_str(), "The handshake operation timed out");
        assert_eq!(e.errno(), None);
        assert!(e.kind().is_os_error() && !e.kind().is_ssl_error());
        // Through std::io, a timeout is TimedOut, not WouldBlock.
        let io = s.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        let inner = io.get_ref().unwrap().downcast_ref::<Error>().unwrap();
        assert_eq!(inner.python_str(), "The read operation timed out");
    }

    #[test]
    fn before_310_the_class_is_socket_timeout() {
        let (mut s, _peer) = silent_peer(Profile::PY39);
        let e = s.do_handshake().unwrap_err();
        assert_eq!(
            (e.python_type(), e.python_str().as_str()),
            ("timeout", "The handshake operation timed out")
        );
    }
}
