//! Lists the form master in `forms/` for the crate, so there is no
//! hand-kept list: adding a disease is adding files.
//!
//! ```text
//! forms/blocks/<name>@<n>.json                     a shared block
//! forms/<program>/<disease>/<effective_from>.json  a form version
//! forms/<program>/<disease>/cases/<case>.json      a golden judgment case
//! ```
//!
//! Writes to OUT_DIR: `bundled_forms.rs` (the form versions, for
//! `bundled::DEFINITIONS`), `bundled_blocks.rs` (the blocks) and
//! `golden_cases.rs` (the cases, included only by the `golden-cases`
//! feature). Anything else in `forms/` stops the build with the reason:
//! a misplaced file would otherwise be silently left out. Whether a file's
//! content agrees with its path is checked by the crate's tests.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const PROGRAMS: [&str; 2] = ["nanbyo", "shoman"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("forms");
    println!("cargo:rerun-if-changed=forms");

    let mut forms = String::from("&[\n");
    let mut cases = String::from("&[\n");
    let mut blocks = String::from("&[\n");
    for top in entries(&root) {
        let top_name = name(&top);
        if top_name == "blocks" {
            for block in entries(&top) {
                let stem = json_stem(&block).unwrap_or_else(|| refuse(&block, "a block is a .json file"));
                let _ = writeln!(blocks, "    ({stem:?}, include_str!({:?})),", path_text(&block));
            }
            continue;
        }
        if !PROGRAMS.contains(&top_name.as_str()) {
            refuse(&top, "the folders of forms/ are blocks/ and the programs (nanbyo/, shoman/)");
        }
        for disease in entries(&top) {
            if !disease.is_dir() {
                refuse(&disease, "a program folder holds one folder per disease code");
            }
            let code = name(&disease);
            let mut versions = 0;
            for entry in entries(&disease) {
                if entry.is_dir() && name(&entry) == "cases" {
                    for case in entries(&entry) {
                        let case_name =
                            json_stem(&case).unwrap_or_else(|| refuse(&case, "a golden case is a .json file"));
                        let _ = writeln!(
                            cases,
                            "    CaseFile {{ program: {top_name:?}, disease_code: {code:?}, name: {case_name:?}, \
                             path: {:?}, text: include_str!({:?}) }},",
                            relative(&root, &case),
                            path_text(&case)
                        );
                    }
                    continue;
                }
                let date = json_stem(&entry)
                    .filter(|stem| is_iso_date(stem))
                    .unwrap_or_else(|| refuse(&entry, "a disease folder holds <effective_from>.json files and cases/"));
                versions += 1;
                let _ = writeln!(
                    forms,
                    "    BundledForm {{ program: {top_name:?}, disease_code: {code:?}, effective_from: {date:?}, \
                     path: {:?}, definition: include_str!({:?}) }},",
                    relative(&root, &entry),
                    path_text(&entry)
                );
            }
            if versions == 0 {
                refuse(&disease, "a disease folder needs at least one form version (<effective_from>.json)");
            }
        }
    }
    for list in [&mut forms, &mut cases, &mut blocks] {
        list.push_str("]\n");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (file, text) in [("bundled_forms.rs", forms), ("golden_cases.rs", cases), ("bundled_blocks.rs", blocks)] {
        fs::write(out.join(file), text).unwrap_or_else(|e| panic!("cannot write {file}: {e}"));
    }
}

/// The entries of a folder, sorted by name (so the lists are in a stable
/// order: program, disease code, effective date).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path())
        .collect();
    paths.sort();
    paths
}

fn name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or_else(|| refuse(path, "names are UTF-8")).to_owned()
}

/// The name without `.json` of a JSON file.
fn json_stem(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    name(path).strip_suffix(".json").filter(|stem| !stem.is_empty()).map(str::to_owned)
}

fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn path_text(path: &Path) -> String {
    path.to_str().unwrap_or_else(|| refuse(path, "paths are UTF-8")).to_owned()
}

/// `path` under forms/, with `/` between its parts.
fn relative(root: &Path, path: &Path) -> String {
    let parts: Vec<String> = path
        .strip_prefix(root)
        .expect("under forms/")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn refuse(path: &Path, rule: &str) -> ! {
    panic!("extension/core/forms: {} does not fit the layout: {rule} (see extension/core/FORMS.md)", path.display())
}
