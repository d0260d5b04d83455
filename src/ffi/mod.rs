//! Raw OpenSSL calls that rust-openssl does not wrap (or wraps in a way that loses CPython's
//! error behaviour), each behind a small safe function. Raw pointers appear only here and in
//! [`crate::callbacks`], the functions OpenSSL calls back with them (`unsafe` is allowed in
//! those two modules only).
//!
//! Conventions:
//! * functions that mutate an `SSL_CTX` take `&mut SslContextBuilder`, readers take
//!   `&SslContextRef`; the caller ([`crate::context`]) holds the matching lock;
//! * functions whose failure CPython classifies from the OpenSSL error queue take an
//!   [`ErrQueue`], the token of a queue cleared for them, and leave the queue as OpenSSL left
//!   it; the caller reads the failure from the token afterwards, which clears it again;
//! * declarations openssl-sys lacks are in the `extern` block below with their C signature
//!   and the OpenSSL version that has them (all exist in 1.1.1 and 3.x).

pub(crate) mod bio;
pub(crate) mod connection;
pub(crate) mod helgrind;
pub(crate) mod store;
#[cfg(feature = "tokio")]
pub(crate) mod tokio_io;
pub(crate) mod x509;

use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::ptr;

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::ssl::{SslContextBuilder, SslContextRef, SslRef, SslVerifyMode};
use openssl::x509::{X509, X509Ref};
use openssl_sys as sys;

use crate::values::{CipherInfo, VersionBound};

/// `int (*pem_password_cb)(char *buf, int size, int rwflag, void *userdata)`.
pub(crate) type PemPasswordCb =
    unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, u: *mut c_void) -> c_int;

/// The security callback type of `SSL_CTX_set_security_callback`.
pub(crate) type SecurityCb = unsafe extern "C" fn(
    s: *const sys::SSL,
    ctx: *const sys::SSL_CTX,
    op: c_int,
    bits: c_int,
    nid: c_int,
    other: *mut c_void,
    ex: *mut c_void,
) -> c_int;

// SAFETY: these declarations match the C prototypes of OpenSSL 1.1.1 and 3.x (ssl.h, x509.h,
// x509_vfy.h, bio.h); libssl and libcrypto are linked by openssl-sys.
unsafe extern "C" {
    /// `SSL_verify_cb SSL_get_verify_callback(const SSL *s);`
    fn SSL_get_verify_callback(s: *const sys::SSL) -> Option<VerifyCallback>;
    /// `void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb);` (1.1.0+)
    fn SSL_CTX_set_default_passwd_cb(ctx: *mut sys::SSL_CTX, cb: Option<PemPasswordCb>);
    /// `void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u);` (1.1.0+)
    fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut sys::SSL_CTX, u: *mut c_void);
    /// `void SSL_CTX_set_security_callback(SSL_CTX *ctx, int (*cb)(const SSL *s,
    ///  const SSL_CTX *ctx, int op, int bits, int nid, void *other, void *ex));` (1.1.0+)
    fn SSL_CTX_set_security_callback(ctx: *mut sys::SSL_CTX, cb: Option<SecurityCb>);
    /// `int (*SSL_CTX_get_security_callback(const SSL_CTX *ctx))(...);` (1.1.0+)
    fn SSL_CTX_get_security_callback(ctx: *const sys::SSL_CTX) -> Option<SecurityCb>;
    /// `const char *OSSL_default_cipher_list(void);` (3.0+)
    fn OSSL_default_cipher_list() -> *const c_char;
    /// `const char *OSSL_default_ciphersuites(void);` (3.0+)
    fn OSSL_default_ciphersuites() -> *const c_char;
    /// `int X509_check_ca(X509 *cert);`
    fn X509_check_ca(cert: *mut sys::X509) -> c_int;
    /// `X509_LOOKUP_TYPE X509_OBJECT_get_type(const X509_OBJECT *a);` (1.1.0+)
    fn X509_OBJECT_get_type(a: *const sys::X509_OBJECT) -> c_int;
    /// `int X509_STORE_lock(X509_STORE *ctx);` (1.1.0+)
    fn X509_STORE_lock(ctx: *mut sys::X509_STORE) -> c_int;
    /// `int X509_STORE_unlock(X509_STORE *ctx);` (1.1.0+)
    fn X509_STORE_unlock(ctx: *mut sys::X509_STORE) -> c_int;
    /// `STACK_OF(SSL_CIPHER) *SSL_get_ciphers(const SSL *s);`
    fn SSL_get_ciphers(s: *const sys::SSL) -> *mut sys::stack_st_SSL_CIPHER;
    /// `STACK_OF(SSL_CIPHER) *SSL_CTX_get_ciphers(const SSL_CTX *ctx);` (1.1.0+)
    fn SSL_CTX_get_ciphers(ctx: *const sys::SSL_CTX) -> *mut sys::stack_st_SSL_CIPHER;
    /// `uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c);`
    fn SSL_CIPHER_get_id(c: *const sys::SSL_CIPHER) -> u32;
    /// `int SSL_CIPHER_is_aead(const SSL_CIPHER *c);` (1.1.0+)
    fn SSL_CIPHER_is_aead(c: *const sys::SSL_CIPHER) -> c_int;
    /// `int SSL_CIPHER_get_kx_nid(const SSL_CIPHER *c);` (1.1.0+)
    fn SSL_CIPHER_get_kx_nid(c: *const sys::SSL_CIPHER) -> c_int;
    /// `int SSL_CIPHER_get_auth_nid(const SSL_CIPHER *c);` (1.1.0+)
    fn SSL_CIPHER_get_auth_nid(c: *const sys::SSL_CIPHER) -> c_int;
    /// `int BIO_free(BIO *a);`
    fn BIO_free(a: *mut sys::BIO) -> c_int;
}

