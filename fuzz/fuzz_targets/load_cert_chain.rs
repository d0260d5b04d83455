//! `load_cert_chain` from a file the target writes: arbitrary bytes, with and without a
//! password (text, and a callback), including over-long ones.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pyssl::{PROTOCOL_TLS_SERVER, Password, SslContext};

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let (password, contents) = match data.split_first() {
        Some((&n, rest)) => {
            let n = usize::from(n) * 8;
            let cut = n.min(rest.len());
            (&rest[..cut], &rest[cut..])
        }
        None => (&b""[..], data),
    };
    let dir = std::env::temp_dir().join(format!("pyssl-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("chain.pem");
    std::fs::write(&file, contents).expect("write");
    // One context for the whole run, as a server reloading its certificate would use it:
    // every load, failed or not, must leave it usable for the next.
    static CTX: OnceLock<SslContext> = OnceLock::new();
    let ctx = CTX.get_or_init(|| SslContext::new(PROTOCOL_TLS_SERVER).expect("context"));
    let check = |r: pyssl::Result<()>| {
        if let Err(e) = r {
            assert!(
                matches!(e.python_type(), "SSLError" | "ValueError" | "OSError"),
                "{e}"
            );
        }
    };
    check(ctx.load_cert_chain(&file, None, Some(Password::Bytes(password))));
    let mut cb = || Ok(password.to_vec());
    check(ctx.load_cert_chain(&file, None, Some(Password::Callback(&mut cb))));
    let _ = ctx.cert_store_stats();
}
