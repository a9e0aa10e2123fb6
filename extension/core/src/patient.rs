//! The patient register's rule (B1, B11): what the register takes as a
//! patient's personal data. One rule for every place that stores or checks
//! a patient: the table's checks and app.patient_problem ask it through
//! `nanbyo.patient_problem` (extension/pg/src/patient.rs), and the bulk
//! check (crate::bulk::patient_register) and so the offline check tool call
//! it directly.
//!
//! The checks, in order (the first failing one is reported):
//!
//! 1. name missing, blank or longer than 50 characters → `E_PATIENT_NAME`
//! 2. a hidden character (crate::text_hygiene) in the name or the address →
//!    `E_TEXT_CONTROL_CHARACTER`
//! 3. reading missing, not only full-width katakana (ァ–ヶ), ー, ・ and
//!    spaces, or longer than 100 characters → `E_PATIENT_KANA`
//! 4. birth date missing, not after 1900-01-01, or after `today` (when
//!    given) → `E_PATIENT_BIRTH_DATE`
//! 5. sex not `1` or `2` → `E_PATIENT_SEX`
//! 6. address missing, blank or longer than 200 characters →
//!    `E_PATIENT_ADDRESS`
//! 7. postal code given and not `123-4567` or `1234567` →
//!    `E_PATIENT_POSTAL_CODE`
//!
//! **Blank** means the same for every item: no visible character
//! (crate::text_hygiene::has_visible_character), so a value of only white
//! space (ASCII or ideographic) and hidden characters is blank. The SQL rule
//! this replaces had a third name check after the hidden characters, "a
//! name with no visible character"; blank in check 1 now covers it.

use chrono::NaiveDate;

use crate::text_hygiene;

/// A patient's personal data as the register checks it; `None` is a
/// missing value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatientFields<'a> {
    pub name: Option<&'a str>,
    pub name_kana: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<&'a str>,
    pub address: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

/// A problem of one patient item: (the form item's id, code, message).
pub type PatientProblem = (&'static str, &'static str, &'static str);

pub const NAME: PatientProblem = ("patient_name", "E_PATIENT_NAME", "患者の氏名を50文字以内で入力してください。");
pub const KANA: PatientProblem = (
    "patient_name_kana",
    "E_PATIENT_KANA",
    "患者の氏名カナは全角カタカナ（ァ〜ヶ・ー）100文字以内で入力してください。",
);
pub const BIRTH_DATE: PatientProblem = ("patient_birth_date", "E_PATIENT_BIRTH_DATE", "生年月日が正しくありません。");
pub const SEX: PatientProblem = ("patient_sex", "E_PATIENT_SEX", "性別は 1（男）か 2（女）で指定してください。");
pub const ADDRESS: PatientProblem = ("patient_address", "E_PATIENT_ADDRESS", "住所を200文字以内で入力してください。");
pub const POSTAL_CODE: PatientProblem =
    ("patient_postal_code", "E_PATIENT_POSTAL_CODE", "郵便番号は 123-4567 の形で入力してください。");

/// The longest name, reading and address, in characters.
pub const MAX_NAME: usize = 50;
pub const MAX_KANA: usize = 100;
pub const MAX_ADDRESS: usize = 200;

/// The first problem of a patient's data, if any: a missing value is a
/// problem (but for the postal code). `today`: a birth date after it is
/// refused (None: not checked, as the table's own check does not know the
/// day).
pub fn patient_problem(fields: &PatientFields, today: Option<NaiveDate>) -> Option<PatientProblem> {
    first_problem(fields, today, true)
}

/// The same rule for the values that are given only: a missing value is
/// no problem (the bulk check, where a form version says what is required).
pub fn given_patient_problem(fields: &PatientFields, today: Option<NaiveDate>) -> Option<PatientProblem> {
    first_problem(fields, today, false)
}

fn first_problem(p: &PatientFields, today: Option<NaiveDate>, missing_is_problem: bool) -> Option<PatientProblem> {
    // None: no problem; Some(bad): the value's problem (a missing one as the rule says)
    let fails = |value: Option<bool>| value.unwrap_or(missing_is_problem);
    let blank_or_longer = |text: &str, max: usize| is_blank(text) || text.chars().count() > max;

    if fails(p.name.map(|name| blank_or_longer(name, MAX_NAME))) {
        return Some(NAME);
    }
    for (value, item) in [(p.name, NAME.0), (p.address, ADDRESS.0)] {
        if value.is_some_and(text_hygiene::has_hidden_characters) {
            return Some((item, text_hygiene::CODE, text_hygiene::MESSAGE));
        }
    }
    if fails(p.name_kana.map(|kana| !is_register_kana(kana) || kana.chars().count() > MAX_KANA)) {
        return Some(KANA);
    }
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
    if fails(p.birth_date.map(|d| d <= earliest || today.is_some_and(|today| d > today))) {
        return Some(BIRTH_DATE);
    }
    if fails(p.sex.map(|sex| !matches!(sex, "1" | "2"))) {
        return Some(SEX);
    }
    if fails(p.address.map(|address| blank_or_longer(address, MAX_ADDRESS))) {
        return Some(ADDRESS);
    }
    if p.postal_code.is_some_and(|code| !is_postal_code(code)) {
        return Some(POSTAL_CODE);
    }
    None
}

/// Blank: no visible character (white space and hidden characters only).
pub fn is_blank(text: &str) -> bool {
    !text_hygiene::has_visible_character(text)
}

/// A reading as the register keeps it: one or more full-width katakana
/// (ァ U+30A1 to ヶ U+30F6), ー, ・, and ASCII or ideographic spaces.
pub fn is_register_kana(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '　'))
}