const X509_LU_X509: c_int = 1;
const X509_LU_CRL: c_int = 2;
use openssl_sys::BIO_CTRL_EOF;
const SSL_CTRL_SET_GROUPS: c_int = 91;
use openssl_sys::SSL_CTRL_GET_MAX_PROTO_VERSION;
use openssl_sys::SSL_CTRL_GET_MIN_PROTO_VERSION;
use openssl_sys::SSL_CTRL_SET_MAX_PROTO_VERSION;
use openssl_sys::SSL_CTRL_SET_MIN_PROTO_VERSION;

/// `SSL_CTRL_SESS_*` request codes behind the `SSL_CTX_sess_*` macros, in the order CPython's
/// `session_stats()` reports them.
pub(crate) const SESSION_STATS: &[(&str, c_int)] = &[
    ("number", 20),
    ("connect", 21),
    ("connect_good", 22),
    ("connect_renegotiate", 23),
    ("accept", 24),
    ("accept_good", 25),
    ("accept_renegotiate", 26),
    ("hits", 27),
    ("misses", 29),
    ("timeouts", 30),
    ("cache_full", 31),
];

// ---------------------------------------------------------------------------------------------
// errno and the OpenSSL error queue

/// Set the C `errno` to 0 (CPython does this before calls whose errno it inspects).
pub(crate) fn errno_clear() {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = 0 }
}

/// The current C `errno`.
pub(crate) fn errno_get() -> i32 {
    // SAFETY: as in errno_clear.
    unsafe { *libc::__errno_location() }
}

/// Set the C `errno` to `value`.
pub(crate) fn errno_set(value: i32) {
    // SAFETY: as in errno_clear.
    unsafe { *libc::__errno_location() = value }
}

/// `ERR_clear_error()`, skipped when the queue is already empty (`ERR_peek_last_error()`
/// is 0), which is nearly always and costs a fraction of the clear's walk over every slot.
fn err_clear() {
    // SAFETY: no arguments; read and clear this thread's queue.
    unsafe {
        if sys::ERR_peek_last_error() != 0 {
            sys::ERR_clear_error()
        }
    }
}

/// This thread's OpenSSL error queue, emptied for one call whose failure CPython classifies
/// from it. The rule (clear the queue right before such a call, read it right after, then
/// clear it again) as a value: [`ErrQueue::clear`] empties the queue and gives the token, the
/// functions in `ffi` that make such a call take `&ErrQueue`, and reading the failure
/// ([`ErrQueue::last`]) or [`ErrQueue::discard`] consumes the token and leaves the queue
/// empty. Not `Send`: the queue is the thread's.
pub(crate) struct ErrQueue {
    _thread: std::marker::PhantomData<*const ()>,
}

impl ErrQueue {
    /// Empty the queue before a call whose failure is classified.
    pub(crate) fn clear() -> ErrQueue {
        err_clear();
        ErrQueue {
            _thread: std::marker::PhantomData,
        }
    }

    /// The queue as a call made outside pyssl left it (a failure of rust-openssl's stream or
    /// of another crate's connection, classified afterwards): not cleared.
    pub(crate) fn as_left() -> ErrQueue {
        ErrQueue {
            _thread: std::marker::PhantomData,
        }
    }

    /// [`ErrQueue::clear`], and the C `errno` too: before a call that reads a file, whose
    /// failure is an `OSError` when it sets `errno`.
    pub(crate) fn clear_with_errno() -> ErrQueue {
        errno_clear();
        ErrQueue::clear()
    }

    /// The `errno` the call left.
    pub(crate) fn errno(&self) -> i32 {
        errno_get()
    }

    /// The newest error the call queued (`ERR_peek_last_error`, 0 if none) and its reason
    /// string; the queue is emptied.
    pub(crate) fn last(self) -> (u64, Option<String>) {
        let code = err_peek_last();
        let reason = if code != 0 {
            err_reason_string(code)
        } else {
            None
        };
        err_clear();
        (code, reason)
    }

    /// Everything the call queued, oldest first, as rust-openssl's `ErrorStack`; the queue is
    /// emptied.
    pub(crate) fn stack(self) -> openssl::error::ErrorStack {
        openssl::error::ErrorStack::get()
    }

    /// The call's failure was `SSL_ERROR_WANT_READ`/`WANT_WRITE`, which `SSL_get_error` gives
    /// only after finding the queue empty: nothing to clear (and no call to make).
    #[cfg(feature = "tokio")]
    pub(crate) fn found_empty(self) {}

    /// Forget what the call queued (its failure is reported without it).
    pub(crate) fn discard(self) {
        err_clear();
    }

    /// Empty the queue again in the middle of the call, where OpenSSL's own version of it
    /// clears (or CPython forgets an error it tolerates); the token stays for what follows.
    pub(crate) fn reset(&self) {
        err_clear();
    }

    /// The newest queued error (`ERR_peek_last_error`, 0 if none), left queued.
    pub(crate) fn peek_last(&self) -> u64 {
        err_peek_last()
    }
}

