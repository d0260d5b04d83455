//! The system trust store, parsed once per process and shared by every context that uses it.
//!
//! On OpenSSL 3.0, `SSL_CTX_set_default_verify_paths` parses the whole system CA bundle into
//! the context's own `X509_STORE`: about 15 ms and 830 KB for the 144 certificates of a
//! Debian bundle, paid again by every `ssl.create_default_context()` in CPython. pyssl parses
//! the bundle once per process and lets every context whose store holds nothing but the
//! default certificates point at that one store, so `create_default_context` costs what a bare
//! `SSL_CTX_new` costs. Everything a program can observe stays as in CPython; the exceptions
//! are listed under [Where pyssl differs](#where-pyssl-differs).
//!
//! ```python
//! a = ssl.create_default_context()
//! b = ssl.create_default_context()        # parses the bundle again
//! a.load_verify_locations(cadata=ca_pem)  # only `a` trusts the extra CA
//! ```
//! ```
//! # use openssl::{asn1::Asn1Time, bn::BigNum, ec::{EcGroup, EcKey}, hash::MessageDigest};
//! # use openssl::{nid::Nid, pkey::PKey, x509::{X509, X509NameBuilder}};
//! # use openssl::x509::extension::BasicConstraints;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
//! # let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
//! # let mut name = X509NameBuilder::new()?;
//! # name.append_entry_by_text("CN", "Example CA")?;
//! # let name = name.build();
//! # let mut ca = X509::builder()?;
//! # ca.set_version(2)?;
//! # ca.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
//! # ca.set_subject_name(&name)?;
//! # ca.set_issuer_name(&name)?;
//! # ca.set_pubkey(&key)?;
//! # ca.set_not_before(&*Asn1Time::days_from_now(0)?)?;
//! # ca.set_not_after(&*Asn1Time::days_from_now(1)?)?;
//! # ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
//! # ca.sign(&key, MessageDigest::sha256())?;
//! # let ca_pem = String::from_utf8(ca.build().to_pem()?)?;
//! use pyssl::{CaData, Purpose, create_default_context};
//!
//! let a = create_default_context(Purpose::SERVER_AUTH)?;
//! let b = create_default_context(Purpose::SERVER_AUTH)?; // shares a's parsed bundle
//! let before = b.cert_store_stats();
//! a.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))?; // a gets its own store
//! assert_eq!(a.cert_store_stats().x509_ca, before.x509_ca + 1);
//! assert_eq!(b.cert_store_stats(), before);
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! **One store per default verify paths.** The store a context would get from
//! `set_default_verify_paths` depends on the default CA file and directory in effect: the
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` environment variables (ignored in set-user-ID programs,
//! as OpenSSL's `secure_getenv` ignores them) or OpenSSL's compiled-in paths. pyssl keeps one
//! shared store per distinct pair, built on first use exactly as OpenSSL builds a context's
//! store (the file lookup loads the file eagerly; the hashed-directory lookup, and on OpenSSL
//! 3 the store lookup, search the directory lazily during verification). A shared store is
//! never modified by pyssl after it is built; only OpenSSL's own directory lookups add to it
//! (see below).
//!
//! **Sharing.** A context starts with the empty store `SSL_CTX_new` made. The first
//! `load_default_certs` / `set_default_verify_paths` on a context whose store is still
//! untouched points the `SSL_CTX` at the shared store (an up-reference) instead of loading
//! anything: microseconds and no per-context copy. Calling it again with the same paths and
//! bundle adds nothing (in CPython the certificates are already there, and the lookups are
//! merged), so the context keeps sharing; at most its listing order changes, as below.
//!
//! **Copy-on-write.** The first change to a sharing context's trust store
//! (`load_verify_locations` with any argument, or `load_default_certs` when the paths or the
//! bundle changed) first gives the context a private store: a new `X509_STORE` holding
//! references to the already parsed certificates and CRLs (never parsed again), in the order
//! the context showed them, plus the same lookups. The change then goes to that private
//! store, so no other context ever sees it. `load_default_certs` on a context that already has
//! its own store adds the shared store's objects and lookups to it, again without parsing.
//!
//! **Lazily found certificates.** With a shared store, OpenSSL's hashed-directory lookup caches
//! what it finds *in the shared store*, where every sharing context would see it. CPython's
//! contexts each have their own store, so a certificate found in the directory appears in
//! `get_ca_certs()` / `cert_store_stats()` of the one context whose handshake looked it up,
//! and only after that handshake. pyssl reproduces that exactly:
//!
//! * what a sharing context reports is computed, never read from the shared store: the
//!   objects the bundle gave at build time (a snapshot), plus the objects its own
//!   verifications looked up;
//! * the shared store's issuer, certificate and CRL lookups go through hooks that call
//!   OpenSSL's own functions and then note, for the `SSL_CTX` of the connection that made the
//!   lookup, every non-bundle object of that name the store now holds. That is what the
//!   directory lookup would have loaded into that context's own store, even when another
//!   context's lookup put it in the shared store first;
//! * OpenSSL sorts a store's object list whenever a verification searches it (every lookup;
//!   up to OpenSSL 3.1 also before every add, see [`raw::add_sorts`]), which changes the order
//!   of `get_ca_certs()`. A sharing context lists the bundle in load order until its first
//!   verification (or, up to 3.1, a repeated `load_default_certs`), then sorted as OpenSSL
//!   sorts (stable, by kind then `X509_NAME_cmp`): the order its own store would show.
//!
//! **A changed bundle.** The bundle file's identity (device, inode, size, modification and
//! change times) is checked, with one `stat`, whenever a context loads the defaults. A
//! changed file is parsed again for the contexts created from then on, as CPython would;
//! contexts already sharing the old store keep it. [`reload_default_store`] drops every shared
//! store so that the next context parses afresh even if the file looks unchanged (for example
//! after an in-place edit within the timestamp granularity, or to give back memory).
//!
//! **Threads.** Creating a context takes no global lock except reads: the environment (std's
//! lock, read side), the map of shared stores (an `RwLock`, read side, written only when a
//! new set of paths appears or on reload) and the chosen store's `RwLock` (read side, written
//! when a bundle is (re)parsed). Building a store for new paths blocks only the contexts that
//! need those paths. The per-context state is a mutex of that context only. The one parse of
//! a large bundle is spread over up to four short-lived threads (one per core), which makes
//! the first `create_default_context` of a process faster than CPython's when a second core
//! is free (see `BENCHMARKS.md`).
//!
//! # Soundness
//!
//! The `SSL_CTX`'s `cert_store` pointer is replaced at most twice in a context's life (the
//! untouched store by a shared one, a shared one by a private copy), always under the
//! context's write lock, so never concurrently with `SSL_new` or another mutation (see the
//! threading model in [`crate::context`]). A handshake already running on another thread may
//! still read the old pointer: OpenSSL's verification and chain building read
//! `ctx->cert_store` without a reference. So the old store is never freed then: pyssl takes
//! its own reference before the swap and keeps it in the context's ex_data, which OpenSSL
//! frees only when the `SSL_CTX` itself is freed, after every `SSL` made from it (each holds
//! a reference to the `SSL_CTX`). The pointer itself is one aligned word, written once by
//! `SSL_CTX_set_cert_store`; a concurrent reader sees the old or the new store, both live.
//! A shared store is only ever read by pyssl (and added to by OpenSSL's own locked lookups),
//! and it lives as long as any context points at it: each holds an up-reference.
//!
//! Verification parameters and flags stay per context: `verify_flags` and the hostname
//! checks live in the `SSL_CTX`'s own `X509_VERIFY_PARAM`, which `SSL_new` copies; nothing
//! in pyssl touches a store's parameters, so a shared store's defaults stay OpenSSL's.
//!
//! # Where pyssl differs
//!
//! * A certificate cached in a shared store by one context's lookup answers the same lookup
//!   in another context from the cache, so if the directory changes between the two lookups
//!   the second context still sees the old file (CPython's would read the directory again).
//! * Lookups made while a context completes its *own* certificate chain (a server or client
//!   certificate given without its intermediates) carry no connection, so they are not
//!   attributed: what they find stays out of that context's `get_ca_certs()`, and they do not
//!   switch its listing to the sorted order.

use std::collections::{HashMap, HashSet};
use std::ffi::{CStr, CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use foreign_types::ForeignTypeRef;
use openssl::ex_data::Index;
use openssl::ssl::{SslContext as RawContext, SslContextBuilder, SslContextRef};
use openssl::x509::store::{X509Store, X509StoreRef};
use openssl::x509::{X509, X509NameRef};

use crate::error::{Error, Result};
use crate::ffi;
use crate::ffi::helgrind::Access;
use crate::ffi::helgrind::Annotated;
use crate::ffi::store::{self as raw, ObjKind, StoreObj};
use crate::values::CertStoreStats;

/// Drop every shared default store, so that the next context that loads the default
/// certificates parses the system bundle again.
///
/// Contexts that already use a shared store keep it (it is freed when the last of them
/// goes); new contexts get the fresh one. pyssl already re-parses on its own when the bundle
/// *file* changes (see the [module docs](self)), so this is for changes a `stat` cannot see,
/// or to give the memory back. Python has nothing like it, because CPython parses the bundle
/// for every context.
///
/// ```python
/// # CPython re-reads the bundle for every new context anyway.
/// ctx = ssl.create_default_context()
/// ```
/// ```
/// # fn main() -> Result<(), pyssl::Error> {
/// let old = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?;
/// pyssl::store::reload_default_store();
/// let new = pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?; // parses again
/// assert_eq!(old.cert_store_stats(), new.cert_store_stats()); // same bundle on disk
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_set_default_verify_paths")]
pub fn reload_default_store() {
    write(registry()).clear();
}

