//! The suppression engine: linked tables over atoms, primary suppression, and
//! secondary suppression until no hidden value can be worked out from the published
//! ones, by linear algebra or by bounds.
//!
//! # Model
//!
//! An *atom* is a finest cell with a non-negative integer value, for example the
//! number of organisations with one combination of every attribute that the linked
//! tables cross-classify. A *cell* is a published quantity: a non-negative integer
//! combination of atoms (a count, a margin, a total, a sum such as the top brokers of
//! a group). Tables that share a margin share atoms, so the engine protects all of
//! them together.
//!
//! # Rules
//!
//! * **Primary suppression.** A [`Kind::Count`] cell describes as many organisations
//!   as its value; a [`Kind::Group`] cell describes its `members`. A cell describing
//!   fewer than `threshold` organisations is [`Mark::Small`], zero included: the
//!   document prints it as `<k` and the reader learns only `0 <= value <= k - 1`.
//!   A cell the caller marks `forced` (hidden because its group is hidden elsewhere)
//!   is [`Mark::Linked`].
//! * **What a reader knows.** Every atom is a non-negative integer; every shown cell's
//!   value; every small count is at most `k - 1`; every other hidden count
//!   ([`Mark::Complement`] or [`Mark::Linked`], printed `n/s`) is at least `k`, since
//!   otherwise it would have been small.
//! * **Protection.** Every hidden cell must stay undetermined: its range over
//!   everything the reader knows holds at least two integers. A small count must
//!   moreover keep its whole label: the reader cannot rule out `0` nor `k - 1`, so the
//!   publication tells nothing about it beyond `<k`.
//!
//! # Method
//!
//! 1. Primary suppression as above.
//! 2. The linear stage (the criterion of GaussSuppression): cells are taken in
//!    publishing order (cells the caller fixes first, then the cells describing most
//!    organisations, margins before the cells inside them, then lower index); a cell
//!    is published unless its vector over the atoms, added to those already
//!    published, would put a protected cell's vector in their span; then it is
//!    hidden as a complement. Gaussian elimination over exact rationals keeps the
//!    published span in echelon form and every protected vector reduced against it.
//! 3. The bounds stage: for each hidden cell the exact range (two linear programs over
//!    the reader's knowledge, [`super::lp`]). While some cell is not protected, one
//!    more shown cell is hidden: the cheapest (fewest organisations described, then
//!    fewest atoms, then lower index) that protects it, else the cheapest that widens
//!    its range, else the cheapest that shares an atom with it. Each round hides one
//!    more cell, so the stage ends.
//!
//! Everything is deterministic: no hashing, fixed orders, exact arithmetic.

use super::lp::{Constraint, Feasible, Optimum, Relax, Sense};
use super::rational::{Overflow, Rat};

/// How a cell counts organisations, which decides primary suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count of organisations: it describes as many organisations as its value.
    Count,
    /// A statistic of a group of `members` organisations (a sum of ties, a count of
    /// top brokers): small when the group is.
    Group {
        /// The organisations of the group.
        members: u64,
    },
}

/// One published quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// A name for messages, for example `population=pud × advocacy=rights`.
    pub name: String,
    /// `(atom, coefficient)` pairs; coefficients are positive.
    pub terms: Vec<(usize, u64)>,
    /// How the cell counts organisations.
    pub kind: Kind,
    /// Published whatever happens (a total printed elsewhere); it is an error if it
    /// would reveal a protected cell.
    pub fixed: bool,
    /// Hidden whatever happens (its group is hidden elsewhere).
    pub forced: bool,
}

/// What the documents print for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// The value.
    Shown(u64),
    /// Describes fewer organisations than the threshold (`<k` for a count).
    Small,
    /// Hidden because its group is hidden in another table.
    Linked,
    /// Hidden so that a small or linked cell cannot be worked out (`n/s`).
    Complement,
}

impl Mark {
    /// Whether the value is hidden.
    pub fn hidden(self) -> bool {
        !matches!(self, Mark::Shown(_))
    }

    /// The value, when shown.
    pub fn value(self) -> Option<u64> {
        match self {
            Mark::Shown(v) => Some(v),
            _ => None,
        }
    }
}