/// `ERR_peek_last_error()`: the newest queued code, 0 if none.
#[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
pub(crate) fn err_peek_last() -> u64 {
    // SAFETY: no arguments; reads this thread's queue.
    (unsafe { sys::ERR_peek_last_error() }) as u64
}

/// The reason string OpenSSL has for a packed code (`ERR_reason_error_string`).
pub(crate) fn err_reason_string(code: u64) -> Option<String> {
    // SAFETY: returns NULL or a static NUL-terminated string.
    let p = unsafe { sys::ERR_reason_error_string(code as c_ulong) };
    cstr_opt(p)
}

/// The `EAI_*` code (negative, as glibc and musl define them) whose `gai_strerror` text is
/// `text`: std keeps only the text of a failed `getaddrinfo`. `None` for a text no code has.
pub(crate) fn gai_code(text: &str) -> Option<i32> {
    let message = |code: c_int| {
        // SAFETY: gai_strerror returns a static NUL-terminated string for any code, known or
        // not.
        unsafe { CStr::from_ptr(libc::gai_strerror(code)) }.to_bytes()
    };
    // The text of codes no libc defines ("Unknown error") names no code.
    if text.as_bytes() == message(c_int::MIN) {
        return None;
    }
    // glibc's codes lie in -1 ... -105 (EAI_BADFLAGS ... EAI_IDN_ENCODE).
    (1..=127)
        .map(|n: c_int| -n)
        .find(|&code| message(code) == text.as_bytes())
}

