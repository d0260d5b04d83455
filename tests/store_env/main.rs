//! The shared default store under `SSL_CERT_FILE` / `SSL_CERT_DIR`, compared with live
//! CPython: certificates found lazily in the hashed directory show only in the context whose
//! handshake looked them up, listings keep each context's own order, copies made after
//! lookups keep what was found; then pyssl-only checks of a changed bundle and of
//! `pyssl::store::reload_default_store`.
//!
//! Its own test binary with a single test, because it changes the process environment.

#[path = "../common/mod.rs"]
mod common;
#[path = "../store_support/mod.rs"]
mod store_support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use pyssl::{CaData, CreateOptions, Profile, Purpose, SslContext};
use serde_json::{Value, json};
use store_support::{Issued, add_hashed, handshake, make_ca, make_leaf, pem, server};

/// The CPython side: runs the steps given on stdin, prints one result per step.
const PY: &str = r#"
import json, ssl, sys
req = json.load(sys.stdin)
ctxs, servers, out = {}, {}, []

def server_ctx(k):
    if k not in servers:
        s = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        s.load_cert_chain(req["servers"][k]["cert"], req["servers"][k]["key"])
        servers[k] = s
    return servers[k]

def hs(ctx, srv):
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = ctx.wrap_bio(ci, co, server_hostname="localhost")
    s = srv.wrap_bio(si, so, server_side=True)
    cd = sd = False
    for _ in range(50):
        if not cd:
            try:
                c.do_handshake()
                cd = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLCertVerificationError as e:
                return e.verify_code
            si.write(co.read())
        if not sd:
            try:
                s.do_handshake()
                sd = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                pass
            ci.write(so.read())
        if cd and sd:
            return "ok"
    return "stuck"

for step in req["steps"]:
    op, name = step[0], step[1]
    r = None
    if op == "new_default":
        ctxs[name] = ssl.create_default_context()
    elif op == "new_client":
        ctxs[name] = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    elif op == "snap":
        c = ctxs[name]
        r = {"stats": c.cert_store_stats(), "cas": [d.hex() for d in c.get_ca_certs(True)]}
    elif op == "hs":
        r = hs(ctxs[name], server_ctx(step[2]))
    elif op == "cadata":
        ctxs[name].load_verify_locations(cadata=req["cas"][step[2]])
    elif op == "load_default":
        ctxs[name].load_default_certs()
    elif op == "crl_check":
        ctxs[name].verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    out.append(r)
print(json.dumps(out))
"#;

/// The same steps through pyssl.
fn run_pyssl(
    profile: Profile,
    steps: &Value,
    servers: &HashMap<&str, Arc<openssl::ssl::SslContext>>,
    cas: &HashMap<&str, String>,
) -> Vec<Value> {
    let mut ctxs: HashMap<String, Arc<SslContext>> = HashMap::new();
    let mut out = Vec::new();
    for step in steps.as_array().unwrap() {
        let op = step[0].as_str().unwrap();
        let name = step[1].as_str().unwrap().to_string();
        let mut r = Value::Null;
        match op {
            "new_default" => {
                let opts = CreateOptions {
                    profile,
                    ..CreateOptions::default()
                };
                let ctx = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts);
                ctxs.insert(name, Arc::new(ctx.unwrap()));
            }
            "new_client" => {
                let ctx = SslContext::with_profile(pyssl::PROTOCOL_TLS_CLIENT, profile);
                ctxs.insert(name, Arc::new(ctx.unwrap()));
            }
            "snap" => {
                let c = &ctxs[&name];
                let s = c.cert_store_stats();
                r = json!({
                    "stats": {"x509": s.x509, "crl": s.crl, "x509_ca": s.x509_ca},
                    "cas": store_support::ca_list(c),
                });
            }
            "hs" => {
                let srv = &servers[step[2].as_str().unwrap()];
                r = match handshake(&ctxs[&name], srv) {
                    Ok(()) => json!("ok"),
                    Err(code) => json!(code),
                };
            }
            "cadata" => {
                let data = &cas[step[2].as_str().unwrap()];
                ctxs[&name]
                    .load_verify_locations(None, None, Some(CaData::Pem(data)))
                    .unwrap();
            }
            "load_default" => ctxs[&name]
                .load_default_certs(Purpose::SERVER_AUTH)
                .unwrap(),
            "crl_check" => {
                let c = &ctxs[&name];
                c.set_verify_flags(c.verify_flags() | pyssl::VERIFY_CRL_CHECK_LEAF)
                    .unwrap();
            }
            other => panic!("unknown step {other}"),
        }
        out.push(r);
    }
    out
}

