//! The patient register's rule (nanbyo_core::patient) for SQL: the table's
//! checks, app.patient_problem and the bulk import ask it, so they and the
//! offline check tool apply one rule.

use chrono::{Days, NaiveDate};
use pgrx::datum::Date;
use pgrx::prelude::*;

use nanbyo_core::patient::{patient_problem as core_patient_problem, PatientFields};

/// A PostgreSQL date as chrono's, saturating: infinity and dates beyond
/// chrono's range become its first or last day (which the rule compares
/// as PostgreSQL would the date itself).
fn saturating_naive(date: Date) -> NaiveDate {
    let days = date.to_pg_epoch_days();
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let moved = if days >= 0 {
        epoch.checked_add_days(Days::new(days.unsigned_abs().into()))
    } else {
        epoch.checked_sub_days(Days::new(days.unsigned_abs().into()))
    };
    moved.unwrap_or(if days >= 0 { NaiveDate::MAX } else { NaiveDate::MIN })
}

/// What is wrong with a patient's personal data, as `CODE:message`, or
/// NULL. A NULL argument is a missing value (a postal code may be missing);
/// `today`: a birth date after it is refused (NULL: not checked).
#[pg_extern(immutable, parallel_safe)]
fn patient_problem(
    name: Option<&str>,
    name_kana: Option<&str>,
    birth_date: Option<Date>,
    sex: Option<&str>,
    address: Option<&str>,
    postal_code: Option<&str>,
    today: default!(Option<Date>, NULL),
) -> Option<String> {
    let fields =
        PatientFields { name, name_kana, birth_date: birth_date.map(saturating_naive), sex, address, postal_code };
    core_patient_problem(&fields, today.map(saturating_naive)).map(|(_, code, message)| format!("{code}:{message}"))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn problem(arguments: &str) -> Option<String> {
        Spi::get_one::<String>(&format!("SELECT nanbyo.patient_problem({arguments})")).unwrap()
    }

    const VALID: &str = "'難病 太郎', 'ナンビョウ タロウ', DATE '1960-05-01', '1', '東京都千代田区1-1', '100-0001'";

    #[pg_test]
    fn a_valid_patient_has_no_problem() {
        assert_eq!(problem(VALID), None);
        assert_eq!(problem("'難病 太郎', 'ナンビョウ', DATE '1960-05-01', '2', '東京', NULL, current_date"), None);
    }

    #[pg_test]
    fn each_problem_as_code_and_message() {
        for (arguments, expected) in [
            (
                "NULL, 'ナ', DATE '1960-05-01', '1', '東京', NULL",
                "E_PATIENT_NAME:患者の氏名を50文字以内で入力してください。",
            ),
            (
                "E'\\u3000', 'ナ', DATE '1960-05-01', '1', '東京', NULL",
                "E_PATIENT_NAME:患者の氏名を50文字以内で入力してください。",
            ),
            (
                "'難病', 'ナ', DATE '1960-05-01', '1', E'東京\\u202E', NULL",
                "E_TEXT_CONTROL_CHARACTER:制御文字・見えない文字・文字の向きを変える文字は入力できません。",
            ),
            (
                "'難病', 'なんびょう', DATE '1960-05-01', '1', '東京', NULL",
                "E_PATIENT_KANA:患者の氏名カナは全角カタカナ（ァ〜ヶ・ー）100文字以内で入力してください。",
            ),
            ("'難病', 'ナ', DATE '1900-01-01', '1', '東京', NULL", "E_PATIENT_BIRTH_DATE:生年月日が正しくありません。"),
            ("'難病', 'ナ', NULL, '1', '東京', NULL", "E_PATIENT_BIRTH_DATE:生年月日が正しくありません。"),
            ("'難病', 'ナ', '-infinity', '1', '東京', NULL", "E_PATIENT_BIRTH_DATE:生年月日が正しくありません。"),
            (
                "'難病', 'ナ', current_date + 1, '1', '東京', NULL, current_date",
                "E_PATIENT_BIRTH_DATE:生年月日が正しくありません。",
            ),
            (
                "'難病', 'ナ', DATE '1960-05-01', '9', '東京', NULL",
                "E_PATIENT_SEX:性別は 1（男）か 2（女）で指定してください。",
            ),
            (
                "'難病', 'ナ', DATE '1960-05-01', '1', ' ', NULL",
                "E_PATIENT_ADDRESS:住所を200文字以内で入力してください。",
            ),
            (
                "'難病', 'ナ', DATE '1960-05-01', '1', '東京', '100-00011'",
                "E_PATIENT_POSTAL_CODE:郵便番号は 123-4567 の形で入力してください。",
            ),
        ] {
            assert_eq!(problem(arguments).as_deref(), Some(expected), "{arguments}");
        }
    }

    #[pg_test]
    fn today_is_checked_only_when_given() {
        // the table's check: no day, so a birth date in the future passes
        assert_eq!(problem("'難病', 'ナ', current_date + 1, '1', '東京', NULL"), None);
        assert_eq!(problem("'難病', 'ナ', 'infinity', '1', '東京', NULL"), None);
        assert_eq!(problem("'難病', 'ナ', current_date, '1', '東京', NULL, current_date"), None);
        assert!(problem("'難病', 'ナ', 'infinity', '1', '東京', NULL, current_date").is_some());
    }

    #[pg_test]
    fn immutable_parallel_safe_and_not_strict() {
        let attributes = Spi::get_one::<String>(
            "SELECT provolatile::text || proparallel::text || proisstrict::text \
               FROM pg_proc WHERE oid = 'nanbyo.patient_problem(text, text, date, text, text, text, date)'::regprocedure",
        )
        .unwrap();
        assert_eq!(attributes.as_deref(), Some("isfalse"));
    }
}