fn cstr_opt(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: p is non-NULL and points at a NUL-terminated string owned by OpenSSL that
        // outlives this call; we copy it out immediately.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// SSL_CTX options, verify mode, params, versions

/// `SSL_CTX_get_options`.
#[allow(clippy::unnecessary_cast)] // c_ulong on OpenSSL 1.1, u64 on 3.x
pub(crate) fn ctx_options(ctx: &SslContextRef) -> u64 {
    // SAFETY: ctx is a live SSL_CTX; the call only reads it.
    unsafe { sys::SSL_CTX_get_options(ctx.as_ptr()) as u64 }
}

/// `SSL_CTX_clear_options(clear)` then `SSL_CTX_set_options(set)`, each only if non-zero.
pub(crate) fn ctx_update_options(ctx: &mut SslContextBuilder, clear: u64, set: u64) {
    // SAFETY: ctx is a live SSL_CTX we hold exclusively (&mut).
    unsafe {
        if clear != 0 {
            sys::SSL_CTX_clear_options(ctx.as_ptr(), clear as _);
        }
        if set != 0 {
            sys::SSL_CTX_set_options(ctx.as_ptr(), set as _);
        }
    }
}

/// `SSL_CTX_get_verify_mode`.
pub(crate) fn ctx_verify_mode(ctx: &SslContextRef) -> c_int {
    // SAFETY: read-only access to a live SSL_CTX.
    unsafe { sys::SSL_CTX_get_verify_mode(ctx.as_ptr()) }
}

/// `X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(ctx))`.
pub(crate) fn ctx_verify_flags(ctx: &SslContextRef) -> u64 {
    // SAFETY: get0_param returns the ctx's own, never-NULL param; get_flags only reads it.
    unsafe { sys::X509_VERIFY_PARAM_get_flags(sys::SSL_CTX_get0_param(ctx.as_ptr())) as u64 }
}

/// Clear then set verify flags on the ctx's param; false if OpenSSL refused.
pub(crate) fn ctx_update_verify_flags(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    clear: u64,
    set: u64,
) -> bool {
    // SAFETY: exclusive access to a live SSL_CTX; the param belongs to it.
    unsafe {
        let param = sys::SSL_CTX_get0_param(ctx.as_ptr());
        if clear != 0 && sys::X509_VERIFY_PARAM_clear_flags(param, clear as c_ulong) == 0 {
            return false;
        }
        if set != 0 && sys::X509_VERIFY_PARAM_set_flags(param, set as c_ulong) == 0 {
            return false;
        }
    }
    true
}

/// `X509_VERIFY_PARAM_set_hostflags` on the ctx's param.
pub(crate) fn ctx_set_hostflags(ctx: &mut SslContextBuilder, flags: u32) {
    // SAFETY: exclusive access to a live SSL_CTX; the param belongs to it.
    unsafe {
        sys::X509_VERIFY_PARAM_set_hostflags(sys::SSL_CTX_get0_param(ctx.as_ptr()), flags as c_uint)
    }
}

/// `SSL_CTX_get_min_proto_version` / `..._max_...` (0 = no limit).
pub(crate) fn ctx_proto_version(ctx: &SslContextRef, bound: VersionBound) -> i32 {
    let op = match bound {
        VersionBound::Maximum => SSL_CTRL_GET_MAX_PROTO_VERSION,
        VersionBound::Minimum => SSL_CTRL_GET_MIN_PROTO_VERSION,
    };
    // SAFETY: the GET_*_PROTO_VERSION controls only read the ctx.
    unsafe { sys::SSL_CTX_ctrl(ctx.as_ptr(), op, 0, ptr::null_mut()) as i32 }
}

/// `SSL_CTX_set_min_proto_version` / `..._max_...`; false if OpenSSL refused.
pub(crate) fn ctx_set_proto_version(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    bound: VersionBound,
    version: i32,
) -> bool {
    let op = match bound {
        VersionBound::Maximum => SSL_CTRL_SET_MAX_PROTO_VERSION,
        VersionBound::Minimum => SSL_CTRL_SET_MIN_PROTO_VERSION,
    };
    // SAFETY: exclusive access; the control takes an integer argument and no pointer.
    unsafe { sys::SSL_CTX_ctrl(ctx.as_ptr(), op, version as c_long, ptr::null_mut()) == 1 }
}

/// `int (*verify_callback)(int preverify_ok, X509_STORE_CTX *ctx)`.
pub(crate) type VerifyCallback = extern "C" fn(c_int, *mut sys::X509_STORE_CTX) -> c_int;

/// `SSL_CTX_set_verify(ctx, mode, callback)`: rust-openssl's `set_verify` always clears the
/// callback, which a profile with the key denylist must keep.
pub(crate) fn ctx_set_verify(
    ctx: &mut SslContextBuilder,
    mode: SslVerifyMode,
    callback: Option<VerifyCallback>,
) {
    // SAFETY: exclusive access to a live SSL_CTX; the callback is a 'static function.
    unsafe { sys::SSL_CTX_set_verify(ctx.as_ptr(), mode.bits() as c_int, callback) }
}

/// `SSL_set_verify(ssl, mode, SSL_get_verify_callback(ssl))`: a new verify mode for one
/// connection that keeps the callback it inherited from its context.
pub(crate) fn ssl_set_verify_mode(ssl: &mut SslRef, mode: SslVerifyMode) {
    // SAFETY: `ssl` is a live SSL borrowed mutably; the callback read back is the one OpenSSL
    // already holds for it (a 'static function or NULL).
    unsafe {
        let callback = SSL_get_verify_callback(ssl.as_ptr());
        sys::SSL_set_verify(ssl.as_ptr(), mode.bits() as c_int, callback)
    }
}

/// `SSL_CTX_set1_client_sigalgs_list(ctx, list)`: false if OpenSSL refused the list.
pub(crate) fn ctx_set_client_sigalgs(ctx: &mut SslContextBuilder, list: &std::ffi::CStr) -> bool {
    /// `SSL_CTRL_SET_CLIENT_SIGALGS_LIST` (ssl.h).
    const SET_CLIENT_SIGALGS_LIST: c_int = 102;
    // SAFETY: exclusive access to a live SSL_CTX; OpenSSL copies the NUL-terminated list.
    unsafe {
        sys::SSL_CTX_ctrl(
            ctx.as_ptr(),
            SET_CLIENT_SIGALGS_LIST,
            0,
            list.as_ptr() as *mut c_void,
        ) == 1
    }
}

/// The key-exchange groups OpenSSL implements (`SSL_CTX_get0_implemented_groups`, 3.5+), with
/// their aliases when `all`; `None` where OpenSSL has no such call.
pub(crate) fn ctx_implemented_groups(ctx: &SslContextRef, all: bool) -> Option<Vec<String>> {
    #[cfg(ossl350)]
    {
        /// `SSL_CTRL_GET0_IMPLEMENTED_GROUPS` (ssl.h, 3.5+); the call is a macro over it.
        const GET0_IMPLEMENTED_GROUPS: c_int = 139;
        // SAFETY: a fresh stack, filled by OpenSSL with pointers to static strings (not owned:
        // the stack is freed without its elements), read before it is freed.
        unsafe {
            let stack = sys::OPENSSL_sk_new_null();
            if stack.is_null() {
                return None;
            }
            let mut out = Vec::new();
            let ok = sys::SSL_CTX_ctrl(
                ctx.as_ptr(),
                GET0_IMPLEMENTED_GROUPS,
                c_long::from(all),
                stack as *mut c_void,
            );
            if ok == 1 {
                for i in 0..sys::OPENSSL_sk_num(stack) {
                    let name = sys::OPENSSL_sk_value(stack, i) as *const c_char;
                    if !name.is_null() {
                        out.push(CStr::from_ptr(name).to_string_lossy().into_owned());
                    }
                }
            }
            sys::OPENSSL_sk_free(stack);
            Some(out)
        }
    }
    #[cfg(not(ossl350))]
    {
        let _ = (ctx, all);
        None
    }
}

/// `SSL_get1_builtin_sigalgs(NULL)` (OpenSSL 3.4+): the signature algorithms OpenSSL
/// implements, split at the colons; `None` where OpenSSL has no such call.
pub(crate) fn builtin_sigalgs() -> Option<Vec<String>> {
    #[cfg(ossl340)]
    {
        unsafe extern "C" {
            // char *SSL_get1_builtin_sigalgs(OSSL_LIB_CTX *libctx);   (tls1.h, 3.4+)
            fn SSL_get1_builtin_sigalgs(libctx: *mut c_void) -> *mut c_char;
        }
        // SAFETY: NULL selects the default library context; the returned string is ours to
        // free with OPENSSL_free, after it has been copied.
        unsafe {
            let list = SSL_get1_builtin_sigalgs(ptr::null_mut());
            if list.is_null() {
                return Some(Vec::new());
            }
            let text = CStr::from_ptr(list).to_string_lossy().into_owned();
            sys::CRYPTO_free(list as *mut c_void, c"ffi".as_ptr(), 0);
            Some(
                text.split(':')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        }
    }
    #[cfg(not(ossl340))]
    {
        None
    }
}

/// `SSL_CTX_set_post_handshake_auth`.
pub(crate) fn ctx_set_post_handshake_auth(ctx: &mut SslContextBuilder, on: bool) {
    // SAFETY: exclusive access to a live SSL_CTX.
    unsafe { sys::SSL_CTX_set_post_handshake_auth(ctx.as_ptr(), c_int::from(on)) }
}

/// `SSL_CTX_sess_*` counter (`SSL_CTX_ctrl(ctx, op, 0, NULL)`).
pub(crate) fn ctx_session_stat(ctx: &SslContextRef, op: c_int) -> i64 {
    // SAFETY: the SESS_* controls only read counters.
    unsafe { sys::SSL_CTX_ctrl(ctx.as_ptr(), op, 0, ptr::null_mut()) as i64 }
}

/// `SSL_CTX_set1_groups(ctx, &nid, 1)`; false on failure (queue left for the caller).
pub(crate) fn ctx_set1_group(_queue: &ErrQueue, ctx: &mut SslContextBuilder, nid: c_int) -> bool {
    let mut list = [nid];
    // SAFETY: SET_GROUPS reads `larg` ints from the array, which lives across the call.
    unsafe {
        sys::SSL_CTX_ctrl(
            ctx.as_ptr(),
            SSL_CTRL_SET_GROUPS,
            1,
            list.as_mut_ptr().cast::<c_void>(),
        ) == 1
    }
}

/// `OBJ_sn2nid` (0 = unknown).
pub(crate) fn obj_sn2nid(name: &CStr) -> c_int {
    // SAFETY: name is NUL-terminated and lives across the call.
    unsafe { sys::OBJ_sn2nid(name.as_ptr()) }
}

/// `OBJ_nid2ln` (`None` for NID_undef or unknown).
pub(crate) fn obj_nid2ln(nid: c_int) -> Option<String> {
    if nid == sys::NID_undef {
        return None;
    }
    // SAFETY: returns NULL or a static string.
    cstr_opt(unsafe { sys::OBJ_nid2ln(nid) })
}

// ---------------------------------------------------------------------------------------------
// Loading files

/// `SSL_CTX_load_verify_locations`; false on failure (errno and queue left for the caller).
pub(crate) fn ctx_load_verify_locations(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    cafile: Option<&CString>,
    capath: Option<&CString>,
) -> bool {
    let f = cafile.map_or(ptr::null(), |c| c.as_ptr());
    let p = capath.map_or(ptr::null(), |c| c.as_ptr());
    // SAFETY: exclusive ctx access; f and p are NULL or NUL-terminated strings that outlive
    // the call.
    unsafe { sys::SSL_CTX_load_verify_locations(ctx.as_ptr(), f, p) == 1 }
}

/// `SSL_CTX_set_default_verify_paths`.
pub(crate) fn ctx_set_default_verify_paths(ctx: &mut SslContextBuilder) -> bool {
    // SAFETY: exclusive ctx access.
    unsafe { sys::SSL_CTX_set_default_verify_paths(ctx.as_ptr()) == 1 }
}

/// `SSL_CTX_use_certificate_chain_file` (PEM).
pub(crate) fn ctx_use_certificate_chain_file(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    file: &CString,
) -> bool {
    // SAFETY: exclusive ctx access; file is NUL-terminated and outlives the call.
    unsafe { sys::SSL_CTX_use_certificate_chain_file(ctx.as_ptr(), file.as_ptr()) == 1 }
}

/// `SSL_CTX_use_PrivateKey_file(ctx, file, SSL_FILETYPE_PEM)`.
pub(crate) fn ctx_use_private_key_file(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    file: &CString,
) -> bool {
    // SAFETY: as above.
    unsafe {
        sys::SSL_CTX_use_PrivateKey_file(ctx.as_ptr(), file.as_ptr(), sys::SSL_FILETYPE_PEM) == 1
    }
}

/// `SSL_CTRL_CHAIN` / `SSL_CTRL_GET_CHAIN_CERTS` (ssl.h; `SSL_CTRL_CHAIN_CERT` is in
/// openssl-sys).
const SSL_CTRL_CHAIN: c_int = 88;
const SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;

/// What `SSL_CTX_use_certificate_chain_file` left in `ctx`'s current certificate slot: the
/// certificate (`SSL_CTX_get0_certificate`), the chain (`SSL_CTX_get0_chain_certs`) and the
/// key (`SSL_CTX_get0_privatekey`), each with our own reference.
pub(crate) struct CertSlot {
    pub leaf: Option<X509>,
    pub chain: Vec<X509>,
    pub key: Option<openssl::pkey::PKey<openssl::pkey::Private>>,
}

/// The current certificate slot of `ctx` (see [`CertSlot`]).
pub(crate) fn ctx_current_slot(ctx: &SslContextRef) -> CertSlot {
    let mut chain = Vec::new();
    // SAFETY: ctx is live and only read. The get0 calls return pointers owned by ctx (or
    // NULL); each object is up-referenced (to_owned) before ctx can change.
    unsafe {
        let leaf = sys::SSL_CTX_get0_certificate(ctx.as_ptr());
        let key = sys::SSL_CTX_get0_privatekey(ctx.as_ptr());
        let mut sk: *mut sys::stack_st_X509 = ptr::null_mut();
        sys::SSL_CTX_ctrl(
            ctx.as_ptr(),
            SSL_CTRL_GET_CHAIN_CERTS,
            0,
            (&mut sk as *mut *mut sys::stack_st_X509).cast(),
        );
        if !sk.is_null() {
            for i in 0..sys::OPENSSL_sk_num(sk.cast()) {
                let x = sys::OPENSSL_sk_value(sk.cast(), i) as *mut sys::X509;
                if !x.is_null() {
                    chain.push(X509Ref::from_ptr(x).to_owned());
                }
            }
        }
        let key = (!key.is_null()).then(|| {
            sys::EVP_PKEY_up_ref(key);
            openssl::pkey::PKey::from_ptr(key)
        });
        CertSlot {
            leaf: (!leaf.is_null()).then(|| X509Ref::from_ptr(leaf).to_owned()),
            chain,
            key,
        }
    }
}

/// What `SSL_CTX_use_certificate_chain_file` does to `ctx` once it has read `leaf` and
/// `chain`: `SSL_CTX_use_certificate`, `SSL_CTX_clear_chain_certs`, then each chain
/// certificate added to the leaf's slot. False at the first step OpenSSL refuses, with the
/// reason queued (what was done before stays done, as there).
pub(crate) fn ctx_use_certificate_and_chain(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    leaf: &X509Ref,
    chain: &[X509],
) -> bool {
    // SAFETY: exclusive ctx access; OpenSSL takes its own reference to each certificate
    // (use_certificate up-refs, add1 is add0 plus an up-ref).
    unsafe {
        if sys::SSL_CTX_use_certificate(ctx.as_ptr(), leaf.as_ptr()) != 1 {
            return false;
        }
        if sys::SSL_CTX_ctrl(ctx.as_ptr(), SSL_CTRL_CHAIN, 0, ptr::null_mut()) == 0 {
            return false;
        }
        chain.iter().all(|x| {
            sys::SSL_CTX_ctrl(ctx.as_ptr(), sys::SSL_CTRL_CHAIN_CERT, 1, x.as_ptr().cast()) == 1
        })
    }
}

/// `SSL_CTX_use_PrivateKey`.
pub(crate) fn ctx_use_private_key(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    key: &openssl::pkey::PKeyRef<openssl::pkey::Private>,
) -> bool {
    // SAFETY: exclusive ctx access; OpenSSL takes its own reference to the key.
    unsafe { sys::SSL_CTX_use_PrivateKey(ctx.as_ptr(), key.as_ptr()) == 1 }
}

/// Undo what rust-openssl's presets add on top of a fresh `SSL_CTX` and CPython's
/// constructor never sets: OpenSSL's default TLS 1.3 suites (and, with `cipher_list`, its
/// default cipher list) instead of the preset's, and no temporary DH parameters nor automatic
/// DH (so DHE suites are refused, as by a CPython server without `load_dh_params`). `false`
/// if OpenSSL refused one of them (the error is on the queue).
pub(crate) fn ctx_reset_preset_extras(ctx: &mut SslContextBuilder, cipher_list: bool) -> bool {
    let p = ctx.as_ptr();
    // SAFETY: exclusive access to a live SSL_CTX (`&mut`); the default lists are static
    // strings owned by OpenSSL. `SSL_CTX_set0_tmp_dh_pkey(ctx, NULL)` frees the preset's
    // parameters, but the default security callback refuses a NULL key at every level, so a
    // callback that allows everything is installed for that one call and the previous one
    // restored right after; no connection can be made from a builder meanwhile.
    unsafe {
        let suites = sys::SSL_CTX_set_ciphersuites(p, OSSL_default_ciphersuites()) == 1;
        let list = !cipher_list || sys::SSL_CTX_set_cipher_list(p, OSSL_default_cipher_list()) == 1;
        let previous = SSL_CTX_get_security_callback(p);
        SSL_CTX_set_security_callback(p, Some(crate::callbacks::allow_any_security));
        let dh = sys::SSL_CTX_set0_tmp_dh_pkey(p, ptr::null_mut()) == 1;
        SSL_CTX_set_security_callback(p, previous);
        sys::SSL_CTX_set_dh_auto(p, 0);
        suites && list && dh
    }
}

/// `SSL_CTX_get_security_level` / `SSL_CTX_set_security_level`.
pub(crate) fn ctx_security_level(ctx: &SslContextRef) -> c_int {
    // SAFETY: reads one field of the live ctx.
    unsafe { sys::SSL_CTX_get_security_level(ctx.as_ptr()) }
}

pub(crate) fn ctx_set_security_level(ctx: &mut SslContextBuilder, level: c_int) {
    // SAFETY: exclusive ctx access.
    unsafe { sys::SSL_CTX_set_security_level(ctx.as_ptr(), level) }
}

/// `SSL_CTX_check_private_key`.
pub(crate) fn ctx_check_private_key(_queue: &ErrQueue, ctx: &SslContextRef) -> bool {
    // SAFETY: reads the ctx's certificate and key.
    unsafe { sys::SSL_CTX_check_private_key(ctx.as_ptr()) == 1 }
}

/// Install (`Some`) or remove (`None`) the default PEM password callback and its userdata.
///
/// # Safety
/// `userdata` must stay valid for as long as the callback stays installed, and `cb` must
/// interpret it correctly. The caller holds the ctx exclusively for that whole time.
pub(crate) unsafe fn ctx_set_password_callback(
    ctx: &mut SslContextBuilder,
    cb: Option<PemPasswordCb>,
    userdata: *mut c_void,
) {
    // SAFETY: exclusive ctx access; the pointer contract is the caller's (see # Safety).
    unsafe {
        SSL_CTX_set_default_passwd_cb(ctx.as_ptr(), cb);
        SSL_CTX_set_default_passwd_cb_userdata(ctx.as_ptr(), userdata);
    }
}

// ---------------------------------------------------------------------------------------------
// Memory BIOs and the certificate store

/// A read-only memory BIO over borrowed bytes (`BIO_new_mem_buf`).
pub(crate) struct MemBio<'a> {
    bio: *mut sys::BIO,
    _data: &'a [u8],
}

impl<'a> MemBio<'a> {
    /// `None` if the data is longer than `INT_MAX` or allocation failed.
    pub(crate) fn new(data: &'a [u8]) -> Option<MemBio<'a>> {
        let len = c_int::try_from(data.len()).ok()?;
        // SAFETY: the BIO borrows `data` read-only; `_data` ties its lifetime to ours.
        let bio = unsafe { sys::BIO_new_mem_buf(data.as_ptr().cast::<c_void>(), len) };
        (!bio.is_null()).then_some(MemBio { bio, _data: data })
    }

    /// `BIO_eof`.
    pub(crate) fn eof(&self) -> bool {
        // SAFETY: live BIO; BIO_CTRL_EOF takes no pointer.
        unsafe { sys::BIO_ctrl(self.bio, BIO_CTRL_EOF, 0, ptr::null_mut()) == 1 }
    }

    /// `d2i_X509_bio`: the next DER certificate, or `None` (queue holds the reason).
    pub(crate) fn read_der_x509(&mut self) -> Option<X509> {
        // SAFETY: live BIO; a non-NULL result is a new X509 we take ownership of.
        let p = unsafe { sys::d2i_X509_bio(self.bio, ptr::null_mut()) };
        // SAFETY: p is NULL or an owned X509.
        (!p.is_null()).then(|| unsafe { X509::from_ptr(p) })
    }

    /// `PEM_read_bio_X509` without a password callback.
    pub(crate) fn read_pem_x509(&mut self) -> Option<X509> {
        // SAFETY: live BIO; NULL callback and userdata; a non-NULL result is owned by us.
        let p = unsafe { sys::PEM_read_bio_X509(self.bio, ptr::null_mut(), None, ptr::null_mut()) };
        // SAFETY: p is NULL or an owned X509.
        (!p.is_null()).then(|| unsafe { X509::from_ptr(p) })
    }
}

impl Drop for MemBio<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the BIO and free it once.
        unsafe {
            BIO_free(self.bio);
        }
    }
}

