//! A hostile TLS client: arbitrary bytes fed through `MemoryBio` into a server `SslObject`
//! during its handshake, in pieces of 16 to 4,080 bytes (the first input byte chooses), then
//! end of file. Never a panic, abort or sanitizer report; every failure is an SSLError (or one
//! of its subclasses), and a connection that somehow completes the handshake can still read,
//! write and shut down.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyssl_fuzz::{hostile_handshake, server_end};

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Some((&n, data)) = data.split_first() else {
        return;
    };
    let piece = usize::from(n % 255 + 1) * 16;
    let mut server = server_end();
    hostile_handshake(&mut server, data, piece);
}
