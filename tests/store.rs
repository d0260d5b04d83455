//! Contexts that share the process-wide default store (`pyssl::store`) stay isolated: what one
//! adds, and what one's verifications find, never shows in another; listings keep CPython's
//! order; and contexts can be created, changed and used from many threads at once.
//!
//! These tests use the system's default paths as they are (no environment changes); the
//! environment-driven cases, compared with live CPython, are in `tests/store_env/`.

mod store_support;

use std::sync::Arc;
use std::thread;

use pyssl::{CaData, PROTOCOL_TLS_CLIENT, Purpose, SslContext, create_default_context};
use store_support::{ca_list, handshake, make_ca, make_leaf, pem, server};

/// X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY.
const UNKNOWN_ISSUER: i32 = 20;

fn default_ctx() -> Arc<SslContext> {
    Arc::new(create_default_context(Purpose::SERVER_AUTH).unwrap())
}

#[test]
fn a_context_that_adds_a_ca_gets_its_own_store() {
    let a = default_ctx();
    let b = default_ctx();
    let stats = b.cert_store_stats();
    let list = ca_list(&b);
    assert_eq!(a.cert_store_stats(), stats);
    assert_eq!(ca_list(&a), list);

    let ca = make_ca("pyssl store test CA");
    let srv = server(&make_leaf(&ca));
    a.load_verify_locations(None, None, Some(CaData::Pem(&pem(&[&ca.cert]))))
        .unwrap();
    let mut expected = stats;
    expected.x509 += 1;
    expected.x509_ca += 1;
    assert_eq!(a.cert_store_stats(), expected);
    assert_eq!(ca_list(&a).len(), list.len() + 1);
    // The other context, and one made afterwards, see none of it.
    assert_eq!(b.cert_store_stats(), stats);
    assert_eq!(ca_list(&b), list);
    let c = default_ctx();
    assert_eq!(c.cert_store_stats(), stats);
    assert_eq!(ca_list(&c), list);
    // Verification agrees with the listings.
    assert_eq!(handshake(&a, &srv), Ok(()));
    assert_eq!(handshake(&b, &srv), Err(UNKNOWN_ISSUER));
    assert_eq!(handshake(&c, &srv), Err(UNKNOWN_ISSUER));
    // A second addition goes to a's own store only, once.
    a.load_verify_locations(None, None, Some(CaData::Der(&ca.cert.to_der().unwrap())))
        .unwrap();
    assert_eq!(a.cert_store_stats(), expected);
    // (b's handshake may have found non-CA certificates in the system's hashed directory,
    // as CPython's would; the CAs are still the bundle's.)
    assert_eq!(b.cert_store_stats().x509_ca, stats.x509_ca);
}

#[test]
fn each_way_of_adding_cas_copies_the_store() {
    let ca = make_ca("pyssl store copy CA");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ca.pem");
    std::fs::write(&file, pem(&[&ca.cert])).unwrap();
    let reference = default_ctx();
    let stats = reference.cert_store_stats();
    let list = ca_list(&reference);

    let by_file = default_ctx();
    by_file
        .load_verify_locations(Some(&file), None, None)
        .unwrap();
    assert_eq!(by_file.cert_store_stats().x509, stats.x509 + 1);

    // A capath only adds a lookup: nothing listed until a handshake uses it, and it is this
    // context's lookup only.
    let by_dir = default_ctx();
    store_support::add_hashed(dir.path(), &ca.cert);
    by_dir
        .load_verify_locations(None, Some(dir.path()), None)
        .unwrap();
    assert_eq!(by_dir.cert_store_stats(), stats);
    let srv = server(&make_leaf(&ca));
    assert_eq!(handshake(&by_dir, &srv), Ok(()));
    assert_eq!(by_dir.cert_store_stats().x509_ca, stats.x509_ca + 1);

    // A failed load still leaves the others alone.
    let failed = default_ctx();
    let e = failed
        .load_verify_locations(Some(&dir.path().join("missing.pem")), None, None)
        .unwrap_err();
    assert_eq!(e.python_type(), "FileNotFoundError");
    assert_eq!(failed.cert_store_stats(), stats);
    assert_eq!(ca_list(&failed), list);
    assert_eq!(reference.cert_store_stats(), stats);
    assert_eq!(ca_list(&reference), list);
    assert_eq!(handshake(&reference, &srv), Err(UNKNOWN_ISSUER));
    assert_eq!(reference.cert_store_stats().x509_ca, stats.x509_ca);
}

