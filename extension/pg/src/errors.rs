//! How the extension reports errors: a standard SQLSTATE, the Japanese
//! message for the user, and the stable English code in DETAIL (so that
//! PostgREST returns it as `details`). Anything more goes into HINT.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

pub fn raise(sqlstate: PgSqlErrorCode, code: &str, message: String, hint: Option<String>) -> ! {
    let mut report = ErrorReport::new(sqlstate, message, "nanbyo").set_detail(code);
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}
