//! A hostile peer after a real handshake: a client and a server `SslObject` complete a TLS 1.3
//! handshake in memory (resuming a session, see `pyssl_fuzz::resumed_pair`), then arbitrary
//! bytes go into the incoming `MemoryBio` of one of them (bit 0 of the first byte: client or
//! server), optionally after a genuine application-data
//! record from the other side (bit 1) and followed by end of file (bit 2). The connection then
//! reads, writes and shuts down. Never a panic, abort or sanitizer report; every failure is an
//! SSLError (or one of its subclasses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyssl_fuzz::{check_tls_error, resumed_pair};

fuzz_target!(|data: &[u8]| {
    run(data);
    pyssl_fuzz::end_input();
});

fn run(data: &[u8]) {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let (mut client, mut server) = resumed_pair();
    let (target, other) = if mode & 1 == 0 {
        (&mut client, &mut server)
    } else {
        (&mut server, &mut client)
    };
    if mode & 2 != 0 {
        other.obj.write(b"a genuine record first").expect("write");
        target
            .incoming
            .write(&other.outgoing.read(None))
            .expect("incoming");
    }
    target.incoming.write(data).expect("incoming");
    if mode & 4 != 0 {
        target.incoming.write_eof();
    }
    for _ in 0..8 {
        match target.obj.read(16384) {
            Ok(d) if d.is_empty() => break,
            Ok(_) => {}
            Err(e) if e.python_type() == "SSLWantReadError" => break,
            Err(e) => {
                check_tls_error(&e);
                break;
            }
        }
    }
    if let Err(e) = target.obj.write(b"ping") {
        check_tls_error(&e);
    }
    if let Err(e) = target.obj.unwrap() {
        check_tls_error(&e);
    }
}
