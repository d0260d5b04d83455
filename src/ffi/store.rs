//! Raw calls behind the shared default trust store ([`crate::store`]): building a store with
//! the default lookups, up-references, swapping an `SSL_CTX`'s store, walking a store's
//! objects under its lock, and installing the lookup hooks (in [`crate::callbacks`]) that
//! tell `store` which context a verification ran for.
//!
//! Every function here is safe to call; pointers leave this file only for those hooks,
//! which OpenSSL calls with them. The symbols declared below exist in OpenSSL 1.1.0 and
//! later unless marked otherwise.

use std::cmp::Ordering;
use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::ptr;
use std::sync::OnceLock;

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::ssl::{SslContextBuilder, SslContextRef};
use openssl::x509::store::{X509Store, X509StoreRef};
use openssl::x509::{
    X509, X509Builder, X509Crl, X509CrlRef, X509NameBuilder, X509NameRef, X509Ref,
};
use openssl_sys as sys;

use super::{X509_LU_CRL, X509_LU_X509, X509_OBJECT_get_type, X509_STORE_lock, X509_STORE_unlock};
use crate::callbacks;

/// `X509_STORE_CTX_get_issuer_fn`.
type GetIssuerFn = unsafe extern "C" fn(
    issuer: *mut *mut sys::X509,
    ctx: *mut sys::X509_STORE_CTX,
    x: *mut sys::X509,
) -> c_int;
/// `X509_STORE_CTX_lookup_certs_fn`.
type LookupCertsFn = unsafe extern "C" fn(
    ctx: *mut sys::X509_STORE_CTX,
    nm: *const sys::X509_NAME,
) -> *mut sys::stack_st_X509;
/// `X509_STORE_CTX_lookup_crls_fn`.
type LookupCrlsFn = unsafe extern "C" fn(
    ctx: *const sys::X509_STORE_CTX,
    nm: *const sys::X509_NAME,
) -> *mut sys::stack_st_X509_CRL;

