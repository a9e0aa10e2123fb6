//! Form definitions and judgment (B1, B4–B6).
//!
//! Definitions live in `app.form_versions` (sql/forms/form_versions.sql), one
//! immutable row per form version. A definition is compiled once per backend
//! and kept in a bounded LRU by the row's id, with its content hash: rows
//! never change (a trigger refuses it), so a lookup by id trusts the entry,
//! and the paths that read the hash with the id anyway (judging by disease
//! code, the bulk import) compile again should it differ. Judging many forms
//! never re-parses a definition, nor costs a query per form.

use crate::errors::{raise, raise_error};
use crate::user_jsonb::UserJsonB;
use nanbyo_core::lru::Lru;
use nanbyo_core::CompiledForm;
use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode, PgTryBuilder};
use serde_json::Value;
use std::cell::RefCell;
use std::num::NonZeroUsize;
use std::rc::Rc;

/// How many compiled form versions a backend keeps: comfortably more than
/// every version of every disease (some 1,200 for 348+ diseases), so a
/// backend that cycles through all of them compiles each once; beyond it,
/// the least recently used is dropped.
const CACHE_CAPACITY: NonZeroUsize = NonZeroUsize::new(2048).expect("not zero");

/// form version id → (content hash, the compiled form).
type Cache = Lru<i64, (String, Rc<CompiledForm>)>;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Lru::new(CACHE_CAPACITY));
}

fn compile_or_raise(definition: &Value) -> CompiledForm {
    CompiledForm::from_value(definition).unwrap_or_else(|e| raise_error(&e))
}

fn version_not_found(form_version_id: i64) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
        "E_FORM_VERSION_NOT_FOUND",
        format!("様式（ID {form_version_id}）が見つかりません。"),
        None,
    )
}

/// The compiled form of a stored version, from the cache or compiled now.
pub(crate) fn compiled_form(form_version_id: i64) -> Rc<CompiledForm> {
    if let Some((_, form)) = CACHE.with_borrow_mut(|c| c.get(&form_version_id).cloned()) {
        return form;
    }
    compile_and_keep(form_version_id, None)
}

/// The compiled form of a stored version whose content hash the caller
/// has just read with its id: from the cache if it holds that content, else
/// read and compiled now.
pub(crate) fn compiled_form_with_hash(form_version_id: i64, content_hash: String) -> Rc<CompiledForm> {
    let cached = CACHE.with_borrow_mut(|c| c.get(&form_version_id).cloned());
    match cached {
        Some((hash, form)) if hash == content_hash => form,
        _ => compile_and_keep(form_version_id, Some(content_hash)),
    }
}

/// Reads the version (with the given content hash, if any), compiles it and
/// keeps it in the cache.
fn compile_and_keep(form_version_id: i64, content_hash: Option<String>) -> Rc<CompiledForm> {
    let row = store_row(
        "SELECT content_hash, definition FROM app.form_versions \
          WHERE id = $1 AND ($2::text IS NULL OR content_hash = $2)",
        &[form_version_id.into(), content_hash.as_deref().into()],
        |row| Ok((row.get::<String>(1)?, row.get::<JsonB>(2)?)),
    );
    let Some((Some(hash), Some(JsonB(definition)))) = row else { version_not_found(form_version_id) };
    let form = Rc::new(compile_or_raise(&definition));
    CACHE.with_borrow_mut(|c| c.put(form_version_id, (hash, form.clone())));
    form
}

fn spi_failed(e: pgrx::spi::SpiError) -> ! {
    store_unavailable(e.to_string())
}

fn store_unavailable(why: String) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        "E_FORM_STORE",
        "様式マスタを読み込めません（app.form_versions）。".to_owned(),
        Some(why),
    )
}

/// The first row of a query on the master table, mapped by `get`; None when
/// there is no row.
pub(crate) fn store_row<T>(
    query: &str,
    args: &[pgrx::datum::DatumWithOid],
    get: impl FnOnce(pgrx::spi::SpiHeapTupleData) -> pgrx::spi::Result<T>,
) -> Option<T> {
    reading_store(std::panic::AssertUnwindSafe(|| {
        Spi::connect(|client| {
            let rows = client.select(query, Some(1), args)?;
            if rows.is_empty() {
                Ok(None)
            } else {
                get(rows.first().get_heap_tuple()?.expect("a first row")).map(Some)
            }
        })
    }))
    .unwrap_or_else(|e| spi_failed(e))
}

