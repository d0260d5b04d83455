//! Locating the live CPython interpreters the differential tests compare against, and the
//! policy for a missing one.
//!
//! Lookup order for "3.X": `$PYSSL_PYTHON_3_X`, else pyenv's newest 3.X install, else
//! `python3` if it is that version. A missing interpreter fails the test unless
//! `PYSSL_ALLOW_MISSING_PYTHON=1`, where the comparison is skipped after a loud NOT RUN line.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that turns a missing interpreter from a failure into a NOT RUN.
pub const ALLOW_MISSING_ENV: &str = "PYSSL_ALLOW_MISSING_PYTHON";

/// pyenv's root: `$PYENV_ROOT`, else `$HOME/.pyenv` (`/root/.pyenv` without `HOME`).
pub fn pyenv_root() -> PathBuf {
    if let Some(r) = std::env::var_os("PYENV_ROOT") {
        return PathBuf::from(r);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".pyenv")
}

/// The variable that overrides where the interpreter for `version` is found:
/// `PYSSL_PYTHON_3_11` for "3.11".
pub fn override_var(version: &str) -> String {
    format!("PYSSL_PYTHON_{}", version.replace('.', "_"))
}

/// Find the interpreter for "3.X": `$PYSSL_PYTHON_3_X`, else pyenv's newest 3.X install,
/// else `python3` if it is that version.
pub fn find_python(version: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(override_var(version)) {
        return Some(PathBuf::from(p));
    }
    let prefix = format!("{version}.");
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(pyenv_root().join("versions"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
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

/// Whether `PYSSL_ALLOW_MISSING_PYTHON=1` is set.
pub fn missing_allowed() -> bool {
    std::env::var(ALLOW_MISSING_ENV).as_deref() == Ok("1")
}

/// The interpreter for "3.X" under the missing-interpreter policy: [`find_python`]'s answer,
/// or, when there is none, a panic, unless `PYSSL_ALLOW_MISSING_PYTHON=1`, where it prints a
/// loud NOT RUN line and returns `None` (the caller then skips its comparison).
#[track_caller]
pub fn require_python(version: &str) -> Option<PathBuf> {
    if let Some(p) = find_python(version) {
        return Some(p);
    }
    if missing_allowed() {
        eprintln!("!!!!! NOT RUN: no CPython {version} found; its comparison did not run !!!!!");
        return None;
    }
    panic!(
        "no CPython {version} interpreter found (pyenv); set {}",
        override_var(version)
    );
}

/// `oracle/releases.tsv`: the one list of profiles compared with a live interpreter, read by
/// the tests, `ci/check-oracles` and `ci/oracle-chroot`.
pub const RELEASES_TSV: &str = include_str!("../../oracle/releases.tsv");

/// Where a listed oracle interpreter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// pyenv's upstream build on the system OpenSSL.
    Pyenv,
    /// Debian unstable's build in the chroot `ci/oracle-chroot` makes.
    DebianUnstable,
}

/// One row of `oracle/releases.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleRelease {
    /// `"3.14.10"`.
    pub release: String,
    /// Where the interpreter comes from.
    pub source: Source,
    /// `"python"` or `"openssl"`: the interpreter's `--with-ssl-default-suites`.
    pub ssl_default_suites: String,
    /// The oldest OpenSSL (major, minor) its `_ssl` module loads.
    pub openssl_min: (u32, u32),
}

impl OracleRelease {
    /// `"3.14"` of `"3.14.10"`.
    pub fn minor(&self) -> &str {
        self.release
            .rsplit_once('.')
            .map_or(self.release.as_str(), |(m, _)| m)
    }
}

/// Every row of `oracle/releases.tsv`, in its order (oldest first).
pub fn releases() -> Vec<OracleRelease> {
    RELEASES_TSV
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 4, "oracle/releases.tsv: bad row {l:?}");
            let source = match f[1] {
                "pyenv" => Source::Pyenv,
                "debian-unstable" => Source::DebianUnstable,
                other => panic!("oracle/releases.tsv: unknown source {other:?}"),
            };
            let (maj, min) = f[3].split_once('.').expect("openssl_min is X.Y");
            OracleRelease {
                release: f[0].to_string(),
                source,
                ssl_default_suites: f[2].to_string(),
                openssl_min: (maj.parse().unwrap(), min.parse().unwrap()),
            }
        })
        .collect()
}

