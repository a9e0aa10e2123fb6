//! What a client shows while a form is typed comes from the judgment, not
//! from rules of its own: which conditional items apply (`applicable`) and
//! which empty items keep the diagnosis or severity unknown (`waiting_for`).

use nanbyo_core::form::CompiledForm;
use serde_json::{json, Value};

fn form() -> CompiledForm {
    CompiledForm::from_value(&json!({
        "format": 1, "program": "nanbyo", "disease_code": "N999", "disease_name": "試験疾患",
        "version_label": "試験版", "follows": "テスト", "effective_from": "2025-04-01",
        "items": [
            {"id": "biopsy_done", "label": "生検", "section": "診断", "type": "boolean", "required": true},
            {"id": "biopsy_result", "label": "生検所見", "section": "診断", "type": "boolean", "required": true,
             "enable_when": {"==": [{"var": "biopsy_done"}, true]}},
            {"id": "symptom", "label": "症状", "section": "診断", "type": "boolean"},
            {"id": "score_a", "label": "A", "section": "重症度", "type": "integer", "min": 0, "max": 10},
            {"id": "score_b", "label": "B", "section": "重症度", "type": "integer", "min": 0, "max": 10},
            {"id": "stage", "label": "病期", "section": "重症度", "type": "integer", "min": 1, "max": 3},
            {"id": "unrelated", "label": "備考", "section": "その他", "type": "text"}
        ],
        "calculations": [{"id": "total", "label": "合計", "type": "integer",
                          "expr": {"+": [{"var": "score_a"}, {"var": "score_b"}]}}],
        "diagnosis": {"source": "t", "met": {"or": [{"var": "biopsy_result"}, {"var": "symptom"}]}},
        "severity": {"source": "t", "met": {">=": [{"var": "stage"}, 2]},
                     "autofill": {"stage": {"if": [{">=": [{"var": "total"}, 10]}, 3, null]}}}
    }))
    .unwrap()
}

fn judge(data: Value) -> Value {
    serde_json::to_value(form().judge(data.as_object().unwrap())).unwrap()
}

#[test]
fn a_conditional_item_is_unknown_then_applies_or_not_as_its_condition_is_decided() {
    assert_eq!(judge(json!({}))["applicable"], json!({"biopsy_result": null}));
    assert_eq!(judge(json!({"biopsy_done": true}))["applicable"], json!({"biopsy_result": true}));
    assert_eq!(judge(json!({"biopsy_done": false}))["applicable"], json!({"biopsy_result": false}));
}

#[test]
fn an_unknown_decision_names_the_empty_items_it_waits_for_through_calculations_and_autofill() {
    let j = judge(json!({}));
    assert_eq!(j["diagnosis"]["waiting_for"], json!(["biopsy_result", "symptom"]));
    // stage, and the scores its autofill reads through the total
    assert_eq!(j["severity"]["waiting_for"], json!(["score_a", "score_b", "stage"]));
    assert_eq!(j["primary_judgment"], "needs_review");
}

#[test]
fn an_item_that_does_not_apply_is_not_waited_for_and_a_decided_criterion_waits_for_nothing() {
    let j = judge(json!({"biopsy_done": false}));
    assert_eq!(j["diagnosis"]["waiting_for"], json!(["symptom"]));
    let j = judge(json!({"biopsy_done": true, "biopsy_result": true, "score_a": 5, "score_b": 5}));
    assert_eq!((&j["diagnosis"]["met"], &j["diagnosis"]["waiting_for"]), (&json!(true), &json!([])));
    // the autofill decided the stage, so severity waits for nothing
    assert_eq!(j["severity"]["autofilled"], json!({"stage": 3}));
    assert_eq!((&j["severity"]["met"], &j["severity"]["waiting_for"]), (&json!(true), &json!([])));
}
