//! The C callbacks pyssl gives OpenSSL, all in one place: the context and connection
//! trampolines (SNI, verify, password, key log, ALPN, ...), the methods of pyssl's `BIO`
//! (installed by `ffi::bio`), and the trust-store lookup hooks and `X509_INFO` destructor
//! (installed by `ffi::store`).
//!
//! Rules (see `context` for the locking model):
//! * each trampoline is installed on an `SSL_CTX` at most once and never replaced; what it
//!   calls lives in a [`Slots`] value stored in the ctx's ex_data (set once, at construction,
//!   and freed by OpenSSL's ex_data free hook when the last `SSL_CTX` reference goes away), so
//!   a handshake on another thread can never see a freed closure;
//! * changing a Python-level callback only swaps the `Arc` inside a slot, under the slot's own
//!   mutex; the trampoline clones the `Arc` and releases the mutex before calling;
//! * no panic crosses into C: every trampoline body runs under `catch_unwind`.

use std::ffi::{c_char, c_int, c_void};
use std::fs::File;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, OnceLock};

use foreign_types::ForeignTypeRef;
use openssl::ex_data::Index;
use openssl::ssl::{SslContext, SslContextBuilder, SslContextRef};
use openssl::x509::X509NameRef;
use openssl::x509::store::X509StoreRef;
use openssl_sys as sys;

use crate::error::{Error, Result};
use crate::ffi::helgrind::Access;
use crate::ffi::store::{self as raw, LookupObserver, ObjKind};

/// What the servername trampoline asks the connection layer to do for one handshake (see
/// `connection::sni`): given the `SSL` and the slots of its current `SSL_CTX`, answer as
/// OpenSSL's servername callback does.
pub(crate) type SniDispatch = fn(&mut openssl::ssl::SslRef, &Slots) -> SniAnswer;

/// What every servername trampoline calls, set with the first SNI callback of the process
/// (the trampoline of a connection's current `SSL_CTX` may run without that context ever
/// having had a callback: OpenSSL calls the first context's after an SNI switch).
/// A mutex rather than a `OnceLock`: helgrind sees its (annotated) lock, not the atomics.
static SNI_DISPATCH: Mutex<Option<SniDispatch>> = Mutex::new(None);

/// A servername callback's answer.
pub(crate) enum SniAnswer {
    /// As if no callback were installed (`SSL_TLSEXT_ERR_NOACK`).
    NoAck,
    /// Continue the handshake (`SSL_TLSEXT_ERR_OK`).
    Ok,
    /// Abort it with this alert (`SSL_TLSEXT_ERR_ALERT_FATAL`).
    Alert(c_int),
}

/// The swappable state behind the trampolines of one `SSL_CTX`.
#[derive(Default)]
pub(crate) struct Slots {
    /// The open key log file, if `keylog_filename` is set.
    pub keylog: Mutex<Option<Arc<Mutex<File>>>>,
    /// The SNI callback, as the connection layer stores it (its `SniCallback`: this layer
    /// sits below the connection and context types the callback takes).
    pub sni: Mutex<Option<Arc<dyn std::any::Any + Send + Sync>>>,
    /// The ALPN protocol list in wire format (server-side selection).
    pub alpn: Mutex<Option<Arc<Vec<u8>>>>,
    /// Whether the servername trampoline is installed on the SSL_CTX.
    pub sni_installed: std::sync::atomic::AtomicBool,
    /// Whether the key-log trampoline is installed on the SSL_CTX.
    pub keylog_installed: std::sync::atomic::AtomicBool,
}

fn slots_index() -> Option<Index<SslContext, Arc<Slots>>> {
    static INDEX: OnceLock<Option<Index<SslContext, Arc<Slots>>>> = OnceLock::new();
    *INDEX.get_or_init(|| SslContext::new_ex_index::<Arc<Slots>>().ok())
}

/// Attach fresh slots to a new context (called once, at construction).
pub(crate) fn attach_slots(ctx: &mut SslContextBuilder) -> Result<Arc<Slots>> {
    let index =
        slots_index().ok_or_else(|| Error::memory("cannot allocate an SSL_CTX ex_data index"))?;
    let slots = Arc::new(Slots::default());
    // Set exactly once per SSL_CTX, before any SSL exists, so rust-openssl's in-place
    // replacement of ex_data never happens.
    ctx.set_ex_data(index, slots.clone());
    Ok(slots)
}