// ---------------------------------------------------------------------------------------------
// Default paths and the registry of shared stores

/// The default CA file and directory in effect, as `X509_STORE_set_default_paths` resolves
/// them: the environment variable if set (and the process is not set-user-ID), else
/// OpenSSL's compiled-in path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DefaultPaths {
    file: CString,
    dir: CString,
}

/// OpenSSL's variable names and compiled-in defaults, read once.
struct Defaults {
    file_env: String,
    file: OsString,
    dir_env: String,
    dir: OsString,
}

fn defaults() -> &'static Defaults {
    static DEFAULTS: OnceLock<Defaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let (file_env, file, dir_env, dir) = ffi::default_verify_paths();
        Defaults {
            file_env,
            file: file.into(),
            dir_env,
            dir: dir.into(),
        }
    })
}

impl DefaultPaths {
    fn current() -> DefaultPaths {
        let d = defaults();
        let secure = ffi::store::secure_mode();
        let pick = |env: &str, fallback: &OsString| {
            let value = if secure { None } else { std::env::var_os(env) };
            // Environment values cannot hold NUL bytes; the fallbacks are C strings.
            CString::new(value.unwrap_or_else(|| fallback.clone()).into_vec()).unwrap_or_default()
        };
        DefaultPaths {
            file: pick(&d.file_env, &d.file),
            dir: pick(&d.dir_env, &d.dir),
        }
    }
}

