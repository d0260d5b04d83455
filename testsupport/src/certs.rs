//! Certificates minted with the `openssl` crate for tests that must not depend on fixture
//! files (nothing in the repository can expire).
//!
//! A [`Spec`] says what a certificate looks like; [`self_signed`] and [`Issued::issue`] make
//! one; [`write_pem`] and [`Issued::write_pem`] put certificates (and a key) into the PEM files
//! that `load_cert_chain` and `cafile=` read.
//!
//! Extensions are added in this order: basicConstraints, keyUsage, extendedKeyUsage,
//! subjectKeyIdentifier, authorityKeyIdentifier, subjectAltName.

use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509Ref};

/// A certificate and its private key.
#[derive(Clone)]
pub struct Issued {
    /// The certificate.
    pub cert: X509,
    /// Its private key.
    pub key: PKey<Private>,
}

/// The kind of key pair a certificate gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with this many bits.
    Rsa(u32),
    /// ECDSA on P-256 (prime256v1).
    Ec,
    /// Ed25519 (signed with no digest).
    Ed25519,
    /// ECDSA on P-384 with this (tiny, hence compromised) private scalar: the keys of
    /// CPython's intermediate-key denylist are scalars 4, 56, 66, 115, 155, 156, 230 and 237.
    P384Scalar(u32),
}

/// A fresh private key of `kind`.
pub fn new_key(kind: KeyKind) -> PKey<Private> {
    match kind {
        KeyKind::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap(),
        KeyKind::Ec => {
            let g = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&g).unwrap()).unwrap()
        }
        KeyKind::Ed25519 => PKey::generate_ed25519().unwrap(),
        KeyKind::P384Scalar(k) => {
            let g = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
            let mut ctx = openssl::bn::BigNumContext::new().unwrap();
            let scalar = BigNum::from_u32(k).unwrap();
            let mut public = openssl::ec::EcPoint::new(&g).unwrap();
            public.mul_generator2(&g, &scalar, &mut ctx).unwrap();
            let key = EcKey::from_private_components(&g, &scalar, &public).unwrap();
            PKey::from_ec_key(key).unwrap()
        }
    }
}

/// The basicConstraints extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraints {
    /// No basicConstraints extension.
    Omit,
    /// `CA:FALSE`, not critical.
    Leaf,
    /// `CA:TRUE`, critical.
    Ca,
    /// `CA:TRUE`, not critical (which `VERIFY_X509_STRICT` rejects).
    CaNonCritical,
}

impl Constraints {
    /// Whether this is a CA (`CA:TRUE`, critical or not).
    pub fn is_ca(self) -> bool {
        matches!(self, Constraints::Ca | Constraints::CaNonCritical)
    }
}

/// The keyUsage extension (always critical when present).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// `keyCertSign, cRLSign` for a CA, `digitalSignature, keyEncipherment` otherwise.
    Auto,
    /// `digitalSignature` only.
    DigitalSignature,
    /// No keyUsage extension.
    Omit,
}

/// The extendedKeyUsage extension (not critical).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eku {
    /// `serverAuth`.
    ServerAuth,
    /// `clientAuth`.
    ClientAuth,
    /// `serverAuth, clientAuth`.
    Both,
}

/// The authorityKeyIdentifier extension of an issued (not self-signed) certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aki {
    /// No authorityKeyIdentifier.
    Omit,
    /// `keyid:always` (the issuer's subjectKeyIdentifier).
    KeyId,
    /// `issuer:always` (the issuer's name and serial number).
    IssuerSerial,
}

/// The serial number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serial {
    /// This number.
    Fixed(u32),
    /// A random positive number of up to 63 bits.
    Random,
}