// SAFETY: these declarations match the C prototypes in OpenSSL's x509_vfy.h (1.1.0+, 3.x;
// `const` on the name arguments was added in 1.1.1/3.0 and does not change the ABI).
unsafe extern "C" {
    /// `int X509_STORE_up_ref(X509_STORE *v);`
    fn X509_STORE_up_ref(v: *mut sys::X509_STORE) -> c_int;
    /// `int X509_STORE_load_locations(X509_STORE *ctx, const char *file, const char *dir);`
    fn X509_STORE_load_locations(
        ctx: *mut sys::X509_STORE,
        file: *const c_char,
        dir: *const c_char,
    ) -> c_int;
    /// `int X509_STORE_add_crl(X509_STORE *ctx, X509_CRL *x);`
    fn X509_STORE_add_crl(ctx: *mut sys::X509_STORE, x: *mut sys::X509_CRL) -> c_int;
    /// `X509_CRL *X509_OBJECT_get0_X509_CRL(const X509_OBJECT *a);`
    fn X509_OBJECT_get0_X509_CRL(a: *const sys::X509_OBJECT) -> *mut sys::X509_CRL;
    /// `X509_LOOKUP_METHOD *X509_LOOKUP_store(void);` (3.0+)
    #[cfg(ossl300)]
    fn X509_LOOKUP_store() -> *mut sys::X509_LOOKUP_METHOD;
    /// `void X509_STORE_set_get_issuer(X509_STORE *, X509_STORE_CTX_get_issuer_fn);`
    fn X509_STORE_set_get_issuer(ctx: *mut sys::X509_STORE, f: Option<GetIssuerFn>);
    /// `void X509_STORE_set_lookup_certs(X509_STORE *, X509_STORE_CTX_lookup_certs_fn);`
    fn X509_STORE_set_lookup_certs(ctx: *mut sys::X509_STORE, f: Option<LookupCertsFn>);
    /// `void X509_STORE_set_lookup_crls(X509_STORE *, X509_STORE_CTX_lookup_crls_fn);`
    fn X509_STORE_set_lookup_crls(ctx: *mut sys::X509_STORE, f: Option<LookupCrlsFn>);
    /// `int X509_STORE_CTX_get1_issuer(X509 **issuer, X509_STORE_CTX *ctx, X509 *x);`
    pub(crate) fn X509_STORE_CTX_get1_issuer(
        issuer: *mut *mut sys::X509,
        ctx: *mut sys::X509_STORE_CTX,
        x: *mut sys::X509,
    ) -> c_int;
    /// `STACK_OF(X509) *X509_STORE_CTX_get1_certs(X509_STORE_CTX *, const X509_NAME *);`
    pub(crate) fn X509_STORE_CTX_get1_certs(
        ctx: *mut sys::X509_STORE_CTX,
        nm: *const sys::X509_NAME,
    ) -> *mut sys::stack_st_X509;
    /// `STACK_OF(X509_CRL) *X509_STORE_CTX_get1_crls(const X509_STORE_CTX *, const X509_NAME *);`
    pub(crate) fn X509_STORE_CTX_get1_crls(
        ctx: *const sys::X509_STORE_CTX,
        nm: *const sys::X509_NAME,
    ) -> *mut sys::stack_st_X509_CRL;
    /// `STACK_OF(X509_INFO) *PEM_X509_INFO_read_bio(BIO *bp, STACK_OF(X509_INFO) *sk,
    /// pem_password_cb *cb, void *u);`
    fn PEM_X509_INFO_read_bio(
        bp: *mut sys::BIO,
        sk: *mut c_void,
        cb: Option<super::PemPasswordCb>,
        u: *mut c_void,
    ) -> *mut sys::OPENSSL_STACK;
    /// `void X509_INFO_free(X509_INFO *a);`
    pub(crate) fn X509_INFO_free(a: *mut c_void);
    /// `X509_STORE *X509_STORE_CTX_get0_store(const X509_STORE_CTX *ctx);`
    pub(crate) fn X509_STORE_CTX_get0_store(
        ctx: *const sys::X509_STORE_CTX,
    ) -> *mut sys::X509_STORE;
    /// `X509_VERIFY_PARAM *X509_STORE_get0_param(const X509_STORE *ctx);`
    #[cfg(test)]
    fn X509_STORE_get0_param(ctx: *const sys::X509_STORE) -> *mut sys::X509_VERIFY_PARAM;
}

/// `X509_L_ADD_DIR`, `X509_L_ADD_STORE` (x509_vfy.h).
const X509_L_ADD_DIR: c_int = 2;
#[cfg(ossl300)]
const X509_L_ADD_STORE: c_int = 3;
/// `X509_FILETYPE_PEM` (x509.h).
const X509_FILETYPE_PEM: c_long = openssl_sys::X509_FILETYPE_PEM as c_long;
/// The first release whose `sk_find` no longer sorts an unsorted stack (only the fallback of
/// [`add_sorts`]).
const OPENSSL_3_2: u64 = 0x3020_0000;
/// The first release whose `X509_L_ADD_STORE` with a NULL URI adds nothing (before 3.4 it
/// added the default certificate directory; openssl/openssl#24140).
#[cfg(ossl300)]
const OPENSSL_3_4: u64 = 0x3040_0000;

// ---------------------------------------------------------------------------------------------
// Store objects

/// The two kinds of object a store holds, in the order OpenSSL sorts them (`X509_LU_X509`
/// before `X509_LU_CRL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ObjKind {
    /// A certificate.
    Cert,
    /// A certificate revocation list.
    Crl,
}

/// One object of a store, with our own reference to it.
pub(crate) enum StoreObj {
    /// A certificate.
    Cert(X509),
    /// A CRL.
    Crl(X509Crl),
}

