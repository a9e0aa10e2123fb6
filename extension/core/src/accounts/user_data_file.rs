//! The hospital user-data file (医療機関ユーザデータファイル) of A4: one CSV
//! row per account to issue at a hospital. The columns are documented in
//! `docs/user-data-file.md`; the header row may use the English column id or
//! the Japanese label.
//!
//! This module checks everything that can be checked from the file alone
//! (formats, required columns, check digits). Whether the hospital is in the
//! issuing municipality's area and whether an ID already exists is decided in
//! SQL (`api.issue_accounts_from_csv`).

use chrono::NaiveDate;
use serde::Serialize;
use thiserror::Error;

use crate::error::{ErrorCode, ErrorKind};

use crate::csv::{read_records, CsvError};
use crate::identifiers::valid_medical_institution_code;
use crate::normalize::{parse_date, to_half_width};

/// Upper bounds that keep one upload small: a large hospital has a few
/// hundred doctors.
pub const MAX_BYTES: usize = 1024 * 1024;
pub const MAX_ROWS: usize = 2000;

/// (column id, Japanese label, required for every row)
pub const COLUMNS: &[(&str, &str)] = &[
    ("medical_institution_code", "医療機関コード"),
    ("account_type", "利用者区分"),
    ("program", "制度"),
    ("doctor_kind", "指定医区分"),
    ("name", "氏名"),
    ("name_kana", "氏名カナ"),
    ("email", "メールアドレス"),
    ("medical_registry_number", "医籍登録番号"),
    ("designated_doctor_number", "指定医番号"),
    ("designation_expires_on", "指定有効期限"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDataRow {
    pub line: usize,
    pub medical_institution_code: String,
    /// `doctor` or `hospital_admin`
    pub account_type: &'static str,
    /// `nanbyo` or `shoman` (doctors only)
    pub program: Option<&'static str>,
    /// `designated` or `cooperating` (doctors only; cooperating is nanbyō only)
    pub doctor_kind: Option<&'static str>,
    pub name: String,
    pub name_kana: String,
    pub email: Option<String>,
    pub medical_registry_number: Option<String>,
    pub designated_doctor_number: Option<String>,
    pub designation_expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub column: &'static str,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDataFile {
    pub rows: Vec<UserDataRow>,
    pub problems: Vec<RowProblem>,
}

/// Problems with the file as a whole: nothing in it can be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FileError {
    #[error("ファイルが空です。")]
    Empty,
    #[error("ファイルが大きすぎます（上限 {MAX_BYTES} バイト）。")]
    TooLarge,
    #[error("行数が多すぎます（上限 {MAX_ROWS} 行）。ファイルを分けてください。")]
    TooManyRows,
    #[error("CSVの形式が正しくありません: {0}")]
    Csv(#[from] CsvError),
    #[error("1行目（見出し）に必要な列がありません: {0}")]
    MissingColumns(String),
    #[error("1行目（見出し）に不明な列があります: {0}")]
    UnknownColumn(String),
}

impl ErrorCode for FileError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "E_CSV_EMPTY",
            Self::TooLarge => "E_FILE_TOO_LARGE",
            Self::TooManyRows => "E_CSV_TOO_MANY_ROWS",
            Self::Csv(_) => "E_CSV_MALFORMED",
            Self::MissingColumns(_) | Self::UnknownColumn(_) => "E_CSV_HEADER",
        }
    }

    fn message(&self) -> String {
        self.to_string()
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::TooLarge | Self::TooManyRows => ErrorKind::TooLarge,
            _ => ErrorKind::MalformedText,
        }
    }
}

