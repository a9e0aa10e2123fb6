//! How the extension reports errors: a standard SQLSTATE, the Japanese
//! message for the user, and the stable English code in DETAIL (so that
//! PostgREST returns it as `details`). Anything more goes into HINT.
//!
//! Every error of the core goes through `raise_error`, which takes the
//! SQLSTATE from the error's kind; `raise` is for the extension's own
//! errors (a missing table, an argument of the wrong shape).

use nanbyo_core::{ErrorCode, ErrorKind};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

///
/// Inside an HTTP request a 4xx error answers as `app.raise`'s do (right
/// status, X-Request-Id, refusal recorded): see `http_errors`.
pub fn raise(sqlstate: PgSqlErrorCode, code: &str, message: String, hint: Option<String>) -> ! {
    crate::http_errors::prepare(sqlstate, code, &message, hint.as_deref());
    let mut report = ErrorReport::new(sqlstate, message, "nanbyo").set_detail(code);
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}

/// The SQLSTATE of a kind of core error.
fn sqlstate(kind: ErrorKind) -> PgSqlErrorCode {
    match kind {
        ErrorKind::InvalidValue => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        ErrorKind::MalformedText => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        ErrorKind::MalformedXml => PgSqlErrorCode::ERRCODE_INVALID_XML_DOCUMENT,
        ErrorKind::TooLarge => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
    }
}

/// Raises a core error as a PostgreSQL ERROR.
pub fn raise_error(error: &dyn ErrorCode) -> ! {
    raise(sqlstate(error.kind()), error.code(), error.message(), error.hint())
}

/// A form definition that does not compile (E_FORM_DEFINITION), as every
/// function that reads one answers it.
pub fn raise_definition_error(message: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        "E_FORM_DEFINITION",
        format!("様式定義が正しくありません: {message}"),
        None,
    )
}
