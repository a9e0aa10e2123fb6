//! Golden judgment cases: for each disease, `cases/<name>.json` beside its
//! form versions holds form data and the full result `judge` must give,
//! compared as JSON. One generic test runs them all in the core
//! (tests/golden_cases.rs) and one through SQL (extension/pg/src/forms.rs);
//! both use what is here, so they read, choose the version and compare
//! alike.
//!
//! ```json
//! {
//!   "description": "what the case shows",
//!   "version": "2024-04-01",
//!   "input": {"hoehn_yahr": 3},
//!   "expected": {"valid": true, "primary_judgment": "meets", ...}
//! }
//! ```
//!
//! `version` (optional) is the `effective_from` of the form version the
//! case is for; without it, the disease's latest bundled version.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundled::{self, BundledForm};

/// A case file of the form master, listed by build.rs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFile {
    pub program: &'static str,
    pub disease_code: &'static str,
    /// The file's name without `.json`.
    pub name: &'static str,
    /// The file's path under extension/core/forms/.
    pub path: &'static str,
    pub text: &'static str,
}

/// Every golden case of the bundled diseases (only with the
/// `golden-cases` feature: the extension's pg_tests need them, a release
/// build does not).
#[cfg(feature = "golden-cases")]
pub const CASES: &[CaseFile] = include!(concat!(env!("OUT_DIR"), "/golden_cases.rs"));

/// One golden case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The form data (an object of item id → value).
    pub input: Value,
    /// The full `judge` result.
    pub expected: Value,
}

impl CaseFile {
    /// The case, or why the file is not one.
    pub fn read(&self) -> Result<GoldenCase, String> {
        let case: GoldenCase =
            serde_json::from_str(self.text).map_err(|e| format!("{}: not a golden case: {e}", self.path))?;
        if !case.input.is_object() {
            return Err(format!("{}: input must be an object of item id → value", self.path));
        }
        if case.description.trim().is_empty() {
            return Err(format!("{}: say what the case shows in description", self.path));
        }
        Ok(case)
    }

    /// The form version the case is for: its `version`, or the disease's
    /// latest.
    pub fn form_version(&self, case: &GoldenCase) -> Result<&'static BundledForm, String> {
        let mut versions = bundled::versions(self.disease_code);
        let found = match &case.version {
            Some(date) => versions.find(|f| f.effective_from == date),
            None => versions.last(),
        };
        found.ok_or_else(|| {
            format!(
                "{}: {} has no bundled version {}",
                self.path,
                self.disease_code,
                case.version.as_deref().unwrap_or("at all")
            )
        })
    }
}

/// `value` as a case file shows it: pretty, keys sorted, two spaces.
pub fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("JSON values serialise")
}

/// The text of a case file for `case`: pretty JSON and a final newline.
pub fn file_text(case: &GoldenCase) -> String {
    pretty(case) + "\n"
}

/// A readable diff of two JSON values, pretty-printed: the lines only in
/// `expected` marked `-`, those only in `actual` marked `+`, with three
/// lines around each change. Empty when they are equal as text.
pub fn diff(expected: &Value, actual: &Value) -> String {
    let old = pretty(expected);
    let new = pretty(actual);
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    // longest common subsequence, from the end
    let mut lcs = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i][j] = if old[i] == new[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut lines: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            lines.push((' ', old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', old[i]));
            i += 1;
        } else {
            lines.push(('+', new[j]));
            j += 1;
        }
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = lines.iter().enumerate().filter(|(_, (m, _))| *m != ' ').map(|(n, _)| n).collect();
    let shown = |n: usize| changed.iter().any(|&c| c.abs_diff(n) <= CONTEXT);
    let mut out = String::new();
    let mut skipped = false;
    for (n, (mark, line)) in lines.iter().enumerate() {
        if shown(n) {
            if skipped {
                out.push_str("  …\n");
                skipped = false;
            }
            out.push_str(&format!("{mark} {line}\n"));
        } else {
            skipped = true;
        }
    }
    out
}

/// The failure message of a case whose result differs from the expected.
pub fn mismatch(file: &CaseFile, case: &GoldenCase, actual: &Value) -> String {
    format!(
        "golden case {} ({}) differs (- expected, + actual):\n{}",
        file.path,
        case.description,
        diff(&case.expected, actual)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_diff_shows_changed_lines_with_context() {
        let expected = json!({"a": 1, "b": [1, 2, 3], "c": "x", "d": true, "e": null, "f": 0, "g": 0, "h": 0});
        let actual = json!({"a": 1, "b": [1, 2, 4], "c": "x", "d": true, "e": null, "f": 0, "g": 0, "h": 1});
        let d = diff(&expected, &actual);
        assert!(d.contains("-     3\n+     4\n"), "{d}");
        assert!(d.contains("-   \"h\": 0\n+   \"h\": 1\n"), "{d}");
        assert!(!d.contains("\"a\": 1"), "far from a change: {d}");
        assert!(d.contains("  …\n"), "{d}");
        assert_eq!(diff(&expected, &expected), "");
    }

    #[test]
    fn a_case_file_reads_and_writes_back_the_same() {
        let text =
            "{\n  \"description\": \"d\",\n  \"version\": \"2024-04-01\",\n  \"input\": {\n    \"x\": 1\n  },\n  \
                    \"expected\": {\n    \"valid\": true\n  }\n}\n";
        let file =
            CaseFile { program: "nanbyo", disease_code: "N006", name: "x", path: "nanbyo/N006/cases/x.json", text };
        let case = file.read().unwrap();
        assert_eq!(case.version.as_deref(), Some("2024-04-01"));
        assert_eq!(file_text(&case), text);
        assert_eq!(file.form_version(&case).unwrap().effective_from, "2024-04-01");
        let unknown = GoldenCase { version: Some("1999-01-01".into()), ..case.clone() };
        assert!(file.form_version(&unknown).is_err());
        let bad = CaseFile { text: "{\"description\": \"d\", \"input\": [], \"expected\": {}}", ..file };
        assert!(bad.read().unwrap_err().contains("input must be an object"));
        let typo = CaseFile { text: "{\"description\": \"d\", \"inputs\": {}, \"expected\": {}}", ..file };
        assert!(typo.read().is_err());
    }
}
