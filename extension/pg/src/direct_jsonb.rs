//! serde_json values handed to PostgreSQL as `jsonb` built directly with
//! PostgreSQL's own jsonb builder (`pushJsonbValue`), instead of pgrx's
//! `JsonB`, which prints the value as JSON text and has `jsonb_in` parse it
//! again. The bulk import returns one record per form: the round trip was
//! about a tenth of its time.
//!
//! The result is the same jsonb `jsonb_in` would make of the value's text:
//! numbers go through `numeric_in` with serde_json's own spelling of them,
//! object keys are sorted and de-duplicated by PostgreSQL itself.

use std::ffi::CString;
use std::ptr;

use pgrx::pg_sys;
use pgrx::pg_sys::JsonbIteratorToken::{
    WJB_BEGIN_ARRAY, WJB_BEGIN_OBJECT, WJB_ELEM, WJB_END_ARRAY, WJB_END_OBJECT, WJB_KEY, WJB_VALUE,
};
use pgrx::pgrx_sql_entity_graph::metadata::{ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable};
use pgrx::{IntoDatum, PgSqlErrorCode};
use serde_json::Value;

use crate::errors::raise;

/// A serde_json value that becomes a `jsonb` datum without a text round trip.
#[derive(Debug)]
pub struct DirectJsonB(pub Value);

impl IntoDatum for DirectJsonB {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(jsonb_datum(&self.0))
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::JSONBOID
    }
}

// SAFETY: the datum returned is the function's result, as BoxRet requires
unsafe impl pgrx::callconv::BoxRet for DirectJsonB {
    /// Returns the value's jsonb as the function's result.
    ///
    /// # Safety
    ///
    /// `fcinfo` must be the call info of the SQL function now returning
    /// (pgrx's wrapper passes it). The jsonb is built in the current memory
    /// context, which PostgreSQL keeps for the result.
    unsafe fn box_into<'fcx>(self, fcinfo: &mut pgrx::callconv::FcInfo<'fcx>) -> pgrx::datum::Datum<'fcx> {
        unsafe { fcinfo.return_raw_datum(jsonb_datum(&self.0)) }
    }
}

// SAFETY: DirectJsonB is passed and returned as a jsonb datum (IntoDatum
// and BoxRet above), which is what the SQL it is mapped to says.
unsafe impl SqlTranslatable for DirectJsonB {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(DirectJsonB);
    const TYPE_ORIGIN: pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
        pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}

/// Builds the jsonb of `value` in the current memory context.
///
/// In two steps: Rust first lays the value out as the sequence of builder
/// calls it takes (checking strings, converting numbers, putting object
/// keys in jsonb's own order so that PostgreSQL's sort finds them sorted);
/// then the calls are made inside one FFI guard. pgrx guards each call of a
/// PostgreSQL function on its own, which cost more than the building itself
/// at some forty calls a record.
pub fn jsonb_datum(value: &Value) -> pg_sys::Datum {
    let mut steps = Vec::new();
    match value {
        Value::Object(_) | Value::Array(_) => lay_out(value, WJB_ELEM, &mut steps),
        scalar => {
            // a scalar on its own is stored as a one-element "raw scalar" array
            // SAFETY: a JsonbValue is plain data; zeroed is a valid jbvNull
            let mut raw: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
            raw.type_ = pg_sys::jbvType::jbvArray;
            raw.val.array.rawScalar = true;
            steps.push((WJB_BEGIN_ARRAY, Some(raw)));
            lay_out(scalar, WJB_ELEM, &mut steps);
            steps.push((WJB_END_ARRAY, None));
        }
    }
    // SAFETY: the closure only calls PostgreSQL and moves plain data (no
    // destructor, no panic), as pg_guard_ffi_boundary requires; the builder
    // copies each JsonbValue, and the strings they point to live in `value`
    // until JsonbValueToJsonb has copied them into the result.
    unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            let mut state: *mut pg_sys::JsonbParseState = ptr::null_mut();
            let mut last: *mut pg_sys::JsonbValue = ptr::null_mut();
            for (token, jv) in steps.iter_mut() {
                let jv = match jv {
                    Some(jv) => jv as *mut pg_sys::JsonbValue,
                    None => ptr::null_mut(),
                };
                last = unguarded::pushJsonbValue(&mut state, *token, jv);
            }
            pg_sys::Datum::from(unguarded::JsonbValueToJsonb(last))
        })
    }
}