/// `123-4567` or `1234567`, ASCII digits.
pub fn is_postal_code(code: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match code.split_once('-') {
        Some((a, b)) => digits(a, 3) && digits(b, 4),
        None => digits(code, 7),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TODAY: Option<NaiveDate> = NaiveDate::from_ymd_opt(2026, 11, 24);

    fn valid() -> PatientFields<'static> {
        PatientFields {
            name: Some("難病 太郎"),
            name_kana: Some("ナンビョウ タロウ"),
            birth_date: Some(date(1960, 5, 1)),
            sex: Some("1"),
            address: Some("東京都千代田区1-1"),
            postal_code: Some("100-0001"),
        }
    }

    fn code(fields: PatientFields) -> Option<&'static str> {
        patient_problem(&fields, TODAY).map(|p| p.1)
    }

    #[test]
    fn a_complete_patient_passes_and_the_postal_code_may_be_left_out() {
        assert_eq!(code(valid()), None);
        assert_eq!(code(PatientFields { postal_code: None, ..valid() }), None);
        assert_eq!(code(PatientFields { postal_code: Some("1000001"), ..valid() }), None);
    }

    #[test]
    fn name_missing_blank_or_longer_than_50() {
        for name in [None, Some(""), Some("  "), Some("\u{3000}"), Some("\t\n"), Some(" \u{200B} ")] {
            assert_eq!(patient_problem(&PatientFields { name, ..valid() }, TODAY), Some(NAME), "{name:?}");
        }
        let fifty = "山".repeat(50);
        assert_eq!(code(PatientFields { name: Some(&fifty), ..valid() }), None);
        let fifty_one = "山".repeat(51);
        assert_eq!(code(PatientFields { name: Some(&fifty_one), ..valid() }), Some("E_PATIENT_NAME"));
        assert_eq!(code(PatientFields { name: Some(" 山 "), ..valid() }), None);
    }

    #[test]
    fn hidden_characters_in_the_name_or_the_address() {
        let name = patient_problem(&PatientFields { name: Some("山田\u{7}花子"), ..valid() }, TODAY);
        assert_eq!(name, Some(("patient_name", text_hygiene::CODE, text_hygiene::MESSAGE)));
        let address = patient_problem(&PatientFields { address: Some("東京\u{202E}"), ..valid() }, TODAY);
        assert_eq!(address, Some(("patient_address", text_hygiene::CODE, text_hygiene::MESSAGE)));
        assert_eq!(text_hygiene::MESSAGE, "制御文字・見えない文字・文字の向きを変える文字は入力できません。");
        // the reading is not asked about hidden characters: its own pattern refuses them
        assert_eq!(code(PatientFields { name_kana: Some("ヤ\u{200B}マ"), ..valid() }), Some("E_PATIENT_KANA"));
    }

    #[test]
    fn reading_missing_not_katakana_or_longer_than_100() {
        for kana in [None, Some(""), Some("なんびょう"), Some("ﾅﾝﾋﾞｮｳ"), Some("ヷ"), Some("ナンビョウ1"), Some("ァ\n")]
        {
            assert_eq!(code(PatientFields { name_kana: kana, ..valid() }), Some("E_PATIENT_KANA"), "{kana:?}");
        }
        for kana in ["ァ", "ヶ", "ヴァン　ー・", " ", "　"] {
            assert_eq!(code(PatientFields { name_kana: Some(kana), ..valid() }), None, "{kana:?}");
        }
        let hundred = "ア".repeat(100);
        assert_eq!(code(PatientFields { name_kana: Some(&hundred), ..valid() }), None);
        let hundred_one = "ア".repeat(101);
        assert_eq!(code(PatientFields { name_kana: Some(&hundred_one), ..valid() }), Some("E_PATIENT_KANA"));
    }

    #[test]
    fn birth_date_missing_before_1900_01_02_or_after_today() {
        for birth in [None, Some(date(1900, 1, 1)), Some(date(1800, 1, 1)), Some(date(2026, 11, 25))] {
            assert_eq!(patient_problem(&PatientFields { birth_date: birth, ..valid() }, TODAY), Some(BIRTH_DATE));
        }
        for birth in [date(1900, 1, 2), date(2026, 11, 24)] {
            assert_eq!(code(PatientFields { birth_date: Some(birth), ..valid() }), None, "{birth}");
        }
        // without today (the table's check) a future birth date is not refused
        let future = PatientFields { birth_date: Some(date(2099, 1, 1)), ..valid() };
        assert_eq!(patient_problem(&future, None), None);
        let early = PatientFields { birth_date: Some(date(1900, 1, 1)), ..valid() };
        assert_eq!(patient_problem(&early, None), Some(BIRTH_DATE));
    }

    #[test]
    fn sex_is_1_or_2() {
        for sex in [None, Some(""), Some("0"), Some("3"), Some("１"), Some("1 "), Some("M")] {
            assert_eq!(code(PatientFields { sex, ..valid() }), Some("E_PATIENT_SEX"), "{sex:?}");
        }
        assert_eq!(code(PatientFields { sex: Some("2"), ..valid() }), None);
    }

    #[test]
    fn address_missing_blank_or_longer_than_200() {
        for address in [None, Some(""), Some(" "), Some("\u{3000}\t")] {
            assert_eq!(code(PatientFields { address, ..valid() }), Some("E_PATIENT_ADDRESS"), "{address:?}");
        }
        let two_hundred = "あ".repeat(200);
        assert_eq!(code(PatientFields { address: Some(&two_hundred), ..valid() }), None);
        let two_hundred_one = "あ".repeat(201);
        assert_eq!(code(PatientFields { address: Some(&two_hundred_one), ..valid() }), Some("E_PATIENT_ADDRESS"));
    }

    #[test]
    fn postal_code_given_and_not_seven_digits() {
        for postal in ["100-00011", "100-001", "10-00001", "100_0001", "１００-０００１", "", "100--0001", "1000-001"]
        {
            assert_eq!(
                code(PatientFields { postal_code: Some(postal), ..valid() }),
                Some("E_PATIENT_POSTAL_CODE"),
                "{postal}"
            );
        }
        for postal in ["100-0001", "1000001", "999-9999", "0000000"] {
            assert_eq!(code(PatientFields { postal_code: Some(postal), ..valid() }), None, "{postal}");
        }
    }

    #[test]
    fn the_first_problem_in_the_order_of_the_rule() {
        let all_wrong = PatientFields {
            name: Some(" "),
            name_kana: Some("x"),
            birth_date: Some(date(1800, 1, 1)),
            sex: Some("9"),
            address: Some("東京\u{202E}"),
            postal_code: Some("x"),
        };
        let expected = [
            "E_PATIENT_NAME",
            "E_TEXT_CONTROL_CHARACTER",
            "E_PATIENT_KANA",
            "E_PATIENT_BIRTH_DATE",
            "E_PATIENT_SEX",
            "E_PATIENT_ADDRESS",
            "E_PATIENT_POSTAL_CODE",
        ];
        // put each field right in turn: the next problem comes up
        let mut fields = all_wrong;
        let right = valid();
        let mut seen = Vec::new();
        while let Some((_, code, _)) = patient_problem(&fields, TODAY) {
            seen.push(code);
            match code {
                "E_PATIENT_NAME" => fields.name = right.name,
                "E_TEXT_CONTROL_CHARACTER" => fields.address = Some(" "),
                "E_PATIENT_KANA" => fields.name_kana = right.name_kana,
                "E_PATIENT_BIRTH_DATE" => fields.birth_date = right.birth_date,
                "E_PATIENT_SEX" => fields.sex = right.sex,
                "E_PATIENT_ADDRESS" => fields.address = right.address,
                _ => fields.postal_code = right.postal_code,
            }
        }
        assert_eq!(seen, expected);
        // the hidden characters come before the reading even when the name is fine
        let hidden_address = PatientFields { address: Some("\u{200B}"), name_kana: None, ..valid() };
        assert_eq!(code(hidden_address), Some("E_TEXT_CONTROL_CHARACTER"));
    }

    #[test]
    fn the_given_values_only() {
        assert_eq!(given_patient_problem(&PatientFields::default(), TODAY), None);
        let only_bad_sex = PatientFields { sex: Some("9"), ..PatientFields::default() };
        assert_eq!(given_patient_problem(&only_bad_sex, TODAY), Some(SEX));
        assert_eq!(patient_problem(&only_bad_sex, TODAY), Some(NAME));
        let hidden = PatientFields { address: Some("a\u{202E}"), ..PatientFields::default() };
        assert_eq!(given_patient_problem(&hidden, TODAY).map(|p| p.1), Some("E_TEXT_CONTROL_CHARACTER"));
    }
}
