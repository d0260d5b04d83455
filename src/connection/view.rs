//! What every connection kind answers about itself, read through one view of its `SSL`:
//! the accessors of CPython's `_ssl._SSLSocket` (`getpeercert`, `cipher`, `version`, ...),
//! shared by [`SslSocket`](super::SslSocket), [`SslObject`](super::SslObject) and (feature
//! `tokio`) `pyssl::tokio::SslStream`, whatever drives their I/O.

use std::sync::Arc;

use openssl::ssl::{SslRef, SslVerifyMode};

use super::core::{CipherTuple, PeerCertificate};
use super::{ConnState, SslSession, state, switch_context};
use crate::certificate::decode_certificate_as;
use crate::context::SslContext;
use crate::error::{Error, MnemonicTable, Result};
use crate::ffi;
use crate::ffi::connection as raw;
use crate::profiles::Change;

/// A connection's `SSL`, read-only, and the Python class it answers as (`SSLSocket` or
/// `SSLObject`, which a missing 3.15 method's `AttributeError` names).
#[derive(Clone, Copy)]
pub(crate) struct ConnRef<'a> {
    ssl: &'a SslRef,
    class: &'static str,
}

/// A connection's `SSL`, for the setters (`session`, `context`, post-handshake auth).
pub(crate) struct ConnMut<'a> {
    ssl: &'a mut SslRef,
    class: &'static str,
}

