//! A small exact linear-programming solver: the bounds a reader can put on a hidden
//! value from everything published.
//!
//! The feasible set is `{x >= 0 : each constraint holds}` with constraints
//! `Σ a_j x_j (=, <=, >=) b` and `b >= 0`. [`Feasible::new`] finds a first vertex by the
//! two-phase method (artificial variables; a redundant equality keeps its row with its
//! artificial basic at zero); [`Feasible::minimise`] then minimises any linear objective
//! from that vertex, and [`Feasible::relax`] loosens one equality from it. Pivots
//! follow Bland's rule (lowest index enters, lowest basic index leaves on ties), which
//! cannot cycle, and every number is an exact [`Rat`]: there is no tolerance anywhere.
//! The tableau is dense, but pivots skip zero entries, which is most of them for
//! tables of counts.

use super::rational::{Overflow, Rat};

/// How a constraint compares its left side with its right side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `=`.
    Eq,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

/// `Σ coef · x[var] (sense) rhs`, with `rhs >= 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// `(variable, coefficient)` pairs.
    pub terms: Vec<(usize, Rat)>,
    /// The comparison.
    pub sense: Sense,
    /// The right side, not negative.
    pub rhs: Rat,
}

/// The optimum of a minimisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimum {
    /// The least value of the objective.
    Finite(Rat),
    /// The objective decreases without limit.
    Unbounded,
}

/// How [`Feasible::relax`] loosens an equality `a·x = v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relax {
    /// To `a·x >= k` (`k <= v`).
    AtLeast(Rat),
    /// To nothing: `a·x` is free.
    Free,
}

/// A simplex tableau at a feasible vertex.
///
/// Columns: the variables, the slacks, the artificial variables of phase 1 (never
/// entering again, kept because their columns hold the basis inverse that
/// [`Feasible::relax`] needs), then any columns a relaxation added. A constraint that
/// phase 1 found redundant keeps its row, with its artificial variable basic at zero
/// and nothing in any other column.
#[derive(Debug, Clone)]
pub struct Feasible {
    rows: Vec<Vec<Rat>>,
    rhs: Vec<Rat>,
    /// The basic column of each row.
    basis: Vec<usize>,
    /// The artificial columns.
    artificial: std::ops::Range<usize>,
    /// Per constraint: its sense, right side and artificial column (if it has one).
    given: Vec<(Sense, Rat, Option<usize>)>,
}

impl Feasible {
    /// The feasible set of `vars` non-negative variables under `constraints`, at a
    /// first vertex; `None` when the set is empty. A constraint with a negative right
    /// side or a variable index out of range is treated as an arithmetic error.
    pub fn new(vars: usize, constraints: &[Constraint]) -> Result<Option<Feasible>, Overflow> {
        let slacks = constraints.iter().filter(|c| c.sense != Sense::Eq).count();
        let artificials = constraints.iter().filter(|c| c.sense != Sense::Le).count();
        let real = vars + slacks;
        let width = real + artificials;
        let mut rows = Vec::with_capacity(constraints.len());
        let mut rhs = Vec::with_capacity(constraints.len());
        let mut basis = Vec::with_capacity(constraints.len());
        let (mut s, mut a) = (vars, real);
        let mut given = Vec::with_capacity(constraints.len());
        for c in constraints {
            let art = (c.sense != Sense::Le).then_some(a);
            given.push((c.sense, c.rhs, art));
            if c.rhs.is_negative() {
                return Err(Overflow);
            }
            let mut row = vec![Rat::ZERO; width];
            for &(j, v) in &c.terms {
                let cell = row.get_mut(j).filter(|_| j < vars).ok_or(Overflow)?;
                *cell = cell.add(v)?;
            }
            match c.sense {
                Sense::Le => {
                    row[s] = Rat::ONE;
                    basis.push(s);
                    s += 1;
                }
                Sense::Ge => {
                    row[s] = Rat::int(-1);
                    s += 1;
                    row[a] = Rat::ONE;
                    basis.push(a);
                    a += 1;
                }
                Sense::Eq => {
                    row[a] = Rat::ONE;
                    basis.push(a);
                    a += 1;
                }
            }
            rows.push(row);
            rhs.push(c.rhs);
        }
        let mut t = Feasible {
            rows,
            rhs,
            basis,
            artificial: real..width,
            given,
        };
        if artificials > 0 {
            // Phase 1: minimise the sum of the artificial variables.
            let mut cost = vec![Rat::ZERO; width];
            for c in cost.iter_mut().skip(real) {
                *c = Rat::ONE;
            }
            let mut reduced = t.reduced_costs(&cost)?;
            t.optimise(&mut reduced, true)?;
            let mut phase1 = Rat::ZERO;
            for (i, &b) in t.basis.iter().enumerate() {
                if b >= real {
                    phase1 = phase1.add(t.rhs[i])?;
                }
            }
            if phase1.is_positive() {
                return Ok(None);
            }
            t.drive_out(real)?;
        }
        Ok(Some(t))
    }

