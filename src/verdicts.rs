//! What every CPython release would say about a server or a certificate chain, and why the
//! releases disagree (`pyssl verdicts`).
//!
//! One real handshake per [`Profile`], with the context that release's
//! `ssl.create_default_context()` makes: against a live server ([`Peer::Server`]), or in
//! memory against pyssl's own peer serving a chain ([`Peer::Chain`]). Where two neighbouring
//! releases disagree, each profile property that differs between them (verify flags, minimum
//! version, cipher string, constructor options, the intermediate-key denylist) is turned back
//! to the older release's value, one at a time, in a copy of the newer profile, and the
//! handshake is run again: a property is named as the cause only when that brings the older
//! verdict back ([`Cause::confirmed`]).
//!
//! ```python
//! # what an interpreter answers, one release at a time:
//! ctx = ssl.create_default_context(cafile="ca.pem")
//! ctx.wrap_socket(socket.create_connection(("localhost", 8443)), server_hostname="localhost")
//! ```
//! ```no_run
//! use pyssl::verdicts::{Peer, Trust, verdicts};
//! # fn main() {
//! let trust = Trust { cafile: Some("ca.pem".as_ref()), ..Trust::default() };
//! let peer = Peer::Server { addr: "localhost:8443", server_hostname: Some("localhost") };
//! for row in verdicts(&peer, &trust, pyssl::Profile::ALL) {
//!     let said = match &row.verdict.outcome {
//!         Ok(n) => format!("ok ({}, {})", n.version, n.cipher),
//!         Err(e) => format!("{}: {}", e.python_type(), e.python_str()),
//!     };
//!     println!("{}: {said}", row.verdict.profile.release());
//! }
//! # }
//! ```
//!
//! A chain without its leaf's key is verified through a stand-in: the peer presents a
//! throwaway certificate (so the handshake can complete), and the verifying side checks the
//! given chain in its place, at the point of the handshake where OpenSSL verifies the peer's,
//! with every setting of that connection (trust store, flags, host name, security level,
//! denylist). With the key, the peer serves the chain itself.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::{X509, X509Builder, X509NameBuilder};

use crate::callbacks::{StandInChain, install_stand_in_chain};
use crate::constants::{Options, Purpose, TlsVersion, VerifyFlags, VerifyMode};
use crate::context::{CreateOptions, SslContext, create_default_context_with};
use crate::error::{Error, ErrorKind, Result};
use crate::profiles::{Profile, SslDefaultSuites};
use crate::values::CaData;
use crate::{MemoryBio, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SslObject};

/// How long a connection to a server may take to connect, and each read or write after.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Who is asked: a server on the network, or a chain served in memory.
#[derive(Debug, Clone, Copy)]
pub enum Peer<'a> {
    /// `HOST:PORT`, checked for `server_hostname` (`None`: no SNI and `check_hostname` off, as
    /// Python requires of `server_hostname=None`).
    Server {
        /// `"host:port"`.
        addr: &'a str,
        /// `server_hostname=`.
        server_hostname: Option<&'a str>,
    },
    /// A chain, served by pyssl's own peer.
    Chain(&'a Chain),
}

/// A certificate chain to judge without a server.
#[derive(Clone)]
pub struct Chain {
    /// The leaf first, then the certificates its holder would send with it.
    pub certs: Vec<X509>,
    /// More certificates the peer sends (intermediates from another file).
    pub untrusted: Vec<X509>,
    /// The leaf's private key: with it the peer serves the chain itself; without it, a
    /// stand-in certificate (see the module's documentation).
    pub key: Option<PKey<Private>>,
    /// The name to check (`server_hostname=`); `None` checks the chain only
    /// (`check_hostname = False`).
    pub hostname: Option<String>,
    /// `SERVER_AUTH`: judged as a client judges a server; `CLIENT_AUTH`: as a server with
    /// `verify_mode = CERT_REQUIRED` judges a client's certificate.
    pub purpose: Purpose,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("certs", &self.certs.len())
            .field("untrusted", &self.untrusted.len())
            .field("key", &self.key.is_some())
            .field("hostname", &self.hostname)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// The arguments of `create_default_context(cafile=, capath=, cadata=)`, and the verifier's
/// own certificate (`load_cert_chain`), if it presents one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trust<'a> {
    /// `cafile=`.
    pub cafile: Option<&'a Path>,
    /// `capath=`.
    pub capath: Option<&'a Path>,
    /// `cadata=` as PEM text.
    pub cadata_pem: Option<&'a str>,
    /// `ctx.load_cert_chain(cert, key)` on the verifying side.
    pub cert: Option<&'a Path>,
    /// The key file for `cert`.
    pub key: Option<&'a Path>,
}

