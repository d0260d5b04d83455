//! Differential tests of `pyssl::certificate` against live CPython 3.11 and 3.13:
//! `_ssl._test_decode_cert` on every certdata file and on certificates minted here,
//! `DER_cert_to_PEM_cert`, `PEM_cert_to_DER_cert` and `cert_time_to_seconds`.
//!
//! Nothing is hand-typed as an expectation: each input goes to both sides and the JSON of the
//! outcomes (value and `repr()`, or exception class name and `str()`) must be identical.
//! Everything for one interpreter is batched into a single Python process.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509, X509Extension, X509Name};
use pyssl::certificate::{
    cert_time_to_seconds_as, der_cert_to_pem_cert_as, pem_cert_to_der_cert_as,
};
use pyssl::certificate::{decode_cert_file, decode_cert_file_as};
use pyssl::{DER_cert_to_PEM_cert, PEM_cert_to_DER_cert, PyValue};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// A tiny DER writer, enough to mint names and extensions OpenSSL's builders cannot express.

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    if content.len() < 0x80 {
        out.push(content.len() as u8);
    } else {
        let len: Vec<u8> = content
            .len()
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | len.len() as u8);
        out.extend(len);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid_content(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut out = Vec::new();
    let mut push = |mut v: u64| {
        let mut base128 = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            base128.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        base128.reverse();
        out.extend(base128);
    };
    push(arcs[0] * 40 + arcs[1]);
    arcs[2..].iter().for_each(|&a| push(a));
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, &oid_content(dotted))
}

const UTF8: u8 = 0x0c;
const PRINTABLE: u8 = 0x13;
const T61: u8 = 0x14;
const IA5: u8 = 0x16;
const UNIVERSAL: u8 = 0x1c;
const BMP: u8 = 0x1e;
const NUMERIC: u8 = 0x12;
const BIT_STRING: u8 = 0x03;

const CN: &str = "2.5.4.3";
const C: &str = "2.5.4.6";
const O: &str = "2.5.4.10";
const OU: &str = "2.5.4.11";

/// One AttributeTypeAndValue.
fn atv(attr: &str, tag: u8, value: &[u8]) -> Vec<u8> {
    seq(&[oid(attr), tlv(tag, value)])
}

/// A Name from RDNs, each a list of AttributeTypeAndValues.
fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let sets: Vec<Vec<u8>> = rdns.iter().map(|rdn| tlv(0x31, &rdn.concat())).collect();
    seq(&sets)
}

fn simple_name(cn: &str) -> Vec<u8> {
    name(&[
        vec![atv(C, PRINTABLE, b"XY")],
        vec![atv(CN, UTF8, cn.as_bytes())],
    ])
}

fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn utf32be(s: &str) -> Vec<u8> {
    s.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect()
}

// GeneralName choices (implicit context tags).
fn gn_other(type_oid: &str, value: Vec<u8>) -> Vec<u8> {
    tlv(0xa0, &[oid(type_oid), tlv(0xa0, &value)].concat())
}
fn gn_email(v: &[u8]) -> Vec<u8> {
    tlv(0x81, v)
}
fn gn_dns(v: &[u8]) -> Vec<u8> {
    tlv(0x82, v)
}
fn gn_dirname(name_der: Vec<u8>) -> Vec<u8> {
    tlv(0xa4, &name_der)
}
fn gn_uri(v: &[u8]) -> Vec<u8> {
    tlv(0x86, v)
}
fn gn_ip(v: &[u8]) -> Vec<u8> {
    tlv(0x87, v)
}
fn gn_rid(dotted: &str) -> Vec<u8> {
    tlv(0x88, &oid_content(dotted))
}

const SAN: &str = "2.5.29.17";
const AIA: &str = "1.3.6.1.5.5.7.1.1";
const CRL_DP: &str = "2.5.29.31";
const OCSP: &str = "1.3.6.1.5.5.7.48.1";
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// What to put into one minted certificate.
struct Spec {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    version: i32,
    serial: String,
    not_before: &'static str,
    not_after: &'static str,
    extensions: Vec<(&'static str, Vec<u8>)>,
}

impl Spec {
    fn new(cn: &str) -> Spec {
        Spec {
            subject: simple_name(cn),
            issuer: simple_name("pyssl test CA"),
            version: 2,
            serial: "4660".into(),
            not_before: "20180829142316Z",
            not_after: "20371028142316Z",
            extensions: Vec::new(),
        }
    }

