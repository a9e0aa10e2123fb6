//! nanbyo-check: the offline check tool (チェックツール) that hospital
//! vendors run on their bulk-registration XML before uploading it. It uses
//! the same core crate as the database (`nanbyo_core::bulk`), so both find
//! the same problems. No database, no network.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use chrono::NaiveDate;
use nanbyo_core::bulk::check::{check_form, check_header, FormReport, Problem};
use nanbyo_core::bulk::reader::{FileError, FormsReader, Limits, Record};
use nanbyo_core::bulk::versions::DefinitionSet;
use serde::Serialize;

const USAGE: &str = "\
使い方: nanbyo-check [オプション] ファイル...

難病・小慢DB 一括登録用XMLファイルをオフラインで検査します。誤りを
「ファイル:行:桁: コード: メッセージ」の形で表示し、誤りがあれば終了コード 1 を返します。
(Checks nanbyo-db bulk-registration XML files offline; exit code 1 on any error.)

オプション:
  --format text|json    出力形式（既定: text）
  --definitions FILE    様式定義ファイル（GET /form_versions の出力）を使う（既定: 同梱の定義）
  --today YYYY-MM-DD    この日に有効な様式で検査する（既定: 今日）
  -h, --help            この説明を表示する
  -V, --version         バージョンを表示する
";

#[derive(Serialize, Default)]
struct Summary {
    forms: usize,
    accepted: usize,
    rejected: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    file_error: Option<FileError>,
    header_problems: Vec<Problem>,
    forms: Vec<FormReport>,
    summary: Summary,
}

struct Options {
    json: bool,
    definitions: Option<String>,
    today: NaiveDate,
    files: Vec<String>,
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("nanbyo-check: {message}\n");
    eprint!("{USAGE}");
    ExitCode::from(2)
}

fn parse_args(args: Vec<String>) -> Result<Options, ExitCode> {
    let mut o = Options { json: false, definitions: None, today: chrono::Local::now().date_naive(), files: vec![] };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-V" | "--version" => {
                let core = nanbyo_core::build_info();
                println!("nanbyo-check {} ({} {})", env!("CARGO_PKG_VERSION"), core.name, core.version);
                return Err(ExitCode::SUCCESS);
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(ExitCode::SUCCESS);
            }
            "--format" => match args.next().as_deref() {
                Some("json") => o.json = true,
                Some("text") => o.json = false,
                _ => return Err(usage_error("--format には text か json を指定してください。")),
            },
            "--definitions" => match args.next() {
                Some(f) => o.definitions = Some(f),
                None => return Err(usage_error("--definitions にはファイルを指定してください。")),
            },
            "--today" => match args.next().and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) {
                Some(d) => o.today = d,
                None => return Err(usage_error("--today には YYYY-MM-DD の日付を指定してください。")),
            },
            s if s.starts_with('-') && s != "-" => return Err(usage_error(&format!("不明なオプション {s}"))),
            _ => o.files.push(a),
        }
    }
    if o.files.is_empty() {
        return Err(usage_error("検査するファイルを指定してください。"));
    }
    Ok(o)
}

fn check_file(path: &str, versions: &mut DefinitionSet) -> FileResult {
    let mut result = FileResult {
        file: path.to_owned(),
        file_error: None,
        header_problems: vec![],
        forms: vec![],
        summary: Summary::default(),
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            result.file_error = Some(FileError {
                code: "E_FILE_UNREADABLE",
                message: format!("ファイルを開けません: {e}"),
                line: 0,
                column: 0,
            });
            return result;
        }
    };
    let mut seen = HashSet::new();
    for record in FormsReader::new(BufReader::with_capacity(64 * 1024, file), Limits::default()) {
        match record {
            Ok(Record::Header(h)) => result.header_problems = check_header(&h),
            Ok(Record::Form(form)) => result.forms.push(check_form(&form, versions, Some(&mut seen))),
            Err(e) => {
                // a malformed file is refused whole: its forms are not counted
                result.file_error = Some(e);
                result.forms.clear();
                break;
            }
        }
    }
    let s = &mut result.summary;
    s.forms = result.forms.len();
    s.accepted = result.forms.iter().filter(|f| f.accepted).count();
    s.rejected = s.forms - s.accepted;
    let all = result.forms.iter().flat_map(|f| &f.problems).chain(&result.header_problems);
    for p in all {
        if p.severity == "error" {
            s.errors += 1;
        } else {
            s.warnings += 1;
        }
    }
    if result.file_error.is_some() {
        s.errors += 1;
    }
    result
}

fn print_text(r: &FileResult) {
    if let Some(e) = &r.file_error {
        println!("{}:{}:{}: {}: {}", r.file, e.line, e.column, e.code, e.message);
    }
    for p in r.header_problems.iter().chain(r.forms.iter().flat_map(|f| &f.problems)) {
        let level = if p.severity == "error" { "" } else { "警告 " };
        println!("{}:{}:{}: {}{}: {}", r.file, p.line, p.column, level, p.code, p.message);
    }
    let s = &r.summary;
    if r.file_error.is_some() {
        println!("{}: ファイル全体を受け付けられません（誤り {} 件）", r.file, s.errors);
    } else {
        println!("{}: 票 {} 件 — 受付可 {} 件、不可 {} 件（誤り {} 件、警告 {} 件）",
                 r.file, s.forms, s.accepted, s.rejected, s.errors, s.warnings);
    }
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut versions = match &options.definitions {
        None => DefinitionSet::bundled(options.today),
        Some(path) => match std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
            .and_then(|text| DefinitionSet::from_json(&text, options.today)) {
            Ok(v) => v,
            Err(message) => {
                eprintln!("nanbyo-check: E_DEFINITIONS: {message}");
                return ExitCode::from(2);
            }
        },
    };
    let results: Vec<FileResult> = options.files.iter().map(|f| check_file(f, &mut versions)).collect();
    let errors: usize = results.iter().map(|r| r.summary.errors).sum();
    let warnings: usize = results.iter().map(|r| r.summary.warnings).sum();
    if options.json {
        let out = serde_json::json!({"files": results, "errors": errors, "warnings": warnings});
        println!("{}", serde_json::to_string_pretty(&out).expect("results serialise"));
    } else {
        for r in &results {
            print_text(r);
        }
        if results.len() > 1 {
            println!("合計: ファイル {} 件、誤り {} 件、警告 {} 件", results.len(), errors, warnings);
        }
    }
    if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
