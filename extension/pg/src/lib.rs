//! nanbyo: the PostgreSQL extension of nanbyo-db.
//!
//! Each `#[pg_extern]` here is a thin wrapper: it converts SQL types, calls
//! `nanbyo_core`, and turns a core error into a PostgreSQL ERROR. No domain
//! logic lives in this crate.

use pgrx::prelude::*;
use pgrx::JsonB;

mod access_keys;
mod accounts;
mod auth;
mod bulk_export;
mod bulk_import;
mod csv;
mod direct_jsonb;
mod errors;
mod form_layout;
mod form_transforms;
mod forms;
mod http_errors;
mod identifiers;
mod patient;
mod text;
mod user_jsonb;

::pgrx::pg_module_magic!(name, version);

/// The extension's version (the same as the core library it was built with).
#[pg_extern(immutable, strict, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Build information of the extension and the core library, as jsonb:
/// `{"extension": "0.1.0", "core": {"name": "nanbyo-core", "version": "0.1.0"}}`.
#[pg_extern(immutable, strict, parallel_safe)]
fn build_info() -> JsonB {
    JsonB(serde_json::json!({
        "extension": env!("CARGO_PKG_VERSION"),
        "core": nanbyo_core::build_info(),
    }))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;
    use pgrx::PgTryBuilder;

    #[pg_test]
    fn version_is_reachable_from_sql() {
        let v = Spi::get_one::<String>("SELECT nanbyo.version()").unwrap();
        assert_eq!(v.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    }

    #[pg_test]
    fn build_info_names_the_core_library() {
        let name = Spi::get_one::<String>("SELECT nanbyo.build_info() -> 'core' ->> 'name'").unwrap();
        assert_eq!(name.as_deref(), Some("nanbyo-core"));
    }

    #[pg_test]
    fn functions_live_in_the_nanbyo_schema() {
        let n = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = 'nanbyo' AND p.proname IN ('version', 'build_info')",
        )
        .unwrap();
        assert_eq!(n, Some(2));
    }

    #[pg_test]
    fn identifier_checks_from_sql() {
        let ok = Spi::get_one::<bool>(
            "SELECT nanbyo.valid_public_payer_number('54130018') \
               AND nanbyo.valid_recipient_number('1234566') IS NOT NULL \
               AND nanbyo.valid_medical_institution_code('1310270751') \
               AND NOT nanbyo.valid_medical_institution_code('1310270752')",
        )
        .unwrap();
        assert_eq!(ok, Some(true));
        let null = Spi::get_one::<bool>("SELECT nanbyo.valid_recipient_number(NULL)").unwrap();
        assert_eq!(null, None, "strict: NULL in, NULL out");
    }

    #[pg_test]
    fn bundled_definitions_validate() {
        let n = Spi::get_one::<i64>(
            "SELECT count(*) FROM nanbyo.bundled_form_definitions() d \
              WHERE nanbyo.validate_form_definition(d) ->> 'disease_code' = d ->> 'disease_code'",
        )
        .unwrap();
        // every one (33 machine-judged diseases and the two general forms)
        assert_eq!(n, Some(nanbyo_core::bundled::DEFINITIONS.len() as i64));
        assert_eq!(n, Some(35));
    }

    #[pg_test(error = "様式定義が正しくありません: severity.met: unknown item \"nope\"")]
    fn a_broken_definition_is_an_error_not_a_crash() {
        Spi::run(
            "SELECT nanbyo.validate_form_definition(jsonb_set(d, '{severity,met}', \
                    '{\"var\": \"nope\"}')) \
               FROM nanbyo.bundled_form_definitions() d WHERE d ->> 'disease_code' = 'N006'",
        )
        .unwrap();
    }

    #[pg_test(error = "様式マスタを読み込めません（app.form_versions）。")]
    fn judging_without_the_master_table_is_a_clear_error() {
        Spi::run("SELECT nanbyo.judge(1::bigint, '{}'::jsonb)").unwrap();
    }
    // a number beyond the double range is a coded error, not pgrx's XX000
    // (the data is read before the form version is looked up)
    const OUT_OF_RANGE: &str = "数値が大きすぎるか小さすぎます（扱える範囲を超える数値が入力データにあります）。";

    #[pg_test(error = "数値が大きすぎるか小さすぎます（扱える範囲を超える数値が入力データにあります）。")]
    fn a_huge_number_in_judged_data_is_a_clear_error() {
        Spi::run(r#"SELECT nanbyo.judge(1::bigint, '{"hoehn_yahr": 1e309}'::jsonb)"#).unwrap();
    }

    #[pg_test(error = "数値が大きすぎるか小さすぎます（扱える範囲を超える数値が入力データにあります）。")]
    fn a_huge_negative_number_nested_by_disease_code_is_a_clear_error() {
        Spi::run(r#"SELECT nanbyo.judge('N006', '{"a": [{"b": -1e309}]}'::jsonb)"#).unwrap();
    }

    #[pg_test]
    fn every_user_json_argument_refuses_huge_numbers_with_the_code() {
        for call in [
            "nanbyo.mask_form(1, '{\"x\": 1e400}'::jsonb, current_date)",
            "nanbyo.carry_over(1, 2, ('{\"x\": ' || repeat('9', 400) || '}')::jsonb)",
            "nanbyo.judge(1::bigint, '[1e309]'::jsonb)",
        ] {
            let caught = PgTryBuilder::new(|| Spi::run(&format!("SELECT {call}")).map(|_| String::new()))
                .catch_others(|e| match e {
                    pgrx::pg_sys::panic::CaughtError::PostgresError(r)
                    | pgrx::pg_sys::panic::CaughtError::ErrorReport(r) => {
                        Ok(format!("{:?} {} {}", r.sql_error_code(), r.detail().unwrap_or(""), r.message()))
                    }
                    _ => Ok("panic".into()),
                })
                .execute()
                .unwrap();
            assert_eq!(
                caught,
                format!("ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE E_NUMBER_OUT_OF_RANGE {OUT_OF_RANGE}"),
                "{call}"
            );
        }
    }
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
