//! tokio-postgres over pyssl, with `tls-server-end-point` channel binding:
//! `cargo run --features postgres --example tokio_postgres -- "host=... user=..." CAFILE`.
//! Prints the server's TLS version, or the exception CPython (asyncpg) would raise.

use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().ok_or("CONFIG")?;
    let cafile = args.next().ok_or("CAFILE")?;
    // pyssl: ssl.create_default_context(cafile=...) and the connector made from it.
    let opts = pyssl::CreateOptions {
        cafile: Some(cafile.as_ref()),
        ..Default::default()
    };
    let ctx = pyssl::create_default_context_with(pyssl::Purpose::SERVER_AUTH, opts)?;
    let tls = pyssl::postgres::MakeTlsConnector::from(Arc::new(ctx));
    match tokio_postgres::connect(&config, tls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            let row = client
                .query_one(
                    "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .await?;
            println!("{}", row.get::<_, String>(0));
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