/// The OpenSSL (major, minor) the calling binary is linked to (what [`require_release`]
/// checks a Debian oracle's `openssl_min` against).
pub fn linked_openssl() -> (u32, u32) {
    let n = openssl::version::number() as u64;
    (((n >> 28) & 0xf) as u32, ((n >> 20) & 0xff) as u32)
}

/// The cache `ci/oracle-chroot` builds into: `$PYSSL_CACHE`, else `$HOME/.cache/pyssl`.
pub fn cache_dir() -> PathBuf {
    if let Some(c) = std::env::var_os("PYSSL_CACHE") {
        return PathBuf::from(c);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".cache").join("pyssl")
}

/// The interpreter for a row of `oracle/releases.tsv` under the missing-interpreter policy,
/// for a pyssl linked to OpenSSL `(major, minor)`.
///
/// A Debian interpreter cannot load an OpenSSL older than its `openssl_min` (its `_ssl`
/// needs 3.3's symbols): where pyssl is linked to one (the system 3.0), the comparison is not
/// applicable and is skipped after a NOT RUN line naming `ci/openssl-matrix`, which runs it
/// on a newer OpenSSL. A missing chroot fails like a missing pyenv interpreter.
#[track_caller]
pub fn require_release(row: &OracleRelease, linked_openssl: (u32, u32)) -> Option<PathBuf> {
    match row.source {
        Source::Pyenv => require_python(row.minor()),
        Source::DebianUnstable => {
            if linked_openssl < row.openssl_min {
                eprintln!(
                    "!!!!! NOT RUN here: CPython {} (Debian) needs OpenSSL >= {}.{}, pyssl is \
                     linked to {}.{}; ci/openssl-matrix compares it on OpenSSL 3.5 and 3.6 !!!!!",
                    row.release,
                    row.openssl_min.0,
                    row.openssl_min.1,
                    linked_openssl.0,
                    linked_openssl.1
                );
                return None;
            }
            if let Some(p) = std::env::var_os(override_var(row.minor())) {
                return Some(PathBuf::from(p));
            }
            let wrapper = cache_dir()
                .join("bin")
                .join(format!("python{}-debian", row.minor()));
            if wrapper.exists() {
                return Some(wrapper);
            }
            if missing_allowed() {
                eprintln!(
                    "!!!!! NOT RUN: no CPython {} (Debian unstable; run ci/oracle-chroot) !!!!!",
                    row.release
                );
                return None;
            }
            panic!(
                "no CPython {} oracle: {} is missing (run ci/oracle-chroot)",
                row.release,
                wrapper.display()
            );
        }
    }
}

/// The test certificates of the install `python` belongs to: `lib/python3.X/test/certdata`
/// (3.12+), else the `test` package directory itself, where earlier releases keep them.
pub fn certdata(python: &Path) -> PathBuf {
    let out = Command::new(python)
        .args([
            "-c",
            "import os, test; d = os.path.dirname(test.__file__); c = os.path.join(d, 'certdata'); print(c if os.path.isdir(c) else d)",
        ])
        .output()
        .expect("run python");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_var_names_the_version() {
        assert_eq!(override_var("3.11"), "PYSSL_PYTHON_3_11");
        assert_eq!(override_var("3.7"), "PYSSL_PYTHON_3_7");
    }

    #[test]
    fn releases_list_is_oldest_first_and_unique() {
        let rows = releases();
        let key = |r: &OracleRelease| -> Vec<u32> {
            r.release.split('.').map(|x| x.parse().unwrap()).collect()
        };
        for pair in rows.windows(2) {
            assert!(key(&pair[0]) < key(&pair[1]), "{pair:?}");
        }
        assert!(rows.iter().any(|r| r.source == Source::DebianUnstable));
    }

    #[test]
    fn a_version_that_does_not_exist_is_not_found() {
        // No pyenv install and no `python3` answers "2.99".
        assert_eq!(find_python("2.99"), None);
    }
}