    fn ext(mut self, oid: &'static str, der: Vec<u8>) -> Spec {
        self.extensions.push((oid, der));
        self
    }

    fn try_der(&self, key: &PKey<Private>) -> Result<Vec<u8>, ErrorStack> {
        let mut b = X509::builder()?;
        b.set_version(self.version)?;
        let serial = BigNum::from_dec_str(&self.serial)?;
        let serial = serial.to_asn1_integer()?;
        b.set_serial_number(&serial)?;
        let (subject, issuer) = (
            X509Name::from_der(&self.subject)?,
            X509Name::from_der(&self.issuer)?,
        );
        b.set_subject_name(&subject)?;
        b.set_issuer_name(&issuer)?;
        b.set_pubkey(key)?;
        let (not_before, not_after) = (
            Asn1Time::from_str(self.not_before)?,
            Asn1Time::from_str(self.not_after)?,
        );
        b.set_not_before(&not_before)?;
        b.set_not_after(&not_after)?;
        for (oid, der) in &self.extensions {
            let oid = Asn1Object::from_str(oid)?;
            let value = Asn1OctetString::new_from_bytes(der)?;
            b.append_extension(X509Extension::new_from_der(&oid, false, &value)?)?;
        }
        b.sign(key, MessageDigest::sha256())?;
        b.build().to_der()
    }

