//! Side-by-side benchmarks for the shared default store (issue 5): pyssl against a bare
//! `SSL_CTX_new`, rust-openssl's `SslConnector` and CPython, all in one run, with the ratios
//! that the targets in `BENCHMARKS.md` are stated in.
//!
//! ```text
//! cargo bench -j2 --bench contexts                    # everything (a few minutes)
//! cargo bench -j2 --bench contexts -- --quick         # a short run (under a minute)
//! cargo bench -j2 --bench contexts -- --smoke         # does every section still run? (seconds)
//! cargo bench -j2 --bench contexts -- ctx mem         # some sections: ctx first mem threads hs bulk
//! ```
//!
//! Method: every ratio is taken inside one round, and rounds alternate the contenders (A B A
//! B ...), so slow drift of a shared machine hits both sides; the figure reported is the
//! median over rounds of the per-round ratio. Context creation is timed call by call (create
//! and drop, as Python's `c = ssl.create_default_context(); del c`), and a round's figure is
//! the median call. CPython runs `benches/cpython_contexts.py` (`$PYSSL_BENCH_PYTHON`, default
//! `python3`) in a child process per round; fresh-process measurements (first call, memory)
//! run this binary again as a child. No figure here is asserted: these are measurements.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ErrorCode, Ssl, SslConnector, SslContext as RawContext, SslMethod, SslMode, SslOptions,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509CheckFlags, X509VerifyFlags};
use pyssl::{CaData, CreateOptions, MemoryBio, Purpose, SslContext, create_default_context};
use pyssl_testsupport::certs::{self, Constraints, KeyKind, Spec};

// ---------------------------------------------------------------------------------------------
// Plumbing

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median microseconds per call over `n` calls, after one warm-up call.
fn time_each(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        v.push(t.elapsed().as_secs_f64() * 1e6);
    }
    median(v)
}

