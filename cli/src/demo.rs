//! `pyssl demo`: pyssl's main job in one offline run. It makes a throwaway CA and server
//! certificate in memory, serves TLS on 127.0.0.1 with pyssl, connects with
//! `create_default_context(cadata=CA)`, prints what Python would print, then shows a hostname
//! mismatch failing exactly as CPython reports it and the `options &= ~OP_NO_SSLv3` tweak.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::sync::Arc;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use pyssl::{CaData, CreateOptions, OP_NO_SSLv3, Purpose};

use crate::connect::{connect_json, human};
use crate::{Failure, Output};

/// A CA (`issuer` None; `critical`: its basicConstraints marked critical) or a `localhost`
/// leaf under `issuer`.
fn certificate(
    cn: &str,
    issuer: Option<(&X509, &PKey<Private>)>,
    serial: u32,
    critical: bool,
) -> Result<(X509, PKey<Private>), openssl::error::ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("O", "pyssl demo")?;
    name.append_entry_by_text("CN", cn)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    b.set_serial_number(&*BigNum::from_u32(serial)?.to_asn1_integer()?)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))?;
    b.set_pubkey(&key)?;
    b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    b.set_not_after(&*Asn1Time::days_from_now(1)?)?;
    if issuer.is_none() {
        let mut bc = BasicConstraints::new();
        if critical {
            bc.critical();
        }
        b.append_extension(bc.ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
    } else {
        b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))?;
        b.append_extension(san)?;
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    if let Some((ca, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(ca), None))?;
        b.append_extension(aki)?;
    }
    b.sign(issuer.map_or(&key, |(_, k)| k), MessageDigest::sha256())?;
    Ok((b.build(), key))
}

fn ossl(e: openssl::error::ErrorStack) -> Failure {
    Failure::Output(format!("cannot make the demo certificates: {e}"))
}

/// Arguments of `pyssl demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: crate::inputs::ProfileArgs,
}

/// `server.load_cert_chain(f)` of a throwaway file holding `leaf` and its key, as a Python
/// server loads its certificate; the file is gone afterwards.
fn load_leaf(
    server: &pyssl::SslContext,
    leaf: &X509,
    key: &PKey<Private>,
    tag: &str,
) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("pyssl-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::Output(e.to_string()))?;
    let certfile = dir.join("server.pem");
    let mut pem = leaf.to_pem().map_err(ossl)?;
    pem.extend(key.private_key_to_pem_pkcs8().map_err(ossl)?);
    let written = std::fs::write(&certfile, pem).map_err(|e| Failure::Output(e.to_string()));
    let loaded = written.and_then(|()| Ok(server.load_cert_chain(&certfile, None, None)?));
    let _ = std::fs::remove_dir_all(&dir);
    loaded
}