impl StoreObj {
    pub(crate) fn kind(&self) -> ObjKind {
        match self {
            StoreObj::Cert(_) => ObjKind::Cert,
            StoreObj::Crl(_) => ObjKind::Crl,
        }
    }

    /// The name OpenSSL files the object under: a certificate's subject, a CRL's issuer.
    pub(crate) fn name(&self) -> &X509NameRef {
        match self {
            StoreObj::Cert(x) => x.subject_name(),
            StoreObj::Crl(c) => c.issuer_name(),
        }
    }

    /// The address of the C object: equal for two references to the same object.
    pub(crate) fn id(&self) -> usize {
        match self {
            StoreObj::Cert(x) => x.as_ptr() as usize,
            StoreObj::Crl(c) => c.as_ptr() as usize,
        }
    }

    /// OpenSSL's order of store objects (`x509_object_cmp`): kind, then `X509_NAME_cmp` of
    /// the names above.
    pub(crate) fn store_order(&self, other: &StoreObj) -> Ordering {
        self.kind()
            .cmp(&other.kind())
            .then_with(|| name_cmp(self.name(), other.name()))
    }
}

impl Clone for StoreObj {
    fn clone(&self) -> StoreObj {
        match self {
            StoreObj::Cert(x) => StoreObj::Cert(x.clone()),
            StoreObj::Crl(c) => StoreObj::Crl(crl_up_ref(c)),
        }
    }
}

/// Another reference to a CRL (`X509_CRL_up_ref`; rust-openssl's `X509Crl` has no `Clone`).
fn crl_up_ref(crl: &X509CrlRef) -> X509Crl {
    // SAFETY: the CRL is live; the up-reference (which cannot fail on platforms with atomic
    // reference counts, and is checked anyway) gives us a reference of our own to free.
    unsafe {
        if sys::X509_CRL_up_ref(crl.as_ptr()) != 1 {
            panic!("X509_CRL_up_ref failed");
        }
        X509Crl::from_ptr(crl.as_ptr())
    }
}

/// `X509_NAME_cmp`, read as `qsort` reads a comparator (only the sign counts).
pub(crate) fn name_cmp(a: &X509NameRef, b: &X509NameRef) -> Ordering {
    // SAFETY: both names are live for the call. Names decoded from DER carry their canonical
    // encoding already, so the comparison only reads them.
    let r = unsafe { sys::X509_NAME_cmp(a.as_ptr(), b.as_ptr()) };
    r.cmp(&0)
}

/// Walk the store's objects under its lock, taking a reference to each one `keep` accepts.
fn walk(
    store: &X509StoreRef,
    mut keep: impl FnMut(ObjKind, &X509NameRef) -> bool,
) -> Vec<StoreObj> {
    let mut out = Vec::new();
    // SAFETY: the store is live. Its object stack is only read while we hold the store's own
    // lock (OpenSSL's lookups add to and re-sort it under that lock), and every object we
    // keep is up-referenced before the lock is released, so the result outlives any later
    // change to the store.
    unsafe {
        let s = store.as_ptr();
        X509_STORE_lock(s);
        let objs = sys::X509_STORE_get0_objects(s);
        let n = if objs.is_null() {
            0
        } else {
            sys::OPENSSL_sk_num(objs.cast())
        };
        for i in 0..n {
            let obj = sys::OPENSSL_sk_value(objs.cast(), i) as *const sys::X509_OBJECT;
            match X509_OBJECT_get_type(obj) {
                X509_LU_X509 => {
                    let x = sys::X509_OBJECT_get0_X509(obj);
                    if !x.is_null() {
                        let x = X509Ref::from_ptr(x);
                        if keep(ObjKind::Cert, x.subject_name()) {
                            out.push(StoreObj::Cert(x.to_owned()));
                        }
                    }
                }
                X509_LU_CRL => {
                    let c = X509_OBJECT_get0_X509_CRL(obj);
                    if !c.is_null() && sys::X509_CRL_up_ref(c) == 1 {
                        let crl = X509Crl::from_ptr(c);
                        if keep(ObjKind::Crl, crl.issuer_name()) {
                            out.push(StoreObj::Crl(crl));
                        }
                    }
                }
                _ => {}
            }
        }
        X509_STORE_unlock(s);
    }
    out
}