/// `X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert)`; false on failure, with the
/// queue left for the caller (CPython ignores CERT_ALREADY_IN_HASH_TABLE).
pub(crate) fn ctx_store_add_cert(
    _queue: &ErrQueue,
    ctx: &mut SslContextBuilder,
    cert: &X509Ref,
) -> bool {
    // SAFETY: exclusive ctx access; the store belongs to the ctx; add_cert up-refs cert.
    unsafe {
        sys::X509_STORE_add_cert(sys::SSL_CTX_get_cert_store(ctx.as_ptr()), cert.as_ptr()) == 1
    }
}

/// `X509_check_ca(cert) != 0`.
pub(crate) fn x509_is_ca(cert: &X509Ref) -> bool {
    // SAFETY: X509_check_ca only caches extension data inside the certificate, which OpenSSL
    // guards with the certificate's own lock.
    unsafe { X509_check_ca(cert.as_ptr()) != 0 }
}

// ---------------------------------------------------------------------------------------------
// Ciphers

/// `SSL_get_ciphers(ssl)`, decoded as CPython's `cipher_to_dict` reads each `SSL_CIPHER`.
pub(crate) fn ssl_ciphers(ssl: &SslRef) -> Vec<CipherInfo> {
    let mut out = Vec::new();
    // SAFETY: the SSL is live for the whole call; the stack and its ciphers are owned by it
    // (ciphers are static tables) and only read here.
    unsafe {
        let sk = SSL_get_ciphers(ssl.as_ptr());
        if sk.is_null() {
            return out;
        }
        for i in 0..sys::OPENSSL_sk_num(sk.cast()) {
            let c = sys::OPENSSL_sk_value(sk.cast(), i) as *const sys::SSL_CIPHER;
            if c.is_null() {
                continue;
            }
            let mut buf = [0 as c_char; 128];
            let desc = sys::SSL_CIPHER_description(c, buf.as_mut_ptr(), buf.len() as c_int);
            let mut description = cstr_opt(desc).unwrap_or_default();
            if description.ends_with('\n') {
                description.pop();
            }
            let mut alg_bits: c_int = 0;
            let strength_bits = sys::SSL_CIPHER_get_bits(c, &mut alg_bits);
            out.push(CipherInfo {
                id: SSL_CIPHER_get_id(c),
                name: cstr_opt(sys::SSL_CIPHER_get_name(c)).unwrap_or_default(),
                protocol: cstr_opt(sys::SSL_CIPHER_get_version(c)).unwrap_or_default(),
                description,
                strength_bits,
                alg_bits,
                aead: SSL_CIPHER_is_aead(c) != 0,
                symmetric: obj_nid2ln(sys::SSL_CIPHER_get_cipher_nid(c)),
                digest: obj_nid2ln(sys::SSL_CIPHER_get_digest_nid(c)),
                kea: obj_nid2ln(SSL_CIPHER_get_kx_nid(c)),
                auth: obj_nid2ln(SSL_CIPHER_get_auth_nid(c)),
            });
        }
    }
    out
}