/// Run `pyssl demo`.
pub fn run(args: &DemoArgs) -> Result<Output, Failure> {
    let profile = args.profile.resolve();
    let (ca, ca_key) = certificate("pyssl demo CA", None, 1, true).map_err(ossl)?;
    let (leaf, leaf_key) = certificate("localhost", Some((&ca, &ca_key)), 2, true).map_err(ossl)?;
    let ca_pem = String::from_utf8_lossy(&ca.to_pem().map_err(ossl)?).into_owned();

    // The server: ssl.create_default_context(ssl.Purpose.CLIENT_AUTH) + load_cert_chain.
    let server = Arc::new(pyssl::create_default_context_with(
        Purpose::CLIENT_AUTH,
        CreateOptions {
            profile,
            ..CreateOptions::default()
        },
    )?);
    load_leaf(&server, &leaf, &leaf_key, "demo")?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::Python(pyssl::Error::os(e.raw_os_error().unwrap_or(0), None)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Output(e.to_string()))?;
    let srv = std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((sock, _)) = listener.accept() else {
                return;
            };
            if let Ok(mut s) = server.wrap_socket(sock, true, None) {
                let _ = s.sendall(crate::serve::GREETING);
            }
        }
    });

    // The client: ssl.create_default_context(cadata=CA).
    let opts = CreateOptions {
        cadata: Some(CaData::Pem(&ca_pem)),
        profile,
        ..CreateOptions::default()
    };
    let ctx = Arc::new(pyssl::create_default_context_with(
        Purpose::SERVER_AUTH,
        opts,
    )?);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# pyssl {} reproducing CPython {} on {}",
        env!("CARGO_PKG_VERSION"),
        ctx.profile().release(),
        pyssl::OPENSSL_VERSION.as_str()
    );
    let _ = writeln!(
        t,
        "# Offline: a throwaway CA and a 'localhost' certificate, served on {addr}.\n"
    );
    let _ = writeln!(t, ">>> ctx = ssl.create_default_context(cadata=ca_pem)");
    let _ = writeln!(
        t,
        ">>> s = ctx.wrap_socket(socket.create_connection(addr), server_hostname='localhost')"
    );
    t += &human(&connect_json(&ctx, &addr.to_string(), Some("localhost")));
    let _ = writeln!(
        t,
        "\n>>> ctx.wrap_socket(socket.create_connection(addr), server_hostname='example.com')"
    );
    let out = connect_json(&ctx, &addr.to_string(), Some("example.com"));
    let e = &out["error"];
    let _ = writeln!(
        t,
        "ssl.{}: {}",
        e["type"].as_str().unwrap_or(""),
        e["message"].as_str().unwrap_or("")
    );
    let _ = writeln!(t, ">>> e.verify_code, e.verify_message");
    let _ = writeln!(
        t,
        "({}, {:?})",
        e["verify_code"],
        e["verify_message"].as_str().unwrap_or("")
    );
    let _ = srv.join();

    let _ = writeln!(t, "\n>>> hex(ctx.options)");
    let _ = writeln!(t, "'{:#x}'", ctx.options().bits());
    ctx.set_options(ctx.options() & !OP_NO_SSLv3)?;
    let _ = writeln!(t, ">>> ctx.options &= ~ssl.OP_NO_SSLv3; hex(ctx.options)");
    let _ = writeln!(t, "'{:#x}'", ctx.options().bits());
    let _ = writeln!(t, ">>> bool(ctx.options & ssl.OP_NO_SSLv3)");
    let _ = writeln!(
        t,
        "{}",
        if ctx.options().contains(OP_NO_SSLv3) {
            "True"
        } else {
            "False"
        }
    );
    t += &verdicts_tour(profile.ssl_default_suites)?;
    Ok(Output::success(t))
}

/// `pyssl verdicts` against a second throwaway server, whose CA does not mark its
/// basicConstraints critical: every release asked, the change at 3.13 explained.
fn verdicts_tour(suites: pyssl::SslDefaultSuites) -> Result<String, Failure> {
    let (ca, ca_key) = certificate(
        "pyssl demo CA, basicConstraints not critical",
        None,
        3,
        false,
    )
    .map_err(ossl)?;
    let (leaf, leaf_key) = certificate("localhost", Some((&ca, &ca_key)), 4, true).map_err(ossl)?;
    let server = pyssl::SslContext::new(pyssl::PROTOCOL_TLS_SERVER)?;
    load_leaf(&server, &leaf, &leaf_key, "verdicts")?;
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::Python(pyssl::Error::os(e.raw_os_error().unwrap_or(0), None)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Output(e.to_string()))?
        .to_string();
    // Serves until the demo ends (the process exits with it).
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            if let Ok(mut s) = server.wrap_socket(sock, true, None) {
                let _ = s.sendall(crate::serve::GREETING);
            }
        }
    });
    let ca_pem = String::from_utf8_lossy(&ca.to_pem().map_err(ossl)?).into_owned();
    let trust = pyssl::verdicts::Trust {
        cadata_pem: Some(&ca_pem),
        ..Default::default()
    };
    let peer = pyssl::verdicts::Peer::Server {
        addr: &addr,
        server_hostname: Some("localhost"),
    };
    let profiles: Vec<pyssl::Profile> = pyssl::Profile::ALL
        .iter()
        .map(|p| p.with_ssl_default_suites(suites))
        .collect();
    let rows = pyssl::verdicts::verdicts(&peer, &trust, &profiles);
    let target = serde_json::json!({"server": addr, "server_hostname": "localhost"});
    Ok(format!(
        "\n# Which releases accept a server whose CA's basicConstraints is not critical?\n\
         $ pyssl verdicts {addr} --cadata-pem ca.pem\n{}",
        crate::verdicts::human(&rows, &target, suites, false)
    ))
}