/// A snapshot of every certificate and CRL of the store, in the store's current order.
pub(crate) fn objects(store: &X509StoreRef) -> Vec<StoreObj> {
    walk(store, |_, _| true)
}

/// The store's objects of `kind` filed under `name`, in the store's current order.
pub(crate) fn objects_named(
    store: &X509StoreRef,
    kind: ObjKind,
    name: &X509NameRef,
) -> Vec<StoreObj> {
    walk(store, |k, n| {
        k == kind && name_cmp(n, name) == Ordering::Equal
    })
}

/// How many objects the store holds (under its lock).
pub(crate) fn object_count(store: &X509StoreRef) -> usize {
    // SAFETY: the store is live; its stack is read under its own lock.
    unsafe {
        let s = store.as_ptr();
        X509_STORE_lock(s);
        let objs = sys::X509_STORE_get0_objects(s);
        let n = if objs.is_null() {
            0
        } else {
            sys::OPENSSL_sk_num(objs.cast())
        };
        X509_STORE_unlock(s);
        usize::try_from(n).unwrap_or(0)
    }
}

/// `X509_STORE_add_cert` / `X509_STORE_add_crl` (each takes its own reference); false on
/// failure, with the queue left for the caller. A certificate already present is success on
/// OpenSSL 3.0. Whether the add sorts the list first depends on the release ([`add_sorts`]).
pub(crate) fn add_object(store: &X509StoreRef, obj: &StoreObj) -> bool {
    // SAFETY: the store and the object are live; the store takes its own reference and
    // locks itself.
    unsafe {
        match obj {
            StoreObj::Cert(x) => sys::X509_STORE_add_cert(store.as_ptr(), x.as_ptr()) == 1,
            StoreObj::Crl(c) => X509_STORE_add_crl(store.as_ptr(), c.as_ptr()) == 1,
        }
    }
}

/// Whether `X509_STORE_add_cert` / `X509_STORE_add_crl` sort the store's object list before
/// adding (even an object already present). Their duplicate check searches the list with
/// `sk_X509_OBJECT_find`, which sorted an unsorted stack up to OpenSSL 3.1 and searches it
/// linearly, leaving the order alone, from 3.2 on (openssl/openssl#20782). Probed once on a
/// scratch store rather than read from the version, so a release that sorts there again is
/// followed too.
pub(crate) fn add_sorts() -> bool {
    static SORTS: OnceLock<bool> = OnceLock::new();
    *SORTS.get_or_init(|| {
        probe_add_sorts().unwrap_or_else(|| super::openssl_version_number() < OPENSSL_3_2)
    })
}

/// Adds certificates named "b", "a", "c" (unsigned, never verified) to a new store: an add
/// that sorts first leaves "a" in front. `None` if something could not be allocated.
fn probe_add_sorts() -> Option<bool> {
    let cert = |cn: &str| -> Option<StoreObj> {
        let mut name = X509NameBuilder::new().ok()?;
        name.append_entry_by_text("CN", cn).ok()?;
        let name = name.build();
        let mut x = X509Builder::new().ok()?;
        x.set_subject_name(&name).ok()?;
        Some(StoreObj::Cert(x.build()))
    };
    let store = store_new()?;
    for cn in ["b", "a", "c"] {
        if !add_object(&store, &cert(cn)?) {
            super::err_clear();
            return None;
        }
    }
    let listed = objects(&store);
    (listed.len() == 3).then(|| name_cmp(listed[0].name(), listed[1].name()) == Ordering::Less)
}

