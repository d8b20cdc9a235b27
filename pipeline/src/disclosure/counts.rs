//! The count tables the documents print, protected together: each dimension's
//! category sizes with the total, the conceptual grid, and top brokers by category.
//!
//! Tables that share something are built over shared atoms. The grid joins its two
//! dimensions into one block of atoms (their cross-classification); a wave's
//! top-broker flag is one attribute of each organisation, so it joins the blocks of
//! every dimension it is tabulated by, as a further factor. Every other dimension is a
//! block of its own. Blocks share only the total number of organisations, which each
//! block publishes as a fixed cell.
//!
//! Modelling blocks apart instead of cross-classifying every dimension is exact for the
//! reader's knowledge: the tables form a decomposable model (each table is a clique of
//! attributes and the cliques join in a tree), so any tables that are consistent block
//! by block (same total) come from some organisations, and the reader can learn
//! nothing more from the full cross-classification. The attack in
//! `pipeline/tests/disclosure.rs` models the full cross-classification and checks this.

use super::engine::{Cell, DisclosureError, Kind, Mark, Problem, Protection};

/// The top brokers of one wave, tabulated by some dimensions: how many fall in each
/// category of each of `dimensions`, with their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brokers {
    /// The dimensions tabulated (indices into [`CountTables::categories`]).
    pub dimensions: Vec<usize>,
    /// One flag per organisation: whether it is a top broker.
    pub flags: Vec<bool>,
}

/// Everything the count tables are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTables<'a> {
    /// The suppression threshold (`suppression_threshold` in `study.toml`).
    pub threshold: u64,
    /// The number of categories of each dimension, in `study.toml` order.
    pub categories: Vec<usize>,
    /// Each organisation's category per dimension.
    pub orgs: &'a [Vec<usize>],
    /// The conceptual grid: row and column dimension.
    pub grid: Option<(usize, usize)>,
    /// The top-broker tables the documents print.
    pub brokers: Vec<Brokers>,
    /// Threads for the disclosure engine; the marks do not depend on it.
    pub threads: usize,
}

/// The marks of one wave's top-broker tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerMarks {
    /// Per tabulated dimension (in the order of [`Brokers::dimensions`]), per category.
    pub categories: Vec<Vec<Mark>>,
    /// The total number of top brokers.
    pub total: Mark,
}

/// What the count tables may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountMarks {
    /// The number of organisations (always shown).
    pub total: u64,
    /// Per dimension, per category.
    pub dimensions: Vec<Vec<Mark>>,
    /// The grid, rows by columns.
    pub grid: Option<Vec<Vec<Mark>>>,
    /// Per wave of top brokers, in input order.
    pub brokers: Vec<BrokerMarks>,
    /// The engine's problem (cells named after their table and categories) and its
    /// decision, for audits.
    pub problem: Problem,
    /// The decision behind the marks, with the range a reader can give each hidden cell.
    pub protection: Protection,
}

/// A block of atoms: a mixed-radix cross-classification of some dimensions and broker
/// flags.
struct Block {
    dims: Vec<usize>,
    flags: Vec<usize>,
    first_atom: usize,
    size: usize,
}

impl Block {
    fn radices(&self, categories: &[usize]) -> Vec<usize> {
        self.dims
            .iter()
            .map(|&d| categories[d])
            .chain(self.flags.iter().map(|_| 2))
            .collect()
    }

    /// The atoms of this block whose coordinates satisfy `keep`.
    fn atoms(&self, categories: &[usize], keep: impl Fn(&[usize]) -> bool) -> Vec<usize> {
        let radices = self.radices(categories);
        let mut out = Vec::new();
        let mut coords = vec![0; radices.len()];
        for a in 0..self.size {
            let mut rest = a;
            for (k, &r) in radices.iter().enumerate().rev() {
                coords[k] = rest % r;
                rest /= r;
            }
            if keep(&coords) {
                out.push(self.first_atom + a);
            }
        }
        out
    }
}

