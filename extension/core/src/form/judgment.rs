//! Judging one form in one pass: normalise and check each item, apply
//! enable_when, calculate derived items, run consistency rules, evaluate the
//! diagnostic and severity criteria, fill in the severity items the data
//! already determines, and give the primary judgment (一次判定).

use super::compiled::CompiledForm;
use super::definition::RuleSeverity;
use super::finding::{codes, Finding};
use super::item_value::{self, fmt_num};
use crate::expr::{eval, Value};
use serde::Serialize;
use serde_json::{Map, Value as Json};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryJudgment {
    /// Diagnosis and severity (or 疾病の状態の程度) both met.
    Meets,
    /// The data is valid and one of them is not met.
    DoesNotMeet,
    /// The data is invalid or incomplete: a person must look.
    NeedsReview,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub met: Option<bool>,
    pub category: Option<String>,
    /// While `met` is unknown: the empty items it depends on (that apply),
    /// in form order. Empty once it is decided.
    pub waiting_for: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub met: Option<bool>,
    pub autofilled: Map<String, Json>,
    /// As Diagnosis::waiting_for.
    pub waiting_for: Vec<String>,
}

/// The result of `judge`, serialised as the SQL function's jsonb.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgment {
    pub valid: bool,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub derived: Map<String, Json>,
    pub diagnosis: Diagnosis,
    pub severity: Severity,
    pub primary_judgment: PrimaryJudgment,
    /// The items whose normalised value differs from what was sent (ISO
    /// dates, numbers, half-width codes), the autofilled severity items, and
    /// `null` for values dropped as not applicable: what to store is
    /// `data || normalized_changes`.
    pub normalized_changes: Map<String, Json>,
    /// Every item with a condition (enable_when): true when it applies,
    /// false when it does not (it must stay empty), null while the condition
    /// cannot be decided yet. Items without a condition always apply. A
    /// client shows and hides items by this, never by evaluating rules.
    pub applicable: Map<String, Json>,
}