    /// The same feasible set with equality constraint `constraint` (an index into the
    /// constraints given to [`Feasible::new`]) loosened as `to` says, at a vertex found
    /// from this one with at most one pivot instead of a new phase 1; `None` when the
    /// constraint is not an equality or `to` is not looser. Minimising over the result
    /// gives exactly what minimising over `Feasible::new` of the loosened constraints
    /// gives (the optimum of a linear program does not depend on the vertex it starts
    /// from).
    ///
    /// With `c` the column of the constraint's artificial variable (the basis inverse
    /// applied to its unit vector) and `a·x = v` the constraint: `a·x >= k` becomes
    /// `a·x - u = k` with a new column `-c` and right sides `rhs - (v - k) c`. The
    /// current vertex plus `u = v - k` satisfies it; `u` is lowered towards 0 until a
    /// basic variable reaches 0, where `u` enters the basis (a ratio test). When the
    /// constraint took part in a redundancy (a kept row whose artificial is basic and
    /// whose entry in `c` is not 0), `a·x = v` still follows from the others, so `u` is
    /// fixed at `v - k` and enters in that row. `a·x` free becomes `u+ - u-` with columns
    /// `-c` and `c` and unchanged right sides; a redundancy lets `u+` enter its row at 0.
    pub fn relax(&self, constraint: usize, to: Relax) -> Result<Option<Feasible>, Overflow> {
        let Some(&(Sense::Eq, v, Some(art))) = self.given.get(constraint) else {
            return Ok(None);
        };
        let c: Vec<Rat> = self.rows.iter().map(|r| r[art]).collect();
        let u = self.rows.first().map_or(0, Vec::len);
        let mut t = self.clone();
        let redundancy =
            (0..c.len()).find(|&i| self.artificial.contains(&self.basis[i]) && !c[i].is_zero());
        match to {
            Relax::AtLeast(k) => {
                let d = v.sub(k)?;
                if d.is_negative() {
                    return Ok(None);
                }
                for (i, ci) in c.iter().enumerate() {
                    t.rows[i].push(ci.neg()?);
                    t.rhs[i] = t.rhs[i].sub(d.mul(*ci)?)?;
                }
                let mut unused = vec![Rat::ZERO; u + 1];
                let enter_at = match redundancy {
                    Some(i) => Some(i),
                    None => {
                        // Lower `u` from `d`: row `i` (with `c_i > 0`) reaches 0 at a
                        // decrease of `rhs_i / c_i`.
                        let mut best: Option<(usize, Rat)> = None;
                        for (i, ci) in c.iter().enumerate().filter(|(_, ci)| ci.is_positive()) {
                            let ratio = self.rhs[i].div(*ci)?;
                            let better = match best {
                                None => ratio < d,
                                Some((l, r)) => {
                                    ratio < r || (ratio == r && self.basis[i] < self.basis[l])
                                }
                            };
                            if better {
                                best = Some((i, ratio));
                            }
                        }
                        best.map(|(i, _)| i)
                    }
                };
                if let Some(i) = enter_at {
                    t.pivot(i, u, &mut unused)?;
                }
            }
            Relax::Free => {
                for (i, ci) in c.iter().enumerate() {
                    t.rows[i].push(ci.neg()?);
                    t.rows[i].push(*ci);
                }
                if let Some(i) = redundancy {
                    let mut unused = vec![Rat::ZERO; u + 2];
                    t.pivot(i, u, &mut unused)?;
                }
            }
        }
        Ok(Some(t))
    }

