//! A strict, position-keeping CSV scanner: the one reader of the raw files.
//!
//! Each table is read once, here, keeping every field's line and column so that every
//! problem can be reported where the author will find it (a general CSV reader such
//! as polars' does not expose positions); [`crate::load`] checks the fields and turns
//! them into the model's typed values. It accepts RFC 4180 CSV plus what
//! spreadsheets commonly write: a UTF-8 byte-order mark, CRLF line ends, quoted fields
//! holding commas, quotes (`""`) and line breaks, and whitespace around fields (which
//! is trimmed). Blank lines are skipped.

use crate::diag::Problem;

/// One field, with the position of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// 1-based line of the field's first character.
    pub line: usize,
    /// 1-based column (in characters) of the field's first character.
    pub column: usize,
    /// The field's text: unquoted, `""` unescaped, surrounding whitespace trimmed.
    pub text: String,
}

/// One record (row) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// The record's fields in order.
    pub cells: Vec<Cell>,
}

/// A scanned file: its header and its data records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The header's fields.
    pub header: Vec<Cell>,
    /// The data records, each with as many cells as the header.
    pub records: Vec<Record>,
}

/// Decodes `bytes` as UTF-8 (dropping a byte-order mark) or reports where it is not.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // The prefix is valid UTF-8 by construction, so this cannot fail.
        let column = std::str::from_utf8(&good[line_start..]).map_or(1, |s| s.chars().count() + 1);
        Problem::at(
            file,
            line,
            column,
            "the file is not valid UTF-8 text; expected UTF-8 (re-save it as \"CSV UTF-8\")",
        )
    })
}

/// Scans a whole file. Structural problems (unterminated quotes, ragged records, an
/// empty file) are pushed to `problems`; records with the wrong number of fields are
/// dropped so later checks do not report them twice.
pub fn scan(file: &str, bytes: &[u8], problems: &mut Vec<Problem>) -> Option<Scanned> {
    let text = match decode(file, bytes) {
        Ok(text) => text,
        Err(p) => {
            problems.push(p);
            return None;
        }
    };
    let mut records = Scanner::new(file, text, problems).records();
    if records.is_empty() {
        problems.push(Problem::file(
            file,
            "the file is empty; expected a header line naming the columns",
        ));
        return None;
    }
    let header = records.remove(0).cells;
    let width = header.len();
    records.retain(|r| {
        if r.cells.len() == width {
            return true;
        }
        problems.push(Problem::at(
            file,
            r.line,
            1,
            format!(
                "this record has {} fields; expected {} as in the header",
                r.cells.len(),
                width
            ),
        ));
        false
    });
    Some(Scanned { header, records })
}

struct Scanner<'a, 'p> {
    file: &'a str,
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
    problems: &'p mut Vec<Problem>,
}