impl CompiledForm {
    /// Judges one form's data (an object of item id → value).
    pub fn judge(&self, data: &Map<String, Json>) -> Judgment {
        let mut slots = vec![Value::Null; self.slot_count()];
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        // Items whose value was present but refused (no E_REQUIRED for them).
        let mut refused = vec![false; self.items.len()];

        for key in data.keys() {
            if !self.index.contains_key(key) {
                errors.push(Finding::new(key, codes::UNKNOWN_ITEM, format!("項目「{key}」はこの様式にありません。")));
            }
        }

        for (slot, item) in self.items.iter().enumerate() {
            match data.get(&item.id) {
                None | Some(Json::Null) => {}
                Some(raw) => match item_value::convert(item, raw) {
                    Ok(v) => slots[slot] = v,
                    Err(f) => {
                        refused[slot] = true;
                        errors.push(f);
                    }
                },
            }
        }

        // enable_when: an item that does not apply must be empty, and is not
        // required. When applicability is unknown, the item is not demanded.
        let mut applies = vec![Some(true); self.items.len()];
        for (slot, item) in self.items.iter().enumerate() {
            if let Some(cond) = &item.enable_when {
                applies[slot] = eval(cond, &slots).truth();
                if applies[slot] == Some(false) && !slots[slot].is_null() {
                    errors.push(Finding::new(
                        &item.id,
                        codes::NOT_APPLICABLE,
                        format!("「{}」はこの条件では入力できません。", item.label),
                    ));
                    slots[slot] = Value::Null;
                }
            }
        }

        let mut derived = Map::new();
        for calc in &self.calculations {
            let v = eval(&calc.expr, &slots);
            if let Some(given) = data.get(&calc.id).filter(|g| !g.is_null()) {
                if !same_value(given, &v) {
                    warnings.push(Finding::new(
                        &calc.id,
                        codes::DERIVED_MISMATCH,
                        format!(
                            "「{}」は自動計算されます（入力値 {}、計算値 {}）。計算値を使用します。",
                            calc.label,
                            show(given),
                            show(&v.to_json())
                        ),
                    ));
                }
            }
            derived.insert(calc.id.clone(), v.to_json());
            slots[calc.slot] = v;
        }

        for (slot, item) in self.items.iter().enumerate() {
            if item.required && applies[slot] == Some(true) && slots[slot].is_null() && !refused[slot] {
                errors.push(Finding::new(&item.id, codes::REQUIRED, format!("「{}」は必須項目です。", item.label)));
            }
        }

        for rule in &self.rules {
            let applies = rule.when.as_ref().is_none_or(|w| eval(w, &slots).truth() == Some(true));
            if applies && eval(&rule.assert, &slots).truth() == Some(false) {
                let f = Finding { item: rule.item.clone(), code: rule.code.clone(), message: rule.message.clone() };
                match rule.severity {
                    RuleSeverity::Error => errors.push(f),
                    RuleSeverity::Warning => warnings.push(f),
                }
            }
        }

        let waiting_for = |met: Option<bool>, inputs: &[usize], slots: &[Value]| -> Vec<String> {
            if met.is_some() {
                return Vec::new();
            }
            inputs
                .iter()
                .filter(|&&s| slots[s].is_null() && applies[s] != Some(false))
                .map(|&s| self.items[s].id.clone())
                .collect()
        };
        let diagnosis_met = eval(&self.diagnosis_met, &slots).truth();
        let diagnosis = Diagnosis {
            met: diagnosis_met,
            waiting_for: waiting_for(diagnosis_met, &self.diagnosis_inputs, &slots),
            category: self
                .diagnosis_categories
                .iter()
                .find(|(_, when)| eval(when, &slots).truth() == Some(true))
                .map(|(value, _)| value.clone()),
        };

        // Autofill before the severity decision, which may read the items.
        let mut autofilled = Map::new();
        for (slot, expr) in &self.autofill {
            let v = eval(expr, &slots);
            if v.is_null() {
                continue;
            }
            let item = &self.items[*slot];
            if slots[*slot].is_null() {
                autofilled.insert(item.id.clone(), v.to_json());
                slots[*slot] = v;
            } else if !same_value(&slots[*slot].to_json(), &v) {
                warnings.push(Finding::new(
                    &item.id,
                    codes::AUTOFILL_MISMATCH,
                    format!(
                        "「{}」の入力値 {} は、入力データから判定される値 {} と一致しません。",
                        item.label,
                        show(&slots[*slot].to_json()),
                        show(&v.to_json())
                    ),
                ));
            }
        }
        let severity_met = eval(&self.severity_met, &slots).truth();
        let severity = Severity {
            met: severity_met,
            autofilled,
            waiting_for: waiting_for(severity_met, &self.severity_inputs, &slots),
        };

        if !self.machine_judgment {
            warnings.push(Finding {
                item: None,
                code: codes::NO_MACHINE_JUDGMENT.to_owned(),
                message: "この疾病には機械判定がありません（一般様式）。診断基準・重症度は医師の記載に基づき自治体が判断します。"
                    .to_owned(),
            });
        }
        let valid = errors.is_empty();
        let primary_judgment = match (valid, diagnosis.met, severity.met) {
            (false, _, _) => PrimaryJudgment::NeedsReview,
            (true, Some(true), Some(true)) => PrimaryJudgment::Meets,
            (true, Some(false), _) | (true, _, Some(false)) => PrimaryJudgment::DoesNotMeet,
            _ => PrimaryJudgment::NeedsReview,
        };

        let mut normalized_changes = Map::new();
        for (slot, item) in self.items.iter().enumerate() {
            let given = data.get(&item.id).filter(|g| !g.is_null());
            match (given, &slots[slot]) {
                (None, Value::Null) => {}
                (Some(_), Value::Null) if refused[slot] => {}
                (Some(_), Value::Null) => {
                    normalized_changes.insert(item.id.clone(), Json::Null);
                }
                (Some(g), v) if json_equal(g, v) => {}
                (_, v) => {
                    normalized_changes.insert(item.id.clone(), v.to_json());
                }
            }
        }

        let applicable = self
            .items
            .iter()
            .zip(&applies)
            .filter(|(item, _)| item.enable_when.is_some())
            .map(|(item, a)| (item.id.clone(), a.map_or(Json::Null, Json::Bool)))
            .collect();

        Judgment {
            valid,
            errors,
            warnings,
            derived,
            diagnosis,
            severity,
            primary_judgment,
            normalized_changes,
            applicable,
        }
    }
}

/// Equal as values: numbers by value, everything else as JSON.
fn same_value(given: &Json, v: &Value) -> bool {
    match (given, v) {
        (Json::Number(a), Value::Num(b)) => a.as_f64() == Some(*b),
        (Json::String(a), Value::Num(b)) => a.trim().parse::<f64>().ok() == Some(*b),
        (g, v) => *g == v.to_json(),
    }
}

/// Exactly the same JSON value (so a stored value needs no change).
fn json_equal(given: &Json, v: &Value) -> bool {
    match (given, v) {
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::String(a), Value::Str(b)) => a == b,
        (Json::Number(_), Value::Num(_)) => *given == v.to_json(),
        (g, v) => *g == v.to_json(),
    }
}

fn show(j: &Json) -> String {
    match j {
        Json::Null => "（なし）".to_owned(),
        Json::String(s) => s.clone(),
        Json::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        other => other.to_string(),
    }
}
