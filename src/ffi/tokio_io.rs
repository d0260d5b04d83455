//! The transport under a [`crate::tokio::SslStream`]: a [`Bridge`] gives pyssl's BIO
//! (`ffi::bio`) blocking-style `Read` and `Write` calls that poll the async transport with the
//! task context of the `poll_*` call in progress, and report "not ready" as `WouldBlock`,
//! which OpenSSL turns into `WANT_READ`/`WANT_WRITE` (the transport has registered the waker
//! by then).
//!
//! The task context reaches the `BIO` callbacks as a raw pointer, set by [`with_cx`] for one
//! OpenSSL call and nulled after it (also when it unwinds).

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An async transport `S` as pyssl's BIO sees it.
pub(crate) struct Bridge<S> {
    io: S,
    /// The `Context` of the poll in progress; null outside [`with_cx`].
    cx: *mut (),
}

// SAFETY: `cx` is non-null only while `with_cx` runs on this thread, holding `&mut` to the
// bridge's owner, and is nulled before it returns; no other thread can see it set.
// Everything else is `S`.
unsafe impl<S: Send> Send for Bridge<S> {}
// SAFETY: a shared reference reaches neither `cx` nor any `&mut S`.
unsafe impl<S: Sync> Sync for Bridge<S> {}

impl<S> Bridge<S> {
    pub(crate) fn new(io: S) -> Bridge<S> {
        Bridge {
            io,
            cx: std::ptr::null_mut(),
        }
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.io
    }

    pub(crate) fn into_inner(self) -> S {
        self.io
    }
}

impl<S: Unpin> Bridge<S> {
    /// One poll of the transport with the current task context, answered as a blocking call
    /// would answer it.
    fn poll<R>(
        &mut self,
        f: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> io::Result<R> {
        if self.cx.is_null() {
            // Not reached: OpenSSL does I/O only inside `with_cx`. Waiting is the safe answer.
            return Err(io::ErrorKind::WouldBlock.into());
        }
        // SAFETY: a non-null `cx` is the `&mut Context` `with_cx` received, alive until it
        // returns; `with_cx` does not use it otherwise meanwhile.
        let cx = unsafe { &mut *self.cx.cast::<Context<'_>>() };
        match f(Pin::new(&mut self.io), cx) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl<S: AsyncRead + Unpin> Read for Bridge<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.poll(|io, cx| {
            let mut buf = ReadBuf::new(buf);
            io.poll_read(cx, &mut buf).map_ok(|()| buf.filled().len())
        })
    }
}

impl<S: AsyncWrite + Unpin> Write for Bridge<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.poll(|io, cx| io.poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.poll(|io, cx| io.poll_flush(cx))
    }
}

/// Run `f` (OpenSSL calls on `owner`) with the task context `cx` in reach of the bridge that
/// `bridge` finds in `owner`; `f` must not move the bridge out.
pub(crate) fn with_cx<T, S, R>(
    owner: &mut T,
    bridge: impl Fn(&mut T) -> Option<&mut Bridge<S>>,
    cx: &mut Context<'_>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    if let Some(b) = bridge(owner) {
        b.cx = (cx as *mut Context<'_>).cast();
    }
    let r = catch_unwind(AssertUnwindSafe(|| f(owner)));
    if let Some(b) = bridge(owner) {
        b.cx = std::ptr::null_mut();
    }
    r.unwrap_or_else(|panic| resume_unwind(panic))
}

/// Fill the unfilled part of `buf` (at most `max` bytes) with `read`, which must initialise
/// the bytes it reports and no others.
pub(crate) fn read_into<E>(
    buf: &mut ReadBuf<'_>,
    max: usize,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Result<usize, E>,
) -> Result<(), E> {
    // SAFETY: `read` writes only initialised bytes into the unfilled part and never
    // de-initialises any.
    let unfilled = unsafe { buf.unfilled_mut() };
    let len = unfilled.len().min(max);
    let n = read(&mut unfilled[..len])?;
    // SAFETY: `read` initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(())
}