/// What a handshake that succeeded negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// `version()`: `"TLSv1.3"`.
    pub version: String,
    /// `cipher()[0]`: `"TLS_AES_256_GCM_SHA384"`.
    pub cipher: String,
}

/// One release's answer.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The release (and build flavour) asked.
    pub profile: Profile,
    /// What the handshake gave: what was negotiated, or the exception that release raises.
    pub outcome: Result<Negotiated>,
}

impl Verdict {
    /// Whether `other` is the same verdict: both accepted, or both raised the same exception
    /// (class and `str()`); what was negotiated is not part of it.
    pub fn agrees_with(&self, other: &Verdict) -> bool {
        match (&self.outcome, &other.outcome) {
            (Ok(_), Ok(_)) => true,
            (Err(a), Err(b)) => {
                a.python_type() == b.python_type() && a.python_str() == b.python_str()
            }
            _ => false,
        }
    }
}

/// A property of [`Profile`] that differs between two releases and can change a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Property {
    /// One flag `create_default_context()` adds to `verify_flags` (`added` by the newer).
    VerifyFlag {
        /// The flag.
        flag: VerifyFlags,
        /// Whether the newer release has it and the older not.
        added: bool,
    },
    /// The constructor's `minimum_version` (`None`: OpenSSL's own, `MINIMUM_SUPPORTED`).
    MinimumVersion {
        /// The older release's.
        from: Option<TlsVersion>,
        /// The newer release's.
        to: Option<TlsVersion>,
    },
    /// The constructor's cipher string (`None`: OpenSSL's default list, as in Debian's builds).
    CipherString {
        /// The older release's.
        from: Option<&'static str>,
        /// The newer release's.
        to: Option<&'static str>,
    },
    /// Options the constructor sets.
    Options {
        /// The older release's extra options.
        from: Options,
        /// The newer release's.
        to: Options,
    },
    /// CPython's denylist of compromised intermediate keys (gh-160040).
    KeyDenylist {
        /// Whether the newer release has it.
        added: bool,
    },
    /// How the release words a failure: its `[LIB: REASON]` tables
    /// ([`Profile::error_names`]), which exception an unexpected EOF or a failed system call
    /// becomes, `unknown error (0x…)`. The same failure then reads differently.
    ErrorWording,
}

fn version_name(v: Option<TlsVersion>) -> &'static str {
    v.and_then(TlsVersion::name).unwrap_or("MINIMUM_SUPPORTED")
}

fn flag_names(flags: VerifyFlags) -> String {
    let names: Vec<String> = flags
        .iter_names()
        .map(|(n, _)| format!("VERIFY_{n}"))
        .collect();
    names.join(" | ")
}

