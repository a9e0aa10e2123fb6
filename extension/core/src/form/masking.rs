//! The masked form for the review board (B8): every item the definition
//! flags `personal` is replaced according to its mask kind. Nothing else
//! changes, so the masked form prints with the same layout.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::compiled::CompiledForm;
use super::definition::MaskKind;
use crate::normalize::parse_date;

/// Shown instead of a name or anything that cannot be reduced safely.
pub const HIDDEN: &str = "●●";
/// Shown instead of a redacted item, whatever its length.
pub const REDACTED: &str = "■■■";

const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// Age in full years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// One value masked by `kind`. `on` is the date ages are counted to.
pub fn mask_value(kind: MaskKind, value: &Value, on: NaiveDate) -> Value {
    let text = match value {
        Value::Null => return Value::Null,
        Value::String(s) if s.trim().is_empty() => return value.clone(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let masked = match kind {
        MaskKind::Name | MaskKind::Kana => HIDDEN.to_string(),
        MaskKind::BirthDate => match parse_date(&text) {
            Some(birth) if birth <= on => format!("{}歳", age_on(birth, on)),
            _ => HIDDEN.to_string(),
        },
        MaskKind::Address => PREFECTURES
            .iter()
            .find(|p| text.starts_with(*p))
            .map(|p| p.to_string())
            .unwrap_or_else(|| HIDDEN.to_string()),
        MaskKind::Number => {
            let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
            // at most the last two characters, never more than a third of them
            let keep = (chars.len() / 3).min(2);
            let hidden = chars.len() - keep;
            "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
        }
        MaskKind::Redact => REDACTED.to_string(),
    };
    Value::String(masked)
}

/// `data` with every personal item of `form` masked.
pub fn mask_form(form: &CompiledForm, data: &Map<String, Value>, on: NaiveDate) -> Map<String, Value> {
    let mut out = data.clone();
    for item in form.items() {
        if let (Some(kind), Some(value)) = (item.personal, data.get(&item.id)) {
            out.insert(item.id.clone(), mask_value(kind, value, on));
        }
    }
    out
}

/// The ids of the personal items of `form`.
pub fn personal_items(form: &CompiledForm) -> Vec<&str> {
    form.personal_items().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn each_mask_kind() {
        let on = day(2026, 11, 24);
        assert_eq!(mask_value(MaskKind::Name, &json!("難病 太郎"), on), json!("●●"));
        assert_eq!(mask_value(MaskKind::Kana, &json!("ナンビョウ タロウ"), on), json!("●●"));
        assert_eq!(mask_value(MaskKind::BirthDate, &json!("1960-05-01"), on), json!("66歳"));
        assert_eq!(mask_value(MaskKind::BirthDate, &json!("1960-12-01"), on), json!("65歳"));
        assert_eq!(mask_value(MaskKind::BirthDate, &json!("昭和35年5月1日"), on), json!("66歳"));
        assert_eq!(mask_value(MaskKind::BirthDate, &json!("someday"), on), json!("●●"));
        assert_eq!(mask_value(MaskKind::Address, &json!("東京都千代田区千代田1-1"), on), json!("東京都"));
        assert_eq!(mask_value(MaskKind::Address, &json!("神奈川県横浜市中区1"), on), json!("神奈川県"));
        assert_eq!(mask_value(MaskKind::Address, &json!("千代田区千代田1-1"), on), json!("●●"));
        assert_eq!(mask_value(MaskKind::Number, &json!("100-0001"), on), json!("******01"));
        assert_eq!(mask_value(MaskKind::Number, &json!("12"), on), json!("**"));
        assert_eq!(mask_value(MaskKind::Redact, &json!("どんな内容でも"), on), json!("■■■"));
        assert_eq!(mask_value(MaskKind::Name, &Value::Null, on), Value::Null);
    }
}
