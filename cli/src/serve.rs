//! `pyssl serve`: a loopback TLS server on `ssl.create_default_context(Purpose.CLIENT_AUTH)`
//! that greets every client and closes.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use pyssl::{CreateOptions, Purpose, VerifyMode};

use crate::{Failure, Output};

/// What the server sends to each client.
pub const GREETING: &[u8] = b"hello from pyssl\n";

/// Arguments of `pyssl serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// ctx.load_cert_chain(cert, key)
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// The key file, if not in --cert.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Port on 127.0.0.1 (0: any free port, printed on the first line).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Require client certificates issued by the CAs in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// ctx.set_alpn_protocols(a,b,...)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Option<Vec<String>>,
    /// Stop after this many connections (default: serve until killed).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: crate::inputs::ProfileArgs,
}

/// The server context `serve` uses.
pub fn context(args: &ServeArgs) -> Result<Arc<pyssl::SslContext>, Failure> {
    let opts = CreateOptions {
        profile: args.profile.resolve(),
        ..CreateOptions::default()
    };
    let ctx = pyssl::create_default_context_with(Purpose::CLIENT_AUTH, opts)?;
    ctx.load_cert_chain(&args.cert, args.key.as_deref(), None)?;
    if let Some(ca) = &args.client_ca {
        ctx.load_verify_locations(Some(ca), None, None)?;
        ctx.set_verify_mode(VerifyMode::CERT_REQUIRED)?;
    }
    if let Some(list) = &args.alpn {
        let names: Vec<&str> = list.iter().map(String::as_str).collect();
        ctx.set_alpn_protocols(&names)?;
    }
    Ok(Arc::new(ctx))
}

/// Run `pyssl serve`: prints `listening on 127.0.0.1:PORT`, then one line per connection.
pub fn run(args: &ServeArgs) -> Result<Output, Failure> {
    let ctx = context(args)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| Failure::Python(pyssl::Error::os(e.raw_os_error().unwrap_or(0), None)))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on 127.0.0.1:{port}");
    let _ = out.flush();
    let mut served = 0;
    while args.count.is_none_or(|n| served < n) {
        let Ok((sock, peer)) = listener.accept() else {
            continue;
        };
        served += 1;
        let line = match ctx.wrap_socket(sock, true, None) {
            Ok(mut s) => match s.sendall(GREETING) {
                Ok(()) => format!(
                    "{peer}: {} {:?}",
                    s.version().unwrap_or_default(),
                    s.cipher().map(|c| c.0)
                ),
                Err(e) => format!("{peer}: {}: {}", e.python_type(), e.python_str()),
            },
            Err(e) => format!("{peer}: {}: {}", e.python_type(), e.python_str()),
        };
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    Ok(Output::success(String::new()))
}
