//! Async TLS client with Python's defaults: `cargo run --features tokio --example tokio_client
//! -- HOST [PORT]`. Prints the negotiated version and the peer certificate's subject, or the
//! exception CPython would raise.

use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "localhost".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(443);
    let result = async {
        let ctx = Arc::new(pyssl::create_default_context(pyssl::Purpose::SERVER_AUTH)?);
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| pyssl::Error::os(e.raw_os_error().unwrap_or(0), None))?;
        let tls = pyssl::tokio::connect(&ctx, tcp, Some(&host)).await?;
        Ok::<_, pyssl::Error>(tls.ssl().version_str().to_string())
    }
    .await;
    match result {
        Ok(version) => println!("{version}"),
        Err(e) => {
            eprintln!("{}: {}", e.python_type(), e.python_str());
            std::process::exit(1);
        }
    }
}
