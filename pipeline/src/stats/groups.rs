//! The table work of the statistics, done by polars: per-category sizes and degree
//! sums of every dimension, and the crossing counts (ties between each pair of
//! categories); then the mean and standard deviation formed from those integers.
//!
//! The organisations' categories are one polars frame ([`OrgFrame`], a `u32` column
//! per dimension, row `i` is organisation `i`). A wave's ties are joined to it at both
//! ends: organisation ids are dense row numbers once loaded, so the join is polars'
//! gather by row (`DataFrame::take`) rather than a hash join that would rebuild that
//! index. Group-bys then count ties per pair of categories and sum degrees per
//! category. Everything polars returns here is an integer, scattered into arrays in
//! category order, so the result does not depend on the order of polars' groups or
//! its thread count; the mean and standard deviation are formed from those integers in
//! Rust, so they are exact functions of integer inputs and identical on every run.

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

/// The organisations' category indices as a polars frame: column `d<k>` (`u32`) holds
/// dimension `k`, row `i` is organisation `i`.
#[derive(Debug, Clone)]
pub struct OrgFrame {
    frame: DataFrame,
    /// Number of categories of each dimension.
    sizes: Vec<usize>,
}

/// The name of dimension `k`'s column in an [`OrgFrame`].
fn dim_column(k: usize) -> PlSmallStr {
    PlSmallStr::from_string(format!("d{k}"))
}

impl OrgFrame {
    /// A frame of `n` organisations from one label column per dimension (each of
    /// length `n`, values below the matching entry of `sizes`).
    pub fn new(n: usize, labels: Vec<Vec<u32>>, sizes: Vec<usize>) -> PolarsResult<OrgFrame> {
        let columns = labels
            .into_iter()
            .enumerate()
            .map(|(k, l)| UInt32Chunked::from_vec(dim_column(k), l).into_column())
            .collect();
        Ok(OrgFrame {
            frame: DataFrame::new(n, columns)?,
            sizes,
        })
    }

    /// Organisations.
    pub fn height(&self) -> usize {
        self.frame.height()
    }
}

/// What the tables give for one dimension in one wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionTables {
    /// Per category, in index order (zero for a category without members).
    pub sums: Vec<Sums>,
    /// Ties between categories `i` and `j`, symmetric; the diagonal counts the ties
    /// inside a category once (as [`super::homophily::mixing_matrix`]).
    pub mixing: Vec<Vec<u64>>,
}

/// For every dimension of `orgs`: the category sums of `degree` (one entry per
/// organisation) and the mixing matrix of `ties`.
pub fn wave_tables(
    orgs: &OrgFrame,
    ties: &[(u32, u32)],
    degree: &[u32],
) -> PolarsResult<Vec<DimensionTables>> {
    let sums = category_sums(orgs, degree)?;
    let mixing = mixing(orgs, ties)?;
    Ok(sums
        .into_iter()
        .zip(mixing)
        .map(|(sums, mixing)| DimensionTables { sums, mixing })
        .collect())
}

/// One key space for the categories of every dimension: dimension `k`'s category `c`
/// is key `offsets[k] + c`, so a single group-by covers all dimensions.
fn category_keys(sizes: &[usize]) -> (Vec<u32>, Vec<(usize, usize)>) {
    let mut offsets = Vec::with_capacity(sizes.len());
    let mut decode = Vec::new();
    for (k, &size) in sizes.iter().enumerate() {
        offsets.push(decode.len() as u32);
        decode.extend((0..size).map(|c| (k, c)));
    }
    (offsets, decode)
}

/// Per dimension and category: members, sum and sum of squares of `degree`.
///
/// The organisations are stacked once per dimension with their category as a key in
/// one key space ([`category_keys`]), and one group-by sums them all.
pub fn category_sums(orgs: &OrgFrame, degree: &[u32]) -> PolarsResult<Vec<Vec<Sums>>> {
    let mut out: Vec<Vec<Sums>> = orgs
        .sizes
        .iter()
        .map(|&k| vec![Sums::default(); k])
        .collect();
    let n = orgs.height();
    if n == 0 {
        return Ok(out);
    }
    let (offsets, decode) = category_keys(&orgs.sizes);
    let mut key = UInt32Chunked::from_vec("key".into(), Vec::new());
    for (k, &offset) in offsets.iter().enumerate() {
        key.append(&(orgs.frame.column(&dim_column(k))?.u32()? + offset))?;
    }
    let deg: Vec<u64> = degree.iter().map(|&d| u64::from(d)).collect();
    let sq: Vec<u64> = deg.iter().map(|&d| d * d).collect();
    let stacked = |v: &[u64]| v.repeat(offsets.len());
    let frame = DataFrame::new(
        key.len(),
        vec![
            key.into_column(),
            UInt64Chunked::from_vec("one".into(), vec![1; n * offsets.len()]).into_column(),
            UInt64Chunked::from_vec("deg".into(), stacked(&deg)).into_column(),
            UInt64Chunked::from_vec("sq".into(), stacked(&sq)).into_column(),
        ],
    )?;
    // The eager aggregations are deprecated in favour of polars' lazy API, which would
    // cost minutes of compile time on the 2-core machines this builds on; in 0.55 they
    // are supported and exact for integers.
    #[allow(deprecated)]
    let agg = frame
        .group_by(["key"])?
        .select(["one", "deg", "sq"])
        .sum()?;
    let keys = agg.column("key")?.u32()?;
    let members = agg.column("one_sum")?.u64()?;
    let sums = agg.column("deg_sum")?.u64()?;
    let squares = agg.column("sq_sum")?.u64()?;
    for (((key, n), sum), sumsq) in keys
        .into_no_null_iter()
        .zip(members.into_no_null_iter())
        .zip(sums.into_no_null_iter())
        .zip(squares.into_no_null_iter())
    {
        let (k, c) = decode[key as usize];
        out[k][c] = Sums {
            n: n as usize,
            sum,
            sumsq,
        };
    }
    Ok(out)
}

