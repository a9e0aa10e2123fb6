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

/// Where findings go as they are found: one form in memory at a time.
trait Output {
    fn begin_file(&mut self, file: &str);
    fn header(&mut self, file: &str, problems: &[Problem]);
    fn form(&mut self, file: &str, report: &FormReport);
    fn end_file(&mut self, file: &str, file_error: Option<&FileError>, summary: &Summary);
    fn finish(&mut self, files: usize, errors: usize, warnings: usize);
}

struct Text;

impl Output for Text {
    fn begin_file(&mut self, _file: &str) {}
    fn header(&mut self, file: &str, problems: &[Problem]) {
        for p in problems {
            print_problem(file, p);
        }
    }
    fn form(&mut self, file: &str, report: &FormReport) {
        for p in &report.problems {
            print_problem(file, p);
        }
    }
    fn end_file(&mut self, file: &str, file_error: Option<&FileError>, s: &Summary) {
        if let Some(e) = file_error {
            println!("{file}:{}:{}: {}: {}", e.line, e.column, e.code, e.message);
            println!("{file}: ファイル全体を受け付けられません（誤り {} 件）", s.errors);
        } else {
            println!(
                "{file}: 票 {} 件 — 受付可 {} 件、不可 {} 件（誤り {} 件、警告 {} 件）",
                s.forms, s.accepted, s.rejected, s.errors, s.warnings
            );
        }
    }
    fn finish(&mut self, files: usize, errors: usize, warnings: usize) {
        if files > 1 {
            println!("合計: ファイル {files} 件、誤り {errors} 件、警告 {warnings} 件");
        }
    }
}

fn print_problem(file: &str, p: &Problem) {
    let level = if p.severity == "error" { "" } else { "警告 " };
    println!("{file}:{}:{}: {level}{}: {}", p.line, p.column, p.code, p.message);
}

/// JSON written as it goes: `{"files": [{"file", "forms": [...],
/// "header_problems", "file_error", "summary"}], "errors", "warnings"}`. A
/// malformed file's forms are listed as read before the error; its
/// `file_error` says that none of them is used.
struct Json {
    first_file: bool,
    first_form: bool,
    header_problems: Vec<Problem>,
}

impl Output for Json {
    fn begin_file(&mut self, file: &str) {
        print!(
            "{}{{\"file\":{},\"forms\":[",
            if self.first_file { "{\"files\":[" } else { "," },
            serde_json::to_string(file).unwrap()
        );
        self.first_file = false;
        self.first_form = true;
        self.header_problems.clear();
    }
    fn header(&mut self, _file: &str, problems: &[Problem]) {
        self.header_problems = problems.to_vec();
    }
    fn form(&mut self, _file: &str, report: &FormReport) {
        print!("{}{}", if self.first_form { "" } else { "," }, serde_json::to_string(report).unwrap());
        self.first_form = false;
    }
    fn end_file(&mut self, _file: &str, file_error: Option<&FileError>, s: &Summary) {
        print!(
            "],\"header_problems\":{},\"file_error\":{},\"summary\":{}}}",
            serde_json::to_string(&self.header_problems).unwrap(),
            serde_json::to_string(&file_error).unwrap(),
            serde_json::to_string(s).unwrap()
        );
    }
    fn finish(&mut self, _files: usize, errors: usize, warnings: usize) {
        if self.first_file {
            print!("{{\"files\":[");
        }
        println!("],\"errors\":{errors},\"warnings\":{warnings}}}");
    }
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

/// Checks one file, handing each finding to `out`; returns its summary.
fn check_file(path: &str, versions: &mut DefinitionSet, out: &mut dyn Output) -> Summary {
    let mut s = Summary::default();
    out.begin_file(path);
    let count = |s: &mut Summary, problems: &[Problem]| {
        for p in problems {
            if p.severity == "error" {
                s.errors += 1
            } else {
                s.warnings += 1
            }
        }
    };
    let file_error = match File::open(path) {
        Err(e) => Some(FileError {
            code: "E_FILE_UNREADABLE",
            message: format!("ファイルを開けません: {e}"),
            line: 0,
            column: 0,
        }),
        Ok(file) => {
            let mut seen = HashSet::new();
            let mut error = None;
            for record in FormsReader::new(BufReader::with_capacity(64 * 1024, file), Limits::default()) {
                match record {
                    Ok(Record::Header(h)) => {
                        let problems = check_header(&h);
                        count(&mut s, &problems);
                        out.header(path, &problems);
                    }
                    Ok(Record::Form(form)) => {
                        let report = check_form(&form, versions, Some(&mut seen));
                        s.forms += 1;
                        if report.accepted {
                            s.accepted += 1
                        } else {
                            s.rejected += 1
                        }
                        count(&mut s, &report.problems);
                        out.form(path, &report);
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            error
        }
    };
    if file_error.is_some() {
        // a malformed file is refused whole: none of its forms counts
        s = Summary { errors: 1, ..Summary::default() };
    }
    out.end_file(path, file_error.as_ref(), &s);
    s
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut versions = match &options.definitions {
        None => DefinitionSet::bundled(options.today),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|text| DefinitionSet::from_json(&text, options.today))
        {
            Ok(v) => v,
            Err(message) => {
                eprintln!("nanbyo-check: E_DEFINITIONS: {message}");
                return ExitCode::from(2);
            }
        },
    };
    let mut out: Box<dyn Output> = if options.json {
        Box::new(Json { first_file: true, first_form: true, header_problems: Vec::new() })
    } else {
        Box::new(Text)
    };
    let (mut errors, mut warnings) = (0, 0);
    for f in &options.files {
        let s = check_file(f, &mut versions, out.as_mut());
        errors += s.errors;
        warnings += s.warnings;
    }
    out.finish(options.files.len(), errors, warnings);
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
