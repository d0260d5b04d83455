//! CPython's built-in denylist of compromised intermediate-CA keys (gh-160040): from 3.13.18,
//! 3.14.10 and 3.15.2 on, a certificate chain holding one of these public keys fails
//! verification, even when the user trusts its root themselves.
//!
//! The check is a property of the profile ([`Profile::key_denylist`](crate::Profile)): a
//! context of such a profile verifies every certificate of the chain OpenSSL builds (trust
//! anchor, intermediates and leaf; not extra certificates the peer sends that are off the
//! path) and fails the first one whose key is listed with `X509_V_ERR_CERT_REJECTED` (28,
//! "certificate rejected"). An earlier verification error (an expired certificate, a hostname
//! mismatch) is reported instead. It runs on clients and servers (client certificates, also
//! after post-handshake authentication) under every verify mode; with `CERT_NONE` OpenSSL
//! ignores the result, as it ignores every verification error. Nothing turns it off.
//!
//! ```python
//! # CPython 3.14.10, a server presenting the eMudhra "EM OV TLS CA - G3C" chain
//! ctx = ssl.create_default_context(cafile="distrusted_root.pem")
//! ctx.wrap_socket(sock, server_hostname="localhost")
//! # ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify
//! # failed: certificate rejected   (verify_code 28)
//! ```
//! ```
//! use pyssl::denylist::is_denylisted_spki_sha256;
//! let sha = [0u8; 32];
//! assert!(!is_denylisted_spki_sha256(&sha));
//! assert!(pyssl::Profile::PY314.key_denylist);
//! ```
//!
//! # The list
//!
//! Each entry is the SHA-256 digest of a DER-encoded `SubjectPublicKeyInfo` (RFC 5280) exactly
//! as the certificate carries it; the same key written another way (a compressed EC point) is
//! a different digest and is not matched, as in CPython. The eight digests are public data:
//! they are the table compiled into `Modules/_ssl.c` of CPython 3.13.18, 3.14.10 and 3.15.2
//! (read from the `.rodata` of the `_ssl` extension of Debian unstable's builds, where the
//! three releases carry the same 8 × 32 bytes, sorted), and CPython's own fixture
//! `test/certdata/distrusted.zip` holds a chain through the first listed key below. All eight
//! are P-384 keys with very small private scalars (4, 56, 66, 115, 155, 156, 230, 237), which is
//! what makes them compromised — and what lets pyssl's tests mint certificates for each.

/// SHA-256 of the DER `SubjectPublicKeyInfo` of every denylisted key, ascending, as CPython
/// stores them. The comment names the P-384 private scalar behind each.
pub const DENYLISTED_SPKI_SHA256: [[u8; 32]; 8] = [
    hex32("43bffa19d6ef651451f6841e019931e96f6f2eaeff28ab4b6f1ce4576de2717b"), // 155
    hex32("49dd353dc2b919a3770645117d0e60c16115e7d1bc259eefe734b00ea434fe5f"), // 230
    hex32("5c0660a2b164910d8ff589c18e14552e9e0ec237dcefe2cb736d41a4811f81a0"), // 56
    hex32("63ecefee431d49523bc1136c4e72d0206a477086caf606cd5cf025686c109cf8"), // 4 (G3C)
    hex32("92c063d67e8f14db71d288e11266ffdaf69cbf115f7bab14f3bc2f68d25e0e30"), // 237
    hex32("e0254c7fcdc265e2f0f8a428dabb75ab4ae039b4872d62f5ee57f0877d5a8a41"), // 115
    hex32("ebed6475c2c2d80fcb199f3fe8dd6e6b3ce60b77eb15d4e42c3dec0c6f5b5105"), // 156
    hex32("ec4ffa1ad0ac88081314b7aaffef6a91f97cd57291bb5ba686c5415f5eb4f6b6"), // 66
];

/// Whether `sha256` (of a DER `SubjectPublicKeyInfo`) is on CPython's denylist.
pub fn is_denylisted_spki_sha256(sha256: &[u8; 32]) -> bool {
    DENYLISTED_SPKI_SHA256.binary_search(sha256).is_ok()
}

/// Whether the DER `SubjectPublicKeyInfo` `spki` is on CPython's denylist.
pub fn is_denylisted_spki(spki: &[u8]) -> bool {
    is_denylisted_spki_sha256(&openssl::sha::sha256(spki))
}

/// 64 hex digits to 32 bytes, at compile time (a malformed literal fails the build).
const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_distinct_so_binary_search_holds() {
        assert!(DENYLISTED_SPKI_SHA256.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_keys_are_p384_keys_with_those_scalars() {
        use openssl::bn::{BigNum, BigNumContext};
        use openssl::ec::{EcGroup, EcKey, EcPoint};
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        let group = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        for scalar in [155u32, 230, 56, 4, 237, 115, 156, 66] {
            let k = BigNum::from_u32(scalar).unwrap();
            let mut point = EcPoint::new(&group).unwrap();
            point.mul_generator2(&group, &k, &mut ctx).unwrap();
            let key = EcKey::from_public_key(&group, &point).unwrap();
            let der = PKey::from_ec_key(key).unwrap().public_key_to_der().unwrap();
            assert!(is_denylisted_spki(&der), "scalar {scalar}");
        }
        let mut point = EcPoint::new(&group).unwrap();
        point
            .mul_generator2(&group, &BigNum::from_u32(5).unwrap(), &mut ctx)
            .unwrap();
        let key = EcKey::from_public_key(&group, &point).unwrap();
        let der = PKey::from_ec_key(key).unwrap().public_key_to_der().unwrap();
        assert!(!is_denylisted_spki(&der));
    }
}
