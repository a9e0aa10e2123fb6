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