/// The verification flags of the store's own parameters (`X509_STORE_get0_param`), which a
/// verification starts from before the `SSL`'s parameters are applied.
#[cfg(test)]
#[allow(clippy::unnecessary_cast)] // c_ulong is u64 only on LP64 targets
pub(crate) fn store_param_flags(store: &X509StoreRef) -> u64 {
    // SAFETY: get0_param returns the live store's own, never-NULL parameters; reading their
    // flags does not modify them.
    unsafe { sys::X509_VERIFY_PARAM_get_flags(X509_STORE_get0_param(store.as_ptr())) as u64 }
}

// ---------------------------------------------------------------------------------------------
// Building stores

/// A new, empty `X509_STORE` (`X509_STORE_new`, as `SSL_CTX_new` makes one).
pub(crate) fn store_new() -> Option<X509Store> {
    // SAFETY: X509_STORE_new returns NULL or a new store we own.
    let p = unsafe { sys::X509_STORE_new() };
    // SAFETY: p is an owned, non-NULL store.
    (!p.is_null()).then(|| unsafe { X509Store::from_ptr(p) })
}

/// `X509_STORE_load_locations(store, file, NULL)`: what `SSL_CTX_load_verify_locations`
/// does with its `CAfile` (the file lookup added to `store`, the file read and every
/// certificate and CRL in it added). False on failure, with `errno` and the queue as OpenSSL
/// left them.
pub(crate) fn load_file(store: &X509StoreRef, file: &CStr) -> bool {
    // SAFETY: the store is live and, in pyssl's use, not yet shared with anything; file is
    // NUL-terminated and outlives the call.
    unsafe { X509_STORE_load_locations(store.as_ptr(), file.as_ptr(), ptr::null()) == 1 }
}

/// Our own reference to a store (`X509_STORE_up_ref`).
pub(crate) fn store_up_ref(store: &X509StoreRef) -> Option<X509Store> {
    // SAFETY: the store is live; after a successful up-ref the new reference is ours to free.
    unsafe { (X509_STORE_up_ref(store.as_ptr()) == 1).then(|| X509Store::from_ptr(store.as_ptr())) }
}

/// The first lookup `X509_STORE_set_default_paths` adds: the file lookup (which loads the
/// default file eagerly; pyssl adds the file's objects itself, see [`read_pem_objects`]).
/// Returns the lookup already there if the store has one. False if it could not be created.
pub(crate) fn add_file_lookup(store: &X509StoreRef) -> bool {
    // SAFETY: the store is live and the caller is the only one changing it (a store not yet
    // shared, or one guarded by the context's write lock); the lookup belongs to the store.
    unsafe { !sys::X509_STORE_add_lookup(store.as_ptr(), sys::X509_LOOKUP_file()).is_null() }
}

/// The other lookups `X509_STORE_set_default_paths` adds, with the default directory given
/// explicitly instead of read from the environment, in the same order and with the same
/// arguments: the hashed-directory lookup over `dir`, and on OpenSSL 3 the store lookup (over
/// `dir` before 3.4, as a NULL URI then meant; nothing from 3.4 on). Failures to add a
/// directory are ignored, as there; false only if a lookup could not be created.
pub(crate) fn add_dir_lookups(store: &X509StoreRef, dir: &CStr) -> bool {
    // SAFETY: as in add_file_lookup; `dir` is NUL-terminated and outlives each call, which
    // copies what it keeps.
    unsafe {
        let s = store.as_ptr();
        let lookup = sys::X509_STORE_add_lookup(s, sys::X509_LOOKUP_hash_dir());
        if lookup.is_null() {
            return false;
        }
        sys::X509_LOOKUP_ctrl(
            lookup,
            X509_L_ADD_DIR,
            dir.as_ptr(),
            X509_FILETYPE_PEM,
            ptr::null_mut(),
        );
        #[cfg(ossl300)]
        {
            let lookup = sys::X509_STORE_add_lookup(s, X509_LOOKUP_store());
            if lookup.is_null() {
                return false;
            }
            let uri: *const c_char = if super::openssl_version_number() >= OPENSSL_3_4 {
                ptr::null()
            } else {
                dir.as_ptr()
            };
            sys::X509_LOOKUP_ctrl(lookup, X509_L_ADD_STORE, uri, 0, ptr::null_mut());
        }
    }
    true
}

