//! Reading a raw CSV file into a polars `DataFrame`.
//!
//! Every column is read as text (no type inference, so a column never changes type
//! because of its first rows); the loader in [`crate::load`] checks and converts the
//! values itself and reports problems at their positions.

use std::io::Cursor;

use polars::prelude::*;

/// Reads CSV bytes (UTF-8, with a header line) into a frame of string columns.
pub fn read_frame(bytes: &[u8]) -> PolarsResult<DataFrame> {
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .to_vec();
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_n_threads(Some(1))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
}

/// The value at `row` of string column `name`, trimmed; a missing value is empty.
pub fn cell<'a>(df: &'a DataFrame, name: &str, row: usize) -> &'a str {
    df.column(name)
        .ok()
        .and_then(|c| c.str().ok())
        .and_then(|s| s.get(row))
        .map_or("", str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_columns_as_text() {
        let df = read_frame(b"\xEF\xBB\xBFid,n\r\na,01\r\nb,\"2,5\"\r\n").expect("reads");
        assert_eq!(df.height(), 2);
        assert_eq!(cell(&df, "n", 0), "01");
        assert_eq!(cell(&df, "n", 1), "2,5");
        assert_eq!(cell(&df, "id", 1), "b");
    }
}
