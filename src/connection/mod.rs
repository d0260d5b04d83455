//! Connections: Python's `SSLSocket` ([`SslSocket`], over any blocking `Read + Write`) and
//! `SSLObject` ([`SslObject`], the sans-I/O twin over [`MemoryBio`]s), made by
//! [`SslContext::wrap_socket`] and [`SslContext::wrap_bio`].
//!
//! ```python
//! ctx = ssl.create_default_context()
//! with socket.create_connection(("localhost", 443)) as sock:
//!     with ctx.wrap_socket(sock, server_hostname="localhost") as ssock:
//!         print(ssock.version(), ssock.getpeercert()["subject"])
//! ```
//! ```no_run
//! use std::sync::Arc;
//! # fn main() -> Result<(), pyssl::Error> {
//! let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
//! let sock = std::net::TcpStream::connect(("localhost", 443))
//!     .map_err(|e| pyssl::Error::os(e.raw_os_error().unwrap_or(0), None))?;
//! let ssock = ctx.wrap_socket(sock, false, Some("localhost"))?;
//! println!("{:?} {:?}", ssock.version(), ssock.getpeercert()?);
//! # Ok(()) }
//! ```
//!
//! Every connection is set up as CPython's `newPySSLSocket` sets it up (see
//! [`SslContext::new_ssl`], which hands the configured `openssl::ssl::Ssl` to other TLS
//! stacks): the client/server checks against the context's protocol, SNI for names that are
//! not IP addresses, host or IP verification only when `check_hostname` is on, the
//! post-handshake-authentication flags, 3.13's session id context on server connections, and
//! the `AUTO_RETRY | ACCEPT_MOVING_WRITE_BUFFER` modes. Failures are classified as
//! CPython's `PySSL_SetError` does (see [`Error`]).
//!
//! Server hostnames are encoded as `SSLContext._encode_hostname` does (IDNA 2003 for text,
//! ASCII for bytes; see [`ServerHostname`]).
//!
//! A transport's read or write timeout is Python's socket timeout: the operation fails with
//! CPython's `TimeoutError` (see [`SslSocket`], *Timeouts*), never `SSLWantReadError`, which
//! stays the sans-I/O [`SslObject`]'s answer. What differs between CPython releases shows per
//! profile: `socket.timeout` before 3.10, `shared_ciphers()` as the whole cipher list before
//! 3.10, 3.12's unwrapped IDNA errors, and 3.7's older reason names and plain `SSLError` for
//! a ragged EOF.

pub(crate) mod core;
mod idna;
#[rustfmt::skip]
mod idna_case_folding;
#[rustfmt::skip]
mod idna_tables;
mod object;
mod sni;
mod socket;
pub(crate) mod view;

use std::sync::{Arc, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef, SslVerifyMode};

use crate::constants::Protocol;
use crate::context::SslContext;
use crate::error::{Error, ErrorKind, MnemonicTable, Result};
use crate::ffi;
use crate::ffi::connection as raw;
use crate::profiles::SessionIdContext;

pub use core::{CipherTuple, PeerCertificate, ssl_error};
pub use object::{BioOptions, MemoryBio, SslObject};
pub use sni::SniCallback;
pub use socket::{SslSocket, WrapOptions, create_connection, get_server_certificate};

/// A server hostname as Python accepts it: a `str` (IDNA-encoded) or `bytes` (ASCII).
///
/// ```python
/// ctx.wrap_bio(i, o, server_hostname="könig.example")    # str → 'xn--knig-5qa.example'
/// ctx.wrap_bio(i, o, server_hostname=b"example.org")     # bytes, must be ASCII
/// ```
/// ```
/// use pyssl::ServerHostname;
/// let h: ServerHostname = "könig.example".into();
/// assert_eq!(h.encode(pyssl::Profile::PY313).unwrap(), "xn--knig-5qa.example");
/// let b = ServerHostname::Bytes(b"k\xc3\xb6nig");
/// assert_eq!(b.encode(pyssl::Profile::PY313).unwrap_err().python_type(), "UnicodeDecodeError");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerHostname<'a> {
    /// A `str`: encoded with Python's `'idna'` codec (IDNA 2003).
    Str(&'a str),
    /// A `bytes` object: decoded as ASCII.
    Bytes(&'a [u8]),
}

impl<'a> From<&'a str> for ServerHostname<'a> {
    fn from(s: &'a str) -> Self {
        ServerHostname::Str(s)
    }
}

impl<'a> From<&'a [u8]> for ServerHostname<'a> {
    fn from(b: &'a [u8]) -> Self {
        ServerHostname::Bytes(b)
    }
}