#[test]
fn loading_the_defaults_again_adds_nothing() {
    let a = default_ctx();
    let stats = a.cert_store_stats();
    let list = ca_list(&a);
    a.load_default_certs(Purpose::SERVER_AUTH).unwrap();
    a.set_default_verify_paths().unwrap();
    assert_eq!(a.cert_store_stats(), stats);
    // The same certificates; the order is now OpenSSL's sorted one, as in CPython (adding,
    // even a duplicate, sorts a store's list; compared with CPython in tests/store_env).
    let mut again = ca_list(&a);
    let mut before = list.clone();
    again.sort();
    before.sort();
    assert_eq!(again, before);
    // A context built by hand the way CPython's create_default_context builds it.
    let b = SslContext::new(PROTOCOL_TLS_CLIENT).unwrap();
    assert_eq!(b.cert_store_stats(), pyssl::CertStoreStats::default());
    b.load_default_certs(Purpose::SERVER_AUTH).unwrap();
    assert_eq!(b.cert_store_stats(), stats);
    assert_eq!(ca_list(&b), list);
}

#[test]
fn own_cas_then_the_defaults() {
    let reference = default_ctx();
    let stats = reference.cert_store_stats();
    let ca = make_ca("pyssl store own-then-default CA");
    let ctx = Arc::new(SslContext::new(PROTOCOL_TLS_CLIENT).unwrap());
    ctx.load_verify_locations(None, None, Some(CaData::Pem(&pem(&[&ca.cert]))))
        .unwrap();
    ctx.load_default_certs(Purpose::SERVER_AUTH).unwrap();
    assert_eq!(ctx.cert_store_stats().x509, stats.x509 + 1);
    let mine = ca_list(&ctx);
    let theirs = ca_list(&reference);
    assert!(theirs.iter().all(|c| mine.contains(c)));
    assert_eq!(handshake(&ctx, &server(&make_leaf(&ca))), Ok(()));
    assert_eq!(reference.cert_store_stats(), stats);
}

/// OpenSSL sorts a store's object list on the first lookup, which reorders `get_ca_certs()`
/// (CPython shows this too). A context sharing the default store must show the order its own
/// store would have: load order before its first verification, sorted after, whatever other
/// contexts do. A context that loaded the same bundle file into its own store is the
/// reference.
#[test]
fn listing_order_follows_the_context_s_own_verifications() {
    let Some(bundle) = pyssl::get_default_verify_paths().cafile else {
        eprintln!("no default CA file on this system; nothing to compare");
        return;
    };
    let shared = default_ctx();
    let untouched = default_ctx();
    let own = Arc::new(SslContext::new(PROTOCOL_TLS_CLIENT).unwrap());
    own.load_verify_locations(Some(bundle.as_ref()), None, None)
        .unwrap();
    own.set_verify_flags(shared.verify_flags()).unwrap();
    let load_order = ca_list(&shared);
    assert_eq!(ca_list(&own), load_order);

    let stranger = make_ca("pyssl store order CA");
    let srv = server(&make_leaf(&stranger));
    assert_eq!(handshake(&shared, &srv), Err(UNKNOWN_ISSUER));
    assert_eq!(handshake(&own, &srv), Err(UNKNOWN_ISSUER));
    let sorted = ca_list(&own);
    assert_eq!(ca_list(&shared), sorted);
    assert_eq!(ca_list(&untouched), load_order);
    if sorted == load_order {
        eprintln!("note: this bundle is already in OpenSSL's sorted order");
    }
    // A copy made after the verification keeps the sorted order.
    let ca = make_ca("pyssl store order copy CA");
    shared
        .load_verify_locations(None, None, Some(CaData::Pem(&pem(&[&ca.cert]))))
        .unwrap();
    own.load_verify_locations(None, None, Some(CaData::Pem(&pem(&[&ca.cert]))))
        .unwrap();
    assert_eq!(ca_list(&shared), ca_list(&own));
}

