//! CSV files uploaded through the API (certification results, the hospital
//! master, …): the core's RFC 4180 reader as a set of rows, so that SQL can
//! check and apply a whole file set-based.

use pgrx::prelude::*;

use crate::errors::raise_error;
use nanbyo_core::csv::read_records;

/// Every record of a CSV text with the line it starts on:
/// `SELECT line, fields FROM nanbyo.csv_records($1)`. A UTF-8 byte-order
/// mark is skipped, blank lines too; quoting that does not close is
/// E_CSV_MALFORMED (22P02) naming the line. Decoding the bytes (UTF-8,
/// Shift_JIS) is the caller's: this takes text.
#[pg_extern(immutable, strict, parallel_safe)]
fn csv_records(csv: &str) -> TableIterator<'static, (name!(line, i32), name!(fields, Vec<String>))> {
    let records = read_records(csv).unwrap_or_else(|e| raise_error(&e));
    TableIterator::new(records.into_iter().map(|r| (i32::try_from(r.line).unwrap_or(i32::MAX), r.fields)))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn records_with_their_lines() {
        let got = Spi::get_one::<String>(
            "SELECT string_agg(line || ':' || array_to_string(fields, '|'), ' ' ORDER BY line) \
               FROM nanbyo.csv_records(E'\\ufeffa,b\\r\\n\\r\\n\"x,\\ny\",2\\n')",
        );
        assert_eq!(got, Ok(Some("1:a|b 3:x,\ny|2".to_string())));
    }

    #[pg_test(error = "2行目: 引用符（\"）が閉じられていません。")]
    fn unclosed_quote_names_the_line() {
        Spi::run("SELECT * FROM nanbyo.csv_records(E'a\\n\"open')").unwrap();
    }
}
