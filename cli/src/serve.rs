//! `pyssl serve`: a loopback TLS server on `ssl.create_default_context(Purpose.CLIENT_AUTH)`
//! that greets every client and closes.
//!
//! Each connection runs on its own thread, at most `--max-connections` at once (further
//! clients wait in the listen backlog), and every socket carries a timeout: the handshake must
//! finish within `--handshake-timeout` seconds and each later read or write within
//! `--idle-timeout`, as `sock.settimeout(t)` bounds them in Python. An idle, half-open or slow
//! client therefore occupies one slot for a bounded time and never delays another.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

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
    /// Connections served at once; later clients wait until one finishes.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_connections: u64,
    /// Seconds a client may take to complete the handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = positive_seconds)]
    pub handshake_timeout: f64,
    /// Seconds any later read or write may wait for the client.
    #[arg(long, value_name = "SECS", default_value_t = 30.0, value_parser = positive_seconds)]
    pub idle_timeout: f64,
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: crate::inputs::ProfileArgs,
}

/// A timeout flag: a finite number of seconds above zero (zero would mean non-blocking in
/// Python and "no timeout" to `set_read_timeout`; neither is what a server wants here).
fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e9 => Ok(v),
        _ => Err(format!("expected seconds above 0, got {s:?}")),
    }
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

/// How many connections are being served, and the wait for a free slot.
#[derive(Default)]
struct Slots {
    busy: Mutex<u64>,
    freed: Condvar,
}

impl Slots {
    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until fewer than `max` connections are being served, and take a slot.
    fn acquire(&self, max: u64) {
        let mut busy = self.lock();
        while *busy >= max {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        *busy += 1;
    }

    fn release(&self) {
        *self.lock() -= 1;
        self.freed.notify_all();
    }
}

/// Gives the slot back however the connection's thread ends.
struct SlotGuard(Arc<Slots>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// Serve one client: handshake, greeting, close. The line `run` prints for it.
fn serve_one(ctx: &Arc<pyssl::SslContext>, sock: TcpStream, args: &ServeArgs) -> String {
    let peer = sock
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let handshake = Some(Duration::from_secs_f64(args.handshake_timeout));
    let idle = Some(Duration::from_secs_f64(args.idle_timeout));
    let timeouts = |s: &TcpStream, t| s.set_read_timeout(t).and(s.set_write_timeout(t));
    if let Err(e) = timeouts(&sock, handshake) {
        return format!("{peer}: OSError: {e}");
    }
    let mut s = match ctx.wrap_socket(sock, true, None) {
        Ok(s) => s,
        Err(e) => return format!("{peer}: {}: {}", e.python_type(), e.python_str()),
    };
    if let Some(Err(e)) = s.get_ref().map(|t| timeouts(t, idle)) {
        return format!("{peer}: OSError: {e}");
    }
    match s.sendall(GREETING) {
        Ok(()) => format!(
            "{peer}: {} {:?}",
            s.version().unwrap_or_default(),
            s.cipher().map(|c| c.0)
        ),
        Err(e) => format!("{peer}: {}: {}", e.python_type(), e.python_str()),
    }
}

/// Run `pyssl serve`: prints `listening on 127.0.0.1:PORT`, then one line per connection.
pub fn run(args: &ServeArgs) -> Result<Output, Failure> {
    let ctx = context(args)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| Failure::Python(pyssl::Error::os(e.raw_os_error().unwrap_or(0), None)))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on 127.0.0.1:{port}");
        let _ = out.flush();
    }
    let slots = Arc::new(Slots::default());
    let mut served = 0;
    std::thread::scope(|scope| {
        while args.count.is_none_or(|n| served < n) {
            slots.acquire(args.max_connections);
            let guard = SlotGuard(slots.clone());
            let Ok((sock, _)) = listener.accept() else {
                // Out of descriptors, say: give the clients being served a moment to finish.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            served += 1;
            let ctx = &ctx;
            let spawned = std::thread::Builder::new()
                .name("pyssl-serve".into())
                .spawn_scoped(scope, move || {
                    let _guard = guard;
                    let line = serve_one(ctx, sock, args);
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{line}");
                    let _ = out.flush();
                });
            // No thread to be had (resource limits): this client is dropped, its slot freed
            // with the closure; the server goes on.
            drop(spawned);
        }
    });
    Ok(Output::success(String::new()))
}
