//! pyssl's twin of `run_py.py`'s per-case evaluation: every x509-limbo case is run through a
//! real pyssl handshake driven by [`SslObject`] over [`MemoryBio`]s, with the contexts built
//! as `run_py.py` builds CPython's, and reported in the same record shape.
//!
//! * SERVER cases (`fake12`): a scripted TLS 1.2 "server" answers the ClientHello with
//!   ServerHello + Certificate(leaf + untrusted intermediates) + ServerHelloDone. OpenSSL's
//!   client verifies the chain (and hostname) on the Certificate message; a verification
//!   failure is FAILURE, a later failure on the missing ServerKeyExchange (one of
//!   [`POST_VERIFY_REASONS`]) is SUCCESS, anything else ERROR.
//! * SERVER cases with the leaf's key (`real`, the cross-check): a pyssl server at
//!   `@SECLEVEL=0` holding leaf + chain against the pyssl client, a full TLS 1.3 handshake.
//! * CLIENT cases (`real-client-auth`): a pyssl client holding leaf + key against a pyssl
//!   server with `CERT_REQUIRED` verifying it.
//!
//! The validation time is not set here: like `run_py.py`'s workers, this runs in a child
//! process whose clock libfaketime has frozen at the case's time (see `main.rs`).

use std::path::Path;
use std::sync::Arc;

use pyssl::{
    BioOptions, CERT_NONE, CERT_REQUIRED, CaData, CreateOptions, Error, ErrorKind, MemoryBio,
    PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, Profile, Purpose, SslContext, SslObject,
    VERIFY_CRL_CHECK_CHAIN, VERIFY_X509_PARTIAL_CHAIN, VERIFY_X509_STRICT, VerifyFlags,
    create_default_context_with,
};
use serde_json::{Map, Value, json};

use super::common::py_to_json;

/// SSL error reasons a client can only reach after the chain verified (OpenSSL's
/// `tls_post_process_server_certificate` / `tls_process_key_exchange`), as in `run_py.py`.
const POST_VERIFY_REASONS: &[&str] = &[
    "UNEXPECTED_MESSAGE",
    "WRONG_CERTIFICATE_TYPE",
    "UNKNOWN_CERTIFICATE_TYPE",
    "UNABLE_TO_FIND_PUBLIC_KEY_PARAMETERS",
    "BAD_ECC_CERT",
    "ECC_CERT_NOT_FOR_SIGNING",
    "MISSING_RSA_SIGNING_CERT",
    "MISSING_ECDSA_SIGNING_CERT",
];

/// DER encodings of the public key algorithm OIDs that select an ECDSA suite.
const OID_EC_PUBKEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x71];

/// One evaluation configuration: a profile plus verify flags added after
/// `create_default_context` (`run_py.py --extra-verify-flags`).
pub struct Config {
    pub profile: Profile,
    pub extra_flags: Vec<String>,
}

type Rec = Map<String, Value>;

