//! An axum HTTPS server on a pyssl server context, as CPython's
//! `create_default_context(Purpose.CLIENT_AUTH)` + `load_cert_chain` would serve it:
//! `cargo run --features tokio --example axum_server -- CERT KEY [PORT]`.

use std::sync::Arc;

use axum::{Router, routing::get};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (cert, key) = (args.next().ok_or("CERT")?, args.next().ok_or("KEY")?);
    let port: u16 = args.next().map_or(Ok(8443), |p| p.parse())?;
    // pyssl: the context and the per-connection handshake.
    let ctx = pyssl::create_default_context(pyssl::Purpose::CLIENT_AUTH)?;
    ctx.load_cert_chain(&cert, Some(key.as_ref()), None)?;
    let ctx = Arc::new(ctx);
    let app = Router::new().route("/", get(|| async { "hello from pyssl\n" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on https://localhost:{}/",
        listener.local_addr()?.port()
    );
    loop {
        let (tcp, _) = listener.accept().await?;
        let (ctx, app) = (ctx.clone(), app.clone());
        tokio::spawn(async move {
            match pyssl::tokio::accept(&ctx, tcp).await {
                Ok(tls) => {
                    let service = TowerToHyperService::new(app);
                    let builder = Builder::new(TokioExecutor::new());
                    let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                }
                Err(e) => eprintln!("{}: {}", e.python_type(), e.python_str()),
            }
        });
    }
}
