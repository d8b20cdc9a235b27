//! Exact rational numbers for the disclosure engine's linear algebra and bounds.
//!
//! Numerator and denominator are `i128`, kept reduced with a positive denominator.
//! Every operation is checked: an overflow is an error ([`Overflow`]), never a wrong
//! answer or a panic. Tables of counts give small entries (their constraint matrices
//! are mostly 0/1), so overflow needs tables far beyond what a document prints.

use std::cmp::Ordering;

/// An arithmetic result did not fit in 128 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// A reduced fraction `num / den` with `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rat {
    num: i128,
    den: i128,
}

/// The greatest common divisor of `|a|` and `|b|` (`gcd(0, 0) = 0`).
///
/// The entries of a table's tableau are small, so both usually fit in 64 bits; then
/// Stein's binary algorithm on `u64` runs instead of Euclid's on `i128`, whose every
/// step is a software 128-bit division (a quarter of the engine's time before). The
/// result is the same number either way.
fn gcd(a: i128, b: i128) -> i128 {
    if let (Ok(x), Ok(y)) = (
        u64::try_from(a.unsigned_abs()),
        u64::try_from(b.unsigned_abs()),
    ) {
        return i128::from(gcd64(x, y));
    }
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Stein's binary GCD on `u64`.
fn gcd64(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            (a, b) = (b, a);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// `a / b` for `b` dividing `a` exactly, in 64-bit arithmetic when both fit (the same
/// quotient, without a software 128-bit division).
fn exact_div(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) if y != -1 => i128::from(x / y),
        _ => a / b,
    }
}

impl Rat {
    /// Zero.
    pub const ZERO: Rat = Rat { num: 0, den: 1 };
    /// One.
    pub const ONE: Rat = Rat { num: 1, den: 1 };

    /// The integer `n`.
    pub fn int(n: i128) -> Rat {
        Rat { num: n, den: 1 }
    }

    /// `num / den`, reduced; `den` must not be zero.
    fn new(num: i128, den: i128) -> Result<Rat, Overflow> {
        if den == 0 {
            return Err(Overflow);
        }
        if den == 1 {
            return Ok(Rat { num, den });
        }
        let g = gcd(num, den);
        let (mut n, mut d) = (exact_div(num, g), exact_div(den, g));
        if d < 0 {
            n = n.checked_neg().ok_or(Overflow)?;
            d = d.checked_neg().ok_or(Overflow)?;
        }
        Ok(Rat { num: n, den: d })
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// Whether the value is strictly negative.
    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    /// Whether the value is strictly positive.
    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// `self + o`.
    pub fn add(self, o: Rat) -> Result<Rat, Overflow> {
        if self.den == 1 && o.den == 1 {
            return Ok(Rat::int(self.num.checked_add(o.num).ok_or(Overflow)?));
        }
        let g = gcd(self.den, o.den);
        let (a, b) = (exact_div(self.den, g), exact_div(o.den, g));
        let num = self
            .num
            .checked_mul(b)
            .and_then(|x| o.num.checked_mul(a).and_then(|y| x.checked_add(y)))
            .ok_or(Overflow)?;
        let den = self.den.checked_mul(b).ok_or(Overflow)?;
        Rat::new(num, den)
    }

    /// `-self`.
    pub fn neg(self) -> Result<Rat, Overflow> {
        Ok(Rat {
            num: self.num.checked_neg().ok_or(Overflow)?,
            den: self.den,
        })
    }

    /// `self - o`.
    pub fn sub(self, o: Rat) -> Result<Rat, Overflow> {
        self.add(o.neg()?)
    }

    /// `self * o`.
    pub fn mul(self, o: Rat) -> Result<Rat, Overflow> {
        if self.num == 0 || o.num == 0 {
            return Ok(Rat::ZERO);
        }
        if self.den == 1 && o.den == 1 {
            return Ok(Rat::int(self.num.checked_mul(o.num).ok_or(Overflow)?));
        }
        // Cross-reduce first so intermediate products stay small.
        let g1 = gcd(self.num, o.den);
        let g2 = gcd(o.num, self.den);
        let num = exact_div(self.num, g1)
            .checked_mul(exact_div(o.num, g2))
            .ok_or(Overflow)?;
        let den = exact_div(self.den, g2)
            .checked_mul(exact_div(o.den, g1))
            .ok_or(Overflow)?;
        Rat::new(num, den)
    }

    /// `self / o`; dividing by zero is an error.
    pub fn div(self, o: Rat) -> Result<Rat, Overflow> {
        if o.num == 0 {
            return Err(Overflow);
        }
        self.mul(Rat::new(o.den, o.num)?)
    }

    /// The largest integer `<= self`.
    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }

    /// The smallest integer `>= self`.
    pub fn ceil(self) -> i128 {
        -((-self.num).div_euclid(self.den))
    }
}

impl PartialOrd for Rat {
    fn partial_cmp(&self, other: &Rat) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rat {
    fn cmp(&self, other: &Rat) -> Ordering {
        // Denominators are positive, so cross-multiplying keeps the order; fall back
        // to comparing the difference's sign when a product would overflow.
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => {
                let (fa, fb) = (self.floor(), other.floor());
                if fa != fb {
                    fa.cmp(&fb)
                } else {
                    // Same integer part: compare the fractional parts' reciprocals.
                    let ra = Rat::new(self.num - fa * self.den, self.den);
                    let rb = Rat::new(other.num - fb * other.den, other.den);
                    match (ra, rb) {
                        (Ok(a), Ok(b)) if a.num == 0 || b.num == 0 => a.num.cmp(&b.num),
                        (Ok(a), Ok(b)) => Rat {
                            num: b.den,
                            den: b.num,
                        }
                        .cmp(&Rat {
                            num: a.den,
                            den: a.num,
                        }),
                        _ => Ordering::Equal,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::RngCore;

    fn r(n: i128, d: i128) -> Rat {
        Rat::new(n, d).expect("valid")
    }

    #[test]
    fn arithmetic_is_exact_and_reduced() {
        assert_eq!(r(1, 3).add(r(1, 6)), Ok(r(1, 2)));
        assert_eq!(r(2, 4), Rat { num: 1, den: 2 });
        assert_eq!(r(1, -2), Rat { num: -1, den: 2 });
        assert_eq!(r(3, 4).mul(r(2, 9)), Ok(r(1, 6)));
        assert_eq!(r(3, 4).div(r(3, 8)), Ok(Rat::int(2)));
        assert_eq!(r(1, 2).sub(r(3, 4)), Ok(r(-1, 4)));
        assert_eq!(Rat::ONE.div(Rat::ZERO), Err(Overflow));
    }

    #[test]
    fn the_64_bit_shortcuts_agree_with_128_bit_euclid() {
        let euclid = |a: i128, b: i128| {
            let (mut a, mut b) = (a.abs(), b.abs());
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let mut r = crate::stats::rng::generator([7; 32], 0);
        let mut draw = |bits: u32| {
            let x = i128::from(r.next_u64() >> (64 - bits));
            if r.next_u32() & 1 == 0 { x } else { -x }
        };
        let edges = [
            0,
            1,
            -1,
            2,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            1 << 64,
            -(1 << 70),
        ];
        let mut pairs: Vec<(i128, i128)> = edges
            .iter()
            .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
            .collect();
        for bits in [3, 12, 40, 63] {
            for _ in 0..2000 {
                let common = draw(bits.min(20)).max(1);
                pairs.push((draw(bits) * common, draw(bits) * common));
            }
        }
        for (a, b) in pairs {
            assert_eq!(gcd(a, b), euclid(a, b), "gcd({a}, {b})");
            if b != 0 && a % b == 0 {
                assert_eq!(exact_div(a, b), a / b, "{a} / {b}");
            }
        }
    }

    #[test]
    fn floor_and_ceil_round_towards_the_right_side() {
        assert_eq!((r(7, 2).floor(), r(7, 2).ceil()), (3, 4));
        assert_eq!((r(-7, 2).floor(), r(-7, 2).ceil()), (-4, -3));
        assert_eq!((Rat::int(5).floor(), Rat::int(5).ceil()), (5, 5));
    }

    #[test]
    fn order_and_overflow() {
        assert!(r(1, 3) < r(1, 2));
        assert!(r(-1, 2) < Rat::ZERO);
        assert_eq!(Rat::int(i128::MAX).add(Rat::ONE), Err(Overflow));
        let big = r(i128::MAX - 1, i128::MAX);
        assert!(big < Rat::ONE);
        assert!(r(1, i128::MAX) > Rat::ZERO);
    }
}