impl<'a> ConnRef<'a> {
    pub(crate) fn new(ssl: &'a SslRef, class: &'static str) -> ConnRef<'a> {
        ConnRef { ssl, class }
    }

    pub(crate) fn pending(&self) -> usize {
        self.ssl.pending()
    }

    /// The mnemonic table of the context's profile (3.7 names fewer reasons).
    pub(crate) fn mnemonics(&self) -> MnemonicTable {
        self.profile().mnemonic_table()
    }

    fn conn_state(&self) -> Option<&'a ConnState> {
        state(self.ssl)
    }

    /// The profile of the connection's context (the default for an `SSL` pyssl did not make).
    pub(crate) fn profile(&self) -> crate::Profile {
        self.conn_state()
            .map(|s| s.context.profile())
            .unwrap_or_default()
    }

    pub(crate) fn context(&self) -> Option<Arc<SslContext>> {
        self.conn_state().map(|s| s.context.clone())
    }

    pub(crate) fn server_side(&self) -> bool {
        self.conn_state().is_some_and(|s| s.server_side)
    }

    pub(crate) fn server_hostname(&self) -> Option<String> {
        self.conn_state().and_then(|s| s.server_hostname.clone())
    }

    pub(crate) fn getpeercert(&self) -> Result<Option<PeerCertificate>> {
        let ssl = self.ssl;
        if !ssl.is_init_finished() {
            return Err(Error::value("handshake not done yet"));
        }
        let Some(cert) = ssl.peer_certificate() else {
            return Ok(None);
        };
        let verifies = self
            .context()
            .is_some_and(|c| c.with_ctx(|x| x.verify_mode().contains(SslVerifyMode::PEER)));
        if !verifies {
            return Ok(Some(PeerCertificate::NotValidated));
        }
        let profile = self.profile();
        Ok(Some(PeerCertificate::Decoded(Box::new(
            decode_certificate_as(&cert, profile)?,
        ))))
    }

    pub(crate) fn getpeercert_der(&self) -> Result<Option<Vec<u8>>> {
        let ssl = self.ssl;
        if !ssl.is_init_finished() {
            return Err(Error::value("handshake not done yet"));
        }
        match ssl.peer_certificate() {
            None => Ok(None),
            Some(c) => c
                .to_der()
                .map(Some)
                .map_err(|e| Error::from_stack(&e, self.mnemonics())),
        }
    }

    pub(crate) fn cipher(&self) -> Option<CipherTuple> {
        raw::ssl_current_cipher(self.ssl)
    }

    /// A 3.15 method: under an older profile the `AttributeError` of the release's
    /// `SSLSocket`/`SSLObject`; built on an OpenSSL without the call, that of CPython's
    /// `_ssl._SSLSocket`, which then lacks it.
    fn method_315<T>(&self, name: &str, call: Option<T>) -> Result<T> {
        let class = if self.profile().version < (3, 15) {
            self.class
        } else if let Some(v) = call {
            return Ok(v);
        } else {
            "_ssl._SSLSocket"
        };
        Err(Error::attribute(format!(
            "'{class}' object has no attribute '{name}'"
        )))
    }

    /// `client_sigalg()` / `server_sigalg()`: this side's or the peer's signature algorithm,
    /// depending on which side this connection is.
    pub(crate) fn sigalg(&self, of_client: bool) -> Result<Option<String>> {
        let peer = of_client == self.server_side();
        let method = if of_client {
            "client_sigalg"
        } else {
            "server_sigalg"
        };
        self.method_315(method, raw::ssl_signature_name(self.ssl, peer))
    }

    pub(crate) fn group(&self) -> Result<Option<String>> {
        self.method_315("group", raw::ssl_group_name(self.ssl))
    }

    pub(crate) fn shared_ciphers(&self) -> Option<Vec<CipherTuple>> {
        let profile = self.profile();
        if !profile.shared_ciphers_intersect {
            raw::ssl_ciphers(self.ssl)
        } else {
            raw::ssl_shared_ciphers(self.ssl)
        }
    }

    pub(crate) fn version(&self) -> Option<String> {
        let ssl = self.ssl;
        if !ssl.is_init_finished() {
            return None;
        }
        let v = ssl.version_str();
        (v != "unknown").then(|| v.to_string())
    }

    pub(crate) fn selected_alpn_protocol(&self) -> Option<String> {
        self.ssl
            .selected_alpn_protocol()
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    pub(crate) fn get_channel_binding(&self, cb_type: &str) -> Result<Option<Vec<u8>>> {
        // The argument is a C string to CPython.
        if cb_type.contains('\0') {
            return Err(Error::value("embedded null character"));
        }
        if cb_type != "tls-unique" {
            return Err(Error::value(format!(
                "'{cb_type}' channel binding type not implemented"
            )));
        }
        let ssl = self.ssl;
        let mut buf = [0u8; 128];
        // RFC 5929: the first Finished message of the latest handshake, which is the
        // client's on a full handshake and the server's on a resumed one.
        let len = if ssl.session_reused() ^ self.server_side() {
            ssl.peer_finished(&mut buf)
        } else {
            ssl.finished(&mut buf)
        };
        Ok((len > 0).then(|| buf[..len.min(buf.len())].to_vec()))
    }

    pub(crate) fn session(&self) -> Option<SslSession> {
        let session = self.ssl.session()?.to_owned();
        Some(SslSession {
            inner: session,
            context: self.context()?,
        })
    }

    pub(crate) fn session_reused(&self) -> bool {
        self.ssl.session_reused()
    }

    pub(crate) fn get_verified_chain(&self) -> Result<Vec<Vec<u8>>> {
        let Some(chain) = self.ssl.verified_chain() else {
            return Ok(vec![]);
        };
        chain
            .iter()
            .map(|c| {
                c.to_der()
                    .map_err(|e| Error::from_stack(&e, self.mnemonics()))
            })
            .collect()
    }

    pub(crate) fn get_unverified_chain(&self) -> Result<Vec<Vec<u8>>> {
        let ssl = self.ssl;
        let der = |c: &openssl::x509::X509Ref| {
            c.to_der()
                .map_err(|e| Error::from_stack(&e, self.mnemonics()))
        };
        let chain = ssl.peer_cert_chain();
        if !self.server_side() {
            return chain.into_iter().flatten().map(der).collect();
        }
        // OpenSSL leaves the client's own certificate out of the chain on servers, and keeps
        // no chain at all in a ticket.
        let peer = ssl.peer_certificate();
        if self.profile().has(Change::UnverifiedChainFromPeer) {
            if peer.is_none() {
                return Ok(vec![]);
            }
        } else if chain.is_none() {
            return Ok(vec![]);
        } else if peer.is_none() {
            // CPython's list starts with None, which its Certificate wrapper cannot convert.
            return Err(Error::attribute(
                "'NoneType' object has no attribute 'public_bytes'",
            ));
        }
        peer.iter()
            .map(|p| der(p))
            .chain(chain.into_iter().flatten().map(der))
            .collect()
    }
}

