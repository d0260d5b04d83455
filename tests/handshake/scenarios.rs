//! The scenarios: each is one real connection (two for resumption) between the side under
//! test and a CPython peer, described in the JSON both `oracle/handshake_oracle.py` and
//! `pyssl_side.rs` interpret.

use std::path::Path;

use serde_json::{Value, json};

use super::certs::CertDir;

pub struct Scenarios {
    pub client: Vec<Value>,
    pub server: Vec<Value>,
}

pub fn merge(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    if let (Some(o), Some(e)) = (out.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

pub fn all(c: &CertDir, certdata: &Path) -> Scenarios {
    let f = |n: &str| c.file(n);
    let cd = |n: &str| certdata.join(n).to_string_lossy().into_owned();
    let root = f("root.crt");
    let trust = json!({"cafile": root});
    let mut client = Vec::new();
    let mut server = Vec::new();
    let mut cl = |name: &str, me: Value, peer: Value, host: Value, extra: Value| {
        let mut s = json!({"name": name, "role": "client", "me": me, "peer": peer,
            "server_hostname": host});
        s = merge(&s, extra);
        client.push(s);
    };
    let srv = |cert: &str| json!({"cert": f(cert)});
    let rec = |cert: &str| json!({"cert": f(cert), "sni": {"mode": "record"}});

    // -- server certificates and host names (client verifies) --------------------------------
    for (cert, hosts) in [
        (
            "ec.pem",
            &[
                "localhost",
                "127.0.0.1",
                "example.com",
                "LOCALHOST",
                "localhost.",
                "127.0.0.2",
                "::1",
            ][..],
        ),
        ("rsa.pem", &["localhost", "other.example"][..]),
        ("ed25519.pem", &["localhost"][..]),
        ("expired.pem", &["localhost"][..]),
        ("notyet.pem", &["localhost"][..]),
        (
            "wildcard.pem",
            &[
                "a.example.test",
                "a.b.example.test",
                "example.test",
                "A.EXAMPLE.TEST",
            ][..],
        ),
        ("partial.pem", &["foo.example.test", "f.example.test"][..]),
        (
            "ip.pem",
            &[
                "127.0.0.1",
                "::1",
                "0:0:0:0:0:0:0:1",
                "127.0.0.2",
                "localhost",
                "::2",
            ][..],
        ),
        (
            "idn.pem",
            &[
                "könig.example.test",
                "xn--knig-5qa.example.test",
                "königsgäßchen.example.test",
                "KÖNIG.example.test",
                "konig.example.test",
                "ｋöｎｉｇ.example.test",
            ][..],
        ),
        ("cnonly.pem", &["localhost", "other"][..]),
        ("selfsigned.pem", &["localhost"][..]),
        ("unknownca.pem", &["localhost"][..]),
        ("leaf_only.pem", &["localhost"][..]),
        ("leaf_chain.pem", &["localhost"][..]),
        ("noncritical.pem", &["localhost"][..]),
        ("eku_client.pem", &["localhost"][..]),
        ("other.pem", &["other.example.test"][..]),
    ] {
        for h in hosts {
            cl(
                &format!("verify {cert} as {h}"),
                trust.clone(),
                rec(cert),
                json!(h),
                json!({}),
            );
        }
    }
    let weak = |cert: &str| json!({"cert": f(cert), "ciphers": "DEFAULT@SECLEVEL=0"});
    cl(
        "rsa1024 leaf at seclevel 2",
        trust.clone(),
        weak("rsa1024.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "sha1 leaf at seclevel 2",
        trust.clone(),
        weak("sha1.pem"),
        json!("localhost"),
        json!({}),
    );
    let none = json!({"check_hostname": false, "verify_mode": 0});
    cl(
        "rsa1024 leaf, CERT_NONE",
        none.clone(),
        weak("rsa1024.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "rsa1024 leaf, client seclevel 0",
        merge(&trust, json!({"ciphers": "DEFAULT@SECLEVEL=0"})),
        weak("rsa1024.pem"),
        json!("localhost"),
        json!({}),
    );
    for cert in ["expired.pem", "selfsigned.pem", "unknownca.pem", "ec.pem"] {
        cl(
            &format!("{cert} under CERT_NONE"),
            none.clone(),
            srv(cert),
            json!("whatever"),
            json!({}),
        );
    }
    let no_host_check = merge(&trust, json!({"check_hostname": false}));
    cl(
        "wrong host, check_hostname off",
        no_host_check.clone(),
        rec("ec.pem"),
        json!("example.com"),
        json!({}),
    );
    cl(
        "no server_hostname, check_hostname off",
        no_host_check.clone(),
        rec("ec.pem"),
        Value::Null,
        json!({}),
    );
    cl(
        "CERT_OPTIONAL client, unknown CA",
        merge(&no_host_check, json!({"verify_mode": 1})),
        srv("unknownca.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "CERT_OPTIONAL client, good",
        merge(&no_host_check, json!({"verify_mode": 1})),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );
    let cn_off = merge(&trust, json!({"hostname_checks_common_name": false}));
    cl(
        "cnonly, hostname_checks_common_name off",
        cn_off.clone(),
        srv("cnonly.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "san cert, hostname_checks_common_name off",
        cn_off,
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );
    let inter_anchor = json!({"cafile": f("inter.crt")});
    cl(
        "intermediate as trust anchor, leaf only",
        inter_anchor.clone(),
        srv("leaf_only.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "intermediate as trust anchor, chain sent",
        inter_anchor.clone(),
        srv("leaf_chain.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "intermediate anchor without PARTIAL_CHAIN",
        merge(&inter_anchor, json!({"verify_flags_clear": 0x80000})),
        srv("leaf_only.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "intermediate anchor with PARTIAL_CHAIN",
        merge(&inter_anchor, json!({"verify_flags_set": 0x80000})),
        srv("leaf_only.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "noncritical CA without X509_STRICT",
        merge(&trust, json!({"verify_flags_clear": 0x20})),
        srv("noncritical.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "noncritical CA with X509_STRICT",
        merge(&trust, json!({"verify_flags_set": 0x20})),
        srv("noncritical.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "self-signed leaf trusted directly",
        json!({"cafile": f("selfsigned.crt")}),
        srv("selfsigned.pem"),
        json!("localhost"),
        json!({}),
    );

    // -- server_hostname encoding and validation ------------------------------------------------
    for (name, host) in [
        ("empty str", json!("")),
        ("None", Value::Null),
        ("leading dot str", json!(".example.com")),
        (
            "leading dot bytes",
            json!({"bytes": "2e6578616d706c652e636f6d"}),
        ),
        ("empty bytes", json!({"bytes": ""})),
        ("NUL byte", json!("local\u{0}host")),
        ("label of 64", json!(format!("{}.example", "a".repeat(64)))),
        (
            "last label of 64",
            json!(format!("example.{}", "a".repeat(64))),
        ),
        ("non-ASCII bytes", json!({"bytes": "6bc3b66e6967"})),
        ("bytes localhost", json!({"bytes": "6c6f63616c686f7374"})),
        ("soft hyphen removed", json!("local\u{ad}host")),
        ("fullwidth letters", json!("ｌｏｃａｌｈｏｓｔ")),
        ("ideographic full stop", json!("localhost\u{3002}")),
        ("ideographic space", json!("local\u{3000}host")),
        ("ACE prefix on U-label", json!("xn--ü.example")),
        ("hebrew label", json!("\u{5d0}\u{5d1}.example")),
        ("bidi rule 2", json!("\u{5d0}a\u{5d1}.example")),
        ("bidi rule 3", json!("\u{5d0}1.example")),
        ("double dot", json!("a..example")),
        ("double dot unicode", json!("ü..example")),
        (
            "long unicode label",
            json!(format!("{}ü.example", "a".repeat(60))),
        ),
        ("square brackets IPv6", json!("[::1]")),
        ("trailing dot only", json!(".")),
        ("bytes IP", json!({"bytes": "3132372e302e302e31"})),
    ] {
        cl(
            &format!("server_hostname {name}"),
            trust.clone(),
            rec("ec.pem"),
            host,
            json!({}),
        );
    }
    for (name, host) in [
        ("IP no SNI", json!("127.0.0.1")),
        ("name", json!("localhost")),
        ("IDN", json!("könig.example.test")),
        ("upper", json!("LOCALHOST")),
    ] {
        cl(
            &format!("SNI seen by peer, check_hostname off: {name}"),
            no_host_check.clone(),
            rec("ec.pem"),
            host,
            json!({}),
        );
    }

    // -- ALPN ---------------------------------------------------------------------------------
    let alpn_client = merge(&trust, json!({"alpn": ["h2", "http/1.1"]}));
    for (name, peer_alpn) in [
        ("overlap", json!(["http/1.1"])),
        ("server prefers", json!(["h2", "http/1.1"])),
        ("no overlap", json!(["foo"])),
        ("server has none", Value::Null),
    ] {
        let mut peer = srv("ec.pem");
        if !peer_alpn.is_null() {
            peer["alpn"] = peer_alpn;
        }
        cl(
            &format!("ALPN {name}"),
            alpn_client.clone(),
            peer,
            json!("localhost"),
            json!({}),
        );
    }
    cl(
        "ALPN client none, server set",
        trust.clone(),
        merge(&srv("ec.pem"), json!({"alpn": ["h2"]})),
        json!("localhost"),
        json!({}),
    );

    // -- versions and ciphers ---------------------------------------------------------------
    let tls12 = merge(&trust, json!({"max_version": "TLSv1_2"}));
    for cert in ["ec.pem", "rsa.pem", "ed25519.pem"] {
        cl(
            &format!("TLS 1.2 with {cert}"),
            tls12.clone(),
            srv(cert),
            json!("localhost"),
            json!({}),
        );
    }
    cl(
        "client 1.2 only, server 1.3 only",
        tls12.clone(),
        merge(&srv("ec.pem"), json!({"min_version": "TLSv1_3"})),
        json!("localhost"),
        json!({}),
    );
    cl(
        "client 1.3 only, server 1.2 only",
        merge(&trust, json!({"min_version": "TLSv1_3"})),
        merge(&srv("ec.pem"), json!({"max_version": "TLSv1_2"})),
        json!("localhost"),
        json!({}),
    );
    cl(
        "client cipher choice 1.2",
        merge(&tls12, json!({"ciphers": "ECDHE-ECDSA-AES128-GCM-SHA256"})),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "no shared cipher 1.2",
        merge(&tls12, json!({"ciphers": "ECDHE-RSA-AES128-GCM-SHA256"})),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "server cipher preference 1.2",
        merge(
            &tls12,
            json!({"ciphers": "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"}),
        ),
        srv("rsa.pem"),
        json!("localhost"),
        json!({}),
    );
    cl(
        "client allows TLS 1.0, server default",
        merge(
            &trust,
            json!({"min_version": "TLSv1", "max_version": "TLSv1"}),
        ),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );

    // -- client certificates -------------------------------------------------------------------
    let req = |mode: i64, extra: Value| {
        merge(
            &json!({"cert": f("ec.pem"), "cafile": root, "verify_mode": mode}),
            extra,
        )
    };
    let with_cert =
        |cert: &str, extra: Value| merge(&merge(&trust, json!({"cert": f(cert)})), extra);
    for (v, vname) in [
        (json!({}), "1.3"),
        (json!({"max_version": "TLSv1_2"}), "1.2"),
    ] {
        cl(
            &format!("client cert required, given, TLS {vname}"),
            with_cert("client.pem", v.clone()),
            req(2, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert required, missing, TLS {vname}"),
            merge(&trust, v.clone()),
            req(2, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert required, self-signed, TLS {vname}"),
            with_cert("client_selfsigned.pem", v.clone()),
            req(2, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert optional, missing, TLS {vname}"),
            merge(&trust, v.clone()),
            req(1, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert optional, given, TLS {vname}"),
            with_cert("client.pem", v.clone()),
            req(1, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert serverAuth-only EKU, TLS {vname}"),
            with_cert("ec.pem", v.clone()),
            req(2, json!({})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("client cert expired, TLS {vname}"),
            with_cert("expired.pem", v.clone()),
            req(2, json!({})),
            json!("localhost"),
            json!({}),
        );
    }
    cl(
        "post-handshake auth, client offers",
        with_cert("client.pem", json!({"pha": true})),
        req(2, json!({"pha": true})),
        json!("localhost"),
        json!({}),
    );
    cl(
        "post-handshake auth, client without PHA",
        with_cert("client.pem", json!({})),
        req(2, json!({"pha": true})),
        json!("localhost"),
        json!({}),
    );
    cl(
        "post-handshake auth, no client cert",
        merge(&trust, json!({"pha": true})),
        req(1, json!({"pha": true})),
        json!("localhost"),
        json!({}),
    );

    // -- sendfile() to a server that does not read yet (the kernel buffers it) ----------------
    cl(
        "sendfile",
        merge(&trust, json!({"flow": "sendfile"})),
        merge(&srv("ec.pem"), json!({"stall": true})),
        json!("localhost"),
        json!({}),
    );

    // -- 3.15's list setters --------------------------------------------------------------------
    for (v, vname) in [
        (json!({}), "1.3"),
        (json!({"max_version": "TLSv1_2"}), "1.2"),
    ] {
        cl(
            &format!("client accepts one server sigalg, TLS {vname}"),
            merge(
                &trust,
                merge(&v, json!({"server_sigalgs": "rsa_pss_rsae_sha384"})),
            ),
            srv("rsa.pem"),
            json!("localhost"),
            json!({"since": [3, 15]}),
        );
        cl(
            &format!("client offers one group, TLS {vname}"),
            merge(&trust, merge(&v, json!({"groups": "P-384"}))),
            srv("ec.pem"),
            json!("localhost"),
            json!({"since": [3, 15]}),
        );
        cl(
            &format!("client offers a sigalg the server cannot make, TLS {vname}"),
            merge(&trust, merge(&v, json!({"server_sigalgs": "ed25519"}))),
            srv("rsa.pem"),
            json!("localhost"),
            json!({"since": [3, 15]}),
        );
    }
    cl(
        "client offers one TLS 1.3 suite",
        merge(
            &trust,
            json!({"ciphersuites": "TLS_CHACHA20_POLY1305_SHA256"}),
        ),
        srv("ec.pem"),
        json!("localhost"),
        json!({"since": [3, 15]}),
    );

    // -- session resumption against a CPython server ---------------------------------------------
    cl(
        "resumption TLS 1.3",
        trust.clone(),
        srv("ec.pem"),
        json!("localhost"),
        json!({"resume": true}),
    );
    cl(
        "resumption TLS 1.2",
        tls12.clone(),
        srv("ec.pem"),
        json!("localhost"),
        json!({"resume": true}),
    );

    // -- a peer that drops the connection after the handshake: writes then fail with EPIPE or
    //    ECONNRESET (OSError from 3.13.2, gh-127257), reads see EOF (sticky from 3.14.10)
    for abort in ["close", "reset"] {
        for (v, vname) in [
            (json!({}), "1.3"),
            (json!({"max_version": "TLSv1_2"}), "1.2"),
        ] {
            for (bio, how) in [(false, ""), (true, ", wrap_bio")] {
                cl(
                    &format!("peer drops the connection ({abort}), TLS {vname}{how}"),
                    merge(
                        &trust,
                        merge(&v, json!({"flow": "after_abort", "bio": bio})),
                    ),
                    merge(&srv("ec.pem"), json!({"abort": abort})),
                    json!("localhost"),
                    json!({}),
                );
            }
        }
    }

    // -- broken peers ------------------------------------------------------------------------
    for raw in ["close", "eof_after_hello", "garbage"] {
        cl(
            &format!("raw peer server: {raw}"),
            trust.clone(),
            json!({"raw": raw}),
            json!("localhost"),
            json!({}),
        );
    }
    cl(
        "client context used as server peer",
        json!({"purpose": "client_auth"}),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );

    // -- CPython's own test certificates ----------------------------------------------------------
    let pyca = json!({"cafile": cd("pycacert.pem")});
    for (cert, host) in [
        ("keycert3.pem", "localhost"),
        ("keycert3.pem", "fakehostname"),
        ("keycert4.pem", "fakehostname"),
        ("keycertecc.pem", "localhost-ecc"),
        ("allsans.pem", "127.0.0.1"),
        ("allsans.pem", "::1"),
        ("allsans.pem", "allsans"),
        ("idnsans.pem", "xn--knig-5qa.idn.pythontest.net"),
        ("idnsans.pem", "könig.idn.pythontest.net"),
        ("idnsans.pem", "königsgäßchen.idna2003.pythontest.net"),
        ("idnsans.pem", "königsgäßchen.idna2008.pythontest.net"),
        ("nosan.pem", "localhost"),
        ("nosan.pem", "nosan"),
        ("keycert.pem", "localhost"),
    ] {
        cl(
            &format!("certdata {cert} as {host}"),
            pyca.clone(),
            json!({"cert": cd(cert)}),
            json!(host),
            json!({}),
        );
    }
    cl(
        "certdata keycert.pem, CERT_NONE",
        none.clone(),
        json!({"cert": cd("keycert.pem")}),
        json!("localhost"),
        json!({}),
    );

    // -- CPython's intermediate-key denylist (3.13.18, 3.14.10, 3.15.2) ------------------------
    let deny_root_trust = json!({"cafile": f("deny_root.crt")});
    for (name, me, cert, host) in [
        (
            "denylisted intermediate",
            trust.clone(),
            "deny_inter.pem",
            "localhost",
        ),
        (
            "denylisted leaf key",
            trust.clone(),
            "deny_leaf.pem",
            "localhost",
        ),
        (
            "denylisted trust anchor",
            deny_root_trust.clone(),
            "deny_root_leaf.pem",
            "localhost",
        ),
        (
            "denylisted key off the path",
            trust.clone(),
            "deny_extra.pem",
            "localhost",
        ),
        // The hostname check runs first: its error wins.
        (
            "denylisted intermediate, wrong host",
            trust.clone(),
            "deny_inter.pem",
            "example.com",
        ),
        (
            "denylisted intermediate, CERT_OPTIONAL",
            merge(&no_host_check, json!({"verify_mode": 1})),
            "deny_inter.pem",
            "localhost",
        ),
        (
            "denylisted intermediate, CERT_NONE",
            none.clone(),
            "deny_inter.pem",
            "localhost",
        ),
        (
            "denylisted intermediate, TLS 1.2",
            merge(&trust, json!({"max_version": "TLSv1_2"})),
            "deny_inter.pem",
            "localhost",
        ),
        (
            "denylisted intermediate as partial-chain anchor",
            json!({"cafile": f("deny_inter.crt"), "verify_flags_set": 0x80000}),
            "deny_inter.pem",
            "localhost",
        ),
    ] {
        cl(name, me, srv(cert), json!(host), json!({}));
    }

    // == server role =============================================================================
    let mut sv = |name: &str, me: Value, peer: Value, peer_host: Value, extra: Value| {
        let s = json!({"name": name, "role": "server", "me": me, "peer": peer, "peer_hostname": peer_host});
        server.push(merge(&s, extra));
    };
    for cert in ["ec.pem", "rsa.pem", "ed25519.pem", "leaf_chain.pem"] {
        sv(
            &format!("serve {cert}"),
            srv(cert),
            trust.clone(),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("serve {cert} over TLS 1.2"),
            srv(cert),
            tls12.clone(),
            json!("localhost"),
            json!({}),
        );
    }
    sv(
        "serve expired certificate",
        srv("expired.pem"),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "serve leaf without its intermediate",
        srv("leaf_only.pem"),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "serve to wrong host name",
        srv("ec.pem"),
        trust.clone(),
        json!("example.com"),
        json!({}),
    );
    sv(
        "serve rsa1024 at seclevel 2",
        srv("rsa1024.pem"),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "serve without certificate",
        json!({}),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "serve to CERT_NONE client",
        srv("selfsigned.pem"),
        none.clone(),
        json!("x"),
        json!({}),
    );
    let auth = |mode: i64| json!({"cert": f("ec.pem"), "cafile": root, "verify_mode": mode});
    for (v, vname) in [
        (json!({}), "1.3"),
        (json!({"max_version": "TLSv1_2"}), "1.2"),
    ] {
        sv(
            &format!("require client cert, given, TLS {vname}"),
            auth(2),
            with_cert("client.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("require client cert, missing, TLS {vname}"),
            auth(2),
            merge(&trust, v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("require client cert, self-signed, TLS {vname}"),
            auth(2),
            with_cert("client_selfsigned.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("optional client cert, missing, TLS {vname}"),
            auth(1),
            merge(&trust, v.clone()),
            json!("localhost"),
            json!({}),
        );
        // A ticket keeps the client's certificate but not its chain; a server's session
        // cache (OP_NO_TICKET) keeps both.
        for (no_ticket, how) in [(false, "ticket"), (true, "session cache")] {
            sv(
                &format!("client cert, resumed from a {how}, TLS {vname}"),
                merge(&auth(2), json!({"no_ticket": no_ticket})),
                with_cert("client.pem", v.clone()),
                json!("localhost"),
                json!({"resume": true}),
            );
            sv(
                &format!("optional client cert, missing, resumed from a {how}, TLS {vname}"),
                merge(&auth(1), json!({"no_ticket": no_ticket})),
                merge(&trust, v.clone()),
                json!("localhost"),
                json!({"resume": true}),
            );
        }
        // TLS 1.2 signs with SHA-384 on the client's P-256 key; TLS 1.3 ties ECDSA+SHA384 to
        // P-384, which the client has not got.
        sv(
            &format!("server accepts one client sigalg, TLS {vname}"),
            merge(&auth(2), json!({"client_sigalgs": "ECDSA+SHA384"})),
            with_cert("client.pem", v.clone()),
            json!("localhost"),
            json!({"since": [3, 15]}),
        );
        sv(
            &format!("optional client cert, given, TLS {vname}"),
            auth(1),
            with_cert("client.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("require client cert, wrong EKU, TLS {vname}"),
            auth(2),
            with_cert("ec.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("require client cert, unknown CA, TLS {vname}"),
            auth(2),
            with_cert("unknownca.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
    }
    for (v, vname) in [
        (json!({}), "1.3"),
        (json!({"max_version": "TLSv1_2"}), "1.2"),
    ] {
        sv(
            &format!("require client cert, denylisted intermediate, TLS {vname}"),
            auth(2),
            with_cert("client_deny.pem", v.clone()),
            json!("localhost"),
            json!({}),
        );
        sv(
            &format!("optional client cert, denylisted intermediate, TLS {vname}"),
            auth(1),
            with_cert("client_deny.pem", v),
            json!("localhost"),
            json!({}),
        );
    }
    let pha_failure_racy = json!({"peer_racy": "a server that fails post-handshake authentication closes with the client's Finished and data unread: the client sees the bad_certificate alert or the reset that follows it, as the kernel delivers them (seen with both servers on OpenSSL 3.6)"});
    sv(
        "post-handshake auth, client from an unknown CA",
        merge(&auth(2), json!({"pha": true})),
        with_cert("unknownca.pem", json!({"pha": true})),
        json!("localhost"),
        pha_failure_racy.clone(),
    );
    sv(
        "post-handshake auth, denylisted client chain",
        merge(&auth(2), json!({"pha": true})),
        with_cert("client_deny.pem", json!({"pha": true})),
        json!("localhost"),
        pha_failure_racy,
    );
    sv(
        "client cert sent but server CERT_NONE",
        srv("ec.pem"),
        with_cert("client.pem", json!({})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "post-handshake auth requested",
        merge(&auth(2), json!({"pha": true})),
        with_cert("client.pem", json!({"pha": true})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "post-handshake auth, client without PHA",
        merge(&auth(2), json!({"pha": true})),
        with_cert("client.pem", json!({})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "post-handshake auth over TLS 1.2",
        merge(&auth(2), json!({"pha": true})),
        with_cert("client.pem", json!({"pha": true, "max_version": "TLSv1_2"})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "post-handshake auth, server CERT_NONE",
        merge(&srv("ec.pem"), json!({"pha": true})),
        with_cert("client.pem", json!({"pha": true})),
        json!("localhost"),
        json!({}),
    );
    // SNI callbacks
    for (name, host) in [
        ("name", json!("localhost")),
        ("IP", json!("127.0.0.1")),
        ("IDN", json!("könig.example.test")),
        ("upper case", json!("LOCALHOST")),
        ("no name", Value::Null),
    ] {
        sv(
            &format!("SNI callback sees {name}"),
            rec("ec.pem"),
            no_host_check.clone(),
            host,
            json!({}),
        );
    }
    for (name, alert) in [
        ("access denied", 49),
        ("unrecognized name", 112),
        ("handshake failure", 40),
        ("internal error", 80),
    ] {
        sv(
            &format!("SNI callback alert {name}"),
            merge(
                &srv("ec.pem"),
                json!({"sni": {"mode": "alert", "alert": alert}}),
            ),
            trust.clone(),
            json!("localhost"),
            json!({}),
        );
    }
    let switch = json!({"mode": "switch", "cert": f("other.pem")});
    sv(
        "SNI callback switches context",
        merge(&srv("ec.pem"), json!({"sni": switch})),
        trust.clone(),
        json!("other.example.test"),
        json!({}),
    );
    // A server accepting only P-384 answers the client's X25519 key share with a
    // HelloRetryRequest: the second ClientHello meets the context switched to, which has no
    // callback, so OpenSSL falls back to the first context's (gh-156293).
    sv(
        "SNI callback switches context, HelloRetryRequest",
        merge(
            &srv("ec.pem"),
            json!({"sni": switch, "ecdh_curve": "secp384r1"}),
        ),
        trust.clone(),
        json!("other.example.test"),
        json!({}),
    );
    sv(
        "SNI callback switches context, old name",
        merge(&srv("ec.pem"), json!({"sni": switch})),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "SNI callback switches to context without cert",
        merge(&json!({}), json!({"sni": switch})),
        trust.clone(),
        json!("other.example.test"),
        json!({}),
    );
    sv(
        "SNI callback raises",
        merge(&srv("ec.pem"), json!({"sni": {"mode": "raise"}})),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    // ALPN selection by the server under test
    for (name, mine, theirs) in [
        ("overlap", json!(["http/1.1", "h2"]), json!(["h2"])),
        (
            "client order ignored",
            json!(["http/1.1", "h2"]),
            json!(["h2", "http/1.1"]),
        ),
        ("no overlap", json!(["foo"]), json!(["h2"])),
        ("client none", json!(["h2"]), Value::Null),
    ] {
        let mut peer = trust.clone();
        if !theirs.is_null() {
            peer["alpn"] = theirs;
        }
        sv(
            &format!("server ALPN {name}"),
            merge(&srv("ec.pem"), json!({"alpn": mine})),
            peer,
            json!("localhost"),
            json!({}),
        );
    }
    // versions and ciphers
    sv(
        "server 1.3 only, client 1.2",
        merge(&srv("ec.pem"), json!({"min_version": "TLSv1_3"})),
        tls12.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "server 1.2 only, client 1.3",
        merge(&srv("ec.pem"), json!({"max_version": "TLSv1_2"})),
        merge(&trust, json!({"min_version": "TLSv1_3"})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "server ciphers AES128 only",
        merge(
            &srv("rsa.pem"),
            json!({"ciphers": "ECDHE+AES128", "max_version": "TLSv1_2"}),
        ),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "server/client no shared cipher",
        merge(
            &srv("rsa.pem"),
            json!({"ciphers": "ECDHE+AES128", "max_version": "TLSv1_2"}),
        ),
        merge(&tls12, json!({"ciphers": "ECDHE+AES256"})),
        json!("localhost"),
        json!({}),
    );
    sv(
        "server ECDSA cert, RSA-only client suites",
        srv("ec.pem"),
        merge(&tls12, json!({"ciphers": "ECDHE-RSA-AES128-GCM-SHA256"})),
        json!("localhost"),
        json!({}),
    );
    // resumption by a CPython client
    sv(
        "resumed by client, TLS 1.3",
        srv("ec.pem"),
        trust.clone(),
        json!("localhost"),
        json!({"resume": true}),
    );
    sv(
        "resumed by client, TLS 1.2",
        srv("ec.pem"),
        tls12.clone(),
        json!("localhost"),
        json!({"resume": true}),
    );
    // wrong contexts and broken peers
    sv(
        "server socket from a client context",
        json!({"purpose": "server_auth", "cert": f("ec.pem")}),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    sv(
        "server context with check_hostname",
        merge(&srv("ec.pem"), json!({"check_hostname": true})),
        trust.clone(),
        json!("localhost"),
        json!({}),
    );
    for raw in ["close", "garbage"] {
        sv(
            &format!("raw peer client: {raw}"),
            srv("ec.pem"),
            json!({"raw": raw}),
            Value::Null,
            json!({}),
        );
    }
    for (cert, host) in [
        ("keycert3.pem", "localhost"),
        ("keycertecc.pem", "localhost-ecc"),
        ("allsans.pem", "127.0.0.1"),
    ] {
        sv(
            &format!("serve certdata {cert}"),
            json!({"cert": cd(cert)}),
            pyca.clone(),
            json!(host),
            json!({}),
        );
    }
    super::scenarios_io::add(c, &mut client, &mut server);
    Scenarios { client, server }
}