/// What a certificate should look like. [`Spec::default`] is a server leaf for `localhost`;
/// [`Spec::ca`] a CA.
#[derive(Clone, Copy)]
pub struct Spec<'a> {
    /// The subject's commonName.
    pub cn: &'a str,
    /// The subject's organizationName, placed before the commonName, if any.
    pub org: Option<&'a str>,
    /// The key pair.
    pub key: KeyKind,
    /// The basicConstraints extension.
    pub constraints: Constraints,
    /// The keyUsage extension.
    pub key_usage: Usage,
    /// The extendedKeyUsage extension, if any.
    pub eku: Option<Eku>,
    /// subjectAltName entries, `"DNS:name"` or `"IP:address"`; none: no extension.
    pub san: &'a [&'a str],
    /// Whether to add a subjectKeyIdentifier (the hash of the public key).
    pub ski: bool,
    /// The authorityKeyIdentifier (only on certificates issued by another).
    pub aki: Aki,
    /// notBefore, in days from now (negative: in the past).
    pub days_from: i64,
    /// notAfter, in days from now (negative: in the past).
    pub days_to: i64,
    /// The signature digest (ignored when the signing key is Ed25519).
    pub digest: MessageDigest,
    /// The serial number.
    pub serial: Serial,
}

impl Default for Spec<'_> {
    /// A P-256 server leaf: CN and DNS SAN `localhost`, serverAuth, keyUsage
    /// `digitalSignature, keyEncipherment`, SKI (and AKI keyid when issued), valid from now
    /// for one day, SHA-256, random serial.
    fn default() -> Self {
        Spec {
            cn: "localhost",
            org: None,
            key: KeyKind::Ec,
            constraints: Constraints::Omit,
            key_usage: Usage::Auto,
            eku: Some(Eku::ServerAuth),
            san: &["DNS:localhost"],
            ski: true,
            aki: Aki::KeyId,
            days_from: 0,
            days_to: 1,
            digest: MessageDigest::sha256(),
            serial: Serial::Random,
        }
    }
}

impl<'a> Spec<'a> {
    /// A CA named `cn`: `CA:TRUE` (critical), keyUsage `keyCertSign, cRLSign`, SKI, no SAN,
    /// no EKU; otherwise as [`Spec::default`] (P-256, one day, random serial).
    pub fn ca(cn: &'a str) -> Self {
        Spec {
            cn,
            constraints: Constraints::Ca,
            eku: None,
            san: &[],
            ..Spec::default()
        }
    }

