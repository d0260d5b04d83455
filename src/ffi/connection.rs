//! Raw per-connection (`SSL`) calls that rust-openssl does not wrap, each behind a small safe
//! function used by [`crate::connection`].
//!
//! Functions that change an `SSL` take `&mut SslRef` (exclusive access to it). The symbols
//! declared below exist in OpenSSL 1.1.1 and 3.x.

use std::ffi::{CStr, CString, c_int, c_long, c_uint, c_void};
use std::ptr;

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::error::ErrorStack;
use openssl::ssl::{Ssl, SslContextRef, SslRef, SslSessionRef};
use openssl_sys as sys;

// SAFETY: these declarations match the C prototypes in OpenSSL 1.1.1 and 3.x (ssl.h,
// x509v3.h); libssl and libcrypto are linked by openssl-sys.
unsafe extern "C" {
    /// `int SSL_in_init(const SSL *s);` (1.1.0+)
    fn SSL_in_init(s: *const sys::SSL) -> c_int;
    /// `void SSL_set_post_handshake_auth(SSL *ssl, int val);` (1.1.1+)
    fn SSL_set_post_handshake_auth(ssl: *mut sys::SSL, val: c_int);
    /// `int SSL_verify_client_post_handshake(SSL *ssl);` (1.1.1+)
    fn SSL_verify_client_post_handshake(ssl: *mut sys::SSL) -> c_int;
    /// `STACK_OF(SSL_CIPHER) *SSL_get_client_ciphers(const SSL *ssl);` (1.1.0+)
    fn SSL_get_client_ciphers(ssl: *const sys::SSL) -> *mut sys::stack_st_SSL_CIPHER;
    /// `STACK_OF(SSL_CIPHER) *SSL_get_ciphers(const SSL *s);`
    fn SSL_get_ciphers(s: *const sys::SSL) -> *mut sys::stack_st_SSL_CIPHER;
    /// `ASN1_OCTET_STRING *a2i_IPADDRESS(const char *ipasc);`
    fn a2i_IPADDRESS(ipasc: *const std::ffi::c_char) -> *mut sys::ASN1_OCTET_STRING;
    /// `void ASN1_OCTET_STRING_free(ASN1_OCTET_STRING *a);`
    fn ASN1_OCTET_STRING_free(a: *mut sys::ASN1_OCTET_STRING);
    /// `int SSL_SESSION_has_ticket(const SSL_SESSION *s);` (1.1.1+)
    fn SSL_SESSION_has_ticket(s: *const sys::SSL_SESSION) -> c_int;
    /// `unsigned long SSL_SESSION_get_ticket_lifetime_hint(const SSL_SESSION *s);` (1.1.1+)
    fn SSL_SESSION_get_ticket_lifetime_hint(s: *const sys::SSL_SESSION) -> std::ffi::c_ulong;
    /// `int SSL_set_session_id_context(SSL *ssl, const unsigned char *sid_ctx,
    ///  unsigned int sid_ctx_len);`
    fn SSL_set_session_id_context(ssl: *mut sys::SSL, sid: *const u8, len: c_uint) -> c_int;
    /// `uint64_t SSL_get_options(const SSL *s);` (3.0+; `unsigned long` in 1.1.1)
    fn SSL_get_options(s: *const sys::SSL) -> u64;
    /// `uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c);`
    fn SSL_CIPHER_get_id(c: *const sys::SSL_CIPHER) -> u32;
    /// `SSL *SSL_dup(SSL *s);`
    fn SSL_dup(s: *mut sys::SSL) -> *mut sys::SSL;
    /// `char *X509_VERIFY_PARAM_get0_host(X509_VERIFY_PARAM *param, int idx);` (1.1.0+)
    fn X509_VERIFY_PARAM_get0_host(
        param: *mut sys::X509_VERIFY_PARAM,
        idx: c_int,
    ) -> *mut std::ffi::c_char;
    /// `char *X509_VERIFY_PARAM_get1_ip_asc(X509_VERIFY_PARAM *param);` (1.1.0+)
    fn X509_VERIFY_PARAM_get1_ip_asc(param: *mut sys::X509_VERIFY_PARAM) -> *mut std::ffi::c_char;
}

