//! Helpers shared by the integration tests: locating the live CPython oracles and running
//! Python snippets that answer in JSON.
#![allow(dead_code)]

use std::io::Write;
pub mod blocking;
pub mod dsl;

use std::path::{Path, PathBuf};

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use pyssl::Profile;
use pyssl_testsupport::certs::{self, Aki, KeyKind, Spec, Usage};
use serde_json::{Value, json};

/// The CPython side of the scenario language.
pub const ORACLE: &str = include_str!("../../oracle/pyssl_oracle.py");

use std::process::{Command, Stdio};

/// How many times slower than native the tests run: `PYSSL_TEST_TIME_SCALE` (ci/sanitize sets
/// it under AddressSanitizer and valgrind, which also run a test binary's threads one at a
/// time), 1 otherwise. Bounds on how long something may take are multiplied by it; what they
/// catch (waiting on a blocked FIFO, reading an endless file) takes forever at any scale.
#[allow(dead_code)] // not every test binary bounds a time
pub fn time_scale() -> u32 {
    std::env::var("PYSSL_TEST_TIME_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
}

/// A live CPython interpreter used as the oracle for one pyssl profile.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// "3.11", "3.13", ...
    pub version: String,
    pub python: PathBuf,
    /// `lib/python3.X/test/certdata` of that install.
    pub certdata: PathBuf,
}

/// The oracle for a profile version, found as `pyssl_testsupport::python::find_python` says
/// (`$PYSSL_PYTHON_3_X`, pyenv's newest 3.X, `python3`). A missing interpreter fails the test,
/// unless `PYSSL_ALLOW_MISSING_PYTHON=1`, where it returns `None` after printing a loud NOT
/// RUN line.
pub fn oracle(version: &str) -> Option<Oracle> {
    let python = pyssl_testsupport::python::require_python(version)?;
    let certdata = pyssl_testsupport::python::certdata(&python);
    Some(Oracle {
        version: version.to_string(),
        python,
        certdata,
    })
}

pub use pyssl_testsupport::python::linked_openssl;

/// The profile compared with the interpreter `release` of `oracle/releases.tsv`, in that
/// interpreter's build flavour (Debian's builds: `--with-ssl-default-suites=openssl`).
pub fn compared(release: &str) -> Profile {
    let row = pyssl_testsupport::python::releases()
        .into_iter()
        .find(|r| r.release == release)
        .unwrap_or_else(|| panic!("{release} is not in oracle/releases.tsv"));
    let profile = Profile::by_version(release).expect("a shipped profile");
    assert_eq!(
        profile.release(),
        release,
        "oracle/releases.tsv lists a release pyssl ships"
    );
    let suites = pyssl::SslDefaultSuites::from_name(&row.ssl_default_suites).expect("flavour");
    profile.with_ssl_default_suites(suites)
}

/// The releases of `oracle/releases.tsv`, oldest first.
pub fn listed_releases() -> Vec<String> {
    pyssl_testsupport::python::releases()
        .into_iter()
        .map(|r| r.release)
        .collect()
}

/// A suite's per-release test list must be `oracle/releases.tsv`, in its order.
#[track_caller]
pub fn assert_one_test_per_listed_oracle(releases: &[&str]) {
    assert_eq!(
        releases,
        listed_releases(),
        "the per-release tests must list oracle/releases.tsv"
    );
}

/// Every profile of `oracle/releases.tsv`, as [`compared`] gives it, oldest first.
pub fn compared_profiles() -> Vec<Profile> {
    pyssl_testsupport::python::releases()
        .iter()
        .map(|r| compared(&r.release))
        .collect()
}

/// The oracle a profile is compared with: its row of `oracle/releases.tsv`. `None` (after a
/// NOT RUN line) where that interpreter cannot load the OpenSSL pyssl is linked to, or where
/// it is missing and `PYSSL_ALLOW_MISSING_PYTHON=1`.
pub fn oracle_for(profile: &Profile) -> Option<Oracle> {
    let release = profile.release();
    let row = pyssl_testsupport::python::releases()
        .into_iter()
        .find(|r| r.release == release)
        .unwrap_or_else(|| panic!("no oracle for {release} in oracle/releases.tsv"));
    let python = pyssl_testsupport::python::require_release(&row, linked_openssl())?;
    let certdata = pyssl_testsupport::python::certdata(&python);
    Some(Oracle {
        version: release,
        python,
        certdata,
    })
}

