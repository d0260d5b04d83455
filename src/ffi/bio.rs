//! The `BIO` under every pyssl connection: reads and writes go to a Rust `Read + Write`
//! transport, and, unlike rust-openssl's stream BIO, it answers `BIO_eof` once the transport
//! has reported end of file, as OpenSSL's socket and memory BIOs (CPython's transports) do.
//! OpenSSL needs that answer to tell an end of file from a failed read: with it, a transport
//! that ends mid-connection puts the `SSL` in its fatal state and queues
//! `UNEXPECTED_EOF_WHILE_READING` (or, under `OP_IGNORE_UNEXPECTED_EOF`, treats it as a
//! close_notify), and later calls fail as they fail in CPython.
//!
//! [`TlsStream`] owns the `SSL` and the `BIO_METHOD`; the BIO's state ([`BioState`]) is
//! owned by the BIO and freed by its destroy callback (`callbacks::bio_destroy`) when
//! `SSL_free` frees the BIO.

use std::any::Any;
use std::ffi::c_int;
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::resume_unwind;

use foreign_types::ForeignType;
use openssl::error::ErrorStack;
use openssl::ssl::{ErrorCode, ShutdownResult, Ssl, SslRef};
use openssl_sys as sys;

use crate::callbacks;

/// What the BIO callbacks share with [`TlsStream`]: the transport, the last I/O error and
/// panic they caught, and whether a read reported end of file.
pub(crate) struct BioState<S> {
    pub(crate) stream: S,
    pub(crate) error: Option<io::Error>,
    pub(crate) panic: Option<Box<dyn Any + Send>>,
    pub(crate) eof: bool,
}

impl<S> BioState<S> {
    /// Keep the first panic the transport raised during an OpenSSL call, to resume after it;
    /// a later one's payload is dropped safely (this runs inside a C callback).
    pub(crate) fn keep_panic(&mut self, payload: Box<dyn Any + Send>) {
        if self.panic.is_none() {
            self.panic = Some(payload);
        } else {
            callbacks::drop_payload(payload);
        }
    }
}

/// `BIO_get_data` of one of pyssl's transport BIOs.
///
/// # Safety
/// `bio` must be a live BIO made by [`TlsStream::new`] for the same `S`, and the caller must
/// have exclusive access to it (OpenSSL calls the callbacks from inside an `SSL` call that
/// holds the `&mut TlsStream`).
pub(crate) unsafe fn bio_state<'a, S>(bio: *mut sys::BIO) -> &'a mut BioState<S> {
    // SAFETY: per the contract above, the data pointer is a live Box<BioState<S>>.
    unsafe { &mut *(sys::BIO_get_data(bio).cast::<BioState<S>>()) }
}

/// Frees the `BIO_METHOD` once the `SSL` (and with it the BIO) is gone.
struct BioMethod(*mut sys::BIO_METHOD);

impl Drop for BioMethod {
    fn drop(&mut self) {
        // SAFETY: the method was made by BIO_meth_new and no BIO uses it any more: the SSL
        // field of TlsStream, declared before this one, was dropped first.
        unsafe { sys::BIO_meth_free(self.0) }
    }
}

/// A failed `SSL` call: `SSL_get_error`'s code, the error queue (taken for `SSL_ERROR_SSL`
/// and `SSL_ERROR_SYSCALL`, left in the thread's queue otherwise) and the transport's I/O
/// error, if any.
pub(crate) struct TlsError {
    pub(crate) code: ErrorCode,
    pub(crate) stack: Option<ErrorStack>,
    pub(crate) io: Option<io::Error>,
}

/// An `SSL` over a transport `S`, through pyssl's BIO.
pub(crate) struct TlsStream<S> {
    // Field order is drop order: the SSL (which frees the BIO and its state) first.
    ssl: Ssl,
    _method: BioMethod,
    _stream: PhantomData<S>,
}

// SAFETY: the raw BIO_METHOD is immutable after creation and only freed on drop; the BIO's
// state holds an S and is reached only through `&mut self` (SSL calls) or `&self` (get_ref).
// So the stream is Send/Sync exactly when S is, as rust-openssl's SslStream.
unsafe impl<S: Send> Send for TlsStream<S> {}
// SAFETY: see above.
unsafe impl<S: Sync> Sync for TlsStream<S> {}

impl<S> TlsStream<S> {
    pub(crate) fn ssl(&self) -> &SslRef {
        &self.ssl
    }

    pub(crate) fn ssl_mut(&mut self) -> &mut SslRef {
        &mut self.ssl
    }

    fn state(&self) -> &BioState<S> {
        // SAFETY: the SSL's rbio is the BIO made in `new`; `&self` excludes SSL calls.
        unsafe { bio_state::<S>(sys::SSL_get_rbio(self.ssl.as_ptr())) }
    }

    fn state_mut(&mut self) -> &mut BioState<S> {
        // SAFETY: as above, with exclusive access.
        unsafe { bio_state::<S>(sys::SSL_get_rbio(self.ssl.as_ptr())) }
    }

    /// The transport.
    pub(crate) fn get_ref(&self) -> &S {
        &self.state().stream
    }

    /// The transport, mutably.
    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.state_mut().stream
    }
}

