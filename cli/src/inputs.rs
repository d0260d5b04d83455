//! The CA options shared by `show` and `compare`, and reading the `cadata` files the way the
//! Python side reads them: `--cadata-pem` like `open(f).read()` (UTF-8, universal newlines),
//! `--cadata-der` like `open(f, "rb").read()`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pyssl::{CaData, CreateOptions, Error, Profile, Purpose, SslDefaultSuites};

/// `ssl.Purpose` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PurposeArg {
    /// ssl.Purpose.SERVER_AUTH: a client context, which verifies servers.
    ServerAuth,
    /// ssl.Purpose.CLIENT_AUTH: a server context.
    ClientAuth,
}

impl PurposeArg {
    /// The library's purpose.
    pub fn purpose(self) -> Purpose {
        match self {
            PurposeArg::ServerAuth => Purpose::SERVER_AUTH,
            PurposeArg::ClientAuth => Purpose::CLIENT_AUTH,
        }
    }

    /// The spelling used on the command line and in the oracle's scenarios.
    pub fn label(self) -> &'static str {
        match self {
            PurposeArg::ServerAuth => "server-auth",
            PurposeArg::ClientAuth => "client-auth",
        }
    }
}

/// The arguments of `ssl.create_default_context(purpose, cafile=, capath=, cadata=)`.
#[derive(Debug, Clone, Args)]
pub struct ContextArgs {
    /// Purpose of the context (Python's ssl.Purpose).
    #[arg(long, value_enum, default_value_t = PurposeArg::ServerAuth)]
    pub purpose: PurposeArg,
    /// cafile= (a PEM file of CA certificates).
    #[arg(long, value_name = "FILE")]
    pub cafile: Option<PathBuf>,
    /// capath= (a hashed directory of CA certificates).
    #[arg(long, value_name = "DIR")]
    pub capath: Option<PathBuf>,
    /// cadata= as str: the text of this PEM file.
    #[arg(long, value_name = "FILE", conflicts_with = "cadata_der")]
    pub cadata_pem: Option<PathBuf>,
    /// cadata= as bytes: the contents of this DER file (certificates back to back).
    #[arg(long, value_name = "FILE")]
    pub cadata_der: Option<PathBuf>,
    /// The CPython release and build flavour to behave like.
    #[command(flatten)]
    pub profile: ProfileArgs,
}

/// `--profile` and `--ssl-default-suites`, on every verb.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ProfileArgs {
    /// CPython release to behave like: 3.X (the newest patch pyssl knows) or 3.X.Y
    /// [default: the newest release; compare: the interpreter's].
    #[arg(long, value_name = "VERSION", value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// The build's --with-ssl-default-suites: python (upstream) or openssl (Debian, Ubuntu)
    /// [default: python; compare: the interpreter's].
    #[arg(long, value_name = "SUITES", value_parser = parse_suites)]
    pub ssl_default_suites: Option<SslDefaultSuites>,
}

impl ProfileArgs {
    /// The profile the flags select (the newest release, upstream flavour, by default).
    pub fn resolve(&self) -> Profile {
        self.resolve_or(Profile::default())
    }

    /// The profile the flags select, `fallback`'s release and flavour where they are silent.
    pub fn resolve_or(&self, fallback: Profile) -> Profile {
        let profile = self.profile.unwrap_or(fallback);
        let suites = self
            .ssl_default_suites
            .unwrap_or(fallback.ssl_default_suites);
        profile.with_ssl_default_suites(suites)
    }
}

/// `--ssl-default-suites` values.
pub fn parse_suites(s: &str) -> Result<SslDefaultSuites, String> {
    SslDefaultSuites::from_name(s)
        .ok_or_else(|| format!("unknown value '{s}' (expected python or openssl)"))
}

/// `--profile` values: `"3.X"` (the newest patch pyssl knows) or `"3.X.Y"` (every verb's
/// `--profile`).
pub fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::by_version(s)
        .ok_or_else(|| format!("unknown profile '{s}' (pyssl ships {})", shipped_profiles()))
}

/// `"3.7.16, …, 3.15.2"`: every profile pyssl ships.
pub fn shipped_profiles() -> String {
    Profile::ALL
        .iter()
        .map(Profile::release)
        .collect::<Vec<_>>()
        .join(", ")
}

