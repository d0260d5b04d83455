//! An actix-web HTTPS server whose TLS is a CPython server's: rust-openssl's acceptor preset
//! given `pyssl::apply_profile_defaults`, so it picks the protocol and suite CPython's
//! `create_default_context(Purpose.CLIENT_AUTH)` would for every client offer:
//! `cargo run --example actix_server -- CERT KEY [PORT]`.

use actix_web::{App, HttpServer, web};
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (cert, key) = (args.next().ok_or("CERT")?, args.next().ok_or("KEY")?);
    let port: u16 = args.next().map_or(Ok(8443), |p| p.parse())?;
    // pyssl: the preset, made Python's (3.15.2 here; `Profile::from_env()` to pin another).
    let mut tls = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    let profile = pyssl::Profile::from_env()?;
    pyssl::apply_profile_defaults(&mut tls, pyssl::Purpose::CLIENT_AUTH, profile)?;
    tls.set_certificate_chain_file(&cert)?;
    tls.set_private_key_file(&key, SslFiletype::PEM)?;
    println!("listening on https://localhost:{port}/");
    HttpServer::new(|| App::new().route("/", web::get().to(|| async { "hello from pyssl\n" })))
        .bind_openssl(("127.0.0.1", port), tls)?
        .run()
        .await?;
    Ok(())
}
