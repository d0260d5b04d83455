//! The trust store of an [`SslContext`]: loading CA certificates and reading them back.

use std::path::Path;

use openssl::ssl::SslContextBuilder;

use super::{CaData, CertStoreStats, SslContext};
use crate::certificate::{CertificateDict, decode_certificate_as};
use crate::constants::Purpose;
use crate::error::{Error, ErrorKind, MnemonicTable, Result};
use crate::ffi;
use crate::store;

/// `ERR_LIB_X509` (err.h).
const ERR_LIB_X509: i32 = 11;
/// `X509_R_CERT_ALREADY_IN_HASH_TABLE` (x509err.h).
const X509_R_CERT_ALREADY_IN_HASH_TABLE: i32 = 101;
// `ASN1_R_HEADER_TOO_LONG` (asn1err.h).
use openssl_sys::ASN1_R_HEADER_TOO_LONG;

/// Give the context a store of its own before adding to it (copy-on-write of a shared default
/// store, see [`crate::store`]). The caller holds the write lock.
fn own_store(ctx: &mut SslContextBuilder, table: MnemonicTable) -> Result<()> {
    let queue = ffi::ErrQueue::clear();
    if store::make_private(&queue, ctx) {
        Ok(())
    } else {
        Err(Error::from_queue(queue, table))
    }
}

impl SslContext {
    /// `ctx.load_verify_locations(cafile, capath, cadata)`: add CA certificates to the store.
    ///
    /// Reproduces CPython's order and error handling: `cadata` is loaded first, then the
    /// files; omitting all three is a `TypeError`; a certificate already in the store is
    /// skipped silently; certificates loaded before a bad block stay loaded; a missing file is
    /// an `OSError` from `errno` that, unlike most, names no file.
    ///
    /// ```python
    /// ctx.load_verify_locations(cadata=ca_pem)
    /// ctx.load_verify_locations(cadata=ca_pem)   # again: no error, still one CA
    /// ctx.load_verify_locations("missing.pem")    # FileNotFoundError: [Errno 2] ...
    /// ```
    /// ```
    /// # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
    /// # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
    /// # use openssl::x509::extension::BasicConstraints;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    /// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    /// # let mut name = X509NameBuilder::new()?;
    /// # name.append_entry_by_text("CN", "Example CA")?;
    /// # let name = name.build();
    /// # let mut ca = X509::builder()?;
    /// # ca.set_version(2)?;
    /// # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
    /// # ca.set_subject_name(&name)?;
    /// # ca.set_issuer_name(&name)?;
    /// # ca.set_pubkey(&key)?;
    /// # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    /// # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    /// # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    /// # ca.sign(&key, MessageDigest::sha256())?;
    /// # let ca_pem = String::from_utf8(ca.build().to_pem()?)?;
    /// use pyssl::{CaData, PROTOCOL_TLS_CLIENT, SslContext};
    ///
    /// let ctx = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// ctx.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))?;
    /// ctx.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))?;
    /// assert_eq!(ctx.cert_store_stats().x509_ca, 1);
    ///
    /// let e = ctx.load_verify_locations(Some("missing.pem".as_ref()), None, None).unwrap_err();
    /// assert_eq!(e.python_type(), "FileNotFoundError");
    /// assert_eq!(e.python_str(), "[Errno 2] No such file or directory");
    ///
    /// let e = ctx.load_verify_locations(None, None, None).unwrap_err();
    /// assert_eq!(e.python_str(), "cafile, capath and cadata cannot be all omitted");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_load_verify_locations", alias = "X509_STORE_add_cert")]
    pub fn load_verify_locations(
        &self,
        cafile: Option<&Path>,
        capath: Option<&Path>,
        cadata: Option<CaData<'_>>,
    ) -> Result<()> {
        if cafile.is_none() && capath.is_none() && cadata.is_none() {
            return Err(Error::type_error(
                "cafile, capath and cadata cannot be all omitted",
            ));
        }
        let cafile = cafile.map(|p| self.path_arg(p, "cafile")).transpose()?;
        let capath = capath.map(|p| self.path_arg(p, "capath")).transpose()?;
        let table = self.profile.mnemonic_table();
        if let Some(data) = cadata {
            let (bytes, pem) = match data {
                CaData::Pem(s) if !s.is_ascii() => {
                    return Err(Error::type_error(
                        "cadata should be an ASCII string or a bytes-like object",
                    ));
                }
                CaData::Pem(s) => (s.as_bytes(), true),
                CaData::Der(b) => (b, false),
            };
            self.add_ca_certs(&mut self.write().ctx, bytes, pem)?;
        }
        if cafile.is_none() && capath.is_none() {
            return Ok(());
        }
        // The file is opened, read and parsed before the lock is taken (see
        // `store::load_file_objects`): a FIFO or a slow file system blocks this call only.
        // CPython reads errno right after the load, so its error is taken here too.
        let (objects, cafile_error) = match &cafile {
            Some(file) => {
                let queue = ffi::ErrQueue::clear_with_errno();
                let (objects, ok) = store::load_file_objects(&queue, file);
                (objects, (!ok).then(|| Error::from_file_call(queue, table)))
            }
            None => (Vec::new(), None),
        };
        let mut core = self.write();
        own_store(&mut core.ctx, table)?;
        let queue = ffi::ErrQueue::clear();
        // What the load added before any failure stays added, as in CPython.
        if !store::add_objects(&queue, &core.ctx, &objects) {
            return Err(Error::from_queue(queue, table));
        }
        if let Some(e) = cafile_error {
            return Err(e);
        }
        // A directory is only noted here (OpenSSL searches it during verification).
        ffi::errno_clear();
        if capath.is_some()
            && !ffi::ctx_load_verify_locations(&queue, &mut core.ctx, None, capath.as_ref())
        {
            return Err(Error::from_file_call(queue, table));
        }
        Ok(())
    }

