//! Raw X.509 helpers for certificate decoding.
//!
//! `certificate` needs a few OpenSSL calls that rust-openssl does not wrap (the RDN set number
//! of a name entry, the raw type and bytes of a `GENERAL_NAME`, OpenSSL's own printers for
//! serial numbers, times and general names, reading a PEM file by its byte path). Each is
//! exposed here as a small safe function; pointers never leave this file.
//!
//! The symbols declared below exist in every OpenSSL since 1.1.0 and in 3.x unchanged.

use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::ptr;

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::asn1::{Asn1IntegerRef, Asn1ObjectRef, Asn1StringRef, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::x509::{GeneralNameRef, X509, X509NameEntryRef, X509NameRef};
use openssl_sys::{ASN1_INTEGER, ASN1_OBJECT, ASN1_STRING, BIO, GENERAL_NAME, X509_NAME_ENTRY};

unsafe extern "C" {
    // int X509_NAME_ENTRY_set(const X509_NAME_ENTRY *ne);   (OpenSSL >= 1.1.0)
    fn X509_NAME_ENTRY_set(ne: *const X509_NAME_ENTRY) -> c_int;
    // int i2a_ASN1_INTEGER(BIO *bp, const ASN1_INTEGER *a);
    fn i2a_ASN1_INTEGER(bp: *mut BIO, a: *const ASN1_INTEGER) -> c_int;
    // int GENERAL_NAME_print(BIO *out, GENERAL_NAME *gen);
    fn GENERAL_NAME_print(out: *mut BIO, name: *mut GENERAL_NAME) -> c_int;
    // BIO *BIO_new_file(const char *filename, const char *mode);
    fn BIO_new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO;
    // BIO *BIO_new_fp(FILE *stream, int close_flag);
    fn BIO_new_fp(stream: *mut libc::FILE, close_flag: c_int) -> *mut BIO;
    // X509_PUBKEY *X509_get_X509_PUBKEY(const X509 *x);   (OpenSSL >= 1.1.0)
    fn X509_get_X509_PUBKEY(x: *const openssl_sys::X509) -> *mut c_void;
    // int i2d_X509_PUBKEY(const X509_PUBKEY *a, unsigned char **out);
    fn i2d_X509_PUBKEY(a: *const c_void, out: *mut *mut u8) -> c_int;
    // void SSL_CTX_set_cert_verify_callback(SSL_CTX *ctx,
    //     int (*cb)(X509_STORE_CTX *, void *), void *arg);
    fn SSL_CTX_set_cert_verify_callback(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<CertVerifyCallback>,
        arg: *mut c_void,
    );
    // void X509_STORE_CTX_set0_untrusted(X509_STORE_CTX *ctx, STACK_OF(X509) *sk);
    fn X509_STORE_CTX_set0_untrusted(
        ctx: *mut openssl_sys::X509_STORE_CTX,
        sk: *mut openssl_sys::stack_st_X509,
    );
}

/// `int (*cb)(X509_STORE_CTX *, void *)` of `SSL_CTX_set_cert_verify_callback`.
pub(crate) type CertVerifyCallback =
    extern "C" fn(*mut openssl_sys::X509_STORE_CTX, *mut c_void) -> c_int;

/// `SSL_CTX_set_cert_verify_callback(ctx, cb, arg)`: `cb` replaces OpenSSL's call to
/// `X509_verify_cert` when a connection of `ctx` verifies its peer.
///
/// # Safety
/// `arg` must stay valid for as long as `cb` is installed (until it is replaced).
pub(crate) unsafe fn ctx_set_cert_verify_callback(
    ctx: &mut openssl::ssl::SslContextBuilder,
    cb: Option<CertVerifyCallback>,
    arg: *mut c_void,
) {
    // SAFETY: exclusive access to a live SSL_CTX; OpenSSL stores the two pointers, whose
    // validity the caller guarantees.
    unsafe { SSL_CTX_set_cert_verify_callback(ctx.as_ptr(), cb, arg) }
}

/// `X509_STORE_CTX_set0_untrusted(ctx, sk)`.
///
/// # Safety
/// `ctx` must be a live store context and `sk` a stack that outlives its use of it.
pub(crate) unsafe fn store_ctx_set0_untrusted(
    ctx: *mut openssl_sys::X509_STORE_CTX,
    sk: *mut openssl_sys::stack_st_X509,
) {
    // SAFETY: the caller's contract; the store context borrows the stack (set0, not owned).
    unsafe { X509_STORE_CTX_set0_untrusted(ctx, sk) }
}

/// The certificate's `SubjectPublicKeyInfo` as DER, re-encoded from its `X509_PUBKEY`
/// (`i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert))`, the bytes CPython's denylist hashes).
/// `None` when OpenSSL cannot encode it.
pub(crate) fn spki_der(cert: &openssl::x509::X509Ref) -> Option<Vec<u8>> {
    // SAFETY: `cert` is a live X509 for the borrow; X509_get_X509_PUBKEY returns an internal
    // pointer (not owned, valid as long as the certificate), checked for NULL.
    let pubkey = unsafe { X509_get_X509_PUBKEY(cert.as_ptr()) };
    if pubkey.is_null() {
        return None;
    }
    // SAFETY: a NULL output pointer asks only for the encoded length.
    let len = unsafe { i2d_X509_PUBKEY(pubkey, ptr::null_mut()) };
    let len = usize::try_from(len).ok().filter(|&n| n > 0)?;
    let mut out = vec![0u8; len];
    let mut p = out.as_mut_ptr();
    // SAFETY: `out` has exactly the `len` bytes the first call asked for; i2d writes at most
    // that many and advances `p` (a local copy).
    let written = unsafe { i2d_X509_PUBKEY(pubkey, &mut p) };
    (usize::try_from(written).ok() == Some(len)).then_some(out)
}

/// `GEN_*` codes of a `GENERAL_NAME` (`include/openssl/x509v3.h`).
/// The rest (`GEN_OTHERNAME`, `GEN_X400`, `GEN_EDIPARTY`) is handled by OpenSSL's printer.
pub(crate) use openssl_sys::{GEN_DIRNAME, GEN_DNS, GEN_EMAIL, GEN_IPADD, GEN_RID, GEN_URI};

// `V_ASN1_BIT_STRING`, the ASN.1 type whose name-entry values CPython keeps as `bytes`.
pub(crate) use openssl_sys::V_ASN1_BIT_STRING;

/// A borrowed byte view of C memory that tolerates NULL (and non-positive lengths) by
/// returning an empty slice, so no caller ever builds a slice from a NULL pointer.
///
/// # Safety
///
/// When `data` is not NULL and `len > 0`, `data` must point to `len` readable bytes that
/// stay alive and unmodified for `'a`.
unsafe fn bytes_from_raw<'a>(data: *const u8, len: c_long) -> &'a [u8] {
    match usize::try_from(len) {
        Ok(n) if n > 0 && !data.is_null() => {
            // SAFETY: non-NULL and positive length were just checked; the caller vouches
            // for validity and lifetime.
            unsafe { std::slice::from_raw_parts(data, n) }
        }
        _ => &[],
    }
}

/// A BIO that frees itself.
pub(super) struct OwnedBio(pub(super) *mut BIO);

impl Drop for OwnedBio {
    fn drop(&mut self) {
        // SAFETY: self.0 came from BIO_new / BIO_new_file and is freed exactly once, here.
        unsafe { openssl_sys::BIO_free_all(self.0) }
    }
}

/// A memory BIO.
struct MemBio(OwnedBio);

impl MemBio {
    fn new() -> Result<MemBio, ErrorStack> {
        // SAFETY: BIO_s_mem returns a static method table; BIO_new allocates a fresh BIO
        // or returns NULL, which is checked.
        let bio = unsafe { openssl_sys::BIO_new(openssl_sys::BIO_s_mem()) };
        if bio.is_null() {
            return Err(ErrorStack::get());
        }
        Ok(MemBio(OwnedBio(bio)))
    }

    fn as_ptr(&self) -> *mut BIO {
        self.0.0
    }

    /// Everything written so far.
    fn contents(&self) -> Vec<u8> {
        let mut data: *mut c_char = ptr::null_mut();
        // SAFETY: self.0 is a live memory BIO; BIO_get_mem_data stores a pointer to its
        // internal buffer (valid until the next write) and returns its length.
        let len = unsafe { openssl_sys::BIO_get_mem_data(self.as_ptr(), &mut data) };
        // SAFETY: the buffer holds `len` bytes and is copied before any further BIO call.
        unsafe { bytes_from_raw(data.cast::<u8>(), len) }.to_vec()
    }
}

/// Runs one OpenSSL printer into a fresh memory BIO and returns all it wrote. The printer's
/// own return value is ignored, as CPython ignores it (a failed time print still leaves
/// "Bad time value" in the BIO).
fn print_with(printer: impl FnOnce(*mut BIO)) -> Result<Vec<u8>, ErrorStack> {
    let bio = MemBio::new()?;
    printer(bio.as_ptr());
    Ok(bio.contents())
}

/// `X509_NAME_ENTRY_set()`: the index of the RDN this entry belongs to. Entries of one
/// multi-valued RDN share the number.
pub(crate) fn name_entry_set(entry: &X509NameEntryRef) -> i32 {
    // SAFETY: entry is a live X509_NAME_ENTRY borrowed from its name; the call only reads it.
    unsafe { X509_NAME_ENTRY_set(entry.as_ptr()) }
}

/// `ASN1_STRING_type()`.
pub(crate) fn asn1_string_type(value: &Asn1StringRef) -> i32 {
    // SAFETY: value is a live ASN1_STRING; the call only reads its type field.
    unsafe { openssl_sys::ASN1_STRING_type(value.as_ptr()) }
}

/// `ASN1_STRING_to_UTF8()` keeping every byte (embedded NULs included). On failure the
/// OpenSSL error queue (cleared first) is returned.
pub(crate) fn asn1_string_to_utf8(value: &Asn1StringRef) -> Result<Vec<u8>, ErrorStack> {
    // SAFETY: clearing the calling thread's error queue has no preconditions.
    unsafe { openssl_sys::ERR_clear_error() };
    let mut out: *mut u8 = ptr::null_mut();
    // SAFETY: value is a live ASN1_STRING; on success OpenSSL stores a fresh allocation of
    // `len` bytes in `out`, which we own.
    let len = unsafe { openssl_sys::ASN1_STRING_to_UTF8(&mut out, value.as_ptr()) };
    if len < 0 {
        return Err(ErrorStack::get());
    }
    // SAFETY: `out` holds `len` bytes (or is NULL for an empty result).
    let bytes = unsafe { bytes_from_raw(out, c_long::from(len)) }.to_vec();
    if !out.is_null() {
        // SAFETY: `out` was allocated by OpenSSL for us and is freed once.
        unsafe { openssl_sys::OPENSSL_free(out.cast::<c_void>()) };
    }
    Ok(bytes)
}

/// `OBJ_obj2txt(obj, no_name)` at full length: the long name (or short name) when OpenSSL
/// knows the object and `no_name` is false, else the dotted OID. Error: the queue.
pub(crate) fn obj2txt(obj: &Asn1ObjectRef, no_name: bool) -> Result<Vec<u8>, ErrorStack> {
    obj2txt_raw(obj.as_ptr(), no_name)
}

fn obj2txt_raw(obj: *const ASN1_OBJECT, no_name: bool) -> Result<Vec<u8>, ErrorStack> {
    // SAFETY: clearing the calling thread's error queue has no preconditions.
    unsafe { openssl_sys::ERR_clear_error() };
    let flag = c_int::from(no_name);
    // SAFETY: obj is a live ASN1_OBJECT (callers pass borrowed objects); with a NULL buffer
    // and size 0 OpenSSL only computes the length.
    let needed = unsafe { openssl_sys::OBJ_obj2txt(ptr::null_mut(), 0, obj, flag) };
    let Ok(len) = usize::try_from(needed) else {
        return Err(ErrorStack::get());
    };
    let mut buf = vec![0u8; len + 1];
    let size = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: buf has `size` writable bytes; OpenSSL writes at most size-1 bytes plus NUL.
    let written =
        unsafe { openssl_sys::OBJ_obj2txt(buf.as_mut_ptr().cast::<c_char>(), size, obj, flag) };
    let Ok(written) = usize::try_from(written) else {
        return Err(ErrorStack::get());
    };
    buf.truncate(written.min(len));
    Ok(buf)
}

/// What `i2a_ASN1_INTEGER` prints for `value`: uppercase hex pairs, a leading `-` when
/// negative, `"\\\n"` inserted every 35 bytes.
pub(crate) fn integer_text(value: &Asn1IntegerRef) -> Result<Vec<u8>, ErrorStack> {
    print_with(|bio| {
        // SAFETY: bio is a live memory BIO owned by print_with; value is a live ASN1_INTEGER.
        unsafe { i2a_ASN1_INTEGER(bio, value.as_ptr()) };
    })
}

/// What `ASN1_TIME_print` prints for `value` (`"Aug  7 13:12:52 2013 GMT"`, or
/// `"Bad time value"` for an unreadable time).
pub(crate) fn time_text(value: &Asn1TimeRef) -> Result<Vec<u8>, ErrorStack> {
    print_with(|bio| {
        // SAFETY: bio is a live memory BIO owned by print_with; value is a live ASN1_TIME.
        unsafe { openssl_sys::ASN1_TIME_print(bio, value.as_ptr()) };
    })
}

/// The payload of one `GENERAL_NAME`, by its `GEN_*` type.
pub(crate) enum GeneralNameData<'a> {
    /// `GEN_EMAIL`, `GEN_DNS`, `GEN_URI` (IA5String) and `GEN_IPADD` (OCTET STRING): raw bytes.
    Bytes(&'a [u8]),
    /// `GEN_DIRNAME`.
    DirName(&'a X509NameRef),
    /// `GEN_RID`: `OBJ_obj2txt(oid, 0)` text at full length.
    Rid(Vec<u8>),
    /// Anything else (`GEN_OTHERNAME`, `GEN_X400`, `GEN_EDIPARTY`, unknown types), or a
    /// name whose payload pointer is NULL.
    Other,
}

/// The `GEN_*` type of a general name.
pub(crate) fn general_name_type(name: &GeneralNameRef) -> i32 {
    // SAFETY: name points to a live GENERAL_NAME; reading its type field is always valid.
    unsafe { (*name.as_ptr()).type_ }
}

/// The payload of a general name, interpreted by its type as OpenSSL's union is.
pub(crate) fn general_name_data(name: &GeneralNameRef) -> Result<GeneralNameData<'_>, ErrorStack> {
    let ty = general_name_type(name);
    // SAFETY: name is a live GENERAL_NAME; `d` is the union pointer OpenSSL filled in.
    let d = unsafe { (*name.as_ptr()).d };
    if d.is_null() {
        return Ok(GeneralNameData::Other);
    }
    Ok(match ty {
        GEN_EMAIL | GEN_DNS | GEN_URI | GEN_IPADD => {
            let s = d.cast::<ASN1_STRING>();
            // SAFETY: for these types the union member is an ASN1_STRING owned by `name`.
            let (data, len) = unsafe {
                (
                    openssl_sys::ASN1_STRING_get0_data(s),
                    openssl_sys::ASN1_STRING_length(s),
                )
            };
            // SAFETY: the string's buffer has `len` bytes and lives as long as `name`.
            GeneralNameData::Bytes(unsafe { bytes_from_raw(data, c_long::from(len)) })
        }
        GEN_DIRNAME => {
            // SAFETY: for GEN_DIRNAME the union member is an X509_NAME owned by `name`,
            // non-NULL as checked above.
            GeneralNameData::DirName(unsafe { X509NameRef::from_ptr(d.cast()) })
        }
        GEN_RID => GeneralNameData::Rid(obj2txt_raw(d.cast::<ASN1_OBJECT>(), false)?),
        _ => GeneralNameData::Other,
    })
}

/// What `GENERAL_NAME_print` writes for `name` (`"othername:<unsupported>"`, ...).
pub(crate) fn general_name_print(name: &GeneralNameRef) -> Result<Vec<u8>, ErrorStack> {
    print_with(|bio| {
        // SAFETY: bio is a live memory BIO; GENERAL_NAME_print only reads `name` despite
        // its non-const prototype.
        unsafe { GENERAL_NAME_print(bio, name.as_ptr()) };
    })
}

/// Why [`read_first_pem_cert`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PemFileError {
    /// `BIO_new_file(path, "r")` failed (missing file, no permission, ...).
    Open,
    /// The file holds no readable `CERTIFICATE` PEM block.
    Decode,
}