/// Median microseconds per call of each of `fs`, calling them in turn (a, b, c, a, b, c,
/// ...) `n` times each after one warm-up call each, so that a shared machine's changing load
/// falls on all of them alike.
fn time_interleaved(n: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    for f in fs.iter_mut() {
        f();
    }
    let mut v = vec![Vec::with_capacity(n); fs.len()];
    for _ in 0..n {
        for (f, times) in fs.iter_mut().zip(v.iter_mut()) {
            let t = Instant::now();
            f();
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    v.into_iter().map(median).collect()
}

fn python() -> String {
    std::env::var("PYSSL_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/cpython_contexts.py")
}

/// Run a command and read `key=value` from its output.
fn run_for(cmd: &mut Command, key: &str) -> f64 {
    let out = cmd.output().expect("spawn benchmark child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {text:?}"))
}

fn cpython(args: &[&str], key: &str) -> f64 {
    run_for(Command::new(python()).arg(script()).args(args), key)
}

fn child(args: &[&str], key: &str) -> f64 {
    let exe = std::env::current_exe().expect("own path");
    run_for(Command::new(exe).arg("--child").args(args), key)
}

fn rss_kib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn pyssl_default() {
    black_box(create_default_context(Purpose::SERVER_AUTH).expect("create_default_context"));
}

fn bare_ctx() {
    let b = RawContext::builder(SslMethod::tls_client()).expect("SSL_CTX_new");
    black_box(b.build());
}

fn connector() {
    let b = SslConnector::builder(SslMethod::tls()).expect("SslConnector::builder");
    black_box(b.build());
}

/// One line of the summary.
struct Row {
    what: String,
    figure: String,
    goal: &'static str,
    holds: Option<bool>,
}

struct Report {
    rows: Vec<Row>,
}

impl Report {
    fn add(
        &mut self,
        what: impl Into<String>,
        figure: String,
        goal: &'static str,
        holds: Option<bool>,
    ) {
        let what = what.into();
        println!(
            "  => {what}: {figure}{}",
            match holds {
                Some(true) => "  [target holds]",
                Some(false) => "  [target MISSED]",
                None => "",
            }
        );
        self.rows.push(Row {
            what,
            figure,
            goal,
            holds,
        });
    }
}

struct Cfg {
    rounds: usize,
    cheap: usize,
    expensive: usize,
    py: usize,
    first_pairs: usize,
    mem_n: usize,
    mem_pairs: usize,
    threads_n: usize,
    threads_rounds: usize,
    hs_rounds: usize,
    bulk_mib: usize,
    bulk_rounds: usize,
}

// ---------------------------------------------------------------------------------------------
// Sections

fn section_ctx(cfg: &Cfg, report: &mut Report) {
    println!(
        "\n## Context creation, warm (median µs per create+drop, pyssl and bare calls alternating; {} rounds)",
        cfg.rounds
    );
    let (mut p, mut b, mut c, mut y) = (vec![], vec![], vec![], vec![]);
    let (mut r_bare, mut r_py, mut r_conn) = (vec![], vec![], vec![]);
    for round in 0..cfg.rounds {
        let pb = time_interleaved(cfg.cheap, &mut [&mut pyssl_default, &mut bare_ctx]);
        let (pv, bv) = (pb[0], pb[1]);
        let cv = time_each(cfg.expensive, connector);
        let yv = cpython(&["ctx", &cfg.py.to_string()], "median_us");
        println!(
            "  round {round}: pyssl {pv:.1}  bare SSL_CTX_new {bv:.1}  SslConnector {cv:.1}  CPython {yv:.1}"
        );
        r_bare.push(pv / bv);
        r_py.push(yv / pv);
        r_conn.push(cv / pv);
        p.push(pv);
        b.push(bv);
        c.push(cv);
        y.push(yv);
    }
    println!(
        "  medians: pyssl {:.1} µs, bare {:.1} µs, SslConnector::builder {:.1} µs, CPython {:.1} µs",
        median(p),
        median(b),
        median(c),
        median(y)
    );
    let rb = median(r_bare);
    report.add(
        "warm create_default_context / bare SSL_CTX_new",
        format!("{rb:.3}×"),
        "≤ 1.25×",
        Some(rb <= 1.25),
    );
    let rp = median(r_py);
    report.add(
        "CPython create_default_context / pyssl (speed-up)",
        format!("{rp:.0}×"),
        "≥ 100×",
        Some(rp >= 100.0),
    );
    let rc = median(r_conn);
    report.add(
        "SslConnector::builder / pyssl (speed-up)",
        format!("{rc:.0}×"),
        "(context)",
        None,
    );
}

fn section_first(cfg: &Cfg, report: &mut Report) {
    println!(
        "\n## First call in a fresh process (µs; OpenSSL initialised first, as `import ssl` does; {} pairs)",
        cfg.first_pairs
    );
    let mut ratios = vec![];
    for i in 0..cfg.first_pairs {
        let ours = child(&["first"], "first_us");
        let theirs = cpython(&["first"], "first_us");
        println!("  pair {i}: pyssl {ours:.0}  CPython {theirs:.0}");
        ratios.push(ours / theirs);
    }
    let r = median(ratios);
    report.add(
        "first create_default_context, pyssl / CPython",
        format!("{r:.3}×"),
        "≤ 1.0×",
        Some(r <= 1.0),
    );
    // The same in-process: OpenSSL warm, shared store dropped.
    let mut cold = vec![];
    for _ in 0..cfg.first_pairs {
        pyssl::store::reload_default_store();
        let t = Instant::now();
        pyssl_default();
        cold.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "  in-process, after reload_default_store(): {:.0} µs (parses the bundle again)",
        median(cold)
    );
}

fn section_mem(cfg: &Cfg, report: &mut Report) {
    let n = cfg.mem_n.to_string();
    println!(
        "\n## Memory per live context ({} kept alive; VmRSS growth / n, fresh processes; {} pairs)",
        cfg.mem_n, cfg.mem_pairs
    );
    let (mut ours, mut theirs, mut bare) = (vec![], vec![], vec![]);
    for i in 0..cfg.mem_pairs {
        let o = child(&["mem", "pyssl", &n], "per_ctx_kib");
        let b = child(&["mem", "bare", &n], "per_ctx_kib");
        let t = cpython(&["mem", &n], "per_ctx_kib");
        println!("  pair {i}: pyssl {o:.1} KiB  bare SSL_CTX_new {b:.1} KiB  CPython {t:.1} KiB");
        ours.push(o);
        theirs.push(t);
        bare.push(b);
    }
    let store = child(&["store-kib"], "store_kib");
    println!("  one-time cost of the shared store (first context): {store:.0} KiB");
    let o = median(ours);
    let t = median(theirs);
    report.add(
        "KiB per live default context, pyssl",
        format!(
            "{o:.1} KiB (CPython {t:.0} KiB, bare SSL_CTX_new {:.1} KiB)",
            median(bare)
        ),
        "≤ 24 KiB",
        Some(o <= 24.0),
    );
}

/// CPU time this thread has used, in seconds.
fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we pass and reads nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// From `threads` threads each creating `n`: (contexts per second of wall time, contexts per
/// second of CPU time summed over the threads).
fn rate(threads: usize, n: usize, f: fn()) -> (f64, f64) {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let (start, cpu) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = barrier.clone();
                s.spawn(move || {
                    barrier.wait();
                    let c = thread_cpu_secs();
                    for _ in 0..n {
                        f();
                    }
                    thread_cpu_secs() - c
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let cpu: f64 = workers.into_iter().map(|w| w.join().expect("worker")).sum();
        (start, cpu)
    });
    let total = (threads * n) as f64;
    (total / start.elapsed().as_secs_f64(), total / cpu)
}

fn section_threads(cfg: &Cfg, report: &mut Report) {
    println!(
        "\n## Creation from 2 threads vs 1 (contexts/s; {} per thread; {} rounds, order alternating)",
        cfg.threads_n, cfg.threads_rounds
    );
    pyssl_default();
    let (mut rp, mut rb, mut cp, mut cb) = (vec![], vec![], vec![], vec![]);
    for round in 0..cfg.threads_rounds {
        let n = cfg.threads_n;
        let (p1, p2, b1, b2) = if round % 2 == 0 {
            let p1 = rate(1, n, pyssl_default);
            let p2 = rate(2, n, pyssl_default);
            let b2 = rate(2, n, bare_ctx);
            (p1, p2, rate(1, n, bare_ctx), b2)
        } else {
            let b1 = rate(1, n, bare_ctx);
            let b2 = rate(2, n, bare_ctx);
            let p2 = rate(2, n, pyssl_default);
            (rate(1, n, pyssl_default), p2, b1, b2)
        };
        println!(
            "  round {round}: pyssl 1T {:.0}/s 2T {:.0}/s ({:.2}×)  bare SSL_CTX_new 1T {:.0}/s 2T {:.0}/s ({:.2}×)",
            p1.0,
            p2.0,
            p2.0 / p1.0,
            b1.0,
            b2.0,
            b2.0 / b1.0
        );
        rp.push(p2.0 / p1.0);
        rb.push(b2.0 / b1.0);
        // Two threads are at most twice one thread's rate; what each of them achieves per
        // CPU-second, against one thread alone, is what contention leaves of that factor 2,
        // whatever else the machine runs.
        cp.push(2.0 * p2.1 / p1.1);
        cb.push(2.0 * b2.1 / b1.1);
    }
    let r = median(rp);
    report.add(
        "2-thread / 1-thread create_default_context rate (wall clock)",
        format!("{r:.2}× (bare SSL_CTX_new: {:.2}×)", median(rb)),
        "≥ 1.6×",
        Some(r >= 1.6),
    );
    let c = median(cp);
    report.add(
        "the same, per CPU-second (2 × rate per CPU-s with 2 threads / with 1)",
        format!("{c:.2}× (bare SSL_CTX_new: {:.2}×)", median(cb)),
        "≥ 1.6× on two idle cores",
        Some(c >= 1.6),
    );
}

// -- certificates, peers, handshakes -----------------------------------------------------------

struct Pki {
    ca: X509,
    leaf: X509,
    key: PKey<Private>,
    dir: tempfile::TempDir,
}

impl Pki {
    fn chain_file(&self) -> PathBuf {
        self.dir.path().join("chain.pem")
    }
}

/// A P-256 (or RSA 2048) CA and a `localhost` server leaf it issued, valid for two days, with
/// the extensions `VERIFY_X509_STRICT` expects; the leaf and its key in `chain.pem`.
fn pki(rsa: bool) -> Pki {
    let key = if rsa { KeyKind::Rsa(2048) } else { KeyKind::Ec };
    let ca = certs::self_signed(&Spec {
        key,
        days_to: 2,
        ..Spec::ca("pyssl bench CA")
    });
    let leaf = ca.issue(&Spec {
        key,
        constraints: Constraints::Leaf,
        days_to: 2,
        ..Spec::default()
    });
    let dir = tempfile::tempdir().unwrap();
    leaf.write_pem(&dir.path().join("chain.pem"), &[]);
    Pki {
        ca: ca.cert,
        leaf: leaf.cert,
        key: leaf.key,
        dir,
    }
}

/// The contexts of both sides, as pyssl users and raw rust-openssl users would make them.
struct Peers {
    py_client: Arc<SslContext>,
    /// A client whose trust store is the shared default store (the CA is the "system"
    /// bundle: `SSL_CERT_FILE`), so verification goes through the store's lookup hooks.
    py_default_client: Arc<SslContext>,
    py_server: Arc<SslContext>,
    raw_client: RawContext,
    raw_server: RawContext,
}

fn peers(p: &Pki) -> Peers {
    let ca_pem = String::from_utf8(p.ca.to_pem().unwrap()).unwrap();
    let opts = CreateOptions {
        cadata: Some(CaData::Pem(&ca_pem)),
        ..CreateOptions::default()
    };
    let py_client = pyssl::create_default_context_with(Purpose::SERVER_AUTH, opts).unwrap();
    let bundle = p.dir.path().join("bundle.pem");
    std::fs::write(&bundle, &ca_pem).unwrap();
    let empty_dir = p.dir.path().join("capath");
    std::fs::create_dir_all(&empty_dir).unwrap();
    // SAFETY: the benchmark runs these sections on its main thread, with no other thread
    // alive that could read the environment.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &bundle);
        std::env::set_var("SSL_CERT_DIR", &empty_dir);
    }
    let py_default_client = create_default_context(Purpose::SERVER_AUTH).unwrap();
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("SSL_CERT_FILE");
        std::env::remove_var("SSL_CERT_DIR");
    }
    let py_server = create_default_context(Purpose::CLIENT_AUTH).unwrap();
    py_server
        .load_cert_chain(p.chain_file(), None, None)
        .unwrap();

    // The raw side gets the settings pyssl applies (CPython's), through rust-openssl's own
    // API, so that the comparison measures pyssl's layer rather than different TLS settings.
    let profile = py_client.profile();
    let raw_builder = |method: SslMethod, like: &SslContext| {
        let mut b = RawContext::builder(method).unwrap();
        b.clear_options(SslOptions::from_bits_retain(u64::MAX));
        b.set_options(SslOptions::from_bits_retain(like.options().bits()));
        b.set_cipher_list(profile.default_cipher_string).unwrap();
        b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_mode(SslMode::RELEASE_BUFFERS);
        b.verify_param_mut()
            .set_flags(X509VerifyFlags::from_bits_retain(
                like.verify_flags().bits(),
            ))
            .unwrap();
        b.verify_param_mut()
            .set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
        b
    };
    let mut c = raw_builder(SslMethod::tls_client(), &py_client);
    c.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(p.ca.clone()).unwrap();
    c.set_cert_store(store.build());
    let mut s = raw_builder(SslMethod::tls_server(), &py_server);
    s.set_certificate(&p.leaf).unwrap();
    s.set_private_key(&p.key).unwrap();
    Peers {
        py_client: Arc::new(py_client),
        py_default_client: Arc::new(py_default_client),
        py_server: Arc::new(py_server),
        raw_client: c.build(),
        raw_server: s.build(),
    }
}