/// Runs a read of the master table, turning "the table does not exist" (the
/// schema of sql/ not loaded) into E_FORM_STORE.
fn reading_store<T>(read: impl FnOnce() -> T + std::panic::UnwindSafe) -> T {
    PgTryBuilder::new(read)
        .catch_when(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, |e| {
            let why = match e {
                pgrx::pg_sys::panic::CaughtError::PostgresError(r) => r.message().to_owned(),
                _ => "undefined table".to_owned(),
            };
            store_unavailable(why)
        })
        .execute()
}

fn judge_with(form: &CompiledForm, data: &UserJsonB) -> JsonB {
    let Value::Object(map) = &data.0 else {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "E_DATA_NOT_OBJECT",
            "入力データは項目IDをキーとするJSONオブジェクトで指定してください。".to_owned(),
            None,
        )
    };
    let judgment = form.judge(map);
    JsonB(serde_json::to_value(judgment).expect("a judgment always serialises"))
}

/// Judges `data` against the stored form version `form_version_id`.
#[pg_extern(name = "judge", stable, strict, parallel_safe)]
fn judge_by_version(form_version_id: i64, data: UserJsonB) -> JsonB {
    judge_with(&compiled_form(form_version_id), &data)
}

/// Judges `data` against the disease's form version in force today (the
/// latest whose effective_from is not after today).
#[pg_extern(name = "judge", stable, strict, parallel_safe)]
fn judge_by_disease(disease_code: &str, data: UserJsonB) -> JsonB {
    let (id, content_hash) = version_in_force(disease_code);
    judge_with(&compiled_form_with_hash(id, content_hash), &data)
}

/// The one rule of which form version is in force: the disease's latest
/// whose effective_from is not after today, or the one with `version_label`
/// when a bulk file names it. (id, version label, content hash), None when
/// there is none.
pub(crate) fn find_version(disease_code: &str, version_label: Option<&str>) -> Option<(i64, String, String)> {
    let row = store_row(
        "SELECT id, version_label, content_hash FROM app.form_versions \
          WHERE disease_code = $1 \
            AND CASE WHEN $2::text IS NULL THEN effective_from <= current_date ELSE version_label = $2 END \
          ORDER BY effective_from DESC, id DESC LIMIT 1",
        &[disease_code.into(), version_label.into()],
        |row| Ok((row.get::<i64>(1)?, row.get::<String>(2)?, row.get::<String>(3)?)),
    );
    match row {
        Some((Some(id), Some(label), Some(hash))) => Some((id, label, hash)),
        _ => None,
    }
}

/// The id and content hash of the disease's form version in force today.
fn version_in_force(disease_code: &str) -> (i64, String) {
    match find_version(disease_code, None) {
        Some((id, _, content_hash)) => (id, content_hash),
        None => raise(
            PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
            "E_UNKNOWN_DISEASE",
            format!("疾病コード「{disease_code}」の現在有効な様式が見つかりません。"),
            None,
        ),
    }
}

/// The id of the disease's form version in force today.
#[pg_extern(stable, strict, parallel_safe)]
fn form_version_in_force(disease_code: &str) -> i64 {
    version_in_force(disease_code).0
}

/// Checks a definition document and returns what the master table needs:
/// `{disease_code, program, disease_name, version_label, effective_from,
/// online_until, items, calculations, rules}`. Raises E_FORM_DEFINITION with
/// the path of the first problem.
#[pg_extern(immutable, strict, parallel_safe)]
fn validate_form_definition(definition: JsonB) -> JsonB {
    let form = compile_or_raise(&definition.0);
    let d = &definition.0;
    JsonB(serde_json::json!({
        "disease_code": form.disease_code(),
        "program": form.program(),
        "disease_name": form.disease_name(),
        "version_label": form.version_label(),
        "effective_from": d["effective_from"],
        "online_until": d.get("online_until").cloned().unwrap_or(Value::Null),
        "items": form.items().len(),
        "calculations": form.calculation_count(),
        "rules": form.rule_count(),
    }))
}

/// The form definitions bundled with this build (extension/core/forms/).
#[pg_extern(immutable, parallel_safe)]
fn bundled_form_definitions() -> SetOfIterator<'static, JsonB> {
    SetOfIterator::new(
        nanbyo_core::bundled::DEFINITIONS
            .iter()
            .map(|f| JsonB(serde_json::from_str(f.definition).unwrap_or_else(|e| panic!("bundled {}: {e}", f.path)))),
    )
}

