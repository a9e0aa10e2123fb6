//! The extension's errors inside an HTTP request answer like `app.raise`'s
//! (sql/foundation/errors.sql): a 4xx error becomes PostgREST's `PGRST`
//! error, whose MESSAGE is the JSON body and whose DETAIL names the HTTP
//! status and headers, so that the answer has the right status (404 for
//! P0002, which PostgREST alone answers with 500) and carries the request's
//! `X-Request-Id` (PostgREST 12 sends `response.headers` only with a
//! successful answer).
//!
//! pgrx reports an error with one of the standard SQLSTATEs only, and
//! reports it where the Rust frames have been unwound (its guard around
//! every `#[pg_extern]`). So the conversion is done by a one-shot error
//! context callback pushed just before the error is raised: PostgreSQL
//! calls the context callbacks from `errfinish`, while the error is being
//! built, and a callback may still set the error's code, message and detail
//! (the same `err*` calls that `ereport` makes). The callback acts only on
//! an error with the SQLSTATE it was armed for, and only once.
//!
//! Armed means raised: `prepare` is called only by `errors::raise` just
//! before the error. Nothing in the extension may catch its own raise with
//! a `PgTryBuilder` and carry on: the entry would stay armed until the C
//! frame that linked the context below it restores the stack.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};

use pgrx::{pg_guard, pg_sys, PgSqlErrorCode, PgTryBuilder, Spi};
use serde_json::{json, Map, Value};

/// The SQLSTATE PostgREST reads as "status and headers in DETAIL".
const PGRST: c_int = sqlstate_code(*b"PGRST");

struct Pending {
    armed_for: c_int,
    message: CString,
    detail: CString,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// The callback's entry in PostgreSQL's error context stack. PostgreSQL runs
/// one backend per process on one thread, so one entry is enough: it is
/// linked in just before an error and unlinks itself when that error is
/// built (or is dropped with the stack when a handler restores it).
static mut CALLBACK: pg_sys::ErrorContextCallback =
    pg_sys::ErrorContextCallback { previous: std::ptr::null_mut(), callback: None, arg: std::ptr::null_mut() };

// The err* functions of ereport, which pgrx keeps out of its bindings (its
// own reporting declares them the same way, pgrx-pg-sys panic.rs).
unsafe extern "C-unwind" {
    fn errcode(sqlerrcode: c_int) -> c_int;
    fn errmsg(fmt: *const c_char, ...) -> c_int;
    fn errdetail(fmt: *const c_char, ...) -> c_int;
}

/// MAKE_SQLSTATE of PostgreSQL's elog.h.
const fn sqlstate_code(chars: [u8; 5]) -> c_int {
    let mut code = 0;
    let mut i = 0;
    while i < 5 {
        code |= ((chars[i] - b'0') as c_int & 0x3F) << (6 * i);
        i += 1;
    }
    code
}

/// The five characters of a SQLSTATE (PGUNSIXBIT of elog.h).
pub fn sqlstate_text(sqlstate: PgSqlErrorCode) -> String {
    let code = sqlstate as c_int;
    (0..5).map(|i| (((code >> (6 * i)) & 0x3F) as u8 + b'0') as char).collect()
}

/// One value of a query, None when it fails: the conversion must never turn
/// an error into another (a database without the app schema, as in the
/// extension's own tests, simply keeps the plain error).
fn try_value<T: pgrx::IntoDatum + pgrx::FromDatum>(query: &str, args: &[pgrx::datum::DatumWithOid]) -> Option<T> {
    PgTryBuilder::new(|| Spi::get_one_with_args::<T>(query, args).ok().flatten()).catch_others(|_| None).execute()
}

fn setting(name: &str) -> Option<String> {
    try_value("SELECT nullif(current_setting($1, true), '')", &[name.into()])
}

/// Inside an HTTP request, prepares the error about to be raised with
/// `sqlstate` to answer as `app.raise` would: the status PostgREST gives the
/// SQLSTATE (or 404 for P0002), the request id among the headers, and a
/// refusal recorded in the audit log. Outside HTTP, or for a status that is
/// not 4xx, nothing changes.
pub fn prepare(sqlstate: PgSqlErrorCode, code: &str, message: &str, hint: Option<&str>) {
    if setting("request.method").is_none() {
        return;
    }
    let state = sqlstate_text(sqlstate);
    let status = if state == "P0002" {
        404
    } else {
        try_value::<i32>("SELECT app.http_status_of($1)", &[state.as_str().into()]).unwrap_or(500)
    };
    if !(400..500).contains(&status) {
        return;
    }
    if matches!(status, 401 | 403 | 404 | 405) {
        // The refusal is written autonomously (it outlives the rollback).
        let _ = try_value::<i32>("SELECT 1 FROM app.record_refusal($1, $2)", &[state.as_str().into(), code.into()]);
    }
    let mut headers = Map::new();
    if status == 401 {
        headers.insert("WWW-Authenticate".into(), "Bearer".into());
    }
    if let Some(id) = setting("app.request_id") {
        headers.insert("X-Request-Id".into(), id.into());
    }
    let body = json!({"code": state, "message": message, "details": code, "hint": hint});
    let detail = json!({"status": status, "headers": Value::Object(headers)});
    let (Ok(message), Ok(detail)) = (CString::new(body.to_string()), CString::new(detail.to_string())) else {
        return;
    };
    PENDING.with(|p| *p.borrow_mut() = Some(Pending { armed_for: sqlstate as c_int, message, detail }));
    // SAFETY: the backend's only thread; the entry is static, so it stays
    // valid however the error unwinds.
    unsafe {
        let entry = &raw mut CALLBACK;
        if pg_sys::error_context_stack != entry {
            (*entry).previous = pg_sys::error_context_stack;
            (*entry).callback = Some(convert);
            pg_sys::error_context_stack = entry;
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn convert(_arg: *mut c_void) {
    // SAFETY: called by errfinish on the backend's thread while an error is
    // being built; geterrcode and the err* calls act on that error.
    unsafe {
        let current = pg_sys::geterrcode();
        let (pending, still_armed) = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let taken = p.take_if(|p| p.armed_for == current);
            (taken, p.is_some())
        });
        // A notice sent while the error unwinds leaves the entry armed.
        let entry = &raw mut CALLBACK;
        if !still_armed && pg_sys::error_context_stack == entry {
            pg_sys::error_context_stack = (*entry).previous;
        }
        if let Some(pending) = pending {
            errcode(PGRST);
            errmsg(c"%s".as_ptr(), pending.message.as_ptr());
            errdetail(c"%s".as_ptr(), pending.detail.as_ptr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_round_trip_through_their_packed_form() {
        assert_eq!(sqlstate_text(PgSqlErrorCode::ERRCODE_NO_DATA_FOUND), "P0002");
        assert_eq!(sqlstate_text(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE), "22023");
        assert_eq!(sqlstate_code(*b"22023"), PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE as c_int);
    }
}