impl<'a> ConnMut<'a> {
    pub(crate) fn new(ssl: &'a mut SslRef, class: &'static str) -> ConnMut<'a> {
        ConnMut { ssl, class }
    }

    fn view(&self) -> ConnRef<'_> {
        ConnRef::new(self.ssl, self.class)
    }

    pub(crate) fn set_context(&mut self, ctx: &Arc<SslContext>) -> Result<()> {
        switch_context(self.ssl, ctx)
    }

    pub(crate) fn set_session(&mut self, session: &SslSession) -> Result<()> {
        if !self
            .view()
            .context()
            .is_some_and(|c| Arc::ptr_eq(&c, &session.context))
        {
            return Err(Error::value("Session refers to a different SSLContext."));
        }
        if self.view().server_side() {
            return Err(Error::value(
                "Cannot set session for server-side SSLSocket.",
            ));
        }
        if self.ssl.is_init_finished() {
            return Err(Error::value("Cannot set session after handshake."));
        }
        let queue = ffi::ErrQueue::clear();
        // Through 3.13.0 CPython offers a copy made through DER, which does not inherit
        // OpenSSL's `not_resumable` mark that the first connection's end (EOF without
        // close_notify; through 3.13.0 also freeing it without a shutdown, see `Conn`'s Drop)
        // puts on the original; from 3.13.1 it offers the object itself, mark and all.
        let copy;
        let offered = if self.view().profile().session_set_shares {
            &session.inner
        } else {
            copy = session
                .inner
                .to_der()
                .and_then(|der| openssl::ssl::SslSession::from_der(&der))
                .map_err(|e| Error::from_stack(&e, self.view().mnemonics()))?;
            &copy
        };
        if !raw::ssl_set_session(&queue, self.ssl, offered) {
            return Err(Error::from_queue(queue, self.view().mnemonics()));
        }
        Ok(())
    }

    pub(crate) fn verify_client_post_handshake(&mut self) -> Result<()> {
        let queue = ffi::ErrQueue::clear();
        if raw::ssl_verify_client_post_handshake(&queue, self.ssl) {
            Ok(())
        } else {
            Err(Error::from_queue(queue, self.view().mnemonics()))
        }
    }
}

