//! Server hostnames through `wrap_bio`: arbitrary text (IDNA, IP addresses, junk) and the same
//! bytes as a `bytes` hostname, on contexts with and without hostname checking and under the
//! 3.11 and 3.13 profiles. Never a panic; a refused name is a ValueError, TypeError,
//! UnicodeError or SSLError, as in CPython; an accepted one is exactly what
//! `ServerHostname::encode` (`SSLContext._encode_hostname`) gives, and the connection sends its
//! ClientHello and then waits for the server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyssl::{BioOptions, ErrorKind, MemoryBio, ServerHostname};

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let p = pyssl_fuzz::peers();
    let mut names = vec![ServerHostname::Bytes(data)];
    if let Ok(text) = std::str::from_utf8(data) {
        names.push(ServerHostname::Str(text));
    }
    for ctx in [&p.client, &p.client_unchecked, &p.client_311] {
        for name in &names {
            let (incoming, outgoing) = (MemoryBio::new(), MemoryBio::new());
            let opts = BioOptions {
                server_hostname: Some(*name),
                ..BioOptions::default()
            };
            match ctx.wrap_bio_with(&incoming, &outgoing, opts) {
                Ok(mut obj) => {
                    let encoded = name
                        .encode(ctx.profile())
                        .expect("wrap_bio accepted a name its encoding refuses");
                    assert_eq!(obj.server_hostname().as_deref(), Some(encoded.as_str()));
                    let e = obj
                        .do_handshake()
                        .expect_err("a handshake without a server");
                    assert_eq!(e.python_type(), "SSLWantReadError", "{}", e.python_str());
                    assert!(outgoing.pending() > 0, "no ClientHello");
                }
                Err(e) => assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::Value | ErrorKind::Type | ErrorKind::Unicode | ErrorKind::Ssl
                    ),
                    "{}: {}",
                    e.python_type(),
                    e.python_str()
                ),
            }
        }
    }
}