#[derive(Clone, Default)]
struct Pipe(std::rc::Rc<std::cell::RefCell<std::collections::VecDeque<u8>>>);

struct End {
    rx: Pipe,
    tx: Pipe,
}

impl Read for End {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut q = self.rx.0.borrow_mut();
        if q.is_empty() {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(q.len());
        for (slot, b) in buf.iter_mut().zip(q.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx.0.borrow_mut().extend(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A full handshake between two configured `Ssl`s over in-memory pipes; returns the
/// client's (version, cipher).
fn drive(client: Ssl, server: Ssl) -> (String, String) {
    let (a, b) = (Pipe::default(), Pipe::default());
    let mut c = SslStream::new(
        client,
        End {
            rx: a.clone(),
            tx: b.clone(),
        },
    )
    .unwrap();
    let mut s = SslStream::new(server, End { rx: b, tx: a }).unwrap();
    let (mut cd, mut sd) = (false, false);
    while !(cd && sd) {
        if !cd {
            match c.connect() {
                Ok(()) => cd = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(e) => panic!("client handshake: {e}"),
            }
        }
        if !sd {
            match s.accept() {
                Ok(()) => sd = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(e) => panic!("server handshake: {e}"),
            }
        }
    }
    let ssl = c.ssl();
    (
        ssl.version_str().to_string(),
        ssl.current_cipher()
            .map(|c| c.name().to_string())
            .unwrap_or_default(),
    )
}

/// A raw client `Ssl` as rust-openssl's `ConnectConfiguration` makes one: SNI and the
/// host name to verify.
fn raw_client_ssl(p: &Peers) -> Ssl {
    let mut ssl = Ssl::new(&p.raw_client).unwrap();
    ssl.set_hostname("localhost").unwrap();
    ssl.param_mut().set_host("localhost").unwrap();
    ssl
}

fn hs_raw(p: &Peers) -> (String, String) {
    let server = Ssl::new(&p.raw_server).unwrap();
    drive(raw_client_ssl(p), server)
}

fn hs_pyssl_default_store(p: &Peers) -> (String, String) {
    let client = p
        .py_default_client
        .new_ssl(false, Some("localhost".into()))
        .unwrap();
    let server = p.py_server.new_ssl(true, None).unwrap();
    drive(client, server)
}

fn hs_pyssl_ssl(p: &Peers) -> (String, String) {
    let client = p
        .py_client
        .new_ssl(false, Some("localhost".into()))
        .unwrap();
    let server = p.py_server.new_ssl(true, None).unwrap();
    drive(client, server)
}

/// Through pyssl's own sans-I/O connection (`SSLObject` + `MemoryBIO`), as Python code does.
fn hs_pyssl_object(p: &Peers) -> (String, String) {
    let (ci, co, si, so) = (
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
        MemoryBio::new(),
    );
    let mut c = p
        .py_client
        .wrap_bio(&ci, &co, false, Some("localhost"))
        .unwrap();
    let mut s = p.py_server.wrap_bio(&si, &so, true, None).unwrap();
    let (mut cd, mut sd) = (false, false);
    while !(cd && sd) {
        if !cd {
            match c.do_handshake() {
                Ok(()) => cd = true,
                Err(e) if e.kind() == pyssl::ErrorKind::WantRead => {}
                Err(e) => panic!("client handshake: {e}"),
            }
            si.write(&co.read(None)).unwrap();
        }
        if !sd {
            match s.do_handshake() {
                Ok(()) => sd = true,
                Err(e) if e.kind() == pyssl::ErrorKind::WantRead => {}
                Err(e) => panic!("server handshake: {e}"),
            }
            ci.write(&so.read(None)).unwrap();
        }
    }
    (String::new(), String::new())
}

/// Handshakes per second of each way, from the median handshake time of `n` handshakes
/// made in turn (raw, pyssl `new_ssl`, pyssl `SslObject`, raw, ...).
fn hs_rates(p: &Peers, n: usize) -> Vec<f64> {
    let mut raw = || {
        black_box(hs_raw(p));
    };
    let mut ours = || {
        black_box(hs_pyssl_ssl(p));
    };
    let mut object = || {
        black_box(hs_pyssl_object(p));
    };
    let mut shared = || {
        black_box(hs_pyssl_default_store(p));
    };
    time_interleaved(n, &mut [&mut raw, &mut ours, &mut object, &mut shared])
        .into_iter()
        .map(|us| 1e6 / us)
        .collect()
}

fn section_hs(cfg: &Cfg, report: &mut Report) {
    for (label, rsa) in [("ECDSA P-256", false), ("RSA 2048", true)] {
        let pk = pki(rsa);
        let p = peers(&pk);
        let raw = hs_raw(&p);
        let ours = hs_pyssl_ssl(&p);
        hs_pyssl_object(&p);
        hs_pyssl_default_store(&p);
        println!(
            "\n## Handshakes/s, {label} server certificate, in memory (1 / median handshake time, 50 of each in turn per round; {} rounds)\n  raw negotiates {} {}, pyssl {} {}",
            cfg.hs_rounds, raw.0, raw.1, ours.0, ours.1
        );
        let (mut r_ssl, mut r_obj, mut r_shared) = (vec![], vec![], vec![]);
        for round in 0..cfg.hs_rounds {
            let r = hs_rates(&p, 50);
            let (a, b, c, d) = (r[0], r[1], r[2], r[3]);
            println!(
                "  round {round}: raw {a:.0}/s  pyssl new_ssl {b:.0}/s  pyssl SslObject {c:.0}/s  pyssl new_ssl, shared default store {d:.0}/s"
            );
            r_ssl.push(b / a);
            r_obj.push(c / a);
            r_shared.push(d / b);
        }
        let r = median(r_ssl);
        report.add(
            format!("handshakes/s ({label}), pyssl new_ssl / raw rust-openssl"),
            format!("{r:.3}×"),
            "≥ 0.97×",
            Some(r >= 0.97),
        );
        let r = median(r_obj);
        report.add(
            format!("handshakes/s ({label}), pyssl SslObject+MemoryBio / raw rust-openssl"),
            format!("{r:.3}×"),
            "≥ 0.97×",
            Some(r >= 0.97),
        );
        let r = median(r_shared);
        report.add(
            format!(
                "handshakes/s ({label}), pyssl new_ssl verifying through the shared default store / through its own store"
            ),
            format!("{r:.3}×"),
            "(cost of the lookup hooks)",
            None,
        );
    }
}

const CHUNK: usize = 256 * 1024;

fn bulk_raw(p: &Peers, mib: usize) -> f64 {
    let total = mib * 1024 * 1024;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server_ctx = p.raw_server.clone();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut s = SslStream::new(Ssl::new(&server_ctx).unwrap(), tcp).unwrap();
        s.accept().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0;
        while got < total {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0);
            got += n;
        }
        s.write_all(b"k").unwrap();
    });
    let tcp = TcpStream::connect(addr).unwrap();
    let mut c = SslStream::new(raw_client_ssl(p), tcp).unwrap();
    c.connect().unwrap();
    let chunk = vec![7u8; CHUNK];
    let t = Instant::now();
    for _ in 0..total / CHUNK {
        c.write_all(&chunk).unwrap();
    }
    let mut ack = [0u8; 1];
    c.read_exact(&mut ack).unwrap();
    let secs = t.elapsed().as_secs_f64();
    server.join().unwrap();
    mib as f64 / secs
}

fn bulk_pyssl(p: &Peers, mib: usize) -> f64 {
    let total = mib * 1024 * 1024;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server_ctx = p.py_server.clone();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut s = server_ctx.wrap_socket(tcp, true, None).unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0;
        while got < total {
            let n = s.read_into(&mut buf).unwrap();
            assert!(n > 0);
            got += n;
        }
        s.sendall(b"k").unwrap();
    });
    let tcp = TcpStream::connect(addr).unwrap();
    let mut c = p
        .py_client
        .wrap_socket(tcp, false, Some("localhost"))
        .unwrap();
    let chunk = vec![7u8; CHUNK];
    let t = Instant::now();
    for _ in 0..total / CHUNK {
        c.sendall(&chunk).unwrap();
    }
    let ack = c.recv(1).unwrap();
    assert_eq!(ack, b"k");
    let secs = t.elapsed().as_secs_f64();
    server.join().unwrap();
    mib as f64 / secs
}

