//! Async TLS on tokio (feature `tokio`): [`SslStream`], pyssl's async connection, with the
//! accessors of Python's `SSLSocket` and CPython's errors from every read and write; made by
//! [`connect`] / [`accept`] over any `AsyncRead + AsyncWrite` transport, or by
//! [`open_connection`], asyncio's twin, over TCP.
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

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use openssl::ssl::SslRef;

use crate::connection::view::{ConnRef, connection_accessors};
use crate::connection::{ServerHostname, ssl_error};
use crate::context::SslContext;
use crate::error::{Error, Result};

/// A TLS connection over the async transport `S`, set up by its context as
/// `ctx.wrap_socket` sets one up, after its handshake.
///
/// Reads and writes (`tokio::io::AsyncRead`/`AsyncWrite`) fail with an `io::Error` that
/// carries the [`Error`] CPython would raise (`pyssl::Error::from(io)` gives it back); a
/// transport's own failure stays the transport's `io::Error`. The accessors are
/// `SSLSocket`'s; the setters (`session`, `context`, `verify_client_post_handshake()`) are
/// not offered, as tokio-openssl gives no mutable access to the connection after its
/// handshake.
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
    inner: tokio_openssl::SslStream<S>,
}

impl<S> SslStream<S> {
    fn view(&self) -> ConnRef<'_> {
        ConnRef::new(self.inner.ssl(), "SSLSocket")
    }

    connection_accessors!();

    /// The transport.
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref()
    }

    /// The transport, mutably; reading or writing it directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> &mut S {
        self.inner.get_mut()
    }

    /// The underlying rust-openssl `SSL`, for what pyssl does not wrap.
    pub fn ssl(&self) -> &SslRef {
        self.inner.ssl()
    }

    /// An `io::Error` of tokio-openssl's, as the `io::Error` carrying CPython's exception
    /// when it holds a TLS failure; the transport's own errors pass through.
    fn io_error(&self, e: io::Error) -> io::Error {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<openssl::ssl::Error>())
        {
            Some(tls) => ssl_error(tls, self.inner.ssl()).into(),
            None => e,
        }
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
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.io_error(e))),
            other => other,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for SslStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.io_error(e))),
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.io_error(e))),
            other => other,
        }
    }

    /// Sends close_notify, then shuts the transport down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.io_error(e))),
            other => other,
        }
    }
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_side: bool,
    server_hostname: Option<&str>,
) -> Result<SslStream<S>> {
    let ssl = ctx.new_ssl(server_side, server_hostname.map(ServerHostname::Str))?;
    let table = ctx.profile().mnemonic_table();
    let mut tls =
        tokio_openssl::SslStream::new(ssl, stream).map_err(|e| Error::from_stack(&e, table))?;
    crate::ffi::err_clear();
    let done = if server_side {
        Pin::new(&mut tls).accept().await
    } else {
        Pin::new(&mut tls).connect().await
    };
    match done {
        Ok(()) => Ok(SslStream { inner: tls }),
        Err(e) => Err(ssl_error(&e, tls.ssl())),
    }
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
    handshake(ctx, stream, false, server_hostname).await
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
    handshake(ctx, stream, true, None).await
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
