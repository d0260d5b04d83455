//! `pyssl decode-cert FILE`: the first PEM certificate of FILE as `getpeercert()` shows it
//! (CPython's `ssl._ssl._test_decode_cert(FILE)`).

use std::path::PathBuf;

use clap::Args;

use crate::{Failure, Output, pyjson};

/// Arguments of `pyssl decode-cert`.
#[derive(Debug, Clone, Args)]
pub struct DecodeCertArgs {
    /// A PEM file; its first certificate is decoded.
    pub file: PathBuf,
    /// Print JSON (tuples as arrays) instead of Python's repr().
    #[arg(long)]
    pub json: bool,
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: crate::inputs::ProfileArgs,
}

/// Run `pyssl decode-cert`.
pub fn run(args: &DecodeCertArgs) -> Result<Output, Failure> {
    let profile = args.profile.resolve();
    let dict = pyssl::certificate::decode_cert_file_as(&args.file, profile)?.to_py();
    let text = if args.json {
        pyjson::dumps(&dict)?
    } else {
        dict.python_repr()
    };
    Ok(Output::success(text + "\n"))
}
