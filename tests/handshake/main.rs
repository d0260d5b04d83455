//! Differential handshake suite: every scenario is a real TLS connection over 127.0.0.1
//! between the side under test and a CPython peer, run once with CPython in the role under
//! test (`oracle/handshake_oracle.py`) and once with pyssl in that role (`pyssl_side.rs`),
//! against the same kind of peer with the same certificates, for each shipped profile against
//! that release's interpreter. What the side under test reports (exception class, `str()`,
//! errno, library, reason, verify code and message, `getpeercert()`, cipher, version, ALPN,
//! bytes received, ...) and what the peer observed are compared field by field.
//!
//! * `scenarios.rs`: certificates and host names, server_hostname encoding, ALPN, versions and
//!   ciphers, client certificates, post-handshake auth, resumption, SNI callbacks, broken
//!   peers, CPython's certdata.
//! * `scenarios_io.rs`: socket timeouts (a transport timeout is Python's socket timeout),
//!   key logging through real connections (checked line by line against the peer's key log),
//!   session misuse, `wrap_bio`/`SSLObject` connections and their hostname checks, with
//!   pyssl's one documented divergence (`"pyssl_diverges"`: pyssl must give exactly the stated
//!   result, and CPython must still behave otherwise).
//! * `interop.rs`: `openssl s_server` / `s_client` as the peer instead of CPython.
//!
//! Every profile runs against its own interpreter (pyenv's 3.7 ... 3.13); scenarios that need a
//! newer release than the profile's carry `"since"`.

mod certs;
#[path = "../common/mod.rs"]
mod common;
mod interop;
mod pyssl_side;
mod scenarios;
mod scenarios_io;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use pyssl::Profile;
use serde_json::{Value, json};

const SCRIPT: &str = concat!(
    include_str!("../../oracle/describe.py"),
    include_str!("../../oracle/handshake_oracle.py")
);

fn connections(s: &Value) -> usize {
    if s["resume"].as_bool() == Some(true) {
        2
    } else {
        1
    }
}

/// Run the oracle script in `mode` with one JSON line of input.
fn oracle_run(python: &std::path::Path, mode: &str, input: &Value) -> Value {
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, mode])
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{input}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// pyssl as the client: CPython peer servers in one process, pyssl clients here.
fn pyssl_clients(python: &std::path::Path, scenarios: &[Value], profile: Profile) -> Vec<Value> {
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, "peer-servers"])
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn python");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", json!({"scenarios": scenarios})).unwrap();
    stdin.flush().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ports: Value = serde_json::from_str(&line).expect("ports");
    let mine: Vec<Value> = scenarios
        .iter()
        .zip(ports["ports"].as_array().unwrap())
        .map(|(s, port)| {
            pyssl_side::run_client(
                &s["me"],
                port.as_u64().unwrap() as u16,
                &s["server_hostname"],
                s["resume"].as_bool() == Some(true),
                s["peer_keylog"].as_str(),
                profile,
            )
        })
        .collect();
    writeln!(stdin, "done").unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    child.wait().unwrap();
    let peers: Value = serde_json::from_str(&rest).expect("observations");
    mine.into_iter()
        .zip(peers.as_array().unwrap())
        .map(|(me, peer)| json!({"me": me, "peer": peer}))
        .collect()
}

/// pyssl as the server: pyssl listeners here, CPython peer clients in one process.
fn pyssl_servers(python: &std::path::Path, scenarios: &[Value], profile: Profile) -> Vec<Value> {
    let mut ports = Vec::new();
    let mut threads = Vec::new();
    for s in scenarios {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        ports.push(listener.local_addr().unwrap().port());
        let (cfg, n) = (s["me"].clone(), connections(s));
        let peer_keylog = s["peer_keylog"].as_str().map(str::to_string);
        threads.push(std::thread::spawn(move || {
            pyssl_side::serve(listener, cfg, n, peer_keylog, profile)
        }));
    }
    let peers = oracle_run(
        python,
        "peer-clients",
        &json!({"scenarios": scenarios, "ports": ports}),
    );
    threads
        .into_iter()
        .zip(peers.as_array().unwrap())
        .map(|(t, peer)| json!({"me": t.join().unwrap(), "peer": peer}))
        .collect()
}

/// Differences that are CPython's bugs, which pyssl deliberately does not reproduce:
/// (profile, role, scenario, part, why). They are printed, not counted as failures.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str, &str)] = &[];