    /// CPython's `_add_ca_certs`: load every certificate of `data` into the store.
    fn add_ca_certs(&self, ctx: &mut SslContextBuilder, data: &[u8], pem: bool) -> Result<()> {
        if data.is_empty() {
            return Err(Error::value("Empty certificate data"));
        }
        let Some(mut bio) = ffi::MemBio::new(data) else {
            return Err(Error::overflow("Certificate data is too long."));
        };
        let strict = !pem && self.profile.der_cadata_strict_eof;
        own_store(ctx, self.profile.mnemonic_table())?;
        let queue = ffi::ErrQueue::clear();
        let mut loaded = 0usize;
        let mut hit_eof = false;
        loop {
            if strict && bio.eof() {
                hit_eof = true;
                break;
            }
            let cert = if pem {
                bio.read_pem_x509()
            } else {
                bio.read_der_x509()
            };
            let Some(cert) = cert else { break };
            if !ffi::ctx_store_add_cert(&queue, ctx, &cert) {
                let err = queue.peek_last();
                let lib = openssl_sys::ERR_GET_LIB(err as _);
                let reason = openssl_sys::ERR_GET_REASON(err as _);
                if lib == ERR_LIB_X509 && reason == X509_R_CERT_ALREADY_IN_HASH_TABLE {
                    queue.reset();
                } else {
                    break;
                }
            }
            loaded += 1;
        }
        let err = queue.peek_last();
        let lib = openssl_sys::ERR_GET_LIB(err as _);
        let reason = openssl_sys::ERR_GET_REASON(err as _);
        let explicit = self.profile.cadata_explicit_errors;
        if loaded == 0 && explicit {
            queue.discard();
            let msg = if pem {
                "no start line: cadata does not contain a certificate"
            } else {
                "not enough data: cadata does not contain a certificate"
            };
            return Err(Error::ssl_with_errno(ErrorKind::Ssl, 0, msg));
        }
        let clean_end = if pem {
            lib == openssl_sys::ERR_LIB_PEM && reason == openssl_sys::PEM_R_NO_START_LINE
        } else if strict {
            hit_eof
        } else {
            lib == openssl_sys::ERR_LIB_ASN1 && reason == ASN1_R_HEADER_TOO_LONG
        };
        // 3.7 accepts only a load that ended on its end-of-data error; 3.8+ also one that
        // left the queue empty.
        if loaded > 0 && (clean_end || (err == 0 && explicit)) {
            queue.discard();
            Ok(())
        } else {
            Err(Error::from_queue(queue, self.profile.mnemonic_table()))
        }
    }