/// The range a reader can give a hidden value: `lo..=hi`, `hi` `None` when the value
/// has no upper bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The least value consistent with everything published.
    pub lo: u64,
    /// The greatest, if bounded.
    pub hi: Option<u64>,
}

/// Why a publication cannot be protected, or the input is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    /// A cell refers to an atom that does not exist.
    #[error("cell {cell:?} refers to atom {atom}, but there are only {atoms} atoms")]
    NoSuchAtom {
        /// The cell's name.
        cell: String,
        /// The atom index.
        atom: usize,
        /// How many atoms there are.
        atoms: usize,
    },
    /// A cell that must be published describes too few organisations.
    #[error("cell {cell:?} must be published but describes fewer than {threshold} organisations")]
    SmallFixedCell {
        /// The cell's name.
        cell: String,
        /// The threshold.
        threshold: u64,
    },
    /// A cell is both fixed and forced.
    #[error("cell {cell:?} is both fixed (always shown) and forced (always hidden)")]
    FixedAndForced {
        /// The cell's name.
        cell: String,
    },
    /// No choice of further suppressions protects this cell.
    #[error(
        "cell {cell:?} cannot be protected: the cells that must be published reveal it; merge small categories or raise what may be hidden"
    )]
    Unprotectable {
        /// The cell's name.
        cell: String,
    },
    /// Exact arithmetic left 128 bits (tables far larger than any document prints).
    #[error("the disclosure check overflowed 128-bit arithmetic")]
    Overflow,
    /// The published values contradict each other (a bug in the caller's model).
    #[error("the published values are inconsistent with the atoms")]
    Inconsistent,
}

impl From<Overflow> for DisclosureError {
    fn from(_: Overflow) -> DisclosureError {
        DisclosureError::Overflow
    }
}

/// Linked tables over atoms: the input of [`Problem::protect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    /// The smallest number of organisations a shown cell may describe.
    pub threshold: u64,
    /// Each atom's true value.
    pub atoms: Vec<u64>,
    /// The published quantities.
    pub cells: Vec<Cell>,
    /// Threads for the linear programs (0 or 1: one); the decisions do not depend on
    /// it (see [`batched`]).
    pub threads: usize,
}

/// The reader's feasible set under some marks, and for each cell the index of its fact
/// among the constraints the set was built from (what [`Feasible::relax`] loosens).
struct Knowledge {
    set: Feasible,
    fact_of: Vec<Option<usize>>,
}

/// The engine's decision: one mark per cell, and what a reader can deduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    /// In the order of [`Problem::cells`].
    pub marks: Vec<Mark>,
    /// For each hidden cell, the range a reader can give it; `None` for shown cells.
    pub ranges: Vec<Option<Range>>,
}

impl Problem {
    /// An empty problem with threshold `threshold`.
    pub fn new(threshold: u64) -> Problem {
        Problem {
            threshold,
            ..Problem::default()
        }
    }

    /// Adds an atom with value `value`; returns its index.
    pub fn atom(&mut self, value: u64) -> usize {
        self.atoms.push(value);
        self.atoms.len() - 1
    }

    /// Adds a cell; returns its index.
    pub fn cell(&mut self, cell: Cell) -> usize {
        self.cells.push(cell);
        self.cells.len() - 1
    }

    /// The true value of cell `i`.
    pub fn value(&self, i: usize) -> u64 {
        self.cells[i]
            .terms
            .iter()
            .map(|&(a, c)| self.atoms.get(a).copied().unwrap_or(0).saturating_mul(c))
            .fold(0, u64::saturating_add)
    }

    /// How many organisations cell `i` describes.
    fn describes(&self, i: usize) -> u64 {
        match self.cells[i].kind {
            Kind::Count => self.value(i),
            Kind::Group { members } => members,
        }
    }

    /// Decides what to show: primary, then linear, then bounds suppression.
    pub fn protect(&self) -> Result<Protection, DisclosureError> {
        self.check()?;
        let mut marks = self.primary()?;
        self.linear_stage(&mut marks)?;
        let ranges = self.bounds_stage(&mut marks)?;
        Ok(Protection { marks, ranges })
    }

