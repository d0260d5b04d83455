//! pyssl inside other Rust stacks, each behind its feature: rust-openssl builders given a
//! profile's defaults ([`openssl`], always), async connections on tokio ([`tokio`]), an HTTPS
//! connector for hyper's client and accepting for hyper/axum servers ([`hyper`]), and a TLS
//! connector for tokio-postgres with channel binding ([`postgres`]).
//!
//! They sit above the connection layer: each hands a stack a connection set up by
//! [`SslContext::new_ssl`](crate::SslContext::new_ssl), and every failure comes back as the
//! [`Error`](crate::Error) CPython would raise, reachable from the stack's own error
//! ([`Error::find_in`](crate::Error::find_in)).

#[cfg(feature = "hyper")]
pub mod hyper;
pub mod openssl;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "tokio")]
pub mod tokio;