/// Per dimension: ties between categories, from the ties joined to the categories of
/// both ends and grouped by the pair of categories.
///
/// Each ordered pair of categories of dimension `k` is one `u32` key,
/// `offset[k] + from * size + to`, so one group-by counts the pairs of all dimensions
/// (the keys run to the sum of the squared numbers of categories; none comes near
/// `u32::MAX`).
pub fn mixing(orgs: &OrgFrame, ties: &[(u32, u32)]) -> PolarsResult<Vec<Vec<Vec<u64>>>> {
    let mut out: Vec<Vec<Vec<u64>>> = orgs.sizes.iter().map(|&k| vec![vec![0u64; k]; k]).collect();
    if ties.is_empty() {
        return Ok(out);
    }
    let (a, b): (Vec<u32>, Vec<u32>) = ties.iter().copied().unzip();
    let at_a = orgs.frame.take(&IdxCa::from_vec("a".into(), a))?;
    let at_b = orgs.frame.take(&IdxCa::from_vec("b".into(), b))?;
    let mut key = UInt32Chunked::from_vec("pair".into(), Vec::new());
    let mut decode = Vec::new();
    for (k, &size) in orgs.sizes.iter().enumerate() {
        let name = dim_column(k);
        let offset = decode.len() as u32;
        let from = at_a.column(&name)?.u32()?;
        let to = at_b.column(&name)?.u32()?;
        key.append(&(&(&(from * size as u32) + to) + offset))?;
        decode.extend((0..size * size).map(|p| (k, p / size, p % size)));
    }
    let pairs = DataFrame::new(
        key.len(),
        vec![
            key.into_column(),
            UInt32Chunked::from_vec("tie".into(), vec![1; ties.len() * orgs.sizes.len()])
                .into_column(),
        ],
    )?;
    let counts = pairs.group_by(["pair"])?.select(["tie"]).count()?;
    let keys = counts.column("pair")?.u32()?;
    let n = counts.column("tie_count")?.idx()?;
    for (p, n) in keys.into_no_null_iter().zip(n.into_no_null_iter()) {
        let (k, i, j) = decode[p as usize];
        let m = &mut out[k];
        m[i][j] += u64::from(n);
        if i != j {
            m[j][i] += u64::from(n);
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
    use crate::stats::homophily;

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
        let orgs = OrgFrame::new(4, vec![vec![2, 0, 2, 2]], vec![4])?;
        let s = &category_sums(&orgs, &[1, 5, 2, 3])?[0];
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
        let none = OrgFrame::new(0, vec![vec![]], vec![2])?;
        assert_eq!(category_sums(&none, &[])?, vec![vec![Sums::default(); 2]]);
        Ok(())
    }

    /// The polars crossing counts against the plain loop of
    /// [`homophily::mixing_matrix`], on a graph with ties inside and across
    /// categories, an empty category and two dimensions.
    #[test]
    fn mixing_matches_the_plain_count() -> PolarsResult<()> {
        let a = vec![0, 0, 1, 1, 2, 2, 0];
        let b = vec![0, 1, 0, 1, 0, 1, 0];
        let ties = [
            (0, 1),
            (0, 2),
            (1, 2),
            (2, 3),
            (3, 4),
            (4, 5),
            (5, 6),
            (0, 6),
        ];
        let orgs = OrgFrame::new(7, vec![a.clone(), b.clone()], vec![4, 2])?;
        let m = mixing(&orgs, &ties)?;
        assert_eq!(m[0], homophily::mixing_matrix(&ties, &a, 4));
        assert_eq!(m[1], homophily::mixing_matrix(&ties, &b, 2));
        // By hand: dimension 0 has ties 0-1 and 0-6 inside category 0, 2-3 inside 1.
        assert_eq!(m[0][0][0], 2);
        assert_eq!(m[0][1][1], 1);
        assert_eq!(m[0][3], vec![0, 0, 0, 0]);
        let t = wave_tables(&orgs, &[], &[0; 7])?;
        assert_eq!(t[1].mixing, vec![vec![0, 0], vec![0, 0]]);
        Ok(())
    }
}
