//! The check tool's command line, run as a real process.

use std::process::Command;

fn check() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nanbyo-check"))
}

#[test]
fn version_names_the_tool_and_the_core() {
    let out = check().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("nanbyo-check "), "{text}");
    assert!(text.contains("nanbyo-core"), "{text}");
}

#[test]
fn help_is_in_japanese_and_succeeds() {
    let out = check().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("使い方"));
}

#[test]
fn no_arguments_is_a_usage_error() {
    let out = check().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("使い方"));
}

fn example(name: &str) -> String {
    format!("{}/../../docs/bulk-xml/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = check().args(["--today", "2026-11-24"]).args(args).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_valid_file_passes_with_exit_code_0() {
    let (code, out) = run(&[&example("valid.xml")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("受付可 2 件"), "{out}");
}

#[test]
fn each_problem_is_printed_as_file_line_column_code_message() {
    let file = example("one-bad-form.xml");
    let (code, out) = run(&[&file]);
    assert_eq!(code, Some(1));
    assert!(out.contains(&format!("{file}:25:5: E_RANGE: 「Hoehn-Yahr")), "{out}");
    assert!(out.contains("不可 1 件"), "{out}");
}

#[test]
fn malformed_and_hostile_files_are_refused_whole() {
    let (code, out) = run(&[&example("malformed.xml"), &example("doctype-entity.xml")]);
    assert_eq!(code, Some(1));
    assert!(out.contains("malformed.xml:19:33: E_XML_MALFORMED"), "{out}");
    assert!(out.contains("doctype-entity.xml:2:1: E_XML_DOCTYPE"), "{out}");
}

#[test]
fn json_output_for_machines() {
    let (code, out) = run(&["--format", "json", &example("one-bad-form.xml")]);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["errors"], 1);
    let forms = &v["files"][0]["forms"];
    assert_eq!(forms[0]["accepted"], false);
    assert_eq!(forms[0]["problems"][0]["code"], "E_RANGE");
    assert_eq!(forms[0]["problems"][0]["line"], 25);
    assert_eq!(forms[1]["accepted"], true);
}

#[test]
fn an_exported_definitions_file_replaces_the_bundled_ones() {
    let dir = std::env::temp_dir().join(format!("nanbyo-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let defs = dir.join("definitions.json");
    // only N006: the ALS form of the example is then unknown
    let n006: serde_json::Value = serde_json::from_str(nanbyo_core::bundled::definition("N006").unwrap()).unwrap();
    std::fs::write(&defs, serde_json::json!([{"definition": n006}]).to_string()).unwrap();
    let (code, out) = run(&["--definitions", defs.to_str().unwrap(), &example("valid.xml")]);
    assert_eq!(code, Some(1));
    assert!(out.contains("E_UNKNOWN_FORM_VERSION"), "{out}");
    let (code, _) = run(&["--definitions", "/nonexistent.json", &example("valid.xml")]);
    assert_eq!(code, Some(2));
}