/// Opens `path` with `BIO_new_file(path, "r")` and reads its first certificate with
/// `PEM_read_bio_X509`, as `_ssl._test_decode_cert` does. Leaves the error queue clean.
pub(crate) fn read_first_pem_cert(path: &CStr) -> Result<X509, PemFileError> {
    // SAFETY: both arguments are NUL-terminated C strings that outlive the call.
    let bio = unsafe { BIO_new_file(path.as_ptr(), c"r".as_ptr()) };
    if bio.is_null() {
        // SAFETY: clearing the calling thread's error queue has no preconditions.
        unsafe { openssl_sys::ERR_clear_error() };
        return Err(PemFileError::Open);
    }
    let bio = OwnedBio(bio);
    // SAFETY: bio.0 is a live file BIO; no password callback is given; the result is an
    // owned X509 or NULL.
    let cert =
        unsafe { openssl_sys::PEM_read_bio_X509(bio.0, ptr::null_mut(), None, ptr::null_mut()) };
    // SAFETY: clearing the calling thread's error queue has no preconditions.
    unsafe { openssl_sys::ERR_clear_error() };
    if cert.is_null() {
        return Err(PemFileError::Decode);
    }
    // SAFETY: PEM_read_bio_X509 returned a fresh X509 whose ownership we take.
    Ok(unsafe { X509::from_ptr(cert) })
}

