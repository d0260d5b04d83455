//! Sets `ossl111`, `ossl300`, `ossl320`, ... cfgs from the OpenSSL version that openssl-sys
//! found, so that calls which exist only in some OpenSSL releases compile only where they exist.
//! The cfgs of openssl-sys itself do not reach dependent crates, so we derive our own.

use std::env;

/// (minimum OPENSSL_VERSION_NUMBER, cfg name), oldest first.
const THRESHOLDS: &[(u64, &str)] = &[
    (0x1010_1000, "ossl111"),
    (0x3000_0000, "ossl300"),
    (0x3010_0000, "ossl310"),
    (0x3020_0000, "ossl320"),
    (0x3030_0000, "ossl330"),
    (0x3040_0000, "ossl340"),
    // CPython 3.14 picks its OpenSSL 3.5 error-name table from 3.4.1 on.
    (0x3040_1000, "ossl341"),
    (0x3050_0000, "ossl350"),
    (0x4000_0000, "ossl400"),
];

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_OPENSSL_VERSION_NUMBER");
    println!("cargo:rerun-if-env-changed=DEP_OPENSSL_LIBRESSL_VERSION_NUMBER");
    for (_, name) in THRESHOLDS {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    println!("cargo::rustc-check-cfg=cfg(libressl)");
    println!("cargo::rustc-check-cfg=cfg(pyssl_no_ssl3)");
    // Set by ci/stress through RUSTFLAGS: lock annotations for valgrind's helgrind.
    println!("cargo::rustc-check-cfg=cfg(pyssl_helgrind)");
    println!("cargo:rerun-if-env-changed=DEP_OPENSSL_CONF");
    // openssl-sys reports the OPENSSL_NO_* macros it found; CPython's HAS_SSLv3 and the lowest
    // version "MINIMUM_SUPPORTED" maps to follow OPENSSL_NO_SSL3.
    let conf = env::var("DEP_OPENSSL_CONF").unwrap_or_default();
    if conf
        .split(',')
        .any(|c| c.trim().starts_with("OPENSSL_NO_SSL3"))
    {
        println!("cargo:rustc-cfg=pyssl_no_ssl3");
    }
    if env::var_os("DEP_OPENSSL_LIBRESSL_VERSION_NUMBER").is_some() {
        println!("cargo:rustc-cfg=libressl");
        return;
    }
    let Ok(raw) = env::var("DEP_OPENSSL_VERSION_NUMBER") else {
        println!("cargo:warning=openssl-sys reported no version number; no version cfgs set");
        return;
    };
    let Ok(version) = u64::from_str_radix(raw.trim(), 16) else {
        println!("cargo:warning=unreadable DEP_OPENSSL_VERSION_NUMBER {raw:?}");
        return;
    };
    for (min, name) in THRESHOLDS {
        if version >= *min {
            println!("cargo:rustc-cfg={name}");
        }
    }
}
