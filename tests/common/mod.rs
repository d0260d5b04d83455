//! Helpers shared by the integration tests: locating the live CPython oracles and running
//! Python snippets that answer in JSON.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A live CPython interpreter used as the oracle for one pyssl profile.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// "3.11", "3.13", ...
    pub version: String,
    pub python: PathBuf,
    /// `lib/python3.X/test/certdata` of that install.
    pub certdata: PathBuf,
}

fn pyenv_root() -> PathBuf {
    if let Some(r) = std::env::var_os("PYENV_ROOT") {
        return PathBuf::from(r);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".pyenv")
}

/// Find the interpreter for "3.X": `$PYSSL_PYTHON_3_X`, else pyenv's newest 3.X install,
/// else `python3` if it is that version.
pub fn find_python(version: &str) -> Option<PathBuf> {
    let var = format!("PYSSL_PYTHON_{}", version.replace('.', "_"));
    if let Some(p) = std::env::var_os(&var) {
        return Some(PathBuf::from(p));
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(pyenv_root().join("versions"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{version}.")))
        })
        .map(|p| p.join("bin").join("python3"))
        .filter(|p| p.exists())
        .collect();
    candidates.sort();
    if let Some(p) = candidates.pop() {
        return Some(p);
    }
    let out = Command::new("python3")
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    (String::from_utf8_lossy(&out.stdout).trim() == version).then(|| PathBuf::from("python3"))
}

/// The oracle for a profile version. A missing interpreter fails the test, unless
/// `PYSSL_ALLOW_MISSING_PYTHON=1`, where it returns `None` after printing a loud NOT RUN line.
pub fn oracle(version: &str) -> Option<Oracle> {
    let Some(python) = find_python(version) else {
        if std::env::var("PYSSL_ALLOW_MISSING_PYTHON").as_deref() == Ok("1") {
            eprintln!(
                "!!!!! NOT RUN: no CPython {version} found; its comparison did not run !!!!!"
            );
            return None;
        }
        panic!(
            "no CPython {version} interpreter found (pyenv); set PYSSL_PYTHON_{}",
            version.replace('.', "_")
        );
    };
    let out = Command::new(&python)
        .args([
            "-c",
            "import os, test; print(os.path.join(os.path.dirname(test.__file__), 'certdata'))",
        ])
        .output()
        .expect("run python");
    let certdata = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Some(Oracle {
        version: version.to_string(),
        python,
        certdata,
    })
}

impl Oracle {
    /// Run `script` with `args`, feed `stdin`, parse stdout as JSON.
    pub fn run_json(&self, script: &str, args: &[&str], stdin: &str) -> serde_json::Value {
        let mut child = Command::new(&self.python)
            .arg("-c")
            .arg(script)
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("SSLKEYLOGFILE")
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