    /// A `localhost` server certificate that is its own trust anchor, for self-signing: P-256,
    /// `CA:TRUE` (critical), DNS SAN `localhost`, valid from now for two days, serial 0; no
    /// keyUsage, EKU or SKI. One PEM file serves both `load_cert_chain` and `cafile=`.
    pub fn localhost_anchor() -> Self {
        Spec {
            constraints: Constraints::Ca,
            serial: Serial::Fixed(0),
            key_usage: Usage::Omit,
            eku: None,
            ski: false,
            days_to: 2,
            ..Spec::default()
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

fn serial(s: Serial) -> BigNum {
    match s {
        Serial::Fixed(n) => BigNum::from_u32(n).unwrap(),
        Serial::Random => {
            let mut n = BigNum::new().unwrap();
            n.rand(63, MsbOption::MAYBE_ZERO, false).unwrap();
            n
        }
    }
}

/// A self-signed certificate as `spec` says (no authorityKeyIdentifier).
pub fn self_signed(spec: &Spec<'_>) -> Issued {
    build(spec, None)
}

impl Issued {
    /// A certificate as `spec` says, issued (signed) by this one.
    pub fn issue(&self, spec: &Spec<'_>) -> Issued {
        build(spec, Some((&self.cert, &self.key)))
    }

    /// The certificate alone, as PEM text.
    pub fn cert_pem(&self) -> String {
        pem(&[&self.cert])
    }

    /// Write this certificate, then `chain`, then the private key (PKCS#8) to `path`: a file
    /// for `load_cert_chain(path)`.
    pub fn write_pem(&self, path: &Path, chain: &[&X509]) {
        let mut certs = vec![&self.cert];
        certs.extend_from_slice(chain);
        write_pem(path, &certs, Some(&self.key));
    }
}

/// Issue a certificate as `spec` says, signed by `issuer` (its certificate and key), or
/// self-signed when `issuer` is `None`.
pub fn issue(spec: &Spec<'_>, issuer: Option<(&X509, &PKey<Private>)>) -> Issued {
    build(spec, issuer.map(|(c, k)| (&**c, &**k)))
}

fn build(spec: &Spec<'_>, issuer: Option<(&X509Ref, &PKeyRef<Private>)>) -> Issued {
    let key = new_key(spec.key);
    let mut name = X509NameBuilder::new().unwrap();
    if let Some(org) = spec.org {
        name.append_entry_by_text("O", org).unwrap();
    }
    name.append_entry_by_text("CN", spec.cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&serial(spec.serial).to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |(cert, _)| cert.subject_name()))
        .unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&time(spec.days_from)).unwrap();
    b.set_not_after(&time(spec.days_to)).unwrap();
    match spec.constraints {
        Constraints::Omit => {}
        Constraints::Leaf => {
            b.append_extension(BasicConstraints::new().build().unwrap())
                .unwrap();
        }
        Constraints::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
        }
        Constraints::CaNonCritical => {
            b.append_extension(BasicConstraints::new().ca().build().unwrap())
                .unwrap();
        }
    }
    let mut usage = KeyUsage::new();
    usage.critical();
    match (spec.key_usage, spec.constraints.is_ca()) {
        (Usage::Omit, _) => {}
        (Usage::Auto, true) => {
            usage.key_cert_sign().crl_sign();
            b.append_extension(usage.build().unwrap()).unwrap();
        }
        (Usage::Auto, false) => {
            usage.digital_signature().key_encipherment();
            b.append_extension(usage.build().unwrap()).unwrap();
        }
        (Usage::DigitalSignature, _) => {
            usage.digital_signature();
            b.append_extension(usage.build().unwrap()).unwrap();
        }
    }
    if let Some(eku) = spec.eku {
        let mut e = ExtendedKeyUsage::new();
        match eku {
            Eku::ServerAuth => e.server_auth(),
            Eku::ClientAuth => e.client_auth(),
            Eku::Both => e.server_auth().client_auth(),
        };
        b.append_extension(e.build().unwrap()).unwrap();
    }
    if spec.ski {
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(None, None))
            .unwrap();
        b.append_extension(ski).unwrap();
    }
    if let Some((cert, _)) = issuer {
        let mut aki = AuthorityKeyIdentifier::new();
        let add = match spec.aki {
            Aki::Omit => false,
            Aki::KeyId => {
                aki.keyid(true);
                true
            }
            Aki::IssuerSerial => {
                aki.issuer(true);
                true
            }
        };
        if add {
            let ext = aki.build(&b.x509v3_context(Some(cert), None)).unwrap();
            b.append_extension(ext).unwrap();
        }
    }
    if !spec.san.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for s in spec.san {
            let (kind, value) = s
                .split_once(':')
                .unwrap_or_else(|| panic!("SAN entry {s:?} is not KIND:VALUE"));
            match kind {
                "DNS" => san.dns(value),
                "IP" => san.ip(value),
                _ => panic!("SAN kind {kind}"),
            };
        }
        let ext = san
            .build(&b.x509v3_context(issuer.map(|(cert, _)| cert), None))
            .unwrap();
        b.append_extension(ext).unwrap();
    }
    let signer: &PKeyRef<Private> = issuer.map_or(&key, |(_, k)| k);
    let digest = if signer.id() == Id::ED25519 {
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

/// Certificates as PEM text, concatenated in order.
pub fn pem(certs: &[&X509]) -> String {
    certs
        .iter()
        .map(|c| String::from_utf8(c.to_pem().unwrap()).unwrap())
        .collect()
}

/// Write `certs` (in order), then `key` as PKCS#8 if given, to `path` as one PEM file.
pub fn write_pem(path: &Path, certs: &[&X509], key: Option<&PKey<Private>>) {
    let mut out = pem(certs).into_bytes();
    if let Some(k) = key {
        out.extend(k.private_key_to_pem_pkcs8().unwrap());
    }
    std::fs::write(path, out).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::verify::X509VerifyFlags;
    use openssl::x509::{X509StoreContext, X509VerifyResult};

    fn verify(ca: &X509, leaf: &X509, strict: bool) -> X509VerifyResult {
        let mut store = X509StoreBuilder::new().unwrap();
        store.add_cert(ca.clone()).unwrap();
        if strict {
            store.set_flags(X509VerifyFlags::X509_STRICT).unwrap();
        }
        let store = store.build();
        let mut ctx = X509StoreContext::new().unwrap();
        ctx.init(&store, leaf, &Stack::new().unwrap(), |c| {
            c.verify_cert()?;
            Ok(c.error())
        })
        .unwrap()
    }

    #[test]
    fn default_leaf_under_a_ca_verifies_strictly() {
        let ca = self_signed(&Spec::ca("testsupport CA"));
        let leaf = ca.issue(&Spec {
            constraints: Constraints::Leaf,
            ..Spec::default()
        });
        assert_eq!(verify(&ca.cert, &leaf.cert, true), X509VerifyResult::OK);
        assert_eq!(leaf.cert.issuer_name().to_der().unwrap(), {
            ca.cert.subject_name().to_der().unwrap()
        });
        let sans: Vec<String> = leaf
            .cert
            .subject_alt_names()
            .unwrap()
            .iter()
            .filter_map(|g| g.dnsname().map(str::to_string))
            .collect();
        assert_eq!(sans, ["localhost"]);
        assert!(leaf.cert.authority_key_id().is_some());
        assert!(ca.cert.subject_key_id().is_some());
    }

    #[test]
    fn fixed_serial_validity_and_key_kinds() {
        let ca = self_signed(&Spec {
            key: KeyKind::Rsa(2048),
            serial: Serial::Fixed(7),
            ..Spec::ca("rsa CA")
        });
        assert_eq!(
            ca.cert.serial_number().to_bn().unwrap(),
            BigNum::from_u32(7).unwrap()
        );
        assert_eq!(ca.key.id(), Id::RSA);
        assert_eq!(ca.key.bits(), 2048);
        let expired = ca.issue(&Spec {
            key: KeyKind::Ed25519,
            days_from: -30,
            days_to: -1,
            ..Spec::default()
        });
        assert_eq!(expired.key.id(), Id::ED25519);
        // X509_V_ERR_CERT_HAS_EXPIRED
        assert_eq!(verify(&ca.cert, &expired.cert, false).as_raw(), 10);
        let ed = self_signed(&Spec {
            key: KeyKind::Ed25519,
            ..Spec::default()
        });
        assert!(ed.cert.verify(&ed.key).unwrap());
    }

    #[test]
    fn write_pem_puts_the_chain_then_the_key() {
        let ca = self_signed(&Spec::ca("chain CA"));
        let leaf = ca.issue(&Spec::default());
        let dir = std::env::temp_dir().join(format!("pyssl-testsupport-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chain.pem");
        leaf.write_pem(&path, &[&ca.cert]);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let certs = X509::stack_from_pem(text.as_bytes()).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].to_der().unwrap(), leaf.cert.to_der().unwrap());
        assert_eq!(certs[1].to_der().unwrap(), ca.cert.to_der().unwrap());
        assert!(text.ends_with("-----END PRIVATE KEY-----\n"));
        assert_eq!(
            text,
            format!("{}{}{}", leaf.cert_pem(), ca.cert_pem(), {
                String::from_utf8(leaf.key.private_key_to_pem_pkcs8().unwrap()).unwrap()
            })
        );
    }
}
