//! N006 Parkinson's disease: diagnosis (all four), severity (H-Y ≥ 3 and
//! life-function grade ≥ 2) at their thresholds, item checks, autofill.

mod common;
use common::*;
use nanbyo_core::PrimaryJudgment;
use serde_json::json;

fn full(hy: i64, lf: i64) -> serde_json::Map<String, serde_json::Value> {
    with(json!({
        "parkinsonism": true, "imaging_no_abnormality": true,
        "no_drug_toxin_exposure": true, "antiparkinson_response": true,
        "hoehn_yahr": hy, "life_function_grade": lf
    }))
}

#[test]
fn complete_form_meeting_both_criteria() {
    let j = form("N006").judge(&full(3, 2));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!(j.diagnosis.met, Some(true));
    assert_eq!(j.severity.met, Some(true));
    assert_eq!(j.primary_judgment, PrimaryJudgment::Meets);
    assert_eq!(j.severity.autofilled["severity_hy3_lf2"], json!(true));
}

#[test]
fn hoehn_yahr_threshold_is_three() {
    let f = form("N006");
    for (hy, met) in [(2, false), (3, true), (4, true)] {
        let j = f.judge(&full(hy, 2));
        assert_eq!(j.severity.met, Some(met), "H-Y {hy}");
        let expected = if met { PrimaryJudgment::Meets } else { PrimaryJudgment::DoesNotMeet };
        assert_eq!(j.primary_judgment, expected, "H-Y {hy}");
    }
}

#[test]
fn life_function_threshold_is_two() {
    let f = form("N006");
    for (lf, met) in [(1, false), (2, true), (3, true)] {
        assert_eq!(f.judge(&full(5, lf)).severity.met, Some(met), "grade {lf}");
    }
}

#[test]
fn each_diagnostic_item_is_necessary() {
    let f = form("N006");
    for item in ["parkinsonism", "imaging_no_abnormality", "no_drug_toxin_exposure", "antiparkinson_response"] {
        let mut d = full(3, 2);
        d.insert(item.into(), json!(false));
        let j = f.judge(&d);
        assert_eq!(j.diagnosis.met, Some(false), "{item}");
        assert_eq!(j.primary_judgment, PrimaryJudgment::DoesNotMeet, "{item}");
    }
}

#[test]
fn severity_from_its_two_items_alone() {
    let d = json!({"hoehn_yahr": 3, "life_function_grade": 2});
    let j = form("N006").judge(d.as_object().unwrap());
    assert_eq!(j.severity.met, Some(true));
    assert_eq!(j.diagnosis.met, None, "diagnosis unknown without its items");
    assert!(!j.valid);
    assert!(has_error(&j, "parkinsonism", "E_REQUIRED"));
    assert!(has_error(&j, "patient_name", "E_REQUIRED"));
    assert_eq!(j.primary_judgment, PrimaryJudgment::NeedsReview);
}

#[test]
fn out_of_range_values_name_the_item_and_the_range() {
    let f = form("N006");
    for (hy, ok) in [(-1, false), (0, true), (5, true), (6, false)] {
        let j = f.judge(&full(hy, 2));
        assert_eq!(!has_error(&j, "hoehn_yahr", "E_RANGE"), ok, "H-Y {hy}");
    }
    let j = f.judge(&full(3, 4));
    let e = j.errors.iter().find(|e| e.code == "E_RANGE").unwrap();
    assert_eq!(e.item.as_deref(), Some("life_function_grade"));
    assert!(e.message.contains("1度以上3度以下"), "{}", e.message);
    assert_eq!(j.primary_judgment, PrimaryJudgment::NeedsReview);
}

#[test]
fn wrong_types_unknown_items_and_full_width_numbers() {
    let f = form("N006");
    let mut d = full(3, 2);
    d.insert("hoehn_yahr".into(), json!("three"));
    d.insert("parkinsonism".into(), json!("yes"));
    d.insert("not_an_item".into(), json!(1));
    let j = f.judge(&d);
    assert!(has_error(&j, "hoehn_yahr", "E_TYPE"));
    assert!(has_error(&j, "parkinsonism", "E_TYPE"));
    assert!(has_error(&j, "not_an_item", "E_UNKNOWN_ITEM"));
    assert!(!has_error(&j, "hoehn_yahr", "E_REQUIRED"), "a refused value is not also missing");

    let mut d = full(3, 2);
    d.insert("hoehn_yahr".into(), json!("３"));
    d.insert("life_function_grade".into(), json!(2.5));
    let j = f.judge(&d);
    assert_eq!(j.normalized_changes["hoehn_yahr"], json!(3));
    assert!(has_error(&j, "life_function_grade", "E_TYPE"), "2.5 is not an integer");
}

#[test]
fn consistency_warning_and_autofill_mismatch() {
    let f = form("N006");
    let j = f.judge(&full(0, 1));
    assert!(warning_codes(&j).contains(&"N006_HY0_WITH_PARKINSONISM".to_string()));
    assert!(j.valid, "a warning does not invalidate the form");

    let mut d = full(3, 2);
    d.insert("severity_hy3_lf2".into(), json!(false));
    let j = f.judge(&d);
    assert!(warning_codes(&j).contains(&"W_AUTOFILL_MISMATCH".to_string()));
    assert!(j.severity.autofilled.is_empty(), "an entered value is not overwritten");
}
