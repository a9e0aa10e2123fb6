//! `jsonb` arguments that come from users (form data), read into
//! serde_json with a clear error instead of a panic. pgrx's own `JsonB`
//! prints the value as text and `expect`s serde_json to parse it back, which
//! fails (XX000, "internal error") for a number beyond the double range such
//! as `1e309`: jsonb keeps it as a numeric, serde_json cannot. Here that is
//! E_NUMBER_OUT_OF_RANGE with a Japanese message.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable};
use pgrx::{FromDatum, PgSqlErrorCode};
use serde_json::Value;

use crate::errors::raise;

/// A user's jsonb argument as a serde_json value.
#[derive(Debug)]
pub struct UserJsonB(pub Value);

/// serde_json's reading of jsonb's text, or the coded error.
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
            "E_NUMBER_OUT_OF_RANGE",
            "数値が大きすぎるか小さすぎます（扱える範囲を超える数値が入力データにあります）。".to_owned(),
            Some(format!("at column {} of the data", e.column())),
        )
    })
}

impl FromDatum for UserJsonB {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        // SAFETY: a non-null argument of SQL type jsonb is a jsonb varlena;
        // jsonb_out answers a palloc'd C string, freed below
        unsafe {
            let varlena = datum.cast_mut_ptr();
            let detoasted = pg_sys::pg_detoast_datum_packed(varlena);
            let text = pgrx::direct_function_call::<&core::ffi::CStr>(pg_sys::jsonb_out, &[Some(detoasted.into())])
                .expect("jsonb_out answers a string");
            let value = parse(&String::from_utf8_lossy(text.to_bytes()));
            pg_sys::pfree(text.as_ptr() as *mut core::ffi::c_void);
            if detoasted != varlena {
                pg_sys::pfree(detoasted as *mut core::ffi::c_void);
            }
            Some(UserJsonB(value))
        }
    }
}

// SAFETY: as pgrx's own impls for types read with FromDatum
unsafe impl<'fcx> ArgAbi<'fcx> for UserJsonB {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        unsafe { arg.unbox_arg_using_from_datum().unwrap_or_else(|| panic!("argument {index} must not be null")) }
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        unsafe { arg.unbox_arg_using_from_datum().into() }
    }
}

unsafe impl SqlTranslatable for UserJsonB {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(UserJsonB);
    const TYPE_ORIGIN: pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
        pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
