//! The patient register's rule (crate::patient) for a bulk form's patient
//! block: a form must fit it as well as its form version, or the database
//! would refuse to store the patient. Checked in the core so the offline
//! check tool finds what the import would refuse.

use chrono::NaiveDate;
use serde_json::{Map, Value};

pub use crate::patient::PatientProblem;
use crate::patient::{given_patient_problem, PatientFields};

/// The first problem of the patient block in normalised form data, if any.
/// Items the form leaves empty are the form version's business (required or
/// not), so only given values are checked. `today`: birth dates after it
/// are refused (None: not checked).
pub fn patient_register_problem(data: &Map<String, Value>, today: Option<NaiveDate>) -> Option<PatientProblem> {
    let text = |id: &str| data.get(id).and_then(Value::as_str);
    let fields = PatientFields {
        name: text("patient_name"),
        name_kana: text("patient_name_kana"),
        // judge has made a date item ISO; a birth date that still is not one
        // (a form of its own patient items) is a date the rule refuses
        birth_date: text("patient_birth_date")
            .map(|birth| NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)),
        sex: text("patient_sex"),
        address: text("patient_address"),
        postal_code: text("patient_postal_code"),
    };
    given_patient_problem(&fields, today)
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
    fn the_register_rule_of_the_core_for_given_values() {
        assert_eq!(code(json!({"patient_name": "\u{3000}"})), Some("E_PATIENT_NAME"));
        assert_eq!(code(json!({"patient_address": "\u{3000}"})), Some("E_PATIENT_ADDRESS"));
        assert_eq!(code(json!({"patient_address": "東京\u{202E}"})), Some("E_TEXT_CONTROL_CHARACTER"));
        assert_eq!(code(json!({"patient_birth_date": "昭和35年"})), Some("E_PATIENT_BIRTH_DATE"));
        let nothing = Map::new();
        assert_eq!(patient_register_problem(&nothing, NaiveDate::from_ymd_opt(2026, 11, 24)), None);
        let sex_only = json!({"patient_sex": "9"});
        assert_eq!(patient_register_problem(sex_only.as_object().unwrap(), None).map(|p| p.1), Some("E_PATIENT_SEX"));
    }

    #[test]
    fn without_today_a_future_birth_date_is_left_to_the_database() {
        assert_eq!(patient_register_problem(&block(json!({"patient_birth_date": "2099-01-01"})), None), None);
    }
}
