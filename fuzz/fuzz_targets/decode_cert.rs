//! Certificate decoding to the getpeercert() dict: arbitrary DER, and the same as PEM.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyssl::CertificateDict;

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    if let Ok(cert) = openssl::x509::X509::from_der(data)
        && let Ok(dict) = pyssl::certificate::decode_certificate(&cert)
    {
        let _ = dict.to_py().python_repr();
    }
    if let Ok(dict) = CertificateDict::from_der(data) {
        let _ = dict.to_py().python_repr();
    }
    let pem = pyssl::DER_cert_to_PEM_cert(data);
    assert_eq!(pyssl::PEM_cert_to_DER_cert(&pem).expect("round trip"), data);
}