/// The names of the TLS 1.2-and-below ciphers of `SSL_CTX_get_ciphers(ctx)`, in order (TLS
/// 1.3 suites left out: a cipher-list string cannot name them).
pub(crate) fn ctx_tls12_cipher_names(ctx: &SslContextRef) -> Vec<String> {
    let mut out = Vec::new();
    // SAFETY: the stack belongs to the live SSL_CTX, which the caller borrows under the
    // context's lock (so `set_ciphers` cannot replace it meanwhile); it is only read here, and
    // the ciphers themselves are static tables.
    unsafe {
        let sk = SSL_CTX_get_ciphers(ctx.as_ptr());
        if sk.is_null() {
            return out;
        }
        for i in 0..sys::OPENSSL_sk_num(sk.cast()) {
            let c = sys::OPENSSL_sk_value(sk.cast(), i) as *const sys::SSL_CIPHER;
            if c.is_null() || cstr_opt(sys::SSL_CIPHER_get_version(c)).as_deref() == Some("TLSv1.3")
            {
                continue;
            }
            if let Some(name) = cstr_opt(sys::SSL_CIPHER_get_name(c)) {
                out.push(name);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Library-level facts

/// `OpenSSL_version_num()` of the running library.
pub(crate) fn openssl_version_number() -> u64 {
    // SAFETY: no arguments.
    unsafe { sys::OpenSSL_version_num() as u64 }
}

/// `OpenSSL_version(OPENSSL_VERSION)`.
pub(crate) fn openssl_version_text() -> String {
    // SAFETY: returns a static string.
    cstr_opt(unsafe { sys::OpenSSL_version(sys::OPENSSL_VERSION) }).unwrap_or_default()
}

/// `(X509_get_default_cert_file_env(), X509_get_default_cert_file(),
///   X509_get_default_cert_dir_env(), X509_get_default_cert_dir())`.
pub(crate) fn default_verify_paths() -> (String, String, String, String) {
    // SAFETY: each returns a static string.
    unsafe {
        (
            cstr_opt(sys::X509_get_default_cert_file_env()).unwrap_or_default(),
            cstr_opt(sys::X509_get_default_cert_file()).unwrap_or_default(),
            cstr_opt(sys::X509_get_default_cert_dir_env()).unwrap_or_default(),
            cstr_opt(sys::X509_get_default_cert_dir()).unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every symbol declared in our extern block links and answers sanely.
    #[test]
    fn declared_symbols_link() {
        let builder = SslContextBuilder::new(openssl::ssl::SslMethod::tls_client()).expect("ctx");
        let ctx = builder.build();
        let ssl = openssl::ssl::Ssl::new(&ctx).expect("ssl");
        let ciphers = ssl_ciphers(&ssl);
        assert!(!ciphers.is_empty());
        assert!(ciphers.iter().any(|c| c.aead && c.kea.is_some()));
        assert!(store::objects(ctx.cert_store()).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Methods and borrowing

/// The `SSL_METHOD` for a CPython protocol number, or `None` if unknown/unsupported.
///
/// OpenSSL 4.0 removed the pinned-version methods (`TLSv1_method`, ...), so there
/// `PROTOCOL_TLSv1`, `PROTOCOL_TLSv1_1` and `PROTOCOL_TLSv1_2` are unsupported protocols.
pub(crate) fn method_for_protocol(protocol: i32) -> Option<openssl::ssl::SslMethod> {
    use openssl::ssl::SslMethod;
    match protocol {
        2 => Some(SslMethod::tls()),
        16 => Some(SslMethod::tls_client()),
        17 => Some(SslMethod::tls_server()),
        #[cfg(not(ossl400))]
        // SAFETY: the pinned-version methods return static tables (deprecated but present in
        // OpenSSL 1.1.1 and 3.x builds without OPENSSL_NO_TLS1*_METHOD).
        3 => Some(unsafe { SslMethod::from_ptr(TLSv1_method()) }),
        #[cfg(not(ossl400))]
        // SAFETY: as above.
        4 => Some(unsafe { SslMethod::from_ptr(TLSv1_1_method()) }),
        #[cfg(not(ossl400))]
        // SAFETY: as above.
        5 => Some(unsafe { SslMethod::from_ptr(TLSv1_2_method()) }),
        _ => None,
    }
}

// SAFETY: prototypes from OpenSSL 1.1.1/3.x's ssl.h (`const SSL_METHOD *TLSv1_method(void);`).
#[cfg(not(ossl400))]
unsafe extern "C" {
    fn TLSv1_method() -> *const sys::SSL_METHOD;
    fn TLSv1_1_method() -> *const sys::SSL_METHOD;
    fn TLSv1_2_method() -> *const sys::SSL_METHOD;
}

/// Borrow a builder's `SSL_CTX` as an `SslContextRef` for read-only calls.
pub(crate) fn builder_ref(builder: &SslContextBuilder) -> &SslContextRef {
    // SAFETY: the builder owns a live SSL_CTX for at least the borrow's lifetime; the
    // returned reference only allows the read-only API.
    unsafe { SslContextRef::from_ptr(builder.as_ptr()) }
}
