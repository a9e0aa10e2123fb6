//! Helpers shared by the judgment tests: a complete, valid header and a
//! compiled bundled form.

#![allow(dead_code)]

use nanbyo_core::{bundled, CompiledForm, Judgment};
use serde_json::{json, Map, Value};

pub fn form(code: &str) -> CompiledForm {
    CompiledForm::from_json(bundled::definition(code).unwrap()).unwrap()
}

/// The shared blocks filled in validly (an adult renewal patient).
pub fn header() -> Map<String, Value> {
    json!({
        "patient_name": "難病 太郎",
        "patient_name_kana": "ナンビョウ タロウ",
        "patient_birth_date": "1960-05-01",
        "patient_sex": "1",
        "patient_postal_code": "100-0001",
        "patient_address": "東京都千代田区千代田1-1",
        "application_type": "renewal",
        "entry_date": "2026-04-10",
        "medical_institution_code": "1310270751",
        "medical_institution_name": "千代田病院",
        "doctor_name": "指定 医師",
        "consent_db_registration": true
    })
    .as_object()
    .unwrap()
    .clone()
}

/// The header plus `items`.
pub fn with(items: Value) -> Map<String, Value> {
    let mut m = header();
    for (k, v) in items.as_object().unwrap() {
        m.insert(k.clone(), v.clone());
    }
    m
}

pub fn codes(j: &Judgment) -> Vec<(Option<String>, String)> {
    j.errors.iter().map(|f| (f.item.clone(), f.code.clone())).collect()
}

pub fn warning_codes(j: &Judgment) -> Vec<String> {
    j.warnings.iter().map(|f| f.code.clone()).collect()
}

pub fn has_error(j: &Judgment, item: &str, code: &str) -> bool {
    j.errors.iter().any(|f| f.item.as_deref() == Some(item) && f.code == code)
}