    /// The least value of `Σ coef · x[var]` over the feasible set.
    pub fn minimise(&self, objective: &[(usize, Rat)]) -> Result<Optimum, Overflow> {
        let width = self.rows.first().map_or(0, Vec::len);
        let mut cost = vec![Rat::ZERO; width];
        for &(j, v) in objective {
            let c = cost.get_mut(j).ok_or(Overflow)?;
            *c = c.add(v)?;
        }
        if width == 0 {
            return Ok(Optimum::Finite(Rat::ZERO));
        }
        let mut t = self.clone();
        let mut reduced = t.reduced_costs(&cost)?;
        if !t.optimise(&mut reduced, false)? {
            return Ok(Optimum::Unbounded);
        }
        let mut value = Rat::ZERO;
        for (i, &b) in t.basis.iter().enumerate() {
            value = value.add(cost[b].mul(t.rhs[i])?)?;
        }
        // Non-basic variables are zero, so only basic ones contribute.
        Ok(Optimum::Finite(value))
    }

    /// `c_j - Σ_i c_{basis(i)} a_ij` for every column.
    fn reduced_costs(&self, cost: &[Rat]) -> Result<Vec<Rat>, Overflow> {
        let mut d = cost.to_vec();
        for (i, &b) in self.basis.iter().enumerate() {
            let cb = cost[b];
            if cb.is_zero() {
                continue;
            }
            for (j, a) in self.rows[i].iter().enumerate() {
                if !a.is_zero() {
                    d[j] = d[j].sub(cb.mul(*a)?)?;
                }
            }
        }
        Ok(d)
    }

    /// Pivots until no column that may enter has a negative reduced cost (artificial
    /// columns may only in phase 1). Returns `false` when the objective is unbounded
    /// below.
    fn optimise(&mut self, reduced: &mut [Rat], phase1: bool) -> Result<bool, Overflow> {
        let artificial = self.artificial.clone();
        let may_enter = |j: usize| phase1 || !artificial.contains(&j);
        loop {
            let Some(enter) =
                (0..reduced.len()).find(|&j| may_enter(j) && reduced[j].is_negative())
            else {
                return Ok(true);
            };
            let mut leave: Option<(usize, Rat)> = None;
            for i in 0..self.rows.len() {
                let a = self.rows[i][enter];
                if !a.is_positive() {
                    continue;
                }
                let ratio = self.rhs[i].div(a)?;
                let better = match leave {
                    None => true,
                    Some((l, best)) => {
                        ratio < best || (ratio == best && self.basis[i] < self.basis[l])
                    }
                };
                if better {
                    leave = Some((i, ratio));
                }
            }
            let Some((row, _)) = leave else {
                return Ok(false);
            };
            self.pivot(row, enter, reduced)?;
        }
    }