/// Reads and checks a user-data file. `today` decides whether a designation
/// expiry is already past.
pub fn parse_user_data_file(text: &str, today: NaiveDate) -> Result<UserDataFile, FileError> {
    if text.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    let mut records = read_records(text)?.into_iter();
    let header = records.next().ok_or(FileError::Empty)?;
    let positions = column_positions(&header.fields)?;
    let records: Vec<_> = records.collect();
    if records.is_empty() {
        return Err(FileError::Empty);
    }
    if records.len() > MAX_ROWS {
        return Err(FileError::TooManyRows);
    }
    let mut file = UserDataFile { rows: Vec::new(), problems: Vec::new() };
    for record in records {
        let cell = |column: usize| -> String {
            positions[column].and_then(|i| record.fields.get(i)).map(|v| v.trim().to_string()).unwrap_or_default()
        };
        let mut row = RowReader { line: record.line, problems: &mut file.problems };
        if record.fields.len() > header.fields.len() {
            row.problem(
                "",
                "E_CSV_FIELD_COUNT",
                format!(
                    "列の数が見出し（{}列）より多くなっています（{}列）。",
                    header.fields.len(),
                    record.fields.len()
                ),
            );
        }
        if let Some(parsed) = row.read(cell) {
            file.rows.push(parsed);
        }
    }
    // Designation already expired: decided against `today`.
    for row in &file.rows {
        if let Some(expiry) = row.designation_expires_on {
            if expiry < today {
                file.problems.push(RowProblem {
                    line: row.line,
                    column: "designation_expires_on",
                    code: "E_DESIGNATION_EXPIRED",
                    message: format!("指定有効期限（{expiry}）が過ぎています。"),
                });
            }
        }
    }
    file.problems.sort_by_key(|p| p.line);
    Ok(file)
}

/// For each entry of COLUMNS, its index in the header (None when the optional
/// column is absent).
fn column_positions(header: &[String]) -> Result<Vec<Option<usize>>, FileError> {
    let mut positions = vec![None; COLUMNS.len()];
    for (index, title) in header.iter().enumerate() {
        let title = title.trim();
        let Some(column) = COLUMNS.iter().position(|(id, label)| *id == title || *label == title) else {
            return Err(FileError::UnknownColumn(title.to_string()));
        };
        positions[column] = Some(index);
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&positions)
        .filter(|((id, _), p)| p.is_none() && *id != "email")
        .map(|((_, label), _)| *label)
        .collect();
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(FileError::MissingColumns(missing.join("、")))
    }
}

struct RowReader<'a> {
    line: usize,
    problems: &'a mut Vec<RowProblem>,
}