impl ServerHostname<'_> {
    /// `SSLContext._encode_hostname(h)`: the A-label text CPython stores as
    /// `server_hostname`.
    pub fn encode(&self, profile: crate::Profile) -> Result<String> {
        match self {
            ServerHostname::Str(s) => idna::encode(s, &profile),
            ServerHostname::Bytes(b) => match b.iter().position(|&x| x >= 0x80) {
                None => Ok(b.iter().map(|&x| x as char).collect()),
                Some(i) => Err(Error::unicode_decode(
                    "ascii",
                    b,
                    i,
                    i + 1,
                    "ordinal not in range(128)",
                )),
            },
        }
    }

    /// Python's truthiness of the value (`not server_hostname`).
    fn is_empty(&self) -> bool {
        match self {
            ServerHostname::Str(s) => s.is_empty(),
            ServerHostname::Bytes(b) => b.is_empty(),
        }
    }
}

/// What pyssl keeps about a connection inside its `SSL` (ex_data), so that the SNI callback
/// and every wrapper see the same `context`.
pub(crate) struct ConnState {
    pub(crate) context: Arc<SslContext>,
    /// The context the connection was made from (OpenSSL's `session_ctx`), whatever
    /// `context` is switched to.
    pub(crate) original_context: Arc<SslContext>,
    pub(crate) server_side: bool,
    pub(crate) server_hostname: Option<String>,
}

/// The largest size a C `int` holds: CPython's limit on `BIO_write` lengths in every release,
/// and on read sizes and write lengths through 3.9.
pub(crate) const C_INT_MAX: usize = i32::MAX as usize;

/// CPython's `OverflowError` for a buffer longer than a C `int` allows (`MemoryBIO.write`, and
/// `SSLObject.write` through 3.9).
pub(crate) fn check_c_int_length(len: usize) -> Result<()> {
    if len > C_INT_MAX {
        return Err(Error::overflow(format!(
            "string longer than {C_INT_MAX} bytes"
        )));
    }
    Ok(())
}

fn state_index() -> Option<Index<Ssl, ConnState>> {
    static INDEX: OnceLock<Option<Index<Ssl, ConnState>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index::<ConnState>().ok())
}

pub(crate) fn state(ssl: &SslRef) -> Option<&ConnState> {
    ssl.ex_data(state_index()?)
}

fn state_mut(ssl: &mut SslRef) -> Option<&mut ConnState> {
    ssl.ex_data_mut(state_index()?)
}

/// `sslobj.context = ctx`: switch the `SSL` to another context's `SSL_CTX` (certificate,
/// key, callbacks), as an SNI callback does to serve another name.
fn switch_context(ssl: &mut SslRef, ctx: &Arc<SslContext>) -> Result<()> {
    ctx.with_ctx(|c| {
        let table = ctx.profile().mnemonic_table();
        ssl.set_ssl_context(c)
            .map_err(|e| Error::from_stack(&e, table))?;
        // CPython's SSL, which has no cipher list of its own, then uses the new context's.
        own_cipher_list(ssl, c, table)
    })?;
    if let Some(st) = state_mut(ssl) {
        st.context = ctx.clone();
    }
    Ok(())
}

/// Give `ssl` its own copy of the cipher list of `ctx`, the `SSL_CTX` it was just created from
/// or switched to; the caller holds that context's lock.
///
/// `SSL_new` does not copy the context's cipher list: an `SSL` without a list of its own reads
/// the `SSL_CTX`'s all through the handshake, and `set_ciphers` on the context frees that list,
/// so reconfiguring a context while a connection made from it handshakes on another thread was
/// a use-after-free (found by `tests/stress.rs`). The same list is rebuilt from the cipher
/// names; the TLS 1.3 suites come from the `SSL`'s copy of the context's, as they do for the
/// context. Behaviour is unchanged: the connection offers and accepts exactly what the context
/// listed when the connection was made, as a CPython connection does unless the context is
/// changed under it.
fn own_cipher_list(
    ssl: &mut SslRef,
    ctx: &openssl::ssl::SslContextRef,
    table: MnemonicTable,
) -> Result<()> {
    let names = ffi::ctx_tls12_cipher_names(ctx);
    // rust-openssl takes what the call queues into its `ErrorStack`, on a clear queue.
    let _clear = ffi::ErrQueue::clear();
    cipher_list_result(ssl.set_cipher_list(&names.join(":")), &names, table)
}