/// Short names for certificates in failure messages.
fn describe(v: &Value, names: &HashMap<String, String>) -> String {
    let mut v = v.clone();
    if let Some(cas) = v.get_mut("cas").and_then(Value::as_array_mut) {
        for c in cas.iter_mut() {
            let hex = c.as_str().unwrap_or_default().to_string();
            *c = json!(
                names
                    .get(&hex)
                    .cloned()
                    .unwrap_or_else(|| format!("{}…", &hex[..16]))
            );
        }
    }
    v.to_string()
}

fn set_env(vars: &[(&str, &Path)]) {
    for (k, v) in vars {
        // SAFETY: this binary runs a single test on one thread; nothing else reads the
        // environment concurrently.
        unsafe { std::env::set_var(k, v) };
    }
}

fn lazy_directory_lookups_match_cpython(dir: &Path) {
    // Five bundle CAs whose last one is out of OpenSSL's sorted order, a CA in the hashed
    // directory that sorts between them, one more there that nothing uses.
    let bundle: Vec<Issued> = [1, 3, 5, 9, 7]
        .iter()
        .map(|n| make_ca(&format!("pyssl bundle CA {n}")))
        .collect();
    let in_dir = make_ca("pyssl bundle CA 4");
    let unused = make_ca("pyssl bundle CA 6");
    let stranger = make_ca("pyssl stranger CA");
    let extra = make_ca("pyssl extra CA");
    let capath = dir.join("capath");
    std::fs::create_dir(&capath).unwrap();
    add_hashed(&capath, &in_dir.cert);
    add_hashed(&capath, &unused.cert);
    let bundle_file = dir.join("bundle.pem");
    std::fs::write(
        &bundle_file,
        pem(&bundle.iter().map(|c| &c.cert).collect::<Vec<_>>()),
    )
    .unwrap();

    let mut names = HashMap::new();
    for (label, ca) in bundle
        .iter()
        .map(|c| ("bundle", c))
        .chain([("dir", &in_dir), ("extra", &extra)])
    {
        let cn = ca
            .cert
            .subject_name()
            .entries()
            .next()
            .unwrap()
            .data()
            .to_string()
            .unwrap();
        names.insert(
            store_support::hex(&ca.cert.to_der().unwrap()),
            format!("{label}:{cn}"),
        );
    }
    let leaves = [("X", &in_dir), ("Y", &bundle[0]), ("U", &stranger)];
    let mut servers = HashMap::new();
    let mut server_files = serde_json::Map::new();
    for (k, ca) in leaves {
        let leaf = make_leaf(ca);
        let cert = dir.join(format!("{k}-cert.pem"));
        let key = dir.join(format!("{k}-key.pem"));
        std::fs::write(&cert, leaf.cert.to_pem().unwrap()).unwrap();
        std::fs::write(&key, leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        server_files.insert(k.into(), json!({"cert": cert, "key": key}));
        servers.insert(k, Arc::new(server(&leaf)));
    }
    let cas = HashMap::from([("Z", pem(&[&extra.cert]))]);
    let steps = json!([
        ["new_default", "a"],
        ["new_default", "b"],
        ["snap", "a"],
        ["snap", "b"],
        // a finds the directory CA; b does not see it.
        ["hs", "a", "X"],
        ["snap", "a"],
        ["snap", "b"],
        ["new_default", "c"],
        ["snap", "c"],
        // b's failed lookup sorts b's listing but finds nothing.
        ["hs", "b", "U"],
        ["snap", "b"],
        // b's own lookup finds the directory CA (already cached by a's lookup).
        ["hs", "b", "X"],
        ["snap", "b"],
        // a's private copy keeps what a found, in a's order.
        ["cadata", "a", "Z"],
        ["snap", "a"],
        ["hs", "a", "X"],
        ["snap", "a"],
        ["snap", "c"],
        // A bundle CA needs no directory lookup; the listing is sorted all the same.
        ["new_default", "d"],
        ["hs", "d", "Y"],
        ["snap", "d"],
        // Own CAs first, then the defaults.
        ["new_client", "e"],
        ["cadata", "e", "Z"],
        ["load_default", "e"],
        ["snap", "e"],
        ["hs", "e", "X"],
        ["snap", "e"],
        // Loading the defaults again, before and after a lookup.
        ["new_default", "f"],
        ["load_default", "f"],
        ["snap", "f"],
        ["hs", "f", "X"],
        ["load_default", "f"],
        ["snap", "f"],
        // Verify flags stay per context.
        ["new_default", "g"],
        ["new_default", "h"],
        ["crl_check", "g"],
        ["hs", "g", "Y"],
        ["hs", "h", "Y"],
        ["snap", "g"],
        ["snap", "h"]
    ]);
    set_env(&[("SSL_CERT_FILE", &bundle_file), ("SSL_CERT_DIR", &capath)]);
    let request = json!({"steps": steps, "servers": server_files, "cas": cas});
    let mut failures = Vec::new();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let env = [
            ("SSL_CERT_FILE", bundle_file.to_str().unwrap()),
            ("SSL_CERT_DIR", capath.to_str().unwrap()),
        ];
        let python = oracle.run_json_env(PY, &[], &request.to_string(), &env);
        // Each profile starts from fresh shared stores, as each interpreter starts fresh.
        pyssl::store::reload_default_store();
        let ours = run_pyssl(profile, &steps, &servers, &cas);
        for (i, (p, r)) in python.as_array().unwrap().iter().zip(&ours).enumerate() {
            if p != r {
                failures.push(format!(
                    "[{}] step {i} {}\n   python: {}\n   pyssl:  {}",
                    profile.label(),
                    steps[i],
                    describe(p, &names),
                    describe(r, &names)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// pyssl only: a rewritten bundle file is picked up by new contexts (as in CPython) while
/// existing ones keep theirs; `reload_default_store` drops what the shared store cached, which
/// a `stat` of the bundle cannot notice.
fn changed_bundle_and_reload(dir: &Path) {
    let first = make_ca("pyssl reload CA 1");
    let second = make_ca("pyssl reload CA 2");
    let in_dir = make_ca("pyssl reload dir CA");
    let capath = dir.join("reload-capath");
    std::fs::create_dir(&capath).unwrap();
    add_hashed(&capath, &in_dir.cert);
    let bundle_file = dir.join("reload-bundle.pem");
    std::fs::write(&bundle_file, pem(&[&first.cert])).unwrap();
    set_env(&[("SSL_CERT_FILE", &bundle_file), ("SSL_CERT_DIR", &capath)]);
    let new = || Arc::new(pyssl::create_default_context(Purpose::SERVER_AUTH).unwrap());

    let a = new();
    assert_eq!(a.cert_store_stats().x509, 1);
    std::fs::write(&bundle_file, pem(&[&first.cert, &second.cert])).unwrap();
    let b = new();
    assert_eq!(
        b.cert_store_stats().x509,
        2,
        "a rewritten bundle is parsed again"
    );
    assert_eq!(
        a.cert_store_stats().x509,
        1,
        "existing contexts keep theirs"
    );
    let srv = server(&make_leaf(&second));
    assert_eq!(handshake(&b, &srv), Ok(()));
    assert_eq!(handshake(&a, &srv), Err(20));

    // b's lookup caches the directory CA in the store b shares with c.
    let dir_srv = server(&make_leaf(&in_dir));
    assert_eq!(handshake(&b, &dir_srv), Ok(()));
    let c = new();
    assert_eq!(c.cert_store_stats().x509, 2, "not found by c yet");
    std::fs::remove_file(capath.join(format!("{:08x}.0", in_dir.cert.subject_name_hash())))
        .unwrap();
    // Documented difference: c answers from the shared cache although the file is gone
    // (CPython's c would read the directory and fail).
    assert_eq!(handshake(&c, &dir_srv), Ok(()));
    pyssl::store::reload_default_store();
    let d = new();
    assert_eq!(d.cert_store_stats().x509, 2);
    assert_eq!(
        handshake(&d, &dir_srv),
        Err(20),
        "a fresh store reads the directory"
    );
    // Contexts made before the reload keep their store.
    assert_eq!(handshake(&c, &dir_srv), Ok(()));
    assert_eq!(a.cert_store_stats().x509, 1);
}

/// An endless bundle (`SSL_CERT_FILE=/dev/zero`) and an endless file in the hashed directory
/// fail as in CPython (no certificate, the lookup finds nothing), at once and with bounded
/// memory; a bundle that blocks (a FIFO) blocks only the thread loading it.
fn endless_and_blocking_bundles(dir: &Path) {
    let ca = make_ca("pyssl endless dir CA");
    let capath = dir.join("endless-capath");
    std::fs::create_dir(&capath).unwrap();
    let link = capath.join(format!("{:08x}.0", ca.cert.subject_name_hash()));
    std::os::unix::fs::symlink("/dev/zero", link).unwrap();
    let leaf = make_leaf(&ca);
    let (cert, key) = (dir.join("W-cert.pem"), dir.join("W-key.pem"));
    std::fs::write(&cert, leaf.cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key, leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let servers = HashMap::from([("W", Arc::new(server(&leaf)))]);
    let steps = json!([
        ["new_default", "a"],
        ["snap", "a"],
        ["hs", "a", "W"],
        ["snap", "a"]
    ]);
    let request = json!({
        "steps": steps,
        "servers": {"W": {"cert": cert, "key": key}},
        "cas": {},
    });
    let zero = Path::new("/dev/zero");
    set_env(&[("SSL_CERT_FILE", zero), ("SSL_CERT_DIR", &capath)]);
    let mut failures = Vec::new();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let env = [
            ("SSL_CERT_FILE", "/dev/zero"),
            ("SSL_CERT_DIR", capath.to_str().unwrap()),
        ];
        let python = oracle.run_json_env(PY, &[], &request.to_string(), &env);
        pyssl::store::reload_default_store();
        let (before, start) = (common::rss_kib(), std::time::Instant::now());
        let ours = run_pyssl(profile, &steps, &servers, &HashMap::new());
        let (took, grown) = (start.elapsed(), common::rss_kib().saturating_sub(before));
        if python.as_array().unwrap() != &ours {
            failures.push(format!(
                "[{}] /dev/zero bundle and directory entry\n   python: {python}\n   pyssl:  {ours:?}",
                profile.label()
            ));
        }
        assert!(
            took < std::time::Duration::from_secs(1),
            "/dev/zero took {took:?}"
        );
        assert!(grown < 8 * 1024, "/dev/zero grew RSS by {grown} KiB");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A FIFO as the bundle: loading the defaults waits for a writer, on its own thread only.
    let fifo = dir.join("bundle.fifo");
    common::blocking::mkfifo(&fifo);
    set_env(&[("SSL_CERT_FILE", &fifo), ("SSL_CERT_DIR", &capath)]);
    pyssl::store::reload_default_store();
    let ctx = Arc::new(SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).unwrap());
    let c = ctx.clone();
    let (result, answered) = common::blocking::while_blocked(
        &ctx,
        move || c.load_default_certs(Purpose::SERVER_AUTH),
        || common::blocking::feed(&fifo, pem(&[&ca.cert]).as_bytes()),
    );
    result.expect("the bundle read from the FIFO loads");
    assert_eq!(ctx.cert_store_stats().x509_ca, 1);
    common::blocking::assert_prompt("SSL_CERT_FILE FIFO", answered);
}

#[test]
fn shared_store_under_environment_paths() {
    const VARS: &[&str] = &["SSL_CERT_FILE", "SSL_CERT_DIR"];
    let saved: Vec<_> = VARS.iter().map(|v| (*v, std::env::var_os(v))).collect();
    let dir = tempfile::tempdir().unwrap();
    lazy_directory_lookups_match_cpython(dir.path());
    changed_bundle_and_reload(dir.path());
    endless_and_blocking_bundles(dir.path());
    for (k, v) in saved {
        // SAFETY: as in set_env.
        unsafe {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
}