/// What a slot holds, cloned (the slot's lock is released before the caller uses it).
pub(crate) fn slot_get<T: Clone>(slot: &Mutex<Option<T>>) -> Option<T> {
    let guard = slot.lock().ok()?;
    let guard = crate::ffi::helgrind::acquired(guard, slot, Access::Exclusive);
    (*guard).clone()
}

/// Replace what a slot holds (the old value is dropped under the slot's lock).
pub(crate) fn slot_set<T>(slot: &Mutex<Option<T>>, value: Option<T>) {
    if let Ok(guard) = slot.lock() {
        *crate::ffi::helgrind::acquired(guard, slot, Access::Exclusive) = value;
    }
}

fn slots_of(ctx: &SslContextRef) -> Option<Arc<Slots>> {
    ctx.ex_data(slots_index()?).cloned()
}

// ---------------------------------------------------------------------------------------------
// Key log

/// Run `f` so that no panic unwinds out of it into OpenSSL: `None` if it panicked. The
/// panic's payload is dropped with [`drop_payload`].
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(drop_payload).ok()
}

/// Drop a caught panic's payload where nothing may unwind: a payload whose own `Drop`
/// panics would otherwise unwind out of the C callback, which aborts the process. The
/// second payload is leaked instead of dropped.
pub(crate) fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

const KEYLOG_HEADER: &str = "# TLS secrets log file, generated by OpenSSL / Python\n";

/// Open `path` for appending as CPython's `keylog_filename` setter does, writing the header
/// line when the file is empty.
pub(crate) fn open_keylog(path: &std::path::Path) -> std::io::Result<File> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    if f.metadata()?.len() == 0 {
        f.write_all(KEYLOG_HEADER.as_bytes())?;
        f.flush()?;
    }
    Ok(f)
}

unsafe extern "C" fn keylog_trampoline(ssl: *const sys::SSL, line: *const c_char) {
    catch(|| {
        if ssl.is_null() || line.is_null() {
            return;
        }
        // SAFETY: OpenSSL passes the live SSL doing the handshake and a NUL-terminated line;
        // SSL_get_SSL_CTX returns its current (live) SSL_CTX, where OpenSSL also found this
        // callback.
        let (ctx, text) = unsafe {
            let ctx = SslContextRef::from_ptr(sys::SSL_get_SSL_CTX(ssl));
            (ctx, std::ffi::CStr::from_ptr(line).to_bytes())
        };
        let Some(slots) = slots_of(ctx) else { return };
        let file = slot_get(&slots.keylog);
        if let Some(file) = file {
            if let Ok(mut f) = file.lock() {
                let _ = f.write_all(text);
                let _ = f.write_all(b"\n");
                let _ = f.flush();
            }
        }
    });
}

/// Set (or clear) the key log file of a context; the caller holds the context's write lock.
///
/// The trampoline is installed when a file is first set and never removed, so a handshake
/// running on another thread never sees the C callback change under it; a cleared slot makes
/// it write nothing. It is not installed on every context because OpenSSL formats every
/// secret as hex text before calling it, file or no file: about 0.45 M instructions per
/// TLS 1.3 handshake (callgrind, `benches/contexts.rs`), 5 % of a handshake. So its one
/// installation can race with a handshake already running on the context, as the SNI
/// trampoline's can: see the threading model in `context`.
pub(crate) fn set_keylog(ctx: &mut SslContextBuilder, slots: &Slots, file: Option<File>) {
    let install = file.is_some();
    slot_set(&slots.keylog, file.map(|f| Arc::new(Mutex::new(f))));
    if install
        && !slots
            .keylog_installed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        // SAFETY: the caller's write lock excludes every other pyssl access to the SSL_CTX;
        // the trampoline is a 'static function that only touches the ctx's slots.
        unsafe { sys::SSL_CTX_set_keylog_callback(ctx.as_ptr(), Some(keylog_trampoline)) }
    }
}

// ---------------------------------------------------------------------------------------------
// ALPN (server-side selection)