/// Without any TLS 1.2 cipher (a context whose list holds only TLS 1.3 suites after a failed
/// `set_ciphers`), OpenSSL installs the TLS 1.3-only list and reports NO_CIPHER_MATCH, which
/// is no failure here.
fn cipher_list_result(
    r: std::result::Result<(), openssl::error::ErrorStack>,
    names: &[String],
    table: MnemonicTable,
) -> Result<()> {
    match r {
        Err(e) if !names.is_empty() => Err(Error::from_stack(&e, table)),
        _ => Ok(()),
    }
}

/// The connection template of [`SslContext::ssl_from_template`]: an `SSL` of `ctx` given its
/// own copy of the context's cipher list as [`own_cipher_list`] gives one, made once per
/// configuration instead of once per connection.
fn cipher_template(
    ctx: &openssl::ssl::SslContextRef,
    table: MnemonicTable,
) -> Result<ffi::connection::SslTemplate> {
    let names = ffi::ctx_tls12_cipher_names(ctx);
    let list =
        std::ffi::CString::new(names.join(":")).map_err(|_| Error::value("embedded null byte"))?;
    let queue = ffi::ErrQueue::clear();
    let (template, accepted) = ffi::connection::ssl_template(&queue, ctx, &list)
        .map_err(|e| Error::from_stack(&e, table))?;
    let r = if accepted { Ok(()) } else { Err(queue.stack()) };
    cipher_list_result(r, &names, table)?;
    Ok(template)
}

/// The connection as an SNI callback sees it (CPython passes the `SSLSocket`/`SSLObject`):
/// it can read which side it is and switch the context that will serve the handshake.
pub struct SniConnection<'a> {
    ssl: &'a mut SslRef,
}

impl<'a> SniConnection<'a> {
    pub(crate) fn new(ssl: &'a mut SslRef) -> Self {
        SniConnection { ssl }
    }

    /// `sslobj.context`.
    pub fn context(&self) -> Option<Arc<SslContext>> {
        state(self.ssl).map(|s| s.context.clone())
    }

    /// `sslobj.context = ctx`: serve this handshake from `ctx` (its certificate and key).
    #[doc(alias = "SSL_set_SSL_CTX")]
    pub fn set_context(&mut self, ctx: &Arc<SslContext>) -> Result<()> {
        switch_context(self.ssl, ctx)
    }

    /// `sslobj.server_side`.
    pub fn server_side(&self) -> bool {
        state(self.ssl).is_some_and(|s| s.server_side)
    }
}

/// `ssl.SSLSession`: a TLS session a client can offer again to resume it.
///
/// ```python
/// s = ssock.session; s.has_ticket; ctx.wrap_socket(sock2, server_hostname=h, session=s)
/// ```
#[derive(Clone)]
pub struct SslSession {
    pub(crate) inner: openssl::ssl::SslSession,
    pub(crate) context: Arc<SslContext>,
}

impl SslSession {
    /// `session.id`.
    pub fn id(&self) -> Vec<u8> {
        self.inner.id().to_vec()
    }
    /// `session.time` (seconds since the epoch).
    #[allow(clippy::useless_conversion)] // the C type differs between OpenSSL versions
    pub fn time(&self) -> i64 {
        i64::from(self.inner.time())
    }
    /// `session.timeout` (seconds).
    pub fn timeout(&self) -> i64 {
        self.inner.timeout()
    }
    /// `session.ticket_lifetime_hint` (seconds).
    pub fn ticket_lifetime_hint(&self) -> u64 {
        raw::session_ticket_lifetime_hint(&self.inner)
    }
    /// `session.has_ticket`.
    pub fn has_ticket(&self) -> bool {
        raw::session_has_ticket(&self.inner)
    }
}

impl PartialEq for SslSession {
    /// CPython compares sessions by id.
    fn eq(&self, other: &Self) -> bool {
        self.inner.id() == other.inner.id()
    }
}

impl std::fmt::Debug for SslSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SslSession")
            .field("id", &self.inner.id())
            .field("has_ticket", &self.has_ticket())
            .finish()
    }
}

/// The `_setSSLError(msg)` CPython raises for non-OpenSSL failures of a connection.
fn ssl_error_text(msg: &str, table: MnemonicTable) -> Error {
    Error::from_openssl_code(ErrorKind::Ssl, 0, None, Some(msg), table)
}