impl RowReader<'_> {
    fn problem(&mut self, column: &'static str, code: &'static str, message: String) {
        self.problems.push(RowProblem { line: self.line, column, code, message });
    }

    fn label(column: &str) -> &'static str {
        COLUMNS.iter().find(|(id, _)| *id == column).map(|(_, l)| *l).unwrap_or("")
    }

    fn required(&mut self, column: &'static str, value: String) -> Option<String> {
        if value.is_empty() {
            self.problem(column, "E_REQUIRED", format!("{}を入力してください。", Self::label(column)));
            None
        } else {
            Some(value)
        }
    }

    fn not_applicable(&mut self, column: &'static str, value: &str, why: &str) {
        if !value.is_empty() {
            self.problem(column, "E_NOT_APPLICABLE", format!("{}は{}入力しないでください。", Self::label(column), why));
        }
    }

    /// One of the allowed values, given by id or Japanese label.
    fn choice(
        &mut self,
        column: &'static str,
        value: &str,
        allowed: &[(&'static str, &'static str)],
    ) -> Option<&'static str> {
        let found = allowed.iter().find(|(id, label)| *id == value || *label == value).map(|(id, _)| *id);
        if found.is_none() {
            let list: Vec<String> = allowed.iter().map(|(id, l)| format!("{l}（{id}）")).collect();
            self.problem(
                column,
                "E_UNKNOWN_CODE",
                format!(
                    "{}「{value}」は使えません。{}のいずれかを入力してください。",
                    Self::label(column),
                    list.join("・")
                ),
            );
        }
        found
    }

    fn read(&mut self, cell: impl Fn(usize) -> String) -> Option<UserDataRow> {
        let before = self.problems.len();
        let get = |id: &str| cell(COLUMNS.iter().position(|(c, _)| *c == id).expect("known column"));

        let code = to_half_width(&get("medical_institution_code"));
        let code = self.required("medical_institution_code", code);
        if let Some(code) = &code {
            if !valid_medical_institution_code(code) || code.len() != 10 {
                self.problem(
                    "medical_institution_code",
                    "E_CHECK_DIGIT",
                    format!("医療機関コード「{code}」が正しくありません（10桁・検証番号を確認してください）。"),
                );
            }
        }
        let account_type = self
            .required("account_type", get("account_type"))
            .and_then(|v| self.choice("account_type", &v, &[("doctor", "指定医"), ("hospital_admin", "責任者")]));
        let name = self.required("name", get("name"));
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            self.problem("name", "E_LENGTH", "氏名は100文字以内にしてください。".into());
        }
        let name_kana = self.required("name_kana", get("name_kana"));
        if let Some(kana) = &name_kana {
            if !kana.chars().all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '　')) {
                self.problem("name_kana", "E_PATTERN", "氏名カナは全角カタカナで入力してください。".into());
            }
        }
        let email = Some(get("email")).filter(|e| !e.is_empty());
        if let Some(e) = &email {
            let valid = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            }) && !e.chars().any(char::is_whitespace)
                && e.matches('@').count() == 1;
            if !valid {
                self.problem("email", "E_PATTERN", format!("メールアドレス「{e}」が正しくありません。"));
            }
        }

        let registry = to_half_width(&get("medical_registry_number"));
        let doctor_number = to_half_width(&get("designated_doctor_number"));
        let expiry_raw = get("designation_expires_on");
        let program_raw = get("program");
        let kind_raw = get("doctor_kind");
        let (mut program, mut doctor_kind, mut expiry) = (None, None, None);
        let (mut registry_out, mut doctor_number_out) = (None, None);
        match account_type {
            Some("doctor") => {
                program = self
                    .required("program", program_raw)
                    .and_then(|v| self.choice("program", &v, &[("nanbyo", "難病"), ("shoman", "小慢")]));
                doctor_kind = self.required("doctor_kind", kind_raw).and_then(|v| {
                    self.choice(
                        "doctor_kind",
                        &v,
                        &[
                            ("designated", "難病指定医"),
                            ("designated", "小慢指定医"),
                            ("designated", "指定医"),
                            ("cooperating", "協力難病指定医"),
                        ],
                    )
                });
                if program == Some("shoman") && doctor_kind == Some("cooperating") {
                    self.problem("doctor_kind", "E_NOT_APPLICABLE", "協力難病指定医は難病の制度だけです。".into());
                }
                registry_out = self.required("medical_registry_number", registry);
                if let Some(r) = &registry_out {
                    if !(1..=7).contains(&r.len()) || !r.bytes().all(|b| b.is_ascii_digit()) {
                        self.problem(
                            "medical_registry_number",
                            "E_PATTERN",
                            "医籍登録番号は7桁以内の数字で入力してください。".into(),
                        );
                    }
                }
                doctor_number_out = self.required("designated_doctor_number", doctor_number);
                if let Some(n) = &doctor_number_out {
                    if n.len() > 20 || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                        self.problem(
                            "designated_doctor_number",
                            "E_PATTERN",
                            "指定医番号は20文字以内の英数字とハイフンで入力してください。".into(),
                        );
                    }
                }
                if let Some(raw) = self.required("designation_expires_on", expiry_raw) {
                    expiry = parse_date(&raw);
                    if expiry.is_none() {
                        self.problem(
                            "designation_expires_on",
                            "E_DATE",
                            format!("指定有効期限「{raw}」は日付として読めません。"),
                        );
                    }
                }
            }
            Some(_) => {
                let why = "指定医以外では";
                self.not_applicable("program", &program_raw, why);
                self.not_applicable("doctor_kind", &kind_raw, why);
                self.not_applicable("medical_registry_number", &registry, why);
                self.not_applicable("designated_doctor_number", &doctor_number, why);
                self.not_applicable("designation_expires_on", &expiry_raw, why);
            }
            None => {}
        }
        if self.problems.len() > before {
            return None;
        }
        Some(UserDataRow {
            line: self.line,
            medical_institution_code: code?,
            account_type: account_type?,
            program,
            doctor_kind,
            name: name?,
            name_kana: name_kana?,
            email,
            medical_registry_number: registry_out,
            designated_doctor_number: doctor_number_out,
            designation_expires_on: expiry,
        })
    }
}
