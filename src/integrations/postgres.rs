//! tokio-postgres on pyssl (feature `postgres`): [`MakeTlsConnector`] gives each connection
//! a TLS session from a pyssl context, verified as CPython verifies it (with
//! `create_default_context`: the CA and the host name, libpq's `verify-full`), and the
//! `tls-server-end-point` channel binding, so that SCRAM-SHA-256-PLUS can be negotiated.
//!
//! A failed handshake comes back from tokio-postgres as its `Error`;
//! [`Error::find_in`](crate::Error::find_in) finds the exception CPython would raise inside.
//!
//! ```python
//! ctx = ssl.create_default_context(cafile="root.crt")
//! conn = await asyncpg.connect("postgresql://app@db.example/app", ssl=ctx)
//! ```
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let opts = pyssl::CreateOptions { cafile: Some("root.crt".as_ref()), ..Default::default() };
//! let ctx = pyssl::create_default_context_with(pyssl::Purpose::SERVER_AUTH, opts)?;
//! let tls = pyssl::postgres::MakeTlsConnector::from(Arc::new(ctx));
//! let (client, connection) =
//!     tokio_postgres::connect("host=db.example user=app sslmode=require", tls).await?;
//! tokio::spawn(connection);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use tokio_postgres::tls::{self, ChannelBinding};

use crate::context::SslContext;
use crate::error::Error;
use crate::integrations::tokio::{SslStream, connect};

/// Makes a [`TlsConnector`] per connection, from one shared context.
#[derive(Clone)]
pub struct MakeTlsConnector {
    ctx: Arc<SslContext>,
}

impl From<Arc<SslContext>> for MakeTlsConnector {
    fn from(ctx: Arc<SslContext>) -> Self {
        MakeTlsConnector { ctx }
    }
}

impl MakeTlsConnector {
    /// The context every connection is made from.
    pub fn context(&self) -> &Arc<SslContext> {
        &self.ctx
    }
}

impl<S> tls::MakeTlsConnect<S> for MakeTlsConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = TlsConnector;
    type Error = Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<TlsConnector, Error> {
        Ok(TlsConnector {
            ctx: self.ctx.clone(),
            domain: domain.to_string(),
        })
    }
}

/// One connection's handshake, with the server name tokio-postgres connects to.
pub struct TlsConnector {
    ctx: Arc<SslContext>,
    domain: String,
}

impl<S> tls::TlsConnect<S> for TlsConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<TlsStream<S>, Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let tls = connect(&self.ctx, stream, Some(&self.domain)).await?;
            Ok(TlsStream(tls))
        })
    }
}

/// The TLS connection to the server, with the channel binding tokio-postgres asks for.
pub struct TlsStream<S>(SslStream<S>);

impl<S> TlsStream<S> {
    /// The connection, with `SSLSocket`'s accessors.
    pub fn get_ref(&self) -> &SslStream<S> {
        &self.0
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> tls::TlsStream for TlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        match tls_server_end_point(&self.0) {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

/// RFC 5929's `tls-server-end-point` binding: the hash of the server's certificate with the
/// digest of its signature algorithm, SHA-256 in place of MD5 and SHA-1 (section 4.1).
/// `None` without a certificate or for a signature with no single digest (Ed25519), which
/// the RFC leaves undefined.
pub fn tls_server_end_point<S>(tls: &SslStream<S>) -> Option<Vec<u8>> {
    let cert = tls.ssl().peer_certificate()?;
    let signature = cert.signature_algorithm().object().nid();
    let digest = match signature.signature_algorithms()?.digest {
        Nid::MD5 | Nid::SHA1 => MessageDigest::sha256(),
        nid => MessageDigest::from_nid(nid)?,
    };
    cert.digest(digest).ok().map(|d| d.to_vec())
}