    fn der(&self, key: &PKey<Private>) -> Vec<u8> {
        self.try_der(key).expect("mint certificate")
    }
}

/// Replaces the single occurrence of `from` in `der` with `to` (same length).
fn patch(mut der: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = der
        .windows(from.len())
        .position(|w| w == from)
        .expect("patch target");
    der[at..at + from.len()].copy_from_slice(to);
    der
}

/// The certificates minted for the comparison, as (label, DER).
fn minted_certs() -> Vec<(String, Vec<u8>)> {
    let key = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut certs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |label: &str, der: Vec<u8>| certs.push((label.to_string(), der));

    // Multi-valued RDNs and every string type a name value can have.
    let rich_subject = name(&[
        vec![atv(C, PRINTABLE, b"XY")],
        vec![
            atv(O, UTF8, b"Python \xc3\xa9 Foundation"),
            atv(OU, UTF8, b"Core"),
        ],
        vec![
            atv(CN, UTF8, b"multi.example"),
            atv("0.9.2342.19200300.100.1.25", IA5, b"dc"),
            atv("2.5.4.5", PRINTABLE, b"123"),
        ],
        vec![atv("1.2.840.113549.1.9.1", IA5, b"a@b.example")],
        vec![atv("2.5.4.45", BIT_STRING, b"\x00\x01\x00\xff")],
        vec![atv("1.2.3.4.5.6.7", UTF8, b"unknown oid")],
        vec![atv("2.5.4.4", BMP, &utf16be("B\u{e9}mp \u{4e2d}"))],
        vec![atv("2.5.4.42", UNIVERSAL, &utf32be("U\u{e9}\u{1f600}"))],
        vec![atv("2.5.4.43", T61, b"T\xe9l\xe9tex")],
        vec![atv("2.5.4.17", NUMERIC, b"0123 456")],
        vec![atv("2.5.4.9", IA5, b"ia5 \xff latin")],
        vec![atv(CN, UTF8, b"nul\x00inside")],
    ]);
    let dir_name = name(&[
        vec![atv(C, PRINTABLE, b"XY")],
        vec![atv(CN, UTF8, b"dir a"), atv(OU, UTF8, b"dir b")],
    ]);
    let san = seq(&[
        gn_dns(b"allsans"),
        gn_other("1.3.6.1.4.1.311.20.2.3", tlv(UTF8, b"upn@example")),
        gn_other("1.3.6.1.4.1.311.20.2.3", tlv(IA5, b"upn-wrong-type")),
        gn_other("1.3.6.1.5.5.7.8.9", tlv(UTF8, b"smtp@example")),
        gn_other("1.3.6.1.5.5.7.8.5", tlv(UTF8, b"xmpp@example")),
        gn_other("1.3.6.1.5.5.7.8.7", tlv(IA5, b"_srv.example")),
        gn_other("1.3.6.1.5.5.7.8.8", tlv(UTF8, b"nai.example")),
        gn_other("1.2.3.4", tlv(UTF8, b"unknown")),
        gn_other("1.3.6.1.4.1.311.20.2.3", tlv(UTF8, b"colon:in:value")),
        gn_other("1.3.6.1.4.1.311.20.2.3", tlv(UTF8, b"line\nbreak")),
        gn_email(b"user@example.org"),
        gn_dns(b"www.example.org"),
        gn_dns(b"nul\x00.example"),
        gn_dns(b"\xc3\xa9t\xc3\xa9.example"),
        tlv(0xa3, &seq(&[])),
        gn_dirname(dir_name),
        tlv(0xa5, &tlv(0xa1, &tlv(UTF8, b"party"))),
        gn_uri(b"https://www.python.org/"),
        gn_ip(&[127, 0, 0, 1]),
        gn_ip(&[0; 16]),
        gn_ip(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        gn_ip(&[
            0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0x00, 0x0f, 0xff, 0xff, 0x12, 0x34,
        ]),
        gn_ip(&[1, 2, 3, 4, 5]),
        gn_ip(&[]),
        gn_rid("1.2.3.4.5"),
        gn_rid("2.5.4.3"),
        gn_rid("1.3.6.1.5.5.7.48.1"),
    ]);
    let aia = seq(&[
        seq(&[oid(OCSP), gn_uri(b"http://ocsp.example/a")]),
        seq(&[oid(CA_ISSUERS), gn_uri(b"http://ca.example/ca.cer")]),
        seq(&[oid(OCSP), gn_dns(b"not-a-uri.example")]),
        seq(&[oid("1.2.3.4"), gn_uri(b"http://other.example")]),
        seq(&[oid(OCSP), gn_uri(b"http://ocsp.example/b")]),
    ]);
    let crl = seq(&[
        seq(&[tlv(
            0xa0,
            &tlv(
                0xa0,
                &[gn_uri(b"http://crl.example/1"), gn_dns(b"x")].concat(),
            ),
        )]),
        seq(&[tlv(0x81, b"\x05\xa0")]),
        seq(&[tlv(0xa0, &tlv(0xa1, &atv(CN, UTF8, b"relative")))]),
        seq(&[
            tlv(0xa0, &tlv(0xa0, &gn_uri(b"http://crl.example/2"))),
            tlv(0xa2, &gn_uri(b"http://issuer.example/")),
        ]),
    ]);
    let mut rich = Spec::new("rich")
        .ext(SAN, san)
        .ext(AIA, aia)
        .ext(CRL_DP, crl);
    rich.subject = rich_subject;
    rich.serial = "203998813790744883349213052127981427629".into();
    add("rich", rich.der(&key));

    // Version 1, serial 0, empty subject, UTC/Generalized time boundaries.
    let mut v1 = Spec::new("v1");
    v1.version = 0;
    v1.serial = "0".into();
    v1.subject = seq(&[]);
    v1.not_before = "19700101000000Z";
    v1.not_after = "20500101000000Z";
    add("v1-empty-subject", v1.der(&key));

    for (label, serial) in [
        ("serial-negative", "-5"),
        ("serial-negative-big", "-1234567890123456789012345"),
    ] {
        let mut spec = Spec::new(label);
        spec.serial = serial.into();
        add(label, spec.der(&key));
    }
    // i2a_ASN1_INTEGER breaks the line after every 35 bytes; CPython keeps the first line.
    for bytes in [35, 36, 80] {
        let mut n = BigNum::new().unwrap();
        n.set_bit(8 * bytes - 2).unwrap();
        n.add_word(0xa5).unwrap();
        let mut spec = Spec::new("long serial");
        spec.serial = n.to_dec_str().unwrap().to_string();
        add(&format!("serial-{bytes}-bytes"), spec.der(&key));
    }

    // Times: single-digit day, GeneralizedTime before 2050, fractional seconds, unreadable time.
    let mut times = Spec::new("times");
    times.not_before = "20210102030405Z";
    times.not_after = "20600709101112.5Z";
    add("times-generalized", times.der(&key));
    let mut bad = Spec::new("badtime");
    bad.not_before = "210102030405Z";
    add(
        "times-bad",
        patch(bad.der(&key), b"210102030405Z", b"2101020304X5Z"),
    );

    // OIDs past CPython's 256-byte name buffer, and registered IDs around OpenSSL's limit of
    // 586 content bytes for OBJ_obj2txt (beyond it the call fails and CPython raises SSLError).
    let long_attr = format!("1.2{}", ".999999".repeat(60));
    let mut long_name = Spec::new("long-oid");
    long_name.subject = name(&[vec![atv(&long_attr, UTF8, b"long attribute oid")]]);
    add("long-attribute-oid", long_name.der(&key));
    for arcs in [400, 585, 586, 600, 1022] {
        let rid = format!("1.2{}", ".1".repeat(arcs));
        long_name = long_name.ext(SAN, seq(&[gn_rid(&rid)]));
        add(&format!("rid-{}", rid.len()), long_name.der(&key));
        long_name.extensions.clear();
    }

    // UTF-8 failures in the raw IA5 paths (CPython raises UnicodeDecodeError).
    add(
        "bad-utf8-dns",
        Spec::new("u1")
            .ext(SAN, seq(&[gn_dns(b"ok"), gn_dns(b"a\xffb")]))
            .der(&key),
    );
    add(
        "bad-utf8-email",
        Spec::new("u2")
            .ext(SAN, seq(&[gn_email(b"x\xe2\x82")]))
            .der(&key),
    );
    add(
        "bad-utf8-uri",
        Spec::new("u3")
            .ext(SAN, seq(&[gn_uri(b"\xe2\x28\xa1")]))
            .der(&key),
    );
    let aia_bad = seq(&[seq(&[oid(OCSP), gn_uri(b"http://\xf0\x9f\x98")])]);
    add("bad-utf8-aia", Spec::new("u4").ext(AIA, aia_bad).der(&key));
    let crl_bad = seq(&[seq(&[tlv(0xa0, &tlv(0xa0, &gn_uri(b"\xc3")))])]);
    add(
        "bad-utf8-crl",
        Spec::new("u5").ext(CRL_DP, crl_bad).der(&key),
    );

    // Extensions CPython treats as absent or empty.
    add("san-empty", Spec::new("e1").ext(SAN, seq(&[])).der(&key));
    add(
        "san-twice",
        Spec::new("e2")
            .ext(SAN, seq(&[gn_dns(b"a")]))
            .ext(SAN, seq(&[gn_dns(b"b")]))
            .der(&key),
    );
    add(
        "san-garbage",
        Spec::new("e3").ext(SAN, b"\x04\x01x".to_vec()).der(&key),
    );
    add("aia-empty", Spec::new("e4").ext(AIA, seq(&[])).der(&key));
    let aia_ocsp_only = seq(&[seq(&[oid(OCSP), gn_uri(b"http://ocsp.only/")])]);
    add(
        "aia-ocsp-only",
        Spec::new("e5").ext(AIA, aia_ocsp_only).der(&key),
    );
    let crl_no_uri = seq(&[
        seq(&[tlv(0x81, b"\x05\xa0")]),
        seq(&[tlv(0xa0, &tlv(0xa0, &gn_dns(b"d")))]),
    ]);
    add(
        "crl-no-uri",
        Spec::new("e6").ext(CRL_DP, crl_no_uri).der(&key),
    );

    // Name values OpenSSL may refuse to convert or to parse at all.
    let mut seq_value = Spec::new("seq-value");
    seq_value.subject = name(&[vec![atv(CN, 0x30, b"")]]);
    add("name-sequence-value", seq_value.der(&key));
    let mut surrogate = Spec::new("surrogate");
    surrogate.subject = name(&[vec![atv(CN, BMP, b"\xd8\x00")]]);
    // OpenSSL may refuse to build this one; it is compared only when it exists.
    if let Ok(der) = surrogate.try_der(&key) {
        add("name-bmp-surrogate", der);
    }
    certs
}

// ---------------------------------------------------------------------------------------------
// The comparison.

const TIMES: &[&str] = &[
    "Jan  5 09:34:43 2018 GMT",
    "Jan 05 09:34:43 2018 GMT",
    "Jan 5 09:34:43 2018 GMT",
    "Jan  5 09:34:43 2018 UTC",
    "Jan  5 09:34:61 2018 GMT",
    "Jan  5 09:34:62 2018 GMT",
    "Feb 29 00:00:00 2019 GMT",
    "Feb 29 12:00:00 2000 GMT",
    "jan  5 09:34:43 2018 GMT",
    "JAN  5 09:34:43 2018 gmt",
    "jAn  5 09:34:43 2018 gMt",
    "Dec 31 23:59:60 2017 GMT",
    "Jan  1 00:00:00 0000 GMT",
    "Jan  1 00:00:00 0001 GMT",
    "Jan  1 00:00:00 1970 GMT",
    "Dec 31 23:59:59 9999 GMT",
    "",
    "Ja",
    "Jan",
    "Foo  5 09:34:43 2018 GMT",
    "Jän  5 09:34:43 2018 GMT",
    " Jan  5 09:34:43 2018 GMT",
    "Jan  5 09:34:43 2018 GMTx",
    "Jan  5 09:34:43 2018 GMT ",
    "Jan  5 09:34:43 2018 GMT\n",
    "Jan  5 09:34:43 2018 GMT\u{0}",
    "Jan  5 09:34:43 2018 GMT\u{200b}",
    "Jan  5 09:34:43 2018 GMT'",
    "Jan 05 09:34:43 2018 GMT GMT",
    "Jan 32 09:34:43 2018 GMT",
    "Jan  0 09:34:43 2018 GMT",
    "Jan 31 09:34:43 2018 GMT",
    "Feb 31 09:34:43 2018 GMT",
    "Jan  5 24:34:43 2018 GMT",
    "Jan  5 23:60:43 2018 GMT",
    "Jan  5 9:3:4 2018 GMT",
    "Jan 1 1:1:1 1970 GMT",
    "Jan  5 09:34:43 18 GMT",
    "Jan  5 09:34:43 20180 GMT",
    "Jan  5 09:34 2018 GMT",
    "Jan5 09:34:43 2018 GMT",
    "Jan  5 09:34:43 2018GMT",
    "Jan 0509:34:43 2018 GMT",
    "Jan 1509:34:43 2018 GMT",
    "Jan 311:00:00 2018 GMT",
    "Jan   5 09:34:43 2018 GMT",
    "Jan\t5\n09:34:43\u{b}2018\u{c}GMT",
    "Jan\u{1c}5 09:34:43 2018 GMT",
    "Jan\u{3000}5\u{a0}09:34:43\u{85}2018\u{2029}GMT",
    "Jan  \u{665} 09:34:43 2018 GMT",
    "Jan 1\u{665} 09:34:43 2018 GMT",
    "Jan  5 1\u{665}:34:43 2018 GMT",
    "Jan  5 09:3\u{665}:4\u{665} 2018 GMT",
    "Jan  5 09:34:43 \u{662}\u{660}\u{661}\u{668} GMT",
    "Jan  5 09:34:43 \u{ff12}\u{ff10}\u{ff11}\u{ff18} GMT",
    "Jan \u{1d7d9} 09:34:43 2018 GMT",
    "\u{17f}ep  5 09:34:43 2018 GMT",
    "\u{17f}EP  5 09:34:43 2018 GMT",
    "Jan  5 09:34:43 2018 G\u{c9}T",
    "Jan\"5",
    "Jan'\"5",
    "Mar  1 00:00:00 2000 GMT",
    "Sep 30 23:59:59 1999 GMT",
    "Nov  9 01:02:03 1969 GMT",
    "Jun 15 12:00:00 2038 GMT",
    "Aug  7 13:12:52 2013 GMT",
    "Oct 28 14:23:16 2037 GMT",
    "Apr 10 10:10:10 2010 GMT\u{ad}",
    "May  1 00:00:00 2000 GMT\u{e000}",
];

fn pem_cases(certs: &[Vec<u8>]) -> Vec<String> {
    let (h, f) = (pyssl::PEM_HEADER, pyssl::PEM_FOOTER);
    let body = |b: &str| format!("{h}\n{b}\n{f}");
    let mut cases: Vec<String> = [
        "YWJj",
        "YWJ",
        "YWJjZ",
        "YQ=x=",
        "YQ==",
        "YQ=",
        "=YQ==",
        "Y*W#J j",
        "",
        "YWJjZA==YWJj",
        "YWJjZA=",
        "YWJjZ=A=",
        "YWJjZGVmZ",
        "YWJjZGVmZGVm",
        "Y",
        "YW",
        "YW=",
        "YW==",
        "YWJ=",
        "YWJ==",
        "YW=J=",
        "YWJjé",
        "YWéèJj€",
        "YW\u{1f600}",
        "Y\u{3000}WJj",
        "-_-_",
    ]
    .iter()
    .map(|b| body(b))
    .collect();
    cases.extend([
        format!("{h}YWJj{f}"),
        format!("{h}{f}"),
        format!("{h}END CERTIFICATE-----"),
        format!("{h}-----END CERTIFICATE-----{f}"),
        format!(" {h}\nYWJj\n{f}"),
        format!("{h}\nYWJj\n{f}  \n\t"),
        format!("{h}\nYWJj\n{f}\u{3000}\u{1c}\u{85}"),
        format!("{h}\nYWJj\n{f}x"),
        format!("{h}\nYWJj\n{f}\u{200b}"),
        "xx".into(),
        String::new(),
        h.into(),
        format!("{h}\nYWJj\n"),
        format!("{h}\nYWJj\n{f}\n{h}\nYWJj\n{f}\n"),
    ]);
    for der in certs {
        let pem = DER_cert_to_PEM_cert(der);
        cases.push(pem.replace('\n', "\r\n"));
        cases.push(pem.clone() + &pem);
        cases.push(pem);
    }
    cases
}

/// The Python half. Before each call it empties OpenSSL's error queue (through ctypes on the
/// libcrypto `_ssl` already loaded): CPython reports failures of calls that push nothing with
/// `ERR_peek_last_error()`, so without this an error left by an earlier, unrelated call would
/// leak into the message. pyssl always starts from an empty queue. The `(_ssl.c:NNNN)` suffix
/// is dropped, as pyssl drops it by design.
const SCRIPT: &str = r#"
import sys, json, ssl, re, ctypes
libcrypto = next(line.split()[-1] for line in open("/proc/self/maps") if "libcrypto" in line)
ERR_clear_error = ctypes.CDLL(libcrypto).ERR_clear_error
def outcome(f):
    ERR_clear_error()
    try:
        v = f()
    except Exception as e:
        return {"err": [type(e).__name__, re.sub(r" \(_ssl\.c:\d+\)$", "", str(e))]}
    return {"ok": to_json(v), "repr": repr(v)}
job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out = {
    "file": [outcome(lambda p=p: ssl._ssl._test_decode_cert(bytes.fromhex(p))) for p in job["files"]],
    "time": [outcome(lambda t=t: ssl.cert_time_to_seconds(t)) for t in job["times"]],
    "pem": [outcome(lambda s=s: ssl.PEM_cert_to_DER_cert(s)) for s in job["pem"]],
    "der": [outcome(lambda d=d: ssl.DER_cert_to_PEM_cert(bytes.fromhex(d))) for d in job["der"]],
}
print(json.dumps(out))
"#;

fn outcome<T>(result: pyssl::Result<T>, to_py: impl Fn(T) -> PyValue) -> Value {
    match result {
        Ok(v) => {
            let py = to_py(v);
            json!({"ok": common::py_to_json(&py), "repr": py.python_repr()})
        }
        Err(e) => json!({"err": [e.python_type(), e.python_str()]}),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn certdata_files(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut files: Vec<PathBuf> = list(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pem"))
        .chain(list(&dir.join("capath")))
        .collect();
    files.sort();
    files
}

fn compare(release: &str) {
    let profile = common::compared(release);
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let version = profile.label();
    let version = version.as_str();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // Files: CPython's certdata, minted certificates and odd paths.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let certdata = certdata_files(&oracle.certdata);
    assert!(
        certdata.len() >= 25,
        "certdata looks incomplete: {certdata:?}"
    );
    // 3.7's certdata predates nosan.pem.
    let expected: &[&str] = if version == "3.7" {
        &[
            "nullbytecert.pem",
            "allsans.pem",
            "idnsans.pem",
            "nokia.pem",
        ]
    } else {
        &[
            "nullbytecert.pem",
            "allsans.pem",
            "idnsans.pem",
            "nokia.pem",
            "nosan.pem",
        ]
    };
    for name in expected {
        assert!(
            certdata.contains(&oracle.cert(name)),
            "{name} missing from certdata"
        );
    }
    for p in &certdata {
        let label = p
            .strip_prefix(&oracle.certdata)
            .unwrap()
            .display()
            .to_string();
        files.push((label, p.as_os_str().as_bytes().to_vec()));
    }
    let minted = minted_certs();
    for (label, der) in &minted {
        let path = dir.join(format!("{label}.pem"));
        std::fs::write(&path, DER_cert_to_PEM_cert(der)).unwrap();
        files.push((
            format!("minted {label}"),
            path.as_os_str().as_bytes().to_vec(),
        ));
    }
    let key_pem = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap()
    .private_key_to_pem_pkcs8()
    .unwrap();
    let first = DER_cert_to_PEM_cert(&minted[0].1);
    let second = DER_cert_to_PEM_cert(&minted[1].1);
    let extra: Vec<(&str, Vec<u8>)> = vec![
        ("two-certs", format!("{second}{first}").into_bytes()),
        (
            "key-then-cert",
            [key_pem, second.clone().into_bytes()].concat(),
        ),
        (
            "text-around",
            format!("subject=whatever\n{second}trailing\n").into_bytes(),
        ),
        ("crlf", second.replace('\n', "\r\n").into_bytes()),
        ("garbage", b"not a certificate\n".to_vec()),
        ("empty", Vec::new()),
        ("truncated", second.as_bytes()[..200].to_vec()),
    ];
    for (label, content) in extra {
        let path = dir.join(format!("{label}.pem"));
        std::fs::write(&path, content).unwrap();
        files.push((
            format!("file {label}"),
            path.as_os_str().as_bytes().to_vec(),
        ));
    }
    let odd_name = dir.join(OsStr::from_bytes(b"non-utf8-\xff.pem"));
    std::fs::write(&odd_name, &second).unwrap();
    let unreadable_dir = dir.join("a-directory");
    std::fs::create_dir(&unreadable_dir).unwrap();
    for (label, path) in [
        ("non-utf8 name", odd_name.as_os_str().as_bytes().to_vec()),
        ("directory", unreadable_dir.as_os_str().as_bytes().to_vec()),
        ("nonexistent", b"/nonexistent/dir/cert.pem".to_vec()),
        ("empty path", Vec::new()),
        ("nul in path", b"/tmp/a\x00b.pem".to_vec()),
        ("/dev/null", b"/dev/null".to_vec()),
    ] {
        files.push((label.to_string(), path));
    }

    // DER inputs for DER_cert_to_PEM_cert.
    let mut ders: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"a".to_vec(),
        b"ab".to_vec(),
        b"abc".to_vec(),
        (0..=255).collect(),
        (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect(),
    ];
    ders.extend(minted.iter().map(|(_, d)| d.clone()));
    let pems = pem_cases(&ders[6..]);

    let job = json!({
        "files": files.iter().map(|(_, p)| hex(p)).collect::<Vec<_>>(),
        "times": TIMES,
        "pem": pems,
        "der": ders.iter().map(|d| hex(d)).collect::<Vec<_>>(),
    });
    let script = format!("{}\n{SCRIPT}", common::PY_TO_JSON);
    let python = oracle.run_json(&script, &[], &job.to_string());

    let rust_files: Vec<Value> = files
        .iter()
        .map(|(_, p)| {
            outcome(
                decode_cert_file_as(Path::new(OsStr::from_bytes(p)), profile),
                |d| d.to_py(),
            )
        })
        .collect();
    let rust_times: Vec<Value> = TIMES
        .iter()
        .map(|t| {
            outcome(cert_time_to_seconds_as(t, profile), |s| {
                PyValue::Int(i128::from(s))
            })
        })
        .collect();
    let rust_pems: Vec<Value> = pems
        .iter()
        .map(|s| outcome(pem_cert_to_der_cert_as(s, profile), PyValue::Bytes))
        .collect();
    let rust_ders: Vec<Value> = ders
        .iter()
        .map(|d| outcome(Ok(der_cert_to_pem_cert_as(d, profile)), PyValue::Str))
        .collect();

    let mut mismatches = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let sections: [(&str, Vec<String>, Vec<Value>); 4] = [
        (
            "file",
            files.iter().map(|(l, _)| l.clone()).collect(),
            rust_files,
        ),
        (
            "time",
            TIMES.iter().map(|t| format!("{t:?}")).collect(),
            rust_times,
        ),
        (
            "pem",
            pems.iter()
                .map(|p| format!("{:?}", &p[..p.len().min(80)]))
                .collect(),
            rust_pems,
        ),
        (
            "der",
            ders.iter().map(|d| format!("{} bytes", d.len())).collect(),
            rust_ders,
        ),
    ];
    for (section, labels, ours) in sections {
        let theirs = python[section].as_array().expect("section").clone();
        assert_eq!(theirs.len(), ours.len(), "{section}: count");
        for ((label, py), rs) in labels.iter().zip(&theirs).zip(&ours) {
            let kind = match py.get("err") {
                Some(e) => format!("{section} err {}", e[0].as_str().unwrap_or("?")),
                None => format!("{section} ok"),
            };
            *kinds.entry(kind).or_default() += 1;
            if std::env::var_os("PYSSL_CERT_TEST_VERBOSE").is_some() {
                eprintln!("[{version}] {section} {label}: {py}");
            }
            // Serialized text, not Value equality: a JSON map compares without regard to key
            // order, and the dict's key order is part of what must match.
            let (py_text, rs_text) = (py.to_string(), rs.to_string());
            if py_text != rs_text {
                mismatches.push(format!(
                    "[{version}] {section} {label}:\n  python: {py}\n  pyssl:  {rs}"
                ));
            }
        }
    }
    eprintln!("CPython {version}: compared {kinds:?}");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The comparison must really have exercised the failure paths it was built for.
    for kind in [
        "file err SSLError",
        "file err UnicodeDecodeError",
        "file err ValueError",
        "time err ValueError",
        "pem err Error",
        "pem err ValueError",
        "pem err UnicodeEncodeError",
    ] {
        assert!(
            kinds.contains_key(kind),
            "no case produced {kind}: {kinds:?}"
        );
    }
    assert!(TIMES.len() >= 40);
}

macro_rules! per_release {
    ($($name:ident => $release:expr),* $(,)?) => {
        $( #[test] fn $name() { compare($release); } )*
        const RELEASES: &[&str] = &[$($release),*];
    };
}

// One test per row of oracle/releases.tsv (checked by one_test_per_listed_oracle).
per_release! {
    matches_cpython_3_7 => "3.7.16",
    matches_cpython_3_8 => "3.8.18",
    matches_cpython_3_9 => "3.9.18",
    matches_cpython_3_10 => "3.10.13",
    matches_cpython_3_11 => "3.11.7",
    matches_cpython_3_12 => "3.12.1",
    matches_cpython_3_13 => "3.13.0",
    matches_cpython_3_13_18 => "3.13.18",
    matches_cpython_3_14 => "3.14.10",
    matches_cpython_3_15 => "3.15.2",
}

#[test]
fn one_test_per_listed_oracle() {
    common::assert_one_test_per_listed_oracle(RELEASES);
}

#[test]
fn der_round_trips_through_pem() {
    for der in minted_certs().into_iter().map(|(_, d)| d) {
        let pem = DER_cert_to_PEM_cert(&der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(PEM_cert_to_DER_cert(&pem).unwrap(), der);
        let from_der = pyssl::CertificateDict::from_der(&der);
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), &pem).unwrap();
        assert_eq!(from_der, decode_cert_file(tmp.path()));
    }
}
