//! Certificate chains for the handshake suite, generated with the `openssl` crate into a
//! temporary directory at the start of the run (so none can expire in the repository).
//!
//! Every file `NAME.pem` holds the certificate (then any chain) followed by its private key,
//! ready for `load_cert_chain(NAME.pem)`; CA certificates are also written alone as
//! `NAME.crt` for `cafile=`.

use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

pub struct Issued {
    pub cert: X509,
    pub key: PKey<Private>,
}

#[derive(Clone, Copy)]
pub enum KeyKind {
    Rsa(u32),
    Ec,
    Ed25519,
}

fn key(kind: KeyKind) -> PKey<Private> {
    match kind {
        KeyKind::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap(),
        KeyKind::Ec => {
            let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
        KeyKind::Ed25519 => PKey::generate_ed25519().unwrap(),
    }
}

/// What a certificate should look like.
pub struct Spec<'a> {
    pub cn: &'a str,
    pub key: KeyKind,
    pub ca: bool,
    pub ca_critical: bool,
    pub san: &'a [&'a str],
    pub eku: Option<&'a str>,
    pub days_from: i64,
    pub days_to: i64,
    pub digest: MessageDigest,
    pub serial: u32,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            cn: "localhost",
            key: KeyKind::Ec,
            ca: false,
            ca_critical: true,
            san: &["DNS:localhost"],
            eku: Some("serverAuth"),
            days_from: -1,
            days_to: 30,
            digest: MessageDigest::sha256(),
            serial: 1,
        }
    }
}

fn time(days: i64) -> Asn1Time {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Asn1Time::from_unix(now + days * 86400).unwrap()
}