/// The name or address the connection's certificate check expects: the first host name of
/// its verify parameters (`SSL_set1_host`, as rust-openssl's `ConnectConfiguration` and
/// pyssl set it), else its IP address in text form (`X509_VERIFY_PARAM_set1_ip`).
pub(crate) fn ssl_expected_peer(ssl: &SslRef) -> Option<String> {
    // SAFETY: `ssl` is a live SSL borrowed for this call; SSL_get0_param returns its own
    // X509_VERIFY_PARAM (never NULL for an SSL), which lives as long as the SSL.
    let param = unsafe { sys::SSL_get0_param(ssl.as_ptr()) };
    // SAFETY: `param` is valid (above); get0_host returns NULL or a NUL-terminated string
    // owned by `param`, copied out before anything can change it.
    let host = unsafe { X509_VERIFY_PARAM_get0_host(param, 0) };
    if !host.is_null() {
        // SAFETY: non-NULL and NUL-terminated (above).
        return Some(
            unsafe { CStr::from_ptr(host) }
                .to_string_lossy()
                .into_owned(),
        );
    }
    // SAFETY: `param` is valid; get1_ip_asc returns NULL or a string the caller owns.
    let ip = unsafe { X509_VERIFY_PARAM_get1_ip_asc(param) };
    if ip.is_null() {
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated; copied out, then freed exactly once with
    // OPENSSL_free, as get1_ip_asc's ownership rule requires.
    unsafe {
        let text = CStr::from_ptr(ip).to_string_lossy().into_owned();
        sys::OPENSSL_free(ip.cast());
        Some(text)
    }
}

/// `ERR_LIB_SSL`.
pub(crate) const ERR_LIB_SSL: i32 = 20;
/// `ERR_LIB_SYS`.
const ERR_LIB_SYS: u64 = openssl_sys::ERR_LIB_SYS as u64;
/// `ERR_SYSTEM_FLAG` (OpenSSL 3): a packed error code that is an errno.
#[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
const ERR_SYSTEM_FLAG: u64 = openssl_sys::ERR_SYSTEM_FLAG as u64;

/// The errno of an `ERR_LIB_SYS` error code (OpenSSL 3 packs it under `ERR_SYSTEM_FLAG`,
/// 1.1.1 as the reason of library 2); `None` for every other code.
pub(crate) fn sys_errno(code: u64) -> Option<i32> {
    if code & ERR_SYSTEM_FLAG != 0 {
        Some((code & (ERR_SYSTEM_FLAG - 1)) as i32)
    } else if code != 0 && (code >> 24) & 0xFF == ERR_LIB_SYS && cfg!(not(ossl300)) {
        Some((code & 0xFFF) as i32)
    } else {
        None
    }
}
/// `SSL_R_CERTIFICATE_VERIFY_FAILED`.
pub(crate) const SSL_R_CERTIFICATE_VERIFY_FAILED: i32 = 134;
/// `SSL_R_UNEXPECTED_EOF_WHILE_READING` (OpenSSL 3.0+).
pub(crate) const SSL_R_UNEXPECTED_EOF_WHILE_READING: i32 = 294;
/// `ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING)`: the error OpenSSL 3 queues
/// when a socket BIO reaches end of file mid-record.
pub(crate) const UNEXPECTED_EOF_CODE: u64 =
    ((ERR_LIB_SSL as u64) << 23) | SSL_R_UNEXPECTED_EOF_WHILE_READING as u64;
// `SSL_OP_IGNORE_UNEXPECTED_EOF`.
use openssl_sys::SSL_OP_IGNORE_UNEXPECTED_EOF;

/// Whether `OP_IGNORE_UNEXPECTED_EOF` is set on the connection.
pub(crate) fn ssl_ignores_unexpected_eof(ssl: &SslRef) -> bool {
    // SAFETY: read-only access to a live SSL.
    let options = unsafe { SSL_get_options(ssl.as_ptr()) };
    options & SSL_OP_IGNORE_UNEXPECTED_EOF != 0
}

// `SSL_ERROR_WANT_X509_LOOKUP`.
pub(crate) use openssl_sys::SSL_ERROR_WANT_X509_LOOKUP;

// `SSL_CTRL_MODE` (the control behind the `SSL_set_mode` macro).
use openssl_sys::SSL_CTRL_MODE;
// `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`.
pub(crate) use openssl_sys::SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
// `SSL_MODE_AUTO_RETRY`.
pub(crate) use openssl_sys::SSL_MODE_AUTO_RETRY;
// `SSL_SENT_SHUTDOWN`.
pub(crate) use openssl_sys::SSL_SENT_SHUTDOWN;
// `SSL_RECEIVED_SHUTDOWN`.
pub(crate) use openssl_sys::SSL_RECEIVED_SHUTDOWN;

/// `SSL_set_mode(ssl, mode)`.
pub(crate) fn ssl_set_mode(ssl: &mut SslRef, mode: c_long) {
    // SAFETY: exclusive access to a live SSL; SSL_CTRL_MODE takes an integer, no pointer.
    unsafe {
        sys::SSL_ctrl(ssl.as_ptr(), SSL_CTRL_MODE, mode, ptr::null_mut());
    }
}

/// `SSL_set_session_id_context(ssl, sid, len)`; false on failure.
pub(crate) fn ssl_set_session_id_context(ssl: &mut SslRef, sid: &[u8]) -> bool {
    let Ok(len) = c_uint::try_from(sid.len()) else {
        return false;
    };
    // SAFETY: exclusive access; OpenSSL copies `len` bytes from `sid`, which lives across the
    // call.
    unsafe { SSL_set_session_id_context(ssl.as_ptr(), sid.as_ptr(), len) == 1 }
}

/// `SSL_set_post_handshake_auth(ssl, 1)` (client side).
pub(crate) fn ssl_enable_post_handshake_auth(ssl: &mut SslRef) {
    // SAFETY: exclusive access to a live SSL.
    unsafe { SSL_set_post_handshake_auth(ssl.as_ptr(), 1) }
}

/// `SSL_get0_group_name(ssl)` (OpenSSL 3.2+): the negotiated key-exchange group, `Some(None)`
/// before one is; `None` where OpenSSL has no such call.
pub(crate) fn ssl_group_name(ssl: &SslRef) -> Option<Option<String>> {
    #[cfg(ossl320)]
    {
        // SAFETY: a live SSL; the returned name is a static string or NULL (checked).
        let name = unsafe { sys::SSL_get0_group_name(ssl.as_ptr()) };
        Some((!name.is_null()).then(|| {
            // SAFETY: non-NULL, NUL-terminated, static.
            unsafe { std::ffi::CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        }))
    }
    #[cfg(not(ossl320))]
    {
        let _ = ssl;
        None
    }
}

/// `SSL_get0_signature_name` (`peer == false`) or `SSL_get0_peer_signature_name` (OpenSSL
/// 3.5+): the signature algorithm this side / the peer used, `Some(None)` when there is none;
/// `None` where OpenSSL has no such call.
pub(crate) fn ssl_signature_name(ssl: &SslRef, peer: bool) -> Option<Option<String>> {
    #[cfg(ossl350)]
    {
        /// `SSL_CTRL_GET_SIGNATURE_NAME` / `SSL_CTRL_GET_PEER_SIGNATURE_NAME` (ssl.h, 3.5+).
        const OWN: c_int = 140;
        const PEER: c_int = 141;
        let mut name: *const std::ffi::c_char = std::ptr::null();
        // SAFETY: a live SSL; the control stores a pointer to a static name (or leaves NULL).
        let ok = unsafe {
            sys::SSL_ctrl(
                ssl.as_ptr(),
                if peer { PEER } else { OWN },
                0,
                (&mut name as *mut *const std::ffi::c_char).cast(),
            )
        };
        Some((ok == 1 && !name.is_null()).then(|| {
            // SAFETY: non-NULL, NUL-terminated, static.
            unsafe { std::ffi::CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        }))
    }
    #[cfg(not(ossl350))]
    {
        let _ = (ssl, peer);
        None
    }
}

/// `SSL_verify_client_post_handshake(ssl)`; false on failure (queue left for the caller).
pub(crate) fn ssl_verify_client_post_handshake(_queue: &super::ErrQueue, ssl: &mut SslRef) -> bool {
    // SAFETY: exclusive access to a live SSL.
    unsafe { SSL_verify_client_post_handshake(ssl.as_ptr()) == 1 }
}

/// `SSL_in_init(ssl)`: the handshake has not finished (or a new one has begun), so a read
/// or write drives it first.
pub(crate) fn ssl_in_init(ssl: &SslRef) -> bool {
    // SAFETY: read-only access to a live SSL.
    unsafe { SSL_in_init(ssl.as_ptr()) != 0 }
}

/// `SSL_get_shutdown(ssl)`.
pub(crate) fn ssl_get_shutdown(ssl: &SslRef) -> c_int {
    // SAFETY: read-only access to a live SSL.
    unsafe { sys::SSL_get_shutdown(ssl.as_ptr()) }
}

/// `SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_get_shutdown(ssl))`: from now on OpenSSL
/// treats the connection as closed cleanly on our side, so freeing it leaves its session
/// resumable.
pub(crate) fn ssl_mark_sent_shutdown(ssl: &mut SslRef) {
    // SAFETY: exclusive access to a live SSL; only its shutdown flags change.
    unsafe {
        let state = sys::SSL_get_shutdown(ssl.as_ptr());
        sys::SSL_set_shutdown(ssl.as_ptr(), state | sys::SSL_SENT_SHUTDOWN);
    }
}

/// Reads with `read` (a `TlsStream::read_uninit`) into the first `len` bytes of `buf`'s
/// spare capacity, which the caller reserved, and makes what was read part of `buf`: a
/// read buffer as large as CPython's, never zeroed or touched beyond what OpenSSL writes.
pub(crate) fn read_into_spare<E>(
    buf: &mut Vec<u8>,
    len: usize,
    read: impl FnOnce(&mut [std::mem::MaybeUninit<u8>]) -> Result<usize, E>,
) -> Result<usize, E> {
    let n = read(&mut buf.spare_capacity_mut()[..len])?;
    assert!(n <= len, "read more than the buffer");
    // SAFETY: `ssl_read_uninit` initialized the first n bytes of the spare capacity
    // (SSL_read_ex's readbytes), and n <= len <= the spare capacity.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

/// A zero-length `SSL_write_ex` (`ex`) or `SSL_write`, as CPython makes for `write(b"")`;
/// on failure, `SSL_get_error`'s code (the error queue is left for the caller to read).
///
/// Only for an established connection: nothing is read or written through the BIO unless
/// an earlier write is still buffered, so no transport error can arise that the caller
/// would have to collect from the BIO.
pub(crate) fn ssl_write_empty(
    _queue: &super::ErrQueue,
    ssl: &mut SslRef,
    ex: bool,
) -> Result<(), c_int> {
    let buf = [0u8; 1];
    let ret = if ex {
        let mut written = 0usize;
        // SAFETY: exclusive access to a live SSL; a valid (unread, zero-length) buffer and a
        // valid out-pointer.
        unsafe { sys::SSL_write_ex(ssl.as_ptr(), buf.as_ptr().cast(), 0, &mut written) }
    } else {
        // SAFETY: as above.
        unsafe { sys::SSL_write(ssl.as_ptr(), buf.as_ptr().cast(), 0) }
    };
    if ret > 0 {
        Ok(())
    } else {
        // SAFETY: read-only access to a live SSL, right after the call that returned ret.
        Err(unsafe { sys::SSL_get_error(ssl.as_ptr(), ret) })
    }
}

/// `SSL_set_session(ssl, session)`; false on failure.
///
/// OpenSSL accepts any session here; CPython (and pyssl's caller) first checks that the
/// session came from the same `SSL_CTX`.
pub(crate) fn ssl_set_session(
    _queue: &super::ErrQueue,
    ssl: &mut SslRef,
    session: &SslSessionRef,
) -> bool {
    // SAFETY: exclusive access to a live SSL; SSL_set_session up-refs the session.
    unsafe { sys::SSL_set_session(ssl.as_ptr(), session.as_ptr()) == 1 }
}

/// `SSL_SESSION_has_ticket`.
pub(crate) fn session_has_ticket(session: &SslSessionRef) -> bool {
    // SAFETY: read-only access to a live session.
    unsafe { SSL_SESSION_has_ticket(session.as_ptr()) != 0 }
}

/// `SSL_SESSION_get_ticket_lifetime_hint`.
#[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
pub(crate) fn session_ticket_lifetime_hint(session: &SslSessionRef) -> u64 {
    // SAFETY: read-only access to a live session.
    unsafe { SSL_SESSION_get_ticket_lifetime_hint(session.as_ptr()) as u64 }
}

/// `a2i_IPADDRESS(text)`: the 4 or 16 address bytes if OpenSSL reads `text` as an IPv4 or
/// IPv6 address, else `None` (the error queue entry OpenSSL leaves is cleared).
pub(crate) fn a2i_ipaddress(text: &str) -> Option<Vec<u8>> {
    let c = CString::new(text).ok()?;
    // SAFETY: c is NUL-terminated and lives across the call; a non-NULL result is a new
    // ASN1_OCTET_STRING that we read and free here.
    unsafe {
        let ip = a2i_IPADDRESS(c.as_ptr());
        if ip.is_null() {
            sys::ERR_clear_error();
            return None;
        }
        let s = ip as *const sys::ASN1_STRING;
        let len = usize::try_from(sys::ASN1_STRING_length(s)).unwrap_or(0);
        let data = sys::ASN1_STRING_get0_data(s);
        let out = if data.is_null() || len == 0 {
            Vec::new()
        } else {
            // SAFETY: data points at `len` bytes owned by `ip`, alive until the free below.
            std::slice::from_raw_parts(data, len).to_vec()
        };
        ASN1_OCTET_STRING_free(ip);
        Some(out)
    }
}

/// One cipher as CPython's `cipher_to_tuple` shows it: name, protocol version, secret bits.
pub(crate) type CipherTuple = (String, String, i32);

fn cipher_tuple(c: *const sys::SSL_CIPHER) -> CipherTuple {
    // SAFETY: c is a live, static SSL_CIPHER; the name/version strings are static.
    unsafe {
        let text = |p: *const std::ffi::c_char| {
            if p.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        (
            text(sys::SSL_CIPHER_get_name(c)),
            text(sys::SSL_CIPHER_get_version(c)),
            sys::SSL_CIPHER_get_bits(c, ptr::null_mut()),
        )
    }
}

/// `shared_ciphers()`: the ciphers of `SSL_get_ciphers` that also appear in the client's
/// list (`SSL_get_client_ciphers`), in the server's order; `None` where OpenSSL has no client
/// list (client side, or before the handshake).
pub(crate) fn ssl_shared_ciphers(ssl: &SslRef) -> Option<Vec<CipherTuple>> {
    // SAFETY: read-only access to the SSL; the stacks are owned by it and only read during
    // this call; ciphers are static tables.
    unsafe {
        let client = SSL_get_client_ciphers(ssl.as_ptr());
        if client.is_null() {
            return None;
        }
        let server = SSL_get_ciphers(ssl.as_ptr());
        let mut out = Vec::new();
        if server.is_null() {
            return Some(out);
        }
        let client_list: Vec<*const c_void> = (0..sys::OPENSSL_sk_num(client.cast()))
            .map(|i| sys::OPENSSL_sk_value(client.cast(), i) as *const c_void)
            .collect();
        for i in 0..sys::OPENSSL_sk_num(server.cast()) {
            let c = sys::OPENSSL_sk_value(server.cast(), i) as *const sys::SSL_CIPHER;
            if c.is_null() {
                continue;
            }
            let id = SSL_CIPHER_get_id(c);
            let shared = client_list
                .iter()
                .any(|&p| !p.is_null() && SSL_CIPHER_get_id(p.cast()) == id);
            if shared {
                out.push(cipher_tuple(c));
            }
        }
        Some(out)
    }
}

/// CPython 3.7–3.9's `shared_ciphers()`: every cipher of the connection's own list
/// (`SSL_get_ciphers`), whatever the peer offered, on either side; `None` only without a list.
pub(crate) fn ssl_ciphers(ssl: &SslRef) -> Option<Vec<CipherTuple>> {
    // SAFETY: read-only access to the SSL; the stack is owned by it and only read during this
    // call; ciphers are static tables.
    unsafe {
        let list = SSL_get_ciphers(ssl.as_ptr());
        if list.is_null() {
            return None;
        }
        let out = (0..sys::OPENSSL_sk_num(list.cast()))
            .map(|i| sys::OPENSSL_sk_value(list.cast(), i) as *const sys::SSL_CIPHER)
            .filter(|c| !c.is_null())
            .map(cipher_tuple)
            .collect();
        Some(out)
    }
}

/// The current cipher as CPython's `cipher()` shows it.
pub(crate) fn ssl_current_cipher(ssl: &SslRef) -> Option<CipherTuple> {
    // SAFETY: read-only; the current cipher is a static table or NULL.
    let c = unsafe { sys::SSL_get_current_cipher(ssl.as_ptr()) };
    (!c.is_null()).then(|| cipher_tuple(c))
}

/// An `SSL` made from a context and never used for I/O, holding its own copy of the
/// context's cipher list; connections are `SSL_dup`s of it (see
/// [`crate::SslContext`]'s threading model). `SSL_dup` copies the cipher list as a stack of
/// pointers, where `SSL_set_cipher_list` parses the rule string again: about 50 µs per
/// connection saved (measured: `SSL_new` 2.9 µs, with `SSL_set_cipher_list` 51 µs).
pub(crate) struct SslTemplate(ptr::NonNull<sys::SSL>);

// SAFETY: once `ssl_template` has returned, the `SSL` is only read — by `SSL_dup`, which copies
// from it and takes OpenSSL's own locks for what it shares (reference counts of the
// certificate and key, the ex_data registry) — and freed once, by `Drop`, when no `&` to it
// is left.
unsafe impl Send for SslTemplate {}
// SAFETY: as above: shared references only read the `SSL`.
unsafe impl Sync for SslTemplate {}

impl Drop for SslTemplate {
    fn drop(&mut self) {
        // SAFETY: the pointer came from SSL_new and is owned by this value alone.
        unsafe { sys::SSL_free(self.0.as_ptr()) }
    }
}

/// `SSL_new(ctx)` then `SSL_set_cipher_list(ssl, ciphers)`: a connection template, and
/// whether OpenSSL accepted the cipher list (it installs what it could either way).
pub(crate) fn ssl_template(
    _queue: &super::ErrQueue,
    ctx: &SslContextRef,
    ciphers: &CStr,
) -> Result<(SslTemplate, bool), ErrorStack> {
    // SAFETY: `ctx` is a live SSL_CTX, borrowed by the caller under the context's lock. A
    // plain SSL_new (not rust-openssl's `Ssl::new`) leaves the SSL without ex_data, so that
    // `SSL_dup`, which copies ex_data pointers, copies none.
    let ssl = unsafe { sys::SSL_new(ctx.as_ptr()) };
    let template = SslTemplate(ptr::NonNull::new(ssl).ok_or_else(ErrorStack::get)?);
    // SAFETY: a fresh SSL owned by `template`; `ciphers` is NUL-terminated.
    let ok = unsafe { sys::SSL_set_cipher_list(template.0.as_ptr(), ciphers.as_ptr()) } == 1;
    Ok((template, ok))
}

/// `SSL_dup(template)`: a new `SSL` of the template's `SSL_CTX` with the template's own
/// cipher list. `None` if OpenSSL could not make one (the caller then makes the connection
/// the long way).
pub(crate) fn ssl_from_template(template: &SslTemplate) -> Option<Ssl> {
    let t = template.0.as_ptr();
    // SAFETY: `t` is live for the call (borrowed). The template never started a handshake,
    // so SSL_dup takes its copying path: SSL_new of the same SSL_CTX, then the template's
    // method, certificate, session id context, options, protocol bounds, mode, verify
    // settings and cipher stacks copied in — each equal to what SSL_new itself takes from
    // the SSL_CTX, since the template is rebuilt whenever the context changes. A quiescent
    // SSL would instead come back as `t` itself with its reference count raised; that is
    // undone below and never handed out.
    let p = unsafe { SSL_dup(t) };
    if p.is_null() {
        let _ = ErrorStack::get();
        return None;
    }
    if p == t {
        // SAFETY: drops the reference SSL_dup added; the template keeps its own.
        unsafe { sys::SSL_free(p) };
        return None;
    }
    // SAFETY: a new SSL, owned by nobody else.
    Some(unsafe { Ssl::from_ptr(p) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every symbol declared above links and answers sanely.
    #[test]
    fn declared_symbols_link() {
        assert_eq!(a2i_ipaddress("127.0.0.1"), Some(vec![127, 0, 0, 1]));
        assert_eq!(a2i_ipaddress("::1").map(|v| v.len()), Some(16));
        assert_eq!(a2i_ipaddress("[::1]"), None);
        assert_eq!(a2i_ipaddress("localhost"), None);
        let ctx = openssl::ssl::SslContext::builder(openssl::ssl::SslMethod::tls_client())
            .expect("ctx")
            .build();
        let mut ssl = openssl::ssl::Ssl::new(&ctx).expect("ssl");
        ssl_set_mode(
            &mut ssl,
            SSL_MODE_AUTO_RETRY | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
        );
        ssl_enable_post_handshake_auth(&mut ssl);
        assert!(ssl_set_session_id_context(&mut ssl, b"Python\0"));
        assert_eq!(ssl_get_shutdown(&ssl), 0);
        assert!(ssl_shared_ciphers(&ssl).is_none());
        assert!(ssl_current_cipher(&ssl).is_none());
        let queue = super::super::ErrQueue::clear();
        assert!(!ssl_verify_client_post_handshake(&queue, &mut ssl));
        queue.discard();
    }
}
