//! `pyssl`: show the TLS context Python's `ssl.create_default_context()` builds, as pyssl
//! reproduces it, and compare it with a live CPython.
//!
//! ```text
//! pyssl show [--purpose server-auth|client-auth] [--cafile F] [--capath D]
//!            [--cadata-pem F | --cadata-der F] [--json]
//! pyssl compare [--python PATH] [same flags as show]
//! pyssl connect HOST:PORT [--server-hostname N | --no-server-hostname] [--cafile F] [--json] ...
//! pyssl serve --cert F [--key F] [--port 0] [--client-ca F] [--alpn a,b] [--max-connections N]
//!             [--handshake-timeout S] [--idle-timeout S]
//! pyssl verdicts HOST:PORT [--server-hostname N] [--cafile F] [--profiles 3.7,...] [--json] ...
//! pyssl verdicts --chain F [--untrusted F] [--chain-key F] [--hostname N] [--purpose P] ...
//! pyssl decode-cert FILE [--json]
//! pyssl demo
//! ```
//!
//! Every verb takes `--profile 3.X[.Y]` (default: the newest release, 3.15.2) and
//! `--ssl-default-suites python|openssl` (Debian's and Ubuntu's builds use `openssl`);
//! `compare` takes both from the interpreter unless given.
//!
//! Exit status: 0 success (and, for `compare`, no difference; for `verdicts`, every release
//! accepts); 1 the context could not be created, `compare` found differences, or a release
//! refuses in `verdicts`; 2 usage errors, unreadable input files, an unreachable server for
//! `verdicts`, or an interpreter for `compare` that cannot be used.
//!
//! With `--json`, a verb prints only JSON on stdout, failures included:
//! `{"ok": false, "error": {"type", "message", "library", "reason", "verify_code",
//! "verify_message"}}`, where `type` is the Python exception's class, or `UsageError`,
//! `InterpreterError`, `InputError` or `OutputError` for the CLI's own failures (exit 2, 2, 2
//! and 1).

mod compare;
mod connect;
mod decode_cert;
mod demo;
mod inputs;
mod pyjson;
mod serve;
mod show;
mod verdicts;

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

/// Show Python's default TLS context as pyssl builds it, or compare it with a live CPython.
#[derive(Debug, Parser)]
#[command(name = "pyssl", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the context ssl.create_default_context(...) creates.
    Show(show::ShowArgs),
    /// Compare that context with the one a CPython interpreter creates; exit 1 on differences.
    Compare(compare::CompareArgs),
    /// Connect to HOST:PORT with create_default_context() and report what Python would see.
    Connect(connect::ConnectArgs),
    /// Serve TLS on 127.0.0.1 with create_default_context(CLIENT_AUTH): greet and close.
    Serve(serve::ServeArgs),
    /// What every CPython release says about a server or a chain, and why they differ.
    Verdicts(verdicts::VerdictsArgs),
    /// Decode a PEM certificate as getpeercert() shows it.
    DecodeCert(decode_cert::DecodeCertArgs),
    /// Offline tour: a handshake, a hostname mismatch, an options tweak and verdicts.
    Demo(demo::DemoArgs),
}

impl Command {
    /// Whether the verb was asked for JSON (`serve` and `demo` have no `--json`).
    fn json(&self) -> bool {
        match self {
            Command::Show(a) => a.json,
            Command::Compare(a) => a.json,
            Command::Connect(a) => a.json,
            Command::Verdicts(a) => a.json,
            Command::DecodeCert(a) => a.json,
            Command::Serve(_) | Command::Demo(_) => false,
        }
    }
}

/// The `"error"` member of every `--json` failure: the exception as Python shows it.
pub fn error_json(e: &pyssl::Error) -> Value {
    json!({
        "type": e.python_type(),
        "message": e.python_str(),
        "library": e.library(),
        "reason": e.reason(),
        "verify_code": e.verify_code(),
        "verify_message": e.verify_message(),
    })
}