impl<'a, 'p> Scanner<'a, 'p> {
    fn new(file: &'a str, text: &'a str, problems: &'p mut Vec<Problem>) -> Self {
        Scanner {
            file,
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
            problems,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn records(mut self) -> Vec<Record> {
        let mut out = Vec::new();
        while self.chars.peek().is_some() {
            let line = self.line;
            let cells = self.record();
            let blank = cells.len() == 1 && cells[0].text.is_empty();
            if !blank {
                out.push(Record { line, cells });
            }
        }
        out
    }

    /// Reads one record up to and including its line end.
    fn record(&mut self) -> Vec<Cell> {
        let mut cells = Vec::new();
        loop {
            let (cell, end) = self.field();
            cells.push(cell);
            match end {
                FieldEnd::Comma => continue,
                FieldEnd::Line | FieldEnd::Eof => return cells,
            }
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// Consumes the separator after a field; `\r\n`, `\n` and a lone `\r` end a line.
    fn end(&mut self) -> Option<FieldEnd> {
        match self.chars.peek() {
            None => Some(FieldEnd::Eof),
            Some(',') => {
                self.bump();
                Some(FieldEnd::Comma)
            }
            Some('\n') => {
                self.bump();
                Some(FieldEnd::Line)
            }
            Some('\r') => {
                self.bump();
                if self.chars.peek() == Some(&'\n') {
                    self.bump();
                } else {
                    // A bare CR ends the line too (old Mac files).
                    self.line += 1;
                    self.column = 1;
                }
                Some(FieldEnd::Line)
            }
            Some(_) => None,
        }
    }

    fn field(&mut self) -> (Cell, FieldEnd) {
        self.skip_spaces();
        let (line, column) = (self.line, self.column);
        let mut text = String::new();
        if self.chars.peek() == Some(&'"') {
            self.bump();
            loop {
                match self.bump() {
                    None => {
                        self.problems.push(Problem::at(
                            self.file,
                            line,
                            column,
                            "this quoted field is never closed; expected a closing '\"'",
                        ));
                        return (Cell { line, column, text }, FieldEnd::Eof);
                    }
                    Some('"') if self.chars.peek() == Some(&'"') => {
                        self.bump();
                        text.push('"');
                    }
                    Some('"') => break,
                    Some('\r') if self.chars.peek() == Some(&'\n') => {}
                    Some(c) => text.push(c),
                }
            }
            self.skip_spaces();
            if let Some(end) = self.end() {
                return (Cell { line, column, text }, end);
            }
            self.problems.push(Problem::at(
                self.file,
                self.line,
                self.column,
                "unexpected text after a closing quote; expected ',' or the end of the line",
            ));
            // Recover: treat the rest of the field as unquoted text.
        }
        loop {
            if let Some(end) = self.end() {
                let text = text.trim().to_owned();
                return (Cell { line, column, text }, end);
            }
            if let Some(c) = self.bump() {
                text.push(c);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum FieldEnd {
    Comma,
    Line,
    Eof,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Scanned {
        let mut problems = Vec::new();
        let s = scan("t.csv", input.as_bytes(), &mut problems).expect("scans");
        assert_eq!(problems, vec![], "no problems expected");
        s
    }

    fn texts(s: &Scanned) -> Vec<Vec<String>> {
        s.records
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    #[test]
    fn plain_crlf_bom_and_whitespace() {
        let s = ok("\u{FEFF}a,b\r\n 1 , 2\r\n\r\n3,4");
        assert_eq!(s.header[1].text, "b");
        assert_eq!(texts(&s), vec![vec!["1", "2"], vec!["3", "4"]]);
        assert_eq!(s.records[1].line, 4);
        assert_eq!(
            (s.records[0].cells[1].line, s.records[0].cells[1].column),
            (2, 6)
        );
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_newlines() {
        let s = ok("id,text\n1,\"a, \"\"b\"\"\nc\"\n2,x\n");
        assert_eq!(texts(&s), vec![vec!["1", "a, \"b\"\nc"], vec!["2", "x"]]);
        assert_eq!(s.records[1].line, 4);
    }

    #[test]
    fn ragged_record_is_reported_with_its_line() {
        let mut problems = Vec::new();
        let s = scan("t.csv", b"a,b\n1\n2,3\n", &mut problems).expect("scans");
        assert_eq!(s.records.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "t.csv:2:1: this record has 1 fields; expected 2 as in the header"
        );
    }

    #[test]
    fn unclosed_quote_and_text_after_quote() {
        let mut problems = Vec::new();
        scan("t.csv", b"a,b\n\"x\"y,2\n3,\"open\n", &mut problems);
        let msgs: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            msgs,
            vec![
                "t.csv:2:4: unexpected text after a closing quote; expected ',' or the end of the line",
                "t.csv:3:3: this quoted field is never closed; expected a closing '\"'",
            ]
        );
    }

    #[test]
    fn empty_file_and_bad_utf8() {
        let mut problems = Vec::new();
        assert!(scan("e.csv", b"\n\n", &mut problems).is_none());
        assert!(scan("u.csv", b"a,b\n1,\xFF\n", &mut problems).is_none());
        let msgs: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            msgs[0],
            "e.csv: the file is empty; expected a header line naming the columns"
        );
        assert!(
            msgs[1].starts_with("u.csv:2:3: the file is not valid UTF-8"),
            "{}",
            msgs[1]
        );
    }
}
