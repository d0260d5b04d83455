//! What the handshake of connections made from an [`SslContext`] uses: the context's own
//! certificate and key, cipher suites, ALPN, SNI, key-exchange groups, DH parameters, the key
//! log, and the session counters.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use openssl::ssl::SslContextBuilder;

use super::{CipherInfo, Password, SessionStats, SslContext, path_cstring};
use crate::callbacks::{self, PasswordSource, PasswordState};
use crate::error::{Error, ErrorKind, Result};
use crate::ffi;
use crate::profiles::EcdhCurveCall;
use crate::pyvalue::py_repr_str;

impl SslContext {
    // -- ciphers --------------------------------------------------------------------------

    /// `ctx.set_ciphers(cipherlist)`: choose the TLS 1.2-and-below cipher suites with an
    /// OpenSSL cipher string (TLS 1.3 suites are not affected).
    ///
    /// A string that selects nothing is an `SSLError` with CPython's own single-argument
    /// message, `('No cipher can be selected.',)`, rather than OpenSSL's reason; a NUL
    /// character is a `ValueError`.
    ///
    /// ```python
    /// ctx.set_ciphers("ECDHE+AESGCM")
    /// ctx.set_ciphers("nonsense")   # ssl.SSLError: ('No cipher can be selected.',)
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_ciphers("ECDHE+AESGCM")?;
    /// let e = ctx.set_ciphers("nonsense").unwrap_err();
    /// assert_eq!(e.python_type(), "SSLError");
    /// assert_eq!(e.python_str(), "('No cipher can be selected.',)");
    /// let e = ctx.set_ciphers("HIGH\0").unwrap_err();
    /// assert_eq!(e.python_str(), "embedded null character");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_cipher_list")]
    pub fn set_ciphers(&self, cipherlist: &str) -> Result<()> {
        if cipherlist.contains('\0') {
            return Err(Error::value("embedded null character"));
        }
        let mut core = self.write();
        // rust-openssl took the queue into the `ErrorStack` dropped here.
        if core.ctx.set_cipher_list(cipherlist).is_err() {
            return Err(Error::ssl_single("No cipher can be selected."));
        }
        Ok(())
    }

    /// `ctx.set_ciphersuites(ciphersuites)` (CPython 3.15): choose the TLS 1.3 cipher suites,
    /// as a colon-separated list of names (an empty list offers none).
    ///
    /// A list OpenSSL refuses is `SSLError(0, 'No cipher suite can be selected.')`; a NUL
    /// character is a `ValueError`. Earlier releases have no such method.
    ///
    /// ```python
    /// ctx.set_ciphersuites("TLS_AES_128_GCM_SHA256")
    /// ctx.set_ciphersuites("nonsense")   # ssl.SSLError: No cipher suite can be selected.
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_ciphersuites("TLS_AES_128_GCM_SHA256")?;
    /// assert_eq!(ctx.get_ciphers()?[0].name, "TLS_AES_128_GCM_SHA256");
    /// let e = ctx.set_ciphersuites("nonsense").unwrap_err();
    /// assert_eq!((e.python_type(), e.errno()), ("SSLError", Some(0)));
    /// assert_eq!(e.python_str(), "No cipher suite can be selected.");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_ciphersuites")]
    pub fn set_ciphersuites(&self, ciphersuites: &str) -> Result<()> {
        self.set_list(
            "set_ciphersuites",
            ciphersuites,
            |ctx, list| ctx.set_ciphersuites(list).is_ok(),
            "No cipher suite can be selected.",
        )
    }

