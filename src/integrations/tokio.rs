//! Async TLS on tokio (feature `tokio`): [`SslStream`], pyssl's async connection, with the
//! accessors and setters of Python's `SSLSocket`, `unwrap()`, and CPython's errors from every
//! read and write; made by [`connect`] / [`accept`] over any `AsyncRead + AsyncWrite`
//! transport, or by [`open_connection`], asyncio's twin, over TCP.
//!
//! ```python
//! reader, writer = await asyncio.open_connection(host, 443, ssl=ctx)
//! writer.get_extra_info("ssl_object").version()
//! ```
//! ```no_run
//! # async fn run() -> Result<(), pyssl::Error> {
//! use std::sync::Arc;
//! let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
//! let tls = pyssl::tokio::open_connection(&ctx, "localhost", 443).await?;
//! println!("{:?} {:?}", tls.version(), tls.cipher());
//! # Ok(()) }
//! ```

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use openssl::ssl::SslRef;

use crate::connection::core::{Conn, ConnKind};
use crate::connection::view::{ConnMut, ConnRef, connection_accessors, connection_setters};
use crate::connection::{C_INT_MAX, ServerHostname, SslSession};
use crate::context::SslContext;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::tokio_io::{self, Bridge};

/// Why [`SslStream`] always has its transport: only `unwrap()`, which consumes it, takes it.
const UNWRAPPED: &str = "only unwrap(), which consumes the stream, takes the transport";

/// A TLS connection over the async transport `S`, after its handshake: what asyncio's
/// `ssl_object` is, an `SSLObject` whose reads and writes wait for the transport instead of
/// raising `SSLWantReadError`/`SSLWantWriteError`, over pyssl's own BIO (which reports the
/// transport's end of file to OpenSSL as CPython's BIOs do).
///
/// Reads and writes (`tokio::io::AsyncRead`/`AsyncWrite`) fail with an `io::Error` that
/// carries the [`Error`] CPython would raise (`pyssl::Error::from(io)` gives it back); a
/// transport's own failure stays the transport's `io::Error`. The accessors and setters are
/// `SSLObject`'s; [`unwrap`](Self::unwrap) gives the transport back after the TLS shutdown.
///
/// ```python
/// ssl_object = writer.get_extra_info("ssl_object")
/// ssl_object.getpeercert(); ssl_object.get_channel_binding("tls-unique")
/// ```
/// ```no_run
/// # async fn run(tls: pyssl::tokio::SslStream<tokio::net::TcpStream>) -> pyssl::Result<()> {
/// let cert = tls.getpeercert()?;
/// let binding = tls.get_channel_binding("tls-unique")?;
/// # Ok(()) }
/// ```
pub struct SslStream<S> {
    conn: Conn<Bridge<S>>,
}

impl<S> SslStream<S> {
    fn view(&self) -> ConnRef<'_> {
        self.conn.view()
    }

    fn view_mut(&mut self) -> ConnMut<'_> {
        self.conn.view_mut()
    }

    connection_accessors!();
    connection_setters!();

    /// The transport.
    #[allow(clippy::expect_used)] // see UNWRAPPED
    pub fn get_ref(&self) -> &S {
        self.conn.transport().expect(UNWRAPPED).get_ref()
    }

    /// The transport, mutably; reading or writing it directly corrupts the TLS stream.
    #[allow(clippy::expect_used)] // see UNWRAPPED
    pub fn get_mut(&mut self) -> &mut S {
        self.conn.transport_mut().expect(UNWRAPPED).get_mut()
    }

    /// The underlying rust-openssl `SSL`, for what pyssl does not wrap.
    pub fn ssl(&self) -> &SslRef {
        self.conn.stream.ssl()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> SslStream<S> {
    /// One connection call `f` with the task context in reach of the transport; "not
    /// ready" is `Pending`.
    fn poll_conn<T>(
        &mut self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut Conn<Bridge<S>>) -> Result<T>,
    ) -> Poll<Result<T>> {
        match tokio_io::with_cx(&mut self.conn, Conn::transport_mut, cx, f) {
            Err(e) if matches!(e.kind(), ErrorKind::WantRead | ErrorKind::WantWrite) => {
                // Handed back for the next wait (no allocation per "not ready").
                self.conn.recycle_pending(e);
                Poll::Pending
            }
            r => Poll::Ready(r),
        }
    }

    /// [`SslStream::poll_conn`] for the `AsyncRead`/`AsyncWrite` methods.
    fn poll_io<T>(
        &mut self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut Conn<Bridge<S>>) -> Result<T>,
    ) -> Poll<io::Result<T>> {
        self.poll_conn(cx, f).map_err(io::Error::from)
    }

    /// `unwrap()`: the TLS shutdown as CPython does it (send close_notify, then wait for the
    /// peer's), then the plain transport back, CPython's exception if the shutdown fails.
    ///
    /// ```python
    /// sock = ssock.unwrap()
    /// ```
    /// ```no_run
    /// # async fn run(tls: pyssl::tokio::SslStream<tokio::net::TcpStream>) -> pyssl::Result<()> {
    /// let tcp = tls.unwrap().await?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_shutdown")]
    pub async fn unwrap(mut self) -> Result<S> {
        poll_fn(|cx| self.poll_conn(cx, Conn::shutdown)).await?;
        self.conn
            .take_transport()
            .map(Bridge::into_inner)
            .ok_or_else(|| Error::value("No SSL wrapper around the socket"))
    }
}