    fn check(&self) -> Result<(), DisclosureError> {
        for c in &self.cells {
            if let Some(&(atom, _)) = c.terms.iter().find(|&&(a, _)| a >= self.atoms.len()) {
                return Err(DisclosureError::NoSuchAtom {
                    cell: c.name.clone(),
                    atom,
                    atoms: self.atoms.len(),
                });
            }
            if c.fixed && c.forced {
                return Err(DisclosureError::FixedAndForced {
                    cell: c.name.clone(),
                });
            }
        }
        Ok(())
    }

    fn primary(&self) -> Result<Vec<Mark>, DisclosureError> {
        let mut marks = Vec::with_capacity(self.cells.len());
        for (i, c) in self.cells.iter().enumerate() {
            let small = self.threshold > 1 && self.describes(i) < self.threshold;
            let mark = if small {
                Mark::Small
            } else if c.forced {
                Mark::Linked
            } else {
                Mark::Shown(self.value(i))
            };
            if c.fixed && mark.hidden() {
                return Err(DisclosureError::SmallFixedCell {
                    cell: c.name.clone(),
                    threshold: self.threshold,
                });
            }
            marks.push(mark);
        }
        Ok(marks)
    }

    /// The cell's vector over the atoms.
    fn vector(&self, i: usize) -> Vec<Rat> {
        let mut v = vec![0u64; self.atoms.len()];
        for &(a, c) in &self.cells[i].terms {
            v[a] = v[a].saturating_add(c);
        }
        v.into_iter().map(|x| Rat::int(i128::from(x))).collect()
    }

    /// Whether cell `i` would be a weak complement: a count below `2k - 1`. The reader
    /// knows that a hidden count that is not small is at least `k`, so hiding a count
    /// `v` lets a small cell beside it move by at most `v - k`, less than the `k - 1`
    /// a small count needs.
    fn weak(&self, i: usize) -> bool {
        self.cells[i].kind == Kind::Count && self.value(i) < (2 * self.threshold).saturating_sub(1)
    }

    /// The cost of hiding cell `i`, cheapest first: strong complements before weak
    /// ones, then fewest organisations described, then fewest atoms (inner cells
    /// before their margins), then index.
    fn cost(&self, i: usize) -> (bool, u64, usize, usize) {
        (
            self.weak(i),
            self.describes(i),
            self.cells[i].terms.len(),
            i,
        )
    }