/// The certificates and CRLs of PEM `data`, in order, as `X509_load_cert_crl_file` reads a
/// file (`PEM_X509_INFO_read_bio` with the passphrase `""`; of each entry the certificate,
/// then the CRL; keys ignored). `None` where that function fails as a whole (it then loads
/// nothing).
pub(crate) fn read_pem_objects(data: &[u8]) -> Option<Vec<StoreObj>> {
    let bio = super::MemBio::new(data)?;
    // SAFETY: the BIO is live and read-only for the duration of the call.
    unsafe { read_infos(bio.bio) }
}

/// [`read_pem_objects`] of the opened `file`, read as `X509_load_cert_crl_file` reads a
/// file: through a file BIO that OpenSSL reads a line at a time, so an endless file without a
/// PEM block (`/dev/zero`) ends at its first line instead of being read whole. `None` if it
/// fails as a whole.
pub(crate) fn read_pem_objects_file(file: std::fs::File) -> Option<Vec<StoreObj>> {
    let bio = super::x509::file_bio(file).ok()?;
    // SAFETY: bio holds a live file BIO, freed when it drops after the read.
    unsafe { read_infos(bio.0) }
}

/// # Safety
/// `bio` must be a live BIO that may be read.
unsafe fn read_infos(bio: *mut sys::BIO) -> Option<Vec<StoreObj>> {
    let mut out = Vec::new();
    // SAFETY: the caller's BIO is live; the returned stack and its entries are ours and
    // freed below with X509_INFO_free. We read only the two leading fields of each entry,
    // whose layout x509.h makes public, and take our own reference to each object before
    // the entries are freed.
    unsafe {
        let infos =
            PEM_X509_INFO_read_bio(bio, ptr::null_mut(), None, c"".as_ptr().cast_mut().cast());
        if infos.is_null() {
            return None;
        }
        for i in 0..sys::OPENSSL_sk_num(infos.cast()) {
            let info = sys::OPENSSL_sk_value(infos.cast(), i) as *const X509InfoHead;
            if info.is_null() {
                continue;
            }
            let x = (*info).x509;
            if !x.is_null() {
                out.push(StoreObj::Cert(X509Ref::from_ptr(x).to_owned()));
            }
            let c = (*info).crl;
            if !c.is_null() {
                out.push(StoreObj::Crl(crl_up_ref(X509CrlRef::from_ptr(c))));
            }
        }
        sys::OPENSSL_sk_pop_free(infos.cast(), Some(crate::callbacks::free_x509_info));
    }
    Some(out)
}

/// The leading fields of `X509_INFO` (x509.h: `X509 *x509; X509_CRL *crl; ...`).
#[repr(C)]
struct X509InfoHead {
    x509: *mut sys::X509,
    crl: *mut sys::X509_CRL,
}

/// Whether the process runs set-user-ID or set-group-ID (`getauxval(AT_SECURE)`), in which
/// case OpenSSL's `secure_getenv` ignores `SSL_CERT_FILE` and `SSL_CERT_DIR`.
pub(crate) fn secure_mode() -> bool {
    static SECURE: OnceLock<bool> = OnceLock::new();
    *SECURE.get_or_init(|| {
        // SAFETY: getauxval only reads the process's auxiliary vector.
        unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
    })
}

// ---------------------------------------------------------------------------------------------
// The store of an SSL_CTX