/// Create and configure the `SSL` of a new connection exactly as CPython's `newPySSLSocket`
/// (plus `_ssl_configure_hostname`) does. `hostname` is the already encoded A-label text.
pub(crate) fn configure(
    ctx: &Arc<SslContext>,
    server_side: bool,
    hostname: Option<&str>,
) -> Result<Ssl> {
    if hostname.is_some_and(|h| h.contains('\0')) {
        return Err(Error::type_error(
            "argument must be encoded string without null bytes, not str",
        ));
    }
    let table = ctx.profile().mnemonic_table();
    if server_side && ctx.protocol() == Protocol::PROTOCOL_TLS_CLIENT {
        return Err(ssl_error_text(
            "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context",
            table,
        ));
    }
    if !server_side && ctx.protocol() == Protocol::PROTOCOL_TLS_SERVER {
        return Err(ssl_error_text(
            "Cannot create a client socket with a PROTOCOL_TLS_SERVER context",
            table,
        ));
    }
    // rust-openssl takes what the calls queue into its `ErrorStack`, on a clear queue.
    let _clear = ffi::ErrQueue::clear();
    let mut ssl = match ctx.ssl_from_template(|c| cipher_template(c, table))? {
        Some(ssl) => ssl,
        None => ctx.with_ctx(|c| -> Result<Ssl> {
            let mut ssl = Ssl::new(c).map_err(|e| Error::from_stack(&e, table))?;
            own_cipher_list(&mut ssl, c, table)?;
            Ok(ssl)
        })?,
    };
    raw::ssl_set_mode(
        &mut ssl,
        raw::SSL_MODE_AUTO_RETRY | raw::SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
    );
    if ctx.post_handshake_auth() {
        if server_side {
            let mode = ssl.verify_mode();
            if mode.contains(SslVerifyMode::PEER) {
                // The connection keeps its context's verify callback (the key denylist) for
                // post-handshake authentication, as CPython 3.13.18+ does.
                ffi::ssl_set_verify_mode(&mut ssl, mode | SslVerifyMode::POST_HANDSHAKE);
            }
        } else {
            raw::ssl_enable_post_handshake_auth(&mut ssl);
        }
    }
    if server_side && ctx.profile().session_id_context == SessionIdContext::ServerConnections {
        raw::ssl_set_session_id_context(&mut ssl, b"Python\0");
    }
    if let Some(h) = hostname {
        if h.is_empty() || h.starts_with('.') {
            return Err(Error::value(
                "server_hostname cannot be an empty string or start with a leading dot.",
            ));
        }
        let ip = raw::a2i_ipaddress(h);
        if ip.is_none() {
            ssl.set_hostname(h)
                .map_err(|e| Error::from_stack(&e, table))?;
        }
        if ctx.check_hostname() {
            let param = ssl.param_mut();
            match ip {
                None => param.set_host(h),
                Some(bytes) => match ip_from_bytes(&bytes) {
                    Some(addr) => param.set_ip(addr),
                    None => Ok(()),
                },
            }
            .map_err(|e| Error::from_stack(&e, table))?;
        }
    }
    if server_side {
        ssl.set_accept_state();
    } else {
        ssl.set_connect_state();
    }
    let index =
        state_index().ok_or_else(|| Error::memory("cannot allocate an SSL ex_data index"))?;
    // Set exactly once, on an SSL nobody else has seen yet.
    ssl.set_ex_data(
        index,
        ConnState {
            context: ctx.clone(),
            original_context: ctx.clone(),
            server_side,
            server_hostname: hostname.map(str::to_string),
        },
    );
    Ok(ssl)
}

