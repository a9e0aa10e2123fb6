//! Forms turned into other forms: the masked review-board copy (B8) and
//! this year's form carried over from last year's (B2).

use chrono::NaiveDate;
use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::{Map, Value};

use crate::errors::raise;
use crate::forms::compiled_form;
use crate::user_jsonb::UserJsonB;
use nanbyo_core::form::{carry_over, masking};

fn object_or_raise(data: &UserJsonB) -> &Map<String, Value> {
    data.0.as_object().unwrap_or_else(|| {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "E_DATA_NOT_OBJECT",
            "入力データは項目IDをキーとするJSONオブジェクトで指定してください。".to_owned(),
            None,
        )
    })
}

fn naive(date: pgrx::datum::Date) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), date.month() as u32, date.day() as u32)
        .expect("a PostgreSQL date in the supported range")
}

/// `data` (a form of version `form_version_id`) with every personal item
/// masked by its mask kind; ages are counted to `on`.
#[pg_extern(stable, strict, parallel_safe)]
fn mask_form(form_version_id: i64, data: UserJsonB, on: pgrx::datum::Date) -> JsonB {
    let form = compiled_form(form_version_id);
    JsonB(Value::Object(masking::mask_form(&form, object_or_raise(&data), naive(on))))
}

/// The ids of the personal items of a form version.
#[pg_extern(stable, strict, parallel_safe)]
fn personal_items(form_version_id: i64) -> Vec<String> {
    masking::personal_items(&compiled_form(form_version_id)).into_iter().map(String::from).collect()
}

/// Carries `data` (a form of version `from_version`) over to `to_version`:
/// `{data, copied, dropped: [{item, reason}], new_items}`.
#[pg_extern(name = "carry_over", stable, strict, parallel_safe)]
fn carry_over_form(from_version: i64, to_version: i64, data: UserJsonB) -> JsonB {
    let from = compiled_form(from_version);
    let to = compiled_form(to_version);
    let result = carry_over::carry_over(&from, &to, object_or_raise(&data));
    JsonB(serde_json::to_value(result).expect("a carry-over always serialises"))
}

/// The items of a form version, blocks included, in print order:
/// `[{id, label, section, type, unit, personal, carry_over}]`.
#[pg_extern(stable, strict, parallel_safe)]
fn form_items(form_version_id: i64) -> JsonB {
    let form = compiled_form(form_version_id);
    JsonB(Value::Array(
        form.items()
            .iter()
            .map(|i| {
                serde_json::json!({
                    "id": i.id, "label": i.label, "section": i.section, "type": i.kind,
                    "unit": i.unit, "personal": i.personal, "carry_over": i.carry_over,
                })
            })
            .collect(),
    ))
}