impl<S> std::fmt::Debug for SslStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SslStream")
            .field("version", &self.version())
            .field("server_side", &self.server_side())
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for SslStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().poll_io(cx, |conn| {
            tokio_io::read_into(buf, C_INT_MAX, |spare| conn.read_uninit(spare))
        })
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for SslStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let buf = &buf[..buf.len().min(C_INT_MAX)];
        self.get_mut().poll_io(cx, |conn| conn.write(buf))
    }

    /// Flushes the transport (pyssl's BIO writes every record through at once).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().get_mut()).poll_flush(cx)
    }

    /// Sends close_notify (once; the peer's is not awaited), then shuts the transport down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if crate::ffi::connection::ssl_get_shutdown(this.ssl())
            & crate::ffi::connection::SSL_SENT_SHUTDOWN
            == 0
        {
            match this.poll_io(cx, Conn::shutdown_once) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r?,
            }
        }
        Pin::new(this.get_mut()).poll_shutdown(cx)
    }
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_side: bool,
    server_hostname: Option<&str>,
    session: Option<&SslSession>,
) -> Result<SslStream<S>> {
    let ssl = ctx.new_ssl(server_side, server_hostname.map(ServerHostname::Str))?;
    let mut tls = SslStream {
        conn: Conn::new(ssl, Bridge::new(stream), ConnKind::Async)?,
    };
    if let Some(session) = session {
        tls.set_session(session)?;
    }
    poll_fn(|cx| tls.poll_conn(cx, Conn::do_handshake)).await?;
    Ok(tls)
}

/// Client handshake over `stream`, as `ctx.wrap_socket(sock, server_hostname=...)` does it.
///
/// ```python
/// ssock = ctx.wrap_socket(sock, server_hostname="localhost")
/// ```
/// ```no_run
/// # async fn run(ctx: std::sync::Arc<pyssl::SslContext>) -> pyssl::Result<()> {
/// let tcp = tokio::net::TcpStream::connect(("localhost", 443)).await?;
/// let tls = pyssl::tokio::connect(&ctx, tcp, Some("localhost")).await?;
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_connect")]
pub async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_hostname: Option<&str>,
) -> Result<SslStream<S>> {
    handshake(ctx, stream, false, server_hostname, None).await
}

/// [`connect`] offering `session` for resumption, as
/// `ctx.wrap_socket(sock, server_hostname=..., session=s)` does it (CPython's `ValueError`s
/// for a session of another context).
///
/// ```python
/// ssock = ctx.wrap_socket(sock, server_hostname="localhost", session=previous.session)
/// ```
/// ```no_run
/// # async fn run(ctx: std::sync::Arc<pyssl::SslContext>, previous: pyssl::SslSession) -> pyssl::Result<()> {
/// let tcp = tokio::net::TcpStream::connect(("localhost", 443)).await?;
/// let tls = pyssl::tokio::connect_with_session(&ctx, tcp, Some("localhost"), &previous).await?;
/// assert!(tls.session_reused());
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_set_session")]
pub async fn connect_with_session<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_hostname: Option<&str>,
    session: &SslSession,
) -> Result<SslStream<S>> {
    handshake(ctx, stream, false, server_hostname, Some(session)).await
}

/// Server handshake over `stream`, as `ctx.wrap_socket(sock, server_side=True)` does it.
///
/// ```python
/// conn = ctx.wrap_socket(sock, server_side=True)
/// ```
/// ```no_run
/// # async fn run(ctx: std::sync::Arc<pyssl::SslContext>, tcp: tokio::net::TcpStream) -> pyssl::Result<()> {
/// let tls = pyssl::tokio::accept(&ctx, tcp).await?;
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_accept")]
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
) -> Result<SslStream<S>> {
    handshake(ctx, stream, true, None, None).await
}

/// `asyncio.open_connection(host, port, ssl=ctx)`: a TCP connection to `host:port` and a
/// client handshake with `host` as the server name. A failed name lookup is
/// `socket.gaierror`, a refused connection `ConnectionRefusedError`, as in asyncio (one
/// stream rather than a reader and a writer: `tokio::io::split` gives both).
///
/// ```python
/// reader, writer = await asyncio.open_connection("localhost", 8443, ssl=ctx)
/// ```
/// ```no_run
/// # async fn run(ctx: std::sync::Arc<pyssl::SslContext>) -> pyssl::Result<()> {
/// let tls = pyssl::tokio::open_connection(&ctx, "localhost", 8443).await?;
/// let (reader, writer) = tokio::io::split(tls);
/// # Ok(()) }
/// ```
pub async fn open_connection(
    ctx: &Arc<SslContext>,
    host: &str,
    port: u16,
) -> Result<SslStream<::tokio::net::TcpStream>> {
    let profile = ctx.profile();
    let tcp = ::tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| Error::from_io(&e, profile))?;
    connect(ctx, tcp, Some(host)).await
}
