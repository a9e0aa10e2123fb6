//! N049 SLE: SLEDAI auto-calculation and its threshold (≥ 4); diagnosis by
//! 2019 EULAR/ACR with domain maxima, the ANA entry criterion and the
//! clinical-item requirement.

mod common;
use common::*;
use nanbyo_core::PrimaryJudgment;
use serde_json::{json, Map, Value};

const SLEDAI: [(&str, i64); 24] = [
    ("seizure", 8),
    ("psychosis", 8),
    ("organic_brain_syndrome", 8),
    ("visual_disturbance", 8),
    ("cranial_nerve", 8),
    ("lupus_headache", 8),
    ("cva", 8),
    ("vasculitis", 8),
    ("arthritis", 4),
    ("myositis", 4),
    ("urinary_casts", 4),
    ("hematuria", 4),
    ("proteinuria", 4),
    ("pyuria", 4),
    ("rash", 2),
    ("alopecia", 2),
    ("mucosal_ulcers", 2),
    ("pleurisy", 2),
    ("pericarditis", 2),
    ("low_complement", 2),
    ("dna_binding", 2),
    ("fever", 1),
    ("thrombocytopenia", 1),
    ("leukopenia", 1),
];
const EULAR_BOOLEANS: [&str; 19] = [
    "fever",
    "leukopenia",
    "thrombocytopenia",
    "autoimmune_hemolysis",
    "delirium",
    "psychosis",
    "seizure",
    "alopecia",
    "oral_ulcers",
    "subacute_or_discoid_lupus",
    "acute_cutaneous_lupus",
    "effusion",
    "acute_pericarditis",
    "joint_involvement",
    "proteinuria",
    "antiphospholipid",
    "low_c3",
    "low_c4",
    "anti_dsdna_or_sm",
];

/// A complete SLE form with every SLEDAI and EULAR item false, ANA positive.
pub fn sle_base() -> Map<String, Value> {
    let mut d = header();
    for (k, _) in SLEDAI {
        d.insert(format!("sledai_{k}"), json!(false));
    }
    for k in EULAR_BOOLEANS {
        d.insert(format!("eular_{k}"), json!(false));
    }
    d.insert("eular_renal_biopsy".into(), json!("none"));
    d.insert("eular_ana_positive".into(), json!(true));
    d
}

fn set(d: &mut Map<String, Value>, items: &[&str]) {
    for i in items {
        d.insert((*i).into(), json!(true));
    }
}

#[test]
fn sledai_total_is_the_weighted_sum_of_all_24() {
    let f = form("N049");
    let mut d = sle_base();
    for (k, _) in SLEDAI {
        d.insert(format!("sledai_{k}"), json!(true));
    }
    let j = f.judge(&d);
    assert_eq!(j.derived["sledai_total"], json!(105), "the published maximum");
    // Each item alone carries its weight.
    for (k, w) in SLEDAI {
        let mut d = sle_base();
        d.insert(format!("sledai_{k}"), json!(true));
        assert_eq!(f.judge(&d).derived["sledai_total"], json!(w), "{k}");
    }
}

#[test]
fn severity_threshold_is_four() {
    let f = form("N049");
    let cases: [(&[&str], i64, bool); 4] = [
        (&["sledai_fever", "sledai_thrombocytopenia", "sledai_leukopenia"], 3, false),
        (&["sledai_arthritis"], 4, true),
        (&["sledai_rash", "sledai_fever", "sledai_leukopenia"], 4, true),
        (&["sledai_rash", "sledai_alopecia", "sledai_fever"], 5, true),
    ];
    for (items, total, met) in cases {
        let mut d = sle_base();
        set(&mut d, items);
        let j = f.judge(&d);
        assert_eq!(j.derived["sledai_total"], json!(total), "{items:?}");
        assert_eq!(j.severity.met, Some(met), "{items:?}");
    }
}

