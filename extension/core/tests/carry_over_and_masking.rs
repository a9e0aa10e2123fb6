//! Carry-over across form versions (B2) and the masked form (B8), on the
//! bundled Parkinson's disease form and a made-up next version of it.

mod common;

use chrono::NaiveDate;
use nanbyo_core::form::carry_over::{carry_over, DroppedItem};
use nanbyo_core::form::masking::{mask_form, personal_items};
use nanbyo_core::{bundled, CompiledForm};
use serde_json::{json, Value};

/// N006 as a next version would change it: `family_history` removed and a
/// new carried-over item `onset_side` added.
fn next_version() -> CompiledForm {
    let mut def: Value = serde_json::from_str(bundled::definition("N006").unwrap()).unwrap();
    def["version_label"] = json!("令和9年4月1日改訂版");
    def["effective_from"] = json!("2027-04-01");
    let items = def["items"].as_array_mut().unwrap();
    items.retain(|i| i["id"] != "family_history");
    items.insert(
        0,
        json!({"id": "onset_side", "label": "発症側", "section": "臨床所見", "type": "text",
                           "max_length": 10, "carry_over": true}),
    );
    CompiledForm::from_value(&def).unwrap()
}

#[test]
fn carry_over_copies_marked_items_by_id_and_reports_the_rest() {
    let old = common::form("N006");
    let new = next_version();
    let data = common::with(json!({"family_history": true, "hoehn_yahr": 3, "life_function_grade": 2,
                                   "parkinsonism": true}));
    let result = carry_over(&old, &new, &data);

    for id in ["patient_name", "patient_birth_date", "patient_address", "onset_date"] {
        if data.contains_key(id) {
            assert_eq!(result.data.get(id), data.get(id), "{id} carried over");
        }
    }
    assert_eq!(result.data["patient_name"], json!("難病 太郎"));
    // not marked carry_over: this year's findings start empty
    for id in ["hoehn_yahr", "life_function_grade", "parkinsonism", "application_type", "entry_date"] {
        assert!(!result.data.contains_key(id), "{id} must not carry over");
    }
    assert!(result.dropped.contains(&DroppedItem { item: "family_history".into(), reason: "not_in_new_version" }));
    assert_eq!(result.new_items, vec!["onset_side".to_string()]);
    assert!(result.copied.contains(&"patient_name".to_string()));
}

#[test]
fn carry_over_within_one_version_keeps_every_marked_item() {
    let form = common::form("N006");
    let data = common::with(json!({"family_history": false}));
    let result = carry_over(&form, &form, &data);
    assert_eq!(result.data["family_history"], json!(false));
    assert!(result.dropped.is_empty());
    assert!(result.new_items.is_empty());
}

#[test]
fn the_masked_form_holds_no_personal_value() {
    let form = common::form("N006");
    let data = common::with(json!({"hoehn_yahr": 3}));
    let masked = mask_form(&form, &data, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
    let text = serde_json::to_string(&masked).unwrap();
    let personal = personal_items(&form);
    assert!(personal.contains(&"patient_name") && personal.contains(&"patient_address"));
    for id in personal {
        if let Some(Value::String(v)) = data.get(id) {
            assert!(!text.contains(v.as_str()), "{id} = {v} leaked: {text}");
        }
    }
    assert_eq!(masked["patient_birth_date"], json!("66歳"));
    assert_eq!(masked["patient_address"], json!("東京都"));
    assert_eq!(masked["hoehn_yahr"], json!(3), "clinical items are unchanged");
}
