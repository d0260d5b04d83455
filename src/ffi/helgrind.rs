//! Telling valgrind's helgrind about pyssl's locks, for `ci/stress`.
//!
//! Rust's `std::sync::{Mutex, RwLock}` are built on futexes, which helgrind does not see (it
//! understands `pthread_*` locks only), so without help every access made under one of them
//! looks like a race to it, and a real race between a locked mutation of an `SSL_CTX` and an
//! unlocked read inside a handshake looks exactly the same. Built with
//! `RUSTFLAGS="--cfg pyssl_helgrind"`, the locks that guard OpenSSL state shared between
//! threads (the context's `RwLock`, the callback slots) announce each acquisition and release
//! to helgrind as happens-before edges (`ANNOTATE_HAPPENS_BEFORE` / `_AFTER` of
//! `valgrind/helgrind.h`), so that what it still reports is a real race:
//!
//! * releasing a write lock sends on tag `W`, releasing a read lock on tag `R` (helgrind
//!   accumulates what is sent on a tag);
//! * acquiring a read lock receives from `W` (everything the writers did before), acquiring a
//!   write lock from `W` and `R` (everything readers and writers did before). Readers are not
//!   ordered with each other, so a mutation made under a read lock is still reported.
//!
//! The tags are the lock's address and that address plus one. Happens-before annotations hold
//! no lock object in the tool, so a lock that moves or dies leaves nothing behind that could
//! confuse it. Without the cfg, [`Annotated<G>`] is `G` itself and [`acquired`] returns its
//! argument: nothing changes.

#[cfg(pyssl_helgrind)]
mod imp {
    use std::ops::{Deref, DerefMut};

    /// `VG_USERREQ_TOOL_BASE('H', 'G')`.
    const HG_BASE: usize = ((b'H' as usize) << 24) | ((b'G' as usize) << 16);
    /// `_VG_USERREQ__HG_USERSO_SEND_PRE` (tag): `ANNOTATE_HAPPENS_BEFORE(tag)`.
    const HAPPENS_BEFORE: usize = HG_BASE + 256 + 33;
    /// `_VG_USERREQ__HG_USERSO_RECV_POST` (tag): `ANNOTATE_HAPPENS_AFTER(tag)`.
    const HAPPENS_AFTER: usize = HG_BASE + 256 + 34;

    /// `VALGRIND_DO_CLIENT_REQUEST_STMT` of `valgrind.h` on x86-64: the "special instruction"
    /// sequence, a no-op when the program does not run under valgrind.
    #[cfg(target_arch = "x86_64")]
    fn client_request(request: usize, arg1: usize, arg2: usize) {
        let args: [usize; 6] = [request, arg1, arg2, 0, 0, 0];
        let mut result: usize = 0;
        // SAFETY: the four rotations of rdi add up to 128 bits (rdi is unchanged) and
        // `xchg rbx, rbx` swaps rbx with itself: natively the sequence does nothing. Under
        // valgrind it reads the six words at rax (alive for the whole statement) and writes
        // the result to rdx.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") result,
                inout("rdi") 0usize => _,
                options(nostack),
            );
        }
        let _ = result;
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn client_request(_request: usize, _arg1: usize, _arg2: usize) {}

    /// A lock guard whose lock helgrind has been told about.
    pub(crate) struct Annotated<G> {
        guard: G,
        lock: usize,
        write: bool,
    }

    /// Announce that the current thread now holds `lock` as `access` says.
    pub(crate) fn acquired<G, L>(guard: G, lock: &L, access: super::Access) -> Annotated<G> {
        let write = access == super::Access::Exclusive;
        let lock = lock as *const L as usize;
        client_request(HAPPENS_AFTER, lock, 0);
        if write {
            client_request(HAPPENS_AFTER, lock + 1, 0);
        }
        Annotated { guard, lock, write }
    }

    impl<G> Drop for Annotated<G> {
        fn drop(&mut self) {
            // Announced before the real unlock, which happens when `guard` is dropped next.
            let tag = if self.write { self.lock } else { self.lock + 1 };
            client_request(HAPPENS_BEFORE, tag, 0);
        }
    }

    impl<G: Deref> Deref for Annotated<G> {
        type Target = G::Target;
        fn deref(&self) -> &G::Target {
            &self.guard
        }
    }

    impl<G: DerefMut> DerefMut for Annotated<G> {
        fn deref_mut(&mut self) -> &mut G::Target {
            &mut self.guard
        }
    }
}

#[cfg(not(pyssl_helgrind))]
mod imp {
    /// The guard itself: annotations are compiled out.
    pub(crate) type Annotated<G> = G;

    /// Returns `guard` unchanged.
    #[inline(always)]
    pub(crate) fn acquired<G, L>(guard: G, _lock: &L, _access: super::Access) -> Annotated<G> {
        guard
    }
}

pub(crate) use imp::{Annotated, acquired};

/// How a lock announced with [`acquired`] is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A read lock: other readers may hold it too.
    Shared,
    /// A mutex or a write lock.
    Exclusive,
}
