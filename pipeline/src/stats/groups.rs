//! Per-category statistics of a dimension: size, mean and standard deviation of ties.
//!
//! polars does the grouping and the integer sums (count, sum of degrees, sum of
//! squared degrees); the mean and standard deviation are then formed from those
//! integers in Rust, so they are exact functions of integer inputs and identical on
//! every run.

use polars::prelude::*;
use serde::Serialize;

use crate::model::Study;

/// One dimension's per-category statistics in one wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionStats {
    /// The dimension's column.
    pub column: String,
    /// Categories in display order (including those with no members).
    pub categories: Vec<CategoryStats>,
}

/// Statistics of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryStats {
    /// Category id.
    pub id: String,
    /// Number of organisations.
    pub n: usize,
    /// Sum of their degrees.
    pub ties_sum: u64,
    /// Mean ties per organisation; `None` for an empty category.
    pub mean_ties: Option<f64>,
    /// Sample standard deviation of ties; `None` below two members.
    pub sd_ties: Option<f64>,
}

/// Groups organisations by each dimension and aggregates their degrees.
pub fn by_dimension(study: &Study, degree: &[u32]) -> PolarsResult<Vec<DimensionStats>> {
    let deg: Vec<u64> = degree.iter().map(|&d| u64::from(d)).collect();
    let sq: Vec<u64> = deg.iter().map(|&d| d * d).collect();
    let mut out = Vec::new();
    for (k, dim) in study.config.dimensions.iter().enumerate() {
        let cat: Vec<u32> = study.orgs.iter().map(|o| o.categories[k] as u32).collect();
        let df = df!("cat" => cat, "deg" => deg.clone(), "sq" => sq.clone())?;
        let sums = df.group_by_stable(["cat"])?.select(["deg", "sq"]).sum()?;
        let counts = df.group_by_stable(["cat"])?.select(["deg"]).count()?;
        let key = sums.column("cat")?.u32()?.clone();
        let s_deg = sums.column("deg_sum")?.u64()?.clone();
        let s_sq = sums.column("sq_sum")?.u64()?.clone();
        let n_key = counts.column("cat")?.u32()?.clone();
        let n_col = counts.column("deg_count")?.idx()?.clone();
        let mut categories = Vec::new();
        for (i, c) in dim.categories.iter().enumerate() {
            let i = i as u32;
            let pos = key.iter().position(|k| k == Some(i));
            let npos = n_key.iter().position(|k| k == Some(i));
            let n = npos.and_then(|p| n_col.get(p)).unwrap_or(0) as usize;
            let sum = pos.and_then(|p| s_deg.get(p)).unwrap_or(0);
            let sumsq = pos.and_then(|p| s_sq.get(p)).unwrap_or(0);
            categories.push(CategoryStats {
                id: c.id.clone(),
                n,
                ties_sum: sum,
                mean_ties: mean(n, sum),
                sd_ties: sample_sd(n, sum, sumsq),
            });
        }
        out.push(DimensionStats { column: dim.column.clone(), categories });
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
}
