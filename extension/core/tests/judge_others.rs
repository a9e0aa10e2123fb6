//! N002 ALS, N097 ulcerative colitis, N011 myasthenia gravis, and the two
//! shōman forms: each threshold just below, at and above.

mod common;
use common::*;
use nanbyo_core::PrimaryJudgment;
use serde_json::{json, Map, Value};

fn merge(mut d: Map<String, Value>, extra: Value) -> Map<String, Value> {
    for (k, v) in extra.as_object().unwrap() {
        d.insert(k.clone(), v.clone());
    }
    d
}

// ---- N002 ALS -----------------------------------------------------------

fn als(extra: Value) -> Map<String, Value> {
    merge(
        with(json!({
            "als_adult_onset": true, "als_progressive": true, "als_umn_regions": 1,
            "als_lmn_regions": 2, "als_differential_excluded": true, "als_severity": 2
        })),
        extra,
    )
}

#[test]
fn als_severity_threshold_is_two() {
    let f = form("N002");
    for (s, met) in [(1, false), (2, true), (3, true)] {
        let j = f.judge(&als(json!({"als_severity": s})));
        assert_eq!(j.severity.met, Some(met), "severity {s}");
    }
    assert!(has_error(&f.judge(&als(json!({"als_severity": 6}))), "als_severity", "E_RANGE"));
    assert!(has_error(&f.judge(&als(json!({"als_severity": 0}))), "als_severity", "E_RANGE"));
}

#[test]
fn als_motor_neuron_regions() {
    let f = form("N002");
    let j = f.judge(&als(json!({})));
    assert_eq!((j.diagnosis.met, j.diagnosis.category.as_deref()), (Some(true), Some("definite")));
    assert_eq!(j.primary_judgment, PrimaryJudgment::Meets);
    let j = f.judge(&als(json!({"als_lmn_regions": 1})));
    assert_eq!(j.diagnosis.met, Some(false), "two lower-motor-neuron regions are needed");
    let j = f.judge(&als(json!({"als_lmn_regions": 1, "als_known_gene": true})));
    assert_eq!((j.diagnosis.met, j.diagnosis.category.as_deref()), (Some(true), Some("familial_gene")));
    let j = f.judge(&als(json!({"als_umn_regions": 0, "als_lmn_regions": 4})));
    assert_eq!(j.diagnosis.met, Some(false), "an upper-motor-neuron region is needed");
}

#[test]
fn als_ventilator_needs_grade_five() {
    let j = form("N002").judge(&als(json!({"ventilator": true, "als_severity": 4})));
    assert!(warning_codes(&j).contains(&"N002_VENTILATOR_SEVERITY".to_string()));
}

// ---- N097 ulcerative colitis ---------------------------------------------

fn uc(extra: Value) -> Map<String, Value> {
    // A mild baseline: every item normal.
    merge(
        with(json!({
            "uc_clinical_symptoms": true, "uc_endoscopy_or_xray": true, "uc_biopsy": true,
            "uc_differential_excluded": true, "uc_stool_frequency": 3, "uc_visible_blood": "+",
            "uc_body_temperature": 36.8, "uc_pulse": 72, "uc_hemoglobin": 13.0,
            "uc_esr": 10, "uc_crp": 0.2
        })),
        extra,
    )
}

fn uc_class(extra: Value) -> (Value, Option<bool>) {
    let j = form("N097").judge(&uc(extra));
    assert!(j.valid, "{:?}", j.errors);
    (j.derived["uc_severity_class"].clone(), j.severity.met)
}

#[test]
fn uc_mild_is_not_met_moderate_is() {
    assert_eq!(uc_class(json!({})), (json!("mild"), Some(false)));
    // Stools 4 is still mild, 5 is moderate.
    assert_eq!(uc_class(json!({"uc_stool_frequency": 4})).0, json!("mild"));
    assert_eq!(uc_class(json!({"uc_stool_frequency": 5})), (json!("moderate"), Some(true)));
    // Each of ③–⑥ at its threshold makes it moderate; just below stays mild.
    for (item, below, at) in [
        ("uc_body_temperature", json!(37.4), json!(37.5)),
        ("uc_pulse", json!(89), json!(90)),
        ("uc_hemoglobin", json!(10.1), json!(10.0)),
        ("uc_esr", json!(29), json!(30)),
        ("uc_crp", json!(2.9), json!(3.0)),
    ] {
        assert_eq!(uc_class(json!({ item: below })).0, json!("mild"), "{item} below");
        assert_eq!(uc_class(json!({ item: at })).0, json!("moderate"), "{item} at");
    }
    assert_eq!(uc_class(json!({"uc_visible_blood": "++"})).0, json!("moderate"));
}

