//! A strict, position-keeping CSV scanner: the one reader of the raw files.
//!
//! Each table is read once, here, keeping every field's line and column so that every
//! problem can be reported where the author will find it (a general CSV reader such
//! as polars' does not expose positions); [`crate::load`] checks the fields and turns
//! them into the model's typed values. It accepts RFC 4180 CSV plus what
//! spreadsheets commonly write: a UTF-8 byte-order mark, CRLF line ends, quoted fields
//! holding commas, quotes (`""`) and line breaks, and whitespace around fields (which
//! is trimmed). Blank lines are skipped.
//!
//! The scanner walks the bytes (every byte it stops at is ASCII, so a field's text is
//! always a whole `str` slice) and counts a column per character, not per byte. A
//! field borrows its text from the file unless unquoting changed it (`""`, a CRLF
//! inside quotes, text after a closing quote), so a million tie reports cost no
//! allocation per field.

use std::borrow::Cow;

use crate::diag::Problem;

/// One field, with the position of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell<'a> {
    /// 1-based line of the field's first character.
    pub line: usize,
    /// 1-based column (in characters) of the field's first character.
    pub column: usize,
    /// The field's text: unquoted, `""` unescaped, surrounding whitespace trimmed.
    pub text: Cow<'a, str>,
}

/// One record (row) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// 1-based line on which the record starts.
    pub line: usize,
    /// The record's fields in order.
    pub cells: Vec<Cell<'a>>,
}

/// A scanned file: its header and its data records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned<'a> {
    /// The header's fields.
    pub header: Vec<Cell<'a>>,
    /// The data records, each with as many cells as the header.
    pub records: Vec<Record<'a>>,
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
pub fn scan<'a>(file: &str, bytes: &'a [u8], problems: &mut Vec<Problem>) -> Option<Scanned<'a>> {
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
    file: &'p str,
    text: &'a str,
    /// Byte offset of the next character in `text`.
    pos: usize,
    line: usize,
    column: usize,
    problems: &'p mut Vec<Problem>,
}