    /// `ctx.load_default_certs(purpose)`: load the system's CA certificates.
    ///
    /// On Linux CPython ignores `purpose` (it matters only for the Windows system stores) and
    /// calls [`set_default_verify_paths`](Self::set_default_verify_paths); so does pyssl.
    ///
    /// ```python
    /// ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.load_default_certs(pyssl::Purpose::SERVER_AUTH)?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_default_verify_paths")]
    pub fn load_default_certs(&self, _purpose: Purpose) -> Result<()> {
        self.set_default_verify_paths()
    }

    /// `ctx.set_default_verify_paths()`: point the store at OpenSSL's default CA file and
    /// directory, or at the `SSL_CERT_FILE` / `SSL_CERT_DIR` environment variables when set.
    ///
    /// As in CPython, a missing default file or directory is not an error; the store then
    /// simply stays as it was.
    ///
    /// ```python
    /// ctx.set_default_verify_paths()
    /// ```
    /// ```
    /// # fn main() -> Result<(), pyssl::Error> {
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.set_default_verify_paths()?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SSL_CTX_set_default_verify_paths")]
    pub fn set_default_verify_paths(&self) -> Result<()> {
        let queue = ffi::ErrQueue::clear();
        // The bundle is read (if no context read it before) without the context's lock.
        let prepared = store::prepare_default_paths();
        let mut core = self.write();
        if !store::load_default_paths(&queue, &mut core.ctx, prepared) {
            return Err(Error::from_queue(queue, self.profile.mnemonic_table()));
        }
        Ok(())
    }

    /// `ctx.cert_store_stats()`: how many certificates, CA certificates and CRLs the store
    /// holds (see [`CertStoreStats`]).
    ///
    /// ```python
    /// ctx.load_verify_locations(cadata=ca_pem)
    /// ctx.cert_store_stats()   # {'x509': 1, 'crl': 0, 'x509_ca': 1}
    /// ```
    /// ```
    /// # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
    /// # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
    /// # use openssl::x509::extension::BasicConstraints;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    /// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    /// # let mut name = X509NameBuilder::new()?;
    /// # name.append_entry_by_text("CN", "Example CA")?;
    /// # let name = name.build();
    /// # let mut ca = X509::builder()?;
    /// # ca.set_version(2)?;
    /// # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
    /// # ca.set_subject_name(&name)?;
    /// # ca.set_issuer_name(&name)?;
    /// # ca.set_pubkey(&key)?;
    /// # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    /// # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    /// # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    /// # ca.sign(&key, MessageDigest::sha256())?;
    /// # let ca_pem = String::from_utf8(ca.build().to_pem()?)?;
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// ctx.load_verify_locations(None, None, Some(pyssl::CaData::Pem(&ca_pem)))?;
    /// let stats = ctx.cert_store_stats();
    /// assert_eq!(stats.to_py().python_repr(), "{'x509': 1, 'crl': 0, 'x509_ca': 1}");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_STORE_get0_objects", alias = "X509_check_ca")]
    pub fn cert_store_stats(&self) -> CertStoreStats {
        self.with_ctx(store::stats)
    }

    fn ca_certs(&self) -> Vec<openssl::x509::X509> {
        self.with_ctx(store::ca_certificates)
    }

