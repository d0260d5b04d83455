//! `set_alpn_protocols` with arbitrary protocol lists (split on NUL bytes), on a client and a
//! server context (reused: each call replaces the list).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pyssl::{PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, SslContext};

static CTX: OnceLock<[SslContext; 2]> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let protocols: Vec<&str> = text.split('\0').collect();
    let ctxs = CTX.get_or_init(|| {
        [PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER].map(|p| SslContext::new(p).expect("context"))
    });
    for ctx in ctxs {
        if let Err(e) = ctx.set_alpn_protocols(&protocols) {
            assert!(
                matches!(e.python_type(), "SSLError" | "UnicodeEncodeError"),
                "{e}"
            );
        }
    }
}
