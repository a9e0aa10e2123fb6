//! nanbyo: the PostgreSQL extension of nanbyo-db.
//!
//! Each `#[pg_extern]` here is a thin wrapper: it converts SQL types, calls
//! `nanbyo_core`, and turns a core error into a PostgreSQL ERROR. No domain
//! logic lives in this crate.

use pgrx::prelude::*;
use pgrx::JsonB;

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

    #[pg_test]
    fn version_is_reachable_from_sql() {
        let v = Spi::get_one::<String>("SELECT nanbyo.version()").unwrap();
        assert_eq!(v.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    }

    #[pg_test]
    fn build_info_names_the_core_library() {
        let name =
            Spi::get_one::<String>("SELECT nanbyo.build_info() -> 'core' ->> 'name'").unwrap();
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