/// Issue a certificate (self-signed when `issuer` is `None`).
pub fn issue(spec: &Spec<'_>, issuer: Option<&Issued>) -> Issued {
    let key = key(spec.key);
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("O", "pyssl tests").unwrap();
    name.append_entry_by_text("CN", spec.cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(
        &BigNum::from_u32(spec.serial)
            .unwrap()
            .to_asn1_integer()
            .unwrap(),
    )
    .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&time(spec.days_from)).unwrap();
    b.set_not_after(&time(spec.days_to)).unwrap();
    if spec.ca {
        let mut bc = BasicConstraints::new();
        if spec.ca_critical {
            bc.critical();
        }
        b.append_extension(bc.ca().build().unwrap()).unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()
                .unwrap(),
        )
        .unwrap();
        if let Some(eku) = spec.eku {
            let mut e = ExtendedKeyUsage::new();
            match eku {
                "serverAuth" => e.server_auth(),
                "clientAuth" => e.client_auth(),
                _ => e.server_auth().client_auth(),
            };
            b.append_extension(e.build().unwrap()).unwrap();
        }
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some(i) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&i.cert), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    if !spec.san.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for s in spec.san {
            let (kind, value) = s.split_once(':').unwrap();
            match kind {
                "DNS" => san.dns(value),
                "IP" => san.ip(value),
                _ => panic!("SAN kind {kind}"),
            };
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|i| &*i.cert), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    let digest = if matches!(spec.key, KeyKind::Ed25519) && issuer.is_none() {
        MessageDigest::null()
    } else {
        spec.digest
    };
    b.sign(signer, digest).unwrap();
    Issued {
        cert: b.build(),
        key,
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

fn write(dir: &Path, name: &str, certs: &[&X509], key: Option<&PKey<Private>>) {
    let mut pem = Vec::new();
    for c in certs {
        pem.extend(c.to_pem().unwrap());
    }
    if let Some(k) = key {
        pem.extend(k.private_key_to_pem_pkcs8().unwrap());
    }
    std::fs::write(dir.join(name), pem).unwrap();
}

/// Generate every certificate the scenarios name.
pub fn generate() -> CertDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_path_buf();
    let ca_spec = |cn| Spec {
        cn,
        ca: true,
        san: &[],
        eku: None,
        days_to: 365,
        ..Spec::default()
    };
    let root = issue(&ca_spec("pyssl Test Root"), None);
    write(&p, "root.crt", &[&root.cert], None);
    let other_root = issue(&ca_spec("pyssl Other Root"), None);
    let inter = issue(
        &Spec {
            serial: 2,
            ..ca_spec("pyssl Test Intermediate")
        },
        Some(&root),
    );
    write(&p, "inter.crt", &[&inter.cert], None);
    let weak_ca = issue(
        &Spec {
            ca_critical: false,
            serial: 3,
            ..ca_spec("pyssl Noncritical CA")
        },
        Some(&root),
    );
    let leaf = |spec: Spec<'_>, issuer: &Issued, name: &str, chain: &[&X509]| {
        let l = issue(&spec, Some(issuer));
        let mut certs = vec![&l.cert];
        certs.extend_from_slice(chain);
        write(&p, name, &certs, Some(&l.key));
    };
    let san_local: &[&str] = &["DNS:localhost", "IP:127.0.0.1"];
    leaf(
        Spec {
            san: san_local,
            ..Spec::default()
        },
        &root,
        "ec.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(2048),
            san: san_local,
            serial: 10,
            ..Spec::default()
        },
        &root,
        "rsa.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Ed25519,
            san: san_local,
            serial: 11,
            ..Spec::default()
        },
        &root,
        "ed25519.pem",
        &[],
    );
    leaf(
        Spec {
            days_from: -30,
            days_to: -1,
            serial: 12,
            ..Spec::default()
        },
        &root,
        "expired.pem",
        &[],
    );
    leaf(
        Spec {
            days_from: 5,
            days_to: 30,
            serial: 13,
            ..Spec::default()
        },
        &root,
        "notyet.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "wild",
            san: &["DNS:*.example.test"],
            serial: 14,
            ..Spec::default()
        },
        &root,
        "wildcard.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "partial",
            san: &["DNS:f*.example.test"],
            serial: 15,
            ..Spec::default()
        },
        &root,
        "partial.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "ip",
            san: &["IP:127.0.0.1", "IP:::1"],
            serial: 16,
            ..Spec::default()
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
            serial: 17,
            ..Spec::default()
        },
        &root,
        "idn.pem",
        &[],
    );
    leaf(
        Spec {
            san: &[],
            serial: 18,
            ..Spec::default()
        },
        &root,
        "cnonly.pem",
        &[],
    );
    let selfsigned = issue(
        &Spec {
            serial: 19,
            ..Spec::default()
        },
        None,
    );
    write(
        &p,
        "selfsigned.pem",
        &[&selfsigned.cert],
        Some(&selfsigned.key),
    );
    write(&p, "selfsigned.crt", &[&selfsigned.cert], None);
    leaf(
        Spec {
            serial: 20,
            ..Spec::default()
        },
        &other_root,
        "unknownca.pem",
        &[],
    );
    leaf(
        Spec {
            serial: 21,
            ..Spec::default()
        },
        &inter,
        "leaf_only.pem",
        &[],
    );
    leaf(
        Spec {
            serial: 22,
            ..Spec::default()
        },
        &inter,
        "leaf_chain.pem",
        &[&inter.cert],
    );
    leaf(
        Spec {
            serial: 23,
            ..Spec::default()
        },
        &weak_ca,
        "noncritical.pem",
        &[&weak_ca.cert],
    );
    leaf(
        Spec {
            eku: Some("clientAuth"),
            serial: 24,
            ..Spec::default()
        },
        &root,
        "eku_client.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(1024),
            serial: 25,
            ..Spec::default()
        },
        &root,
        "rsa1024.pem",
        &[],
    );
    leaf(
        Spec {
            key: KeyKind::Rsa(2048),
            digest: MessageDigest::sha1(),
            serial: 26,
            ..Spec::default()
        },
        &root,
        "sha1.pem",
        &[],
    );
    leaf(
        Spec {
            cn: "client",
            san: &[],
            eku: Some("clientAuth"),
            serial: 27,
            ..Spec::default()
        },
        &root,
        "client.pem",
        &[],
    );
    let client_self = issue(
        &Spec {
            cn: "rogue client",
            san: &[],
            eku: Some("clientAuth"),
            serial: 28,
            ..Spec::default()
        },
        None,
    );
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
            serial: 29,
            ..Spec::default()
        },
        &root,
        "other.pem",
        &[],
    );
    CertDir { _dir: dir, path: p }
}