impl Property {
    /// Every property that differs between `older` and `newer`, in the order a verdict is
    /// most likely to depend on them.
    pub fn differences(older: &Profile, newer: &Profile) -> Vec<Property> {
        let mut out = Vec::new();
        if older.key_denylist != newer.key_denylist {
            out.push(Property::KeyDenylist {
                added: newer.key_denylist,
            });
        }
        let (a, b) = (
            older.default_context_verify_flags,
            newer.default_context_verify_flags,
        );
        for (_, flag) in (a ^ b).iter_names() {
            out.push(Property::VerifyFlag {
                flag,
                added: b.contains(flag),
            });
        }
        let (from, to) = (
            older.constructor_minimum_version(),
            newer.constructor_minimum_version(),
        );
        if from != to {
            out.push(Property::MinimumVersion { from, to });
        }
        let (from, to) = (
            older.constructor_cipher_string(),
            newer.constructor_cipher_string(),
        );
        if from != to {
            out.push(Property::CipherString { from, to });
        }
        if older.extra_options != newer.extra_options {
            out.push(Property::Options {
                from: older.extra_options,
                to: newer.extra_options,
            });
        }
        if wording(older) != wording(newer) {
            out.push(Property::ErrorWording);
        }
        out
    }

    /// `newer` with this property as `older` has it.
    pub fn revert(&self, newer: Profile, older: &Profile) -> Profile {
        let mut p = newer;
        match *self {
            Property::VerifyFlag { flag, .. } => {
                p.default_context_verify_flags
                    .set(flag, older.default_context_verify_flags.contains(flag));
            }
            Property::MinimumVersion { .. } => {
                p.default_minimum_version = older.constructor_minimum_version();
                if p.ssl_default_suites == SslDefaultSuites::OpenSsl {
                    // The OpenSSL flavour sets no minimum of its own: the older one's is set
                    // through the upstream flavour with the older release's cipher string.
                    p.ssl_default_suites = SslDefaultSuites::Python;
                    p.default_cipher_string = match newer.constructor_cipher_string() {
                        Some(s) => s,
                        None => "DEFAULT",
                    };
                }
            }
            Property::CipherString { .. } => match older.constructor_cipher_string() {
                Some(s) => {
                    if p.ssl_default_suites == SslDefaultSuites::OpenSsl {
                        p.ssl_default_suites = SslDefaultSuites::Python;
                        p.default_minimum_version = None;
                    }
                    p.default_cipher_string = s;
                }
                None => {
                    // Back to OpenSSL's list, keeping the newer release's minimum.
                    p.default_cipher_string = "DEFAULT";
                }
            },
            Property::Options { .. } => p.extra_options = older.extra_options,
            Property::KeyDenylist { .. } => p.key_denylist = older.key_denylist,
            Property::ErrorWording => {
                p.error_names = older.error_names;
                p.unknown_error_shows_code = older.unknown_error_shows_code;
                p.unexpected_eof_is_eof_error = older.unexpected_eof_is_eof_error;
                p.syscall_errno_first = older.syscall_errno_first;
                p.messages = older.messages;
            }
        }
        p
    }

    /// What `release` (the newer) changed: "3.13.0 adds VERIFY_X509_STRICT".
    pub fn describe(&self, release: &str) -> String {
        match *self {
            Property::VerifyFlag { flag, added: true } => {
                format!(
                    "{release} adds {} to create_default_context()'s verify_flags",
                    flag_names(flag)
                )
            }
            Property::VerifyFlag { flag, added: false } => {
                format!("{release} no longer sets {}", flag_names(flag))
            }
            Property::MinimumVersion { from, to } => format!(
                "{release} sets minimum_version {} (was {})",
                version_name(to),
                version_name(from)
            ),
            Property::CipherString { from, to } => format!(
                "{release} sets the cipher string {} (was {})",
                cipher_label(to),
                cipher_label(from)
            ),
            Property::Options { from, to } => format!(
                "{release} sets options {:#x} beyond the common ones (was {:#x})",
                to.bits(),
                from.bits()
            ),
            Property::KeyDenylist { added: true } => format!(
                "{release} refuses chains holding a denylisted intermediate key (gh-160040)"
            ),
            Property::KeyDenylist { added: false } => {
                format!("{release} has no intermediate-key denylist")
            }
            Property::ErrorWording => format!(
                "the same failure, worded as {release} words it (error-name tables, exception classes)"
            ),
        }
    }

