//! One contract for the core's errors: a stable English code, a Japanese
//! message for the user, and what kind of failure it is. The extension maps
//! every core error to a PostgreSQL ERROR through one function
//! (extension/pg/src/errors.rs) by these three; the offline check tool
//! prints code and message.

/// What kind of failure an error is; the extension chooses the SQLSTATE
/// from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A value breaks a rule (SQL: 22023 invalid_parameter_value).
    InvalidValue,
    /// A text cannot be read in its format (22P02 invalid_text_representation).
    MalformedText,
    /// An XML document cannot be read (2200M invalid_xml_document).
    MalformedXml,
    /// An input is larger than allowed (54000 program_limit_exceeded).
    TooLarge,
}

/// An error of the core as the user is told it.
pub trait ErrorCode {
    /// The stable English code, e.g. `E_ACCESS_KEY_TYPO`.
    fn code(&self) -> &'static str;
    /// The Japanese message for the user.
    fn message(&self) -> String;
    /// What kind of failure it is.
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidValue
    }
    /// Where the problem is, for a developer (SQL: HINT), if that helps.
    fn hint(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access_key::AccessKeyError;
    use crate::accounts::user_data_file::FileError as UserDataFileError;
    use crate::auth::password::PasswordPolicyError;
    use crate::bulk::reader::FileError as XmlFileError;
    use crate::csv::CsvError;
    use crate::form::DefinitionError;

    fn told(e: &dyn ErrorCode) -> (&'static str, String, ErrorKind, Option<String>) {
        (e.code(), e.message(), e.kind(), e.hint())
    }

    #[test]
    fn each_error_type_says_code_message_kind_and_hint() {
        use ErrorKind::*;
        assert_eq!(
            told(&AccessKeyError::CheckCharacter),
            (
                "E_ACCESS_KEY_TYPO",
                "アクセスキーに入力誤りがあります。印刷されたキーをもう一度確認してください。".into(),
                InvalidValue,
                None
            )
        );
        assert_eq!(told(&AccessKeyError::Length(3)).0, "E_ACCESS_KEY_FORMAT");
        assert_eq!(
            told(&PasswordPolicyError::TooShort),
            ("E_PASSWORD_TOO_SHORT", "パスワードは10文字以上にしてください。".into(), InvalidValue, None)
        );
        assert_eq!(told(&UserDataFileError::Empty), ("E_CSV_EMPTY", "ファイルが空です。".into(), MalformedText, None));
        assert_eq!(told(&UserDataFileError::TooLarge).2, TooLarge);
        assert_eq!(told(&UserDataFileError::TooManyRows).2, TooLarge);
        assert_eq!(
            told(&CsvError::UnterminatedQuote { line: 2 }),
            ("E_CSV_MALFORMED", "2行目: 引用符（\"）が閉じられていません。".into(), MalformedText, None)
        );
        let definition = DefinitionError { path: "severity.met".into(), message: "unknown item \"x\"".into() };
        assert_eq!(
            told(&definition),
            (
                "E_FORM_DEFINITION",
                "様式定義が正しくありません: severity.met: unknown item \"x\"".into(),
                InvalidValue,
                Some("at severity.met".into())
            )
        );
        let xml =
            XmlFileError {
                code: "E_XML_DOCTYPE", message: "DOCTYPE宣言は使えません。".into(), line: 2, column: 1
            };
        assert_eq!(
            told(&xml),
            (
                "E_XML_DOCTYPE",
                "2行1桁: DOCTYPE宣言は使えません。".into(),
                MalformedXml,
                Some("line 2, column 1".into())
            )
        );
    }
}
