//! A broken definition is refused at compile time with a path into the
//! document, never at judge time.

use nanbyo_core::{bundled, CompiledForm};
use serde_json::{json, Value};

fn parkinson() -> Value {
    serde_json::from_str(bundled::definition("N006").unwrap()).unwrap()
}

fn error_of(def: &Value) -> String {
    CompiledForm::from_value(def).unwrap_err().to_string()
}

#[test]
fn unknown_block_item_code_list_and_variable() {
    let mut d = parkinson();
    d["blocks"] = json!(["patient@9"]);
    assert!(error_of(&d).contains("unknown block \"patient@9\""), "{}", error_of(&d));

    let mut d = parkinson();
    d["items"][0]["id"] = json!("hoehn_yahr");
    assert!(error_of(&d).contains("duplicate item id \"hoehn_yahr\""));

    let mut d = parkinson();
    d["items"][0] = json!({"id": "x", "label": "x", "section": "s", "type": "choice", "codes": "nope"});
    assert!(error_of(&d).starts_with("items[0].codes: unknown code list"));

    let mut d = parkinson();
    d["severity"]["met"] = json!({">=": [{"var": "hoehn_yahrr"}, 3]});
    assert_eq!(error_of(&d), "severity.met: unknown item \"hoehn_yahrr\"");
}

#[test]
fn bad_fields_and_formats() {
    let mut d = parkinson();
    d["format"] = json!(2);
    assert!(error_of(&d).starts_with("format: unsupported format 2"));

    let mut d = parkinson();
    d["disease_code"] = json!("N06");
    assert!(error_of(&d).starts_with("disease_code:"));

    let mut d = parkinson();
    d["items"][1]["colour"] = json!("red");
    assert!(error_of(&d).contains("unknown field `colour`"));

    let mut d = parkinson();
    d["items"][1]["id"] = json!("Bad-Id");
    assert!(error_of(&d).contains("lower_snake_case"));

    let mut d = parkinson();
    d["effective_from"] = json!("2024/04/01");
    assert!(error_of(&d).starts_with("effective_from: not an ISO date"));

    let mut d = parkinson();
    d["severity"]["autofill"] = json!({"nope": true});
    assert!(error_of(&d).contains("\"nope\" is not an item"));
}

#[test]
fn a_new_disease_needs_no_code_change() {
    // A made-up disease defined only as data compiles and judges.
    let def = json!({
        "format": 1, "program": "nanbyo", "disease_code": "N999", "disease_name": "試験疾患",
        "version_label": "試験版", "follows": "テスト", "effective_from": "2025-04-01",
        "blocks": ["patient@1"],
        "items": [{"id": "score", "label": "スコア", "section": "重症度", "type": "integer", "min": 0, "max": 10, "required": true}],
        "diagnosis": {"source": "t", "met": true},
        "severity": {"source": "t", "met": {">=": [{"var": "score"}, 5]}}
    });
    let form = CompiledForm::from_value(&def).unwrap();
    let data = json!({
        "patient_name": "試験", "patient_name_kana": "シケン", "patient_birth_date": "2000-01-01",
        "patient_sex": "2", "patient_address": "北海道", "score": 5
    });
    let j = form.judge(data.as_object().unwrap());
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!(j.severity.met, Some(true));
}

#[test]
fn a_general_form_states_no_criteria() {
    // Parkinson's criteria with machine judgment switched off: refused
    let mut d = parkinson();
    d["machine_judgment"] = json!(false);
    assert!(error_of(&d).starts_with("machine_judgment: a form without machine judgment"), "{}", error_of(&d));

    // the general form compiles and never judges
    let general = CompiledForm::from_json(bundled::definition("N000").unwrap()).unwrap();
    assert!(!general.machine_judgment());
    assert!(CompiledForm::from_value(&parkinson()).unwrap().machine_judgment());
}

#[test]
fn disease_codes_follow_the_official_numbering() {
    use nanbyo_core::form::compiled::valid_disease_code;
    use nanbyo_core::form::definition::Program::{Nanbyo, Shoman};
    for ok in ["S0701", "S0546", "S08100", "S08138", "S1199"] {
        assert!(valid_disease_code(Shoman, ok).is_ok(), "{ok}");
    }
    for bad in ["S070", "S08010", "S081000", "N0701", "S07a1"] {
        assert!(valid_disease_code(Shoman, bad).is_err(), "{bad}");
    }
    assert!(valid_disease_code(Nanbyo, "N348").is_ok());
    assert!(valid_disease_code(Nanbyo, "N0348").is_err());
}

#[test]
fn a_step_allows_only_whole_steps_from_min() {
    let def = json!({
        "format": 1, "program": "nanbyo", "disease_code": "N999", "disease_name": "試験疾患",
        "version_label": "試験版", "follows": "テスト", "effective_from": "2025-04-01",
        "items": [{"id": "edss", "label": "EDSS", "section": "重症度", "type": "decimal", "min": 0, "max": 10, "step": 0.5}],
        "diagnosis": {"source": "t", "met": true},
        "severity": {"source": "t", "met": {">=": [{"var": "edss"}, 4.5]}}
    });
    let form = CompiledForm::from_value(&def).unwrap();
    for ok in [json!(0), json!(4.5), json!("４.５"), json!(10)] {
        let j = form.judge(json!({ "edss": ok }).as_object().unwrap());
        assert!(j.valid, "{ok}: {:?}", j.errors);
    }
    let j = form.judge(json!({"edss": 3.3}).as_object().unwrap());
    assert_eq!(j.errors.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(), ["E_STEP"]);
    assert_eq!(j.errors[0].message, "「EDSS」は0.5刻みで入力してください（入力値: 3.3）。");

    let mut bad = def.clone();
    bad["items"][0]["step"] = json!(0);
    assert!(error_of(&bad).contains("step must be a number above 0"), "{}", error_of(&bad));
    let mut text = def;
    text["items"][0] = json!({"id": "edss", "label": "EDSS", "section": "s", "type": "text", "step": 1});
    assert!(error_of(&text).contains("\"step\" is only for integer and decimal items"), "{}", error_of(&text));
}