    /// The one-line tweak that gives a context of the newer release the older one's value,
    /// in Python; `None` where no setting exists (the denylist cannot be turned off).
    pub fn python_tweak(&self) -> Option<String> {
        match *self {
            Property::VerifyFlag { flag, added: true } => {
                Some(format!("ctx.verify_flags &= ~ssl.{}", flag_names(flag)))
            }
            Property::VerifyFlag { flag, added: false } => {
                Some(format!("ctx.verify_flags |= ssl.{}", flag_names(flag)))
            }
            Property::MinimumVersion { from, .. } => Some(format!(
                "ctx.minimum_version = ssl.TLSVersion.{}",
                version_name(from)
            )),
            Property::CipherString { from, .. } => {
                Some(format!("ctx.set_ciphers({:?})", from.unwrap_or("DEFAULT")))
            }
            Property::Options { from, to } => Some(format!(
                "ctx.options = (ctx.options & ~{:#x}) | {:#x}",
                to.bits(),
                from.bits()
            )),
            Property::KeyDenylist { .. } | Property::ErrorWording => None,
        }
    }

    /// The same tweak on a pyssl context.
    pub fn rust_tweak(&self) -> Option<String> {
        let rust_flag = |flag: VerifyFlags| {
            let names: Vec<String> = flag
                .iter_names()
                .map(|(n, _)| format!("pyssl::VerifyFlags::{n}"))
                .collect();
            names.join(" | ")
        };
        match *self {
            Property::VerifyFlag { flag, added: true } => Some(format!(
                "ctx.set_verify_flags(ctx.verify_flags() - {})?;",
                rust_flag(flag)
            )),
            Property::VerifyFlag { flag, added: false } => Some(format!(
                "ctx.set_verify_flags(ctx.verify_flags() | {})?;",
                rust_flag(flag)
            )),
            Property::MinimumVersion { from, .. } => Some(format!(
                "ctx.set_minimum_version(pyssl::TlsVersion::{})?;",
                version_name(from)
            )),
            Property::CipherString { from, .. } => Some(format!(
                "ctx.set_ciphers({:?})?;",
                from.unwrap_or("DEFAULT")
            )),
            Property::Options { from, to } => Some(format!(
                "ctx.set_options((ctx.options() - pyssl::Options::from_bits_retain({:#x})) | pyssl::Options::from_bits_retain({:#x}))?;",
                to.bits(),
                from.bits()
            )),
            Property::KeyDenylist { .. } | Property::ErrorWording => None,
        }
    }
}

/// The profile fields that decide how a failure is worded ([`Property::ErrorWording`]).
fn wording(p: &Profile) -> impl PartialEq + use<> {
    (
        p.error_names,
        p.unknown_error_shows_code,
        p.unexpected_eof_is_eof_error,
        p.syscall_errno_first,
        p.messages,
    )
}

/// A cipher string as a short label: its first two entries.
fn cipher_label(s: Option<&str>) -> String {
    match s {
        None => "OpenSSL's default".into(),
        Some(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            if parts.len() > 2 {
                format!("'{}:{}:…'", parts[0], parts[1])
            } else {
                format!("'{s}'")
            }
        }
    }
}

/// One property that differs between neighbouring releases whose verdicts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    /// The property.
    pub property: Property,
    /// It belongs to the smallest set of properties that, turned back in a copy of the newer
    /// profile, gave the older verdict (alone, or with the others marked, see
    /// [`Row::jointly`]).
    pub confirmed: bool,
}

/// A release's verdict, and why it differs from the previous release's, if it does.
#[derive(Debug, Clone)]
pub struct Row {
    /// The verdict.
    pub verdict: Verdict,
    /// `None` for the first release and when the previous release agrees; otherwise every
    /// property that differs, each checked ([`Cause::confirmed`]).
    pub causes: Option<Vec<Cause>>,
    /// The confirmed causes bring the older verdict back only together (no single one does).
    pub jointly: bool,
}

