//! Certificate chains for the handshake suite, generated with the `openssl` crate into a
//! temporary directory at the start of the run (so none can expire in the repository).
//!
//! Every file `NAME.pem` holds the certificate (then any chain) followed by its private key,
//! ready for `load_cert_chain(NAME.pem)`; CA certificates are also written alone as
//! `NAME.crt` for `cafile=`.

use std::path::{Path, PathBuf};

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use pyssl_testsupport::certs::{self, Constraints, Eku, Issued, KeyKind, Serial, Spec};

/// What the scenarios' certificates share unless they say otherwise: a P-256 server leaf for
/// `localhost` (O=pyssl tests), valid from yesterday for 30 days, serial 1.
fn base() -> Spec<'static> {
    Spec {
        org: Some("pyssl tests"),
        days_from: -1,
        days_to: 30,
        serial: Serial::Fixed(1),
        ..Spec::default()
    }
}

pub struct CertDir {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl CertDir {
    pub fn file(&self, name: &str) -> String {
        self.path.join(name).to_string_lossy().into_owned()
    }
}

fn write(dir: &Path, name: &str, chain: &[&X509], key: Option<&PKey<Private>>) {
    certs::write_pem(&dir.join(name), chain, key);
}

/// Generate every certificate the scenarios name.
pub fn generate() -> CertDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_path_buf();
    let ca_spec = |cn| Spec {
        cn,
        constraints: Constraints::Ca,
        san: &[],
        eku: None,
        days_to: 365,
        ..base()
    };
    let root = certs::self_signed(&ca_spec("pyssl Test Root"));
    write(&p, "root.crt", &[&root.cert], None);
    let other_root = certs::self_signed(&ca_spec("pyssl Other Root"));
    let inter = root.issue(&Spec {
        serial: Serial::Fixed(2),
        ..ca_spec("pyssl Test Intermediate")
    });
    write(&p, "inter.crt", &[&inter.cert], None);
    let weak_ca = root.issue(&Spec {
        constraints: Constraints::CaNonCritical,
        serial: Serial::Fixed(3),
        ..ca_spec("pyssl Noncritical CA")
    });
    let leaf = |spec: Spec<'_>, issuer: &Issued, name: &str, chain: &[&X509]| {
        issuer.issue(&spec).write_pem(&p.join(name), chain);
    };
    let san_local: &[&str] = &["DNS:localhost", "IP:127.0.0.1"];
    leaf(
        Spec {
            san: san_local,
            ..base()
        },
        &root,
        "ec.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(2048),
            san: san_local,
            serial: Serial::Fixed(10),
            ..base()
        },
        &root,
        "rsa.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Ed25519,
            san: san_local,
            serial: Serial::Fixed(11),
            ..base()
        },
        &root,
        "ed25519.pem",
        &[],
    );
    leaf(
        Spec {
            days_from: -30,
            days_to: -1,
            serial: Serial::Fixed(12),
            ..base()
        },
        &root,
        "expired.pem",
        &[],
    );
    leaf(
        Spec {
            days_from: 5,
            days_to: 30,
            serial: Serial::Fixed(13),
            ..base()
        },
        &root,
        "notyet.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "wild",
            san: &["DNS:*.example.test"],
            serial: Serial::Fixed(14),
            ..base()
        },
        &root,
        "wildcard.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "partial",
            san: &["DNS:f*.example.test"],
            serial: Serial::Fixed(15),
            ..base()
        },
        &root,
        "partial.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "ip",
            san: &["IP:127.0.0.1", "IP:::1"],
            serial: Serial::Fixed(16),
            ..base()
        },
        &root,
        "ip.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "idn",
            san: &[
                "DNS:xn--knig-5qa.example.test",
                "DNS:xn--knigsgsschen-lcb0w.example.test",
            ],
            serial: Serial::Fixed(17),
            ..base()
        },
        &root,
        "idn.pem",
        &[],
    );
    leaf(
        Spec {
            san: &[],
            serial: Serial::Fixed(18),
            ..base()
        },
        &root,
        "cnonly.pem",
        &[],
    );
    let selfsigned = certs::self_signed(&Spec {
        serial: Serial::Fixed(19),
        ..base()
    });
    write(
        &p,
        "selfsigned.pem",
        &[&selfsigned.cert],
        Some(&selfsigned.key),
    );
    write(&p, "selfsigned.crt", &[&selfsigned.cert], None);
    leaf(
        Spec {
            serial: Serial::Fixed(20),
            ..base()
        },
        &other_root,
        "unknownca.pem",
        &[],
    );
    leaf(
        Spec {
            serial: Serial::Fixed(21),
            ..base()
        },
        &inter,
        "leaf_only.pem",
        &[],
    );
    leaf(
        Spec {
            serial: Serial::Fixed(22),
            ..base()
        },
        &inter,
        "leaf_chain.pem",
        &[&inter.cert],
    );
    leaf(
        Spec {
            serial: Serial::Fixed(23),
            ..base()
        },
        &weak_ca,
        "noncritical.pem",
        &[&weak_ca.cert],
    );
    leaf(
        Spec {
            eku: Some(Eku::ClientAuth),
            serial: Serial::Fixed(24),
            ..base()
        },
        &root,
        "eku_client.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(1024),
            serial: Serial::Fixed(25),
            ..base()
        },
        &root,
        "rsa1024.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(2048),
            digest: MessageDigest::sha1(),
            serial: Serial::Fixed(26),
            ..base()
        },
        &root,
        "sha1.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "client",
            san: &[],
            eku: Some(Eku::ClientAuth),
            serial: Serial::Fixed(27),
            ..base()
        },
        &root,
        "client.pem",
        &[],
    );
    let client_self = certs::self_signed(&Spec {
        cn: "rogue client",
        san: &[],
        eku: Some(Eku::ClientAuth),
        serial: Serial::Fixed(28),
        ..base()
    });
    write(
        &p,
        "client_selfsigned.pem",
        &[&client_self.cert],
        Some(&client_self.key),
    );
    leaf(
        Spec {
            cn: "other",
            san: &["DNS:other.example.test"],
            serial: Serial::Fixed(29),
            ..base()
        },
        &root,
        "other.pem",
        &[],
    );
    // Chains through keys on CPython's denylist (gh-160040; P-384 keys with tiny scalars):
    // an intermediate (the eMudhra key's scalar, 4), a leaf (56), a trust anchor (230), and a
    // good chain that carries the denylisted intermediate as an extra, off-path certificate.
    let deny_inter = root.issue(&Spec {
        key: KeyKind::P384Scalar(4),
        serial: Serial::Fixed(40),
        ..ca_spec("pyssl Denylisted Intermediate")
    });
    write(&p, "deny_inter.crt", &[&deny_inter.cert], None);
    leaf(
        Spec {
            san: san_local,
            serial: Serial::Fixed(41),
            ..base()
        },
        &deny_inter,
        "deny_inter.pem",
        &[&deny_inter.cert],
    );
    leaf(
        Spec {
            key: KeyKind::P384Scalar(56),
            san: san_local,
            serial: Serial::Fixed(42),
            ..base()
        },
        &root,
        "deny_leaf.pem",
        &[],
    );
    let deny_root = certs::self_signed(&Spec {
        key: KeyKind::P384Scalar(230),
        serial: Serial::Fixed(43),
        ..ca_spec("pyssl Denylisted Root")
    });
    write(&p, "deny_root.crt", &[&deny_root.cert], None);
    leaf(
        Spec {
            san: san_local,
            serial: Serial::Fixed(44),
            ..base()
        },
        &deny_root,
        "deny_root_leaf.pem",
        &[],
    );
    leaf(
        Spec {
            san: san_local,
            serial: Serial::Fixed(45),
            ..base()
        },
        &root,
        "deny_extra.pem",
        &[&deny_inter.cert],
    );
    leaf(
        Spec {
            cn: "denylisted client",
            san: &[],
            eku: Some(Eku::ClientAuth),
            serial: Serial::Fixed(46),
            ..base()
        },
        &deny_inter,
        "client_deny.pem",
        &[&deny_inter.cert],
    );
    CertDir { _dir: dir, path: p }
}
