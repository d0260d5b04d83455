//! The pure-Rust re-implementations of Python helpers: PEM_cert_to_DER_cert's base64 and
//! cert_time_to_seconds's strptime matching, on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = pyssl::PEM_cert_to_DER_cert(text) {
        assert!(!e.python_str().is_empty());
    }
    let with_header = format!("{}{text}", pyssl::PEM_HEADER);
    let _ = pyssl::PEM_cert_to_DER_cert(&with_header);
    if let Err(e) = pyssl::cert_time_to_seconds(text) {
        assert_eq!(e.python_type(), "ValueError");
    }
}
