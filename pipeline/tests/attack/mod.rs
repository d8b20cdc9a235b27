//! A reader who attacks the published tables, written independently of the engine in
//! `pipeline::disclosure`: its own exact fractions, its own Gaussian elimination and
//! its own simplex method. It sees only what a document prints (numbers, `<k`, `n/s`,
//! `–`) and the rules of the game, and models the organisations as the full
//! cross-classification of every dimension (and broker flag), not as the engine's
//! blocks, so it also checks that the engine's decomposition loses nothing.

// Dense matrix code reads more plainly with explicit row and column indices.
#![allow(clippy::needless_range_loop)]

use std::cmp::Ordering;

/// An exact fraction; panics on overflow (a test failure, never a silent wrong answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Q {
    n: i128,
    d: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Q {
    pub const ZERO: Q = Q { n: 0, d: 1 };

    pub fn of(n: i128) -> Q {
        Q { n, d: 1 }
    }

    fn make(n: i128, d: i128) -> Q {
        assert!(d != 0, "division by zero in the attacker");
        let g = gcd(n, d).max(1);
        let s = if d < 0 { -1 } else { 1 };
        Q {
            n: s * n / g,
            d: s * d / g,
        }
    }

    fn plus(self, o: Q) -> Q {
        if self.d == 1 && o.d == 1 {
            return Q::of(self.n.checked_add(o.n).expect("attacker overflow"));
        }
        Q::make(
            self.n
                .checked_mul(o.d)
                .and_then(|a| o.n.checked_mul(self.d).and_then(|b| a.checked_add(b)))
                .expect("attacker overflow"),
            self.d.checked_mul(o.d).expect("attacker overflow"),
        )
    }

    fn minus(self, o: Q) -> Q {
        self.plus(Q { n: -o.n, d: o.d })
    }

    fn times(self, o: Q) -> Q {
        if self.n == 0 || o.n == 0 {
            return Q::ZERO;
        }
        if self.d == 1 && o.d == 1 {
            return Q::of(self.n.checked_mul(o.n).expect("attacker overflow"));
        }
        Q::make(
            self.n.checked_mul(o.n).expect("attacker overflow"),
            self.d.checked_mul(o.d).expect("attacker overflow"),
        )
    }

    fn over(self, o: Q) -> Q {
        self.times(Q::make(o.d, o.n))
    }

    fn zero(self) -> bool {
        self.n == 0
    }

    fn sign(self) -> Ordering {
        self.n.cmp(&0)
    }

    pub fn floor(self) -> i128 {
        self.n.div_euclid(self.d)
    }

    pub fn ceil(self) -> i128 {
        -((-self.n).div_euclid(self.d))
    }

    pub fn integral(self) -> bool {
        self.d == 1
    }
}

impl PartialOrd for Q {
    fn partial_cmp(&self, o: &Q) -> Option<Ordering> {
        Some(self.minus(*o).sign())
    }
}

/// Whether `target` is a linear combination of `rows` (rank test by elimination).
pub fn in_span(rows: &[Vec<i64>], target: &[i64]) -> bool {
    let rank = |m: &[Vec<i64>]| -> usize {
        let mut a: Vec<Vec<Q>> = m
            .iter()
            .map(|r| r.iter().map(|&x| Q::of(x.into())).collect())
            .collect();
        let cols = target.len();
        let mut rank = 0;
        for c in 0..cols {
            let Some(p) = (rank..a.len()).find(|&r| !a[r][c].zero()) else {
                continue;
            };
            a.swap(rank, p);
            for r in 0..a.len() {
                if r != rank && !a[r][c].zero() {
                    let f = a[r][c].over(a[rank][c]);
                    for k in 0..cols {
                        let v = a[r][k].minus(f.times(a[rank][k]));
                        a[r][k] = v;
                    }
                }
            }
            rank += 1;
        }
        rank
    };
    let mut with = rows.to_vec();
    with.push(target.to_vec());
    rank(rows) == rank(&with)
}

/// A linear fact over the variables: `coef · x (<=, =, >=) rhs`.
#[derive(Clone, Debug)]
pub struct Fact {
    pub coef: Vec<i64>,
    pub rel: Ordering,
    pub rhs: i64,
}

