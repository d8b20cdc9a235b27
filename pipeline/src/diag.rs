//! Problems found in a study's input, each located at `file:line:column`.
//!
//! Loading a study collects every problem it finds instead of stopping at the first,
//! so an author fixes a file in one pass. [`Problems`] is the error type that carries
//! them; its `Display` prints one problem per line, in the order of file, line and
//! column.

use std::fmt;

/// The most problems reported for one load; the rest are counted, not listed.
pub const MAX_PROBLEMS: usize = 100;

/// One thing wrong with an input, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file, relative to the study folder (for example `raw/ties.csv`).
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// 1-based column in characters, when the problem has one.
    pub column: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    /// A problem at a line and column of `file`.
    pub fn at(file: &str, line: usize, column: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_owned(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }

    /// A problem with a whole file (for example an empty one).
    pub fn file(file: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a study, sorted, capped at [`MAX_PROBLEMS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems {
    problems: Vec<Problem>,
    omitted: usize,
}

impl Problems {
    /// Sorts the problems by position and keeps the first [`MAX_PROBLEMS`].
    pub fn new(mut problems: Vec<Problem>) -> Problems {
        problems.sort();
        problems.dedup();
        let omitted = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        Problems { problems, omitted }
    }

    /// The problems listed (at most [`MAX_PROBLEMS`]).
    pub fn list(&self) -> &[Problem] {
        &self.problems
    }

    /// How many further problems were found but not listed.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.problems.len() + self.omitted;
        let noun = if total == 1 { "problem" } else { "problems" };
        writeln!(f, "the study has {total} {noun}:")?;
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        if self.omitted > 0 {
            writeln!(f, "... and {} more not listed", self.omitted)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_print_sorted_with_positions() {
        let ps = Problems::new(vec![
            Problem::at("raw/ties.csv", 4, 9, "b"),
            Problem::file("raw/excerpts.csv", "empty"),
            Problem::at("raw/ties.csv", 2, 1, "a"),
        ]);
        assert_eq!(
            ps.to_string(),
            "the study has 3 problems:\nraw/excerpts.csv: empty\nraw/ties.csv:2:1: a\nraw/ties.csv:4:9: b\n"
        );
    }

    #[test]
    fn problems_beyond_the_cap_are_counted() {
        let many = (1..=MAX_PROBLEMS + 5)
            .map(|i| Problem::at("f.csv", i, 1, "x"))
            .collect();
        let ps = Problems::new(many);
        assert_eq!(ps.list().len(), MAX_PROBLEMS);
        assert_eq!(ps.omitted(), 5);
        assert!(ps.to_string().ends_with("... and 5 more not listed\n"));
    }
}