/// A BIO reading the opened `file` through C stdio (`fdopen` + `BIO_new_fp`, closed with
/// the BIO), as OpenSSL's file BIOs read: no second `open` of the path, which for a FIFO
/// would wait for another writer. `Err(errno)` if `fdopen` failed, `Err(0)` if the BIO could
/// not be made (the queue says why).
pub(super) fn file_bio(file: std::fs::File) -> Result<OwnedBio, i32> {
    use std::os::fd::IntoRawFd;
    let fd = file.into_raw_fd();
    // SAFETY: fd is an open descriptor we own; on success the FILE takes it over.
    let fp = unsafe { libc::fdopen(fd, c"rb".as_ptr()) };
    if fp.is_null() {
        let errno = super::errno_get();
        // SAFETY: fdopen failed, so the descriptor is still ours to close.
        unsafe { libc::close(fd) };
        return Err(errno);
    }
    // SAFETY: fp is a live FILE; with BIO_CLOSE the BIO closes it when freed.
    let bio = unsafe { BIO_new_fp(fp, 1) };
    if bio.is_null() {
        // SAFETY: the BIO was not made, so the FILE is still ours to close.
        unsafe { libc::fclose(fp) };
        return Err(0);
    }
    Ok(OwnedBio(bio))
}

/// Why [`read_dh_params`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DhFileError {
    /// A read of the file failed with this `errno` (a directory: `EISDIR`).
    Os(i32),
    /// OpenSSL could not decode parameters; its error queue says why.
    Decode,
}

