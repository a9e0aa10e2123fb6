//! Check digits of the public identifiers that appear on forms.
//!
//! All of them use modulus 10 with weights 2,1 (Luhn-like): the digits before
//! the check digit are weighted 2,1,2,1,… starting from the rightmost, the
//! *digits* of each product are added (12 → 1+2), and the check digit is
//! (10 − sum mod 10) mod 10. Input is normalised first (full-width digits).

use crate::normalize::to_half_width;

/// The check digit for `digits` (ASCII digits only; anything else is refused).
pub fn mod10_w21_check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        let p = if i % 2 == 0 { d * 2 } else { d };
        sum += p / 10 + p % 10;
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// True when the last digit of `number` is the check digit of the digits
/// `covered` (a range of the digits before it).
fn check_digit_matches(number: &str, covered: std::ops::Range<usize>) -> bool {
    let last = number.len() - 1;
    match mod10_w21_check_digit(&number[covered]) {
        Some(d) => number.as_bytes()[last] == b'0' + d,
        None => false,
    }
}

fn normalized_digits(raw: &str, len: usize) -> Option<String> {
    let s = to_half_width(raw.trim());
    (s.len() == len && s.bytes().all(|c| c.is_ascii_digit())).then_some(s)
}

/// 公費負担者番号: 8 digits = 法別番号 (2) + prefecture (2) + 実施機関 (3) +
/// check digit. The prefecture must be 01–47.
pub fn valid_public_payer_number(raw: &str) -> bool {
    match normalized_digits(raw, 8) {
        Some(n) => valid_prefecture(&n[2..4]) && check_digit_matches(&n, 0..7),
        None => false,
    }
}

/// 公費受給者番号: 7 digits = 6 + check digit.
pub fn valid_recipient_number(raw: &str) -> bool {
    match normalized_digits(raw, 7) {
        Some(n) => check_digit_matches(&n, 0..6),
        None => false,
    }
}

/// 医療機関コード. The 10-digit form is prefecture (2) + 点数表 (1: 1
/// medical, 3 dental, 4 pharmacy, 6 home nursing) + 郡市区番号 (2) +
/// 医療機関番号 (4) + check digit. The check digit covers the 9 digits before
/// it, except in Saitama (11), Chiba (12), Tokyo (13) and Kanagawa (14), where
/// it covers only 郡市区番号 + 医療機関番号 (6 digits). The 7-digit form
/// (郡市区番号 + 医療機関番号 + check digit) is checked by the 6-digit rule,
/// which is the rule of those four prefectures; elsewhere it cannot be checked
/// without its prefecture, so it is accepted on format alone.
pub fn valid_medical_institution_code(raw: &str) -> bool {
    let s = to_half_width(raw.trim());
    if !s.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match s.len() {
        10 => {
            if !valid_prefecture(&s[0..2]) || !matches!(&s[2..3], "1" | "3" | "4" | "6") {
                return false;
            }
            match &s[0..2] {
                "11" | "12" | "13" | "14" => check_digit_matches(&s, 3..9),
                _ => check_digit_matches(&s, 0..9),
            }
        }
        7 => true,
        _ => false,
    }
}

/// Prefecture codes 01–47 (JIS X 0401).
pub fn valid_prefecture(two_digits: &str) -> bool {
    matches!(two_digits.parse::<u8>(), Ok(1..=47)) && two_digits.len() == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_the_domain_notes() {
        // 5413001 → digit sum 12 → check 8.
        assert_eq!(mod10_w21_check_digit("5413001"), Some(8));
        assert!(valid_public_payer_number("54130018"));
    }

    #[test]
    fn every_other_check_digit_is_refused() {
        for d in 0..=9u8 {
            let n = format!("5413001{d}");
            assert_eq!(valid_public_payer_number(&n), d == 8, "{n}");
        }
    }

    #[test]
    fn public_payer_number_format() {
        assert!(valid_public_payer_number("５４１３００１８"), "full-width digits");
        assert!(valid_public_payer_number(" 54130018 "));
        assert!(!valid_public_payer_number("5413001"), "too short");
        assert!(!valid_public_payer_number("541300180"), "too long");
        assert!(!valid_public_payer_number("5413001a"));
        assert!(!valid_public_payer_number(""));
        // Prefecture 48 does not exist (check digit made valid on purpose).
        let d = mod10_w21_check_digit("5448001").unwrap();
        assert!(!valid_public_payer_number(&format!("5448001{d}")));
    }

    #[test]
    fn recipient_number() {
        let d = mod10_w21_check_digit("123456").unwrap();
        assert!(valid_recipient_number(&format!("123456{d}")));
        assert!(!valid_recipient_number(&format!("123456{}", (d + 1) % 10)));
        assert!(!valid_recipient_number("123456"));
    }

    #[test]
    fn medical_institution_codes_follow_their_prefecture_rule() {
        // Real codes: Hokkaido follows the 9-digit rule, Tokyo the 6-digit rule.
        assert!(valid_medical_institution_code("0110114386"));
        assert!(valid_medical_institution_code("1310270751"));
        assert!(!valid_medical_institution_code("0110114387"));
        assert!(!valid_medical_institution_code("1310270752"));
        // The same digits under the other rule are refused.
        let nine = mod10_w21_check_digit("131027075").unwrap();
        let six = mod10_w21_check_digit("027075").unwrap();
        assert_ne!(nine, six);
        assert!(!valid_medical_institution_code(&format!("131027075{nine}")));
    }

    #[test]
    fn medical_institution_code_format() {
        assert!(!valid_medical_institution_code("4810114386"), "prefecture 48");
        assert!(!valid_medical_institution_code("0120114386"), "点数表 2 does not exist");
        assert!(!valid_medical_institution_code("011011438"), "9 digits");
        assert!(valid_medical_institution_code("1234567"), "7-digit form: format only");
        assert!(!valid_medical_institution_code("12345a7"));
    }
}