    /// `ctx.set_groups(groups)` (CPython 3.15): the key-exchange groups to offer or accept, as
    /// a colon-separated list of OpenSSL group names (`"X25519MLKEM768:X25519"`).
    ///
    /// A name OpenSSL does not know is `SSLError(0, 'unrecognized group')`; a NUL character is a
    /// `ValueError`. Earlier releases have no such method.
    ///
    /// ```python
    /// ctx.set_groups("X25519:P-256")
    /// ctx.set_groups("nonsense")   # ssl.SSLError: unrecognized group
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_groups("X25519:P-256")?;
    /// let e = ctx.set_groups("nonsense").unwrap_err();
    /// assert_eq!(e.python_str(), "unrecognized group");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set1_groups_list")]
    pub fn set_groups(&self, groups: &str) -> Result<()> {
        self.set_list(
            "set_groups",
            groups,
            |ctx, list| ctx.set_groups_list(list).is_ok(),
            "unrecognized group",
        )
    }

    /// `ctx.get_groups(include_aliases=False)` (CPython 3.15, OpenSSL 3.5+): the names of the
    /// key-exchange groups OpenSSL implements, with their aliases when `include_aliases`.
    ///
    /// Built on an older OpenSSL, CPython 3.15 has no such method, and this is the
    /// `AttributeError` that `getattr` would raise.
    ///
    /// ```python
    /// ctx.get_groups()[:2]   # ['sect163k1', 'sect163r1'] on OpenSSL 3.6
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// match ctx.get_groups(false) {
    ///     Ok(groups) => assert!(groups.iter().any(|g| g == "x25519")),
    ///     Err(e) => assert_eq!(e.python_type(), "AttributeError"), // OpenSSL < 3.5
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_get0_implemented_groups")]
    pub fn get_groups(&self, include_aliases: bool) -> Result<Vec<String>> {
        self.require_method("get_groups")?;
        let core = self.read();
        ffi::ctx_implemented_groups(ffi::builder_ref(&core.ctx), include_aliases)
            .ok_or_else(|| Error::attribute("'SSLContext' object has no attribute 'get_groups'"))
    }

    /// `ctx.set_client_sigalgs(sigalgs)` (CPython 3.15): the signature algorithms allowed for
    /// TLS client authentication, as a colon-separated list (`"ECDSA+SHA256:rsa_pss_rsae_sha256"`).
    ///
    /// ```python
    /// ctx.set_client_sigalgs("nonsense")   # ssl.SSLError: unrecognized signature algorithm
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// ctx.set_client_sigalgs("ECDSA+SHA256")?;
    /// let e = ctx.set_client_sigalgs("nonsense").unwrap_err();
    /// assert_eq!(e.python_str(), "unrecognized signature algorithm");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set1_client_sigalgs_list")]
    pub fn set_client_sigalgs(&self, sigalgs: &str) -> Result<()> {
        self.set_list(
            "set_client_sigalgs",
            sigalgs,
            |ctx, list| CString::new(list).is_ok_and(|c| ffi::ctx_set_client_sigalgs(ctx, &c)),
            SIGALG_ERROR,
        )
    }

    /// `ctx.set_server_sigalgs(sigalgs)` (CPython 3.15): the signature algorithms allowed for
    /// the server's handshake signature, as a colon-separated list.
    ///
    /// ```python
    /// ctx.set_server_sigalgs("nonsense")   # ssl.SSLError: unrecognized signature algorithm
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_server_sigalgs("ECDSA+SHA256:rsa_pss_rsae_sha256")?;
    /// assert!(ctx.set_server_sigalgs("nonsense").is_err());
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set1_sigalgs_list")]
    pub fn set_server_sigalgs(&self, sigalgs: &str) -> Result<()> {
        self.set_list(
            "set_server_sigalgs",
            sigalgs,
            |ctx, list| ctx.set_sigalgs_list(list).is_ok(),
            SIGALG_ERROR,
        )
    }

    /// The shape of 3.15's list setters: `AttributeError` under an earlier profile (no such
    /// `method`); a NUL is a `ValueError`; then `apply` runs under the write lock, and a list
    /// OpenSSL refuses is `SSLError(0, refused)`, its queue cleared.
    fn set_list(
        &self,
        method: &str,
        list: &str,
        apply: impl FnOnce(&mut openssl::ssl::SslContextBuilder, &str) -> bool,
        refused: &str,
    ) -> Result<()> {
        self.require_method(method)?;
        if list.contains('\0') {
            return Err(Error::value("embedded null character"));
        }
        let mut core = self.write();
        let queue = ffi::ErrQueue::clear();
        if !apply(&mut core.ctx, list) {
            queue.discard();
            return Err(Error::ssl_with_errno(ErrorKind::Ssl, 0, refused));
        }
        Ok(())
    }

