//! [`SslObject`] and [`MemoryBio`]: Python's sans-I/O `ssl.SSLObject` and `ssl.MemoryBIO`.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use super::core::{Conn, ConnKind};
use super::view::{ConnMut, ConnRef, connection_accessors, connection_setters};
use super::{ServerHostname, SslSession, WrapChecks, configure, python_wrap_checks};
use crate::context::SslContext;
use crate::error::{Error, Result};

#[derive(Default)]
struct BioBuf {
    data: VecDeque<u8>,
    eof: bool,
}

/// Python's `ssl.MemoryBIO`: a byte queue shared between the application and an
/// [`SslObject`]. Cloning gives another handle to the same queue.
///
/// ```python
/// bio = ssl.MemoryBIO(); bio.write(b"abc"); bio.read(2); bio.write_eof(); bio.eof
/// ```
/// ```
/// let bio = pyssl::MemoryBio::new();
/// bio.write(b"abc")?;
/// assert_eq!(bio.read(Some(2)), b"ab");
/// bio.write_eof();
/// assert!(!bio.eof());               // one byte still pending
/// assert_eq!(bio.read(None), b"c");
/// assert!(bio.eof());
/// let e = bio.write(b"x").unwrap_err();
/// assert_eq!(e.python_str(), "('cannot write() after write_eof()',)");
/// # Ok::<(), pyssl::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct MemoryBio(Arc<Mutex<BioBuf>>);

impl MemoryBio {
    /// `ssl.MemoryBIO()`.
    pub fn new() -> MemoryBio {
        MemoryBio::default()
    }

    fn lock(&self) -> MutexGuard<'_, BioBuf> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `bio.pending`: bytes waiting to be read.
    pub fn pending(&self) -> usize {
        self.lock().data.len()
    }

    /// `bio.eof`: EOF was written and everything before it has been read.
    pub fn eof(&self) -> bool {
        let b = self.lock();
        b.eof && b.data.is_empty()
    }

    /// `bio.read(n)`: up to `n` bytes (all with `None`, as `n=-1`).
    ///
    /// Unlike CPython, any `n` is accepted: Python converts it to a C `int` first, so
    /// `bio.read(2**31)` is an `OverflowError` there (whose text differs by release), while a
    /// Rust `usize` simply means "up to n"; nothing else about the BIO differs.
    pub fn read(&self, n: Option<usize>) -> Vec<u8> {
        let mut b = self.lock();
        let n = n.unwrap_or(b.data.len()).min(b.data.len());
        b.data.drain(..n).collect()
    }

    /// `bio.write(data)`: append, returning the length; an `SSLError` after `write_eof()`,
    /// an `OverflowError` for more than 2**31-1 bytes (OpenSSL's `BIO_write` takes an `int`).
    pub fn write(&self, data: &[u8]) -> Result<usize> {
        super::check_c_int_length(data.len())?;
        let mut b = self.lock();
        if b.eof {
            return Err(Error::ssl_single("cannot write() after write_eof()"));
        }
        b.data.extend(data);
        Ok(data.len())
    }

    /// `bio.write_eof()`: no more data will be written.
    pub fn write_eof(&self) {
        self.lock().eof = true;
    }
}

impl std::fmt::Debug for MemoryBio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBio")
            .field("pending", &self.pending())
            .field("eof", &self.eof())
            .finish()
    }
}

/// The transport of an [`SslObject`]: reads from `incoming`, writes to `outgoing`.
pub(crate) struct BioPair {
    incoming: MemoryBio,
    outgoing: MemoryBio,
}