/// `{"ok": false, "error": ...}` for a failure that is not Python's (`type` names the CLI's).
fn cli_error_json(class: &str, message: &str) -> Value {
    json!({"ok": false, "error": {"type": class, "message": message, "library": null,
        "reason": null, "verify_code": null, "verify_message": null}})
}

/// What a subcommand prints on stdout, and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Text for stdout.
    pub stdout: String,
    /// Exit status.
    pub status: u8,
}

impl Output {
    /// Status 0 with this text.
    pub fn success(stdout: String) -> Output {
        Output { stdout, status: 0 }
    }
}

/// Why a subcommand failed; `main` prints it on stderr.
#[derive(Debug)]
pub enum Failure {
    /// The exception Python would raise (exit 1).
    Python(pyssl::Error),
    /// Arguments that parse but cannot be used (exit 2).
    Usage(String),
    /// The interpreter for `compare` cannot be run or gave no usable answer (exit 2).
    Interpreter(String),
    /// Output could not be produced (exit 1).
    Output(String),
    /// An input file or the server could not be read or reached (exit 2).
    Io(String),
}

impl Failure {
    fn status(&self) -> u8 {
        match self {
            Failure::Python(_) | Failure::Output(_) => 1,
            Failure::Usage(_) | Failure::Interpreter(_) | Failure::Io(_) => 2,
        }
    }

    /// The failure as `--json` prints it.
    fn json(&self) -> Value {
        match self {
            Failure::Python(e) => json!({"ok": false, "error": error_json(e)}),
            Failure::Usage(m) => cli_error_json("UsageError", m),
            Failure::Interpreter(m) => cli_error_json("InterpreterError", m),
            Failure::Output(m) => cli_error_json("OutputError", m),
            Failure::Io(m) => cli_error_json("InputError", m),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Python(e) => write!(f, "{}: {}", e.python_type(), e.python_str()),
            Failure::Usage(m) | Failure::Interpreter(m) | Failure::Output(m) | Failure::Io(m) => {
                f.write_str(m)
            }
        }
    }
}

impl From<pyssl::Error> for Failure {
    fn from(e: pyssl::Error) -> Failure {
        Failure::Python(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::Output(format!("cannot write JSON: {e}"))
    }
}

/// Print `doc` on stdout as Python's `json.dumps` would.
fn print_json(doc: &Value) {
    let text = pyjson::dumps(doc).unwrap_or_else(|_| doc.to_string());
    let _ = writeln!(io::stdout().lock(), "{text}");
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints --help/--version (exit 0) and usage errors (exit 2) itself, except that
        // a command line asking for JSON gets its usage error as JSON.
        Err(e) => {
            let asked_json = std::env::args().skip(1).any(|a| a == "--json");
            if asked_json && e.use_stderr() {
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                print_json(&cli_error_json(
                    "UsageError",
                    first.strip_prefix("error: ").unwrap_or(first),
                ));
                return ExitCode::from(2);
            }
            e.exit();
        }
    };
    let result = match &cli.command {
        Command::Show(args) => show::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Connect(args) => connect::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Verdicts(args) => verdicts::run(args),
        Command::DecodeCert(args) => decode_cert::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(out) => match io::stdout().lock().write_all(out.stdout.as_bytes()) {
            Ok(()) => ExitCode::from(out.status),
            // A reader that went away (`pyssl show | head`) is not our failure to report.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(out.status),
            Err(e) => {
                let _ = writeln!(io::stderr(), "error: cannot write output: {e}");
                ExitCode::FAILURE
            }
        },
        Err(failure) if cli.command.json() => {
            print_json(&failure.json());
            ExitCode::from(failure.status())
        }
        Err(failure) => {
            let _ = writeln!(io::stderr(), "error: {failure}");
            ExitCode::from(failure.status())
        }
    }
}