    /// `ctx.get_ciphers()`: the cipher suites a connection would offer, in preference order
    /// (see [`CipherInfo`]).
    ///
    /// Like CPython, this builds a throwaway `SSL` from the context and lists its ciphers, so
    /// the TLS 1.3 suites come first and a cipher string only narrows the rest.
    ///
    /// ```python
    /// ctx.set_ciphers("ECDHE+AESGCM")
    /// [c["name"] for c in ctx.get_ciphers()]
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_ciphers("ECDHE+AESGCM")?;
    /// let ciphers = ctx.get_ciphers()?;
    /// assert_eq!(ciphers[0].protocol, "TLSv1.3");
    /// let tls12: Vec<_> = ciphers.iter().filter(|c| c.protocol == "TLSv1.2").collect();
    /// assert!(!tls12.is_empty());
    /// assert!(tls12.iter().all(|c| c.name.starts_with("ECDHE-") && c.name.contains("GCM")));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_get_ciphers", alias = "SSL_CIPHER_description")]
    pub fn get_ciphers(&self) -> Result<Vec<CipherInfo>> {
        self.with_ctx(|c| {
            let ssl = openssl::ssl::Ssl::new(c)
                .map_err(|e| Error::from_stack(&e, self.profile.mnemonic_table()))?;
            Ok(ffi::ssl_ciphers(&ssl))
        })
    }

    // -- own certificate ------------------------------------------------------------------

