//! `load_verify_locations(cadata=<bytes>)` with arbitrary DER under the 3.11 and 3.13 rules
//! (3.12 changed DER end-of-data detection). Contexts are reused for 1,000 inputs at a time.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use pyssl::{CaData, PROTOCOL_TLS_CLIENT, Profile, SslContext};

fn fresh() -> [SslContext; 2] {
    [Profile::PY311, Profile::PY313]
        .map(|p| SslContext::with_profile(PROTOCOL_TLS_CLIENT, p).expect("context"))
}

thread_local! {
    static CTX: RefCell<(usize, [SslContext; 2])> = RefCell::new((0, fresh()));
}

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    CTX.with(|cell| {
        let mut slot = cell.borrow_mut();
        slot.0 += 1;
        if slot.0 % 1000 == 0 {
            slot.1 = fresh();
        }
        for ctx in &slot.1 {
            if let Err(e) = ctx.load_verify_locations(None, None, Some(CaData::Der(data))) {
                assert!(matches!(e.python_type(), "SSLError" | "ValueError"), "{e}");
            }
            let stats = ctx.cert_store_stats();
            assert!(stats.x509_ca <= stats.x509);
        }
    });
}
