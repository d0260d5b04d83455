//! A hostile TLS server: arbitrary bytes fed through `MemoryBio` into a client `SslObject`
//! during its handshake, in pieces of 16 to 4,080 bytes (the first input byte chooses), then
//! end of file. Never a panic, abort or sanitizer report; every failure is an SSLError (or one
//! of its subclasses), and a connection that somehow completes the handshake can still read,
//! write and shut down.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyssl_fuzz::{client_end, hostile_handshake};

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Some((&n, data)) = data.split_first() else {
        return;
    };
    let piece = usize::from(n % 255 + 1) * 16;
    let mut client = client_end();
    let hello = client
        .obj
        .do_handshake()
        .expect_err("the ClientHello is out");
    assert_eq!(hello.python_type(), "SSLWantReadError");
    client.outgoing.read(None);
    hostile_handshake(&mut client, data, piece);
}
