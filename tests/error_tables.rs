//! The `[LIB: REASON]` tables, compared whole with the live interpreters: for every profile of
//! `oracle/releases.tsv`, the table pyssl names OpenSSL errors with
//! (`Profile::mnemonic_table`, chosen by the release and the OpenSSL pyssl is built against)
//! equals the one that interpreter compiled in, name for name. The interpreter's table is
//! recovered by `tools/dump_error_codes.py` (3.12+ keep it private: it queues each code on
//! OpenSSL's error queue and reads the `SSLError` CPython makes of it).

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use serde_json::Value;

const DUMP: &str = include_str!("../tools/dump_error_codes.py");

/// Reasons probed: every name in CPython's tables is below 1256 (SSL alerts are 1000 + the
/// alert number); the tool's own default of 4095 only costs time here.
const MAX_REASON: &str = "2047";

#[test]
fn mnemonic_tables_equal_each_interpreters() {
    let mut compared = Vec::new();
    for profile in common::compared_profiles() {
        let Some(oracle) = common::oracle_for(&profile) else {
            continue;
        };
        let theirs = oracle.run_json(DUMP, &["--max-reason", MAX_REASON], "");
        let table = profile.mnemonic_table();
        let ours_reasons: BTreeMap<String, Value> = table
            .reasons()
            .filter(|((_, reason), _)| *reason <= MAX_REASON.parse::<i32>().unwrap())
            .map(|((lib, reason), name)| (format!("{lib},{reason}"), Value::from(name)))
            .collect();
        let theirs_reasons: BTreeMap<String, Value> = theirs["err_codes_to_names"]
            .as_object()
            .expect("err_codes_to_names")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let ours_libs: BTreeMap<String, Value> = table
            .libraries()
            .map(|(lib, name)| (lib.to_string(), Value::from(name)))
            .collect();
        let theirs_libs: BTreeMap<String, Value> = theirs["lib_codes_to_names"]
            .as_object()
            .expect("lib_codes_to_names")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let only = |a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>| {
            a.iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, v)| format!("{k}={v}"))
                .take(10)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            (ours_reasons.len(), ours_libs.len()),
            (theirs_reasons.len(), theirs_libs.len()),
            "{} ({} suites): table sizes differ; pyssl only: {:?}; CPython only: {:?}",
            profile.release(),
            profile.ssl_default_suites.name(),
            only(&ours_reasons, &theirs_reasons),
            only(&theirs_reasons, &ours_reasons),
        );
        assert_eq!(ours_reasons, theirs_reasons, "{}", profile.release());
        assert_eq!(ours_libs, theirs_libs, "{}", profile.release());
        compared.push(format!("{} {}", profile.release(), ours_reasons.len()));
    }
    eprintln!(
        "mnemonic tables equal to the interpreters' (release, named reasons): {}",
        compared.join(", ")
    );
}