impl Oracle {
    /// Run `script` with `args`, feed `stdin`, parse stdout as JSON.
    pub fn run_json(&self, script: &str, args: &[&str], stdin: &str) -> serde_json::Value {
        self.run_json_env(script, args, stdin, &[])
    }

    /// As [`Oracle::run_json`], with extra environment variables (`SSLKEYLOGFILE` is
    /// removed unless given here).
    pub fn run_json_env(
        &self,
        script: &str,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> serde_json::Value {
        let mut cmd = Command::new(&self.python);
        cmd.env_remove("SSLKEYLOGFILE");
        // ci/openssl-matrix runs the interpreters on another OpenSSL build.
        if let Some(dir) = std::env::var_os("PYSSL_ORACLE_LD_LIBRARY_PATH") {
            cmd.env("LD_LIBRARY_PATH", dir);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .arg("-c")
            .arg(script)
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn python");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("python output");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bad JSON from python ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    pub fn cert(&self, name: &str) -> PathBuf {
        self.certdata.join(name)
    }
}

/// Convert a pyssl value to the JSON the oracle scripts emit for the same Python value
/// (tuples and lists as arrays, bytes as `{"bytes": hex}`).
pub fn py_to_json(v: &pyssl::PyValue) -> serde_json::Value {
    use pyssl::PyValue as P;
    use serde_json::Value as J;
    match v {
        P::None => J::Null,
        P::Bool(b) => J::Bool(*b),
        P::Int(i) => match i64::try_from(*i) {
            Ok(x) => J::from(x),
            Err(_) => J::String(format!("int:{i}")),
        },
        P::Str(s) => J::String(s.clone()),
        P::Bytes(b) => {
            serde_json::json!({"bytes": b.iter().map(|x| format!("{x:02x}")).collect::<String>()})
        }
        P::Tuple(items) | P::List(items) => J::Array(items.iter().map(py_to_json).collect()),
        P::Dict(items) => {
            let mut m = serde_json::Map::new();
            for (k, v) in items {
                m.insert(k.clone(), py_to_json(v));
            }
            J::Object(m)
        }
    }
}

/// Python-side twin of [`py_to_json`], for embedding in oracle snippets.
pub const PY_TO_JSON: &str = r#"
def to_json(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        v = int(v)
        return v if -2**63 <= v < 2**63 else "int:%d" % v
    if isinstance(v, (tuple, list)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    return "repr:" + repr(v)
"#;

/// The Rust twin of the oracle's `module` step.
pub fn module_facts(profile: Profile) -> Value {
    let p = pyssl::get_default_verify_paths();
    let mut has = serde_json::Map::new();
    let mut flags = pyssl::has_flags(profile.version);
    flags.sort();
    for (n, v) in flags {
        has.insert(n.to_string(), json!(v));
    }
    let mut consts: Vec<(&str, i128)> = pyssl::python_constants(profile.version);
    consts.sort();
    let mut c = serde_json::Map::new();
    for (n, v) in consts {
        c.insert(n.to_string(), json!(v as i64));
    }
    let purpose = |x: pyssl::Purpose| json!([x.nid, x.shortname, x.longname, x.oid]);
    json!({
        "OPENSSL_VERSION": *pyssl::OPENSSL_VERSION,
        "OPENSSL_VERSION_INFO": [pyssl::OPENSSL_VERSION_INFO.0, pyssl::OPENSSL_VERSION_INFO.1,
            pyssl::OPENSSL_VERSION_INFO.2, pyssl::OPENSSL_VERSION_INFO.3, pyssl::OPENSSL_VERSION_INFO.4],
        "OPENSSL_VERSION_NUMBER": *pyssl::OPENSSL_VERSION_NUMBER,
        "default_verify_paths": [p.cafile, p.capath, p.openssl_cafile_env, p.openssl_cafile,
            p.openssl_capath_env, p.openssl_capath],
        "has": has,
        "constants": c,
        "purposes": [purpose(pyssl::Purpose::SERVER_AUTH), purpose(pyssl::Purpose::CLIENT_AUTH)],
        "CHANNEL_BINDING_TYPES": pyssl::CHANNEL_BINDING_TYPES,
    })
}

/// Replace `$CERTDATA` and `$TMP` in every string of a scenario.
pub fn substitute(v: &Value, certdata: &Path, tmp: &Path) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace("$CERTDATA", &certdata.to_string_lossy())
                .replace("$TMP", &tmp.to_string_lossy()),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, certdata, tmp)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), substitute(x, certdata, tmp)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Put `$TMP` back where a side's temporary directory shows up in an answer.
pub fn unsubstitute(v: &str, tmp: &Path) -> String {
    v.replace(&*tmp.to_string_lossy(), "$TMP")
}

/// A fresh self-signed CA certificate and its key (RSA 2048, SHA-256, 1 day, no SKI), for
/// tests that must not depend on fixture files.
pub fn make_ca(cn: &str) -> (X509, PKey<Private>) {
    let ca = certs::self_signed(&Spec {
        key: KeyKind::Rsa(2048),
        ski: false,
        ..Spec::ca(cn)
    });
    (ca.cert, ca.key)
}

/// A leaf certificate for `host` (P-256, DNS SAN, serverAuth; no keyUsage, SKI or AKI)
/// signed by `ca`.
pub fn make_leaf(ca: &X509, ca_key: &PKey<Private>, host: &str) -> (X509, PKey<Private>) {
    let dns = format!("DNS:{host}");
    let leaf = certs::issue(
        &Spec {
            cn: host,
            san: &[&dns],
            key_usage: Usage::Omit,
            ski: false,
            aki: Aki::Omit,
            ..Spec::default()
        },
        Some((ca, ca_key)),
    );
    (leaf.cert, leaf.key)
}

/// Resident memory of this process (`VmRSS` of `/proc/self/status`), in KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// A client and a server connection of `client` and `server` over memory BIOs, not started.
pub struct MemoryPair {
    pub c: pyssl::SslObject,
    pub s: pyssl::SslObject,
    pub bios: [pyssl::MemoryBio; 4],
}

impl MemoryPair {
    pub fn new(
        server: &std::sync::Arc<pyssl::SslContext>,
        client: &std::sync::Arc<pyssl::SslContext>,
    ) -> MemoryPair {
        let bios: [pyssl::MemoryBio; 4] = std::array::from_fn(|_| pyssl::MemoryBio::new());
        let [ci, co, si, so] = &bios;
        let c = client.wrap_bio(ci, co, false, Some("localhost")).unwrap();
        let s = server.wrap_bio(si, so, true, None).unwrap();
        MemoryPair { c, s, bios }
    }

    /// What the client sent, to the server; what the server sent, to the client.
    pub fn to_server(&self) {
        self.bios[2].write(&self.bios[1].read(None)).unwrap();
    }

    pub fn to_client(&self) {
        self.bios[0].write(&self.bios[3].read(None)).unwrap();
    }

    /// The client's next handshake step: `None` while it waits for the server.
    pub fn client_step(&mut self) -> Option<serde_json::Value> {
        match self.c.do_handshake() {
            Ok(()) => Some(serde_json::json!("ok")),
            Err(e) if e.python_type() == "SSLWantReadError" => None,
            Err(e) => Some(serde_json::json!([
                e.python_type(),
                e.python_str(),
                e.verify_code()
            ])),
        }
    }
}

/// `describe(e)` in Python: an exception's class, `str()` without CPython's `(_ssl.c:NNNN)`
/// suffix, `errno`, `args`, `strerror`, and for SSL errors `library`, `reason`,
/// `verify_code`, `verify_message`.
/// Scripts start with it; [`describe`] is pyssl's side.
pub const DESCRIBE: &str = include_str!("../../oracle/describe.py");

/// What [`DESCRIBE`]'s `describe(e)` gives for the same exception.
pub fn describe(e: &pyssl::Error) -> Value {
    json!({
        "type": e.python_type(),
        "str": e.python_str(),
        "errno": e.errno(),
        "library": e.library(),
        "reason": e.reason(),
        "verify_code": e.verify_code(),
        "verify_message": e.verify_message(),
        "args": py_to_json(&e.args()),
        "strerror": e.strerror(),
    })
}

/// A child process (a CPython server, say) killed and reaped when dropped, so that a failing
/// assertion never leaves it running with the test harness's output pipe open.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