    /// Makes column `col` basic in row `row`.
    fn pivot(&mut self, row: usize, col: usize, reduced: &mut [Rat]) -> Result<(), Overflow> {
        let p = self.rows[row][col];
        if p != Rat::ONE {
            for a in self.rows[row].iter_mut() {
                if !a.is_zero() {
                    *a = a.div(p)?;
                }
            }
            self.rhs[row] = self.rhs[row].div(p)?;
        }
        let nonzero: Vec<usize> = (0..self.rows[row].len())
            .filter(|&j| !self.rows[row][j].is_zero())
            .collect();
        let pivot_row = self.rows[row].clone();
        let pivot_rhs = self.rhs[row];
        for i in 0..self.rows.len() {
            let f = self.rows[i][col];
            if i == row || f.is_zero() {
                continue;
            }
            for &j in &nonzero {
                self.rows[i][j] = self.rows[i][j].sub(f.mul(pivot_row[j])?)?;
            }
            self.rhs[i] = self.rhs[i].sub(f.mul(pivot_rhs)?)?;
        }
        let f = reduced[col];
        if !f.is_zero() {
            for &j in &nonzero {
                reduced[j] = reduced[j].sub(f.mul(pivot_row[j])?)?;
            }
        }
        self.basis[row] = col;
        Ok(())
    }