/// Generates the public accessors of a connection type that has `view()` and `view_mut()`
/// methods returning its [`ConnRef`] and [`ConnMut`].
macro_rules! connection_accessors {
    () => {
        /// `getpeercert()`: the peer's certificate as Python's dict; `None` when the peer sent
        /// none; [`NotValidated`](crate::PeerCertificate::NotValidated) (`{}`) when the
        /// context does not verify (`CERT_NONE`). Before the handshake:
        /// `ValueError("handshake not done yet")`.
        #[doc(alias = "SSL_get_peer_certificate")]
        pub fn getpeercert(&self) -> $crate::Result<Option<$crate::PeerCertificate>> {
            self.view().getpeercert()
        }

        /// `getpeercert(binary_form=True)`: the peer's certificate in DER, verified or not.
        #[doc(alias = "i2d_X509")]
        pub fn getpeercert_der(&self) -> $crate::Result<Option<Vec<u8>>> {
            self.view().getpeercert_der()
        }

        /// `cipher()`: `(name, protocol, secret bits)` of the negotiated suite, or `None`.
        #[doc(alias = "SSL_get_current_cipher")]
        pub fn cipher(&self) -> Option<$crate::CipherTuple> {
            self.view().cipher()
        }

        /// `client_sigalg()` (CPython 3.15, OpenSSL 3.5+): the signature algorithm the client
        /// used to authenticate (`None` when it did not), whichever side this is.
        #[doc(
            alias = "SSL_get0_signature_name",
            alias = "SSL_get0_peer_signature_name"
        )]
        pub fn client_sigalg(&self) -> $crate::Result<Option<String>> {
            self.view().sigalg(true)
        }

        /// `server_sigalg()` (CPython 3.15, OpenSSL 3.5+): the signature algorithm the server
        /// used in the handshake, whichever side this is.
        #[doc(
            alias = "SSL_get0_signature_name",
            alias = "SSL_get0_peer_signature_name"
        )]
        pub fn server_sigalg(&self) -> $crate::Result<Option<String>> {
            self.view().sigalg(false)
        }

        /// `group()` (CPython 3.15, OpenSSL 3.2+): the negotiated key-exchange group
        /// (`"X25519MLKEM768"`), `None` before the handshake. Built on an older OpenSSL,
        /// CPython has no such method: this is then the `AttributeError`.
        #[doc(alias = "SSL_get0_group_name")]
        pub fn group(&self) -> $crate::Result<Option<String>> {
            self.view().group()
        }

        /// `shared_ciphers()`: on a server, the suites both sides offered (server order);
        /// `None` on a client or before the handshake. Under the 3.7–3.9 profiles, as in
        /// those releases, the connection's whole cipher list, on either side.
        #[doc(alias = "SSL_get_client_ciphers")]
        pub fn shared_ciphers(&self) -> Option<Vec<$crate::CipherTuple>> {
            self.view().shared_ciphers()
        }

        /// `version()`: `"TLSv1.3"`, `"TLSv1.2"`, ...; `None` before the handshake.
        #[doc(alias = "SSL_get_version")]
        pub fn version(&self) -> Option<String> {
            self.view().version()
        }

        /// `selected_alpn_protocol()`: the protocol ALPN agreed on, or `None`.
        #[doc(alias = "SSL_get0_alpn_selected")]
        pub fn selected_alpn_protocol(&self) -> Option<String> {
            self.view().selected_alpn_protocol()
        }

        /// `compression()`: always `None` (OpenSSL 3 has no TLS compression).
        pub fn compression(&self) -> Option<String> {
            None
        }

        /// `get_channel_binding(cb_type)`: the `"tls-unique"` binding (RFC 5929), `None`
        /// before the handshake; other types are a `ValueError`.
        #[doc(alias = "SSL_get_finished")]
        pub fn get_channel_binding(&self, cb_type: &str) -> $crate::Result<Option<Vec<u8>>> {
            self.view().get_channel_binding(cb_type)
        }

        /// `pending()`: decrypted bytes ready to be read without touching the transport.
        #[doc(alias = "SSL_pending")]
        pub fn pending(&self) -> usize {
            self.view().pending()
        }

        /// `session`: the TLS session (after the handshake), to resume later.
        #[doc(alias = "SSL_get1_session")]
        pub fn session(&self) -> Option<$crate::SslSession> {
            self.view().session()
        }

        /// `session_reused`: whether the handshake resumed a session.
        #[doc(alias = "SSL_session_reused")]
        pub fn session_reused(&self) -> bool {
            self.view().session_reused()
        }

        /// `server_side`.
        pub fn server_side(&self) -> bool {
            self.view().server_side()
        }

        /// `server_hostname`: the encoded (A-label) name given at wrap time, or `None`.
        pub fn server_hostname(&self) -> Option<String> {
            self.view().server_hostname()
        }

        /// `context`: the context now serving the connection.
        pub fn context(&self) -> Option<std::sync::Arc<$crate::SslContext>> {
            self.view().context()
        }

        /// `get_verified_chain()`: the chain OpenSSL built and verified, leaf first, in DER.
        #[doc(alias = "SSL_get0_verified_chain")]
        pub fn get_verified_chain(&self) -> $crate::Result<Vec<Vec<u8>>> {
            self.view().get_verified_chain()
        }

        /// `get_unverified_chain()`: the certificates the peer sent, leaf first, in DER.
        #[doc(alias = "SSL_get_peer_cert_chain")]
        pub fn get_unverified_chain(&self) -> $crate::Result<Vec<Vec<u8>>> {
            self.view().get_unverified_chain()
        }
    };
}

pub(crate) use connection_accessors;

/// Generates the public setters of a connection type whose `view_mut()` returns its
/// [`ConnMut`]: `session = s`, `context = ctx` and `verify_client_post_handshake()`.
macro_rules! connection_setters {
    () => {
        /// `session = s`: offer `s` for resumption (client side, before the handshake), with
        /// CPython's `ValueError`s otherwise.
        #[doc(alias = "SSL_set_session")]
        pub fn set_session(&mut self, session: &$crate::SslSession) -> $crate::Result<()> {
            self.view_mut().set_session(session)
        }

        /// `context = ctx`: switch to another context (`SSL_set_SSL_CTX`).
        #[doc(alias = "SSL_set_SSL_CTX")]
        pub fn set_context(
            &mut self,
            ctx: &std::sync::Arc<$crate::SslContext>,
        ) -> $crate::Result<()> {
            self.view_mut().set_context(ctx)
        }

        /// `verify_client_post_handshake()`: ask the TLS 1.3 client for its certificate now
        /// (server side, `post_handshake_auth` on both contexts).
        #[doc(alias = "SSL_verify_client_post_handshake")]
        pub fn verify_client_post_handshake(&mut self) -> $crate::Result<()> {
            self.view_mut().verify_client_post_handshake()
        }
    };
}

pub(crate) use connection_setters;
