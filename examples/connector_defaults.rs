//! Python's defaults on a rust-openssl `SslConnector` (what hyper-openssl and postgres-openssl
//! take), and a pyssl-configured `Ssl` for stacks that take one (tokio-openssl).
//!
//! `cargo run --example connector_defaults`

use std::sync::Arc;

use openssl::ssl::{SslConnector, SslMethod};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // hyper-openssl / postgres-openssl: they want an SslConnectorBuilder. SslConnector::builder
    // loads the system CAs itself (the ~15 ms); apply_profile_defaults adds Python's settings.
    let mut builder = SslConnector::builder(SslMethod::tls_client())?;
    pyssl::apply_profile_defaults(
        &mut builder,
        pyssl::Purpose::SERVER_AUTH,
        pyssl::Profile::PY313_0,
    )?;
    let connector = builder.build();
    let ssl = connector.configure()?.into_ssl("example.org")?;
    println!(
        "connector: SNI {:?}",
        ssl.servername(openssl::ssl::NameType::HOST_NAME)
    );

    // tokio-openssl and friends: an `Ssl` configured exactly like a pyssl connection.
    let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
    let ssl = ctx.new_ssl(false, Some("example.org".into()))?;
    println!(
        "pyssl: SNI {:?}",
        ssl.servername(openssl::ssl::NameType::HOST_NAME)
    );
    Ok(())
}
