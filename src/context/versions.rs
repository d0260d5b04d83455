//! The protocol-version attributes of an [`SslContext`] (`minimum_version`,
//! `maximum_version`), its security level and its TLS 1.3 session tickets.

use super::{SslContext, VersionBound};
use crate::constants::{Options, Protocol, TlsVersion};
use crate::error::{Error, Result};
use crate::ffi;

/// The highest version OpenSSL was built with (`PY_PROTO_MAXIMUM_AVAILABLE`).
const MAXIMUM_AVAILABLE: i32 = openssl_sys::TLS1_3_VERSION;
/// The lowest version OpenSSL was built with (`PY_PROTO_MINIMUM_AVAILABLE`).
#[cfg(pyssl_no_ssl3)]
const MINIMUM_AVAILABLE: i32 = openssl_sys::TLS1_VERSION;
#[cfg(not(pyssl_no_ssl3))]
const MINIMUM_AVAILABLE: i32 = openssl_sys::SSL3_VERSION;

impl SslContext {
    /// `ctx.minimum_version`; `MINIMUM_SUPPORTED` when no lower bound is set.
    ///
    /// ```python
    /// ctx.minimum_version   # <TLSVersion.TLSv1_2: 771>
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.minimum_version(), pyssl::TlsVersion::TLSv1_2);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_min_proto_version")]
    pub fn minimum_version(&self) -> TlsVersion {
        match self.with_ctx(|c| ffi::ctx_proto_version(c, VersionBound::Minimum)) {
            0 => TlsVersion::MINIMUM_SUPPORTED,
            v => TlsVersion(v),
        }
    }

    /// `ctx.maximum_version`; `MAXIMUM_SUPPORTED` when no upper bound is set.
    ///
    /// ```python
    /// ctx.maximum_version   # <TLSVersion.MAXIMUM_SUPPORTED: -1>
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.maximum_version(), pyssl::TlsVersion::MAXIMUM_SUPPORTED);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_max_proto_version")]
    pub fn maximum_version(&self) -> TlsVersion {
        match self.with_ctx(|c| ffi::ctx_proto_version(c, VersionBound::Maximum)) {
            0 => TlsVersion::MAXIMUM_SUPPORTED,
            v => TlsVersion(v),
        }
    }

    /// `ctx.minimum_version = version`.
    ///
    /// As in CPython, `MINIMUM_SUPPORTED` removes the bound and `MAXIMUM_SUPPORTED` means the
    /// highest version OpenSSL offers (TLS 1.3). Only the flexible protocols
    /// (`PROTOCOL_TLS`, `PROTOCOL_TLS_CLIENT`, `PROTOCOL_TLS_SERVER`) accept a bound.
    ///
    /// ```python
    /// ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    /// ctx.minimum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED   # reads back as TLSv1_3
    /// ```
    /// ```
    /// use pyssl::TlsVersion;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_minimum_version(TlsVersion::TLSv1_3)?;
    /// assert_eq!(ctx.minimum_version(), TlsVersion::TLSv1_3);
    /// ctx.set_minimum_version(TlsVersion::MINIMUM_SUPPORTED)?;
    /// assert_eq!(ctx.minimum_version(), TlsVersion::MINIMUM_SUPPORTED);
    /// ctx.set_minimum_version(TlsVersion::MAXIMUM_SUPPORTED)?;
    /// assert_eq!(ctx.minimum_version(), TlsVersion::TLSv1_3);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_min_proto_version")]
    pub fn set_minimum_version(&self, version: TlsVersion) -> Result<()> {
        self.set_version_bound(i64::from(version.0), VersionBound::Minimum)
    }

    /// `ctx.maximum_version = version`.
    ///
    /// As in CPython, `MAXIMUM_SUPPORTED` removes the bound and `MINIMUM_SUPPORTED` means the
    /// lowest version OpenSSL was built with. Fixed-version protocols such as
    /// `PROTOCOL_TLSv1_2` refuse any bound with a `ValueError`.
    ///
    /// ```python
    /// ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    /// ssl.SSLContext(ssl.PROTOCOL_TLSv1_2).maximum_version = ssl.TLSVersion.TLSv1_2  # ValueError
    /// ```
    /// ```
    /// use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLSv1_2, SslContext, TlsVersion};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_maximum_version(TlsVersion::TLSv1_2)?;
    /// assert_eq!(ctx.maximum_version(), TlsVersion::TLSv1_2);
    ///
    /// let fixed = SslContext::new(PROTOCOL_TLSv1_2)?;
    /// let e = fixed.set_maximum_version(TlsVersion::TLSv1_2).unwrap_err();
    /// assert_eq!(
    ///     e.python_str(),
    ///     "The context's protocol doesn't support modification of highest and lowest version."
    /// );
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_max_proto_version")]
    pub fn set_maximum_version(&self, version: TlsVersion) -> Result<()> {
        self.set_version_bound(i64::from(version.0), VersionBound::Maximum)
    }

    /// `ctx.minimum_version = n` (`maximum == false`) or `ctx.maximum_version = n`
    /// (`maximum == true`) for any Python integer `n`.
    ///
    /// Reproduces CPython's errors for values that are not a `TLSVersion`: an `OverflowError`
    /// "Python int too large to convert to C long" beyond 64 bits, "Option is too long"
    /// beyond 32 bits (from 3.13.15 / 3.14.8 / 3.15: "signed integer is greater than maximum",
    /// and "... less than minimum" below a C int, see
    /// [`Profile::version_setter_c_int`](crate::Profile)), and a `ValueError` naming the value
    /// in hex otherwise.
    ///
    /// ```python
    /// ctx.minimum_version = 2**40   # 3.13.0: OverflowError: Option is too long
    /// ctx.minimum_version = 0x305   # ValueError: Unsupported TLS/SSL version 0x305
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let old = pyssl::SslContext::with_profile(pyssl::PROTOCOL_TLS_CLIENT, pyssl::Profile::PY313_0)?;
    /// let e = old.set_version_bound_int(1 << 40, pyssl::VersionBound::Minimum).unwrap_err();
    /// assert_eq!(e.python_type(), "OverflowError");
    /// assert_eq!(e.python_str(), "Option is too long");
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?; // 3.15.2
    /// let e = ctx.set_version_bound_int(1 << 40, pyssl::VersionBound::Minimum).unwrap_err();
    /// assert_eq!(e.python_str(), "signed integer is greater than maximum");
    /// let e = ctx.set_version_bound_int(1 << 70, pyssl::VersionBound::Minimum).unwrap_err();
    /// assert_eq!(e.python_str(), "Python int too large to convert to C long");
    /// let e = ctx.set_version_bound_int(0x305, pyssl::VersionBound::Minimum).unwrap_err();
    /// assert_eq!(e.python_str(), "Unsupported TLS/SSL version 0x305");
    /// ctx.set_version_bound_int(0x303, pyssl::VersionBound::Maximum)?;
    /// assert_eq!(ctx.maximum_version(), pyssl::TlsVersion::TLSv1_2);
    /// # Ok(()) }
    /// ```
    #[doc(
        alias = "SSL_CTX_set_min_proto_version",
        alias = "SSL_CTX_set_max_proto_version"
    )]
    pub fn set_version_bound_int(&self, value: i128, bound: VersionBound) -> Result<()> {
        let v = i64::try_from(value)
            .map_err(|_| Error::overflow("Python int too large to convert to C long"))?;
        self.set_version_bound(v, bound)
    }

    fn set_version_bound(&self, v: i64, bound: VersionBound) -> Result<()> {
        let maximum = bound == VersionBound::Maximum;
        if !maximum && v == i64::from(TlsVersion::SSLv3.0) {
            // ssl.py's `minimum_version` setter clears OP_NO_SSLv3 before it asks C for the
            // bound, in every release; the option stays cleared even if the bound is refused.
            self.set_options(self.options() & !Options::NO_SSLV3)?;
        }
        if self.profile.version_setter_c_int {
            // PyArg_Parse "i" (3.13.15+, 3.14.8+, 3.15): both bounds of a C int.
            if v > i64::from(i32::MAX) {
                return Err(Error::overflow("signed integer is greater than maximum"));
            }
            if v < i64::from(i32::MIN) {
                return Err(Error::overflow("signed integer is less than minimum"));
            }
        } else if v > i64::from(i32::MAX) {
            // A C long with its own upper check; a value below INT_MIN is truncated to int.
            return Err(Error::overflow("Option is too long"));
        }
        if !matches!(self.protocol.0, 2 | 16 | 17) {
            return Err(Error::value(
                "The context's protocol doesn't support modification of highest and lowest version.",
            ));
        }
        let v = v as i32;
        let known = [
            TlsVersion::SSLv3.0,
            TlsVersion::TLSv1.0,
            TlsVersion::TLSv1_1.0,
            TlsVersion::TLSv1_2.0,
            TlsVersion::TLSv1_3.0,
            TlsVersion::MINIMUM_SUPPORTED.0,
            TlsVersion::MAXIMUM_SUPPORTED.0,
        ];
        if self.profile.version_setter_validates && !known.contains(&v) {
            return Err(Error::value(format!(
                "Unsupported TLS/SSL version 0x{:x}",
                v as u32
            )));
        }
        let raw = match (maximum, v) {
            (false, -2) => 0,
            (false, -1) => MAXIMUM_AVAILABLE,
            (true, -1) => 0,
            (true, -2) => MINIMUM_AVAILABLE,
            (_, v) => v,
        };
        let mut core = self.write();
        let queue = ffi::ErrQueue::clear();
        if !ffi::ctx_set_proto_version(&queue, &mut core.ctx, bound, raw) {
            queue.discard();
            return Err(Error::value(format!(
                "Unsupported protocol version 0x{:x}",
                raw as u32
            )));
        }
        Ok(())
    }

    /// `ctx.security_level` (read-only in Python): OpenSSL's security level, which CPython's
    /// default cipher string sets to 2 with `@SECLEVEL=2`.
    ///
    /// ```python
    /// ctx.security_level   # 2
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.security_level(), 2);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_security_level")]
    pub fn security_level(&self) -> u32 {
        self.with_ctx(|c| c.security_level())
    }

    /// `ctx.num_tickets`: how many TLS 1.3 session tickets a server sends (OpenSSL's default
    /// is 2).
    ///
    /// ```python
    /// ctx.num_tickets   # 2
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// assert_eq!(ctx.num_tickets(), 2);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_num_tickets")]
    pub fn num_tickets(&self) -> usize {
        self.with_ctx(|c| c.num_tickets())
    }

    /// `ctx.num_tickets = n`, for server contexts only.
    ///
    /// The checks run in CPython's order: a negative `n` is refused first ("value must be
    /// non-negative"), even on a client context, then a context that is not
    /// `PROTOCOL_TLS_SERVER` ("SSLContext is not a server context.").
    ///
    /// ```python
    /// srv.num_tickets = 0
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).num_tickets = 1  # ValueError
    /// ```
    /// ```
    /// use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let srv = SslContext::new(PROTOCOL_TLS_SERVER)?;
    /// srv.set_num_tickets(0)?;
    /// assert_eq!(srv.num_tickets(), 0);
    ///
    /// let client = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// let e = client.set_num_tickets(1).unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// assert_eq!(e.python_str(), "SSLContext is not a server context.");
    /// let e = client.set_num_tickets(-1).unwrap_err();
    /// assert_eq!(e.python_str(), "value must be non-negative");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_num_tickets")]
    pub fn set_num_tickets(&self, n: i64) -> Result<()> {
        if n < 0 {
            return Err(Error::value("value must be non-negative"));
        }
        if self.protocol != Protocol::PROTOCOL_TLS_SERVER {
            return Err(Error::value("SSLContext is not a server context."));
        }
        let mut core = self.write();
        let n = usize::try_from(n).map_err(|_| Error::value("failed to set num tickets."))?;
        // rust-openssl took the queue into the `ErrorStack` dropped here.
        if core.ctx.set_num_tickets(n).is_err() {
            return Err(Error::value("failed to set num tickets."));
        }
        Ok(())
    }
}