    /// Publishing order: fixed cells, then the most expensive to hide first (the
    /// reverse of [`Problem::cost`]), so that the cells left to hide are cheap.
    fn publishing_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.cells.len()).collect();
        order.sort_by_key(|&i| {
            let (weak, describes, terms, _) = self.cost(i);
            (
                !self.cells[i].fixed,
                !weak,
                std::cmp::Reverse(describes),
                std::cmp::Reverse(terms),
                i,
            )
        });
        order
    }

    fn linear_stage(&self, marks: &mut [Mark]) -> Result<(), DisclosureError> {
        let mut basis: Vec<(usize, Vec<Rat>)> = Vec::new();
        let mut protected: Vec<(usize, Vec<Rat>)> = (0..self.cells.len())
            .filter(|&i| marks[i].hidden())
            .map(|i| (i, self.vector(i)))
            .collect();
        for i in self.publishing_order() {
            if marks[i].hidden() {
                continue;
            }
            let mut r = self.vector(i);
            for (p, b) in &basis {
                eliminate(&mut r, b, *p)?;
            }
            let Some(pivot) = r.iter().position(|x| !x.is_zero()) else {
                continue; // already determined by what is published: free to show
            };
            let mut reduced = protected.clone();
            let mut reveals = None;
            for (j, v) in &mut reduced {
                eliminate(v, &r, pivot)?;
                if reveals.is_none() && v.iter().all(|x| x.is_zero()) {
                    reveals = Some(*j);
                }
            }
            match reveals {
                Some(j) if self.cells[i].fixed => {
                    return Err(DisclosureError::Unprotectable {
                        cell: self.cells[j].name.clone(),
                    });
                }
                Some(_) => marks[i] = Mark::Complement,
                None => {
                    protected = reduced;
                    basis.push((pivot, r));
                }
            }
        }
        Ok(())
    }

    /// What a reader knows, as linear constraints over the atoms.
    fn knowledge(&self, marks: &[Mark]) -> Vec<Constraint> {
        self.knowledge_by_cell(marks).0
    }

    /// [`Problem::knowledge`], and for each cell the index of its constraint (none for
    /// a hidden cell the reader knows nothing more about).
    fn knowledge_by_cell(&self, marks: &[Mark]) -> (Vec<Constraint>, Vec<Option<usize>>) {
        let mut out = Vec::new();
        let mut index = vec![None; self.cells.len()];
        for (i, c) in self.cells.iter().enumerate() {
            let terms: Vec<(usize, Rat)> = c
                .terms
                .iter()
                .map(|&(a, k)| (a, Rat::int(i128::from(k))))
                .collect();
            let fact = match (marks[i], c.kind) {
                (Mark::Shown(v), _) => Some((Sense::Eq, v)),
                (Mark::Small, Kind::Count) => Some((Sense::Le, self.threshold.saturating_sub(1))),
                (Mark::Complement | Mark::Linked, kind) => self.not_small(kind),
                _ => None,
            };
            if let Some((sense, v)) = fact {
                index[i] = Some(out.len());
                out.push(Constraint {
                    terms,
                    sense,
                    rhs: Rat::int(i128::from(v)),
                });
            }
        }
        (out, index)
    }

    /// What a reader knows of a hidden cell of `kind` that is not small (marked
    /// `n/s`): a count is at least the threshold, since `n/s` is never printed for a
    /// small count; of a group statistic nothing.
    fn not_small(&self, kind: Kind) -> Option<(Sense, u64)> {
        (kind == Kind::Count && self.threshold > 1).then_some((Sense::Ge, self.threshold))
    }

    /// The reader's feasible set under `marks`, with where each cell's fact is in it.
    fn knowing(&self, marks: &[Mark]) -> Result<Knowledge, DisclosureError> {
        let (facts, fact_of) = self.knowledge_by_cell(marks);
        let set = Feasible::new(self.atoms.len(), &facts)?.ok_or(DisclosureError::Inconsistent)?;
        Ok(Knowledge { set, fact_of })
    }

    /// `known` with each of the shown cells `cells` hidden as a complement: each fact
    /// `= value` loosened to what a reader knows of a complement (see `knowledge`) by
    /// [`Feasible::relax`], a pivot instead of a new phase 1 (phase 1 for every trial
    /// complement took nearly nine tenths of the engine's time on a study with small
    /// groups). `None` when a fact cannot be loosened that way; the caller then builds
    /// the set again.
    fn loosened(
        &self,
        known: &Knowledge,
        cells: &[usize],
    ) -> Result<Option<Feasible>, DisclosureError> {
        self.loosened_from(&known.set, &known.fact_of, cells)
    }

    /// [`Problem::loosened`] from `from`, a set built with the facts `fact_of` (and
    /// perhaps loosened already at other cells).
    fn loosened_from(
        &self,
        from: &Feasible,
        fact_of: &[Option<usize>],
        cells: &[usize],
    ) -> Result<Option<Feasible>, DisclosureError> {
        let mut set: Option<Feasible> = None;
        for &j in cells {
            let to = match self.not_small(self.cells[j].kind) {
                Some((_, k)) => Relax::AtLeast(Rat::int(i128::from(k))),
                None => Relax::Free,
            };
            let Some(f) = fact_of[j] else {
                return Ok(None);
            };
            match set.as_ref().unwrap_or(from).relax(f, to)? {
                Some(next) => set = Some(next),
                None => return Ok(None),
            }
        }
        Ok(set.or_else(|| Some(from.clone())))
    }

    /// The reader's range of cell `i` over `set`.
    fn range(&self, set: &Feasible, i: usize) -> Result<Range, DisclosureError> {
        let terms: Vec<(usize, Rat)> = self.cells[i]
            .terms
            .iter()
            .map(|&(a, k)| (a, Rat::int(i128::from(k))))
            .collect();
        let lo = match set.minimise(&terms)? {
            Optimum::Finite(v) => v.ceil(),
            Optimum::Unbounded => return Err(DisclosureError::Inconsistent),
        };
        let negated: Vec<(usize, Rat)> = terms
            .iter()
            .map(|&(a, k)| Ok((a, k.neg()?)))
            .collect::<Result<_, Overflow>>()?;
        let hi = match set.minimise(&negated)? {
            Optimum::Finite(v) => Some(v.neg()?.floor()),
            Optimum::Unbounded => None,
        };
        let to_u64 = |x: i128| u64::try_from(x).map_err(|_| DisclosureError::Overflow);
        Ok(Range {
            lo: to_u64(lo)?,
            hi: hi.map(to_u64).transpose()?,
        })
    }

    /// Whether a hidden cell with mark `mark` is protected by range `r`.
    fn protected(&self, i: usize, mark: Mark, r: Range) -> bool {
        let ambiguous = r.hi.is_none_or(|hi| hi > r.lo);
        let whole_label = match (mark, self.cells[i].kind) {
            (Mark::Small, Kind::Count) => {
                r.lo == 0 && r.hi.is_none_or(|hi| hi >= self.threshold.saturating_sub(1))
            }
            _ => true,
        };
        ambiguous && whole_label
    }

    fn feasible(&self, marks: &[Mark]) -> Result<Feasible, DisclosureError> {
        Feasible::new(self.atoms.len(), &self.knowledge(marks))?
            .ok_or(DisclosureError::Inconsistent)
    }

    /// The first hidden cell, in index order, that is not protected over the reader's
    /// knowledge under `marks`, with its range; `None` when every hidden cell is.
    /// Cells flagged in `safe` are taken as protected without being ranged, and each
    /// cell found protected is flagged; each cell ranged gets its range in `ranges`.
    /// With nothing flagged beforehand and `None` returned, `ranges` holds every hidden
    /// cell's range.
    ///
    /// Only the first violation is needed to choose the next complement, so the scan
    /// stops there; ranging every hidden cell in every round made a study with a few
    /// small groups take seconds to minutes.
    fn first_unprotected(
        &self,
        marks: &[Mark],
        set: &Feasible,
        safe: &mut [bool],
        ranges: &mut [Option<Range>],
    ) -> Result<Option<(usize, Range)>, DisclosureError> {
        let open: Vec<usize> = (0..self.cells.len())
            .filter(|&i| marks[i].hidden() && !safe[i])
            .collect();
        let results = batched(
            &open,
            self.threads,
            |&i| (i, self.range(set, i)),
            |(i, r)| {
                r.as_ref()
                    .map_or(true, |r| !self.protected(*i, marks[*i], *r))
            },
        );
        for (i, r) in results {
            let r = r?;
            ranges[i] = Some(r);
            if !self.protected(i, marks[i], r) {
                return Ok(Some((i, r)));
            }
            safe[i] = true;
        }
        Ok(None)
    }

    /// Hides one more cell per round until every hidden cell is protected.
    ///
    /// Hiding a shown cell only takes a fact from the reader (its value; what stays
    /// known about it, `>= k` for a count, followed from the value), so the feasible set
    /// can only grow and every range only widen: a cell protected in one round stays
    /// protected in every later one and is not ranged again. The ranges returned are
    /// those over the final knowledge.
    ///
    /// The reader's feasible set is built once; each round's new complement loosens it
    /// ([`Problem::loosened`]).
    fn bounds_stage(&self, marks: &mut [Mark]) -> Result<Vec<Option<Range>>, DisclosureError> {
        let n = self.cells.len();
        if !marks.iter().any(|m| m.hidden()) {
            // Nothing to range: the reader's facts are the true counts, consistent by
            // construction (most studies; the feasible set alone costs milliseconds).
            return Ok(vec![None; n]);
        }
        let mut known = self.knowing(marks)?;
        let mut safe = vec![false; n];
        loop {
            let mut ranges = vec![None; n];
            let found = self.first_unprotected(marks, &known.set, &mut safe, &mut ranges)?;
            let Some((cell, range)) = found else {
                // This round ranged the cells not yet known safe; the others (protected
                // in earlier rounds) are ranged over the final set now.
                let mut ranged: Vec<bool> = ranges.iter().map(Option::is_some).collect();
                self.first_unprotected(marks, &known.set, &mut ranged, &mut ranges)?;
                return self.prune(marks, ranges);
            };
            let choice = self.complement_for(marks, &known, cell, range)?;
            match choice {
                Some(j) => {
                    marks[j] = Mark::Complement;
                    match self.loosened(&known, &[j])? {
                        Some(set) => known.set = set,
                        None => known = self.knowing(marks)?,
                    }
                }
                None => {
                    return Err(DisclosureError::Unprotectable {
                        cell: self.cells[cell].name.clone(),
                    });
                }
            }
        }
    }

    /// Shows again every complement that protection does not need: complements are
    /// tried from the most expensive down, and one stays shown when every hidden cell
    /// is still protected without it. Returns the final ranges.
    fn prune(
        &self,
        marks: &mut [Mark],
        mut ranges: Vec<Option<Range>>,
    ) -> Result<Vec<Option<Range>>, DisclosureError> {
        let mut complements: Vec<usize> = (0..self.cells.len())
            .filter(|&i| marks[i] == Mark::Complement)
            .collect();
        complements.sort_by_key(|&i| std::cmp::Reverse(self.cost(i)));
        if complements.is_empty() {
            return Ok(ranges);
        }
        // Showing a complement again tightens the reader's set, which cannot be done by
        // loosening the current one; so every trial loosens the tightest set (every
        // complement shown) at the complements still hidden.
        let mut tightest = marks.to_vec();
        for &i in &complements {
            tightest[i] = Mark::Shown(self.value(i));
        }
        let tight = self.knowing(&tightest)?;
        // `later[t]`: the tightest set loosened at every complement after the `t`-th,
        // which are all still hidden when the `t`-th is tried; the complements kept
        // before it are loosened on top.
        let mut later: Vec<Option<Feasible>> = vec![Some(tight.set.clone())];
        for &j in complements.iter().skip(1).rev() {
            let next = match later.last().and_then(Option::as_ref) {
                Some(set) => self.loosened_from(set, &tight.fact_of, &[j])?,
                None => None,
            };
            later.push(next);
        }
        later.reverse();
        for (t, &i) in complements.iter().enumerate() {
            marks[i] = Mark::Shown(self.value(i));
            let kept: Vec<usize> = complements[..t]
                .iter()
                .copied()
                .filter(|&j| marks[j] == Mark::Complement)
                .collect();
            let loosened = match &later[t] {
                Some(set) => self.loosened_from(set, &tight.fact_of, &kept)?,
                None => None,
            };
            let set = match loosened {
                Some(set) => set,
                None => self.feasible(marks)?,
            };
            // Showing a cell gives the reader a fact, so nothing is known safe here.
            let mut trial = vec![None; self.cells.len()];
            let mut safe = vec![false; self.cells.len()];
            let violation = self.first_unprotected(marks, &set, &mut safe, &mut trial)?;
            if violation.is_none() && self.linearly_safe(marks)? {
                ranges = trial;
            } else {
                marks[i] = Mark::Complement;
            }
        }
        Ok(ranges)
    }

    /// Whether no hidden cell's vector lies in the span of the shown cells' vectors.
    fn linearly_safe(&self, marks: &[Mark]) -> Result<bool, DisclosureError> {
        let mut basis: Vec<(usize, Vec<Rat>)> = Vec::new();
        for i in (0..self.cells.len()).filter(|&i| !marks[i].hidden()) {
            let mut r = self.vector(i);
            for (p, b) in &basis {
                eliminate(&mut r, b, *p)?;
            }
            if let Some(p) = r.iter().position(|x| !x.is_zero()) {
                basis.push((p, r));
            }
        }
        for i in (0..self.cells.len()).filter(|&i| marks[i].hidden()) {
            let mut r = self.vector(i);
            for (p, b) in &basis {
                eliminate(&mut r, b, *p)?;
            }
            if r.iter().all(|x| x.is_zero()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The shown cell to hide next so that `cell` (not protected, with range `range`)
    /// becomes protected; see the module documentation for the order of preference.
    /// Only cells near `cell` are tried (sharing an atom with it or with a cell that
    /// shares one, such as its siblings under a margin); if none of them helps, the
    /// cheapest of them is hidden, else the cheapest shown cell anywhere.
    fn complement_for(
        &self,
        marks: &[Mark],
        known: &Knowledge,
        cell: usize,
        range: Range,
    ) -> Result<Option<usize>, DisclosureError> {
        let cost = |j: usize| self.cost(j);
        let mut candidates: Vec<usize> = (0..self.cells.len())
            .filter(|&j| !marks[j].hidden() && !self.cells[j].fixed)
            .collect();
        candidates.sort_by_key(|&j| cost(j));
        let near = self.neighbourhood(cell);
        let close: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&j| self.touches(j, &near))
            .collect();
        let mut widening = None;
        let trial = |&j: &usize| -> Result<Range, DisclosureError> {
            let set = match self.loosened(known, &[j])? {
                Some(set) => set,
                None => {
                    let mut trial = marks.to_vec();
                    trial[j] = Mark::Complement;
                    self.feasible(&trial)?
                }
            };
            self.range(&set, cell)
        };
        let protects = |r: &Range| self.protected(cell, marks[cell], *r);
        let results = batched(&close, self.threads, trial, |r| {
            r.as_ref().map_or(true, protects)
        });
        for (&j, r) in close.iter().zip(results) {
            let r = r?;
            if protects(&r) {
                return Ok(Some(j));
            }
            let wider = r.lo < range.lo
                || match (r.hi, range.hi) {
                    (None, Some(_)) => true,
                    (Some(a), Some(b)) => a > b,
                    _ => false,
                };
            if widening.is_none() && wider {
                widening = Some(j);
            }
        }
        Ok(widening
            .or_else(|| close.first().copied())
            .or_else(|| candidates.first().copied()))
    }

    /// The atoms of `cell` and of every cell sharing an atom with it.
    fn neighbourhood(&self, cell: usize) -> Vec<bool> {
        let mut own = vec![false; self.atoms.len()];
        for &(a, _) in &self.cells[cell].terms {
            own[a] = true;
        }
        let mut near = own.clone();
        for c in &self.cells {
            if c.terms.iter().any(|&(a, _)| own[a]) {
                for &(a, _) in &c.terms {
                    near[a] = true;
                }
            }
        }
        near
    }

    fn touches(&self, j: usize, atoms: &[bool]) -> bool {
        self.cells[j].terms.iter().any(|&(a, _)| atoms[a])
    }
}

/// `f` of each of `items` in order, computed up to `threads` at a time (one batch on
/// as many threads), until a batch has a result for which `stop` holds: the results of
/// the batches run, in item order. A caller that reads them in order and stops where
/// `stop` holds decides exactly as a loop over the items one at a time would, so no
/// decision depends on the number of threads (only some results past the stopping
/// point may be computed and left unread).
fn batched<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
    stop: impl Fn(&R) -> bool,
) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    for batch in items.chunks(threads.max(1)) {
        let results: Vec<R> = match batch {
            [one] => vec![f(one)],
            _ => std::thread::scope(|s| {
                let f = &f;
                let handles: Vec<_> = batch.iter().map(|x| s.spawn(move || f(x))).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            }),
        };
        let done = results.iter().any(&stop);
        out.extend(results);
        if done {
            break;
        }
    }
    out
}