#[test]
fn uc_severe_needs_stools_blood_systemic_sign_and_four_of_six() {
    let severe =
        json!({"uc_stool_frequency": 6, "uc_visible_blood": "+++", "uc_body_temperature": 38.0, "uc_hemoglobin": 9.5});
    assert_eq!(uc_class(severe.clone()), (json!("severe"), Some(true)));
    // Only three of six: moderate.
    let mut three = severe.clone();
    three["uc_hemoglobin"] = json!(12.0);
    assert_eq!(uc_class(three).0, json!("moderate"));
    // Four of six but neither fever nor tachycardia: moderate.
    let no_systemic = json!({"uc_stool_frequency": 7, "uc_visible_blood": "+++", "uc_hemoglobin": 9.0, "uc_crp": 5.0});
    assert_eq!(uc_class(no_systemic).0, json!("moderate"));
    // Five stools is below ①: moderate however bad the rest.
    let five = json!({"uc_stool_frequency": 5, "uc_visible_blood": "+++", "uc_body_temperature": 38.5, "uc_pulse": 100, "uc_hemoglobin": 9.0});
    assert_eq!(uc_class(five).0, json!("moderate"));
}

#[test]
fn uc_severity_item_is_autofilled_and_checked() {
    let f = form("N097");
    let j = f.judge(&uc(json!({"uc_stool_frequency": 5})));
    assert_eq!(j.severity.autofilled["uc_severity"], json!("moderate"));
    assert_eq!(j.normalized_changes["uc_severity"], json!("moderate"));
    let j = f.judge(&uc(json!({"uc_stool_frequency": 5, "uc_severity": "mild"})));
    assert!(warning_codes(&j).contains(&"W_AUTOFILL_MISMATCH".to_string()));
    let j = f.judge(&uc(json!({"uc_visible_blood": "++++"})));
    assert!(has_error(&j, "uc_visible_blood", "E_UNKNOWN_CODE"));
}

#[test]
fn uc_without_esr_and_crp_warns_and_inflammation_is_unknown() {
    let mut d = uc(json!({}));
    d.remove("uc_esr");
    d.remove("uc_crp");
    let j = form("N097").judge(&d);
    assert!(warning_codes(&j).contains(&"N097_ESR_OR_CRP".to_string()));
    assert_eq!(j.derived["uc_inflammation"], Value::Null);
    assert_eq!(j.severity.met, None);
    assert_eq!(j.primary_judgment, PrimaryJudgment::NeedsReview);
}

// ---- N011 myasthenia gravis ----------------------------------------------

fn mg(extra: Value) -> Map<String, Value> {
    let mut d = with(json!({
        "mg_differential_excluded": true, "mgfa_class": "IIa",
        "mg_achr_antibody": true, "mg_musk_antibody": false
    }));
    for s in [
        "ptosis",
        "eye_movement",
        "facial_weakness",
        "dysarthria",
        "dysphagia",
        "chewing",
        "neck_weakness",
        "limb_weakness",
        "respiratory",
    ] {
        d.insert(format!("mg_{s}"), json!(s == "ptosis"));
    }
    merge(d, extra)
}

#[test]
fn mg_diagnosis_by_antibody_or_junction_test() {
    let f = form("N011");
    let j = f.judge(&mg(json!({})));
    assert_eq!((j.diagnosis.met, j.diagnosis.category.as_deref()), (Some(true), Some("definite_antibody")));
    assert_eq!(j.primary_judgment, PrimaryJudgment::Meets);
    let j = f.judge(&mg(json!({"mg_achr_antibody": false})));
    assert_eq!(j.diagnosis.met, Some(false));
    let j = f.judge(&mg(json!({"mg_achr_antibody": false, "mg_ice_pack": true})));
    assert_eq!((j.diagnosis.met, j.diagnosis.category.as_deref()), (Some(true), Some("definite_nmj")));
    let j = f.judge(&mg(json!({"mg_ptosis": false})));
    assert_eq!(j.diagnosis.met, Some(false));
    assert!(warning_codes(&j).contains(&"N011_NO_SYMPTOM".to_string()));
}

#[test]
fn mg_severity_is_any_mgfa_class() {
    let f = form("N011");
    for c in ["I", "IIa", "IIb", "IIIa", "IIIb", "IVa", "IVb", "V"] {
        assert_eq!(f.judge(&mg(json!({"mgfa_class": c}))).severity.met, Some(true), "{c}");
    }
    let j = f.judge(&mg(json!({"mgfa_class": "0"})));
    assert!(has_error(&j, "mgfa_class", "E_UNKNOWN_CODE"));
}

// ---- S0701 type 1 diabetes (shōman) ----------------------------------------

/// A new application for a child born 2015, with the disease's items and
/// the test's changes.
fn child(items: Value, extra: Value) -> Map<String, Value> {
    let d = with(json!({"patient_birth_date": "2015-06-01", "application_type": "new", "entry_date": "2026-04-10"}));
    merge(merge(d, items), extra)
}

