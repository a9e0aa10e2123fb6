//! What a check found: the item, a stable English code and a Japanese message.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The item the finding is about (None for the form as a whole).
    pub item: Option<String>,
    /// Stable code: built-in ones are listed in `codes`; rules bring their own.
    pub code: String,
    /// For the user, in Japanese.
    pub message: String,
}

impl Finding {
    pub fn new(item: &str, code: &str, message: String) -> Finding {
        Finding { item: Some(item.to_owned()), code: code.to_owned(), message }
    }
}

/// The built-in finding codes.
pub mod codes {
    /// A required item is empty.
    pub const REQUIRED: &str = "E_REQUIRED";
    /// The value is not of the item's type.
    pub const TYPE: &str = "E_TYPE";
    /// A number outside the item's range.
    pub const RANGE: &str = "E_RANGE";
    /// A number between the item's steps (e.g. 3.3 where the steps are 0.5).
    pub const STEP: &str = "E_STEP";
    /// Text longer than allowed.
    pub const LENGTH: &str = "E_LENGTH";
    /// Text not in the required form.
    pub const PATTERN: &str = "E_PATTERN";
    /// A choice code not in the item's code list.
    pub const UNKNOWN_CODE: &str = "E_UNKNOWN_CODE";
    /// A date that cannot be read or does not exist.
    pub const DATE: &str = "E_DATE";
    /// An identifier of the wrong length or with non-digits.
    pub const FORMAT: &str = "E_FORMAT";
    /// An identifier whose check digit does not match.
    pub const CHECK_DIGIT: &str = "E_CHECK_DIGIT";
    /// An item id the form does not have.
    pub const UNKNOWN_ITEM: &str = "E_UNKNOWN_ITEM";
    /// A value for an item that does not apply (its enable_when is false).
    pub const NOT_APPLICABLE: &str = "E_NOT_APPLICABLE";
    /// A hand-entered value of an automatically calculated item differs.
    pub const DERIVED_MISMATCH: &str = "W_DERIVED_MISMATCH";
    /// An entered value differs from what the data determines.
    pub const AUTOFILL_MISMATCH: &str = "W_AUTOFILL_MISMATCH";
    /// A general form: no machine judgment exists for the disease.
    pub const NO_MACHINE_JUDGMENT: &str = "W_NO_MACHINE_JUDGMENT";
}
