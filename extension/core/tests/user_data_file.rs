//! The hospital user-data file (A4): what is accepted, and that every
//! problem names its line and column.

use chrono::NaiveDate;
use nanbyo_core::accounts::user_data_file::{parse_user_data_file, FileError, UserDataFile};
use nanbyo_core::ErrorCode;

const HEADER: &str = "medical_institution_code,account_type,program,doctor_kind,name,name_kana,email,medical_registry_number,designated_doctor_number,designation_expires_on\n";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn parse(body: &str) -> UserDataFile {
    parse_user_data_file(&format!("{HEADER}{body}"), today()).unwrap()
}

fn problem_codes(file: &UserDataFile) -> Vec<(usize, &str, &str)> {
    file.problems.iter().map(|p| (p.line, p.column, p.code)).collect()
}

#[test]
fn a_valid_file_gives_typed_rows() {
    let file = parse(
        "1310270751,doctor,nanbyo,designated,山田 太郎,ヤマダ タロウ,yamada@example.jp,123456,N13-0001,2029-03-31\n\
         1310270751,hospital_admin,,,佐藤 花子,サトウ ハナコ,,,,\n\
         １３１０２７０７５１,指定医,難病,協力難病指定医,鈴木 一郎,スズキ イチロウ,,654321,K-77,令和11年3月31日\n",
    );
    assert_eq!(file.problems, vec![]);
    assert_eq!(file.rows.len(), 3);
    let first = &file.rows[0];
    assert_eq!(
        (first.line, first.account_type, first.program, first.doctor_kind),
        (2, "doctor", Some("nanbyo"), Some("designated"))
    );
    assert_eq!(first.designation_expires_on, NaiveDate::from_ymd_opt(2029, 3, 31));
    assert_eq!(file.rows[1].program, None);
    let third = &file.rows[2];
    assert_eq!(third.medical_institution_code, "1310270751", "full-width digits are normalised");
    assert_eq!(third.doctor_kind, Some("cooperating"));
    assert_eq!(third.designation_expires_on, NaiveDate::from_ymd_opt(2029, 3, 31));
}

#[test]
fn japanese_headers_are_accepted_and_email_may_be_left_out() {
    let text = "医療機関コード,利用者区分,制度,指定医区分,氏名,氏名カナ,医籍登録番号,指定医番号,指定有効期限\n\
                1310270751,指定医,小慢,小慢指定医,山田 太郎,ヤマダ タロウ,123456,S-1,2030-01-01\n";
    let file = parse_user_data_file(text, today()).unwrap();
    assert_eq!(file.problems, vec![]);
    assert_eq!(file.rows[0].program, Some("shoman"));
    assert_eq!(file.rows[0].email, None);
}

#[test]
fn each_bad_row_is_reported_with_line_and_column() {
    let file = parse(
        "1310270752,doctor,nanbyo,designated,山田 太郎,ヤマダ タロウ,,123456,N-1,2029-03-31\n\
         1310270751,doctor,shoman,cooperating,,やまだ,bad@,12345678,N 1,2020-01-01\n\
         1310270751,hospital_admin,nanbyo,,佐藤 花子,サトウ ハナコ,,,,\n\
         1310270751,nurse,,,佐藤 花子,サトウ ハナコ,,,,\n\
         1310270751,doctor,nanbyo,designated,山田 次郎,ヤマダ ジロウ,,123457,N-2,someday\n\
         1310270751,doctor,nanbyo,designated,山田 三郎,ヤマダ サブロウ,,123458,N-3,2026-11-23\n",
    );
    assert_eq!(
        problem_codes(&file),
        vec![
            (2, "medical_institution_code", "E_CHECK_DIGIT"),
            (3, "name", "E_REQUIRED"),
            (3, "name_kana", "E_PATTERN"),
            (3, "email", "E_PATTERN"),
            (3, "doctor_kind", "E_NOT_APPLICABLE"),
            (3, "medical_registry_number", "E_PATTERN"),
            (3, "designated_doctor_number", "E_PATTERN"),
            (4, "program", "E_NOT_APPLICABLE"),
            (5, "account_type", "E_UNKNOWN_CODE"),
            (6, "designation_expires_on", "E_DATE"),
            (7, "designation_expires_on", "E_DESIGNATION_EXPIRED"),
        ]
    );
    assert!(file.problems[0].message.contains("1310270752"), "{}", file.problems[0].message);
    assert!(file.problems[8].message.contains("指定医（doctor）"), "{}", file.problems[8].message);
    assert_eq!(file.rows.len(), 1, "only the row with an expired designation parsed");
}

#[test]
fn an_expiry_of_today_is_still_valid() {
    let file = parse("1310270751,doctor,nanbyo,designated,山田 太郎,ヤマダ タロウ,,123456,N-1,2026-11-24\n");
    assert_eq!(file.problems, vec![]);
}

#[test]
fn whole_file_problems() {
    let parse_raw = |t: &str| parse_user_data_file(t, today());
    assert_eq!(parse_raw(""), Err(FileError::Empty));
    assert_eq!(parse_raw(HEADER), Err(FileError::Empty));
    assert!(
        matches!(parse_raw("medical_institution_code,name\n"), Err(FileError::MissingColumns(m)) if m.contains("利用者区分"))
    );
    assert_eq!(parse_raw(&HEADER.replace("email", "mail")), Err(FileError::UnknownColumn("mail".into())));
    let unterminated = format!("{HEADER}1310270751,\"doctor\n");
    let error = parse_raw(&unterminated).unwrap_err();
    assert_eq!((error.code(), error.to_string().contains("2行目")), ("E_CSV_MALFORMED", true));
    let huge = format!("{HEADER}{}", "x".repeat(1024 * 1024));
    assert_eq!(parse_raw(&huge), Err(FileError::TooLarge));
    let many = format!("{HEADER}{}", "1310270751,hospital_admin,,,佐藤,サトウ,,,,\n".repeat(2001));
    assert_eq!(parse_raw(&many), Err(FileError::TooManyRows));
}