impl<S: Read + Write> TlsStream<S> {
    /// `SSL_set_bio(ssl, bio, bio)` with a new transport BIO over `stream`.
    pub(crate) fn new(ssl: Ssl, stream: S) -> Result<TlsStream<S>, ErrorStack> {
        // SAFETY: BIO_meth_new copies the name; a NULL result is an OpenSSL error.
        let method = unsafe { sys::BIO_meth_new(sys::BIO_TYPE_NONE, c"pyssl".as_ptr()) };
        if method.is_null() {
            return Err(ErrorStack::get());
        }
        let method = BioMethod(method);
        // SAFETY: a fresh method; the callbacks are 'static functions for this S.
        let ok = unsafe {
            sys::BIO_meth_set_write__fixed_rust(method.0, Some(callbacks::bio_write::<S>)) > 0
                && sys::BIO_meth_set_read__fixed_rust(method.0, Some(callbacks::bio_read::<S>)) > 0
                && sys::BIO_meth_set_ctrl__fixed_rust(method.0, Some(callbacks::bio_ctrl::<S>)) > 0
                && sys::BIO_meth_set_create__fixed_rust(method.0, Some(callbacks::bio_create)) > 0
                && sys::BIO_meth_set_destroy__fixed_rust(
                    method.0,
                    Some(callbacks::bio_destroy::<S>),
                ) > 0
        };
        if !ok {
            return Err(ErrorStack::get());
        }
        let state = Box::new(BioState {
            stream,
            error: None,
            panic: None,
            eof: false,
        });
        // SAFETY: BIO_new calls bio_create, which only clears the init flag; the state is
        // handed to the BIO, whose destroy callback frees it exactly once.
        unsafe {
            let bio = sys::BIO_new(method.0);
            if bio.is_null() {
                return Err(ErrorStack::get());
            }
            sys::BIO_set_data(bio, Box::into_raw(state).cast());
            sys::BIO_set_init(bio, 1);
            // The SSL takes the BIO's one reference for both directions.
            sys::SSL_set_bio(ssl.as_ptr(), bio, bio);
        }
        Ok(TlsStream {
            ssl,
            _method: method,
            _stream: PhantomData,
        })
    }

    /// The outcome of an `SSL` call that returned `ret`, as `SSL_get_error` classifies it
    /// right after the call. A panic of the transport inside the call resumes here.
    fn error(&mut self, ret: c_int) -> TlsError {
        if let Some(p) = self.state_mut().panic.take() {
            resume_unwind(p);
        }
        // SAFETY: a live SSL, right after the call that returned ret.
        let code = ErrorCode::from_raw(unsafe { sys::SSL_get_error(self.ssl.as_ptr(), ret) });
        let stack = (code == ErrorCode::SSL || code == ErrorCode::SYSCALL).then(ErrorStack::get);
        let io = self.state_mut().error.take();
        TlsError { code, stack, io }
    }

    fn finish(&mut self, ret: c_int) -> Result<(), TlsError> {
        if let Some(p) = self.state_mut().panic.take() {
            resume_unwind(p);
        }
        if ret > 0 {
            Ok(())
        } else {
            Err(self.error(ret))
        }
    }

    pub(crate) fn do_handshake(&mut self, _queue: &super::ErrQueue) -> Result<(), TlsError> {
        // SAFETY: exclusive access to a live SSL.
        let ret = unsafe { sys::SSL_do_handshake(self.ssl.as_ptr()) };
        self.finish(ret)
    }

    /// `SSL_read_ex` into `buf` (not empty), which it initializes up to the returned count.
    pub(crate) fn read_uninit(
        &mut self,
        _queue: &super::ErrQueue,
        buf: &mut [MaybeUninit<u8>],
    ) -> Result<usize, TlsError> {
        let mut n = 0;
        // SAFETY: exclusive access to a live SSL; OpenSSL writes at most buf.len() bytes.
        let ret = unsafe {
            sys::SSL_read_ex(
                self.ssl.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut n,
            )
        };
        self.finish(ret).map(|()| n)
    }

    /// `SSL_read_ex` into `buf` (not empty).
    pub(crate) fn read(
        &mut self,
        _queue: &super::ErrQueue,
        buf: &mut [u8],
    ) -> Result<usize, TlsError> {
        // SAFETY: initialized bytes are valid MaybeUninit bytes; nothing uninitialized is
        // written into the slice.
        let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        self.read_uninit(_queue, uninit)
    }

    /// `SSL_write_ex` of `buf` (not empty).
    pub(crate) fn write(
        &mut self,
        _queue: &super::ErrQueue,
        buf: &[u8],
    ) -> Result<usize, TlsError> {
        let mut n = 0;
        // SAFETY: exclusive access to a live SSL; OpenSSL reads buf.len() bytes.
        let ret =
            unsafe { sys::SSL_write_ex(self.ssl.as_ptr(), buf.as_ptr().cast(), buf.len(), &mut n) };
        self.finish(ret).map(|()| n)
    }

    /// `SSL_shutdown`.
    pub(crate) fn shutdown(
        &mut self,
        _queue: &super::ErrQueue,
    ) -> Result<ShutdownResult, TlsError> {
        // SAFETY: exclusive access to a live SSL.
        let ret = unsafe { sys::SSL_shutdown(self.ssl.as_ptr()) };
        if let Some(p) = self.state_mut().panic.take() {
            resume_unwind(p);
        }
        match ret {
            0 => Ok(ShutdownResult::Sent),
            1 => Ok(ShutdownResult::Received),
            n => Err(self.error(n)),
        }
    }
}