/// The reader's feasible set `{x >= 0 : facts}` at a first vertex (phase 1 of the
/// textbook two-phase simplex on a dense tableau whose last column is the right side;
/// smallest-subscript rule throughout). Panics when the facts are contradictory: the
/// truth satisfies them, so that would be an attacker bug.
pub struct Polytope {
    t: Vec<Vec<Q>>,
    basis: Vec<usize>,
    art0: usize,
}

impl Polytope {
    pub fn new(vars: usize, facts: &[Fact]) -> Polytope {
        // Columns: variables, one surplus/slack per inequality, one artificial per row.
        let ineq = facts.iter().filter(|f| f.rel != Ordering::Equal).count();
        let m = facts.len();
        let art0 = vars + ineq;
        let width = art0 + m + 1;
        let mut t: Vec<Vec<Q>> = Vec::new();
        let mut basis = Vec::new();
        let mut slack = vars;
        for (i, f) in facts.iter().enumerate() {
            let mut row = vec![Q::ZERO; width];
            for (j, &c) in f.coef.iter().enumerate() {
                row[j] = Q::of(c.into());
            }
            match f.rel {
                Ordering::Less => {
                    row[slack] = Q::of(1);
                    slack += 1;
                }
                Ordering::Greater => {
                    row[slack] = Q::of(-1);
                    slack += 1;
                }
                Ordering::Equal => {}
            }
            row[width - 1] = Q::of(f.rhs.into());
            if f.rhs < 0 {
                for x in &mut row {
                    *x = Q::ZERO.minus(*x);
                }
            }
            row[art0 + i] = Q::of(1);
            basis.push(art0 + i);
            t.push(row);
        }
        // Phase 1 objective row: minimise the artificials' sum.
        let mut phase1 = vec![Q::ZERO; width];
        for row in &t {
            for j in 0..width {
                if j < art0 || j == width - 1 {
                    phase1[j] = phase1[j].minus(row[j]);
                }
            }
        }
        run(&mut t, &mut basis, &mut phase1, width - 1, None);
        assert!(
            phase1[width - 1].zero(),
            "the attacker's facts are contradictory"
        );
        Polytope { t, basis, art0 }
    }

    /// Smallest value of `objective · x` over the set; `None` when unbounded below.
    pub fn minimum(&self, objective: &[i64]) -> Option<Q> {
        let mut t = self.t.clone();
        let mut basis = self.basis.clone();
        let width = t.first().map_or(1, Vec::len);
        // Phase 2: artificial columns may no longer enter.
        let mut z = vec![Q::ZERO; width];
        for (j, &c) in objective.iter().enumerate() {
            z[j] = Q::of(c.into());
        }
        for (i, &b) in basis.iter().enumerate() {
            if !z[b].zero() {
                let f = z[b];
                for j in 0..width {
                    z[j] = z[j].minus(f.times(t[i][j]));
                }
            }
        }
        if !run(&mut t, &mut basis, &mut z, self.art0, Some(self.art0)) {
            return None;
        }
        Some(Q::ZERO.minus(z[width - 1]))
    }
}

/// Simplex iterations on tableau `t` with objective row `z` (reduced costs; its last
/// entry is minus the objective value). Columns `>= enter_limit` never enter.
/// Returns `false` when unbounded. With `artificial = Some(a)` (phase 2), a row whose
/// basic variable is an artificial one (column `>= a`, necessarily at zero) leaves
/// first whenever the entering column touches it, whatever the sign, so that the
/// artificial variable can never grow.
fn run(
    t: &mut [Vec<Q>],
    basis: &mut [usize],
    z: &mut [Q],
    enter_limit: usize,
    artificial: Option<usize>,
) -> bool {
    let last = z.len() - 1;
    loop {
        let Some(e) = (0..enter_limit).find(|&j| z[j].sign() == Ordering::Less) else {
            return true;
        };
        let mut best: Option<(usize, Q)> = None;
        let stuck =
            artificial.and_then(|a| (0..t.len()).find(|&i| basis[i] >= a && !t[i][e].zero()));
        if let Some(i) = stuck {
            best = Some((i, Q::ZERO));
        }
        for i in 0..t.len() {
            if stuck.is_some() {
                break;
            }
            if t[i][e].sign() == Ordering::Greater {
                let r = t[i][last].over(t[i][e]);
                let take = match best {
                    None => true,
                    Some((b, q)) => r < q || (r == q && basis[i] < basis[b]),
                };
                if take {
                    best = Some((i, r));
                }
            }
        }
        let Some((p, _)) = best else {
            return false;
        };
        let pv = t[p][e];
        for j in 0..=last {
            t[p][j] = t[p][j].over(pv);
        }
        for i in 0..t.len() {
            if i != p && !t[i][e].zero() {
                let f = t[i][e];
                for j in 0..=last {
                    if !t[p][j].zero() {
                        t[i][j] = t[i][j].minus(f.times(t[p][j]));
                    }
                }
            }
        }
        if !z[e].zero() {
            let f = z[e];
            for j in 0..=last {
                if !t[p][j].zero() {
                    z[j] = z[j].minus(f.times(t[p][j]));
                }
            }
        }
        basis[p] = e;
    }
}

