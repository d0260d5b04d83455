//! The server-name (SNI) callback, `ctx.sni_callback` in Python: setting it on a context and
//! running it for a connection's handshake. It belongs to the connection layer because the
//! callback takes the connection and its context; `callbacks` only holds it (type-erased) and
//! forwards OpenSSL's call here.

use std::any::Any;
use std::sync::Arc;

use openssl::ssl::SslRef;

use super::{SniConnection, state};
use crate::callbacks::{self, Slots, SniAnswer, catch, slot_get};
use crate::constants::{AlertDescription, Protocol};
use crate::context::SslContext;
use crate::error::{Error, Result};
use crate::profiles::Change;

/// Server-name (SNI) callback, `ctx.sni_callback` in Python: called on the server during the
/// handshake with the connection (which it may switch to another context with
/// [`SniConnection::set_context`]), the server name the client sent (an A-label, or `None`
/// when it sent none, e.g. when it connected by IP address), and the context whose callback
/// this is. Returning `None` continues the handshake; `Some(alert)` aborts it with that alert
/// (CPython's integer return value). A panic aborts the handshake with `handshake_failure`,
/// as an exception in CPython's callback does.
pub type SniCallback = Arc<
    dyn Fn(&mut SniConnection<'_>, Option<&str>, &SslContext) -> Option<AlertDescription>
        + Send
        + Sync
        + 'static,
>;

/// The SNI callback held in `slots`, if any.
fn callback_in(slots: &Slots) -> Option<SniCallback> {
    slot_get(&slots.sni).and_then(|c| c.downcast_ref::<SniCallback>().cloned())
}

impl SslContext {
    /// `ctx.sni_callback`: the server-name callback, if one is set.
    ///
    /// ```python
    /// ctx.sni_callback   # None
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// assert!(ctx.sni_callback().is_none());
    /// # Ok(()) }
    /// ```
    pub fn sni_callback(&self) -> Option<SniCallback> {
        callback_in(self.slots())
    }

    /// `ctx.sni_callback = callback`: set (`Some`) or remove (`None`) the function a server
    /// calls with the name the client asked for, before choosing a certificate.
    ///
    /// The callback is stored now and used by server-side connections made later; CPython
    /// hooks it into OpenSSL with `SSL_CTX_set_tlsext_servername_callback`. As in CPython, a
    /// `PROTOCOL_TLS_CLIENT` context refuses it with a `ValueError`.
    ///
    /// ```python
    /// srv.sni_callback = lambda sslobj, name, ctx: None
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).sni_callback = f   # ValueError
    /// ```
    /// ```
    /// use std::sync::Arc;
    /// use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SniCallback, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let callback: SniCallback = Arc::new(|_conn, _name, _ctx| None);
    /// let srv = SslContext::new(PROTOCOL_TLS_SERVER)?;
    /// srv.set_sni_callback(Some(callback.clone()))?;
    /// assert!(srv.sni_callback().is_some());
    /// srv.set_sni_callback(None)?;
    /// assert!(srv.sni_callback().is_none());
    ///
    /// let client = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// let e = client.set_sni_callback(Some(callback)).unwrap_err();
    /// assert_eq!(e.python_str(), "sni_callback cannot be set on TLS_CLIENT context");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_tlsext_servername_callback")]
    pub fn set_sni_callback(&self, callback: Option<SniCallback>) -> Result<()> {
        if self.protocol() == Protocol::PROTOCOL_TLS_CLIENT {
            return Err(Error::value(
                "sni_callback cannot be set on TLS_CLIENT context",
            ));
        }
        let stored = callback.map(|c| Arc::new(c) as Arc<dyn Any + Send + Sync>);
        self.with_builder_mut(|ctx| callbacks::set_sni(ctx, self.slots(), stored, dispatch));
        Ok(())
    }

    /// `ctx.set_servername_callback(callback)`: Python's older spelling of
    /// [`set_sni_callback`](Self::set_sni_callback), which this calls.
    ///
    /// CPython wraps the callable in a shim that passes the server name through the IDNA
    /// codec first, which leaves the ASCII names OpenSSL delivers as they are, and stores the
    /// shim, so there `ctx.sni_callback` afterwards returns the shim. pyssl stores the
    /// callback itself. The errors are the same as for `set_sni_callback`.
    ///
    /// ```python
    /// srv.set_servername_callback(lambda sslobj, name, ctx: None)
    /// ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_servername_callback(f)   # ValueError
    /// ```
    /// ```
    /// use std::sync::Arc;
    /// use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SniCallback, SslContext};
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let callback: SniCallback = Arc::new(|_conn, _name, _ctx| None);
    /// let srv = SslContext::new(PROTOCOL_TLS_SERVER)?;
    /// srv.set_servername_callback(Some(callback.clone()))?;
    /// assert!(srv.sni_callback().is_some_and(|cb| Arc::ptr_eq(&cb, &callback)));
    ///
    /// let client = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// let e = client.set_servername_callback(Some(callback)).unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// assert_eq!(e.python_str(), "sni_callback cannot be set on TLS_CLIENT context");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_tlsext_servername_callback")]
    pub fn set_servername_callback(&self, callback: Option<SniCallback>) -> Result<()> {
        self.set_sni_callback(callback)
    }
}

/// The servername callback for one handshake; `slots` are those of the `SSL`'s current
/// `SSL_CTX`.
fn dispatch(ssl: &mut SslRef, slots: &Slots) -> SniAnswer {
    let Some(state) = state(ssl) else {
        // Not a pyssl connection: nothing to hand to the callback.
        return SniAnswer::NoAck;
    };
    let (current, original) = (state.context.clone(), state.original_context.clone());
    let (callback, ctx) = match callback_in(slots) {
        Some(callback) => (callback, current),
        // Without a callback on the connection's current context, OpenSSL calls the one of
        // the context the connection was made from (its session_ctx). CPython called that
        // context's Python callback too, until gh-156293 (3.13.16, 3.14.8, 3.15): since then
        // a callback answers OK without running unless its context is the connection's
        // current one.
        None if !Arc::ptr_eq(&current, &original) => {
            let Some(callback) = callback_in(original.slots()) else {
                return SniAnswer::NoAck;
            };
            if original.profile().has(Change::SniCallbackOfCurrentContext) {
                return SniAnswer::Ok;
            }
            (callback, original)
        }
        // No callback set: behave as if none were installed (OpenSSL's default is NOACK).
        None => return SniAnswer::NoAck,
    };
    let name = match ssl.servername_raw(openssl::ssl::NameType::HOST_NAME) {
        None => None,
        Some(raw) => match std::str::from_utf8(raw) {
            Ok(s) if s.is_ascii() => Some(s.to_string()),
            // CPython cannot decode a non-ASCII name: internal_error alert.
            _ => return SniAnswer::Alert(openssl_sys::SSL_AD_INTERNAL_ERROR),
        },
    };
    let mut conn = SniConnection::new(ssl);
    match catch(|| callback(&mut conn, name.as_deref(), &ctx)) {
        Some(None) => SniAnswer::Ok,
        Some(Some(a)) => SniAnswer::Alert(a.0),
        None => SniAnswer::Alert(openssl_sys::SSL_AD_HANDSHAKE_FAILURE),
    }
}