fn section_bulk(cfg: &Cfg, report: &mut Report) {
    println!(
        "\n## Bulk throughput over loopback TCP (MiB/s; {} MiB per run; {} rounds)",
        cfg.bulk_mib, cfg.bulk_rounds
    );
    let pk = pki(false);
    let p = peers(&pk);
    let mut ratios = vec![];
    for round in 0..cfg.bulk_rounds {
        let (a, b) = if round % 2 == 0 {
            let a = bulk_raw(&p, cfg.bulk_mib);
            (a, bulk_pyssl(&p, cfg.bulk_mib))
        } else {
            let b = bulk_pyssl(&p, cfg.bulk_mib);
            (bulk_raw(&p, cfg.bulk_mib), b)
        };
        println!("  round {round}: raw SslStream {a:.0}  pyssl SslSocket {b:.0}");
        ratios.push(b / a);
    }
    let r = median(ratios);
    report.add(
        "bulk throughput, pyssl SslSocket / raw SslStream",
        format!("{r:.3}×"),
        "≥ 0.97×",
        Some(r >= 0.97),
    );
}

// ---------------------------------------------------------------------------------------------
// Children (fresh processes)

fn run_child(args: &[String]) {
    match args.first().map(String::as_str) {
        Some("first") => {
            openssl::init();
            let t = Instant::now();
            pyssl_default();
            println!("first_us={:.1}", t.elapsed().as_secs_f64() * 1e6);
        }
        Some("mem") => {
            let kind = args[1].as_str();
            let n: usize = args[2].parse().expect("count");
            let make = if kind == "bare" {
                make_bare
            } else {
                make_pyssl
            };
            drop(make());
            let before = rss_kib();
            let keep: Vec<Box<dyn std::any::Any>> = (0..n).map(|_| make()).collect();
            let after = rss_kib();
            println!(
                "per_ctx_kib={:.2} n={}",
                (after - before) / n as f64,
                keep.len()
            );
        }
        // Where a first call's time goes: the first SSL_CTX_new of the process, then the rest.
        Some("first-split") => {
            openssl::init();
            let t = Instant::now();
            bare_ctx();
            let ctx_us = t.elapsed().as_secs_f64() * 1e6;
            let t = Instant::now();
            pyssl_default();
            println!(
                "first_ctx_us={ctx_us:.0} then_default_us={:.0}",
                t.elapsed().as_secs_f64() * 1e6
            );
        }
        Some("store-kib") => {
            openssl::init();
            drop(make_bare());
            let before = rss_kib();
            let first = make_pyssl();
            let after = rss_kib();
            drop(first);
            println!("store_kib={:.0}", after - before);
        }
        // For profilers: `perf record target/release/deps/contexts-* --child spin pyssl 20000`.
        Some("spin") => {
            let f: fn() = match args[1].as_str() {
                "bare" => bare_ctx,
                "cold" => || {
                    pyssl::store::reload_default_store();
                    pyssl_default();
                },
                "new" => || {
                    black_box(SslContext::new(pyssl::PROTOCOL_TLS_CLIENT).expect("SSLContext"));
                },
                _ => pyssl_default,
            };
            let n: usize = args[2].parse().expect("count");
            let us = time_each(n, f);
            println!("median_us={us:.2}");
        }
        // For profilers: `--child spin-hs raw|ssl|object N` (ECDSA, in memory).
        Some("spin-hs") => {
            let pk = pki(false);
            let p = peers(&pk);
            let f: fn(&Peers) -> (String, String) = match args[1].as_str() {
                "raw" => hs_raw,
                "object" => hs_pyssl_object,
                _ => hs_pyssl_ssl,
            };
            let n: usize = args[2].parse().expect("count");
            let us = time_each(n, || {
                black_box(f(&p));
            });
            println!("median_us={us:.2}");
        }
        other => panic!("unknown child mode {other:?}"),
    }
}