/// cadata read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedCaData {
    /// Text of `--cadata-pem`.
    Pem(String),
    /// Bytes of `--cadata-der`.
    Der(Vec<u8>),
}

/// A failure reading a cadata file, as Python's `open(...).read()` raises it.
#[derive(Debug, Clone)]
pub struct ReadError {
    /// The exception (`FileNotFoundError`, `UnicodeDecodeError`, ...).
    pub error: Error,
}

impl From<Error> for ReadError {
    fn from(error: Error) -> ReadError {
        ReadError { error }
    }
}

impl ContextArgs {
    /// Reads `--cadata-pem` / `--cadata-der`, if given.
    pub fn read_cadata(&self) -> Result<Option<OwnedCaData>, ReadError> {
        if let Some(path) = &self.cadata_pem {
            return read_text(path).map(|t| Some(OwnedCaData::Pem(t)));
        }
        if let Some(path) = &self.cadata_der {
            return read_bytes(path)
                .map(|b| Some(OwnedCaData::Der(b)))
                .map_err(ReadError::from);
        }
        Ok(None)
    }

    /// `pyssl::create_default_context_with(purpose, CreateOptions { .. })`.
    pub fn create(
        &self,
        cadata: Option<&OwnedCaData>,
        profile: Profile,
    ) -> pyssl::Result<pyssl::SslContext> {
        let opts = CreateOptions {
            cafile: self.cafile.as_deref(),
            capath: self.capath.as_deref(),
            cadata: cadata.map(|d| match d {
                OwnedCaData::Pem(s) => CaData::Pem(s),
                OwnedCaData::Der(b) => CaData::Der(b),
            }),
            profile,
        };
        pyssl::create_default_context_with(self.purpose.purpose(), opts)
    }
}

/// `open(path, "rb").read()`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| match e.raw_os_error() {
        Some(errno) => Error::os_path(errno, path),
        None => Error::value(format!("cannot read {}: {e}", path.display())),
    })
}

/// `open(path).read()` in a UTF-8 locale: strict UTF-8 decoding, then universal newlines
/// (`\r\n` and `\r` become `\n`).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = read_bytes(path)?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Err(decode_error(e.as_bytes(), e.utf8_error())),
    };
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// Python's `UnicodeDecodeError` for the first invalid sequence of `bytes`:
/// `'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`.
fn decode_error(bytes: &[u8], e: std::str::Utf8Error) -> ReadError {
    Error::utf8_decode(bytes, e).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(hex: &[u8]) -> String {
        let e = std::str::from_utf8(hex).unwrap_err();
        decode_error(hex, e).error.python_str()
    }

    #[test]
    fn decode_errors_read_like_python() {
        // bytes.fromhex(h).decode("utf-8") in CPython 3.11
        let cases: &[(&[u8], &str)] = &[
            (b"\xff", "byte 0xff in position 0: invalid start byte"),
            (
                b"\xe2\x28",
                "byte 0xe2 in position 0: invalid continuation byte",
            ),
            (
                b"\xe2\x82\x28",
                "bytes in position 0-1: invalid continuation byte",
            ),
            (b"\xe2\x82", "bytes in position 0-1: unexpected end of data"),
            (b"\xe2", "byte 0xe2 in position 0: unexpected end of data"),
            (
                b"\xed\xa0\x80",
                "byte 0xed in position 0: invalid continuation byte",
            ),
            (
                b"\xf4\x90",
                "byte 0xf4 in position 0: invalid continuation byte",
            ),
            (b"\xc0\xaf", "byte 0xc0 in position 0: invalid start byte"),
            (b"A\xffB", "byte 0xff in position 1: invalid start byte"),
            (
                b"\xf0\x90\x80\x80\xff",
                "byte 0xff in position 4: invalid start byte",
            ),
            (
                b"\xf0\x90\x80",
                "bytes in position 0-2: unexpected end of data",
            ),
        ];
        for (bytes, tail) in cases {
            assert_eq!(decode(bytes), format!("'utf-8' codec can't decode {tail}"));
        }
    }
}