/// What identifies the bundle file's content well enough to notice a replaced or rewritten
/// file: `None` if it cannot be read (then the store holds no file objects either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn file_identity(file: &CString) -> Option<FileIdentity> {
    let m = std::fs::metadata(Path::new(OsStr::from_bytes(file.as_bytes()))).ok()?;
    Some(FileIdentity {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

/// The shared store for one set of default paths, rebuilt when the bundle file changes.
#[derive(Default)]
struct Slot {
    current: RwLock<Option<Arc<SharedStore>>>,
    build: Mutex<()>,
}

type Registry = RwLock<HashMap<DefaultPaths, Arc<Slot>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// The shared store for `paths`, built (once, however many threads ask) if there is none yet
/// or the bundle file changed since. `None` if OpenSSL could not allocate it (the error queue
/// says why).
fn shared_store(paths: &DefaultPaths) -> Option<Arc<SharedStore>> {
    let identity = file_identity(&paths.file);
    // The common case: read locks only.
    if let Some(slot) = read(registry()).get(paths) {
        if let Some(s) = read(&slot.current).as_ref() {
            if s.identity == identity {
                return Some(s.clone());
            }
        }
    }
    let slot = write(registry()).entry(paths.clone()).or_default().clone();
    let _building = lock(&slot.build);
    // Another thread may have built it while we waited; look at the file again, so a file
    // that changed meanwhile is not parsed twice.
    let identity = file_identity(&paths.file);
    if let Some(s) = read(&slot.current).as_ref() {
        if s.identity == identity {
            return Some(s.clone());
        }
    }
    // The identity is taken before parsing: if the file changes during the parse, the next
    // context sees a different identity and parses again.
    let built = Arc::new(SharedStore::build(paths.clone(), identity)?);
    *write(&slot.current) = Some(built.clone());
    Some(built)
}

/// One parsed default store and what was in it when it was built.
struct SharedStore {
    paths: DefaultPaths,
    identity: Option<FileIdentity>,
    store: X509Store,
    /// The bundle's objects in the order they were added (file order, duplicates included):
    /// what `X509_STORE_set_default_paths` adds to a store.
    loaded: Vec<StoreObj>,
    /// The store's objects right after building, in the store's order then: what a fresh
    /// context shows after `set_default_verify_paths`.
    baseline: Vec<StoreObj>,
    baseline_ids: HashSet<usize>,
    stats: CertStoreStats,
}

impl SharedStore {
    /// What `X509_STORE_set_default_paths` makes of a new store, with the paths given: the
    /// file lookup, the file's objects, the directory lookups; errors cleared.
    fn build(paths: DefaultPaths, identity: Option<FileIdentity>) -> Option<SharedStore> {
        let queue = ffi::ErrQueue::clear();
        let store = raw::store_new()?;
        if !raw::add_file_lookup(&store) {
            return None;
        }
        let mut loaded = read_bundle(&paths.file);
        // As X509_load_cert_crl_file: stop at the first object the store refuses.
        if let Some(bad) = loaded.iter().position(|obj| !raw::add_object(&store, obj)) {
            loaded.truncate(bad);
        }
        if !raw::add_dir_lookups(&store, &paths.dir) {
            return None;
        }
        queue.discard();
        // Before anyone else can see the store (the hooks are set without locking).
        raw::install_lookup_hooks::<Attribution>(&store);
        let baseline = raw::objects(&store);
        let baseline_ids = baseline.iter().map(StoreObj::id).collect();
        let stats = count(&baseline);
        Some(SharedStore {
            paths,
            identity,
            store,
            loaded,
            baseline,
            baseline_ids,
            stats,
        })
    }
}

/// Below this size a bundle is parsed on the calling thread only.
const PARALLEL_PARSE_MIN_BYTES: usize = 64 * 1024;

/// The largest bundle read whole (and parsed in parallel); anything larger, or anything that
/// is not a regular file, is streamed to OpenSSL as `X509_load_cert_crl_file` streams it.
/// Debian's bundle is about 220 KB.
const READ_WHOLE_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The objects of the PEM bundle `file`, in file order, as `X509_load_cert_crl_file` reads
/// them: nothing if the file cannot be read or a block is malformed.
///
/// Parsing is what costs (OpenSSL 3.0 decodes every public key through its provider
/// machinery), so a bundle that is a regular file of at most [`READ_WHOLE_MAX_BYTES`] is read
/// into memory, cut at block boundaries, and the pieces are parsed on as many threads as
/// there are cores (up to four). Each piece is read by the same OpenSSL function, blocks are
/// independent of each other, and a failure in any piece is a failure of the whole, so the
/// result is that of one sequential read. Anything else (a FIFO, a device such as
/// `/dev/zero`, a huge file) is read by OpenSSL itself, a line at a time, so it ends or fails
/// exactly where OpenSSL's own load would, with bounded memory.
fn read_bundle(file: &CStr) -> Vec<StoreObj> {
    use std::io::{Read, Seek};
    let path = Path::new(OsStr::from_bytes(file.to_bytes()));
    let Ok(mut f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let size = match f.metadata() {
        Ok(m) if m.is_file() && m.len() <= READ_WHOLE_MAX_BYTES => m.len(),
        // Read from the descriptor already open: a second open of a FIFO would wait again.
        _ => return raw::read_pem_objects_file(f).unwrap_or_default(),
    };
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // At most one byte beyond the limit: a file that grew past it meanwhile is streamed
    // from its start instead.
    if (&mut f)
        .take(READ_WHOLE_MAX_BYTES + 1)
        .read_to_end(&mut data)
        .is_err()
    {
        return Vec::new();
    }
    if data.len() as u64 > READ_WHOLE_MAX_BYTES {
        drop(data);
        if f.rewind().is_err() {
            return Vec::new();
        }
        return raw::read_pem_objects_file(f).unwrap_or_default();
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let pieces = if data.len() >= PARALLEL_PARSE_MIN_BYTES {
        split_pem(&data, threads)
    } else {
        vec![&data[..]]
    };
    let parsed: Vec<Option<Vec<StoreObj>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = pieces[1..]
            .iter()
            .map(|piece| {
                std::thread::Builder::new()
                    .name("pyssl-ca-parse".into())
                    .spawn_scoped(scope, move || raw::read_pem_objects(piece))
            })
            .collect();
        let mut parsed = vec![raw::read_pem_objects(pieces[0])];
        for (worker, piece) in workers.into_iter().zip(&pieces[1..]) {
            // A thread that could not be started, or that panicked: parse here instead.
            parsed.push(match worker.map(|w| w.join()) {
                Ok(Ok(objects)) => objects,
                _ => raw::read_pem_objects(piece),
            });
        }
        parsed
    });
    let mut objects = Vec::new();
    for piece in parsed {
        match piece {
            Some(mut piece) => objects.append(&mut piece),
            None => return Vec::new(),
        }
    }
    objects
}

/// Cut PEM data into at most `parts` pieces of similar size, only just before a line that
/// starts a block (`-----BEGIN `), so every block stays whole.
fn split_pem(data: &[u8], parts: usize) -> Vec<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let starts: Vec<usize> = (0..data.len())
        .filter(|&i| (i == 0 || data[i - 1] == b'\n') && data[i..].starts_with(BEGIN))
        .collect();
    let mut cuts = vec![0];
    for k in 1..parts {
        let target = data.len() * k / parts;
        if let Some(&cut) = starts.iter().find(|&&s| s >= target) {
            if cut > cuts[cuts.len() - 1] {
                cuts.push(cut);
            }
        }
    }
    cuts.push(data.len());
    cuts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fn count(objects: &[StoreObj]) -> CertStoreStats {
    let mut stats = CertStoreStats::default();
    for obj in objects {
        match obj {
            StoreObj::Cert(x) => {
                stats.x509 += 1;
                if ffi::x509_is_ca(x) {
                    stats.x509_ca += 1;
                }
            }
            StoreObj::Crl(_) => stats.crl += 1,
        }
    }
    stats
}

// ---------------------------------------------------------------------------------------------
// Per-context state

/// The trust-store state of one `SSL_CTX`, kept in its ex_data (so it lives exactly as long
/// as the `SSL_CTX`, including after the [`SslContext`](crate::SslContext) is dropped while
/// connections still use it).
#[derive(Default)]
pub(crate) struct ContextTrust {
    state: Mutex<TrustState>,
}

#[derive(Default)]
struct TrustState {
    source: Source,
    /// Stores the `SSL_CTX` pointed at before, each with our own reference: a handshake that
    /// started before the swap may still read one (see the module docs, Soundness).
    retired: Vec<X509Store>,
}

enum Source {
    /// The `SSL_CTX` uses its own store; `touched` once anything was loaded into it (until
    /// then it is the empty store `SSL_CTX_new` made).
    Own { touched: bool },
    /// The `SSL_CTX` points at a shared default store.
    Shared(SharedView),
}

impl Default for Source {
    fn default() -> Source {
        Source::Own { touched: false }
    }
}

/// What a context sharing a store shows as its own store.
struct SharedView {
    shared: Arc<SharedStore>,
    /// Whether the context's own store would have its object list sorted by now: OpenSSL
    /// sorts the list on every lookup of a verification and, up to 3.1, before every object
    /// it adds (even one already present; [`raw::add_sorts`]).
    sorted: bool,
    /// Objects beyond the bundle that this context's own lookups found, in the order found.
    found: Vec<StoreObj>,
}

impl SharedView {
    fn new(shared: Arc<SharedStore>) -> SharedView {
        SharedView {
            shared,
            sorted: false,
            found: Vec::new(),
        }
    }

    /// The object list the context's own store would have now.
    fn objects(&self) -> Vec<StoreObj> {
        let mut objects = self.shared.baseline.clone();
        if self.sorted {
            objects.extend(self.found.iter().cloned());
            // OpenSSL sorts the list with qsort, which glibc implements as a stable merge
            // sort; sorting the load order once equals any sequence of such sorts and pushes.
            objects.sort_by(StoreObj::store_order);
        }
        objects
    }

    fn stats(&self) -> CertStoreStats {
        if self.found.is_empty() {
            return self.shared.stats;
        }
        let extra = count(&self.found);
        CertStoreStats {
            x509: self.shared.stats.x509 + extra.x509,
            crl: self.shared.stats.crl + extra.crl,
            x509_ca: self.shared.stats.x509_ca + extra.x509_ca,
        }
    }
}

fn trust_index() -> Option<Index<RawContext, Arc<ContextTrust>>> {
    static INDEX: OnceLock<Option<Index<RawContext, Arc<ContextTrust>>>> = OnceLock::new();
    *INDEX.get_or_init(|| RawContext::new_ex_index::<Arc<ContextTrust>>().ok())
}

fn trust_of(ctx: &SslContextRef) -> Option<Arc<ContextTrust>> {
    ctx.ex_data(trust_index()?).cloned()
}

/// Give a new context its trust-store state (once, at construction, before any `SSL` exists,
/// so the ex_data is never replaced while something reads it).
pub(crate) fn attach(ctx: &mut SslContextBuilder) -> Result<()> {
    let index =
        trust_index().ok_or_else(|| Error::memory("cannot allocate an SSL_CTX ex_data index"))?;
    ctx.set_ex_data(index, Arc::new(ContextTrust::default()));
    Ok(())
}

/// The shared store for the default verify paths in effect now, found or built (which reads
/// and parses the bundle) by [`prepare_default_paths`] before the context's lock is taken.
pub(crate) struct DefaultStore(Option<Arc<SharedStore>>);

/// The first half of `SSL_CTX_set_default_verify_paths`: everything that reads files, done
/// without any context's lock so that a slow or endless bundle blocks no other thread's use
/// of the context. [`load_default_paths`] applies the result.
pub(crate) fn prepare_default_paths() -> DefaultStore {
    DefaultStore(shared_store(&DefaultPaths::current()))
}

/// `SSL_CTX_set_default_verify_paths` with the store [`prepare_default_paths`] found,
/// sharing the parsed bundle (see the module docs). The caller holds the context's write
/// lock. False on failure, with the reason in the OpenSSL error queue.
pub(crate) fn load_default_paths(
    queue: &ffi::ErrQueue,
    ctx: &mut SslContextBuilder,
    prepared: DefaultStore,
) -> bool {
    let Some(trust) = trust_of(ffi::builder_ref(ctx)) else {
        // Every SslContext attaches its trust state at construction; this is unreachable.
        return ffi::ctx_set_default_verify_paths(ctx);
    };
    let Some(shared) = prepared.0 else {
        return false;
    };
    let mut state = lock(&trust.state);
    let (untouched, same) = match &state.source {
        Source::Own { touched } => (!touched, false),
        Source::Shared(view) => (false, Arc::ptr_eq(&view.shared, &shared)),
    };
    if untouched {
        let Some(old) = raw::ctx_replace_cert_store(ctx, &shared.store) else {
            return false;
        };
        state.retired.push(old);
        state.source = Source::Shared(SharedView::new(shared));
        return true;
    }
    if same {
        // The bundle's objects are in the store already and the lookups are the same ones,
        // so in CPython the second call adds nothing; but where adding (even a duplicate)
        // sorts the store's list first, the listing is sorted from now on.
        if let Source::Shared(view) = &mut state.source {
            view.sorted |= raw::add_sorts() && !view.shared.baseline.is_empty();
        }
        return true;
    }
    // A different bundle (other paths, or the file changed): what CPython does to a store
    // that already has objects, on a store of the context's own.
    make_private_locked(ctx, &mut state)
        && merge(queue, ffi::builder_ref(ctx).cert_store(), &shared)
}

/// What `X509_STORE_set_default_paths` adds to a store that has other objects already: the
/// bundle's objects (taken from the shared store, not parsed) and the default lookups.
fn merge(queue: &ffi::ErrQueue, store: &X509StoreRef, shared: &SharedStore) -> bool {
    if !raw::add_file_lookup(store) {
        return false;
    }
    // In file order, so the store ends up exactly as after OpenSSL's own load.
    for obj in &shared.loaded {
        if !raw::add_object(store, obj) {
            break;
        }
    }
    let ok = raw::add_dir_lookups(store, &shared.paths.dir);
    queue.reset();
    ok
}

/// What `SSL_CTX_load_verify_locations(ctx, cafile, NULL)` would add to the context's store,
/// read into a store of its own, without any lock: the objects, in the order the store
/// holds them, and whether the load succeeded (if not, `errno` and the error queue are as
/// OpenSSL left them, and the objects are those it added before failing). [`add_objects`]
/// then applies them under the context's lock.
///
/// OpenSSL loads a CA file into the store it is given, with nothing else of the store read
/// (an object already present is success), so loading into a scratch store and adding its
/// objects to the context's own store in the scratch store's order gives the same store, the
/// same order included (OpenSSL sorts before an add in both or in neither). The file lookup
/// OpenSSL adds stays with the scratch store: it answers no query (it has no
/// `get_by_subject`), so the context's store is the same without it, and one unsynchronised
/// change to a list verifications read is gone.
pub(crate) fn load_file_objects(_queue: &ffi::ErrQueue, file: &CString) -> (Vec<StoreObj>, bool) {
    let Some(scratch) = raw::store_new() else {
        return (Vec::new(), false);
    };
    let ok = raw::load_file(&scratch, file);
    (raw::objects(&scratch), ok)
}

/// Add `objects` to the context's own store in order (the caller made it private and holds
/// the write lock). False if OpenSSL refused one, with the reason in the queue.
pub(crate) fn add_objects(
    _queue: &ffi::ErrQueue,
    ctx: &SslContextBuilder,
    objects: &[StoreObj],
) -> bool {
    let store = ffi::builder_ref(ctx).cert_store();
    objects.iter().all(|obj| raw::add_object(store, obj))
}

/// Make sure the context's store is its own before the caller adds to it (copy-on-write).
/// The caller holds the context's write lock. False on failure, with the reason in the
/// OpenSSL error queue.
pub(crate) fn make_private(_queue: &ffi::ErrQueue, ctx: &mut SslContextBuilder) -> bool {
    match trust_of(ffi::builder_ref(ctx)) {
        Some(trust) => make_private_locked(ctx, &mut lock(&trust.state)),
        None => true,
    }
}

fn make_private_locked(ctx: &mut SslContextBuilder, state: &mut TrustState) -> bool {
    let view = match &state.source {
        Source::Own { .. } => {
            state.source = Source::Own { touched: true };
            return true;
        }
        Source::Shared(view) => view,
    };
    let Some(private) = raw::store_new() else {
        return false;
    };
    // Adding the objects in the order the context shows them reproduces that order: where
    // each add sorts the list before appending, the list shown is sorted but for its last
    // element; elsewhere adds keep the order given.
    let copied = raw::add_file_lookup(&private)
        && view
            .objects()
            .iter()
            .all(|obj| raw::add_object(&private, obj))
        && raw::add_dir_lookups(&private, &view.shared.paths.dir);
    if !copied {
        return false;
    }
    let Some(old) = raw::ctx_replace_cert_store(ctx, &private) else {
        return false;
    };
    state.retired.push(old);
    state.source = Source::Own { touched: true };
    true
}

/// The certificates and CRLs the context's store holds, as CPython would list them.
pub(crate) fn objects(ctx: &SslContextRef) -> Vec<StoreObj> {
    if let Some(trust) = trust_of(ctx) {
        if let Source::Shared(view) = &lock(&trust.state).source {
            return view.objects();
        }
    }
    raw::objects(ctx.cert_store())
}

/// `cert_store_stats()` of the context's store.
pub(crate) fn stats(ctx: &SslContextRef) -> CertStoreStats {
    if let Some(trust) = trust_of(ctx) {
        if let Source::Shared(view) = &lock(&trust.state).source {
            return view.stats();
        }
    }
    count(&raw::objects(ctx.cert_store()))
}

/// The CA certificates of the context's store (`X509_check_ca`), in listing order.
pub(crate) fn ca_certificates(ctx: &SslContextRef) -> Vec<X509> {
    objects(ctx)
        .into_iter()
        .filter_map(|o| match o {
            StoreObj::Cert(x) if ffi::x509_is_ca(&x) => Some(x),
            _ => None,
        })
        .collect()
}

/// Notes, for the context whose verification searched a shared store, what the search
/// would have put into that context's own store.
struct Attribution;

impl raw::LookupObserver for Attribution {
    fn observe(ctx: &SslContextRef, store: &X509StoreRef, kind: ObjKind, name: &X509NameRef) {
        let Some(trust) = trust_of(ctx) else {
            return;
        };
        let mut state = lock(&trust.state);
        let Source::Shared(view) = &mut state.source else {
            return;
        };
        // A handshake that began before this context got a private store still searches
        // the old shared one; that no longer concerns the context.
        if view.shared.store.as_ptr() != store.as_ptr() {
            return;
        }
        view.sorted = true;
        // Cheap test first: nothing beyond the bundle was ever cached in this store.
        if raw::object_count(store) <= view.shared.baseline.len() {
            return;
        }
        for obj in raw::objects_named(store, kind, name) {
            let id = obj.id();
            if !view.shared.baseline_ids.contains(&id) && !view.found.iter().any(|f| f.id() == id) {
                view.found.push(obj);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Locks that survive a panic elsewhere (the data they guard stays consistent: every update
// is a single assignment or push).

// The locks below guard what the lookup hooks read during handshakes (a context's trust
// state) and the shared stores; under `--cfg pyssl_helgrind` they are announced to helgrind
// like the context's own lock (see `ffi::helgrind`).

fn lock<T>(m: &Mutex<T>) -> Annotated<MutexGuard<'_, T>> {
    let guard = m.lock().unwrap_or_else(|p| p.into_inner());
    ffi::helgrind::acquired(guard, m, Access::Exclusive)
}

fn read<T>(l: &RwLock<T>) -> Annotated<RwLockReadGuard<'_, T>> {
    let guard = l.read().unwrap_or_else(|p| p.into_inner());
    ffi::helgrind::acquired(guard, l, Access::Shared)
}

fn write<T>(l: &RwLock<T>) -> Annotated<RwLockWriteGuard<'_, T>> {
    let guard = l.write().unwrap_or_else(|p| p.into_inner());
    ffi::helgrind::acquired(guard, l, Access::Exclusive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CaData, Purpose, SslContext, create_default_context};

    fn store_of(ctx: &SslContext) -> usize {
        ctx.with_ctx(|c| c.cert_store().as_ptr() as usize)
    }

    fn retired(ctx: &SslContext) -> usize {
        ctx.with_ctx(|c| trust_of(c).map_or(0, |t| lock(&t.state).retired.len()))
    }

    /// Sharing is real (one X509_STORE), copy-on-write really copies, and stores a context
    /// leaves are kept until its SSL_CTX goes.
    #[test]
    fn contexts_point_at_one_store_until_they_change_it() {
        let a = create_default_context(Purpose::SERVER_AUTH).expect("a");
        let b = create_default_context(Purpose::SERVER_AUTH).expect("b");
        assert_eq!(store_of(&a), store_of(&b));
        assert_eq!(retired(&a), 1, "the store SSL_CTX_new made");
        a.load_default_certs(Purpose::SERVER_AUTH).expect("again");
        assert_eq!(
            store_of(&a),
            store_of(&b),
            "loading the defaults again keeps sharing"
        );
        let shared = store_of(&b);
        let ca = test_ca_der();
        a.load_verify_locations(None, None, Some(CaData::Der(&ca)))
            .expect("cadata");
        assert_ne!(store_of(&a), shared);
        assert_eq!(store_of(&b), shared);
        assert_eq!(
            retired(&a),
            2,
            "the shared store, kept for running handshakes"
        );
        let private = store_of(&a);
        a.load_verify_locations(None, None, Some(CaData::Der(&ca)))
            .expect("cadata again");
        a.load_default_certs(Purpose::SERVER_AUTH)
            .expect("defaults on a private store");
        assert_eq!(store_of(&a), private, "a private store is changed in place");
        assert_eq!(retired(&a), 2);
    }

    /// Verification flags live in each SSL_CTX's parameters; the shared store's own
    /// parameters stay OpenSSL's defaults whatever contexts do.
    #[test]
    fn shared_store_parameters_are_never_touched() {
        let a = create_default_context(Purpose::SERVER_AUTH).expect("a");
        a.set_verify_flags(a.verify_flags() | crate::VERIFY_CRL_CHECK_CHAIN)
            .expect("flags");
        a.with_ctx(|c| assert_eq!(raw::store_param_flags(c.cert_store()), 0));
        let b = create_default_context(Purpose::SERVER_AUTH).expect("b");
        assert_eq!(store_of(&a), store_of(&b));
        assert_ne!(a.verify_flags(), b.verify_flags());
    }

    /// The parallel parse gives what one sequential `PEM_X509_INFO_read_bio` gives,
    /// including failing as a whole.
    #[test]
    fn bundle_parsed_in_pieces_equals_one_read() {
        let one = openssl::x509::X509::from_der(&test_ca_der()).expect("der");
        let block = one.to_pem().expect("pem");
        let mut data = b"# a comment line\n".to_vec();
        let mut n = 0;
        while data.len() < 3 * PARALLEL_PARSE_MIN_BYTES {
            data.extend(&test_ca_der_pem());
            data.extend(b"\n");
            n += 1;
        }
        data.extend(&block);
        let pieces = split_pem(&data, 4);
        assert_eq!(pieces.len(), 4);
        assert_eq!(pieces.concat(), data);
        assert!(pieces[1..].iter().all(|p| p.starts_with(b"-----BEGIN ")));
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("bundle.pem");
        std::fs::write(&file, &data).expect("write");
        let path = CString::new(file.as_os_str().as_bytes()).expect("path");
        let der = |v: Vec<StoreObj>| -> Vec<Vec<u8>> {
            v.iter()
                .map(|o| match o {
                    StoreObj::Cert(x) => x.to_der().expect("der"),
                    StoreObj::Crl(c) => c.to_der().expect("der"),
                })
                .collect()
        };
        let sequential = raw::read_pem_objects(&data).expect("parse");
        assert_eq!(sequential.len(), n + 1);
        assert_eq!(der(read_bundle(&path)), der(sequential));
        // A broken block in the last piece spoils the whole file, as in one read.
        let mut broken = data.clone();
        let at = broken.len() - 200;
        broken[at] = b'*';
        std::fs::write(&file, &broken).expect("write");
        assert!(raw::read_pem_objects(&broken).is_none());
        assert!(read_bundle(&path).is_empty());
    }

    fn test_ca_der_pem() -> Vec<u8> {
        openssl::x509::X509::from_der(&test_ca_der())
            .expect("der")
            .to_pem()
            .expect("pem")
    }

    fn test_ca_der() -> Vec<u8> {
        use openssl::asn1::Asn1Time;
        use openssl::ec::{EcGroup, EcKey};
        use openssl::hash::MessageDigest;
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        use openssl::x509::extension::BasicConstraints;
        use openssl::x509::{X509Builder, X509NameBuilder};
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
        let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey");
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_text("CN", "store unit test CA")
            .expect("cn");
        let name = name.build();
        let mut b = X509Builder::new().expect("builder");
        b.set_version(2).expect("version");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(&name).expect("issuer");
        b.set_pubkey(&key).expect("pubkey");
        b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
            .expect("nb");
        b.set_not_after(&Asn1Time::days_from_now(1).expect("time"))
            .expect("na");
        b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
            .expect("ext");
        b.sign(&key, MessageDigest::sha256()).expect("sign");
        b.build().to_der().expect("der")
    }
}