unsafe extern "C" fn alpn_select_trampoline(
    ssl: *mut sys::SSL,
    out: *mut *const u8,
    outlen: *mut u8,
    inp: *const u8,
    inlen: u32,
    _arg: *mut c_void,
) -> c_int {
    let r = catch(|| {
        // SAFETY: OpenSSL passes the live SSL and the client's list (inp, inlen).
        let ctx = unsafe { SslContextRef::from_ptr(sys::SSL_get_SSL_CTX(ssl)) };
        let Some(slots) = slots_of(ctx) else {
            return sys::SSL_TLSEXT_ERR_NOACK;
        };
        let Some(server) = slot_get(&slots.alpn) else {
            return sys::SSL_TLSEXT_ERR_NOACK;
        };
        let Ok(server_len) = u32::try_from(server.len()) else {
            return sys::SSL_TLSEXT_ERR_NOACK;
        };
        if out.is_null() || outlen.is_null() || inp.is_null() {
            return sys::SSL_TLSEXT_ERR_NOACK;
        }
        // SAFETY: both lists are readable for the given lengths (`server` is held by this
        // closure); SSL_select_next_proto writes a pointer and a length to `out`/`outlen`.
        let rc = unsafe {
            sys::SSL_select_next_proto(
                out as *mut *mut u8,
                outlen,
                server.as_ptr(),
                server_len,
                inp,
                inlen,
            )
        };
        if rc != sys::OPENSSL_NPN_NEGOTIATED {
            return sys::SSL_TLSEXT_ERR_NOACK;
        }
        // The selection now points into `server`, the slot's list, in the server's order of
        // preference (as CPython selects). OpenSSL copies it only after this callback
        // returns, and by then `server` may be freed: `set_alpn_protocols` on another thread
        // may have replaced the slot, which makes this clone the last reference (a
        // use-after-free: tests/stress.rs saw it as a malformed ALPN extension, and
        // AddressSanitizer reports it). So point `out` at the same protocol in the client's
        // list, which the SSL keeps for the whole handshake.
        // SAFETY: on success `*out`/`*outlen` name a protocol inside `server`, alive here; the
        // client's list is `inlen` readable bytes at `inp`.
        let (chosen, client) = unsafe {
            (
                std::slice::from_raw_parts(*out, usize::from(*outlen)),
                std::slice::from_raw_parts(inp, inlen as usize),
            )
        };
        match protocol_offset(client, chosen) {
            Some(offset) => {
                // SAFETY: `offset` is within the client's list (checked by protocol_offset),
                // and `out` is OpenSSL's valid out-pointer.
                unsafe { *out = inp.add(offset) };
                sys::SSL_TLSEXT_ERR_OK
            }
            None => sys::SSL_TLSEXT_ERR_NOACK,
        }
    });
    r.unwrap_or(sys::SSL_TLSEXT_ERR_ALERT_FATAL)
}

/// Where `name` starts in an ALPN wire-format list (length-prefixed names), if it is there.
fn protocol_offset(list: &[u8], name: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(&len) = list.get(i) {
        let start = i + 1;
        let entry = list.get(start..start + usize::from(len))?;
        if entry == name {
            return Some(start);
        }
        i = start + usize::from(len);
    }
    None
}

