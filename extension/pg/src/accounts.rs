//! The hospital user-data file (A4), read and checked by the core.

use pgrx::prelude::*;
use pgrx::JsonB;

use crate::errors::raise_error;
use nanbyo_core::accounts::user_data_file::parse_user_data_file;

/// `{"rows": [...], "problems": [{line, column, code, message}]}` for a
/// user-data CSV. A file that cannot be read at all is an ERROR.
#[pg_extern(immutable, strict, parallel_safe)]
fn read_user_data_file(csv: &str, today: pgrx::datum::Date) -> JsonB {
    let today = chrono::NaiveDate::from_ymd_opt(today.year(), today.month().into(), today.day().into())
        .expect("a PostgreSQL date within chrono's range");
    match parse_user_data_file(csv, today) {
        Ok(file) => JsonB(serde_json::to_value(file).expect("plain data serialises")),
        Err(e) => raise_error(&e),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn rows_and_problems_as_jsonb() {
        let n = Spi::get_one::<i64>(
            "SELECT jsonb_array_length(f -> 'rows') * 10 + jsonb_array_length(f -> 'problems') \
               FROM nanbyo.read_user_data_file(\
                 E'医療機関コード,利用者区分,制度,指定医区分,氏名,氏名カナ,医籍登録番号,指定医番号,指定有効期限\\n\
                   1310270751,責任者,,,佐藤 花子,サトウ ハナコ,,,\\n\
                   1310270751,指定医,難病,難病指定医,山田 太郎,ヤマダ タロウ,123456,N-1,2000-01-01\\n',\
                 '2026-11-24') f",
        )
        .unwrap();
        assert_eq!(n, Some(21), "both rows read, the expired designation reported");
    }

    #[pg_test(error = "ファイルが空です。")]
    fn an_empty_file_is_an_error() {
        Spi::run("SELECT nanbyo.read_user_data_file('', current_date)").unwrap();
    }
}
