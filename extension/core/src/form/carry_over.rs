//! Carry-over (前回値踏襲, B2): start this year's form from the patient's
//! last form of the same disease. Items marked `carry_over` in the new form
//! version are copied by item id from the old form's data, when the old
//! value still fits the new item; everything else starts empty.

use serde::Serialize;
use serde_json::{Map, Value};

use super::compiled::CompiledForm;
use super::definition::ItemType;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedItem {
    pub item: String,
    /// `not_in_new_version`, `type_changed` or `code_not_in_new_version`
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarryOver {
    /// The new form's data: the carried-over items only.
    pub data: Map<String, Value>,
    /// Item ids copied.
    pub copied: Vec<String>,
    /// Old items with a value that the new version has no place for.
    pub dropped: Vec<DroppedItem>,
    /// Items of the new version that the old one did not have (left empty).
    pub new_items: Vec<String>,
}

fn has_value(v: &Value) -> bool {
    !matches!(v, Value::Null)
        && !matches!(v, Value::String(s) if s.trim().is_empty())
        && !matches!(v, Value::Array(a) if a.is_empty())
}

/// Carries `data` (a form of version `from`) over to version `to`.
pub fn carry_over(from: &CompiledForm, to: &CompiledForm, data: &Map<String, Value>) -> CarryOver {
    let mut result = CarryOver { data: Map::new(), copied: vec![], dropped: vec![], new_items: vec![] };
    for item in to.items() {
        let old = from.item(&item.id);
        let Some(old) = old else {
            result.new_items.push(item.id.clone());
            continue;
        };
        if !item.carry_over {
            continue;
        }
        let Some(value) = data.get(&item.id).filter(|v| has_value(v)) else { continue };
        if old.kind != item.kind {
            result.dropped.push(DroppedItem { item: item.id.clone(), reason: "type_changed" });
            continue;
        }
        let codes_fit = match item.kind {
            ItemType::Choice => value.as_str().is_some_and(|c| item.codes.iter().any(|k| k == c)),
            ItemType::MultiChoice => value
                .as_array()
                .is_some_and(|a| a.iter().all(|c| c.as_str().is_some_and(|c| item.codes.iter().any(|k| k == c)))),
            _ => true,
        };
        if !codes_fit {
            result.dropped.push(DroppedItem { item: item.id.clone(), reason: "code_not_in_new_version" });
            continue;
        }
        result.data.insert(item.id.clone(), value.clone());
        result.copied.push(item.id.clone());
    }
    for old in from.items() {
        if !to.has_id(&old.id) && data.get(&old.id).is_some_and(has_value) {
            result.dropped.push(DroppedItem { item: old.id.clone(), reason: "not_in_new_version" });
        }
    }
    result
}