/// What would fix the certificate (or the server) rather than the context, for the failures
/// whose reason says it.
pub fn certificate_fix(e: &Error) -> Option<&'static str> {
    let text = e.verify_message().unwrap_or("").to_string() + " " + e.reason().unwrap_or("");
    let fixes: &[(&str, &str)] = &[
        (
            "Basic Constraints of CA cert not marked critical",
            "mark basicConstraints critical in the CA certificate",
        ),
        (
            "Missing Authority Key Identifier",
            "give the certificate an authorityKeyIdentifier",
        ),
        (
            "Missing Subject Key Identifier",
            "give the CA certificate a subjectKeyIdentifier",
        ),
        ("key too weak", "use a 2048-bit or larger RSA key, or ECDSA"),
        (
            "digest algorithm too weak",
            "sign the certificate with SHA-256 or stronger",
        ),
        (
            "certificate rejected",
            "re-issue the chain under an intermediate key not on CPython's denylist",
        ),
        ("certificate has expired", "renew the certificate"),
        (
            "certificate is not yet valid",
            "fix the certificate's notBefore (or the clock)",
        ),
        (
            "Hostname mismatch",
            "add the name to the certificate's subjectAltName",
        ),
        (
            "IP address mismatch",
            "add the address to the certificate's subjectAltName",
        ),
        (
            "unable to get local issuer certificate",
            "trust the issuing CA, or have the server send its intermediates",
        ),
        ("self-signed certificate", "trust that certificate's CA"),
        ("PROTOCOL_VERSION", "enable TLS 1.2 or 1.3 on the server"),
        (
            "UNSUPPORTED_PROTOCOL",
            "enable TLS 1.2 or 1.3 on the server",
        ),
        (
            "HANDSHAKE_FAILURE",
            "offer an ECDHE suite with AES-GCM or ChaCha20 on the server",
        ),
    ];
    fixes
        .iter()
        .find(|(needle, _)| text.contains(needle))
        .map(|(_, fix)| *fix)
}

/// Every profile's verdict on `peer`, oldest first as given, each with the causes of its
/// difference from the previous one.
pub fn verdicts(peer: &Peer<'_>, trust: &Trust<'_>, profiles: &[Profile]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::with_capacity(profiles.len());
    for &profile in profiles {
        let verdict = verdict(peer, trust, profile);
        let (causes, jointly) = match rows.last() {
            Some(prev) if !verdict.agrees_with(&prev.verdict) => {
                let (causes, jointly) = explain(peer, trust, &prev.verdict, profile);
                (Some(causes), jointly)
            }
            _ => (None, false),
        };
        rows.push(Row {
            verdict,
            causes,
            jointly,
        });
    }
    rows
}

/// The properties that differ between `older`'s profile and `newer`, and the smallest set of
/// them that, turned back in a copy of `newer`, gives `older`'s verdict: one alone if any
/// does, else a pair, else all of them (whether it took more than one).
fn explain(
    peer: &Peer<'_>,
    trust: &Trust<'_>,
    older: &Verdict,
    newer: Profile,
) -> (Vec<Cause>, bool) {
    let props = Property::differences(&older.profile, &newer);
    let restores = |set: &[usize]| {
        let reverted = set
            .iter()
            .fold(newer, |p, &i| props[i].revert(p, &older.profile));
        verdict(peer, trust, reverted).agrees_with(older)
    };
    let n = props.len();
    let singles: Vec<usize> = (0..n).filter(|&i| restores(&[i])).collect();
    let (chosen, jointly) = if !singles.is_empty() {
        (singles, false)
    } else if let Some((i, j)) = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .find(|&(i, j)| restores(&[i, j]))
    {
        (vec![i, j], true)
    } else if n > 2 && restores(&(0..n).collect::<Vec<_>>()) {
        ((0..n).collect(), true)
    } else {
        (Vec::new(), false)
    };
    let causes = props
        .into_iter()
        .enumerate()
        .map(|(i, property)| Cause {
            property,
            confirmed: chosen.contains(&i),
        })
        .collect();
    (causes, jointly)
}