/// Point the ctx at `new` (which it up-references) and hand back the ctx's reference to the
/// store it used before, so the caller decides how long that one lives. `None` (and nothing
/// changed) if a reference could not be taken.
pub(crate) fn ctx_replace_cert_store(
    ctx: &mut SslContextBuilder,
    new: &X509StoreRef,
) -> Option<X509Store> {
    let new = store_up_ref(new)?;
    // SAFETY: exclusive access to a live SSL_CTX (the caller holds its write lock, so no
    // SSL_new runs concurrently). We take our own reference to the old store first, so the
    // X509_STORE_free inside SSL_CTX_set_cert_store only drops the ctx's reference and the
    // old store stays alive for whoever still reads it (see `crate::store`). The ctx takes
    // over the reference in `new`.
    unsafe {
        let old = sys::SSL_CTX_get_cert_store(ctx.as_ptr());
        if old.is_null() || X509_STORE_up_ref(old) != 1 {
            return None;
        }
        let new_ptr = new.as_ptr();
        std::mem::forget(new);
        // A handshake on another thread may read the pointer without a lock (the documented
        // window): everything written into the new store must be visible before the pointer
        // is. Its reads depend on the pointer they load, which orders them on every CPU Rust
        // targets.
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        sys::SSL_CTX_set_cert_store(ctx.as_ptr(), new_ptr);
        Some(X509Store::from_ptr(old))
    }
}

// ---------------------------------------------------------------------------------------------
// Lookup hooks

/// Told about every store lookup a verification makes through a hooked store, after OpenSSL
/// has done it.
pub(crate) trait LookupObserver {
    /// `ctx` is the `SSL_CTX` of the connection whose verification made the lookup, `store`
    /// the hooked store, `kind` and `name` what was looked up.
    fn observe(ctx: &SslContextRef, store: &X509StoreRef, kind: ObjKind, name: &X509NameRef);
}

/// Route the store's issuer, certificate and CRL lookups through hooks that call OpenSSL's
/// own functions (`X509_STORE_CTX_get1_issuer`, `..._get1_certs`, `..._get1_crls`, exactly
/// what an unhooked store uses) and then tell `O` who looked up what. Verification results
/// are therefore unchanged.
///
/// Call before the store is shared: the setters write the store without locking.
pub(crate) fn install_lookup_hooks<O: LookupObserver>(store: &X509StoreRef) {
    // SAFETY: the store is live and not yet visible to another thread; the hooks have the
    // C signatures of the typedefs the setters take.
    unsafe {
        X509_STORE_set_get_issuer(store.as_ptr(), Some(callbacks::get_issuer_hook::<O>));
        X509_STORE_set_lookup_certs(store.as_ptr(), Some(callbacks::lookup_certs_hook::<O>));
        X509_STORE_set_lookup_crls(store.as_ptr(), Some(callbacks::lookup_crls_hook::<O>));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe agrees with the releases known so far: adds sorted first up to 3.1 only.
    #[test]
    fn add_sorts_as_the_release_does() {
        assert_eq!(
            add_sorts(),
            super::super::openssl_version_number() < OPENSSL_3_2
        );
    }

    /// Every symbol declared here links and answers sanely.
    #[test]
    fn declared_symbols_link() {
        struct Nobody;
        impl LookupObserver for Nobody {
            fn observe(_: &SslContextRef, _: &X509StoreRef, _: ObjKind, _: &X509NameRef) {}
        }
        let store = store_new().expect("store");
        let file = c"/nonexistent/ca.pem";
        let dir = c"/nonexistent/dir";
        let _ = file;
        assert!(add_file_lookup(&store));
        assert!(add_dir_lookups(&store, dir));
        assert_eq!(read_pem_objects(b"").map(|v| v.len()), Some(0));
        assert!(
            read_pem_objects(
                b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
            )
            .is_none()
        );
        install_lookup_hooks::<Nobody>(&store);
        assert!(objects(&store).is_empty());
        assert_eq!(object_count(&store), 0);
        let other = store_up_ref(&store).expect("up-ref");
        assert_eq!(other.as_ptr(), store.as_ptr());
    }
}
