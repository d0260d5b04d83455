//! Differential checks of behaviour driven by process-global state: `SSL_CERT_FILE`,
//! `SSL_CERT_DIR` and `SSLKEYLOGFILE`. Kept in its own test binary with a single test, so
//! changing the environment cannot race with other tests.

#[path = "../common/mod.rs"]
mod common;

use std::path::Path;

use common::{ORACLE, dsl, substitute, unsubstitute};
use pyssl::Profile;
use serde_json::{Value, json};

struct EnvCase {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    steps: Value,
}

fn cases() -> Vec<EnvCase> {
    vec![
        EnvCase {
            name: "SSL_CERT_FILE + SSL_CERT_DIR",
            env: vec![
                ("SSL_CERT_FILE", "$CERTDATA/keycert.pem".into()),
                ("SSL_CERT_DIR", "$CERTDATA/capath".into()),
            ],
            steps: json!([
                ["module"],
                ["new", 16],
                ["load_default_certs"],
                ["stats"],
                ["default", {}],
                ["show"],
                ["new", 17],
                ["set_default_verify_paths"],
                ["stats"]
            ]),
        },
        EnvCase {
            name: "SSL_CERT_FILE missing",
            env: vec![
                ("SSL_CERT_FILE", "/nonexistent/ca.pem".into()),
                ("SSL_CERT_DIR", "/nonexistent/dir".into()),
            ],
            steps: json!([["module"], ["default", {}], ["show"]]),
        },
        EnvCase {
            name: "SSLKEYLOGFILE",
            env: vec![("SSLKEYLOGFILE", "$TMP/keys.log".into())],
            steps: json!([["default", {}], ["get", "keylog_filename"], ["file_lines", "$TMP/keys.log"],
                          ["default", {"purpose": "client-auth"}], ["get", "keylog_filename"],
                          ["new", 16], ["get", "keylog_filename"]]),
        },
        EnvCase {
            name: "SSLKEYLOGFILE in a missing directory",
            env: vec![("SSLKEYLOGFILE", "/nonexistent/dir/keys.log".into())],
            steps: json!([["default", {}], ["get", "keylog_filename"]]),
        },
        EnvCase {
            name: "SSLKEYLOGFILE empty",
            env: vec![("SSLKEYLOGFILE", String::new())],
            steps: json!([["default", {}], ["get", "keylog_filename"]]),
        },
    ]
}

fn subst_str(s: &str, certdata: &Path, tmp: &Path) -> String {
    substitute(&json!(s), certdata, tmp)
        .as_str()
        .unwrap()
        .to_string()
}

const VARS: &[&str] = &["SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"];

fn run(profile: Profile) -> usize {
    let Some(oracle) = common::oracle_for(&profile) else {
        return 0;
    };
    let saved: Vec<(&str, Option<std::ffi::OsString>)> =
        VARS.iter().map(|v| (*v, std::env::var_os(v))).collect();
    let mut failures = Vec::new();
    let all = cases();
    for case in &all {
        let tmp = tempfile::tempdir().unwrap();
        let (py_tmp, rs_tmp) = (tmp.path().join("py"), tmp.path().join("rs"));
        std::fs::create_dir_all(&py_tmp).unwrap();
        std::fs::create_dir_all(&rs_tmp).unwrap();
        // Python: the case's variables only (the others removed).
        let mut py_env: Vec<(String, String)> = Vec::new();
        for (k, v) in &case.env {
            py_env.push((k.to_string(), subst_str(v, &oracle.certdata, &py_tmp)));
        }
        let mut script = String::from("import os\n");
        for v in VARS {
            if !case.env.iter().any(|(k, _)| k == v) {
                script.push_str(&format!("os.environ.pop({v:?}, None)\n"));
            }
        }
        script.push_str(ORACLE);
        let env_refs: Vec<(&str, &str)> = py_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let steps_py = substitute(&case.steps, &oracle.certdata, &py_tmp);
        let answer = oracle.run_json_env(&script, &[], &json!([steps_py]).to_string(), &env_refs);
        // pyssl: the same variables in this process.
        for v in VARS {
            // SAFETY: this binary runs a single test on one thread; nothing else reads the
            // environment concurrently.
            unsafe { std::env::remove_var(v) };
        }
        for (k, v) in &case.env {
            // SAFETY: as above.
            unsafe { std::env::set_var(k, subst_str(v, &oracle.certdata, &rs_tmp)) };
        }
        let steps_rs = substitute(&case.steps, &oracle.certdata, &rs_tmp);
        let ours = dsl::run_scenario(profile, steps_rs.as_array().unwrap());
        for (i, (p, r)) in answer[0].as_array().unwrap().iter().zip(&ours).enumerate() {
            let p = unsubstitute(&p.to_string(), &py_tmp);
            let r = unsubstitute(&r.to_string(), &rs_tmp);
            if p != r {
                failures.push(format!(
                    "[{}] {} step {i}\n   python: {p}\n   pyssl:  {r}",
                    profile.label(),
                    case.name
                ));
            }
        }
    }
    for (k, v) in saved {
        // SAFETY: as above.
        unsafe {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
    eprintln!(
        "global state, profile {}: {} scenarios, {} differences",
        profile.label(),
        all.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    all.len()
}

#[test]
fn environment_driven_behaviour_matches_cpython() {
    for profile in common::compared_profiles() {
        run(profile);
    }
}