/// One release's verdict on `peer`.
pub fn verdict(peer: &Peer<'_>, trust: &Trust<'_>, profile: Profile) -> Verdict {
    let outcome = match peer {
        Peer::Server {
            addr,
            server_hostname,
        } => over_tcp(addr, *server_hostname, trust, profile),
        Peer::Chain(chain) => in_memory(chain, trust, profile),
    };
    Verdict { profile, outcome }
}

/// The verifying context: what `create_default_context(purpose, ...)` of that release makes,
/// with the verifier's own certificate if given.
fn verifier(purpose: Purpose, trust: &Trust<'_>, profile: Profile) -> Result<Arc<SslContext>> {
    let opts = CreateOptions {
        cafile: trust.cafile,
        capath: trust.capath,
        cadata: trust.cadata_pem.map(CaData::Pem),
        profile,
    };
    let ctx = create_default_context_with(purpose, opts)?;
    if let Some(cert) = trust.cert {
        ctx.load_cert_chain(cert, trust.key, None)?;
    }
    Ok(Arc::new(ctx))
}

fn negotiated(version: Option<String>, cipher: Option<crate::CipherTuple>) -> Negotiated {
    Negotiated {
        version: version.unwrap_or_default(),
        cipher: cipher.map(|c| c.0).unwrap_or_default(),
    }
}

fn over_tcp(
    addr: &str,
    server_hostname: Option<&str>,
    trust: &Trust<'_>,
    profile: Profile,
) -> Result<Negotiated> {
    let ctx = verifier(Purpose::SERVER_AUTH, trust, profile)?;
    if server_hostname.is_none() {
        ctx.set_check_hostname(false);
    }
    let mut last = None;
    let mut sock = None;
    for a in addr
        .to_socket_addrs()
        .map_err(|e| Error::from_io(&e, profile))?
    {
        match TcpStream::connect_timeout(&a, TIMEOUT) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let sock = match (sock, last) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(Error::from_io(&e, profile)),
        (None, None) => {
            return Err(Error::from_io(
                &std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
                profile,
            ));
        }
    };
    let _ = sock.set_read_timeout(Some(TIMEOUT));
    let _ = sock.set_write_timeout(Some(TIMEOUT));
    let s = ctx.wrap_socket(sock, false, server_hostname)?;
    Ok(negotiated(s.version(), s.cipher()))
}

/// A throwaway self-signed P-256 certificate and its key.
fn stand_in() -> Result<(X509, PKey<Private>)> {
    let build = || -> std::result::Result<(X509, PKey<Private>), openssl::error::ErrorStack> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_text("CN", "pyssl verdicts stand-in")?;
        let name = name.build();
        let mut b = X509Builder::new()?;
        b.set_version(2)?;
        b.set_serial_number(&*BigNum::from_u32(1)?.to_asn1_integer()?)?;
        b.set_subject_name(&name)?;
        b.set_issuer_name(&name)?;
        b.set_pubkey(&key)?;
        b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
        b.set_not_after(&*Asn1Time::days_from_now(1)?)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok((b.build(), key))
    };
    build().map_err(|e| ossl(&e))
}

fn ossl(e: &openssl::error::ErrorStack) -> Error {
    Error::from_stack(e, Profile::default().mnemonic_table())
}

/// `ctx` presents `cert` (and `extra`) with `key`.
fn present(ctx: &SslContext, cert: &X509, extra: &[X509], key: &PKey<Private>) -> Result<()> {
    ctx.with_builder_mut(|b| {
        b.set_certificate(cert)?;
        for c in extra {
            b.add_extra_chain_cert(c.clone())?;
        }
        b.set_private_key(key)?;
        b.check_private_key()
    })
    .map_err(|e| ossl(&e))
}

