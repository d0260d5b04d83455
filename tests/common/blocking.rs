//! Checks that a setter blocked in file I/O (on a FIFO) blocks nobody else.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pyssl::{MemoryBio, PROTOCOL_TLS_SERVER, SslContext};

/// How long another thread's getter and `wrap_bio` may take while a setter is blocked: 100 ms,
/// times [`super::time_scale`].
pub fn prompt() -> Duration {
    Duration::from_millis(100) * super::time_scale()
}

pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: c is a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Starts `setter` on a thread, waits until it is blocked on the FIFO, then checks that a
/// getter and a new connection on `ctx` answer within [`prompt`] on another thread. Then
/// `unblock` lets the setter finish; its result is returned with the probe's time.
pub fn while_blocked<T: Send + 'static>(
    ctx: &Arc<SslContext>,
    setter: impl FnOnce() -> T + Send + 'static,
    unblock: impl FnOnce(),
) -> (T, Option<Duration>) {
    let blocked = std::thread::spawn(setter);
    // The setter is in open(2) on the FIFO well before this.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !blocked.is_finished(),
        "the setter did not block on the FIFO"
    );
    let (tx, rx) = mpsc::channel();
    let probe_ctx = ctx.clone();
    let probe = std::thread::spawn(move || {
        let start = Instant::now();
        let _ = probe_ctx.options();
        let _ = probe_ctx.cert_store_stats();
        let (i, o) = (MemoryBio::new(), MemoryBio::new());
        let server = probe_ctx.protocol() == PROTOCOL_TLS_SERVER;
        let hostname = (!server).then_some("localhost");
        probe_ctx
            .wrap_bio(&i, &o, server, hostname)
            .expect("wrap_bio");
        let _ = tx.send(start.elapsed());
    });
    // Waited for a while longer than allowed, so that a late answer is reported as late,
    // not lost; a probe stuck behind the setter's lock answers only after the unblock.
    let answered = rx.recv_timeout(prompt() * 20).ok();
    unblock();
    let result = blocked.join().expect("setter thread");
    probe.join().expect("probe thread");
    (result, answered)
}

pub fn assert_prompt(what: &str, answered: Option<Duration>) {
    eprintln!("{what}: another thread's getter and wrap_bio answered in {answered:?}");
    match answered {
        Some(t) if t < prompt() => {}
        Some(t) => panic!("{what}: another thread's getter and wrap_bio took {t:?}"),
        None => {
            panic!("{what}: another thread's getter and wrap_bio waited for the blocked setter")
        }
    }
}

/// Writes `data` into the FIFO at `path` (opening it unblocks the reader's open).
pub fn feed(path: &Path, data: &[u8]) {
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all(data).unwrap();
}
