//! The verification attributes of an [`SslContext`]: `verify_mode`, `check_hostname`,
//! `verify_flags`, the hostname-check flags and `post_handshake_auth`.

use openssl::ssl::SslVerifyMode;

use super::{Core, SslContext};
use crate::constants::{VerifyFlags, VerifyMode, hostflags};
use crate::error::{Error, Result};
use crate::{Profile, callbacks, ffi};

impl SslContext {
    /// `ctx.verify_mode`: `CERT_NONE`, `CERT_OPTIONAL` or `CERT_REQUIRED`.
    ///
    /// Only OpenSSL's `SSL_VERIFY_PEER` and `SSL_VERIFY_FAIL_IF_NO_PEER_CERT` bits are read,
    /// so other bits in the mode never produce an unknown value.
    ///
    /// ```python
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).verify_mode   # <VerifyMode.CERT_NONE: 0>
    /// ```
    /// ```
    /// use pyssl::{CERT_NONE, CERT_REQUIRED, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// assert_eq!(pyssl::SslContext::new(PROTOCOL_TLS_SERVER)?.verify_mode(), CERT_NONE);
    /// assert_eq!(pyssl::SslContext::new(PROTOCOL_TLS_CLIENT)?.verify_mode(), CERT_REQUIRED);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get_verify_mode")]
    pub fn verify_mode(&self) -> VerifyMode {
        let raw = self.with_ctx(ffi::ctx_verify_mode);
        let peer = openssl_sys::SSL_VERIFY_PEER;
        let fail = openssl_sys::SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        match raw & (peer | fail) {
            0 => VerifyMode::CERT_NONE,
            m if m == peer => VerifyMode::CERT_OPTIONAL,
            m if m == peer | fail => VerifyMode::CERT_REQUIRED,
            m => VerifyMode(m),
        }
    }

    /// `ctx.verify_mode = mode`.
    ///
    /// As in CPython, `CERT_NONE` is refused while `check_hostname` is on, and a value other
    /// than the three `CERT_*` constants is a `ValueError`.
    ///
    /// ```python
    /// ctx.verify_mode = ssl.CERT_NONE  # ValueError while check_hostname is on
    /// ctx.check_hostname = False
    /// ctx.verify_mode = ssl.CERT_NONE
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// let e = ctx.set_verify_mode(pyssl::CERT_NONE).unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// assert_eq!(
    ///     e.python_str(),
    ///     "Cannot set verify_mode to CERT_NONE when check_hostname is enabled."
    /// );
    /// ctx.set_check_hostname(false);
    /// ctx.set_verify_mode(pyssl::CERT_NONE)?;
    /// assert_eq!(ctx.verify_mode(), pyssl::CERT_NONE);
    /// let e = ctx.set_verify_mode(pyssl::VerifyMode(7)).unwrap_err();
    /// assert_eq!(e.python_str(), "invalid value for verify_mode");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_verify")]
    pub fn set_verify_mode(&self, mode: VerifyMode) -> Result<()> {
        let mut core = self.write();
        if mode == VerifyMode::CERT_NONE && core.check_hostname {
            return Err(Error::value(
                "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.",
            ));
        }
        set_verify_mode_locked(&mut core, mode, &self.profile)
    }

    /// `ctx.check_hostname`: whether connections match the peer certificate against the
    /// server name. On by default only for `PROTOCOL_TLS_CLIENT`.
    ///
    /// ```python
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).check_hostname   # False
    /// ```
    /// ```
    /// use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// assert!(!SslContext::new(PROTOCOL_TLS_SERVER)?.check_hostname());
    /// assert!(SslContext::new(PROTOCOL_TLS_CLIENT)?.check_hostname());
    /// # Ok(()) }
    /// ```
    pub fn check_hostname(&self) -> bool {
        self.read().check_hostname
    }

    /// `ctx.check_hostname = value`.
    ///
    /// Turning it on while `verify_mode` is `CERT_NONE` upgrades the mode to `CERT_REQUIRED`,
    /// as CPython's setter does; turning it off leaves the mode alone.
    ///
    /// ```python
    /// ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    /// ctx.check_hostname = True   # verify_mode becomes CERT_REQUIRED
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// assert_eq!(ctx.verify_mode(), pyssl::CERT_NONE);
    /// ctx.set_check_hostname(true);
    /// assert_eq!(ctx.verify_mode(), pyssl::CERT_REQUIRED);
    /// ctx.set_check_hostname(false);
    /// assert_eq!(ctx.verify_mode(), pyssl::CERT_REQUIRED);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_verify")]
    pub fn set_check_hostname(&self, value: bool) {
        let mut core = self.write();
        if value
            && ffi::ctx_verify_mode(ffi::builder_ref(&core.ctx)) == openssl_sys::SSL_VERIFY_NONE
        {
            // Cannot fail: CERT_REQUIRED is a valid mode.
            let _ = set_verify_mode_locked(&mut core, VerifyMode::CERT_REQUIRED, &self.profile);
        }
        core.check_hostname = value;
    }

    /// `ctx.verify_flags`: the `VERIFY_*` bits of the context's verification parameters,
    /// including bits pyssl has no name for.
    ///
    /// ```python
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).verify_flags   # VERIFY_X509_TRUSTED_FIRST
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.verify_flags(), pyssl::VERIFY_X509_TRUSTED_FIRST);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_VERIFY_PARAM_get_flags", alias = "SSL_CTX_get0_param")]
    pub fn verify_flags(&self) -> VerifyFlags {
        VerifyFlags::from_bits_retain(self.with_ctx(ffi::ctx_verify_flags))
    }

    /// `ctx.verify_flags = flags`.
    ///
    /// Follows CPython's algorithm: clear the bits that are set but not wanted, then set the
    /// wanted bits that are missing. OpenSSL may add bits of its own on top (a policy flag
    /// also turns on `X509_V_FLAG_POLICY_CHECK`), which the getter then reports.
    ///
    /// ```python
    /// ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    /// ctx.verify_flags |= 0x100    # X509_V_FLAG_EXPLICIT_POLICY; 0x80 appears as well
    /// ```
    /// ```
    /// use pyssl::{VERIFY_X509_STRICT, VERIFY_X509_TRUSTED_FIRST, VerifyFlags};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_verify_flags(ctx.verify_flags() | VERIFY_X509_STRICT)?;
    /// assert_eq!(ctx.verify_flags(), VERIFY_X509_STRICT | VERIFY_X509_TRUSTED_FIRST);
    /// ctx.set_verify_flags(ctx.verify_flags() | VerifyFlags::from_bits_retain(0x100))?;
    /// assert_eq!(ctx.verify_flags().bits() & 0x180, 0x180);
    /// # Ok(()) }
    /// ```
    #[doc(
        alias = "X509_VERIFY_PARAM_set_flags",
        alias = "X509_VERIFY_PARAM_clear_flags"
    )]
    pub fn set_verify_flags(&self, flags: VerifyFlags) -> Result<()> {
        let mut core = self.write();
        let current = ffi::ctx_verify_flags(ffi::builder_ref(&core.ctx));
        let new = flags.bits();
        let queue = ffi::ErrQueue::clear();
        if !ffi::ctx_update_verify_flags(&queue, &mut core.ctx, current & !new, !current & new) {
            return Err(Error::from_queue(queue, self.profile.mnemonic_table()));
        }
        Ok(())
    }

    /// `ctx._host_flags`: the `HOSTFLAG_*` bits applied to hostname checks ([`hostflags`]).
    /// Like CPython, pyssl answers from its own copy of the value rather than reading it back
    /// from OpenSSL.
    ///
    /// ```python
    /// ctx._host_flags   # 4, _ssl.HOSTFLAG_NO_PARTIAL_WILDCARDS
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.host_flags(), pyssl::hostflags::NO_PARTIAL_WILDCARDS);
    /// # Ok(()) }
    /// ```
    pub fn host_flags(&self) -> u32 {
        self.read().host_flags
    }

    /// `ctx._host_flags = flags`: replaces all hostname-check flags at once.
    ///
    /// ```python
    /// ctx._host_flags = _ssl.HOSTFLAG_NO_WILDCARDS
    /// ```
    /// ```
    /// use pyssl::hostflags::NO_WILDCARDS;
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_host_flags(NO_WILDCARDS);
    /// assert_eq!(ctx.host_flags(), NO_WILDCARDS);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_VERIFY_PARAM_set_hostflags")]
    pub fn set_host_flags(&self, flags: u32) {
        let mut core = self.write();
        core.host_flags = flags;
        ffi::ctx_set_hostflags(&mut core.ctx, flags);
    }

    /// `ctx.hostname_checks_common_name`: true unless `HOSTFLAG_NEVER_CHECK_SUBJECT` is set
    /// in [`host_flags`](Self::host_flags).
    ///
    /// ```python
    /// ctx.hostname_checks_common_name   # True
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert!(ctx.hostname_checks_common_name());
    /// # Ok(()) }
    /// ```
    pub fn hostname_checks_common_name(&self) -> bool {
        self.host_flags() & hostflags::NEVER_CHECK_SUBJECT != hostflags::NEVER_CHECK_SUBJECT
    }

    /// `ctx.hostname_checks_common_name = value`: clears or sets
    /// `HOSTFLAG_NEVER_CHECK_SUBJECT`, keeping the other host flags.
    ///
    /// ```python
    /// ctx.hostname_checks_common_name = False   # ctx._host_flags == 0x24
    /// ```
    /// ```
    /// use pyssl::hostflags::{NEVER_CHECK_SUBJECT, NO_PARTIAL_WILDCARDS};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_hostname_checks_common_name(false);
    /// assert!(!ctx.hostname_checks_common_name());
    /// assert_eq!(ctx.host_flags(), NO_PARTIAL_WILDCARDS | NEVER_CHECK_SUBJECT);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_VERIFY_PARAM_set_hostflags")]
    pub fn set_hostname_checks_common_name(&self, value: bool) {
        let flags = self.host_flags();
        self.set_host_flags(if value {
            flags & !hostflags::NEVER_CHECK_SUBJECT
        } else {
            flags | hostflags::NEVER_CHECK_SUBJECT
        });
    }

    /// `ctx.post_handshake_auth`: whether connections made later offer TLS 1.3
    /// post-handshake client authentication. Off by default.
    ///
    /// ```python
    /// ctx.post_handshake_auth   # False
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert!(!ctx.post_handshake_auth());
    /// # Ok(()) }
    /// ```
    pub fn post_handshake_auth(&self) -> bool {
        self.read().post_handshake_auth
    }

    /// `ctx.post_handshake_auth = value`.
    ///
    /// Like CPython, the context only records the value and leaves the `SSL_CTX` alone; CPython
    /// applies it to each client connection as it creates it (`SSL_set_post_handshake_auth`).
    ///
    /// ```python
    /// ctx.post_handshake_auth = True
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_post_handshake_auth(true);
    /// assert!(ctx.post_handshake_auth());
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_set_post_handshake_auth")]
    pub fn set_post_handshake_auth(&self, value: bool) {
        self.write().post_handshake_auth = value;
    }
}

/// `SSL_CTX_set_verify` with the mode and the profile's verify callback (CPython passes its
/// callback with every mode it sets, from 3.13.18 / 3.14.10 / 3.15.2 on).
fn set_verify_mode_locked(core: &mut Core, mode: VerifyMode, profile: &Profile) -> Result<()> {
    let bits = match mode {
        VerifyMode::CERT_NONE => SslVerifyMode::NONE,
        VerifyMode::CERT_OPTIONAL => SslVerifyMode::PEER,
        VerifyMode::CERT_REQUIRED => SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        _ => return Err(Error::value("invalid value for verify_mode")),
    };
    ffi::ctx_set_verify(&mut core.ctx, bits, callbacks::verify_callback(profile));
    Ok(())
}
