//! Differential suite: every scenario runs through a live CPython (`oracle/pyssl_oracle.py`)
//! and through pyssl, for each profile of `oracle/releases.tsv` against that release's
//! interpreter (3.11.7 → pyenv's, 3.14.10 → Debian unstable's, in Debian's build flavour), and
//! the answers are compared step by step: values, exception class, `str(e)`, errno, library,
//! reason.

#[path = "../common/mod.rs"]
mod common;
mod scenarios;

use common::{ORACLE, dsl, substitute, unsubstitute};
use pyssl::Profile;
use serde_json::Value;

fn run_profile(profile: Profile) -> usize {
    let Some(oracle) = common::oracle_for(&profile) else {
        return 0;
    };
    let all = scenarios::all();
    let chosen: Vec<&scenarios::Scenario> = all.iter().filter(|s| s.applies(&profile)).collect();
    let tmp = tempfile::tempdir().unwrap();
    let (py_tmp, rs_tmp) = (tmp.path().join("py"), tmp.path().join("rs"));
    std::fs::create_dir_all(&py_tmp).unwrap();
    std::fs::create_dir_all(&rs_tmp).unwrap();
    let py_input: Vec<Value> = chosen
        .iter()
        .map(|s| substitute(&s.steps, &oracle.certdata, &py_tmp))
        .collect();
    let answers = oracle.run_json(ORACLE, &[], &Value::Array(py_input).to_string());
    let answers = answers.as_array().expect("list of answers");
    assert_eq!(answers.len(), chosen.len());
    let mut failures = Vec::new();
    for (s, py_answer) in chosen.iter().zip(answers) {
        let steps = substitute(&s.steps, &oracle.certdata, &rs_tmp);
        let rs_answer = dsl::run_scenario(profile, steps.as_array().unwrap());
        let py_steps = py_answer.as_array().unwrap();
        for (i, (p, r)) in py_steps.iter().zip(&rs_answer).enumerate() {
            let (p, r) = (
                unsubstitute(&p.to_string(), &py_tmp),
                unsubstitute(&r.to_string(), &rs_tmp),
            );
            if p != r {
                failures.push(format!(
                    "[{}] {} step {} {}\n   python: {}\n   pyssl:  {}",
                    profile.release(),
                    s.name,
                    i,
                    s.steps[i],
                    p,
                    r
                ));
            }
        }
        assert_eq!(py_steps.len(), rs_answer.len(), "{}", s.name);
    }
    eprintln!(
        "profile {} ({} suites) vs {}: {} scenarios compared, {} differences",
        profile.release(),
        profile.ssl_default_suites.name(),
        oracle.python.display(),
        chosen.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    chosen.len()
}

macro_rules! per_release {
    ($($name:ident => $release:expr),* $(,)?) => {
        $( #[test] fn $name() { run_profile(common::compared($release)); } )*
        /// The releases the tests above compare.
        const RELEASES: &[&str] = &[$($release),*];
    };
}

#[test]
fn one_test_per_listed_oracle() {
    common::assert_one_test_per_listed_oracle(RELEASES);
}

// One test per row of oracle/releases.tsv (checked by one_test_per_listed_oracle).
per_release! {
    differential_py37 => "3.7.16",
    differential_py38 => "3.8.18",
    differential_py39 => "3.9.18",
    differential_py310 => "3.10.13",
    differential_py311 => "3.11.7",
    differential_py312 => "3.12.1",
    differential_py313 => "3.13.0",
    differential_py313_18 => "3.13.18",
    differential_py314 => "3.14.10",
    differential_py315 => "3.15.2",
}

#[test]
fn scenario_count_is_at_least_150() {
    let n = scenarios::all().len();
    assert!(n >= 150, "only {n} scenarios");
}
