//! Test support shared by pyssl's test targets (the library's integration tests, its
//! benchmarks and the CLI's tests): finding the live CPython oracles ([`python`]) and minting
//! certificates with the `openssl` crate ([`certs`]).
//!
//! A dev-dependency only; it does not depend on `pyssl`, so the tests see one copy of pyssl's
//! types.

#![warn(missing_docs)]

pub mod certs;
pub mod python;
