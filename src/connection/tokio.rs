//! Async connect and accept on tokio (feature `tokio`), through tokio-openssl, with pyssl's
//! connection setup ([`SslContext::new_ssl`]) and CPython's error classification.
//!
//! ```python
//! reader, writer = await asyncio.open_connection(host, 443, ssl=ctx, server_hostname=host)
//! ```
//! ```no_run
//! # async fn run() -> Result<(), pyssl::Error> {
//! use std::sync::Arc;
//! let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
//! let tcp = tokio::net::TcpStream::connect(("localhost", 443))
//!     .await
//!     .map_err(|e| pyssl::Error::os(e.raw_os_error().unwrap_or(0), None))?;
//! let tls = pyssl::tokio::connect(&ctx, tcp, Some("localhost")).await?;
//! println!("{:?}", tls.ssl().version_str());
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::sync::Arc;

use ::tokio::io::{AsyncRead, AsyncWrite};
use tokio_openssl::SslStream;

use super::{ServerHostname, ssl_error};
use crate::context::SslContext;
use crate::error::{Error, Result};

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_side: bool,
    server_hostname: Option<&str>,
) -> Result<SslStream<S>> {
    let ssl = ctx.new_ssl(server_side, server_hostname.map(ServerHostname::Str))?;
    let table = ctx.profile().mnemonic_table();
    let mut tls = SslStream::new(ssl, stream).map_err(|e| Error::from_stack(&e, table))?;
    crate::ffi::err_clear();
    let done = if server_side {
        Pin::new(&mut tls).accept().await
    } else {
        Pin::new(&mut tls).connect().await
    };
    match done {
        Ok(()) => Ok(tls),
        Err(e) => Err(ssl_error(&e, tls.ssl())),
    }
}

/// Client handshake over `stream`, as `ctx.wrap_socket(sock, server_hostname=...)` does it.
#[doc(alias = "SSL_connect")]
pub async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
    server_hostname: Option<&str>,
) -> Result<SslStream<S>> {
    handshake(ctx, stream, false, server_hostname).await
}

/// Server handshake over `stream`, as `ctx.wrap_socket(sock, server_side=True)` does it.
#[doc(alias = "SSL_accept")]
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Arc<SslContext>,
    stream: S,
) -> Result<SslStream<S>> {
    handshake(ctx, stream, true, None).await
}
