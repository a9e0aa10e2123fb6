//! Time to judge one complete SLE form (N049: 45 items + header, SLEDAI and
//! EULAR/ACR calculations, the largest bundled definition) in the core, and
//! to compile its definition; then every bundled disease's first `meets_*`
//! golden case, to name the slowest. Prints the median and the 10th/90th
//! percentiles over batches.
//!
//!     cargo bench -p nanbyo-core --bench judge

use nanbyo_core::{bundled, CompiledForm};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::Instant;

fn sle_form() -> Map<String, Value> {
    let def: Value = serde_json::from_str(bundled::definition("N049").unwrap()).unwrap();
    let mut data = json!({
        "patient_name": "難病 花子", "patient_name_kana": "ナンビョウ ハナコ",
        "patient_birth_date": "昭和60年7月7日", "patient_sex": "2",
        "patient_postal_code": "100-0001", "patient_address": "東京都千代田区千代田1-1",
        "application_type": "renewal", "onset_date": "2015-04-01", "diagnosis_date": "2015-06-01",
        "entry_date": "令和8年4月10日", "medical_institution_code": "1310270751",
        "medical_institution_name": "千代田病院", "doctor_name": "指定 医師",
        "designated_doctor_number": "13-0001", "consent_db_registration": true,
        "eular_renal_biopsy": "class_3_or_4"
    });
    let positive = [
        "eular_ana_positive",
        "eular_joint_involvement",
        "eular_low_c3",
        "sledai_arthritis",
        "sledai_rash",
        "sledai_low_complement",
    ];
    for item in def["items"].as_array().unwrap() {
        if item["type"] == "boolean" {
            let id = item["id"].as_str().unwrap();
            data[id] = json!(positive.contains(&id));
        }
    }
    data.as_object().unwrap().clone()
}

fn percentiles(mut ns_per_iter: Vec<f64>) -> (f64, f64, f64) {
    ns_per_iter.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| ns_per_iter[((ns_per_iter.len() - 1) as f64 * p).round() as usize];
    (at(0.1), at(0.5), at(0.9))
}

fn measure(name: &str, batches: usize, per_batch: usize, f: impl FnMut()) {
    let (p10, p50, p90) = timed(batches, per_batch, f);
    println!("{name:<40} median {:>8.2} µs   p10 {:>8.2} µs   p90 {:>8.2} µs", p50 / 1e3, p10 / 1e3, p90 / 1e3);
}

/// (p10, p50, p90) nanoseconds per call.
fn timed(batches: usize, per_batch: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..per_batch {
        f(); // warm-up
    }
    let samples = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    percentiles(samples)
}

/// The input of a disease's first `meets_*` golden case, from the form master.
fn meets_case(path: &str) -> Option<(String, Map<String, Value>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms").join(path).parent()?.join("cases");
    let mut names: Vec<_> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    let file = names.into_iter().find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("meets")))?;
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).ok()?).ok()?;
    Some((file.file_stem()?.to_string_lossy().into_owned(), case["input"].as_object()?.clone()))
}

fn main() {
    let text = bundled::definition("N049").unwrap();
    let form = CompiledForm::from_json(text).unwrap();
    let data = sle_form();
    let j = form.judge(&data);
    assert!(j.valid, "the benchmark form must be valid: {:?}", j.errors);
    assert_eq!(j.derived["sledai_total"], json!(8));
    let text_form = serde_json::to_string(&data).unwrap();

    measure("judge SLE form (parsed input)", 101, 2_000, || {
        black_box(form.judge(black_box(&data)));
    });
    measure("parse JSON text + judge + serialise", 101, 1_000, || {
        let m: Map<String, Value> = serde_json::from_str(black_box(&text_form)).unwrap();
        black_box(serde_json::to_string(&form.judge(&m)).unwrap());
    });
    measure("compile SLE definition (once per backend)", 31, 50, || {
        black_box(CompiledForm::from_json(black_box(text)).unwrap());
    });

    let mut each: Vec<(f64, String)> = Vec::new();
    for f in bundled::DEFINITIONS {
        let Some((case, data)) = meets_case(f.path) else { continue };
        let form = CompiledForm::from_json(f.definition).unwrap();
        let (_, p50, _) = timed(31, 500, || {
            black_box(form.judge(black_box(&data)));
        });
        each.push((p50, format!("{} ({case})", f.disease_code)));
    }
    each.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    println!("every bundled disease's first meets_* case ({} diseases), slowest first:", each.len());
    for (p50, name) in each.iter().take(5) {
        println!("  {name:<60} median {:>8.2} µs", p50 / 1e3);
    }
}