fn t1d(extra: Value) -> Map<String, Value> {
    child(
        json!({
            "t1d_fasting_glucose": 126, "t1d_hba1c": 6.5, "t1d_typical_symptoms": false,
            "t1d_islet_autoantibody": true, "t1d_insulin_deficiency": false, "t1d_insulin_therapy": true
        }),
        extra,
    )
}

#[test]
fn t1d_glucose_and_hba1c_thresholds() {
    let f = form("S0701");
    let j = f.judge(&t1d(json!({})));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!((j.diagnosis.met, j.diagnosis.category.as_deref()), (Some(true), Some("autoimmune")));
    assert_eq!(j.primary_judgment, PrimaryJudgment::Meets);
    assert_eq!(f.judge(&t1d(json!({"t1d_fasting_glucose": 125}))).diagnosis.met, Some(false));
    assert_eq!(f.judge(&t1d(json!({"t1d_hba1c": 6.4}))).diagnosis.met, Some(false));
    assert_eq!(f.judge(&t1d(json!({"t1d_hba1c": 6.4, "t1d_typical_symptoms": true}))).diagnosis.met, Some(true));
    let j = f.judge(&t1d(json!({"t1d_fasting_glucose": null, "t1d_random_glucose": 200})));
    assert_eq!(j.diagnosis.met, Some(true));
    let j = f.judge(&t1d(json!({"t1d_insulin_therapy": false})));
    assert_eq!((j.severity.met, j.primary_judgment), (Some(false), PrimaryJudgment::DoesNotMeet));
}

#[test]
fn t1d_needs_one_glucose_value() {
    let j = form("S0701").judge(&t1d(json!({"t1d_fasting_glucose": null})));
    assert!(has_error(&j, "t1d_fasting_glucose", "S0701_GLUCOSE_REQUIRED"));
}

#[test]
fn shoman_age_limits() {
    let f = form("S0701");
    // Born 2008-04-11: 17 on 2026-04-10 (new allowed); born 2008-04-10: 18.
    let j = f.judge(&t1d(json!({"patient_birth_date": "2008-04-11"})));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!(j.derived["patient_age"], json!(17));
    let j = f.judge(&t1d(json!({"patient_birth_date": "2008-04-10"})));
    assert!(has_error(&j, "patient_birth_date", "S_AGE_NEW_UNDER_18"));
    // Renewal continues to 20.
    let j = f.judge(&t1d(json!({"patient_birth_date": "2006-04-11", "application_type": "renewal"})));
    assert!(j.valid, "19 on renewal: {:?}", j.errors);
    let j = f.judge(&t1d(json!({"patient_birth_date": "2006-04-10", "application_type": "renewal"})));
    assert!(has_error(&j, "patient_birth_date", "S_AGE_UNDER_20"));
}

// ---- S0546 growth hormone deficiency (shōman) ------------------------------

fn ghd(extra: Value) -> Map<String, Value> {
    child(
        json!({
            "ghd_height_cm": 120.0, "ghd_height_sds": -2.5, "ghd_gh_peak_1": 5.0, "ghd_gh_peak_2": 6.0,
            "ghd_other_causes_excluded": true, "ghd_on_gh_treatment": false
        }),
        extra,
    )
}

#[test]
fn ghd_start_criterion_is_minus_two_point_five_sd() {
    let f = form("S0546");
    let j = f.judge(&ghd(json!({})));
    assert!(j.valid, "{:?}", j.errors);
    assert_eq!((j.diagnosis.met, j.severity.met), (Some(true), Some(true)));
    let j = f.judge(&ghd(json!({"ghd_height_sds": -2.4})));
    assert_eq!((j.diagnosis.met, j.severity.met), (Some(true), Some(false)));
    assert_eq!(f.judge(&ghd(json!({"ghd_height_sds": -1.9}))).diagnosis.met, Some(false));
    assert_eq!(
        f.judge(&ghd(json!({"ghd_height_sds": -1.9, "ghd_growth_velocity_sds": -1.5}))).diagnosis.met,
        Some(true)
    );
    assert_eq!(f.judge(&ghd(json!({"ghd_gh_peak_2": 6.1}))).diagnosis.met, Some(false));
}

#[test]
fn ghd_end_heights_by_sex() {
    let f = form("S0546");
    let renewal = |sex: &str, h: f64| {
        f.judge(&ghd(
            json!({"application_type": "renewal", "ghd_on_gh_treatment": true, "patient_sex": sex, "ghd_height_cm": h}),
        ))
        .severity
        .met
    };
    assert_eq!(renewal("1", 156.3), Some(true));
    assert_eq!(renewal("1", 156.4), Some(false));
    assert_eq!(renewal("2", 145.3), Some(true));
    assert_eq!(renewal("2", 145.4), Some(false));
}