/// The builder's functions without pgrx's per-call guard: only called
/// inside the one guard of `jsonb_datum`.
mod unguarded {
    use pgrx::pg_sys::{Jsonb, JsonbIteratorToken, JsonbParseState, JsonbValue};
    unsafe extern "C-unwind" {
        /// PostgreSQL's `pushJsonbValue` (utils/adt/jsonb_util.c).
        ///
        /// # Safety
        ///
        /// Call inside a `pg_guard_ffi_boundary` (it may raise an ERROR,
        /// e.g. out of memory), in a backend, with `pstate` the state of
        /// the calls before it and `jbval` null or a valid JsonbValue
        /// whose strings live until the jsonb is made: the builder copies
        /// the JsonbValue but not what it points to.
        pub fn pushJsonbValue(
            pstate: *mut *mut JsonbParseState,
            seq: JsonbIteratorToken::Type,
            jbval: *mut JsonbValue,
        ) -> *mut JsonbValue;
        /// PostgreSQL's `JsonbValueToJsonb`: the finished jsonb in the
        /// current memory context.
        ///
        /// # Safety
        ///
        /// As for `pushJsonbValue`; `val` is the value the last
        /// `pushJsonbValue` returned (the finished container).
        pub fn JsonbValueToJsonb(val: *mut JsonbValue) -> *mut Jsonb;
    }
}

/// Appends the builder calls for `value` (as an array element or object
/// value: `token`). Object keys go in jsonb's order: shorter first, then
/// bytewise.
fn lay_out<'v>(
    value: &'v Value,
    token: pg_sys::JsonbIteratorToken::Type,
    steps: &mut Vec<(pg_sys::JsonbIteratorToken::Type, Option<pg_sys::JsonbValue>)>,
) {
    match value {
        Value::Object(map) => {
            steps.push((WJB_BEGIN_OBJECT, None));
            let mut entries: Vec<(&'v String, &'v Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes())));
            for (key, item) in entries {
                steps.push((WJB_KEY, Some(string_value(key))));
                lay_out(item, WJB_VALUE, steps);
            }
            steps.push((WJB_END_OBJECT, None));
        }
        Value::Array(items) => {
            steps.push((WJB_BEGIN_ARRAY, None));
            for item in items {
                lay_out(item, WJB_ELEM, steps);
            }
            steps.push((WJB_END_ARRAY, None));
        }
        scalar => steps.push((token, Some(scalar_value(scalar)))),
    }
}

/// The longest string a jsonb value can hold (JENTRY_OFFLENMASK).
const MAX_STRING_BYTES: usize = 0x0FFF_FFFF;

fn string_value(s: &str) -> pg_sys::JsonbValue {
    if s.len() > MAX_STRING_BYTES {
        raise(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            "E_VALUE_TOO_LONG",
            "値が長すぎてJSONとして保存できません。".into(),
            None,
        );
    }
    if s.contains('\0') {
        // as jsonb_in: text cannot hold U+0000
        raise(
            PgSqlErrorCode::ERRCODE_UNTRANSLATABLE_CHARACTER,
            "E_NUL_CHARACTER",
            "値に使えない文字（U+0000）が含まれています。".into(),
            None,
        );
    }
    // SAFETY: a JsonbValue is plain data; zeroed is a valid jbvNull
    let mut jv: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
    jv.type_ = pg_sys::jbvType::jbvString;
    jv.val.string = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_1 {
        len: s.len() as i32,
        val: s.as_ptr() as *mut std::ffi::c_char,
    };
    jv
}

fn scalar_value(value: &Value) -> pg_sys::JsonbValue {
    // SAFETY: a JsonbValue is plain data; zeroed is a valid jbvNull
    let mut jv: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
    match value {
        Value::Null => jv.type_ = pg_sys::jbvType::jbvNull,
        Value::Bool(b) => {
            jv.type_ = pg_sys::jbvType::jbvBool;
            jv.val.boolean = *b;
        }
        Value::Number(n) => {
            jv.type_ = pg_sys::jbvType::jbvNumeric;
            jv.val.numeric = numeric(&n.to_string());
        }
        Value::String(s) => return string_value(s),
        Value::Object(_) | Value::Array(_) => unreachable!("containers are laid out by lay_out, not made scalars"),
    }
    jv
}