/// `v -= (v[p] / b[p]) · b`, so that `v[p]` becomes zero.
fn eliminate(v: &mut [Rat], b: &[Rat], p: usize) -> Result<(), Overflow> {
    if v[p].is_zero() {
        return Ok(());
    }
    let f = v[p].div(b[p])?;
    for (x, y) in v.iter_mut().zip(b) {
        if !y.is_zero() {
            *x = x.sub(f.mul(*y)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One dimension's counts with the total (fixed, since it is printed elsewhere).
    fn one_table(sizes: &[u64], threshold: u64) -> Problem {
        let mut p = Problem::new(threshold);
        let atoms: Vec<usize> = sizes.iter().map(|&n| p.atom(n)).collect();
        for (i, &a) in atoms.iter().enumerate() {
            p.cell(Cell {
                name: format!("c{i}"),
                terms: vec![(a, 1)],
                kind: Kind::Count,
                fixed: false,
                forced: false,
            });
        }
        p.cell(Cell {
            name: "total".into(),
            terms: atoms.iter().map(|&a| (a, 1)).collect(),
            kind: Kind::Count,
            fixed: true,
            forced: false,
        });
        p
    }

    /// A table with no small cell shows everything and ranges nothing (the audit's
    /// shortcut when nothing is hidden).
    #[test]
    fn nothing_small_nothing_hidden() {
        let out = one_table(&[5, 6, 7], 3).protect().expect("protectable");
        assert_eq!(
            out.marks,
            [
                Mark::Shown(5),
                Mark::Shown(6),
                Mark::Shown(7),
                Mark::Shown(18)
            ]
        );
        assert_eq!(out.ranges, [None, None, None, None]);
    }

    fn marks(sizes: &[u64]) -> Vec<Mark> {
        let mut m = one_table(sizes, 3).protect().expect("protectable").marks;
        m.pop();
        m
    }

    use Mark::{Complement as C, Shown as S, Small as L};

    #[test]
    fn two_small_groups_whose_sum_is_known_keep_their_whole_label() {
        // 1 + 1 = 2 is known from the total, but each is anywhere in 0..=2.
        let p = one_table(&[40, 1, 1, 50], 3);
        let out = p.protect().expect("protectable");
        assert_eq!(out.marks, [S(40), L, L, S(50), S(92)]);
        assert_eq!(out.ranges[1], Some(Range { lo: 0, hi: Some(2) }));
    }

    #[test]
    fn two_small_groups_at_the_top_of_their_range_take_a_third_cell() {
        // 2 + 2 = 4 with each at most 2 would pin both at 2.
        assert_eq!(marks(&[40, 2, 2, 48]), [C, L, L, S(48)]);
    }

    #[test]
    fn the_decisions_do_not_depend_on_the_number_of_threads() {
        for sizes in [
            &[40, 2, 2, 48][..],
            &[1, 7, 2, 9, 0, 12, 2, 30],
            &[5, 1, 1, 1, 6],
        ] {
            let mut one = one_table(sizes, 3);
            one.threads = 1;
            let mut three = one_table(sizes, 3);
            three.threads = 3;
            assert_eq!(one.protect(), three.protect(), "{sizes:?}");
        }
    }

    #[test]
    fn zeros_are_small_and_protected_like_any_small_count() {
        assert_eq!(marks(&[25, 0, 30]), [C, L, S(30)]);
        assert_eq!(marks(&[25, 2, 8, 30]), [S(25), L, C, S(30)]);
        assert_eq!(marks(&[5, 6]), [S(5), S(6)]);
    }

    #[test]
    fn a_threshold_of_one_hides_nothing() {
        let out = one_table(&[0, 1, 5], 1).protect().expect("protectable");
        assert_eq!(out.marks, [S(0), S(1), S(5), S(6)]);
    }

    #[test]
    fn a_fixed_total_that_pins_every_small_group_is_an_error() {
        // Two groups of 2 and a published total of 4: each must be 2.
        assert_eq!(
            one_table(&[2, 2], 3).protect(),
            Err(DisclosureError::Unprotectable { cell: "c0".into() })
        );
        assert_eq!(
            one_table(&[1, 1], 3).protect(),
            Err(DisclosureError::SmallFixedCell {
                cell: "total".into(),
                threshold: 3
            })
        );
    }

    #[test]
    fn group_statistics_follow_their_group_size_not_their_value() {
        // Top brokers by group: 0 of a large group is shown, 1 of a small group is not,
        // and the total of 5 with one hidden group needs a complement.
        let mut p = Problem::new(3);
        let a: Vec<usize> = [4, 1, 0].iter().map(|&v| p.atom(v)).collect();
        for (i, &m) in [40u64, 2, 50].iter().enumerate() {
            p.cell(Cell {
                name: format!("brokers{i}"),
                terms: vec![(a[i], 1)],
                kind: Kind::Group { members: m },
                fixed: false,
                forced: false,
            });
        }
        p.cell(Cell {
            name: "top brokers".into(),
            terms: a.iter().map(|&x| (x, 1)).collect(),
            kind: Kind::Group { members: 92 },
            fixed: true,
            forced: false,
        });
        let out = p.protect().expect("protectable");
        // The 40-member group describes fewer organisations than the 50-member one, so
        // it is the complement.
        assert_eq!(out.marks, [C, L, S(0), S(5)]);
        assert_eq!(out.ranges[1], Some(Range { lo: 0, hi: Some(5) }));
    }

    #[test]
    fn forced_cells_are_hidden_and_protected() {
        let mut p = one_table(&[40, 10, 50], 3);
        p.cells[1].forced = true;
        let out = p.protect().expect("protectable");
        assert_eq!(out.marks[..3], [C, Mark::Linked, S(50)]);
    }
}