    /// `ctx.load_cert_chain(certfile, keyfile, password)`: the certificate chain (PEM, leaf
    /// first) and private key this side presents; the key is read from `certfile` when
    /// `keyfile` is `None`.
    ///
    /// Reproduces CPython's errors: a file that cannot be opened is an `OSError` from `errno`
    /// without a filename; a key that does not match the certificate is an `SSLError`. As in
    /// CPython, without a password no callback is installed, so OpenSSL's own prompt may ask
    /// on the controlling terminal for an encrypted key (it fails without one). See
    /// [`Password`] for encrypted keys.
    ///
    /// ```python
    /// ctx.load_cert_chain("cert.pem", "key.pem")
    /// ctx.load_cert_chain("missing.pem")
    /// # 3.14: FileNotFoundError: [Errno 2] No such file or directory
    /// # 3.15: FileNotFoundError: [Errno 2] No such file or directory: 'missing.pem'
    /// ```
    /// ```
    /// # use openssl::{asn1::Asn1Time, ec::{EcGroup, EcKey}, hash::MessageDigest, nid::Nid};
    /// # use openssl::{pkey::PKey, x509::{X509, X509NameBuilder}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    /// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    /// # let mut name = X509NameBuilder::new()?;
    /// # name.append_entry_by_text("CN", "localhost")?;
    /// # let name = name.build();
    /// # let mut cert = X509::builder()?;
    /// # cert.set_version(2)?;
    /// # cert.set_subject_name(&name)?;
    /// # cert.set_issuer_name(&name)?;
    /// # cert.set_pubkey(&key)?;
    /// # cert.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    /// # cert.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    /// # cert.sign(&key, MessageDigest::sha256())?;
    /// # let dir = tempfile::tempdir()?;
    /// # let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    /// # std::fs::write(&cert_pem, cert.build().to_pem()?)?;
    /// # std::fs::write(&key_pem, key.private_key_to_pem_pkcs8()?)?;
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// ctx.load_cert_chain(&cert_pem, Some(&key_pem), None)?;
    ///
    /// let e = ctx.load_cert_chain("missing.pem", None, None).unwrap_err();
    /// assert_eq!(e.python_type(), "FileNotFoundError");
    /// assert_eq!(e.python_str(), "[Errno 2] No such file or directory: 'missing.pem'");
    /// # Ok(()) }
    /// ```
    #[doc(
        alias = "SSL_CTX_use_certificate_chain_file",
        alias = "SSL_CTX_use_PrivateKey_file",
        alias = "SSL_CTX_check_private_key"
    )]
    pub fn load_cert_chain(
        &self,
        certfile: impl AsRef<Path>,
        keyfile: Option<&Path>,
        password: Option<Password<'_>>,
    ) -> Result<()> {
        let certfile = certfile.as_ref();
        let (cert_path, key_path) = (certfile, keyfile);
        let certfile = self.path_arg(certfile, "certfile")?;
        let keyfile = keyfile.map(|p| self.path_arg(p, "keyfile")).transpose()?;
        let mut state = PasswordState {
            source: match password {
                Some(Password::Bytes(b)) => Some(PasswordSource::Bytes(b)),
                Some(Password::Callback(f)) => Some(PasswordSource::Callback(f)),
                // 3.15 installs its callback without a password too: it answers with an
                // empty one, so OpenSSL never prompts on the terminal.
                None if self.profile.password_callback_always => Some(PasswordSource::Bytes(b"")),
                None => None,
            },
            error: None,
            error_in_callback: false,
            callback_raised: false,
        };
        let table = self.profile.mnemonic_table();
        // The files are read, and the password asked for, on a scratch SSL_CTX before the
        // lock is taken: reading may block (a FIFO, a slow file system) and the password
        // callback may use this context, as in CPython. The scratch context loads as this one
        // would (same method and security level, the only state OpenSSL's loaders consult
        // besides the certificate slots); what it loaded is then applied to this context with
        // the same OpenSSL calls the loaders make, which repeat the checks against this
        // context's slots.
        let method = ffi::method_for_protocol(self.protocol.0)
            .ok_or_else(|| Error::value("invalid or unsupported protocol version"))?;
        let mut scratch =
            SslContextBuilder::new(method).map_err(|e| Error::from_stack(&e, table))?;
        ffi::ctx_set_security_level(&mut scratch, self.with_ctx(ffi::ctx_security_level));
        // The slot the chain file filled (leaf and chain, also after a failure part-way), and
        // the step that failed: (errno right after it, as CPython reads it; the file it read).
        let (chain_slot, failed, queue) =
            callbacks::with_password_callback(&mut scratch, &mut state, |ctx| {
                let queue = ffi::ErrQueue::clear_with_errno();
                let ok = ffi::ctx_use_certificate_chain_file(&queue, ctx, &certfile);
                let errno = queue.errno();
                let slot = ffi::ctx_current_slot(ffi::builder_ref(ctx));
                if !ok {
                    return (slot, Some((errno, cert_path)), queue);
                }
                ffi::errno_clear();
                let keyfile = keyfile.as_ref().unwrap_or(&certfile);
                if !ffi::ctx_use_private_key_file(&queue, ctx, keyfile) {
                    let failed = Some((queue.errno(), key_path.unwrap_or(cert_path)));
                    return (slot, failed, queue);
                }
                (slot, None, queue)
            });
        // The error is taken now, from this thread's queue and errno as the scratch load left
        // them, before anything else runs.
        let outcome = match failed {
            None => Ok(queue.errno()),
            Some((errno, path)) => Err(self.load_error(&mut state, errno, path, queue)),
        };
        let key = ffi::ctx_current_slot(ffi::builder_ref(&scratch)).key;
        drop(scratch);
        let mut core = self.write();
        let queue = ffi::ErrQueue::clear();
        if let Some(leaf) = &chain_slot.leaf
            && !ffi::ctx_use_certificate_and_chain(&queue, &mut core.ctx, leaf, &chain_slot.chain)
        {
            return Err(Error::from_queue(queue, table));
        }
        let key_errno = outcome?;
        let Some(key) = key else {
            return Err(Error::from_queue(queue, table));
        };
        // Checked against this context's certificate of the key's type, as OpenSSL checks.
        if !ffi::ctx_use_private_key(&queue, &mut core.ctx, &key) {
            let path = key_path.unwrap_or(cert_path);
            return Err(self.load_error(&mut state, key_errno, path, queue));
        }
        if !ffi::ctx_check_private_key(&queue, ffi::builder_ref(&core.ctx)) {
            return Err(Error::from_queue(queue, table));
        }
        Ok(())
    }

    /// CPython's error for a failed step of `load_cert_chain` that read `path`: the password
    /// callback's own error if it raised one, else `OSError` from `errno` if set, else the
    /// `SSLError` of the queue.
    fn load_error(
        &self,
        state: &mut PasswordState<'_>,
        errno: i32,
        path: &Path,
        queue: ffi::ErrQueue,
    ) -> Error {
        match state.error.take() {
            Some(e) => {
                queue.discard();
                if self.profile.py37_argument_quirks && state.error_in_callback {
                    // 3.7 returned from its password callback with the exception still set,
                    // which the interpreter reports as a SystemError.
                    Error::system(if state.callback_raised {
                        format!(
                            "<class '{}'> returned a result with an error set",
                            e.python_type()
                        )
                    } else {
                        "PyEval_EvalFrameEx returned a result with an error set".to_string()
                    })
                } else {
                    e
                }
            }
            None if errno != 0 => {
                queue.discard();
                // 3.15 names the file (gh-144249).
                if self.profile.load_cert_chain_names_file {
                    Error::os_fs_path(errno, path)
                } else {
                    Error::os(errno, None)
                }
            }
            None => Error::from_queue(queue, self.profile.mnemonic_table()),
        }
    }

    // -- protocols and callbacks ----------------------------------------------------------

    /// `ctx.set_alpn_protocols(protocols)`: the application protocols to offer (client) or
    /// accept (server), most preferred first.
    ///
    /// Each name is encoded as ASCII, as CPython does: other characters are a
    /// `UnicodeEncodeError` with Python's message, and an empty name or one longer than 255
    /// bytes is an `SSLError`.
    ///
    /// ```python
    /// ctx.set_alpn_protocols(["h2", "http/1.1"])
    /// ctx.set_alpn_protocols([""])
    /// # ssl.SSLError: ('ALPN protocols must be 1 to 255 in length',)
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_alpn_protocols(&["h2", "http/1.1"])?;
    /// let e = ctx.set_alpn_protocols(&[""]).unwrap_err();
    /// assert_eq!(e.python_str(), "('ALPN protocols must be 1 to 255 in length',)");
    /// let e = ctx.set_alpn_protocols(&["é"]).unwrap_err();
    /// assert_eq!(e.python_type(), "UnicodeEncodeError");
    /// assert_eq!(
    ///     e.python_str(),
    ///     "'ascii' codec can't encode character '\\xe9' in position 0: ordinal not in range(128)"
    /// );
    /// # Ok(()) }
    /// ```
    #[doc(
        alias = "SSL_CTX_set_alpn_protos",
        alias = "SSL_CTX_set_alpn_select_cb"
    )]
    pub fn set_alpn_protocols(&self, protocols: &[&str]) -> Result<()> {
        let mut wire = Vec::new();
        for p in protocols {
            if let Some(start) = p.chars().position(|c| !c.is_ascii()) {
                // The ASCII codec reports the whole run of characters it cannot encode.
                let run = p.chars().skip(start).take_while(|c| !c.is_ascii()).count();
                return Err(Error::unicode_encode(
                    "ascii",
                    p,
                    start,
                    start + run,
                    "ordinal not in range(128)",
                ));
            }
            if p.is_empty() || p.len() > 255 {
                return Err(Error::ssl_single(
                    "ALPN protocols must be 1 to 255 in length",
                ));
            }
            wire.push(p.len() as u8);
            wire.extend_from_slice(p.as_bytes());
        }
        let mut core = self.write();
        // rust-openssl took the queue into the `ErrorStack` dropped here.
        if core.ctx.set_alpn_protos(&wire).is_err() {
            return Err(Error::memory(""));
        }
        callbacks::slot_set(&self.slots.alpn, Some(Arc::new(wire)));
        Ok(())
    }

    /// `ctx.set_ecdh_curve(name)`: restrict the key-exchange groups to the one named by its
    /// OpenSSL short name (`"prime256v1"`, `"secp384r1"`, `"X25519"`, ...).
    ///
    /// An unknown name is a `ValueError` quoting the name as Python's `repr()` does.
    ///
    /// ```python
    /// ctx.set_ecdh_curve("prime256v1")
    /// ctx.set_ecdh_curve("nope")   # ValueError: unknown elliptic curve name 'nope'
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// ctx.set_ecdh_curve("prime256v1")?;
    /// let e = ctx.set_ecdh_curve("nope").unwrap_err();
    /// assert_eq!(e.python_type(), "ValueError");
    /// assert_eq!(e.python_str(), "unknown elliptic curve name 'nope'");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set1_groups", alias = "OBJ_sn2nid")]
    pub fn set_ecdh_curve(&self, name: &str) -> Result<()> {
        let c = CString::new(name).map_err(|_| Error::value("embedded null byte"))?;
        let nid = ffi::obj_sn2nid(&c);
        if nid == 0 {
            return Err(Error::value(format!(
                "unknown elliptic curve name {}",
                py_repr_str(name)
            )));
        }
        let mut core = self.write();
        let queue = ffi::ErrQueue::clear();
        match self.profile.ecdh_curve_call {
            EcdhCurveCall::Set1Groups => {
                if !ffi::ctx_set1_group(&queue, &mut core.ctx, nid) {
                    return Err(Error::from_queue(queue, self.profile.mnemonic_table()));
                }
            }
            EcdhCurveCall::TmpEcdh => {
                // EC_KEY_new_by_curve_name, then SSL_CTX_set_tmp_ecdh, whose result CPython
                // ignores.
                let key = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::from_raw(nid))
                    .and_then(|g| openssl::ec::EcKey::from_group(&g))
                    .map_err(|e| Error::from_stack(&e, self.profile.mnemonic_table()))?;
                // Ignored; rust-openssl took the queue into the `ErrorStack`.
                let _ = core.ctx.set_tmp_ecdh(&key);
            }
        }
        Ok(())
    }

    /// `ctx.load_dh_params(path)`: finite-field Diffie-Hellman parameters (PEM) for `DHE`
    /// cipher suites.
    ///
    /// Unlike `load_cert_chain`, a file that cannot be opened is an `OSError` that names the
    /// file, as in CPython, which opens it itself.
    ///
    /// ```python
    /// ctx.load_dh_params("dhparams.pem")
    /// ctx.load_dh_params("missing.pem")   # FileNotFoundError: [Errno 2] ...: 'missing.pem'
    /// ```
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let dhparams = dir.path().join("dhparams.pem");
    /// # std::fs::write(&dhparams, openssl::dh::Dh::get_2048_256()?.params_to_pem()?)?;
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// ctx.load_dh_params(&dhparams)?;
    ///
    /// let e = ctx.load_dh_params("missing.pem").unwrap_err();
    /// assert_eq!(e.python_type(), "FileNotFoundError");
    /// assert_eq!(e.python_str(), "[Errno 2] No such file or directory: 'missing.pem'");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_tmp_dh", alias = "PEM_read_bio_DHparams")]
    pub fn load_dh_params(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        path_cstring(path)?;
        let os = |errno: i32| Error::os_path(errno, path);
        let file =
            std::fs::File::open(path).map_err(|e| os(e.raw_os_error().unwrap_or(libc::EIO)))?;
        let queue = ffi::ErrQueue::clear();
        // Read outside the lock, a line at a time as CPython reads it (an endless file
        // without a PEM block fails at its first line).
        let dh = match ffi::x509::read_dh_params(&queue, file) {
            Ok(dh) => dh,
            Err(ffi::x509::DhFileError::Os(errno)) => {
                queue.discard();
                return Err(os(errno));
            }
            Err(ffi::x509::DhFileError::Decode) => {
                return Err(Error::from_queue(queue, self.profile.mnemonic_table()));
            }
        };
        let mut core = self.write();
        core.ctx
            .set_tmp_dh(&dh)
            .map_err(|e| Error::from_stack(&e, self.profile.mnemonic_table()))
    }

    /// `ctx.keylog_filename`: the file TLS secrets are logged to, if any.
    ///
    /// ```python
    /// ctx.keylog_filename   # None
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert_eq!(ctx.keylog_filename(), None);
    /// # Ok(()) }
    /// ```
    pub fn keylog_filename(&self) -> Option<PathBuf> {
        self.read().keylog_filename.clone()
    }

    /// `ctx.keylog_filename = path`: append the TLS secrets of later handshakes to `path`
    /// in the NSS key log format; `None` stops logging.
    ///
    /// As in CPython, the file is opened (and created) at once, so a bad path fails here with
    /// an `OSError` naming it, and a new or empty file gets CPython's header line.
    ///
    /// ```python
    /// ctx.keylog_filename = "keys.log"
    /// ctx.keylog_filename = None
    /// ```
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let keys_log = dir.path().join("keys.log");
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_keylog_filename(Some(&keys_log))?;
    /// assert_eq!(ctx.keylog_filename().as_deref(), Some(keys_log.as_path()));
    /// assert_eq!(
    ///     std::fs::read_to_string(&keys_log)?,
    ///     "# TLS secrets log file, generated by OpenSSL / Python\n"
    /// );
    /// ctx.set_keylog_filename(None)?;
    /// assert_eq!(ctx.keylog_filename(), None);
    ///
    /// let e = ctx.set_keylog_filename(Some("/nonexistent/keys.log".as_ref())).unwrap_err();
    /// assert_eq!(e.python_str(), "[Errno 2] No such file or directory: '/nonexistent/keys.log'");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_keylog_callback")]
    pub fn set_keylog_filename(&self, path: Option<&Path>) -> Result<()> {
        // The file is opened first, without the lock: opening can block (a FIFO without a
        // reader, a slow file system) and must not stop other threads using the context.
        let opened = path
            .map(|path| {
                path_cstring(path)?;
                callbacks::open_keylog(path)
                    .map_err(|e| Error::os_path(e.raw_os_error().unwrap_or(libc::EIO), path))
            })
            .transpose();
        // CPython drops the old file before it opens the new one, so a failure leaves none.
        let mut core = self.write();
        callbacks::set_keylog(&mut core.ctx, &self.slots, None);
        core.keylog_filename = None;
        let (Some(path), Some(file)) = (path, opened?) else {
            return Ok(());
        };
        callbacks::set_keylog(&mut core.ctx, &self.slots, Some(file));
        core.keylog_filename = Some(path.to_path_buf());
        Ok(())
    }

    /// `ctx.session_stats()`: OpenSSL's session-cache counters (see [`SessionStats`]).
    ///
    /// ```python
    /// ctx.session_stats()["accept"]   # 0
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    /// let stats = ctx.session_stats();
    /// assert!(stats.0.contains(&("accept", 0)));
    /// assert_eq!(stats.0.last(), Some(&("cache_full", 0)));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_sess_number", alias = "SSL_CTX_sess_accept")]
    pub fn session_stats(&self) -> SessionStats {
        self.with_ctx(|c| {
            SessionStats(
                ffi::SESSION_STATS
                    .iter()
                    .map(|(name, op)| (*name, ffi::ctx_session_stat(c, *op)))
                    .collect(),
            )
        })
    }
}

/// CPython 3.15's `SSLError(0, 'unrecognized signature algorithm')` text.
const SIGALG_ERROR: &str = "unrecognized signature algorithm";