/// PostgreSQL's numeric of a JSON number's text, as jsonb_in reads it.
fn numeric(text: &str) -> pg_sys::Numeric {
    let text = CString::new(text).expect("a JSON number has no NUL");
    // SAFETY: numeric_in takes (cstring, oid, int4) and returns a numeric
    // in the current memory context
    unsafe {
        pgrx::direct_function_call::<pg_sys::Datum>(
            pg_sys::numeric_in,
            &[Some(pg_sys::Datum::from(text.as_ptr())), pg_sys::InvalidOid.into_datum(), (-1i32).into_datum()],
        )
        .expect("numeric_in returns a value")
        .cast_mut_ptr()
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use super::DirectJsonB;

    /// The jsonb built directly equals what jsonb_in makes of the text.
    #[pg_test]
    fn built_jsonb_equals_the_parsed_text() {
        for value in [
            json!({"b": 1, "a": [1.5, -0.25, 1e20, 12345678901234567890u64, null, true, false], "c": {"z": "ず", "y": ""}}),
            json!([]),
            json!({}),
            json!("スカラー"),
            json!(42),
            json!(null),
            json!([{"k": [[]]}, "x"]),
        ] {
            let text = value.to_string();
            let same = Spi::get_one_with_args::<bool>(
                "SELECT $1 = $2::jsonb AND $1::text = $2::jsonb::text",
                &[DirectJsonB(value).into(), text.as_str().into()],
            );
            assert_eq!(same, Ok(Some(true)), "{text}");
        }
    }

    /// The same for 2,000 pseudo-random nested values: keys of every length
    /// (the builder's order is by length first), escapes, multibyte text,
    /// integers and floats across their range.
    #[pg_test]
    fn built_jsonb_equals_the_parsed_text_for_random_values() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn text(n: u64) -> String {
            const PIECES: [&str; 8] = ["a", "Z", "\"", "\\", "\n", "\u{1}", "難", "ｶ"];
            (0..n % 13).map(|i| PIECES[((n >> (i * 3)) % 8) as usize]).collect()
        }
        fn value(next: &mut impl FnMut() -> u64, depth: u32) -> serde_json::Value {
            let n = next();
            match (n % 9, depth) {
                (0, d) | (1, d) if d < 4 => {
                    let len = next() % 9;
                    serde_json::Value::Object((0..len).map(|_| (text(next()), value(next, d + 1))).collect())
                }
                (2, d) if d < 4 => serde_json::Value::Array((0..next() % 6).map(|_| value(next, d + 1)).collect()),
                (3, _) => json!((n >> 8) as i64 - (1 << 54)),
                (4, _) => json!(n),
                (5, _) => {
                    let f = f64::from_bits(next());
                    if f.is_finite() {
                        json!(f)
                    } else {
                        json!(0.5)
                    }
                }
                (6, _) => json!(n.is_multiple_of(2)),
                (7, _) => serde_json::Value::Null,
                _ => json!(text(next())),
            }
        }
        for _ in 0..2000 {
            let value = value(&mut next, 0);
            let text = value.to_string();
            let same = Spi::get_one_with_args::<bool>(
                "SELECT $1 = $2::jsonb AND $1::text = $2::jsonb::text",
                &[DirectJsonB(value).into(), text.as_str().into()],
            );
            assert_eq!(same, Ok(Some(true)), "{text}");
        }
    }

    /// `build` run, and how it failed: `SQLSTATE code message`.
    fn failure_of(build: impl FnOnce() + std::panic::UnwindSafe) -> String {
        pgrx::PgTryBuilder::new(|| {
            build();
            "no error".to_owned()
        })
        .catch_others(|e| match e {
            pgrx::pg_sys::panic::CaughtError::PostgresError(r) | pgrx::pg_sys::panic::CaughtError::ErrorReport(r) => {
                format!("{:?} {} {}", r.sql_error_code(), r.detail().unwrap_or(""), r.message())
            }
            _ => "a Rust panic".to_owned(),
        })
        .execute()
    }

    /// Text cannot hold U+0000, in a value or a key, at any depth: the
    /// coded error, as jsonb_in refuses it.
    #[pg_test]
    fn a_nul_character_is_a_coded_error() {
        for value in [json!("a\u{0}b"), json!({"k": "\u{0}"}), json!({"a\u{0}": 1}), json!([1, [{"deep": ["x\u{0}"]}]])]
        {
            let text = value.to_string();
            assert_eq!(
                failure_of(move || {
                    let _ = super::jsonb_datum(&value);
                }),
                "ERRCODE_UNTRANSLATABLE_CHARACTER E_NUL_CHARACTER 値に使えない文字（U+0000）が含まれています。",
                "{text}"
            );
        }
    }

    /// A string longer than a jsonb string can be (JENTRY_OFFLENMASK
    /// bytes), as a value or a key: the coded error, before any building.
    #[pg_test]
    fn a_string_too_long_for_jsonb_is_a_coded_error() {
        let long = "x".repeat(super::MAX_STRING_BYTES + 1);
        let expected = "ERRCODE_PROGRAM_LIMIT_EXCEEDED E_VALUE_TOO_LONG 値が長すぎてJSONとして保存できません。";
        let as_value = json!({"a": long});
        assert_eq!(
            failure_of(move || {
                let _ = super::jsonb_datum(&as_value);
            }),
            expected
        );
        let as_key = serde_json::Value::Object([(long, json!(1))].into_iter().collect());
        assert_eq!(
            failure_of(move || {
                let _ = super::jsonb_datum(&as_key);
            }),
            expected
        );
    }

    /// Next to the refusals: other control characters, an empty key and a
    /// long string are stored as jsonb_in stores them.
    #[pg_test]
    fn control_characters_empty_keys_and_long_strings_are_stored() {
        for value in [json!("\u{1}"), json!({"": ""}), json!("x".repeat(100_000))] {
            let text = value.to_string();
            let same = Spi::get_one_with_args::<bool>(
                "SELECT $1 = $2::jsonb",
                &[DirectJsonB(value).into(), text.as_str().into()],
            );
            assert_eq!(same, Ok(Some(true)));
        }
    }
}