/// `PEM_read_DHparams` on the opened `file`, read through C stdio as CPython reads it: the
/// PEM reader takes a line at a time, so a file without a PEM block fails at its first line
/// (`/dev/zero` at once, with `NO_START_LINE`) instead of being read whole. As in CPython,
/// `errno` after the read *and the `fclose`* decides first: set, it is the error (glibc 2.43's
/// `fclose` of `/dev/zero` leaves `ESPIPE`; 2.36's leaves nothing).
pub(crate) fn read_dh_params(
    _queue: &super::ErrQueue,
    file: std::fs::File,
) -> Result<openssl::dh::Dh<openssl::pkey::Params>, DhFileError> {
    let bio = match file_bio(file) {
        Ok(bio) => bio,
        Err(0) => return Err(DhFileError::Decode),
        Err(errno) => return Err(DhFileError::Os(errno)),
    };
    // Cleared so that only this read's failure is seen.
    super::errno_clear();
    // SAFETY: bio.0 is a live file BIO; no password callback; the result is owned or NULL.
    let dh = unsafe {
        openssl_sys::PEM_read_bio_DHparams(bio.0, ptr::null_mut(), None, ptr::null_mut())
    };
    drop(bio); // fclose
    let errno = super::errno_get();
    if dh.is_null() {
        return Err(if errno != 0 {
            DhFileError::Os(errno)
        } else {
            DhFileError::Decode
        });
    }
    // SAFETY: PEM_read_bio_DHparams returned a fresh DH whose ownership we take.
    Ok(unsafe { openssl::dh::Dh::from_ptr(dh) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_symbols_link_and_answer() {
        // Calls each symbol of the extern block once (the "systest" of this file).
        let obj = openssl::asn1::Asn1Object::from_str("2.5.4.3").unwrap();
        assert_eq!(obj2txt(&obj, false).unwrap(), b"commonName");
        assert_eq!(obj2txt(&obj, true).unwrap(), b"2.5.4.3");
        let n = openssl::bn::BigNum::from_u32(0x1234).unwrap();
        let i = n.to_asn1_integer().unwrap();
        assert_eq!(integer_text(&i).unwrap(), b"1234");
        let mut b = openssl::x509::X509NameBuilder::new().unwrap();
        b.append_entry_by_text("CN", "x").unwrap();
        let name = b.build();
        let entry = name.entries().next().unwrap();
        assert_eq!(name_entry_set(entry), 0);
        assert_eq!(
            read_first_pem_cert(c"/nonexistent/x.pem").unwrap_err(),
            PemFileError::Open
        );
        assert_eq!(
            read_first_pem_cert(c"/dev/null").unwrap_err(),
            PemFileError::Decode
        );
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let queue = crate::ffi::ErrQueue::clear();
        assert!(matches!(
            read_dh_params(&queue, zero),
            Err(DhFileError::Decode)
        ));
        queue.discard();
        let mut cert = X509::builder().unwrap();
        let san = openssl::x509::extension::SubjectAlternativeName::new()
            .email("a@b")
            .build(&cert.x509v3_context(None, None))
            .unwrap();
        cert.append_extension(san).unwrap();
        let cert = cert.build();
        let names = cert.subject_alt_names().unwrap();
        let gn = names.get(0).unwrap();
        assert_eq!(general_name_type(gn), GEN_EMAIL);
        assert_eq!(general_name_print(gn).unwrap(), b"email:a@b");
        assert!(matches!(
            general_name_data(gn).unwrap(),
            GeneralNameData::Bytes(b"a@b")
        ));
    }
}