#[test]
fn verify_settings_stay_per_context() {
    let a = default_ctx();
    let b = default_ctx();
    let flags = b.verify_flags();
    a.set_verify_flags(flags | pyssl::VERIFY_CRL_CHECK_LEAF)
        .unwrap();
    a.set_verify_mode(pyssl::CERT_OPTIONAL).unwrap();
    assert_eq!(b.verify_flags(), flags);
    assert_eq!(b.verify_mode(), pyssl::CERT_REQUIRED);
    assert_eq!(default_ctx().verify_flags(), flags);
}

/// Contexts created, changed, listed and dropped from many threads at once, while another
/// thread drops the shared stores: every context sees exactly the bundle, plus its own CA.
#[test]
fn many_threads_create_contexts_at_once() {
    let reference = default_ctx();
    let stats = reference.cert_store_stats();
    let ca = make_ca("pyssl store threads CA");
    let ca_pem = pem(&[&ca.cert]);
    let mut handles = Vec::new();
    for t in 0..6 {
        let ca_pem = ca_pem.clone();
        handles.push(thread::spawn(move || {
            let mut kept = Vec::new();
            for i in 0..40 {
                let ctx = create_default_context(Purpose::SERVER_AUTH).unwrap();
                assert_eq!(ctx.cert_store_stats(), stats);
                if (i + t) % 4 == 0 {
                    ctx.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))
                        .unwrap();
                    assert_eq!(ctx.cert_store_stats().x509, stats.x509 + 1);
                }
                if i % 10 == 0 {
                    kept.push(ctx);
                }
            }
            for ctx in &kept {
                let n = ctx.cert_store_stats().x509;
                assert!(n == stats.x509 || n == stats.x509 + 1);
            }
        }));
    }
    handles.push(thread::spawn(|| {
        for _ in 0..5 {
            pyssl::store::reload_default_store();
            thread::sleep(std::time::Duration::from_millis(20));
        }
    }));
    for h in handles {
        h.join().expect("thread panicked");
    }
    assert_eq!(reference.cert_store_stats(), stats);
}

/// A context that swaps to its own store while handshakes made from it run on another
/// thread, and is then dropped while they continue: the stores those handshakes may still
/// read stay alive (run this under a sanitizer or valgrind for the full check).
#[test]
fn swapping_the_store_under_running_handshakes() {
    let ca = make_ca("pyssl store swap CA");
    let srv = Arc::new(server(&make_leaf(&ca)));
    let ca_pem = pem(&[&ca.cert]);
    for _ in 0..3 {
        let ctx = default_ctx();
        let runner = {
            let ctx = ctx.clone();
            let srv = srv.clone();
            thread::spawn(move || {
                let mut verdicts = Vec::new();
                for _ in 0..30 {
                    verdicts.push(handshake(&ctx, &srv));
                }
                verdicts
            })
        };
        ctx.load_verify_locations(None, None, Some(CaData::Pem(&ca_pem)))
            .unwrap();
        drop(ctx);
        let verdicts = runner.join().expect("handshake thread panicked");
        // Before the swap the CA is unknown, after it trusted; never anything else.
        assert!(
            verdicts
                .iter()
                .all(|v| *v == Ok(()) || *v == Err(UNKNOWN_ISSUER))
        );
    }
}