/// Only for tests: whether a version is compiled in this backend's cache,
/// and with which content hash.
#[pg_extern(volatile, strict)]
fn cached_form_version_hash(form_version_id: i64) -> Option<String> {
    CACHE.with_borrow(|c| c.peek(&form_version_id).map(|(hash, _)| hash.clone()))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use nanbyo_core::bundled;
    use nanbyo_core::golden::{mismatch, CASES};
    use pgrx::prelude::*;
    use pgrx::JsonB;

    /// The bundled versions in a stand-in for app.form_versions (the real
    /// table is in sql/, not in the extension): the columns the extension
    /// reads. Rolled back with the test.
    fn load_bundled_versions() {
        Spi::run(
            "CREATE SCHEMA app; \
             CREATE TABLE app.form_versions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
               disease_code text NOT NULL, version_label text NOT NULL, effective_from date NOT NULL, \
               content_hash text NOT NULL, definition jsonb NOT NULL); \
             INSERT INTO app.form_versions (disease_code, version_label, effective_from, content_hash, definition) \
             SELECT d ->> 'disease_code', d ->> 'version_label', (d ->> 'effective_from')::date, \
                    encode(sha256(convert_to(d::text, 'UTF8')), 'hex'), d \
               FROM nanbyo.bundled_form_definitions() d",
        )
        .unwrap();
    }

    /// Every golden case of the form master judged through SQL and compared
    /// with its expected result as JSON, as the core's test does: by
    /// disease code (`nanbyo.judge(disease_code, input)`) when the case is
    /// for the version in force, else by the version's id.
    #[pg_test]
    fn every_golden_case_through_sql() {
        load_bundled_versions();
        let mut failures = Vec::new();
        for file in CASES {
            let case = file.read().unwrap_or_else(|e| panic!("{e}"));
            let version = file.form_version(&case).unwrap_or_else(|e| panic!("{e}"));
            let input = JsonB(case.input.clone());
            let in_force = Spi::get_one_with_args::<bool>(
                "SELECT $1::date <= current_date AND NOT EXISTS (SELECT FROM app.form_versions \
                   WHERE disease_code = $2 AND effective_from > $1::date AND effective_from <= current_date)",
                &[version.effective_from.into(), file.disease_code.into()],
            )
            .unwrap()
            .unwrap();
            let judged = if in_force {
                Spi::get_one_with_args::<JsonB>(
                    "SELECT nanbyo.judge($1, $2)",
                    &[file.disease_code.into(), input.into()],
                )
            } else {
                Spi::get_one_with_args::<JsonB>(
                    "SELECT nanbyo.judge((SELECT id FROM app.form_versions \
                                           WHERE disease_code = $1 AND effective_from = $2::date), $3)",
                    &[file.disease_code.into(), version.effective_from.into(), input.into()],
                )
            };
            let actual = judged.unwrap().expect("judge returns a result").0;
            if actual != case.expected {
                failures.push(mismatch(file, &case, &actual));
            }
        }
        let diseases: std::collections::BTreeSet<&str> = bundled::DEFINITIONS.iter().map(|f| f.disease_code).collect();
        assert!(CASES.len() >= 3 * diseases.len(), "the golden cases are compiled in");
        assert!(
            failures.is_empty(),
            "{}\n{} of {} golden cases differ through SQL",
            failures.join("\n"),
            failures.len(),
            CASES.len()
        );
    }

    /// The cache keeps a version by id with its content hash: it is compiled
    /// once and kept, and a row whose content changed (the real table's
    /// trigger forbids it; a restored or recreated table may not) is
    /// compiled anew as soon as a lookup reads the new hash.
    #[pg_test]
    fn the_cache_keeps_a_version_by_id_and_content_hash() {
        load_bundled_versions();
        let severity = || {
            Spi::get_one::<String>(
                "SELECT nanbyo.judge('N006', '{\"hoehn_yahr\": 3, \"life_function_grade\": 2}') #>> '{severity,met}'",
            )
            .unwrap()
        };
        assert_eq!(severity().as_deref(), Some("true"));
        let cached = Spi::get_one::<bool>(
            "SELECT nanbyo.cached_form_version_hash(id) = content_hash FROM app.form_versions WHERE disease_code = 'N006'",
        );
        assert_eq!(cached, Ok(Some(true)), "compiled and kept with the row's content hash");
        Spi::run(
            "UPDATE app.form_versions \
                SET definition = jsonb_set(definition, '{severity,met}', '{\">=\": [{\"var\": \"hoehn_yahr\"}, 4]}'), \
                    content_hash = 'changed' \
              WHERE disease_code = 'N006'",
        )
        .unwrap();
        assert_eq!(
            severity().as_deref(),
            Some("false"),
            "the changed row is compiled again, not served from the cache"
        );
        let by_id = Spi::get_one::<String>(
            "SELECT nanbyo.judge(id, '{\"hoehn_yahr\": 3, \"life_function_grade\": 2}') #>> '{severity,met}' \
               FROM app.form_versions WHERE disease_code = 'N006'",
        );
        assert_eq!(by_id, Ok(Some("false".to_owned())));
    }
}