/// Builds the tables as one problem and protects them.
///
/// Long because it lays out, in one pass that shares the atom blocks, every family of
/// cells (totals, dimension counts, grid cells, broker counts) whose order of creation
/// is also the engine's order of preference; splitting it would scatter that order.
pub fn protect(tables: &CountTables) -> Result<CountMarks, DisclosureError> {
    let cats = &tables.categories;
    let dims = cats.len();
    // Blocks: connected dimensions (through the grid or a shared broker flag), by a
    // small union-find; each flag joins the block of its dimensions.
    let mut parent: Vec<usize> = (0..dims).collect();
    fn root(parent: &[usize], mut d: usize) -> usize {
        while parent[d] != d {
            d = parent[d];
        }
        d
    }
    let mut join = |a: usize, b: usize| {
        let (ra, rb) = (root(&parent, a), root(&parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    };
    if let Some((r, c)) = tables.grid
        && r < dims
        && c < dims
    {
        join(r, c);
    }
    for b in &tables.brokers {
        if b.flags.len() != tables.orgs.len()
            || b.dimensions.is_empty()
            || b.dimensions.iter().any(|&d| d >= dims)
        {
            return Err(DisclosureError::Inconsistent);
        }
        for w in b.dimensions.windows(2) {
            join(w[0], w[1]);
        }
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut index_of_root = vec![usize::MAX; dims];
    for d in 0..dims {
        let r = root(&parent, d);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = blocks.len();
            blocks.push(Block {
                dims: Vec::new(),
                flags: Vec::new(),
                first_atom: 0,
                size: 0,
            });
        }
        blocks[index_of_root[r]].dims.push(d);
    }
    let block = |d: usize| index_of_root[root(&parent, d)];
    for (t, b) in tables.brokers.iter().enumerate() {
        blocks[block(b.dimensions[0])].flags.push(t);
    }
    let mut problem = Problem::new(tables.threshold);
    problem.threads = tables.threads;
    for bl in &mut blocks {
        bl.first_atom = problem.atoms.len();
        bl.size = bl.radices(cats).iter().product();
        problem.atoms.extend(std::iter::repeat_n(0, bl.size));
    }
    for (o, org) in tables.orgs.iter().enumerate() {
        if org.len() != dims || org.iter().zip(cats).any(|(&c, &n)| c >= n) {
            return Err(DisclosureError::Inconsistent);
        }
        for bl in &blocks {
            let mut a = 0;
            for (&d, &r) in bl.dims.iter().zip(&bl.radices(cats)) {
                a = a * r + org[d];
            }
            for &t in &bl.flags {
                a = a * 2 + usize::from(tables.brokers[t].flags[o]);
            }
            problem.atoms[bl.first_atom + a] += 1;
        }
    }
    let total = tables.orgs.len() as u64;
    let ones = |atoms: Vec<usize>| atoms.into_iter().map(|a| (a, 1)).collect::<Vec<_>>();
    for (b, bl) in blocks.iter().enumerate() {
        problem.cell(Cell {
            name: format!("total (block {b})"),
            terms: ones(bl.atoms(cats, |_| true)),
            kind: Kind::Count,
            fixed: true,
            forced: false,
        });
    }
    let position = |d: usize| {
        let bl = &blocks[block(d)];
        bl.dims.iter().position(|&x| x == d).unwrap_or(0)
    };
    let mut dim_cells = Vec::with_capacity(dims);
    for d in 0..dims {
        let (bl, k) = (&blocks[block(d)], position(d));
        let ids = (0..cats[d])
            .map(|c| {
                problem.cell(Cell {
                    name: format!("dimension {d} category {c}"),
                    terms: ones(bl.atoms(cats, |x| x[k] == c)),
                    kind: Kind::Count,
                    fixed: false,
                    forced: false,
                })
            })
            .collect::<Vec<_>>();
        dim_cells.push(ids);
    }
    let grid_cells = tables
        .grid
        .filter(|&(r, c)| r < dims && c < dims && r != c)
        .map(|(r, c)| {
            let (bl, kr, kc) = (&blocks[block(r)], position(r), position(c));
            (0..cats[r])
                .map(|i| {
                    (0..cats[c])
                        .map(|j| {
                            problem.cell(Cell {
                                name: format!("grid row {i} column {j}"),
                                terms: ones(bl.atoms(cats, |x| x[kr] == i && x[kc] == j)),
                                kind: Kind::Count,
                                fixed: false,
                                forced: false,
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        });
    let mut broker_cells = Vec::new();
    for (t, b) in tables.brokers.iter().enumerate() {
        let bl = &blocks[block(b.dimensions[0])];
        let f = bl.dims.len() + bl.flags.iter().position(|&x| x == t).unwrap_or(0);
        let mut per_dimension = Vec::new();
        for &d in &b.dimensions {
            let k = position(d);
            let sizes: Vec<u64> = dim_cells[d].iter().map(|&i| problem.value(i)).collect();
            let per: Vec<usize> = (0..cats[d])
                .map(|c| {
                    problem.cell(Cell {
                        name: format!("top brokers {t} dimension {d} category {c}"),
                        terms: ones(bl.atoms(cats, |x| x[k] == c && x[f] == 1)),
                        kind: Kind::Group { members: sizes[c] },
                        fixed: false,
                        forced: false,
                    })
                })
                .collect();
            per_dimension.push(per);
        }
        let all = problem.cell(Cell {
            name: format!("top brokers {t} total"),
            terms: ones(bl.atoms(cats, |x| x[f] == 1)),
            kind: Kind::Group { members: total },
            fixed: true,
            forced: false,
        });
        broker_cells.push((per_dimension, all));
    }
    let protection = problem.protect()?;
    let m = |i: usize| protection.marks[i];
    Ok(CountMarks {
        total,
        dimensions: dim_cells
            .iter()
            .map(|ids| ids.iter().map(|&i| m(i)).collect())
            .collect(),
        grid: grid_cells.map(|rows| {
            rows.iter()
                .map(|r| r.iter().map(|&i| m(i)).collect())
                .collect()
        }),
        brokers: broker_cells
            .iter()
            .map(|(per, all)| BrokerMarks {
                categories: per
                    .iter()
                    .map(|ids| ids.iter().map(|&i| m(i)).collect())
                    .collect(),
                total: m(*all),
            })
            .collect(),
        problem,
        protection,
    })
}

/// A count as printed: the number, `<k` for a small count, `n/s` for a count hidden as
/// a complement or with its group.
pub fn display(mark: Mark, threshold: u64) -> String {
    match mark {
        Mark::Shown(v) => v.to_string(),
        Mark::Small => format!("<{threshold}"),
        Mark::Linked | Mark::Complement => "n/s".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Mark::{Complement as C, Shown as S, Small as L};

    /// Organisations from `(categories, how many)` groups.
    fn orgs(groups: &[(&[usize], usize)]) -> Vec<Vec<usize>> {
        groups
            .iter()
            .flat_map(|(c, n)| std::iter::repeat_n(c.to_vec(), *n))
            .collect()
    }

    #[test]
    fn the_shipped_grid_hides_its_empty_cell_in_a_rectangle() {
        // The shipped study's population × advocacy grid: one empty cell (several
        // populations, human rights). Its row and column margins are printed in the
        // dimension tables. A reader knows that an `n/s` count is at least 3, so the
        // 3 beside the empty cell would protect nothing; the greedy search closes a
        // cycle of six cells through larger ones instead (a cheaper rectangle through
        // the 11 exists: the pattern is good, not minimal).
        let grid = [[8, 11, 6], [16, 6, 7], [9, 10, 6], [0, 10, 3]];
        let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
        for (p, row) in grid.iter().enumerate() {
            for (a, &n) in row.iter().enumerate() {
                groups.push((vec![p, a], n));
            }
        }
        let orgs: Vec<Vec<usize>> = groups
            .iter()
            .flat_map(|(c, n)| std::iter::repeat_n(c.clone(), *n))
            .collect();
        let out = protect(&CountTables {
            threshold: 3,
            categories: vec![4, 3],
            orgs: &orgs,
            grid: Some((0, 1)),
            brokers: vec![],
            threads: 2,
        })
        .expect("protectable");
        assert_eq!(out.dimensions[0], [S(25), S(29), S(25), S(13)]);
        assert_eq!(out.dimensions[1], [S(33), S(37), S(22)]);
        assert_eq!(
            out.grid,
            Some(vec![
                vec![C, S(11), C],
                vec![S(16), C, C],
                vec![S(9), S(10), S(6)],
                vec![L, C, S(3)],
            ])
        );
        let cell = out
            .problem
            .cells
            .iter()
            .position(|c| c.name == "grid row 3 column 0")
            .expect("named");
        assert_eq!(
            out.protection.ranges[cell],
            Some(super::super::Range { lo: 0, hi: Some(2) })
        );
    }

    #[test]
    fn a_grid_row_of_one_organisation_is_hidden_with_its_margin() {
        // One organisation in population 2; its grid row and its margin are small.
        let orgs = orgs(&[
            (&[0, 0], 10),
            (&[0, 1], 12),
            (&[1, 0], 9),
            (&[1, 1], 14),
            (&[2, 1], 1),
        ]);
        let out = protect(&CountTables {
            threshold: 3,
            categories: vec![3, 2],
            orgs: &orgs,
            grid: Some((0, 1)),
            brokers: vec![],
            threads: 2,
        })
        .expect("protectable");
        assert_eq!(out.dimensions[0][2], L);
        assert_eq!(out.grid.as_ref().map(|g| g[2].clone()), Some(vec![L, L]));
        for r in out.protection.ranges.iter().flatten() {
            assert!(r.hi.is_none_or(|hi| hi > r.lo), "{r:?}");
        }
    }

    #[test]
    fn display_says_why_a_count_is_missing() {
        assert_eq!(display(S(12), 3), "12");
        assert_eq!(display(L, 3), "<3");
        assert_eq!(display(C, 3), "n/s");
        assert_eq!(display(Mark::Linked, 3), "n/s");
    }
}