/// The peer's context: anything the verifier may offer is acceptable to it (every version,
/// every suite at security level 0, no preference of its own), so that only the verifier's
/// settings decide.
fn permissive_peer(server_side: bool) -> Result<Arc<SslContext>> {
    let protocol = if server_side {
        PROTOCOL_TLS_SERVER
    } else {
        PROTOCOL_TLS_CLIENT
    };
    let ctx = SslContext::with_profile(protocol, Profile::default())?;
    if !server_side {
        ctx.set_check_hostname(false);
        ctx.set_verify_mode(VerifyMode::CERT_NONE)?;
    }
    ctx.set_minimum_version(TlsVersion::MINIMUM_SUPPORTED)?;
    ctx.set_ciphers("ALL:@SECLEVEL=0")?;
    ctx.set_options(ctx.options() - Options::CIPHER_SERVER_PREFERENCE)?;
    Ok(Arc::new(ctx))
}

fn in_memory(chain: &Chain, trust: &Trust<'_>, profile: Profile) -> Result<Negotiated> {
    let leaf = chain
        .certs
        .first()
        .ok_or_else(|| Error::value("the chain holds no certificate"))?;
    let verifier_is_client = chain.purpose != Purpose::CLIENT_AUTH;
    let ctx = verifier(chain.purpose, trust, profile)?;
    let peer = permissive_peer(verifier_is_client)?;
    let extra: Vec<X509> = chain.certs[1..]
        .iter()
        .chain(&chain.untrusted)
        .cloned()
        .collect();
    // Without the leaf's key, the peer presents a stand-in and the verifier checks the given
    // chain in its place.
    match &chain.key {
        Some(key) => present(&peer, leaf, &extra, key)?,
        None => {
            let (cert, key) = stand_in()?;
            present(&peer, &cert, &[], &key)?;
            let mut untrusted = Stack::new().map_err(|e| ossl(&e))?;
            for c in std::iter::once(leaf).chain(&extra) {
                untrusted.push(c.clone()).map_err(|e| ossl(&e))?;
            }
            let stand_in = StandInChain {
                leaf: leaf.clone(),
                untrusted,
            };
            ctx.with_builder_mut(|b| install_stand_in_chain(b, stand_in))?;
        }
    }
    if verifier_is_client {
        if chain.hostname.is_none() {
            ctx.set_check_hostname(false);
        }
    } else {
        ctx.set_verify_mode(VerifyMode::CERT_REQUIRED)?;
        // A server needs a certificate of its own; the client does not check it.
        if trust.cert.is_none() {
            let (cert, key) = stand_in()?;
            present(&ctx, &cert, &[], &key)?;
        }
    }
    let (to_verifier, to_peer) = (MemoryBio::new(), MemoryBio::new());
    let mut me = ctx.wrap_bio(
        &to_verifier,
        &to_peer,
        !verifier_is_client,
        if verifier_is_client {
            chain.hostname.as_deref()
        } else {
            None
        },
    )?;
    let mut them = peer.wrap_bio(&to_peer, &to_verifier, verifier_is_client, None)?;
    pump(&mut me, &mut them, &to_verifier, &to_peer)?;
    Ok(negotiated(me.version(), me.cipher()))
}

/// Run both handshakes until the verifier's ends: its error is the verdict; the peer's
/// failure matters only through what reaches the verifier (an alert, or the end of the
/// connection when it sent nothing).
fn pump(
    me: &mut SslObject,
    them: &mut SslObject,
    to_me: &MemoryBio,
    to_them: &MemoryBio,
) -> Result<()> {
    let mut them_done = false;
    for _ in 0..100 {
        match me.do_handshake() {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::WantRead => {}
            Err(e) => return Err(e),
        }
        if !them_done {
            match them.do_handshake() {
                Ok(()) => them_done = true,
                Err(e) if e.kind() == ErrorKind::WantRead => {}
                Err(_) => them_done = true,
            }
        }
        if to_me.pending() == 0 && to_them.pending() == 0 {
            // Nothing in flight and the verifier still waiting: the peer gave up (or is
            // done) without a word, so the verifier meets the end of the connection.
            to_me.write_eof();
        }
    }
    Err(Error::value("the in-memory handshake did not finish"))
}
