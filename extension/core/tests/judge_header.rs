//! The shared blocks: identifiers, dates, kana, codes and normalisation.

mod common;
use common::*;
use nanbyo_core::PrimaryJudgment;
use serde_json::json;

fn parkinson(extra: serde_json::Value) -> nanbyo_core::Judgment {
    let mut d = with(json!({
        "parkinsonism": true, "imaging_no_abnormality": true,
        "no_drug_toxin_exposure": true, "antiparkinson_response": true,
        "hoehn_yahr": 3, "life_function_grade": 2
    }));
    for (k, v) in extra.as_object().unwrap() {
        d.insert(k.clone(), v.clone());
    }
    form("N006").judge(&d)
}

#[test]
fn era_dates_are_stored_as_iso() {
    let j = parkinson(json!({"patient_birth_date": "昭和35年5月1日", "entry_date": "R8.4.10"}));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!(j.normalized_changes["patient_birth_date"], json!("1960-05-01"));
    assert_eq!(j.normalized_changes["entry_date"], json!("2026-04-10"));
}

#[test]
fn impossible_dates_are_refused() {
    let j = parkinson(json!({"entry_date": "令和8年2月30日", "patient_birth_date": "平成31年5月1日"}));
    assert!(has_error(&j, "entry_date", "E_DATE"));
    assert!(has_error(&j, "patient_birth_date", "E_DATE"));
    assert_eq!(j.primary_judgment, PrimaryJudgment::NeedsReview);
}

#[test]
fn medical_institution_code_check_digit_and_format() {
    let j = parkinson(json!({"medical_institution_code": "１３１０２７０７５１"}));
    assert!(j.valid, "full-width digits are normalised: {:?}", j.errors);
    assert_eq!(j.normalized_changes["medical_institution_code"], json!("1310270751"));
    let j = parkinson(json!({"medical_institution_code": "1310270752"}));
    assert!(has_error(&j, "medical_institution_code", "E_CHECK_DIGIT"));
    let j = parkinson(json!({"medical_institution_code": "13102707"}));
    assert!(has_error(&j, "medical_institution_code", "E_FORMAT"));
}

#[test]
fn kana_codes_and_lengths() {
    let j = parkinson(json!({"patient_name_kana": "なんびょう たろう"}));
    assert!(has_error(&j, "patient_name_kana", "E_PATTERN"), "hiragana is not katakana");
    // half-width katakana is a reading, kept full-width like the register's
    let j = parkinson(json!({"patient_name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ"}));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!(j.normalized_changes["patient_name_kana"], json!("ヤマダ タロウ"));
    let j = parkinson(json!({"patient_name_kana": "ﾊﾟｰｷﾝｿﾝ ｳﾞｨ"}));
    assert_eq!(j.normalized_changes["patient_name_kana"], json!("パーキンソン ヴィ"));
    let j = parkinson(json!({"patient_sex": "3"}));
    assert!(has_error(&j, "patient_sex", "E_UNKNOWN_CODE"));
    let j = parkinson(json!({"patient_sex": 2}));
    assert!(j.valid, "a numeric code is accepted as text: {:?}", j.errors);
    let j = parkinson(json!({"patient_name": "あ".repeat(51)}));
    assert!(has_error(&j, "patient_name", "E_LENGTH"));
    let j = parkinson(json!({"patient_name": "あ".repeat(50)}));
    assert!(j.valid);
}

#[test]
fn messages_are_japanese_and_name_the_label() {
    let j = parkinson(json!({"patient_name": null}));
    let e = j.errors.iter().find(|e| e.code == "E_REQUIRED").unwrap();
    assert_eq!(e.message, "「氏名」は必須項目です。");
}

#[test]
fn normalized_changes_hold_only_what_changed() {
    let j = parkinson(json!({"patient_birth_date": "1960-05-01", "hoehn_yahr": "3"}));
    assert!(!j.normalized_changes.contains_key("patient_birth_date"), "already ISO");
    assert!(!j.normalized_changes.contains_key("patient_name"));
    assert_eq!(j.normalized_changes["hoehn_yahr"], json!(3), "text to number");
    assert_eq!(j.normalized_changes["severity_hy3_lf2"], json!(true), "autofilled");
}