    /// After phase 1: replaces every artificial variable left in the basis (at zero)
    /// by a real column. A row with no real entry is a combination of others: it stays,
    /// its artificial basic at zero, and no pivot ever chooses it (its entries in the
    /// columns that may enter are all zero).
    fn drive_out(&mut self, real: usize) -> Result<(), Overflow> {
        for i in 0..self.rows.len() {
            if self.basis[i] < real {
                continue;
            }
            if let Some(j) = (0..real).find(|&j| !self.rows[i][j].is_zero()) {
                let mut unused = vec![Rat::ZERO; self.rows[i].len()];
                self.pivot(i, j, &mut unused)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(terms: &[(usize, i128)], sense: Sense, rhs: i128) -> Constraint {
        Constraint {
            terms: terms.iter().map(|&(j, v)| (j, Rat::int(v))).collect(),
            sense,
            rhs: Rat::int(rhs),
        }
    }

    fn bounds(f: &Feasible, obj: &[(usize, i128)]) -> (Optimum, Optimum) {
        let lo = f
            .minimise(
                &obj.iter()
                    .map(|&(j, v)| (j, Rat::int(v)))
                    .collect::<Vec<_>>(),
            )
            .expect("no overflow");
        let hi = f
            .minimise(
                &obj.iter()
                    .map(|&(j, v)| (j, Rat::int(-v)))
                    .collect::<Vec<_>>(),
            )
            .expect("no overflow");
        (lo, hi)
    }

    /// A constraint as the random systems below write it: terms, sense, right side.
    type Row = (Vec<(usize, i128)>, Sense, i128);

    #[test]
    fn relaxing_an_equality_agrees_with_solving_again() {
        let mut r = crate::stats::rng::generator([11; 32], 0);
        let mut below = |n: u32| crate::stats::rng::below(&mut r, n);
        let mut checked = 0;
        for _ in 0..300 {
            // A true point, and constraints it satisfies: 0/1 rows like margins of
            // tables, some equalities repeated as sums (redundancies).
            let vars = 2 + below(5) as usize;
            let point: Vec<i128> = (0..vars).map(|_| i128::from(below(6))).collect();
            let mut rows: Vec<Row> = Vec::new();
            for _ in 0..1 + below(5) {
                let terms: Vec<(usize, i128)> = (0..vars)
                    .filter(|_| below(2) == 1)
                    .map(|j| (j, 1))
                    .collect();
                let value: i128 = terms.iter().map(|&(j, k)| k * point[j]).sum();
                let (sense, rhs) = match below(3) {
                    0 => (Sense::Eq, value),
                    1 => (Sense::Le, value + i128::from(below(3))),
                    _ => (Sense::Ge, (value - i128::from(below(3))).max(0)),
                };
                rows.push((terms, sense, rhs));
            }
            let eqs: Vec<usize> = (0..rows.len())
                .filter(|&i| rows[i].1 == Sense::Eq)
                .collect();
            if eqs.len() >= 2 && below(2) == 1 {
                let (a, b) = (rows[eqs[0]].clone(), rows[eqs[1]].clone());
                let mut terms = a.0.clone();
                terms.extend(b.0.iter().copied());
                rows.push((terms, Sense::Eq, a.2 + b.2));
            }
            let given: Vec<Constraint> = rows.iter().map(|(t, s, v)| c(t, *s, *v)).collect();
            let base = Feasible::new(vars, &given)
                .expect("no overflow")
                .expect("feasible");
            for (ci, (terms, sense, v)) in rows.iter().enumerate() {
                if *sense != Sense::Eq {
                    continue;
                }
                let mut loosenings = vec![(Relax::Free, None)];
                for k in 0..=*v {
                    loosenings.push((Relax::AtLeast(Rat::int(k)), Some(k)));
                }
                for (to, k) in loosenings {
                    let mut again = given.clone();
                    match k {
                        Some(k) => again[ci] = c(terms, Sense::Ge, k),
                        None => {
                            again.remove(ci);
                        }
                    }
                    if again.is_empty() {
                        // (No constraint left: not a case the engine meets.)
                        continue;
                    }
                    let fresh = Feasible::new(vars, &again)
                        .expect("no overflow")
                        .expect("feasible");
                    let relaxed = base
                        .relax(ci, to)
                        .expect("no overflow")
                        .expect("an equality");
                    for _ in 0..4 {
                        let obj: Vec<(usize, i128)> =
                            (0..vars).map(|j| (j, i128::from(below(5)) - 2)).collect();
                        assert_eq!(
                            bounds(&relaxed, &obj),
                            bounds(&fresh, &obj),
                            "{rows:?} {ci} {to:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500, "{checked} comparisons");
    }

    #[test]
    fn two_hidden_cells_with_a_known_sum() {
        // x0 + x1 = 2, x0 <= 2, x1 <= 2: each in [0, 2].
        let f = Feasible::new(
            2,
            &[
                c(&[(0, 1), (1, 1)], Sense::Eq, 2),
                c(&[(0, 1)], Sense::Le, 2),
                c(&[(1, 1)], Sense::Le, 2),
            ],
        )
        .expect("no overflow")
        .expect("feasible");
        assert_eq!(
            bounds(&f, &[(0, 1)]),
            (Optimum::Finite(Rat::ZERO), Optimum::Finite(Rat::int(-2)))
        );
    }

    #[test]
    fn lower_bounds_redundant_rows_and_unbounded_directions() {
        // x0 + x1 = 7 (twice), x1 >= 3, x2 free above.
        let f = Feasible::new(
            3,
            &[
                c(&[(0, 1), (1, 1)], Sense::Eq, 7),
                c(&[(0, 1), (1, 1)], Sense::Eq, 7),
                c(&[(1, 1)], Sense::Ge, 3),
            ],
        )
        .expect("no overflow")
        .expect("feasible");
        assert_eq!(
            bounds(&f, &[(0, 1)]),
            (Optimum::Finite(Rat::ZERO), Optimum::Finite(Rat::int(-4)))
        );
        assert_eq!(
            bounds(&f, &[(2, 1)]),
            (Optimum::Finite(Rat::ZERO), Optimum::Unbounded)
        );
    }

    #[test]
    fn an_empty_set_is_reported() {
        let f = Feasible::new(
            2,
            &[
                c(&[(0, 1), (1, 1)], Sense::Eq, 1),
                c(&[(0, 1)], Sense::Ge, 2),
            ],
        )
        .expect("no overflow");
        assert!(f.is_none());
    }

    #[test]
    fn fractional_vertices_are_exact() {
        // 2 x0 + 2 x1 = 3: x0 in [0, 3/2].
        let f = Feasible::new(2, &[c(&[(0, 2), (1, 2)], Sense::Eq, 3)])
            .expect("no overflow")
            .expect("feasible");
        let hi = f.minimise(&[(0, Rat::int(-1))]).expect("no overflow");
        assert_eq!(
            hi,
            Optimum::Finite(Rat::int(-3).div(Rat::int(2)).expect("exact"))
        );
    }
}
