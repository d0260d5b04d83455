//! pyssl for stacks that take rust-openssl builders (hyper-openssl, postgres-openssl,
//! actix-web's `bind_openssl`): a profile's defaults on an existing `SslContextBuilder`
//! ([`apply_profile_defaults`]), remembered so that [`ssl_error`](crate::ssl_error) names the
//! failures of its connections as that release does.

use openssl::ssl::{SslContextBuilder, SslVerifyMode};

use crate::constants::{Options, Purpose, VerifyFlags, hostflags};
use crate::context::{default_options, record_applied_profile, set_new_context_defaults};
use crate::error::{Error, Result};
use crate::ffi;
use crate::profiles::Profile;
use crate::values::VersionBound;

/// Give an existing `SslContextBuilder` the settings `ssl.create_default_context(purpose)`
/// makes under `profile`, except the trust store: options, cipher string, minimum version
/// (and no maximum), verify mode, verify flags, hostname flags, post-handshake authentication
/// off, the `RELEASE_BUFFERS` mode and (through 3.12) the `"Python\0"` session id context —
/// and it takes away what rust-openssl's presets add that CPython's constructor never sets:
/// their TLS 1.3 suite order (OpenSSL's default comes back) and their DH parameters (a
/// DHE-only client is refused, as by a CPython server without `load_dh_params`). A server
/// builder then chooses what a CPython server chooses for the same client offer.
///
/// For libraries that only accept rust-openssl builders (hyper-openssl and postgres-openssl
/// take an `SslConnectorBuilder`). **Cost:** `SslConnector::builder()` itself already loads
/// the system CA bundle (about 15 ms and 0.8 MB with OpenSSL 3.0 and a 144-certificate bundle);
/// this function adds only a few microseconds on top and does not touch the trust store, which
/// `SslConnector` filled from the same default paths CPython's `load_default_certs()` uses
/// on Linux. Per-connection behaviour (SNI, host check) remains the connector's: its
/// `ConnectConfiguration` sends SNI and checks the host name much as CPython does, with
/// the `NO_PARTIAL_WILDCARDS` flag set here.
///
/// ```python
/// ctx = ssl.create_default_context()
/// ```
/// ```
/// use openssl::ssl::{SslConnector, SslMethod};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut builder = SslConnector::builder(SslMethod::tls_client())?;
/// pyssl::apply_profile_defaults(&mut builder, pyssl::Purpose::SERVER_AUTH, pyssl::Profile::PY313)?;
/// let connector = builder.build();
/// let ctx = connector.context();
/// assert_eq!(ctx.verify_mode(), openssl::ssl::SslVerifyMode::PEER
///     | openssl::ssl::SslVerifyMode::FAIL_IF_NO_PEER_CERT);
/// # Ok(()) }
/// ```
#[doc(alias = "SSL_CTX_set_options", alias = "SSL_CTX_set_cipher_list")]
pub fn apply_profile_defaults(
    builder: &mut SslContextBuilder,
    purpose: Purpose,
    profile: Profile,
) -> Result<()> {
    let client = if purpose == Purpose::SERVER_AUTH {
        true
    } else if purpose == Purpose::CLIENT_AUTH {
        false
    } else {
        return Err(Error::value(purpose.to_string()));
    };
    let options = default_options(profile);
    // What SSL_CTX_new itself sets stays set, as in CPython; what a preset added is cleared.
    let current = ffi::ctx_options(ffi::builder_ref(builder));
    let baseline = Options::ENABLE_MIDDLEBOX_COMPAT.bits();
    ffi::ctx_update_options(
        builder,
        current & !(options.bits() | baseline),
        options.bits(),
    );
    let queue = ffi::ErrQueue::clear();
    // A preset's version bounds (`mozilla_modern_v5`: TLS 1.3 at least) go; the profile's
    // minimum, if it has one, comes back with the constructor's defaults.
    ffi::ctx_set_proto_version(&queue, builder, VersionBound::Minimum, 0);
    ffi::ctx_set_proto_version(&queue, builder, VersionBound::Maximum, 0);
    // The builders this is for are version-flexible (`SslMethod::tls*()`).
    set_new_context_defaults(builder, profile, true)?;
    let keep_openssl_list = profile.constructor_cipher_string().is_none();
    let queue = ffi::ErrQueue::clear();
    if !ffi::ctx_reset_preset_extras(builder, keep_openssl_list) {
        return Err(Error::from_stack(&queue.stack(), profile.mnemonic_table()));
    }
    // 3.13 adds its flags for both purposes.
    let flags = VerifyFlags::X509_TRUSTED_FIRST | profile.default_context_verify_flags;
    let current = ffi::ctx_verify_flags(ffi::builder_ref(builder));
    ffi::ctx_update_verify_flags(&queue, builder, current & !flags.bits(), flags.bits());
    ffi::ctx_set_hostflags(builder, hostflags::NO_PARTIAL_WILDCARDS);
    ffi::ctx_set_post_handshake_auth(builder, false);
    let mode = if client {
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
    } else {
        SslVerifyMode::NONE
    };
    ffi::ctx_set_verify(builder, mode, crate::callbacks::verify_callback(&profile));
    record_applied_profile(builder, profile);
    Ok(())
}
