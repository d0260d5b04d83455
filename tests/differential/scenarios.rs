//! The questions asked of both CPython and pyssl. Answers are never written here: they come
//! from the live interpreter at test time. `$CERTDATA` is the interpreter's own
//! `test/certdata` directory; `$TMP` a scratch directory per side.

use pyssl::profiles::Change;
use serde_json::{Value, json};

pub struct Scenario {
    pub name: String,
    /// Only for profiles at or above this CPython release.
    pub min_version: Option<(u32, u32)>,
    /// Only for releases with this change (the others would crash).
    pub needs: Option<Change>,
    /// Only against interpreters that use this machine's C library (pyenv's): the answer
    /// depends on it.
    pub host_libc: bool,
    pub steps: Value,
}

impl Scenario {
    /// Whether the scenario is asked of `profile`'s release.
    pub fn applies(&self, profile: &pyssl::Profile) -> bool {
        self.min_version.is_none_or(|m| profile.version >= m)
            && self.needs.is_none_or(|c| profile.has(c))
            && (!self.host_libc
                || pyssl_testsupport::python::releases().iter().any(|r| {
                    r.release == profile.release()
                        && r.source == pyssl_testsupport::python::Source::Pyenv
                }))
    }
}

fn sc(name: impl Into<String>, steps: Value) -> Scenario {
    Scenario {
        name: name.into(),
        min_version: None,
        needs: None,
        host_libc: false,
        steps,
    }
}

fn sc_from(min: (u32, u32), name: impl Into<String>, steps: Value) -> Scenario {
    Scenario {
        min_version: Some(min),
        ..sc(name, steps)
    }
}

fn sc_needing(change: Change, name: impl Into<String>, steps: Value) -> Scenario {
    Scenario {
        needs: Some(change),
        ..sc(name, steps)
    }
}

const CLIENT: i64 = 16;
const SERVER: i64 = 17;
const TLS: i64 = 2;

const ATTRS: &[&str] = &[
    "options",
    "verify_mode",
    "verify_flags",
    "check_hostname",
    "minimum_version",
    "maximum_version",
    "security_level",
    "num_tickets",
    "_host_flags",
    "hostname_checks_common_name",
    "post_handshake_auth",
    "keylog_filename",
    "protocol",
];

/// Names deleted with `del ctx.name` besides [`ATTRS`]: the callbacks, an instance
/// attribute, an unknown name, class attributes.
const ALSO_DELETED: &[&str] = &[
    "sni_callback",
    "_msg_callback",
    "tag",
    "no_such_attribute",
    "wrap_socket",
    "sslsocket_class",
];

/// Steps reading every attribute plus the store.
fn readback() -> Vec<Value> {
    let mut v: Vec<Value> = ATTRS.iter().map(|a| json!(["get", a])).collect();
    v.push(json!(["stats"]));
    v
}

fn with_readback(mut steps: Vec<Value>) -> Value {
    steps.extend(readback());
    Value::Array(steps)
}

fn cert(name: &str) -> String {
    format!("$CERTDATA/{name}")
}

const CERTDATA_FILES: &[&str] = &[
    "pycacert.pem",
    "keycert.pem",
    "keycert2.pem",
    "keycert3.pem",
    "keycert4.pem",
    "keycertecc.pem",
    "ssl_cert.pem",
    "ssl_key.pem",
    "nullcert.pem",
    "badcert.pem",
    "badkey.pem",
    "revocation.crl",
    "allsans.pem",
    "idnsans.pem",
    "nosan.pem",
    "nokia.pem",
    "nullbytecert.pem",
    "talos-2019-0758.pem",
    "ffdh3072.pem",
    "capath/ceff1710.0",
    "capath/5ed36f99.0",
    "capath/4e1295a3.0",
    "XXXnonexisting.pem",
];

