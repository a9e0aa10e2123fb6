//! Every golden judgment case of the form master
//! (extension/core/forms/<program>/<disease>/cases/*.json) judged by the
//! core and compared with its expected result as JSON; a difference is
//! shown as a diff of the two pretty-printed results.
//!
//! After an intended change of a definition or of the judgment, rewrite the
//! expected results from the current judge and read the diff of the files
//! before committing:
//!
//! ```sh
//! NANBYO_BLESS=1 cargo test -p nanbyo-core --test golden_cases
//! ```

use std::collections::{BTreeMap, BTreeSet};

use nanbyo_core::golden::{file_text, mismatch, CaseFile, GoldenCase};
use nanbyo_core::{bundled, CompiledForm};
use serde_json::Value;

/// Every case file, as build.rs lists them (what `golden::CASES` is with the
/// `golden-cases` feature).
const CASES: &[CaseFile] = include!(concat!(env!("OUT_DIR"), "/golden_cases.rs"));

fn judged(case: &GoldenCase, definition: &str) -> Value {
    let form = CompiledForm::from_json(definition).expect("bundled definitions compile");
    serde_json::to_value(form.judge(case.input.as_object().expect("read() checked"))).expect("a judgment serialises")
}

#[test]
fn every_golden_case_gives_its_expected_judgment() {
    let bless = std::env::var_os("NANBYO_BLESS").is_some();
    let mut failures = Vec::new();
    for file in CASES {
        let mut case = file.read().unwrap_or_else(|e| panic!("{e}"));
        let version = file.form_version(&case).unwrap_or_else(|e| panic!("{e}"));
        let actual = judged(&case, version.definition);
        if actual == case.expected {
            continue;
        }
        if bless {
            case.expected = actual;
            let path = format!("{}/forms/{}", env!("CARGO_MANIFEST_DIR"), file.path);
            std::fs::write(&path, file_text(&case)).unwrap_or_else(|e| panic!("{path}: {e}"));
            eprintln!("blessed {}", file.path);
        } else {
            failures.push(mismatch(file, &case, &actual));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n{} of {} golden cases differ. If the change is intended, run \
         NANBYO_BLESS=1 cargo test -p nanbyo-core --test golden_cases and review the files' diff.",
        failures.join("\n"),
        failures.len(),
        CASES.len()
    );
}

/// Each disease has 3 or more cases, among them a form that meets the
/// criteria, one that does not, and invalid data (needs review); a general
/// form (no machine judgment), complete data and invalid data.
#[test]
fn every_bundled_disease_has_cases_of_each_outcome() {
    if std::env::var_os("NANBYO_BLESS").is_some() {
        // the cases compiled into this run are the ones being rewritten: run again without NANBYO_BLESS
        return;
    }
    let mut outcomes: BTreeMap<&str, Vec<(bool, String)>> = BTreeMap::new();
    for file in CASES {
        let case = file.read().unwrap_or_else(|e| panic!("{e}"));
        let valid = case.expected["valid"] == true;
        let primary = case.expected["primary_judgment"].as_str().unwrap_or("").to_owned();
        outcomes.entry(file.disease_code).or_default().push((valid, primary));
    }
    let diseases: BTreeSet<&str> = bundled::DEFINITIONS.iter().map(|f| f.disease_code).collect();
    for disease in diseases {
        let cases = outcomes.get(disease).map(Vec::as_slice).unwrap_or_default();
        let has = |valid: bool, primary: &str| cases.iter().any(|(v, p)| *v == valid && p == primary);
        assert!(cases.len() >= 3, "{disease}: write at least 3 golden cases in its cases/ folder");
        let general =
            bundled::versions(disease).any(|f| !CompiledForm::from_json(f.definition).unwrap().machine_judgment());
        if general {
            // a general form never judges: complete data needs review too
            assert!(cases.iter().all(|(_, p)| p == "needs_review"), "{disease}: a general form only needs review");
            assert!(has(true, "needs_review"), "{disease}: no golden case of complete data");
            assert!(has(false, "needs_review"), "{disease}: no golden case of invalid data");
            continue;
        }
        assert!(has(true, "meets"), "{disease}: no golden case that meets the criteria");
        assert!(has(true, "does_not_meet"), "{disease}: no golden case that does not meet the criteria");
        assert!(has(false, "needs_review"), "{disease}: no golden case of invalid data");
    }
}
