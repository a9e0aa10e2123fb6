//! nanbyo-check: the offline check tool (チェックツール) that hospital
//! vendors run on their bulk-registration XML before uploading it. It uses the
//! same core crate as the database, so both find the same problems.
//!
//! Checking files arrives with the XML format; this binary already answers
//! `--version` and `--help` and refuses anything else clearly.

use std::process::ExitCode;

const USAGE: &str = "\
使い方: nanbyo-check [オプション] ファイル...

難病・小慢DB 一括登録用XMLファイルをオフラインで検査します。
(Checks nanbyo-db bulk-registration XML files offline.)

オプション:
  -h, --help       この説明を表示する
  -V, --version    バージョンを表示する
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-V") | Some("--version") => {
            let core = nanbyo_core::build_info();
            println!(
                "nanbyo-check {} ({} {})",
                env!("CARGO_PKG_VERSION"),
                core.name,
                core.version
            );
            ExitCode::SUCCESS
        }
        Some("-h") | Some("--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!(
                "nanbyo-check: E_CHECK_NOT_AVAILABLE: ファイル検査はまだ実装されていません ({other})"
            );
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
