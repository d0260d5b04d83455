//! A hyper-util HTTPS client on pyssl: `cargo run --features hyper --example hyper_client --
//! URL [CAFILE]`. Prints the status and body, or the exception CPython would raise for the
//! same server (`ssl.SSLCertVerificationError: ...`).

use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url: hyper::Uri = args.next().ok_or("URL")?.parse()?;
    let cafile = args.next();
    // pyssl: ssl.create_default_context(cafile=...) and the connector made from it.
    let opts = pyssl::CreateOptions {
        cafile: cafile.as_deref().map(AsRef::as_ref),
        ..Default::default()
    };
    let ctx = pyssl::create_default_context_with(pyssl::Purpose::SERVER_AUTH, opts)?;
    ctx.set_alpn_protocols(&["h2", "http/1.1"])?;
    let https = pyssl::hyper::HttpsConnector::from(Arc::new(ctx));
    let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(https);
    match client.get(url).await {
        Ok(response) => {
            println!("{}", response.status());
            let body = response.into_body().collect().await?.to_bytes();
            print!("{}", String::from_utf8_lossy(&body));
            Ok(())
        }
        Err(e) => match pyssl::Error::find_in(&e) {
            Some(py) => {
                eprintln!("{}: {}", py.python_type(), py.python_str());
                std::process::exit(1)
            }
            None => Err(e.into()),
        },
    }
}
