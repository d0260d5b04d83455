//! `apply_profile_defaults` against live CPython: a rust-openssl builder given a profile's
//! defaults must read back what `ssl.create_default_context(purpose)` of that release reads
//! back (options, verify mode, verify flags, minimum and maximum version), for every
//! interpreter and both purposes, starting from rust-openssl's own presets (which set options
//! and versions of their own that CPython's context does not have).

mod common;

use openssl::ssl::{
    SslAcceptor, SslConnector, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion,
};
use pyssl::{Profile, Purpose};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, ssl
out = {}
for name in ("SERVER_AUTH", "CLIENT_AUTH"):
    ctx = ssl.create_default_context(getattr(ssl.Purpose, name))
    out[name] = {
        "options": int(ctx.options) & (2**64 - 1),
        "verify_mode": int(ctx.verify_mode),
        "verify_flags": int(ctx.verify_flags),
        "minimum_version": int(ctx.minimum_version),
        "maximum_version": int(ctx.maximum_version),
    }
print(json.dumps(out))
"#;

/// Python's `TLSVersion` integer for a builder's version bound (`MINIMUM_SUPPORTED` is -2,
/// `MAXIMUM_SUPPORTED` -1, which is what an unset bound reads as).
fn version(v: Option<SslVersion>, unset: i64) -> i64 {
    match v {
        None => unset,
        Some(v) if v == SslVersion::SSL3 => 0x300,
        Some(v) if v == SslVersion::TLS1 => 0x301,
        Some(v) if v == SslVersion::TLS1_1 => 0x302,
        Some(v) if v == SslVersion::TLS1_2 => 0x303,
        Some(v) if v == SslVersion::TLS1_3 => 0x304,
        Some(_) => panic!("unexpected protocol version"),
    }
}

/// What the builder reads back (all but the verify mode, which only a built context shows).
fn read_back(b: &mut SslContextBuilder) -> Value {
    let flags = b.verify_param_mut().flags().bits();
    json!({
        "options": b.options().bits(),
        "verify_flags": flags,
        "minimum_version": version(b.min_proto_version(), -2),
        "maximum_version": version(b.max_proto_version(), -1),
    })
}

/// CPython's reading of SSL_VERIFY_PEER (1) and FAIL_IF_NO_PEER_CERT (2).
fn verify_mode(mode: SslVerifyMode) -> Value {
    json!(match mode.bits() {
        0 => 0,
        1 => 1,
        3 => 2,
        other => panic!("verify mode {other}"),
    })
}

/// A rust-openssl acceptor preset (`SslAcceptor::mozilla_*`).
type Preset = fn(SslMethod) -> Result<openssl::ssl::SslAcceptorBuilder, openssl::error::ErrorStack>;

fn check(version_name: &str, profile: Profile) {
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let python = oracle.run_json(SCRIPT, &[], "");
    let mut client = SslConnector::builder(SslMethod::tls_client()).unwrap();
    pyssl::apply_profile_defaults(&mut client, Purpose::SERVER_AUTH, profile).unwrap();
    let mut ours = json!({"SERVER_AUTH": read_back(&mut client)});
    ours["SERVER_AUTH"]["verify_mode"] = verify_mode(client.build().context().verify_mode());
    // Every acceptor preset, whatever versions and options it set, ends as CPython's server.
    let presets: [(&str, Preset); 3] = [
        (
            "mozilla_intermediate_v5",
            SslAcceptor::mozilla_intermediate_v5,
        ),
        ("mozilla_modern_v5", SslAcceptor::mozilla_modern_v5),
        ("mozilla_intermediate", SslAcceptor::mozilla_intermediate),
    ];
    for (name, preset) in presets {
        let mut server = preset(SslMethod::tls_server()).unwrap();
        pyssl::apply_profile_defaults(&mut server, Purpose::CLIENT_AUTH, profile).unwrap();
        ours["CLIENT_AUTH"] = read_back(&mut server);
        ours["CLIENT_AUTH"]["verify_mode"] = verify_mode(server.build().context().verify_mode());
        assert_eq!(ours, python, "CPython {version_name}, {name}");
    }
}

#[test]
fn builder_defaults_match_cpython_per_release() {
    for profile in common::compared_profiles() {
        check(&profile.release(), profile);
    }
}
