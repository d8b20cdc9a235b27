//! Per-category sizes and degree sums of a dimension, and the mean and standard
//! deviation formed from them.
//!
//! polars does the grouping and the integer sums (count, sum of degrees, sum of
//! squared degrees); the mean and standard deviation are then formed from those
//! integers in Rust, so they are exact functions of integer inputs and identical on
//! every run.

use polars::prelude::*;

/// The integer aggregates of one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sums {
    /// Members.
    pub n: usize,
    /// Sum of their degrees.
    pub sum: u64,
    /// Sum of their squared degrees.
    pub sumsq: u64,
}

/// Groups nodes by `labels` (category indices below `categories`) and sums their
/// degrees; one entry per category in index order, zero for a category without
/// members.
pub fn category_sums(labels: &[u32], categories: usize, degree: &[u32]) -> PolarsResult<Vec<Sums>> {
    let mut out = vec![Sums::default(); categories];
    if labels.is_empty() {
        return Ok(out);
    }
    let deg: Vec<u64> = degree.iter().map(|&d| u64::from(d)).collect();
    let sq: Vec<u64> = deg.iter().map(|&d| d * d).collect();
    let df = df!("cat" => labels, "deg" => deg, "sq" => sq)?;
    let sums = df.group_by_stable(["cat"])?.apply(|g| {
        let key = g.column("cat")?.u32()?.get(0).unwrap_or(u32::MAX);
        let n = g.height() as u64;
        let sum = g.column("deg")?.u64()?.sum().unwrap_or(0);
        let sumsq = g.column("sq")?.u64()?.sum().unwrap_or(0);
        df!("cat" => [key], "n" => [n], "deg_sum" => [sum], "sq_sum" => [sumsq])
    })?;
    let key = sums.column("cat")?.u32()?;
    let n = sums.column("n")?.u64()?;
    let s = sums.column("deg_sum")?.u64()?;
    let q = sums.column("sq_sum")?.u64()?;
    for row in 0..sums.height() {
        let slot = key.get(row).and_then(|k| out.get_mut(k as usize));
        if let Some(slot) = slot {
            *slot = Sums {
                n: n.get(row).unwrap_or(0) as usize,
                sum: s.get(row).unwrap_or(0),
                sumsq: q.get(row).unwrap_or(0),
            };
        }
    }
    Ok(out)
}

/// Mean of `n` values summing to `sum`.
pub fn mean(n: usize, sum: u64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

/// Sample standard deviation (n - 1 in the denominator) of `n` integers from their
/// sum and sum of squares, computed exactly in integers before the one division.
pub fn sample_sd(n: usize, sum: u64, sumsq: u64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let n = n as u128;
    let num = n * u128::from(sumsq) - u128::from(sum) * u128::from(sum);
    Some((num as f64 / (n * (n - 1)) as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_matches_the_textbook_example() {
        // 2, 4, 4, 4, 5, 5, 7, 9: sample variance 32/7.
        let xs = [2u64, 4, 4, 4, 5, 5, 7, 9];
        let sum = xs.iter().sum();
        let sumsq = xs.iter().map(|x| x * x).sum();
        let sd = sample_sd(xs.len(), sum, sumsq).expect("defined");
        assert!((sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(sample_sd(1, 3, 9), None);
        assert_eq!(mean(0, 0), None);
    }

    #[test]
    fn sums_by_category_including_empty_ones() -> PolarsResult<()> {
        let s = category_sums(&[2, 0, 2, 2], 4, &[1, 5, 2, 3])?;
        assert_eq!(
            s[0],
            Sums {
                n: 1,
                sum: 5,
                sumsq: 25
            }
        );
        assert_eq!(s[1], Sums::default());
        assert_eq!(
            s[2],
            Sums {
                n: 3,
                sum: 6,
                sumsq: 14
            }
        );
        assert_eq!(s[3], Sums::default());
        assert_eq!(category_sums(&[], 2, &[])?, vec![Sums::default(); 2]);
        Ok(())
    }
}