/// A printed table cell as the reader sees it, with the variables it sums.
#[derive(Clone, Debug)]
pub struct Seen {
    pub what: String,
    pub coef: Vec<i64>,
    pub printed: String,
    /// Whether the cell counts organisations (so `<k` and `n/s` bound it).
    pub count: bool,
}

/// What the attack found out about one hidden cell.
#[derive(Debug)]
pub struct Finding {
    pub lo: i128,
    pub hi: Option<i128>,
}

/// How the documents print small counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printing {
    /// Every count below `k`, zero included, as `<k`: the label means `0..=k-1`.
    ZerosHidden,
    /// Zeros as `0` or `–` and only `1..k` as `<k` (the older rule): the label means
    /// `1..=k-1`.
    ZerosShown,
}

/// Attacks every hidden cell: returns a description of each one that is exposed
/// (determined, pinned by bounds, or a small count narrowed below its `<k` label),
/// and the range found for every hidden cell.
pub fn attack(
    vars: usize,
    seen: &[Seen],
    k: i64,
    printing: Printing,
) -> (Vec<String>, Vec<Finding>) {
    let least_small = match printing {
        Printing::ZerosHidden => 0,
        Printing::ZerosShown => 1,
    };
    let mut facts = Vec::new();
    let mut published = Vec::new();
    for s in seen {
        let small = format!("<{k}");
        let value = if s.printed == "–" && s.count {
            Ok(0)
        } else {
            s.printed.parse::<i64>()
        };
        if let Ok(v) = value {
            facts.push(Fact {
                coef: s.coef.clone(),
                rel: Ordering::Equal,
                rhs: v,
            });
            published.push(s.coef.clone());
        } else if s.count && s.printed == small {
            facts.push(Fact {
                coef: s.coef.clone(),
                rel: Ordering::Less,
                rhs: k - 1,
            });
            if least_small > 0 {
                facts.push(Fact {
                    coef: s.coef.clone(),
                    rel: Ordering::Greater,
                    rhs: least_small,
                });
            }
        } else if s.count && s.printed == "n/s" {
            facts.push(Fact {
                coef: s.coef.clone(),
                rel: Ordering::Greater,
                rhs: k,
            });
        }
    }
    let set = Polytope::new(vars, &facts);
    let mut exposed = Vec::new();
    let mut findings = Vec::new();
    let hidden = |s: &&Seen| s.printed.parse::<i64>().is_err() && !(s.count && s.printed == "–");
    for s in seen.iter().filter(hidden) {
        let linear = in_span(&published, &s.coef);
        let lo = set.minimum(&s.coef).expect("counts are bounded below");
        let neg: Vec<i64> = s.coef.iter().map(|c| -c).collect();
        let hi = set.minimum(&neg).map(|q| Q::ZERO.minus(q));
        for b in [Some(lo), hi].into_iter().flatten() {
            assert!(
                b.integral(),
                "{}: the bound {b:?} is not an integer, so the LP bound may not be sharp",
                s.what
            );
        }
        let (lo, hi) = (lo.ceil(), hi.map(Q::floor));
        let pinned = hi.is_some_and(|h| h <= lo);
        let narrowed = s.count
            && s.printed == format!("<{k}")
            && (lo > i128::from(least_small) || hi.is_some_and(|h| h < i128::from(k - 1)));
        if linear || pinned || narrowed {
            exposed.push(format!(
                "{} printed {:?}: range {lo}..={hi:?}{}",
                s.what,
                s.printed,
                if linear {
                    ", a linear combination of published cells"
                } else {
                    ""
                }
            ));
        }
        findings.push(Finding { lo, hi });
    }
    (exposed, findings)
}
