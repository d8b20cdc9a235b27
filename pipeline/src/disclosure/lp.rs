//! A small exact linear-programming solver: the bounds a reader can put on a hidden
//! value from everything published.
//!
//! The feasible set is `{x >= 0 : each constraint holds}` with constraints
//! `Σ a_j x_j (=, <=, >=) b` and `b >= 0`. [`Feasible::new`] finds a first vertex by the
//! two-phase method (artificial variables, then redundant equalities dropped);
//! [`Feasible::minimise`] then minimises any linear objective from that vertex. Pivots
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

/// A simplex tableau at a feasible vertex.
#[derive(Debug, Clone)]
pub struct Feasible {
    /// Constraint rows over all columns (variables, then slacks).
    rows: Vec<Vec<Rat>>,
    rhs: Vec<Rat>,
    /// The basic column of each row.
    basis: Vec<usize>,
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
        for c in constraints {
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
        let mut t = Feasible { rows, rhs, basis };
        if artificials > 0 {
            // Phase 1: minimise the sum of the artificial variables.
            let mut cost = vec![Rat::ZERO; width];
            for c in cost.iter_mut().skip(real) {
                *c = Rat::ONE;
            }
            let mut reduced = t.reduced_costs(&cost)?;
            t.optimise(&mut reduced, width)?;
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
            for row in &mut t.rows {
                row.truncate(real);
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
        if !t.optimise(&mut reduced, width)? {
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

    /// Pivots until no column below `allowed` has a negative reduced cost. Returns
    /// `false` when the objective is unbounded below.
    fn optimise(&mut self, reduced: &mut [Rat], allowed: usize) -> Result<bool, Overflow> {
        loop {
            let Some(enter) = (0..allowed).find(|&j| reduced[j].is_negative()) else {
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
    /// by a real column, or drops its row when the row is a combination of others.
    fn drive_out(&mut self, real: usize) -> Result<(), Overflow> {
        let mut i = 0;
        while i < self.rows.len() {
            if self.basis[i] < real {
                i += 1;
                continue;
            }
            match (0..real).find(|&j| !self.rows[i][j].is_zero()) {
                Some(j) => {
                    let mut unused = vec![Rat::ZERO; self.rows[i].len()];
                    self.pivot(i, j, &mut unused)?;
                    i += 1;
                }
                None => {
                    self.rows.remove(i);
                    self.rhs.remove(i);
                    self.basis.remove(i);
                }
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
