//! Disclosure control: what the documents may show so that no small group can be
//! singled out, alone or by combining every number they publish.
//!
//! * [`engine`]: linked tables over atoms, primary suppression of cells describing
//!   fewer organisations than the threshold, and secondary suppression across all
//!   tables together until no hidden value is determined, by linear algebra (the
//!   GaussSuppression criterion) or by bounds (exact linear programs).
//! * [`counts`]: the count tables the documents print (each dimension with the total,
//!   the conceptual grid, top brokers by category) built as one [`engine::Problem`].
//! * [`combos`]: figures that draw several attributes of one organisation at once
//!   (the network map): which combinations are too rare to show, and how to merge them.
//! * [`public`]: the public `stats.json` a PDF may carry, with hidden groups `null`.
//!
//! [`hidden`] and [`hidden_cells`] are the older table-by-table rules that the
//! documents still use until they are wired to [`counts`]; they protect one table at a
//! time and do not see links between tables (see `data/README.md`).

pub mod combos;
pub mod counts;
pub mod engine;
mod lp;
pub mod public;
mod rational;

pub use engine::{Cell, DisclosureError, Kind, Mark, Problem, Protection, Range};

/// For each count, whether to hide it: `counts` are the sizes of the categories of one
/// dimension (or one row of a table), `threshold` the smallest size that may be shown.
pub fn hidden(counts: &[usize], threshold: usize) -> Vec<bool> {
    let mut hide: Vec<bool> = counts.iter().map(|&n| n < threshold).collect();
    complement(counts, &mut hide);
    hide
}

/// Adds complementary suppression to `hide`: if exactly one non-empty count is hidden,
/// hides the smallest shown non-empty count too (the first on ties). Returns whether
/// anything changed.
fn complement(counts: &[usize], hide: &mut [bool]) -> bool {
    let lone = counts
        .iter()
        .zip(hide.iter())
        .filter(|(n, h)| **h && **n > 0)
        .count()
        == 1;
    if !lone {
        return false;
    }
    let partner = (0..counts.len())
        .filter(|&i| !hide[i] && counts[i] > 0)
        .min_by_key(|&i| (counts[i], i));
    match partner {
        Some(j) => {
            hide[j] = true;
            true
        }
        None => false,
    }
}

/// Hidden cells of a table of counts (`rows` of equal length): primary suppression of
/// small non-zero cells, then complementary suppression along rows and columns until
/// no row or column has a lone hidden cell. Zero cells are never hidden.
pub fn hidden_cells(rows: &[Vec<usize>], threshold: usize) -> Vec<Vec<bool>> {
    let mut hide: Vec<Vec<bool>> = rows
        .iter()
        .map(|r| r.iter().map(|&n| n > 0 && n < threshold).collect())
        .collect();
    let width = rows.first().map_or(0, Vec::len);
    // Each pass hides at least one more cell or stops, so this ends.
    loop {
        let mut changed = false;
        for (r, row) in rows.iter().enumerate() {
            changed |= complement(row, &mut hide[r]);
        }
        for c in 0..width {
            let column: Vec<usize> = rows.iter().map(|r| r[c]).collect();
            let mut h: Vec<bool> = hide.iter().map(|r| r[c]).collect();
            if complement(&column, &mut h) {
                changed = true;
                for (r, v) in h.into_iter().enumerate() {
                    hide[r][c] = v;
                }
            }
        }
        if !changed {
            return hide;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_small_group_takes_the_next_smallest_with_it() {
        assert_eq!(hidden(&[25, 2, 8, 30], 3), [false, true, true, false]);
    }

    #[test]
    fn two_small_groups_protect_each_other() {
        assert_eq!(hidden(&[25, 2, 1, 30], 3), [false, true, true, false]);
    }

    #[test]
    fn empty_categories_neither_need_nor_give_protection() {
        assert_eq!(hidden(&[25, 0, 30], 3), [false, true, false]);
        assert_eq!(hidden(&[25, 0, 2, 30], 3), [true, true, true, false]);
        assert_eq!(hidden(&[5, 6], 3), [false, false]);
    }

    #[test]
    fn table_cells_are_protected_along_rows_and_columns() {
        let rows = vec![vec![10, 2, 7], vec![9, 8, 6]];
        let h = hidden_cells(&rows, 3);
        // The 2 is hidden; the 7 beside it (smallest in its row) and the 8 below it
        // (only other cell of its column) follow; then the 6 protects the 8's row.
        assert_eq!(h, vec![vec![false, true, true], vec![false, true, true]]);
    }
}
