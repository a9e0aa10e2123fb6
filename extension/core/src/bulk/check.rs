//! The checks every form of a bulk file goes through (B9): the same
//! `judge` as online entry, plus what only a file can get wrong (unknown
//! form version, repeated items, bad purpose or status) and the patient
//! register's rules for the patient block. The offline check
//! tool and the server's import both call `check_form`, so they agree.

use std::collections::HashSet;
use std::rc::Rc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::patient_register::patient_register_problem;
use super::position::Position;
use super::reader::{Header, XmlForm};
use crate::identifiers::valid_medical_institution_code;
use crate::CompiledForm;

/// A form version found: the compiled form and the version label it
/// resolved to; or why not, in Japanese.
pub type FoundVersion = Result<(Rc<CompiledForm>, String), String>;

/// Finds the compiled form of a disease and version label (`None`: the
/// version in force).
pub trait FormVersions {
    /// The form, and the version label it resolved to; or a Japanese message.
    fn find(&mut self, disease: &str, version: Option<&str>) -> FoundVersion;

    /// The day forms are checked on (birth dates after it are refused);
    /// None: not checked here.
    fn today(&mut self) -> Option<chrono::NaiveDate> {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `error` rejects the form; `warning` does not
    pub severity: &'static str,
    pub code: String,
    pub message: String,
    pub item: Option<String>,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormReport {
    pub index: usize,
    pub external_id: String,
    pub disease: String,
    pub version: Option<String>,
    pub line: u64,
    pub column: u64,
    pub accepted: bool,
    pub problems: Vec<Problem>,
    /// The form's data (items by id, application type from the purpose), as
    /// normalised by `judge`: what the import stores.
    #[serde(skip)]
    pub data: Map<String, Value>,
    #[serde(skip)]
    pub judgment: Option<Value>,
}

fn problem(severity: &'static str, code: &str, message: String, item: Option<String>, at: Position) -> Problem {
    Problem { severity, code: code.to_owned(), message, item, line: at.line, column: at.column }
}

fn item_position_of(form: &XmlForm, id: &str) -> Position {
    form.items.iter().find(|i| i.id == id).map(|i| i.position).unwrap_or(form.position)
}

/// Checks one form. `seen_external_ids`, when given, catches an external
/// record id used twice in the file.
pub fn check_form(
    form: &XmlForm,
    versions: &mut dyn FormVersions,
    seen_external_ids: Option<&mut HashSet<String>>,
) -> FormReport {
    let at = form.position;
    let mut report = FormReport {
        index: form.index,
        external_id: form.external_id.clone(),
        disease: form.disease.clone(),
        version: form.version.clone(),
        line: at.line,
        column: at.column,
        accepted: false,
        problems: Vec::new(),
        data: Map::new(),
        judgment: None,
    };
    let mut errors = |code: &str, message: String| report.problems.push(problem("error", code, message, None, at));

    if form.external_id.trim().is_empty() || form.external_id.chars().count() > 100 {
        errors(
            "E_EXTERNAL_ID",
            "form要素の external-id（医療機関内で一意の記録ID, 100文字以内）を指定してください。".into(),
        );
    } else if let Some(seen) = seen_external_ids {
        if !seen.insert(form.external_id.clone()) {
            errors(
                "E_DUPLICATE_EXTERNAL_ID",
                format!("external-id「{}」はこのファイルで既に使われています。", form.external_id),
            );
        }
    }
    if !matches!(form.purpose.as_str(), "new" | "renewal" | "registration_only") {
        errors(
            "E_FORM_PURPOSE",
            "purpose は new（新規）, renewal（更新）, registration_only（登録のみ）のいずれかです。".into(),
        );
    }
    if !matches!(form.status.as_str(), "draft" | "confirmed") {
        errors("E_FORM_STATUS", "status は draft（下書き）か confirmed（確定）です。".into());
    }

    let mut seen_items = HashSet::new();
    for item in &form.items {
        if !seen_items.insert(item.id.as_str()) {
            report.problems.push(problem(
                "error",
                "E_DUPLICATE_ITEM",
                format!("項目「{}」が2回あります。", item.id),
                Some(item.id.clone()),
                item.position,
            ));
        } else {
            report.data.insert(item.id.clone(), item.value.clone());
        }
    }
    // the form's consent attribute and its consent item are one answer
    if let Some(attribute) = form.consent_db_registration {
        let item = match report.data.get("consent_db_registration") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Some(s == "true"),
            _ => None,
        };
        if item.is_some_and(|item| item != attribute) {
            report.problems.push(problem(
                "error",
                "E_CONSENT_MISMATCH",
                "form要素の consent-db-registration と同意の項目が食い違っています。".into(),
                Some("consent_db_registration".into()),
                item_position_of(form, "consent_db_registration"),
            ));
        }
    }
    if !report.data.contains_key("application_type") && !form.purpose.is_empty() {
        report.data.insert("application_type".into(), Value::String(form.purpose.clone()));
    }

    match versions.find(&form.disease, form.version.as_deref()) {
        Err(message) => report.problems.push(problem("error", "E_UNKNOWN_FORM_VERSION", message, None, at)),
        Ok((compiled, label)) => {
            report.version = Some(label);
            let judgment = compiled.judge(&report.data);
            // where an item is in the file (the form's own position if it was not sent)
            let item_position = |id: Option<&str>| {
                id.and_then(|id| form.items.iter().find(|i| i.id == id)).map(|i| i.position).unwrap_or(at)
            };
            for (severity, findings) in [("error", &judgment.errors), ("warning", &judgment.warnings)] {
                for f in findings {
                    report.problems.push(problem(
                        severity,
                        &f.code,
                        f.message.clone(),
                        f.item.clone(),
                        item_position(f.item.as_deref()),
                    ));
                }
            }
            for (k, v) in &judgment.normalized_changes {
                if v.is_null() {
                    report.data.remove(k);
                } else {
                    report.data.insert(k.clone(), v.clone());
                }
            }
            if judgment.valid {
                if let Some((item, code, message)) = patient_register_problem(&report.data, versions.today()) {
                    report.problems.push(problem(
                        "error",
                        code,
                        message.to_owned(),
                        Some(item.to_owned()),
                        item_position(Some(item)),
                    ));
                }
            }
            report.judgment = serde_json::to_value(&judgment).ok();
        }
    }
    report.accepted = !report.problems.iter().any(|p| p.severity == "error");
    report
}

/// Problems of the file's header (the sending hospital's code).
pub fn check_header(header: &Header) -> Vec<Problem> {
    let code = &header.hospital;
    if code.len() == 10 && valid_medical_institution_code(code) {
        return Vec::new();
    }
    vec![problem(
        "error",
        "E_MEDICAL_INSTITUTION_CODE",
        format!("header要素の医療機関コード「{code}」が正しくありません（10桁、検証番号付き）。"),
        None,
        header.position,
    )]
}