fn rec(pairs: &[(&str, Value)]) -> Rec {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// `err_info(e)`: the exception's class, `str()`, library and reason, plus the verification
/// details of an `SSLCertVerificationError`.
fn err_info(e: &Error) -> Rec {
    let mut d = rec(&[
        ("error_type", json!(e.python_type())),
        ("error_str", json!(e.python_str())),
        ("error_library", json!(e.library())),
        ("error_reason", json!(e.reason())),
    ]);
    if e.kind() == ErrorKind::CertVerification {
        d.insert("verify_code".into(), json!(e.verify_code()));
        d.insert("verify_message".into(), json!(e.verify_message()));
    }
    d
}

fn with(mut base: Rec, more: Rec) -> Rec {
    base.extend(more);
    base
}

fn pem_der(pem: &str) -> Vec<u8> {
    let text = format!("{}\n", pem.trim());
    pyssl::PEM_cert_to_DER_cert(&text).expect("limbo PEM certificate")
}

fn u24(n: usize) -> [u8; 3] {
    let b = (n as u32).to_be_bytes();
    [b[1], b[2], b[3]]
}

fn handshake_msg(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend(u24(body.len()));
    out.extend(body);
    out
}

/// TLS 1.2 records of `content_type` carrying `data`, at most 2^14 bytes each.
fn records(content_type: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in data.chunks(16384) {
        out.push(content_type);
        out.extend([3, 3]);
        out.extend((chunk.len() as u16).to_be_bytes());
        out.extend(chunk);
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The scripted server's first flight: ServerHello (a deterministic random without the
/// TLS 1.3 downgrade sentinel, an ECDHE suite matching the leaf's key type), Certificate,
/// ServerHelloDone.
fn fake_server_flight(case_id: &str, leaf: &[u8], chain: &[Vec<u8>]) -> Vec<u8> {
    let digest = openssl::sha::sha256(case_id.as_bytes());
    let mut random = digest[..24].to_vec();
    random.extend([0u8; 8]);
    let ecdsa = [OID_EC_PUBKEY, OID_ED25519, OID_ED448]
        .iter()
        .any(|oid| contains(leaf, oid));
    // ECDHE-ECDSA-AES128-GCM-SHA256 or ECDHE-RSA-AES128-GCM-SHA256
    let suite: [u8; 2] = if ecdsa { [0xc0, 0x2b] } else { [0xc0, 0x2f] };
    // renegotiation_info (empty), ec_point_formats (uncompressed)
    let exts: &[u8] = &[
        0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
    ];
    let mut hello = vec![3, 3];
    hello.extend(&random);
    hello.push(0); // empty session id
    hello.extend(suite);
    hello.push(0); // null compression
    hello.extend((exts.len() as u16).to_be_bytes());
    hello.extend(exts);
    let mut certs = Vec::new();
    for der in std::iter::once(leaf).chain(chain.iter().map(Vec::as_slice)) {
        certs.extend(u24(der.len()));
        certs.extend(der);
    }
    let mut cert_msg = u24(certs.len()).to_vec();
    cert_msg.extend(certs);
    let mut flight = handshake_msg(2, &hello);
    flight.extend(handshake_msg(11, &cert_msg));
    flight.extend(handshake_msg(14, &[]));
    records(22, &flight)
}

fn str_list(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn joined_pems(pems: &[&str]) -> String {
    pems.iter().map(|p| format!("{}\n", p.trim())).collect()
}

/// `client_context(tc, tmpdir, extra_flags, purpose)`: `create_default_context` with the
/// case's trust anchors as `cadata` (or, with CRLs, trust anchors + CRLs as `cafile` and
/// `VERIFY_CRL_CHECK_CHAIN`; or, with no anchors, an empty `capath`), then the extra flags.
fn client_context(
    tc: &Value,
    tmp: &Path,
    cfg: &Config,
    purpose: Purpose,
) -> Result<Arc<SslContext>, Error> {
    let trusted = joined_pems(&str_list(&tc["trusted_certs"]));
    let crls = str_list(&tc["crls"]);
    let mut opts = CreateOptions {
        profile: cfg.profile,
        ..CreateOptions::default()
    };
    let cafile = tmp.join("trust+crls.pem");
    let empty = tmp.join("empty-capath");
    let ctx = if !crls.is_empty() {
        std::fs::write(&cafile, format!("{trusted}{}", joined_pems(&crls))).unwrap();
        opts.cafile = Some(&cafile);
        let ctx = create_default_context_with(purpose, opts)?;
        ctx.set_verify_flags(ctx.verify_flags() | VERIFY_CRL_CHECK_CHAIN)?;
        ctx
    } else if !trusted.is_empty() {
        opts.cadata = Some(CaData::Pem(&trusted));
        create_default_context_with(purpose, opts)?
    } else {
        std::fs::create_dir_all(&empty).unwrap();
        opts.capath = Some(&empty);
        create_default_context_with(purpose, opts)?
    };
    for name in &cfg.extra_flags {
        let flag: VerifyFlags = match name.as_str() {
            "X509_STRICT" => VERIFY_X509_STRICT,
            "X509_PARTIAL_CHAIN" => VERIFY_X509_PARTIAL_CHAIN,
            other => panic!("unknown extra verify flag {other}"),
        };
        ctx.set_verify_flags(ctx.verify_flags() | flag)?;
    }
    Ok(Arc::new(ctx))
}

fn peer_hostname(tc: &Value) -> Option<&str> {
    let n = &tc["expected_peer_name"];
    match n["kind"].as_str() {
        Some("DNS") | Some("IP") => n["value"].as_str(),
        _ => None,
    }
}

fn run_fake12(tc: &Value, tmp: &Path, cfg: &Config) -> Rec {
    let ctx = client_context(tc, tmp, cfg, Purpose::SERVER_AUTH).expect("client context");
    let host = peer_hostname(tc);
    if host.is_none() {
        ctx.set_check_hostname(false);
    }
    let (cin, cout) = (MemoryBio::new(), MemoryBio::new());
    let opts = BioOptions {
        server_hostname: host.map(Into::into),
        ..BioOptions::default()
    };
    let mut obj = match ctx.wrap_bio_with(&cin, &cout, opts) {
        Ok(o) => o,
        Err(e) => {
            return with(
                rec(&[("result", json!("ERROR")), ("stage", json!("wrap_bio"))]),
                err_info(&e),
            );
        }
    };
    match obj.do_handshake() {
        Ok(()) => {
            return rec(&[
                ("result", json!("ERROR")),
                ("stage", json!("clienthello")),
                ("error_str", json!("handshake did not wait")),
            ]);
        }
        Err(e) if e.kind() == ErrorKind::WantRead => {}
        Err(e) => panic!("{}: ClientHello failed: {e}", tc["id"]),
    }
    cout.read(None);
    let leaf = pem_der(tc["peer_certificate"].as_str().unwrap());
    let chain: Vec<Vec<u8>> = str_list(&tc["untrusted_intermediates"])
        .into_iter()
        .map(pem_der)
        .collect();
    cin.write(&fake_server_flight(
        tc["id"].as_str().unwrap(),
        &leaf,
        &chain,
    ))
    .unwrap();
    match obj.do_handshake() {
        Ok(()) => rec(&[
            ("result", json!("ERROR")),
            ("stage", json!("handshake")),
            ("error_str", json!("unexpected handshake completion")),
        ]),
        Err(e) if e.kind() == ErrorKind::CertVerification => with(
            rec(&[("result", json!("FAILURE")), ("stage", json!("verify"))]),
            err_info(&e),
        ),
        Err(e) if e.kind().is_ssl_error() => match e.reason() {
            Some(r) if POST_VERIFY_REASONS.contains(&r) => rec(&[
                ("result", json!("SUCCESS")),
                ("stage", json!("post-verify")),
                ("post_verify_reason", json!(r)),
            ]),
            _ => with(
                rec(&[("result", json!("ERROR")), ("stage", json!("handshake"))]),
                err_info(&e),
            ),
        },
        Err(e) => panic!("{}: unexpected non-SSL error {e}", tc["id"]),
    }
}

fn write_chain(tc: &Value, tmp: &Path, tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut pems = vec![tc["peer_certificate"].as_str().unwrap()];
    pems.extend(str_list(&tc["untrusted_intermediates"]));
    let (cf, kf) = (
        tmp.join(format!("{tag}-chain.pem")),
        tmp.join(format!("{tag}-key.pem")),
    );
    std::fs::write(&cf, joined_pems(&pems)).unwrap();
    std::fs::write(&kf, tc["peer_certificate_key"].as_str().unwrap()).unwrap();
    (cf, kf)
}

#[derive(Default)]
struct PumpState {
    c_done: bool,
    s_done: bool,
    c_err: Option<Error>,
    s_err: Option<Error>,
}

/// Step one side's handshake: done, still waiting for input, or failed with an `SSLError`
/// or `OSError` (what `run_py.py` catches).
fn step(obj: &mut SslObject, done: &mut bool, err: &mut Option<Error>) {
    if *done || err.is_some() {
        return;
    }
    match obj.do_handshake() {
        Ok(()) => *done = true,
        Err(e) if e.kind() == ErrorKind::WantRead => {}
        Err(e) if e.kind().is_os_error() => *err = Some(e),
        Err(e) => panic!("handshake raised a non-OSError: {e}"),
    }
}

fn move_bytes(from: &MemoryBio, to: &MemoryBio) -> bool {
    let d = from.read(None);
    if d.is_empty() {
        return false;
    }
    to.write(&d).unwrap();
    true
}

/// `pump(...)`: alternate the two handshakes, moving bytes between the BIOs, until both have
/// finished or nothing moves after one has; then let the client see a late TLS 1.3 alert.
fn pump(c: &mut SslObject, s: &mut SslObject, bios: &[MemoryBio; 4]) -> PumpState {
    let [cin, cout, sin, sout] = bios;
    let mut st = PumpState::default();
    for _ in 0..40 {
        let mut moved = false;
        step(c, &mut st.c_done, &mut st.c_err);
        moved |= move_bytes(cout, sin);
        step(s, &mut st.s_done, &mut st.s_err);
        moved |= move_bytes(sout, cin);
        let c_fin = st.c_done || st.c_err.is_some();
        let s_fin = st.s_done || st.s_err.is_some();
        if (c_fin && s_fin) || (!moved && (c_fin || s_fin)) {
            break;
        }
    }
    if st.c_done && st.s_err.is_some() {
        move_bytes(sout, cin);
        // Only run for its side effect on the client, as in run_py.py (the result is unused).
        let _ = c.read(1);
    }
    st
}

fn bios() -> [MemoryBio; 4] {
    [
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
    ]
}

fn cert_json(obj: &SslObject) -> Value {
    match obj.getpeercert() {
        Ok(Some(c)) => py_to_json(&c.to_py()),
        Ok(None) => Value::Null,
        Err(e) => panic!("getpeercert failed: {e}"),
    }
}

fn skipped(stage: &str, text: &str) -> Rec {
    rec(&[
        ("result", json!("SKIPPED")),
        ("stage", json!(stage)),
        ("error_str", json!(text)),
    ])
}

fn run_real_server(tc: &Value, tmp: &Path, cfg: &Config) -> Rec {
    if tc["peer_certificate_key"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return skipped("setup", "no peer_certificate_key");
    }
    let (cf, kf) = write_chain(tc, tmp, "srv");
    let sctx = Arc::new(SslContext::with_profile(PROTOCOL_TLS_SERVER, cfg.profile).unwrap());
    if let Err(e) = sctx
        .set_ciphers("ALL:@SECLEVEL=0")
        .and_then(|()| sctx.load_cert_chain(&cf, Some(&kf), None))
    {
        return with(
            rec(&[
                ("result", json!("SKIPPED")),
                ("stage", json!("server-load")),
            ]),
            err_info(&e),
        );
    }
    let ctx = client_context(tc, tmp, cfg, Purpose::SERVER_AUTH).expect("client context");
    let host = peer_hostname(tc);
    if host.is_none() {
        ctx.set_check_hostname(false);
    }
    let b = bios();
    let opts = BioOptions {
        server_hostname: host.map(Into::into),
        ..BioOptions::default()
    };
    let mut c = match ctx.wrap_bio_with(&b[0], &b[1], opts) {
        Ok(c) => c,
        Err(e) => {
            return with(
                rec(&[("result", json!("ERROR")), ("stage", json!("wrap_bio"))]),
                err_info(&e),
            );
        }
    };
    let mut s = sctx.wrap_bio(&b[2], &b[3], true, None).unwrap();
    let st = pump(&mut c, &mut s, &b);
    if st.c_done && st.s_done {
        return rec(&[
            ("result", json!("SUCCESS")),
            ("stage", json!("handshake")),
            ("version", json!(c.version())),
            ("cipher", json!(c.cipher().map(|t| t.0))),
            ("getpeercert", cert_json(&c)),
        ]);
    }
    if let Some(e) = st
        .c_err
        .as_ref()
        .filter(|e| e.kind() == ErrorKind::CertVerification)
    {
        return with(
            rec(&[("result", json!("FAILURE")), ("stage", json!("verify"))]),
            err_info(e),
        );
    }
    let mut d = rec(&[("result", json!("ERROR")), ("stage", json!("handshake"))]);
    if let Some(e) = st.c_err.as_ref().or(st.s_err.as_ref()) {
        d.extend(err_info(e));
    }
    d
}

fn run_real_client_auth(tc: &Value, tmp: &Path, cfg: &Config, server_keycert: &Path) -> Rec {
    if tc["peer_certificate_key"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return skipped("setup", "no peer_certificate_key");
    }
    let sctx = client_context(tc, tmp, cfg, Purpose::CLIENT_AUTH).expect("server context");
    sctx.set_verify_mode(CERT_REQUIRED).unwrap();
    sctx.load_cert_chain(server_keycert, None, None).unwrap();
    let (cf, kf) = write_chain(tc, tmp, "cli");
    let cctx = Arc::new(SslContext::with_profile(PROTOCOL_TLS_CLIENT, cfg.profile).unwrap());
    cctx.set_check_hostname(false);
    cctx.set_verify_mode(CERT_NONE).unwrap();
    if let Err(e) = cctx
        .set_ciphers("ALL:@SECLEVEL=0")
        .and_then(|()| cctx.load_cert_chain(&cf, Some(&kf), None))
    {
        return with(
            rec(&[
                ("result", json!("SKIPPED")),
                ("stage", json!("client-load")),
            ]),
            err_info(&e),
        );
    }
    let b = bios();
    let mut c = cctx.wrap_bio(&b[0], &b[1], false, None).unwrap();
    let mut s = sctx.wrap_bio(&b[2], &b[3], true, None).unwrap();
    let st = pump(&mut c, &mut s, &b);
    if st.s_done {
        return rec(&[
            ("result", json!("SUCCESS")),
            ("stage", json!("handshake")),
            ("version", json!(s.version())),
            ("getpeercert", cert_json(&s)),
        ]);
    }
    if let Some(e) = st
        .s_err
        .as_ref()
        .filter(|e| e.kind() == ErrorKind::CertVerification)
    {
        return with(
            rec(&[("result", json!("FAILURE")), ("stage", json!("verify"))]),
            err_info(e),
        );
    }
    let mut d = rec(&[("result", json!("ERROR")), ("stage", json!("handshake"))]);
    if let Some(e) = st.s_err.as_ref().or(st.c_err.as_ref()) {
        d.extend(err_info(e));
    }
    d
}

/// `decode_cert(pem)`: the leaf as `ssl._ssl._test_decode_cert` shows it.
fn decode_cert(pem: &str, tmp: &Path) -> Value {
    let path = tmp.join("peer.pem");
    std::fs::write(&path, pem).unwrap();
    match pyssl::certificate::decode_cert_file(&path) {
        Ok(d) => json!({"ok": py_to_json(&d.to_py())}),
        Err(e) => json!({"error": format!("{}: {}", e.python_type(), e.python_str())}),
    }
}

/// `evaluate(tc, "both", extra_flags)`: the primary method's record plus, for SERVER cases,
/// the real-handshake cross-check, and the decoded leaf.
pub fn evaluate(tc: &Value, cfg: &Config, server_keycert: &Path) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let mut out = rec(&[
        ("id", tc["id"].clone()),
        ("validation_kind", tc["validation_kind"].clone()),
        ("expected_result", tc["expected_result"].clone()),
    ]);
    if tc["validation_kind"] == "CLIENT" {
        out.extend(run_real_client_auth(tc, tmp.path(), cfg, server_keycert));
        out.insert("method".into(), json!("real-client-auth"));
    } else {
        out.extend(run_fake12(tc, tmp.path(), cfg));
        out.insert("method".into(), json!("fake12"));
        let x = run_real_server(tc, tmp.path(), cfg);
        let keep = [
            "result",
            "stage",
            "verify_code",
            "verify_message",
            "error_reason",
            "error_str",
            "version",
        ];
        let cross: Rec = keep
            .iter()
            .map(|k| (k.to_string(), x.get(*k).cloned().unwrap_or(Value::Null)))
            .collect();
        out.insert("crosscheck_real".into(), Value::Object(cross));
    }
    out.insert(
        "peer_decoded".into(),
        decode_cert(tc["peer_certificate"].as_str().unwrap(), tmp.path()),
    );
    Value::Object(out)
}
