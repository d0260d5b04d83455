//! hyper on pyssl (feature `hyper`): [`HttpsConnector`] for hyper-util's client, with
//! CPython's verification, SNI, hostname check and errors. A hyper or axum server accepts on
//! a pyssl context with [`tokio::accept`](crate::tokio::accept) per connection (see
//! `examples/axum_server.rs`).
//!
//! A failed connection comes back from hyper as `client error (Connect)`;
//! [`Error::find_in`] finds the exception CPython would raise inside it.
//!
//! ```python
//! ctx = ssl.create_default_context()
//! httpx.get("https://localhost:8443/", verify=ctx)
//! ```
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use http_body_util::Empty;
//! use hyper::body::Bytes;
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//!
//! let https = pyssl::hyper::HttpsConnector::new()?;
//! let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(https);
//! match client.get("https://localhost:8443/".parse()?).await {
//!     Ok(response) => println!("{}", response.status()),
//!     Err(e) => match pyssl::Error::find_in(&e) {
//!         Some(py) => println!("{}: {}", py.python_type(), py.python_str()),
//!         None => println!("{e}"),
//!     },
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::hyper::rt::{Read, ReadBufCursor, Write};
use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tower_service::Service;

use crate::constants::Purpose;
use crate::context::SslContext;
use crate::error::{Error, Result};
use crate::integrations::tokio::{SslStream, connect};

/// The boxed error hyper-util's client takes from a connector.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An HTTPS connector for hyper-util's `Client`: `https://` URIs get a TLS connection from
/// the context (server name and hostname check from the URI's host, as `wrap_socket` with
/// `server_hostname=host`), `http://` ones the plain connection of `T`. Cloning shares the
/// context, as Python code shares one `SSLContext`.
#[derive(Clone)]
pub struct HttpsConnector<T = HttpConnector> {
    http: T,
    ctx: Arc<SslContext>,
}

impl HttpsConnector<HttpConnector> {
    /// `ssl.create_default_context()` of the default profile with ALPN offering `h2` and
    /// `http/1.1`, over hyper-util's `HttpConnector`.
    ///
    /// ```python
    /// ctx = ssl.create_default_context(); ctx.set_alpn_protocols(["h2", "http/1.1"])
    /// ```
    /// ```
    /// let https = pyssl::hyper::HttpsConnector::new()?;
    /// assert_eq!(https.context().check_hostname(), true);
    /// # Ok::<(), pyssl::Error>(())
    /// ```
    pub fn new() -> Result<Self> {
        let ctx = crate::create_default_context(Purpose::SERVER_AUTH)?;
        ctx.set_alpn_protocols(&["h2", "http/1.1"])?;
        Ok(Self::from(Arc::new(ctx)))
    }
}

/// A connector on `ctx` as configured (its ALPN list, if any, is what the client offers).
impl From<Arc<SslContext>> for HttpsConnector<HttpConnector> {
    fn from(ctx: Arc<SslContext>) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        HttpsConnector::with_connector(http, ctx)
    }
}

impl<T> HttpsConnector<T> {
    /// TLS from `ctx` over the connections `http` makes (it must accept `https://` URIs:
    /// `HttpConnector::enforce_http(false)`).
    pub fn with_connector(http: T, ctx: Arc<SslContext>) -> Self {
        HttpsConnector { http, ctx }
    }

    /// The context every connection is made from.
    pub fn context(&self) -> &Arc<SslContext> {
        &self.ctx
    }
}

impl<T> Service<Uri> for HttpsConnector<T>
where
    T: Service<Uri> + Send,
    T::Response: Read + Write + Connection + Unpin + Send + 'static,
    T::Future: Send + 'static,
    T::Error: Into<BoxError>,
{
    type Response = MaybeHttpsStream<T::Response>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        // An IPv6 literal comes bracketed; the server name is the address.
        let host = uri.host().map(|h| h.trim_matches(['[', ']']).to_string());
        let connecting = self.http.call(uri);
        let ctx = self.ctx.clone();
        Box::pin(async move {
            let plain = connecting.await.map_err(Into::into)?;
            if !https {
                return Ok(MaybeHttpsStream::Http(plain));
            }
            let host = host.ok_or_else(|| Error::value("the URI has no host"))?;
            let tls = connect(&ctx, TokioIo::new(plain), Some(&host)).await?;
            Ok(MaybeHttpsStream::Https(TokioIo::new(tls)))
        })
    }
}

/// A connection [`HttpsConnector`] made: plain for `http://`, TLS for `https://`.
pub enum MaybeHttpsStream<T> {
    /// The connection of the inner connector.
    Http(T),
    /// A TLS connection over it.
    Https(TokioIo<SslStream<TokioIo<T>>>),
}

impl<T> MaybeHttpsStream<T> {
    /// The TLS connection (`None` for `http://`), with `SSLSocket`'s accessors.
    pub fn tls(&self) -> Option<&SslStream<TokioIo<T>>> {
        match self {
            MaybeHttpsStream::Http(_) => None,
            MaybeHttpsStream::Https(s) => Some(s.inner()),
        }
    }
}

impl<T: Connection> Connection for MaybeHttpsStream<T> {
    fn connected(&self) -> Connected {
        match self {
            MaybeHttpsStream::Http(s) => s.connected(),
            MaybeHttpsStream::Https(s) => {
                let tls = s.inner();
                let connected = tls.get_ref().inner().connected();
                if tls.selected_alpn_protocol().as_deref() == Some("h2") {
                    connected.negotiated_h2()
                } else {
                    connected
                }
            }
        }
    }
}

impl<T: Read + Write + Unpin> Read for MaybeHttpsStream<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeHttpsStream::Http(s) => Pin::new(s).poll_read(cx, buf),
            MaybeHttpsStream::Https(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl<T: Read + Write + Unpin> Write for MaybeHttpsStream<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeHttpsStream::Http(s) => Pin::new(s).poll_write(cx, buf),
            MaybeHttpsStream::Https(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeHttpsStream::Http(s) => Pin::new(s).poll_flush(cx),
            MaybeHttpsStream::Https(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeHttpsStream::Http(s) => Pin::new(s).poll_shutdown(cx),
            MaybeHttpsStream::Https(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