fn compare(
    label: &str,
    role: &str,
    scenarios: &[Value],
    py: &[Value],
    rs: &[Value],
) -> Vec<String> {
    let mut failures = Vec::new();
    assert_eq!(py.len(), scenarios.len());
    assert_eq!(rs.len(), scenarios.len());
    for ((s, p), r) in scenarios.iter().zip(py).zip(rs) {
        if let Some(d) = s.get("pyssl_diverges") {
            // A documented, deliberate divergence: pyssl must give exactly `d["me"]`, and
            // CPython must really behave otherwise (else the divergence is gone).
            if r["me"] != d["me"] || p["me"] == d["me"] {
                failures.push(format!(
                    "[{label} {role}] {} (documented divergence: {})\n   expected pyssl: {}\n   pyssl:  {}\n   python: {}",
                    s["name"], d["why"], d["me"], r["me"], p["me"]
                ));
            } else {
                eprintln!(
                    "[{label} {role}] {}: documented divergence: {}",
                    s["name"], d["why"]
                );
            }
            continue;
        }
        for part in ["me", "peer"] {
            let (pp, rr) = (p[part].to_string(), r[part].to_string());
            if let (Some(why), "peer", true) = (s.get("peer_racy"), part, pp != rr) {
                // The peer's view depends on timing both servers share (documented per
                // scenario); the side under test is still compared.
                eprintln!("[{label} {role}] {} (peer): not compared: {why}", s["name"]);
                continue;
            }
            let known = KNOWN_DIFFERENCES
                .iter()
                .find(|k| k.0 == label && k.1 == role && s["name"] == k.2 && k.3 == part);
            if let (Some(k), true) = (known, pp != rr) {
                eprintln!(
                    "[{label} {role}] {} ({part}): known difference: {}",
                    s["name"], k.4
                );
            } else if pp != rr {
                failures.push(format!(
                    "[{label} {role}] {} ({part})\n   python: {pp}\n   pyssl:  {rr}",
                    s["name"]
                ));
            }
        }
    }
    failures
}

/// Run every scenario whose name starts with `prefix` ("" for all) for `profile` against
/// that release's interpreter.
fn run_profile(profile: Profile, prefix: &str, minimum: usize) {
    let Some(oracle) = common::oracle_for(&profile) else {
        return;
    };
    let certs = certs::generate();
    let mut all = scenarios::all(&certs, &oracle.certdata);
    let wanted = |s: &Value| s["name"].as_str().is_some_and(|n| n.starts_with(prefix));
    all.client.retain(wanted);
    all.server.retain(wanted);
    // Scenarios that need a newer release than the profile's ("since": [3, 8]).
    let available = |s: &Value| {
        s["since"].as_array().is_none_or(|v| {
            let v: Vec<u32> = v.iter().map(|x| x.as_u64().unwrap() as u32).collect();
            profile.version >= (v[0], v[1])
        })
    };
    all.client.retain(available);
    all.server.retain(available);
    // From 3.13.16 / 3.14.8 / 3.15.0 CPython's wrap_bio refuses what pyssl's refused before:
    // the documented divergence is gone, and the scenarios compare as any other.
    if profile.wrap_bio_checks_arguments {
        for s in all.client.iter_mut() {
            if let Some(o) = s.as_object_mut() {
                o.remove("pyssl_diverges");
            }
        }
    }
    let py_client = oracle_run(
        &oracle.python,
        "client-role",
        &json!({"scenarios": all.client}),
    );
    let rs_client = pyssl_clients(&oracle.python, &all.client, profile);
    let py_server = oracle_run(
        &oracle.python,
        "server-role",
        &json!({"scenarios": all.server}),
    );
    let rs_server = pyssl_servers(&oracle.python, &all.server, profile);
    let mut failures = compare(
        &profile.release(),
        "client",
        &all.client,
        py_client.as_array().unwrap(),
        &rs_client,
    );
    failures.extend(compare(
        &profile.release(),
        "server",
        &all.server,
        py_server.as_array().unwrap(),
        &rs_server,
    ));
    if std::env::var_os("PYSSL_HANDSHAKE_DUMP").is_some() {
        for (s, r) in all
            .client
            .iter()
            .zip(&rs_client)
            .chain(all.server.iter().zip(&rs_server))
        {
            eprintln!("{} => {}", s["name"], r);
        }
    }
    let total = all.client.len() + all.server.len();
    eprintln!(
        "handshake profile {} ({} suites) vs {}: {} scenarios ({} client, {} server), {} differences",
        profile.release(),
        profile.ssl_default_suites.name(),
        oracle.python.display(),
        total,
        all.client.len(),
        all.server.len(),
        failures.len()
    );
    assert!(total >= minimum, "only {total} scenarios");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One test per row of oracle/releases.tsv (checked by `one_test_per_listed_oracle`). The
/// releases' differences (a socket timeout is `socket.timeout` before 3.10, `shared_ciphers()`
/// lists the whole cipher list before 3.10, 3.12's IDNA errors are not wrapped, 3.7 names fewer
/// reasons and raises a ragged EOF as a plain SSLError, 3.13.18+ refuse denylisted keys) all
/// show in connections.
macro_rules! per_release {
    ($($name:ident => $release:expr),* $(,)?) => {
        $( #[test] fn $name() { run_profile(common::compared($release), "", 150); } )*
        const RELEASES: &[&str] = &[$($release),*];
    };
}

per_release! {
    handshake_py37 => "3.7.16",
    handshake_py38 => "3.8.18",
    handshake_py39 => "3.9.18",
    handshake_py310 => "3.10.13",
    handshake_py311 => "3.11.7",
    handshake_py312 => "3.12.1",
    handshake_py313 => "3.13.0",
    handshake_py313_18 => "3.13.18",
    handshake_py314 => "3.14.10",
    handshake_py315 => "3.15.2",
}

#[test]
fn one_test_per_listed_oracle() {
    common::assert_one_test_per_listed_oracle(RELEASES);
}
