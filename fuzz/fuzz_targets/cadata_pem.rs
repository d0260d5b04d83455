//! `load_verify_locations(cadata=<str>)` with arbitrary text: never a panic; a failure is an
//! SSLError/TypeError/ValueError as CPython raises, and the store holds only whole certificates.
//! The context is reused for 1,000 inputs at a time (loading only adds to its store).
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use pyssl::{CaData, PROTOCOL_TLS_CLIENT, SslContext};

thread_local! {
    static CTX: RefCell<(usize, SslContext)> =
        RefCell::new((0, SslContext::new(PROTOCOL_TLS_CLIENT).expect("context")));
}

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    CTX.with(|cell| {
        let mut slot = cell.borrow_mut();
        slot.0 += 1;
        if slot.0 % 1000 == 0 {
            slot.1 = SslContext::new(PROTOCOL_TLS_CLIENT).expect("context");
        }
        let ctx = &slot.1;
        if let Err(e) = ctx.load_verify_locations(None, None, Some(CaData::Pem(text))) {
            assert!(
                matches!(e.python_type(), "SSLError" | "TypeError" | "ValueError"),
                "{e}"
            );
        }
        let stats = ctx.cert_store_stats();
        assert!(stats.x509_ca <= stats.x509);
    });
}