fn make_pyssl() -> Box<dyn std::any::Any> {
    Box::new(create_default_context(Purpose::SERVER_AUTH).expect("create_default_context"))
}

fn make_bare() -> Box<dyn std::any::Any> {
    Box::new(
        RawContext::builder(SslMethod::tls_client())
            .expect("SSL_CTX_new")
            .build(),
    )
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let py = Command::new(python())
        .args([
            "-c",
            "import sys, ssl; print(sys.version.split()[0], ssl.OPENSSL_VERSION)",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("# pyssl context benchmarks");
    println!(
        "load average at start: {} (other processes compete for the cores when this is high)",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "machine: {cpu}, {cores} cores; pyssl on {}; CPython {py}",
        openssl::version::version()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return run_child(&args[1..]);
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let quick = smoke || args.iter().any(|a| a == "--quick");
    let sections: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let want = |s: &str| sections.is_empty() || sections.contains(&s);
    let cfg = if smoke {
        Cfg {
            rounds: 1,
            cheap: 20,
            expensive: 1,
            py: 2,
            first_pairs: 1,
            mem_n: 50,
            mem_pairs: 1,
            threads_n: 50,
            threads_rounds: 1,
            hs_rounds: 1,
            bulk_mib: 4,
            bulk_rounds: 1,
        }
    } else if quick {
        Cfg {
            rounds: 2,
            cheap: 200,
            expensive: 3,
            py: 5,
            first_pairs: 2,
            mem_n: 200,
            mem_pairs: 1,
            threads_n: 300,
            threads_rounds: 3,
            hs_rounds: 2,
            bulk_mib: 32,
            bulk_rounds: 1,
        }
    } else {
        Cfg {
            rounds: 7,
            cheap: 2000,
            expensive: 30,
            py: 60,
            first_pairs: 11,
            mem_n: 500,
            mem_pairs: 3,
            threads_n: 500,
            threads_rounds: 21,
            hs_rounds: 15,
            bulk_mib: 256,
            bulk_rounds: 7,
        }
    };
    machine();
    let mut report = Report { rows: vec![] };
    if want("ctx") {
        section_ctx(&cfg, &mut report);
    }
    if want("first") {
        section_first(&cfg, &mut report);
    }
    if want("mem") {
        section_mem(&cfg, &mut report);
    }
    if want("threads") {
        section_threads(&cfg, &mut report);
    }
    if want("hs") {
        section_hs(&cfg, &mut report);
    }
    if want("bulk") {
        section_bulk(&cfg, &mut report);
    }
    println!(
        "\n## Summary{}\n",
        if quick {
            " (SHORT RUN: checks that the harness works; not figures for the record)"
        } else {
            ""
        }
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average at the end: {}\n",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("| measurement | figure | target | holds |\n|---|---|---|---|");
    for r in &report.rows {
        let holds = match r.holds {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        println!("| {} | {} | {} | {} |", r.what, r.figure, r.goal, holds);
    }
}
