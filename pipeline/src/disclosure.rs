//! Which groups may be shown: primary suppression of small groups and complementary
//! suppression, so a hidden count cannot be recovered by subtraction.
//!
//! A category is hidden when it has fewer organisations than the study's threshold
//! (primary suppression). When exactly one non-empty category of a set is hidden, its
//! size would follow from the total minus the others, so the smallest other non-empty
//! category is hidden with it (complementary suppression). Figures and tables ask
//! this module, never the threshold directly.

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
