//! The patient register's own rules (app.patient_problem in sql/200 says the
//! same): a bulk form's patient block must fit them as well as its form
//! version, or the database would refuse to store the patient. Checked in
//! the core so the offline check tool finds what the import would refuse.

use chrono::NaiveDate;
use serde_json::{Map, Value};

/// A problem of one patient item: (item id, code, message).
pub type PatientProblem = (&'static str, &'static str, &'static str);

/// The first problem of the patient block in normalised form data, if any.
/// Items the form leaves empty are the form version's business (required or
/// not), so only given values are checked. `today`: birth dates after it
/// are refused (None: not checked).
pub fn patient_register_problem(data: &Map<String, Value>, today: Option<NaiveDate>) -> Option<PatientProblem> {
    let text = |id: &str| data.get(id).and_then(Value::as_str);
    if let Some(name) = text("patient_name") {
        if name.trim().is_empty() || name.chars().count() > 50 {
            return Some(("patient_name", "E_PATIENT_NAME", "患者の氏名を50文字以内で入力してください。"));
        }
    }
    if let Some(kana) = text("patient_name_kana") {
        let register_kana = |c: char| ('ァ'..='ヶ').contains(&c) || matches!(c, 'ー' | '・' | ' ' | '　');
        if kana.is_empty() || !kana.chars().all(register_kana) || kana.chars().count() > 100 {
            return Some(("patient_name_kana", "E_PATIENT_KANA",
                "患者の氏名カナは全角カタカナ（ァ〜ヶ・ー）100文字以内で入力してください。"));
        }
    }
    if let Some(birth) = text("patient_birth_date") {
        let ok = NaiveDate::parse_from_str(birth, "%Y-%m-%d").is_ok_and(|d| {
            d > NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() && today.is_none_or(|t| d <= t)
        });
        if !ok {
            return Some(("patient_birth_date", "E_PATIENT_BIRTH_DATE", "生年月日が正しくありません。"));
        }
    }
    if let Some(sex) = text("patient_sex") {
        if !matches!(sex, "1" | "2") {
            return Some(("patient_sex", "E_PATIENT_SEX", "性別は 1（男）か 2（女）で指定してください。"));
        }
    }
    if let Some(address) = text("patient_address") {
        if address.trim().is_empty() || address.chars().count() > 200 {
            return Some(("patient_address", "E_PATIENT_ADDRESS", "住所を200文字以内で入力してください。"));
        }
    }
    if let Some(postal) = text("patient_postal_code") {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let ok = match postal.split_once('-') {
            Some((a, b)) => digits(a, 3) && digits(b, 4),
            None => digits(postal, 7),
        };
        if !ok {
            return Some(("patient_postal_code", "E_PATIENT_POSTAL_CODE", "郵便番号は 123-4567 の形で入力してください。"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(changes: Value) -> Map<String, Value> {
        let mut data = json!({
            "patient_name": "難病 太郎", "patient_name_kana": "ナンビョウ タロウ", "patient_birth_date": "1960-05-01",
            "patient_sex": "1", "patient_address": "東京都千代田区1-1", "patient_postal_code": "100-0001"
        });
        data.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
        data.as_object().unwrap().clone()
    }

    fn code(changes: Value) -> Option<&'static str> {
        patient_register_problem(&block(changes), NaiveDate::from_ymd_opt(2026, 11, 24)).map(|p| p.1)
    }

    #[test]
    fn a_complete_block_passes() {
        assert_eq!(code(json!({})), None);
        assert_eq!(code(json!({"patient_postal_code": "1000001", "patient_name_kana": "ヴァン　ー・"})), None);
    }

    #[test]
    fn each_rule_of_the_register() {
        assert_eq!(code(json!({"patient_name_kana": "ヷ"})), Some("E_PATIENT_KANA"));
        assert_eq!(code(json!({"patient_name_kana": "なんびょう"})), Some("E_PATIENT_KANA"));
        assert_eq!(code(json!({"patient_name_kana": "ア".repeat(101)})), Some("E_PATIENT_KANA"));
        assert_eq!(code(json!({"patient_name": "  "})), Some("E_PATIENT_NAME"));
        assert_eq!(code(json!({"patient_birth_date": "1900-01-01"})), Some("E_PATIENT_BIRTH_DATE"));
        assert_eq!(code(json!({"patient_birth_date": "2026-11-25"})), Some("E_PATIENT_BIRTH_DATE"));
        assert_eq!(code(json!({"patient_birth_date": "2026-11-24"})), None);
        assert_eq!(code(json!({"patient_sex": "9"})), Some("E_PATIENT_SEX"));
        assert_eq!(code(json!({"patient_address": "あ".repeat(201)})), Some("E_PATIENT_ADDRESS"));
        assert_eq!(code(json!({"patient_postal_code": "100-00011"})), Some("E_PATIENT_POSTAL_CODE"));
    }

    #[test]
    fn without_today_a_future_birth_date_is_left_to_the_database() {
        assert_eq!(patient_register_problem(&block(json!({"patient_birth_date": "2099-01-01"})), None), None);
    }
}