    /// `ctx.get_ca_certs()`: the CA certificates of the store, decoded into Python's
    /// certificate dicts.
    ///
    /// Like CPython, only certificates that are CAs (by `X509_check_ca`) are listed, and
    /// certificates a `capath` directory has not yet supplied to a handshake are not.
    ///
    /// ```python
    /// ctx.load_verify_locations(cadata=ca_pem)
    /// ctx.get_ca_certs()[0]["subject"]   # ((('commonName', 'Example CA'),),)
    /// ```
    /// ```
    /// # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
    /// # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
    /// # use openssl::x509::extension::BasicConstraints;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    /// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    /// # let mut name = X509NameBuilder::new()?;
    /// # name.append_entry_by_text("CN", "Example CA")?;
    /// # let name = name.build();
    /// # let mut ca = X509::builder()?;
    /// # ca.set_version(2)?;
    /// # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
    /// # ca.set_subject_name(&name)?;
    /// # ca.set_issuer_name(&name)?;
    /// # ca.set_pubkey(&key)?;
    /// # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    /// # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    /// # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    /// # ca.sign(&key, MessageDigest::sha256())?;
    /// # let ca_pem = String::from_utf8(ca.build().to_pem()?)?;
    /// let ctx = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_CLIENT)?;
    /// assert!(ctx.get_ca_certs()?.is_empty());
    /// ctx.load_verify_locations(None, None, Some(pyssl::CaData::Pem(&ca_pem)))?;
    /// let certs = ctx.get_ca_certs()?;
    /// assert_eq!(certs.len(), 1);
    /// let subject = certs[0].to_py().get("subject").map(|s| s.python_repr());
    /// assert_eq!(subject.as_deref(), Some("((('commonName', 'Example CA'),),)"));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_STORE_get0_objects")]
    pub fn get_ca_certs(&self) -> Result<Vec<CertificateDict>> {
        self.ca_certs()
            .iter()
            .map(|x| decode_certificate_as(x, self.profile))
            .collect()
    }

    /// `ctx.get_ca_certs(binary_form=True)`: the same certificates as
    /// [`get_ca_certs`](Self::get_ca_certs), as DER bytes.
    ///
    /// ```python
    /// ders = ctx.get_ca_certs(binary_form=True)
    /// other.load_verify_locations(cadata=ders[0])
    /// ```
    /// ```
    /// # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
    /// # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
    /// # use openssl::x509::extension::BasicConstraints;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    /// # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    /// # let mut name = X509NameBuilder::new()?;
    /// # name.append_entry_by_text("CN", "Example CA")?;
    /// # let name = name.build();
    /// # let mut ca = X509::builder()?;
    /// # ca.set_version(2)?;
    /// # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
    /// # ca.set_subject_name(&name)?;
    /// # ca.set_issuer_name(&name)?;
    /// # ca.set_pubkey(&key)?;
    /// # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    /// # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    /// # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    /// # ca.sign(&key, MessageDigest::sha256())?;
    /// # let ca = ca.build();
    /// # let ca_pem = String::from_utf8(ca.to_pem()?)?;
    /// use pyssl::{CaData, PROTOCOL_TLS_CLIENT, SslContext};
    ///
    /// let ctx = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// ctx.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))?;
    /// let ders = ctx.get_ca_certs_der()?;
    /// assert_eq!(ders, vec![ca.to_der()?]);
    ///
    /// let other = SslContext::new(PROTOCOL_TLS_CLIENT)?;
    /// other.load_verify_locations(None, None, Some(CaData::Der(&ders[0])))?;
    /// assert_eq!(other.cert_store_stats().x509_ca, 1);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "X509_STORE_get0_objects", alias = "i2d_X509")]
    pub fn get_ca_certs_der(&self) -> Result<Vec<Vec<u8>>> {
        self.ca_certs()
            .iter()
            .map(|x| {
                x.to_der()
                    .map_err(|e| Error::from_stack(&e, self.profile.mnemonic_table()))
            })
            .collect()
    }
}