fn ip_from_bytes(b: &[u8]) -> Option<std::net::IpAddr> {
    match b.len() {
        4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// Which of the checks `SSLSocket._create` makes in Python a wrap makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WrapChecks {
    /// `wrap_socket`'s (and `wrap_bio`'s from 3.13.16 / 3.14.8 / 3.15.0): no hostname or
    /// session on the server side, and an empty hostname counts as missing.
    Socket,
    /// `wrap_bio`'s before: `check_hostname requires server_hostname` for a missing name
    /// only (CPython's C code rejects an empty one later, with its own message).
    Bio,
    /// `wrap_bio` with `allow_unchecked_hostname` before 3.13.16: none.
    Unchecked,
}

/// The checks `SSLSocket._create` makes in Python before anything reaches C, then the
/// hostname encoding; returns the encoded hostname.
fn python_wrap_checks(
    ctx: &SslContext,
    server_side: bool,
    hostname: Option<ServerHostname<'_>>,
    session: Option<&SslSession>,
    checks: WrapChecks,
) -> Result<Option<String>> {
    if server_side && checks == WrapChecks::Socket {
        if hostname.is_some_and(|h| !h.is_empty()) {
            return Err(Error::value(
                "server_hostname can only be specified in client mode",
            ));
        }
        if session.is_some() {
            return Err(Error::value("session can only be specified in client mode"));
        }
    }
    // `SSLSocket._create` tests `not server_hostname`, so an empty name counts as missing;
    // pyssl's wrap_bio rule only refuses a missing name: CPython's wrap_bio hands an empty
    // one to C, which rejects it ("server_hostname cannot be an empty string ...").
    let missing = match checks {
        WrapChecks::Socket => hostname.is_none_or(|h| h.is_empty()),
        WrapChecks::Bio => hostname.is_none(),
        WrapChecks::Unchecked => false,
    };
    if ctx.check_hostname() && missing {
        return Err(Error::value("check_hostname requires server_hostname"));
    }
    hostname.map(|h| h.encode(ctx.profile())).transpose()
}

impl SslContext {
    /// An `openssl::ssl::Ssl` configured exactly as a pyssl connection made from this context
    /// (CPython's `newPySSLSocket`), for TLS stacks that take an `Ssl`: tokio-openssl's
    /// `SslStream::new(ssl, stream)`, hyper-openssl, or rust-openssl's own `SslStream`.
    ///
    /// `server_hostname` is encoded as [`ServerHostname::encode`] does. The checks Python
    /// makes before creating the connection apply (`check_hostname requires server_hostname`,
    /// a hostname on a server connection), so the result verifies what a pyssl connection
    /// verifies. Errors of the handshake run through another stack are that stack's; use
    /// [`ssl_error`] to classify them as CPython would.
    ///
    /// ```python
    /// sslobj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    /// ```
    /// ```
    /// use std::sync::Arc;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = Arc::new(pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?);
    /// let ssl = ctx.new_ssl(false, Some("example.org".into()))?;
    /// assert_eq!(ssl.servername(openssl::ssl::NameType::HOST_NAME), Some("example.org"));
    /// let e = ctx.new_ssl(false, None).unwrap_err();
    /// assert_eq!(e.python_str(), "check_hostname requires server_hostname");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_new", alias = "newPySSLSocket")]
    pub fn new_ssl(
        self: &Arc<Self>,
        server_side: bool,
        server_hostname: Option<ServerHostname<'_>>,
    ) -> Result<Ssl> {
        let hostname =
            python_wrap_checks(self, server_side, server_hostname, None, WrapChecks::Socket)?;
        configure(self, server_side, hostname.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ssl: &SslRef) -> Vec<String> {
        ffi::ssl_ciphers(ssl).into_iter().map(|c| c.name).collect()
    }

    fn context_names(ctx: &SslContext) -> Vec<String> {
        ctx.get_ciphers()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn connections_own_a_copy_of_the_context_cipher_list() {
        let strings = [
            None,
            Some("ALL:@SECLEVEL=0"),
            Some("ECDHE+AESGCM"),
            Some("AES128-SHA"),
            Some("HIGH:!aNULL:@STRENGTH"),
            // Selects no TLS 1.2 cipher: refused, but leaves only the TLS 1.3 suites.
            Some("TLS_AES_128_GCM_SHA256"),
        ];
        for s in strings {
            let ctx = Arc::new(SslContext::new(Protocol::PROTOCOL_TLS_SERVER).unwrap());
            if let Some(s) = s {
                let _ = ctx.set_ciphers(s);
            }
            let expected = context_names(&ctx);
            let ssl = configure(&ctx, true, None).unwrap();
            assert_eq!(names(&ssl), expected, "{s:?}");
            // Reconfiguring the context no longer reaches the connection.
            ctx.set_ciphers("AES256-SHA").unwrap();
            assert_eq!(names(&ssl), expected, "{s:?}");
        }
    }

    #[test]
    fn switching_context_takes_the_new_context_cipher_list() {
        let a = Arc::new(SslContext::new(Protocol::PROTOCOL_TLS_SERVER).unwrap());
        let b = Arc::new(SslContext::new(Protocol::PROTOCOL_TLS_SERVER).unwrap());
        b.set_ciphers("AES128-SHA").unwrap();
        let mut ssl = configure(&a, true, None).unwrap();
        assert_eq!(names(&ssl), context_names(&a));
        switch_context(&mut ssl, &b).unwrap();
        assert_eq!(names(&ssl), context_names(&b));
    }

    #[test]
    fn bytes_hostnames_decode_as_ascii() {
        let h = ServerHostname::Bytes(b"example.org");
        assert_eq!(h.encode(crate::Profile::PY311).unwrap(), "example.org");
    }
}