#[test]
fn eular_only_the_highest_item_of_a_domain_counts() {
    let f = form("N049");
    // Hematologic: leukopenia 3 + thrombocytopenia 4 + hemolysis 4 → 4, not 11.
    let mut d = sle_base();
    set(&mut d, &["eular_leukopenia", "eular_thrombocytopenia", "eular_autoimmune_hemolysis"]);
    assert_eq!(f.judge(&d).derived["eular_clinical_score"], json!(4));
    // Complement: low C3 alone 3, low C4 alone 3, both 4.
    for (items, score) in
        [(&["eular_low_c3"][..], 3), (&["eular_low_c4"][..], 3), (&["eular_low_c3", "eular_low_c4"][..], 4)]
    {
        let mut d = sle_base();
        set(&mut d, items);
        assert_eq!(f.judge(&d).derived["eular_immunology_score"], json!(score), "{items:?}");
    }
    // Renal: biopsy class III/IV 10 outweighs proteinuria 4.
    let mut d = sle_base();
    set(&mut d, &["eular_proteinuria"]);
    d.insert("eular_renal_biopsy".into(), json!("class_3_or_4"));
    assert_eq!(f.judge(&d).derived["eular_clinical_score"], json!(10));
    d.insert("eular_renal_biopsy".into(), json!("class_2_or_5"));
    assert_eq!(f.judge(&d).derived["eular_clinical_score"], json!(8));
}

#[test]
fn eular_threshold_is_ten_with_a_clinical_item() {
    let f = form("N049");
    // 9: joint 6 + low C3 3 → not met; 10: joint 6 + both low 4 → met.
    let mut d = sle_base();
    set(&mut d, &["eular_joint_involvement", "eular_low_c3"]);
    let j = f.judge(&d);
    assert_eq!(j.derived["eular_total"], json!(9));
    assert_eq!(j.diagnosis.met, Some(false));
    set(&mut d, &["eular_low_c4"]);
    let j = f.judge(&d);
    assert_eq!(j.derived["eular_total"], json!(10));
    assert_eq!(j.diagnosis.met, Some(true));
    // 11 with no clinical item (anti-dsDNA 6 + both low 4 + aPL 2 = 12): not met.
    let mut d = sle_base();
    set(&mut d, &["eular_anti_dsdna_or_sm", "eular_low_c3", "eular_low_c4", "eular_antiphospholipid"]);
    let j = f.judge(&d);
    assert_eq!(j.derived["eular_total"], json!(12));
    assert_eq!(j.diagnosis.met, Some(false), "needs at least one clinical item");
}

#[test]
fn ana_is_the_entry_criterion() {
    let f = form("N049");
    let mut d = sle_base();
    set(&mut d, &["eular_acute_cutaneous_lupus", "eular_anti_dsdna_or_sm", "sledai_rash", "sledai_dna_binding"]);
    let j = f.judge(&d);
    assert_eq!((j.diagnosis.met, j.severity.met), (Some(true), Some(true)));
    assert_eq!(j.primary_judgment, PrimaryJudgment::Meets);
    d.insert("eular_ana_positive".into(), json!(false));
    let j = f.judge(&d);
    assert_eq!(j.diagnosis.met, Some(false));
    assert_eq!(j.primary_judgment, PrimaryJudgment::DoesNotMeet);
    assert!(warning_codes(&j).contains(&"N049_SLEDAI_WITHOUT_ANA".to_string()));
}

#[test]
fn hand_entered_total_that_differs_is_a_warning() {
    let mut d = sle_base();
    set(&mut d, &["sledai_arthritis"]);
    d.insert("sledai_total".into(), json!(6));
    let j = form("N049").judge(&d);
    assert!(warning_codes(&j).contains(&"W_DERIVED_MISMATCH".to_string()));
    assert_eq!(j.derived["sledai_total"], json!(4), "the calculated value wins");
}

#[test]
fn a_missing_sledai_item_makes_the_total_unknown() {
    let mut d = sle_base();
    set(&mut d, &["sledai_arthritis"]);
    d.remove("sledai_fever");
    let j = form("N049").judge(&d);
    assert_eq!(j.derived["sledai_total"], Value::Null);
    assert_eq!(j.severity.met, None);
    assert!(has_error(&j, "sledai_fever", "E_REQUIRED"));
    assert_eq!(j.primary_judgment, PrimaryJudgment::NeedsReview);
}
