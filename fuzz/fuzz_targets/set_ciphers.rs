//! `set_ciphers` with arbitrary strings: never a panic; failures are CPython's errors. (What
//! a failed call leaves behind is OpenSSL's doing, as in CPython: the differential suite
//! compares the cipher list after failures with the interpreter's.)
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pyssl::{PROTOCOL_TLS_CLIENT, SslContext};

static CTX: OnceLock<SslContext> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = CTX.get_or_init(|| SslContext::new(PROTOCOL_TLS_CLIENT).expect("context"));
    if let Err(e) = ctx.set_ciphers(text) {
        assert!(matches!(e.python_type(), "SSLError" | "ValueError"), "{e}");
    }
    let _ = ctx.get_ciphers().expect("ciphers");
}
