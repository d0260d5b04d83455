//! Scenarios for what surrounds the handshake: socket timeouts, key logging through real
//! connections, session misuse, and connections run through `wrap_bio` (`SSLObject`) over a
//! socket, including its hostname checks and pyssl's one documented divergence.
//! Key logging (`keylog_filename`) exists from 3.8 on, so its scenarios carry `"since"`.

use serde_json::{Value, json};

use super::certs::CertDir;
use super::scenarios::merge;

/// The socket timeout of the timeout scenarios (seconds). Only the kind of outcome is
/// compared, never how long anything took.
const SHORT: f64 = 0.3;

/// `wrap_bio` with `check_hostname` on and no `server_hostname`: CPython verifies the chain
/// but no name; pyssl refuses unless `BioOptions::allow_unchecked_hostname` is set.
const DIVERGENCE: &str = "pyssl's wrap_bio refuses check_hostname without server_hostname \
    (ValueError, as wrap_socket); CPython silently skips the hostname check; \
    BioOptions::allow_unchecked_hostname restores CPython's behaviour";

pub fn add(c: &CertDir, client: &mut Vec<Value>, server: &mut Vec<Value>) {
    let f = |n: &str| c.file(n);
    let trust = json!({"cafile": f("root.crt")});
    let tls12 = merge(&trust, json!({"max_version": "TLSv1_2"}));
    let srv = |cert: &str| json!({"cert": f(cert)});
    let mut cl = |name: &str, me: Value, peer: Value, host: Value, extra: Value| {
        let s = json!({"name": name, "role": "client", "me": me, "peer": peer,
            "server_hostname": host});
        client.push(merge(&s, extra));
    };
    let timed = |base: &Value, extra: Value| merge(&merge(base, json!({"timeout": SHORT})), extra);

    // -- socket timeouts: a Rust transport timeout is Python's socket timeout ----------------
    for (v, base) in [("1.3", &trust), ("1.2", &tls12)] {
        cl(
            &format!("timeout: handshake, silent server, TLS {v}"),
            timed(base, json!({})),
            json!({"raw": "silent"}),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("timeout: read times out, then the connection goes on, TLS {v}"),
            timed(base, json!({"flow": "probe"})),
            merge(&srv("ec.pem"), json!({"hold": true})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("timeout: read, stalled server, TLS {v}"),
            timed(base, json!({})),
            merge(&srv("ec.pem"), json!({"stall": true})),
            json!("localhost"),
            json!({}),
        );
        cl(
            &format!("timeout: write, server never reads, TLS {v}"),
            timed(base, json!({"flow": "flood"})),
            merge(&srv("ec.pem"), json!({"stall": true})),
            json!("localhost"),
            json!({}),
        );
    }
    cl(
        "timeout: generous, normal connection",
        merge(&trust, json!({"timeout": 5.0})),
        srv("ec.pem"),
        json!("localhost"),
        json!({}),
    );

    // -- key logging through real connections -------------------------------------------------
    let mut n = 0;
    let mut keylog = |name: &str, me: Value, peer: Value, extra: Value| {
        n += 1;
        let peer_log = f(&format!("peer-keys-{n}.log"));
        cl(
            &format!("keylog: {name}"),
            merge(&me, json!({"keylog": f(&format!("client-keys-{n}"))})),
            merge(&peer, json!({"keylog_path": peer_log})),
            json!("localhost"),
            merge(&extra, json!({"peer_keylog": peer_log, "since": [3, 8]})),
        );
    };
    keylog("TLS 1.3", trust.clone(), srv("ec.pem"), json!({}));
    keylog("TLS 1.2", tls12.clone(), srv("rsa.pem"), json!({}));
    keylog(
        "TLS 1.3 resumption",
        trust.clone(),
        srv("ec.pem"),
        json!({"resume": true}),
    );
    keylog(
        "TLS 1.2 resumption",
        tls12.clone(),
        srv("ec.pem"),
        json!({"resume": true}),
    );
    keylog(
        "TLS 1.3 with a client certificate",
        merge(&trust, json!({"cert": f("client.pem")})),
        json!({"cert": f("ec.pem"), "cafile": f("root.crt"), "verify_mode": 2}),
        json!({}),
    );
    keylog(
        "failed verification",
        trust.clone(),
        srv("unknownca.pem"),
        json!({}),
    );
    keylog(
        "through wrap_bio",
        merge(&trust, json!({"bio": true})),
        srv("ec.pem"),
        json!({}),
    );

    // -- session misuse -----------------------------------------------------------------------
    for (mode, what) in [
        ("other_context", "session from another context"),
        ("after_handshake", "session set after the handshake"),
    ] {
        for (bio, how) in [(false, "wrap_socket"), (true, "wrap_bio")] {
            cl(
                &format!("session misuse: {what}, {how}"),
                merge(&trust, json!({"resume_mode": mode, "bio": bio})),
                srv("ec.pem"),
                json!("localhost"),
                json!({"resume": true}),
            );
        }
    }
    for (v, base) in [("1.3", &trust), ("1.2", &tls12)] {
        cl(
            &format!("resumption through wrap_bio, TLS {v}"),
            merge(base, json!({"bio": true})),
            srv("ec.pem"),
            json!("localhost"),
            json!({"resume": true}),
        );
    }

    // -- hostname checks through wrap_bio (SSLObject) --------------------------------------------
    let bio = merge(&trust, json!({"bio": true}));
    for (cert, hosts) in [
        (
            "ec.pem",
            &["localhost", "example.com", "127.0.0.1", "127.0.0.2", "::1"][..],
        ),
        ("ip.pem", &["127.0.0.1", "::1", "localhost"][..]),
        ("wildcard.pem", &["a.example.test", "a.b.example.test"][..]),
        ("partial.pem", &["foo.example.test"][..]),
        (
            "idn.pem",
            &["könig.example.test", "xn--knig-5qa.example.test"][..],
        ),
        ("cnonly.pem", &["localhost"][..]),
        ("unknownca.pem", &["localhost"][..]),
        ("expired.pem", &["localhost"][..]),
    ] {
        for h in hosts {
            cl(
                &format!("wrap_bio: verify {cert} as {h}"),
                bio.clone(),
                srv(cert),
                json!(h),
                json!({}),
            );
        }
    }
    for (name, host) in [
        ("empty", json!("")),
        ("NUL byte", json!("local\u{0}host")),
        ("leading dot", json!(".localhost")),
        ("bytes", json!({"bytes": "6c6f63616c686f7374"})),
    ] {
        cl(
            &format!("wrap_bio: server_hostname {name}"),
            bio.clone(),
            srv("ec.pem"),
            host,
            json!({}),
        );
    }
    cl(
        "wrap_bio: check_hostname off, wrong name",
        merge(&bio, json!({"check_hostname": false})),
        srv("ec.pem"),
        json!("example.com"),
        json!({}),
    );
    cl(
        "wrap_bio: check_hostname off, no name",
        merge(&bio, json!({"check_hostname": false})),
        srv("ec.pem"),
        Value::Null,
        json!({}),
    );
    cl(
        "wrap_bio: hostname_checks_common_name off, CN-only",
        merge(&bio, json!({"hostname_checks_common_name": false})),
        srv("cnonly.pem"),
        json!("localhost"),
        json!({}),
    );
    let refused = json!({
        "wrap": {"type": "ValueError", "str": "check_hostname requires server_hostname",
                 "errno": null, "library": null, "reason": null, "verify_code": null,
                 "verify_message": null, "args": ["check_hostname requires server_hostname"],
                 "strerror": null},
        "handshake": null,
    });
    for cert in ["ec.pem", "other.pem", "unknownca.pem"] {
        cl(
            &format!("wrap_bio: check_hostname on, no server_hostname, {cert}"),
            bio.clone(),
            srv(cert),
            Value::Null,
            json!({"pyssl_diverges": {"me": refused, "why": DIVERGENCE}}),
        );
        cl(
            &format!("wrap_bio: check_hostname on, no server_hostname, {cert}, opt-in"),
            merge(&bio, json!({"allow_unchecked_hostname": true})),
            srv(cert),
            Value::Null,
            json!({}),
        );
    }

    // == server role =============================================================================
    let mut sv = |name: &str, me: Value, peer: Value, extra: Value| {
        let s = json!({"name": name, "role": "server", "me": me, "peer": peer,
            "peer_hostname": "localhost"});
        server.push(merge(&s, extra));
    };
    sv(
        "timeout: server handshake, silent client",
        timed(&srv("ec.pem"), json!({})),
        json!({"raw": "silent"}),
        json!({}),
    );
    for (v, peer) in [("1.3", &trust), ("1.2", &tls12)] {
        sv(
            &format!("timeout: server read times out, then greets, TLS {v}"),
            timed(&srv("ec.pem"), json!({"flow": "probe"})),
            peer.clone(),
            json!({}),
        );
    }
    for (i, (v, peer)) in [("1.3", &trust), ("1.2", &tls12)].into_iter().enumerate() {
        let peer_log = f(&format!("peer-client-keys-{i}.log"));
        sv(
            &format!("keylog: server, TLS {v}"),
            merge(
                &srv("ec.pem"),
                json!({"keylog": f(&format!("server-keys-{i}"))}),
            ),
            merge(peer, json!({"keylog_path": peer_log})),
            json!({"peer_keylog": peer_log, "since": [3, 8]}),
        );
    }
    for (bio, how) in [(false, "server socket"), (true, "server SSLObject")] {
        sv(
            &format!("session misuse: session given to a {how}"),
            merge(
                &srv("ec.pem"),
                json!({"resume_mode": "server_wrap", "bio": bio}),
            ),
            trust.clone(),
            json!({"resume": true}),
        );
        sv(
            &format!("session misuse: session set on a {how} after the handshake"),
            merge(
                &srv("ec.pem"),
                json!({"resume_mode": "server_set", "bio": bio}),
            ),
            trust.clone(),
            json!({}),
        );
    }
    let auth = |mode: i64| json!({"cert": f("ec.pem"), "cafile": f("root.crt"), "verify_mode": mode, "bio": true});
    let with_cert = |v: &Value| merge(v, json!({"cert": f("client.pem")}));
    for (v, peer) in [("1.3", &trust), ("1.2", &tls12)] {
        sv(
            &format!("wrap_bio server, TLS {v}"),
            merge(&srv("ec.pem"), json!({"bio": true})),
            peer.clone(),
            json!({}),
        );
        sv(
            &format!("wrap_bio server, client cert required and given, TLS {v}"),
            auth(2),
            with_cert(peer),
            json!({}),
        );
        sv(
            &format!("wrap_bio server, client cert required and missing, TLS {v}"),
            auth(2),
            peer.clone(),
            json!({}),
        );
        sv(
            &format!("wrap_bio server, resumed by the client, TLS {v}"),
            merge(&srv("ec.pem"), json!({"bio": true})),
            peer.clone(),
            json!({"resume": true}),
        );
    }
}
