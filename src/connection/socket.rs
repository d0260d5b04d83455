//! [`SslSocket`]: Python's `ssl.SSLSocket` over any blocking `Read + Write` transport.

use std::io::{self, Read, Write};
use std::sync::Arc;

use super::core::{Conn, connection_accessors};
use super::{ServerHostname, SslSession, configure, python_wrap_checks};
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
            opts.session.is_some(),
            true,
            true,
        )?;
        let ssl = configure(self, opts.server_side, hostname.as_deref())?;
        let mut core = Conn::new(ssl, sock)?;
        if let Some(session) = opts.session {
            core.set_session(session)?;
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

impl<S: Read + Write> SslSocket<S> {
    connection_accessors!(core);

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
        match self.core.read(buf) {
            Err(e) if e.kind() == ErrorKind::Eof && self.suppress_ragged_eofs => Ok(0),
            other => other,
        }
    }

    /// `recv(bufsize)` / `read(len)`: up to `len` bytes, empty at end of data.
    pub fn recv(&mut self, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let n = self.read_into(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
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

fn io_error(e: Error) -> io::Error {
    let kind = match e.kind() {
        ErrorKind::WantRead | ErrorKind::WantWrite => io::ErrorKind::WouldBlock,
        ErrorKind::Eof => io::ErrorKind::UnexpectedEof,
        ErrorKind::Os => match e
            .errno()
            .map(|n| io::Error::from_raw_os_error(n as i32).kind())
        {
            Some(k) => k,
            None => io::ErrorKind::Other,
        },
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

impl<S: Read + Write> Read for SslSocket<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_into(buf).map_err(io_error)
    }
}

impl<S: Read + Write> Write for SslSocket<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf).map_err(io_error)
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