impl Read for BioPair {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut b = self.incoming.lock();
        if b.data.is_empty() {
            return if b.eof {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = buf.len().min(b.data.len());
        for (dst, src) in buf.iter_mut().zip(b.data.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }
}

impl Write for BioPair {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Like a memory BIO, the outgoing queue accepts everything, even after write_eof.
        self.outgoing.lock().data.extend(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The keyword arguments of `SSLContext.wrap_bio` beyond the two BIOs, plus pyssl's opt-in to
/// CPython's unchecked hostname behaviour.
///
/// ```python
/// ctx.wrap_bio(incoming, outgoing, server_side=False, server_hostname="h")
/// ```
/// ```
/// let opts = pyssl::BioOptions { server_hostname: Some("h".into()), ..Default::default() };
/// assert!(!opts.allow_unchecked_hostname);
/// ```
#[derive(Debug, Clone, Default)]
pub struct BioOptions<'a> {
    /// `server_side=`.
    pub server_side: bool,
    /// `server_hostname=`.
    pub server_hostname: Option<ServerHostname<'a>>,
    /// `session=`.
    pub session: Option<&'a SslSession>,
    /// **Divergence from CPython, on purpose.** CPython's `wrap_bio` accepts a context with
    /// `check_hostname=True` and no `server_hostname`, and then verifies the certificate chain
    /// but no hostname at all. pyssl refuses that combination with the `ValueError`
    /// `wrap_socket` raises (`check_hostname requires server_hostname`) unless this is `true`,
    /// which restores CPython's behaviour. Only a missing name is refused: an empty one fails
    /// as in CPython (`server_hostname cannot be an empty string or start with a leading
    /// dot.`). From CPython 3.13.16, 3.14.8 and 3.15.0 on CPython refuses the combination
    /// itself ([`Profile::wrap_bio_checks_arguments`](crate::Profile)), so under those
    /// profiles this flag changes nothing.
    pub allow_unchecked_hostname: bool,
}

/// Python's `ssl.SSLObject`: a TLS connection that does no I/O itself. TLS records go out
/// through the `outgoing` [`MemoryBio`] and come in through `incoming`; whenever OpenSSL needs
/// more input, operations fail with `SSLWantReadError`, as in CPython.
///
/// ```python
/// obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
/// obj.do_handshake()   # ssl.SSLWantReadError: The operation did not complete (read)
/// ```
/// ```
/// # use std::sync::Arc;
/// # fn main() -> Result<(), pyssl::Error> {
/// let ctx = Arc::new(pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?);
/// let (incoming, outgoing) = (pyssl::MemoryBio::new(), pyssl::MemoryBio::new());
/// let mut obj = ctx.wrap_bio(&incoming, &outgoing, false, Some("localhost"))?;
/// let e = obj.do_handshake().unwrap_err();
/// assert_eq!(e.python_type(), "SSLWantReadError");
/// assert_eq!(e.python_str(), "The operation did not complete (read)");
/// assert!(outgoing.pending() > 0); // the ClientHello
/// # Ok(()) }
/// ```
pub struct SslObject {
    core: Conn<BioPair>,
}

impl SslContext {
    /// `ctx.wrap_bio(incoming, outgoing, server_side, server_hostname)`.
    ///
    /// With `check_hostname` on and no `server_hostname`, CPython before 3.13.16 / 3.14.8 /
    /// 3.15.0 silently skips the hostname check; pyssl raises
    /// `ValueError("check_hostname requires server_hostname")` there (a deliberate
    /// difference, see [`BioOptions::allow_unchecked_hostname`]), as later releases do.
    ///
    /// ```python
    /// ssl.create_default_context().wrap_bio(i, o)   # CPython 3.13.0: no hostname check at all
    /// ```
    /// ```
    /// # use std::sync::Arc;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let p = pyssl::Profile::PY313_0;
    /// let ctx = Arc::new(pyssl::SslContext::with_profile(pyssl::PROTOCOL_TLS_CLIENT, p)?);
    /// let (i, o) = (pyssl::MemoryBio::new(), pyssl::MemoryBio::new());
    /// let e = ctx.wrap_bio(&i, &o, false, None).unwrap_err();
    /// assert_eq!(e.python_str(), "check_hostname requires server_hostname");
    /// let opts = pyssl::BioOptions { allow_unchecked_hostname: true, ..Default::default() };
    /// assert!(ctx.wrap_bio_with(&i, &o, opts).is_ok());
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_new", alias = "SSL_set_bio")]
    pub fn wrap_bio(
        self: &Arc<Self>,
        incoming: &MemoryBio,
        outgoing: &MemoryBio,
        server_side: bool,
        server_hostname: Option<&str>,
    ) -> Result<SslObject> {
        self.wrap_bio_with(
            incoming,
            outgoing,
            BioOptions {
                server_side,
                server_hostname: server_hostname.map(ServerHostname::Str),
                ..BioOptions::default()
            },
        )
    }

    /// `ctx.wrap_bio(incoming, outgoing, **kwargs)` with every option ([`BioOptions`]).
    pub fn wrap_bio_with(
        self: &Arc<Self>,
        incoming: &MemoryBio,
        outgoing: &MemoryBio,
        opts: BioOptions<'_>,
    ) -> Result<SslObject> {
        // From 3.13.16 / 3.14.8 / 3.15.0 CPython's wrap_bio makes wrap_socket's checks itself;
        // earlier, pyssl makes its own (see `allow_unchecked_hostname`).
        let checks = if self.profile().wrap_bio_checks_arguments {
            WrapChecks::Socket
        } else if opts.allow_unchecked_hostname {
            WrapChecks::Unchecked
        } else {
            WrapChecks::Bio
        };
        let hostname = python_wrap_checks(
            self,
            opts.server_side,
            opts.server_hostname,
            opts.session,
            checks,
        )?;
        let ssl = configure(self, opts.server_side, hostname.as_deref())?;
        let mut core = Conn::new(
            ssl,
            BioPair {
                incoming: incoming.clone(),
                outgoing: outgoing.clone(),
            },
            ConnKind::Object,
        )?;
        if let Some(session) = opts.session {
            core.view_mut().set_session(session)?;
        }
        Ok(SslObject { core })
    }
}

impl SslObject {
    connection_accessors!();
    connection_setters!();

    fn view(&self) -> ConnRef<'_> {
        self.core.view()
    }

    fn view_mut(&mut self) -> ConnMut<'_> {
        self.core.view_mut()
    }

    /// `do_handshake()`: advance the handshake; `SSLWantReadError` until it has what it needs.
    #[doc(alias = "SSL_do_handshake")]
    pub fn do_handshake(&mut self) -> Result<()> {
        self.core.do_handshake()
    }

    /// `read(len)`: up to `len` decrypted bytes; empty after the peer's close_notify.
    ///
    /// As in CPython, a `len` the release cannot convert is an `OverflowError` (beyond
    /// 2**31-1 through 3.9) and a buffer of `len` bytes that cannot be allocated is a
    /// `MemoryError`; the buffer is reserved whole but only what OpenSSL writes is touched.
    #[doc(alias = "SSL_read")]
    pub fn read(&mut self, len: usize) -> Result<Vec<u8>> {
        self.core.read_vec(len)
    }

    /// `read(len(buf), buf)`: into `buf`, returning the count.
    pub fn read_into(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.core.read(buf)
    }

    /// `write(data)`: encrypt `data` into the outgoing BIO; returns the count.
    #[doc(alias = "SSL_write")]
    pub fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.core.write(data)
    }

    /// `unwrap()`: the TLS shutdown; `SSLWantReadError` until the peer's close_notify is in
    /// the incoming BIO, as in CPython.
    #[doc(alias = "SSL_shutdown")]
    pub fn unwrap(&mut self) -> Result<()> {
        self.core.shutdown()
    }
}

impl std::fmt::Debug for SslObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SslObject")
            .field("server_side", &self.server_side())
            .field("server_hostname", &self.server_hostname())
            .field("version", &self.version())
            .finish()
    }
}
