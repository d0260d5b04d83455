//! # pyssl: Python's `ssl` module for Rust, on OpenSSL
//!
//! pyssl reproduces CPython's `ssl.create_default_context()`, the whole `SSLContext` it returns
//! and the errors it raises, on top of OpenSSL, so that a Rust service negotiates, verifies and
//! fails exactly as its Python twin. Every behaviour is checked against live CPython
//! interpreters by the differential test suites (`tests/differential/`, and one file per concept
//! beside it).
//!
//! | Python | Rust |
//! |---|---|
//! | `ctx = ssl.create_default_context()` | `let ctx = pyssl::create_default_context(Purpose::SERVER_AUTH)?;` |
//! | `ctx.options &= ~ssl.OP_NO_SSLv3` | `ctx.set_options(ctx.options() & !pyssl::OP_NO_SSLv3)?;` |
//! | `ctx.verify_mode = ssl.CERT_NONE` | `ctx.set_verify_mode(pyssl::CERT_NONE)?;` |
//! | `ctx.check_hostname = False` | `ctx.set_check_hostname(false);` |
//! | `ctx.minimum_version = ssl.TLSVersion.TLSv1_3` | `ctx.set_minimum_version(TlsVersion::TLSv1_3)?;` |
//! | `ctx.load_verify_locations(cafile="ca.pem")` | `ctx.load_verify_locations(Some("ca.pem".as_ref()), None, None)?;` |
//! | `ctx.load_verify_locations(cadata=pem_str)` | `ctx.load_verify_locations(None, None, Some(CaData::Pem(pem)))?;` |
//! | `ctx.load_cert_chain("c.pem", password="x")` | `ctx.load_cert_chain("c.pem", None, Some(Password::text("x")))?;` |
//! | `ctx.set_ciphers("ECDHE+AESGCM")` | `ctx.set_ciphers("ECDHE+AESGCM")?;` |
//! | `ctx.get_ca_certs()` | `ctx.get_ca_certs()?` |
//! | `except ssl.SSLError as e: str(e)` | `Err(e) => e.python_str()` |
//!
//! ```
//! use pyssl::{create_default_context, Purpose, OP_NO_SSLv3};
//! # fn main() -> Result<(), pyssl::Error> {
//! let ctx = create_default_context(Purpose::SERVER_AUTH)?;
//! // ctx.options &= ~ssl.OP_NO_SSLv3
//! ctx.set_options(ctx.options() & !OP_NO_SSLv3)?;
//! assert!(!ctx.options().contains(OP_NO_SSLv3));
//! # Ok(())
//! # }
//! ```
//!
//! Profiles select the CPython release whose defaults and quirks to reproduce
//! ([`Profile::PY311`], [`Profile::PY313`]; the default is the newest). See [`profiles`].
//!
//! The threading model (why a context can be reconfigured while connections use it) is
//! described in [`context`].

#![deny(unsafe_code, missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

#[allow(unsafe_code)]
mod callbacks;
pub mod certificate;
pub mod connection;
pub mod constants;
pub mod context;
pub mod denylist;
pub mod error;
#[allow(unsafe_code)]
mod ffi;
pub mod integrations;
pub mod module;
pub mod profiles;
pub mod pyvalue;
pub mod store;
pub mod values;
pub mod verdicts;

pub use certificate::{
    CertificateDict, DER_cert_to_PEM_cert, PEM_FOOTER, PEM_HEADER, PEM_cert_to_DER_cert,
    cert_time_to_seconds, match_hostname,
};
pub use connection::{
    BioOptions, CipherTuple, MemoryBio, PeerCertificate, ServerHostname, SniCallback,
    SniConnection, SslObject, SslSession, SslSocket, WrapOptions, create_connection,
    get_server_certificate, ssl_error,
};
pub use constants::*;
pub use context::{
    CaData, CertStoreStats, CipherInfo, CreateOptions, Password, SessionStats, SslContext,
    VersionBound, create_default_context, create_default_context_with,
};
pub use error::{Error, ErrorKind, Result};
#[cfg(feature = "hyper")]
pub use integrations::hyper;
pub use integrations::openssl::apply_profile_defaults;
#[cfg(feature = "postgres")]
pub use integrations::postgres;
#[cfg(feature = "tokio")]
pub use integrations::tokio;
pub use module::*;
pub use profiles::{Profile, SslDefaultSuites};
pub use pyvalue::PyValue;