/// Whether `b` starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl<'a, 'p> Scanner<'a, 'p> {
    fn new(file: &'p str, text: &'a str, problems: &'p mut Vec<Problem>) -> Self {
        Scanner {
            file,
            text,
            pos: 0,
            line: 1,
            column: 1,
            problems,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Moves past one byte, counting lines at `\n` and columns per character.
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if starts_char(b) {
            self.column += 1;
        }
        Some(b)
    }

    fn records(mut self) -> Vec<Record<'a>> {
        let mut out = Vec::new();
        let mut width = 0;
        while self.peek().is_some() {
            let line = self.line;
            let cells = self.record(width);
            let blank = cells.len() == 1 && cells[0].text.is_empty();
            if !blank {
                width = cells.len();
                out.push(Record { line, cells });
            }
        }
        out
    }

    /// Reads one record up to and including its line end (`width` fields expected).
    fn record(&mut self, width: usize) -> Vec<Cell<'a>> {
        let mut cells = Vec::with_capacity(width);
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
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.bump();
        }
    }

    /// Consumes the separator after a field; `\r\n`, `\n` and a lone `\r` end a line.
    fn end(&mut self) -> Option<FieldEnd> {
        match self.peek() {
            None => Some(FieldEnd::Eof),
            Some(b',') => {
                self.bump();
                Some(FieldEnd::Comma)
            }
            Some(b'\n') => {
                self.bump();
                Some(FieldEnd::Line)
            }
            Some(b'\r') => {
                self.bump();
                if self.peek() == Some(b'\n') {
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

    /// Moves to the next `,`, `\r` or `\n` (or the end) and returns the text passed.
    fn unquoted_run(&mut self) -> &'a str {
        let start = self.pos;
        let rest = &self.text.as_bytes()[start..];
        let len = rest
            .iter()
            .position(|&b| matches!(b, b',' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
        let run = &rest[..len];
        self.column += run.iter().filter(|&&b| starts_char(b)).count();
        self.pos += len;
        // `len` stops at an ASCII byte or the end, so both ends are character
        // boundaries.
        &self.text[start..start + len]
    }

    /// Reads a quoted field's text after its opening quote, up to and including the
    /// closing one; `false` when the file ends first. `""` stands for one quote and a
    /// CRLF inside the quotes is kept as LF, so the text is a copy only when it holds
    /// either.
    fn quoted(&mut self) -> (Cow<'a, str>, bool) {
        let start = self.pos;
        let mut owned: Option<String> = None;
        // Start of the text not yet copied into `owned`.
        let mut from = start;
        let finish = |owned: Option<String>, from: usize, end: usize| match owned {
            None => Cow::Borrowed(&self.text[start..end]),
            Some(mut o) => {
                o.push_str(&self.text[from..end]);
                Cow::Owned(o)
            }
        };
        loop {
            match self.bump() {
                None => return (finish(owned, from, self.pos), false),
                Some(b'"') if self.peek() == Some(b'"') => {
                    // Copy up to and including the first quote, skip the second.
                    owned
                        .get_or_insert_with(String::new)
                        .push_str(&self.text[from..self.pos]);
                    self.bump();
                    from = self.pos;
                }
                Some(b'"') => return (finish(owned, from, self.pos - 1), true),
                Some(b'\r') if self.peek() == Some(b'\n') => {
                    owned
                        .get_or_insert_with(String::new)
                        .push_str(&self.text[from..self.pos - 1]);
                    from = self.pos;
                }
                Some(_) => {}
            }
        }
    }

    fn field(&mut self) -> (Cell<'a>, FieldEnd) {
        self.skip_spaces();
        let (line, column) = (self.line, self.column);
        if self.peek() != Some(b'"') {
            let text = Cow::Borrowed(self.unquoted_run().trim());
            let end = self.end().unwrap_or(FieldEnd::Eof);
            return (Cell { line, column, text }, end);
        }
        self.bump();
        let (text, closed) = self.quoted();
        if !closed {
            self.problems.push(Problem::at(
                self.file,
                line,
                column,
                "this quoted field is never closed; expected a closing '\"'",
            ));
            return (Cell { line, column, text }, FieldEnd::Eof);
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
        let rest = self.unquoted_run();
        let joined = format!("{text}{rest}");
        let text = Cow::Owned(joined.trim().to_owned());
        let end = self.end().unwrap_or(FieldEnd::Eof);
        (Cell { line, column, text }, end)
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

    fn ok(input: &str) -> Scanned<'_> {
        let mut problems = Vec::new();
        let s = scan("t.csv", input.as_bytes(), &mut problems).expect("scans");
        assert_eq!(problems, vec![], "no problems expected");
        s
    }

    fn texts(s: &Scanned<'_>) -> Vec<Vec<String>> {
        s.records
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.to_string()).collect())
            .collect()
    }

    /// A record as the reference scanner returns it: its line and each field's line,
    /// column and text.
    type Plain = (usize, Vec<(usize, usize, String)>);

    /// The scanner this one replaced, kept as the reference it must agree with: it
    /// walked the text a character at a time and copied every field.
    struct Reference<'a, 'p> {
        file: &'a str,
        chars: std::iter::Peekable<std::str::Chars<'a>>,
        line: usize,
        column: usize,
        problems: &'p mut Vec<Problem>,
    }

    impl<'a, 'p> Reference<'a, 'p> {
        fn new(file: &'a str, text: &'a str, problems: &'p mut Vec<Problem>) -> Self {
            Reference {
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

        fn records(mut self) -> Vec<Plain> {
            let mut out = Vec::new();
            while self.chars.peek().is_some() {
                let line = self.line;
                let cells = self.record();
                let blank = cells.len() == 1 && cells[0].2.is_empty();
                if !blank {
                    out.push((line, cells.into_iter().map(|c| (c.0, c.1, c.2)).collect()));
                }
            }
            out
        }

        /// Reads one record up to and including its line end.
        fn record(&mut self) -> Vec<(usize, usize, String)> {
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

        fn field(&mut self) -> ((usize, usize, String), FieldEnd) {
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
                            return ((line, column, text), FieldEnd::Eof);
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
                    return ((line, column, text), end);
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
                    return ((line, column, text), end);
                }
                if let Some(c) = self.bump() {
                    text.push(c);
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_character_scanner_on_random_files() {
        use crate::stats::rng;
        // Short files over an alphabet of separators, quotes, line ends, spaces and
        // multi-byte characters, so every branch (and its column count) is taken.
        let alphabet = [
            ",", "\"", "\r", "\n", " ", "\t", "a", "b", "é", "€", "\"\"", "\r\n",
        ];
        let mut r = rng::generator([9; 32], 0);
        for case in 0..3000 {
            let len = rng::below(&mut r, 40) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[rng::below(&mut r, alphabet.len() as u32) as usize])
                .collect();
            let mut ours = Vec::new();
            let fast: Vec<Plain> = Scanner::new("t.csv", &text, &mut ours)
                .records()
                .into_iter()
                .map(|rec| {
                    let cells = rec.cells.iter();
                    (
                        rec.line,
                        cells
                            .map(|c| (c.line, c.column, c.text.to_string()))
                            .collect(),
                    )
                })
                .collect();
            let mut theirs = Vec::new();
            let slow = Reference::new("t.csv", &text, &mut theirs).records();
            assert_eq!(fast, slow, "case {case}: {text:?}");
            assert_eq!(ours, theirs, "case {case}: {text:?}");
        }
    }

    #[test]
    fn unquoted_fields_borrow_and_columns_count_characters() {
        let s = ok("a,b,c\nél€,\"x\"\"y\",\"q\"\n");
        let cells = &s.records[0].cells;
        assert!(matches!(cells[0].text, Cow::Borrowed("él€")));
        assert_eq!(cells[1].text, "x\"y");
        assert!(matches!(cells[2].text, Cow::Borrowed("q")));
        assert_eq!((cells[1].column, cells[2].column), (5, 12));
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