/// Install the ALPN select trampoline (once, when the context is created).
pub(crate) fn install_alpn_select(ctx: &mut SslContextBuilder) {
    // SAFETY: exclusive ctx access (no other thread has seen it yet); the trampoline is
    // 'static and reads only the slots.
    unsafe {
        sys::SSL_CTX_set_alpn_select_cb__fixed_rust(
            ctx.as_ptr(),
            Some(alpn_select_trampoline),
            std::ptr::null_mut(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// PEM password (load_cert_chain)

/// Where a password comes from during one `load_cert_chain` call.
pub(crate) enum PasswordSource<'a> {
    /// Bytes given up front.
    Bytes(&'a [u8]),
    /// A callable asked when OpenSSL needs the password.
    Callback(&'a mut dyn FnMut() -> Result<Vec<u8>>),
}

/// Per-call state the password trampoline reads and writes.
pub(crate) struct PasswordState<'a> {
    /// `None`: no callback is installed at all (CPython's `password=None`).
    pub source: Option<PasswordSource<'a>>,
    /// The first Rust-level error raised while OpenSSL asked (CPython's `pw_info.error`).
    pub error: Option<Error>,
    /// That error arose while a password *callback* was the source.
    pub error_in_callback: bool,
    /// That error was raised by the callback itself (not the length check).
    pub callback_raised: bool,
}

unsafe extern "C" fn password_trampoline(
    buf: *mut c_char,
    size: c_int,
    _rwflag: c_int,
    userdata: *mut c_void,
) -> c_int {
    let r = catch(|| {
        if userdata.is_null() || buf.is_null() {
            return -1;
        }
        // SAFETY: userdata is the PasswordState installed by with_password_callback, which
        // outlives the installation; OpenSSL calls us on the same thread, inside that call.
        let state = unsafe { &mut *(userdata as *mut PasswordState<'_>) };
        let password: Vec<u8> = match &mut state.source {
            None => return -1,
            Some(PasswordSource::Bytes(b)) => b.to_vec(),
            Some(PasswordSource::Callback(f)) => match catch(f)
                .unwrap_or_else(|| Err(Error::system("the password callback panicked")))
            {
                Ok(p) => p,
                Err(e) => {
                    if state.error.is_none() {
                        state.error = Some(e);
                        state.error_in_callback = true;
                        state.callback_raised = true;
                    }
                    return -1;
                }
            },
        };
        let capacity = usize::try_from(size).unwrap_or(0);
        if password.len() > capacity {
            if state.error.is_none() {
                state.error = Some(Error::value(format!(
                    "password cannot be longer than {size} bytes"
                )));
                state.error_in_callback = matches!(state.source, Some(PasswordSource::Callback(_)));
            }
            return -1;
        }
        // SAFETY: buf has room for `size` bytes and password.len() <= size.
        unsafe { std::ptr::copy_nonoverlapping(password.as_ptr(), buf as *mut u8, password.len()) };
        password.len() as c_int
    });
    r.unwrap_or(-1)
}

/// Run `f` with the default password callback installed for `state`, restoring "no
/// callback" afterwards (CPython restores the previous one; pyssl never installs another).
pub(crate) fn with_password_callback<T>(
    ctx: &mut SslContextBuilder,
    state: &mut PasswordState<'_>,
    f: impl FnOnce(&mut SslContextBuilder) -> T,
) -> T {
    if state.source.is_none() {
        return f(ctx);
    }
    let p = state as *mut PasswordState<'_> as *mut c_void;
    // SAFETY: `state` outlives the installation, which ends before this function returns;
    // the caller holds the ctx exclusively, so no other thread can trigger the callback.
    unsafe { crate::ffi::ctx_set_password_callback(ctx, Some(password_trampoline), p) };
    let out = f(ctx);
    // SAFETY: removing the callback; NULL userdata is never dereferenced.
    unsafe { crate::ffi::ctx_set_password_callback(ctx, None, std::ptr::null_mut()) };
    out
}

// ---------------------------------------------------------------------------------------------
// Server name (SNI)

// `SSL_TLSEXT_ERR_NOACK`: what OpenSSL assumes when no servername callback is installed.
use openssl_sys::SSL_TLSEXT_ERR_NOACK;

unsafe extern "C" fn servername_trampoline(
    ssl: *mut sys::SSL,
    al: *mut c_int,
    _arg: *mut c_void,
) -> c_int {
    let r = catch(|| {
        if ssl.is_null() {
            return SSL_TLSEXT_ERR_NOACK;
        }
        // SAFETY: OpenSSL passes the live SSL whose handshake is running on this thread; we
        // hold the only Rust reference to it for the duration of the callback (the caller's
        // stream is inside SSL_do_handshake and does not touch it meanwhile).
        let ssl_ref = unsafe { openssl::ssl::SslRef::from_ptr_mut(ssl) };
        let Some(slots) = slots_of(ssl_ref.ssl_context()) else {
            return SSL_TLSEXT_ERR_NOACK;
        };
        let Some(dispatch) = slot_get(&SNI_DISPATCH) else {
            return SSL_TLSEXT_ERR_NOACK;
        };
        match dispatch(ssl_ref, &slots) {
            SniAnswer::NoAck => SSL_TLSEXT_ERR_NOACK,
            SniAnswer::Ok => sys::SSL_TLSEXT_ERR_OK,
            SniAnswer::Alert(a) => alert(al, a),
        }
    });
    r.unwrap_or(sys::SSL_TLSEXT_ERR_ALERT_FATAL)
}

fn alert(al: *mut c_int, value: c_int) -> c_int {
    if !al.is_null() {
        // SAFETY: OpenSSL passes a valid out-pointer for the alert.
        unsafe { *al = value };
    }
    sys::SSL_TLSEXT_ERR_ALERT_FATAL
}

/// Set (or clear) the SNI callback of a context; the caller holds the context's write lock.
///
/// The trampoline is installed when a callback is first set and never removed or replaced,
/// so a handshake running on another thread never sees the C callback change under it. A
/// cleared slot makes the trampoline answer as if no callback were installed. (OpenSSL's
/// server treats the mere presence of a servername callback slightly differently: a server
/// without any certificate fails with `NO_SUITABLE_SIGNATURE_ALGORITHM` instead of
/// `NO_SHARED_CIPHER`. That is why the trampoline is not installed on every context, and why
/// its one installation can race with a handshake already running on the context: see the
/// threading model in `context`.)
pub(crate) fn set_sni(
    ctx: &mut SslContextBuilder,
    slots: &Slots,
    callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
    dispatch: SniDispatch,
) {
    let install = callback.is_some();
    slot_set(&slots.sni, callback);
    if install {
        // Every caller passes the same function.
        slot_set(&SNI_DISPATCH, Some(dispatch));
    }
    if install
        && !slots
            .sni_installed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        install_servername(ctx);
    }
}

/// Install the servername trampoline (once per SSL_CTX).
fn install_servername(ctx: &mut SslContextBuilder) {
    // SAFETY: exclusive ctx access at construction; the trampoline is 'static and reads only
    // the slots and the SSL's own ex_data. The NULL argument is never dereferenced.
    unsafe {
        sys::SSL_CTX_set_tlsext_servername_callback__fixed_rust(
            ctx.as_ptr(),
            Some(servername_trampoline),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Certificate verification: CPython's key denylist (3.13.18, 3.14.10, 3.15.2)

/// CPython's verify callback from 3.13.18 / 3.14.10 / 3.15.2 (gh-160040), called by OpenSSL once
/// per certificate of the chain it built, trust anchor first: an earlier failure stands
/// (`preverify_ok == 0` is returned as is); a certificate whose key is on
/// [`crate::denylist`] fails with `X509_V_ERR_CERT_REJECTED`; a key that cannot be encoded
/// or hashed fails with `X509_V_ERR_UNSPECIFIED`. It reads nothing but its arguments, so it is
/// installed on the `SSL_CTX` (and kept on connections) without any slot.
extern "C" fn denylist_verify_trampoline(
    preverify_ok: c_int,
    store_ctx: *mut sys::X509_STORE_CTX,
) -> c_int {
    if preverify_ok == 0 {
        return 0;
    }
    let verdict = catch(|| {
        // SAFETY: OpenSSL passes the live X509_STORE_CTX of the verification in progress; the
        // current certificate it returns is borrowed from it (or NULL, checked) for this call.
        let cert = unsafe { sys::X509_STORE_CTX_get_current_cert(store_ctx) };
        if cert.is_null() {
            return Ok(preverify_ok);
        }
        // SAFETY: non-NULL, owned by the store context for the duration of the callback.
        let cert = unsafe { openssl::x509::X509Ref::from_ptr(cert) };
        match crate::ffi::x509::spki_der(cert) {
            Some(der) if crate::denylist::is_denylisted_spki(&der) => {
                Err(sys::X509_V_ERR_CERT_REJECTED)
            }
            Some(_) => Ok(1),
            None => Err(sys::X509_V_ERR_UNSPECIFIED),
        }
    })
    .unwrap_or(Err(sys::X509_V_ERR_UNSPECIFIED));
    match verdict {
        Ok(ok) => ok,
        Err(code) => {
            // SAFETY: the live store context OpenSSL passed; recording the error is what a
            // verify callback that returns 0 is expected to do.
            unsafe { sys::X509_STORE_CTX_set_error(store_ctx, code) };
            0
        }
    }
}

/// The verify callback a context of `profile` carries: CPython's denylist check where the
/// release has it, none otherwise (OpenSSL's default).
pub(crate) fn verify_callback(profile: &crate::Profile) -> Option<crate::ffi::VerifyCallback> {
    profile
        .key_denylist
        .then_some(denylist_verify_trampoline as crate::ffi::VerifyCallback)
}

// ---------------------------------------------------------------------------------------------
// Certificate verification: a chain checked in place of a stand-in's (`verdicts`)

/// The chain `pyssl verdicts` verifies in place of the stand-in certificate its in-memory peer
/// presents when the leaf's key is not at hand: the leaf, and everything sent with it. It
/// lives in the ex_data of the verdict's own `SSL_CTX` (freed with it).
pub(crate) struct StandInChain {
    pub(crate) leaf: openssl::x509::X509,
    pub(crate) untrusted: openssl::stack::Stack<openssl::x509::X509>,
}

fn stand_in_index() -> Option<Index<SslContext, StandInChain>> {
    static INDEX: OnceLock<Option<Index<SslContext, StandInChain>>> = OnceLock::new();
    *INDEX.get_or_init(|| SslContext::new_ex_index::<StandInChain>().ok())
}

/// OpenSSL's certificate-verification step (`SSL_CTX_set_cert_verify_callback`): the store
/// context comes set up for the peer's chain, with every setting of the connection (trust
/// store, verify parameters with the host name, security level, the verify callback that
/// carries the denylist); the leaf and untrusted certificates are swapped for those of the
/// [`StandInChain`] of the connection's `SSL_CTX`, then OpenSSL's own `X509_verify_cert`
/// runs, as it would have. Without one (not reached), verification fails.
extern "C" fn stand_in_verify_trampoline(
    store_ctx: *mut sys::X509_STORE_CTX,
    _arg: *mut c_void,
) -> c_int {
    catch(|| {
        let index = stand_in_index()?;
        // SAFETY: OpenSSL passes the live store context of a connection's verification, whose
        // ex_data at SSL_get_ex_data_X509_STORE_CTX_idx() is that connection's SSL (checked
        // for NULL), alive for the duration of the callback.
        let ssl = unsafe {
            sys::X509_STORE_CTX_get_ex_data(store_ctx, sys::SSL_get_ex_data_X509_STORE_CTX_idx())
        };
        if ssl.is_null() {
            return None;
        }
        // SAFETY: non-NULL, the SSL of the handshake in progress, borrowed for this call.
        let ssl = unsafe { openssl::ssl::SslRef::from_ptr(ssl.cast()) };
        let chain = ssl.ssl_context().ex_data(index)?;
        // SAFETY: the live store context; the leaf and the stack belong to the SSL_CTX's
        // ex_data, which outlives the handshake, and the store context only borrows them
        // (`set_cert`, `set0_untrusted`) for this verification.
        Some(unsafe {
            sys::X509_STORE_CTX_set_cert(store_ctx, chain.leaf.as_ptr());
            crate::ffi::x509::store_ctx_set0_untrusted(store_ctx, chain.untrusted.as_ptr());
            sys::X509_verify_cert(store_ctx)
        })
    })
    .flatten()
    .unwrap_or(0)
}

/// Verify `chain` in place of the peer's chain on every connection of `ctx` (a context made
/// for one verdict: the chain stays with it until it is freed).
pub(crate) fn install_stand_in_chain(
    ctx: &mut SslContextBuilder,
    chain: StandInChain,
) -> Result<()> {
    let index = stand_in_index().ok_or_else(|| Error::memory("no ex_data index"))?;
    ctx.set_ex_data(index, chain);
    // SAFETY: the trampoline reads only its store context and the SSL_CTX's ex_data, which
    // lives as long as the SSL_CTX; the argument is unused.
    unsafe {
        crate::ffi::x509::ctx_set_cert_verify_callback(
            ctx,
            Some(stand_in_verify_trampoline),
            std::ptr::null_mut(),
        )
    };
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The transport BIO (`ffi::bio`): OpenSSL calls these from inside an SSL call made through a
// `&mut TlsStream`, so each has exclusive use of the BIO's state.

/// Whether a transport error means "try again" (the BIO's retry flag) rather than failure:
/// no data yet on a non-blocking or timed-out transport, and a transport taken back by
/// `unwrap()` (as rust-openssl's stream BIO does).
fn retriable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::NotConnected
    )
}

pub(crate) unsafe extern "C" fn bio_write<S: std::io::Write>(
    bio: *mut sys::BIO,
    buf: *const c_char,
    len: c_int,
) -> c_int {
    // SAFETY: OpenSSL passes our live BIO and a buffer of len readable bytes.
    unsafe { sys::BIO_clear_retry_flags(bio) };
    // SAFETY: a BIO of TlsStream<S>, used by this call only (see above).
    let state = unsafe { crate::ffi::bio::bio_state::<S>(bio) };
    let data = if len <= 0 || buf.is_null() {
        &[][..]
    } else {
        // SAFETY: see above.
        unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len as usize) }
    };
    match catch_unwind(AssertUnwindSafe(|| state.stream.write(data))) {
        Ok(Ok(n)) => n as c_int,
        Ok(Err(e)) => {
            if retriable(&e) {
                // SAFETY: our live BIO.
                unsafe { sys::BIO_set_retry_write(bio) };
            }
            // The OS error number stays in errno for OpenSSL, which records it when a write
            // fails (OpenSSL 3.2+ queues it as an ERR_LIB_SYS error, as after a failed
            // send() on CPython's socket BIO).
            crate::ffi::errno_set(e.raw_os_error().unwrap_or(0));
            state.error = Some(e);
            -1
        }
        Err(p) => {
            state.keep_panic(p);
            -1
        }
    }
}

pub(crate) unsafe extern "C" fn bio_read<S: std::io::Read>(
    bio: *mut sys::BIO,
    buf: *mut c_char,
    len: c_int,
) -> c_int {
    // SAFETY: OpenSSL passes our live BIO and a buffer of len writable bytes.
    unsafe { sys::BIO_clear_retry_flags(bio) };
    // SAFETY: a BIO of TlsStream<S>, used by this call only (see above).
    let state = unsafe { crate::ffi::bio::bio_state::<S>(bio) };
    let out = if len <= 0 || buf.is_null() {
        &mut [][..]
    } else {
        // SAFETY: see above; OpenSSL's read buffers are initialized memory.
        unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len as usize) }
    };
    match catch_unwind(AssertUnwindSafe(|| state.stream.read(out))) {
        Ok(Ok(0)) if !out.is_empty() => {
            // End of file: what BIO_eof reports from now on (a socket BIO's
            // BIO_FLAGS_IN_EOF; an empty memory BIO after write_eof()).
            state.eof = true;
            0
        }
        Ok(Ok(n)) => n as c_int,
        Ok(Err(e)) => {
            if retriable(&e) {
                // SAFETY: our live BIO.
                unsafe { sys::BIO_set_retry_read(bio) };
            }
            state.error = Some(e);
            -1
        }
        Err(p) => {
            state.keep_panic(p);
            -1
        }
    }
}

/// `BIO_CTRL_EOF` and `BIO_CTRL_FLUSH`; every other control is unsupported (0).
pub(crate) unsafe extern "C" fn bio_ctrl<S: std::io::Write>(
    bio: *mut sys::BIO,
    cmd: c_int,
    _num: std::ffi::c_long,
    _ptr: *mut c_void,
) -> std::ffi::c_long {
    use openssl_sys::BIO_CTRL_EOF;
    // SAFETY: OpenSSL passes our live BIO of TlsStream<S>, used by this call only.
    let state = unsafe { crate::ffi::bio::bio_state::<S>(bio) };
    match cmd {
        BIO_CTRL_EOF => std::ffi::c_long::from(state.eof),
        sys::BIO_CTRL_FLUSH => match catch_unwind(AssertUnwindSafe(|| state.stream.flush())) {
            Ok(Ok(())) => 1,
            Ok(Err(e)) => {
                state.error = Some(e);
                0
            }
            Err(p) => {
                state.keep_panic(p);
                0
            }
        },
        _ => 0,
    }
}

pub(crate) unsafe extern "C" fn bio_create(bio: *mut sys::BIO) -> c_int {
    // SAFETY: OpenSSL passes the BIO being made; its data is set by TlsStream::new.
    unsafe {
        sys::BIO_set_init(bio, 0);
        sys::BIO_set_data(bio, std::ptr::null_mut());
    }
    1
}

pub(crate) unsafe extern "C" fn bio_destroy<S>(bio: *mut sys::BIO) -> c_int {
    if bio.is_null() {
        return 0;
    }
    // SAFETY: OpenSSL passes the BIO being freed; its data, if set, is the Box<BioState<S>>
    // TlsStream::new handed over, freed here exactly once.
    unsafe {
        let data = sys::BIO_get_data(bio);
        if !data.is_null() {
            let state = Box::from_raw(data.cast::<crate::ffi::bio::BioState<S>>());
            // The transport's Drop (or a panic payload never collected) may panic.
            catch(move || drop(state));
            sys::BIO_set_data(bio, std::ptr::null_mut());
        }
        sys::BIO_set_init(bio, 0);
    }
    1
}

// ---------------------------------------------------------------------------------------------
// Security

/// A security callback that allows everything, installed by `ffi::ctx_reset_preset_extras`
/// for the one call that must pass a NULL key.
pub(crate) unsafe extern "C" fn allow_any_security(
    _s: *const sys::SSL,
    _ctx: *const sys::SSL_CTX,
    _op: c_int,
    _bits: c_int,
    _nid: c_int,
    _other: *mut c_void,
    _ex: *mut c_void,
) -> c_int {
    1
}

// ---------------------------------------------------------------------------------------------
// Trust-store hooks (installed by `ffi::store`)

/// The destructor `OPENSSL_sk_pop_free` calls on each `X509_INFO` of a parsed PEM stack.
pub(crate) unsafe extern "C" fn free_x509_info(p: *mut c_void) {
    // SAFETY: called by OPENSSL_sk_pop_free with each X509_INFO of the stack, once.
    unsafe { raw::X509_INFO_free(p.cast()) }
}

pub(crate) unsafe extern "C" fn get_issuer_hook<O: LookupObserver>(
    issuer: *mut *mut sys::X509,
    ctx: *mut sys::X509_STORE_CTX,
    x: *mut sys::X509,
) -> c_int {
    // SAFETY: OpenSSL calls the hook with the arguments of X509_STORE_CTX_get1_issuer, which
    // we forward unchanged.
    let ret = unsafe { raw::X509_STORE_CTX_get1_issuer(issuer, ctx, x) };
    if !x.is_null() {
        // SAFETY: x is the live certificate whose issuer is being looked for; its issuer
        // name lives as long as x, which outlives this call.
        unsafe { notify::<O>(ctx, ObjKind::Cert, sys::X509_get_issuer_name(x)) };
    }
    ret
}

pub(crate) unsafe extern "C" fn lookup_certs_hook<O: LookupObserver>(
    ctx: *mut sys::X509_STORE_CTX,
    nm: *const sys::X509_NAME,
) -> *mut sys::stack_st_X509 {
    // SAFETY: forwarded unchanged to OpenSSL's own implementation.
    let ret = unsafe { raw::X509_STORE_CTX_get1_certs(ctx, nm) };
    // SAFETY: ctx and nm are live for the duration of the hook.
    unsafe { notify::<O>(ctx, ObjKind::Cert, nm) };
    ret
}

pub(crate) unsafe extern "C" fn lookup_crls_hook<O: LookupObserver>(
    ctx: *const sys::X509_STORE_CTX,
    nm: *const sys::X509_NAME,
) -> *mut sys::stack_st_X509_CRL {
    // SAFETY: forwarded unchanged to OpenSSL's own implementation.
    let ret = unsafe { raw::X509_STORE_CTX_get1_crls(ctx, nm) };
    // SAFETY: ctx and nm are live for the duration of the hook.
    unsafe { notify::<O>(ctx, ObjKind::Crl, nm) };
    ret
}

/// Find the connection's `SSL_CTX` and tell the observer. Lookups made without a connection
/// (a context completing its own certificate chain) have no `SSL` attached and are skipped.
///
/// # Safety
/// `ctx` and `name` must be NULL or live for the duration of the call.
unsafe fn notify<O: LookupObserver>(
    ctx: *const sys::X509_STORE_CTX,
    kind: ObjKind,
    name: *const sys::X509_NAME,
) {
    if ctx.is_null() || name.is_null() {
        return;
    }
    // SAFETY: ctx is live. libssl stores the connection's SSL under this index before it
    // verifies a chain; the SSL holds a reference to its SSL_CTX, and both outlive the
    // verification this hook runs in. The store is the one the verification searches.
    unsafe {
        let ssl = sys::X509_STORE_CTX_get_ex_data(
            ctx.cast_mut(),
            sys::SSL_get_ex_data_X509_STORE_CTX_idx(),
        ) as *const sys::SSL;
        if ssl.is_null() {
            return;
        }
        let ssl_ctx = sys::SSL_get_SSL_CTX(ssl);
        let store = raw::X509_STORE_CTX_get0_store(ctx);
        if ssl_ctx.is_null() || store.is_null() {
            return;
        }
        let ssl_ctx = SslContextRef::from_ptr(ssl_ctx);
        let store = X509StoreRef::from_ptr(store);
        let name = X509NameRef::from_ptr(name.cast_mut());
        // No panic may unwind into OpenSSL; an observer that panics only loses the note.
        let _ = catch(|| O::observe(ssl_ctx, store, kind, name));
    }
}

#[cfg(test)]
mod tests {
    use super::protocol_offset;

    #[test]
    fn finds_protocols_in_wire_lists() {
        let list = b"\x02h2\x08http/1.1";
        assert_eq!(protocol_offset(list, b"h2"), Some(1));
        assert_eq!(protocol_offset(list, b"http/1.1"), Some(4));
        assert_eq!(protocol_offset(list, b"h3"), None);
        assert_eq!(protocol_offset(b"", b"h2"), None);
        // A length running past the end is not a protocol.
        assert_eq!(protocol_offset(b"\x05ab", b"ab"), None);
    }
}