pub fn all() -> Vec<Scenario> {
    let mut out = Vec::new();

    // -- constructors ----------------------------------------------------------------------
    for p in [2, 3, 4, 5, 16, 17, 0, 1, 6, 42, -1, 18] {
        out.push(sc(
            format!("SSLContext({p})"),
            with_readback(vec![json!(["new", p]), json!(["cipher_names"])]),
        ));
    }
    out.push(sc("module facts", json!([["module"]])));

    // -- create_default_context with every CA source ----------------------------------------
    let sources: Vec<(&str, Value)> = vec![
        ("system", json!({})),
        ("cafile", json!({"cafile": cert("pycacert.pem")})),
        ("cafile leaf", json!({"cafile": cert("keycert.pem")})),
        ("capath", json!({"capath": cert("capath")})),
        (
            "cafile+capath",
            json!({"cafile": cert("pycacert.pem"), "capath": cert("capath")}),
        ),
        (
            "cadata pem",
            json!({"cadata_pem": {"file": cert("pycacert.pem")}}),
        ),
        (
            "cadata der",
            json!({"cadata_der": {"pem_files": [cert("pycacert.pem")]}}),
        ),
        (
            "cadata der x2",
            json!({"cadata_der": {"pem_files": [cert("pycacert.pem"), cert("capath/5ed36f99.0")]}}),
        ),
        ("bad cadata pem", json!({"cadata_pem": {"text": "junk"}})),
        (
            "bad cadata der",
            json!({"cadata_der": {"hex": "6761726261676521"}}),
        ),
        (
            "empty cadata pem (falsy)",
            json!({"cadata_pem": {"text": ""}}),
        ),
        (
            "missing cafile",
            json!({"cafile": cert("XXXnonexisting.pem")}),
        ),
        ("empty cafile", json!({"cafile": cert("nullcert.pem")})),
        ("bad cafile", json!({"cafile": cert("badcert.pem")})),
    ];
    for purpose in ["server-auth", "client-auth"] {
        for (label, src) in &sources {
            let mut args = src.clone();
            args["purpose"] = json!(purpose);
            out.push(sc(
                format!("create_default_context({purpose}, {label})"),
                json!([["default", args], ["show"]]),
            ));
        }
    }
    // Endless: OpenSSL's PEM reader gives up at the first line; errno after it depends on
    // the C library's fclose (see load_dh_params(/dev/zero) below).
    for purpose in ["server-auth", "client-auth"] {
        out.push(Scenario {
            host_libc: true,
            ..sc(
                format!("create_default_context({purpose}, cafile /dev/zero)"),
                json!([["default", {"cafile": "/dev/zero", "purpose": purpose}], ["show"]]),
            )
        });
    }
    out.push(sc(
        "create_default_context then get_ca_certs binary",
        json!([["default", {"cafile": cert("pycacert.pem")}], ["ca_certs", true]]),
    ));

    // -- options -----------------------------------------------------------------------------
    for v in [
        json!(0),
        json!(-1),
        json!(1u64 << 40),
        json!(0x4000),
        json!(i64::MAX),
        json!("int:9223372036854775808"),
        json!("int:18446744073709551615"),
        json!("int:18446744073709551616"),
        json!(-2),
    ] {
        out.push(sc(
            format!("options = {v}"),
            json!([["new", CLIENT], ["set", "options", v], ["get", "options"]]),
        ));
    }
    for name in [
        "OP_NO_SSLv3",
        "OP_NO_COMPRESSION",
        "OP_ALL",
        "OP_CIPHER_SERVER_PREFERENCE",
        "OP_ENABLE_MIDDLEBOX_COMPAT",
        "OP_NO_TICKET",
    ] {
        out.push(sc(
            format!("default ctx options &= ~{name}"),
            json!([["default", {}], ["options_clear", name], ["get", "options"]]),
        ));
    }
    for name in [
        "OP_NO_TICKET",
        "OP_NO_TLSv1",
        "OP_NO_TLSv1_1",
        "OP_NO_TLSv1_2",
        "OP_NO_TLSv1_3",
        "OP_NO_RENEGOTIATION",
        "OP_IGNORE_UNEXPECTED_EOF",
        "OP_SINGLE_DH_USE",
    ] {
        // Python's ssl module has OP_IGNORE_UNEXPECTED_EOF from 3.8 on.
        let since = if name == "OP_IGNORE_UNEXPECTED_EOF" {
            (3, 8)
        } else {
            (3, 7)
        };
        out.push(sc_from(
            since,
            format!("options |= {name}"),
            json!([
                ["new", SERVER],
                ["options_or", name],
                ["options_clear", name]
            ]),
        ));
    }
    for name in ["OP_LEGACY_SERVER_CONNECT", "OP_ENABLE_KTLS"] {
        out.push(sc_from(
            (3, 12),
            format!("options |= {name}"),
            json!([
                ["new", CLIENT],
                ["options_or", name],
                ["options_clear", name]
            ]),
        ));
    }

    // -- verify_mode / check_hostname ---------------------------------------------------------
    for proto in [CLIENT, SERVER, TLS] {
        for mode in [0, 1, 2, 3, -1, 100] {
            out.push(sc(
                format!("ctx({proto}).verify_mode = {mode}"),
                json!([
                    ["new", proto],
                    ["set", "verify_mode", mode],
                    ["get", "verify_mode"],
                    ["get", "check_hostname"]
                ]),
            ));
        }
        out.push(sc(
            format!("ctx({proto}) check_hostname on"),
            json!([
                ["new", proto],
                ["set", "check_hostname", true],
                ["get", "verify_mode"],
                ["get", "check_hostname"]
            ]),
        ));
        out.push(sc(
            format!("ctx({proto}) CERT_OPTIONAL then check_hostname"),
            json!([
                ["new", proto],
                ["set", "check_hostname", false],
                ["set", "verify_mode", 1],
                ["set", "check_hostname", true],
                ["get", "verify_mode"],
                ["set", "verify_mode", 0],
                ["set", "check_hostname", false],
                ["set", "verify_mode", 0],
                ["get", "verify_mode"]
            ]),
        ));
    }
    out.push(sc(
        "client: check_hostname off then CERT_NONE",
        json!([
            ["new", CLIENT],
            ["set", "check_hostname", false],
            ["set", "verify_mode", 0],
            ["get", "verify_mode"],
            ["set", "check_hostname", true],
            ["get", "verify_mode"]
        ]),
    ));

    // -- verify_flags -------------------------------------------------------------------------
    for v in [
        json!(0),
        json!(0x12345678),
        json!(-1),
        json!(0x80000),
        json!(0x4),
    ] {
        out.push(sc(
            format!("verify_flags = {v}"),
            json!([
                ["new", CLIENT],
                ["set", "verify_flags", v],
                ["get", "verify_flags"]
            ]),
        ));
    }
    for name in [
        "VERIFY_CRL_CHECK_LEAF",
        "VERIFY_CRL_CHECK_CHAIN",
        "VERIFY_X509_STRICT",
        "VERIFY_X509_TRUSTED_FIRST",
        "VERIFY_X509_PARTIAL_CHAIN",
        "VERIFY_ALLOW_PROXY_CERTS",
    ] {
        // PARTIAL_CHAIN and ALLOW_PROXY_CERTS exist in Python's ssl module from 3.10 on.
        let since = if name.ends_with("PARTIAL_CHAIN") || name.ends_with("PROXY_CERTS") {
            (3, 10)
        } else {
            (3, 7)
        };
        out.push(sc_from(
            since,
            format!("verify_flags |= / &= ~{name}"),
            json!([
                ["default", {}],
                ["verify_flags_or", name],
                ["verify_flags_clear", name]
            ]),
        ));
    }

    // -- minimum / maximum version ------------------------------------------------------------
    for attr in ["minimum_version", "maximum_version"] {
        for v in [
            json!(-2),
            json!(-1),
            json!(768),
            json!(769),
            json!(770),
            json!(771),
            json!(772),
            json!(773),
            json!(42),
            json!(-3),
            json!(1u64 << 31),
            json!(1u64 << 40),
        ] {
            out.push(sc(
                format!("{attr} = {v}"),
                json!([
                    ["new", CLIENT],
                    ["set", attr, v],
                    ["get", "minimum_version"],
                    ["get", "maximum_version"]
                ]),
            ));
        }
        out.push(sc(
            format!("PROTOCOL_TLSv1_2 ctx: {attr} = TLSv1_3"),
            json!([["new", 5], ["set", attr, 772], ["get", attr]]),
        ));
    }

    // -- num_tickets, host flags, PHA, security level -------------------------------------------
    for proto in [CLIENT, SERVER, TLS] {
        for n in [0, 5, -1] {
            out.push(sc(
                format!("ctx({proto}).num_tickets = {n}"),
                json!([
                    ["new", proto],
                    ["set", "num_tickets", n],
                    ["get", "num_tickets"]
                ]),
            ));
        }
    }
    out.push(sc(
        "hostname_checks_common_name toggles",
        json!([
            ["new", CLIENT],
            ["set", "hostname_checks_common_name", false],
            ["get", "_host_flags"],
            ["get", "hostname_checks_common_name"],
            ["set", "hostname_checks_common_name", true],
            ["get", "_host_flags"],
            ["set", "_host_flags", 0x2a],
            ["get", "hostname_checks_common_name"]
        ]),
    ));
    out.push(sc(
        "post_handshake_auth toggles",
        json!([
            ["new", SERVER],
            ["set", "post_handshake_auth", true],
            ["get", "post_handshake_auth"],
            ["get", "verify_mode"],
            ["set", "post_handshake_auth", false],
            ["get", "post_handshake_auth"]
        ]),
    ));

    // -- attributes by name: read-only ones, ones a release lacks, unknown names ----------------
    for (attr, value) in [
        ("security_level", json!(1)),
        ("protocol", json!(2)),
        ("num_tickets", json!(3)),
        ("keylog_filename", json!(null)),
        ("no_such_attribute", json!(7)),
        ("check_hostname", json!("yes")),
        ("check_hostname", json!("")),
        ("verify_mode", json!("2")),
        ("options", json!(null)),
        ("post_handshake_auth", json!(0)),
        ("hostname_checks_common_name", json!(0)),
        ("_host_flags", json!(-1)),
        ("verify_mode", json!("int:99999999999")),
    ] {
        out.push(sc(
            format!("setattr({attr}, {value})"),
            json!([
                ["new", SERVER],
                ["set", attr, value],
                ["get", attr],
                ["get", "verify_mode"]
            ]),
        ));
    }

    // -- del ctx.name: properties, C setters, instance attributes, methods ----------------------
    for (protocol, attr) in [CLIENT, SERVER]
        .into_iter()
        .flat_map(|p| ATTRS.iter().chain(ALSO_DELETED).map(move |a| (p, *a)))
    {
        let steps = json!([
            ["new", protocol],
            ["set", "tag", 1],
            ["del", attr],
            ["get", "check_hostname"],
            ["get", "tag"]
        ]);
        let name = format!("del {attr} ({protocol})");
        // keylog_filename: releases before the fix crash.
        out.push(if attr == "keylog_filename" {
            sc_needing(Change::DeletionChecks, name, steps)
        } else {
            sc(name, steps)
        });
    }

    // -- keylog ------------------------------------------------------------------------------
    out.push(sc(
        "keylog_filename set, reset, bad path",
        json!([
            ["new", CLIENT],
            ["set", "keylog_filename", "$TMP/keylog.txt"],
            ["get", "keylog_filename"],
            ["file_lines", "$TMP/keylog.txt"],
            ["set", "keylog_filename", "$TMP/keylog.txt"],
            ["file_lines", "$TMP/keylog.txt"],
            ["set", "keylog_filename", null],
            ["get", "keylog_filename"],
            ["set", "keylog_filename", "/nonexistent/dir/x"],
            ["get", "keylog_filename"],
            ["set", "keylog_filename", "$TMP"],
            ["get", "keylog_filename"]
        ]),
    ));

    // -- SNI ----------------------------------------------------------------------------------
    for proto in [CLIENT, SERVER, TLS] {
        out.push(sc(
            format!("ctx({proto}) sni callback"),
            json!([
                ["new", proto],
                ["sni", true],
                ["get", "sni_callback"],
                ["sni", false],
                ["get", "sni_callback"]
            ]),
        ));
    }

    // -- ciphers -------------------------------------------------------------------------------
    for s in [
        "ALL",
        "AES128-SHA",
        "ECDHE+AESGCM",
        "DEFAULT@SECLEVEL=0",
        "HIGH:!aNULL",
        "DEFAULT:@SECLEVEL=1",
        "",
        "nonsense",
        "TLS_AES_128_GCM_SHA256",
        "a\u{0}b",
        "RC4",
        "eNULL",
    ] {
        out.push(sc(
            format!("set_ciphers({s:?})"),
            json!([
                ["new", CLIENT],
                ["set_ciphers", s],
                ["cipher_names"],
                ["get", "security_level"]
            ]),
        ));
    }
    out.push(sc(
        "get_ciphers() client",
        json!([["new", CLIENT], ["get_ciphers"]]),
    ));
    out.push(sc(
        "get_ciphers() after ALL",
        json!([
            ["new", SERVER],
            ["set_ciphers", "ALL:@SECLEVEL=0"],
            ["get_ciphers"]
        ]),
    ));

    // -- load_verify_locations ------------------------------------------------------------------
    for f in CERTDATA_FILES {
        out.push(sc(
            format!("lvl(cafile={f})"),
            json!([["new", CLIENT], ["lvl", {"cafile": cert(f)}], ["stats"], ["ca_certs"]]),
        ));
    }
    for f in [
        "pycacert.pem",
        "keycert3.pem",
        "allsans.pem",
        "nullcert.pem",
        "badcert.pem",
        "ssl_key.pem",
    ] {
        out.push(sc(
            format!("lvl(cadata=pem {f})"),
            json!([["new", CLIENT], ["lvl", {"cadata_pem": {"file": cert(f)}}], ["stats"], ["ca_certs"]]),
        ));
        if f == "badcert.pem" {
            continue; // not a certificate to convert to DER
        }
        out.push(sc(
            format!("lvl(cadata=der {f})"),
            json!([["new", CLIENT], ["lvl", {"cadata_der": {"pem_files": [cert(f)]}}], ["stats"], ["ca_certs", true]]),
        ));
    }
    for (label, prefix, suffix) in [
        ("garbage before", "garbage\n", ""),
        ("garbage after", "", "garbage\n"),
        ("two blocks and text", "text\n", "more text\n"),
    ] {
        out.push(sc(
            format!("lvl(cadata=pem with {label})"),
            json!([["new", CLIENT],
                   ["lvl", {"cadata_pem": {"file": cert("pycacert.pem"), "prefix": prefix, "suffix": suffix}}],
                   ["stats"], ["ca_certs"]]),
        ));
    }
    let der_cases: Vec<(&str, Value)> = vec![
        (
            "trailing 30",
            json!({"pem_files": [cert("pycacert.pem")], "hex": "30"}),
        ),
        (
            "trailing garbage",
            json!({"pem_files": [cert("pycacert.pem")], "hex": "6761726261676521"}),
        ),
        ("garbage only", json!({"hex": "6761726261676521"})),
        ("truncated", json!({"hex": "3082"})),
        (
            "duplicate",
            json!({"pem_files": [cert("pycacert.pem"), cert("pycacert.pem")]}),
        ),
        ("empty", json!({"hex": ""})),
        (
            "two CAs",
            json!({"pem_files": [cert("capath/5ed36f99.0"), cert("capath/4e1295a3.0")]}),
        ),
    ];
    for (label, spec) in der_cases {
        out.push(sc(
            format!("lvl(cadata=der {label})"),
            json!([["new", CLIENT], ["lvl", {"cadata_der": spec}], ["stats"]]),
        ));
    }
    let pem_texts: Vec<(&str, &str)> = vec![
        ("empty", ""),
        ("non-ascii", "caf\u{e9}"),
        ("junk", "junk"),
        (
            "broken base64 block",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        ),
    ];
    for (label, text) in pem_texts {
        out.push(sc(
            format!("lvl(cadata=pem text {label})"),
            json!([["new", CLIENT], ["lvl", {"cadata_pem": {"text": text}}], ["stats"]]),
        ));
    }
    out.push(sc(
        "lvl() all omitted",
        json!([["new", CLIENT], ["lvl", {}]]),
    ));
    out.push(sc(
        "lvl(capath=dir)",
        json!([["new", CLIENT], ["lvl", {"capath": cert("capath")}], ["stats"], ["ca_certs"]]),
    ));
    out.push(sc(
        "lvl(capath=missing dir)",
        json!([["new", CLIENT], ["lvl", {"capath": "/nonexistent/dir"}], ["stats"]]),
    ));
    out.push(sc(
        "lvl(cafile=directory)",
        json!([["new", CLIENT], ["lvl", {"cafile": cert("capath")}], ["stats"]]),
    ));
    out.push(sc(
        "lvl(cafile with NUL)",
        json!([["new", CLIENT], ["lvl", {"cafile": "a\u{0}b"}], ["stats"]]),
    ));
    out.push(sc(
        "lvl(cafile=crl then pem)",
        json!([["new", CLIENT], ["lvl", {"cafile": cert("revocation.crl")}],
               ["lvl", {"cafile": cert("pycacert.pem")}], ["stats"], ["ca_certs", true]]),
    ));
    out.push(sc(
        "set_default_verify_paths",
        json!([["new", CLIENT], ["set_default_verify_paths"], ["stats"]]),
    ));
    out.push(sc(
        "load_default_certs on server ctx",
        json!([["new", SERVER], ["load_default_certs"], ["stats"]]),
    ));

    // -- load_cert_chain -------------------------------------------------------------------------
    let chains: Vec<(&str, Value, Value, Value)> = vec![
        (
            "keycert",
            json!(cert("keycert.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "cert+key",
            json!(cert("ssl_cert.pem")),
            json!(cert("ssl_key.pem")),
            Value::Null,
        ),
        (
            "ecc",
            json!(cert("keycertecc.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "passwd text",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"text": "somepass"}),
        ),
        (
            "passwd bytes",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"bytes_hex": "736f6d6570617373"}),
        ),
        (
            "passwd callback",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"callback_text": "somepass"}),
        ),
        (
            "wrong passwd",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"text": "badpass"}),
        ),
        (
            "wrong passwd callback",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"callback_text": "badpass"}),
        ),
        (
            "raising callback",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"callback_value_error": "boom"}),
        ),
        (
            "passwd 1024",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"repeat": ["a", 1024]}),
        ),
        (
            "passwd 1025",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            json!({"repeat": ["a", 1025]}),
        ),
        (
            "passwd 1025 unused",
            json!(cert("keycert.pem")),
            Value::Null,
            json!({"repeat": ["a", 1025]}),
        ),
        (
            "no passwd for encrypted key",
            json!(cert("keycert.passwd.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "key passwd file",
            json!(cert("ssl_cert.pem")),
            json!(cert("ssl_key.passwd.pem")),
            json!({"text": "somepass"}),
        ),
        (
            "empty",
            json!(cert("nullcert.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "badcert",
            json!(cert("badcert.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "badkey",
            json!(cert("badkey.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "cert only",
            json!(cert("ssl_cert.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "key only",
            json!(cert("ssl_key.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "mismatch",
            json!(cert("ssl_cert.pem")),
            json!(cert("keycert2.pem")),
            Value::Null,
        ),
        (
            "missing cert",
            json!(cert("XXXnonexisting.pem")),
            Value::Null,
            Value::Null,
        ),
        (
            "missing key",
            json!(cert("ssl_cert.pem")),
            json!(cert("XXXnonexisting.pem")),
            Value::Null,
        ),
        (
            "dh params as cert",
            json!(cert("ffdh3072.pem")),
            Value::Null,
            Value::Null,
        ),
        ("directory", json!(cert("capath")), Value::Null, Value::Null),
        ("NUL in path", json!("a\u{0}b"), Value::Null, Value::Null),
        (
            "signed chain",
            json!(cert("keycert3.pem")),
            Value::Null,
            Value::Null,
        ),
    ];
    for (label, certfile, keyfile, password) in chains {
        out.push(sc(
            format!("load_cert_chain({label})"),
            json!([
                ["new", SERVER],
                ["lcc", certfile, keyfile, password],
                ["stats"]
            ]),
        ));
    }

    // Endless (host C library only, as for cafile /dev/zero above).
    out.push(Scenario {
        host_libc: true,
        ..sc(
            "load_cert_chain(endless)",
            json!([["new", SERVER], ["lcc", "/dev/zero", null, null], ["stats"]]),
        )
    });

    // -- ALPN, curves, DH, session stats --------------------------------------------------------
    for list in [
        json!(["h2", "http/1.1"]),
        json!([]),
        json!([""]),
        json!(["a".repeat(255)]),
        json!(["a".repeat(256)]),
        json!(["\u{e9}t\u{e9}"]),
        json!(["h", "2"]),
    ] {
        out.push(sc(
            format!("set_alpn_protocols({list})"),
            json!([
                ["new", CLIENT],
                ["alpn", list],
                ["new", SERVER],
                ["alpn", list]
            ]),
        ));
    }
    for curve in [
        "prime256v1",
        "X25519",
        "secp384r1",
        "foo",
        "RSA",
        "a\u{0}b",
        "",
    ] {
        out.push(sc(
            format!("set_ecdh_curve({curve:?})"),
            json!([["new", SERVER], ["ecdh", curve]]),
        ));
    }
    for f in [
        cert("ffdh3072.pem"),
        cert("keycert.pem"),
        cert("XXXnonexisting.pem"),
        cert("nullcert.pem"),
        cert("capath"),
        // empty: the PEM reader stops at the first line
        "/dev/null".to_string(),
    ] {
        out.push(sc(
            format!("load_dh_params({f})"),
            json!([["new", SERVER], ["dh", f]]),
        ));
    }
    // Endless: the PEM reader stops at the first line, then fclose() may leave errno set
    // (glibc 2.43: ESPIPE, an OSError in CPython; 2.36: nothing), so only against pyenv's
    // interpreters, which use this machine's C library.
    out.push(Scenario {
        host_libc: true,
        ..sc(
            "load_dh_params(/dev/zero)",
            json!([["new", SERVER], ["dh", "/dev/zero"]]),
        )
    });
    out.push(sc(
        "session_stats",
        json!([["new", SERVER], ["session_stats"]]),
    ));

    // -- truncated and concatenated inputs (files made on each side from the interpreter's
    //    own certdata) -------------------------------------------------------------------------
    let f = |name: &str| json!({"file": cert(name)});
    let part =
        |name: &str, start: u64, end: u64| json!({"file": cert(name), "start": start, "end": end});
    let made: Vec<(&str, Value)> = vec![
        (
            "cert truncated at 600",
            json!([part("keycert.pem", 0, 600)]),
        ),
        (
            "cert truncated at 1700",
            json!([part("ssl_cert.pem", 0, 1000)]),
        ),
        (
            "key truncated",
            json!([f("ssl_cert.pem"), part("ssl_key.pem", 0, 900)]),
        ),
        (
            "cert+key concatenated",
            json!([f("ssl_cert.pem"), f("ssl_key.pem")]),
        ),
        (
            "key+cert concatenated",
            json!([f("ssl_key.pem"), f("ssl_cert.pem")]),
        ),
        (
            "two CAs",
            json!([f("pycacert.pem"), f("capath/5ed36f99.0")]),
        ),
        (
            "CA + garbage",
            json!([f("pycacert.pem"), {"text": "garbage\n"}]),
        ),
        (
            "garbage + CA",
            json!([{"text": "garbage\n"}, f("pycacert.pem")]),
        ),
        (
            "CA + bad cert",
            json!([f("pycacert.pem"), f("badcert.pem")]),
        ),
        (
            "bad cert + CA",
            json!([f("badcert.pem"), f("pycacert.pem")]),
        ),
        ("CA + CRL", json!([f("pycacert.pem"), f("revocation.crl")])),
        (
            "header only",
            json!([{"text": "-----BEGIN CERTIFICATE-----\n"}]),
        ),
        ("binary junk", json!([{"text": "\u{1}\u{2}\u{3}\u{7f}"}])),
        (
            "DH params + cert",
            json!([f("ffdh3072.pem"), f("keycert.pem")]),
        ),
    ];
    for (label, parts) in made {
        out.push(sc(
            format!("file {label}: cafile, cadata, cert chain"),
            json!([["make_file", "$TMP/made.pem", parts],
                   ["new", CLIENT], ["lvl", {"cafile": "$TMP/made.pem"}], ["stats"], ["ca_certs"],
                   ["new", CLIENT], ["lvl", {"cadata_pem": {"file": "$TMP/made.pem"}}], ["stats"],
                   ["new", SERVER], ["lcc", "$TMP/made.pem", null, null], ["stats"],
                   ["new", SERVER], ["dh", "$TMP/made.pem"]]),
        ));
    }
    out.push(sc(
        "set_ciphers(AESGCM) names",
        json!([["new", CLIENT], ["set_ciphers", "AESGCM"], ["cipher_names"]]),
    ));
    // 3.15's set_ciphersuites and set_groups.
    for s in [
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
        "",
        "nonsense",
        "TLS_AES_128_GCM_SHA256:nonsense",
        "AES128",
        "TLS_AES\0",
    ] {
        out.push(sc_from(
            (3, 15),
            format!("set_ciphersuites({s:?})"),
            json!([["new", CLIENT], ["set_ciphersuites", s], ["cipher_names"]]),
        ));
    }
    for g in [
        "X25519:P-256",
        "X25519MLKEM768:X25519",
        "",
        "nonsense",
        "P-256:nonsense",
        "x25519",
        "P-256\0",
    ] {
        out.push(sc_from(
            (3, 15),
            format!("set_groups({g:?})"),
            json!([["new", SERVER], ["set_groups", g]]),
        ));
    }
    out.push(sc_from((3, 15), "get_sigalgs()", json!([["get_sigalgs"]])));
    for aliases in [false, true] {
        out.push(sc_from(
            (3, 15),
            format!("get_groups(include_aliases={aliases})"),
            json!([["new", CLIENT], ["get_groups", aliases]]),
        ));
    }
    for s in [
        "ECDSA+SHA256",
        "ECDSA+SHA256:rsa_pss_rsae_sha256:ed25519",
        "",
        "nonsense",
        "RSA+SHA1",
        "ECDSA+SHA256\0",
    ] {
        for op in ["set_client_sigalgs", "set_server_sigalgs"] {
            out.push(sc_from(
                (3, 15),
                format!("{op}({s:?})"),
                json!([["new", SERVER], [op, s]]),
            ));
        }
    }

    // -- hostile paths: NUL bytes and bytes that are not UTF-8 ---------------------------------
    let bad = "hex:2f6e6f6e6578697374656e742fff2e70656d"; // b"/nonexistent/\xff.pem"
    out.push(sc(
        "lvl(cafile=non-UTF-8)",
        json!([["new", CLIENT], ["lvl", {"cafile": bad}], ["stats"]]),
    ));
    out.push(sc(
        "lvl(capath=non-UTF-8)",
        json!([["new", CLIENT], ["lvl", {"capath": bad}], ["stats"]]),
    ));
    out.push(sc(
        "lcc(non-UTF-8)",
        json!([["new", SERVER], ["lcc", bad, null, null]]),
    ));
    out.push(sc(
        "lcc(key non-UTF-8)",
        json!([["new", SERVER], ["lcc", cert("ssl_cert.pem"), bad, null]]),
    ));
    out.push(sc(
        "lcc(key NUL)",
        json!([
            ["new", SERVER],
            ["lcc", cert("ssl_cert.pem"), "k\u{0}", null]
        ]),
    ));
    out.push(sc("dh(non-UTF-8)", json!([["new", SERVER], ["dh", bad]])));
    out.push(sc("dh(NUL)", json!([["new", SERVER], ["dh", "a\u{0}b"]])));
    out.push(sc(
        "keylog(non-UTF-8)",
        json!([
            ["new", CLIENT],
            ["set", "keylog_filename", bad],
            ["get", "keylog_filename"]
        ]),
    ));
    out.push(sc(
        "keylog(NUL)",
        json!([
            ["new", CLIENT],
            ["set", "keylog_filename", "a\u{0}b"],
            ["get", "keylog_filename"]
        ]),
    ));
    out.push(sc(
        "create_default_context(cafile=non-UTF-8)",
        json!([["default", {"cafile": bad}], ["show"]]),
    ));
    out.push(sc(
        "create_default_context(capath=NUL)",
        json!([["default", {"capath": "a\u{0}"}], ["show"]]),
    ));
    out
}
