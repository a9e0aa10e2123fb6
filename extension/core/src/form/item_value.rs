//! Turning what a client sent for one item into a checked, normalised value.

use super::compiled::CompiledItem;
use super::definition::{ItemType, MaskKind};
use super::finding::{codes, Finding};
use crate::expr::Value;
use crate::identifiers;
use crate::kana::normalize_kana;
use crate::normalize::{parse_date, to_half_width};
use serde_json::Value as Json;

/// Converts and checks one present (non-null) input value.
pub fn convert(item: &CompiledItem, raw: &Json) -> Result<Value, Finding> {
    match item.kind {
        ItemType::Text => text(item, raw),
        ItemType::Integer => number(item, raw, true),
        ItemType::Decimal => number(item, raw, false),
        ItemType::Date => date(item, raw),
        ItemType::Boolean => boolean(item, raw),
        ItemType::Choice => choice(item, raw).map(Value::Str),
        ItemType::MultiChoice => match raw {
            Json::Array(a) => {
                a.iter().map(|v| choice(item, v).map(Value::Str)).collect::<Result<_, _>>().map(Value::List)
            }
            _ => Err(type_error(item, "選択肢コードの配列")),
        },
        ItemType::PublicPayerNumber => identifier(item, raw, 8, identifiers::valid_public_payer_number),
        ItemType::RecipientNumber => identifier(item, raw, 7, identifiers::valid_recipient_number),
        ItemType::MedicalInstitutionCode => medical_institution_code(item, raw),
    }
}

fn type_error(item: &CompiledItem, expected: &str) -> Finding {
    Finding::new(&item.id, codes::TYPE, format!("「{}」は{}で入力してください。", item.label, expected))
}

/// A scalar as text (numbers and booleans in their JSON spelling).
fn scalar_text(raw: &Json) -> Option<String> {
    match raw {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(item: &CompiledItem, raw: &Json) -> Result<Value, Finding> {
    let Json::String(s) = raw else {
        return Err(type_error(item, "文字列"));
    };
    // a reading is kept full-width, as the patient register keeps it:
    // half-width katakana (ﾔﾏﾀﾞ) is made ヤマダ before it is checked
    let kana;
    let s = match item.personal {
        Some(MaskKind::Kana) => {
            kana = normalize_kana(s.trim());
            kana.as_str()
        }
        _ => s.trim(),
    };
    if let Some(max) = item.max_length {
        if s.chars().count() > max {
            return Err(Finding::new(
                &item.id,
                codes::LENGTH,
                format!("「{}」は{}文字以内で入力してください。", item.label, max),
            ));
        }
    }
    if let Some(re) = &item.pattern {
        if !re.is_match(s) {
            return Err(Finding::new(
                &item.id,
                codes::PATTERN,
                format!("「{}」の形式が正しくありません。", item.label),
            ));
        }
    }
    Ok(Value::Str(s.to_owned()))
}

fn number(item: &CompiledItem, raw: &Json, integer: bool) -> Result<Value, Finding> {
    let expected = if integer { "整数" } else { "数値" };
    let n = match raw {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => to_half_width(s.trim()).parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
    .ok_or_else(|| type_error(item, expected))?;
    if integer && n.fract() != 0.0 {
        return Err(type_error(item, expected));
    }
    let below = item.min.is_some_and(|min| n < min);
    let above = item.max.is_some_and(|max| n > max);
    if below || above {
        let unit = item.unit.as_deref().unwrap_or("");
        let range = match (item.min, item.max) {
            (Some(a), Some(b)) => format!("{}{unit}以上{}{unit}以下", fmt_num(a), fmt_num(b)),
            (Some(a), None) => format!("{}{unit}以上", fmt_num(a)),
            (None, Some(b)) => format!("{}{unit}以下", fmt_num(b)),
            (None, None) => unreachable!(),
        };
        return Err(Finding::new(
            &item.id,
            codes::RANGE,
            format!("「{}」は{}で入力してください（入力値: {}）。", item.label, range, fmt_num(n)),
        ));
    }
    if let Some(step) = item.step {
        let steps = (n - item.min.unwrap_or(0.0)) / step;
        if (steps - steps.round()).abs() > 1e-9 {
            return Err(Finding::new(
                &item.id,
                codes::STEP,
                format!("「{}」は{}刻みで入力してください（入力値: {}）。", item.label, fmt_num(step), fmt_num(n)),
            ));
        }
    }
    Ok(Value::Num(n))
}

pub(crate) fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn date(item: &CompiledItem, raw: &Json) -> Result<Value, Finding> {
    let Json::String(s) = raw else {
        return Err(type_error(item, "日付"));
    };
    match parse_date(s) {
        Some(d) => Ok(Value::Str(d.format("%Y-%m-%d").to_string())),
        None => Err(Finding::new(
            &item.id,
            codes::DATE,
            format!("「{}」の日付「{}」を読み取れません（例: 2024-04-01、令和6年4月1日）。", item.label, s),
        )),
    }
}

fn boolean(item: &CompiledItem, raw: &Json) -> Result<Value, Finding> {
    match raw {
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::String(s) => match to_half_width(s.trim()).as_str() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(type_error(item, "はい（true）またはいいえ（false）")),
        },
        _ => Err(type_error(item, "はい（true）またはいいえ（false）")),
    }
}

fn choice(item: &CompiledItem, raw: &Json) -> Result<String, Finding> {
    let code = scalar_text(raw).map(|s| to_half_width(s.trim())).ok_or_else(|| type_error(item, "選択肢のコード"))?;
    if item.codes.contains(&code) {
        Ok(code)
    } else {
        Err(Finding::new(
            &item.id,
            codes::UNKNOWN_CODE,
            format!("「{}」のコード「{}」は選択肢にありません。", item.label, code),
        ))
    }
}

fn digits(item: &CompiledItem, raw: &Json) -> Result<String, Finding> {
    let s = scalar_text(raw).ok_or_else(|| type_error(item, "数字"))?;
    Ok(to_half_width(s.trim()).replace(['-', ' '], ""))
}

fn identifier(item: &CompiledItem, raw: &Json, len: usize, valid: fn(&str) -> bool) -> Result<Value, Finding> {
    let s = digits(item, raw)?;
    if s.len() != len || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Finding::new(
            &item.id,
            codes::FORMAT,
            format!("「{}」は{}桁の数字で入力してください。", item.label, len),
        ));
    }
    if !valid(&s) {
        return Err(check_digit_error(item, &s));
    }
    Ok(Value::Str(s))
}

fn check_digit_error(item: &CompiledItem, s: &str) -> Finding {
    Finding::new(
        &item.id,
        codes::CHECK_DIGIT,
        format!("「{}」の番号「{}」が正しくありません（検証番号が一致しません）。", item.label, s),
    )
}

fn medical_institution_code(item: &CompiledItem, raw: &Json) -> Result<Value, Finding> {
    let s = digits(item, raw)?;
    if !(s.len() == 10 || s.len() == 7) || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Finding::new(
            &item.id,
            codes::FORMAT,
            format!("「{}」は10桁（または7桁）の数字で入力してください。", item.label),
        ));
    }
    if !identifiers::valid_medical_institution_code(&s) {
        return Err(check_digit_error(item, &s));
    }
    Ok(Value::Str(s))
}
