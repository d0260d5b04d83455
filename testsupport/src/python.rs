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
    fn a_version_that_does_not_exist_is_not_found() {
        // No pyenv install and no `python3` answers "2.99".
        assert_eq!(find_python("2.99"), None);
    }
}
