//! Module-level functions and values of `ssl`: `get_default_verify_paths()`,
//! `OPENSSL_VERSION*`, the `HAS_*` feature flags.
#![allow(non_upper_case_globals)]

use std::path::Path;
use std::sync::LazyLock;

use crate::ffi;

/// `ssl.DefaultVerifyPaths`, the result of [`get_default_verify_paths`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultVerifyPaths {
    /// `cafile`: `$SSL_CERT_FILE` or OpenSSL's default file, if that is a file.
    pub cafile: Option<String>,
    /// `capath`: `$SSL_CERT_DIR` or OpenSSL's default directory, if that is a directory.
    pub capath: Option<String>,
    /// `openssl_cafile_env` (`"SSL_CERT_FILE"`).
    pub openssl_cafile_env: String,
    /// `openssl_cafile`, OpenSSL's compiled-in default file.
    pub openssl_cafile: String,
    /// `openssl_capath_env` (`"SSL_CERT_DIR"`).
    pub openssl_capath_env: String,
    /// `openssl_capath`, OpenSSL's compiled-in default directory.
    pub openssl_capath: String,
}

/// `ssl.get_default_verify_paths()`.
///
/// ```python
/// ssl.get_default_verify_paths().openssl_cafile_env   # 'SSL_CERT_FILE'
/// ```
/// ```
/// assert_eq!(pyssl::get_default_verify_paths().openssl_cafile_env, "SSL_CERT_FILE");
/// ```
pub fn get_default_verify_paths() -> DefaultVerifyPaths {
    let (file_env, file, dir_env, dir) = ffi::default_verify_paths();
    let from_env = |var: &str, default: &str| match std::env::var_os(var) {
        Some(v) => v.to_string_lossy().into_owned(),
        None => default.to_string(),
    };
    let cafile = from_env(&file_env, &file);
    let capath = from_env(&dir_env, &dir);
    DefaultVerifyPaths {
        cafile: Path::new(&cafile).is_file().then_some(cafile),
        capath: Path::new(&capath).is_dir().then_some(capath),
        openssl_cafile_env: file_env,
        openssl_cafile: file,
        openssl_capath_env: dir_env,
        openssl_capath: dir,
    }
}

/// `ssl.OPENSSL_VERSION`, e.g. `"OpenSSL 3.0.19 27 Jan 2026"` (the running library).
pub static OPENSSL_VERSION: LazyLock<String> = LazyLock::new(ffi::openssl_version_text);

/// `ssl.OPENSSL_VERSION_NUMBER`.
pub static OPENSSL_VERSION_NUMBER: LazyLock<u64> = LazyLock::new(ffi::openssl_version_number);

/// `ssl.OPENSSL_VERSION_INFO`: `(major, minor, fix, patch, status)` derived from the number
/// as CPython derives it.
pub static OPENSSL_VERSION_INFO: LazyLock<(u64, u64, u64, u64, u64)> = LazyLock::new(|| {
    let n = *OPENSSL_VERSION_NUMBER;
    (
        (n >> 28) & 0xFF,
        (n >> 20) & 0xFF,
        (n >> 12) & 0xFF,
        (n >> 4) & 0xFF,
        n & 0xF,
    )
});

/// `ssl.HAS_SNI`.
pub const HAS_SNI: bool = true;
/// `ssl.HAS_ECDH`.
pub const HAS_ECDH: bool = true;
/// `ssl.HAS_ALPN`.
pub const HAS_ALPN: bool = true;
/// `ssl.HAS_NPN`.
pub const HAS_NPN: bool = false;
/// `ssl.HAS_TLS_UNIQUE`.
pub const HAS_TLS_UNIQUE: bool = true;
/// `ssl.HAS_NEVER_CHECK_COMMON_NAME`.
pub const HAS_NEVER_CHECK_COMMON_NAME: bool = true;
/// `ssl.HAS_SSLv2`.
pub const HAS_SSLv2: bool = false;
/// `ssl.HAS_SSLv3` (false when OpenSSL was built without SSLv3).
pub const HAS_SSLv3: bool = cfg!(not(pyssl_no_ssl3));
/// `ssl.HAS_TLSv1`.
pub const HAS_TLSv1: bool = true;
/// `ssl.HAS_TLSv1_1`.
pub const HAS_TLSv1_1: bool = true;
/// `ssl.HAS_TLSv1_2`.
pub const HAS_TLSv1_2: bool = true;
/// `ssl.HAS_TLSv1_3`.
pub const HAS_TLSv1_3: bool = true;
/// `ssl.HAS_PSK` (Python 3.13+).
pub const HAS_PSK: bool = true;
/// `ssl.HAS_PHA` (Python 3.14+): TLS 1.3 post-handshake authentication, which every OpenSSL
/// pyssl builds on (1.1.1+) has.
pub const HAS_PHA: bool = true;
/// `ssl.HAS_PSK_TLS13` (Python 3.15+): TLS 1.3 external PSKs, which OpenSSL 1.1.1+ supports
/// unless built without PSK.
pub const HAS_PSK_TLS13: bool = true;

/// `ssl.get_sigalgs()` (CPython 3.15, OpenSSL 3.4+): the names of the signature algorithms
/// OpenSSL implements. Built on an older OpenSSL, CPython has no such function: this is then
/// the `AttributeError`.
///
/// ```python
/// ssl.get_sigalgs()[:2]   # ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384']
/// ```
/// ```
/// match pyssl::get_sigalgs() {
///     Ok(names) => assert!(names.iter().any(|n| n == "ed25519")),
///     Err(e) => assert_eq!(e.python_type(), "AttributeError"), // OpenSSL < 3.4
/// }
/// ```
#[doc(alias = "SSL_get1_builtin_sigalgs")]
pub fn get_sigalgs() -> crate::Result<Vec<String>> {
    crate::ffi::builtin_sigalgs()
        .ok_or_else(|| crate::Error::attribute("module 'ssl' has no attribute 'get_sigalgs'"))
}

/// Every `HAS_*` flag by its Python name, for the given CPython release.
pub fn has_flags(version: (u32, u32)) -> Vec<(&'static str, bool)> {
    let mut v = vec![
        ("HAS_ALPN", HAS_ALPN),
        ("HAS_ECDH", HAS_ECDH),
        ("HAS_NEVER_CHECK_COMMON_NAME", HAS_NEVER_CHECK_COMMON_NAME),
        ("HAS_NPN", HAS_NPN),
        ("HAS_SNI", HAS_SNI),
        ("HAS_SSLv2", HAS_SSLv2),
        ("HAS_SSLv3", HAS_SSLv3),
        ("HAS_TLS_UNIQUE", HAS_TLS_UNIQUE),
        ("HAS_TLSv1", HAS_TLSv1),
        ("HAS_TLSv1_1", HAS_TLSv1_1),
        ("HAS_TLSv1_2", HAS_TLSv1_2),
        ("HAS_TLSv1_3", HAS_TLSv1_3),
    ];
    if version >= (3, 13) {
        v.push(("HAS_PSK", HAS_PSK));
    }
    if version >= (3, 14) {
        v.push(("HAS_PHA", HAS_PHA));
    }
    if version >= (3, 15) {
        v.push(("HAS_PSK_TLS13", HAS_PSK_TLS13));
    }
    v
}
